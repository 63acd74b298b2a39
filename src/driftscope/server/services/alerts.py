"""Alert rules and their alerts: a rule watches one signal of a model's analysed runs, read from
the point tables the analysis fills (`RunMetric`, `RunFeature`, `RunCheck` and the run's own
columns), and fires an alert when its condition holds on enough consecutive runs and/or for long
enough, by the runs' dates. A change-point rule's signal is what a streaming detector found in
each run's predictions (`services.change_points`, computed once per run and stored).

Every evaluation walks the rule's series in date order, whatever order the runs were analysed
in, and compares where the walk ends with the open alert: a run analysed late that does not
change the newest state changes nothing (no flapping). There is at most one open (firing) alert
per rule and key (a column rule's key is its column); each change of state is an `AlertEvent`
with the run and the value that made it.

A rule that cannot be evaluated (its metric gone, ...) says why in ``AlertRule.error``; it never
fails the run's analysis (`evaluate_model` is called after the analysis is stored, each rule in
a transaction of its own).

Notifiers (another part of the service) call `alerts_to_notify` and `mark_notified`.
"""

from __future__ import annotations

import hashlib
import logging
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

import pyarrow.parquet as pq
from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from driftscope.analyses.estimation import ESTIMATED_METRICS
from driftscope.analyses.model import Task
from driftscope.analyses.performance import TASK_METRICS, higher_is_better
from driftscope.analyses.quality import CHECKS
from driftscope.analyses.status import Decision, Status
from driftscope.data.schema import ColumnRole
from driftscope.integrations import prometheus
from driftscope.server import db
from driftscope.server.errors import Conflict, Invalid, NotFound
from driftscope.server.jobs import JobKind, enqueue
from driftscope.server.models import (
    Alert,
    AlertEvent,
    AlertRule,
    AlertState,
    Model,
    Run,
    RunCheck,
    RunEstimate,
    RunFeature,
    RunMetric,
    RunStatus,
    Version,
    now,
)
from driftscope.server.services import change_points, feedback
from driftscope.server.services.change_points import Stream
from driftscope.server.services.registry import ModelTask, get_model
from driftscope.server.services.users import Principal, audit
from driftscope.server.state import State
from driftscope.server.storage import ArtifactStore

__all__ = [
    "EVALUATE",
    "EVERY_FEATURE",
    "JOB_KINDS",
    "Comparator",
    "Point",
    "RuleChoices",
    "RuleSpec",
    "Severity",
    "Signal",
    "acknowledge",
    "alert_history",
    "alerts_to_notify",
    "choice",
    "create_rule",
    "delete_rule",
    "evaluate_due",
    "evaluate_freshness",
    "evaluate_in",
    "evaluate_model",
    "evaluate_rule",
    "fired_in",
    "firing_by_rule",
    "firing_count",
    "get_alert",
    "get_rule",
    "list_alerts",
    "list_rules",
    "mark_notified",
    "needs_labels",
    "rule_choices",
    "run_alerts",
    "silence",
    "update_rule",
    "walk",
]

log = logging.getLogger("driftscope.server.alerts")


class Signal(StrEnum):
    """What a rule watches. ``subject`` names the metric, the column or the check."""

    METRIC = "metric"
    METRIC_DROP = "metric_drop"
    DRIFT_SHARE = "drift_share"
    FEATURE_DRIFT = "feature_drift"
    PREDICTION_DRIFT = "prediction_drift"
    LABEL_DRIFT = "label_drift"
    QUALITY_CHECK = "quality_check"
    VERDICT = "verdict"
    FRESHNESS = "freshness"
    CHANGE_POINTS = "change_points"
    ESTIMATED_METRIC = "estimated_metric"
    NEGATIVE_FEEDBACK = "negative_feedback"

    @property
    def needs_labels(self) -> bool:
        return self in (Signal.METRIC, Signal.METRIC_DROP, Signal.LABEL_DRIFT)


def needs_labels(signal: Signal, measure: str | None) -> bool:
    """Whether a rule's signal depends on ground truth (a change-point rule's on the error
    stream does)."""
    return signal.needs_labels or (signal == Signal.CHANGE_POINTS and measure == Stream.ERROR)


class Comparator(StrEnum):
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="
    EQ = "=="
    NE = "!="

    def holds(self, value: float, threshold: float) -> bool:
        return prometheus.holds(self.value, value, threshold)


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


class EventKind(StrEnum):
    FIRED = "fired"
    RESOLVED = "resolved"
    ACKNOWLEDGED = "acknowledged"
    SILENCED = "silenced"
    NOTIFIED = "notified"


#: The measures each signal takes (the first is the default; a signal without one takes none).
_MEASURES: dict[Signal, tuple[str, ...]] = {
    Signal.METRIC_DROP: ("reference", "benchmark"),
    Signal.FEATURE_DRIFT: ("drifted", "statistic", "p_value", "effect_size"),
    Signal.PREDICTION_DRIFT: ("drifted", "statistic", "p_value", "effect_size"),
    Signal.LABEL_DRIFT: ("drifted", "statistic", "p_value", "effect_size"),
    Signal.QUALITY_CHECK: ("status", "share", "columns"),
    Signal.FRESHNESS: ("data", "labels"),
    Signal.CHANGE_POINTS: tuple(Stream),
    # The estimate itself; its drop from the baseline (in the metric's worse direction, so a
    # positive drop is worse), absolute or relative; its status (ok 0, warning 1, alert 2).
    Signal.ESTIMATED_METRIC: ("estimate", "drop", "relative_drop", "status"),
    # Thumbs down among the run's feedback: the share, the lower end of its 95% Wilson interval
    # (high on few votes stays low), or the count.
    Signal.NEGATIVE_FEEDBACK: ("share", "share_lower", "count"),
}
#: The subject of a feature-drift rule on every feature: one alert per drifted feature.
EVERY_FEATURE = "*"
_NEEDS_SUBJECT = (
    Signal.METRIC,
    Signal.METRIC_DROP,
    Signal.FEATURE_DRIFT,
    Signal.QUALITY_CHECK,
    Signal.ESTIMATED_METRIC,
)
#: A check's status as a number: ok 0, warning 1, alert 2 (a verdict's: ok 0, investigate 1,
#: retrain 2).
_STATUS_RANK = {
    str(status): i for i, status in enumerate((Status.OK, Status.WARNING, Status.ALERT))
}
_DECISION_RANK = {str(decision): decision.rank for decision in Decision}


