"""Semantic-segmentation metrics: per-class IoU and Dice, their means, and pixel accuracy.

Masks are integer class maps: an array of shape (n_images, H, W), a single (H, W) image, or a
sequence of 2-D arrays whose shapes may differ between images (each true mask must have the
shape of its predicted mask). Classes are the integers ``0 .. n_classes - 1``.

All metrics are **dataset-level**: intersections and unions are summed over every pixel of every
image before dividing, so a class's IoU is ``sum_images |T ∩ P| / sum_images |T ∪ P|``, not the
mean of per-image IoUs (which over-weights small images and images where a class barely
appears). The counts come from one ``np.bincount`` of ``n_classes * true + pred``, the pixel
confusion matrix. A class absent from both the true and the predicted masks has no IoU or Dice:
it is NaN in the per-class results and left out of the means.

For a bootstrap over images, `per_image_counts` gives each image's intersection, union and
correct-pixel counts; `driftscope.metrics.bootstrap_ci_ratio` resamples them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields

import numpy as np
from numpy.typing import ArrayLike, NDArray

from driftscope._validate import check_int
from driftscope.exceptions import ColumnError, EmptyDataError

__all__ = [
    "SegmentationCounts",
    "dice_per_class",
    "iou_per_class",
    "mean_dice",
    "mean_iou",
    "per_image_counts",
    "pixel_accuracy",
    "segmentation_confusion_matrix",
]

Masks = ArrayLike | Sequence[ArrayLike]
CountArray = NDArray[np.int64]


@dataclass(frozen=True, eq=False, slots=True)
class SegmentationCounts:
    """Per-image pixel counts, as read-only arrays.

    ``intersection``, ``union``, ``true_area`` and ``pred_area`` have shape
    (n_images, n_classes): for class c in image i, ``|T ∩ P|``, ``|T ∪ P|``, ``|T|`` and ``|P|``.
    ``correct`` and ``n_pixels`` have shape (n_images,): pixels whose class is right, and pixels
    counted (those not ignored).
    """

    intersection: CountArray = field(repr=False)
    union: CountArray = field(repr=False)
    true_area: CountArray = field(repr=False)
    pred_area: CountArray = field(repr=False)
    correct: CountArray = field(repr=False)
    n_pixels: CountArray = field(repr=False)

    def __post_init__(self) -> None:
        for item in fields(self):
            getattr(self, item.name).flags.writeable = False

    @property
    def n_images(self) -> int:
        """Number of images."""
        return int(self.n_pixels.size)

    @property
    def n_classes(self) -> int:
        """Number of classes."""
        return int(self.union.shape[1])


def _flatten(masks: Masks, name: str) -> tuple[NDArray[np.integer], list[tuple[int, ...]]]:
    """All pixels in one flat integer array, and each image's shape."""
    if isinstance(masks, np.ndarray) and masks.ndim in (2, 3):
        stack = masks[np.newaxis] if masks.ndim == 2 else masks
        images: list[NDArray[np.generic]] = list(stack)
        flat = stack.reshape(-1)
    else:
        if isinstance(masks, np.ndarray):
            raise ColumnError(
                f"{name} must be an (H, W) or (n_images, H, W) array or a sequence of 2-D arrays. "
                f"Got shape {masks.shape}."
            )
        images = [np.asarray(image) for image in masks]  # type: ignore[union-attr]
        for index, image in enumerate(images):
            if image.ndim != 2:
                raise ColumnError(
                    f"{name} must hold 2-D masks. Got shape {image.shape} at index {index}."
                )
        flat = np.concatenate([image.reshape(-1) for image in images]) if images else np.empty(0)
    if not images or flat.size == 0:
        raise EmptyDataError(f"{name} holds no pixels.")
    if flat.dtype.kind not in "biu":
        raise ColumnError(f"{name} must hold integer class labels. Got dtype {flat.dtype}.")
    return flat, [image.shape for image in images]


