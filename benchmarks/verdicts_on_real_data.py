"""How often `monitor` says something on scikit-learn's bundled sets: false alarms and power.

    .venv/bin/python benchmarks/verdicts_on_real_data.py              # 20 splits a set, ~2 min
    .venv/bin/python benchmarks/verdicts_on_real_data.py --splits 5   # quick look

Each set (breast cancer, wine, digits: logistic regression; diabetes: ridge regression) is cut
at random into three thirds by the split's seed: the model is fitted on the first, the second is
the reference and the third current. Two scenarios per split:

- ``random``: current as it is. Nothing changed, so every verdict other than ``ok`` is a false
  alarm;
- ``broken``: the same current rows with the model broken on them: a fifth of the labels given
  to the next class (classification), or the target shifted by one standard deviation on a
  fifth of the rows (regression). Inputs do not move; the verdict should not be ``ok``.

Prints, per set and scenario, how many splits came out ok / investigate / retrain, and which
kinds of reason were given.
"""

from __future__ import annotations

import argparse
import collections
import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits, load_wine
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import driftscope

SETS: dict[str, tuple[Callable[..., object], str]] = {
    "breast_cancer": (load_breast_cancer, "classification"),
    "wine": (load_wine, "classification"),
    "digits": (load_digits, "classification"),
    "diabetes": (load_diabetes, "regression"),
}


def _scored(x: pd.DataFrame, y: pd.Series, model: object, rows: np.ndarray) -> pd.DataFrame:
    out = x.iloc[rows].reset_index(drop=True).copy()
    out["label"] = y.iloc[rows].to_numpy()
    out["pred"] = model.predict(x.iloc[rows])  # type: ignore[attr-defined]
    return out


def _broken(frame: pd.DataFrame, task: str, rng: np.random.Generator) -> pd.DataFrame:
    out = frame.copy()
    hit = rng.random(len(out)) < 0.2
    if task == "regression":
        out.loc[hit, "label"] = out.loc[hit, "label"] + out["label"].std()
    else:
        classes = np.sort(out["label"].unique())
        following = {c: classes[(i + 1) % len(classes)] for i, c in enumerate(classes)}
        out.loc[hit, "label"] = out.loc[hit, "label"].map(following)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--splits", type=int, default=20, help="random splits per set")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    print(f"{'set':<14} {'scenario':<8} {'ok':>4} {'inv.':>5} {'retr.':>6}  reasons given")
    for name, (loader, task) in SETS.items():
        bunch = loader(as_frame=True)
        x: pd.DataFrame = bunch.data  # type: ignore[attr-defined]
        x = x.loc[:, x.nunique() > 1]
        y: pd.Series = bunch.target  # type: ignore[attr-defined]
        for scenario in ("random", "broken"):
            decisions: collections.Counter[str] = collections.Counter()
            kinds: collections.Counter[str] = collections.Counter()
            for seed in range(args.splits):
                order = np.random.default_rng(seed).permutation(len(x))
                third = len(x) // 3
                train, ref, cur = order[:third], order[third : 2 * third], order[2 * third :]
                if task == "regression":
                    model = make_pipeline(StandardScaler(), Ridge())
                else:
                    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000))
                model.fit(x.iloc[train], y.iloc[train])
                current = _scored(x, y, model, cur)
                if scenario == "broken":
                    current = _broken(current, task, np.random.default_rng(seed))
                report = driftscope.monitor(
                    _scored(x, y, model, ref),
                    current,
                    target="label",
                    prediction="pred",
                    task="regression" if task == "regression" else None,
                    seed=seed,
                )
                decisions[report.verdict.decision] += 1
                kinds.update({r.source for r in report.verdict.reasons})
            print(
                f"{name:<14} {scenario:<8} {decisions['ok']:>4} {decisions['investigate']:>5} "
                f"{decisions['retrain']:>6}  "
                + (", ".join(f"{k} {n}" for k, n in sorted(kinds.items())) or "-")
            )


if __name__ == "__main__":
    main()
