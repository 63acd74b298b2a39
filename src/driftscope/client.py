"""A Python client of the monitoring service's REST API (`driftscope serve`, docs/service.md).

`Client` sends each call to ``/api/v1`` with an API token and returns frozen dataclasses
(`Model`, `Version`, `AliasMove`, `Run`, `Job`, `User`, `Token`, `NewToken`, `Logged`, `Page`,
`AlertRule`, `Alert`, `AlertEvent`, `Notifier`, `Delivery`),
or plain dicts where the API answers free JSON (a run's report, a model's timeline, the
ingestion status). A refusal of the
service (an RFC 9457 problem) is raised as `ServiceRequestError` naming the field at fault; a
service that cannot be reached as `ServiceConnectionError` naming the URL.

It needs httpx, in the ``server`` extra; importing this module without it says how to install it.
"""

from __future__ import annotations

import dataclasses
import io
import os
import time
import types
import typing
from collections.abc import Mapping
from datetime import date as date_type
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Generic, TypeVar

from driftscope.exceptions import (
    ExtraMissingError,
    InputFileNotFoundError,
    InputTypeError,
    ServiceConnectionError,
    ServiceRequestError,
    ServiceTimeoutError,
)

if TYPE_CHECKING:
    from driftscope.data.profile import Profile

try:
    import httpx
except ImportError:  # pragma: no cover - exercised in a subprocess by the tests
    raise ExtraMissingError(
        "The driftscope client needs httpx, which is not installed: "
        'pip install "driftscope[server]"'
    ) from None

__all__ = [
    "DEFAULT_URL",
    "Alert",
    "AlertEvent",
    "AlertRule",
    "AliasMove",
    "Client",
    "Delivery",
    "Estimate",
    "Job",
    "JobLogLine",
    "Logged",
    "Metric",
    "MlflowLink",
    "Model",
    "NewToken",
    "Notifier",
    "Page",
    "Run",
    "Shadow",
    "Token",
    "User",
    "Version",
]

#: Where the client looks for the service when neither ``url`` nor ``DRIFTSCOPE_URL`` says.
DEFAULT_URL = "http://127.0.0.1:8000"
_API = "/api/v1"

#: A table to upload: a file path (CSV, TSV, Parquet, JSON Lines), a pandas DataFrame (sent as
#: Parquet), the bytes of a file (Parquet when they start with Parquet's magic number, else
#: CSV), or a ``(filename, bytes)`` pair whose extension gives the format.
Table = str | os.PathLike[str] | bytes | tuple[str, bytes] | Any

#: A batch to log: a pandas DataFrame, a pyarrow Table or RecordBatch, a mapping of column name
#: to values, or a list of records (column name to value).
Batch = Any

_ARROW = "application/vnd.apache.arrow.stream"


@dataclasses.dataclass(frozen=True)
class JobLogLine:
    """A line of a job's log: when, during which attempt (0: before the first), and what."""

    at: datetime
    attempt: int
    message: str


@dataclasses.dataclass(frozen=True)
class Job:
    """A job (an analysis, a notification's delivery, an MLflow logging): ``status`` is queued,
    running, done or failed; a queued retry waits until ``not_before`` (None: due now); ``log``
    says what happened to it (each attempt's start, steps and end), oldest first."""

    id: int
    kind: str
    status: str
    attempts: int
    max_attempts: int
    progress: str
    error: str | None
    created_at: datetime
    not_before: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    log: tuple[JobLogLine, ...] = ()


@dataclasses.dataclass(frozen=True)
class Metric:
    """A performance metric of a run, with its confidence interval (``lower``, ``upper``), its
    ``status`` (ok, warning, alert) and whether it is one of the task's primary metrics."""

    name: str
    value: float | None
    lower: float | None
    upper: float | None
    status: str
    primary: bool


@dataclasses.dataclass(frozen=True)
class Estimate:
    """A performance metric of a run estimated without its labels (``method`` cbpe or dle):
    the ``estimate`` and its band (``lower``, ``upper``), the ``baseline`` it is held to and the
    ``status``; once labels arrived, the ``realised`` value (on ``realised_rows`` rows) and
    whether it fell ``within_band``."""

    name: str
    method: str
    estimate: float | None
    lower: float | None
    upper: float | None
    baseline: float | None
    status: str
    primary: bool
    realised: float | None
    realised_rows: int
    within_band: bool | None


@dataclasses.dataclass(frozen=True)
class Shadow:
    """A run compared with the model's shadow version (``candidate_version``, its ``staging``
    one): the ``agreement`` rate with its interval, the ``verdict`` in words, and on the
    labelled rows the primary ``metric`` of production and of the shadow, the ``difference``
    (shadow minus production), its ``p_value`` and the ``better`` one; ``error`` when the
    shadow could not score the run."""

    candidate_version: int
    n_rows: int
    agreement: float | None
    agreement_low: float | None
    agreement_high: float | None
    verdict: str
    metric: str | None
    production_value: float | None
    candidate_value: float | None
    difference: float | None
    p_value: float | None
    better: str | None
    error: str | None


@dataclasses.dataclass(frozen=True)
class Model:
    """A registered model; ``aliases`` maps ``production``/``staging`` to a version number,
    ``period`` (hour, day or week) groups its logged predictions into runs, and its data is
    kept ``retention_days`` (None: everything is kept)."""

    id: int
    name: str
    task: str
    description: str
    created_at: datetime
    created_by: str
    period: str
    retention_days: int | None
    aliases: Mapping[str, int]
    n_versions: int
    #: Whether its versions keep their baseline's rows beside its profile (False: the profile
    #: alone; the analyses that need rows are reported as not run).
    keep_raw_baseline: bool = True


