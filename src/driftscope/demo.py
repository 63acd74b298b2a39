"""`make run`: build a demo reference and current from scikit-learn's bundled breast-cancer data,
with a documented shift, and run the full drift report on them.

The induced shift (see docs/demo.md):

- ``mean radius`` and ``mean perimeter`` read 12% high in current: a recalibrated imaging device;
- ``mean texture`` gains noise (standard deviation 6): a noisier scanner;
- ``mean smoothness`` is missing for 15% of current rows: a broken feed;
- ``size band`` (small / medium / large, cut from ``mean area`` on reference quantiles) gains a
  new value ``"unknown"`` for 8% of current rows: a new upstream code.

Every other column is an honest random half of the same data, so it must not drift.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["build_demo_data", "main"]


def build_demo_data(seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Reference and current halves of the breast-cancer data, the current one shifted."""
    from sklearn.datasets import load_breast_cancer

    bunch = load_breast_cancer(as_frame=True)
    frame: pd.DataFrame = bunch.frame.rename(columns={"target": "diagnosis"})
    frame["diagnosis"] = np.where(frame["diagnosis"] == 1, "benign", "malignant")
    cuts = frame["mean area"].quantile([1 / 3, 2 / 3]).to_numpy()
    frame["size band"] = np.select(
        [frame["mean area"] <= cuts[0], frame["mean area"] <= cuts[1]],
        ["small", "medium"],
        "large",
    )
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(frame))
    half = len(frame) // 2
    reference = frame.iloc[order[:half]].reset_index(drop=True)
    current = frame.iloc[order[half:]].reset_index(drop=True).copy()
    current["mean radius"] *= 1.12
    current["mean perimeter"] *= 1.12
    current["mean texture"] += rng.normal(0.0, 6.0, len(current))
    smooth_missing = rng.random(len(current)) < 0.15
    current.loc[smooth_missing, "mean smoothness"] = np.nan
    unknown = rng.random(len(current)) < 0.08
    current.loc[unknown, "size band"] = "unknown"
    return reference, current


def main(argv: list[str] | None = None) -> int:
    from rich.console import Console

    from driftscope import compare

    args = sys.argv[1:] if argv is None else argv
    out_dir = Path(args[0] if args else "demo")
    out_dir.mkdir(parents=True, exist_ok=True)
    reference, current = build_demo_data()
    ref_path, cur_path = out_dir / "reference.csv", out_dir / "current.csv"
    reference.to_csv(ref_path, index=False)
    current.to_csv(cur_path, index=False)
    report = compare(ref_path, cur_path, target="diagnosis")
    html = report.save_html(out_dir / "report.html")
    json_path = report.save_json(out_dir / "report.json")
    console = Console()
    console.print(report)
    console.print(f"HTML report: {html}\nJSON report: {json_path}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
