"""Two-sample tests and distances for categorical samples, from aligned category counts.

Every function takes ``reference_counts`` and ``current_counts``: 1-D vectors of equal length k,
one entry per category of the union of both samples, in the same order. A category seen on one
side only has count 0 on the other side. The reference is a sample, never the truth, so the tests
are tests of homogeneity of the 2 x k contingency table, not goodness-of-fit tests.

Categories absent from both samples are ignored by every function.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike
from scipy import special
from scipy import stats as sps

from driftscope._validate import check_choice, check_int
from driftscope.exceptions import ColumnError, invalid_parameter
from driftscope.stats._distances import FloatArray, aligned_counts, shares, smooth, whole_counts
from driftscope.stats._result import StatResult

__all__ = [
    "chi2_homogeneity",
    "cramers_v",
    "fisher_exact",
    "g_test",
    "hellinger_distance",
    "jensen_shannon_distance",
    "kl_divergence",
    "population_stability_index",
    "total_variation_distance",
    "two_proportion_z_test",
]

_CHI2_METHODS = ("auto", "asymptotic", "monte_carlo")
# Cap on the size of one block of Monte Carlo tables (resamples x categories), to bound memory.
_MONTE_CARLO_BLOCK = 2_000_000


def _table(reference_counts: ArrayLike, current_counts: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Both rows of the 2 x k table, without the categories that are empty on both sides."""
    ref, cur = aligned_counts(reference_counts, current_counts)
    used = (ref > 0) | (cur > 0)
    return ref[used], cur[used]


