"""A column of file paths beside the images (a ``masks`` column in an image classification table)
is an id: listed, not tested, and never part of the whole-table tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image
from tests.onnx_models import digits_classifier

from driftscope.workflows.images import monitor_images


def _digit_set(folder: Path, name: str, seed: int, n: int = 80) -> Path:
    """Digits from scikit-learn as PNGs, listed with their label and the path of a mask."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    rng = np.random.default_rng(seed)
    (folder / name).mkdir(parents=True, exist_ok=True)
    rows = []
    for k, i in enumerate(rng.choice(len(digits.images), n, replace=False)):
        pixels = np.clip(np.rint(digits.images[i] * 255 / 16), 0, 255).astype(np.uint8)
        Image.fromarray(pixels, mode="L").save(folder / name / f"{k}.png")
        rows.append(
            {
                "inputs": f"{name}/{k}.png",
                "labels": str(digits.target[i]),
                "masks": f"{name}/{k}_mask.png",
            }
        )
    table = folder / f"{name}.csv"
    pd.DataFrame(rows).to_csv(table, index=False)
    return table


def test_a_masks_column_of_paths_does_not_make_a_random_split_drift(tmp_path: Path) -> None:
    model = digits_classifier(tmp_path / "digits.onnx")
    base, same = _digit_set(tmp_path, "base", seed=0), _digit_set(tmp_path, "same", seed=1)

    report = monitor_images(base, same, model, n_resamples=100)

    masks = report.drift.column("masks")
    assert masks.kind == "id"
    assert masks.skipped
    assert "file paths" in (masks.note or "")
    for test in report.drift.multivariate:
        assert "masks" not in test.columns
    # With the paths in, the classifier told the two folders apart (AUC 1.0, "investigate").
    classifier = next(t for t in report.drift.multivariate if t.method == "domain_classifier")
    assert classifier.statistic is not None
    assert classifier.statistic < 0.7
    assert not any("masks" in str(reason) for reason in report.to_dict()["verdict"]["reasons"])
