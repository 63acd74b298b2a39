"""`analyses.windows`: splitting by period or size, and the bands learnt from the reference."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from driftscope.analyses.windows import WindowSettings, learn_bands, split_windows
from driftscope.exceptions import ColumnError


def _frame(n: int) -> pd.DataFrame:
    times = pd.date_range("2026-01-05", periods=n, freq="6h")  # a Monday
    return pd.DataFrame({"ts": times[::-1], "x": np.arange(n)})  # newest first


def test_weekly_windows_follow_pandas_periods_in_time_order() -> None:
    frame = _frame(100)
    splits, warnings = split_windows(frame, WindowSettings(period="W"), "ts")
    assert warnings == []
    expected = frame["ts"].dt.to_period("W").value_counts().sort_index()
    assert [s.label for s in splits] == [str(p) for p in expected.index]
    assert [len(s.rows) for s in splits] == expected.tolist()
    rows = np.concatenate([s.rows for s in splits])
    assert sorted(rows.tolist()) == list(range(100))
    assert frame["ts"].iloc[splits[0].rows].max() < frame["ts"].iloc[splits[1].rows].min()


def test_windows_of_n_rows_are_cut_in_time_order() -> None:
    frame = _frame(25)
    splits, _ = split_windows(frame, WindowSettings(size=10), "ts")
    assert [len(s.rows) for s in splits] == [10, 10, 5]
    # The oldest ten rows are the last ten of the (newest-first) frame.
    assert sorted(splits[0].rows.tolist()) == list(range(15, 25))


def test_windows_by_period_need_a_timestamp() -> None:
    with pytest.raises(ColumnError, match="--timestamp"):
        split_windows(_frame(10), WindowSettings(period="D"), None)


def test_bands_are_the_t_prediction_interval_clipped_to_the_range() -> None:
    values = [0.90, 0.92, 0.91, 0.95]
    bands = learn_bands([{"accuracy": v} for v in values], 3.0, ranges={"accuracy": (0.0, 1.0)})
    band = bands["accuracy"]
    n, mean, sd = len(values), float(np.mean(values)), float(np.std(values, ddof=1))
    t = sps.t.ppf(1 - (1 - (2 * sps.norm.cdf(3.0) - 1)) / 2, n - 1)
    half = t * sd * math.sqrt(1 + 1 / n)
    assert band.low == pytest.approx(mean - half)
    assert band.high == min(mean + half, 1.0)
    assert band.n_windows == n


def test_fewer_than_three_reference_windows_learn_no_band() -> None:
    assert learn_bands([{"accuracy": 0.9}, {"accuracy": 0.8}], 3.0) == {}
