"""Categorical tests and distances on aligned counts, checked against scipy and the formulas."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray
from scipy import stats as sps
from scipy.spatial.distance import cityblock, jensenshannon
from scipy.stats.contingency import association

from driftscope.exceptions import ParameterError
from driftscope.stats import categorical as cat

IntArray = NDArray[np.int64]

RTOL = 1e-9


def close(actual: float | None, expected: float) -> bool:
    assert actual is not None
    return bool(np.isclose(actual, expected, rtol=RTOL, atol=1e-300))


def tables(
    k: int, *, seed: int, scale: int = 200, zero_column: bool = False
) -> tuple[IntArray, IntArray]:
    rng = np.random.default_rng(seed)
    shares = rng.dirichlet(np.ones(k))
    ref = rng.multinomial(scale, shares)
    cur = rng.multinomial(int(scale * 1.5), rng.dirichlet(20 * shares))
    if zero_column:
        ref = np.append(ref, 0)
        cur = np.append(cur, 0)
    return ref, cur


def used(ref: IntArray, cur: IntArray) -> NDArray[np.int64]:
    table = np.stack([ref, cur])
    return table[:, table.sum(axis=0) > 0]


# --- tests of homogeneity ------------------------------------------------------------------------


@pytest.mark.parametrize("k", [2, 3, 5, 12, 40])
@pytest.mark.parametrize("zero_column", [False, True])
def test_chi2_matches_scipy_chi2_contingency(k: int, zero_column: bool) -> None:
    ref, cur = tables(k, seed=k, scale=5000, zero_column=zero_column)
    expected = sps.chi2_contingency(used(ref, cur), correction=False)
    result = cat.chi2_homogeneity(ref, cur, method="asymptotic")
    assert result.method == "chi2"
    assert close(result.statistic, expected.statistic)
    assert close(result.p_value, expected.pvalue)
    # With large expected counts, "auto" is the asymptotic test.
    assert cat.chi2_homogeneity(ref, cur) == result


@pytest.mark.parametrize("k", [2, 3, 5, 12, 40])
def test_g_test_matches_scipy(k: int) -> None:
    ref, cur = tables(k, seed=k + 100, scale=3000, zero_column=True)
    expected = sps.chi2_contingency(used(ref, cur), correction=False, lambda_="log-likelihood")
    result = cat.g_test(ref, cur)
    assert close(result.statistic, expected.statistic)
    assert close(result.p_value, expected.pvalue)


@pytest.mark.parametrize(
    ("ref", "cur"), [([8, 2], [1, 5]), ([30, 20], [25, 25]), ([5, 0], [3, 2]), ([0, 4], [0, 9])]
)
def test_fisher_matches_scipy(ref: list[int], cur: list[int]) -> None:
    expected = sps.fisher_exact([ref, cur])
    result = cat.fisher_exact(ref, cur)
    assert close(result.p_value, expected.pvalue)
    assert result.statistic == expected.statistic or (
        math.isnan(result.statistic) and math.isnan(expected.statistic)
    )


@pytest.mark.parametrize("seed", range(5))
def test_z_test_is_the_square_root_of_the_2x2_chi2(seed: int) -> None:
    ref, cur = tables(2, seed=seed, scale=400)
    expected = sps.chi2_contingency(np.stack([ref, cur]), correction=False)
    result = cat.two_proportion_z_test(ref, cur)
    assert close(result.statistic**2, expected.statistic)
    assert close(result.p_value, expected.pvalue)


def test_z_test_sign_says_where_successes_are_more_frequent() -> None:
    # The success is the second category: 40% in reference, 55% in current.
    assert cat.two_proportion_z_test([60, 40], [45, 55]).statistic > 0
    assert cat.two_proportion_z_test([45, 55], [60, 40]).statistic < 0
    assert cat.two_proportion_z_test([10, 0], [7, 0]) == cat.two_proportion_z_test([0, 3], [0, 9])
    assert cat.two_proportion_z_test([10, 0], [7, 0]).p_value == 1.0


@pytest.mark.parametrize("k", [2, 3, 7])
def test_cramers_v_matches_scipy_association(k: int) -> None:
    ref, cur = tables(k, seed=3 * k, scale=800)
    expected = association(np.stack([ref, cur]), method="cramer", correction=False)
    assert close(cat.cramers_v(ref, cur).statistic, expected)


def test_single_category_in_use_means_no_evidence() -> None:
    for fn in (cat.chi2_homogeneity, cat.g_test):
        result = fn([5, 0, 0], [9, 0, 0])
        assert result.statistic == 0.0
        assert result.p_value == 1.0
    assert cat.cramers_v([5, 0], [9, 0]).statistic == 0.0


# --- the Monte Carlo p-value ----------------------------------------------------------------------


def exact_conditional_p_value(ref: list[int], cur: list[int]) -> float:
    """P(chi2 >= observed) over all tables with the same margins, enumerated."""
    column = np.array(ref) + np.array(cur)
    n = sum(ref)
    observed = cat.chi2_homogeneity(ref, cur, method="asymptotic").statistic
    dist = sps.multivariate_hypergeom(m=column, n=n)
    total = 0.0
    for row in itertools.product(*(range(c + 1) for c in column)):
        if sum(row) != n:
            continue
        r = np.array(row)
        stat = cat.chi2_homogeneity(r, column - r, method="asymptotic").statistic
        if stat >= observed - 1e-9:
            total += float(dist.pmf(r))
    return total


@pytest.mark.parametrize(("ref", "cur"), [([3, 1, 0], [0, 2, 4]), ([4, 2, 1], [1, 3, 5])])
def test_monte_carlo_p_value_matches_the_exact_conditional_p_value(
    ref: list[int], cur: list[int]
) -> None:
    exact = exact_conditional_p_value(ref, cur)
    result = cat.chi2_homogeneity(ref, cur, method="monte_carlo", n_resamples=20_000, seed=1)
    assert result.method == "chi2_monte_carlo"
    assert result.p_value is not None
    # Four binomial standard errors of a 20,000-draw estimate.
    assert abs(result.p_value - exact) < 4 * math.sqrt(exact * (1 - exact) / 20_000) + 1e-4


def test_auto_uses_monte_carlo_exactly_when_cochrans_rule_fails() -> None:
    # Expected counts: one below 1 -> Monte Carlo.
    assert cat.chi2_homogeneity([50, 50, 1], [50, 50, 0]).method == "chi2_monte_carlo"
    # Two of six cells (33%) below 5, none below 1 -> Monte Carlo.
    assert cat.chi2_homogeneity([40, 40, 3], [40, 40, 3]).method == "chi2_monte_carlo"
    # Two of ten cells (20%, not more) below 5, none below 1 -> asymptotic.
    assert cat.chi2_homogeneity([40, 40, 40, 40, 2], [40, 40, 40, 40, 2]).method == "chi2"


def test_monte_carlo_is_seeded_and_add_one() -> None:
    ref, cur = [3, 1, 0, 2], [0, 2, 4, 1]
    a = cat.chi2_homogeneity(ref, cur, seed=5)
    assert a == cat.chi2_homogeneity(ref, cur, seed=5)
    runs = {cat.chi2_homogeneity(ref, cur, seed=s, n_resamples=99).p_value for s in range(10)}
    assert len(runs) > 1  # the seed matters
    for p in runs:
        assert p is not None
        assert math.isclose(p * 100, round(p * 100))  # (1 + hits) / (1 + 99)
        assert p >= 0.01
    # Identical samples: every resampled table is at least as extreme as a perfect fit.
    assert cat.chi2_homogeneity([3, 1, 2], [3, 1, 2], method="monte_carlo").p_value == 1.0


def test_monte_carlo_handles_many_categories_in_blocks() -> None:
    rng = np.random.default_rng(0)
    ref = rng.poisson(0.8, size=5000)
    cur = rng.poisson(0.8, size=5000)
    result = cat.chi2_homogeneity(ref, cur, n_resamples=500)
    assert result.method == "chi2_monte_carlo"
    assert result.p_value is not None
    assert 0.01 < result.p_value <= 1.0


def test_monte_carlo_false_positive_rate_is_nominal() -> None:
    rng = np.random.default_rng(11)
    shares = np.array([0.5, 0.3, 0.1, 0.06, 0.04])
    rejections = 0
    trials = 200
    for seed in range(trials):
        ref, cur = rng.multinomial(40, shares), rng.multinomial(30, shares)
        p = cat.chi2_homogeneity(ref, cur, n_resamples=300, seed=seed).p_value
        assert p is not None
        rejections += p < 0.05
    # Conditional test: size at most 5%; allow binomial noise (sd about 1.5%).
    assert rejections / trials <= 0.09


def test_monte_carlo_needs_whole_counts() -> None:
    with pytest.raises(ValueError, match="whole-number counts"):
        cat.chi2_homogeneity([1.5, 2.0, 3.0], [1.0, 2.0, 0.0], method="monte_carlo")
    # The asymptotic test accepts weights.
    assert cat.chi2_homogeneity([1.5, 20.0], [10.0, 20.0], method="asymptotic").p_value is not None


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"method": "exact"}, "method"),
        ({"n_resamples": 0}, "n_resamples"),
        ({"n_resamples": 10.0}, "n_resamples"),
        ({"n_resamples": True}, "n_resamples"),
    ],
)
def test_chi2_parameters_are_validated(kwargs: dict[str, object], name: str) -> None:
    with pytest.raises(ParameterError, match=f"'{name}' parameter of chi2_homogeneity"):
        cat.chi2_homogeneity([1, 2], [2, 1], **kwargs)  # type: ignore[arg-type]


# --- distances ------------------------------------------------------------------------------------


@pytest.mark.parametrize("k", [2, 3, 8, 30])
@pytest.mark.parametrize("zero_column", [False, True])
def test_distances_match_formulas_and_scipy(k: int, zero_column: bool) -> None:
    ref, cur = tables(k, seed=7 * k, scale=300, zero_column=zero_column)
    cur[0] = 0  # a category missing from current: smoothing must kick in
    p, q = ref / ref.sum(), cur / cur.sum()
    keep = (p > 0) | (q > 0)
    p, q = p[keep], q[keep]
    eps = 1e-4
    ps, qs = np.where(p > 0, p, eps), np.where(q > 0, q, eps)
    assert close(
        cat.population_stability_index(ref, cur).statistic, np.sum((qs - ps) * np.log(qs / ps))
    )
    assert close(cat.kl_divergence(ref, cur).statistic, sps.entropy(p, qs))
    assert close(cat.jensen_shannon_distance(ref, cur).statistic, jensenshannon(p, q))
    assert close(
        cat.jensen_shannon_distance(ref, cur, base=2).statistic, jensenshannon(p, q, base=2)
    )
    assert np.isclose(
        cat.hellinger_distance(ref, cur).statistic, math.sqrt(1 - np.sum(np.sqrt(p * q))), rtol=1e-7
    )
    assert close(cat.total_variation_distance(ref, cur).statistic, np.abs(p - q).sum() / 2)


def test_psi_reference_values() -> None:
    # Hand-computed: (0.4 - 0.5) ln(0.4/0.5) + 0 + (0.3 - 0.2) ln(0.3/0.2).
    expected = -0.1 * math.log(0.8) + 0.1 * math.log(1.5)
    assert close(cat.population_stability_index([50, 30, 20], [40, 30, 30]).statistic, expected)
    # A category present in current only gets a 1e-4 reference share.
    expected = (0.5 - 1.0) * math.log(0.5 / 1.0) + (0.5 - 1e-4) * math.log(0.5 / 1e-4)
    assert close(cat.population_stability_index([10, 0], [5, 5]).statistic, expected)


def test_kl_is_not_symmetric_but_the_others_are() -> None:
    ref, cur = [50, 30, 20], [20, 30, 50, 10]
    ref = [*ref, 0]
    forward, backward = cat.kl_divergence(ref, cur), cat.kl_divergence(cur, ref)
    assert forward != backward
    for fn in (
        cat.population_stability_index,
        cat.jensen_shannon_distance,
        cat.hellinger_distance,
        cat.total_variation_distance,
    ):
        assert close(fn(ref, cur).statistic, fn(cur, ref).statistic)


@pytest.mark.parametrize("bad", [0, 1, -2, True, "2"])
def test_js_base_is_validated(bad: object) -> None:
    with pytest.raises(ParameterError, match="'base' parameter of jensen_shannon_distance"):
        cat.jensen_shannon_distance([1, 2], [2, 1], base=bad)  # type: ignore[arg-type]


counts = st.lists(st.integers(0, 60), min_size=2, max_size=12)


@settings(max_examples=80, deadline=None)
@given(counts, st.data())
def test_properties_on_random_tables(ref_list: list[int], data: st.DataObject) -> None:
    cur_list = data.draw(
        st.lists(st.integers(0, 60), min_size=len(ref_list), max_size=len(ref_list))
    )
    assume(sum(ref_list) > 0 and sum(cur_list) > 0)
    ref, cur = np.array(ref_list), np.array(cur_list)
    table = used(ref, cur)
    if table.shape[1] >= 2:
        expected = sps.chi2_contingency(table, correction=False)
        result = cat.chi2_homogeneity(ref, cur, method="asymptotic")
        assert close(result.statistic + 1.0, expected.statistic + 1.0)
        assert close(result.p_value, expected.pvalue)
    # Bounds and identities of the distances.
    tv = cat.total_variation_distance(ref, cur).statistic
    hellinger = cat.hellinger_distance(ref, cur).statistic
    js2 = cat.jensen_shannon_distance(ref, cur, base=2).statistic
    assert 0.0 <= tv <= 1.0 + 1e-12
    assert 0.0 <= hellinger <= 1.0 + 1e-12
    assert 0.0 <= js2 <= 1.0 + 1e-12
    assert hellinger**2 <= tv + 1e-12  # H^2 <= TV
    assert cat.kl_divergence(ref, cur).statistic >= 0.0
    assert cat.population_stability_index(ref, cur).statistic >= 0.0
    # Unused categories change nothing.
    padded_ref, padded_cur = np.append(ref, [0, 0]), np.append(cur, [0, 0])
    for fn in (cat.g_test, cat.cramers_v, cat.kl_divergence, cat.jensen_shannon_distance):
        assert fn(ref, cur) == fn(padded_ref, padded_cur)


# --- input validation -----------------------------------------------------------------------------

ALL_FUNCTIONS = [
    cat.chi2_homogeneity,
    cat.g_test,
    cat.cramers_v,
    cat.population_stability_index,
    cat.kl_divergence,
    cat.jensen_shannon_distance,
    cat.hellinger_distance,
    cat.total_variation_distance,
]


@pytest.mark.parametrize("fn", ALL_FUNCTIONS, ids=lambda f: f.__name__)
@pytest.mark.parametrize(
    ("ref", "cur", "message"),
    [
        ([1, 2], [1, 2, 3], "aligned over the same categories"),
        ([[1, 2]], [[1, 2]], "1-D vectors"),
        ([], [], "at least one category"),
        ([1, -2], [1, 2], "finite and non-negative"),
        ([1, np.nan], [1, 2], "finite and non-negative"),
        ([0, 0], [1, 2], "reference counts must have a positive total"),
        ([1, 2], [0, 0], "current counts must have a positive total"),
    ],
)
def test_counts_are_validated(fn: object, ref: object, cur: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        fn(ref, cur)  # type: ignore[operator]


@pytest.mark.parametrize("fn", [cat.fisher_exact, cat.two_proportion_z_test])
def test_two_category_tests_reject_other_shapes(fn: object) -> None:
    with pytest.raises(ValueError, match="exactly two categories"):
        fn([1, 2, 3], [3, 2, 1])  # type: ignore[operator]


@pytest.mark.parametrize(("n", "m"), [(1_000, 50_000), (5_000, 2_500), (50_000, 5_000)])
def test_total_variation_depends_on_the_shares_only(n: int, m: int) -> None:
    # The default rule's categorical effect size: one shift, any row counts, one number.
    p = np.array([0.101, 0.3, 0.35, 0.249])
    q = np.array([0.010, 0.33, 0.39, 0.27])
    tv = cat.total_variation_distance(p * n, q * m).statistic
    assert close(tv, cityblock(p, q) / 2)
    assert close(tv, 0.091)
