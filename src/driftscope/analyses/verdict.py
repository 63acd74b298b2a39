"""The verdict: ``ok``, ``investigate`` or ``retrain``, with ranked reasons in plain words.

Rules (docs/verdict.md):

- **retrain** when a performance metric is in alert (below its floor, or a significant drop of at
  least the alert size), or when concept drift is found together with a performance drop.
- **investigate** when a metric is in warning, the performance estimated where labels have not
  arrived dropped (a warning or an alert: an estimate alone never says retrain), concept drift
  is found where the inputs moved (or with a significant drop where they did not), the inputs
  moved outside the reference, the dataset drifted, features, the target or the predictions
  drifted beyond chance (the three families share alpha), a data-quality check is in alert,
  time windows broke their learnt bands, or a change point was found.
- **ok** otherwise.

`monitoring_verdict` applies these rules to a monitoring run's results; `decide` ranks the
reasons by severity (retrain-level first), then by size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from driftscope.analyses.drift import dataset_columns
from driftscope.analyses.performance import ALERT, WARNING, metric_label
from driftscope.analyses.status import Decision
from driftscope.data.schema import ColumnRole

if TYPE_CHECKING:
    from driftscope.analyses.change_points import ChangePoints
    from driftscope.analyses.concept import ConceptDrift
    from driftscope.analyses.estimation import PerformanceEstimate
    from driftscope.analyses.feedback import FeedbackResult
    from driftscope.analyses.model import ModelColumns
    from driftscope.analyses.model_comparison import ABTestResult, ShadowResult
    from driftscope.analyses.performance import PerformanceResult
    from driftscope.analyses.quality import QualityResult
    from driftscope.analyses.results import ColumnDrift, DriftResult
    from driftscope.analyses.windows import WindowsResult

__all__ = [
    "Reason",
    "Verdict",
    "confirm_concept",
    "decide",
    "feedback_reason",
    "monitoring_verdict",
    "with_section_reasons",
]

OK, INVESTIGATE, RETRAIN = Decision.OK, Decision.INVESTIGATE, Decision.RETRAIN


@dataclass(frozen=True)
class Reason:
    """One reason for the verdict: which analysis, how severe, and a sentence with the numbers."""

    source: str
    severity: str
    message: str
    score: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "severity": self.severity, "message": self.message}


@dataclass(frozen=True)
class Verdict:
    decision: str
    reasons: tuple[Reason, ...] = field(default=())
    summary: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "decision": self.decision,
            "summary": self.summary,
            "reasons": [r.to_dict() for r in self.reasons],
        }

    def at_least(self, level: str) -> bool:
        """Whether the decision is ``level`` or worse (``--fail-on``)."""
        return Decision(self.decision).at_least(level)


def decide(reasons: Sequence[Reason], note: str | None = None) -> Verdict:
    """Rank the reasons and take the most severe as the decision.

    ``note`` is added to an ``ok`` summary: what the details show that is not a reason (a
    column drifted on its own test, no more than chance explains across many columns).

    >>> v = decide([Reason("drift", INVESTIGATE, "3 of 10 features drifted", 0.3),
    ...             Reason("performance", RETRAIN, "F1 fell from 0.91 to 0.78", 0.14)])
    >>> v.decision, [r.source for r in v.reasons]
    ('retrain', ['performance', 'drift'])
    """
    ranked = sorted(reasons, key=lambda r: (-Decision(r.severity).rank, -r.score))
    decision = ranked[0].severity if ranked else OK
    if decision == RETRAIN:
        summary = "Retrain: the model's performance has dropped. " + ranked[0].message
    elif decision == INVESTIGATE:
        summary = "Investigate: something moved, but performance has not clearly dropped. " + (
            ranked[0].message
        )
    else:
        summary = "OK: no performance drop, drift or data-quality alert." + (
            f" {note[0].upper()}{note[1:]}" if note else ""
        )
    return Verdict(decision, tuple(ranked), summary)


def _beyond_chance(
    drifted: Sequence[ColumnDrift], n_tested: int, correction: str | None, families: int = 1
) -> list[ColumnDrift]:
    """The drifted columns that stay drifted across many columns (family-wise, Bonferroni).

    Each column is tested at alpha, so among 60 columns without drift about three fire by
    chance; the verdict only counts those whose decision p-value is below alpha / m. The
    column-level reasons come from up to three families (features, the target, the model's
    outputs), each given alpha / ``families``, so that together they raise a false alarm with
    probability at most alpha. Columns decided by a distance (no p-value), or already corrected
    across columns, count as they are.
    """
    if correction is not None:
        return list(drifted)
    m = max(n_tested, 1) * max(families, 1)
    return [
        c
        for c in drifted
        if c.decision_p_value is None or c.threshold is None or c.decision_p_value < c.threshold / m
    ]


def _column_families(drift: DriftResult) -> tuple[list[ColumnDrift], ...]:
    """The tested columns by family: features, targets, model outputs (predictions and
    probabilities); the non-empty ones share alpha in `_beyond_chance`."""
    tested = [c for c in drift.columns if not c.skipped]
    outputs = (str(ColumnRole.PREDICTION), str(ColumnRole.PROBABILITY))
    return (
        dataset_columns(drift.columns),
        [c for c in tested if c.role == str(ColumnRole.TARGET)],
        [c for c in tested if c.role in outputs],
    )


def _n_families(drift: DriftResult) -> int:
    return sum(1 for family in _column_families(drift) if family)


def _data_drift_reason(drift: DriftResult) -> tuple[Reason | None, str | None]:
    """A reason when the dataset drifted or features drifted beyond chance, quoting the same
    counts as the drift summary; otherwise a note for the verdict's summary."""
    features = dataset_columns(drift.columns)
    drifted = [c for c in features if c.drifted]
    unconfirmed = _unconfirmed_model_columns(drift)
    if not drifted and not drift.dataset.drifted:
        return None, unconfirmed
    real = _beyond_chance(drifted, len(features), drift.dataset.correction, _n_families(drift))
    counts = f"{len(drifted)} of {len(features)} features drifted"
    if not drift.dataset.drifted and not real:
        note = (
            f"{counts}, no more than chance alone explains across {len(features)} tests; "
            f"{drift.dataset.summary[0].lower()}{drift.dataset.summary[1:]}"
        )
        return None, note + (f" {unconfirmed}" if unconfirmed else "")
    # The dataset summary counts the same features, so when it fired it leads and the largest
    # drift follows; otherwise the count of features beyond chance is the reason.
    parts = [drift.dataset.summary] if drift.dataset.drifted else []
    if drifted:
        top = max(drifted, key=lambda c: c.effect_size or 0.0)
        effect = (
            f", {top.effect_size_method} {top.effect_size:.2f}"
            if top.effect_size is not None
            else ""
        )
        beyond = (
            f"{len(real)} of them beyond what chance explains across {len(features)} tests; "
            if len(real) < len(drifted)
            else ""
        )
        lead = "" if drift.dataset.drifted else f"{counts}: "
        sentence = f"{lead}{beyond}largest drift in {top.name!r}{effect}."
        parts.append(sentence[:1].upper() + sentence[1:])
    reason = Reason(
        "data_drift",
        INVESTIGATE,
        " ".join(parts),
        len(drifted) / len(features) if features else 1.0,
    )
    return reason, None


