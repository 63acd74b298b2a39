"""The feedback, shadow and A/B sections of a monitoring report (issue 15): seconds of
`driftscope.monitor` without them, and with each, on a binary classifier with probabilities
and 10 numerical features, current cut into 7 windows.

- feedback: half the current rows rated, joined by id (classes, segments, realised errors);
- shadow: a candidate's predictions and probabilities on every current row (agreement,
  divergence, the 7 windows, segments, who was right);
- A/B: current served by two arms (every metric B - A, the split, the arms' features).

Each cell is the median of ``--repeats`` runs after one warm-up: the whole `monitor` call, and
its ``sections`` step as the report times it (``metadata.timings``), which is the section's own
cost.

    PYTHONPATH=src .venv/bin/python benchmarks/report_sections.py --rows 20000 100000 --repeats 3
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

import driftscope

FEATURES = 10


def _frame(rows: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, FEATURES))
    frame = pd.DataFrame(x, columns=[f"x{i}" for i in range(FEATURES)])
    logit = x[:, 0] - 0.5 * x[:, 1]
    frame["y"] = (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype(int)
    p1 = 1 / (1 + np.exp(-logit))
    frame["pred"] = (p1 > 0.5).astype(int)
    frame["proba_0"], frame["proba_1"] = 1 - p1, p1
    return frame


def _current(rows: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    frame = _frame(rows, 2)
    rng = np.random.default_rng(3)
    frame["rid"] = np.arange(rows)
    noisy = np.clip(frame["proba_1"] + rng.normal(0, 0.05, rows), 0, 1)
    frame["cand"] = (noisy > 0.5).astype(int)
    frame["cand_0"], frame["cand_1"] = 1 - noisy, noisy
    frame["arm"] = np.where(np.arange(rows) % 2, "B", "A")
    rated = rng.random(rows) < 0.5
    feedback = pd.DataFrame(
        {
            "rid": frame["rid"][rated],
            "thumb": np.where(rng.random(int(rated.sum())) < 0.1, "down", "up"),
        }
    )
    return frame, feedback


def _medians(work: Callable[[], driftscope.Report], repeats: int) -> tuple[float, float]:
    """The median seconds of the whole run and of its sections step (from the report's own
    timings, so that the machine's other load on the rest of the run does not blur it)."""
    work()
    totals, sections = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        report = work()
        totals.append(time.perf_counter() - start)
        sections.append(report.metadata.timings.get("sections", 0.0))
    return statistics.median(totals), statistics.median(sections)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[20_000, 100_000])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    cases: dict[str, dict[str, Any]] = {
        "none": {},
        "feedback": {"feedback": None, "feedback_value": "thumb"},
        "shadow": {"shadow_prediction": "cand", "shadow_proba_prefix": "cand_"},
        "A/B": {"arm": "arm"},
    }
    print("| current rows | section | whole run (s) | the section's step (s) |")
    print("| ---: | --- | ---: | ---: |")
    for rows in args.rows:
        reference = _frame(rows, 1)
        current, feedback = _current(rows)
        for name, options in cases.items():
            if "feedback" in options:
                options = {**options, "feedback": feedback}
            total, step = _medians(
                lambda options=options, reference=reference, current=current: driftscope.monitor(
                    reference,
                    current,
                    target="y",
                    prediction="pred",
                    proba_prefix="proba_",
                    id="rid",
                    n_windows=7,
                    multivariate=False,
                    **options,
                ),
                args.repeats,
            )
            print(f"| {rows:,} | {name} | {total:.2f} | {step:.2f} |", flush=True)


if __name__ == "__main__":
    main()
