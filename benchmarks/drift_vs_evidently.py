"""driftscope vs Evidently 0.7 (DataDriftPreset) on the same generated data.

Run with driftscope's venv python (``make bench`` does):

    .venv/bin/python benchmarks/drift_vs_evidently.py                 # 1,000,000 rows, both tools
    .venv/bin/python benchmarks/drift_vs_evidently.py --rows 20000    # quick check
    .venv/bin/python benchmarks/drift_vs_evidently.py --skip-evidently

What it does:

1. Generates reference and current data (seeded numpy): 20 numerical columns with varied
   distributions and 5 categorical string columns (3 to 50 categories). In current, 3 numerical
   columns get a mean shift (0.5, 0.1 and 0.25 SD), 1 a variance change (SD x1.5) and 1
   categorical column a proportion change (5 points moved between two categories). Both are
   written once to Parquet under benchmarks/out/ and reused while the generator is unchanged.
2. Runs each tool in its own subprocess, so each peak RSS is that tool's alone:
   driftscope in this venv (benchmarks/_run_driftscope.py), Evidently in its own venv
   benchmarks/.venv-evidently (benchmarks/_run_evidently.py; made by setup_evidently.sh).
   Evidently is never a dependency of driftscope.
3. Prints wall time (median of --repeats-*), peak RSS, the Evidently/driftscope ratios, the
   targets (at 1,000,000 rows: driftscope <= 3 s and <= 1.5 GB peak for the full JSON + HTML
   report, >= 50x faster than Evidently), and, for the methods both tools share (KS p-value,
   normed Wasserstein, Jensen-Shannon), the largest per-column difference between the tools.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _bench_data import (
    NUMERICAL,
    NUMERICAL_SHIFTS,
    RSS_NOTE,
    add_common_args,
    console,
    describe_shifts,
    exit_code,
    fmt,
    mib,
    numerical_columns,
    prepare_data,
    print_phases,
    print_targets,
    run_both,
    timing_table,
)
from _bench_util import read_json, write_json

# Bump when the generated data changes, so cached Parquet files are rebuilt.
GENERATOR_VERSION = 1
TARGET_SECONDS = 3.0
TARGET_PEAK_BYTES = 1_500_000_000  # "1.5 GB", read as decimal GB (= 1430.5 MiB): the stricter
TARGET_SPEEDUP = 50.0
SHARED_METHODS = {
    "ks_p_value": "KS p-value",
    "wasserstein_normed": "Wasserstein (normed)",
    "jensen_shannon": "Jensen-Shannon distance",
}

# ----------------------------------------------------------------------------- data generation
# The numerical columns and their shifts live in _bench_data.py (report_vs_evidently.py uses
# them as its features); the categorical columns are this benchmark's own.


def _zipf_weights(k: int, s: float) -> np.ndarray:
    w = 1.0 / np.arange(1, k + 1) ** s
    return np.asarray(w / w.sum())


CATEGORICAL: dict[str, np.ndarray] = {
    "cat_3": np.array([0.6, 0.3, 0.1]),
    "cat_8": np.array([0.30, 0.20, 0.15, 0.10, 0.10, 0.07, 0.05, 0.03]),
    "cat_15": _zipf_weights(15, 1.0),
    "cat_30": np.full(30, 1 / 30),
    "cat_50": _zipf_weights(50, 1.1),
}
# column -> (from category index, to category index, share moved)
CATEGORICAL_SHIFTS: dict[str, tuple[int, int, float]] = {"cat_8": (0, 4, 0.05)}


def _labels(name: str, k: int) -> pa.Array:
    return pa.array([f"{name}_v{i:02d}" for i in range(k)], type=pa.string())


def _make_table(rows: int, seed: int, side: int) -> pa.Table:
    """side 0 = reference, 1 = current. Each column has its own seeded stream."""
    arrays: dict[str, pa.Array] = {
        name: pa.array(values)
        for name, values in numerical_columns(rows, seed, side, NUMERICAL_SHIFTS).items()
    }
    for j, (name, probs) in enumerate(CATEGORICAL.items(), start=len(NUMERICAL)):
        rng = np.random.default_rng([seed, side, j])
        p = probs.copy()
        if side == 1 and name in CATEGORICAL_SHIFTS:
            src, dst, share = CATEGORICAL_SHIFTS[name]
            p[src] -= share
            p[dst] += share
        idx = rng.choice(len(p), size=rows, p=p / p.sum())
        arrays[name] = _labels(name, len(p)).take(pa.array(idx))
    return pa.table(arrays)


def prepare(out_dir: Path, rows: int, seed: int, regenerate: bool) -> Path:
    meta = {
        "generator_version": GENERATOR_VERSION,
        "rows": rows,
        "seed": seed,
        "numerical": list(NUMERICAL),
        "categorical": list(CATEGORICAL),
        "shifted": {
            **describe_shifts(NUMERICAL_SHIFTS),
            **{
                k: f"proportion: {share:g} moved from category {a} to {b}"
                for k, (a, b, share) in CATEGORICAL_SHIFTS.items()
            },
        },
    }
    return prepare_data(
        out_dir / f"data-{rows}-seed{seed}",
        meta,
        lambda: (_make_table(rows, seed, 0), _make_table(rows, seed, 1)),
        regenerate,
    )


# ----------------------------------------------------------------------------------- printing


def compare_values(ds: dict[str, Any], ev: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for method in SHARED_METHODS:
        a: dict[str, float] = ds["values"].get(method, {})
        b: dict[str, float] = ev["values"].get(method, {})
        common = [c for c in a if c in b and a[c] is not None and b[c] is not None]
        row: dict[str, Any] = {"method": method, "n_columns": len(common)}
        if common:
            diffs = {c: abs(a[c] - b[c]) for c in common}
            worst = max(diffs, key=lambda c: diffs[c])
            ratios = [a[c] / b[c] for c in common if b[c] != 0 and math.isfinite(a[c] / b[c])]
            row.update(
                max_abs_diff=diffs[worst],
                column=worst,
                driftscope=a[worst],
                evidently=b[worst],
                median_ratio=float(np.median(ratios)) if ratios else None,
                per_column={c: {"driftscope": a[c], "evidently": b[c]} for c in common},
            )
        rows.append(row)
    return rows


def print_summary(
    rows: int, meta: dict[str, Any], ds: dict[str, Any] | None, ev: dict[str, Any] | None
) -> dict[str, Any]:
    from rich.table import Table

    con = console()
    summary: dict[str, Any] = {"rows": rows, "meta": meta}
    title = f"Full drift report, {rows:,} rows x 25 columns (reference and current)"
    con.print(timing_table(title, ds, ev, summary))
    con.print(RSS_NOTE)
    print_phases(con, (ds, ev))

    if ds is not None:
        con.print()
        checks = [
            (
                f"driftscope full report <= {TARGET_SECONDS:g} s",
                ds["analysis_seconds_median"] <= TARGET_SECONDS,
                f"{ds['analysis_seconds_median']:.2f} s",
            ),
            (
                "driftscope peak RSS <= 1.5 GB (1,500,000,000 bytes)",
                ds["peak_rss_process_bytes"] <= TARGET_PEAK_BYTES,
                mib(ds["peak_rss_process_bytes"]),
            ),
        ]
        if "speedup" in summary:
            checks.append(
                (
                    f"driftscope >= {TARGET_SPEEDUP:g}x faster than Evidently",
                    summary["speedup"] >= TARGET_SPEEDUP,
                    f"{summary['speedup']:.1f}x",
                )
            )
        print_targets(con, checks, rows, summary)

    shifted = meta["shifted"]
    con.print(f"\nplanted shifts: {', '.join(f'{k} ({v})' for k, v in shifted.items())}")
    for res in (ds, ev):
        if res is None:
            continue
        found = set(res["drifted_columns"])
        missed = sorted(set(shifted) - found)
        extra = sorted(found - set(shifted))
        con.print(
            f"  {res['tool']} flags {len(found)} column(s); missed: {missed or 'none'}; "
            f"flagged unshifted: {extra or 'none'}"
        )
        methods: dict[str, int] = {}
        for m in res["default_methods"].values():
            methods[m] = methods.get(m, 0) + 1
        con.print(
            f"  {res['tool']} default methods: "
            + "; ".join(f"{m} x{n}" for m, n in sorted(methods.items()))
        )

    if ds is not None and ev is not None:
        diff_rows = compare_values(ds, ev)
        summary["shared_methods"] = diff_rows
        diff = Table(title="Shared methods: largest per-column |driftscope - evidently|")
        for col in (
            "method",
            "columns",
            "max |diff|",
            "at column",
            "driftscope",
            "evidently",
            "median ratio ds/ev",
        ):
            diff.add_column(col, justify="left" if col in ("method", "at column") else "right")
        for r in diff_rows:
            if not r["n_columns"]:
                diff.add_row(SHARED_METHODS[r["method"]], "0", "-", "-", "-", "-", "-")
                continue
            diff.add_row(
                SHARED_METHODS[r["method"]],
                str(r["n_columns"]),
                fmt(r["max_abs_diff"]),
                r["column"] if r["max_abs_diff"] > 0 else "(all equal)",
                fmt(r["driftscope"]),
                fmt(r["evidently"]),
                fmt(r["median_ratio"]),
            )
        con.print(diff)
        con.print(
            "Evidently: normed Wasserstein = scipy wasserstein_distance / std(reference, ddof=0); "
            "Jensen-Shannon = scipy jensenshannon (natural log, max ln2 = 0.833) on category "
            "shares, or for numerical columns with > 20 distinct reference values on 'sturges' "
            "equal-width bins over the combined range (22 bins at 2 x 1M rows)."
        )
    return summary


# --------------------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_common_args(parser)
    args = parser.parse_args()

    out_dir: Path = args.out_dir.resolve()
    data_dir = prepare(out_dir, args.rows, args.seed, args.regenerate)
    meta = read_json(data_dir / "meta.json")
    run_dir = out_dir / f"run-{args.rows}"
    ds, ev, failed = run_both(args, data_dir, run_dir, "_run_driftscope.py", "_run_evidently.py")

    print()
    summary = print_summary(args.rows, meta, ds, ev)
    write_json(run_dir / "summary.json", summary)
    print(f"\nresults: {run_dir / 'summary.json'}")
    return exit_code(summary, failed, args.check, args.rows)


if __name__ == "__main__":
    sys.exit(main())
