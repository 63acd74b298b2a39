"""Explanations of an image model: which pixels drive the score of the class it is asked about.

SHAP values through shap's partition explainer with an image masker, or LIME's image explainer
on superpixels, on the user's ONNX, TorchScript, ``torch.export`` or torch model, or a callable
(`driftscope.models.load_model`). Masked pixels are set to a constant, by default each channel's
mean over the explained images: shap's ``blur`` and ``inpaint`` maskers need OpenCV, which
driftscope does not install. See docs/explain-images.md.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from driftscope._validate import check_choice, check_int
from driftscope.analyses._shap import import_lime, import_shap
from driftscope.data.paths import FileProblem, resolve_paths
from driftscope.exceptions import (
    EmptyDataError,
    InputTypeError,
    ParameterError,
    invalid_parameter,
)
from driftscope.models import load_model
from driftscope.models._load import Model, ModelError

__all__ = [
    "ExplainedImage",
    "ImageExplainBounds",
    "ImageExplainSettings",
    "ImageExplainer",
    "ImageExplanation",
    "ImageRegion",
    "explain_images",
]

FloatArray = NDArray[np.float64]
#: Largest side of an attribution map written by ``to_dict`` (block means of the full map).
MAP_CELLS = 16
#: Largest side, in pixels, of an overlay a report embeds.
OVERLAY_SIDE = 160
#: The regions are the cells of a ``_GRID`` x ``_GRID`` grid over the image.
_GRID = 4
#: Image file suffixes read from a folder.
_IMAGE_SUFFIXES = frozenset(
    {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".ppm", ".pgm"}
)


class ImageExplainer(StrEnum):
    PARTITION = "partition"
    LIME = "lime"


class Segmentation(StrEnum):
    SLIC = "slic"
    GRID = "grid"


@dataclass(frozen=True)
class ImageExplainSettings:
    """How much to explain, and how.

    ``max_images`` images are explained (a seeded sample, kept in input order, when more are
    given); ``max_evals`` bounds the model calls per image of shap's partition explainer;
    ``num_samples`` the perturbed images LIME draws per image, over about ``segments``
    superpixels made by ``segmentation`` (``slic``: scikit-image's SLIC, following the image's
    edges; ``grid``: equal rectangles); ``mask_value`` is the value a hidden pixel takes (None:
    each channel's mean over the explained images).
    """

    method: str = "partition"
    max_images: int = 50
    max_evals: int = 500
    num_samples: int = 1000
    segments: int = 50
    segmentation: str = "slic"
    mask_value: float | None = None
    seed: int = 0

    def __post_init__(self) -> None:
        owner = "explain_images"
        check_choice(owner, "method", self.method, [str(e) for e in ImageExplainer])
        check_int(owner, "max_images", self.max_images, low=1)
        check_int(owner, "max_evals", self.max_evals, low=10)
        check_int(owner, "num_samples", self.num_samples, low=10)
        check_int(owner, "segments", self.segments, low=2)
        check_choice(owner, "segmentation", self.segmentation, [str(e) for e in Segmentation])
        check_int(owner, "seed", self.seed, low=0)
        if self.mask_value is not None and not (
            isinstance(self.mask_value, int | float) and math.isfinite(self.mask_value)
        ):
            raise invalid_parameter(owner, "mask_value", "a finite number or None", self.mask_value)


@dataclass(frozen=True)
class ImageRegion:
    """A cell of a 4 x 4 grid over the image: its box in the image's own pixels (``left``,
    ``top``, ``right``, ``bottom``, right and bottom excluded), the attribution it holds, and its
    share of the image's total absolute attribution."""

    left: int
    top: int
    right: int
    bottom: int
    attribution: float
    share: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "box": [self.left, self.top, self.right, self.bottom],
            "attribution": self.attribution,
            "share": self.share,
        }


