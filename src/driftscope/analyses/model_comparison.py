"""Two versions of a model compared: an A/B test on split traffic, and a shadow model.

**A/B test** (`compare_arms`, `compare_paired`): each metric of the task on both arms, the
difference B - A with a confidence interval and a p-value, the rows per arm needed to detect
``min_effect`` at ``power``, and a plain verdict on the primary metric.

- Unpaired (each row served by one arm): accuracy by the two-proportion z-test (Wald interval on
  the unpooled standard error, p-value on the pooled one), rows needed by Fleiss' closed form for
  two proportions; every other metric by a bootstrap within each arm (independent seeded
  resamples), the difference of the replicates giving the percentile interval and the p-value
  (twice the smaller tail share of replicates on either side of 0), rows needed from the
  bootstrap standard errors (per-row variance = n x SE^2).
- Paired (both versions scored the same rows): accuracy by McNemar's exact test on the
  discordant rows (a binomial test of b against b + c at 1/2), Wald interval of the paired
  difference, rows needed by Connor's closed form; every other metric by a paired bootstrap (the
  same resampled rows scored for both versions).

The split is checked against the expected share (exact binomial test, "sample ratio mismatch",
flagged at p < `SRM_ALPHA` so that a clean run rarely raises it), and the arms' populations are
compared with the drift core (`run_drift`) on the feature columns: a drifted feature means the
arms did not see the same kind of rows and the difference may not be the model's.

**Shadow model** (`compare_shadow`): a candidate scoring the same rows as production without
serving. Agreement rate (Wilson interval) overall and per time window, the divergence of the two
prediction distributions (chi-squared and total variation on labels; Kolmogorov-Smirnov and the
normed Wasserstein distance on numbers) and of the probabilities (KS, Wasserstein, PSI and
Jensen-Shannon on 10 equal-width bins), the feature segments where they disagree most, and, when
the target is there, who was right (the paired A/B test, production as A).

Both rows-of-the-same-table samples of a shadow comparison are the same rows: the two-sample
tests compare the two *distributions* of outputs and read as distances; the paired measure is
the agreement rate.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import InitVar, asdict, dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import stats as sps

from driftscope._shorten import shown
from driftscope._validate import check_float, check_int, check_probability
from driftscope.analyses.drift import DriftSettings, run_drift
from driftscope.analyses.feedback import wilson_interval as _wilson
from driftscope.analyses.model import ModelColumns, Task, _label_strings
from driftscope.analyses.performance import (
    _SIZE_BIASED,
    CONFUSION_METRICS,
    METRIC_RANGES,
    PRIMARY,
    TASK_METRICS,
    PerformanceSettings,
    _proba_statistics,
    _regression_statistics,
    _Side,
    _side,
    higher_is_better,
    metric_label,
    side_metrics,
)
from driftscope.analyses.results import _clean
from driftscope.analyses.windows import WindowSettings, split_windows
from driftscope.data.schema import ColumnKind, ColumnRole, ColumnSpec, Schema
from driftscope.exceptions import ColumnError, EmptyDataError, ParameterError, invalid_parameter
from driftscope.metrics import weighted_bootstrap as W
from driftscope.stats import categorical as C
from driftscope.stats.numerical import ks_2samp, wasserstein_distance

__all__ = [
    "SRM_ALPHA",
    "ABTestResult",
    "Agreement",
    "ComparisonSettings",
    "MetricDifference",
    "OutputDivergence",
    "SegmentDisagreement",
    "ShadowResult",
    "ShadowWindow",
    "SplitCheck",
    "WhoWasRight",
    "check_split",
    "compare_arms",
    "compare_paired",
    "compare_shadow",
    "mcnemar_test",
    "rows_for_two_proportions",
    "second_model_columns",
    "wilson_interval",
]

#: The level at which a traffic split is called unbalanced (sample ratio mismatch): strict, as
#: is usual for this check, because it runs on every test and a false alarm stops a good one.
SRM_ALPHA = 0.001
_SUPPORTED = (Task.BINARY, Task.MULTICLASS, Task.REGRESSION)
_CONFUSION = {
    "accuracy",
    "balanced_accuracy",
    "precision_macro",
    "recall_macro",
    "f1_macro",
    "f1_weighted",
}
_PROBA_BINS = 10
FloatArray = NDArray[np.float64]
Statistic = Callable[[FloatArray], FloatArray]


@dataclass(frozen=True)
class ComparisonSettings:
    """How two model versions are compared.

    ``confidence`` is the level of every interval (tests at alpha = 1 - confidence);
    ``min_effect`` the smallest difference worth detecting, in the metric's units (None: 0.01
    for metrics in [0, 1], else 2% of arm A's value), detected with probability ``power`` by
    the rows-needed estimate; ``expected_share_b`` the share of traffic arm B should get.
    ``primary_metric`` names the metric the verdict is based on (None: the task's first primary
    metric, accuracy or MAE); ``metrics`` limits the comparison to these metrics (None: all of
    the task's; the primary one is always compared). ``tolerance`` is how far two regression
    predictions may be apart and still agree (None: 0.1 standard deviations of production's
    predictions). ``min_segment_rows`` and ``n_bins`` shape the disagreement segments
    (quantile bins for numbers); ``windows`` cuts a shadow comparison in time.
    """

    confidence: float = 0.95
    n_resamples: int = 1000
    min_effect: float | None = None
    power: float = 0.8
    expected_share_b: float = 0.5
    primary_metric: str | None = None
    metrics: tuple[str, ...] | None = None
    tolerance: float | None = None
    min_segment_rows: int = 30
    n_bins: int = 5
    max_segments: int = 10
    windows: WindowSettings = field(default_factory=lambda: WindowSettings(count=5, min_rows=30))
    population_drift: bool = True
    max_rows: int = 5_000
    seed: int = 0
    #: Who the user called, named in parameter messages.
    owner: InitVar[str] = "ComparisonSettings"

    def __post_init__(self, owner: str) -> None:
        check_probability(owner, "confidence", self.confidence)
        check_int(owner, "n_resamples", self.n_resamples, low=20)
        check_float(owner, "min_effect", self.min_effect, low=0, closed="neither", allow_none=True)
        check_probability(owner, "power", self.power)
        check_probability(owner, "expected_share_b", self.expected_share_b)
        check_float(owner, "tolerance", self.tolerance, low=0, allow_none=True)
        check_int(owner, "min_segment_rows", self.min_segment_rows, low=1)
        check_int(owner, "n_bins", self.n_bins, low=2)
        check_int(owner, "max_segments", self.max_segments, low=1)
        check_int(owner, "max_rows", self.max_rows, low=100)
        check_int(owner, "seed", self.seed, low=0)
        if not isinstance(self.windows, WindowSettings):
            raise invalid_parameter(owner, "windows", "a WindowSettings", self.windows)
        known = sorted({name for names in TASK_METRICS.values() for name in names})
        if self.primary_metric is not None and self.primary_metric not in known:
            raise invalid_parameter(
                owner, "primary_metric", f"None or one of {', '.join(known)}", self.primary_metric
            )
        if self.metrics is not None:
            if isinstance(self.metrics, str) or not self.metrics:
                raise invalid_parameter(
                    owner, "metrics", "None or a non-empty tuple of metric names", self.metrics
                )
            object.__setattr__(self, "metrics", tuple(self.metrics))
            for name in self.metrics:
                if name not in known:
                    raise invalid_parameter(
                        owner, "metrics", f"metric names among {', '.join(known)}", name
                    )

    @property
    def alpha(self) -> float:
        return 1.0 - self.confidence

    def to_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in asdict(self).items() if k != "windows"}
        data["windows"] = self.windows.describe() if self.windows.active else None
        return dict(_clean(data))


# ---------------------------------------------------------------------------------------------
# results


@dataclass(frozen=True)
class MetricDifference:
    """One metric on both arms and the difference B - A.

    ``test`` names how the interval and the p-value were found; ``significant`` is
    ``p_value < alpha``; ``better`` is ``"A"`` or ``"B"`` when significant and the metric has a
    direction. ``rows_needed_per_arm`` are the rows each arm needs to detect ``min_effect`` with
    probability ``power`` (in a paired design, the rows both versions score;
    ``rows_needed_method`` says how), None when it cannot be estimated.
    """

    name: str
    label: str
    higher_is_better: bool | None
    primary: bool
    value_a: float | None
    value_b: float | None
    difference: float | None
    low: float | None
    high: float | None
    p_value: float | None
    test: str
    significant: bool
    better: str | None
    min_effect: float | None
    rows_needed_per_arm: int | None
    rows_needed_method: str | None
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return dict(_clean(asdict(self)))


@dataclass(frozen=True)
class SplitCheck:
    """The traffic split: rows per arm, their shares, the share B was expected to get, and the
    exact binomial test of B's rows against it; ``unbalanced`` when p < `SRM_ALPHA`."""

    n_a: int
    n_b: int
    share_b: float
    expected_share_b: float
    p_value: float
    unbalanced: bool

    def to_dict(self) -> dict[str, Any]:
        return dict(_clean(asdict(self)))


@dataclass(frozen=True)
class ABTestResult:
    """An A/B test of two model versions. ``design`` is ``"paired"`` (both versions scored the
    same rows) or ``"unpaired"``; ``arms`` names A and B; ``primary`` the metric the ``verdict``
    is based on and ``winner`` its outcome (``"A"``, ``"B"`` or None: no significant
    difference). ``discordant`` holds McNemar's counts (rows only A got right, rows only B got
    right) in a paired classification test; ``drifted_features`` the features whose
    distribution differs between the arms."""

    task: str
    design: str
    arms: tuple[str, str]
    n_a: int
    n_b: int
    n_labelled_a: int
    n_labelled_b: int
    metrics: tuple[MetricDifference, ...]
    primary: str
    winner: str | None
    verdict: str
    confidence: float
    power: float
    split: SplitCheck | None = None
    drifted_features: tuple[str, ...] = ()
    discordant: tuple[int, int] | None = None
    warnings: tuple[str, ...] = ()
    settings: Mapping[str, Any] = field(default_factory=dict)

    def metric(self, name: str) -> MetricDifference:
        for m in self.metrics:
            if m.name == name:
                return m
        known = ", ".join(m.name for m in self.metrics)
        raise ParameterError(f"No metric {shown(name)} in this A/B test; it has {known}.")

    @property
    def b_worse(self) -> bool:
        """Whether B is significantly worse than A on the primary metric."""
        return self.winner == "A"

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "ab_test",
            "task": self.task,
            "design": self.design,
            "arms": list(self.arms),
            "n_a": self.n_a,
            "n_b": self.n_b,
            "n_labelled_a": self.n_labelled_a,
            "n_labelled_b": self.n_labelled_b,
            "primary": self.primary,
            "winner": self.winner,
            "verdict": self.verdict,
            "confidence": self.confidence,
            "power": self.power,
            "metrics": [m.to_dict() for m in self.metrics],
            "split": None if self.split is None else self.split.to_dict(),
            "drifted_features": list(self.drifted_features),
            "discordant": None if self.discordant is None else list(self.discordant),
            "warnings": list(self.warnings),
            "settings": _clean(dict(self.settings)),
        }


