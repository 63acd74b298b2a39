"""Numerical profiles: merge equals the profile of the union (exact parts exactly, moments
against numpy, quantiles within the KLL bound), associative and commutative."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from driftscope.exceptions import ParameterError, SchemaError
from driftscope.profiles import (
    DatetimeProfile,
    Moments,
    NumericalProfile,
    ProfileSettings,
)

SMALL = ProfileSettings(max_exact_values=8)
values = st.lists(
    st.one_of(
        st.floats(-1e6, 1e6, allow_nan=False),
        st.sampled_from([0.0, -0.0, 1.0, 2.5, math.nan, math.inf, -math.inf]),
    ),
    max_size=40,
)


def exact_part(p: NumericalProfile) -> tuple[object, ...]:
    return (p.count, p.missing, p.non_finite, p.min, p.max, p.exact, p.moments.count)


def assert_moments_close(p: NumericalProfile, union: np.ndarray) -> None:
    finite = union[np.isfinite(union)]
    if finite.size == 0:
        assert p.count == 0
        assert math.isnan(p.mean)
        return
    scale = max(1.0, float(np.max(np.abs(finite))))
    assert p.mean == pytest.approx(float(np.mean(finite)), rel=1e-9, abs=1e-9 * scale)
    if finite.size > 1:
        expected = float(np.var(finite, ddof=1))
        assert p.variance == pytest.approx(expected, rel=1e-9, abs=1e-9 * scale**2)


@settings(max_examples=150, deadline=None)
@given(a=values, b=values, c=values, cap=st.sampled_from([0, 8, 1000]))
def test_merge_is_the_profile_of_the_union_associative_and_commutative(
    a: list[float], b: list[float], c: list[float], cap: int
) -> None:
    config = ProfileSettings(max_exact_values=cap)
    pa, pb, pc = (
        NumericalProfile.from_values(np.array(v, dtype=float), settings=config) for v in (a, b, c)
    )
    union = np.array(a + b + c, dtype=float)
    whole = NumericalProfile.from_values(union, settings=config)
    left = pa.merge(pb).merge(pc)
    right = pa.merge(pb.merge(pc))
    swapped = pc.merge(pb).merge(pa)
    for merged in (left, right, swapped):
        assert exact_part(merged) == exact_part(whole)
        assert_moments_close(merged, union)
        finite = union[np.isfinite(union)]
        if merged.exact is not None and finite.size:  # exact quantiles: numpy's inverted CDF
            for q in (0.0, 0.1, 0.5, 0.9, 1.0):
                assert merged.quantile(q) == np.quantile(finite, q, method="inverted_cdf")


@given(a=values)
def test_merging_an_empty_profile_changes_nothing(a: list[float]) -> None:
    p = NumericalProfile.from_values(np.array(a, dtype=float), settings=SMALL)
    empty = NumericalProfile.from_values(np.array([]), settings=SMALL)
    for merged in (p.merge(empty), empty.merge(p)):
        assert exact_part(merged) == exact_part(p)
        assert merged.moments == p.moments


def test_quantiles_of_merged_sketches_are_within_the_kll_rank_bound() -> None:
    rng = np.random.default_rng(7)
    parts = [rng.normal(0, 1, 200_000), rng.exponential(3, 150_000), rng.uniform(-5, 5, 250_000)]
    settings = ProfileSettings(quantile_k=200)
    profiles = [NumericalProfile.from_values(part, settings=settings) for part in parts]
    merged = profiles[0].merge(profiles[2]).merge(profiles[1])
    union = np.sort(np.concatenate(parts))
    assert merged.exact is None
    assert merged.count == union.size
    # The double-sided (all quantiles at once) bound DataSketches documents for k = 200.
    bound = merged.histogram_error
    assert 0.01 < bound < 0.02
    assert 0 < merged.rank_error < bound
    qs = np.linspace(0.01, 0.99, 99)
    ranks = np.array([np.searchsorted(union, merged.quantile(q), side="right") for q in qs])
    assert np.max(np.abs(ranks / union.size - qs)) <= bound
    cdf = merged.cdf(np.array([-1.0, 0.0, 2.0]))
    truth = np.searchsorted(union, [-1.0, 0.0, 2.0], side="right") / union.size
    assert np.max(np.abs(cdf - truth)) <= bound
    assert merged.mean == pytest.approx(np.mean(union), rel=1e-9)
    assert merged.variance == pytest.approx(np.var(union, ddof=1), rel=1e-9)
    # Histogram counts within the bound of the total, and summing to it.
    edges, counts = merged.histogram(10)
    truth_counts, _ = np.histogram(union, bins=edges)
    assert counts.sum() == pytest.approx(union.size)
    assert np.max(np.abs(counts - truth_counts)) <= bound * union.size


def test_huge_values_do_not_overflow_the_mean() -> None:
    x = np.array([1e308, -1e308, 1.7e308, 1.5e308])
    p = NumericalProfile.from_values(x)
    assert p.mean == pytest.approx(np.mean(x / 1e308) * 1e308, rel=1e-12)
    assert p.max == 1.7e308
    assert p.min == -1e308
    assert math.isinf(p.moments.m2)  # the sum of squares is beyond the largest float
    merged = p.merge(NumericalProfile.from_values(np.array([1.7e308, 1.7e308])))
    assert merged.mean == pytest.approx(np.mean(np.append(x, [1.7e308] * 2) / 1e308) * 1e308)


def test_all_missing_and_non_finite_values_are_counted_apart() -> None:
    p = NumericalProfile.from_values(np.array([np.nan, np.inf, -np.inf, np.nan]))
    assert (p.n, p.count, p.missing, p.non_finite, p.min, p.max) == (4, 0, 2, 2, None, None)
    assert math.isnan(p.mean)
    assert math.isnan(p.quantile(0.5))
    assert p.histogram()[0].size == 0
    assert p.to_dict()["mean"] is None


def test_a_constant_column_has_one_histogram_bin() -> None:
    edges, counts = NumericalProfile.from_values(np.full(5, 3.0)).histogram(4)
    assert edges.tolist() == [3.0, 3.0]
    assert counts.tolist() == [5.0]


def test_exact_values_are_dropped_past_the_cap_on_either_side() -> None:
    a = NumericalProfile.from_values(np.arange(5.0), settings=SMALL)
    b = NumericalProfile.from_values(np.arange(3.0, 9.0), settings=SMALL)
    assert a.exact is not None
    assert b.exact is not None
    assert a.merge(b).exact is None  # 9 distinct values > 8
    assert a.merge(a).exact == tuple((float(v), 2) for v in range(5))
    many = NumericalProfile.from_values(np.arange(100.0), settings=SMALL)
    assert many.exact is None
    assert many.rank_error > 0


def test_bad_arguments_and_mismatches_are_clear_errors() -> None:
    p = NumericalProfile.from_values(np.arange(3.0))
    with pytest.raises(ParameterError, match=r"'q' must be in \[0, 1\]. Got 1.5"):
        p.quantile(1.5)
    with pytest.raises(ParameterError, match="'bins' of a histogram must be an int >= 1"):
        p.histogram(0)
    with pytest.raises(ParameterError, match="different settings"):
        p.merge(NumericalProfile.from_values(np.arange(3.0), settings=SMALL))
    with pytest.raises(SchemaError, match="numerical in one profile and datetime"):
        p.merge(DatetimeProfile.from_values(np.arange(3.0)))  # type: ignore[arg-type]


def test_merge_returns_a_new_profile_and_leaves_both_inputs() -> None:
    a = NumericalProfile.from_values(np.arange(10.0))
    b = NumericalProfile.from_values(np.arange(10.0, 20.0))
    before = (a.sketch, b.sketch)
    merged = a.merge(b)
    assert (a.sketch, b.sketch) == before
    assert merged.count == 20
    assert isinstance(
        DatetimeProfile.from_values(np.ones(2)).merge(DatetimeProfile.from_values(np.ones(2))),
        DatetimeProfile,
    )


def test_moments_merge_matches_numpy_on_shifted_data() -> None:
    # Chan's update keeps the variance where a sum of squares would cancel (mean 1e9, sd 1).
    rng = np.random.default_rng(3)
    parts = [1e9 + rng.normal(size=n) for n in (1000, 10, 5000)]
    merged = Moments.of(parts[0]).merge(Moments.of(parts[1])).merge(Moments.of(parts[2]))
    union = np.concatenate(parts)
    assert merged.variance == pytest.approx(np.var(union, ddof=1), rel=1e-6)
    assert merged.mean == pytest.approx(np.mean(union), rel=1e-12)


def test_a_long_column_keeps_exact_counts_and_extremes_as_numpy_finds_them() -> None:
    rng = np.random.default_rng(11)
    x = rng.poisson(30.0, 200_000).astype(float)
    x[::997] = np.nan
    x[::1009] = -0.0
    p = NumericalProfile.from_values(x)
    finite = x[np.isfinite(x)]
    values, counts = np.unique(finite, return_counts=True)
    assert p.exact == tuple(zip(values.tolist(), counts.tolist(), strict=True))
    assert (p.min, p.max, p.count) == (finite.min(), finite.max(), finite.size)
    assert p.missing == int(np.isnan(x).sum())
    # One value more than the cap, anywhere in the column, and the exact values are dropped.
    capped = ProfileSettings(max_exact_values=values.size)
    assert NumericalProfile.from_values(finite, settings=capped).exact is not None
    assert NumericalProfile.from_values(np.append(finite, 0.5), settings=capped).exact is None


def test_moments_of_a_column_longer_than_a_block_match_numpy() -> None:
    rng = np.random.default_rng(5)
    x = 1e6 + rng.normal(0.0, 3.0, 200_001)  # a few blocks and a short last one
    m = Moments.of(x)
    assert m.count == x.size
    assert m.mean == pytest.approx(np.mean(x), rel=1e-15)
    assert m.variance == pytest.approx(np.var(x, ddof=1), rel=1e-12)


def test_distribution_is_the_exact_values_while_kept() -> None:
    x = np.array([3.0, 1.0, 3.0, 2.0, 3.0, np.nan])
    values, weights = NumericalProfile.from_values(x).distribution()
    assert values.tolist() == [1.0, 2.0, 3.0]
    assert weights.tolist() == [1.0, 1.0, 3.0]


def test_distribution_of_a_sketch_is_within_its_error_everywhere() -> None:
    x = np.random.default_rng(4).lognormal(size=50_000)
    sketched = ProfileSettings(quantile_k=32, max_exact_values=0)
    profile = NumericalProfile.from_values(x, settings=sketched)
    values, weights = profile.distribution()
    assert bool(np.all(np.diff(values) > 0))
    assert weights.sum() == profile.count
    # The weighted sample's CDF is the sketch's, and within histogram_error of the data's at
    # every data point and just below it.
    cumulative = np.concatenate([[0.0], np.cumsum(weights)]) / profile.count
    xs = np.sort(x)
    at = cumulative[np.searchsorted(values, xs, side="right")]
    below = cumulative[np.searchsorted(values, xs, side="left")]
    assert np.allclose(at, profile.cdf(xs))
    ranks = np.arange(1, xs.size + 1) / xs.size
    assert np.max(np.abs(at - ranks)) <= profile.histogram_error
    assert np.max(np.abs(below - (ranks - 1 / xs.size))) <= profile.histogram_error
    empty = NumericalProfile.from_values(np.array([np.nan])).distribution()
    assert empty[0].size == 0


def test_distribution_of_merged_sketches_weighs_every_value() -> None:
    # DataSketches 5.2's KLL iterator gives each item weight 1 once sketches were merged; the
    # distribution must still count every value (as Spark's partitions and merge_all merge).
    rng = np.random.default_rng(5)
    parts = [rng.normal(size=5000) for _ in range(4)]
    profile = NumericalProfile.from_values(parts[0])
    for part in parts[1:]:
        profile = profile.merge(NumericalProfile.from_values(part))
    values, weights = profile.distribution()
    assert weights.sum() == profile.count == 20_000
    cumulative = np.cumsum(weights) / profile.count
    assert np.allclose(cumulative, profile.cdf(values))
