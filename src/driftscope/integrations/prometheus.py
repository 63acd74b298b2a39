"""Prometheus: the service's numbers as a scrape (`StoreCollector`, `exposition`) and alert rules
for them (`RuleSpec`, `rule_file`).

The collector holds no state of its own: each scrape calls ``read`` for a `MetricsSnapshot` (the
server reads it from its store) and turns it into metric families, so a version, model or
feature that went away has no series left. Names follow Prometheus' conventions: the
``driftscope_`` prefix, base units (seconds, ratios 0-1), ``_total`` on counters.

prometheus-client is imported only when a scrape is rendered (extra ``server``); the rule file
needs nothing but PyYAML.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import yaml

from driftscope.exceptions import ExtraMissingError, ParameterError

if TYPE_CHECKING:
    from prometheus_client.metrics_core import Metric

__all__ = [
    "COMPARATORS",
    "CONTENT_TYPE",
    "DEFAULT_RULES",
    "PREFIX",
    "VERDICTS",
    "AlertsFiring",
    "FeatureDrift",
    "MetricPoint",
    "MetricsSnapshot",
    "ModelActivity",
    "RuleSpec",
    "StoreCollector",
    "VersionAlias",
    "VersionPoint",
    "exposition",
    "holds",
    "metric_name",
    "rule_file",
]

PREFIX = "driftscope_"
#: The text format Prometheus scrapes (version 0.0.4).
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
#: The verdicts a run can have, each a series of `driftscope_verdict` (1 for the run's).
VERDICTS = ("ok", "investigate", "retrain")
COMPARATORS = ("<", "<=", ">", ">=", "==", "!=")
_COMPARE: dict[str, Callable[[float, float], bool]] = dict(
    zip(
        COMPARATORS,
        (operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne),
        strict=True,
    )
)
_NOT_NAME = re.compile(r"[^a-zA-Z0-9_]")


@dataclass(frozen=True)
class MetricPoint:
    """A performance metric of a run, with its confidence interval."""

    name: str
    value: float | None
    lower: float | None
    upper: float | None


@dataclass(frozen=True)
class FeatureDrift:
    """One column's drift in a run: its test's statistic (the score) and decision."""

    column: str
    role: str
    method: str | None
    score: float | None
    drifted: bool | None


@dataclass(frozen=True)
class VersionPoint:
    """A model version's latest analysed run, and how many of its runs were analysed."""

    model: str
    version: int
    run_date: datetime
    verdict: str | None
    drift_share: float | None
    metrics: tuple[MetricPoint, ...]
    features: tuple[FeatureDrift, ...]
    analysed_runs: int


@dataclass(frozen=True)
class ModelActivity:
    """A model's data: the rows the store holds for it, and when its last data arrived."""

    model: str
    rows: int
    last_data: datetime | None


@dataclass(frozen=True)
class VersionAlias:
    """An alias (``production``, ``staging``) and the model version it points at."""

    model: str
    version: int
    alias: str


@dataclass(frozen=True)
class AlertsFiring:
    """How many of a model's alerts fire now, by severity (filled by the service's alert
    rules)."""

    model: str
    severity: str
    count: int


@dataclass(frozen=True)
class MetricsSnapshot:
    """What one scrape shows, read from the store at ``taken_at``."""

    taken_at: datetime
    versions: tuple[VersionPoint, ...]
    models: tuple[ModelActivity, ...]
    #: Jobs by status (every status listed, 0 where none).
    jobs: dict[str, int]
    aliases: tuple[VersionAlias, ...] = ()
    alerts: tuple[AlertsFiring, ...] = ()


def holds(comparator: str, value: float, threshold: float) -> bool:
    """Whether ``value comparator threshold`` holds, as PromQL (and the service's alert rules,
    which use the same comparators) compares.

    >>> holds(">=", 2, 2), holds("!=", 1, 1)
    (True, False)
    """
    return _COMPARE[comparator](value, threshold)


def metric_name(metric: str) -> str:
    """The series name of a performance metric: ``driftscope_model_<metric>``, with any
    character Prometheus does not allow in a name replaced by ``_``.

    >>> metric_name("roc_auc")
    'driftscope_model_roc_auc'
    >>> metric_name("F1 (macro)")
    'driftscope_model_F1__macro_'
    """
    return f"{PREFIX}model_{_NOT_NAME.sub('_', metric)}"