def _counted_model_columns(drift: DriftResult) -> list[ColumnDrift]:
    """Drifted target and output columns that stay drifted across their family (the target
    alone; the prediction and probability columns together) at its share of alpha."""
    _, targets, outputs = _column_families(drift)
    families = _n_families(drift)
    counted: list[ColumnDrift] = []
    for family in (targets, outputs):
        drifted = [c for c in family if c.drifted]
        counted += _beyond_chance(drifted, len(family), drift.dataset.correction, families)
    return counted


def _unconfirmed_model_columns(drift: DriftResult) -> str | None:
    """A note naming target and output columns drifted on their own test but not beyond chance."""
    _, targets, outputs = _column_families(drift)
    counted = _counted_model_columns(drift)
    left = [c for c in (*targets, *outputs) if c.drifted and c not in counted]
    if not left:
        return None
    level = f" {left[0].threshold:g}" if left[0].threshold is not None else ""
    return (
        f"{', '.join(repr(c.name) for c in left)} drifted on its own test, but not beyond what "
        f"chance explains when features, target and model outputs share the level{level} "
        f"({_n_families(drift)} families, an equal share each)."
    )


def _model_column_reasons(drift: DriftResult) -> list[Reason]:
    """Label drift per target column; prediction drift once for the predicted labels and once
    for all probability columns together (a binary model's two columns move as one).

    Each counts when it stays drifted across its family's tests at the family's share of alpha
    (`_beyond_chance`), as features do."""
    reasons = []
    roles = {"target": "Label drift", "prediction": "Prediction drift"}
    counted = _counted_model_columns(drift)
    for c in drift.columns:
        if c.drifted and c.role in roles and c in counted:
            reasons.append(
                Reason(
                    "label_drift" if c.role == "target" else "prediction_drift",
                    INVESTIGATE,
                    f"{roles[c.role]} in {c.name!r} ({', '.join(c.signals)}){_numbers(c)}.",
                    c.effect_size or 0.0,
                )
            )
    probabilities = [c for c in counted if c.role == str(ColumnRole.PROBABILITY)]
    if probabilities:
        # Ten significant digits: the two columns of a binary model drift by the same amount,
        # and which is "largest" must not turn on the last bit of a sum.
        top = max(probabilities, key=lambda c: float(f"{c.effect_size or 0.0:.10g}"))
        names = ", ".join(repr(c.name) for c in probabilities)
        reasons.append(
            Reason(
                "prediction_drift",
                INVESTIGATE,
                f"Prediction drift in the probabilities ({names}); largest in {top.name!r}"
                f"{_numbers(top)}.",
                top.effect_size or 0.0,
            )
        )
    return reasons