_ANALYSIS_TASK = {
    ModelTask.BINARY: Task.BINARY,
    ModelTask.MULTICLASS: Task.MULTICLASS,
    ModelTask.TEXT: Task.MULTICLASS,
    ModelTask.IMAGE: Task.MULTICLASS,
    ModelTask.REGRESSION: Task.REGRESSION,
    ModelTask.SEGMENTATION: Task.SEGMENTATION,
    ModelTask.SPEECH: Task.ASR,
}


def task_metrics(task: ModelTask) -> tuple[str, ...]:
    """The metrics a model of ``task`` may have."""
    return TASK_METRICS[_ANALYSIS_TASK[task]]


def estimated_metrics(task: ModelTask) -> tuple[str, ...]:
    """The metrics estimated without labels for a model of ``task`` (none for the tasks
    estimation does not cover)."""
    return ESTIMATED_METRICS.get(_ANALYSIS_TASK[task], ())


@dataclass(frozen=True)
class RuleSpec:
    """A rule's fields as a request gives them, before `check_rule`."""

    name: str
    signal: str
    comparator: str
    threshold: float
    subject: str | None = None
    measure: str | None = None
    relative: bool = False
    interval_excludes: bool = False
    for_runs: int = 1
    for_seconds: int | None = None
    severity: str = "warning"
    min_labelled_share: float | None = None
    min_label_age_seconds: int | None = None
    renotify_seconds: int | None = None
    enabled: bool = True
    parameters: dict[str, Any] | None = None


def choice(enum: type[StrEnum], value: str, field_name: str) -> Any:
    """``value`` as a member of ``enum``; `Invalid`, naming the field and the choices, if it is
    none."""
    try:
        return enum(value)
    except ValueError:
        known = ", ".join(repr(str(v)) for v in enum)
        raise Invalid(
            f"The {field_name!r} must be one of {known}; got {value!r}.", field=field_name
        ) from None


def _non_negative(value: float | None, field_name: str, *, whole: bool = True) -> None:
    if value is None:
        return
    if not math.isfinite(value) or value < 0:
        raise Invalid(
            f"The {field_name!r} must be a non-negative {'integer' if whole else 'number'}; "
            f"got {value!r}.",
            field=field_name,
        )


def _known_columns(state: State, session: Session, model: Model) -> set[str]:
    """The columns of the model's baselines and of its analysed runs."""
    columns: set[str] = set(
        session.scalars(
            select(RunFeature.column)
            .join(Run, Run.id == RunFeature.run_id)
            .where(Run.model_id == model.id)
            .distinct()
        )
    )
    for version in session.scalars(select(Version).where(Version.model_id == model.id)):
        # The schema names the columns of a baseline of files (a zip, no Parquet footer) and
        # of one kept as a profile alone.
        named = [str(c.get("name")) for c in (version.schema or {}).get("columns", []) or []]
        try:
            if version.baseline is not None:
                named = pq.read_schema(state.artifacts.path(version.baseline)).names
        except (OSError, ValueError):
            pass
        columns.update(named)
    return columns