@dataclass(frozen=True)
class Agreement:
    """The share of rows on which the two versions agree, with its Wilson interval."""

    rate: float
    low: float
    high: float
    n_rows: int

    def to_dict(self) -> dict[str, Any]:
        return dict(_clean(asdict(self)))


@dataclass(frozen=True)
class OutputDivergence:
    """How far the distribution of one output of the candidate is from production's: a test
    (``method``, ``statistic``, ``p_value``) and a distance (``distance_method``,
    ``distance``). ``output`` names the output: ``"prediction"`` or a class's probability."""

    output: str
    method: str
    statistic: float
    p_value: float | None
    distance_method: str
    distance: float
    extra: Mapping[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return dict(_clean({**asdict(self), "extra": dict(self.extra)}))


@dataclass(frozen=True)
class ShadowWindow:
    """One time window of a shadow comparison (``too_small``: fewer than the window's
    ``min_rows``, no tests)."""

    index: int
    label: str
    start: str | None
    end: str | None
    n_rows: int
    too_small: bool
    agreement: Agreement | None
    divergence: tuple[OutputDivergence, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "label": self.label,
            "start": self.start,
            "end": self.end,
            "n_rows": self.n_rows,
            "too_small": self.too_small,
            "agreement": None if self.agreement is None else self.agreement.to_dict(),
            "divergence": [d.to_dict() for d in self.divergence],
        }


@dataclass(frozen=True)
class SegmentDisagreement:
    """A feature segment (a category, or a quantile bin ``[low, high)`` of a number) and how
    often the two versions disagree in it, with the Wilson interval; ``lift`` is the rate over
    the overall rate; ``notable`` when the interval lies above the overall rate (more
    disagreement there than sampling alone explains)."""

    feature: str
    segment: str
    n_rows: int
    disagreement: float
    low: float
    high: float
    lift: float | None
    notable: bool = False

    def to_dict(self) -> dict[str, Any]:
        return dict(_clean(asdict(self)))


@dataclass(frozen=True)
class WhoWasRight:
    """On the labelled rows of a shadow comparison: the paired A/B test (production as A,
    candidate as B), the rows both got right, only production, only the candidate, neither
    (classification), and the first rows only the candidate got right (their positions)."""

    comparison: ABTestResult
    both_right: int | None = None
    only_production: int | None = None
    only_candidate: int | None = None
    neither: int | None = None
    only_candidate_rows: tuple[int, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "comparison": self.comparison.to_dict(),
            "both_right": self.both_right,
            "only_production": self.only_production,
            "only_candidate": self.only_candidate,
            "neither": self.neither,
            "only_candidate_rows": list(self.only_candidate_rows),
        }


@dataclass(frozen=True)
class ShadowResult:
    """A candidate scored the same rows as production. ``agreement`` is the share of equal
    predictions (within ``tolerance`` for regression, where ``mean_abs_difference`` and
    ``correlation`` say more); ``divergence`` compares the distributions of the outputs;
    ``segments`` are the feature segments where they disagree most (by the lower end of their
    interval); ``who_was_right`` is there when the target is."""

    task: str
    production: str
    candidate: str
    n_rows: int
    agreement: Agreement
    divergence: tuple[OutputDivergence, ...]
    windows: tuple[ShadowWindow, ...]
    segments: tuple[SegmentDisagreement, ...]
    who_was_right: WhoWasRight | None
    verdict: str
    confidence: float
    tolerance: float | None = None
    mean_abs_difference: float | None = None
    correlation: float | None = None
    warnings: tuple[str, ...] = ()
    settings: Mapping[str, Any] = field(default_factory=dict)

    @property
    def candidate_worse(self) -> bool:
        """Whether the candidate is significantly worse than production on the labelled rows."""
        return self.who_was_right is not None and self.who_was_right.comparison.winner == "A"

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "shadow",
            "task": self.task,
            "production": self.production,
            "candidate": self.candidate,
            "n_rows": self.n_rows,
            "verdict": self.verdict,
            "confidence": self.confidence,
            "agreement": self.agreement.to_dict(),
            "tolerance": _clean(self.tolerance),
            "mean_abs_difference": _clean(self.mean_abs_difference),
            "correlation": _clean(self.correlation),
            "divergence": [d.to_dict() for d in self.divergence],
            "windows": [w.to_dict() for w in self.windows],
            "segments": [s.to_dict() for s in self.segments],
            "who_was_right": None if self.who_was_right is None else self.who_was_right.to_dict(),
            "warnings": list(self.warnings),
            "settings": _clean(dict(self.settings)),
        }


# ---------------------------------------------------------------------------------------------
# closed forms


def _z(q: float) -> float:
    return float(sps.norm.ppf(q))


