"""Evidently side of report_vs_evidently.py. Runs ONLY in benchmarks/.venv-evidently.

Started by report_vs_evidently.py; can be run by hand:

    benchmarks/.venv-evidently/bin/python benchmarks/_run_report_evidently.py \
        --data-dir benchmarks/out/report-data-20000-seed42 --out /tmp/evidently.json

Timed ("analysis"), once by default: ``Dataset.from_pandas`` for both sides with a
``DataDefinition`` that declares the numerical columns (20 features, ``proba_0``, ``proba_1``),
the categorical ones (``target``, ``prediction``), the timestamp and a ``BinaryClassification``
(target, prediction labels, ``proba_1`` as the positive-class probability); then
``Report([DataDriftPreset(), ClassificationPreset()]).run(...)``, ``save_json`` and
``save_html``. Reading the Parquet files is timed separately.

Not timed: reading the values out of the snapshot. Current values come from ``snapshot.dict()``;
reference values, which that dict leaves out, from ``snapshot.context._reference_metrics``
(private in 0.7.23, keyed by the same metric ids).
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
from _run_evidently import drifted_columns, value_drift_rows

os.environ.setdefault("DO_NOT_TRACK", "1")  # Evidently's usage telemetry: off

# Evidently metric type -> the benchmark's name. Binary task: Precision, Recall and F1Score are
# sklearn's scores for pos_label (1); the *ByLabel metrics give the score of each label.
_SINGLE = {
    "evidently:metric_v2:Accuracy": "accuracy",
    "evidently:metric_v2:Precision": "precision",
    "evidently:metric_v2:Recall": "recall",
    "evidently:metric_v2:F1Score": "f1",
    "evidently:metric_v2:RocAuc": "roc_auc",
    "evidently:metric_v2:LogLoss": "log_loss",
    "evidently:metric_v2:TPR": "tpr",
    "evidently:metric_v2:TNR": "tnr",
    "evidently:metric_v2:FPR": "fpr",
    "evidently:metric_v2:FNR": "fnr",
}
_BY_LABEL = {
    "evidently:metric_v2:PrecisionByLabel": "precision",
    "evidently:metric_v2:RecallByLabel": "recall",
    "evidently:metric_v2:F1ByLabel": "f1",
    "evidently:metric_v2:RocAucByLabel": "roc_auc",
}


def _number(result: Any) -> float | None:
    value = getattr(result, "value", result)
    return None if value is None else float(value)


def quality_metrics(snapshot: Any) -> dict[str, dict[str, Any]]:
    """{name: {"reference": x, "current": y}}, plus "<score>_by_label" ({label: value} per side)
    and "<score>_macro" (the mean over labels) for precision, recall, F1 and ROC-AUC."""
    context = snapshot.context
    out: dict[str, dict[str, Any]] = {}
    for metric in snapshot.dict()["metrics"]:
        kind = metric.get("config", {}).get("type")
        metric_id = metric["id"]
        results = {"current": context._metrics.get(metric_id)}
        results["reference"] = context._reference_metrics.get(metric_id)
        if kind in _SINGLE:
            out[_SINGLE[kind]] = {side: _number(r) for side, r in results.items()}
        elif kind in _BY_LABEL:
            name = _BY_LABEL[kind]
            by_label: dict[str, dict[str, float | None]] = {}
            macro: dict[str, float | None] = {}
            for side, r in results.items():
                labels = {} if r is None else {str(k): _number(v) for k, v in r.values.items()}
                by_label[side] = labels
                known = [v for v in labels.values() if v is not None]
                complete = bool(known) and len(known) == len(labels)
                macro[side] = sum(known) / len(known) if complete else None
            out[f"{name}_by_label"] = by_label
            out[f"{name}_macro"] = macro
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True, help="results JSON to write")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument(
        "--reports-dir", type=Path, default=None, help="where the JSON/HTML reports go"
    )
    args = parser.parse_args()
    reports_dir = args.reports_dir or args.out.parent / "evidently-report"
    reports_dir.mkdir(parents=True, exist_ok=True)
    meta = read_json(args.data_dir / "meta.json")

    with Stopwatch() as sw_import:
        import pandas as pd
        from evidently import BinaryClassification, DataDefinition, Dataset, Report
        from evidently import __version__ as evidently_version
        from evidently.presets import ClassificationPreset, DataDriftPreset
    log(f"evidently {evidently_version}, pandas {pd.__version__} (import {sw_import.seconds:.1f}s)")

    with Stopwatch() as sw_read:
        reference = pd.read_parquet(args.data_dir / "reference.parquet")
        current = pd.read_parquet(args.data_dir / "current.parquet")
    rec = AnalysisRecorder(["dataset", "run", "save_json", "save_html"], args.repeats)
    rec.after_read()
    log(f"read {len(reference):,} + {len(current):,} rows in {sw_read.seconds:.2f}s")

    definition = DataDefinition(
        numerical_columns=meta["numerical"],
        categorical_columns=meta["categorical"],
        timestamp=meta["timestamp"],
        classification=[
            BinaryClassification(
                target=meta["target"],
                prediction_labels=meta["prediction"],
                prediction_probas=meta["probas"][1],
                pos_label=meta["pos_label"],
            )
        ],
    )
    json_path = reports_dir / "evidently_report.json"
    html_path = reports_dir / "evidently_report.html"
    metrics: dict[str, dict[str, Any]] = {}
    rows: list[dict[str, Any]] = []
    sizes: dict[str, int] = {}
    for _ in range(args.repeats):
        with rec.repeat():
            with rec.phase("dataset"):
                ref_ds = Dataset.from_pandas(reference, data_definition=definition)
                cur_ds = Dataset.from_pandas(current, data_definition=definition)
            with rec.phase("run"):
                report = Report([DataDriftPreset(), ClassificationPreset()])
                snapshot = report.run(current_data=cur_ds, reference_data=ref_ds)
            with rec.phase("save_json"):
                snapshot.save_json(str(json_path))
            with rec.phase("save_html"):
                snapshot.save_html(str(html_path))
        metrics = quality_metrics(snapshot)
        rows = value_drift_rows(snapshot.dict())
        sizes = {"json_bytes": json_path.stat().st_size, "html_bytes": html_path.stat().st_size}
        del snapshot, report, ref_ds, cur_ds
        gc.collect()
    rec.finish()

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
        "drift_methods": {r["column"]: r["evidently_method"] for r in rows},
        "drift_values": {r["column"]: r["value"] for r in rows},
        "drifted_columns": drifted_columns(rows),
        "metrics": metrics,
    }
    write_json(args.out, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
