"""Two-sample methods computed from summaries (profiles), exact where a summary holds the data and
with a stated bound on the raw-data result otherwise.

A numerical side is a `Summary`: a weighted sample (the distinct values and their counts while a
profile keeps them; the retained items and weights of a KLL quantile sketch otherwise) with the
exact size, moments and extremes, and ``rank_error``: a bound ε on the gap between the summary's
CDF and the data's CDF, at every point at once. Every bound below follows from that one fact; the
derivations are in docs/profiles.md ("Drift from profiles: what is exact and what is bounded").

- Both sides exact: every method gives the raw-data statistic and p-value (up to rounding), read
  off weighted ECDFs without expanding the data (`WeightedPair`).
- Sketched: the estimate is the method run on the sketch's weighted sample, and
  `BoundedResult.statistic_bounds` (and ``p_value_bounds``) contain the raw-data value whenever
  every sketch is within its error (DataSketches' bound holds with 99% confidence).

A categorical side is a count vector, exact or within ``±error`` per count (a frequent-items
sketch).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from driftscope.exceptions import EmptyDataError, ParameterError, invalid_parameter
from driftscope.stats._distances import SMOOTHING, aligned_counts
from driftscope.stats._ecdf import WeightedPair
from driftscope.stats._registry import METHODS, MethodInfo
from driftscope.stats._result import StatResult
from driftscope.stats.categorical import cramers_v
from driftscope.stats.numerical import ks_p_value, welch_t_from_moments

__all__ = [
    "BoundedResult",
    "Summary",
    "summarized_categorical",
    "summarized_numerical",
]

FloatArray = NDArray[np.float64]
Bounds = tuple[float, float]

_OWNER = "driftscope.stats.summarized"
# Mann-Whitney's raw p-value may be exact when a sample has at most this many values.
_MWU_EXACT_MAX_SMALL = 8
# The binned distances' default number of bins, as the registry runs them.
_N_BINS = 10


@dataclass(frozen=True)
class Summary:
    """One side of a numerical comparison as a weighted sample: what a profile holds.

    Attributes
    ----------
    values
        The sorted distinct retained values.
    weights
        Their weights (counts); they sum to ``n``.
    n
        How many finite values are summarized.
    rank_error
        0 when ``values`` and ``weights`` are the exact data; otherwise a bound on
        ``|F_summary(x) - F_data(x)|`` valid at every ``x`` at once (a KLL sketch's normalized
        rank error; use the profile's `histogram_error`, DataSketches' all-points bound).
    mean, variance, min, max
        Exact, from the profile's moments: ``variance`` is the sample variance (``ddof=1``,
        NaN below two values), as ``NumericalProfile.variance``.

    >>> s = Summary.of([3.0, 1.0, 1.0])
    >>> s.values.tolist(), s.weights.tolist(), s.n, s.rank_error, s.mean
    ([1.0, 3.0], [2.0, 1.0], 3, 0.0, 1.6666666666666667)
    """

    values: FloatArray
    weights: FloatArray
    n: int
    rank_error: float
    mean: float
    variance: float
    min: float
    max: float

    def __post_init__(self) -> None:
        values = np.asarray(self.values, dtype=np.float64)
        weights = np.asarray(self.weights, dtype=np.float64)
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "weights", weights)
        if values.ndim != 1 or weights.shape != values.shape:
            raise invalid_parameter(
                "Summary",
                "weights",
                f"a 1-D array with one weight per value ({values.size} values)",
                f"shape {weights.shape}",
            )
        if isinstance(self.n, bool) or not isinstance(self.n, int | np.integer) or self.n < 0:
            raise invalid_parameter("Summary", "n", "an int >= 0", self.n)
        if self.n == 0 or values.size == 0:
            raise EmptyDataError(
                "A Summary must summarize at least one finite value. "
                f"Got n={self.n} and {values.size} values (an empty or all-missing column)."
            )
        if not bool(np.all(np.isfinite(values))) or not bool(np.all(values[1:] > values[:-1])):
            raise invalid_parameter(
                "Summary", "values", "finite, sorted and distinct values", values[:10].tolist()
            )
        if not bool(np.all(np.isfinite(weights))) or not bool(np.all(weights > 0)):
            raise invalid_parameter(
                "Summary", "weights", "finite positive weights", weights[:10].tolist()
            )
        if not bool(np.all(weights == np.floor(weights))):
            raise invalid_parameter(
                "Summary", "weights", "whole-number counts", weights[:10].tolist()
            )
        total = float(weights.sum())
        if total != self.n:
            raise invalid_parameter(
                "Summary", "weights", f"counts summing to n={self.n}", f"a sum of {total:g}"
            )
        if not (isinstance(self.rank_error, float | int) and 0.0 <= self.rank_error <= 1.0):
            raise invalid_parameter("Summary", "rank_error", "a float in [0, 1]", self.rank_error)
        if not (self.min <= float(values[0]) and float(values[-1]) <= self.max):
            raise ParameterError(
                "The 'min' and 'max' of a Summary must enclose its values "
                f"({float(values[0])!r} to {float(values[-1])!r}). "
                f"Got {self.min!r} and {self.max!r}."
            )

    @classmethod
    def of(cls, sample: ArrayLike) -> Summary:
        """The exact summary of a sample of finite values."""
        x = np.asarray(sample, dtype=np.float64).ravel()
        if x.size == 0:
            raise EmptyDataError("Summary.of needs at least one value. Got an empty sample.")
        if not bool(np.all(np.isfinite(x))):
            raise invalid_parameter("Summary.of", "sample", "finite values only", "NaN or inf")
        values, counts = np.unique(x, return_counts=True)
        variance = float(np.var(x, ddof=1)) if x.size > 1 else math.nan
        return cls(
            values,
            counts.astype(np.float64),
            int(x.size),
            0.0,
            float(np.mean(x)),
            variance,
            float(values[0]),
            float(values[-1]),
        )

    @property
    def exact(self) -> bool:
        return self.rank_error == 0.0

    @property
    def m2(self) -> float:
        """The sum of squared deviations from the mean."""
        return float(self.variance * (self.n - 1)) if self.n > 1 else 0.0

    @property
    def std(self) -> float:
        """The population standard deviation (``ddof=0``), as ``np.std``."""
        return math.sqrt(self.m2 / self.n)

    @property
    def range(self) -> float:
        return self.max - self.min


@dataclass(frozen=True)
class BoundedResult:
    """A method's result from summaries, and where the raw-data result lies.

    Attributes
    ----------
    result
        The estimate (the raw-data result itself when ``exact``).
    exact
        Both sides were exact: ``result`` equals the raw-data result up to rounding.
    statistic_bounds
        The raw-data statistic lies within these (with the sketches' confidence, 99%).
    p_value_bounds
        Likewise for the p-value; None for distances, which have none.
    note
        One sentence for the report: what the bound is based on.
    """

    result: StatResult
    exact: bool
    statistic_bounds: Bounds
    p_value_bounds: Bounds | None
    note: str = field(default="")

    def decision(self, info: MethodInfo, threshold: float | None = None) -> bool | None:
        """Drifted (True), not drifted (False), or None when the bounds straddle the threshold,
        so the raw data could decide either way. An exact result decides as ``info.drifted``."""
        if self.exact:
            return info.drifted(self.result, threshold)
        limit = info.default_threshold if threshold is None else threshold
        if info.is_test:
            if self.p_value_bounds is None:
                return None
            low, high = self.p_value_bounds
            return True if high < limit else False if low >= limit else None
        low, high = self.statistic_bounds
        return True if low >= limit else False if high < limit else None


# --- numerical ----------------------------------------------------------------------------------


def summarized_numerical(method: str, reference: Summary, current: Summary) -> BoundedResult:
    """Run the numerical ``method`` (a `METHODS` name) on two summaries.

    >>> rng = np.random.default_rng(0)
    >>> ref, cur = rng.integers(0, 20, 5000), rng.integers(1, 21, 4000)
    >>> r = summarized_numerical("ks", Summary.of(ref), Summary.of(cur))
    >>> from driftscope.stats import ks_2samp
    >>> r.exact, r.result == ks_2samp(ref, cur)
    (True, True)
    """
    run = _numerical_method(method)
    for side, summary in (("reference", reference), ("current", current)):
        if not isinstance(summary, Summary):
            raise invalid_parameter(
                "summarized_numerical", side, "a driftscope.stats.summarized.Summary", summary
            )
    exact = reference.exact and current.exact
    if method == "welch_t":
        return _welch(reference, current)
    pair = WeightedPair(
        reference.values,
        reference.weights,
        current.values,
        current.weights,
        reference_std=reference.std,
        pooled_std=_pooled_std(reference, current),
    )
    result = run(pair)
    if exact:
        return _exact(result)
    return _BOUNDS[method](result, pair, reference, current)


def _numerical_method(method: str) -> Callable[[WeightedPair], StatResult]:
    run = METHODS[method].numerical
    if run is None:
        valid = ", ".join(repr(name) for name, i in METHODS.items() if i.numerical is not None)
        raise invalid_parameter("summarized_numerical", "method", f"one of {valid}", method)
    return run


def _exact(
    result: StatResult, note: str = "exact: from the profiles' exact values"
) -> BoundedResult:
    p = None if result.p_value is None else (result.p_value, result.p_value)
    return BoundedResult(result, True, (result.statistic, result.statistic), p, note)


def _pooled_std(reference: Summary, current: Summary) -> float:
    n, m = reference.n, current.n
    delta = current.mean - reference.mean
    m2 = reference.m2 + current.m2 + delta * delta * (n * m / (n + m))
    return math.sqrt(m2 / (n + m))


def _welch(reference: Summary, current: Summary) -> BoundedResult:
    for side, summary in (("reference", reference), ("current", current)):
        if summary.n < 2:
            raise EmptyDataError(
                f"welch_t needs at least 2 values in each sample. Got {summary.n} in {side}."
            )
    result = welch_t_from_moments(
        (reference.n, reference.mean, reference.variance),
        (current.n, current.mean, current.variance),
    )
    return _exact(result, "exact: Welch's t needs only the counts and moments, kept exactly")


def _gap_bounds(
    pair: WeightedPair, reference: Summary, current: Summary
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Bounds on |F - G| on each stretch between consecutive points where a summary's CDF steps
    (or a side's range starts or ends), and the stretches' widths.

    On each stretch the data's CDF F lies within rank_error of the summary's, inside [0, 1];
    outside a side's [min, max) both are exactly 0 or 1.
    """
    ends = [reference.min, reference.max, current.min, current.max]
    grid = np.union1d(pair.values, ends)
    ref_cum, cur_cum = pair.counts_at_or_below(grid)
    f_hat, g_hat = ref_cum / reference.n, cur_cum / current.n
    in_ref = (grid >= reference.min) & (grid < reference.max)
    in_cur = (grid >= current.min) & (grid < current.max)
    f_low = np.clip(f_hat - reference.rank_error * in_ref, 0.0, 1.0)
    f_high = np.clip(f_hat + reference.rank_error * in_ref, 0.0, 1.0)
    g_low = np.clip(g_hat - current.rank_error * in_cur, 0.0, 1.0)
    g_high = np.clip(g_hat + current.rank_error * in_cur, 0.0, 1.0)
    low = np.maximum(0.0, np.maximum(f_low - g_high, g_low - f_high))
    high = np.maximum(f_high - g_low, g_high - f_low)
    return low[:-1], high[:-1], np.diff(grid)


def _errors(reference: Summary, current: Summary) -> str:
    return (
        f"rank errors {reference.rank_error:.4f} (reference) and {current.rank_error:.4f} (current)"
    )


def _ks_bounds(
    result: StatResult, pair: WeightedPair, reference: Summary, current: Summary
) -> BoundedResult:
    # sup|F - G| moves by at most eps_r + eps_c when each CDF moves by at most its eps; the
    # stretch-by-stretch bounds are that, clipped to a CDF's [0, 1].
    delta = reference.rank_error + current.rank_error
    low, high, _ = _gap_bounds(pair, reference, current)
    bounds = (
        max(float(np.max(low, initial=0.0)), result.statistic - delta),
        min(float(np.max(high, initial=0.0)), result.statistic + delta),
    )
    n, m = reference.n, current.n
    p_bounds = (ks_p_value(bounds[1], n, m), ks_p_value(bounds[0], n, m))
    note = (
        f"from quantile sketches: KS statistic within ±{delta:.4f} ({_errors(reference, current)})"
    )
    return BoundedResult(result, False, bounds, p_bounds, note)


def _scale(result: StatResult, summary: Summary, pooled: float, power: float) -> float:
    """The divisor the normed distance used: the reference's std (to ``power``), the pooled
    std for a constant reference (Wasserstein), or 1 for a raw distance."""
    if not result.method.endswith("_normed"):
        return 1.0
    std = summary.std if summary.std > 0 else pooled
    return float(std**power)


def _integrated_gap_bounds(
    result: StatResult, pair: WeightedPair, reference: Summary, current: Summary
) -> BoundedResult:
    """Wasserstein-1 is the integral of |F - G| dx, the energy distance
    sqrt(2 integral (F - G)^2 dx): both integrate the stretch-by-stretch bounds on the gap.
    (Wasserstein lies within eps_r (max_r - min_r) + eps_c (max_c - min_c) of the estimate.)"""
    low, high, widths = _gap_bounds(pair, reference, current)
    if result.method.startswith("wasserstein"):
        name, scale = "Wasserstein", _scale(result, reference, pair.pooled_std, 1.0)
        raw = (float(np.dot(low, widths)), float(np.dot(high, widths)))
    else:
        name, scale = "energy distance", _scale(result, reference, 0.0, 0.5)
        raw = (
            math.sqrt(2.0 * float(np.dot(low * low, widths))),
            math.sqrt(2.0 * float(np.dot(high * high, widths))),
        )
    note = (
        f"from quantile sketches: {name} bounded by integrating the CDFs' gap, each CDF "
        f"within its rank error ({_errors(reference, current)})"
    )
    return BoundedResult(result, False, (raw[0] / scale, raw[1] / scale), None, note)


def _mann_whitney_bounds(
    result: StatResult, pair: WeightedPair, reference: Summary, current: Summary
) -> BoundedResult:
    n, m = reference.n, current.n
    nm = float(n) * m
    total = n + m
    # U / (n m) = integral of the current's mid-CDF against the reference's distribution;
    # integrating by parts, it moves by at most eps_r + eps_c.
    delta = nm * (reference.rank_error + current.rank_error)
    u_low, u_high = max(0.0, result.statistic - delta), min(nm, result.statistic + delta)
    centre = nm / 2.0
    far = max(abs(u_low - centre), abs(u_high - centre))
    near = 0.0 if u_low <= centre <= u_high else min(abs(u_low - centre), abs(u_high - centre))
    # The tie correction only lowers the standard deviation. Every tied block is at most the
    # largest atom: the sketch's largest pooled weight plus twice the pooled rank error.
    eps_pooled = (n * reference.rank_error + m * current.rank_error) / total
    atom = float(np.max(np.diff(pair.cdf_reference * n + pair.cdf_current * m, prepend=0.0)))
    largest_tie = min(float(total), atom + 2.0 * eps_pooled * total)
    s_max = math.sqrt(nm / 12.0 * (total + 1))
    s_min = math.sqrt(nm / 12.0 * max(0.0, (total + 1) - largest_tie**2 / max(total - 1, 1)))
    z_values = [(dist - 0.5) / s for dist in (near, far) for s in (s_min, s_max) if s > 0.0]

    def p_of(z: float) -> float:
        return min(float(2.0 * special.ndtr(-z)), 1.0)

    p_bounds = (p_of(max(z_values)), 1.0 if s_min == 0.0 else p_of(min(z_values)))
    if min(n, m) <= _MWU_EXACT_MAX_SMALL:
        # The raw test may take scipy's exact p-value here, which the normal bounds do not cover.
        p_bounds = (0.0, 1.0)
    note = (
        f"from quantile sketches: U within ±{delta:.4g} (the AUC U/nm within "
        f"±{reference.rank_error + current.rank_error:.4f})"
    )
    return BoundedResult(result, False, (u_low, u_high), p_bounds, note)


def _unbounded(
    result: StatResult, pair: WeightedPair, reference: Summary, current: Summary
) -> BoundedResult:
    # No bound is derived for these statistics: say so, and bound nothing but what is certain.
    p_bounds: Bounds | None = None
    if result.p_value is not None:
        p_bounds = (0.001, 0.25) if result.method == "anderson" else (0.0, 1.0)
    note = (
        f"estimated from quantile sketches' retained values; no error bound is derived for "
        f"{result.method}, so the raw result may be anywhere in its range"
    )
    return BoundedResult(result, False, (-math.inf, math.inf), p_bounds, note)


# --- binned distances ---------------------------------------------------------------------------


def _reference_edges(
    pair: WeightedPair, reference: Summary
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """For each of the raw method's bin edges (the reference's quantiles at i / bins): values
    below and above it, and bounds on the reference's cumulative share at it."""
    q = np.arange(1, _N_BINS) / _N_BINS
    n = reference.n
    eps = reference.rank_error
    if eps == 0.0:
        edges = pair.reference_quantiles(q)
        share = pair.counts_at_or_below(edges)[0] / n
        return edges, edges, share, share
    # The raw edge is np.quantile's: between order statistics f and f + 1 (0-based),
    # f = floor(q (n - 1)). The data's CDF reaches (f + 2) / n at order statistic f + 1, so
    # any value where the sketch's CDF is at least eps above that is at or above the edge;
    # the data's CDF is below (f + 1) / n strictly below order statistic f.
    f = np.floor(q * (n - 1))
    values, cdf = reference.values, np.cumsum(reference.weights) / n
    # (A margin of 1e-12 keeps float rounding of the running shares on the safe side.)
    above_at = np.searchsorted(cdf, (f + 2) / n + eps + 1e-12, side="left")
    upper = np.where(
        above_at < values.size, values[np.minimum(above_at, values.size - 1)], reference.max
    )
    below_at = np.searchsorted(cdf, (f + 1) / n - eps - 1e-12, side="left") - 1
    lower = np.where(below_at >= 0, values[np.maximum(below_at, 0)], reference.min)
    share_low = (f + 1) / n
    cdf_upper = pair.counts_at_or_below(upper)[0] / n
    share_high = np.minimum(1.0, cdf_upper + eps)
    return lower, upper, share_low, share_high


def _bin_shares(
    cum_low: FloatArray, cum_high: FloatArray, size: int
) -> tuple[FloatArray, FloatArray]:
    """Bounds on each bin's share from bounds on the cumulative shares at the inner edges."""
    low = np.concatenate([[0.0], np.maximum.accumulate(np.clip(cum_low, 0.0, 1.0)), [1.0]])
    high = np.concatenate(
        [[0.0], np.minimum.accumulate(np.clip(cum_high, 0.0, 1.0)[::-1])[::-1], [1.0]]
    )
    share_low = np.maximum(0.0, low[1:] - high[:-1])
    share_high = np.minimum(1.0, high[1:] - low[:-1])
    # Shares are whole counts over the size: below one count, a share is 0.
    share_high = np.where(share_high < 1.0 / size, 0.0, share_high)
    return share_low, share_high


def _binned_bounds(
    result: StatResult, pair: WeightedPair, reference: Summary, current: Summary
) -> BoundedResult:
    lower, upper, ref_low, ref_high = _reference_edges(pair, reference)
    eps_c = current.rank_error
    cur_at_lower = pair.counts_at_or_below(lower)[1] / current.n
    cur_at_upper = pair.counts_at_or_below(upper)[1] / current.n
    p_low, p_high = _bin_shares(ref_low, ref_high, reference.n)
    q_low, q_high = _bin_shares(cur_at_lower - eps_c, cur_at_upper + eps_c, current.n)
    bounds = _share_distance_bounds(
        result.method, (p_low, p_high, reference.n), (q_low, q_high, current.n)
    )
    note = (
        f"from quantile sketches: bin shares bounded by the rank errors "
        f"({_errors(reference, current)}), the distance by interval arithmetic"
    )
    return BoundedResult(result, False, bounds, None, note)


ShareBox = tuple[FloatArray, FloatArray, float]
Term = Callable[[FloatArray, FloatArray], FloatArray]


def _smoothed(low: FloatArray, high: FloatArray, size: float) -> tuple[FloatArray, FloatArray]:
    """The hull of the shares after smoothing (an empty share becomes `SMOOTHING`); a positive
    share is at least one count."""
    positive_low = np.maximum(low, 1.0 / size)
    can_be_empty = low <= 0.0
    new_low = np.where(can_be_empty, np.minimum(SMOOTHING, positive_low), low)
    new_high = np.where(
        high <= 0.0, SMOOTHING, np.where(can_be_empty, np.maximum(high, SMOOTHING), high)
    )
    return new_low, new_high


def _psi_term(p: FloatArray, q: FloatArray) -> FloatArray:
    out: FloatArray = (q - p) * np.log(q / p)
    return out


def _js_term(p: FloatArray, q: FloatArray) -> FloatArray:
    mid = (p + q) / 2.0
    out: FloatArray = (special.rel_entr(p, mid) + special.rel_entr(q, mid)) / 2.0
    return out


def _hellinger_term(p: FloatArray, q: FloatArray) -> FloatArray:
    out: FloatArray = (np.sqrt(p) - np.sqrt(q)) ** 2
    return out


def _tv_term(p: FloatArray, q: FloatArray) -> FloatArray:
    out: FloatArray = np.abs(p - q)
    return out


def _diagonal_term_bounds(
    term: Term, p: tuple[FloatArray, FloatArray], q: tuple[FloatArray, FloatArray]
) -> Bounds:
    """Bounds on sum_j term(p_j, q_j) over the boxes p_j in p, q_j in q, for a term that is
    jointly convex, zero where p = q and growing away from that diagonal in each coordinate:
    its maximum is at a corner, its minimum at the box's point nearest the diagonal."""
    (p_lo, p_hi), (q_lo, q_hi) = p, q
    corners = [term(a, b) for a in (p_lo, p_hi) for b in (q_lo, q_hi)]
    high = float(np.sum(np.maximum.reduce(corners)))
    below, above = p_hi < q_lo, q_hi < p_lo
    near_p = np.where(below, p_hi, p_lo)
    near_q = np.where(below, q_lo, q_hi)
    low = float(np.sum(term(near_p, near_q), where=below | above))
    return max(low, 0.0), high


def _kl_term_bounds(p: tuple[FloatArray, FloatArray], q: tuple[FloatArray, FloatArray]) -> Bounds:
    # p ln(p / q) falls as q grows and is convex in p with its minimum at p = q / e.
    (p_lo, p_hi), (q_lo, q_hi) = p, q
    high = np.maximum(special.rel_entr(p_lo, q_lo), special.rel_entr(p_hi, q_lo))
    p_min = np.clip(q_hi / math.e, p_lo, p_hi)
    low = special.rel_entr(p_min, q_hi)
    return max(float(np.sum(low)), 0.0), float(np.sum(high))


def _share_distance_bounds(method: str, p_box: ShareBox, q_box: ShareBox) -> Bounds:
    """Bounds on a share-based distance (psi, jensen_shannon, kl, hellinger, tv), given bounds on
    every cell's share on both sides and the sides' sizes."""
    p_low, p_high, n = p_box
    q_low, q_high, m = q_box
    if method == "psi":
        return _diagonal_term_bounds(
            _psi_term, _smoothed(p_low, p_high, n), _smoothed(q_low, q_high, m)
        )
    if method == "kl":
        q_s_low, q_s_high = _smoothed(q_low, q_high, m)
        # Smoothed current shares are renormalised when one is empty: divided by at most this.
        return _kl_term_bounds(
            (p_low, p_high), (q_s_low / (1.0 + SMOOTHING * q_low.size), q_s_high)
        )
    if method == "jensen_shannon":
        low, high = _diagonal_term_bounds(_js_term, (p_low, p_high), (q_low, q_high))
        return math.sqrt(low), min(math.sqrt(high), math.sqrt(math.log(2.0)))
    if method == "hellinger":
        low, high = _diagonal_term_bounds(_hellinger_term, (p_low, p_high), (q_low, q_high))
        return math.sqrt(low / 2.0), min(math.sqrt(high / 2.0), 1.0)
    low, high = _diagonal_term_bounds(_tv_term, (p_low, p_high), (q_low, q_high))
    return low / 2.0, min(high / 2.0, 1.0)


_BOUNDS: dict[str, Callable[[StatResult, WeightedPair, Summary, Summary], BoundedResult]] = {
    "ks": _ks_bounds,
    "wasserstein": _integrated_gap_bounds,
    "energy": _integrated_gap_bounds,
    "mann_whitney": _mann_whitney_bounds,
    "cvm": _unbounded,
    "anderson": _unbounded,
    "epps_singleton": _unbounded,
    "psi": _binned_bounds,
    "jensen_shannon": _binned_bounds,
    "kl": _binned_bounds,
    "hellinger": _binned_bounds,
    "tv": _binned_bounds,
}


# --- categorical --------------------------------------------------------------------------------


def summarized_categorical(
    method: str,
    reference_counts: ArrayLike,
    current_counts: ArrayLike,
    *,
    reference_error: float | ArrayLike = 0.0,
    current_error: float | ArrayLike = 0.0,
) -> BoundedResult:
    """Run the categorical ``method`` on aligned counts, each within ``±error`` of the true count
    (0: exact counts, which give exactly the raw method's result). An error is one number for
    every count (a frequent-items sketch's `count_error`) or one per count (say, a larger one
    for a cell that pools the categories a sketch did not report).

    >>> r = summarized_categorical("tv", [500, 300, 200], [400, 300, 300], current_error=10)
    >>> round(r.result.statistic, 3), [round(b, 3) for b in r.statistic_bounds]
    (0.1, [0.086, 0.12])
    """
    run = _CATEGORICAL_EXTRA.get(method) or METHODS[method].categorical
    if run is None:
        names = [name for name, i in METHODS.items() if i.categorical is not None]
        valid = ", ".join(repr(name) for name in [*names, *_CATEGORICAL_EXTRA])
        raise invalid_parameter("summarized_categorical", "method", f"one of {valid}", method)
    ref, cur = aligned_counts(reference_counts, current_counts)
    ref_error = _count_errors("reference_error", reference_error, ref.size)
    cur_error = _count_errors("current_error", current_error, cur.size)
    result = run(ref, cur)
    if not (ref_error.any() or cur_error.any()):
        return _exact(result, "exact: from the profiles' exact category counts")
    ref_box, ref_total = _count_box(ref, ref_error)
    cur_box, cur_total = _count_box(cur, cur_error)
    note = (
        f"from frequent-items sketches: each count within ±{ref_error.max():g} (reference) and "
        f"±{cur_error.max():g} (current)"
    )
    if method in ("psi", "jensen_shannon", "kl", "hellinger", "tv"):
        bounds = _share_distance_bounds(
            method,
            (*_share_box(*ref_box), ref_total[1]),
            (*_share_box(*cur_box), cur_total[1]),
        )
        return BoundedResult(result, False, bounds, None, note)
    if method in ("chi2", "cramers_v") and result.method != "chi2_monte_carlo":
        return _chi2_bounds(result, ref_box, cur_box, ref_total, cur_total, note)
    return _unbounded_categorical(result, method)


# Cramér's V, the effect size of the categorical tests, is no registry method but runs here too.
_CATEGORICAL_EXTRA: dict[str, Callable[[ArrayLike, ArrayLike], StatResult]] = {
    "cramers_v": cramers_v
}


def _count_errors(name: str, error: float | ArrayLike, size: int) -> FloatArray:
    """An error per count, from one number or one per count, checked."""
    errors = np.asarray(error, dtype=np.float64) if _is_numeric(error) else None
    if (
        errors is None
        or errors.ndim > 1
        or (errors.ndim == 1 and errors.size != size)
        or not bool(np.all(np.isfinite(errors)))
        or bool(np.any(errors < 0))
    ):
        expected = f"a finite float >= 0, or {size} of them (one per count)"
        raise invalid_parameter("summarized_categorical", name, expected, error)
    return np.broadcast_to(errors, (size,)).astype(np.float64)


def _is_numeric(value: object) -> bool:
    if isinstance(value, bool | str | bytes):
        return False
    try:
        np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return True


def _count_box(
    counts: FloatArray, error: FloatArray
) -> tuple[tuple[FloatArray, FloatArray], Bounds]:
    low, high = np.maximum(counts - error, 0.0), counts + error
    return (low, high), (float(low.sum()), float(high.sum()))


def _share_box(low: FloatArray, high: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Bounds on each share c_j / sum(c) when every count c_i lies in [low_i, high_i]."""
    total_low, total_high = float(low.sum()), float(high.sum())
    share_low = np.divide(low, low + (total_high - high), out=np.zeros_like(low), where=low > 0)
    share_high = np.divide(
        high, high + (total_low - low), out=np.ones_like(high), where=high + total_low - low > 0
    )
    return share_low, np.minimum(share_high, 1.0)


def _chi2_bounds(
    result: StatResult,
    ref_box: tuple[FloatArray, FloatArray],
    cur_box: tuple[FloatArray, FloatArray],
    ref_total: Bounds,
    cur_total: Bounds,
    note: str,
) -> BoundedResult:
    # chi2 = sum_j (p_j - q_j)^2 / (p_j / m + q_j / n): each term grows with n and m, and is
    # convex, zero where p = q and growing away from it.
    p_low, p_high = _share_box(*ref_box)
    q_low, q_high = _share_box(*cur_box)

    def term_for(n: float, m: float) -> Term:
        def term(p: FloatArray, q: FloatArray) -> FloatArray:
            # A side whose lower total is 0 makes its shares' term 0 (p / 0 is inf): no warning.
            with np.errstate(divide="ignore", invalid="ignore"):
                denominator = p / m + q / n
            out: FloatArray = np.divide(
                (p - q) ** 2, denominator, out=np.zeros_like(p), where=denominator > 0
            )
            return out

        return term

    low = _diagonal_term_bounds(
        term_for(ref_total[0], cur_total[0]), (p_low, p_high), (q_low, q_high)
    )[0]
    high = _diagonal_term_bounds(
        term_for(ref_total[1], cur_total[1]), (p_low, p_high), (q_low, q_high)
    )[1]
    if result.method == "cramers_v":
        total_low, total_high = ref_total[0] + cur_total[0], ref_total[1] + cur_total[1]
        # Counts whose error reaches their size may total 0 at the low end: V may then be 1.
        bounds = (
            math.sqrt(low / total_high) if total_high > 0 else 0.0,
            min(1.0, math.sqrt(high / total_low)) if total_low > 0 else 1.0,
        )
        return BoundedResult(result, False, bounds, None, note)
    # Degrees of freedom: categories used on either side, minus one.
    df_low = max(int(np.count_nonzero((ref_box[0] > 0) | (cur_box[0] > 0))) - 1, 1)
    df_high = max(ref_box[0].size - 1, 1)
    p_bounds = (float(special.chdtrc(df_low, high)), float(special.chdtrc(df_high, low)))
    return BoundedResult(result, False, (low, high), p_bounds, note)


def _unbounded_categorical(result: StatResult, method: str) -> BoundedResult:
    p_bounds = None if result.p_value is None else (0.0, 1.0)
    note = (
        f"estimated from frequent-items counts; no error bound is derived for {method}, so the "
        "raw result may be anywhere in its range"
    )
    return BoundedResult(result, False, (-math.inf, math.inf), p_bounds, note)
