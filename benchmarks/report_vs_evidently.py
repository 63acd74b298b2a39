"""driftscope's full monitoring report vs Evidently 0.7 (DataDriftPreset + ClassificationPreset).

Run with driftscope's venv python:

    .venv/bin/python benchmarks/report_vs_evidently.py                 # 1,000,000 rows, both tools
    .venv/bin/python benchmarks/report_vs_evidently.py --rows 20000    # quick check
    .venv/bin/python benchmarks/report_vs_evidently.py --skip-driftscope

What it does:

1. Generates a binary-classification data set (seeded numpy), reference and current:
   - the 20 numerical features of drift_vs_evidently.py (from _bench_data.py), with the same
     covariate shifts in current (4 features: mean +0.5, +0.1, +0.25 SD, SD x1.5);
   - ``target``: a 0/1 label drawn from a logistic model of 10 standardized features. In
     current the model's coefficients change (concept shift), so accuracy drops by ~4.5 points;
   - ``prediction`` (0/1), ``proba_0`` and ``proba_1``: a slightly miscalibrated version of the
     reference label model (logit x1.3 + 0.15), with ``prediction = proba_1 >= 0.5``;
   - ``timestamp``: 4 weeks, Monday to Monday, in each side (reference the 4 weeks before).
   Written once to Parquet under benchmarks/out/ and reused while the generator is unchanged.
2. Runs each tool in its own subprocess, so each peak RSS is its own: driftscope in this venv
   (_run_report_driftscope.py: ``driftscope.monitor(..., period="W")`` + save_json + save_html,
   median of 3 runs), Evidently in benchmarks/.venv-evidently (_run_report_evidently.py:
   ``Report([DataDriftPreset(), ClassificationPreset()])`` + save_json + save_html, one run).
3. Prints wall time, peak RSS, the Evidently/driftscope ratios, the targets (at 1,000,000 rows:
   driftscope <= 6 s, >= 30x faster than Evidently), and for the quality metrics both tools
   compute (accuracy, precision, recall, F1, ROC-AUC, log loss) their values on reference and
   current and the largest difference between the tools.
"""

from __future__ import annotations

import argparse
import os
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
TARGET_SECONDS = 6.0
TARGET_SPEEDUP = 30.0

# ----------------------------------------------------------------------------- data generation

TARGET, PREDICTION, TIMESTAMP = "target", "prediction", "timestamp"
PROBA_PREFIX, PERIOD = "proba_", "W"
PROBAS = [f"{PROBA_PREFIX}0", f"{PROBA_PREFIX}1"]
# Label model: logit = INTERCEPT + sum(coef * z), z = feature standardized with the reference
# sample's mean and SD (NaN -> 0). Only well-behaved features carry weight, so no heavy tail
# dominates the logit.
INTERCEPT = -0.2
COEFFICIENTS: dict[str, float] = {
    "num_normal": 0.8,  # also mean-shifted in current: a covariate shift the model sees
    "num_normal_scale": -0.6,  # also SD x1.5 in current
    "num_uniform": 0.7,
    "num_gamma": 0.4,
    "num_beta": -0.5,
    "num_bimodal": 0.6,
    "num_logistic": 0.3,
    "num_with_missing": 0.5,
    "num_triangular": -0.4,
    "num_rounded": 0.3,
}
# Concept shift: current's labels follow other coefficients; the model keeps the reference ones.
CURRENT_COEFFICIENTS = {
    **COEFFICIENTS,
    "num_uniform": 0.2,
    "num_bimodal": 0.0,
    "num_student_t": 0.5,
}
# The model: the reference label model, slightly over-confident and biased.
MODEL_SLOPE, MODEL_BIAS = 1.3, 0.15
# Each side spans 4 weeks from a Monday, so weekly windows (period="W", weeks ending Sunday)
# are whole weeks: reference 2025-02-03 .. 03-02, current 2025-03-03 .. 03-30.
START = {0: np.datetime64("2025-02-03T00:00:00", "s"), 1: np.datetime64("2025-03-03T00:00:00", "s")}
SPAN_SECONDS = 28 * 86_400
_LABEL_STREAM, _TIME_STREAM = 100, 101  # stream keys after the features' 0..19


def _logit(
    features: dict[str, np.ndarray],
    coefficients: dict[str, float],
    stats: dict[str, tuple[float, float]],
) -> np.ndarray:
    logit = np.full(len(features[next(iter(features))]), INTERCEPT)
    for name, coef in coefficients.items():
        mean, sd = stats[name]
        logit += coef * np.nan_to_num((features[name] - mean) / sd)
    return logit


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-x)))