def check_rule(state: State, session: Session, model: Model, spec: RuleSpec) -> RuleSpec:
    """``spec`` checked against the model (its task's metrics, its columns), each fault a 422
    naming its field."""
    name = spec.name.strip()
    if not name or len(name) > 128 or any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise Invalid(
            "The 'name' must be 1 to 128 characters, without control characters; "
            f"got {spec.name!r}.",
            field="name",
        )
    signal: Signal = choice(Signal, spec.signal, "signal")
    choice(Comparator, spec.comparator, "comparator")
    choice(Severity, spec.severity, "severity")
    if not math.isfinite(spec.threshold):
        raise Invalid(
            f"The 'threshold' must be a finite number; got {spec.threshold!r}.", field="threshold"
        )
    if spec.for_runs < 1:
        raise Invalid(
            f"The 'for_runs' must be at least 1; got {spec.for_runs!r}.", field="for_runs"
        )
    _non_negative(spec.for_seconds, "for_seconds")
    _non_negative(spec.min_label_age_seconds, "min_label_age_seconds")
    _non_negative(spec.renotify_seconds, "renotify_seconds")
    share = spec.min_labelled_share
    if share is not None and not (math.isfinite(share) and 0 <= share <= 1):
        raise Invalid(
            f"The 'min_labelled_share' must be a number in [0, 1]; got {share!r}.",
            field="min_labelled_share",
        )
    subject = spec.subject.strip() if spec.subject else None
    task = ModelTask(model.task)
    if signal in _NEEDS_SUBJECT and not subject:
        raise Invalid(
            f"A {signal.value!r} rule needs a 'subject' (the {_subject_what(signal)} it watches).",
            field="subject",
        )
    if signal not in (*_NEEDS_SUBJECT, Signal.CHANGE_POINTS) and subject:
        raise Invalid(
            f"A {signal.value!r} rule takes no 'subject'; got {subject!r}.", field="subject"
        )
    if signal in (Signal.METRIC, Signal.METRIC_DROP):
        metrics = task_metrics(task)
        if subject not in metrics:
            raise Invalid(
                f"The 'subject' {subject!r} is no metric of a {task.value} model; "
                f"one of {', '.join(metrics)}.",
                field="subject",
            )
        if signal == Signal.METRIC_DROP and higher_is_better(str(subject)) is None:
            raise Invalid(
                f"The metric {subject!r} has no better direction, so no drop.", field="subject"
            )
    if signal == Signal.ESTIMATED_METRIC and subject not in estimated_metrics(task):
        known = estimated_metrics(task)
        allowed = f"one of {', '.join(known)}" if known else "none: it is not estimated"
        raise Invalid(
            f"The 'subject' {subject!r} is no metric estimated for a {task.value} model; "
            f"{allowed}.",
            field="subject",
        )
    if (
        signal == Signal.FEATURE_DRIFT
        and subject != EVERY_FEATURE
        and subject not in _known_columns(state, session, model)
    ):
        raise Invalid(f"Model {model.name!r} has no column {subject!r}.", field="subject")
    if signal == Signal.QUALITY_CHECK and subject not in CHECKS:
        raise Invalid(
            f"The 'subject' {subject!r} is no data-quality check; one of {', '.join(CHECKS)}.",
            field="subject",
        )
    measures = _MEASURES.get(signal, ())
    measure = spec.measure or (measures[0] if measures else None)
    if measure is not None and measure not in measures:
        allowed = f"one of {', '.join(measures)}" if measures else "none"
        raise Invalid(
            f"The 'measure' of a {signal.value!r} rule is {allowed}; got {measure!r}.",
            field="measure",
        )
    if not needs_labels(signal, measure) and (
        share is not None or spec.min_label_age_seconds is not None
    ):
        which = "min_labelled_share" if share is not None else "min_label_age_seconds"
        shown = signal.value + (f" ({measure})" if measure else "")
        raise Invalid(
            f"The {which!r} is a label policy; the signal {shown!r} needs no labels.", field=which
        )
    parameters = None
    if signal == Signal.CHANGE_POINTS:
        subject, parameters = change_points.check_detector(
            task, subject, spec.parameters, Stream(str(measure))
        )
    elif spec.parameters:
        raise Invalid(
            "The 'parameters' are a 'change_points' rule's detector settings; a "
            f"{signal.value!r} rule takes none.",
            field="parameters",
        )
    if signal == Signal.FRESHNESS and (spec.for_runs != 1 or spec.for_seconds is not None):
        which = "for_runs" if spec.for_runs != 1 else "for_seconds"
        raise Invalid(
            f"A 'freshness' rule's threshold is its time (seconds); it takes no {which!r}.",
            field=which,
        )
    if signal != Signal.METRIC_DROP and (spec.relative or spec.interval_excludes):
        which = "relative" if spec.relative else "interval_excludes"
        raise Invalid(f"The {which!r} applies to a 'metric_drop' rule only.", field=which)
    return RuleSpec(
        **{
            **vars(spec),
            "name": name,
            "subject": subject,
            "measure": measure,
            "parameters": parameters,
        }
    )


@dataclass(frozen=True)
class RuleChoices:
    """What `check_rule` accepts for a model, for a form to offer: the metrics of its task (and
    those with a better direction, which can drop), its columns, the data-quality checks, and
    each signal's measures (the first is the default)."""

    metrics: tuple[str, ...]
    drop_metrics: tuple[str, ...]
    estimated_metrics: tuple[str, ...]
    columns: tuple[str, ...]
    checks: tuple[str, ...]
    measures: dict[Signal, tuple[str, ...]]


def rule_choices(state: State, session: Session, model: Model) -> RuleChoices:
    metrics = task_metrics(ModelTask(model.task))
    return RuleChoices(
        metrics=metrics,
        drop_metrics=tuple(m for m in metrics if higher_is_better(m) is not None),
        estimated_metrics=estimated_metrics(ModelTask(model.task)),
        columns=tuple(sorted(_known_columns(state, session, model))),
        checks=tuple(CHECKS),
        measures=dict(_MEASURES),
    )


def _subject_what(signal: Signal) -> str:
    return {
        Signal.METRIC: "metric",
        Signal.METRIC_DROP: "metric",
        Signal.FEATURE_DRIFT: "column",
        Signal.QUALITY_CHECK: "data-quality check",
        Signal.ESTIMATED_METRIC: "estimated metric",
    }[signal]


# -- rules ------------------------------------------------------------------------------------


def get_rule(session: Session, model: Model, rule_id: int) -> AlertRule:
    rule = session.get(AlertRule, rule_id)
    if rule is None or rule.model_id != model.id:
        raise NotFound(f"Model {model.name!r} has no alert rule {rule_id}.")
    return rule


def list_rules(session: Session, model_name: str) -> list[AlertRule]:
    model = get_model(session, model_name)
    return list(
        session.scalars(
            select(AlertRule).where(AlertRule.model_id == model.id).order_by(AlertRule.id)
        )
    )


def _same_name(session: Session, model: Model, name: str, rule_id: int | None) -> None:
    found = session.scalar(
        select(AlertRule.id).where(AlertRule.model_id == model.id, AlertRule.name == name)
    )
    if found is not None and found != rule_id:
        raise Conflict(f"Model {model.name!r} already has an alert rule named {name!r}.")


def create_rule(
    state: State, session: Session, principal: Principal, model_name: str, spec: RuleSpec
) -> AlertRule:
    """A new rule, checked; it is evaluated at once over the model's analysed runs."""
    model = get_model(session, model_name)
    checked = check_rule(state, session, model, spec)
    _same_name(session, model, checked.name, None)
    rule = AlertRule(model_id=model.id, created_by=principal.actor, **vars(checked))
    session.add(rule)
    session.flush()
    audit(
        session,
        principal.actor,
        "alert_rule.create",
        f"model:{model.name}/rule:{rule.id}",
        name=rule.name,
    )
    _evaluate_now(state, session, model, rule)
    return rule


