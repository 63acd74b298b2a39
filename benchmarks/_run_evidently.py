"""Evidently side of the benchmark. Runs ONLY in benchmarks/.venv-evidently (setup_evidently.sh).

Started by drift_vs_evidently.py; not meant to be run by hand, though it can be:

    benchmarks/.venv-evidently/bin/python benchmarks/_run_evidently.py \
        --data-dir benchmarks/out/data-1000000-seed42 --out benchmarks/out/evidently.json

Timed ("analysis"): what a user does to get Evidently's data-drift report from two DataFrames
already in memory: ``Dataset.from_pandas`` (with an explicit ``DataDefinition``, so both tools
see the same column kinds), ``Report([DataDriftPreset()]).run(...)``, then ``save_json`` and
``save_html``. Reading the Parquet files is timed separately.

Not timed: extra Evidently reports made of ``ValueDrift(column, method=...)`` metrics that force
the KS p-value and the Jensen-Shannon distance on the numerical columns, so that every shared
method has a value per column. They run after the peak RSS of the timed part is recorded.
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

os.environ.setdefault("DO_NOT_TRACK", "1")  # Evidently's usage telemetry: off

# Evidently names a method by its registry name when it was asked for, and by its display name
# when it picked the method itself. Both map to the benchmark's names.
_METHOD_NAMES = {
    "ks": "ks_p_value",
    "K-S p_value": "ks_p_value",
    "wasserstein": "wasserstein_normed",
    "Wasserstein distance (normed)": "wasserstein_normed",
    "jensenshannon": "jensen_shannon",
    "Jensen-Shannon distance": "jensen_shannon",
}
_EVIDENTLY_METHOD = {
    "ks_p_value": "ks",
    "wasserstein_normed": "wasserstein",
    "jensen_shannon": "jensenshannon",
}
# Which shared method applies to which column kind.
_WANTED = {
    "numerical": ("ks_p_value", "wasserstein_normed", "jensen_shannon"),
    "categorical": ("jensen_shannon",),
}
_P_VALUE_METHODS = {"ks_p_value"}


def value_drift_rows(snapshot_dict: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for metric in snapshot_dict["metrics"]:
        config = metric.get("config", {})
        if config.get("type") != "evidently:metric_v2:ValueDrift":
            continue
        raw_method = str(config.get("method"))
        rows.append(
            {
                "column": config["column"],
                "evidently_method": raw_method,
                "method": _METHOD_NAMES.get(raw_method, raw_method),
                "threshold": config.get("threshold"),
                "value": float(metric["value"]),
            }
        )
    return rows


def drifted_columns(rows: list[dict[str, Any]]) -> list[str]:
    """Columns whose ValueDrift crosses its threshold (p-values: at or below; distances: at or
    above), as Evidently decides drift."""
    drifted = []
    for r in rows:
        value, threshold = r["value"], r["threshold"]
        is_p_value = r["method"] in _P_VALUE_METHODS
        if (value <= threshold) if is_p_value else (value >= threshold):
            drifted.append(r["column"])
    return drifted


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True, help="results JSON to write")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument(
        "--reports-dir", type=Path, default=None, help="where the JSON/HTML reports go"
    )
    parser.add_argument("--skip-values", action="store_true", help="skip the untimed value runs")
    args = parser.parse_args()
    reports_dir = args.reports_dir or args.out.parent / "evidently-report"
    reports_dir.mkdir(parents=True, exist_ok=True)
    meta = read_json(args.data_dir / "meta.json")
    numerical: list[str] = meta["numerical"]
    categorical: list[str] = meta["categorical"]

    with Stopwatch() as sw_import:
        import pandas as pd
        from evidently import DataDefinition, Dataset, Report
        from evidently import __version__ as evidently_version
        from evidently.metrics import ValueDrift
        from evidently.presets import DataDriftPreset
    log(f"evidently {evidently_version}, pandas {pd.__version__} (import {sw_import.seconds:.1f}s)")

    with Stopwatch() as sw_read:
        reference = pd.read_parquet(args.data_dir / "reference.parquet")
        current = pd.read_parquet(args.data_dir / "current.parquet")
    rec = AnalysisRecorder(["dataset", "run", "save_json", "save_html"], args.repeats)
    rec.after_read()
    log(f"read {len(reference):,} + {len(current):,} rows in {sw_read.seconds:.2f}s")

    definition = DataDefinition(numerical_columns=numerical, categorical_columns=categorical)
    snapshot_dict: dict[str, Any] = {}
    sizes: dict[str, int] = {}
    json_path = reports_dir / "evidently_report.json"
    html_path = reports_dir / "evidently_report.html"
    for _ in range(args.repeats):
        with rec.repeat():
            with rec.phase("dataset"):
                ref_ds = Dataset.from_pandas(reference, data_definition=definition)
                cur_ds = Dataset.from_pandas(current, data_definition=definition)
            with rec.phase("run"):
                snapshot = Report([DataDriftPreset()]).run(
                    current_data=cur_ds, reference_data=ref_ds
                )
            with rec.phase("save_json"):
                snapshot.save_json(str(json_path))
            with rec.phase("save_html"):
                snapshot.save_html(str(html_path))
        snapshot_dict = snapshot.dict()
        sizes = {"json_bytes": json_path.stat().st_size, "html_bytes": html_path.stat().st_size}
        del snapshot, ref_ds, cur_ds
        gc.collect()
    rec.finish()

    default_rows = value_drift_rows(snapshot_dict)
    default_methods = {r["column"]: r["evidently_method"] for r in default_rows}
    drifted = drifted_columns(default_rows)

    values: dict[str, dict[str, float]] = {m: {} for m in _EVIDENTLY_METHOD}
    for r in default_rows:
        if r["method"] in values:
            values[r["method"]][r["column"]] = r["value"]
    extra_seconds = 0.0
    if not args.skip_values:
        kinds = dict.fromkeys(numerical, "numerical") | dict.fromkeys(categorical, "categorical")
        missing = [
            (column, method)
            for column, kind in kinds.items()
            for method in _WANTED[kind]
            if column not in values[method]
        ]
        log(f"untimed value runs: {len(missing)} ValueDrift metrics (forced methods)")
        with Stopwatch() as sw_extra:
            ref_ds = Dataset.from_pandas(reference, data_definition=definition)
            cur_ds = Dataset.from_pandas(current, data_definition=definition)
            metrics = [ValueDrift(column=c, method=_EVIDENTLY_METHOD[m]) for c, m in missing]
            extra = Report(metrics).run(current_data=cur_ds, reference_data=ref_ds)
            for r in value_drift_rows(extra.dict()):
                values[r["method"]][r["column"]] = r["value"]
        extra_seconds = sw_extra.seconds
        log(f"untimed value runs took {extra_seconds:.1f}s")

    result = {
        "tool": "evidently",
        "version": evidently_version,
        "library_versions": module_versions("pandas", "numpy", "scipy", "sklearn"),
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
        "untimed_value_runs_seconds": extra_seconds,
    }
    write_json(args.out, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