def _number(value: float | None) -> float:
    return math.nan if value is None else float(value)


def _shown_features(features: Sequence[FeatureDrift], limit: int) -> tuple[list[FeatureDrift], int]:
    """The columns given series of their own, at most ``limit``: the target and the prediction
    first, then the drifted features, then the others by name (an order that changes only when
    a decision does, so series do not come and go from one run to the next); and how many were
    left out."""

    def rank(feature: FeatureDrift) -> tuple[int, int, str]:
        return (feature.role == "feature", feature.drifted is not True, feature.column)

    ordered = sorted(features, key=rank)
    return ordered[:limit], max(len(ordered) - limit, 0)


class StoreCollector:
    """A prometheus-client collector reading a `MetricsSnapshot` at every scrape.

    ``max_features`` caps the per-column series of each model version (the others are counted
    in ``driftscope_feature_series_omitted`` and in ``driftscope_features`` by state), so a model
    of thousands of columns cannot flood Prometheus.
    """

    def __init__(self, read: Callable[[], MetricsSnapshot], max_features: int = 100) -> None:
        if isinstance(max_features, bool) or not isinstance(max_features, int) or max_features < 0:
            raise ParameterError(
                "The 'max_features' parameter of StoreCollector must be an int in [0, inf). "
                f"Got {max_features!r}."
            )
        self.read = read
        self.max_features = max_features

    def collect(self) -> Iterator[Metric]:
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        snapshot = self.read()
        mv = ["model", "version"]

        def gauge(name: str, documentation: str, labels: Sequence[str]) -> GaugeMetricFamily:
            return GaugeMetricFamily(PREFIX + name, documentation, labels=list(labels))

        run_time = gauge(
            "last_run_timestamp_seconds",
            "Data time of the version's latest analysed run (Unix seconds).",
            mv,
        )
        analysed = CounterMetricFamily(
            PREFIX + "analysed_runs", "Runs of the version analysed so far.", labels=mv
        )
        drift_share = gauge(
            "drift_share", "Share of features drifted in the latest analysed run (0-1).", mv
        )
        verdict = gauge(
            "verdict",
            "Verdict of the latest analysed run: 1 for its verdict, 0 for the others.",
            [*mv, "verdict"],
        )
        score = gauge(
            "feature_drift_score",
            "Drift test statistic of a column in the latest analysed run (its method's scale).",
            [*mv, "feature", "role", "method"],
        )
        drifted = gauge(
            "feature_drifted",
            "Whether a column drifted in the latest analysed run (1 drifted, 0 not).",
            [*mv, "feature", "role"],
        )
        states = gauge(
            "features",
            "Columns of the latest analysed run by drift state (drifted, not_drifted, untested).",
            [*mv, "state"],
        )
        omitted = gauge(
            "feature_series_omitted",
            "Columns of the latest analysed run left without series of their own "
            "(DRIFTSCOPE_METRICS_MAX_FEATURES).",
            mv,
        )
        performance: dict[str, tuple[GaugeMetricFamily, ...]] = {}
        for point in snapshot.versions:
            values = [point.model, str(point.version)]
            run_time.add_metric(values, point.run_date.timestamp())
            analysed.add_metric(values, point.analysed_runs)
            drift_share.add_metric(values, _number(point.drift_share))
            if point.verdict is not None:
                for name in VERDICTS:
                    verdict.add_metric([*values, name], float(point.verdict == name))
            for metric in point.metrics:
                if metric.name not in performance:
                    base = metric_name(metric.name)[len(PREFIX) :]
                    performance[metric.name] = (
                        gauge(base, f"Performance metric {metric.name} of the latest run.", mv),
                        gauge(
                            base + "_lower",
                            f"Lower bound of the confidence interval of {metric.name}.",
                            mv,
                        ),
                        gauge(
                            base + "_upper",
                            f"Upper bound of the confidence interval of {metric.name}.",
                            mv,
                        ),
                    )
                for family, number in zip(
                    performance[metric.name],
                    (metric.value, metric.lower, metric.upper),
                    strict=True,
                ):
                    family.add_metric(values, _number(number))
            counts = dict.fromkeys(("drifted", "not_drifted", "untested"), 0)
            for feature in point.features:
                state = {True: "drifted", False: "not_drifted", None: "untested"}[feature.drifted]
                counts[state] += 1
            for state, count in counts.items():
                states.add_metric([*values, state], count)
            shown, left_out = _shown_features(point.features, self.max_features)
            omitted.add_metric(values, left_out)
            for feature in shown:
                labels = [*values, feature.column, feature.role]
                score.add_metric([*labels, feature.method or ""], _number(feature.score))
                if feature.drifted is not None:
                    drifted.add_metric(labels, float(feature.drifted))

        rows = CounterMetricFamily(
            PREFIX + "rows_ingested",
            "Rows of production data the store holds for the model (uploaded runs and logged "
            "predictions).",
            labels=["model"],
        )
        lag = gauge(
            "ingestion_lag_seconds", "Seconds since the model's last data arrived.", ["model"]
        )
        last_data = gauge(
            "last_data_timestamp_seconds",
            "When the model's last data arrived (Unix seconds).",
            ["model"],
        )
        now = snapshot.taken_at.timestamp()
        for activity in snapshot.models:
            rows.add_metric([activity.model], activity.rows)
            if activity.last_data is not None:
                at = activity.last_data.timestamp()
                last_data.add_metric([activity.model], at)
                lag.add_metric([activity.model], max(now - at, 0.0))
        aliases = gauge(
            "version_alias", "1 for the model version an alias points at.", [*mv, "alias"]
        )
        for alias in snapshot.aliases:
            aliases.add_metric([alias.model, str(alias.version), alias.alias], 1.0)
        jobs = gauge("jobs", "Analysis jobs in the store by status.", ["status"])
        for status, count in sorted(snapshot.jobs.items()):
            jobs.add_metric([status], count)
        # Filled by the service's alert rules (`MetricsSnapshot.alerts`); empty until then.
        alerts = gauge(
            "alerts_firing", "Alerts firing now, by model and severity.", ["model", "severity"]
        )
        for alert in snapshot.alerts:
            alerts.add_metric([alert.model, alert.severity], alert.count)

        yield from (run_time, analysed, drift_share, verdict)
        for families in performance.values():
            yield from families
        yield from (score, drifted, states, omitted, aliases, rows, lag, last_data, jobs, alerts)

    def describe(self) -> Iterable[Metric]:
        # Nothing is described up front: the families depend on the store (prometheus-client
        # then does not call `collect` at registration).
        return ()


