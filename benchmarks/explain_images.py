"""Image explanations: seconds for 1,000 explained images, SHAP partition and LIME.

Run with driftscope's venv python, from the repository root:

    PYTHONPATH=src .venv/bin/python benchmarks/explain_images.py            # 100 images, 3 repeats
    PYTHONPATH=src .venv/bin/python benchmarks/explain_images.py --n 20 --repeats 1   # quick

The model is the tests' digits classifier (`tests/onnx_models.py`: a logistic regression on
scikit-learn's bundled digits, ONNX, one thread) taking 32x32 grey images, which it averages down
to 8x8; the images are ``--n`` bundled digits upsampled to 32x32, given as an array. Each method
runs at its default bounds (partition: at most 500 model calls per image; LIME: 1,000
perturbations of about 50 SLIC superpixels). Each timed run is one `explain_images` call on all
``--n`` images; the table gives the median of ``--repeats`` runs, per image, and that per-image
time times 1,000 (extrapolated: explanations are image by image, so time grows linearly), as
wall time and as this process's CPU time (steadier on a shared machine). One
call on two images before the timed runs pays shap's one-time numba compilation, shown apart.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.onnx_models import digits_classifier

from driftscope import explain_images


def _images(n: int) -> np.ndarray:
    from sklearn.datasets import load_digits

    digits = load_digits()
    chosen = np.random.default_rng(0).choice(len(digits.images), n, replace=False)
    small = digits.images[chosen] / 16.0
    return np.kron(small, np.ones((4, 4)))[:, None].astype(np.float32)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100, help="images explained per run")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    images = _images(args.n)
    with tempfile.TemporaryDirectory() as folder:
        model = digits_classifier(Path(folder) / "digits32.onnx", size=32)
        started = time.perf_counter()
        explain_images(model, images[:2], max_evals=100)
        warm_up = time.perf_counter() - started
        rows = []
        for method in ("partition", "lime"):
            walls, cpus = [], []
            for _ in range(args.repeats):
                started, cpu = time.perf_counter(), time.process_time()
                result = explain_images(model, images, method=method, max_images=args.n)
                walls.append(time.perf_counter() - started)
                cpus.append(time.process_time() - cpu)
            rows.append((method, result.bounds.describe(), walls, cpus))
    print(f"first call (shap's numba compilation, 2 images): {warm_up:.1f} s\n")
    print(
        f"| method | bounds | wall runs of {args.n} images (s) | per image, wall / CPU (median) "
        "| 1,000 images, wall / CPU (extrapolated) |"
    )
    print("| --- | --- | --- | --- | --- |")
    for method, bounds, walls, cpus in rows:
        wall = statistics.median(walls) / args.n
        cpu = statistics.median(cpus) / args.n
        shown = ", ".join(f"{t:.1f}" for t in walls)
        print(
            f"| {method} | {bounds} | {shown} | {wall * 1000:.0f} / {cpu * 1000:.0f} ms | "
            f"{wall * 1000:.0f} / {cpu * 1000:.0f} s |"
        )


if __name__ == "__main__":
    main()
