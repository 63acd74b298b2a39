"""A model's link to MLflow (docs/integrations.md, "MLflow"): where its runs are logged and
which registered model its versions come from, and what the service does with it by itself.

With the link's ``log_runs`` on, each analysed run queues a durable job (`LOG_RUN`) that logs it
to the link's experiment as `driftscope mlflow log` does (integrations/mlflow.py writes both). A
tracking server that is down or busy is retried (`MlflowDown` is no `DriftscopeError`, so the
worker queues the job again); a refusal (an unknown registered model, a deleted experiment) is
not, as it would fail again. Either way the analysis itself is never failed nor held up: the
job is a job of its own, queued once the analysis is stored. The MLflow run logged is kept on
the run (`Run.mlflow_run_id`, `Run.mlflow_run_url`), the last success and error on the link.

With ``move_aliases`` on, promoting or rolling back a version moves the registered model's alias
of the same name too (`follow_alias`), to the MLflow version it was imported from.

No credential is stored: MLflow's client reads them from the service's environment
(``MLFLOW_TRACKING_USERNAME``, ``MLFLOW_TRACKING_PASSWORD``, ``MLFLOW_TRACKING_TOKEN``), and a
tracking URI with a user or password in it is refused.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from driftscope.exceptions import DriftscopeError, IntegrationError
from driftscope.server import db
from driftscope.server.errors import Invalid, NotFound
from driftscope.server.jobs import JobKind, enqueue
from driftscope.server.models import MlflowLink, Model, Run, RunMetric, RunStatus, Version, now
from driftscope.server.services import notify
from driftscope.server.services.registry import get_model
from driftscope.server.services.users import Principal, audit
from driftscope.server.state import State

if TYPE_CHECKING:
    from driftscope.integrations.mlflow import AnalysedRun, MlflowTracking

__all__ = [
    "JOB_KINDS",
    "LOG_RUN",
    "LinkFields",
    "MlflowDown",
    "delete_link",
    "find_link",
    "follow_alias",
    "get_link",
    "log_run",
    "queue_logging",
    "set_link",
]

log = logging.getLogger("driftscope.server.mlflow")

#: Characters no field may have: MLflow takes none in a name, and PostgreSQL stores no NUL.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

#: Where the address of an unreachable tracking server is set, said with the error.
_LINK_ADDRESS = "The address is the model's MLflow link's (`driftscope mlflow link`)."

#: The job kind that logs an analysed run to MLflow.
LOG_RUN = "mlflow_log"


class MlflowDown(RuntimeError):
    """The tracking server could not be reached or cannot serve now: the logging job is queued
    again (deliberately no `DriftscopeError`, which the worker does not retry)."""


@dataclasses.dataclass(frozen=True)
class LinkFields:
    """What a link says: the tracking server, the registered model (None: none), the experiment
    (None: the one named after the model), and what the service does by itself."""

    tracking_uri: str
    registered_model: str | None = None
    experiment: str | None = None
    log_runs: bool = True
    move_aliases: bool = False


def find_link(session: Session, model: Model) -> MlflowLink | None:
    return session.get(MlflowLink, model.id)


def get_link(session: Session, model_name: str) -> MlflowLink:
    """The model's link; `NotFound` when it has none."""
    model = get_model(session, model_name)
    link = find_link(session, model)
    if link is None:
        raise NotFound(f"Model {model.name!r} is not linked to MLflow.")
    return link


def _checked_fields(fields: LinkFields) -> LinkFields:
    """The fields with blank names made None, refused where they cannot work."""
    for field in ("tracking_uri", "registered_model", "experiment"):
        value = getattr(fields, field) or ""
        if _CONTROL.search(value):
            raise Invalid(
                f"'{field}' may not contain control characters (such as NUL or a line break); "
                f"got {value!r}.",
                field=field,
            )
    uri = fields.tracking_uri.strip().rstrip("/")
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Invalid(
            "'tracking_uri' must be the address of an MLflow tracking server, http:// or "
            f"https:// with a host; got {fields.tracking_uri!r}.",
            field="tracking_uri",
        )
    if parts.username or parts.password:
        raise Invalid(
            "'tracking_uri' must not hold a user or password, which would be stored; give "
            "MLflow's credentials to the service in MLFLOW_TRACKING_USERNAME and "
            "MLFLOW_TRACKING_PASSWORD (or MLFLOW_TRACKING_TOKEN).",
            field="tracking_uri",
        )
    registered = (fields.registered_model or "").strip() or None
    if fields.move_aliases and registered is None:
        raise Invalid(
            "'move_aliases' needs the 'registered_model' whose aliases move.",
            field="registered_model",
        )
    experiment = (fields.experiment or "").strip() or None
    return dataclasses.replace(
        fields, tracking_uri=uri, registered_model=registered, experiment=experiment
    )