def exposition(collector: StoreCollector) -> bytes:
    """One scrape in Prometheus' text format."""
    try:
        from prometheus_client import CollectorRegistry, generate_latest
    except ImportError as exc:  # pragma: no cover - the server extra brings it
        raise ExtraMissingError(
            'The metrics need prometheus-client: pip install "driftscope[server]"'
        ) from exc
    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)
    return generate_latest(registry)


@dataclass(frozen=True)
class RuleSpec:
    """A Prometheus alerting rule: fire while ``metric comparator threshold`` has held for
    ``for_seconds``, for each series (each model version) on its own.

    ``metric`` is a series name of the scrape (``driftscope_model_accuracy``, ...); ``model``
    narrows the rule to one model, ``alias`` to the versions an alias points at (a version that
    no longer serves keeps its last run's numbers, and would fire for ever).
    """

    name: str
    metric: str
    comparator: str
    threshold: float
    for_seconds: float
    severity: str = "warning"
    summary: str = ""
    model: str | None = None
    alias: str | None = None
    #: More label matchers, each ``(label, "=" or "=~", value)``.
    matchers: tuple[tuple[str, str, str], ...] = ()
    #: The series is a Unix time: the condition is on its age, ``time() - max by (model)``.
    age: bool = False

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[a-zA-Z_][a-zA-Z0-9_]*", self.name):
            raise ParameterError(
                f"The 'name' parameter of RuleSpec must be an alert name (letters, digits, _). "
                f"Got {self.name!r}."
            )
        if not re.fullmatch(r"[a-zA-Z_][a-zA-Z0-9_]*", self.metric):
            raise ParameterError(
                f"The 'metric' parameter of RuleSpec must be a series name (letters, digits, _). "
                f"Got {self.metric!r}."
            )
        if self.comparator not in COMPARATORS:
            raise ParameterError(
                f"The 'comparator' parameter of RuleSpec must be one of {', '.join(COMPARATORS)}. "
                f"Got {self.comparator!r}."
            )
        if isinstance(self.threshold, bool) or not math.isfinite(self.threshold):
            raise ParameterError(
                f"The 'threshold' parameter of RuleSpec must be a finite number. "
                f"Got {self.threshold!r}."
            )
        if not math.isfinite(self.for_seconds) or self.for_seconds < 0:
            raise ParameterError(
                f"The 'for_seconds' parameter of RuleSpec must be a float in [0, inf). "
                f"Got {self.for_seconds!r}."
            )

        for label, op, _ in self.matchers:
            if op not in ("=", "=~") or not re.fullmatch(r"[a-zA-Z_][a-zA-Z0-9_]*", label):
                raise ParameterError(
                    "The 'matchers' parameter of RuleSpec must hold (label, '=' or '=~', value). "
                    f"Got {(label, op)!r}."
                )

    @property
    def expr(self) -> str:
        matchers = [("model", "=", self.model)] if self.model is not None else []
        matchers += list(self.matchers)
        selector = self.metric
        if matchers:
            inside = ",".join(f'{label}{op}"{_label_value(str(v))}"' for label, op, v in matchers)
            selector += f"{{{inside}}}"
        if self.age:
            # The newest time over the model's versions (an alias does not apply).
            return f"time() - max by (model) ({selector}) {self.comparator} {self.threshold:g}"
        expression = f"{selector} {self.comparator} {self.threshold:g}"
        if self.alias is not None:
            expression += (
                f" and on (model, version) "
                f'{PREFIX}version_alias{{alias="{_label_value(self.alias)}"}}'
            )
        return expression

    def as_rule(self) -> dict[str, Any]:
        summary = self.summary or (
            f"{self.metric} {self.comparator} {self.threshold:g} for model {{{{ $labels.model }}}} "
            "version {{ $labels.version }}"
        )
        return {
            "alert": self.name,
            "expr": self.expr,
            "for": _duration(self.for_seconds),
            "labels": {"severity": self.severity},
            "annotations": {
                "summary": summary,
                "description": (
                    f"{self.metric} is {{{{ $value }}}} ({self.comparator} {self.threshold:g}) "
                    f"for {_duration(self.for_seconds)} or more."
                ),
            },
        }


