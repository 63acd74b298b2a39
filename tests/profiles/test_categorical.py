"""Categorical and boolean profiles: exact counts merge exactly; past the cap the frequent-items
sketch and the HLL hold their documented bounds."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from driftscope.exceptions import ParameterError
from driftscope.profiles import BooleanProfile, CategoricalProfile, ProfileSettings

labels = st.lists(st.one_of(st.none(), st.sampled_from(list("abcdefg"))), max_size=40)


def exact_part(p: CategoricalProfile) -> tuple[object, ...]:
    return (p.count, p.missing, p.counts)


@settings(max_examples=150, deadline=None)
@given(a=labels, b=labels, c=labels, cap=st.sampled_from([3, 1000]))
def test_merge_is_the_profile_of_the_union_associative_and_commutative(
    a: list[str | None], b: list[str | None], c: list[str | None], cap: int
) -> None:
    config = ProfileSettings(max_categories=cap)
    pa, pb, pc = (CategoricalProfile.from_values(v, settings=config) for v in (a, b, c))
    whole = CategoricalProfile.from_values(a + b + c, settings=config)
    truth = Counter(v for v in a + b + c if v is not None)
    for merged in (pa.merge(pb).merge(pc), pa.merge(pb.merge(pc)), pc.merge(pa).merge(pb)):
        assert exact_part(merged) == exact_part(whole)
        if merged.counts is not None:
            assert dict(merged.counts) == truth
            assert merged.distinct_count == len(truth)
        else:  # past the cap: estimates within the sketch's error, no false negatives
            error = merged.count_error
            found = merged.frequencies()
            for label, count in truth.items():
                if count > error:
                    assert label in found
                if label in found:
                    assert abs(found[label] - count) <= error
            assert round(merged.distinct_count) == len(truth)  # HLL is exact this small


def test_frequent_items_find_the_heavy_categories_past_the_cap() -> None:
    rng = np.random.default_rng(5)
    config = ProfileSettings(max_categories=50, frequent_lg_max_map_size=6)
    heavy = rng.choice(["h1", "h2", "h3"], 30_000)
    tail = np.array([f"t{i}" for i in range(20_000)])
    parts = np.array_split(rng.permutation(np.concatenate([heavy, tail])), 4)
    profiles = [CategoricalProfile.from_values(part, settings=config) for part in parts]
    merged = profiles[0].merge(profiles[1]).merge(profiles[2].merge(profiles[3]))
    truth = Counter(np.concatenate(parts).tolist())
    assert merged.counts is None
    assert merged.count == 50_000
    error = merged.count_error
    assert 0 < error < 5_000
    top = dict(merged.top(3))
    assert set(top) == {"h1", "h2", "h3"}
    for label, estimate in top.items():
        assert abs(estimate - truth[label]) <= error


def test_distinct_count_is_within_the_hll_bound() -> None:
    config = ProfileSettings(max_categories=100)
    parts = [[f"id{i}" for i in range(start, start + 40_000)] for start in (0, 30_000, 60_000)]
    merged = CategoricalProfile.from_values(parts[0], settings=config)
    for part in parts[1:]:
        merged = merged.merge(CategoricalProfile.from_values(part, settings=config))
    low, high = merged.distinct_bounds(3)
    assert low <= 100_000 <= high
    # lg_k = 12: a relative standard error near 1.6%; three of them bound it.
    assert abs(merged.distinct_count - 100_000) <= 0.05 * 100_000


def test_from_counts_checks_its_labels() -> None:
    with pytest.raises(ParameterError, match="distinct labels and one count each"):
        CategoricalProfile.from_counts(["a", "a"], [1, 2])
    with pytest.raises(ParameterError, match="distinct labels and one count each"):
        CategoricalProfile.from_counts(["a"], [1, 2])


def test_booleans_merge_by_counts() -> None:
    a = BooleanProfile.from_values(np.array([True, True, False]), missing=2)
    b = BooleanProfile.from_values(np.array([False]))
    merged = a.merge(b)
    assert (merged.n_true, merged.n_false, merged.missing, merged.n) == (2, 2, 2, 6)
    assert merged == b.merge(a)
    assert merged.true_share == 0.5
    assert np.isnan(BooleanProfile.from_values(np.array([], dtype=bool)).true_share)