def _display(pixels: FloatArray) -> NDArray[np.uint8]:
    """An HWC image in the model's scale as 8-bit RGB, stretched to its own range."""
    low, high = float(pixels.min()), float(pixels.max())
    scaled = (pixels - low) / (high - low) if high > low else np.zeros_like(pixels)
    rgb = np.repeat(scaled, 3, axis=2) if scaled.shape[2] == 1 else scaled[..., :3]
    return np.asarray(np.rint(rgb * 255), dtype=np.uint8)


@dataclass(frozen=True)
class ExplainedImage:
    """One image explained: where it came from (``source``: its path, or ``images[i]`` for an
    array), its size in its own pixels (width, height), the class explained and the model's
    score for it, the base value the attributions start from (SHAP: the score of the fully
    masked image; None for LIME), the attribution map (height x width at the model's input
    size; positive pixels raise the score), the regions holding the most attribution, and
    ``additivity``: the gap between base value plus attributions and the score (SHAP only).
    """

    source: str
    size: tuple[int, int]
    class_index: int
    class_name: str
    score: float
    base_value: float | None
    regions: tuple[ImageRegion, ...]
    additivity: float | None
    attributions: FloatArray = field(repr=False, compare=False)
    pixels: FloatArray = field(repr=False, compare=False)
    path: Path | None = field(default=None, repr=False, compare=False)

    def small_map(self, cells: int = MAP_CELLS) -> FloatArray:
        """The attribution map reduced to at most ``cells`` per side (block means)."""
        from PIL import Image

        check_int("ExplainedImage.small_map", "cells", cells, low=1)
        height, width = self.attributions.shape
        if max(height, width) <= cells:
            return self.attributions
        scale = cells / max(height, width)
        shape = (max(1, round(width * scale)), max(1, round(height * scale)))
        image = Image.fromarray(self.attributions.astype(np.float32), mode="F")
        return np.asarray(image.resize(shape, Image.Resampling.BOX), dtype=np.float64)

    def overlay(
        self, path: Path | str | None = None, *, alpha: float = 0.6, max_side: int | None = None
    ) -> bytes:
        """A PNG of the image at its own size (shrunk to at most ``max_side`` pixels a side when
        given) with the attributions over it: red where pixels raise the class's score, blue
        where they lower it, stronger where they weigh more. Written to ``path`` when given; the
        PNG's bytes are returned either way."""
        from PIL import Image

        from driftscope._validate import check_float

        check_float("ExplainedImage.overlay", "alpha", alpha, low=0.0, high=1.0)
        check_int("ExplainedImage.overlay", "max_side", max_side, low=1, allow_none=True)
        base = self._base_image()
        if max_side is not None:
            base.thumbnail((max_side, max_side), Image.Resampling.BILINEAR)
        width, height = base.size
        heat = Image.fromarray(self.attributions.astype(np.float32), mode="F")
        values = np.asarray(heat.resize((width, height), Image.Resampling.NEAREST), np.float64)
        peak = float(np.abs(values).max())
        weight = alpha * (np.abs(values) / peak if peak > 0 else np.zeros_like(values))
        colour = np.where(values[..., None] >= 0, [[[220.0, 30.0, 30.0]]], [[[30.0, 80.0, 220.0]]])
        pixels = np.asarray(base, dtype=np.float64)
        mixed = pixels * (1 - weight[..., None]) + colour * weight[..., None]
        out = Image.fromarray(np.asarray(np.rint(mixed), dtype=np.uint8), mode="RGB")
        buffer = io.BytesIO()
        out.save(buffer, format="PNG")
        data = buffer.getvalue()
        if path is not None:
            from driftscope.exceptions import OutputFileError

            try:
                Path(path).write_bytes(data)
            except OSError as exc:
                raise OutputFileError(f"overlay {path} could not be written: {exc}") from None
        return data

    def _base_image(self) -> Any:
        """The image at its own size as RGB: the file when it can still be read, else the pixels
        the model saw."""
        from PIL import Image

        if self.path is not None:
            from driftscope.modalities.images import open_image

            try:
                with open_image(self.path) as image:
                    return image.convert("RGB")
            except Exception:  # gone or changed since: the pixels the model saw still show it
                pass
        return Image.fromarray(_display(self.pixels), mode="RGB")

    def overlay_uri(self, max_side: int = OVERLAY_SIDE) -> str:
        """`overlay` at most ``max_side`` pixels a side, as a ``data:image/png;base64`` URI."""
        import base64

        data = base64.b64encode(self.overlay(max_side=max_side)).decode("ascii")
        return f"data:image/png;base64,{data}"

    def to_dict(self, cells: int = MAP_CELLS, overlay_side: int | None = None) -> dict[str, Any]:
        """JSON-able; the map reduced to at most ``cells`` per side; ``overlay`` the overlay as
        a data URI at most ``overlay_side`` pixels a side (None when not asked for)."""
        return {
            "source": self.source,
            "size": list(self.size),
            "class_index": self.class_index,
            "class_name": self.class_name,
            "score": self.score,
            "base_value": self.base_value,
            "additivity": self.additivity,
            "regions": [r.to_dict() for r in self.regions],
            "map": np.round(self.small_map(cells), 6).tolist(),
            "overlay": None if overlay_side is None else self.overlay_uri(overlay_side),
        }


