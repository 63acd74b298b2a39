"""Segmentation IoU, Dice and pixel accuracy: a hand-computed case and a per-class formula."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray

from driftscope.exceptions import ColumnError, EmptyDataError, ParameterError
from driftscope.metrics import segmentation as seg

IntArray = NDArray[np.int64]


def random_masks(n: int, shape: tuple[int, int], k: int, seed: int) -> tuple[IntArray, IntArray]:
    rng = np.random.default_rng(seed)
    true = rng.integers(0, k, size=(n, *shape))
    noise = rng.integers(0, k, size=true.shape)
    pred = np.where(rng.uniform(size=true.shape) < 0.6, true, noise)
    return true, pred


def formula_iou_dice(
    true: list[IntArray], pred: list[IntArray], k: int
) -> tuple[list[float], list[float]]:
    """Per-class dataset-level IoU and Dice with boolean masks, one class at a time."""
    t = np.concatenate([m.ravel() for m in true])
    p = np.concatenate([m.ravel() for m in pred])
    iou, dice = [], []
    for c in range(k):
        tc, pc = t == c, p == c
        inter, union = np.sum(tc & pc), np.sum(tc | pc)
        iou.append(inter / union if union else np.nan)
        dice.append(2 * inter / (tc.sum() + pc.sum()) if union else np.nan)
    return iou, dice


def test_hand_computed_example() -> None:
    true = np.array([[[0, 0, 1], [1, 1, 2]], [[2, 2, 2], [0, 1, 1]]])
    pred = np.array([[[0, 1, 1], [1, 1, 1]], [[2, 2, 0], [0, 1, 2]]])
    # Class 0: T = 3 px, P = 3 px, both = 2 -> IoU 2/4, Dice 4/6.
    # Class 1: T = 5 px, P = 6 px, both = 4 -> IoU 4/7, Dice 8/11.
    # Class 2: T = 4 px, P = 3 px, both = 2 -> IoU 2/5, Dice 4/7.
    # Class 3: absent from both -> NaN, left out of the means.
    iou = seg.iou_per_class(true, pred, n_classes=4)
    np.testing.assert_allclose(iou, [2 / 4, 4 / 7, 2 / 5, np.nan])
    dice = seg.dice_per_class(true, pred, n_classes=4)
    np.testing.assert_allclose(dice, [4 / 6, 8 / 11, 4 / 7, np.nan])
    assert seg.mean_iou(true, pred, n_classes=4) == pytest.approx((2 / 4 + 4 / 7 + 2 / 5) / 3)
    assert seg.mean_dice(true, pred, n_classes=4) == pytest.approx((4 / 6 + 8 / 11 + 4 / 7) / 3)
    assert seg.pixel_accuracy(true, pred) == pytest.approx(8 / 12)


def test_dataset_level_is_not_the_mean_of_per_image_iou() -> None:
    # Image 1 is tiny and wrong, image 2 large and right: dataset-level IoU weighs pixels.
    true = [np.array([[1]]), np.ones((10, 10), dtype=int)]
    pred = [np.array([[0]]), np.ones((10, 10), dtype=int)]
    assert seg.iou_per_class(true, pred)[1] == pytest.approx(100 / 101)


@pytest.mark.parametrize(("n", "k", "seed"), [(1, 2, 0), (5, 3, 1), (8, 7, 2), (3, 12, 3)])
def test_random_masks_match_the_per_class_formula(n: int, k: int, seed: int) -> None:
    true, pred = random_masks(n, (17, 23), k, seed)
    iou, dice = formula_iou_dice(list(true), list(pred), k)
    np.testing.assert_allclose(seg.iou_per_class(true, pred, n_classes=k), iou, rtol=1e-12)
    np.testing.assert_allclose(seg.dice_per_class(true, pred, n_classes=k), dice, rtol=1e-12)
    assert seg.mean_iou(true, pred, n_classes=k) == pytest.approx(np.nanmean(iou), rel=1e-12)
    assert seg.mean_dice(true, pred, n_classes=k) == pytest.approx(np.nanmean(dice), rel=1e-12)
    assert seg.pixel_accuracy(true, pred) == pytest.approx(np.mean(true == pred), rel=1e-12)


def test_images_of_different_shapes() -> None:
    rng = np.random.default_rng(4)
    shapes = [(5, 9), (12, 3), (7, 7)]
    true = [rng.integers(0, 4, size=s) for s in shapes]
    pred = [
        np.where(rng.uniform(size=s) < 0.5, t, 3 - t) for s, t in zip(shapes, true, strict=True)
    ]
    iou, dice = formula_iou_dice(true, pred, 4)
    np.testing.assert_allclose(seg.iou_per_class(true, pred), iou, rtol=1e-12)
    np.testing.assert_allclose(seg.dice_per_class(true, pred), dice, rtol=1e-12)
    counts = seg.per_image_counts(true, pred)
    assert counts.n_images == 3
    assert counts.n_pixels.tolist() == [45, 36, 49]


def test_single_image_and_bool_masks() -> None:
    true = np.array([[True, False], [True, True]])
    pred = np.array([[True, True], [False, True]])
    np.testing.assert_allclose(seg.iou_per_class(true, pred), [0 / 2, 2 / 4])


def test_ignore_index_drops_pixels() -> None:
    true = np.array([[0, 255, 1], [1, 255, 0]])
    pred = np.array([[0, 1, 1], [0, 0, 0]])
    # Kept pixels: true (0, 1, 1, 0), pred (0, 1, 0, 0).
    np.testing.assert_allclose(seg.iou_per_class(true, pred, ignore_index=255), [2 / 3, 1 / 2])
    assert seg.pixel_accuracy(true, pred, ignore_index=255) == 0.75
    counts = seg.per_image_counts(true, pred, ignore_index=255)
    assert counts.n_pixels.tolist() == [4]


def test_per_image_counts_sum_to_the_dataset_confusion() -> None:
    true, pred = random_masks(6, (11, 13), 5, seed=8)
    counts = seg.per_image_counts(true, pred)
    cm = seg.segmentation_confusion_matrix(true, pred)
    np.testing.assert_array_equal(counts.intersection.sum(axis=0), np.diag(cm))
    np.testing.assert_array_equal(counts.true_area.sum(axis=0), cm.sum(axis=1))
    np.testing.assert_array_equal(counts.pred_area.sum(axis=0), cm.sum(axis=0))
    np.testing.assert_array_equal(
        counts.union, counts.true_area + counts.pred_area - counts.intersection
    )
    for i in range(6):
        one = seg.segmentation_confusion_matrix(true[i], pred[i], n_classes=5)
        np.testing.assert_array_equal(counts.intersection[i], np.diag(one))
        assert counts.correct[i] == np.trace(one)
    iou = counts.intersection.sum(axis=0) / counts.union.sum(axis=0)
    np.testing.assert_allclose(seg.iou_per_class(true, pred), iou)


def test_validation_messages() -> None:
    true, pred = random_masks(2, (4, 4), 3, seed=0)
    with pytest.raises(ColumnError, match=r"as many true as predicted masks\. Got 2 and 1\."):
        seg.mean_iou(true, pred[:1])
    with pytest.raises(ColumnError, match=r"Got \(4, 4\) and \(4, 3\) at index 1\."):
        seg.mean_iou(list(true), [pred[0], pred[1][:, :3]])
    with pytest.raises(ColumnError, match=r"class labels in \[0, 3\)\. Got 5 in pred_masks\."):
        seg.iou_per_class(true, np.where(pred == 2, 5, pred), n_classes=3)
    with pytest.raises(ColumnError, match=r"Got -1 in true_masks\."):
        seg.mean_dice(np.where(true == 0, -1, true), pred)
    with pytest.raises(ColumnError, match="integer class labels"):
        seg.mean_iou(true.astype(float), pred)
    with pytest.raises(EmptyDataError, match="no pixel left"):
        seg.mean_iou(np.full((2, 2), 255), np.zeros((2, 2), dtype=int), ignore_index=255)
    with pytest.raises(ParameterError, match=r"^The 'n_classes' parameter of mean_iou"):
        seg.mean_iou(true, pred, n_classes=0)
    with pytest.raises(ParameterError, match=r"^The 'ignore_index' parameter of mean_iou"):
        seg.mean_iou(true, pred, ignore_index=1.5)  # type: ignore[arg-type]
