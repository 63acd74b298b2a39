"""Profiling speed and size: `driftscope.profile` on 1M rows x 25 columns, in process.

Run with driftscope's venv python:

    .venv/bin/python benchmarks/profile_speed.py                 # 1,000,000 rows, 3 repeats
    .venv/bin/python benchmarks/profile_speed.py --rows 100000   # quick check

Builds a seeded table of ``--rows`` rows: 15 numerical columns (normal, lognormal, uniform,
integer counts, 2% missing in some) and 10 categorical ones (pandas' string dtype, as read from
Parquet, with 3 to 20,000 categories). It times `driftscope.profile` with a given schema (no
inference) and reports the median of ``--repeats`` runs, rows per second, and the size of the
saved profile (`Profile.to_bytes`), in all and per numerical column (its KLL sketch and
exact values). The CPU column is this process's time: on a loaded machine it is the better
measure of the work, the wall column includes waiting for a core. A second row profiles the
first 6 numerical columns alone: the shape of the issue's whylogs reference (6.7 s for
1M x 6 and 26 KB per numerical column on this machine, issue 16). This script is driftscope
alone, for quick checks; `benchmarks/profile_vs_whylogs.py` runs whylogs (in its own venv) on
the same files as driftscope in one run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

import driftscope
from driftscope.profiles import NumericalProfile

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _bench_util import print_header

WHYLOGS_SECONDS_1M_X_6 = 6.7
WHYLOGS_BYTES_PER_NUMERICAL = 26 * 1024


def make_table(rows: int, seed: int = 0) -> tuple[pd.DataFrame, dict[str, object]]:
    rng = np.random.default_rng(seed)
    columns: dict[str, object] = {}
    kinds: dict[str, str] = {}
    for i in range(15):
        kind = i % 5
        if kind == 0:
            values = rng.normal(i, 1 + i, rows)
        elif kind == 1:
            values = rng.lognormal(0, 0.75, rows)
        elif kind == 2:
            values = rng.uniform(-i, i + 1, rows)
        elif kind == 3:
            values = rng.poisson(3 + i, rows).astype(np.float64)  # few distinct: kept exact
        else:
            values = rng.normal(0, 1, rows)
            values[rng.random(rows) < 0.02] = np.nan
        columns[f"num_{i}"] = values
        kinds[f"num_{i}"] = "numerical"
    for i, levels in enumerate((3, 5, 10, 20, 50, 100, 500, 1000, 5000, 20000)):
        names = np.array([f"c{i}_{j}" for j in range(levels)])
        weights = 1.0 / np.arange(1, levels + 1)
        codes = rng.choice(levels, rows, p=weights / weights.sum())
        series = pd.Series(names[codes], dtype="str")
        if i % 3 == 0:
            series[rng.random(rows) < 0.02] = None
        columns[f"cat_{i}"] = series
        kinds[f"cat_{i}"] = "categorical"
    return pd.DataFrame(columns), {"columns": kinds}


def time_profile(
    frame: pd.DataFrame, schema: dict[str, object], repeats: int
) -> tuple[float, float, driftscope.Profile]:
    """Median wall and CPU seconds of ``repeats`` runs, and the last profile."""
    walls, cpus = [], []
    result = None
    for _ in range(repeats):
        start, cpu = time.perf_counter(), time.process_time()
        result = driftscope.profile(frame, schema)
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    assert result is not None
    return statistics.median(walls), statistics.median(cpus), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    frame, schema = make_table(args.rows)
    six = [f"num_{i}" for i in range(6)]
    cases = [
        (f"{args.rows:,} x 25 (15 num, 10 cat)", frame, schema),
        (f"{args.rows:,} x 6 numerical", frame[six], {"columns": {c: "numerical" for c in six}}),
    ]
    print(f"driftscope {driftscope.__version__}, median of {args.repeats} runs\n")
    header = (
        f"{'table':<32} {'wall s':>7} {'CPU s':>7} {'rows/s':>11} {'profile bytes':>14} "
        f"{'bytes/num col':>14}"
    )
    print_header(header)
    for name, data, case_schema in cases:
        seconds, cpu, result = time_profile(data, case_schema, args.repeats)
        size = len(result.to_bytes())
        numerical = [p for p in result.columns.values() if type(p) is NumericalProfile]
        per_num = statistics.median(len(p.sketch) + 16 * len(p.exact or ()) for p in numerical)
        print(
            f"{name:<32} {seconds:>7.2f} {cpu:>7.2f} {args.rows / seconds:>11,.0f} {size:>14,} "
            f"{per_num:>14,.0f}"
        )
    print(
        f"\nwhylogs reference (issue 16): {WHYLOGS_SECONDS_1M_X_6} s for 1M x 6 "
        f"({1_000_000 / WHYLOGS_SECONDS_1M_X_6:,.0f} rows/s), "
        f"{WHYLOGS_BYTES_PER_NUMERICAL:,} bytes per numerical column."
    )


if __name__ == "__main__":
    main()
