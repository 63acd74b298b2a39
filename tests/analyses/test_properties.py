"""Invariants of `driftscope.compare` on small random frames (hypothesis).

Identical data never drifts; row order never matters; every report validates against the
published JSON Schema, serialises to strict JSON, and renders as a notebook fragment.
"""

from __future__ import annotations

import html
import json
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import driftscope
from driftscope.analyses.results import ColumnDrift
from driftscope.exceptions import EmptyDataError
from driftscope.report._validate import validate_report

NAN = float("nan")

# Few distinct values so ties are common, a wide float range for the rest, and missing values.
numbers = st.one_of(
    st.sampled_from([0.0, 1.0, 2.5, -3.0]),
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False),
    st.just(NAN),
)
categories = st.one_of(st.sampled_from(["a", "b", "c", "d", "e"]), st.none())
booleans = st.one_of(st.booleans(), st.none())


@st.composite
def frames(draw: st.DrawFn, min_rows: int = 1, max_rows: int = 40) -> pd.DataFrame:
    """A frame with one numerical, one categorical and one boolean column."""
    n = draw(st.integers(min_value=min_rows, max_value=max_rows))
    flags = draw(st.lists(booleans, min_size=n, max_size=n))
    return pd.DataFrame(
        {
            "num": draw(st.lists(numbers, min_size=n, max_size=n)),
            "cat": pd.Series(draw(st.lists(categories, min_size=n, max_size=n)), dtype=object),
            # No missing value gives a bool dtype column; any gives an object column.
            "flag": pd.Series(flags, dtype=bool if None not in flags else object),
        }
    )


def _compare(reference: pd.DataFrame, current: pd.DataFrame) -> driftscope.Report:
    try:
        return driftscope.compare(reference, current, multivariate=False, n_jobs=1)
    except EmptyDataError:
        # Refused only when no column has values on both sides: nothing could be compared.
        assert all(reference[c].isna().all() or current[c].isna().all() for c in reference)
        assume(False)
        raise


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == pytest.approx(b, rel=1e-9, abs=1e-12)


def _assert_same_verdicts(left: tuple[ColumnDrift, ...], right: tuple[ColumnDrift, ...]) -> None:
    """Same statistic, p-values, effect size and verdict, column by column (seeded Monte Carlo
    and permutation p-values included: categories are counted in label order)."""
    assert [c.name for c in left] == [c.name for c in right]
    for a, b in zip(left, right, strict=True):
        assert a.kind == b.kind, a.name
        assert a.method == b.method, a.name
        assert a.skipped == b.skipped, a.name
        assert _same(a.statistic, b.statistic), (a.name, a.statistic, b.statistic)
        assert _same(a.effect_size, b.effect_size), (a.name, a.effect_size, b.effect_size)
        assert _same(a.missing_p_value, b.missing_p_value), a.name
        assert _same(a.unseen_share, b.unseen_share), a.name
        assert _same(a.p_value, b.p_value), (a.name, a.p_value, b.p_value)
        assert _same(a.unseen_p_value, b.unseen_p_value), a.name
        assert a.drifted == b.drifted, a.name
        assert a.signals == b.signals, a.name


@settings(max_examples=60, deadline=None)
@given(frame=frames())
def test_identical_reference_and_current_never_drift(frame: pd.DataFrame) -> None:
    report = _compare(frame, frame.copy())

    assert not report.drifted
    assert report.drift.drifted_columns == []
    assert [c.name for c in report.drift.columns] == ["num", "cat", "flag"]
    for column in report.drift.columns:
        assert column.signals == ()
        assert column.missing_share_reference == column.missing_share_current
        if column.skipped:
            continue
        assert column.statistic == 0.0, column
        assert column.effect_size == 0.0, column
        assert column.p_value == 1.0, column
        assert column.unseen_share in (None, 0.0)