def _numbers(c: ColumnDrift) -> str:
    return (
        (f": {c.method} statistic {c.statistic:.3g}" if c.statistic is not None else "")
        + (f", p = {c.p_value:.2g}" if c.p_value is not None else "")
        + (f", {c.effect_size_method} {c.effect_size:.2f}" if c.effect_size is not None else "")
    )


def confirm_concept(concept: ConceptDrift, performance: PerformanceResult) -> ConceptDrift:
    """With inputs that did not move, concept drift is a performance drop and nothing else: it
    counts when the performance comparison (family-wise over the metrics) finds the drop too, not
    on a second, looser test of the same question. Otherwise the result says it was not counted,
    so the report's concept-drift flag and the verdict agree."""
    if not concept.drifted or concept.inputs_moved:
        return concept
    primary = [m for m in performance.metrics if m.primary]
    if any(m.significant for m in primary):
        return concept
    names = " or ".join(metric_label(m.name) for m in primary) or "the primary metric"
    return replace(
        concept,
        drifted=False,
        message=(
            f"No concept drift counted: the inputs did not move (domain AUC "
            f"{concept.domain_auc:.2f}), and the performance comparison finds no significant drop "
            f"in {names}; the loss test alone gives {concept.loss} {concept.reference_loss:.4g} "
            f"in reference, {concept.current_loss:.4g} on current (p = {concept.p_value:.2g}), "
            f"which the family-wise performance test puts within sampling error."
        ),
    )