def _prepare(
    true_masks: Masks,
    pred_masks: Masks,
    n_classes: int | None,
    ignore_index: int | None,
    owner: str,
) -> tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.intp] | None, int, int]:
    """Flat true and pred class codes of the counted pixels, their image index, and sizes.

    The image index is None when there is a single image (nothing to split).
    """
    true, true_shapes = _flatten(true_masks, "true_masks")
    pred, pred_shapes = _flatten(pred_masks, "pred_masks")
    if len(true_shapes) != len(pred_shapes):
        raise ColumnError(
            f"{owner} needs as many true as predicted masks. "
            f"Got {len(true_shapes)} and {len(pred_shapes)}."
        )
    for index, (t_shape, p_shape) in enumerate(zip(true_shapes, pred_shapes, strict=True)):
        if t_shape != p_shape:
            raise ColumnError(
                f"{owner} needs each true mask to have the shape of its predicted mask. "
                f"Got {t_shape} and {p_shape} at index {index}."
            )
    n_images = len(true_shapes)
    image: NDArray[np.intp] | None = None
    if n_images > 1:
        sizes = np.array([int(np.prod(s)) for s in true_shapes])
        image = np.repeat(np.arange(n_images, dtype=np.intp), sizes)
    if ignore_index is not None:
        check_int(owner, "ignore_index", ignore_index)
        keep = true != ignore_index
        true, pred = true[keep], pred[keep]
        if image is not None:
            image = image[keep]
        if true.size == 0:
            raise EmptyDataError(f"{owner} found no pixel left once ignore_index is removed.")
    if n_classes is None:
        classes = max(int(true.max()), int(pred.max())) + 1
    else:
        classes = check_int(owner, "n_classes", n_classes, low=1)
    for name, values in (("true_masks", true), ("pred_masks", pred)):
        low, high = int(values.min()), int(values.max())
        if low < 0 or high >= classes:
            raise ColumnError(
                f"{owner} needs class labels in [0, {classes}). "
                f"Got {low if low < 0 else high} in {name}."
            )
    return (
        true.astype(np.intp, copy=False),
        pred.astype(np.intp, copy=False),
        image,
        n_images,
        classes,
    )


def segmentation_confusion_matrix(
    true_masks: Masks,
    pred_masks: Masks,
    n_classes: int | None = None,
    ignore_index: int | None = None,
) -> CountArray:
    """Pixel confusion matrix over all images: ``[i, j]`` counts true class i predicted j.

    Without ``n_classes`` it is one more than the largest label seen. Pixels whose true label is
    ``ignore_index`` are not counted.

    >>> segmentation_confusion_matrix(np.array([[0, 1], [1, 1]]), np.array([[0, 1], [0, 1]]))
    array([[1, 0],
           [1, 2]])
    """
    true, pred, _, _, k = _prepare(
        true_masks, pred_masks, n_classes, ignore_index, "segmentation_confusion_matrix"
    )
    return _confusion(true, pred, k)


def _confusion(true: NDArray[np.intp], pred: NDArray[np.intp], k: int) -> CountArray:
    flat = np.bincount(true * k + pred, minlength=k * k)
    return flat.reshape(k, k).astype(np.int64, copy=False)


def _ratios(numerator: CountArray, denominator: CountArray) -> tuple[float, ...]:
    with np.errstate(invalid="ignore"):
        values = np.where(denominator > 0, numerator / np.maximum(denominator, 1), np.nan)
    return tuple(values.tolist())


def _iou(cm: CountArray) -> tuple[float, ...]:
    intersection = np.diagonal(cm)
    union = cm.sum(axis=0) + cm.sum(axis=1) - intersection
    return _ratios(intersection, union)


def _dice(cm: CountArray) -> tuple[float, ...]:
    intersection = np.diagonal(cm)
    return _ratios(2 * intersection, cm.sum(axis=0) + cm.sum(axis=1))


def _nanmean(values: tuple[float, ...]) -> float:
    array = np.asarray(values)
    finite = array[~np.isnan(array)]
    return float(finite.mean()) if finite.size else float("nan")


def iou_per_class(
    true_masks: Masks,
    pred_masks: Masks,
    n_classes: int | None = None,
    ignore_index: int | None = None,
) -> tuple[float, ...]:
    """Intersection over union of each class, dataset-level; position c holds class c.

    ``IoU_c = sum |T_c ∩ P_c| / sum |T_c ∪ P_c|`` over all images; NaN for a class absent from
    both true and predicted masks. Pixels whose true label is ``ignore_index`` are not counted.

    >>> true = np.array([[0, 0, 1], [1, 1, 2]])
    >>> pred = np.array([[0, 1, 1], [1, 1, 1]])
    >>> iou_per_class(true, pred, n_classes=4)
    (0.5, 0.6, 0.0, nan)
    """
    true, pred, _, _, k = _prepare(true_masks, pred_masks, n_classes, ignore_index, "iou_per_class")
    return _iou(_confusion(true, pred, k))


