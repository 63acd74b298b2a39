"""driftscope side of the benchmark. Runs in driftscope's own venv (/work/main/.venv).

Started by drift_vs_evidently.py; can be run by hand:

    .venv/bin/python benchmarks/_run_driftscope.py \
        --data-dir benchmarks/out/data-1000000-seed42 --out benchmarks/out/driftscope.json

Timed ("analysis"): the full report from two DataFrames already in memory:
``driftscope.compare(reference, current)`` then ``report.save_json`` and ``report.save_html``.
Reading the Parquet files is timed separately.

Not timed: a second ``compare`` forcing ``methods={column: "jensen_shannon"}`` on every column,
to get driftscope's Jensen-Shannon distances. It runs after the peak RSS of the timed part is
recorded.
"""

from __future__ import annotations

import argparse
import gc
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _bench_util import (
    AnalysisRecorder,
    Stopwatch,
    log,
    machine_info,
    module_versions,
    read_json,
    write_json,
)

EXIT_API_MISSING = 3

# driftscope method / effect-size names -> the benchmark's names for the shared methods.
_BY_METHOD = {"ks": ("ks_p_value", "p_value"), "jensen_shannon": ("jensen_shannon", "statistic")}
_BY_EFFECT = {"wasserstein_normed": "wasserstein_normed", "jensen_shannon": "jensen_shannon"}


def _collect(columns: list[dict[str, Any]], values: dict[str, dict[str, float]]) -> None:
    for col in columns:
        name = col["name"]
        by_method = _BY_METHOD.get(str(col.get("method")))
        if by_method is not None and col.get(by_method[1]) is not None:
            values[by_method[0]][name] = float(col[by_method[1]])
        by_effect = _BY_EFFECT.get(str(col.get("effect_size_method")))
        if by_effect is not None and col.get("effect_size") is not None:
            values[by_effect].setdefault(name, float(col["effect_size"]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True, help="results JSON to write")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--reports-dir", type=Path, default=None, help="where the JSON/HTML reports go"
    )
    parser.add_argument("--skip-values", action="store_true", help="skip the untimed JS run")
    args = parser.parse_args()
    reports_dir = args.reports_dir or args.out.parent / "driftscope-report"
    reports_dir.mkdir(parents=True, exist_ok=True)
    meta = read_json(args.data_dir / "meta.json")
    numerical: list[str] = meta["numerical"]
    categorical: list[str] = meta["categorical"]

    with Stopwatch() as sw_import:
        import pandas as pd

        try:
            import driftscope

            compare = driftscope.compare
        except (ImportError, AttributeError) as exc:
            print(
                "driftscope benchmark: `driftscope.compare` is not importable yet "
                f"({type(exc).__name__}: {exc}). The benchmark needs "
                "driftscope.compare(reference_df, current_df, methods=...) -> Report with "
                "save_json/save_html/to_dict. Run with --skip-driftscope to bench Evidently alone.",
                file=sys.stderr,
            )
            return EXIT_API_MISSING
    version = str(getattr(driftscope, "__version__", "unknown"))
    log(f"driftscope {version}, pandas {pd.__version__} (import {sw_import.seconds:.1f}s)")

    with Stopwatch() as sw_read:
        reference = pd.read_parquet(args.data_dir / "reference.parquet")
        current = pd.read_parquet(args.data_dir / "current.parquet")
    rec = AnalysisRecorder(["compare", "save_json", "save_html"], args.repeats)
    rec.after_read()
    log(f"read {len(reference):,} + {len(current):,} rows in {sw_read.seconds:.2f}s")

    report_dict: dict[str, Any] = {}
    sizes: dict[str, int] = {}
    json_path = reports_dir / "driftscope_report.json"
    html_path = reports_dir / "driftscope_report.html"
    for _ in range(args.repeats):
        with rec.repeat():
            with rec.phase("compare"):
                report = compare(reference, current)
            with rec.phase("save_json"):
                report.save_json(json_path)
            with rec.phase("save_html"):
                report.save_html(html_path)
        report_dict = report.to_dict()
        sizes = {"json_bytes": json_path.stat().st_size, "html_bytes": html_path.stat().st_size}
        del report
        gc.collect()
    rec.finish()

    columns: list[dict[str, Any]] = report_dict.get("columns", [])
    values: dict[str, dict[str, float]] = {
        "ks_p_value": {},
        "wasserstein_normed": {},
        "jensen_shannon": {},
    }
    _collect(columns, values)
    default_methods = {
        c["name"]: f"{c.get('method')} (effect size: {c.get('effect_size_method')})"
        for c in columns
    }
    drifted = [c["name"] for c in columns if c.get("drifted")]

    js_seconds = 0.0
    if not args.skip_values:
        methods = dict.fromkeys(numerical + categorical, "jensen_shannon")
        with Stopwatch() as sw_js:
            js_report = compare(reference, current, methods=methods)
            js_columns: list[dict[str, Any]] = js_report.to_dict().get("columns", [])
        js_seconds = sw_js.seconds
        js_only: dict[str, dict[str, float]] = {k: {} for k in values}
        _collect(js_columns, js_only)
        values["jensen_shannon"].update(js_only["jensen_shannon"])
        log(f"untimed Jensen-Shannon run took {js_seconds:.1f}s")

    result = {
        "tool": "driftscope",
        "version": version,
        "library_versions": module_versions("pandas", "numpy", "scipy"),
        "machine": machine_info(),
        "n_reference": len(reference),
        "n_current": len(current),
        "import_seconds": sw_import.seconds,
        "read_seconds": sw_read.seconds,
        **rec.result(),
        "report_sizes": sizes,
        "default_methods": default_methods,
        "drifted_columns": drifted,
        "values": values,
        "untimed_value_runs_seconds": js_seconds,
    }
    write_json(args.out, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