def _reasons(
    drift: DriftResult,
    performance: PerformanceResult | None,
    concept: ConceptDrift | None,
    quality: QualityResult | None,
    windows: WindowsResult | None,
    model: ModelColumns,
) -> list[Reason]:
    reasons: list[Reason] = []
    dropped = False
    if performance is not None:
        for m in performance.metrics:
            if m.status == ALERT and m.primary:
                dropped = True
                reasons.append(
                    Reason("performance", RETRAIN, m.message, abs(m.relative_change or 0))
                )
            elif m.status == ALERT or (m.status == WARNING and (m.primary or m.significant)):
                # A secondary metric's large but not significant move (a Brier score of 0.005
                # against 0.006 is +14%) is shown in the table, not made a reason.
                reasons.append(
                    Reason("performance", INVESTIGATE, m.message, abs(m.relative_change or 0) / 2)
                )
    if concept is not None and concept.drifted:
        severity = RETRAIN if dropped else INVESTIGATE
        reasons.append(Reason("concept_drift", severity, concept.message, concept.concept_effect))
    if concept is not None and concept.outside:
        reasons.append(
            Reason("concept_drift", INVESTIGATE, concept.message, concept.domain_auc - 0.5)
        )
    data_drift, _ = _data_drift_reason(drift)
    if data_drift is not None:
        reasons.append(data_drift)
    reasons += _model_column_reasons(drift)
    if quality is not None:
        alerts = [c for c in quality.checks if c.status == "alert"]
        for check in alerts[:5]:
            reasons.append(Reason("quality", INVESTIGATE, check.message, check.share or 0.0))
    if windows is not None:
        broken = [w for w in windows.windows if w.out_of_band]
        if broken:
            names = sorted({n for w in broken for n in w.out_of_band})
            reasons.append(
                Reason(
                    "windows",
                    INVESTIGATE,
                    f"{len(broken)} of {len(windows.windows)} windows left the normal band learnt "
                    f"from the reference for {', '.join(metric_label(n) for n in names[:3])}"
                    + (f" and {len(names) - 3} more metrics" if len(names) > 3 else "")
                    + f" (first: {broken[0].label}).",
                    len(broken) / len(windows.windows),
                )
            )
    if performance is None and model.target is not None:
        reasons.append(
            Reason(
                "performance",
                INVESTIGATE if data_drift is not None else OK,
                "No current labels: performance could not be measured.",
                0.0,
            )
        )
    return [r for r in reasons if r.severity != OK]


def _estimated_reason(estimated: PerformanceEstimate) -> Reason | None:
    """An estimated drop of the primary metric (the worst window's, or current's as a whole),
    unless realised values have shown the estimates wrong: investigate, as an estimate rests on
    an assumption (no concept drift) that only labels can confirm."""
    primary = estimated.primary
    if any(not c.holds for c in estimated.checks if c.metric == primary):
        return None
    judged = [w for w in estimated.windows if not w.too_small] or [estimated.overall]
    worst = max(judged, key=lambda w: w.metrics[primary].status.rank)
    metric = worst.metrics[primary]
    if metric.status not in (WARNING, ALERT):
        return None
    where = "" if worst is estimated.overall else f" in window {worst.label}"
    message = (
        f"Performance estimated without labels{where}: {metric.message} "
        "(an estimate; confirm when the labels arrive)."
    )
    baseline = metric.baseline or 0.0
    score = abs(baseline - metric.estimate) / abs(baseline) if baseline else 0.0
    return Reason("estimated_performance", INVESTIGATE, message, score)


def monitoring_verdict(
    drift: DriftResult,
    performance: PerformanceResult | None,
    concept: ConceptDrift | None,
    quality: QualityResult | None,
    windows: WindowsResult | None,
    change_points: ChangePoints | None,
    model: ModelColumns,
    estimated: PerformanceEstimate | None = None,
) -> Verdict:
    """The verdict of a monitoring run from its analyses' results, by the rules above (and in
    docs/verdict.md): each analysis gives its reasons, `decide` ranks them."""
    reasons = _reasons(drift, performance, concept, quality, windows, model)
    if estimated is not None:
        reason = _estimated_reason(estimated)
        if reason is not None:
            reasons.append(reason)
    if change_points is not None and change_points.drifts:
        first = change_points.drifts[0]
        name = change_points.detector.split("(")[0]
        reasons.append(
            Reason(
                "change_points",
                INVESTIGATE,
                f"The model's {change_points.stream.replace('_', ' ')} changed in time: "
                f"{name} found {len(change_points.drifts)} drift(s), "
                f"the first at {first.timestamp or f'item {first.index}'}.",
                0.1,
            )
        )
    return decide(reasons, note=_data_drift_reason(drift)[1])


def attribution_wanted(
    drift: DriftResult, performance: PerformanceResult | None, model: ModelColumns
) -> str | None:
    """Which drift attribution a run calls for (docs/attribution.md): ``"loss"`` when a primary
    metric fell (its status is a warning or an alert), ``"prediction"`` when there are no
    labels and the predictions drifted (the prediction or probability columns, or, for a run
    without them, the dataset), else None: attribution costs model calls, made only where there
    is a change to explain."""
    if performance is not None:
        fell = any(m.primary and m.status in (WARNING, ALERT) for m in performance.metrics)
        return "loss" if fell else None
    outputs = [c for c in drift.columns if c.role in ("prediction", str(ColumnRole.PROBABILITY))]
    if outputs:
        return "prediction" if any(c.drifted for c in outputs) else None
    return "prediction" if drift.dataset.drifted else None