@dataclass(frozen=True)
class ImageExplainBounds:
    """What was explained of what was given, so a report can print it."""

    images: int
    images_total: int
    unreadable: int
    evaluations_per_image: int
    segments: int | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "images": self.images,
            "images_total": self.images_total,
            "unreadable": self.unreadable,
            "evaluations_per_image": self.evaluations_per_image,
            "segments": self.segments,
        }

    def describe(self) -> str:
        parts = [f"{self.images:,} of {self.images_total:,} images"]
        if self.unreadable:
            parts.append(f"{self.unreadable:,} unreadable")
        parts.append(f"at most {self.evaluations_per_image:,} model calls per image")
        if self.segments is not None:
            parts.append(f"about {self.segments:,} superpixels each")
        return "explained " + ", ".join(parts)


@dataclass(frozen=True)
class ImageExplanation:
    """Attributions of an image model's class scores to the pixels of each explained image.

    ``explainer`` says which method made them (``partition``: SHAP values; ``lime``: LIME's
    superpixel weights spread evenly over each superpixel's pixels); ``mask`` what a hidden
    pixel becomes; ``images`` one `ExplainedImage` each; ``problems`` the files that could not
    be read; ``reference`` the reference images explained the same way (same settings, mask
    and classes), when some were given.
    """

    explainer: str
    model: str
    mask: str
    class_names: tuple[str, ...]
    images: tuple[ExplainedImage, ...]
    bounds: ImageExplainBounds
    problems: tuple[FileProblem, ...] = ()
    reference: ImageExplanation | None = None

    def to_dict(self, cells: int = MAP_CELLS, overlay_side: int | None = None) -> dict[str, Any]:
        """JSON-able: each map at most ``cells`` a side, each overlay (a PNG data URI) at most
        ``overlay_side`` pixels a side (None: overlays left out, as null)."""
        return {
            "explainer": self.explainer,
            "model": self.model,
            "mask": self.mask,
            "class_names": list(self.class_names),
            "images": [i.to_dict(cells, overlay_side) for i in self.images],
            "bounds": self.bounds.to_dict(),
            "problems": [p.to_dict() for p in self.problems],
            "reference": None
            if self.reference is None
            else self.reference.to_dict(cells, overlay_side),
        }


# --- inputs -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Inputs:
    """The images to explain as one NCHW float32 batch, with their sources, own sizes and
    files, and how many were given."""

    batch: NDArray[np.float32]
    sources: tuple[str, ...]
    sizes: tuple[tuple[int, int], ...]
    paths: tuple[Path | None, ...]
    total: int
    problems: tuple[FileProblem, ...]


def _chosen(total: int, limit: int, seed: int) -> NDArray[np.intp]:
    """Indices of at most ``limit`` of ``total`` items: all, or a seeded sample in order."""
    if total <= limit:
        return np.arange(total)
    return np.sort(np.random.default_rng(seed).choice(total, limit, replace=False))