def mcnemar_test(only_a: int, only_b: int, *, exact: bool = True) -> float:
    """McNemar's test of two classifiers scored on the same rows: the p-value of "as many rows
    only A got right as only B", from the discordant counts.

    Exact: the two-sided binomial test of ``only_a`` among ``only_a + only_b`` at 1/2 (as
    ``scipy.stats.binomtest``). Otherwise the chi-squared statistic with continuity correction,
    ``(|b - c| - 1)^2 / (b + c)`` on one degree of freedom. No discordant row: p = 1.

    >>> round(mcnemar_test(10, 25), 4), round(mcnemar_test(10, 25, exact=False), 4)
    (0.0167, 0.018)
    """
    b = check_int("mcnemar_test", "only_a", only_a, low=0)
    c = check_int("mcnemar_test", "only_b", only_b, low=0)
    n = b + c
    if n == 0:
        return 1.0
    if exact:
        return float(min(1.0, 2.0 * sps.binom.cdf(min(b, c), n, 0.5)))
    statistic = max(abs(b - c) - 1.0, 0.0) ** 2 / n
    return float(sps.chi2.sf(statistic, 1))


def rows_for_two_proportions(p_a: float, p_b: float, *, alpha: float, power: float) -> int:
    """Rows per arm for a two-sided two-proportion z-test at level ``alpha`` to detect
    ``p_a`` against ``p_b`` with probability ``power`` (Fleiss' formula, no continuity
    correction): ``(z_{1-a/2} sqrt(2 pbar qbar) + z_power sqrt(pa qa + pb qb))^2 / (pa - pb)^2``.

    >>> rows_for_two_proportions(0.80, 0.85, alpha=0.05, power=0.8)
    906
    """
    owner = "rows_for_two_proportions"
    check_probability(owner, "p_a", p_a)
    check_probability(owner, "p_b", p_b)
    check_probability(owner, "alpha", alpha)
    check_probability(owner, "power", power)
    if p_a == p_b:
        raise invalid_parameter(owner, "p_b", f"a share other than p_a={p_a}", p_b)
    mean = (p_a + p_b) / 2.0
    top = _z(1 - alpha / 2) * math.sqrt(2 * mean * (1 - mean)) + _z(power) * math.sqrt(
        p_a * (1 - p_a) + p_b * (1 - p_b)
    )
    return math.ceil(top**2 / (p_a - p_b) ** 2)


def _rows_for_mcnemar(discordant: float, effect: float, alpha: float, power: float) -> int | None:
    """Rows for McNemar's test to detect a difference ``effect`` in accuracy when a share
    ``discordant`` of rows are discordant (Connor, 1987)."""
    if discordant <= 0 or effect <= 0 or effect**2 >= discordant:
        return None
    top = _z(1 - alpha / 2) * math.sqrt(discordant) + _z(power) * math.sqrt(discordant - effect**2)
    return math.ceil(top**2 / effect**2)


def _rows_from_variance(variance: float, effect: float, alpha: float, power: float) -> int | None:
    """Rows per arm for a normal test of a difference whose variance is ``variance / n``."""
    if not variance > 0 or not math.isfinite(variance) or effect <= 0:
        return None
    return math.ceil((_z(1 - alpha / 2) + _z(power)) ** 2 * variance / effect**2)


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a share ``successes / n`` (an exact 0 or 1 keeps a width); the
    scalar form of `driftscope.analyses.feedback.wilson_interval`.

    >>> [round(v, 4) for v in wilson_interval(90, 100)]
    [0.8256, 0.9448]
    """
    (low,), (high,) = _wilson([successes], [n], confidence)
    return float(low), float(high)


# ---------------------------------------------------------------------------------------------
# count statistics: each metric as a function of resample counts over a pool of rows


def _confusion_statistics(
    y_true: NDArray[np.int64], y_pred: NDArray[np.int64], k: int
) -> dict[str, Statistic]:
    """The confusion-matrix metrics of resamples: each resample's confusion matrix is the
    count-weighted tally of the rows' (true, predicted) cells."""
    cells = y_true * k + y_pred

    # Every confusion metric reads the same block of counts: tally its matrices once.
    last: list[tuple[FloatArray, FloatArray]] = []

    def matrices(counts: FloatArray) -> FloatArray:
        if last and last[0][0] is counts:
            return last[0][1]
        b = counts.shape[0]
        index = (np.arange(b)[:, None] * (k * k) + cells[None, :]).ravel()
        flat = np.bincount(index, weights=counts.ravel(), minlength=b * k * k)
        result: FloatArray = flat.reshape(b, k, k).astype(np.float64, copy=False)
        last[:] = [(counts, result)]
        return result

    def bind(fn: Callable[[Any], Any]) -> Statistic:
        return lambda counts: np.asarray(fn(matrices(counts)), dtype=np.float64)

    return {name: bind(fn) for name, fn in CONFUSION_METRICS.items()}