def build_tables(rows: int, seed: int) -> tuple[pa.Table, pa.Table]:
    sides = [numerical_columns(rows, seed, side, NUMERICAL_SHIFTS) for side in (0, 1)]
    stats = {name: (float(np.nanmean(v)), float(np.nanstd(v))) for name, v in sides[0].items()}
    tables = []
    for side, features in enumerate(sides):
        coefficients = COEFFICIENTS if side == 0 else CURRENT_COEFFICIENTS
        p_label = _sigmoid(_logit(features, coefficients, stats))
        label = np.random.default_rng([seed, side, _LABEL_STREAM]).random(rows) < p_label
        proba_1 = _sigmoid(MODEL_SLOPE * _logit(features, COEFFICIENTS, stats) + MODEL_BIAS)
        offsets = np.random.default_rng([seed, side, _TIME_STREAM]).integers(0, SPAN_SECONDS, rows)
        arrays = {name: pa.array(values) for name, values in features.items()}
        arrays[TARGET] = pa.array(label.astype(np.int64))
        arrays[PREDICTION] = pa.array((proba_1 >= 0.5).astype(np.int64))
        arrays[PROBAS[0]] = pa.array(1.0 - proba_1)
        arrays[PROBAS[1]] = pa.array(proba_1)
        times = START[side] + np.sort(offsets).astype("timedelta64[s]")
        arrays[TIMESTAMP] = pa.array(times.astype("datetime64[us]"))
        tables.append(pa.table(arrays))
    return tables[0], tables[1]


def prepare(out_dir: Path, rows: int, seed: int, regenerate: bool) -> Path:
    meta = {
        "generator_version": GENERATOR_VERSION,
        "rows": rows,
        "seed": seed,
        "features": list(NUMERICAL),
        # Column kinds for Evidently's DataDefinition: every column driftscope tests for drift
        # (features, target, prediction, probabilities) gets a kind, so both drift the same set.
        "numerical": [*NUMERICAL, *PROBAS],
        "categorical": [TARGET, PREDICTION],
        "target": TARGET,
        "prediction": PREDICTION,
        "proba_prefix": PROBA_PREFIX,
        "probas": PROBAS,
        "pos_label": 1,
        "timestamp": TIMESTAMP,
        "period": PERIOD,
        "shifted": describe_shifts(NUMERICAL_SHIFTS),
        "label_model": {"intercept": INTERCEPT, "reference": COEFFICIENTS},
        "concept_shift": CURRENT_COEFFICIENTS,
        "model": f"sigmoid({MODEL_SLOPE:g} * reference logit + {MODEL_BIAS:g})",
    }
    return prepare_data(
        out_dir / f"report-data-{rows}-seed{seed}",
        meta,
        lambda: build_tables(rows, seed),
        regenerate,
    )


# ----------------------------------------------------------------------------- comparison

# Evidently value -> (label, driftscope metric names that mean the same thing). Evidently's
# Precision/Recall/F1Score are class 1's for a binary task; the "_macro" values are the mean
# of its PrecisionByLabel/RecallByLabel/F1ByLabel over both labels (see _run_report_evidently).
SHARED_METRICS: dict[str, tuple[str, tuple[str, ...]]] = {
    "accuracy": ("accuracy", ("accuracy",)),
    "precision_macro": ("precision (macro)", ("precision_macro",)),
    "recall_macro": ("recall (macro)", ("recall_macro",)),
    "f1_macro": ("F1 (macro)", ("f1_macro",)),
    "precision": ("precision (class 1)", ("precision", "precision_binary", "precision_1")),
    "recall": ("recall (class 1)", ("recall", "recall_binary", "recall_1")),
    "f1": ("F1 (class 1)", ("f1", "f1_binary", "f1_1")),
    "roc_auc": ("ROC-AUC", ("roc_auc",)),
    "log_loss": ("log loss", ("log_loss",)),
}
SIDES = ("reference", "current")


def compare_metrics(ds: dict[str, Any], ev: dict[str, Any]) -> list[dict[str, Any]]:
    ds_metrics: dict[str, dict[str, float | None]] = ds.get("metrics", {})
    rows = []
    for key, (label, names) in SHARED_METRICS.items():
        name = next((n for n in names if n in ds_metrics), None)
        if name is None or key not in ev["metrics"]:
            continue
        row: dict[str, Any] = {"metric": key, "label": label, "driftscope_name": name}
        diffs = []
        for side in SIDES:
            a, b = ds_metrics[name].get(side), ev["metrics"][key].get(side)
            row[f"{side}_driftscope"], row[f"{side}_evidently"] = a, b
            if a is not None and b is not None:
                diffs.append(abs(a - b))
        row["max_abs_diff"] = max(diffs) if diffs else None
        rows.append(row)
    return rows


# ---------------------------------------------------------------------------------- printing


