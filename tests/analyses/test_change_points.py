"""`analyses.change_points`: the recommended detector over time-ordered losses."""

from __future__ import annotations

import numpy as np
import pandas as pd

from driftscope.analyses.change_points import detect_change_points
from driftscope.streaming import ADWIN, HDDM_A


def _times(n: int) -> pd.Series:
    return pd.Series(pd.date_range("2026-01-01", periods=n, freq="h"))


def test_errors_are_ordered_by_time_before_the_detector_sees_them() -> None:
    rng = np.random.default_rng(3)
    n = 4000
    errors = (rng.random(n) < np.where(np.arange(n) < 2000, 0.05, 0.3)).astype(float)
    # The frame's rows arrive shuffled: row r happened at hour when[r]; its timestamp says so.
    when = rng.permutation(n)
    times = pd.Series(pd.Timestamp("2026-01-01") + pd.to_timedelta(when, unit="h"))
    found = detect_change_points(errors[when], np.arange(n, dtype=np.int64), times, binary=True)
    expected = HDDM_A().update_many(errors)
    assert [e.index for e in found.drifts] == expected.drifts.tolist()
    assert found.stream == "error_rate"
    assert found.n_items == n
    first = found.drifts[0]
    assert (
        first.timestamp
        == (pd.Timestamp("2026-01-01") + pd.Timedelta(hours=first.index)).isoformat()
    )


def test_regression_losses_use_adwin_and_windows_are_named() -> None:
    rng = np.random.default_rng(4)
    n = 3000
    losses = np.abs(np.concatenate([rng.normal(0, 1, 1500), rng.normal(3, 1, 1500)]))
    windows = [np.arange(0, 1500, dtype=np.int64), np.arange(1500, n, dtype=np.int64)]
    found = detect_change_points(
        losses, np.arange(n, dtype=np.int64), _times(n), binary=False, windows=windows
    )
    assert found.detector == repr(ADWIN())
    assert found.stream == "absolute_error"
    assert found.drifts
    assert {e.window for e in found.drifts} <= {0, 1}
    assert found.drifts[0].window == (0 if found.drifts[0].index < 1500 else 1)
    assert found.to_dict()["events"][0].keys() == {"index", "kind", "timestamp", "window"}


def test_a_stable_stream_has_no_drift() -> None:
    rng = np.random.default_rng(5)
    errors = (rng.random(5000) < 0.1).astype(float)
    found = detect_change_points(errors, np.arange(5000, dtype=np.int64), _times(5000), binary=True)
    assert found.drifts == []