def with_attribution(verdict: Verdict, kind: str, sentence: str) -> Verdict:
    """``verdict`` with the attribution's ``sentence`` added to the reason it explains: the
    first performance reason for a loss attribution ("accuracy fell 10%; 70% of the log loss
    increase comes from `income` and `age`"), the first prediction-drift reason for a
    prediction attribution; the summary follows when that reason leads it."""
    source = "performance" if kind == "loss" else "prediction_drift"
    reasons = list(verdict.reasons)
    for i, reason in enumerate(reasons):
        if reason.source == source:
            message = f"{reason.message.rstrip('.')}; {sentence}."
            reasons[i] = replace(reason, message=message)
            summary = verdict.summary
            if i == 0 and verdict.decision != OK:
                summary = summary.replace(reason.message, message)
            return replace(verdict, reasons=tuple(reasons), summary=summary)
    return verdict


def feedback_reason(feedback: FeedbackResult) -> Reason | None:
    """An ``investigate`` reason when windows' negative feedback is significantly above the
    baseline (their status is alert: Bonferroni over the windows); None otherwise. Feedback is
    a proxy for errors, never proof of them: alone it never asks to retrain.

    >>> import pandas as pd
    >>> from driftscope.analyses.feedback import FeedbackSettings, analyse_feedback
    >>> from driftscope.analyses.windows import WindowSettings
    >>> fb = pd.DataFrame({"id": range(400), "feedback": ["up"] * 190 + ["down"] * 10
    ...                    + ["up"] * 140 + ["down"] * 60})
    >>> result = analyse_feedback(fb, settings=FeedbackSettings(WindowSettings(count=2)))
    >>> reason = feedback_reason(result)
    >>> reason.severity
    'investigate'
    >>> print(reason.message)  # doctest: +ELLIPSIS
    Negative feedback significantly up in rows 200-399: 30.0% of 200 feedback against 5.0%, p = ...
    """
    alerted = [w for w in feedback.windows if w.status == "alert"]
    if not alerted:
        return None
    top = max(alerted, key=lambda w: w.increase or 0.0)
    base = f"{top.baseline_share:.1%}" if top.baseline_share is not None else "the baseline"
    p = f", p = {top.p_value:.2g}" if top.p_value is not None else ""
    names = ", ".join(w.label for w in alerted[:3]) + (
        f" and {len(alerted) - 3} more" if len(alerted) > 3 else ""
    )
    return Reason(
        "feedback",
        INVESTIGATE,
        f"Negative feedback significantly up in {names}: "
        + (f"largest in {top.label}, " if len(alerted) > 1 else "")
        + f"{top.negative_share:.1%} of {top.n_feedback:,} feedback against {base}{p} "
        f"({feedback.baseline}).",
        top.increase or 0.0,
    )


def with_section_reasons(
    verdict: Verdict,
    feedback: FeedbackResult | None,
    shadow: ShadowResult | None,
    ab_test: ABTestResult | None,
) -> Verdict:
    """``verdict`` with the feedback, shadow and A/B sections' lines: a feedback alert is an
    ``investigate`` reason (`feedback_reason`); the shadow comparison and the A/B test each add
    an ``ok`` line, information that never changes the decision (a candidate or an arm that
    does better is a choice for the team, not a fault of the model in production). The summary
    is kept unless the decision changes."""
    reasons = list(verdict.reasons)
    found = feedback_reason(feedback) if feedback is not None else None
    if found is not None:
        reasons.append(found)
    if shadow is not None:
        reasons.append(Reason("shadow", OK, f"Shadow model: {shadow.verdict}", 0.0))
    if ab_test is not None:
        a, b = ab_test.arms
        line = ab_test.verdict.replace("B is better", f"B ({b!r}) is better").replace(
            "A is better", f"A ({a!r}) is better"
        )
        reasons.append(Reason("ab_test", OK, f"A/B test of {a!r} (A) and {b!r} (B): {line}", 0.0))
    if len(reasons) == len(verdict.reasons):
        return verdict
    ranked = decide(reasons)
    if ranked.decision == verdict.decision:
        return replace(verdict, reasons=ranked.reasons)
    return ranked