def mean_iou(
    true_masks: Masks,
    pred_masks: Masks,
    n_classes: int | None = None,
    ignore_index: int | None = None,
) -> float:
    """Mean of `iou_per_class` over the classes present in the true or predicted masks.

    >>> round(mean_iou(np.array([[0, 0, 1], [1, 1, 2]]), np.array([[0, 1, 1], [1, 1, 1]])), 4)
    0.3667
    """
    true, pred, _, _, k = _prepare(true_masks, pred_masks, n_classes, ignore_index, "mean_iou")
    return _nanmean(_iou(_confusion(true, pred, k)))


def dice_per_class(
    true_masks: Masks,
    pred_masks: Masks,
    n_classes: int | None = None,
    ignore_index: int | None = None,
) -> tuple[float, ...]:
    """Dice coefficient (F1 of pixels) of each class, dataset-level; position c holds class c.

    ``Dice_c = 2 sum |T_c ∩ P_c| / (sum |T_c| + sum |P_c|)``; NaN for a class absent from both.

    >>> dice_per_class(np.array([[0, 0, 1], [1, 1, 2]]), np.array([[0, 1, 1], [1, 1, 1]]))
    (0.6666666666666666, 0.75, 0.0)
    """
    true, pred, _, _, k = _prepare(
        true_masks, pred_masks, n_classes, ignore_index, "dice_per_class"
    )
    return _dice(_confusion(true, pred, k))


def mean_dice(
    true_masks: Masks,
    pred_masks: Masks,
    n_classes: int | None = None,
    ignore_index: int | None = None,
) -> float:
    """Mean of `dice_per_class` over the classes present in the true or predicted masks.

    >>> round(mean_dice(np.array([[0, 0, 1], [1, 1, 2]]), np.array([[0, 1, 1], [1, 1, 1]])), 4)
    0.4722
    """
    true, pred, _, _, k = _prepare(true_masks, pred_masks, n_classes, ignore_index, "mean_dice")
    return _nanmean(_dice(_confusion(true, pred, k)))


def pixel_accuracy(
    true_masks: Masks,
    pred_masks: Masks,
    ignore_index: int | None = None,
) -> float:
    """Share of counted pixels whose predicted class is the true one.

    >>> pixel_accuracy(np.array([[0, 0, 1], [1, 1, 2]]), np.array([[0, 1, 1], [1, 1, 1]]))
    0.6666666666666666
    """
    true, pred, _, _, _ = _prepare(true_masks, pred_masks, None, ignore_index, "pixel_accuracy")
    return float(np.count_nonzero(true == pred) / true.size)


def per_image_counts(
    true_masks: Masks,
    pred_masks: Masks,
    n_classes: int | None = None,
    ignore_index: int | None = None,
) -> SegmentationCounts:
    """Intersection, union, areas and correct pixels of each image and class.

    Each count is one ``np.bincount`` over ``image * n_classes + class``, so memory grows with
    n_images x n_classes, not with the number of classes squared. Summed over images they give the
    dataset-level metrics: ``IoU_c = intersection[:, c].sum() / union[:, c].sum()``.

    >>> c = per_image_counts([np.array([[0, 1]]), np.array([[1, 1], [0, 0]])],
    ...                      [np.array([[0, 0]]), np.array([[1, 1], [0, 1]])])
    >>> c.intersection.tolist(), c.union.tolist(), c.correct.tolist()
    ([[1, 0], [1, 2]], [[2, 1], [2, 3]], [1, 3])
    """
    true, pred, image, n_images, k = _prepare(
        true_masks, pred_masks, n_classes, ignore_index, "per_image_counts"
    )
    size = n_images * k
    offset = image * k if image is not None else np.zeros(1, dtype=np.intp)
    hit = true == pred
    true_key = offset + true
    intersection = np.bincount(true_key[hit], minlength=size).reshape(n_images, k)
    true_area = np.bincount(true_key, minlength=size).reshape(n_images, k)
    pred_area = np.bincount(offset + pred, minlength=size).reshape(n_images, k)
    n_pixels = true_area.sum(axis=1)
    return SegmentationCounts(
        intersection=intersection.astype(np.int64, copy=False),
        union=(true_area + pred_area - intersection).astype(np.int64, copy=False),
        true_area=true_area.astype(np.int64, copy=False),
        pred_area=pred_area.astype(np.int64, copy=False),
        correct=intersection.sum(axis=1).astype(np.int64, copy=False),
        n_pixels=n_pixels.astype(np.int64, copy=False),
    )
