"""Model comparison (issue 15): seconds for an A/B test and a shadow comparison of a binary
classifier with probabilities and 10 features, at several sizes.

- A/B, unpaired: half the rows per arm; every metric of the task (six from the confusion matrix,
  five from the probabilities), the split check and the features drift-tested between arms;
- A/B, paired: both versions on every row (McNemar, paired bootstrap);
- shadow: agreement, divergence of predictions and probabilities, 5 windows, segments of the 10
  features, and who was right (the paired test).

1,000 bootstrap resamples (the default); above 5,000 rows per arm the bootstrap resamples 5,000
rows and rescales (m out of n), so the cost stops growing with the rows. Each cell is the median
of ``--repeats`` runs after one warm-up.

    PYTHONPATH=src .venv/bin/python benchmarks/compare_models.py [--rows 10000 100000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

import driftscope

FEATURES = 10


def _data(rows: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        rng.normal(size=(rows, FEATURES)), columns=[f"x{i}" for i in range(FEATURES)]
    )
    y = rng.integers(0, 2, rows)
    frame["y"] = y
    for name, accuracy in (("a", 0.85), ("b", 0.87)):
        pred = np.where(rng.uniform(size=rows) < accuracy, y, 1 - y)
        frame[name] = pred
        frame[f"{name}_proba_1"] = np.clip(
            np.where(pred == 1, 0.7, 0.3) + rng.normal(0, 0.1, rows), 0, 1
        )
    frame["arm"] = np.where(np.arange(rows) % 2, "B", "A")
    frame["pred"] = np.where(frame["arm"] == "A", frame["a"], frame["b"])
    frame["proba_1"] = np.where(frame["arm"] == "A", frame["a_proba_1"], frame["b_proba_1"])
    return frame


def _median(work: Callable[[], object], repeats: int) -> float:
    work()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print("| rows | A/B unpaired (s) | A/B paired (s) | shadow (s) |")
    print("| ---: | ---: | ---: | ---: |")
    for rows in args.rows:
        frame = _data(rows)
        ab = frame.drop(columns=["a", "b", "a_proba_1", "b_proba_1"])
        wide = frame.drop(columns=["arm", "pred", "proba_1"])
        unpaired = _median(
            lambda ab=ab: driftscope.ab_test(
                ab, arm="arm", target="y", prediction="pred", proba_prefix="proba_"
            ),
            args.repeats,
        )
        paired = _median(
            lambda wide=wide: driftscope.ab_test(
                wide,
                target="y",
                prediction="a",
                prediction_b="b",
                proba_prefix="a_proba_",
                proba_prefix_b="b_proba_",
            ),
            args.repeats,
        )
        shadow = _median(
            lambda wide=wide: driftscope.shadow_compare(
                wide,
                production="a",
                candidate="b",
                production_proba_prefix="a_proba_",
                candidate_proba_prefix="b_proba_",
                target="y",
            ),
            args.repeats,
        )
        print(f"| {rows:,} | {unpaired:.2f} | {paired:.2f} | {shadow:.2f} |", flush=True)


if __name__ == "__main__":
    main()