def _median_statistic(values: FloatArray) -> Statistic:
    """The (lower) median of ``values`` in each resample, from the counts."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]

    def stat(counts: FloatArray) -> FloatArray:
        cumulative = np.cumsum(counts[:, order], axis=1)
        half = cumulative[:, -1:] / 2.0
        position = np.argmax(cumulative >= half, axis=1)
        result: FloatArray = ordered[position]
        return result

    return stat


def _count_statistics(task: Task, side: _Side, pool: NDArray[np.int64]) -> dict[str, Statistic]:
    """Every metric of ``task`` with a count form, over the rows ``pool`` of ``side``."""
    a = side.arrays
    out: dict[str, Statistic] = {}
    if task.is_classification:
        k = int(a["n_labels"])
        y_true, y_pred = a["y_true"][pool], a["y_pred"][pool]
        out.update(_confusion_statistics(y_true, y_pred, k))
        proba, scores = a.get("proba"), a.get("scores")
        if proba is not None and scores is not None and proba.shape[1] == k:
            out.update(_proba_statistics(y_true, proba[pool], scores[pool], k))
    else:
        y_true, y_pred = a["y_true"][pool], a["y_pred"][pool]
        out.update(_regression_statistics(y_true, y_pred))
        out["median_absolute_error"] = _median_statistic(np.abs(y_pred - y_true))
    return out


@dataclass
class _Replicates:
    """Bootstrap replicates of each metric on one side, rescaled (m-out-of-n) and centred for
    the size-biased metrics; NaN where a resample could not be scored."""

    values: dict[str, FloatArray]
    n_rows: int


def _replicates(
    task: Task,
    sides: Sequence[_Side],
    estimates: Sequence[Mapping[str, float]],
    settings: ComparisonSettings,
    seed: int,
    wanted: Collection[str],
) -> list[_Replicates]:
    """Replicates for each side from ONE set of resample counts: the sides are the same rows
    (a paired design) or a single side is given (one arm of an unpaired design)."""
    n = sides[0].n_labelled
    resamples = W.CountResamples.draw(
        n, n_resamples=settings.n_resamples, seed=seed, max_rows=settings.max_rows
    )
    statistics = [_count_statistics(task, side, resamples.pool) for side in sides]
    names = [set(s) & set(e) for s, e in zip(statistics, estimates, strict=True)]
    common = set.intersection(*names) & set(wanted)
    gathered: list[dict[str, list[FloatArray]]] = [{name: [] for name in common} for _ in sides]
    for block in resamples.blocks():
        for stats, out in zip(statistics, gathered, strict=True):
            for name in common:
                with np.errstate(invalid="ignore", divide="ignore"):
                    out[name].append(stats[name](block))
    result = []
    for out, estimate in zip(gathered, estimates, strict=True):
        values: dict[str, FloatArray] = {}
        for name, parts in out.items():
            replicates = np.concatenate(parts)
            finite = np.isfinite(replicates)
            if finite.any():
                mean = float(replicates[finite].mean())
                if name in _SIZE_BIASED:
                    replicates = replicates - (mean - estimate[name])
                    mean = estimate[name]
                replicates = estimate[name] + (replicates - mean) * resamples.scale
            values[name] = replicates
        result.append(_Replicates(values, n))
    return result


# ---------------------------------------------------------------------------------------------
# the A/B test


@dataclass
class _Arm:
    name: str
    n_rows: int
    side: _Side
    estimates: dict[str, float]
    notes: Mapping[str, str]


def _arm(
    task: Task, frame: pd.DataFrame, model: ModelColumns, name: str, warnings: list[str]
) -> _Arm:
    side = _side(frame, model, f"arm {name}", warnings)
    if side is None or side.n_labelled == 0:
        raise EmptyDataError(
            f"Arm {shown(name)} has no row with both a target ({shown(model.target)}) and a "
            f"prediction ({shown(model.prediction)}); an A/B test needs labelled rows in both arms."
        )
    if side.n_labelled < len(frame):
        warnings.append(
            f"Arm {shown(name)}: {len(frame) - side.n_labelled:,} of {len(frame):,} row(s) lack "
            "the target or the prediction (missing, or not a number); they are left out."
        )
    values, details = side_metrics(task, side, PerformanceSettings(), with_ci=False)
    estimates = {k: v[0] for k, v in values.items() if v[0] is not None and math.isfinite(v[0])}
    return _Arm(name, len(frame), side, estimates, details.get("notes", {}))


def _min_effect(name: str, value_a: float, settings: ComparisonSettings) -> float | None:
    if settings.min_effect is not None:
        return settings.min_effect
    if higher_is_better(name) is None:
        # A level (the mean error): 2% of a value near 0 would ask for millions of rows.
        return None
    if METRIC_RANGES.get(name) == (0.0, 1.0):
        return 0.01
    effect = 0.02 * abs(value_a)
    return effect if effect > 0 else None


def _bootstrap_p(differences: FloatArray) -> float:
    """Twice the smaller share of replicates on either side of 0 (the p-value of inverting the
    percentile interval), counted as (k + 1) / (B + 1) so it is never 0."""
    below = int(np.count_nonzero(differences <= 0))
    above = int(np.count_nonzero(differences >= 0))
    return float(min(1.0, (2 * min(below, above) + 1) / (differences.size + 1)))


def _better(name: str, difference: float, significant: bool) -> str | None:
    higher = higher_is_better(name)
    if not significant or higher is None or difference == 0:
        return None
    return "B" if (difference > 0) == higher else "A"


def _difference(
    name: str,
    task: Task,
    a: _Arm,
    b: _Arm,
    replicates: tuple[FloatArray, FloatArray] | None,
    paired: bool,
    settings: ComparisonSettings,
    primary: str,
) -> MetricDifference:
    alpha = settings.alpha
    value_a, value_b = a.estimates.get(name), b.estimates.get(name)
    base = MetricDifference(
        name=name,
        label=metric_label(name),
        higher_is_better=higher_is_better(name),
        primary=name == primary,
        value_a=value_a,
        value_b=value_b,
        difference=None,
        low=None,
        high=None,
        p_value=None,
        test="none",
        significant=False,
        better=None,
        min_effect=None,
        rows_needed_per_arm=None,
        rows_needed_method=None,
    )
    if value_a is None or value_b is None:
        missing = a.notes.get(name) or b.notes.get(name) or "not computed on both arms"
        return replace(base, note=missing)
    difference = value_b - value_a
    effect = _min_effect(name, value_a, settings)
    z = _z(1 - alpha / 2)
    note: str | None = None
    low: float | None
    high: float | None
    p: float | None
    rows: int | None = None
    if name == "accuracy" and paired:
        y_true = a.side.arrays["y_true"]
        right_a = a.side.arrays["y_pred"] == y_true
        right_b = b.side.arrays["y_pred"] == y_true
        only_a = int(np.count_nonzero(right_a & ~right_b))
        only_b = int(np.count_nonzero(right_b & ~right_a))
        n = y_true.size
        p = mcnemar_test(only_a, only_b)
        spread = math.sqrt(max((only_a + only_b) / n - difference**2, 0.0) / n)
        low, high = difference - z * spread, difference + z * spread
        test = "mcnemar_exact"
        method = "closed form for McNemar's test (Connor 1987), from the discordant share"
        if effect is not None:
            rows = _rows_for_mcnemar((only_a + only_b) / n, effect, alpha, settings.power)
    elif name == "accuracy":
        n_a, n_b = a.side.n_labelled, b.side.n_labelled
        spread = math.sqrt(value_a * (1 - value_a) / n_a + value_b * (1 - value_b) / n_b)
        pooled = (value_a * n_a + value_b * n_b) / (n_a + n_b)
        pooled_se = math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
        p = float(2 * sps.norm.sf(abs(difference) / pooled_se)) if pooled_se > 0 else 1.0
        low, high = difference - z * spread, difference + z * spread
        test = "two_proportion_z"
        method = "closed form for two proportions (Fleiss), from arm A's accuracy"
        if effect is not None:
            target = value_a + effect if value_a + effect < 1 else value_a - effect
            if 0 < target < 1 and 0 < value_a < 1:
                rows = rows_for_two_proportions(value_a, target, alpha=alpha, power=settings.power)
    else:
        test = "paired_bootstrap" if paired else "bootstrap"
        method = "from the bootstrap standard error" + (
            " of the paired difference" if paired else "s of both arms"
        )
        low = high = p = None
        if replicates is not None:
            rep_a, rep_b = replicates
            if paired:
                keep = np.isfinite(rep_a) & np.isfinite(rep_b)
                d = rep_b[keep] - rep_a[keep]
            else:
                fa, fb = rep_a[np.isfinite(rep_a)], rep_b[np.isfinite(rep_b)]
                size = min(fa.size, fb.size)
                d = fb[:size] - fa[:size]
            if d.size >= (1 - W.MAX_UNDEFINED_SHARE) * rep_a.size and d.size > 1:
                tail = alpha / 2
                low, high = (float(v) for v in np.quantile(d, [tail, 1 - tail]))
                p = _bootstrap_p(d)
                if effect is not None:
                    if paired:
                        variance = float(np.var(d)) * a.side.n_labelled
                    else:
                        variance = (
                            float(np.nanvar(rep_a)) * a.side.n_labelled
                            + float(np.nanvar(rep_b)) * b.side.n_labelled
                        )
                    rows = _rows_from_variance(variance, effect, alpha, settings.power)
            else:
                note = "no interval: the metric is undefined on too many bootstrap resamples"
        else:
            note = "no interval: fewer than 2 labelled rows"
    significant = p is not None and p < alpha
    if rows is None and effect is not None and note is None:
        note = (
            "rows needed not estimated: the two versions never differ on these rows"
            if paired
            else "rows needed not estimated"
        )
    return replace(
        base,
        difference=difference,
        low=low,
        high=high,
        p_value=p,
        test=test,
        significant=significant,
        better=_better(name, difference, significant),
        min_effect=effect,
        rows_needed_per_arm=rows,
        rows_needed_method=method,
        note=note,
    )


def _format_p(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def _verdict(
    primary: MetricDifference, n_per_arm: int, settings: ComparisonSettings, paired: bool
) -> str:
    """The verdict on the primary metric. In a paired design "rows" are rows both versions
    scored; unpaired, rows per arm."""
    rows_word = "rows" if paired else "rows per arm"
    label = primary.label
    if primary.difference is None:
        return f"No verdict: {label} could not be compared ({primary.note})."
    level = f"{settings.confidence:.0%} CI"
    if primary.low is None or primary.high is None or primary.p_value is None:
        return (
            f"B - A on {label} is {primary.difference:+.4g}; no interval ({primary.note}), so no "
            "verdict."
        )
    if primary.better is not None:
        # The interval of the winner's advantage, in the metric's better direction.
        sign = 1.0 if (primary.better == "B") == bool(primary.higher_is_better) else -1.0
        ends = sorted((sign * primary.low, sign * primary.high))
        return (
            f"{primary.better} is better on {label} by {abs(primary.difference):.3g} "
            f"({level} {ends[0]:.3g} to {ends[1]:.3g}, {_format_p(primary.p_value)})."
        )
    text = (
        f"No significant difference on {label} (B - A = {primary.difference:+.3g}, {level} "
        f"{primary.low:.3g} to {primary.high:.3g}, {_format_p(primary.p_value)})"
    )
    rows, effect = primary.rows_needed_per_arm, primary.min_effect
    if primary.significant:  # a level with no direction (mean error) that moved
        return text.replace("No significant difference", "A significant difference") + "."
    if rows is None or effect is None:
        return text + "."
    if rows > n_per_arm:
        return (
            text + f"; about {rows - n_per_arm:,} more {rows_word} would detect a difference of "
            f"{effect:.3g} ({settings.power:.0%} power)."
        )
    return (
        text + f"; with {n_per_arm:,} {rows_word} the test had {settings.power:.0%} power to "
        f"detect a difference of {effect:.3g}, so a real difference is likely smaller."
    )


def _primary(task: Task, settings: ComparisonSettings, available: Sequence[str]) -> str:
    if settings.primary_metric is not None:
        if settings.primary_metric not in TASK_METRICS[task]:
            raise ParameterError(
                f"The primary metric {shown(settings.primary_metric)} is not computed for a "
                f"{task} task; expected one of {', '.join(TASK_METRICS[task])}."
            )
        return settings.primary_metric
    for name in PRIMARY[task]:
        if name in available:
            return name
    return PRIMARY[task][0]


def _check_task(model: ModelColumns) -> Task:
    task = model.task
    if task not in _SUPPORTED or task is None:
        raise ParameterError(
            f"Model comparison supports classification and regression; the task here is "
            f"{task}. Give task='classification' or 'regression' (--task)."
        )
    if model.target is None or model.prediction is None:
        raise ColumnError(
            "An A/B test needs a target and a prediction column (target=, prediction=)."
        )
    return task


def _ab_result(
    task: Task,
    a: _Arm,
    b: _Arm,
    paired: bool,
    settings: ComparisonSettings,
    warnings: list[str],
    split: SplitCheck | None,
    drifted: tuple[str, ...],
) -> ABTestResult:
    names = [n for n in TASK_METRICS[task] if n in a.estimates or n in b.estimates]
    primary = _primary(task, settings, names)
    if settings.metrics is not None:
        names = [n for n in names if n in settings.metrics or n == primary]
    if primary not in names:
        names.append(primary)
    replicated: list[_Replicates] | None = None
    # Accuracy has closed forms (two-proportion z, McNemar); the rest are bootstrapped.
    wanted = [n for n in names if n != "accuracy"]
    if wanted and min(a.side.n_labelled, b.side.n_labelled) >= 2:
        if paired:
            replicated = _replicates(
                task, [a.side, b.side], [a.estimates, b.estimates], settings, settings.seed, wanted
            )
        else:
            replicated = [
                _replicates(task, [a.side], [a.estimates], settings, settings.seed, wanted)[0],
                _replicates(task, [b.side], [b.estimates], settings, settings.seed + 1, wanted)[0],
            ]
    metrics = []
    for name in names:
        reps = None
        if replicated is not None and all(name in r.values for r in replicated):
            reps = (replicated[0].values[name], replicated[1].values[name])
        metrics.append(_difference(name, task, a, b, reps, paired, settings, primary))
    chosen = next(m for m in metrics if m.name == primary)
    n_per_arm = min(a.side.n_labelled, b.side.n_labelled)
    verdict = _verdict(chosen, n_per_arm, settings, paired)
    discordant = None
    if paired and task.is_classification:
        y_true = a.side.arrays["y_true"]
        right_a = a.side.arrays["y_pred"] == y_true
        right_b = b.side.arrays["y_pred"] == y_true
        discordant = (
            int(np.count_nonzero(right_a & ~right_b)),
            int(np.count_nonzero(right_b & ~right_a)),
        )
    if split is not None and split.unbalanced:
        verdict += (
            f" Caution: the traffic split is unbalanced (B got {split.share_b:.1%} of rows, "
            f"{split.expected_share_b:.0%} expected)."
        )
    if drifted:
        verdict += f" Caution: the arms' populations differ on {', '.join(drifted[:5])}."
    return ABTestResult(
        task=str(task),
        design="paired" if paired else "unpaired",
        arms=(a.name, b.name),
        n_a=a.n_rows,
        n_b=b.n_rows,
        n_labelled_a=a.side.n_labelled,
        n_labelled_b=b.side.n_labelled,
        metrics=tuple(metrics),
        primary=primary,
        winner=chosen.better,
        verdict=verdict,
        confidence=settings.confidence,
        power=settings.power,
        split=split,
        drifted_features=drifted,
        discordant=discordant,
        warnings=tuple(warnings),
        settings=settings.to_dict(),
    )


def check_split(n_a: int, n_b: int, expected_share_b: float) -> SplitCheck:
    """The exact binomial test of B's rows against the expected share (sample ratio mismatch).

    >>> check_split(5000, 5000, 0.5).unbalanced, check_split(5200, 4800, 0.5).unbalanced
    (False, True)
    """
    n = n_a + n_b
    p = float(sps.binomtest(n_b, n, expected_share_b).pvalue) if n else 1.0
    return SplitCheck(n_a, n_b, n_b / n if n else math.nan, expected_share_b, p, p < SRM_ALPHA)


def _population_drift(
    first: pd.DataFrame,
    second: pd.DataFrame,
    schema: Schema,
    features: Sequence[str],
    settings: ComparisonSettings,
    warnings: list[str],
) -> tuple[str, ...]:
    if not features or not settings.population_drift:
        return ()
    specs = [schema[f] for f in features if f in schema]
    sub = Schema(tuple(ColumnSpec(s.name, kind=s.kind, role=ColumnRole.FEATURE) for s in specs))
    found, _ = run_drift(
        first[list(features)].reset_index(drop=True),
        second[list(features)].reset_index(drop=True),
        sub,
        # Bonferroni across the features: a clean split of 30 features would otherwise show a
        # "drifted" feature or two by chance alone.
        DriftSettings(
            alpha=settings.alpha,
            correction="bonferroni",
            multivariate=False,
            seed=settings.seed,
            n_jobs=1,
        ),
    )
    drifted = tuple(found.drifted_columns)
    if drifted:
        warnings.append(
            f"The arms' populations differ: feature(s) {', '.join(map(shown, drifted[:10]))} "
            "drifted between arm A and arm B (drift core, Bonferroni across features); part of any "
            "difference in the metrics may come from the rows each arm saw, not the model."
        )
    return drifted


def compare_arms(
    frame: pd.DataFrame,
    model: ModelColumns,
    *,
    arm: str,
    arms: Sequence[str] | None = None,
    schema: Schema | None = None,
    features: Sequence[str] = (),
    settings: ComparisonSettings | None = None,
) -> ABTestResult:
    """An A/B test on split traffic: ``frame`` holds every row once, ``arm`` names the version
    that served it, ``model`` the target, prediction (and probability) columns.

    ``arms`` names A (the baseline) and B in that order; without it the arm column must hold
    exactly two values, A being the first in natural order. When ``model.id`` is set and some
    ids appear in both arms (both versions scored those rows), the test is paired on those rows.

    >>> import numpy as np, pandas as pd
    >>> from driftscope.analyses.model import ModelColumns, Task, _label_strings
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 2, 2000)
    >>> right = rng.uniform(size=2000) < np.where(np.arange(2000) % 2, 0.9, 0.8)
    >>> frame = pd.DataFrame({"arm": np.where(np.arange(2000) % 2, "new", "old"), "y": y,
    ...                       "pred": np.where(right, y, 1 - y)})
    >>> model = ModelColumns(Task.BINARY, "y", "pred", labels=("0", "1"))
    >>> result = compare_arms(frame, model, arm="arm", arms=("old", "new"),
    ...                       settings=ComparisonSettings(n_resamples=200))
    >>> result.winner, result.design
    ('B', 'unpaired')
    >>> result.verdict
    'B is better on accuracy by 0.079 (95% CI 0.0479 to 0.11, p < 0.001).'
    """
    settings = settings or ComparisonSettings()
    task = _check_task(model)
    if arm not in frame.columns:
        raise ColumnError(
            f"Arm column {shown(arm)} is not in the data; columns are "
            f"{', '.join(map(shown, list(frame.columns)[:20]))}."
        )
    if len(frame) == 0:
        raise EmptyDataError("The data has no rows; an A/B test needs rows in both arms.")
    # Positions, not index labels: a frame concatenated without ignore_index repeats them.
    frame = frame.reset_index(drop=True)
    # As class labels are read: 2.0 in a column with missing values is the arm "2".
    labels = _label_strings(frame[arm]).reindex(frame.index)
    present = sorted(labels.dropna().unique(), key=lambda v: (len(v), v))
    if arms is None:
        if len(present) != 2:
            listing = ", ".join(map(shown, present[:10]))
            raise ColumnError(
                f"Arm column {shown(arm)} holds {len(present)} value(s) ({listing}); an A/B test "
                "compares two. "
                + (
                    "Name the two to compare, baseline first: arms=('A', 'B') (--arms A,B)."
                    if len(present) > 2
                    else "Both versions need rows in it."
                )
            )
        chosen = (present[0], present[1])
    else:
        if len(arms) != 2 or len({str(x) for x in arms}) != 2:
            raise invalid_parameter("ab_test", "arms", "two different arm values (A, B)", arms)
        chosen = (str(arms[0]), str(arms[1]))
        missing = [x for x in chosen if x not in set(present)]
        if missing:
            raise ColumnError(
                f"Arm(s) {', '.join(map(shown, missing))} not found in column {shown(arm)}; it "
                f"holds {', '.join(map(shown, present[:10]))}."
            )
    warnings: list[str] = []
    n_missing = int(frame[arm].isna().sum())
    if n_missing:
        warnings.append(f"{n_missing:,} row(s) have no value in arm column {shown(arm)}; left out.")
    first = frame[(labels == chosen[0]).fillna(False).to_numpy(bool)]
    second = frame[(labels == chosen[1]).fillna(False).to_numpy(bool)]
    split = check_split(len(first), len(second), settings.expected_share_b)
    if split.unbalanced:
        warnings.append(
            f"Unbalanced traffic split: arm {shown(chosen[1])} got {split.share_b:.1%} of the "
            f"{len(first) + len(second):,} rows, {split.expected_share_b:.0%} expected (binomial "
            f"test p = {split.p_value:.2g} < {SRM_ALPHA:g}); check how traffic is assigned "
            "before trusting the comparison."
        )
    if model.id is not None and model.id in frame.columns:
        shared = set(first[model.id].dropna()) & set(second[model.id].dropna())
        if shared:
            a_rows = first[first[model.id].isin(shared)].drop_duplicates(model.id)
            b_rows = second[second[model.id].isin(shared)].drop_duplicates(model.id)
            b_rows = b_rows.set_index(model.id).reindex(a_rows[model.id]).reset_index()
            if len(shared) < max(len(first), len(second)):
                warnings.append(
                    f"Paired on the {len(shared):,} id(s) present in both arms; the other rows "
                    "are left out."
                )
            return _paired(
                task,
                a_rows.reset_index(drop=True),
                b_rows,
                model,
                model,
                chosen,
                settings,
                warnings,
                split,
            )
    a = _arm(task, first, model, chosen[0], warnings)
    b = _arm(task, second, model, chosen[1], warnings)
    drifted: tuple[str, ...] = ()
    if schema is not None:
        drifted = _population_drift(first, second, schema, features, settings, warnings)
    return _ab_result(task, a, b, False, settings, warnings, split, drifted)


def _aligned(
    task: Task,
    frame_a: pd.DataFrame,
    frame_b: pd.DataFrame,
    model_a: ModelColumns,
    model_b: ModelColumns,
) -> NDArray[np.bool_]:
    """The rows both versions can be scored on: a target, and both predictions."""
    assert model_a.target is not None
    assert model_a.prediction is not None
    assert model_b.prediction is not None
    keep = (
        frame_a[model_a.target].notna().to_numpy()
        & frame_a[model_a.prediction].notna().to_numpy()
        & frame_b[model_b.prediction].notna().to_numpy()
    )
    if task is Task.REGRESSION:
        for frame, column in (
            (frame_a, model_a.target),
            (frame_a, model_a.prediction),
            (frame_b, model_b.prediction),
        ):
            values = pd.to_numeric(frame[column], errors="coerce").to_numpy(
                np.float64, na_value=np.nan
            )
            keep &= np.isfinite(values)
    return keep


def _paired(
    task: Task,
    frame_a: pd.DataFrame,
    frame_b: pd.DataFrame,
    model_a: ModelColumns,
    model_b: ModelColumns,
    names: tuple[str, str],
    settings: ComparisonSettings,
    warnings: list[str],
    split: SplitCheck | None,
) -> ABTestResult:
    assert model_a.target is not None
    keep = _aligned(task, frame_a, frame_b, model_a, model_b)
    if not keep.any():
        raise EmptyDataError(
            f"No row has a target ({shown(model_a.target)}) and both predictions "
            f"({shown(model_a.prediction)}, {shown(model_b.prediction)}); nothing to compare."
        )
    if not keep.all():
        warnings.append(
            f"{int((~keep).sum()):,} of {keep.size:,} row(s) lack the target or a prediction "
            "(missing or not a number); the paired comparison uses the other rows."
        )
    frame_a = frame_a[keep].reset_index(drop=True)
    # Both versions are judged against the same labels: A's target, under B's model too.
    frame_b = frame_b[keep].reset_index(drop=True)
    frame_b = frame_b.assign(**{model_a.target: frame_a[model_a.target]})
    model_b = replace(model_b, target=model_a.target, labels=model_a.labels, task=model_a.task)
    a = _arm(task, frame_a, model_a, names[0], warnings)
    b = _arm(task, frame_b, model_b, names[1], warnings)
    return _ab_result(task, a, b, True, settings, warnings, split, ())


def compare_paired(
    frame: pd.DataFrame,
    model_a: ModelColumns,
    model_b: ModelColumns,
    *,
    names: tuple[str, str] = ("A", "B"),
    settings: ComparisonSettings | None = None,
) -> ABTestResult:
    """A paired A/B test: both versions scored every row of ``frame`` (wide form: a prediction
    column, and probability columns, per version; the same target). Rows lacking the target or
    a prediction are left out with a warning."""
    settings = settings or ComparisonSettings()
    task = _check_task(model_a)
    if len(frame) == 0:
        raise EmptyDataError("The data has no rows; a paired comparison needs scored rows.")
    frame = frame.reset_index(drop=True)
    return _paired(task, frame, frame, model_a, model_b, names, settings, [], None)


# ---------------------------------------------------------------------------------------------
# shadow


def second_model_columns(
    columns: Sequence[str],
    first: ModelColumns,
    prediction: str,
    proba_prefix: str | None = None,
) -> ModelColumns:
    """The columns of a second version of ``first`` (a candidate, or arm B in wide form): its
    ``prediction`` column and, with ``proba_prefix``, one probability column per class of
    ``first`` (``prefix + label``), or one column for the positive class of a binary task.

    >>> from driftscope.analyses.model import ModelColumns, Task, _label_strings
    >>> first = ModelColumns(Task.BINARY, "y", "p", ("proba_1",), ("0", "1"))
    >>> second_model_columns(["y", "p", "c", "cand_1"], first, "c", "cand_").probabilities
    ('cand_1',)
    """
    if prediction not in columns:
        raise ColumnError(
            f"Prediction column {shown(prediction)} of the second version is not in the data; "
            f"columns are {', '.join(map(shown, list(columns)[:20]))}."
        )
    probabilities: tuple[str, ...] = ()
    if proba_prefix:
        found = [c for c in columns if c.startswith(proba_prefix) and len(c) > len(proba_prefix)]
        by_label = {c[len(proba_prefix) :]: c for c in found}
        if first.labels and all(label in by_label for label in first.labels):
            probabilities = tuple(by_label[label] for label in first.labels)
        elif len(found) == 1 and len(first.labels) == 2:
            named = found[0][len(proba_prefix) :]
            if named in first.labels and named != first.labels[1]:
                raise ColumnError(
                    f"Probability column {shown(found[0])} is the probability of class "
                    f"{shown(named)}, but the first version's single probability column is of "
                    f"class {shown(first.labels[1])}; give the same class for both."
                )
            probabilities = (found[0],)
        else:
            expected = ", ".join(proba_prefix + label for label in first.labels[:10])
            raise ColumnError(
                f"The probability prefix {shown(proba_prefix)} finds "
                f"{', '.join(map(shown, found[:10])) or 'no column'}; expected one column per "
                f"class ({expected})."
            )
    return ModelColumns(
        first.task,
        first.target,
        prediction,
        probabilities,
        first.labels,
        first.timestamp,
        first.id,
        None,
    )


def _binned(values: FloatArray, edges: FloatArray) -> NDArray[np.int64]:
    index = np.clip(np.searchsorted(edges, values, side="right") - 1, 0, edges.size - 2)
    return np.bincount(index, minlength=edges.size - 1).astype(np.int64)


def _prediction_divergence(
    task: Task, production: Any, candidate: Any, labels: tuple[str, ...]
) -> OutputDivergence:
    if task.is_classification:
        k = len(labels)
        p_counts = np.bincount(production[production >= 0], minlength=k)
        c_counts = np.bincount(candidate[candidate >= 0], minlength=k)
        keep = (p_counts + c_counts) > 0
        test = C.chi2_homogeneity(p_counts[keep], c_counts[keep])
        tv = C.total_variation_distance(p_counts[keep], c_counts[keep])
        return OutputDivergence(
            "prediction", test.method, test.statistic, test.p_value, tv.method, tv.statistic
        )
    ks = ks_2samp(production, candidate)
    distance = wasserstein_distance(production, candidate)
    return OutputDivergence(
        "prediction", ks.method, ks.statistic, ks.p_value, distance.method, distance.statistic
    )


def _proba_divergence(
    production: FloatArray, candidate: FloatArray, labels: tuple[str, ...]
) -> list[OutputDivergence]:
    """Per class (the positive class only for binary): KS and Wasserstein on the
    probabilities, PSI and Jensen-Shannon on 10 equal-width bins of [0, 1]."""
    edges = np.linspace(0.0, 1.0, _PROBA_BINS + 1)
    classes = [1] if production.shape[1] == 2 else list(range(production.shape[1]))
    out = []
    for c in classes:
        p, q = production[:, c], candidate[:, c]
        ks = ks_2samp(p, q)
        distance = wasserstein_distance(p, q, normed=False)
        bp, bq = _binned(p, edges), _binned(q, edges)
        psi = C.population_stability_index(bp, bq).statistic
        js = C.jensen_shannon_distance(bp, bq, base=2).statistic
        out.append(
            OutputDivergence(
                f"probability of {labels[c]}",
                ks.method,
                ks.statistic,
                ks.p_value,
                distance.method,
                distance.statistic,
                {
                    "psi": psi,
                    "jensen_shannon": js,
                    "mean_abs_difference": float(np.mean(np.abs(p - q))),
                },
            )
        )
    return out


def _segments(
    frame: pd.DataFrame,
    disagree: NDArray[np.bool_],
    schema: Schema,
    features: Sequence[str],
    settings: ComparisonSettings,
) -> tuple[SegmentDisagreement, ...]:
    """Each feature cut into segments (categories; quantile bins of numbers), ranked by the lower
    end of the disagreement's interval among segments of at least ``min_segment_rows`` rows."""
    overall = float(disagree.mean()) if disagree.size else math.nan
    found: list[SegmentDisagreement] = []
    for name in features:
        spec = schema.get(name)
        if spec is None or name not in frame.columns:
            continue
        values = frame[name]
        groups: list[tuple[str, NDArray[np.bool_]]] = []
        if spec.kind is ColumnKind.NUMERICAL:
            numbers = pd.to_numeric(values, errors="coerce").to_numpy(np.float64, na_value=np.nan)
            finite = np.isfinite(numbers)
            if finite.sum() < settings.min_segment_rows:
                continue
            edges = np.unique(np.quantile(numbers[finite], np.linspace(0, 1, settings.n_bins + 1)))
            if edges.size < 2:
                continue
            index = np.clip(np.searchsorted(edges, numbers, side="right") - 1, 0, edges.size - 2)
            for i in range(edges.size - 1):
                right = "]" if i == edges.size - 2 else ")"
                groups.append(
                    (f"[{edges[i]:.4g}, {edges[i + 1]:.4g}{right}", finite & (index == i))
                )
        elif spec.kind in (ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN):
            text = values.astype("string")
            counts = text.value_counts()
            for category in counts.index[:50]:
                groups.append((str(category), (text == category).fillna(False).to_numpy(bool)))
        else:
            continue
        if values.isna().any():
            groups.append(("(missing)", values.isna().to_numpy()))
        for segment, mask in groups:
            n = int(mask.sum())
            if n < settings.min_segment_rows:
                continue
            k = int(disagree[mask].sum())
            low, high = wilson_interval(k, n, settings.confidence)
            rate = k / n
            found.append(
                SegmentDisagreement(
                    name,
                    segment,
                    n,
                    rate,
                    low,
                    high,
                    rate / overall if overall > 0 else None,
                    low > overall,
                )
            )
    found.sort(key=lambda s: (-s.low, -s.disagreement, s.feature, s.segment))
    return tuple(s for s in found if s.disagreement > 0)[: settings.max_segments]