def _array_batch(
    images: NDArray[Any], model: Model, settings: ImageExplainSettings, name: str
) -> _Inputs:
    """A numpy batch as NCHW float32: (N, C, H, W) or (N, H, W, C) with 1 or 3 channels, or
    (N, H, W); 8-bit values are scaled to [0, 1], floats are fed as they are."""
    if images.ndim == 3:
        images = images[:, None]
    if images.ndim != 4 or images.dtype.kind not in "biuf":
        raise InputTypeError(
            f"{name}: expected a numeric array of shape (N, C, H, W), (N, H, W, C) or (N, H, W); "
            f"got shape {images.shape} of {images.dtype}."
        )
    if images.shape[0] == 0:
        raise EmptyDataError(f"{name} is empty; explanations need at least one image.")
    if images.shape[1] not in (1, 3) and images.shape[3] in (1, 3):
        images = images.transpose(0, 3, 1, 2)
    scale = 255.0 if images.dtype == np.uint8 else 1.0
    declared = model.input_shape
    if declared is not None:
        got = images.shape[1:]
        if len(declared) != 3 or any(
            d is not None and d != g for d, g in zip(declared, got, strict=False)
        ):
            dims = ", ".join("?" if d is None else str(d) for d in declared)
            raise ModelError(
                f"model {model.name} takes inputs of shape (batch, {dims}); the {name} are "
                f"(channels, height, width) = {tuple(got)}."
            )
    index = _chosen(len(images), settings.max_images, settings.seed)
    batch = np.asarray(images[index], dtype=np.float32) / np.float32(scale)
    height, width = batch.shape[2:]
    return _Inputs(
        batch=batch,
        sources=tuple(f"{name}[{i}]" for i in index),
        sizes=((width, height),) * len(index),
        paths=(None,) * len(index),
        total=len(images),
        problems=(),
    )


def _file_list(
    images: Any, name: str, column: str, allow_roots: Sequence[Path | str] | None
) -> tuple[list[object], Path, Sequence[Path | str] | None]:
    """The paths given (a folder's image files, sorted; a table's ``column``), the folder they
    are read from, and the roots they may come from (None: that folder)."""
    if isinstance(images, str | Path) and Path(images).is_file():
        if Path(images).suffix.lower() not in _IMAGE_SUFFIXES:
            return _table_list(Path(images), name, column, allow_roots)
        images = [images]
    if isinstance(images, str | Path):
        folder = Path(images)
        if not folder.is_dir():
            from driftscope.exceptions import InputFileNotFoundError

            raise InputFileNotFoundError(
                f"{name}: {folder} does not exist; expected a folder of images, an image file, "
                "a table with a column of image paths, a list of image paths or an array of "
                "images."
            )
        files = sorted(
            p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in _IMAGE_SUFFIXES
        )
        if not files:
            raise EmptyDataError(f"{name}: folder {folder} holds no image files.")
        return [str(p) for p in files], folder, None
    values = list(images)
    # Paths named one by one in Python are the caller's choice: each may sit in its own folder.
    roots = sorted({Path(str(v)).expanduser().resolve().parent for v in values})
    return values, Path.cwd(), roots


def _table_list(
    path: Path, name: str, column: str, allow_roots: Sequence[Path | str] | None
) -> tuple[list[object], Path, Sequence[Path | str] | None]:
    """The paths in a table's ``column``, read as `monitor_images` reads them: relative to the
    table's folder, only under ``allow_roots`` (default: that folder and below)."""
    from driftscope.data.io import read_table
    from driftscope.exceptions import SchemaError

    table = read_table(path)
    if column not in table.frame.columns:
        raise SchemaError(
            f"{name}: table {path} has no column {column!r} of image paths; its columns are "
            f"{', '.join(map(repr, table.frame.columns[:20]))}."
        )
    return list(table.frame[column]), path.resolve().parent, allow_roots


@dataclass(frozen=True)
class _Source:
    """Where one side's images come from: the images, what to call them in messages, and how
    a table of them is read."""

    images: Any
    name: str = "images"
    column: str = "inputs"
    allow_roots: Sequence[Path | str] | None = None