@dataclasses.dataclass(frozen=True)
class Version:
    """A model version: its baseline's columns that play a role, schema and benchmarks."""

    number: int
    created_at: datetime
    created_by: str
    target: str | None
    prediction: str | None
    proba_prefix: str | None
    timestamp: str | None
    id_column: str | None
    inputs_column: str | None
    model_format: str | None
    preprocessor_format: str | None
    benchmarks: Mapping[str, float]
    n_baseline_rows: int
    schema: Mapping[str, Any]
    #: Whether the version keeps its baseline's rows, and its baseline's profile.
    raw_baseline: bool = True
    baseline_profile: bool = False


@dataclasses.dataclass(frozen=True)
class AliasMove:
    """One move of an alias (``action`` is promote or rollback), by whom and when; a version
    deleted since keeps its number and is said deleted."""

    alias: str
    action: str
    from_version: int | None
    to_version: int | None
    actor: str
    at: datetime
    from_version_deleted: bool = False
    to_version_deleted: bool = False
    #: With the model's MLflow link moving aliases: whether MLflow's alias followed, and what
    #: was done there or why it was not (None, None: the model's link moves no alias).
    mlflow_followed: bool | None = None
    mlflow: str | None = None


@dataclasses.dataclass(frozen=True)
class MlflowLink:
    """A model's link to MLflow: the tracking server, the registered model its versions come
    from (None: none), the ``experiment`` its runs are logged to, whether the service logs each
    analysed run (``log_runs``) and moves the registered model's aliases with driftscope's
    (``move_aliases``); and how it last went: the last run logged and when, the last error and
    when."""

    model: str
    tracking_uri: str
    registered_model: str | None
    experiment: str
    log_runs: bool
    move_aliases: bool
    created_by: str
    updated_at: datetime
    last_logged_run: int | None
    last_logged_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None


@dataclasses.dataclass(frozen=True)
class Run:
    """A production run of ``model``, uploaded or gathered from logged predictions (``source``):
    ``status`` is pending until its analysis ends, then analysed (with a ``verdict`` and how
    many data-quality checks warned and alerted, and its performance ``metrics`` where it had
    ground truth, primary ones first) or failed (with an ``error``). ``estimates``: its
    performance estimated without labels (with the realised value once they arrived);
    ``n_labelled`` rows had ground truth; ``n_feedback`` feedback on its rows, of which
    ``negative_feedback`` thumbs down; ``shadow``: its comparison with the model's shadow
    version, if it had one. ``notes`` say what the analysis met on the way, e.g. a
    schema change. ``mlflow_run_id`` and ``mlflow_run_url``: the MLflow run the service logged
    it to, through the model's MLflow link."""

    model: str
    id: int
    version: int
    date: datetime
    created_at: datetime
    created_by: str
    n_rows: int
    status: str
    error: str | None
    verdict: str | None
    drift_share: float | None
    dataset_drifted: bool | None
    quality_warnings: int | None
    quality_alerts: int | None
    analysed_at: datetime | None
    source: str
    notes: tuple[str, ...]
    job: Job | None
    metrics: tuple[Metric, ...] = ()
    estimates: tuple[Estimate, ...] = ()
    n_labelled: int | None = None
    n_feedback: int | None = None
    negative_feedback: int | None = None
    shadow: Shadow | None = None
    mlflow_run_id: str | None = None
    mlflow_run_url: str | None = None


@dataclasses.dataclass(frozen=True)
class User:
    id: int
    username: str
    role: str
    active: bool
    created_at: datetime


@dataclasses.dataclass(frozen=True)
class Token:
    """An API token, without its secret: ``prefix`` is the secret's first characters."""

    id: int
    name: str
    prefix: str
    role: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


@dataclasses.dataclass(frozen=True)
class NewToken(Token):
    """A token just created, with its secret ``token`` (``dsk_...``): shown this once only."""

    token: str


@dataclasses.dataclass(frozen=True)
class Logged:
    """A logged batch of predictions: how many rows the service ``received``, and the start of
    each period they fall in."""

    received: int
    periods: tuple[datetime, ...]


@dataclasses.dataclass(frozen=True)
class AlertRule:
    """An alert rule of a model (docs/alerts.md): ``signal`` (of ``subject``, by ``measure``)
    ``comparator`` ``threshold`` on ``for_runs`` consecutive runs (and for ``for_seconds``);
    ``error`` says why it could not be evaluated the last time."""

    id: int
    name: str
    signal: str
    subject: str | None
    measure: str | None
    relative: bool
    interval_excludes: bool
    comparator: str
    threshold: float
    for_runs: int
    for_seconds: int | None
    severity: str
    min_labelled_share: float | None
    min_label_age_seconds: int | None
    renotify_seconds: int | None
    enabled: bool
    error: str | None
    created_by: str
    created_at: datetime
    #: A change-point rule's detector parameters (None for the other signals).
    parameters: dict[str, Any] | None = None


@dataclasses.dataclass(frozen=True)
class Alert:
    """An alert of a rule: ``state`` firing or resolved, its data times, the run and ``value``
    that fired it."""

    id: int
    model: str
    rule_id: int
    rule: str
    key: str
    fingerprint: str
    state: str
    severity: str
    started_at: datetime
    resolved_at: datetime | None
    run_id: int | None
    value: float | None
    threshold: float
    message: str
    last_run_id: int | None
    last_value: float | None
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    silenced_until: datetime | None
    last_notified_at: datetime | None


@dataclasses.dataclass(frozen=True)
class AlertEvent:
    """One change of an alert: fired, resolved, acknowledged, silenced or notified."""

    at: datetime
    kind: str
    run_id: int | None
    run_date: datetime | None
    value: float | None
    actor: str | None
    message: str


