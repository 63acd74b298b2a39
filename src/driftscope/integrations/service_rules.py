"""The service's stored alert rules as Prometheus alerting rules over the ``/metrics`` series
(`driftscope export prometheus-rules --from-service`).

``/metrics`` shows each model version's latest analysed run, so a stored rule maps when its
signal has a series there and its condition is on the latest run: a metric's value, the drift
share, a column's drift decision or statistic (features, the prediction, the target), the
verdict, and the age of the newest run's data. A rule that needs more (a run count, a label
policy, the baseline's value, a p-value, a quality check, change points, the labels' age) is
skipped with the reason; none is dropped silently.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import yaml

from driftscope.integrations.prometheus import (
    PREFIX,
    VERDICTS,
    RuleSpec,
    holds,
    metric_name,
    rule_file,
)

__all__ = ["ServiceRule", "Skipped", "map_rules", "service_rule_file"]

#: The role label of the column a drift signal watches.
_ROLES = {"prediction_drift": "prediction", "label_drift": "target"}
#: The drift measures with a series of their own.
_DRIFT_SERIES = {"drifted": "feature_drifted", "statistic": "feature_drift_score"}
_WHY_NOT = {
    "metric_drop": "/metrics has no baseline or benchmark value of a metric to drop from",
    "quality_check": "/metrics has no data-quality check series",
    "change_points": "/metrics has no change-point series (the detector runs in the service)",
}


@dataclass(frozen=True)
class ServiceRule:
    """A rule as the service stores it (docs/alerts.md), with its model's name."""

    model: str
    id: int
    name: str
    signal: str
    comparator: str
    threshold: float
    subject: str | None = None
    measure: str | None = None
    for_runs: int = 1
    for_seconds: int | None = None
    severity: str = "warning"
    min_labelled_share: float | None = None
    min_label_age_seconds: int | None = None
    enabled: bool = True


@dataclass(frozen=True)
class Skipped:
    """A stored rule with no Prometheus equivalent, and why."""

    rule: ServiceRule
    reason: str

    def __str__(self) -> str:
        return (
            f"skipped rule {self.rule.id} {self.rule.name!r} of model {self.rule.model!r}: "
            f"{self.reason}"
        )


def _why_not(rule: ServiceRule) -> str | None:
    """Why ``rule`` has no equivalent over /metrics (None: it has one)."""
    if not rule.enabled:
        return "disabled"
    if rule.signal in _WHY_NOT:
        return _WHY_NOT[rule.signal]
    if rule.for_runs > 1:
        return (
            f"for_runs {rule.for_runs}: /metrics shows the latest run only, and Prometheus "
            "counts time, not runs"
        )
    if rule.min_labelled_share is not None or rule.min_label_age_seconds is not None:
        return "a label policy: /metrics does not show how many rows had labels"
    if rule.signal == "freshness" and rule.measure == "labels":
        return "/metrics has no time of the newest labelled run"
    drift = rule.signal in ("feature_drift", *_ROLES)
    if drift and (rule.measure or "drifted") not in _DRIFT_SERIES:
        return f"/metrics has no series of a column's {rule.measure}"
    if rule.signal == "verdict" and not _verdicts(rule):
        return "the condition holds for no verdict"
    if rule.signal not in ("metric", "drift_share", "verdict", "freshness") and not drift:
        return f"unknown signal {rule.signal!r}"
    return None


def _verdicts(rule: ServiceRule) -> list[str]:
    """The verdicts (ok 0, investigate 1, retrain 2) whose rank meets the condition."""
    return [
        name for rank, name in enumerate(VERDICTS) if holds(rule.comparator, rank, rule.threshold)
    ]


def _spec(rule: ServiceRule, name: str) -> RuleSpec:
    """The Prometheus rule of a rule `_why_not` passed."""
    metric, comparator, threshold = PREFIX + "drift_share", rule.comparator, rule.threshold
    matchers: tuple[tuple[str, str, str], ...] = ()
    age = False
    if rule.signal == "metric":
        metric = metric_name(str(rule.subject))
    elif rule.signal == "verdict":
        metric, comparator, threshold = PREFIX + "verdict", "==", 1.0
        matchers = (("verdict", "=~", "|".join(_verdicts(rule))),)
    elif rule.signal == "freshness":
        metric, age = PREFIX + "last_run_timestamp_seconds", True
    elif rule.signal != "drift_share":
        metric = PREFIX + _DRIFT_SERIES[rule.measure or "drifted"]
        if rule.signal in _ROLES:
            matchers = (("role", "=", _ROLES[rule.signal]),)
        elif rule.subject == "*":
            matchers = (("role", "=", "feature"),)
        else:
            matchers = (("feature", "=", str(rule.subject)),)
    what = rule.signal + (f" {rule.subject}" if rule.subject else "")
    what += f" ({rule.measure})" if rule.measure else ""
    summary = _no_template(
        f"{rule.model}: {rule.name}: {what} {rule.comparator} {rule.threshold:g} "
        f"(driftscope alert rule {rule.id})"
    )
    return RuleSpec(
        name,
        metric,
        comparator,
        threshold,
        float(rule.for_seconds or 0),
        severity=rule.severity,
        summary=summary,
        model=rule.model,
        matchers=matchers,
        age=age,
    )


def _no_template(text: str) -> str:
    """``text`` with no ``{{`` or ``}}``: Prometheus reads annotations as Go templates."""
    return text.replace("{{", "{ {").replace("}}", "} }")


def _alert_name(rule: ServiceRule, taken: set[str]) -> str:
    """``Driftscope`` and the model's and the rule's names in CamelCase; the rule's id added
    when that name is taken."""
    words = re.split(r"[^a-zA-Z0-9]+", f"{rule.model} {rule.name}")
    name = "Driftscope" + "".join(word[:1].upper() + word[1:] for word in words)
    return name if name not in taken else f"{name}_{rule.id}"


def map_rules(rules: Iterable[ServiceRule]) -> tuple[list[RuleSpec], list[Skipped]]:
    """The Prometheus rules of the stored rules that have one, and the skipped ones."""
    specs: list[RuleSpec] = []
    skipped: list[Skipped] = []
    taken: set[str] = set()
    for rule in rules:
        reason = _why_not(rule)
        if reason is not None:
            skipped.append(Skipped(rule, reason))
            continue
        name = _alert_name(rule, taken)
        taken.add(name)
        specs.append(_spec(rule, name))
    return specs, skipped


def service_rule_file(specs: Sequence[RuleSpec], skipped: Sequence[Skipped]) -> str:
    """The rule file: a comment line per skipped rule, then the group (``groups: []`` when no
    rule maps, which Prometheus loads as no rule)."""
    head = "".join(f"# {_one_line(str(skip))}\n" for skip in skipped)
    if not specs:
        return head + yaml.safe_dump({"groups": []})
    return head + rule_file(specs, group="driftscope-service")


def _one_line(text: str) -> str:
    return " ".join(text.split())
