"""Two-sample tests and distances for numerical samples.

Every function takes a reference and a current sample (any order; finite values only) and returns
a `StatResult`. Every function also accepts a `SortedPair` in place of the two samples, so an
analysis that runs several of them sorts and merges each column once. Functions that need
per-value counts (ranks, ties, bins) read them off the merged ECDFs in time linear in the number
of distinct values.

The binned distances (PSI, Jensen-Shannon, KL, Hellinger, total variation) histogram both samples
on shared bins cut at the reference's quantiles, then call the count-based distance of
`driftscope.stats.categorical`: one implementation per distance.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special
from scipy import stats as sps
from scipy.stats import _stats_py as _scipy_stats_py

from driftscope._validate import check_int
from driftscope.exceptions import ColumnError, EmptyDataError, InputTypeError
from driftscope.stats._ecdf import SortedPair, sorted_quantiles, weighted_quantiles
from driftscope.stats._result import StatResult
from driftscope.stats.categorical import hellinger_distance as _hellinger_counts
from driftscope.stats.categorical import jensen_shannon_distance as _jensen_shannon_counts
from driftscope.stats.categorical import kl_divergence as _kl_counts
from driftscope.stats.categorical import population_stability_index as _psi_counts
from driftscope.stats.categorical import total_variation_distance as _tv_counts

__all__ = [
    "anderson_ksamp",
    "cramervonmises_2samp",
    "energy_distance",
    "epps_singleton",
    "hellinger_distance",
    "jensen_shannon_distance",
    "kl_divergence",
    "ks_2samp",
    "mann_whitney_u",
    "population_stability_index",
    "total_variation_distance",
    "wasserstein_distance",
    "welch_t",
]

FloatArray = NDArray[np.float64]

# scipy's ks_2samp computes the exact null distribution up to this size, asymptotic beyond it.
_KS_EXACT_MAX_N = 10_000
# Beyond these, scipy's kstwo.sf is slow and Stephens' approximation is within 1.2e-5 of it.
_KS_SLOW_Z = 1.4
_KS_STEPHENS_MIN_EN = 100_000


def _pair(reference: ArrayLike | SortedPair, current: ArrayLike | None) -> SortedPair:
    if isinstance(reference, SortedPair):
        return reference
    if current is None:
        raise InputTypeError("Pass either a SortedPair or both a reference and a current sample.")
    return SortedPair.from_samples(reference, current)


def _ks_exact_p(n: int, m: int, d: float) -> float:
    """scipy's exact two-sided p-value, falling back to Smirnov's asymptotic one as scipy does
    when the exact recursion overflows, without the warning scipy gives then.

    The warning cannot be silenced around the call: ``warnings.catch_warnings`` is not
    thread-safe, and the drift analysis tests columns on threads, so a filter set in one thread
    was undone by another and the warning escaped (a test failure under ``-W error``, noise on a
    user's terminal). scipy's exact step is called directly when it is there."""
    attempt = getattr(_scipy_stats_py, "_attempt_exact_2kssamp", None)
    success, d_exact, p = (
        (False, d, 1.0) if attempt is None else attempt(n, m, math.gcd(n, m), d, "two-sided")
    )
    if not success:
        p = sps.kstwo.sf(d_exact, np.round(n * m / (n + m)))
    return float(np.clip(p, 0.0, 1.0))


def ks_2samp(reference: ArrayLike | SortedPair, current: ArrayLike | None = None) -> StatResult:
    """Two-sided two-sample Kolmogorov-Smirnov test.

    The statistic is the largest gap between the two empirical CDFs. The p-value is exact for
    samples of up to 10,000 values and uses Smirnov's asymptotic distribution beyond, as scipy does,
    with one exception for speed: when the effective size ``en = n m / (n + m)`` exceeds 100,000
    and ``sqrt(en) * D > 1.4`` (p below about 0.04), scipy's ``kstwo.sf`` takes up to a second,
    and the p-value is Kolmogorov's limit with Stephens' small-sample correction,
    ``kstwobign.sf(D * (sqrt(en) + 0.12 + 0.11 / sqrt(en)))`` [1]_. It differs from scipy's by
    at most 1.2e-5 at en = 100,000, shrinking as 1/sqrt(en) and as p shrinks.

    References
    ----------
    .. [1] Stephens, M. A. (1970). Use of the Kolmogorov-Smirnov, Cramér-von Mises and related
       statistics without extensive tables. JRSS B 32(1), 115-122.

    >>> rng = np.random.default_rng(0)
    >>> r = ks_2samp(rng.normal(size=500), rng.normal(0.5, size=400))
    >>> round(r.statistic, 3), r.p_value < 0.001
    (0.233, True)
    """
    pair = _pair(reference, current)
    d = pair.ks_and_wasserstein[0]
    return StatResult("ks", d, ks_p_value(d, pair.n_reference, pair.n_current))


def ks_p_value(d: float, n: int, m: int) -> float:
    """The p-value `ks_2samp` gives the statistic ``d`` of samples of sizes ``n`` and ``m``."""
    if max(n, m) <= _KS_EXACT_MAX_N:
        return _ks_exact_p(n, m, d)
    en = float(np.round(n * m / (n + m)))
    root = math.sqrt(en)
    if en > _KS_STEPHENS_MIN_EN and root * d > _KS_SLOW_Z:
        return float(sps.kstwobign.sf(d * (root + 0.12 + 0.11 / root)))
    return float(sps.kstwo.sf(d, en))


def wasserstein_distance(
    reference: ArrayLike | SortedPair, current: ArrayLike | None = None, *, normed: bool = True
) -> StatResult:
    """First Wasserstein (earth mover's) distance between the two empirical distributions.

    With ``normed=True`` (the default) it is divided by the reference's standard deviation, so a
    shift of the whole distribution by 0.1 standard deviations scores 0.1, whatever the unit.
    A constant reference (standard deviation 0) is divided by the standard deviation of both
    samples pooled instead: a column that was always 0 and now varies (a share of digits, say)
    is a change of many pooled deviations, whatever its unit. Only when both samples are one
    and the same constant is the raw distance (0) left.

    >>> round(wasserstein_distance([0.0, 1.0, 3.0], [5.0, 6.0, 8.0], normed=False).statistic, 6)
    5.0
    >>> round(wasserstein_distance([0.0, 0.0, 0.0, 0.0], [0.02, 0.04, 0.02, 0.04]).statistic, 3)
    1.809
    """
    pair = _pair(reference, current)
    distance = pair.ks_and_wasserstein[1]
    method = "wasserstein"
    if normed:
        std = pair.reference_std
        if std == 0 and distance > 0:
            std = pair.pooled_std
        if std > 0:
            distance /= std
            method = "wasserstein_normed"
    return StatResult(method, distance)


def _side_counts(cdf: FloatArray, size: int) -> tuple[FloatArray, FloatArray]:
    cumulative = cdf * size
    np.rint(cumulative, out=cumulative)
    count = np.diff(cumulative, prepend=0.0)
    cumulative -= 0.5 * count
    return count, cumulative


def _counts(pair: SortedPair) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Per distinct pooled value: the reference and current counts at it, and their mid-counts.

    A sample's mid-count at a value is the number of its values strictly below plus half the
    number equal to it; the pooled midrank of a value is the sum of both mid-counts plus 1/2.
    Read off the cached merged ECDFs, so it costs a few passes over the distinct values.
    """
    ref_count, ref_mid = _side_counts(pair.cdf_reference, pair.n_reference)
    cur_count, cur_mid = _side_counts(pair.cdf_current, pair.n_current)
    return ref_count, cur_count, ref_mid, cur_mid


def _has_ties(pair: SortedPair) -> bool:
    return int(pair.values.size) < pair.n_reference + pair.n_current


def _at_least(pair: SortedPair, size: int, owner: str) -> None:
    if pair.n_reference < size or pair.n_current < size:
        raise EmptyDataError(
            f"{owner} needs at least {size} values in each sample. "
            f"Got {pair.n_reference} in reference and {pair.n_current} in current."
        )


# --- Cramér-von Mises ---------------------------------------------------------------------------

# scipy's cramervonmises_2samp computes the exact null distribution up to this size per sample.
_CVM_EXACT_MAX_N = 20
_PI_POW_1_5: float = math.pi**1.5


def _cdf_cvm_inf(x: float) -> float:
    """Limiting CDF of the Cramér-von Mises statistic (Csörgő and Faraway 1996, eq. 1.2).

    The series is the one scipy sums, with the same stopping rule, so p-values agree.
    """
    total = 0.0
    k = 0
    while True:
        u = math.exp(float(special.gammaln(k + 0.5) - special.gammaln(k + 1))) / (
            _PI_POW_1_5 * math.sqrt(x)
        )
        y = 4 * k + 1
        q = y**2 / (16 * x)
        term = u * math.sqrt(y) * math.exp(-q) * float(special.kv(0.25, q))
        total += term
        if abs(term) < 1e-7:
            return total
        k += 1


def cramervonmises_2samp(
    reference: ArrayLike | SortedPair, current: ArrayLike | None = None
) -> StatResult:
    """Two-sample Cramér-von Mises test.

    The statistic ``T = U / (n m (n + m)) - (4 m n - 1) / (6 (m + n))`` (Anderson 1962) measures
    the mean squared gap between the two ECDFs; ties take midranks, as in scipy. The rank sums
    come from the merged ECDFs, one pass over the distinct values. The p-value is exact when both
    samples have at most 20 values, and from Anderson's normalised limiting distribution
    otherwise, as ``scipy.stats.cramervonmises_2samp``. Needs at least 2 values per sample.

    References
    ----------
    .. [1] Anderson, T. W. (1962). On the distribution of the two-sample Cramér-von Mises
       criterion. The Annals of Mathematical Statistics, 33(3), 1148-1159.

    >>> rng = np.random.default_rng(0)
    >>> r = cramervonmises_2samp(rng.normal(size=300), rng.normal(0.3, size=200))
    >>> round(r.statistic, 3), r.p_value < 0.01
    (1.387, True)
    """
    pair = _pair(reference, current)
    _at_least(pair, 2, "cramervonmises_2samp")
    n, m = pair.n_reference, pair.n_current
    a, b, ref_mid, cur_mid = _counts(pair)
    # U = n sum_ref (midrank - rank in reference)^2 + m sum_cur (...)^2. Grouped by distinct
    # value, the reference part is a * cur_mid^2 + a (a^2 - 1) / 12, and mirrored for current.
    u = n * float(np.dot(a, cur_mid * cur_mid)) + m * float(np.dot(b, ref_mid * ref_mid))
    if _has_ties(pair):
        u += (n * float(np.dot(a, a * a - 1.0)) + m * float(np.dot(b, b * b - 1.0))) / 12.0
    k, total = n * m, n + m
    t = u / (k * total) - (4 * k - 1) / (6 * total)
    if max(n, m) <= _CVM_EXACT_MAX_N:
        exact = sps.cramervonmises_2samp(pair.reference, pair.current, method="exact")
        return StatResult("cvm", t, float(exact.pvalue))
    # Normalise T with its exact mean and variance (Anderson 1962, eq. 11, 14, 15).
    et = (1 + 1 / total) / 6
    vt = (total + 1) * (4 * k * total - 3 * (n**2 + m**2) - 2 * k) / (45 * total**2 * 4 * k)
    tn = 1 / 6 + (t - et) / math.sqrt(45 * vt)
    p = 1.0 if tn < 0.003 else max(1.0 - _cdf_cvm_inf(tn), 0.0)
    return StatResult("cvm", t, p)


# --- Anderson-Darling ---------------------------------------------------------------------------

# Scholz and Stephens (1987), Table 2: interpolation of critical values for k = 2 samples.
_AD_SIGNIFICANCE = np.array([0.25, 0.1, 0.05, 0.025, 0.01, 0.005, 0.001])
_AD_CRITICAL = (
    np.array([0.675, 1.281, 1.645, 1.96, 2.326, 2.573, 3.085])
    + np.array([-0.245, 0.25, 0.678, 1.149, 1.822, 2.364, 3.615])
    + np.array([-0.105, -0.305, -0.362, -0.391, -0.396, -0.345, -0.154])
)
_AD_LOG_FIT = np.polyfit(_AD_CRITICAL, np.log(_AD_SIGNIFICANCE), 2)


def anderson_ksamp(
    reference: ArrayLike | SortedPair, current: ArrayLike | None = None
) -> StatResult:
    """Two-sample Anderson-Darling test (Scholz and Stephens 1987), midrank version.

    The midrank statistic ``A2akN`` suits continuous and discrete data; it is computed from the
    merged ECDFs in one pass over the distinct values, then normalised. The p-value is
    interpolated from the tabulated critical values, exactly as
    ``scipy.stats.anderson_ksamp(..., variant="midrank")`` does, so it is **capped to
    [0.001, 0.25]**: 0.25 means "0.25 or more", 0.001 means "0.001 or less". scipy warns when it
    caps; this function does not, since the cap is documented here.

    Needs at least 2 values per sample and at least 2 distinct values in the pooled sample (a
    ValueError otherwise: the statistic is undefined when every value is the same).

    References
    ----------
    .. [1] Scholz, F. W. and Stephens, M. A. (1987). K-sample Anderson-Darling tests. Journal of
       the American Statistical Association, 82(399), 918-924.

    >>> rng = np.random.default_rng(0)
    >>> r = anderson_ksamp(rng.normal(size=300), rng.normal(0.3, size=200))
    >>> round(r.statistic, 3), r.p_value
    (8.273, 0.001)
    """
    pair = _pair(reference, current)
    _at_least(pair, 2, "anderson_ksamp")
    if pair.values.size < 2:
        raise ColumnError(
            "anderson_ksamp needs at least 2 distinct values in the pooled sample. "
            f"Got only {pair.values[0]!r}."
        )
    n, m = pair.n_reference, pair.n_current
    total = n + m
    a, b, ref_mid, cur_mid = _counts(pair)
    tied = a + b
    pooled_mid = ref_mid + cur_mid
    # Scholz and Stephens' eq. 7 sums one term per sample, but with two samples the current term
    # mirrors the reference one: (N M_cur - B m) = -(N M_ref - B n), since M_ref + M_cur = B.
    gap = total * ref_mid - n * pooled_mid
    denominator = pooled_mid * (total - pooled_mid) - 0.25 * total * tied
    a2 = float(np.sum(tied * gap * gap / denominator))
    a2 *= (1.0 / n + 1.0 / m) * (total - 1.0) / total**2
    # Normalise with the exact variance under the null (Scholz and Stephens 1987, eq. 4), using
    # closed forms of the harmonic sums h and g instead of summing N terms.
    k = 2
    h_sum = 1.0 / n + 1.0 / m
    harmonic = float(special.digamma(total + 1.0)) + np.euler_gamma
    h = harmonic - 1.0 / total
    g = (np.pi**2 / 6.0 - float(special.polygamma(1, total + 1.0))) - (
        2.0 * harmonic - 1.0 / total
    ) / total
    ca = (4 * g - 6) * (k - 1) + (10 - 6 * g) * h_sum
    cb = (2 * g - 4) * k**2 + 8 * h * k + (2 * g - 14 * h - 4) * h_sum - 8 * h + 4 * g - 6
    cc = (6 * h + 2 * g - 2) * k**2 + (4 * h - 4 * g + 6) * k + (2 * h - 6) * h_sum + 4 * h
    cd = (2 * h + 6) * k**2 - 4 * h * k
    sigma_sq = (ca * total**3 + cb * total**2 + cc * total + cd) / (
        (total - 1.0) * (total - 2.0) * (total - 3.0)
    )
    statistic = (a2 - (k - 1)) / math.sqrt(sigma_sq)
    if statistic < _AD_CRITICAL.min():
        p = float(_AD_SIGNIFICANCE.max())
    elif statistic > _AD_CRITICAL.max():
        p = float(_AD_SIGNIFICANCE.min())
    else:
        p = math.exp(float(np.polyval(_AD_LOG_FIT, statistic)))
    return StatResult("anderson", statistic, p)


# --- Mann-Whitney U -----------------------------------------------------------------------------

# scipy computes the exact null distribution when a sample has at most 8 values and there are no
# ties. Its cost grows with the product of the sizes, so above this size of the larger sample the
# normal approximation is used instead (it is excellent there).
_MWU_EXACT_MAX_SMALL = 8
_MWU_EXACT_MAX_LARGE = 1000


def mann_whitney_u(
    reference: ArrayLike | SortedPair, current: ArrayLike | None = None
) -> StatResult:
    """Two-sided Mann-Whitney U (Wilcoxon rank-sum) test.

    The statistic is U of the reference, ``R_reference - n (n + 1) / 2`` with midranks for ties
    (so ``U_current = n m - U_reference``); rank sums come from the merged ECDFs. The p-value uses
    the normal approximation with tie and continuity corrections, as
    ``scipy.stats.mannwhitneyu``; when one sample has at most 8 values, there are no ties and the
    other sample has at most 1,000 values, it is exact (scipy's rule, capped in size to stay
    cheap). When every value is the same, the p-value is 1.

    >>> rng = np.random.default_rng(0)
    >>> r = mann_whitney_u(rng.normal(size=300), rng.normal(0.3, size=200))
    >>> round(r.statistic), r.p_value < 0.01
    (24087, True)
    """
    pair = _pair(reference, current)
    n, m = pair.n_reference, pair.n_current
    a, b, ref_mid, cur_mid = _counts(pair)
    # The pooled midrank of a value is ref_mid + cur_mid + 1/2.
    u1 = float(np.dot(a, ref_mid + cur_mid)) + n / 2.0 - n * (n + 1) / 2.0
    no_ties = not _has_ties(pair)
    if no_ties and min(n, m) <= _MWU_EXACT_MAX_SMALL and max(n, m) <= _MWU_EXACT_MAX_LARGE:
        exact = sps.mannwhitneyu(pair.reference, pair.current, method="exact")
        return StatResult("mann_whitney", u1, float(exact.pvalue))
    total = n + m
    u = max(u1, n * m - u1)
    tied = a + b
    tie_term = 0.0 if no_ties else float(np.dot(tied, tied * tied - 1.0))
    s = math.sqrt(n * m / 12.0 * ((total + 1) - tie_term / (total * (total - 1))))
    if s == 0.0:
        return StatResult("mann_whitney", u1, 1.0)
    z = (u - n * m / 2.0 - 0.5) / s
    return StatResult("mann_whitney", u1, min(float(2.0 * special.ndtr(-z)), 1.0))


# --- Welch's t ----------------------------------------------------------------------------------


def welch_t(reference: ArrayLike | SortedPair, current: ArrayLike | None = None) -> StatResult:
    """Welch's unequal-variances t-test of equal means, two-sided.

    The statistic is ``(mean_reference - mean_current) / se`` with Welch-Satterthwaite degrees of
    freedom, as ``scipy.stats.ttest_ind(reference, current, equal_var=False)``. Needs at least 2
    values per sample. When both samples are constant, the statistic is 0 with p-value 1 if the
    means are equal, and +-inf with p-value 0 otherwise (scipy returns NaN).

    >>> rng = np.random.default_rng(0)
    >>> r = welch_t(rng.normal(size=300), rng.normal(0.3, size=200))
    >>> round(r.statistic, 3), r.p_value < 0.01
    (-3.483, True)
    """
    pair = _pair(reference, current)
    _at_least(pair, 2, "welch_t")
    return welch_t_from_moments(
        (pair.n_reference, float(np.mean(pair.reference)), float(np.var(pair.reference, ddof=1))),
        (pair.n_current, float(np.mean(pair.current)), float(np.var(pair.current, ddof=1))),
    )


def welch_t_from_moments(
    reference: tuple[int, float, float], current: tuple[int, float, float]
) -> StatResult:
    """`welch_t` from each sample's ``(size, mean, sample variance)`` (ddof=1, sizes >= 2)."""
    (n, mean_ref, var_ref), (m, mean_cur, var_cur) = reference, current
    vn_ref = var_ref / n
    vn_cur = var_cur / m
    se_sq = vn_ref + vn_cur
    diff = mean_ref - mean_cur
    if se_sq == 0.0:
        if diff == 0.0:
            return StatResult("welch_t", 0.0, 1.0)
        return StatResult("welch_t", math.copysign(math.inf, diff), 0.0)
    df = se_sq**2 / (vn_ref**2 / (n - 1) + vn_cur**2 / (m - 1))
    t = diff / math.sqrt(se_sq)
    return StatResult("welch_t", t, float(2.0 * special.stdtr(df, -abs(t))))


# --- Epps-Singleton -----------------------------------------------------------------------------

_ES_MIN_N = 5
# Distinct values per block when summing characteristic-function terms: blocks stay in cache.
_ES_BLOCK = 1 << 16


def _trig_moments(values: FloatArray, weights: FloatArray | None, scale: float) -> FloatArray:
    """Sums of cos(j t x) and sin(j t x) for j = 1..4, unweighted or per column of ``weights``.

    Only cos(t x) and sin(t x) are evaluated; the multiple angles follow from them exactly.
    Returns an (8, w) array, w = 1 without weights: rows cos 1..4, then sin 1..4.
    """
    sums = np.zeros((8, 1 if weights is None else weights.shape[1]))
    block = np.empty((8, min(_ES_BLOCK, values.size)))
    for start in range(0, values.size, _ES_BLOCK):
        angle = scale * values[start : start + _ES_BLOCK]
        rows = block[:, : angle.size]
        c1, c2, c3, c4, s1, s2, s3, s4 = rows
        np.cos(angle, out=c1)
        np.sin(angle, out=s1)
        np.multiply(s1, s1, out=c2)
        c2 *= -2.0
        c2 += 1.0
        np.multiply(s1, c1, out=s2)
        s2 *= 2.0
        np.multiply(c2, 2.0, out=c3)
        c3 -= 1.0
        c3 *= c1
        np.multiply(c2, 2.0, out=s3)
        s3 += 1.0
        s3 *= s1
        np.multiply(s2, s2, out=c4)
        c4 *= -2.0
        c4 += 1.0
        np.multiply(s2, c2, out=s4)
        s4 *= 2.0
        if weights is None:
            sums[:, 0] += rows.sum(axis=1)
        else:
            sums += rows @ weights[start : start + _ES_BLOCK]
    return sums


def _es_moments(c: FloatArray, s: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Mean and (biased) covariance of (cos t x, cos 2t x, sin t x, sin 2t x) from the means
    ``c[j-1] = E cos(j t x)``, ``s[j-1] = E sin(j t x)``, by product-to-sum identities."""
    mean = np.array([c[0], c[1], s[0], s[1]])
    second = 0.5 * np.array(
        [
            [1.0 + c[1], c[0] + c[2], s[1], s[2] + s[0]],
            [c[0] + c[2], 1.0 + c[3], s[2] - s[0], s[3]],
            [s[1], s[2] - s[0], 1.0 - c[1], c[0] - c[2]],
            [s[2] + s[0], s[3], c[0] - c[2], 1.0 - c[3]],
        ]
    )
    return mean, second - np.outer(mean, mean)


def epps_singleton(
    reference: ArrayLike | SortedPair, current: ArrayLike | None = None
) -> StatResult:
    """Epps-Singleton test, comparing the empirical characteristic functions of the samples.

    Evaluated at ``t = (0.4, 0.8)`` scaled by the pooled semi-interquartile range, as
    ``scipy.stats.epps_singleton_2samp`` with its defaults, including the small-sample correction
    when both samples have fewer than 25 values. It works on discrete data too. Cosines and sines
    are evaluated once per distinct pooled value and weighted by each sample's counts; the
    covariance follows from the means of cos and sin at 1 to 4 times each frequency.

    Needs at least 5 values per sample and a positive pooled interquartile range; a ValueError
    says which is missing. When the estimated covariance is rank-deficient (few distinct values),
    its rank is used as the degrees of freedom, as scipy does (scipy also warns; this does not).

    References
    ----------
    .. [1] Epps, T. W. and Singleton, K. J. (1986). An omnibus test for the two-sample problem
       using the empirical characteristic function. Journal of Statistical Computation and
       Simulation, 26(3-4), 177-203.

    >>> rng = np.random.default_rng(0)
    >>> r = epps_singleton(rng.normal(size=300), rng.normal(0.3, size=200))
    >>> round(r.statistic, 3), r.p_value < 0.01
    (18.834, True)
    """
    pair = _pair(reference, current)
    _at_least(pair, _ES_MIN_N, "epps_singleton")
    n, m = pair.n_reference, pair.n_current
    total = n + m
    quartiles = np.array([0.25, 0.75])
    if _has_ties(pair):
        a, b, ref_mid, cur_mid = _counts(pair)
        q25, q75 = weighted_quantiles(pair.values, ref_mid + cur_mid + 0.5 * (a + b), quartiles)
    else:
        q25, q75 = sorted_quantiles(pair.values, quartiles)
    sigma = (q75 - q25) / 2.0
    if not sigma > 0.0:
        raise ColumnError(
            "epps_singleton needs a pooled sample with a positive interquartile range. "
            f"Got an interquartile range of 0 (both quartiles are {float(q25)!r})."
        )
    scale = 0.4 / sigma
    if _has_ties(pair):
        # Evaluate each distinct value once, weighted by its count in each sample.
        sums = _trig_moments(pair.values, np.stack([a, b], axis=1), scale)
    else:
        sums = np.hstack(
            [_trig_moments(pair.reference, None, scale), _trig_moments(pair.current, None, scale)]
        )
    mean_ref, cov_ref = _es_moments(sums[:4, 0] / n, sums[4:, 0] / n)
    mean_cur, cov_cur = _es_moments(sums[:4, 1] / m, sums[4:, 1] / m)
    est_cov = (total / n) * cov_ref + (total / m) * cov_cur
    est_cov_inv = np.linalg.pinv(est_cov)
    rank = int(np.linalg.matrix_rank(est_cov_inv))
    diff = mean_ref - mean_cur
    w = total * float(diff @ est_cov_inv @ diff)
    if max(n, m) < 25:
        w *= 1.0 / (1.0 + total**-0.45 + 10.1 * (n**-1.7 + m**-1.7))
    return StatResult("epps_singleton", w, float(special.chdtrc(rank, w)))


# --- Energy distance ----------------------------------------------------------------------------


def energy_distance(
    reference: ArrayLike | SortedPair, current: ArrayLike | None = None, *, normed: bool = True
) -> StatResult:
    """Energy distance between the two empirical distributions.

    ``sqrt(2 E|X - Y| - E|X - X'| - E|Y - Y'|)``, computed as ``sqrt(2 * integral (F - G)^2)`` on
    the merged ECDFs in one pass, as ``scipy.stats.energy_distance``.

    With ``normed=True`` (the default) it is the energy distance of both samples divided by the
    reference's standard deviation, which is the raw distance divided by the *square root* of that
    standard deviation (the energy distance grows as the square root of the scale). A shift of the
    whole distribution by d standard deviations of a normal reference then scores about
    0.75 d. A constant reference (standard deviation 0) falls back to the raw distance.

    >>> round(energy_distance([0.0, 1.0, 3.0], [5.0, 6.0, 8.0], normed=False).statistic, 6)
    2.708013
    """
    pair = _pair(reference, current)
    gaps = np.diff(pair.values)
    gap_cdf = (pair.cdf_reference - pair.cdf_current)[:-1]
    distance = math.sqrt(2.0 * float(np.dot(gap_cdf * gap_cdf, gaps)))
    method = "energy"
    if normed:
        std = pair.reference_std
        if std > 0:
            distance /= math.sqrt(std)
            method = "energy_normed"
    return StatResult(method, distance)


# --- Binned distances ---------------------------------------------------------------------------


def _binned_counts(pair: SortedPair, n_bins: int, owner: str) -> tuple[FloatArray, FloatArray]:
    """Counts of both samples on bins cut at the reference's quantiles.

    Edges are the reference quantiles at 1/n_bins, ..., (n_bins - 1)/n_bins, deduplicated (heavy
    ties merge bins); the outer edges are -inf and +inf, so every current value falls in a bin.
    Bins are closed on the right: (e_i, e_i+1]. Counting is one binary search per edge.
    """
    check_int(owner, "n_bins", n_bins, low=2)
    edges = np.unique(pair.reference_quantiles(np.arange(1, n_bins) / n_bins))
    ref_cum, cur_cum = pair.counts_at_or_below(edges)
    return (
        np.diff(ref_cum, prepend=0, append=pair.n_reference),
        np.diff(cur_cum, prepend=0, append=pair.n_current),
    )


def population_stability_index(
    reference: ArrayLike | SortedPair, current: ArrayLike | None = None, *, n_bins: int = 10
) -> StatResult:
    """Population stability index on reference-quantile bins.

    Both samples are counted on ``n_bins`` bins cut at the reference's quantiles (equal reference
    shares; edges merged under heavy ties; open outer bins), then scored by
    `driftscope.stats.categorical.population_stability_index` (empty bins get a 1e-4 share).

    >>> rng = np.random.default_rng(0)
    >>> r = population_stability_index(rng.normal(size=5000), rng.normal(0.3, size=5000))
    >>> round(r.statistic, 3)
    0.108
    """
    return _psi_counts(
        *_binned_counts(_pair(reference, current), n_bins, "population_stability_index")
    )


def jensen_shannon_distance(
    reference: ArrayLike | SortedPair,
    current: ArrayLike | None = None,
    *,
    n_bins: int = 10,
    base: float | None = None,
) -> StatResult:
    """Jensen-Shannon distance on reference-quantile bins (natural log unless ``base`` is set).

    Bins as in `population_stability_index`; scored by
    `driftscope.stats.categorical.jensen_shannon_distance`.

    >>> rng = np.random.default_rng(0)
    >>> r = jensen_shannon_distance(rng.normal(size=5000), rng.normal(0.3, size=5000))
    >>> round(r.statistic, 3)
    0.115
    """
    pair = _pair(reference, current)
    return _jensen_shannon_counts(
        *_binned_counts(pair, n_bins, "jensen_shannon_distance"), base=base
    )


def kl_divergence(
    reference: ArrayLike | SortedPair, current: ArrayLike | None = None, *, n_bins: int = 10
) -> StatResult:
    """Kullback-Leibler divergence ``KL(reference || current)`` on reference-quantile bins.

    Bins as in `population_stability_index`; scored by
    `driftscope.stats.categorical.kl_divergence` (smoothed, in nats).

    >>> rng = np.random.default_rng(0)
    >>> r = kl_divergence(rng.normal(size=5000), rng.normal(0.3, size=5000))
    >>> round(r.statistic, 3)
    0.054
    """
    return _kl_counts(*_binned_counts(_pair(reference, current), n_bins, "kl_divergence"))


def hellinger_distance(
    reference: ArrayLike | SortedPair, current: ArrayLike | None = None, *, n_bins: int = 10
) -> StatResult:
    """Hellinger distance on reference-quantile bins, in [0, 1].

    Bins as in `population_stability_index`; scored by
    `driftscope.stats.categorical.hellinger_distance`.

    >>> rng = np.random.default_rng(0)
    >>> r = hellinger_distance(rng.normal(size=5000), rng.normal(0.3, size=5000))
    >>> round(r.statistic, 3)
    0.116
    """
    return _hellinger_counts(
        *_binned_counts(_pair(reference, current), n_bins, "hellinger_distance")
    )


def total_variation_distance(
    reference: ArrayLike | SortedPair, current: ArrayLike | None = None, *, n_bins: int = 10
) -> StatResult:
    """Total variation distance on reference-quantile bins, in [0, 1].

    Bins as in `population_stability_index`; scored by
    `driftscope.stats.categorical.total_variation_distance`. On bins, it is a lower bound of the
    total variation between the underlying distributions.

    >>> rng = np.random.default_rng(0)
    >>> r = total_variation_distance(rng.normal(size=5000), rng.normal(0.3, size=5000))
    >>> round(r.statistic, 3)
    0.143
    """
    pair = _pair(reference, current)
    return _tv_counts(*_binned_counts(pair, n_bins, "total_variation_distance"))
