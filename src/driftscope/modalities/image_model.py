"""Run a user's image model over image files, batch by batch, and summarise what it says."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from driftscope.data.paths import FileProblem
from driftscope.models._load import Model, ModelError, ModelOutputError

__all__ = ["ModelOutputs", "load_image_batch", "model_input_size", "run_image_model"]

#: Size used when neither the model nor the user gives one.
DEFAULT_SIZE = (224, 224)


@dataclass(frozen=True)
class ModelOutputs:
    """What the model returned for each input it could process: ``rows`` (of the table) and
    ``outputs`` (one array per row, in that order), and the inputs it could not."""

    rows: tuple[int, ...]
    outputs: tuple[NDArray[np.float64], ...]
    problems: tuple[FileProblem, ...]


def model_input_size(model: Model, size: tuple[int, int] | None) -> tuple[int, tuple[int, int]]:
    """Channels and (height, width) to feed ``model``: from its declared input when it has one
    (an NCHW image), else ``size`` (default 224 x 224) with 3 channels."""
    shape = model.input_shape
    channels = 3
    declared: tuple[int, int] | None = None
    if shape is not None and len(shape) != 3:
        dims = ", ".join("?" if d is None else str(d) for d in shape)
        raise ModelError(
            f"model {model.name} takes inputs of shape (batch, {dims}); driftscope feeds it "
            "images as (batch, channels, height, width)."
        )
    if shape is not None:
        if shape[0] in (1, 3):
            channels = int(shape[0])
        if shape[1] is not None and shape[2] is not None:
            declared = (int(shape[1]), int(shape[2]))
    if size is not None and declared is not None and size != declared:
        raise ModelError(
            f"model {model.name} takes {declared[0]}x{declared[1]} images, not "
            f"{size[0]}x{size[1]} (--input-size)."
        )
    return channels, size or declared or DEFAULT_SIZE


def load_image_batch(
    paths: Sequence[Path], channels: int, size: tuple[int, int]
) -> NDArray[np.float32]:
    """Images as one float32 NCHW batch in [0, 1], resized (bilinear) to ``size``.

    Images past Pillow's decompression-bomb limit are refused (`open_image`); a JPEG is decoded
    at the smallest DCT scale (1/2, 1/4, 1/8) that still covers ``size``.
    """
    from PIL import Image

    from driftscope.modalities.images import open_image

    height, width = size
    mode = "L" if channels == 1 else "RGB"
    batch = np.empty((len(paths), channels, height, width), np.float32)
    for i, path in enumerate(paths):
        with open_image(path) as image:
            image.draft(mode, (width, height))
            converted = image.convert(mode)
            resized = converted.resize((width, height), Image.Resampling.BILINEAR)
            pixels = np.asarray(resized, dtype=np.float32) / 255.0
        batch[i] = pixels[None] if channels == 1 else pixels.transpose(2, 0, 1)
    return batch


def _one(
    model: Model, path: Path, row: int, channels: int, size: tuple[int, int]
) -> NDArray[np.float64] | FileProblem:
    from driftscope.modalities.images import open_detail

    try:
        batch = load_image_batch([path], channels, size)
    except Exception as exc:  # Pillow raises many kinds for a bad file
        return FileProblem(row, str(path), "unreadable", open_detail(path, exc))
    try:
        out = np.asarray(model(batch)[0], dtype=np.float64)
    except ModelOutputError:
        raise  # the same for every input: the run stops with the model's message
    except ModelError as exc:
        return FileProblem(row, str(path), "model failed", str(exc))
    if not np.isfinite(out).all():
        return FileProblem(row, str(path), "model failed", _NON_FINITE.format(name=model.name))
    return out


_NON_FINITE = "model {name} returned NaN or infinite values for this image."


def run_image_model(
    model: Model,
    paths: Sequence[Path],
    rows: Sequence[int],
    *,
    size: tuple[int, int] | None = None,
    batch_size: int = 32,
) -> ModelOutputs:
    """Run ``model`` over the images in batches of ``batch_size``; when a batch fails, run its
    images one by one so that each failure is reported against its own input."""
    channels, shape = model_input_size(model, size)
    out_rows: list[int] = []
    outputs: list[NDArray[np.float64]] = []
    problems: list[FileProblem] = []
    for start in range(0, len(paths), batch_size):
        chunk = list(paths[start : start + batch_size])
        chunk_rows = list(rows[start : start + batch_size])
        try:
            result = model(load_image_batch(chunk, channels, shape))
        except ModelOutputError:
            raise
        except Exception:  # a bad file or a model failure: find which, input by input
            for path, row in zip(chunk, chunk_rows, strict=True):
                single = _one(model, path, row, channels, shape)
                if isinstance(single, FileProblem):
                    problems.append(single)
                else:
                    out_rows.append(row)
                    outputs.append(single)
            continue
        for i, (path, row) in enumerate(zip(chunk, chunk_rows, strict=True)):
            if np.isfinite(result[i]).all():
                out_rows.append(row)
                outputs.append(result[i])
            else:
                detail = _NON_FINITE.format(name=model.name)
                problems.append(FileProblem(row, str(path), "model failed", detail))
    return ModelOutputs(tuple(out_rows), tuple(outputs), tuple(problems))


def _entropy(p: NDArray[np.float64], axis: int) -> NDArray[np.float64]:
    safe = np.clip(p, 1e-12, 1.0)
    return np.asarray(-(p * np.log(safe)).sum(axis=axis), dtype=np.float64)


def _as_probabilities(scores: NDArray[np.float64], axis: int) -> NDArray[np.float64]:
    """Scores that already are probabilities (non-negative, summing to 1) as they are, others
    through a softmax."""
    if (scores >= 0).all() and np.allclose(scores.sum(axis=axis), 1.0, atol=1e-4):
        return scores
    shifted = scores - scores.max(axis=axis, keepdims=True)
    e = np.exp(shifted)
    return np.asarray(e / e.sum(axis=axis, keepdims=True), dtype=np.float64)


def classification_table(
    outputs: ModelOutputs, classes: Sequence[str] | None = None
) -> pd.DataFrame:
    """One row per input: the predicted class, its probability (confidence), the entropy of the
    class probabilities, and ``proba_<class>`` columns."""
    scores = np.stack(outputs.outputs) if outputs.outputs else np.zeros((0, 1))
    if scores.ndim != 2:
        raise ModelError(
            f"a classifier should return one score per class, shape (batch, classes); got "
            f"(batch, {', '.join(map(str, scores.shape[1:]))})."
        )
    probabilities = _as_probabilities(scores, axis=1)
    names = list(classes) if classes is not None else [str(k) for k in range(scores.shape[1])]
    if len(names) != scores.shape[1]:
        raise ModelError(f"{len(names)} class names given for {scores.shape[1]} model outputs.")
    table = pd.DataFrame({"row": np.asarray(outputs.rows, dtype=np.int64)})
    top = probabilities.argmax(axis=1) if len(table) else np.zeros(0, np.int64)
    table["prediction"] = pd.Series([names[k] for k in top], dtype="string")
    table["confidence"] = probabilities.max(axis=1) if len(table) else np.zeros(0)
    table["prediction_entropy"] = _entropy(probabilities, axis=1)
    for k, name in enumerate(names):
        table[f"proba_{name}"] = probabilities[:, k]
    return table


def segmentation_table(outputs: ModelOutputs, classes: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per input: the predicted mask (argmax over the class axis), the mean confidence
    and mean entropy of its pixels, and the share of pixels given to each class
    (``coverage_<class>``)."""
    rows = []
    for row, scores in zip(outputs.rows, outputs.outputs, strict=True):
        if scores.ndim != 3:
            raise ModelError(
                "a segmenter should return per-pixel class scores, shape (batch, classes, "
                f"height, width); got (batch, {', '.join(map(str, scores.shape))})."
            )
        probabilities = _as_probabilities(scores, axis=0)
        mask = probabilities.argmax(axis=0)
        record: dict[str, object] = {
            "row": row,
            "prediction": mask,
            "confidence": float(probabilities.max(axis=0).mean()),
            "prediction_entropy": float(_entropy(probabilities, axis=0).mean()),
        }
        k = scores.shape[0]
        names = list(classes) if classes is not None else [str(c) for c in range(k)]
        counts = np.bincount(mask.ravel(), minlength=k) / mask.size
        for c, name in enumerate(names):
            record[f"coverage_{name}"] = float(counts[c])
        rows.append(record)
    return pd.DataFrame(rows)
