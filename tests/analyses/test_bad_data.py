"""Ordinary bad data yields warnings for the column concerned; the rest of the report runs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import driftscope
from driftscope.report._validate import validate_report


@pytest.fixture
def messy() -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(11)
    n = 3_000

    def frame(shift: float) -> pd.DataFrame:
        mixed = rng.normal(size=n).round(3).astype(object)
        mixed[:30] = "n/a?"
        with_inf = rng.normal(shift, 1, n)
        with_inf[:5] = np.inf
        return pd.DataFrame(
            {
                "fine": rng.normal(shift, 1, n),
                "all_missing": np.full(n, np.nan),
                "constant": np.full(n, 7.0),
                "with_inf": with_inf,
                "mixed": mixed,
                "huge_cat": [f"u{v}" for v in rng.integers(0, 40_000, n)],
            }
        )

    ref = frame(0.0).assign(only_ref=1.0)
    cur = frame(1.0).assign(only_cur="x")
    return ref, cur


def test_report_finishes_with_warnings_per_bad_column(
    messy: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    ref, cur = messy
    report = driftscope.compare(
        ref, cur, max_categories=1_000, schema={"columns": {"huge_cat": "categorical"}}
    )
    validate_report(report.to_dict())
    text = "\n".join(report.warnings)
    assert "'only_ref' is in the reference only" in text
    assert "'only_cur' is in the current data only" in text
    assert "'all_missing'" in text
    assert "every value is missing" in text
    assert "'with_inf'" in text
    assert "5 infinite value(s)" in text
    assert "'mixed'" in text
    assert "not numbers" in text
    assert "'huge_cat'" in text
    assert "pooled" in text
    assert report.drift.column("fine").drifted
    assert report.drift.column("with_inf").drifted
    assert report.drift.column("all_missing").skipped
    assert not report.drift.column("constant").drifted
    huge = report.drift.column("huge_cat")
    assert huge.summary is not None
    assert len(huge.summary.categories or ()) <= 21


def test_zero_rows_is_an_input_error() -> None:
    ref = pd.DataFrame({"x": [1.0, 2.0]})
    with pytest.raises(driftscope.EmptyDataError, match="0 rows"):
        driftscope.compare(ref, ref.iloc[:0])


def test_all_missing_in_current_is_missing_share_drift() -> None:
    rng = np.random.default_rng(2)
    ref = pd.DataFrame({"x": rng.normal(size=500), "y": rng.normal(size=500)})
    cur = pd.DataFrame({"x": np.full(500, np.nan), "y": rng.normal(size=500)})
    report = driftscope.compare(ref, cur, multivariate=False)
    x = report.drift.column("x")
    assert x.skipped
    assert x.drifted
    assert x.signals == ("missing_share",)
    assert not report.drift.column("y").drifted
