"""Feedback (issue 15): seconds for `analyse_feedback` on N predictions over 30 days, half of
them rated, with a target, a predicted class (5 classes), two features (a category with 8
values and a number cut into quartiles) and a comment on each thumbs down.

Three cases per size: the feedback alone by day; joined to the predictions by day (coverage,
classes, segments, the comparison with the errors); the same with comments. Each is the median
of the repeats after one untimed call. The frames are built in memory; reading files is not
timed.

    PYTHONPATH=src .venv/bin/python benchmarks/feedback.py [--rows 100000 1000000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from driftscope.analyses.feedback import (
    FeedbackColumns,
    FeedbackResult,
    FeedbackSettings,
    analyse_feedback,
)
from driftscope.analyses.windows import WindowSettings


def _data(rows: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    day = rng.integers(0, 30, rows)
    label = rng.integers(0, 5, rows)
    pred = np.where(rng.random(rows) < 0.85, label, rng.integers(0, 5, rows))
    predictions = pd.DataFrame(
        {
            "id": np.arange(rows),
            "ts": pd.Timestamp("2026-03-01") + pd.to_timedelta(day, unit="D"),
            "country": rng.choice([f"c{i}" for i in range(8)], rows),
            "amount": rng.lognormal(size=rows),
            "pred": pred,
            "label": label,
        }
    )
    negative = rng.random(rows) < np.where(pred != label, 0.7, 0.05)
    rated = rng.random(rows) < 0.5
    feedback = pd.DataFrame(
        {
            "id": np.arange(rows)[rated],
            "feedback": np.where(negative, "down", "up")[rated],
            "ts": predictions["ts"].to_numpy()[rated],
            "comment": np.where(negative, "the answer was wrong again", None)[rated],
        }
    )
    return predictions, feedback


def _time(work: Callable[[], FeedbackResult], repeats: int) -> float:
    work()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        work()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    daily = FeedbackSettings(WindowSettings(period="D"))
    joined = {"timestamp": "ts", "prediction": "pred", "target": "label"}
    cases = [
        ("feedback alone, by day", False, FeedbackColumns(timestamp="ts")),
        ("joined: classes, segments, errors", True, FeedbackColumns(**joined)),
        ("joined, with comments", True, FeedbackColumns(**joined, comment="comment")),
    ]
    print("| predictions | feedback rows | case | seconds (median) | feedback rows/s |")
    print("| ---: | ---: | --- | ---: | ---: |")
    for rows in args.rows:
        predictions, feedback = _data(rows)
        for name, with_predictions, columns in cases:
            given = predictions if with_predictions else None
            seconds = _time(
                lambda f=feedback, p=given, c=columns: analyse_feedback(f, p, c, daily),
                args.repeats,
            )
            print(
                f"| {rows:,} | {len(feedback):,} | {name} | {seconds:.2f} | "
                f"{len(feedback) / seconds:,.0f} |"
            )


if __name__ == "__main__":
    main()
