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
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _bench_util import MIB, read_json, write_json

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
DEFAULT_OUT = BENCH_DIR / "out"
DEFAULT_EVIDENTLY_PYTHON = BENCH_DIR / ".venv-evidently" / "bin" / "python"

# Bump when the generated data changes, so cached Parquet files are rebuilt.
GENERATOR_VERSION = 1
TARGET_ROWS = 1_000_000
TARGET_SECONDS = 3.0
TARGET_PEAK_BYTES = 1_500_000_000  # "1.5 GB", read as decimal GB (= 1430.5 MiB): the stricter
TARGET_SPEEDUP = 50.0
SHARED_METHODS = {
    "ks_p_value": "KS p-value",
    "wasserstein_normed": "Wasserstein (normed)",
    "jensen_shannon": "Jensen-Shannon distance",
}

# ----------------------------------------------------------------------------- data generation

Gen = np.random.Generator


def _bimodal(rng: Gen, n: int) -> np.ndarray:
    first = rng.random(n) < 0.6
    return np.where(first, rng.normal(-2.0, 1.0, n), rng.normal(3.0, 0.5, n))


def _with_missing(rng: Gen, n: int) -> np.ndarray:
    values = rng.normal(0.0, 1.0, n)
    values[rng.random(n) < 0.02] = np.nan
    return values


# name -> (generator, standard deviation of the reference distribution, for shifts)
NUMERICAL: dict[str, Any] = {
    "num_normal": lambda r, n: r.normal(0.0, 1.0, n),
    "num_normal_wide": lambda r, n: r.normal(50.0, 10.0, n),
    "num_lognormal": lambda r, n: r.lognormal(0.0, 0.75, n),
    "num_normal_scale": lambda r, n: r.normal(10.0, 2.0, n),
    "num_uniform": lambda r, n: r.uniform(0.0, 100.0, n),
    "num_exponential": lambda r, n: r.exponential(2.0, n),
    "num_gamma": lambda r, n: r.gamma(2.0, 3.0, n),
    "num_beta": lambda r, n: r.beta(2.0, 5.0, n),
    "num_student_t": lambda r, n: r.standard_t(5.0, n),
    "num_bimodal": _bimodal,
    "num_poisson_int": lambda r, n: r.poisson(20.0, n).astype(np.int64),
    "num_weibull": lambda r, n: 10.0 * r.weibull(1.5, n),
    "num_laplace": lambda r, n: r.laplace(0.0, 2.0, n),
    "num_logistic": lambda r, n: r.logistic(5.0, 1.0, n),
    "num_chisquare": lambda r, n: r.chisquare(4.0, n),
    "num_pareto": lambda r, n: r.pareto(3.0, n),
    "num_rounded": lambda r, n: np.round(r.normal(100.0, 15.0, n)),
    "num_with_missing": _with_missing,
    "num_triangular": lambda r, n: r.triangular(0.0, 3.0, 10.0, n),
    "num_large_offset": lambda r, n: r.normal(1e6, 1e3, n),
}
_LOGNORMAL_SD = math.sqrt((math.exp(0.75**2) - 1) * math.exp(0.75**2))
# column -> (kind of shift, size)
NUMERICAL_SHIFTS: dict[str, tuple[str, float]] = {
    "num_normal": ("mean", 0.5 * 1.0),  # +0.5 SD
    "num_normal_wide": ("mean", 0.1 * 10.0),  # +0.1 SD
    "num_lognormal": ("mean", 0.25 * _LOGNORMAL_SD),  # +0.25 SD
    "num_normal_scale": ("scale", 1.5),  # SD x1.5 around the mean 10
}


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
    arrays: dict[str, pa.Array] = {}
    for j, (name, gen) in enumerate(NUMERICAL.items()):
        rng = np.random.default_rng([seed, side, j])
        values = gen(rng, rows)
        if side == 1 and name in NUMERICAL_SHIFTS:
            kind, size = NUMERICAL_SHIFTS[name]
            # a mean shift adds; a scale change stretches around the mean (10)
            values = values + size if kind == "mean" else 10.0 + (values - 10.0) * size
        arrays[name] = pa.array(values)
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