def update_rule(
    state: State,
    session: Session,
    principal: Principal,
    model_name: str,
    rule_id: int,
    changes: dict[str, Any],
) -> AlertRule:
    """Change some of a rule's fields; the whole rule is checked again, then evaluated."""
    model = get_model(session, model_name)
    rule = get_rule(session, model, rule_id)
    current = {name: getattr(rule, name) for name in RuleSpec.__dataclass_fields__}
    checked = check_rule(state, session, model, RuleSpec(**{**current, **changes}))
    _same_name(session, model, checked.name, rule.id)
    for name, value in vars(checked).items():
        setattr(rule, name, value)
    audit(
        session,
        principal.actor,
        "alert_rule.update",
        f"model:{model.name}/rule:{rule.id}",
        fields=sorted(changes),
    )
    session.flush()
    _evaluate_now(state, session, model, rule)
    return rule


def _evaluate_now(state: State, session: Session, model: Model, rule: AlertRule) -> None:
    """Evaluate a rule just made or changed. A change-point rule reads its runs' data, which can
    be large and many: in the request it reads only the results stored already, and a job
    evaluates the model's rules over every run."""
    if Signal(rule.signal) != Signal.CHANGE_POINTS:
        _evaluate_guarded(session, model, rule, state.artifacts)
        return
    _evaluate_guarded(session, model, rule)
    enqueue(session, EVALUATE, {"model_id": model.id}, state.settings.job_max_attempts)


def delete_rule(session: Session, principal: Principal, model_name: str, rule_id: int) -> None:
    """Delete a rule with its alerts and their history."""
    model = get_model(session, model_name)
    rule = get_rule(session, model, rule_id)
    session.delete(rule)
    audit(session, principal.actor, "alert_rule.delete", f"model:{model.name}/rule:{rule_id}")


# -- signals ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _RunRow:
    id: int
    date: datetime
    n_rows: int
    n_labelled: int | None
    drift_share: float | None
    verdict: str | None


@dataclass(frozen=True)
class Point:
    """A rule's signal in one run: its value, and whether the condition holds (None: unknown,
    e.g. no labels yet, which neither breaks nor extends a streak)."""

    run_id: int | None
    date: datetime
    value: float | None
    holds: bool | None
    detail: dict[str, Any] = field(default_factory=dict)


def _runs(session: Session, model: Model) -> list[_RunRow]:
    rows = session.execute(
        select(Run.id, Run.date, Run.n_rows, Run.n_labelled, Run.drift_share, Run.verdict)
        .where(Run.model_id == model.id, Run.status == RunStatus.ANALYSED)
        .order_by(Run.date, Run.id)
    ).all()
    return [_RunRow(*row) for row in rows]


def _waiting_for_labels(rule: AlertRule, run: _RunRow, at: datetime) -> str | None:
    """Why the run is not judged yet by a label-dependent rule (None: it is)."""
    if not needs_labels(Signal(rule.signal), rule.measure):
        return None
    if rule.min_labelled_share is not None:
        share = (run.n_labelled or 0) / run.n_rows if run.n_rows else 0.0
        if share < rule.min_labelled_share:
            return f"labelled share {share:.3g} < {rule.min_labelled_share:g}"
    if rule.min_label_age_seconds is not None:
        age = (at - run.date).total_seconds()
        if age < rule.min_label_age_seconds:
            return f"data {age:.0f} s old < {rule.min_label_age_seconds} s"
    return None


def _values(
    session: Session,
    model: Model,
    rule: AlertRule,
    runs: Sequence[_RunRow],
    artifacts: ArtifactStore | None,
) -> dict[str, dict[int, tuple[float | None, dict[str, Any]]]]:
    """The signal's value in each run that has one, by key and run id (a change-point rule
    reads the runs' data from ``artifacts`` the first time; without, only runs read before
    have one)."""
    signal = Signal(rule.signal)
    out: dict[str, dict[int, tuple[float | None, dict[str, Any]]]] = {}
    if signal == Signal.DRIFT_SHARE:
        out[""] = {run.id: (run.drift_share, {}) for run in runs if run.drift_share is not None}
    elif signal == Signal.VERDICT:
        out[""] = {
            run.id: (float(_DECISION_RANK[run.verdict]), {"verdict": run.verdict})
            for run in runs
            if run.verdict in _DECISION_RANK
        }
    elif signal in (Signal.METRIC, Signal.METRIC_DROP):
        out[""] = _metric_values(session, model, rule)
    elif signal in (Signal.FEATURE_DRIFT, Signal.PREDICTION_DRIFT, Signal.LABEL_DRIFT):
        out.update(_drift_values(session, model, rule))
    elif signal == Signal.QUALITY_CHECK:
        out[""] = _check_values(session, model, rule)
        # A run without the check's rows passed it (the analysis stores every check it ran).
        for run in runs:
            out[""].setdefault(run.id, (0.0, {}))
    elif signal == Signal.CHANGE_POINTS:
        out[""] = _change_point_values(session, artifacts, model, rule, runs)
    elif signal == Signal.ESTIMATED_METRIC:
        out[""] = _estimate_values(session, model, rule)
    elif signal == Signal.NEGATIVE_FEEDBACK:
        out[""] = _feedback_values(session, model, rule)
    return out


_Values = dict[int, tuple[float | None, dict[str, Any]]]


def _metric_values(session: Session, model: Model, rule: AlertRule) -> _Values:
    metrics = session.scalars(
        select(RunMetric)
        .join(Run, Run.id == RunMetric.run_id)
        .where(Run.model_id == model.id, RunMetric.metric == rule.subject)
    )
    return {metric.run_id: _metric_value(rule, metric) for metric in metrics}


def _estimate_values(session: Session, model: Model, rule: AlertRule) -> _Values:
    """An estimated metric by run: the estimate, its drop from the baseline, or its status."""
    estimates = session.scalars(
        select(RunEstimate)
        .join(Run, Run.id == RunEstimate.run_id)
        .where(Run.model_id == model.id, RunEstimate.metric == rule.subject)
    )
    out: _Values = {}
    for row in estimates:
        detail = {
            "estimate": row.estimate,
            "lower": row.lower,
            "upper": row.upper,
            "baseline": row.baseline,
            "status": row.status,
            "realised": row.realised,
        }
        value: float | None = row.estimate
        if rule.measure == "status":
            value = float(_STATUS_RANK[row.status]) if row.status in _STATUS_RANK else None
        elif rule.measure in ("drop", "relative_drop"):
            value = None
            if row.estimate is not None and row.baseline is not None:
                drop = row.baseline - row.estimate
                value = drop if higher_is_better(row.metric) else -drop
                if rule.measure == "relative_drop":
                    value = value / abs(row.baseline) if row.baseline else None
        out[row.run_id] = (value, detail)
    return out


