"""Data generation, runner start-up and printing shared by the benchmark drivers.

Used by ``drift_vs_evidently.py`` and ``report_vs_evidently.py``, which run in driftscope's venv
(numpy, pyarrow and rich available). The runners (``_run_*.py``) do not import this module: they
run in two different venvs and only use the standard-library helpers in ``_bench_util.py``.
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
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
TARGET_ROWS = 1_000_000

# ----------------------------------------------------------------------- numerical columns

Gen = np.random.Generator


def _bimodal(rng: Gen, n: int) -> np.ndarray:
    first = rng.random(n) < 0.6
    return np.where(first, rng.normal(-2.0, 1.0, n), rng.normal(3.0, 0.5, n))


def _with_missing(rng: Gen, n: int) -> np.ndarray:
    values = rng.normal(0.0, 1.0, n)
    values[rng.random(n) < 0.02] = np.nan
    return values


# name -> generator(rng, n). 20 numerical columns with varied distributions.
NUMERICAL: dict[str, Callable[[Gen, int], np.ndarray]] = {
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
# column -> (kind of shift, size), applied to current only
NUMERICAL_SHIFTS: dict[str, tuple[str, float]] = {
    "num_normal": ("mean", 0.5 * 1.0),  # +0.5 SD
    "num_normal_wide": ("mean", 0.1 * 10.0),  # +0.1 SD
    "num_lognormal": ("mean", 0.25 * _LOGNORMAL_SD),  # +0.25 SD
    "num_normal_scale": ("scale", 1.5),  # SD x1.5 around the mean 10
}


def numerical_columns(
    rows: int, seed: int, side: int, shifts: dict[str, tuple[str, float]]
) -> dict[str, np.ndarray]:
    """The NUMERICAL columns for one side (0 = reference, 1 = current).

    Column j draws from its own stream ``default_rng([seed, side, j])``, so streams with other
    keys (labels, timestamps, ...) never change these values. ``shifts`` apply to side 1 only:
    a mean shift adds; a scale change stretches around the mean (10).
    """
    out: dict[str, np.ndarray] = {}
    for j, (name, gen) in enumerate(NUMERICAL.items()):
        values = gen(np.random.default_rng([seed, side, j]), rows)
        if side == 1 and name in shifts:
            kind, size = shifts[name]
            values = values + size if kind == "mean" else 10.0 + (values - 10.0) * size
        out[name] = values
    return out


def describe_shifts(shifts: dict[str, tuple[str, float]]) -> dict[str, str]:
    return {k: f"{kind} {size:g}" for k, (kind, size) in shifts.items()}


# ----------------------------------------------------------------------------- data cache


def prepare_data(
    data_dir: Path,
    meta: dict[str, Any],
    build: Callable[[], tuple[pa.Table, pa.Table]],
    regenerate: bool,
) -> Path:
    """Write ``reference.parquet``, ``current.parquet`` and ``meta.json`` to ``data_dir``.

    The files are reused while ``meta.json`` equals ``meta`` (put a generator version in it and
    bump it when the generator changes). ``build`` returns the (reference, current) tables.
    """
    files = [data_dir / "reference.parquet", data_dir / "current.parquet"]
    meta_path = data_dir / "meta.json"
    cached = not regenerate and meta_path.exists() and all(f.exists() for f in files)
    if cached and read_json(meta_path) == meta:
        print(f"data: reusing {data_dir}", flush=True)
        return data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    print(f"data: generating {meta['rows']:,} rows a side into {data_dir} ...", flush=True)
    for table, path in zip(build(), files, strict=True):
        pq.write_table(table, path)
    write_json(meta_path, meta)
    return data_dir


# ---------------------------------------------------------------------------------- runners


def run_tool(
    name: str,
    python: Path,
    script: str,
    data_dir: Path,
    out: Path,
    repeats: int,
    extra_args: Sequence[str] = (),
) -> int:
    """Start one runner in its own process (so its peak RSS is its own). Returns its exit code."""
    cmd = [
        str(python),
        str(BENCH_DIR / script),
        "--data-dir",
        str(data_dir),
        "--out",
        str(out),
        "--repeats",
        str(repeats),
        *extra_args,
    ]
    print(f"\n{name}: {' '.join(cmd)}", flush=True)
    out.unlink(missing_ok=True)
    env = {**os.environ, "DO_NOT_TRACK": "1"}
    env.pop("VIRTUAL_ENV", None)
    return subprocess.run(cmd, cwd=REPO_DIR, env=env, check=False).returncode


def missing_evidently_venv(python: Path) -> bool:
    if python.exists():
        return False
    print(
        f"\nEvidently's venv is missing ({python}). Create it with\n"
        "    bash benchmarks/setup_evidently.sh\n"
        "or pass --skip-evidently.",
        flush=True,
    )
    return True


# --------------------------------------------------------------------------------- printing


def mib(value: float | None) -> str:
    return "-" if value is None else f"{value / MIB:,.0f} MiB"


def fmt(value: float | None) -> str:
    if value is None:
        return "-"
    if value != 0 and (abs(value) < 1e-3 or abs(value) >= 1e4):
        return f"{value:.3e}"
    return f"{value:.4f}"


def console() -> Any:
    from rich.console import Console

    return Console(width=None if sys.stdout.isatty() else 150)


def timing_table(
    title: str, ds: dict[str, Any] | None, ev: dict[str, Any] | None, summary: dict[str, Any]
) -> Any:
    """The wall time / peak RSS table of both runners' results, plus the Evidently/driftscope
    ratios (stored in ``summary`` as ``speedup`` and ``peak_rss_ratio``)."""
    from rich.table import Table

    table = Table(title=title)
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
            f"{res['tool']} {res['version']}"
            + (f" (earlier run, {res['reused_from']})" if res.get("reused_from") else ""),
            f"{res['analysis_seconds_median']:.2f} s",
            str(res["repeats"]),
            f"{res['read_seconds']:.2f} s",
            mib(res["peak_rss_process_bytes"]),
            mib(res["peak_rss_analysis_bytes"]) if res["peak_rss_reset_supported"] else "-",
            mib(res["rss_after_read_bytes"]),
            f"{sizes.get('json_bytes', 0) / 1e6:.1f} / {sizes.get('html_bytes', 0) / 1e6:.1f} MB",
        )
    if ds is not None and ev is not None:
        speedup = ev["analysis_seconds_median"] / ds["analysis_seconds_median"]
        mem_ratio = ev["peak_rss_process_bytes"] / ds["peak_rss_process_bytes"]
        summary["speedup"] = speedup
        summary["peak_rss_ratio"] = mem_ratio
        table.add_row("evidently / driftscope", f"{speedup:.1f}x", "", "", f"{mem_ratio:.2f}x")
    return table


RSS_NOTE = (
    "peak RSS (process) = ru_maxrss of the runner: import + Parquet read + analysis. "
    "peak RSS (analysis) = peak after a reset (/proc/self/clear_refs) just before the "
    "analysis, with the loaded data still resident. Untimed value runs come after both."
)


def print_phases(con: Any, results: Iterable[dict[str, Any] | None]) -> None:
    for res in results:
        if res is not None:
            phases = ", ".join(f"{k} {v:.2f} s" for k, v in res["phases_seconds_median"].items())
            con.print(f"  {res['tool']} phases (median): {phases}")


def print_targets(
    con: Any, checks: list[tuple[str, bool, str]], rows: int, summary: dict[str, Any]
) -> None:
    """Print (label, passed, measured) checks; they apply at TARGET_ROWS rows only."""
    from rich.table import Table

    at_target = rows == TARGET_ROWS
    targets = Table(
        title="Targets"
        + ("" if at_target else f" (they apply at {TARGET_ROWS:,} rows; shown for info)")
    )
    for col in ("target", "measured", "result"):
        targets.add_column(col)
    for label, ok, measured in checks:
        targets.add_row(label, measured, "[green]PASS[/]" if ok else "[red]FAIL[/]")
    con.print(targets)
    summary["targets"] = [
        {"target": label, "measured": m, "passed": ok, "applies": at_target}
        for label, ok, m in checks
    ]


def exit_code(summary: dict[str, Any], failed: bool, check: bool, rows: int) -> int:
    """2 if a runner failed; 1 with ``--check`` at TARGET_ROWS rows if a target was missed."""
    if failed:
        return 2
    missed = not all(t["passed"] for t in summary.get("targets", []))
    if check and rows == TARGET_ROWS and missed:
        return 1
    return 0


# ------------------------------------------------------------------------------ command line


def add_common_args(parser: argparse.ArgumentParser) -> None:
    """The options every driver has: rows, seed, repeats, skips, paths, --regenerate, --check."""
    parser.add_argument("--rows", type=int, default=TARGET_ROWS, help="rows per side")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--repeats-driftscope", type=int, default=3)
    parser.add_argument("--repeats-evidently", type=int, default=1)
    parser.add_argument("--skip-evidently", action="store_true")
    parser.add_argument("--skip-driftscope", action="store_true")
    parser.add_argument(
        "--reuse-evidently",
        action="store_true",
        help="use the Evidently result of an earlier run on the same data instead of running "
        "Evidently again (it takes minutes at 1M rows); the ratio then mixes two runs",
    )
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


def run_both(
    args: argparse.Namespace,
    data_dir: Path,
    run_dir: Path,
    driftscope_script: str,
    evidently_script: str,
) -> tuple[dict[str, Any] | None, dict[str, Any] | None, bool]:
    """Run driftscope's runner (in this venv), then Evidently's (in its own venv), one after the
    other, unless skipped. Returns (driftscope result, evidently result, whether one failed)."""
    ds = ev = None
    failed = False
    if not args.skip_driftscope:
        out = run_dir / "driftscope.json"
        code = run_tool(
            "driftscope",
            Path(sys.executable),
            driftscope_script,
            data_dir,
            out,
            args.repeats_driftscope,
        )
        if code == 0:
            ds = read_json(out)
        else:
            failed = True
            print(f"driftscope runner failed (exit {code}); see the message above.", flush=True)
    if not args.skip_evidently and args.reuse_evidently:
        ev = _earlier_result(run_dir / "evidently.json", data_dir, args.rows)
        failed = ev is None
    elif not args.skip_evidently:
        if missing_evidently_venv(args.evidently_python):
            failed = True
        else:
            out = run_dir / "evidently.json"
            code = run_tool(
                "evidently",
                args.evidently_python,
                evidently_script,
                data_dir,
                out,
                args.repeats_evidently,
            )
            if code == 0:
                ev = read_json(out)
            else:
                failed = True
                print(f"evidently runner failed (exit {code}).", flush=True)
    return ds, ev, failed


def _earlier_result(path: Path, data_dir: Path, rows: int) -> dict[str, Any] | None:
    """A runner's result from an earlier run, if it is newer than the data and has its rows."""
    meta = data_dir / "meta.json"
    if path.exists() and path.stat().st_mtime >= meta.stat().st_mtime:
        result = read_json(path)
        if result.get("n_reference") == rows:
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(path.stat().st_mtime))
            print(f"\nevidently: reusing {path} (from {when})", flush=True)
            result["reused_from"] = when
            return result
    print(f"\nevidently: no earlier result for this data at {path}; run without --reuse-evidently")
    return None