def _agreement(agree: NDArray[np.bool_], confidence: float) -> Agreement:
    n = int(agree.size)
    k = int(agree.sum())
    low, high = wilson_interval(k, n, confidence)
    return Agreement(k / n if n else math.nan, low, high, n)


@dataclass
class _Outputs:
    """The two versions' outputs on the rows both scored, comparable row by row."""

    production: Any
    candidate: Any
    proba_production: FloatArray | None
    proba_candidate: FloatArray | None
    agree: NDArray[np.bool_]


def _outputs(
    task: Task,
    frame: pd.DataFrame,
    production: ModelColumns,
    candidate: ModelColumns,
    tolerance: float | None,
    warnings: list[str],
) -> tuple[_Outputs, float | None]:
    from driftscope.analyses.model import encode_labels
    from driftscope.analyses.performance import _probabilities

    assert production.prediction is not None
    assert candidate.prediction is not None
    if task.is_classification:
        p = encode_labels(None, frame[production.prediction], production.labels).y_pred
        c = encode_labels(None, frame[candidate.prediction], production.labels).y_pred
        assert p is not None
        assert c is not None
        agree = p == c
        everything = np.ones(len(frame), dtype=bool)
        both_p = _probabilities(frame, production, everything, "production", warnings)
        both_c = _probabilities(frame, candidate, everything, "candidate", warnings)
        return (
            _Outputs(
                p,
                c,
                None if both_p is None else both_p[0],
                None if both_c is None else both_c[0],
                agree,
            ),
            None,
        )
    p_num = pd.to_numeric(frame[production.prediction], errors="coerce").to_numpy(np.float64)
    c_num = pd.to_numeric(frame[candidate.prediction], errors="coerce").to_numpy(np.float64)
    if tolerance is None:
        spread = float(np.std(p_num))
        tolerance = 0.1 * spread if spread > 0 else 0.0
    agree = np.abs(p_num - c_num) <= tolerance
    return _Outputs(p_num, c_num, None, None, agree), tolerance