def _check_reachable(fields: LinkFields) -> None:
    """Raise `Invalid` naming the field when the tracking server does not answer or has no
    such registered model (done before a link is stored, outside any transaction)."""
    try:
        tracking = _tracking(fields.tracking_uri)
        tracking.check("The 'tracking_uri' must be where the service reaches it.")
        if fields.registered_model is not None:
            tracking.require_registered_model(fields.registered_model)
    except IntegrationError as exc:
        field = "tracking_uri" if _is_down(exc) else "registered_model"
        raise Invalid(
            f"{exc} Link anyway with 'check': false (`--no-check`) if it is expected to come.",
            field=field,
        ) from None
    except DriftscopeError as exc:  # the service has no MLflow client
        raise Invalid(str(exc), field="tracking_uri") from None


def set_link(
    state: State, principal: Principal, model_name: str, fields: LinkFields, *, check: bool
) -> MlflowLink:
    """Link the model to MLflow, or change its link. With ``check``, the tracking server must
    answer and hold the registered model, else nothing is stored; without, the link is stored
    as given."""
    fields = _checked_fields(fields)
    with state.sessions() as session:
        get_model(session, model_name)  # an unknown model is said before MLflow is asked
    if check:
        _check_reachable(fields)
    with db.transaction(state.writers) as session:
        model = get_model(session, model_name)
        link = find_link(session, model)
        if link is None:
            link = MlflowLink(model_id=model.id, created_by=principal.actor)
            session.add(link)
        link.tracking_uri = fields.tracking_uri
        link.registered_model = fields.registered_model
        link.experiment = fields.experiment
        link.log_runs = fields.log_runs
        link.move_aliases = fields.move_aliases
        link.updated_at = now()
        link.last_error = link.last_error_at = None
        audit(
            session,
            principal.actor,
            "mlflow.link",
            f"model:{model.name}",
            **dataclasses.asdict(fields),
            checked=check,
        )
        session.flush()
        session.expunge(link)
        return link


def delete_link(session: Session, principal: Principal, model_name: str) -> None:
    """Remove the model's link: nothing is logged nor moved in MLflow from now on (a logging
    job already queued finds no link and logs nothing); what MLflow holds stays."""
    link = get_link(session, model_name)
    session.delete(link)
    audit(session, principal.actor, "mlflow.unlink", f"model:{model_name}")


def queue_logging(state: State, session: Session, run: Run) -> None:
    """Queue the logging of an analysed run when its model's link logs runs (in the caller's
    transaction, so the analysis and its logging job are stored together)."""
    link = session.get(MlflowLink, run.model_id)
    if link is not None and link.log_runs:
        enqueue(session, LOG_RUN, {"run_id": run.id}, state.settings.notify_max_attempts)


# -- the logging job -------------------------------------------------------------------------


def log_run(state: State, payload: Mapping[str, Any], progress: Callable[[str], None]) -> None:
    """The logging job: the run's metrics, drift share, verdict and report to the link's
    experiment, once (a run logged before, by this job or `driftscope mlflow log`, is found by
    its tag and left alone)."""
    run_id = int(payload["run_id"])
    with state.sessions() as session:
        run = session.get(Run, run_id)
        link = None if run is None else session.get(MlflowLink, run.model_id)
        if run is None or link is None or not link.log_runs or run.status != RunStatus.ANALYSED:
            # Deleted, unlinked, logging turned off, or analysed again since: nothing to log.
            progress("nothing to log")
            return
        model = session.get(Model, run.model_id)
        assert model is not None  # a run's model is deleted with it
        analysed = _analysed(state, session, model, run)
        uri, registered = link.tracking_uri, link.registered_model
        experiment = link.experiment or model.name
        model_id = model.id
    progress("logging")
    try:
        tracking = _tracking(uri)
        tracking.check(_LINK_ADDRESS)
        if registered is not None:
            tracking.require_registered_model(registered)
        logged = tracking.log_run(analysed, experiment)
    except IntegrationError as exc:
        _record(state, model_id, error=f"Run {run_id} not logged: {exc}")
        if _is_down(exc):
            raise MlflowDown(str(exc)) from None
        raise
    url = tracking.run_url(logged.experiment_id, logged.mlflow_run_id)
    with db.transaction(state.writers) as session:
        stored = session.get(Run, run_id)
        if stored is not None:
            stored.mlflow_run_id = logged.mlflow_run_id
            stored.mlflow_run_url = url
    _record(state, model_id, logged_run=run_id)