@settings(max_examples=60, deadline=None)
@given(
    reference=frames(),
    current=frames(),
    seeds=st.tuples(st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1)),
)
def test_shuffling_rows_changes_no_verdict(
    reference: pd.DataFrame, current: pd.DataFrame, seeds: tuple[int, int]
) -> None:
    ref_order = np.random.default_rng(seeds[0]).permutation(len(reference))
    cur_order = np.random.default_rng(seeds[1]).permutation(len(current))
    shuffled_reference = reference.iloc[ref_order].reset_index(drop=True)
    shuffled_current = current.iloc[cur_order].reset_index(drop=True)

    base = _compare(reference, current).drift.columns
    _assert_same_verdicts(base, _compare(shuffled_reference, current).drift.columns)
    _assert_same_verdicts(base, _compare(reference, shuffled_current).drift.columns)
    _assert_same_verdicts(base, _compare(shuffled_reference, shuffled_current).drift.columns)


def test_shuffling_rows_keeps_seeded_categorical_p_values() -> None:
    reference = pd.DataFrame({"cat": ["a"] * 20 + ["b"] * 20 + ["c"] * 3})
    current = pd.DataFrame({"cat": ["a"] * 5 + ["b"] * 20 + ["d"] * 2})
    reversed_reference = reference.iloc[::-1].reset_index(drop=True)
    reversed_current = current.iloc[::-1].reset_index(drop=True)

    base = _compare(reference, current).drift.column("cat")
    shuffled = _compare(reversed_reference, reversed_current).drift.column("cat")

    assert base.method == shuffled.method == "chi2_monte_carlo"
    assert base.statistic == pytest.approx(shuffled.statistic)
    assert base.p_value == shuffled.p_value
    assert base.unseen_p_value == shuffled.unseen_p_value
    assert base.drifted == shuffled.drifted


def _reject_constant(token: str) -> Any:
    raise AssertionError(f"report JSON holds {token}")


@settings(max_examples=60, deadline=None)
@given(reference=frames(), current=frames())
def test_report_validates_and_is_strict_json(
    reference: pd.DataFrame, current: pd.DataFrame
) -> None:
    report = _compare(reference, current)
    data = report.to_dict()

    validate_report(data)
    text = report.to_json()
    parsed = json.loads(text, parse_constant=_reject_constant)
    assert parsed == json.loads(json.dumps(data, allow_nan=False))
    assert parsed["metadata"]["n_reference_rows"] == len(reference)
    assert parsed["metadata"]["n_current_rows"] == len(current)
    assert [c["name"] for c in parsed["columns"]] == ["num", "cat", "flag"]


# Column names a notebook user might have, markup and quotes included.
column_names = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=12
)


@settings(max_examples=25, deadline=None)
@given(
    names=st.lists(column_names, min_size=1, max_size=4, unique=True),
    reference=frames(min_rows=2),
    current=frames(min_rows=2),
)
def test_notebook_fragment_names_every_column(
    names: list[str], reference: pd.DataFrame, current: pd.DataFrame
) -> None:
    hostile = "<b>x</b> & 'q\""
    names = [n for n in names if n != hostile] + [hostile]
    sources = ["num", "cat", "flag"]
    columns = {name: sources[i % 3] for i, name in enumerate(names)}
    ref = pd.DataFrame({name: reference[src] for name, src in columns.items()})
    cur = pd.DataFrame({name: current[src] for name, src in columns.items()})

    fragment = _compare(ref, cur)._repr_html_()

    assert "<html" not in fragment.lower()
    assert "<!doctype" not in fragment.lower()
    assert fragment.startswith('<div class="ds-report">')
    assert fragment.endswith("</div>")
    for name in names:
        assert html.escape(name, quote=True) in fragment, name
    assert hostile not in fragment


@pytest.mark.parametrize(
    ("reference", "current"),
    [
        # A side read with a missing value holds floats where the other holds integers.
        (pd.Series([1, 2, 3] * 40), pd.Series([1.0, 2.0, 3.0] * 40 + [np.nan])),
        # 0.0 and -0.0 are one value; which one pandas keeps depends on the row order.
        (pd.Series([-0.0] + [0.0] * 99), pd.Series([0.0] * 100)),
    ],
    ids=["int-vs-float", "signed-zero"],
)
def test_equal_values_of_another_dtype_are_one_category(
    reference: pd.Series, current: pd.Series
) -> None:
    report = driftscope.compare(
        pd.DataFrame({"x": reference}),
        pd.DataFrame({"x": current}),
        {"columns": {"x": {"kind": "categorical"}}},
        multivariate=False,
    )
    column = report.drift.column("x")
    assert not column.drifted, column
    assert "unseen_categories" not in column.signals