def prepare_data(out_dir: Path, rows: int, seed: int, regenerate: bool) -> Path:
    data_dir = out_dir / f"data-{rows}-seed{seed}"
    meta = {
        "generator_version": GENERATOR_VERSION,
        "rows": rows,
        "seed": seed,
        "numerical": list(NUMERICAL),
        "categorical": list(CATEGORICAL),
        "shifted": {
            **{k: f"{kind} {size:g}" for k, (kind, size) in NUMERICAL_SHIFTS.items()},
            **{
                k: f"proportion: {share:g} moved from category {a} to {b}"
                for k, (a, b, share) in CATEGORICAL_SHIFTS.items()
            },
        },
    }
    files = [data_dir / "reference.parquet", data_dir / "current.parquet"]
    meta_path = data_dir / "meta.json"
    cached = not regenerate and meta_path.exists() and all(f.exists() for f in files)
    if cached and read_json(meta_path) == meta:
        print(f"data: reusing {data_dir}", flush=True)
        return data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    print(f"data: generating {rows:,} rows x {len(meta['numerical']) + 5} columns ...", flush=True)
    for side, path in enumerate(files):
        pq.write_table(_make_table(rows, seed, side), path)
    write_json(meta_path, meta)
    return data_dir


# ------------------------------------------------------------------------------------ runners


def run_tool(name: str, python: Path, script: str, data_dir: Path, out: Path, repeats: int) -> int:
    cmd = [
        str(python),
        str(BENCH_DIR / script),
        "--data-dir",
        str(data_dir),
        "--out",
        str(out),
        "--repeats",
        str(repeats),
    ]
    print(f"\n{name}: {' '.join(cmd)}", flush=True)
    out.unlink(missing_ok=True)
    env = {**os.environ, "DO_NOT_TRACK": "1"}
    env.pop("VIRTUAL_ENV", None)
    return subprocess.run(cmd, cwd=REPO_DIR, env=env, check=False).returncode


# ----------------------------------------------------------------------------------- printing


