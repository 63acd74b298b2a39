"""driftscope.estimate on small references: the cost of a call the service makes on every run.

Run with driftscope's venv python from the repository root:

    .venv/bin/python benchmarks/estimation_small.py --repeats 5

scikit-learn's bundled breast_cancer (569 rows, 30 features, binary) and wine (178 rows, 13
features, 3 classes): a standardised logistic regression fitted on all rows gives the
probabilities; the reference is every row with its target, current the same rows without it,
one window, every setting of `driftscope.estimate` at its default (``calibration="auto"``: the
four candidates cross-fitted, 3 folds). Printed: seconds per call (median of ``--repeats``, after
one untimed warm-up call) and the calibration chosen.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd
from sklearn.datasets import load_breast_cancer, load_wine
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _bench_data import console
from _bench_util import Stopwatch, median

LOADERS = {"breast_cancer": load_breast_cancer, "wine": load_wine}


def _frame(name: str) -> pd.DataFrame:
    data = LOADERS[name](as_frame=True)
    x, y = data.data, data.target
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(x, y)
    proba = model.predict_proba(x)
    columns = {f"proba_{k}": proba[:, k] for k in range(proba.shape[1])}
    return x.assign(target=y.to_numpy(), prediction=model.predict(x), **columns)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed calls per dataset (median)")
    args = parser.parse_args()

    from rich.table import Table

    import driftscope

    table = Table(title="driftscope.estimate on small references (seconds, median)")
    for col in ("dataset", "rows", "features", "seconds", "calibration"):
        table.add_column(col, justify="left" if col in ("dataset", "calibration") else "right")
    for name in LOADERS:
        frame = _frame(name)
        current = frame.drop(columns="target")

        def run(frame: pd.DataFrame, current: pd.DataFrame) -> driftscope.PerformanceEstimate:
            return driftscope.estimate(frame, current, target="target", prediction="prediction")

        est = run(frame, current)  # warm-up: imports and first-call costs
        seconds = []
        for _ in range(args.repeats):
            with Stopwatch() as sw:
                est = run(frame, current)
            seconds.append(sw.seconds)
        features = frame.shape[1] - 2 - sum(c.startswith("proba_") for c in frame.columns)
        method = "-" if est.calibration is None else est.calibration.method
        table.add_row(name, str(len(frame)), str(features), f"{median(seconds):.2f}", method)
    console().print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
