"""driftscope side of multivariate_vs_nannyml.py. Runs in driftscope's .venv.

    .venv/bin/python benchmarks/_run_multivariate_driftscope.py \
        --data-dir benchmarks/out/multivariate-10num-5cat --out benchmarks/out/mv-ds.json

Timed, per variant, on each of the chunks in turn (what a user monitoring chunk by chunk runs):
``driftscope.compare(reference, chunk, multivariate=...)`` with the reference table (every
call reads, infers and prepares the reference again), and ``driftscope.prepare(reference)`` once
then ``driftscope.compare(prepared, chunk, ...)`` per chunk (the preparation counted once in
the pass's time, and recorded on its own too). The median of ``--repeats`` passes after one
untimed warm-up pass (imports, first-use caches). Also records, per chunk, the dataset verdict,
whether each multivariate test rejected, and the time the multivariate tests took inside
``compare`` (its ``timings``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _bench_util import Stopwatch, log, machine_info, median, module_versions, read_json, write_json


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    import pandas as pd

    import driftscope

    meta = read_json(args.data_dir / "meta.json")
    reference = pd.read_parquet(args.data_dir / "reference.parquet")
    current = pd.read_parquet(args.data_dir / "current.parquet")
    size = int(meta["chunk_rows"])
    chunks = [
        current.iloc[start : start + size].reset_index(drop=True)
        for start in range(0, len(current), size)
    ]

    def one_pass(multivariate: bool, prepared: bool) -> tuple[float, float, list[Any]]:
        reports = []
        preparing = 0.0
        with Stopwatch() as sw:
            against: Any = reference
            if prepared:
                with Stopwatch() as prep:
                    against = driftscope.prepare(reference, multivariate=multivariate, seed=0)
                preparing = prep.seconds
            for chunk in chunks:
                reports.append(
                    driftscope.compare(against, chunk, multivariate=multivariate, seed=0)
                )
        return sw.seconds, preparing, reports

    variants: dict[str, Any] = {}
    for name, multivariate, prepared in (
        ("columns", False, False),
        ("columns+multivariate", True, False),
        ("prepared columns", False, True),
        ("prepared columns+multivariate", True, True),
    ):
        one_pass(multivariate, prepared)  # warm-up
        seconds: list[float] = []
        preparing: list[float] = []
        reports: list[Any] = []
        tests: list[float] = []  # the whole-table tests' time in each pass, from the timings
        for i in range(args.repeats):
            took, prep, reports = one_pass(multivariate, prepared)
            seconds.append(took)
            preparing.append(prep)
            tests.append(sum(float(r.metadata.timings.get("multivariate", 0.0)) for r in reports))
            log(f"{name} pass {i + 1}/{args.repeats}: {took:.2f}s (prepare {prep:.2f}s)")
        entry: dict[str, Any] = {
            "seconds": seconds,
            "median_seconds": median(seconds),
            "prepare_seconds": preparing,
            "median_prepare_seconds": median(preparing),
            "dataset_drift": [bool(r.drift.dataset.drifted) for r in reports],
            "drifted_columns": [len(r.drift.drifted_columns) for r in reports],
        }
        if multivariate:
            entry["multivariate_seconds"] = median(tests)
            for method in ("mmd", "domain_classifier"):
                found = [
                    next(m for m in r.drift.multivariate if m.method == method) for r in reports
                ]
                entry[method] = {
                    "flagged": [bool(t.drifted) for t in found],
                    "statistic": [t.statistic for t in found],
                    "p_value": [t.p_value for t in found],
                }
        variants[name] = entry
    write_json(
        args.out,
        {
            "tool": "driftscope",
            "versions": module_versions("driftscope", "numpy", "pandas", "sklearn"),
            "machine": machine_info(),
            "variants": variants,
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
