"""`compare` on profiles against `compare` on rows: time, and whether the decisions agree.

Run with driftscope's venv python:

    .venv/bin/python benchmarks/profile_compare.py                 # 1,000,000 rows a side
    .venv/bin/python benchmarks/profile_compare.py --rows 100000   # quick check

Builds the seeded 25-column table of `profile_speed.py` for reference and again (another seed)
for current, with a shift in some columns: a numerical column moved by 0.05, 0.1 and 0.3 of its
standard deviation, and one categorical column's first category made 20% more likely. It
times `compare` on the rows (the whole-table tests off, since profiles cannot run them),
`driftscope.profile` of each side, and `compare` of the two profiles and of a profile with
current's rows; then counts the columns whose decision from profiles is the rows' decision,
those whose numbers are exact, and those whose decision is flagged uncertain (numbers within
the sketches' bounds could flip it). A column that disagrees without being uncertain would be
a broken bound: the script says how many.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np
import pandas as pd

import driftscope
from profile_speed import make_table

SHIFTS = {"num_0": 0.05, "num_5": 0.1, "num_10": 0.3}


def _current(rows: int) -> tuple[pd.DataFrame, dict[str, Any]]:
    frame, schema = make_table(rows, seed=1)
    rng = np.random.default_rng(2)
    for column, shift in SHIFTS.items():
        frame[column] = frame[column] + shift * float(np.nanstd(frame[column]))
    column = "cat_3"
    first = frame[column].dropna().iloc[0]
    swap = (frame[column] != first) & (rng.random(rows) < 0.2 * 0.05)
    frame.loc[swap, column] = first
    return frame, schema


def _timed(run: Any) -> tuple[Any, float]:
    start = time.perf_counter()
    value = run()
    return value, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    reference, schema = make_table(args.rows, seed=0)
    current, _ = _current(args.rows)
    rows, rows_seconds = _timed(
        lambda: driftscope.compare(reference, current, schema, multivariate=False)
    )
    ref_profile, ref_seconds = _timed(lambda: driftscope.profile(reference, rows.schema))
    cur_profile, cur_seconds = _timed(lambda: driftscope.profile(current, rows.schema))
    both, both_seconds = _timed(lambda: driftscope.compare(ref_profile, cur_profile))
    mixed, mixed_seconds = _timed(lambda: driftscope.compare(ref_profile, current))
    print(f"{args.rows:,} rows a side, {len(rows.drift.columns)} columns")
    print()
    print("| run | wall s |")
    print("| --- | ---: |")
    print(f"| compare(rows, rows), whole-table tests off | {rows_seconds:.2f} |")
    print(f"| profile(reference rows) | {ref_seconds:.2f} |")
    print(f"| profile(current rows) | {cur_seconds:.2f} |")
    print(f"| compare(reference profile, current profile) | {both_seconds:.2f} |")
    print(f"| compare(reference profile, current rows): profiles current, then compares | "
          f"{mixed_seconds:.2f} |")  # fmt: skip
    print()
    print(f"reference profile: {len(ref_profile.to_bytes()):,} bytes")
    print()
    print("| compared | columns | same decision as rows | exact | uncertain | "
          "different and not uncertain |")  # fmt: skip
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for label, report in (("profile, profile", both), ("profile, rows", mixed)):
        pairs = list(zip(rows.drift.columns, report.drift.columns, strict=True))
        same = sum(a.drifted == b.drifted for a, b in pairs)
        exact = sum(b.exact for _, b in pairs)
        uncertain = sum(b.decision_uncertain for _, b in pairs)
        broken = sum(a.drifted != b.drifted and not b.decision_uncertain for a, b in pairs)
        print(f"| {label} | {len(pairs)} | {same} | {exact} | {uncertain} | {broken} |")
    print()
    print(
        "| column | rows: drifted, KS or chi2 | profiles: drifted, statistic [bounds] | uncertain |"
    )
    print("| --- | --- | --- | --- |")
    for a, b in zip(rows.drift.columns, both.drift.columns, strict=True):
        if a.name in SHIFTS or a.name == "cat_3" or a.drifted != b.drifted:
            bounds = (
                ""
                if b.statistic_bounds is None
                else (f" [{b.statistic_bounds[0]:.4g}, {b.statistic_bounds[1]:.4g}]")
            )
            print(f"| {a.name} | {a.drifted}, {a.statistic:.4g} | {b.drifted}, "
                  f"{b.statistic:.4g}{bounds} | {b.decision_uncertain} |")  # fmt: skip


if __name__ == "__main__":
    main()
