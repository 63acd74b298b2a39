"""driftscope side of report_vs_evidently.py. Runs in driftscope's own venv (/work/main/.venv).

Started by report_vs_evidently.py; can be run by hand:

    .venv/bin/python benchmarks/_run_report_driftscope.py \
        --data-dir benchmarks/out/report-data-20000-seed42 --out /tmp/driftscope.json

Timed ("analysis"), median of 3 runs by default: the full monitoring report from two DataFrames
already in memory, ``driftscope.monitor(reference, current, target=..., prediction=...,
proba_prefix="proba_", timestamp="timestamp", period="W")``, then ``report.save_json`` and
``report.save_html``. Reading the Parquet files is timed separately.

Not timed: reading the quality metrics out of ``report.to_dict()["performance"]["metrics"]``
(a list of ``{"name", "reference", "current", ...}``) and the per-column drift verdicts.
"""

from __future__ import annotations

import argparse
import gc
import os
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


def _float(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def quality_metrics(report_dict: dict[str, Any]) -> dict[str, dict[str, float | None]]:
    """{name: {"reference": x, "current": y}} from to_dict()["performance"]["metrics"]."""
    performance = report_dict.get("performance") or {}
    entries = performance.get("metrics") if isinstance(performance, dict) else None
    if not isinstance(entries, list):
        log("to_dict() has no ['performance']['metrics'] list: no metrics to compare")
        return {}
    return {
        str(m["name"]): {side: _float(m.get(side)) for side in ("reference", "current")}
        for m in entries
        if isinstance(m, dict) and "name" in m
    }


def drift_verdicts(report_dict: dict[str, Any]) -> list[str] | None:
    """Names of the columns flagged as drifted, wherever the report keeps its column list
    (``drift.columns`` or ``columns``); None if it has neither."""
    drift = report_dict.get("drift")
    columns = drift.get("columns") if isinstance(drift, dict) else None
    if not isinstance(columns, list):
        columns = report_dict.get("columns")
    if not isinstance(columns, list):
        return None
    return [c["name"] for c in columns if isinstance(c, dict) and c.get("drifted")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True, help="results JSON to write")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--reports-dir", type=Path, default=None, help="where the JSON/HTML reports go"
    )
    args = parser.parse_args()
    reports_dir = args.reports_dir or args.out.parent / "driftscope-report"
    reports_dir.mkdir(parents=True, exist_ok=True)
    meta = read_json(args.data_dir / "meta.json")

    with Stopwatch() as sw_import:
        import pandas as pd

        import driftscope

        monitor = getattr(driftscope, "monitor", None)
    if monitor is None:
        print(
            f"driftscope benchmark: `driftscope.monitor` does not exist yet in driftscope "
            f"{getattr(driftscope, '__version__', '?')} ({driftscope.__file__}). This benchmark "
            "needs driftscope.monitor(reference_df, current_df, target=, prediction=, "
            "proba_prefix=, timestamp=, period=) -> Report with save_json/save_html/to_dict, "
            "to_dict()['performance']['metrics'] a list of {name, reference, current}. "
            "Run report_vs_evidently.py with --skip-driftscope to bench Evidently alone.",
            file=sys.stderr,
        )
        return EXIT_API_MISSING
    version = str(getattr(driftscope, "__version__", "unknown"))
    log(f"driftscope {version}, pandas {pd.__version__} (import {sw_import.seconds:.1f}s)")

    with Stopwatch() as sw_read:
        reference = pd.read_parquet(args.data_dir / "reference.parquet")
        current = pd.read_parquet(args.data_dir / "current.parquet")
    rec = AnalysisRecorder(["monitor", "save_json", "save_html"], args.repeats)
    rec.after_read()
    log(f"read {len(reference):,} + {len(current):,} rows in {sw_read.seconds:.2f}s")

    options = {
        "target": meta["target"],
        "prediction": meta["prediction"],
        "proba_prefix": meta["proba_prefix"],
        "timestamp": meta["timestamp"],
        "period": meta["period"],
    }
    if os.environ.get("DRIFTSCOPE_BENCH_NO_WINDOWS"):
        del options["period"]
    json_path = reports_dir / "driftscope_report.json"
    html_path = reports_dir / "driftscope_report.html"
    report_dict: dict[str, Any] = {}
    sizes: dict[str, int] = {}
    for _ in range(args.repeats):
        with rec.repeat():
            with rec.phase("monitor"):
                report = monitor(reference, current, **options)
            with rec.phase("save_json"):
                report.save_json(json_path)
            with rec.phase("save_html"):
                report.save_html(html_path)
        report_dict = report.to_dict()
        sizes = {"json_bytes": json_path.stat().st_size, "html_bytes": html_path.stat().st_size}
        del report
        gc.collect()
    rec.finish()

    result = {
        "tool": "driftscope",
        "version": version,
        "library_versions": module_versions("pandas", "numpy", "scipy"),
        "machine": machine_info(),
        "n_reference": len(reference),
        "n_current": len(current),
        "monitor_options": options,
        "import_seconds": sw_import.seconds,
        "read_seconds": sw_read.seconds,
        **rec.result(),
        "report_sizes": sizes,
        "report_sections": sorted(report_dict),
        "drifted_columns": drift_verdicts(report_dict),
        "metrics": quality_metrics(report_dict),
    }
    write_json(args.out, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