def _mib(value: float | None) -> str:
    return "-" if value is None else f"{value / MIB:,.0f} MiB"


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    if value != 0 and (abs(value) < 1e-3 or abs(value) >= 1e4):
        return f"{value:.3e}"
    return f"{value:.4f}"


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
    from rich.console import Console
    from rich.table import Table

    console = Console(width=None if sys.stdout.isatty() else 150)
    summary: dict[str, Any] = {"rows": rows, "meta": meta}

    table = Table(title=f"Full drift report, {rows:,} rows x 25 columns (reference and current)")
    for col in (
        "tool",
        "analysis (median)",
        "runs",
        "read parquet",
        "peak RSS (process)",
        "peak RSS (analysis)",
        "RSS after read",
        "report JSON / HTML",
    ):
        table.add_column(col, justify="right" if col != "tool" else "left")
    for res in (ds, ev):
        if res is None:
            continue
        sizes = res.get("report_sizes", {})
        table.add_row(
            f"{res['tool']} {res['version']}",
            f"{res['analysis_seconds_median']:.2f} s",
            str(res["repeats"]),
            f"{res['read_seconds']:.2f} s",
            _mib(res["peak_rss_process_bytes"]),
            _mib(res["peak_rss_analysis_bytes"]) if res["peak_rss_reset_supported"] else "-",
            _mib(res["rss_after_read_bytes"]),
            f"{sizes.get('json_bytes', 0) / 1e6:.1f} / {sizes.get('html_bytes', 0) / 1e6:.1f} MB",
        )
    if ds is not None and ev is not None:
        speedup = ev["analysis_seconds_median"] / ds["analysis_seconds_median"]
        mem_ratio = ev["peak_rss_process_bytes"] / ds["peak_rss_process_bytes"]
        summary["speedup"] = speedup
        summary["peak_rss_ratio"] = mem_ratio
        table.add_row("evidently / driftscope", f"{speedup:.1f}x", "", "", f"{mem_ratio:.2f}x")
    console.print(table)
    console.print(
        "peak RSS (process) = ru_maxrss of the runner: import + Parquet read + analysis. "
        "peak RSS (analysis) = peak after a reset (/proc/self/clear_refs) just before the "
        "analysis, with the loaded data still resident. Untimed value runs come after both."
    )
    for res in (ds, ev):
        if res is not None:
            phases = ", ".join(f"{k} {v:.2f} s" for k, v in res["phases_seconds_median"].items())
            console.print(f"  {res['tool']} phases (median): {phases}")

    if ds is not None:
        console.print()
        checks = []
        at_target = rows == TARGET_ROWS
        checks.append(
            (
                f"driftscope full report <= {TARGET_SECONDS:g} s",
                ds["analysis_seconds_median"] <= TARGET_SECONDS,
                f"{ds['analysis_seconds_median']:.2f} s",
            )
        )
        checks.append(
            (
                "driftscope peak RSS <= 1.5 GB (1,500,000,000 bytes)",
                ds["peak_rss_process_bytes"] <= TARGET_PEAK_BYTES,
                _mib(ds["peak_rss_process_bytes"]),
            )
        )
        if "speedup" in summary:
            checks.append(
                (
                    f"driftscope >= {TARGET_SPEEDUP:g}x faster than Evidently",
                    summary["speedup"] >= TARGET_SPEEDUP,
                    f"{summary['speedup']:.1f}x",
                )
            )
        targets = Table(
            title="Targets"
            + ("" if at_target else f" (they apply at {TARGET_ROWS:,} rows; shown for info)")
        )
        for col in ("target", "measured", "result"):
            targets.add_column(col)
        for label, ok, measured in checks:
            targets.add_row(label, measured, "[green]PASS[/]" if ok else "[red]FAIL[/]")
        console.print(targets)
        summary["targets"] = [
            {"target": label, "measured": m, "passed": ok, "applies": at_target}
            for label, ok, m in checks
        ]

    shifted = meta["shifted"]
    console.print(f"\nplanted shifts: {', '.join(f'{k} ({v})' for k, v in shifted.items())}")
    for res in (ds, ev):
        if res is None:
            continue
        found = set(res["drifted_columns"])
        missed = sorted(set(shifted) - found)
        extra = sorted(found - set(shifted))
        console.print(
            f"  {res['tool']} flags {len(found)} column(s); missed: {missed or 'none'}; "
            f"flagged unshifted: {extra or 'none'}"
        )
        methods: dict[str, int] = {}
        for m in res["default_methods"].values():
            methods[m] = methods.get(m, 0) + 1
        console.print(
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
                _fmt(r["max_abs_diff"]),
                r["column"] if r["max_abs_diff"] > 0 else "(all equal)",
                _fmt(r["driftscope"]),
                _fmt(r["evidently"]),
                _fmt(r["median_ratio"]),
            )
        console.print(diff)
        console.print(
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
    parser.add_argument("--rows", type=int, default=TARGET_ROWS, help="rows per side")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--repeats-driftscope", type=int, default=3)
    parser.add_argument("--repeats-evidently", type=int, default=1)
    parser.add_argument("--skip-evidently", action="store_true")
    parser.add_argument("--skip-driftscope", action="store_true")
    parser.add_argument("--out-dir", type=Path, default=DEFAULT_OUT)
    parser.add_argument(
        "--evidently-python",
        type=Path,
        default=DEFAULT_EVIDENTLY_PYTHON,
        help="python of Evidently's own venv (made by benchmarks/setup_evidently.sh)",
    )
    parser.add_argument("--regenerate", action="store_true", help="rebuild the Parquet files")
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if a target is missed (at 1,000,000 rows)"
    )
    args = parser.parse_args()

    out_dir: Path = args.out_dir.resolve()
    data_dir = prepare_data(out_dir, args.rows, args.seed, args.regenerate)
    meta = read_json(data_dir / "meta.json")
    run_dir = out_dir / f"run-{args.rows}"
    failed = False

    ds = ev = None
    if not args.skip_driftscope:
        out = run_dir / "driftscope.json"
        code = run_tool(
            "driftscope",
            Path(sys.executable),
            "_run_driftscope.py",
            data_dir,
            out,
            args.repeats_driftscope,
        )
        if code == 0:
            ds = read_json(out)
        else:
            failed = True
            print(f"driftscope runner failed (exit {code}); see the message above.", flush=True)
    if not args.skip_evidently:
        if not args.evidently_python.exists():
            failed = True
            print(
                f"\nEvidently's venv is missing ({args.evidently_python}). Create it with\n"
                "    bash benchmarks/setup_evidently.sh\n"
                "or pass --skip-evidently.",
                flush=True,
            )
        else:
            out = run_dir / "evidently.json"
            code = run_tool(
                "evidently",
                args.evidently_python,
                "_run_evidently.py",
                data_dir,
                out,
                args.repeats_evidently,
            )
            if code == 0:
                ev = read_json(out)
            else:
                failed = True
                print(f"evidently runner failed (exit {code}).", flush=True)

    print()
    summary = print_summary(args.rows, meta, ds, ev)
    write_json(run_dir / "summary.json", summary)
    print(f"\nresults: {run_dir / 'summary.json'}")
    if failed:
        return 2
    missed = not all(t["passed"] for t in summary.get("targets", []))
    if args.check and args.rows == TARGET_ROWS and missed:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
