"""Methods from summaries: exact summaries give the raw results; sketched ones bound them."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray
from scipy import stats as sps

from driftscope.analyses.profiled import summary_of
from driftscope.exceptions import ColumnError, EmptyDataError, ParameterError
from driftscope.profiles import NumericalProfile
from driftscope.profiles._settings import ProfileSettings
from driftscope.stats import METHODS, SortedPair, cramers_v
from driftscope.stats.summarized import (
    BoundedResult,
    Summary,
    summarized_categorical,
    summarized_numerical,
)

NUMERICAL = sorted(name for name, info in METHODS.items() if info.numerical is not None)
RAW_CATEGORICAL = {
    name: info.categorical for name, info in METHODS.items() if info.categorical is not None
} | {"cramers_v": cramers_v}
CATEGORICAL = sorted(RAW_CATEGORICAL)
# Methods whose sketched result carries a derived bound (the others say they have none).
BOUNDED = ["energy", "hellinger", "jensen_shannon", "kl", "ks", "mann_whitney", "psi", "tv"]
BOUNDED += ["wasserstein"]


def close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def tied_samples(n: int, m: int, seed: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    rng = np.random.default_rng(seed)
    return np.round(rng.normal(size=n), 1), np.round(rng.normal(0.2, 1.2, size=m), 1)


def sketched(x: NDArray[np.float64], k: int) -> Summary:
    """The summary a profile gives when it keeps only its KLL sketch."""
    return summary_of(
        NumericalProfile.from_values(x, settings=ProfileSettings(quantile_k=k, max_exact_values=0))
    )


# --- exact summaries: the raw results ----------------------------------------------------------


@pytest.mark.parametrize("method", NUMERICAL)
@pytest.mark.parametrize(("n", "m"), [(7, 12), (18, 15), (400, 300), (30_000, 20_000)])
def test_exact_summaries_give_the_raw_result(method: str, n: int, m: int) -> None:
    # Ties everywhere (values rounded to 0.1); the small sizes take the exact p-value paths.
    ref, cur = tied_samples(n, m, seed=n)
    raw = METHODS[method].numerical(SortedPair.from_samples(ref, cur))  # type: ignore[misc]
    got = summarized_numerical(method, Summary.of(ref), Summary.of(cur))
    assert got.exact
    assert got.result.method == raw.method
    assert close(got.result.statistic, raw.statistic)
    assert close(got.result.p_value, raw.p_value)
    assert got.statistic_bounds == (got.result.statistic, got.result.statistic)


def test_exact_summaries_agree_with_scipy() -> None:
    ref, cur = tied_samples(3000, 2000, seed=5)
    r, c = Summary.of(ref), Summary.of(cur)
    ks = summarized_numerical("ks", r, c).result
    assert close(ks.statistic, sps.ks_2samp(ref, cur).statistic)
    assert close(ks.p_value, sps.ks_2samp(ref, cur).pvalue)
    mw = summarized_numerical("mann_whitney", r, c).result
    assert close(mw.p_value, sps.mannwhitneyu(ref, cur).pvalue)
    cvm = summarized_numerical("cvm", r, c).result
    assert close(cvm.statistic, sps.cramervonmises_2samp(ref, cur).statistic)
    welch = summarized_numerical("welch_t", r, c).result
    assert close(welch.statistic, sps.ttest_ind(ref, cur, equal_var=False).statistic)
    w = summarized_numerical("wasserstein", r, c).result
    assert close(w.statistic, sps.wasserstein_distance(ref, cur) / np.std(ref))
    e = summarized_numerical("energy", r, c).result
    assert close(e.statistic, sps.energy_distance(ref, cur) / math.sqrt(np.std(ref)))


def test_exact_profiles_give_the_raw_result() -> None:
    ref, cur = tied_samples(5000, 4000, seed=9)
    r = sketched(ref, 200)
    profile = NumericalProfile.from_values(ref)
    values, weights = profile.distribution()
    exact = Summary(
        values, weights, profile.count, profile.rank_error, profile.mean, profile.variance,
        float(ref.min()), float(ref.max()),
    )  # fmt: skip
    assert not r.exact
    assert exact.exact
    got = summarized_numerical("ks", exact, Summary.of(cur))
    assert got.result == METHODS["ks"].numerical(SortedPair.from_samples(ref, cur))  # type: ignore[misc]


def test_welch_t_is_exact_even_from_sketches() -> None:
    ref, cur = tied_samples(20_000, 10_000, seed=2)
    got = summarized_numerical("welch_t", sketched(ref, 16), sketched(cur, 16))
    expected = sps.ttest_ind(ref, cur, equal_var=False)
    assert got.exact
    assert close(got.result.statistic, expected.statistic)
    assert close(got.result.p_value, expected.pvalue)


# --- sketched summaries: the raw result within the bounds ---------------------------------------


def contains(bounds: tuple[float, float] | None, value: float | None, slack: float = 1e-9) -> bool:
    if bounds is None or value is None:
        return bounds is None and value is None
    low, high = bounds
    return low - slack * (1 + abs(low)) <= value <= high + slack * (1 + abs(high))


@pytest.mark.parametrize("method", NUMERICAL)
def test_sketched_bounds_contain_the_raw_result(method: str) -> None:
    rng = np.random.default_rng(11)
    ref, cur = rng.normal(size=60_000), rng.gamma(4.0, 0.5, size=40_000)
    got = summarized_numerical(method, sketched(ref, 32), sketched(cur, 32))
    raw = METHODS[method].numerical(SortedPair.from_samples(ref, cur))  # type: ignore[misc]
    assert got.exact is (method == "welch_t")
    assert contains(got.statistic_bounds, raw.statistic)
    assert contains(got.p_value_bounds, raw.p_value)
    assert got.note
    if method in BOUNDED:
        low, high = got.statistic_bounds
        assert math.isfinite(low)
        assert math.isfinite(high)
        assert low <= got.result.statistic <= high
        assert "within" in got.note or "interval" in got.note
    elif method != "welch_t":
        assert "no error bound" in got.note


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(300, 3000),
    m=st.integers(300, 3000),
    shift=st.sampled_from([0.0, 0.1, 0.5]),
    ties=st.booleans(),
    k=st.sampled_from([8, 16]),
    exact_side=st.sampled_from([None, "reference", "current"]),
)
def test_bounds_hold_on_small_sketched_samples(
    seed: int, n: int, m: int, shift: float, ties: bool, k: int, exact_side: str | None
) -> None:
    rng = np.random.default_rng(seed)
    ref, cur = rng.normal(size=n), rng.normal(shift, 1.0, size=m)
    if ties:
        ref, cur = np.round(ref, 1), np.round(cur, 1)
    r = Summary.of(ref) if exact_side == "reference" else sketched(ref, k)
    c = Summary.of(cur) if exact_side == "current" else sketched(cur, k)
    pair = SortedPair.from_samples(ref, cur)
    for method in BOUNDED:
        raw = METHODS[method].numerical(pair)  # type: ignore[misc]
        got = summarized_numerical(method, r, c)
        assert contains(got.statistic_bounds, raw.statistic), method
        assert contains(got.p_value_bounds, raw.p_value), method


def test_ks_bound_is_the_sum_of_rank_errors() -> None:
    rng = np.random.default_rng(3)
    r, c = sketched(rng.normal(size=50_000), 64), sketched(rng.normal(size=50_000), 64)
    got = summarized_numerical("ks", r, c)
    low, high = got.statistic_bounds
    assert high - got.result.statistic == pytest.approx(r.rank_error + c.rank_error)
    assert low == max(0.0, got.result.statistic - r.rank_error - c.rank_error)
    assert f"±{r.rank_error + c.rank_error:.4f}" in got.note


def test_decision_is_undecided_when_the_bounds_straddle_the_threshold() -> None:
    info = METHODS["ks"]
    result = summarized_numerical("ks", Summary.of([1.0, 2.0]), Summary.of([1.0, 2.0])).result
    assert BoundedResult(result, False, (0.0, 0.1), (0.01, 0.2)).decision(info) is None
    assert BoundedResult(result, False, (0.0, 0.1), (0.01, 0.04)).decision(info) is True
    assert BoundedResult(result, False, (0.0, 0.1), (0.05, 0.9)).decision(info) is False
    exact = summarized_numerical("ks", Summary.of([1.0, 2.0, 3.0]), Summary.of([7.0, 8.0, 9.0]))
    assert exact.decision(info) is info.drifted(exact.result) is False
    tv = METHODS["tv"]
    assert BoundedResult(result, False, (0.05, 0.2), None).decision(tv) is None
    assert BoundedResult(result, False, (0.1, 0.2), None).decision(tv) is True
    assert BoundedResult(result, False, (0.0, 0.09), None).decision(tv, threshold=0.1) is False


# --- categorical --------------------------------------------------------------------------------


@pytest.mark.parametrize("method", CATEGORICAL)
def test_exact_counts_give_the_raw_result(method: str) -> None:
    ref, cur = [120, 80], [90, 110]
    if method not in ("fisher", "z_test"):
        ref, cur = [120, 80, 0, 40], [90, 110, 5, 30]
    raw = RAW_CATEGORICAL[method](ref, cur)
    got = summarized_categorical(method, ref, cur)
    assert got.exact
    assert got.result == raw
    assert got.statistic_bounds == (raw.statistic, raw.statistic)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    k=st.integers(2, 30),
    error=st.integers(1, 40),
    method=st.sampled_from(["chi2", "cramers_v", "psi", "jensen_shannon", "kl", "hellinger", "tv"]),
)
def test_count_errors_bound_the_raw_result(seed: int, k: int, error: int, method: str) -> None:
    rng = np.random.default_rng(seed)
    true_ref = rng.integers(0, 400, size=k) + 50
    true_cur = rng.integers(0, 400, size=k) + 50
    # What a frequent-items sketch reports: each count within its error.
    seen_ref = np.maximum(true_ref + rng.integers(-error, error + 1, size=k), 0)
    seen_cur = np.maximum(true_cur + rng.integers(-error, error + 1, size=k), 0)
    raw = RAW_CATEGORICAL[method](true_ref, true_cur)
    got = summarized_categorical(
        method, seen_ref, seen_cur, reference_error=error, current_error=error
    )
    assert not got.exact
    assert contains(got.statistic_bounds, raw.statistic)
    assert contains(got.p_value_bounds, raw.p_value)


def test_per_count_errors_bound_a_pooled_cell() -> None:
    # Categories a sketch did not report pooled in a last cell, whose count errs by more.
    true_ref, true_cur = np.array([5000, 3000, 1500, 500]), np.array([4000, 3500, 1500, 1000])
    seen_ref = true_ref + np.array([20, -20, 20, -60])
    seen_cur = true_cur + np.array([-20, 20, 20, -60])
    errors = [20, 20, 20, 60]
    for method in ("chi2", "tv", "psi"):
        raw = RAW_CATEGORICAL[method](true_ref, true_cur)
        got = summarized_categorical(
            method, seen_ref, seen_cur, reference_error=errors, current_error=errors
        )
        assert contains(got.statistic_bounds, raw.statistic)
        assert contains(got.p_value_bounds, raw.p_value)


def test_count_errors_as_large_as_the_counts_give_the_widest_bounds() -> None:
    # Each side's total may be 0 at the low end: chi2 may be 0, Cramer's V anything in [0, 1].
    ref, cur = [300, 200], [100, 400]
    raw = cramers_v(ref, cur).statistic
    for error in (250.0, 500.0):
        chi2 = summarized_categorical("chi2", ref, cur, reference_error=error, current_error=error)
        v = summarized_categorical(
            "cramers_v", ref, cur, reference_error=error, current_error=error
        )
        assert chi2.statistic_bounds[0] == 0.0
        assert v.statistic_bounds[0] <= raw <= v.statistic_bounds[1] == 1.0


def test_categorical_methods_without_a_bound_say_so() -> None:
    got = summarized_categorical("g_test", [500, 300, 200], [400, 300, 300], current_error=5)
    assert got.p_value_bounds == (0.0, 1.0)
    assert "no error bound" in got.note


# --- bad input ----------------------------------------------------------------------------------


def test_unknown_and_misplaced_methods_are_refused() -> None:
    s = Summary.of([1.0, 2.0, 3.0])
    with pytest.raises(ParameterError, match="'kolmogorov'"):
        summarized_numerical("kolmogorov", s, s)
    with pytest.raises(ParameterError, match=r"'method' parameter of summarized_numerical .*'ks'"):
        summarized_numerical("chi2", s, s)
    with pytest.raises(ParameterError, match=r"summarized_categorical .*'chi2'"):
        summarized_categorical("ks", [1, 2], [2, 1])
    with pytest.raises(ParameterError, match="'current_error'"):
        summarized_categorical("tv", [1, 2], [2, 1], current_error=-1.0)
    with pytest.raises(ParameterError, match=r"'reference_error' .* or 2 of them"):
        summarized_categorical("tv", [1, 2], [2, 1], reference_error=[1.0, 2.0, 3.0])
    with pytest.raises(ParameterError, match="'reference_error'"):
        summarized_categorical("tv", [1, 2], [2, 1], reference_error="big")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="'reference' parameter of summarized_numerical"):
        summarized_numerical("ks", [1.0, 2.0], s)  # type: ignore[arg-type]


def test_bad_summaries_are_refused_with_the_field_named() -> None:
    values, weights = np.array([1.0, 2.0]), np.array([2.0, 1.0])
    with pytest.raises(EmptyDataError, match="at least one finite value"):
        Summary(np.array([]), np.array([]), 0, 0.0, math.nan, math.nan, 0.0, 0.0)
    with pytest.raises(EmptyDataError, match="empty sample"):
        Summary.of([])
    with pytest.raises(ParameterError, match="'weights' parameter of Summary must be counts "):
        Summary(values, weights, 4, 0.0, 1.5, 0.3, 1.0, 2.0)
    with pytest.raises(ParameterError, match="'values' parameter of Summary"):
        Summary(values[::-1].copy(), weights, 3, 0.0, 1.5, 0.3, 1.0, 2.0)
    with pytest.raises(ParameterError, match="'weights' parameter of Summary must be whole"):
        Summary(values, np.array([2.5, 0.5]), 3, 0.0, 1.5, 0.3, 1.0, 2.0)
    with pytest.raises(ParameterError, match="'rank_error' parameter of Summary"):
        Summary(values, weights, 3, 1.5, 1.5, 0.3, 1.0, 2.0)
    with pytest.raises(ParameterError, match="'min' and 'max'"):
        Summary(values, weights, 3, 0.0, 1.5, 0.3, 1.5, 2.0)
    with pytest.raises(ParameterError, match="finite values only"):
        Summary.of([1.0, math.nan])


def test_all_equal_values() -> None:
    same = Summary.of([2.0] * 50)
    assert summarized_numerical("ks", same, same).result.statistic == 0.0
    assert summarized_numerical("welch_t", same, same).result.p_value == 1.0
    # A constant reference: Wasserstein divides by the pooled deviation, as on raw data.
    other = Summary.of([2.0] * 25 + [3.0] * 25)
    raw = METHODS["wasserstein"].numerical([2.0] * 50, [2.0] * 25 + [3.0] * 25)  # type: ignore[misc]
    assert close(summarized_numerical("wasserstein", same, other).result.statistic, raw.statistic)
    with pytest.raises(ColumnError, match="at least 2 distinct values"):
        summarized_numerical("anderson", same, same)
    with pytest.raises(EmptyDataError, match="welch_t needs at least 2 values"):
        summarized_numerical("welch_t", Summary.of([1.0]), same)
