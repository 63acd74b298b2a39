"""How often the whole-table drift tests fire, on chunks with known drift and with none.

    .venv/bin/python benchmarks/multivariate_power.py               # 100 chunks each, ~5 min
    .venv/bin/python benchmarks/multivariate_power.py --chunks 20   # quick look
    PYTHONPATH=/path/to/other/checkout/src .venv/bin/python benchmarks/multivariate_power.py

The last form measures another version of driftscope (for example the commit before a change)
on the same chunks, for a before/after table.

One 50,000-row reference (10 numerical columns, two of them lognormal, and 5 categorical ones
with 3 to 11 categories, Zipf shares), then ``--chunks`` 5,000-row current chunks per scenario,
each from its own seed, tested as ``compare`` tests them (``driftscope.analyses.drift.
_multivariate``, with ``seed`` = the chunk's number):

- ``null``: the reference's distribution (the share flagged is the false-alarm rate, 0.05 at
  most in the long run);
- ``strong``: first mean +0.3 sd, second sd x1.3, correlation 0.6 between the third and fourth;
- ``mean0.1``: first mean +0.1 sd; ``sd1.1``: second sd x1.1; ``corr0.3``: correlation 0.3
  between the third and fourth (marginals unchanged); ``cat3``: 3 points of share moved between
  two categories of the first categorical column.

Prints, per scenario, the share of chunks each test flagged at 0.05, the median statistic (the
effect size: MMD^2, held-out AUC) and the seconds per chunk.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np
import pandas as pd

from driftscope.analyses.drift import DriftSettings, _multivariate
from driftscope.data.infer import infer_schema
from driftscope.data.schema import Schema

SCENARIOS = ("null", "strong", "mean0.1", "sd1.1", "corr0.3", "cat3")


def table(rows: int, rng: np.random.Generator, scenario: str) -> pd.DataFrame:
    z = rng.normal(size=(rows, 10))
    if scenario == "strong":
        z[:, 0] += 0.3
        z[:, 1] *= 1.3
        z[:, 3] = 0.6 * z[:, 2] + 0.8 * z[:, 3]
    elif scenario == "mean0.1":
        z[:, 0] += 0.1
    elif scenario == "sd1.1":
        z[:, 1] *= 1.1
    elif scenario == "corr0.3":
        z[:, 3] = 0.3 * z[:, 2] + np.sqrt(1 - 0.09) * z[:, 3]
    data: dict[str, object] = {
        f"num_{i}": np.exp(0.5 * z[:, i]) if i % 5 == 1 else z[:, i] for i in range(10)
    }
    for j in range(5):
        k = 3 + 2 * j
        weights = 1.0 / np.arange(1, k + 1)
        weights /= weights.sum()
        if scenario == "cat3" and j == 0:
            weights[0] -= 0.03
            weights[-1] += 0.03
        labels = np.array([f"c{j}_{v}" for v in range(k)])
        data[f"cat_{j}"] = pd.Series(labels[rng.choice(k, rows, p=weights)], dtype="str")
    return pd.DataFrame(data)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=100, help="chunks per scenario")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    args = parser.parse_args()

    reference = table(50_000, np.random.default_rng(12345), "null")
    specs = list(infer_schema(reference, reference.iloc[:5000], Schema())[0])
    print(f"driftscope from {sys.modules['driftscope'].__file__}", flush=True)
    for scenario in args.scenarios.split(","):
        flagged = {"mmd": 0, "domain_classifier": 0}
        statistics: dict[str, list[float]] = {"mmd": [], "domain_classifier": []}
        seconds = 0.0
        for seed in range(args.chunks):
            current = table(5000, np.random.default_rng(seed), scenario)
            start = time.perf_counter()
            results = _multivariate(reference, current, specs, DriftSettings(seed=seed))
            seconds += time.perf_counter() - start
            for result in results:
                flagged[result.method] += result.drifted
                statistics[result.method].append(float(result.statistic or 0.0))
        row = {f"flagged_{m}": flagged[m] / args.chunks for m in flagged}
        row |= {f"median_{m}": float(np.median(v)) for m, v in statistics.items()}
        row["seconds_per_chunk"] = seconds / args.chunks
        print(scenario, json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