def compare_shadow(
    frame: pd.DataFrame,
    production: ModelColumns,
    candidate: ModelColumns,
    *,
    schema: Schema,
    features: Sequence[str] = (),
    settings: ComparisonSettings | None = None,
) -> ShadowResult:
    """A candidate version that scored the same rows as production without serving.

    ``production`` and ``candidate`` name each version's prediction (and probability) columns,
    with the same task and class labels; the target, when ``production.target`` is set and has
    values, decides who was right. Rows where either prediction is missing are left out with a
    warning. Windows follow ``settings.windows`` on ``production.timestamp`` (row order without
    one).

    >>> import numpy as np, pandas as pd
    >>> from driftscope.analyses.model import ModelColumns, Task, _label_strings
    >>> from driftscope.data.schema import Schema
    >>> frame = pd.DataFrame({"p": [0, 1] * 100, "c": [0, 1] * 100})
    >>> prod = ModelColumns(Task.BINARY, None, "p", labels=("0", "1"))
    >>> cand = ModelColumns(Task.BINARY, None, "c", labels=("0", "1"))
    >>> compare_shadow(frame, prod, cand, schema=Schema()).agreement.rate
    1.0
    """
    settings = settings or ComparisonSettings()
    task = production.task
    if task not in _SUPPORTED or task is None:
        raise ParameterError(
            f"Shadow comparison supports classification and regression; the task here is "
            f"{task}. Give task='classification' or 'regression' (--task)."
        )
    assert production.prediction is not None
    assert candidate.prediction is not None
    warnings: list[str] = []
    if len(frame) == 0:
        raise EmptyDataError("The data has no rows; a shadow comparison needs scored rows.")
    frame = frame.reset_index(drop=True)
    scored = frame[production.prediction].notna() & frame[candidate.prediction].notna()
    if task is Task.REGRESSION:
        for column in (production.prediction, candidate.prediction):
            numbers = pd.to_numeric(frame[column], errors="coerce").to_numpy(
                np.float64, na_value=np.nan
            )
            scored &= np.isfinite(numbers)
    if not scored.any():
        raise EmptyDataError(
            f"No row has both predictions ({shown(production.prediction)}, "
            f"{shown(candidate.prediction)}); nothing to compare."
        )
    if not scored.all():
        warnings.append(
            f"{int((~scored).sum()):,} of {len(frame):,} row(s) lack a prediction of one version "
            "(missing or not a number); they are left out."
        )
        frame = frame[scored.to_numpy()].reset_index(drop=True)
    outputs, tolerance = _outputs(task, frame, production, candidate, settings.tolerance, warnings)
    if bool(production.probabilities) != bool(candidate.probabilities):
        has, lacks = (
            ("production", "candidate") if production.probabilities else ("candidate", "production")
        )
        warnings.append(
            f"Only the {has} has probability columns; the probabilities are not compared. Give "
            f"the {lacks}'s prefix (production_proba_prefix= / candidate_proba_prefix=, "
            "--proba-prefix / --candidate-proba-prefix)."
        )
    agreement = _agreement(outputs.agree, settings.confidence)
    divergence = [
        _prediction_divergence(task, outputs.production, outputs.candidate, production.labels)
    ]
    if outputs.proba_production is not None and outputs.proba_candidate is not None:
        divergence += _proba_divergence(
            outputs.proba_production, outputs.proba_candidate, production.labels
        )
    mad = corr = None
    if task is Task.REGRESSION:
        mad = float(np.mean(np.abs(outputs.production - outputs.candidate)))
        if np.std(outputs.production) > 0 and np.std(outputs.candidate) > 0:
            corr = float(np.corrcoef(outputs.production, outputs.candidate)[0, 1])
    windows = _shadow_windows(task, frame, outputs, production, settings, warnings)
    segments = _segments(frame, ~outputs.agree, schema, features, settings)
    who = None
    target = production.target
    if target is not None and target in frame.columns and frame[target].notna().any():
        who = _who_was_right(task, frame, production, candidate, settings, warnings)
    verdict = _shadow_verdict(agreement, segments, who, settings, tolerance)
    return ShadowResult(
        task=str(task),
        production=production.prediction,
        candidate=candidate.prediction,
        n_rows=len(frame),
        agreement=agreement,
        divergence=tuple(divergence),
        windows=windows,
        segments=segments,
        who_was_right=who,
        verdict=verdict,
        confidence=settings.confidence,
        tolerance=tolerance,
        mean_abs_difference=mad,
        correlation=corr,
        warnings=tuple(warnings),
        settings=settings.to_dict(),
    )