def _feedback_values(session: Session, model: Model, rule: AlertRule) -> _Values:
    """Thumbs down by run, among the runs whose rows got feedback."""
    rows = session.execute(
        select(Run.id, Run.n_feedback, Run.negative_feedback).where(
            Run.model_id == model.id, Run.n_feedback.is_not(None), Run.n_feedback > 0
        )
    )
    out: _Values = {}
    for run_id, total, negative in rows:
        detail = {"feedback": total, "negative": negative}
        if rule.measure == "count":
            out[run_id] = (float(negative or 0), detail)
        elif rule.measure == "share_lower":
            out[run_id] = (feedback.negative_share_lower(total, negative), detail)
        else:
            out[run_id] = (feedback.negative_share(total, negative), detail)
    return out


def _drift_values(session: Session, model: Model, rule: AlertRule) -> dict[str, _Values]:
    """A column's drift by run, keyed by the column (a rule on every feature, ``*``, has a key
    per feature; prediction and label drift have the one key "")."""
    signal = Signal(rule.signal)
    query = (
        select(RunFeature).join(Run, Run.id == RunFeature.run_id).where(Run.model_id == model.id)
    )
    if signal == Signal.FEATURE_DRIFT and rule.subject == EVERY_FEATURE:
        query = query.where(RunFeature.role == str(ColumnRole.FEATURE))
    elif signal == Signal.FEATURE_DRIFT:
        query = query.where(RunFeature.column == rule.subject)
    else:
        role = ColumnRole.PREDICTION if signal == Signal.PREDICTION_DRIFT else ColumnRole.TARGET
        query = query.where(RunFeature.role == str(role))
    out: dict[str, _Values] = {}
    for row in session.scalars(query):
        raw = getattr(row, str(rule.measure))
        value = None if raw is None else float(raw)
        key = row.column if signal == Signal.FEATURE_DRIFT else ""
        out.setdefault(key, {})[row.run_id] = (value, {"column": row.column, "method": row.method})
    if signal != Signal.FEATURE_DRIFT:
        out.setdefault("", {})
    return out


def _change_point_values(
    session: Session,
    artifacts: ArtifactStore | None,
    model: Model,
    rule: AlertRule,
    runs: Sequence[_RunRow],
) -> _Values:
    """How many change points the rule's detector found in each run's stream, with where the
    first one was (its position in the stream and its row's time); unknown where the stream
    could not be read."""
    setting = (str(rule.subject), rule.parameters or {}, Stream(str(rule.measure)))
    run_ids = [run.id for run in runs]
    results = change_points.found(
        session, artifacts, model.id, run_ids, ModelTask(model.task), setting
    )
    out: _Values = {}
    for run_id, result in results.items():
        if result.error is not None:
            out[run_id] = (None, {"error": result.error})
            continue
        first_at = result.first_at.isoformat() if result.first_at is not None else None
        detail = {"values": result.n_values, "first_row": result.first_row, "first_at": first_at}
        out[run_id] = (float(result.changes), detail)
    return out


def _check_values(session: Session, model: Model, rule: AlertRule) -> _Values:
    query = (
        select(RunCheck)
        .join(Run, Run.id == RunCheck.run_id)
        .where(Run.model_id == model.id, RunCheck.check == rule.subject)
    )
    checks: dict[int, list[RunCheck]] = {}
    for check in session.scalars(query):
        checks.setdefault(check.run_id, []).append(check)
    return {run_id: _check_value(rule, found) for run_id, found in checks.items()}


def _metric_value(rule: AlertRule, metric: RunMetric) -> tuple[float | None, dict[str, Any]]:
    detail = {
        "value": metric.value,
        "lower": metric.lower,
        "upper": metric.upper,
        "reference": metric.reference,
        "benchmark": metric.benchmark,
    }
    if Signal(rule.signal) == Signal.METRIC or metric.value is None:
        return metric.value, detail
    base = metric.reference if rule.measure == "reference" else metric.benchmark
    if base is None:
        return None, detail
    higher = higher_is_better(metric.metric)
    drop = base - metric.value if higher else metric.value - base
    if rule.relative:
        if base == 0:
            return None, detail
        drop /= abs(base)
    if rule.interval_excludes:
        bound = metric.upper if higher else metric.lower
        excluded = bound is not None and (bound < base if higher else bound > base)
        detail["interval_excludes"] = excluded
    return drop, detail


def _check_value(rule: AlertRule, checks: list[RunCheck]) -> tuple[float | None, dict[str, Any]]:
    failing = sorted(c.column for c in checks if _STATUS_RANK.get(c.status, 0) > 0)
    detail = {"columns": failing}
    if rule.measure == "columns":
        return float(len(failing)), detail
    if rule.measure == "share":
        shares = [c.share for c in checks if c.share is not None]
        return (max(shares) if shares else None), detail
    return float(max(_STATUS_RANK.get(c.status, 0) for c in checks)), detail


def _freshness(model: Model, rule: AlertRule, runs: Sequence[_RunRow], at: datetime) -> Point:
    """How long, in seconds at ``at``, since the newest run's data (measure ``data``) or the
    newest run with labels (``labels``); since the model was made when there is none."""
    if rule.measure == "labels":
        runs = [run for run in runs if run.n_labelled]
    newest = max(runs, key=lambda run: run.date, default=None)
    since = newest.date if newest is not None else model.created_at
    value = (at - since).total_seconds()
    holds = Comparator(rule.comparator).holds(value, rule.threshold)
    return Point(newest.id if newest else None, at, value, holds, {"since": since.isoformat()})