def print_summary(
    rows: int, meta: dict[str, Any], ds: dict[str, Any] | None, ev: dict[str, Any] | None
) -> dict[str, Any]:
    from rich.table import Table

    con = console()
    summary: dict[str, Any] = {"rows": rows, "meta": meta}
    title = (
        f"Full monitoring report, {rows:,} rows a side: 20 features, target, prediction, "
        "2 probabilities, timestamp (drift + classification quality)"
    )
    if ds is not None or ev is not None:
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
            )
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
    con.print(
        f"\nplanted: covariate shifts {', '.join(f'{k} ({v})' for k, v in shifted.items())}; "
        "concept shift (label coefficients change), so target, prediction and probabilities "
        "move too"
    )
    for res in (ds, ev):
        if res is None:
            continue
        found = res.get("drifted_columns")
        if found is None:
            con.print(f"  {res['tool']}: no per-column drift verdicts found in its report")
            continue
        missed = sorted(set(shifted) - set(found))
        extra = sorted(set(found) - set(shifted))
        con.print(
            f"  {res['tool']} flags {len(found)} column(s); missed shifted features: "
            f"{missed or 'none'}; also flagged: {extra or 'none'}"
        )

    if ds is not None and not ds.get("metrics"):
        con.print(
            "\n[yellow]driftscope's report has no to_dict()['performance']['metrics'] list; "
            "no metric comparison.[/]"
        )
    if ds is not None and ev is not None and ds.get("metrics"):
        diff_rows = compare_metrics(ds, ev)
        summary["shared_metrics"] = diff_rows
        table = Table(title="Quality metrics both tools compute: |driftscope - evidently|")
        for col in (
            "metric",
            "driftscope name",
            "reference: driftscope",
            "evidently",
            "current: driftscope",
            "evidently",
            "max |diff|",
        ):
            table.add_column(col, justify="left" if col.endswith(("metric", "name")) else "right")
        for r in diff_rows:
            table.add_row(
                r["label"],
                r["driftscope_name"],
                fmt(r["reference_driftscope"]),
                fmt(r["reference_evidently"]),
                fmt(r["current_driftscope"]),
                fmt(r["current_evidently"]),
                fmt(r["max_abs_diff"]),
            )
        con.print(table)
        compared = [r for r in diff_rows if r["max_abs_diff"] is not None]
        if compared:
            worst = max(compared, key=lambda r: r["max_abs_diff"])
            summary["largest_metric_difference"] = {
                "metric": worst["metric"],
                "max_abs_diff": worst["max_abs_diff"],
            }
            con.print(
                f"largest difference over {len(compared)} shared metric(s): "
                f"{fmt(worst['max_abs_diff'])} ({worst['label']})"
            )
        unmatched = sorted(set(ds["metrics"]) - {r["driftscope_name"] for r in diff_rows})
        con.print(f"driftscope metrics with no Evidently counterpart: {unmatched or 'none'}")
        con.print(
            "Evidently: labels = proba_1 >= 0.5 (its prediction column is not read when "
            "probabilities are given); precision/recall/F1 = sklearn with pos_label=1, macro = "
            "mean of its by-label values; ROC-AUC = sklearn roc_auc_score on proba_1; log loss = "
            "sklearn log_loss on (proba_1, 1 - proba_1), clipped to 2.2e-16 .. 1 - 2.2e-16."
        )
    else:
        for res in (ds, ev):
            if res is None or not res.get("metrics"):
                continue
            con.print(f"\n{res['tool']}'s quality metrics (reference -> current):")
            known = [k for k in SHARED_METRICS if k in res["metrics"]]
            for key in known + sorted(set(res["metrics"]) - set(known)):
                values = res["metrics"][key]
                if isinstance(values.get("current"), dict):
                    continue  # Evidently's by-label values; their means are the *_macro ones
                label = SHARED_METRICS.get(key, (key,))[0]
                ref, cur = fmt(values.get("reference")), fmt(values.get("current"))
                con.print(f"  {label}: {ref} -> {cur}")
    return summary


# --------------------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_common_args(parser)
    parser.add_argument(
        "--no-windows",
        action="store_true",
        help="run driftscope without weekly time windows (Evidently has none), for the "
        "like-for-like comparison",
    )
    args = parser.parse_args()
    if args.no_windows:
        # Read by _run_report_driftscope.py, which runs in its own process.
        os.environ["DRIFTSCOPE_BENCH_NO_WINDOWS"] = "1"

    out_dir: Path = args.out_dir.resolve()
    data_dir = prepare(out_dir, args.rows, args.seed, args.regenerate)
    meta = read_json(data_dir / "meta.json")
    run_dir = out_dir / f"report-run-{args.rows}"
    ds, ev, failed = run_both(
        args, data_dir, run_dir, "_run_report_driftscope.py", "_run_report_evidently.py"
    )

    print()
    summary = print_summary(args.rows, meta, ds, ev)
    write_json(run_dir / "summary.json", summary)
    print(f"\nresults: {run_dir / 'summary.json'}")
    return exit_code(summary, failed, args.check, args.rows)


if __name__ == "__main__":
    sys.exit(main())