def _shadow_windows(
    task: Task,
    frame: pd.DataFrame,
    outputs: _Outputs,
    production: ModelColumns,
    settings: ComparisonSettings,
    warnings: list[str],
) -> tuple[ShadowWindow, ...]:
    if not settings.windows.active:
        return ()
    splits, found = split_windows(frame, settings.windows, production.timestamp)
    warnings.extend(found)
    out = []
    for i, split in enumerate(splits):
        rows = split.rows
        small = rows.size < settings.windows.min_rows
        agreement = None if rows.size == 0 else _agreement(outputs.agree[rows], settings.confidence)
        divergence: list[OutputDivergence] = []
        if not small:
            divergence.append(
                _prediction_divergence(
                    task, outputs.production[rows], outputs.candidate[rows], production.labels
                )
            )
            if outputs.proba_production is not None and outputs.proba_candidate is not None:
                divergence += _proba_divergence(
                    outputs.proba_production[rows], outputs.proba_candidate[rows], production.labels
                )
        out.append(
            ShadowWindow(
                i,
                split.label,
                split.start,
                split.end,
                int(rows.size),
                small,
                agreement,
                tuple(divergence),
            )
        )
    return tuple(out)


def _who_was_right(
    task: Task,
    frame: pd.DataFrame,
    production: ModelColumns,
    candidate: ModelColumns,
    settings: ComparisonSettings,
    warnings: list[str],
) -> WhoWasRight:
    comparison = compare_paired(
        frame, production, candidate, names=("production", "candidate"), settings=settings
    )
    warnings.extend(comparison.warnings)
    if not task.is_classification:
        return WhoWasRight(comparison)
    from driftscope.analyses.model import encode_labels

    assert production.target is not None
    assert production.prediction is not None
    assert candidate.prediction is not None
    labelled = frame[production.target].notna().to_numpy()
    encoded = encode_labels(
        frame[production.target], frame[production.prediction], production.labels
    )
    cand = encode_labels(None, frame[candidate.prediction], production.labels).y_pred
    assert encoded.y_true is not None
    assert encoded.y_pred is not None
    assert cand is not None
    right_p = (encoded.y_pred == encoded.y_true) & labelled
    right_c = (cand == encoded.y_true) & labelled
    only_c = np.flatnonzero(right_c & ~right_p)
    return WhoWasRight(
        comparison,
        both_right=int(np.count_nonzero(right_p & right_c)),
        only_production=int(np.count_nonzero(right_p & ~right_c)),
        only_candidate=int(only_c.size),
        neither=int(np.count_nonzero(labelled & ~right_p & ~right_c)),
        only_candidate_rows=tuple(int(i) for i in only_c[:20]),
    )


def _shadow_verdict(
    agreement: Agreement,
    segments: Sequence[SegmentDisagreement],
    who: WhoWasRight | None,
    settings: ComparisonSettings,
    tolerance: float | None,
) -> str:
    within = "" if tolerance is None else f" (within {tolerance:.3g})"
    text = (
        f"The candidate agrees with production on {agreement.rate:.1%}{within} of "
        f"{agreement.n_rows:,} rows ({settings.confidence:.0%} CI {agreement.low:.1%} to "
        f"{agreement.high:.1%})."
    )
    if segments and segments[0].notable:
        top = segments[0]
        text += (
            f" They disagree most where {top.feature} is {top.segment} "
            f"({top.disagreement:.1%} of {top.n_rows:,} rows)."
        )
    if who is not None:
        verdict = who.comparison.verdict.replace("B is better", "The candidate is better")
        verdict = verdict.replace("A is better", "Production is better")
        text += " On the labelled rows: " + verdict
    return text