def _file_batch(
    given: _Source, model: Model, input_size: tuple[int, int] | None, settings: ImageExplainSettings
) -> _Inputs:
    """Image files read as `monitor_images` reads them: resized to the model's input size,
    grey or RGB as it takes; unreadable files become problems."""
    from driftscope.modalities.image_model import load_image_batch, model_input_size
    from driftscope.modalities.images import open_detail, open_image

    name = given.name
    values, base, roots = _file_list(given.images, name, given.column, given.allow_roots)
    if not values:
        raise EmptyDataError(f"{name} is empty; explanations need at least one image.")
    index = _chosen(len(values), settings.max_images, settings.seed)
    resolved = resolve_paths([values[i] for i in index], base, roots)
    # Problems name the image by its position among those given, not among those sampled.
    problems = [
        FileProblem(int(index[p.row]), p.path, p.problem, p.detail) for p in resolved.problems
    ]
    channels, size = model_input_size(model, input_size)
    rows: list[NDArray[np.float32]] = []
    sources: list[str] = []
    sizes: list[tuple[int, int]] = []
    paths: list[Path | None] = []
    for row, path in zip(resolved.rows, resolved.paths, strict=True):
        try:
            with open_image(path) as image:
                own = image.size
            rows.append(load_image_batch([path], channels, size)[0])
        except Exception as exc:  # Pillow raises many kinds for a bad file
            problems.append(
                FileProblem(
                    int(index[row]), str(values[index[row]]), "unreadable", open_detail(path, exc)
                )
            )
            continue
        sources.append(str(values[index[row]]))
        sizes.append((int(own[0]), int(own[1])))
        paths.append(path)
    if not rows:
        shown = "; ".join(f"{p.path}: {p.detail}" for p in problems[:3])
        raise EmptyDataError(f"{name}: none of the {len(index)} images could be read ({shown}).")
    return _Inputs(
        batch=np.stack(rows),
        sources=tuple(sources),
        sizes=tuple(sizes),
        paths=tuple(paths),
        total=len(values),
        problems=tuple(sorted(problems, key=lambda p: p.row)),
    )


def _inputs(
    given: _Source,
    model: Model,
    input_size: tuple[int, int] | None,
    settings: ImageExplainSettings,
) -> _Inputs:
    images, name = given.images, given.name
    if isinstance(images, np.ndarray):
        return _array_batch(images, model, settings, name)
    if hasattr(images, "detach"):  # a torch tensor
        return _array_batch(images.detach().cpu().numpy(), model, settings, name)
    if isinstance(images, Sequence) and len(images) and hasattr(images[0], "shape"):
        return _array_batch(np.stack([np.asarray(i) for i in images]), model, settings, name)
    if isinstance(images, str | Path | Sequence) and not isinstance(images, bytes):
        return _file_batch(given, model, input_size, settings)
    raise InputTypeError(
        f"{name}: expected a folder, a table of image paths, a list of image paths or an array "
        f"of images; got a {type(images).__name__}."
    )


# --- the model ----------------------------------------------------------------------------


def _scores(model: Model, batch: NDArray[np.float32]) -> FloatArray:
    """The model's class scores, (batch, classes); a model returning one value per image has one
    'class'."""
    out = model(batch)
    if out.ndim == 1:
        out = out[:, None]
    if out.ndim != 2:
        raise ModelError(
            f"model {model.name} returned shape {out.shape}; explanations need one score per "
            "class, shape (batch, classes)."
        )
    if not np.isfinite(out).all():
        raise ModelError(f"model {model.name} returned NaN or infinite scores.")
    return out


def _names(class_names: Sequence[str] | None, n_classes: int) -> tuple[str, ...]:
    if class_names is None:
        return tuple(str(k) for k in range(n_classes))
    names = tuple(str(c) for c in class_names)
    if len(names) != n_classes:
        raise ParameterError(
            f"class_names: {len(names)} names given for a model with {n_classes} outputs."
        )
    return names


