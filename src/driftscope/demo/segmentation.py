"""The segmentation demo: a model that finds parts on a conveyor belt, pixel by pixel, in small
generated camera images (no download), when a new camera's glare starts to look like parts.

Each image is 32 x 32 pixels: a dark belt with a bright elliptical part on it, and its mask (1 on
the part, 0 on the belt). The model is a tiny ONNX network built here (no weights downloaded): a
pixel is a part where its brightness is above one half. From week 4 a new camera on line 2 takes
40%, then 60%, then 80% of the images; it is overexposed and catches the lamps' glare, so that a
corner of the belt is as bright as a part: the model marks the glare as part, and IoU and Dice
fall.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from driftscope.demo._data import (
    SHIFT_FROM_WEEK,
    WEEKS,
    DemoData,
    DemoModel,
    rows,
    weekly,
    zipped,
)

__all__ = ["SEGMENTATION", "part_segmenter"]

SIZE = 32
#: The share of each week's images from the new camera, from week 4 on.
NEW_CAMERA_SHARE = {4: 0.4, 5: 0.6, 6: 0.8}
IMAGES_PER_WEEK = 80


def part_segmenter(threshold: float = 0.5, sharpness: float = 40.0) -> bytes:
    """The ONNX model: for each pixel, the probabilities of belt (0) and part (1), the part's
    logit ``sharpness * (brightness - threshold)`` with the brightness the mean of the three
    channels in [0, 1]. A 1 x 1 convolution and a softmax over the channel axis: input
    ``image`` (batch, 3, 32, 32), output ``probabilities`` (batch, 2, 32, 32)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    weight = np.zeros((2, 3, 1, 1), np.float32)
    weight[1] = sharpness / 3
    bias = np.array([0.0, -sharpness * threshold], np.float32)
    graph = helper.make_graph(
        [
            helper.make_node("Conv", ["image", "weight", "bias"], ["logits"]),
            helper.make_node("Softmax", ["logits"], ["probabilities"], axis=1),
        ],
        "part_segmenter",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["batch", 3, SIZE, SIZE])],
        [
            helper.make_tensor_value_info(
                "probabilities", TensorProto.FLOAT, ["batch", 2, SIZE, SIZE]
            )
        ],
        [numpy_helper.from_array(weight, "weight"), numpy_helper.from_array(bias, "bias")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return bytes(model.SerializeToString())


def _picture(rng: np.random.Generator, glare: bool) -> tuple[np.ndarray, np.ndarray]:
    """An image (32 x 32 x 3, values 0-255) of a part on the belt, and its mask (0/1)."""
    y, x = np.mgrid[0:SIZE, 0:SIZE].astype(np.float64)
    cy, cx = rng.uniform(9, 23, 2)
    ry, rx = rng.uniform(4, 9, 2)
    mask = ((y - cy) / ry) ** 2 + ((x - cx) / rx) ** 2 <= 1
    belt = rng.uniform(0.1, 0.25)
    # Lit from the left: a part's far side is darker, and on a dim part it falls below the
    # model's threshold (the model is good, not perfect).
    shade = 1 - 0.3 * np.clip((x - cx) / rx, -1, 1)
    brightness = np.where(mask, rng.uniform(0.55, 0.85) * shade, belt)
    brightness = brightness + rng.normal(0, 0.05, brightness.shape)
    if glare:
        # Overexposed, with the glare of a lamp coming in from one corner.
        corner_y, corner_x = rng.choice([0, SIZE - 1], 2)
        distance = np.hypot(y - corner_y, x - corner_x) / SIZE
        brightness = brightness + 0.15 + 0.55 * np.exp(-((distance / 0.45) ** 2))
    tint = np.array([1.0, 0.97, 0.92])
    image = np.clip(brightness[..., None] * tint * 255, 0, 255).round().astype(np.uint8)
    return image, mask.astype(np.uint8)


def _images(rng: np.random.Generator, n: int, new_camera_share: float) -> bytes:
    """``n`` images with their masks and the table naming them, zipped."""
    from PIL import Image

    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        (folder / "images").mkdir()
        (folder / "masks").mkdir()
        new_camera = rng.uniform(size=n) < new_camera_share
        for i in range(n):
            image, mask = _picture(rng, bool(new_camera[i]))
            Image.fromarray(image, mode="RGB").save(folder / "images" / f"{i}.png")
            Image.fromarray(mask, mode="L").save(folder / "masks" / f"{i}.png")
        pd.DataFrame(
            {
                "inputs": [f"images/{i}.png" for i in range(n)],
                "masks": [f"masks/{i}.png" for i in range(n)],
                "camera": np.where(new_camera, "line 2", "line 1"),
            }
        ).to_csv(folder / "images.csv", index=False)
        return zipped(folder)


def _segmentation(size: float, seed: int = 3) -> DemoData:
    rng = np.random.default_rng(seed)
    baseline = _images(rng, 120, 0.0)
    files = []
    n = rows(IMAGES_PER_WEEK, size)
    for week in range(1, WEEKS + 1):
        share = NEW_CAMERA_SHARE[week] if week >= SHIFT_FROM_WEEK else 0.0
        files.append(_images(rng, n, share))
    return DemoData(
        ("baseline.zip", baseline),
        weekly(files, ".zip"),
        target="masks",
        benchmarks={"mean_iou": 0.9},
        model_file=("part-segmenter.onnx", part_segmenter()),
    )


SEGMENTATION = DemoModel(
    "conveyor-parts-segmentation",
    "image_segmentation",
    "Finds parts on a conveyor belt, pixel by pixel, in 32 x 32 camera images. From week 4 a "
    "new, overexposed camera on line 2 catches the lamps' glare, which the model takes for "
    "parts: IoU and Dice fall.",
    _segmentation,
)
