"""Where in time the model's errors changed: a streaming detector over the time-ordered errors.

The detectors watch the loss stream in time order: HDDM_A on the 0/1 error stream of a
classifier, ADWIN on the absolute errors of a regression model. HDDM_A had the fewest false alarms
on error streams in the quality benchmark (0.3-0.7 per 10,000 items, benchmarks/RESULTS.md) and
stays quiet at low error rates, where DDM, whose minimum error rate collapses to 0 after a
warm-up without errors, raises alarm after alarm (seen on the `make run` demo's healthy weeks).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from driftscope.analyses.model import ModelColumns, Task
from driftscope.analyses.performance import _side
from driftscope.analyses.results import _clean
from driftscope.analyses.windows import parse_timestamps

__all__ = ["ChangePoint", "ChangePoints", "detect_change_points"]


@dataclass(frozen=True)
class ChangePoint:
    """One detection: its position in the time-ordered stream, the row's timestamp, and the
    time window (index into the report's windows) it falls in, if windows were made."""

    index: int
    kind: str
    timestamp: str | None
    window: int | None


@dataclass(frozen=True)
class ChangePoints:
    detector: str
    stream: str
    n_items: int
    events: tuple[ChangePoint, ...]

    @property
    def drifts(self) -> list[ChangePoint]:
        return [e for e in self.events if e.kind == "drift"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "detector": self.detector,
            "stream": self.stream,
            "n_items": self.n_items,
            "events": [dict(_clean(asdict(e))) for e in self.events],
        }


def detect_change_points(
    losses: NDArray[np.float64],
    rows: NDArray[np.int64],
    timestamps: pd.Series,
    *,
    binary: bool,
    windows: Sequence[NDArray[np.int64]] = (),
) -> ChangePoints:
    """Run the recommended detector over per-row losses in time order.

    ``losses[i]`` is the loss of frame row ``rows[i]``; ``timestamps`` is the parsed timestamp
    column of the whole frame; ``windows`` are the frame rows of each time window.

    >>> import pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> errors = (rng.random(4000) < np.where(np.arange(4000) < 2000, 0.05, 0.3)).astype(float)
    >>> times = pd.Series(pd.date_range("2026-01-01", periods=4000, freq="h"))
    >>> found = detect_change_points(errors, np.arange(4000), times, binary=True)
    >>> found.detector, 2000 <= found.drifts[0].index < 2100
    ('HDDM_A(drift_confidence=0.001, warning_confidence=0.005, two_sided_test=False)', True)
    """
    from driftscope.streaming import ADWIN, HDDM_A

    times = timestamps.to_numpy()[rows]
    order = np.argsort(times, kind="stable")
    stream = losses[order]
    detector = HDDM_A() if binary else ADWIN()
    found = detector.update_many(stream)
    window_of = np.full(len(timestamps), -1, dtype=np.int64)
    for k, members in enumerate(windows):
        window_of[members] = k
    events = []
    for kind, positions in (("warning", found.warnings), ("drift", found.drifts)):
        for position in positions.tolist():
            row = int(rows[order[position]])
            stamp = timestamps.iloc[row]
            window = int(window_of[row])
            events.append(
                ChangePoint(
                    index=position,
                    kind=kind,
                    timestamp=None if pd.isna(stamp) else pd.Timestamp(stamp).isoformat(),
                    window=None if window < 0 else window,
                )
            )
    events.sort(key=lambda e: (e.index, e.kind))
    return ChangePoints(
        detector=repr(detector),
        stream="error_rate" if binary else "absolute_error",
        n_items=int(stream.size),
        events=tuple(events),
    )


def change_points_from_frame(
    current: pd.DataFrame, model: ModelColumns, windows: Sequence[NDArray[np.int64]]
) -> ChangePoints | None:
    """The recommended streaming detector over the time-ordered losses of labelled rows."""
    task = model.task
    if task is None or not (task.is_classification or task is Task.REGRESSION):
        return None
    side = _side(current, model, "current", [])
    if side is None or side.n_labelled == 0 or model.timestamp is None:
        return None
    times, _ = parse_timestamps(current, model.timestamp, "current")
    rows = side.rows
    dated = times.iloc[rows].notna().to_numpy()
    if task.is_classification:
        losses = np.asarray(side.arrays["y_true"] != side.arrays["y_pred"], dtype=np.float64)
    else:
        losses = np.abs(side.arrays["y_pred"] - side.arrays["y_true"])
    return detect_change_points(
        losses[dated], rows[dated], times, binary=task.is_classification, windows=windows
    )