def _targets(classes: int | str | None, scores: FloatArray, names: tuple[str, ...]) -> list[int]:
    """The class explained for each image: its prediction, or the one asked for."""
    if classes is None:
        return [int(k) for k in scores.argmax(axis=1)]
    if isinstance(classes, str):
        if classes not in names:
            raise ParameterError(
                f"classes: {classes!r} is not one of the model's classes ({', '.join(names[:10])}"
                f"{', ...' if len(names) > 10 else ''}); give class_names to name them."
            )
        return [names.index(classes)] * len(scores)
    k = check_int("explain_images", "classes", classes, low=0, high=len(names) - 1)
    return [k] * len(scores)


# --- the explainers -----------------------------------------------------------------------


def _partition(
    model: Model,
    image: NDArray[np.float32],
    k: int,
    mask: NDArray[np.float32],
    settings: ImageExplainSettings,
) -> tuple[FloatArray, float]:
    """SHAP values (H x W) of class ``k``'s score for one CHW image, and the base value."""
    shap = import_shap()
    hwc = image.transpose(1, 2, 0)

    def f(x: NDArray[Any]) -> FloatArray:
        batch = np.asarray(x, dtype=np.float32).reshape(-1, *hwc.shape).transpose(0, 3, 1, 2)
        return _scores(model, batch)[:, k]

    masker = shap.maskers.Image(mask.transpose(1, 2, 0).astype(np.float64), hwc.shape)
    explainer = shap.Explainer(f, masker, algorithm="partition")
    result = explainer(
        hwc[None].astype(np.float64),
        max_evals=settings.max_evals,
        batch_size=min(settings.max_evals, 256),
        silent=True,
    )
    values = np.asarray(result.values[0], dtype=np.float64).sum(axis=2)
    return values, float(np.ravel(result.base_values)[0])


