"""Log driftscope's analysed runs to MLflow tracking (docs/integrations.md, "MLflow").

Each analysed run of a driftscope model becomes one MLflow run in an experiment named after the
model (or one given): its performance metrics with their confidence intervals, its drift share
and row counts as metrics at the run's data time, the model, version, run id and verdict as
params and tags, and the report as ``driftscope/report.json`` and ``driftscope/report.html``
artifacts (the same HTML `driftscope report` writes).

Logging is idempotent: each MLflow run carries the driftscope run's id (tag
``driftscope.run_id``) and, once every part of it is stored, ``driftscope.logged = true``.
`logged_runs` finds what an experiment already holds, so a logging that an MLflow outage cut
short is simply run again: a run logged halfway is deleted and logged anew, a complete one is
left alone.

It needs the MLflow client, ``mlflow-skinny`` (extra ``mlflow``); importing this module without
it says how to install it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import os
import re
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from driftscope.exceptions import ExtraMissingError, IntegrationError

# driftscope sends nothing anywhere (docs/service.md); MLflow's client reports its use to MLflow's
# developers unless told not to, when it is imported. A user who set the variable keeps theirs.
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
# Nor does a command's output get MLflow's download progress bars.
os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
# Nor MLflow's own "View run ... at" lines on stdout (they would break `--json`; the commands
# print the run's address themselves).
os.environ.setdefault("MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT", "true")

try:
    from mlflow.entities import Metric, Param, RunTag, ViewType
    from mlflow.exceptions import MlflowException
    from mlflow.tracking import MlflowClient
except ImportError:  # pragma: no cover - exercised in a subprocess by the tests
    raise ExtraMissingError(
        "The MLflow integration needs the MLflow client, which is not installed: "
        'pip install "driftscope[mlflow]"'
    ) from None

__all__ = [
    "RUN_ID_TAG",
    "AnalysedRun",
    "LoggedRun",
    "MetricValue",
    "MlflowTracking",
    "MlflowUnreachable",
    "ModelFile",
    "RegisteredVersion",
]

#: The tags set on an MLflow model version once it is imported: the driftscope model and version.
IMPORTED_MODEL_TAG = "driftscope.model"
IMPORTED_VERSION_TAG = "driftscope.version"
#: The aliases that driftscope's registry has; an MLflow alias of the same name is mirrored.
ALIASES = ("production", "staging")

#: The tag that names the driftscope run an MLflow run was logged from.
RUN_ID_TAG = "driftscope.run_id"
#: The tag set last, once the run's metrics, params and artifacts are all stored.
COMPLETE_TAG = "driftscope.logged"
MODEL_TAG = "driftscope.model"
ARTIFACT_DIR = "driftscope"

# MLflow accepts letters, digits, underscores, dashes, periods, spaces, colons and slashes in a
# metric's or param's name; anything else (a metric named by a user's label, say) becomes "_".
_NOT_IN_A_NAME = re.compile(r"[^\w.\- :/]")
_PAGE = 1000


class MlflowUnreachable(IntegrationError):
    """The MLflow tracking server could not be reached, or answered that it cannot serve now
    (down, restarting, overloaded): the same request may pass later, unlike a refusal (an
    unknown registered model, a deleted experiment), which would fail again."""


#: MLflow's error codes that say "not now" rather than "no": the request may pass later.
_TRANSIENT_CODES = frozenset(
    {
        "INTERNAL_ERROR",
        "TEMPORARILY_UNAVAILABLE",
        "IO_ERROR",
        "DEADLINE_EXCEEDED",
        "SERVICE_UNDER_MAINTENANCE",
        "WORKSPACE_TEMPORARILY_UNAVAILABLE",
        "REQUEST_LIMIT_EXCEEDED",
        "RESOURCE_EXHAUSTED",
    }
)


@dataclasses.dataclass(frozen=True)
class MetricValue:
    """A performance metric of a run: its value and confidence interval (None where missing)."""

    value: float | None
    lower: float | None = None
    upper: float | None = None


@dataclasses.dataclass(frozen=True)
class AnalysedRun:
    """What is logged of one analysed driftscope run: its numbers and its report (as JSON)."""

    model: str
    run_id: int
    version: int
    date: datetime
    verdict: str | None
    drift_share: float | None
    dataset_drifted: bool | None
    n_rows: int
    quality_warnings: int | None
    quality_alerts: int | None
    source: str
    metrics: Mapping[str, MetricValue]
    report: Mapping[str, Any]


@dataclasses.dataclass(frozen=True)
class LoggedRun:
    """A driftscope run as it stands in MLflow: the MLflow run's id, and whether this call logged
    it (False: it was logged before and left alone)."""

    model: str
    run_id: int
    mlflow_run_id: str
    experiment_id: str
    logged_now: bool


@dataclasses.dataclass(frozen=True)
class RegisteredVersion:
    """A version of an MLflow registered model: its number, the run that made it (None when it
    was registered without one), its aliases and tags."""

    name: str
    version: int
    run_id: str | None
    aliases: tuple[str, ...]
    tags: Mapping[str, str]

    def imported_as(self, model: str) -> int | None:
        """The driftscope version of ``model`` it was imported as, if it was."""
        if self.tags.get(IMPORTED_MODEL_TAG) != model:
            return None
        number = self.tags.get(IMPORTED_VERSION_TAG, "")
        return int(number) if number.isdigit() else None


@dataclasses.dataclass(frozen=True)
class ModelFile:
    """The file of an MLflow model version that driftscope's service can load (``path``, ONNX
    or skops), or None with the ``reason`` it has none."""

    path: Path | None
    reason: str


def model_file(folder: Path) -> ModelFile:
    """The loadable model in a downloaded MLflow model folder, read from its ``MLmodel``: the
    ONNX flavor's file first, else a scikit-learn model saved as skops. A pickled model (the
    scikit-learn flavor's default, or a python_function) is not taken: it runs code when loaded.
    """
    import yaml

    description = folder / "MLmodel"
    if not description.is_file():
        return ModelFile(None, "it holds no MLmodel file")
    try:
        flavors = (yaml.safe_load(description.read_text(encoding="utf-8")) or {}).get("flavors")
    except yaml.YAMLError as exc:
        return ModelFile(None, f"its MLmodel file is not YAML ({exc})")
    if not isinstance(flavors, dict):
        return ModelFile(None, "its MLmodel file names no flavors")
    onnx = flavors.get("onnx")
    if isinstance(onnx, dict) and isinstance(onnx.get("data"), str):
        path = folder / onnx["data"]
        if path.is_file():
            return ModelFile(path, "onnx")
    sklearn = flavors.get("sklearn")
    if isinstance(sklearn, dict) and sklearn.get("serialization_format") == "skops":
        path = folder / str(sklearn.get("pickled_model", ""))
        if path.is_file():
            return ModelFile(path.rename(path.with_suffix(".skops")), "skops")
    kinds = ", ".join(
        f"{name} ({flavor.get('serialization_format')})"
        if isinstance(flavor, dict) and flavor.get("serialization_format")
        else str(name)
        for name, flavor in flavors.items()
    )
    return ModelFile(
        None,
        f"it has no ONNX model nor a scikit-learn model saved as skops (flavors: {kinds}); "
        "driftscope does not load pickled models from MLflow, which run code when loaded",
    )


def metric_name(name: str) -> str:
    """A name MLflow accepts for a metric or param.

    >>> metric_name("f1 (class 'cat')")
    'f1 _class _cat__'
    """
    return _NOT_IN_A_NAME.sub("_", name)


def run_metrics(run: AnalysedRun) -> dict[str, float]:
    """The numbers of ``run`` logged as MLflow metrics, by name: each performance metric with
    ``<name>_lower`` and ``<name>_upper``, the drift share, whether the dataset drifted (1/0),
    the rows and the data-quality warnings and alerts. Missing and non-finite values are left
    out (MLflow would store NaN as a number).

    >>> from datetime import datetime, timezone
    >>> run = AnalysedRun("churn", 3, 1, datetime(2026, 11, 1, tzinfo=timezone.utc), "ok",
    ...     0.25, False, 100, 0, None, "upload", {"accuracy": MetricValue(0.9, 0.85, None)}, {})
    >>> run_metrics(run)
    {'accuracy': 0.9, 'accuracy_lower': 0.85, 'drift_share': 0.25, 'dataset_drifted': 0.0, \
'n_rows': 100.0, 'quality_warnings': 0.0}
    """
    numbers: dict[str, float | None] = {}
    for name, metric in run.metrics.items():
        key = metric_name(name)
        numbers[key] = metric.value
        numbers[f"{key}_lower"] = metric.lower
        numbers[f"{key}_upper"] = metric.upper
    numbers["drift_share"] = run.drift_share
    numbers["dataset_drifted"] = None if run.dataset_drifted is None else float(run.dataset_drifted)
    numbers["n_rows"] = float(run.n_rows)
    numbers["quality_warnings"] = _float(run.quality_warnings)
    numbers["quality_alerts"] = _float(run.quality_alerts)
    return {k: float(v) for k, v in numbers.items() if v is not None and math.isfinite(v)}


def _quoted(name: str) -> str:
    """A name inside a single-quoted MLflow search string."""
    return name.replace("\\", "\\\\").replace("'", "\\'")


def _float(value: int | None) -> float | None:
    return None if value is None else float(value)


def _millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


class MlflowTracking:
    """An MLflow tracking server (or any tracking URI MLflow's client takes) that driftscope
    logs runs to.

    Parameters
    ----------
    tracking_uri
        Where MLflow tracks, e.g. ``http://127.0.0.1:5000``. An ``http(s)`` server is checked
        once, at `check`, with a short timeout, so that a server that is down is said at once
        instead of after MLflow's own retries (``MLFLOW_HTTP_REQUEST_MAX_RETRIES``).
    timeout
        Seconds the check waits for the server's ``/health``.
    """

    def __init__(self, tracking_uri: str, *, timeout: float = 10.0) -> None:
        self.tracking_uri = tracking_uri.rstrip("/")
        self.timeout = timeout
        self._client = MlflowClient(tracking_uri=self.tracking_uri)

    def __repr__(self) -> str:
        return f"MlflowTracking({self.tracking_uri!r})"

    def check(
        self, where: str = "Set the address with --mlflow-uri or MLFLOW_TRACKING_URI."
    ) -> None:
        """Raise `MlflowUnreachable` naming the address when an HTTP tracking server does not
        answer its health check; ``where`` says where the address is set."""
        if not self.tracking_uri.startswith(("http://", "https://")):
            return
        address = f"{self.tracking_uri}/health"
        try:
            with urllib.request.urlopen(address, timeout=self.timeout) as answer:
                status = answer.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise MlflowUnreachable(
                f"Cannot reach the MLflow tracking server at {self.tracking_uri} ({reason}); is "
                f"`mlflow server` running there? {where}"
            ) from None
        if status != 200:
            raise MlflowUnreachable(
                f"The MLflow tracking server at {self.tracking_uri} answered its health check "
                f"with HTTP {status}; expected 200."
            )

    def run_url(self, experiment_id: str, run_id: str) -> str | None:
        """The page of an MLflow run in the tracking server's UI (None for a tracking URI that
        is no web server)."""
        if not self.tracking_uri.startswith(("http://", "https://")):
            return None
        return f"{self.tracking_uri}/#/experiments/{experiment_id}/runs/{run_id}"

    def require_registered_model(self, name: str) -> None:
        """Raise `IntegrationError` when the tracking server has no registered model ``name``."""
        with self._errors(f"reading the registered model {name!r}"):
            self._client.get_registered_model(name)

    # -- what an experiment holds ---------------------------------------------------------

    def experiment_id(self, name: str, model: str, *, create: bool) -> str | None:
        """The id of the experiment ``name`` (made, tagged with the model, when ``create``)."""
        with self._errors(f"finding the experiment {name!r}"):
            found = self._client.get_experiment_by_name(name)
            if found is not None:
                if found.lifecycle_stage == "deleted":
                    raise IntegrationError(
                        f"The MLflow experiment {name!r} at {self.tracking_uri} is deleted; "
                        "restore it in MLflow, or log to another with --experiment."
                    )
                return str(found.experiment_id)
            if not create:
                return None
            return str(self._client.create_experiment(name, tags={MODEL_TAG: model}))

    def logged_runs(self, experiment: str, model: str) -> dict[int, str]:
        """The driftscope runs of ``model`` logged completely to ``experiment``: run id to
        MLflow run id."""
        experiment_id = self.experiment_id(experiment, model, create=False)
        if experiment_id is None:
            return {}
        return {
            run_id: mlflow_id
            for run_id, mlflow_id, complete in self._runs_of(experiment_id, model)
            if complete
        }

    def _runs_of(
        self, experiment_id: str, model: str, run_id: int | None = None
    ) -> Iterator[tuple[int, str, bool]]:
        """Each MLflow run of the experiment logged from a run of ``model`` (from run ``run_id``
        only, when given: MLflow searches by its tag, instead of listing the experiment): its
        driftscope run id, its MLflow id, and whether it was logged completely."""
        only = "" if run_id is None else f"tags.`{RUN_ID_TAG}` = '{run_id}'"
        token: str | None = None
        while True:
            with self._errors("listing the runs already logged"):
                page = self._client.search_runs(
                    [experiment_id],
                    filter_string=only,
                    run_view_type=ViewType.ACTIVE_ONLY,
                    max_results=_PAGE,
                    page_token=token,
                )
            for found in page:
                tags = found.data.tags
                if tags.get(MODEL_TAG) != model or not tags.get(RUN_ID_TAG, "").isdigit():
                    continue
                complete = tags.get(COMPLETE_TAG) == "true"
                yield int(tags[RUN_ID_TAG]), found.info.run_id, complete
            token = page.token
            if not token:
                return

    # -- logging ----------------------------------------------------------------------------

    def log_run(self, run: AnalysedRun, experiment: str | None = None) -> LoggedRun:
        """Log ``run`` to ``experiment`` (default: the model's name), unless it is logged there
        already; a run logged halfway before is deleted and logged anew."""
        name = experiment or run.model
        experiment_id = self.experiment_id(name, run.model, create=True)
        assert experiment_id is not None  # made when missing
        for run_id, mlflow_id, complete in self._runs_of(experiment_id, run.model, run.run_id):
            if run_id != run.run_id:
                continue
            if complete:
                return LoggedRun(run.model, run.run_id, mlflow_id, experiment_id, False)
            with self._errors(f"deleting the run logged halfway before ({mlflow_id})"):
                self._client.delete_run(mlflow_id)
        return self._log_new(run, experiment_id)

    def _log_new(self, run: AnalysedRun, experiment_id: str) -> LoggedRun:
        from driftscope.report.html import render_html

        tags = {
            MODEL_TAG: run.model,
            "driftscope.version": str(run.version),
            RUN_ID_TAG: str(run.run_id),
            "driftscope.verdict": run.verdict or "",
            "driftscope.source": run.source,
            "driftscope.date": run.date.isoformat(),
        }
        with self._errors(f"creating the MLflow run of run {run.run_id}"):
            created = self._client.create_run(
                experiment_id,
                start_time=_millis(run.date),
                tags=tags,
                run_name=f"{run.model} run {run.run_id}",
            )
        mlflow_id = created.info.run_id
        at = _millis(run.date)
        params = {
            "model": run.model,
            "version": str(run.version),
            "run_id": str(run.run_id),
            "verdict": run.verdict or "none",
            "date": run.date.isoformat(),
        }
        report = dict(run.report)
        with self._errors(f"logging run {run.run_id} to MLflow run {mlflow_id}"):
            self._client.log_batch(
                mlflow_id,
                metrics=[Metric(k, v, at, 0) for k, v in run_metrics(run).items()],
                params=[Param(k, v) for k, v in params.items()],
            )
            self._client.log_text(
                mlflow_id,
                json.dumps(report, indent=2, allow_nan=False, default=str),
                f"{ARTIFACT_DIR}/report.json",
            )
            self._client.log_text(mlflow_id, render_html(report), f"{ARTIFACT_DIR}/report.html")
            # Last: only a run with every part stored counts as logged.
            self._client.log_batch(mlflow_id, tags=[RunTag(COMPLETE_TAG, "true")])
            self._client.set_terminated(mlflow_id, "FINISHED", end_time=at)
        return LoggedRun(run.model, run.run_id, mlflow_id, experiment_id, True)

    # -- the model registry ---------------------------------------------------------------

    def registered_versions(self, name: str) -> list[RegisteredVersion]:
        """The versions of the registered model ``name``, oldest first, with their aliases."""
        with self._errors(f"reading the registered model {name!r}"):
            registered = self._client.get_registered_model(name)
            aliases: dict[int, list[str]] = {}
            for alias, number in (registered.aliases or {}).items():
                aliases.setdefault(int(number), []).append(alias)
            found = self._client.search_model_versions(f"name = '{_quoted(name)}'")
        versions = [
            RegisteredVersion(
                name=name,
                version=int(v.version),
                run_id=v.run_id or None,
                aliases=tuple(sorted(aliases.get(int(v.version), ()))),
                tags=dict(v.tags or {}),
            )
            for v in found
        ]
        return sorted(versions, key=lambda v: v.version)

    def download_model(self, version: RegisteredVersion, folder: Path) -> ModelFile:
        """Download the model of ``version`` into ``folder`` and find its loadable file."""
        from mlflow.artifacts import download_artifacts

        uri = f"models:/{version.name}/{version.version}"
        try:
            with self._errors(f"downloading {uri}"):
                # Resolved here with this tracking server: MLflow's own resolving of a
                # models:/ address would use the default tracking store, not this one.
                source = self._client.get_model_version_download_uri(
                    version.name, str(version.version)
                )
                if source.startswith("models:/"):
                    logged = self._client.get_logged_model(source.removeprefix("models:/"))
                    source = logged.artifact_location
                got = download_artifacts(
                    artifact_uri=source, dst_path=str(folder), tracking_uri=self.tracking_uri
                )
        except IntegrationError as exc:
            return ModelFile(None, f"its files could not be downloaded: {exc}")
        return model_file(Path(got))

    def download_baseline(
        self, version: RegisteredVersion, artifact: str, folder: Path
    ) -> Path | None:
        """The artifact ``artifact`` of the run that made ``version``, downloaded into
        ``folder``; None when the version has no run or the run no such artifact."""
        if version.run_id is None:
            return None
        names = {a.path for a in self._list_artifacts(version.run_id, str(Path(artifact).parent))}
        if artifact not in names:
            return None
        with self._errors(f"downloading {artifact} of run {version.run_id}"):
            return Path(self._client.download_artifacts(version.run_id, artifact, str(folder)))

    def _list_artifacts(self, run_id: str, path: str) -> list[Any]:
        with self._errors(f"listing the artifacts of run {run_id}"):
            return list(self._client.list_artifacts(run_id, None if path == "." else path))

    def mark_imported(self, version: RegisteredVersion, model: str, number: int) -> None:
        """Tag the MLflow version with the driftscope model and version it became."""
        with self._errors(f"tagging version {version.version} of {version.name!r}"):
            self._client.set_model_version_tag(
                version.name, str(version.version), IMPORTED_MODEL_TAG, model
            )
            self._client.set_model_version_tag(
                version.name, str(version.version), IMPORTED_VERSION_TAG, str(number)
            )

    def imported_version(self, registered: str, model: str, number: int) -> int:
        """The version of the registered model that was imported as version ``number`` of
        ``model``; `IntegrationError` when none was."""
        for version in self.registered_versions(registered):
            if version.imported_as(model) == number:
                return version.version
        raise IntegrationError(
            f"No version of the MLflow registered model {registered!r} at {self.tracking_uri} "
            f"was imported as version {number} of {model!r} (`driftscope mlflow import` tags "
            "each one it imports), so its MLflow alias cannot follow."
        )

    def move_alias(self, registered: str, alias: str, version: int | None) -> None:
        """Point the registered model's ``alias`` at ``version`` (None: remove the alias)."""
        with self._errors(f"moving the alias {alias!r} of {registered!r}"):
            if version is None:
                self._client.delete_registered_model_alias(registered, alias)
            else:
                self._client.set_registered_model_alias(registered, alias, str(version))

    @contextlib.contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        """Turn what MLflow's client raises into an `IntegrationError` saying what was being
        done, where, and MLflow's own message."""
        try:
            yield
        except IntegrationError:
            raise
        except (MlflowException, OSError) as exc:
            message = str(getattr(exc, "message", None) or exc).strip().splitlines()
            said = message[0] if message else type(exc).__name__
            # An OSError has no code: the connection itself failed.
            code = getattr(exc, "error_code", None)
            transient = code is None or code in _TRANSIENT_CODES
            error = MlflowUnreachable if transient else IntegrationError
            raise error(f"MLflow at {self.tracking_uri} failed while {doing}: {said}") from None