def series(
    session: Session,
    model: Model,
    rule: AlertRule,
    at: datetime,
    artifacts: ArtifactStore | None = None,
) -> dict[str, list[Point]]:
    """The rule's points over the model's analysed runs in date order, by key (a freshness
    rule's one point is the time of evaluation)."""
    runs = _runs(session, model)
    if Signal(rule.signal) == Signal.FRESHNESS:
        return {"": [_freshness(model, rule, runs, at)]}
    comparator = Comparator(rule.comparator)
    out: dict[str, list[Point]] = {}
    for key, values in _values(session, model, rule, runs, artifacts).items():
        points = out.setdefault(key, [])
        for run in runs:
            if run.id not in values:
                continue
            value, detail = values[run.id]
            waiting = _waiting_for_labels(rule, run, at)
            if waiting is not None:
                holds = None
                detail = {**detail, "waiting": waiting}
            elif value is None or not math.isfinite(value):
                holds = None
            else:
                holds = comparator.holds(value, rule.threshold)
                if holds and detail.get("interval_excludes") is False:
                    holds = False  # the drop is within the interval's noise
            points.append(Point(run.id, run.date, value, holds, detail))
    return out


# -- evaluation -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Walk:
    """Where a rule's series ends: firing or not; the first point of the breach that fired and
    the point that made it fire; the point that resolved the last firing (if it was resolved)."""

    firing: bool
    start: Point | None = None
    fired: Point | None = None
    last: Point | None = None
    resolved: Point | None = None


def walk(points: Iterable[Point], for_runs: int, for_seconds: int | None) -> Walk:
    """Walk the points in date order: the condition must hold on ``for_runs`` consecutive known
    points, and from the first of them for ``for_seconds`` (if set), before it fires; the first
    known point where it does not hold resolves it. Unknown points change nothing.

    >>> from datetime import datetime, UTC
    >>> day = lambda d: datetime(2024, 1, d, tzinfo=UTC)
    >>> points = [Point(d, day(d), v, v < 0.9) for d, v in [(1, .95), (2, .8), (3, .7), (4, .93)]]
    >>> walk(points[:3], 2, None).fired.run_id, walk(points, 2, None).resolved.run_id
    (3, 4)
    """
    firing = False
    streak: list[Point] = []
    fired: Point | None = None
    resolved: Point | None = None
    for point in points:
        if point.holds is None:
            continue
        if not point.holds:
            if firing:
                resolved, firing = point, False
            streak = []
            continue
        streak.append(point)
        long_enough = for_seconds is None or (
            point.date - streak[0].date >= timedelta(seconds=for_seconds)
        )
        if not firing and len(streak) >= for_runs and long_enough:
            firing, fired, resolved = True, point, None
    if firing:
        return Walk(True, streak[0], fired, streak[-1])
    return Walk(False, resolved=resolved)


def fingerprint(model: Model, rule: AlertRule, key: str) -> str:
    return hashlib.sha256(f"{model.name}\0{rule.id}\0{key}".encode()).hexdigest()


def _message(point: Point, model: Model, rule: AlertRule) -> str:
    """What fired, in a line (a change-point rule's with where the first change was)."""
    value = point.value
    what = rule.signal.replace("_", " ")
    if rule.subject:
        what += f" {rule.subject}"
    if rule.measure:
        what += f" ({rule.measure})"
    shown = "unknown" if value is None else f"{value:.4g}"
    where = ""
    if point.detail.get("first_row") is not None:
        where = f"; the first change at value {point.detail['first_row']} of the run's stream"
        if point.detail.get("first_at"):
            where += f" ({point.detail['first_at']})"
    return (
        f"{model.name}: {rule.name}: {what} is {shown}, {rule.comparator} {rule.threshold:g}"
        f" for {rule.for_runs} run(s){where}"
    )


def _event(
    session: Session,
    alert: Alert,
    kind: EventKind,
    point: Point | None,
    message: str,
    actor: str | None = None,
) -> None:
    session.add(
        AlertEvent(
            alert_id=alert.id,
            kind=kind,
            run_id=point.run_id if point else None,
            run_date=point.date if point else None,
            value=point.value if point else None,
            actor=actor,
            message=message,
        )
    )


def evaluate_rule(
    session: Session,
    model: Model,
    rule: AlertRule,
    at: datetime | None = None,
    artifacts: ArtifactStore | None = None,
) -> list[Alert]:
    """Evaluate ``rule`` over the model's analysed runs and bring its alerts in line: fire a new
    one, keep the open one (updating its latest value), or resolve it. The changed or kept
    open alerts. (A change-point rule reads runs' data it has not read before from
    ``artifacts``.)"""
    at = at or now()
    # Two workers evaluating the same rule wait for each other (PostgreSQL; SQLite writes one
    # at a time), so a rule never gets two open alerts for one key.
    session.execute(select(AlertRule.id).where(AlertRule.id == rule.id).with_for_update())
    open_alerts = {
        alert.key: alert
        for alert in session.scalars(
            select(Alert).where(Alert.rule_id == rule.id, Alert.state == AlertState.FIRING)
        )
    }
    points = series(session, model, rule, at, artifacts) if rule.enabled else {}
    touched: list[Alert] = []
    for key in sorted(set(points) | set(open_alerts)):
        ended = walk(points.get(key, []), rule.for_runs, rule.for_seconds)
        alert = open_alerts.get(key)
        if ended.firing and ended.fired is not None and ended.last is not None:
            if alert is None:
                alert = _fire(session, model, rule, key, ended, at)
            else:
                alert.last_run_id, alert.last_value = ended.last.run_id, ended.last.value
            touched.append(alert)
        elif alert is not None:
            alert.state = AlertState.RESOLVED
            point = ended.resolved
            alert.resolved_at = point.date if point else at
            alert.updated_at = at
            why = "resolved" if point else "resolved: the rule is disabled or its runs are gone"
            _event(session, alert, EventKind.RESOLVED, point, why)
            touched.append(alert)
    rule.error = _unreadable(points)
    return touched


