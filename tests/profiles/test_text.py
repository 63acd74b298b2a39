"""Text profiles: lengths and token counts merge exactly, distinct tokens within the HLL."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from driftscope.profiles import TextProfile

texts = st.lists(st.text(alphabet="ab \n\t", max_size=12), max_size=15)


@settings(max_examples=100, deadline=None)
@given(a=texts, b=texts)
def test_merge_is_the_profile_of_the_union(a: list[str], b: list[str]) -> None:
    pa, pb = TextProfile.from_values(a, missing=1), TextProfile.from_values(b)
    whole = TextProfile.from_values(a + b, missing=1)
    for merged in (pa.merge(pb), pb.merge(pa)):
        assert (merged.count, merged.missing, merged.n_tokens) == (
            whole.count,
            whole.missing,
            sum(len(t.split()) for t in a + b),
        )
        assert merged.lengths.exact == whole.lengths.exact
        assert round(merged.distinct_tokens) == len({w for t in a + b for w in t.split()})


def test_lengths_and_tokens_of_a_larger_corpus() -> None:
    rng = np.random.default_rng(2)
    words = [f"w{i}" for i in range(3000)]
    corpus = [" ".join(rng.choice(words, rng.integers(1, 12))) for _ in range(5000)]
    merged = TextProfile.from_values(corpus[:2000]).merge(TextProfile.from_values(corpus[2000:]))
    lengths = np.array([len(t) for t in corpus], dtype=float)
    assert merged.lengths.mean == pytest.approx(lengths.mean(), rel=1e-12)
    assert merged.n_tokens == sum(len(t.split()) for t in corpus)
    distinct = len({w for t in corpus for w in t.split()})
    assert abs(merged.distinct_tokens - distinct) <= 0.05 * distinct
