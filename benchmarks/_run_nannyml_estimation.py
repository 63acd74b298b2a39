"""NannyML side of estimation.py: CBPE and DLE on NannyML's own synthetic data. Runs ONLY in
benchmarks/.venv-nannyml (setup_nannyml.sh); NannyML is never a dependency of driftscope.

    benchmarks/.venv-nannyml/bin/python benchmarks/_run_nannyml_estimation.py \
        --data-dir benchmarks/out/estimation --out benchmarks/out/estimation/nannyml.json

For each dataset that ships with nannyml 0.13:

- ``car_loan`` (``load_synthetic_car_loan_dataset``): binary, target ``repaid``, CBPE with
  ``roc_auc``, ``accuracy``, ``f1`` (NannyML's binary F1: of the positive class);
- ``multiclass`` (``load_synthetic_multiclass_classification_dataset``): three credit-card
  classes, ``y_pred_proba_<class>``, CBPE with the same metrics (NannyML macro-averages them);
- ``car_price`` (``load_synthetic_car_price_dataset``): regression, DLE with ``mae``, ``rmse``
  and its default (untuned) LightGBM on all feature columns (``verbosity=-1`` only silences
  LightGBM's log lines).

Each estimator is ``fit(reference)`` then ``estimate(analysis)`` with ``chunk_size=5000`` and no
timestamp column (the rows are already in time order, so the chunks are rows
``[5000 k, 5000 (k + 1))``); the analysis frame has no targets, as in production. Timed over
``--repeats`` runs (median; the estimates come from the last run).

The runner also writes ``<dataset>/reference.parquet`` and ``<dataset>/current.parquet`` (the
analysis rows joined with their targets by ``id``, in the analysis order) under ``--data-dir``,
so that driftscope reads exactly the same rows. Usage statistics are switched off.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _bench_util import Stopwatch, log, machine_info, median, module_versions, write_json

os.environ["NML_DISABLE_USAGE_LOGGING"] = "1"

CHUNK_SIZE = 5000
DATASETS = ("car_loan", "multiclass", "car_price")


def _load(name: str) -> tuple[Any, Any, dict[str, Any]]:
    """(reference, analysis joined with its targets, how to set the estimator up)."""
    import nannyml as nml

    if name == "car_loan":
        reference, analysis, targets = nml.load_synthetic_car_loan_dataset()
        spec = {
            "kind": "cbpe",
            "problem_type": "classification_binary",
            "y_true": "repaid",
            "y_pred": "y_pred",
            "y_pred_proba": "y_pred_proba",
            "metrics": ["roc_auc", "accuracy", "f1"],
        }
    elif name == "multiclass":
        reference, analysis, targets = nml.load_synthetic_multiclass_classification_dataset()
        prefix = "y_pred_proba_"
        classes = [c[len(prefix) :] for c in reference.columns if c.startswith(prefix)]
        spec = {
            "kind": "cbpe",
            "problem_type": "classification_multiclass",
            "y_true": "y_true",
            "y_pred": "y_pred",
            "y_pred_proba": {c: prefix + c for c in classes},
            "metrics": ["roc_auc", "accuracy", "f1"],
        }
    else:
        reference, analysis, targets = nml.load_synthetic_car_price_dataset()
        spec = {
            "kind": "dle",
            "y_true": "y_true",
            "y_pred": "y_pred",
            "features": [
                c for c in reference.columns if c not in ("id", "y_true", "y_pred", "timestamp")
            ],
            "metrics": ["mae", "rmse"],
        }
    targets = targets.assign(id=targets["id"].astype("int64"))
    joined = analysis.assign(id=analysis["id"].astype("int64")).merge(
        targets, on="id", how="left", validate="one_to_one"
    )
    if len(joined) != len(analysis) or joined[spec["y_true"]].isna().any():
        raise SystemExit(f"{name}: not every analysis row has a target after the join on id")
    return reference, joined, spec


def _estimator(spec: dict[str, Any]) -> Any:
    import nannyml as nml

    if spec["kind"] == "cbpe":
        return nml.CBPE(
            problem_type=spec["problem_type"],
            y_pred_proba=spec["y_pred_proba"],
            y_pred=spec["y_pred"],
            y_true=spec["y_true"],
            metrics=spec["metrics"],
            chunk_size=CHUNK_SIZE,
        )
    return nml.DLE(
        feature_column_names=spec["features"],
        y_pred=spec["y_pred"],
        y_true=spec["y_true"],
        metrics=spec["metrics"],
        chunk_size=CHUNK_SIZE,
        # LightGBM's defaults (what NannyML uses without hyperparameters), only quiet.
        hyperparameters={"verbosity": -1},
    )


def _chunks(result: Any, metrics: list[str]) -> list[dict[str, Any]]:
    frame = result.filter(period="analysis").to_df()
    chunks = []
    for _, row in frame.iterrows():
        entry: dict[str, Any] = {
            "key": str(row[("chunk", "key")]),
            "start": int(row[("chunk", "start_index")]),
            "end": int(row[("chunk", "end_index")]) + 1,  # NannyML's end index is inclusive
            "estimate": {},
            "low": {},
            "high": {},
        }
        for metric in metrics:
            entry["estimate"][metric] = float(row[(metric, "value")])
            entry["low"][metric] = float(row[(metric, "lower_confidence_boundary")])
            entry["high"][metric] = float(row[(metric, "upper_confidence_boundary")])
        chunks.append(entry)
    return chunks


def run(name: str, data_dir: Path, repeats: int) -> dict[str, Any]:
    reference, current, spec = _load(name)
    out = data_dir / name
    out.mkdir(parents=True, exist_ok=True)
    reference.to_parquet(out / "reference.parquet", index=False)
    current.to_parquet(out / "current.parquet", index=False)
    analysis = current.drop(columns=[spec["y_true"]])

    fit_seconds: list[float] = []
    estimate_seconds: list[float] = []
    result: Any = None
    for i in range(repeats):
        estimator = _estimator(spec)
        with Stopwatch() as fit:
            estimator.fit(reference)
        with Stopwatch() as est:
            result = estimator.estimate(analysis)
        fit_seconds.append(fit.seconds)
        estimate_seconds.append(est.seconds)
        log(f"{name} run {i + 1}/{repeats}: fit {fit.seconds:.2f}s, estimate {est.seconds:.2f}s")
    return {
        "method": spec["kind"].upper(),
        "problem_type": spec.get("problem_type", "regression"),
        "metrics": spec["metrics"],
        "y_true": spec["y_true"],
        "y_pred": spec["y_pred"],
        "y_pred_proba": spec.get("y_pred_proba"),
        "features": spec.get("features"),
        "n_reference": len(reference),
        "n_current": len(current),
        "fit_seconds": fit_seconds,
        "estimate_seconds": estimate_seconds,
        "median_fit_seconds": median(fit_seconds),
        "median_estimate_seconds": median(estimate_seconds),
        "chunks": _chunks(result, spec["metrics"]),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path, required=True, help="where the Parquet files go")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--datasets", nargs="+", choices=DATASETS, default=list(DATASETS))
    args = parser.parse_args()

    import logging

    logging.getLogger("nannyml").setLevel(logging.ERROR)
    # NannyML and LightGBM warn about pandas and feature names on the way; the benchmark
    # compares numbers, not their messages.
    warnings.filterwarnings("ignore")
    datasets = {name: run(name, args.data_dir, args.repeats) for name in args.datasets}
    write_json(
        args.out,
        {
            "tool": "nannyml",
            "versions": module_versions("nannyml", "numpy", "pandas", "sklearn", "lightgbm"),
            "machine": machine_info(),
            "chunk_size": CHUNK_SIZE,
            "datasets": datasets,
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