def _unreadable(points: dict[str, list[Point]]) -> str | None:
    """Why the newest run's signal could not be read (a change-point rule's stream), if so."""
    every = (point for found in points.values() for point in found)
    newest = max(every, key=lambda point: point.date, default=None)
    if newest is None or "error" not in newest.detail:
        return None
    return f"Run {newest.run_id}: {newest.detail['error']}"


def _fire(
    session: Session, model: Model, rule: AlertRule, key: str, ended: Walk, at: datetime
) -> Alert:
    assert ended.start is not None
    assert ended.fired is not None
    assert ended.last is not None
    message = _message(ended.fired, model, rule)
    alert = Alert(
        rule_id=rule.id,
        model_id=model.id,
        key=key,
        fingerprint=fingerprint(model, rule, key),
        state=AlertState.FIRING,
        severity=rule.severity,
        started_at=ended.start.date,
        run_id=ended.fired.run_id,
        value=ended.fired.value,
        threshold=rule.threshold,
        message=message,
        last_run_id=ended.last.run_id,
        last_value=ended.last.value,
        created_at=at,
        updated_at=at,
    )
    session.add(alert)
    session.flush()
    _event(session, alert, EventKind.FIRED, ended.fired, message)
    return alert


def _evaluate_guarded(
    session: Session, model: Model, rule: AlertRule, artifacts: ArtifactStore | None = None
) -> None:
    """Evaluate a rule just made or changed, in a savepoint: a failure is the rule's error."""
    try:
        with session.begin_nested():
            evaluate_rule(session, model, rule, artifacts=artifacts)
    except Exception as error:  # a rule's fault is reported on the rule
        rule.error = f"{type(error).__name__}: {error}"


def evaluate_in(session: Session, model: Model) -> None:
    """Evaluate every rule of ``model`` in the caller's transaction (after a run or a version
    was deleted), each in a savepoint: a rule that fails records why. A change-point rule reads
    the results stored for the runs left (no run's data is read in a request)."""
    session.flush()
    for rule in session.scalars(select(AlertRule).where(AlertRule.model_id == model.id)):
        _evaluate_guarded(session, model, rule)


def evaluate_freshness(state: State, at: datetime | None = None) -> int:
    """Evaluate every enabled freshness rule (the worker does, every minute): no data, or no
    labels, for longer than their threshold. How many rules failed."""
    with state.sessions() as session:
        models = set(
            session.scalars(
                select(AlertRule.model_id).where(
                    AlertRule.signal == Signal.FRESHNESS, AlertRule.enabled.is_(True)
                )
            )
        )
    return sum(evaluate_model(state, model_id, Signal.FRESHNESS, at) for model_id in models)


def evaluate_model(
    state: State, model_id: int, signal: Signal | None = None, at: datetime | None = None
) -> int:
    """Evaluate every enabled rule of a model (after one of its runs was analysed), each in a
    transaction of its own; a rule that fails records why and the others go on. How many rules
    failed. Evaluating every rule (no ``signal``) clears the runs' `Run.rules_due` that were
    set when it began: their analyses have been judged."""
    query = select(AlertRule.id).where(AlertRule.model_id == model_id)
    if signal is not None:
        query = query.where(AlertRule.signal == signal)
    with state.sessions() as session:
        rule_ids = list(session.scalars(query.order_by(AlertRule.id)))
        due = [] if signal is not None else list(session.scalars(_due_runs(model_id)))
    failed = 0
    for rule_id in rule_ids:
        try:
            with db.transaction(state.writers) as session:
                rule = session.get(AlertRule, rule_id)
                model = session.get(Model, model_id)
                if rule is None or model is None:
                    continue
                evaluate_rule(session, model, rule, at, state.artifacts)
        except Exception as error:  # one rule's fault stops no other
            failed += 1
            log.warning("alert rule %s could not be evaluated: %s", rule_id, error)
            with db.transaction(state.writers) as session:
                broken = session.get(AlertRule, rule_id)
                if broken is not None:
                    broken.error = f"{type(error).__name__}: {error}"
    if due:
        with db.transaction(state.writers) as session:
            session.execute(update(Run).where(Run.id.in_(due)).values(rules_due=False))
    return failed


def _due_runs(model_id: int) -> Select[int]:
    return select(Run.id).where(
        Run.model_id == model_id, Run.rules_due.is_(True), Run.status == RunStatus.ANALYSED
    )


def evaluate_due(state: State) -> int:
    """Evaluate the rules of every model with a run analysed but not judged since (the process
    died between storing the analysis and evaluating the rules; the worker does this in its
    periodic step). How many models."""
    with state.sessions() as session:
        models = list(
            session.scalars(
                select(Run.model_id)
                .where(Run.rules_due.is_(True), Run.status == RunStatus.ANALYSED)
                .distinct()
                .order_by(Run.model_id)
            )
        )
    for model_id in models:
        evaluate_model(state, model_id)
    return len(models)


#: The job kind that evaluates a model's rules away from a request.
EVALUATE = "evaluate_rules"


def _evaluate_job(
    state: State, payload: Mapping[str, Any], progress: Callable[[str], None]
) -> None:
    progress("evaluating the alert rules")
    failed = evaluate_model(state, int(payload["model_id"]))
    if failed:
        progress(f"{failed} rule(s) could not be evaluated (each says why)")


#: The jobs of the alert rules, by kind.
JOB_KINDS = {EVALUATE: JobKind(_evaluate_job)}


# -- alerts -----------------------------------------------------------------------------------


def get_alert(session: Session, alert_id: int, model: Model | None = None) -> Alert:
    alert = session.get(Alert, alert_id)
    if alert is None or (model is not None and alert.model_id != model.id):
        raise NotFound(f"No alert {alert_id}" + (f" of model {model.name!r}." if model else "."))
    return alert