def _expected(ref: FloatArray, cur: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Expected counts of both rows under homogeneity: row total x column share."""
    n, m = ref.sum(), cur.sum()
    column = ref + cur
    total = n + m
    return n * column / total, m * column / total


def _chi2_statistic(ref: FloatArray, cur: FloatArray) -> float:
    exp_ref, exp_cur = _expected(ref, cur)
    return float(np.sum((ref - exp_ref) ** 2 / exp_ref) + np.sum((cur - exp_cur) ** 2 / exp_cur))


def _monte_carlo_p_value(ref: FloatArray, cur: FloatArray, n_resamples: int, seed: int) -> float:
    """Conditional (permutation) p-value of the chi-squared statistic, given both margins.

    Under homogeneity, and given the column totals, the reference row is multivariate
    hypergeometric: ``n`` draws without replacement from the pooled counts. Tables are drawn in
    blocks, with the statistic computed for a whole block at once.
    """
    ref_int = whole_counts(ref, "chi2_homogeneity with Monte Carlo p-values")
    cur_int = whole_counts(cur, "chi2_homogeneity with Monte Carlo p-values")
    column = ref_int + cur_int
    exp_ref, exp_cur = _expected(ref, cur)
    # Either row determines the table, and the deviations of the two rows mirror each other:
    # the statistic is sum((row - E_row)^2 * (1/E_ref + 1/E_cur)). Draw the smaller row.
    weight = 1.0 / exp_ref + 1.0 / exp_cur
    row, expected = (ref, exp_ref) if ref.sum() <= cur.sum() else (cur, exp_cur)
    size = int(row.sum())
    observed = float(np.sum((row - expected) ** 2 * weight))
    # Count ties as "at least as extreme" despite rounding in the last bits.
    bar = observed - 1e-10 * abs(observed) - 1e-12
    # numpy's "count" sampler costs O(drawn items), "marginals" O(categories): take the cheaper.
    sampler: Literal["count", "marginals"] = "count" if size <= 10 * column.size else "marginals"
    rng = np.random.default_rng(seed)
    block = max(1, _MONTE_CARLO_BLOCK // column.size)
    extreme = 0
    for start in range(0, n_resamples, block):
        draws = rng.multivariate_hypergeometric(
            column, size, size=min(block, n_resamples - start), method=sampler
        )
        resampled = np.sum((draws - expected) ** 2 * weight, axis=1)
        extreme += int(np.count_nonzero(resampled >= bar))
    return (1 + extreme) / (1 + n_resamples)


def _needs_monte_carlo(ref: FloatArray, cur: FloatArray) -> bool:
    """Cochran's rule: the chi-squared approximation is poor when expected counts are small."""
    exp_ref, exp_cur = _expected(ref, cur)
    expected = np.concatenate([exp_ref, exp_cur])
    return bool(np.any(expected < 1.0) or np.mean(expected < 5.0) > 0.2)


def chi2_homogeneity(
    reference_counts: ArrayLike,
    current_counts: ArrayLike,
    *,
    method: str = "auto",
    n_resamples: int = 2000,
    seed: int = 0,
) -> StatResult:
    """Pearson's chi-squared test of homogeneity on the 2 x k table of category counts.

    Parameters
    ----------
    reference_counts, current_counts
        Aligned category counts (whole numbers for the Monte Carlo p-value).
    method
        ``"asymptotic"``: p-value from the chi-squared distribution with k - 1 degrees of freedom,
        as ``scipy.stats.chi2_contingency(table, correction=False)``.
        ``"monte_carlo"``: conditional p-value from ``n_resamples`` tables drawn with both margins
        fixed (multivariate hypergeometric), ``(1 + #{resampled >= observed}) / (1 + n_resamples)``;
        valid at any sample size, and seeded.
        ``"auto"`` (default): Monte Carlo when any expected count is below 1 or more than 20% of
        them are below 5 (Cochran's rule), asymptotic otherwise.
    n_resamples
        Number of Monte Carlo tables.
    seed
        Seed of the Monte Carlo draws; the result is deterministic.

    Returns
    -------
    StatResult
        ``method`` is ``"chi2"`` for the asymptotic p-value and ``"chi2_monte_carlo"`` otherwise.
        With a single category in use, the statistic is 0 and the p-value 1.

    >>> r = chi2_homogeneity([30, 50, 20], [20, 50, 30])
    >>> r.method, round(r.statistic, 4), round(r.p_value, 4)
    ('chi2', 4.0, 0.1353)
    >>> chi2_homogeneity([3, 1, 0], [0, 2, 4], seed=0).method
    'chi2_monte_carlo'
    """
    check_choice("chi2_homogeneity", "method", method, _CHI2_METHODS)
    check_int("chi2_homogeneity", "n_resamples", n_resamples, low=1)
    ref, cur = _table(reference_counts, current_counts)
    if ref.size < 2:
        return StatResult("chi2", 0.0, 1.0)
    statistic = _chi2_statistic(ref, cur)
    if method == "monte_carlo" or (method == "auto" and _needs_monte_carlo(ref, cur)):
        return StatResult(
            "chi2_monte_carlo", statistic, _monte_carlo_p_value(ref, cur, n_resamples, seed)
        )
    return StatResult("chi2", statistic, float(special.chdtrc(ref.size - 1, statistic)))


def g_test(reference_counts: ArrayLike, current_counts: ArrayLike) -> StatResult:
    """Log-likelihood ratio (G) test of homogeneity on the 2 x k table of category counts.

    ``G = 2 sum(O ln(O / E))``, with an asymptotic chi-squared p-value on k - 1 degrees of freedom,
    as ``scipy.stats.chi2_contingency(table, lambda_="log-likelihood", correction=False)``.

    >>> r = g_test([30, 50, 20], [20, 50, 30])
    >>> round(r.statistic, 4), round(r.p_value, 4)
    (4.0271, 0.1335)
    """
    ref, cur = _table(reference_counts, current_counts)
    if ref.size < 2:
        return StatResult("g_test", 0.0, 1.0)
    exp_ref, exp_cur = _expected(ref, cur)
    g = 2.0 * float(
        np.sum(special.xlogy(ref, ref / exp_ref)) + np.sum(special.xlogy(cur, cur / exp_cur))
    )
    return StatResult("g_test", g, float(special.chdtrc(ref.size - 1, g)))


def fisher_exact(reference_counts: ArrayLike, current_counts: ArrayLike) -> StatResult:
    """Fisher's exact test on a 2 x 2 table: two categories, two samples.

    The statistic is the sample odds ratio ``(ref[0] * cur[1]) / (ref[1] * cur[0])`` (may be 0,
    inf or NaN when a cell is empty) and the p-value is two-sided, as
    ``scipy.stats.fisher_exact([reference_counts, current_counts])``.

    >>> r = fisher_exact([8, 2], [1, 5])
    >>> round(r.statistic, 4), round(r.p_value, 4)
    (20.0, 0.035)
    """
    ref, cur = aligned_counts(reference_counts, current_counts)
    if ref.size != 2:
        raise ColumnError(
            f"fisher_exact needs exactly two categories (a 2 x 2 table). Got {ref.size}."
        )
    table = np.stack([whole_counts(ref, "fisher_exact"), whole_counts(cur, "fisher_exact")])
    result = sps.fisher_exact(table, alternative="two-sided")
    return StatResult("fisher", float(result.statistic), float(result.pvalue))


def two_proportion_z_test(reference_counts: ArrayLike, current_counts: ArrayLike) -> StatResult:
    """Two-sided two-proportion z-test with the pooled standard error.

    The "success" is the second category (index 1: ``True`` when the categories are
    ``[False, True]``). The statistic is ``(p_current - p_reference) / se`` with
    ``se = sqrt(p (1 - p) (1/n_reference + 1/n_current))`` and ``p`` the pooled success share, so
    it is positive when successes are more frequent in current. Its square is the chi-squared
    statistic of the 2 x 2 table. When every value on both sides is the same category, the
    statistic is 0 and the p-value 1.

    >>> r = two_proportion_z_test([60, 40], [45, 55])
    >>> round(r.statistic, 4), round(r.p_value, 4)
    (2.124, 0.0337)
    """
    ref, cur = aligned_counts(reference_counts, current_counts)
    if ref.size != 2:
        raise ColumnError(f"two_proportion_z_test needs exactly two categories. Got {ref.size}.")
    n, m = ref.sum(), cur.sum()
    pooled = (ref[1] + cur[1]) / (n + m)
    se = math.sqrt(pooled * (1.0 - pooled) * (1.0 / n + 1.0 / m))
    if se == 0.0:
        return StatResult("z_test", 0.0, 1.0)
    z = float((cur[1] / m - ref[1] / n) / se)
    return StatResult("z_test", z, float(2.0 * special.ndtr(-abs(z))))


def cramers_v(reference_counts: ArrayLike, current_counts: ArrayLike) -> StatResult:
    """Cramér's V of the 2 x k table: ``sqrt(chi2 / N)``, an effect size in [0, 1].

    With two rows, ``min(rows, columns) - 1`` is 1, so no further division is needed. It has no
    p-value (see `chi2_homogeneity`).

    >>> round(cramers_v([30, 50, 20], [20, 50, 30]).statistic, 4)
    0.1414
    """
    ref, cur = _table(reference_counts, current_counts)
    if ref.size < 2:
        return StatResult("cramers_v", 0.0)
    total = float(ref.sum() + cur.sum())
    return StatResult("cramers_v", math.sqrt(_chi2_statistic(ref, cur) / total))


def population_stability_index(
    reference_counts: ArrayLike, current_counts: ArrayLike
) -> StatResult:
    """Population stability index: ``sum((q - p) ln(q / p))`` over categories.

    ``p`` and ``q`` are the reference and current shares. An empty share on one side only is
    replaced by 1e-4 (the usual convention) so the logarithm is finite; every term stays
    non-negative. Common reading: below 0.1 stable, 0.1 to 0.2 moderate shift, above 0.2 major.

    >>> round(population_stability_index([50, 30, 20], [40, 30, 30]).statistic, 4)
    0.0629
    """
    p, q = shares(reference_counts, current_counts)
    p, q = smooth(p), smooth(q)
    return StatResult("psi", float(np.sum((q - p) * np.log(q / p))))


def kl_divergence(reference_counts: ArrayLike, current_counts: ArrayLike) -> StatResult:
    """Kullback-Leibler divergence of current from reference, ``KL(reference || current)``.

    In nats. Current shares that are empty where the reference has mass are raised to 1e-4 and
    the current shares renormalised, so the divergence is finite and never negative; identical
    distributions score 0. Not symmetric.

    >>> round(kl_divergence([50, 30, 20], [40, 30, 30]).statistic, 4)
    0.0305
    """
    p, q = shares(reference_counts, current_counts)
    if bool(np.any(q == 0.0)):
        q = smooth(q)
        q /= q.sum()
    # Non-negative by Gibbs' inequality; clip the last-bit rounding of near-identical shares.
    return StatResult("kl", max(float(np.sum(special.rel_entr(p, q))), 0.0))


def jensen_shannon_distance(
    reference_counts: ArrayLike, current_counts: ArrayLike, *, base: float | None = None
) -> StatResult:
    """Jensen-Shannon distance: the square root of the Jensen-Shannon divergence.

    Natural logarithm by default, as ``scipy.spatial.distance.jensenshannon``; with ``base=2`` it
    lies in [0, 1]. Symmetric, and needs no smoothing.

    >>> round(jensen_shannon_distance([50, 30, 20], [40, 30, 30]).statistic, 4)
    0.0884
    """
    if base is not None and (
        isinstance(base, bool) or not isinstance(base, int | float) or base <= 0 or base == 1
    ):
        raise invalid_parameter(
            "jensen_shannon_distance", "base", "None or a float in (0, 1) or (1, inf)", base
        )
    p, q = shares(reference_counts, current_counts)
    mid = (p + q) / 2.0
    divergence = float(np.sum(special.rel_entr(p, mid)) + np.sum(special.rel_entr(q, mid))) / 2.0
    if base is not None:
        divergence /= math.log(base)
    return StatResult("jensen_shannon", math.sqrt(max(divergence, 0.0)))


def hellinger_distance(reference_counts: ArrayLike, current_counts: ArrayLike) -> StatResult:
    """Hellinger distance: ``sqrt(sum((sqrt(p) - sqrt(q))^2) / 2)``, in [0, 1]. Symmetric.

    >>> round(hellinger_distance([50, 30, 20], [40, 30, 30]).statistic, 4)
    0.0885
    """
    p, q = shares(reference_counts, current_counts)
    gap = np.sqrt(p) - np.sqrt(q)
    return StatResult("hellinger", math.sqrt(float(np.dot(gap, gap)) / 2.0))


def total_variation_distance(reference_counts: ArrayLike, current_counts: ArrayLike) -> StatResult:
    """Total variation distance: ``sum(|p - q|) / 2``, the largest gap in the probability of any
    set of categories, in [0, 1]. Symmetric.

    >>> round(total_variation_distance([50, 30, 20], [40, 30, 30]).statistic, 4)
    0.1
    """
    p, q = shares(reference_counts, current_counts)
    return StatResult("tv", float(np.sum(np.abs(p - q))) / 2.0)