def _log_failed(state: State, payload: Mapping[str, Any], error: str) -> None:
    """A logging job that failed for good leaves its error on the link."""
    with state.sessions() as session:
        run = session.get(Run, int(payload["run_id"]))
        model_id = None if run is None else run.model_id
    if model_id is not None:
        _record(state, model_id, error=f"Run {payload['run_id']} not logged, gave up: {error}")


def _analysed(state: State, session: Session, model: Model, run: Run) -> AnalysedRun:
    """What `driftscope mlflow log` logs of a run, read from the store: the same numbers the
    REST API gives and the same report."""
    from driftscope.integrations.mlflow import AnalysedRun, MetricValue

    version = session.get(Version, run.version_id)
    metrics = session.scalars(
        select(RunMetric)
        .where(RunMetric.run_id == run.id)
        .order_by(RunMetric.is_primary.desc(), RunMetric.metric)
    )
    report: dict[str, Any] = (
        json.loads(state.artifacts.read_bytes(run.report)) if run.report is not None else {}
    )
    return AnalysedRun(
        model=model.name,
        run_id=run.id,
        version=version.number if version is not None else 0,
        date=run.date,
        verdict=run.verdict,
        drift_share=run.drift_share,
        dataset_drifted=run.dataset_drifted,
        n_rows=run.n_rows,
        quality_warnings=run.quality_warnings,
        quality_alerts=run.quality_alerts,
        source=run.source,
        metrics={m.metric: MetricValue(m.value, m.lower, m.upper) for m in metrics},
        report=report,
    )


def _record(
    state: State, model_id: int, *, logged_run: int | None = None, error: str | None = None
) -> None:
    """Keep on the link how its last logging or alias move went: a success clears the error."""
    with db.transaction(state.writers) as session:
        link = session.get(MlflowLink, model_id)
        if link is None:
            return
        if error is not None:
            link.last_error, link.last_error_at = error, now()
            return
        link.last_error = link.last_error_at = None
        if logged_run is not None:
            link.last_logged_run, link.last_logged_at = logged_run, now()


def _tracking(uri: str) -> MlflowTracking:
    """The tracking server; a `DriftscopeError` (not retried) when the service has no MLflow
    client (the ``mlflow`` extra)."""
    from driftscope.integrations.mlflow import MlflowTracking

    return MlflowTracking(uri)


def _is_down(error: IntegrationError) -> bool:
    from driftscope.integrations.mlflow import MlflowUnreachable

    return isinstance(error, MlflowUnreachable)


# -- aliases ---------------------------------------------------------------------------------


def follow_alias(
    state: State, model_name: str, alias: str, number: int | None
) -> tuple[bool, str] | None:
    """Move the linked registered model's ``alias`` to the MLflow version that driftscope's
    version ``number`` was imported from (None: remove it), after driftscope's alias moved.
    Whether it followed, with what was done or why MLflow could not follow (kept on the link
    as its last error); None when the model's link does not move aliases. Never raises:
    driftscope's move stands."""
    with state.sessions() as session:
        model = get_model(session, model_name)
        link = find_link(session, model)
        if link is None or not link.move_aliases or link.registered_model is None:
            return None
        uri, registered, model_id = link.tracking_uri, link.registered_model, model.id
    try:
        tracking = _tracking(uri)
        tracking.check(_LINK_ADDRESS)
        target = (
            None if number is None else tracking.imported_version(registered, model_name, number)
        )
        tracking.move_alias(registered, alias, target)
    except DriftscopeError as exc:
        said = f"MLflow's alias {registered}@{alias} was not moved: {exc}"
        _record(state, model_id, error=said)
        return False, said
    _record(state, model_id)
    return True, f"MLflow: {registered}@{alias} is version {target or 'unset'}."


#: The jobs this service runs, by kind.
JOB_KINDS = {LOG_RUN: JobKind(log_run, _log_failed, backoff=notify.backoff)}
