"""The cost of explanations in an image monitoring report: `monitor_images` with and without
``explain``, and the size of the report's JSON.

Run with driftscope's venv python, from the repository root:

    PYTHONPATH=src .venv/bin/python benchmarks/monitor_images_explain.py             # 3 repeats
    PYTHONPATH=src .venv/bin/python benchmarks/monitor_images_explain.py --repeats 1  # quick

The model is the tests' digits classifier (`tests/onnx_models.py`, ONNX, 32x32 grey input); each
side is ``--n`` of scikit-learn's bundled digits saved as 8x8 PNG files in a table (the current
side rotated by 90 degrees, with labels, so the worst images are the misclassified). Each row is
one `monitor_images` call with ``n_resamples=200``: ``explain`` images a side (the service's
setting is 4 at 100 model calls an image; the CLI's ``--explain`` uses 200), median of
``--repeats`` runs, wall and this process's CPU time, with the time explanations add to the
run without them, and the report's JSON size. One explained call first pays shap's one-time
numba compilation, shown apart.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.onnx_models import digits_classifier

from driftscope.analyses.image_explanation import ImageExplainSettings
from driftscope.workflows.images import monitor_images


def _digit_table(folder: Path, name: str, rotate: int, seed: int, n: int) -> Path:
    from PIL import Image
    from sklearn.datasets import load_digits

    digits = load_digits()
    chosen = np.random.default_rng(seed).choice(len(digits.images), n, replace=False)
    (folder / name).mkdir()
    rows = []
    for k, i in enumerate(chosen):
        pixels = np.clip(np.rint(digits.images[i] * 255 / 16), 0, 255).astype(np.uint8)
        Image.fromarray(pixels, mode="L").rotate(rotate).save(folder / name / f"{k}.png")
        rows.append({"inputs": f"{name}/{k}.png", "labels": str(digits.target[i])})
    path = folder / f"{name}.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="images per side")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        model = digits_classifier(folder / "digits32.onnx", size=32)
        base = _digit_table(folder, "base", 0, seed=0, n=args.n)
        cur = _digit_table(folder, "cur", 90, seed=1, n=args.n)

        def run(explain: int, evals: int) -> tuple[float, float, int]:
            started, cpu = time.perf_counter(), time.process_time()
            report = monitor_images(
                base,
                cur,
                model,
                n_resamples=200,
                explain=explain,
                explain_settings=ImageExplainSettings(max_evals=evals),
            )
            size = len(report.to_json(indent=None))
            return time.perf_counter() - started, time.process_time() - cpu, size

        started = time.perf_counter()
        run(1, 100)
        warm_up = time.perf_counter() - started
        rows = []
        for explain, evals in ((0, 100), (4, 100), (4, 200), (20, 200)):
            runs = [run(explain, evals) for _ in range(args.repeats)]
            rows.append(
                (
                    explain,
                    evals,
                    statistics.median(r[0] for r in runs),
                    statistics.median(r[1] for r in runs),
                    runs[0][2],
                )
            )
    base_wall, base_cpu = rows[0][2], rows[0][3]
    print(f"first explained call (shap's numba compilation included): {warm_up:.1f} s wall")
    print(f"{args.n} images a side, median of {args.repeats}")
    print("| explain | max_evals | wall s | CPU s | added wall s | added CPU s | JSON KB |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for explain, evals, wall, cpu, size in rows:
        print(
            f"| {explain} | {evals if explain else '-'} | {wall:.2f} | {cpu:.2f} | "
            f"{wall - base_wall:+.2f} | {cpu - base_cpu:+.2f} | {size / 1024:.0f} |"
        )


if __name__ == "__main__":
    main()
