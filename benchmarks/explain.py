"""Explanations (issue 14): seconds to explain 1,000 rows of a tabular model with 20 features.

- a gradient-boosted tree model (scikit-learn, 100 trees of depth 3): shap's exact tree explainer;
- a linear model behind a scaler: the exact linear attributions (scaler folded into the weights);
- the same gradient-boosted model as a black-box ONNX file (skl2onnx) run by onnxruntime: shap's
  permutation explainer with the default bounds (background 100 rows, 4 x 20 + 2 = 82 masked
  evaluations a row, so 8,200 model rows a row explained);
- LIME's tabular explainer on the linear model (1,000 samples a row), on 100 rows, scaled to
  1,000 (its cost grows linearly with the rows; the table says so).
- XGBoost and LightGBM classifiers (200 trees each, one thread): shap's exact tree explainer,
  which asks each library for its own tree SHAP values.

Each is the median of three runs in this process, after one warm-up. The additivity column is
the largest |base value + attributions - output| over the explained rows (not defined for LIME).

    .venv/bin/python benchmarks/explain.py [--rows 1000] [--repeats 3] [--only xgboost,lightgbm]

``--only`` runs the rows whose name contains one of the words (the ONNX and LIME rows take
minutes).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import lightgbm
import numpy as np
import pandas as pd
import xgboost
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from driftscope import explain
from driftscope.analyses.explanation import ExplainSettings, Explanation

FEATURES = 20


def _data(rows: int, seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(rows, FEATURES)), columns=[f"x{i}" for i in range(FEATURES)])
    logit = X["x0"] * 2 - X["x1"] + 0.5 * X["x2"] * X["x3"] + 0.3 * X["x4"]
    y = (logit + rng.logistic(size=rows) > 0).astype(int)
    return X, y


def _onnx(model: Any, X: pd.DataFrame, folder: Path) -> Path:
    from skl2onnx import to_onnx

    path = folder / "model.onnx"
    sample = X.to_numpy(np.float32)[:1]
    path.write_bytes(to_onnx(model, sample, options={"zipmap": False}).SerializeToString())
    return path


def _time(work: Callable[[], Explanation], repeats: int) -> tuple[float, Explanation]:
    result = work()  # warm-up: imports, numba compilation in shap
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", default="", help="comma-separated words: rows to run")
    args = parser.parse_args()
    X, y = _data(5000)
    rows = X.iloc[: args.rows]
    tree = GradientBoostingClassifier(n_estimators=100, max_depth=3, random_state=0).fit(X, y)
    linear = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
    boosted = xgboost.XGBClassifier(n_estimators=200, max_depth=4, n_jobs=1, random_state=0)
    boosted.fit(X, y)
    light = lightgbm.LGBMClassifier(n_estimators=200, n_jobs=1, verbose=-1, random_state=0)
    light.fit(X, y)
    settings = ExplainSettings(max_rows=args.rows)
    lime_rows = max(1, args.rows // 10)
    with tempfile.TemporaryDirectory() as folder:
        onnx_path = _onnx(tree, X, Path(folder))
        cases: list[tuple[str, Callable[[], Explanation], float]] = [
            (
                "gradient boosting, tree explainer",
                lambda: explain(tree, rows, settings=settings),
                1,
            ),
            (
                f"XGBoost {xgboost.__version__} (200 trees, depth 4), tree explainer",
                lambda: explain(boosted, rows, settings=settings),
                1,
            ),
            (
                f"LightGBM {lightgbm.__version__} (200 trees, 31 leaves), tree explainer",
                lambda: explain(light, rows, settings=settings),
                1,
            ),
            (
                "scaler + logistic regression, linear",
                lambda: explain(linear, rows, settings=settings),
                1,
            ),
            (
                "gradient boosting as ONNX, permutation",
                lambda: explain(onnx_path, rows, features=list(X.columns), settings=settings),
                1,
            ),
            (
                f"scaler + logistic regression, LIME ({lime_rows} rows x {args.rows // lime_rows})",
                lambda: explain(
                    linear,
                    rows.iloc[:lime_rows],
                    settings=ExplainSettings(method="lime", max_rows=lime_rows),
                ),
                args.rows / lime_rows,
            ),
        ]
        words = [w.strip().lower() for w in args.only.split(",") if w.strip()]
        if words:
            cases = [c for c in cases if any(w in c[0].lower() for w in words)]
        print(f"Explaining {args.rows:,} rows x {FEATURES} features (median of {args.repeats})\n")
        print(
            f"| model and explainer | seconds for {args.rows:,} rows | rows/s | additivity "
            "| bounds |"
        )
        print("| --- | ---: | ---: | ---: | --- |")
        for name, work, scale in cases:
            seconds, result = _time(work, args.repeats)
            total = seconds * scale
            additivity = "-" if result.additivity is None else f"{result.additivity:.1e}"
            print(
                f"| {name} | {total:.2f} | {args.rows / total:,.0f} | {additivity} | "
                f"{result.bounds.describe()} |"
            )


if __name__ == "__main__":
    main()
