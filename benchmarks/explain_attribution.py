"""Drift attribution: seconds for `loss_attribution` (500 rows per side, 20 features, a
background of 100 rows per class, two forward-and-back permutations per row) on a gradient
boosting classifier and a logistic regression, median of repeats. The first, untimed call
compiles shap's masking code (numba), which a long-running process pays once.

    .venv/bin/python benchmarks/explain_attribution.py [--rows 500] [--features 20] [--repeats 3]

Prints a table; the results and the command go in benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.linear_model import LogisticRegression

from driftscope.analyses._explain_model import tabular_model
from driftscope.analyses.attribution import loss_attribution


def data(n: int, n_features: int, seed: int, shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    columns = [f"x{i}" for i in range(n_features)]
    X = pd.DataFrame(rng.normal(size=(n, n_features)), columns=columns)
    X["x0"] += shift
    score = X["x0"] + 0.5 * X["x1"] - 0.5 * X["x2"] + 0.5 * rng.normal(size=n)
    return X.assign(label=(score > 0).astype(int))


def timed(call: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    times = []
    result = None
    for _ in range(repeats):
        start = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=500)
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--background", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    columns = [f"x{i}" for i in range(args.features)]
    train = data(2000, args.features, 0)
    reference = data(args.rows, args.features, 1)
    current = data(args.rows, args.features, 2, shift=1.0)
    models = {
        "gradient boosting (100 trees)": GradientBoostingClassifier(random_state=0),
        "logistic regression": LogisticRegression(),
    }
    small = data(20, args.features, 3)
    print(f"| model | rows per side | features | background | seconds (median of {args.repeats}) |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, estimator in models.items():
        estimator.fit(train[columns], train["label"])
        model = tabular_model(estimator, reference, target="label")
        loss_attribution(model, small, small, target="label", features=columns, background=5)
        seconds, result = timed(
            lambda model=model: loss_attribution(
                model,
                reference,
                current,
                target="label",
                features=columns,
                max_rows=args.rows,
                background=args.background,
            ),
            args.repeats,
        )
        assert result.top(1) == ["x0"], result.top(3)
        print(
            f"| {name} | {args.rows} | {args.features} | {args.background} | {seconds:.1f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