@dataclasses.dataclass(frozen=True)
class Notifier:
    """Where alerts are sent: ``kind`` webhook, slack or email, with that kind's fields;
    ``secret_set`` says whether its secret (never shown) is set."""

    id: int
    name: str
    kind: str
    url: str | None
    host: str | None
    port: int | None
    security: str | None
    username: str | None
    sender: str | None
    recipients: tuple[str, ...] | None
    ca_file: str | None
    models: tuple[str, ...] | None
    min_severity: str
    enabled: bool
    secret_set: bool
    created_by: str
    created_at: datetime


@dataclasses.dataclass(frozen=True)
class Delivery:
    """A notification to one notifier (``event`` firing, reminder, resolved or test):
    ``status`` queued (until ``next_attempt_at``), running, done or failed, with its log; a
    failed one is queued again with `Client.retry_job` of its ``job_id``."""

    id: int
    job_id: int
    notifier_id: int
    notifier: str
    alert_id: int | None
    event: str
    status: str
    attempts: int
    max_attempts: int
    error: str | None
    created_at: datetime
    next_attempt_at: datetime | None
    finished_at: datetime | None
    log: tuple[JobLogLine, ...] = ()


T = TypeVar("T")


@dataclasses.dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list: ``items`` from ``offset`` (at most ``limit``), of ``total`` in all."""

    items: tuple[T, ...]
    total: int
    offset: int
    limit: int


def _is_datetime(hint: Any) -> bool:
    return hint is datetime or (
        isinstance(hint, types.UnionType) and datetime in typing.get_args(hint)
    )


def _build(cls: type[T], data: Mapping[str, Any], **extra: Any) -> T:
    """A result dataclass from the API's JSON: its fields taken by name, times parsed."""
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    for field in dataclasses.fields(cls):  # type: ignore[arg-type]
        value = extra[field.name] if field.name in extra else data.get(field.name)
        hint = hints[field.name]
        if isinstance(value, str) and _is_datetime(hint):
            value = datetime.fromisoformat(value)
        elif isinstance(value, list) and typing.get_origin(hint) is tuple:
            # A list of results (a job's log, a run's metrics): each built the same way.
            item = typing.get_args(hint)[0]
            built = dataclasses.is_dataclass(item)
            value = tuple(_build(item, v) if built else v for v in value)
        values[field.name] = value
    return cls(**values)