def _superpixels(hwc: NDArray[np.float32], settings: ImageExplainSettings) -> NDArray[np.intp]:
    """Superpixel labels 0..n-1 of an HWC image."""
    height, width = hwc.shape[:2]
    if settings.segmentation == Segmentation.GRID:
        side = max(1, round(math.sqrt(settings.segments)))
        rows = np.minimum(np.arange(height) * side // height, side - 1)
        cols = np.minimum(np.arange(width) * side // width, side - 1)
        labels = rows[:, None] * side + cols[None, :]
    else:
        from skimage.segmentation import slic

        pixels = hwc.astype(np.float64)
        low, high = float(pixels.min()), float(pixels.max())
        # On values stretched to [0, 1], compactness 1 weighs colour and place about equally;
        # no conversion to CIELAB, which expects RGB and whose scale (0-100) is another.
        labels = slic(
            (pixels - low) / (high - low) if high > low else np.zeros_like(pixels),
            n_segments=settings.segments,
            compactness=1.0,
            channel_axis=2,
            convert2lab=False,
            start_label=0,
        )
    return np.unique(labels, return_inverse=True)[1].reshape(height, width)


def _lime(
    model: Model,
    image: NDArray[np.float32],
    k: int,
    mask: NDArray[np.float32],
    settings: ImageExplainSettings,
) -> FloatArray:
    """LIME's weight of each superpixel for class ``k``, spread evenly over its pixels (H x W)."""
    lime_image = import_lime("lime_image")
    channels = image.shape[0]
    hwc = image.transpose(1, 2, 0)
    segments = _superpixels(hwc, settings)

    def classify(x: NDArray[Any]) -> FloatArray:
        # LIME hands grey images over as RGB (scikit-image's gray2rgb): one channel back.
        batch = np.asarray(x, dtype=np.float32)[..., :channels].transpose(0, 3, 1, 2)
        return _scores(model, batch)

    explainer = lime_image.LimeImageExplainer(random_state=settings.seed)
    # LIME draws a tqdm progress bar per image on stderr: not for the user of a library call.
    with contextlib.redirect_stderr(io.StringIO()):
        explained = explainer.explain_instance(
            (hwc[..., 0] if channels == 1 else hwc).astype(np.float64),
            classify,
            labels=(k,),
            top_labels=None,
            hide_color=float(mask.mean()) if channels == 1 else mask[:, 0, 0].astype(np.float64),
            num_features=int(segments.max()) + 1,
            num_samples=settings.num_samples,
            batch_size=min(settings.num_samples, 256),
            segmentation_fn=lambda _: segments,
        )
    weights = np.zeros(int(segments.max()) + 1)
    for segment, weight in explained.local_exp[k]:
        weights[segment] = weight
    sizes = np.bincount(segments.ravel(), minlength=len(weights))
    return np.asarray(weights[segments] / sizes[segments], dtype=np.float64)


def _regions(values: FloatArray, size: tuple[int, int], n: int = 3) -> tuple[ImageRegion, ...]:
    """The ``n`` cells of a 4 x 4 grid with the most positive attribution, boxes in the image's
    own pixels."""
    height, width = values.shape
    total = float(np.abs(values).sum())
    cells = []
    for i in range(_GRID):
        for j in range(_GRID):
            r0, r1 = i * height // _GRID, (i + 1) * height // _GRID
            c0, c1 = j * width // _GRID, (j + 1) * width // _GRID
            mass = float(values[r0:r1, c0:c1].sum())
            cells.append((mass, r0, r1, c0, c1))
    cells.sort(key=lambda c: -c[0])
    own_w, own_h = size
    return tuple(
        ImageRegion(
            left=c0 * own_w // width,
            top=r0 * own_h // height,
            right=c1 * own_w // width,
            bottom=r1 * own_h // height,
            attribution=mass,
            share=abs(mass) / total if total > 0 else 0.0,
        )
        for mass, r0, r1, c0, c1 in cells[:n]
        if mass > 0
    )


def _mask(batch: NDArray[np.float32], value: float | None) -> tuple[NDArray[np.float32], str]:
    """What a hidden pixel becomes (CHW), and how to say it."""
    channels, height, width = batch.shape[1:]
    if value is not None:
        return np.full((channels, height, width), value, np.float32), f"constant {value:g}"
    means = batch.mean(axis=(0, 2, 3))
    shown = ", ".join(f"{m:.4g}" for m in means)
    mask = np.broadcast_to(means[:, None, None], (channels, height, width)).astype(np.float32)
    return mask, f"each channel's mean over the explained images ({shown})"


def explain_images(
    model: Any,
    images: Any,
    *,
    reference: Any = None,
    column: str = "inputs",
    allow_roots: Sequence[Path | str] | None = None,
    method: str = "partition",
    classes: int | str | None = None,
    class_names: Sequence[str] | None = None,
    max_images: int = 50,
    max_evals: int = 500,
    num_samples: int = 1000,
    segments: int = 50,
    segmentation: str = "slic",
    mask_value: float | None = None,
    input_size: tuple[int, int] | None = None,
    model_output: str | None = None,
    seed: int = 0,
    settings: ImageExplainSettings | None = None,
) -> ImageExplanation:
    """Explain which pixels drive ``model``'s score for a class, image by image.

    ``model`` is an ONNX, ``torch.export`` or TorchScript file, ``"module:attribute"``, a torch
    module or a callable taking a float32 NCHW batch and returning class scores (batch,
    classes); see `driftscope.models.load_model` (``model_output`` picks an ONNX output).
    ``images`` is a folder of image files, a list of image paths (read as `monitor_images`
    reads them: resized to the model's input size, or ``input_size``, default 224 x 224 for a
    model that declares none), a table (CSV, Parquet, JSON Lines) whose ``column`` lists image
    paths, relative to its folder and read only under ``allow_roots`` (default: that folder and
    below), or an array (N, C, H, W), (N, H, W, C) or (N, H, W) fed as it is (8-bit values
    scaled to [0, 1]). ``reference``, in the same forms, is explained the same way, into the
    result's ``reference``; hidden pixels then take each channel's mean over both sides.
    ``classes`` is the class explained, by index or by one of ``class_names`` (default: each
    image's predicted class). ``method`` is ``partition``
    (SHAP values, at most ``max_evals`` model calls per image) or ``lime`` (``num_samples``
    perturbations of about ``segments`` superpixels). The flat keywords build an
    `ImageExplainSettings` unless ``settings`` is given.

    >>> import numpy as np
    >>> def left_brightness(batch):  # one score: the mean of the left half
    ...     return batch[:, 0, :, :4].mean(axis=(1, 2))[:, None]
    >>> rng = np.random.default_rng(0)
    >>> result = explain_images(left_brightness, rng.random((2, 1, 8, 8)), max_evals=100)
    >>> explained = result.images[0]
    >>> bool(np.abs(explained.attributions[:, 4:]).sum() < 1e-9)
    True
    >>> result.bounds.describe()
    'explained 2 of 2 images, at most 100 model calls per image'
    """
    settings = settings or ImageExplainSettings(
        method=method,
        max_images=max_images,
        max_evals=max_evals,
        num_samples=num_samples,
        segments=segments,
        segmentation=segmentation,
        mask_value=mask_value,
        seed=seed,
    )
    loaded = load_model(model, output=model_output)
    given = _inputs(_Source(images, "images", column, allow_roots), loaded, input_size, settings)
    sides = [given]
    if reference is not None:
        source = _Source(reference, "reference", column, allow_roots)
        sides.append(_inputs(source, loaded, input_size, settings))
        if sides[1].batch.shape[1:] != given.batch.shape[1:]:
            raise InputTypeError(
                f"reference: its images are (channels, height, width) = "
                f"{sides[1].batch.shape[1:]}, the images' {given.batch.shape[1:]}; both sides "
                "must be of one shape, the model's input."
            )
    scores = [_scores(loaded, side.batch) for side in sides]
    names = _names(class_names, scores[0].shape[1])
    mask, mask_text = _mask(np.concatenate([side.batch for side in sides]), settings.mask_value)
    explained = [
        _explained(
            loaded, side, side_scores, _targets(classes, side_scores, names), names, mask, settings
        )
        for side, side_scores in zip(sides, scores, strict=True)
    ]
    kind = ImageExplainer(settings.method)
    lime_run = kind is ImageExplainer.LIME
    results = [
        ImageExplanation(
            explainer=str(kind),
            model=loaded.name,
            mask=mask_text,
            class_names=names,
            images=side_images,
            bounds=ImageExplainBounds(
                images=len(side_images),
                images_total=side.total,
                unreadable=len(side.problems),
                evaluations_per_image=settings.num_samples if lime_run else settings.max_evals,
                segments=settings.segments if lime_run else None,
            ),
            problems=side.problems,
        )
        for side, side_images in zip(sides, explained, strict=True)
    ]
    if len(results) == 1:
        return results[0]
    return dataclasses.replace(results[0], reference=results[1])


def _explained(
    loaded: Model,
    given: _Inputs,
    scores: FloatArray,
    targets: list[int],
    names: tuple[str, ...],
    mask: NDArray[np.float32],
    settings: ImageExplainSettings,
) -> tuple[ExplainedImage, ...]:
    """Each image of one side explained for its target class."""
    kind = ImageExplainer(settings.method)
    explained = []
    for i, k in enumerate(targets):
        base: float | None = None
        additivity: float | None = None
        if kind is ImageExplainer.PARTITION:
            values, base = _partition(loaded, given.batch[i], k, mask, settings)
            additivity = abs(base + float(values.sum()) - float(scores[i, k]))
        else:
            values = _lime(loaded, given.batch[i], k, mask, settings)
        explained.append(
            ExplainedImage(
                source=given.sources[i],
                size=given.sizes[i],
                class_index=k,
                class_name=names[k],
                score=float(scores[i, k]),
                base_value=base,
                regions=_regions(values, given.sizes[i]),
                additivity=additivity,
                attributions=values,
                pixels=given.batch[i].transpose(1, 2, 0).astype(np.float64),
                path=given.paths[i],
            )
        )
    return tuple(explained)