def list_alerts(
    session: Session,
    *,
    model_name: str | None = None,
    state: str | None = None,
    rule_id: int | None = None,
    severity: str | None = None,
    offset: int = 0,
    limit: int = 100,
) -> tuple[list[Alert], int]:
    """Alerts, newest first, filtered; and how many match."""
    query = select(Alert)
    if model_name is not None:
        query = query.where(Alert.model_id == get_model(session, model_name).id)
    if state is not None:
        query = query.where(Alert.state == choice(AlertState, state, "state"))
    if severity is not None:
        query = query.where(Alert.severity == choice(Severity, severity, "severity"))
    if rule_id is not None:
        query = query.where(Alert.rule_id == rule_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(Alert.started_at.desc(), Alert.id.desc()).offset(offset).limit(limit)
    )
    return list(rows), total


def firing_count(session: Session) -> int:
    """How many alerts are firing over every model (one query: the app's menu shows it)."""
    return session.scalar(select(func.count()).where(Alert.state == AlertState.FIRING)) or 0


def firing_by_rule(session: Session, model: Model) -> dict[int, int]:
    """How many alerts each of the model's rules has firing (a rule without any is left out)."""
    rows = session.execute(
        select(Alert.rule_id, func.count())
        .where(Alert.model_id == model.id, Alert.state == AlertState.FIRING)
        .group_by(Alert.rule_id)
    ).all()
    return {rule_id: count for rule_id, count in rows}


@dataclass(frozen=True)
class Change:
    """An alert fired or resolved by a run, as a page lists it: the event, its alert and the
    alert's rule name."""

    event: AlertEvent
    alert: Alert
    rule: str


def _changes(session: Session, *where: Any) -> list[Change]:
    rows = session.execute(
        select(AlertEvent, Alert, AlertRule.name)
        .join(Alert, Alert.id == AlertEvent.alert_id)
        .join(AlertRule, AlertRule.id == Alert.rule_id)
        .where(AlertEvent.kind.in_((EventKind.FIRED, EventKind.RESOLVED)), *where)
        .order_by(AlertEvent.run_date, AlertEvent.id)
    ).all()
    return [Change(event, alert, name) for event, alert, name in rows]


def run_alerts(session: Session, run_id: int) -> list[Change]:
    """The alerts the run fired or resolved, in the order they did."""
    return _changes(session, AlertEvent.run_id == run_id)


def fired_in(
    session: Session, model: Model, since: datetime | None, until: datetime | None
) -> list[Change]:
    """The model's alerts fired by runs dated from ``since`` (included) to ``until``
    (excluded), either open, oldest first: the marks on the dashboard's timelines."""
    where = [Alert.model_id == model.id, AlertEvent.kind == EventKind.FIRED]
    if since is not None:
        where.append(AlertEvent.run_date >= since)
    if until is not None:
        where.append(AlertEvent.run_date < until)
    return _changes(session, *where)


def alert_history(session: Session, alert: Alert) -> list[AlertEvent]:
    return list(
        session.scalars(
            select(AlertEvent).where(AlertEvent.alert_id == alert.id).order_by(AlertEvent.id)
        )
    )


def acknowledge(
    session: Session, principal: Principal, alert_id: int, model_name: str | None = None
) -> Alert:
    """Someone is on it: the alert is no longer notified again (until it fires anew)."""
    model = get_model(session, model_name) if model_name is not None else None
    alert = get_alert(session, alert_id, model)
    if alert.acknowledged_at is None:
        alert.acknowledged_by, alert.acknowledged_at = principal.actor, now()
        _event(
            session,
            alert,
            EventKind.ACKNOWLEDGED,
            None,
            f"acknowledged by {principal.actor}",
            principal.actor,
        )
        audit(session, principal.actor, "alert.acknowledge", f"alert:{alert.id}")
    return alert


def silence(
    session: Session,
    principal: Principal,
    alert_id: int,
    until: datetime | None,
    model_name: str | None = None,
) -> Alert:
    """No notification of the alert before ``until`` (None lifts the silence)."""
    model = get_model(session, model_name) if model_name is not None else None
    alert = get_alert(session, alert_id, model)
    if until is not None and until.tzinfo is None:
        until = until.replace(tzinfo=UTC)  # a time without a zone is UTC
    alert.silenced_until = until
    shown = until.isoformat() if until else "lifted"
    _event(session, alert, EventKind.SILENCED, None, f"silenced until {shown}", principal.actor)
    audit(session, principal.actor, "alert.silence", f"alert:{alert.id}", until=shown)
    return alert


def alerts_to_notify(session: Session, at: datetime | None = None) -> list[Alert]:
    """The alerts a notifier should send now: firing ones neither acknowledged nor silenced,
    never notified or last notified more than their rule's re-notify interval ago; and resolved
    ones notified while firing but not since resolving."""
    at = at or now()
    due: list[Alert] = []
    rows = session.execute(
        select(Alert, AlertRule.renotify_seconds)
        .join(AlertRule, AlertRule.id == Alert.rule_id)
        .where(
            (Alert.state == AlertState.FIRING)
            | ((Alert.last_notified_at.is_not(None)) & (Alert.last_notified_at < Alert.updated_at))
        )
        .order_by(Alert.id)
    ).all()
    for alert, renotify in rows:
        if alert.silenced_until is not None and alert.silenced_until > at:
            continue
        if alert.state == AlertState.RESOLVED:
            due.append(alert)
        elif alert.acknowledged_at is not None:
            continue
        elif alert.last_notified_at is None or (
            renotify is not None and at - alert.last_notified_at >= timedelta(seconds=renotify)
        ):
            due.append(alert)
    return due


def mark_notified(
    session: Session,
    alert_ids: Iterable[int],
    at: datetime | None = None,
    message: str = "notified",
) -> None:
    """Record that the alerts were sent at ``at``."""
    at = at or now()
    for alert_id in alert_ids:
        alert = session.get(Alert, alert_id)
        if alert is None:
            continue
        alert.last_notified_at = at
        _event(session, alert, EventKind.NOTIFIED, None, message)
