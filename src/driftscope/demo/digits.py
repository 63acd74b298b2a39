"""The digits demo: monitor a digit classifier through a documented shift and reach a verdict
(`make run` writes its report to demo/report.html, and keeps it as a model of the demo store).

A scikit-learn model is trained on scikit-learn's bundled handwritten digits (8 x 8 images,
64 pixel intensities from 0 to 16; no download). The reference is a held-out validation set with
the model's predictions and true labels. The production stream runs six weeks:

- weeks 1-3, healthy: images the model never saw, from the same source;
- weeks 4-6, shifted (see docs/demo.md):
  - covariate shift: a new scanner (``scanner`` = ``"B"``, never seen in the reference) draws
    strokes 30% brighter, clipped at 16, with sensor noise (standard deviation 1);
  - concept shift: a new labelling rule files every 9 as a 4 and every 3 as an 8, so the
    relationship between image and label changed under the model.

The report must end with the verdict ``retrain``, saying why.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from driftscope.demo._data import (
    SHIFT_FROM_WEEK,
    WEEKS,
    DemoData,
    DemoModel,
    parquet,
    rows,
    weekly,
)
from driftscope.demo._data import START as _START

__all__ = ["DIGITS", "build_demo", "main"]

ROWS_PER_WEEK = 300
START = pd.Timestamp(_START).tz_convert(None)


def _frame(
    pixels: np.ndarray,
    digits: np.ndarray,
    model: object,
    scanner: np.ndarray,
    timestamps: pd.DatetimeIndex,
) -> pd.DataFrame:
    names = [f"pixel_{i // 8}_{i % 8}" for i in range(64)]
    frame = pd.DataFrame(pixels, columns=names)
    frame.insert(0, "scanner", scanner)
    proba = model.predict_proba(pixels)  # type: ignore[attr-defined]
    classes = model.classes_  # type: ignore[attr-defined]
    frame["predicted"] = classes[np.argmax(proba, axis=1)]
    for j, label in enumerate(classes):
        frame[f"proba_{label}"] = proba[:, j].round(6)
    frame["digit"] = digits
    frame["timestamp"] = timestamps
    return frame


def build_demo(
    seed: int = 0, rows_per_week: int = ROWS_PER_WEEK
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Reference (validation set) and current (six weeks of production) frames."""
    from sklearn.datasets import load_digits
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(seed)
    data = load_digits()
    x, y = data.data.astype(np.float64), data.target.astype(np.int64)
    order = rng.permutation(len(y))
    train, valid, pool = order[:700], order[700:1200], order[1200:]
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000, C=0.5))
    model.fit(x[train], y[train])

    valid_times = START - pd.to_timedelta(rng.uniform(1, 14, len(valid)), unit="D")
    reference = _frame(
        x[valid], y[valid], model, np.full(len(valid), "A", dtype=object), valid_times
    )

    frames = []
    for week in range(1, WEEKS + 1):
        rows = rng.choice(pool, rows_per_week, replace=True)
        pixels, digits = x[rows].copy(), y[rows].copy()
        shifted = week >= SHIFT_FROM_WEEK
        if shifted:
            pixels = np.clip(np.round(pixels * 1.3 + rng.normal(0, 1.0, pixels.shape)), 0, 16)
            digits = np.where(digits == 9, 4, np.where(digits == 3, 8, digits))
        scanner = np.full(rows_per_week, "B" if shifted else "A", dtype=object)
        offsets = pd.to_timedelta(rng.uniform(0, 7, rows_per_week), unit="D")
        times = START + pd.Timedelta(weeks=week - 1) + offsets
        frames.append(_frame(pixels, digits, model, scanner, times))
    current = pd.concat(frames, ignore_index=True).sort_values("timestamp", ignore_index=True)
    return reference, current


def _digits(size: float) -> DemoData:
    """The digits model of the demo store: the reference as its baseline, a run per week."""
    reference, current = build_demo(rows_per_week=rows(ROWS_PER_WEEK, size))
    week = (current["timestamp"] - START).dt.days // 7 + 1
    return DemoData(
        ("baseline.parquet", parquet(reference)),
        weekly([parquet(current[week == w]) for w in range(1, WEEKS + 1)], ".parquet"),
        target="digit",
        prediction="predicted",
        proba_prefix="proba_",
        timestamp="timestamp",
        benchmarks={"accuracy": 0.93},
    )


DIGITS = DemoModel(
    "digits",
    "multiclass_classification",
    "Handwritten digits (8 x 8 scans). From week 4 a new scanner draws brighter, noisier "
    "strokes and a new labelling rule files 9s as 4s and 3s as 8s: covariate and concept shift.",
    _digits,
)


def main(argv: list[str] | None = None) -> int:
    from rich.console import Console

    from driftscope import monitor

    args = sys.argv[1:] if argv is None else argv
    out_dir = Path(args[0] if args else "demo")
    out_dir.mkdir(parents=True, exist_ok=True)
    reference, current = build_demo()
    ref_path, cur_path = out_dir / "reference.csv", out_dir / "current.csv"
    reference.to_csv(ref_path, index=False)
    current.to_csv(cur_path, index=False)
    report = monitor(
        ref_path,
        cur_path,
        target="digit",
        prediction="predicted",
        proba_prefix="proba_",
        timestamp="timestamp",
        period="W",
    )
    html = report.save_html(out_dir / "report.html")
    json_path = report.save_json(out_dir / "report.json")
    console = Console()
    console.print(report)
    console.print(f"HTML report: {html}\nJSON report: {json_path}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