def _label_value(text: str) -> str:
    """``text`` escaped for a PromQL string in double quotes."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _duration(seconds: float) -> str:
    """A Prometheus duration: ``1h``, ``90s``, ``0s``.

    >>> _duration(3600), _duration(90), _duration(0.5), _duration(0)
    ('1h', '90s', '500ms', '0s')
    """
    milliseconds = round(seconds * 1000)
    if milliseconds == 0:
        return "0s"
    for unit, size in (("h", 3_600_000), ("m", 60_000), ("s", 1000)):
        if milliseconds and milliseconds % size == 0:
            return f"{milliseconds // size}{unit}"
    return f"{milliseconds}ms"


#: Seed 003's example (accuracy below 0.9 for an hour) and its drift counterpart (half the
#: features drifted, the dataset-drift default, for an hour).
DEFAULT_RULES = (
    RuleSpec(
        "DriftscopeAccuracyLow",
        metric_name("accuracy"),
        "<",
        0.9,
        3600,
        severity="critical",
    ),
    RuleSpec("DriftscopeDatasetDrift", PREFIX + "drift_share", ">=", 0.5, 3600),
)


def rule_file(specs: Sequence[RuleSpec], group: str = "driftscope") -> str:
    """A Prometheus rule file (YAML) with one group holding a rule per spec."""
    if not specs:
        raise ParameterError("The 'specs' parameter of rule_file must hold a rule. Got none.")
    names = [spec.name for spec in specs]
    if len(set(names)) != len(names):
        raise ParameterError(
            f"The 'specs' parameter of rule_file must name each rule once. Got {names}."
        )
    document = {"groups": [{"name": group, "rules": [spec.as_rule() for spec in specs]}]}
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