class Client:
    """The monitoring service, over its REST API.

    Parameters
    ----------
    url
        The service's address, e.g. ``http://127.0.0.1:8000`` (a trailing ``/api/v1`` is
        allowed). Default: ``DRIFTSCOPE_URL``, else `DEFAULT_URL`.
    token
        An API token (``dsk_...``, made with `create_token` or ``driftscope tokens create``).
        Default: ``DRIFTSCOPE_TOKEN``. Without one, only `log_in` and `health` work.
    timeout
        Seconds to wait for each answer (an upload included).

    Notes
    -----
    Use it as a context manager, or call `close`, to release its connections. Every refusal of
    the service raises `ServiceRequestError` with the HTTP ``status``, the problem's ``detail``
    and the ``field`` at fault; an unreachable service raises `ServiceConnectionError`.

    Examples
    --------
    >>> from driftscope import Client
    >>> with Client("http://127.0.0.1:8000", token="dsk_example") as client:
    ...     client.url
    'http://127.0.0.1:8000'
    """

    def __init__(
        self, url: str | None = None, token: str | None = None, *, timeout: float = 60.0
    ) -> None:
        given = url or os.environ.get("DRIFTSCOPE_URL") or DEFAULT_URL
        self.url = given.rstrip("/").removesuffix(_API).rstrip("/")
        self.token = token or os.environ.get("DRIFTSCOPE_TOKEN") or None
        self.timeout = timeout
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        self._http = httpx.Client(base_url=self.url + _API, headers=headers, timeout=timeout)

    def __repr__(self) -> str:
        return f"Client({self.url!r})"

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections to the service."""
        self._http.close()

    # -- the one place requests are sent and refusals turned into errors --------------------

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._response(method, path, **kwargs)
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    def _response(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TimeoutException:
            raise ServiceTimeoutError(
                f"The driftscope service at {self.url} did not answer {method} {_API}{path} "
                f"within {self.timeout:g} s."
            ) from None
        except httpx.TransportError as exc:
            raise ServiceConnectionError(
                f"Cannot reach the driftscope service at {self.url} ({exc or type(exc).__name__}"
                "); is `driftscope serve` running there? Set the address with --url or "
                "DRIFTSCOPE_URL."
            ) from None
        if response.is_error:
            raise _problem_error(response)
        return response

    # -- session --------------------------------------------------------------------------

    def health(self) -> bool:
        """Whether the service answers (no login needed)."""
        answer = self._request("GET", "/health")
        return isinstance(answer, dict) and answer.get("status") == "ok"

    def log_in(self, username: str, password: str) -> str:
        """Log in with a password instead of a token (to make the first token); the role."""
        me = self._request("POST", "/auth/login", json={"username": username, "password": password})
        self._http.headers["X-CSRF-Token"] = me["csrf_token"]
        role: str = me["role"]
        return role

    # -- models, versions, aliases --------------------------------------------------------

    def models(
        self, search: str | None = None, *, offset: int = 0, limit: int = 100
    ) -> Page[Model]:
        """The models by name, those whose name contains ``search`` when given."""
        params: dict[str, Any] = {"offset": offset, "limit": limit}
        if search:
            params["search"] = search
        return _page(self._request("GET", "/models", params=params), Model)

    def model(self, name: str) -> Model:
        return _build(Model, self._request("GET", f"/models/{_part(name)}"))

    def create_model(
        self,
        name: str,
        task: str,
        description: str = "",
        period: str = "day",
        *,
        keep_raw_baseline: bool = True,
    ) -> Model:
        """Register a model; ``task`` is binary_classification, multiclass_classification,
        regression or text_classification (or, on files, image_classification,
        image_segmentation, speech_recognition); ``period`` (hour, day or week) groups its
        logged predictions into runs; without ``keep_raw_baseline`` its versions keep their
        baseline as a profile alone (tabular models)."""
        body = {
            "name": name,
            "task": task,
            "description": description,
            "period": period,
            "keep_raw_baseline": keep_raw_baseline,
        }
        return _build(Model, self._request("POST", "/models", json=body))

    def set_raw_baseline(self, model: str, keep: bool) -> Model:
        """Whether the model's versions added from now on keep their baseline's rows beside its
        profile; the versions it has keep what they stored."""
        body = {"keep_raw_baseline": keep}
        return _build(
            Model, self._request("PUT", f"/models/{_part(model)}/raw-baseline", json=body)
        )

    def delete_model(self, name: str) -> None:
        """Delete a model with its versions, runs and jobs."""
        self._request("DELETE", f"/models/{_part(name)}")

    def set_period(self, model: str, period: str) -> str:
        """Group the model's logged predictions by ``period`` (hour, day or week) from now on;
        the period."""
        answer = self._request("PUT", f"/models/{_part(model)}/period", json={"period": period})
        return str(answer["period"])

    def set_retention(self, model: str, days: int | None) -> Model:
        """Keep the model's runs, logged predictions, labels and feedback ``days`` days (by
        the data's date), or everything (None)."""
        answer = self._request("PUT", f"/models/{_part(model)}/retention", json={"days": days})
        return _build(Model, answer)

    def add_version(
        self,
        model: str,
        baseline: Table,
        *,
        target: str | None = None,
        prediction: str | None = None,
        proba_prefix: str | None = None,
        timestamp: str | None = None,
        id_column: str | None = None,
        inputs_column: str | None = None,
        schema: Mapping[str, Any] | None = None,
        benchmarks: Mapping[str, float] | None = None,
        model_file: str | os.PathLike[str] | None = None,
        preprocessor: str | os.PathLike[str] | None = None,
    ) -> Version:
        """Add a version of ``model``, numbered after the last.

        Parameters
        ----------
        model
            The model's name.
        baseline
            The reference data: a path, a DataFrame, bytes or ``(filename, bytes)``.
        target, prediction, proba_prefix, timestamp, id_column, inputs_column
            The baseline's columns that play these roles (``proba_prefix``: columns
            ``<prefix><class>`` with the class probabilities; ``inputs_column``: an image or
            audio model's file column).
        schema
            Overrides of the inferred schema, as in docs/schema.md.
        benchmarks
            The metrics the model must keep, e.g. ``{"accuracy": 0.92}``.
        model_file, preprocessor
            Paths of the model file (ONNX or skops) and of its preprocessor (skops); pickle and
            joblib files only when the server allows them.
        """
        import json

        fields = {
            "target": target,
            "prediction": prediction,
            "proba_prefix": proba_prefix,
            "timestamp": timestamp,
            "id_column": id_column,
            "inputs_column": inputs_column,
            "schema": json.dumps(dict(schema)) if schema is not None else None,
            "benchmarks": json.dumps(dict(benchmarks)) if benchmarks is not None else None,
        }
        with _Files() as files:
            files.table("baseline", baseline)
            files.path("model_file", model_file)
            files.path("preprocessor", preprocessor)
            answer = self._request(
                "POST",
                f"/models/{_part(model)}/versions",
                data={k: v for k, v in fields.items() if v is not None},
                files=files.items,
            )
        return _build(Version, answer)

    def version_profile(self, model: str, number: int) -> Profile:
        """The version's baseline profile, a `driftscope.Profile` (what its runs are compared
        with when the model keeps no raw baseline; its schema is the one to profile runs
        with)."""
        from driftscope.data.profile import Profile

        answer = self._response("GET", f"/models/{_part(model)}/versions/{int(number)}/profile")
        return Profile.from_bytes(answer.content, source=f"version {number} of {model!r}")

    def versions(self, model: str) -> list[Version]:
        """The versions of ``model``, oldest first."""
        answer = self._request("GET", f"/models/{_part(model)}/versions")
        return [_build(Version, item) for item in answer]

    def version(self, model: str, number: int) -> Version:
        return _build(Version, self._request("GET", f"/models/{_part(model)}/versions/{number}"))

    def delete_version(self, model: str, number: int) -> None:
        """Delete a version with its runs; an alias on it goes too."""
        self._request("DELETE", f"/models/{_part(model)}/versions/{number}")

    def promote(self, model: str, version: int, alias: str = "production") -> AliasMove:
        """Point ``alias`` (``production`` or ``staging``) at ``version``."""
        path = f"/models/{_part(model)}/aliases/{_part(alias)}"
        return _build(AliasMove, self._request("POST", path, json={"version": version}))

    def rollback(self, model: str, alias: str = "production") -> AliasMove:
        """Point ``alias`` back at the version it held before its last promotion."""
        path = f"/models/{_part(model)}/aliases/{_part(alias)}/rollback"
        return _build(AliasMove, self._request("POST", path))

    def alias_history(self, model: str) -> list[AliasMove]:
        """Every move of the model's aliases, newest first."""
        answer = self._request("GET", f"/models/{_part(model)}/aliases/history")
        return [_build(AliasMove, item) for item in answer]

    # -- the link to MLflow ---------------------------------------------------------------

    def mlflow_link(self, model: str) -> MlflowLink | None:
        """The model's link to MLflow and how it last went; None when it has none."""
        try:
            answer = self._request("GET", f"/models/{_part(model)}/mlflow")
        except ServiceRequestError as exc:
            if exc.status == 404 and "not linked" in str(exc):
                return None
            raise
        return _build(MlflowLink, answer)

    def link_mlflow(
        self,
        model: str,
        tracking_uri: str,
        *,
        registered_model: str | None = None,
        experiment: str | None = None,
        log_runs: bool = True,
        move_aliases: bool = False,
        check: bool = True,
    ) -> MlflowLink:
        """Link the model to MLflow (or change its link): the service logs each analysed run to
        ``experiment`` (default: the model's name) when ``log_runs``, and moves the
        ``registered_model``'s aliases with its own when ``move_aliases``. With ``check`` the
        service refuses a tracking server that does not answer or lacks the registered model."""
        body = {
            "tracking_uri": tracking_uri,
            "registered_model": registered_model,
            "experiment": experiment,
            "log_runs": log_runs,
            "move_aliases": move_aliases,
            "check": check,
        }
        answer = self._request("PUT", f"/models/{_part(model)}/mlflow", json=body)
        return _build(MlflowLink, answer)

    def unlink_mlflow(self, model: str) -> None:
        """Remove the model's link to MLflow (what MLflow holds stays)."""
        self._request("DELETE", f"/models/{_part(model)}/mlflow")

    # -- runs -----------------------------------------------------------------------------

    def upload_run(
        self,
        model: str,
        data: Table,
        *,
        date: datetime | date_type | str | None = None,
        labels: Table | None = None,
        version: int | None = None,
    ) -> Run:
        """Upload a production run; its analysis is queued and the run comes back pending
        (see `wait`).

        Parameters
        ----------
        model
            The model's name.
        data
            The production rows with the model's predictions: a path, a DataFrame, bytes or
            ``(filename, bytes)``.
        date
            When production saw the rows (default: now).
        labels
            Ground truth in a table of its own, joined by the version's id column.
        version
            The version to compare with (default: the ``production`` alias, else the latest).
        """
        fields = _run_fields(date, version)
        with _Files() as files:
            files.table("data", data)
            if labels is not None:
                files.table("labels", labels)
            answer = self._request(
                "POST", f"/models/{_part(model)}/runs", data=fields, files=files.items
            )
        return _run(model, answer)

    def upload_profile(
        self,
        model: str,
        profile: Any,
        *,
        date: datetime | date_type | str | None = None,
        version: int | None = None,
    ) -> Run:
        """Send a production run as its profile instead of its rows (a Spark job profiles the
        table where it lies); its analysis is queued and the run comes back pending.

        Parameters
        ----------
        model
            The model's name.
        profile
            A `driftscope.Profile` made with the version's schema (``client.version(model,
            n).schema``), the path of one saved with `Profile.save`, or its bytes.
        date
            When production saw the rows (default: now).
        version
            The version to compare with (default: the ``production`` alias, else the latest).
        """
        from driftscope.data.profile import Profile

        fields = _run_fields(date, version)
        with _Files() as files:
            if isinstance(profile, str | os.PathLike):
                files.path("profile", profile)
            elif isinstance(profile, bytes):
                files.items["profile"] = ("run.profile", profile)
            elif isinstance(profile, Profile):
                files.items["profile"] = ("run.profile", profile.to_bytes())
            else:
                raise InputTypeError(
                    "The 'profile' of upload_profile must be a driftscope Profile, a path or "
                    f"bytes. Got {type(profile).__name__}."
                )
            answer = self._request(
                "POST", f"/models/{_part(model)}/runs", data=fields, files=files.items
            )
        return _run(model, answer)

    def runs(
        self,
        model: str,
        *,
        since: datetime | date_type | str | None = None,
        until: datetime | date_type | str | None = None,
        offset: int = 0,
        limit: int = 100,
    ) -> Page[Run]:
        """The model's runs, newest data first, those dated in [``since``, ``until``)."""
        params: dict[str, Any] = {"offset": offset, "limit": limit} | _period(since, until)
        answer = self._request("GET", f"/models/{_part(model)}/runs", params=params)
        items = tuple(_run(model, item) for item in answer["items"])
        return Page(items, answer["total"], answer["offset"], answer["limit"])

    def run(self, model: str, run_id: int) -> Run:
        return _run(model, self._request("GET", f"/models/{_part(model)}/runs/{run_id}"))

    def report(self, model: str, run_id: int) -> dict[str, Any]:
        """The run's full report: the JSON ``driftscope report --json`` writes."""
        answer: dict[str, Any] = self._request(
            "GET", f"/models/{_part(model)}/runs/{run_id}/report"
        )
        return answer

    def run_explanations(self, run_id: int) -> dict[str, Any]:
        """The explanations section of a run's report (``explanation`` and ``error``; see
        docs/report-schema.md#explanations)."""
        answer: dict[str, Any] = self._request("GET", f"/runs/{run_id}/explanations")
        return answer

    def delete_run(self, model: str, run_id: int) -> None:
        self._request("DELETE", f"/models/{_part(model)}/runs/{run_id}")

    def wait(
        self, model: str, run_id: int, *, timeout: float = 600.0, interval: float = 0.5
    ) -> Run:
        """The run once its analysis has ended (analysed or failed) and its job has recorded
        the end, asked every ``interval`` seconds; `ServiceTimeoutError` when it is still
        pending after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            run = self.run(model, run_id)
            # The run's result and its job's end are stored one after the other.
            ended = run.job is None or run.job.status not in ("queued", "running")
            if run.status != "pending" and ended:
                return run
            if time.monotonic() >= deadline:
                raise ServiceTimeoutError(
                    f"Run {run_id} of {model!r} is still pending after {timeout:g} s "
                    f"(its job is {run.job.status if run.job else 'missing'})."
                )
            time.sleep(interval)

    def ab_test(
        self,
        model: str,
        a: int,
        b: int,
        *,
        since: datetime | date_type | str | None = None,
        until: datetime | date_type | str | None = None,
        metric: str | None = None,
    ) -> dict[str, Any]:
        """An A/B test of versions ``a`` (the baseline) and ``b`` over the runs each analysed
        in the range, their rows pooled with their ground truth: each metric's difference with
        its interval and p-value, the split and population checks, the verdict on ``metric``
        (default: the task's primary), and the ``runs`` each arm pooled."""
        params: dict[str, Any] = {**_period(since, until), "a": a, "b": b}
        if metric is not None:
            params["metric"] = metric
        answer: dict[str, Any] = self._request(
            "GET", f"/models/{_part(model)}/ab-test", params=params
        )
        return answer

    def run_shadow(self, model: str, run_id: int) -> dict[str, Any]:
        """The run's whole comparison with the model's shadow version (the ``staging`` one):
        agreement overall and per window, divergence of the outputs, the segments where they
        disagree most, who was right. `NotFound` when the run had no shadow."""
        answer: dict[str, Any] = self._request(
            "GET", f"/models/{_part(model)}/runs/{int(run_id)}/shadow"
        )
        return answer

    def timeline(
        self,
        model: str,
        *,
        since: datetime | date_type | str | None = None,
        until: datetime | date_type | str | None = None,
    ) -> dict[str, Any]:
        """What a dashboard plots, as columns aligned with ``runs`` (the analysed runs in date
        order: date, version, verdict, drift share, data-quality counts) and ``metrics`` (each
        metric's value, interval, baseline and benchmark); ``pandas.DataFrame(t["runs"])``
        makes a table of it."""
        answer: dict[str, Any] = self._request(
            "GET", f"/models/{_part(model)}/timeline", params=_period(since, until)
        )
        return answer

    def feature_timeline(
        self,
        model: str,
        *,
        since: datetime | date_type | str | None = None,
        until: datetime | date_type | str | None = None,
    ) -> dict[str, Any]:
        """Each column's drift over the analysed runs: ``columns`` maps a column to its role,
        ``drifted_runs`` and its method, statistic, p-value, effect size and ``drifted`` per
        run, aligned with ``runs``."""
        answer: dict[str, Any] = self._request(
            "GET", f"/models/{_part(model)}/timeline/features", params=_period(since, until)
        )
        return answer

    # -- logged predictions, labels and feedback ------------------------------------------

    def log_predictions(self, model: str, batch: Batch) -> Logged:
        """Log a batch of the serving version's predictions, sent as an Arrow IPC stream: each
        row with the version's id column, a ``timestamp`` (or the version's timestamp column)
        and the prediction. They become runs by the model's period, analysed once it has ended
        (or on `flush`)."""
        answer = self._request(
            "POST",
            f"/models/{_part(model)}/predictions",
            content=_arrow_stream(batch),
            headers={"Content-Type": _ARROW},
        )
        return Logged(
            int(answer["received"]),
            tuple(datetime.fromisoformat(p) for p in answer["periods"]),
        )

    def log_labels(self, model: str, batch: Batch) -> int:
        """Log ground truth by id (the version's id and target columns; the last label of an
        id wins), sent as an Arrow IPC stream; the runs holding those ids are analysed again.
        How many labels the service received."""
        answer = self._request(
            "POST",
            f"/models/{_part(model)}/labels",
            content=_arrow_stream(batch),
            headers={"Content-Type": _ARROW},
        )
        return int(answer["received"])

    def log_feedback(self, model: str, batch: Batch) -> int:
        """Log feedback on predictions, sent as JSON columns: ``id``, ``score`` (1 thumbs up,
        -1 down) and optionally ``comment``. How many the service received."""
        import json

        columns = _arrow_table(batch).to_pydict()
        answer = self._request(
            "POST",
            f"/models/{_part(model)}/feedback",
            content=json.dumps({"columns": columns}, default=_json_value, allow_nan=False),
            headers={"Content-Type": "application/json"},
        )
        return int(answer["received"])

    def flush(self, model: str) -> int:
        """Analyse now every period with logged predictions not analysed yet, the open one
        too; how many analyses were queued."""
        return int(self._request("POST", f"/models/{_part(model)}/predictions/flush")["queued"])

    def ingestion(self, model: str) -> dict[str, Any]:
        """The model's ingestion status: rows received, rows waiting for their period's
        analysis (and since when), runs pending, the last analysis error, and how many labels
        and feedback are stored."""
        answer: dict[str, Any] = self._request("GET", f"/models/{_part(model)}/ingestion")
        return answer

    # -- jobs -----------------------------------------------------------------------------

    def jobs(self, status: str | None = None, *, offset: int = 0, limit: int = 100) -> Page[Job]:
        """The analysis jobs, newest first; only those in ``status`` when given."""
        params: dict[str, Any] = {"offset": offset, "limit": limit}
        if status is not None:
            params["status"] = status
        return _page(self._request("GET", "/jobs", params=params), Job)

    def job(self, job_id: int) -> Job:
        return _build(Job, self._request("GET", f"/jobs/{job_id}"))

    def retry_job(self, job_id: int) -> Job:
        """Queue a failed job again, with a fresh set of attempts."""
        return _build(Job, self._request("POST", f"/jobs/{job_id}/retry"))

    # -- alert rules and alerts ---------------------------------------------------------

    def alert_rules(self, model: str) -> list[AlertRule]:
        return [
            _build(AlertRule, item)
            for item in self._request("GET", f"/models/{_part(model)}/alert-rules")
        ]

    def add_alert_rule(
        self,
        model: str,
        name: str,
        signal: str,
        comparator: str,
        threshold: float,
        **fields: Any,
    ) -> AlertRule:
        """Add an alert rule; ``fields`` are the optional ones of docs/alerts.md (``subject``,
        ``measure``, ``parameters``, ``for_runs``, ``severity``, ...)."""
        body: dict[str, Any] = {"name": name, "signal": signal, "comparator": comparator}
        body |= {"threshold": threshold, **fields}
        answer = self._request("POST", f"/models/{_part(model)}/alert-rules", json=body)
        return _build(AlertRule, answer)

    def update_alert_rule(self, model: str, rule_id: int, **changes: Any) -> AlertRule:
        """Change some of a rule's fields (``enabled=False`` turns it off)."""
        path = f"/models/{_part(model)}/alert-rules/{rule_id}"
        return _build(AlertRule, self._request("PATCH", path, json=changes))

    def delete_alert_rule(self, model: str, rule_id: int) -> None:
        """Delete a rule with its alerts."""
        self._request("DELETE", f"/models/{_part(model)}/alert-rules/{rule_id}")

    def alerts(
        self,
        model: str | None = None,
        *,
        state: str | None = None,
        rule: int | None = None,
        severity: str | None = None,
        offset: int = 0,
        limit: int = 100,
    ) -> Page[Alert]:
        """Alerts, newest first: one model's or every model's, filtered."""
        params: dict[str, Any] = {"offset": offset, "limit": limit}
        given = {"state": state, "rule": rule, "severity": severity}
        params |= {key: value for key, value in given.items() if value is not None}
        path = "/alerts" if model is None else f"/models/{_part(model)}/alerts"
        return _page(self._request("GET", path, params=params), Alert)

    def alert_history(self, alert_id: int) -> list[AlertEvent]:
        return [
            _build(AlertEvent, item) for item in self._request("GET", f"/alerts/{alert_id}/history")
        ]

    def acknowledge_alert(self, alert_id: int) -> Alert:
        """Acknowledge an alert: it is not notified again."""
        return _build(Alert, self._request("POST", f"/alerts/{alert_id}/ack"))

    def silence_alert(self, alert_id: int, until: datetime | None) -> Alert:
        """Silence an alert's notifications until ``until`` (None lifts the silence)."""
        body = {"until": None if until is None else until.isoformat()}
        return _build(Alert, self._request("POST", f"/alerts/{alert_id}/silence", json=body))

    # -- notifiers ------------------------------------------------------------------------

    def notifiers(self) -> list[Notifier]:
        """Every notifier (admin only)."""
        return [_build(Notifier, item) for item in self._request("GET", "/notifiers")]

    def notifier(self, notifier_id: int) -> Notifier:
        return _build(Notifier, self._request("GET", f"/notifiers/{notifier_id}"))

    def add_notifier(self, name: str, kind: str, **fields: Any) -> Notifier:
        """Add a notifier (admin only); ``fields`` are its kind's (docs/alerts.md,
        "Notifications"): ``url`` and ``secret`` (webhook), ``url`` (slack), ``host``, ``port``,
        ``security``, ``username``, ``secret``, ``sender``, ``recipients``, ``ca_file`` (email);
        and the filters ``models``, ``min_severity``."""
        body = {"name": name, "kind": kind, **fields}
        return _build(Notifier, self._request("POST", "/notifiers", json=body))

    def update_notifier(self, notifier_id: int, **changes: Any) -> Notifier:
        """Change some of a notifier's fields (``enabled=False`` turns it off)."""
        path = f"/notifiers/{notifier_id}"
        return _build(Notifier, self._request("PATCH", path, json=changes))

    def delete_notifier(self, notifier_id: int) -> None:
        """Delete a notifier with its deliveries."""
        self._request("DELETE", f"/notifiers/{notifier_id}")

    def test_notifier(self, notifier_id: int) -> Delivery:
        """Send a test message now; the delivery says whether it went (status done or
        failed, the receiver's answer in its log)."""
        return _build(Delivery, self._request("POST", f"/notifiers/{notifier_id}/test"))

    def deliveries(
        self, *, notifier: int | None = None, alert: int | None = None, limit: int = 100
    ) -> list[Delivery]:
        """The deliveries of a notifier, or of an alert, newest first."""
        if (notifier is None) == (alert is None):
            raise InputTypeError("Give either notifier or alert (an id), not both or neither.")
        path = f"/notifiers/{notifier}" if notifier is not None else f"/alerts/{alert}"
        answer = self._request("GET", f"{path}/deliveries", params={"limit": limit})
        return [_build(Delivery, item) for item in answer]

    # -- users and tokens -----------------------------------------------------------------

    def users(self) -> list[User]:
        """Every user (admin only)."""
        return [_build(User, item) for item in self._request("GET", "/users")]

    def create_user(self, username: str, password: str, role: str = "viewer") -> User:
        """Add a user (admin only); ``role`` is viewer, editor or admin."""
        body = {"username": username, "password": password, "role": role}
        return _build(User, self._request("POST", "/users", json=body))

    def create_token(self, name: str, role: str = "viewer") -> NewToken:
        """A new API token of at most one's own role; its secret is in the answer only."""
        answer = self._request("POST", "/tokens", json={"name": name, "role": role})
        return _build(NewToken, answer)

    def tokens(self) -> list[Token]:
        """One's tokens (an admin's: every token)."""
        return [_build(Token, item) for item in self._request("GET", "/tokens")]

    def revoke_token(self, token_id: int) -> Token:
        """Revoke a token: it is refused from now on."""
        return _build(Token, self._request("DELETE", f"/tokens/{token_id}"))


def _problem_error(response: httpx.Response) -> ServiceRequestError:
    """The driftscope error for a refusal: the RFC 9457 problem's status, title, detail and
    the field it names, or the status and body when the answer is not a problem."""
    try:
        problem = response.json()
    except ValueError:
        problem = None
    if not isinstance(problem, dict):
        problem = {"detail": response.text.strip()[:500] or response.reason_phrase}
    title = str(problem.get("title") or response.reason_phrase)
    detail = str(problem.get("detail") or title)
    errors = tuple(e for e in problem.get("errors") or () if isinstance(e, dict))
    field = str(errors[0].get("field")) if errors else None
    where = f", field {field!r}" if field else ""
    return ServiceRequestError(
        f"{detail} (HTTP {response.status_code} {title}{where} on "
        f"{response.request.method} {response.request.url.path})",
        status=response.status_code,
        title=title,
        detail=detail,
        field=field,
        errors=errors,
    )


def _part(value: str) -> str:
    """A name as one path segment."""
    from urllib.parse import quote

    return quote(str(value), safe="")


def _page(answer: Mapping[str, Any], cls: type[T]) -> Page[T]:
    items = tuple(_build(cls, item) for item in answer["items"])
    return Page(items, answer["total"], answer["offset"], answer["limit"])


def _run(model: str, answer: Mapping[str, Any]) -> Run:
    job, shadow = answer.get("job"), answer.get("shadow")
    return _build(
        Run,
        answer,
        model=model,
        notes=tuple(answer.get("notes") or ()),
        job=_build(Job, job) if job else None,
        shadow=_build(Shadow, shadow) if shadow else None,
    )


def _arrow_table(batch: Batch) -> Any:
    """A batch to log as a pyarrow Table."""
    import pyarrow as pa

    if isinstance(batch, pa.Table):
        return batch
    if isinstance(batch, pa.RecordBatch):
        return pa.Table.from_batches([batch])
    if callable(getattr(batch, "to_parquet", None)):  # a pandas DataFrame
        return pa.Table.from_pandas(batch, preserve_index=False)
    if isinstance(batch, Mapping):
        return pa.table(dict(batch))
    if isinstance(batch, list) and all(isinstance(row, Mapping) for row in batch):
        return pa.Table.from_pylist(batch)
    raise InputTypeError(
        "A batch must be a pandas DataFrame, a pyarrow Table, a mapping of columns or a list "
        f"of records; got {type(batch).__name__}."
    )


def _arrow_stream(batch: Batch) -> bytes:
    """A batch as the bytes of an Arrow IPC stream."""
    import pyarrow as pa

    table = _arrow_table(batch)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    body: bytes = sink.getvalue().to_pybytes()
    return body


def _json_value(value: Any) -> Any:
    """A value of a JSON batch that the standard encoder does not know: times as ISO 8601."""
    if isinstance(value, datetime | date_type):
        return value.isoformat()
    raise InputTypeError(f"A batch's {type(value).__name__} value cannot be sent as JSON.")


def _period(
    since: datetime | date_type | str | None, until: datetime | date_type | str | None
) -> dict[str, str]:
    given = {"since": since, "until": until}
    return {
        k: v if isinstance(v, str) else v.isoformat() for k, v in given.items() if v is not None
    }


def _run_fields(date: datetime | date_type | str | None, version: int | None) -> dict[str, str]:
    """A run upload's form fields: its date and the version it is compared with."""
    fields: dict[str, str] = {}
    if date is not None:
        fields["date"] = date if isinstance(date, str) else date.isoformat()
    if version is not None:
        fields["version"] = str(version)
    return fields


class _Files:
    """The files of one multipart request, opened from paths or built from tables, closed when
    the request is sent."""

    def __init__(self) -> None:
        self.items: dict[str, tuple[str, IO[bytes] | bytes]] = {}
        self._opened: list[IO[bytes]] = []

    def __enter__(self) -> _Files:
        return self

    def __exit__(self, *exc_info: object) -> None:
        for handle in self._opened:
            handle.close()

    def path(self, field: str, path: str | os.PathLike[str] | None) -> None:
        if path is None:
            return
        file = Path(path)
        if not file.is_file():
            raise InputFileNotFoundError(f"{field!r}: no file {str(file)!r}.")
        handle = file.open("rb")
        self._opened.append(handle)
        self.items[field] = (file.name, handle)

    def table(self, field: str, table: Table) -> None:
        if isinstance(table, str | os.PathLike):
            self.path(field, table)
        elif isinstance(table, bytes):
            suffix = ".parquet" if table[:4] == b"PAR1" else ".csv"
            self.items[field] = (f"{field}{suffix}", table)
        elif isinstance(table, tuple) and len(table) == 2 and isinstance(table[1], bytes):
            self.items[field] = (str(table[0]), table[1])
        elif callable(getattr(table, "to_parquet", None)):
            buffer = io.BytesIO()
            table.to_parquet(buffer, index=False)
            self.items[field] = (f"{field}.parquet", buffer.getvalue())
        else:
            raise InputTypeError(
                f"{field!r} must be a file path, a pandas DataFrame, bytes or (filename, bytes); "
                f"got {type(table).__name__}."
            )
