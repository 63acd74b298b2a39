"""Classification quality metrics on numpy arrays, checked against scikit-learn.

Labels ``y_true`` and ``y_pred`` are 1-D arrays of ints or strings. Probabilities ``proba`` are an
(n, k) array whose columns follow ``labels``, a 1-D array of the k class labels; in the binary case
``labels[1]`` is the positive class. Every row of ``proba`` must hold probabilities in [0, 1]
summing to 1 within 1e-6, and every label in ``y_true`` must be in ``labels``.

Counting metrics (accuracy, balanced accuracy, precision, recall, F1) all go through one confusion
matrix, built with a single ``np.bincount``. The ``*_from_confusion`` functions compute them from a
confusion matrix or a batch of them, shape (..., k, k), so the multinomial bootstrap
(`driftscope.metrics.bootstrap_ci_confusion`) evaluates 1,000 resamples in one call.

Ranking metrics (ROC AUC, average precision) sort the scores of the positive and negative rows
separately and count pairs with binary searches of one sorted array in the other, which gives the
exact tie-aware values in O(n log n) without an argsort.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from driftscope._validate import check_choice, check_int
from driftscope.exceptions import ColumnError, invalid_parameter
from driftscope.metrics._checks import (
    FloatArray,
    IntArray,
    as_1d,
    check_comparable,
    check_proba,
    check_same_length,
    encode,
    row_argmax,
    row_sum,
    unique_labels,
    validate_labels,
)

__all__ = [
    "PRF",
    "PRFAverage",
    "ReliabilityCurve",
    "accuracy",
    "accuracy_from_confusion",
    "balanced_accuracy",
    "balanced_accuracy_from_confusion",
    "brier_score",
    "confusion_matrix",
    "expected_calibration_error",
    "f1_from_confusion",
    "log_loss",
    "pr_auc",
    "precision_from_confusion",
    "precision_recall_f1",
    "recall_from_confusion",
    "reliability_curve",
    "roc_auc",
]

Average = Literal["macro", "micro", "weighted"]
_AVERAGES: tuple[Average, ...] = ("macro", "micro", "weighted")
_MAX_LISTED = 5


@dataclass(frozen=True, slots=True)
class PRFAverage:
    """Precision, recall and F1 averaged over classes one way (macro, micro or weighted)."""

    precision: float
    recall: float
    f1: float


@dataclass(frozen=True, slots=True)
class PRF:
    """Per-class precision, recall, F1 and support, with their macro, micro and weighted averages.

    ``labels[i]`` is the class of ``precision[i]``, ``recall[i]``, ``f1[i]`` and ``support[i]``
    (its number of rows in ``y_true``). A ratio whose denominator is 0 is 0, as scikit-learn's
    ``zero_division=0``.
    """

    labels: tuple[object, ...]
    precision: tuple[float, ...]
    recall: tuple[float, ...]
    f1: tuple[float, ...]
    support: tuple[int, ...]
    macro: PRFAverage
    micro: PRFAverage
    weighted: PRFAverage


@dataclass(frozen=True, slots=True)
class ReliabilityCurve:
    """Calibration of predicted probabilities on equal-width bins of [0, 1].

    ``kind`` is ``"positive_class"`` (binary: the positive-class probability against whether the
    row is positive) or ``"top_label"`` (multiclass: the highest probability against whether its
    class is the true one). Per bin: ``mean_confidence`` is the mean predicted probability,
    ``accuracy`` the share of rows that are positive (or correct), ``count`` the number of rows;
    both means are NaN in an empty bin. ``expected_calibration_error`` is the count-weighted mean
    of ``|accuracy - mean_confidence|`` over the bins.
    """

    kind: str
    bin_edges: tuple[float, ...]
    mean_confidence: tuple[float, ...]
    accuracy: tuple[float, ...]
    count: tuple[int, ...]
    expected_calibration_error: float


# --- inputs -------------------------------------------------------------------------------------


def _pair(
    y_true: ArrayLike, y_pred: ArrayLike, owner: str
) -> tuple[NDArray[np.generic], NDArray[np.generic]]:
    true = as_1d(y_true, "y_true", owner)
    pred = as_1d(y_pred, "y_pred", owner)
    check_same_length(owner, "y_true", true, "y_pred", pred)
    check_comparable(owner, "y_true", true, "y_pred", pred)
    return true, pred


def _proba_inputs(
    y_true: ArrayLike, proba: ArrayLike, labels: ArrayLike, owner: str
) -> tuple[IntArray, FloatArray, NDArray[np.generic]]:
    """Codes of ``y_true`` in ``labels``, the checked ``proba`` and the labels array."""
    label_array = validate_labels(labels, owner)
    true = as_1d(y_true, "y_true", owner)
    probabilities = check_proba(proba, true.size, label_array.size, owner)
    codes = encode(true, label_array, owner, "y_true")
    return codes, probabilities, label_array


def _require_classes(
    owner: str, counts: IntArray, labels: NDArray[np.generic], which: IntArray
) -> None:
    missing = [i for i in which.tolist() if counts[i] == 0]
    if missing:
        names = labels[missing[:_MAX_LISTED]].tolist()
        more = "" if len(missing) <= _MAX_LISTED else f" and {len(missing) - _MAX_LISTED} more"
        raise ColumnError(
            f"{owner} is undefined when a class it scores has no row in y_true. "
            f"Missing from y_true: {names!r}{more}."
        )


# --- confusion-matrix metrics -------------------------------------------------------------------


def confusion_matrix(
    y_true: ArrayLike, y_pred: ArrayLike, labels: ArrayLike | None = None
) -> NDArray[np.int64]:
    """Confusion matrix: ``[i, j]`` counts rows of true class ``labels[i]`` predicted ``labels[j]``.

    Without ``labels``, the classes are the sorted union of the labels in ``y_true`` and ``y_pred``,
    as scikit-learn. Unlike scikit-learn, which drops rows whose label is not in a given
    ``labels``, such rows raise a `ColumnError` listing the unknown labels: a quality metric that
    silently ignores rows is hard to trust.

    >>> confusion_matrix(["cat", "dog", "dog", "cat"], ["cat", "dog", "cat", "cat"])
    array([[2, 0],
           [1, 1]])
    """
    true, pred = _pair(y_true, y_pred, "confusion_matrix")
    if labels is None:
        label_array = unique_labels(true, pred)
    else:
        label_array = validate_labels(labels, "confusion_matrix", minimum=1)
    return _confusion(true, pred, label_array, "confusion_matrix")


def _confusion(
    true: NDArray[np.generic], pred: NDArray[np.generic], labels: NDArray[np.generic], owner: str
) -> NDArray[np.int64]:
    k = labels.size
    true_codes = encode(true, labels, owner, "y_true")
    pred_codes = encode(pred, labels, owner, "y_pred")
    flat = np.bincount(true_codes * k + pred_codes, minlength=k * k)
    return flat.reshape(k, k).astype(np.int64, copy=False)


def _as_confusion(cm: ArrayLike, owner: str) -> FloatArray:
    array = np.asarray(cm, dtype=np.float64)
    if array.ndim < 2 or array.shape[-1] != array.shape[-2] or array.shape[-1] == 0:
        raise invalid_parameter(owner, "cm", "an array of shape (..., k, k) with k >= 1", cm)
    return array


def _safe_divide(numerator: FloatArray, denominator: FloatArray) -> FloatArray:
    """``numerator / denominator``, and 0 where the denominator is 0 (``zero_division=0``)."""
    out = np.zeros(np.broadcast_shapes(numerator.shape, denominator.shape))
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out


def _counts(cm: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """True positives, predicted totals and true totals (supports) per class, shape (..., k)."""
    tp = np.diagonal(cm, axis1=-2, axis2=-1)
    return tp, cm.sum(axis=-2), cm.sum(axis=-1)


def _average(
    per_class: FloatArray,
    support: FloatArray,
    predicted: FloatArray,
    average: Average | None,
    only_present: bool,
) -> FloatArray:
    if average is None:
        return per_class
    if average == "macro":
        if not only_present:
            return np.asarray(per_class.mean(axis=-1))
        # A class with no row in this matrix, true or predicted, is not a class of this data:
        # counted as 0 it would pull the mean down (scikit-learn's labels=None leaves it out).
        present = (support + predicted) > 0
        total = np.where(present, per_class, 0.0).sum(axis=-1)
        return _safe_divide(total, present.sum(axis=-1).astype(np.float64))
    # weighted: a class without support weighs 0, present or not.
    return _safe_divide((per_class * support).sum(axis=-1), support.sum(axis=-1))


def _check_average(average: object, owner: str) -> None:
    check_choice(owner, "average", average, _AVERAGES, allow_none=True)


def accuracy_from_confusion(cm: ArrayLike) -> FloatArray:
    """Accuracy of a confusion matrix or of each in a batch, shape (..., k, k) -> (...).

    >>> cm = np.array([[[5, 1], [2, 2]], [[3, 3], [0, 4]]])
    >>> accuracy_from_confusion(cm)
    array([0.7, 0.7])
    """
    matrix = _as_confusion(cm, "accuracy_from_confusion")
    tp = np.diagonal(matrix, axis1=-2, axis2=-1)
    return _safe_divide(tp.sum(axis=-1), matrix.sum(axis=(-2, -1)))


def balanced_accuracy_from_confusion(cm: ArrayLike) -> FloatArray:
    """Balanced accuracy of a confusion matrix or batch: mean recall over classes with support.

    Classes with no true row are left out of the mean, per matrix (in a bootstrap resample a rare
    class may vanish), as scikit-learn's ``balanced_accuracy_score``.

    >>> balanced_accuracy_from_confusion(np.array([[5, 1, 0], [2, 2, 0], [0, 1, 0]]))
    array(0.44444444)
    """
    matrix = _as_confusion(cm, "balanced_accuracy_from_confusion")
    tp, _, support = _counts(matrix)
    present = support > 0
    recall = _safe_divide(tp, support)
    return _safe_divide(recall.sum(axis=-1), present.sum(axis=-1).astype(np.float64))


def precision_from_confusion(
    cm: ArrayLike, average: Average | None = "macro", *, only_present: bool = True
) -> FloatArray:
    """Precision of a confusion matrix or batch, shape (..., k, k).

    ``average`` is ``"macro"``, ``"micro"``, ``"weighted"`` (by support), all of shape (...), or
    None for per-class values of shape (..., k). A class never predicted has precision 0.

    The macro mean is over the classes with a row in that matrix, true or predicted, as
    scikit-learn's ``average="macro"`` with ``labels=None``: per matrix, so a class missing from
    one bootstrap resample is left out of that resample's mean. ``only_present=False`` counts
    every class of the matrix (a class with no row as 0), as scikit-learn given ``labels``.

    >>> cm = np.array([[5, 1], [2, 2]])
    >>> precision_from_confusion(cm, average=None)
    array([0.71428571, 0.66666667])
    >>> cm = np.array([[2, 0, 0], [0, 0, 0], [0, 0, 1]])  # the middle class has no row
    >>> precision_from_confusion(cm), precision_from_confusion(cm, only_present=False)
    (array(1.), array(0.66666667))
    """
    _check_average(average, "precision_from_confusion")
    matrix = _as_confusion(cm, "precision_from_confusion")
    tp, predicted, support = _counts(matrix)
    if average == "micro":
        return _safe_divide(tp.sum(axis=-1), predicted.sum(axis=-1))
    return _average(_safe_divide(tp, predicted), support, predicted, average, only_present)


def recall_from_confusion(
    cm: ArrayLike, average: Average | None = "macro", *, only_present: bool = True
) -> FloatArray:
    """Recall of a confusion matrix or batch; ``average`` and ``only_present`` as in
    `precision_from_confusion`.

    >>> recall_from_confusion(np.array([[5, 1], [2, 2]]), average="weighted")
    array(0.7)
    """
    _check_average(average, "recall_from_confusion")
    matrix = _as_confusion(cm, "recall_from_confusion")
    tp, predicted, support = _counts(matrix)
    if average == "micro":
        return _safe_divide(tp.sum(axis=-1), support.sum(axis=-1))
    return _average(_safe_divide(tp, support), support, predicted, average, only_present)


def f1_from_confusion(
    cm: ArrayLike, average: Average | None = "macro", *, only_present: bool = True
) -> FloatArray:
    """F1 of a confusion matrix or batch; ``average`` and ``only_present`` as in
    `precision_from_confusion`.

    Per class ``F1 = 2 TP / (2 TP + FP + FN)``, the harmonic mean of precision and recall, and 0
    when the class is neither present nor predicted. Macro F1 is the mean of per-class F1 over
    the classes present (true or predicted) in the matrix.

    >>> f1_from_confusion(np.array([[5, 1], [2, 2]]), average="macro")
    array(0.67032967)
    """
    _check_average(average, "f1_from_confusion")
    matrix = _as_confusion(cm, "f1_from_confusion")
    tp, predicted, support = _counts(matrix)
    if average == "micro":
        tp_sum = tp.sum(axis=-1)
        return _safe_divide(2.0 * tp_sum, predicted.sum(axis=-1) + support.sum(axis=-1))
    return _average(
        _safe_divide(2.0 * tp, predicted + support), support, predicted, average, only_present
    )


def accuracy(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Share of rows whose predicted label equals the true one.

    >>> accuracy(["a", "b", "b", "a"], ["a", "b", "a", "a"])
    0.75
    """
    true, pred = _pair(y_true, y_pred, "accuracy")
    return float(np.count_nonzero(true == pred) / true.size)


def balanced_accuracy(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Mean recall over the classes present in ``y_true``.

    Classes that appear only in ``y_pred`` are left out of the mean (scikit-learn does the same,
    with a warning).

    >>> balanced_accuracy([0, 0, 0, 1], [0, 0, 1, 1])
    0.8333333333333333
    """
    true, pred = _pair(y_true, y_pred, "balanced_accuracy")
    cm = _confusion(true, pred, unique_labels(true, pred), "balanced_accuracy")
    return float(balanced_accuracy_from_confusion(cm))


def precision_recall_f1(
    y_true: ArrayLike, y_pred: ArrayLike, labels: ArrayLike | None = None
) -> PRF:
    """Per-class precision, recall, F1 and support, with macro, micro and weighted averages.

    Without ``labels`` the classes are the sorted union of the labels in both arrays; a given
    ``labels`` fixes their order and may add classes absent from both (their values are 0 and
    they count in the macro average, as in scikit-learn). Labels outside ``labels`` raise, as in
    `confusion_matrix`. Ratios with a zero denominator are 0 (``zero_division=0``).

    >>> r = precision_recall_f1(["a", "a", "b", "c"], ["a", "b", "b", "c"])
    >>> r.labels, r.recall, round(r.macro.f1, 4), r.micro.f1
    (('a', 'b', 'c'), (0.5, 1.0, 1.0), 0.7778, 0.75)
    """
    owner = "precision_recall_f1"
    true, pred = _pair(y_true, y_pred, owner)
    if labels is None:
        label_array = unique_labels(true, pred)
    else:
        label_array = validate_labels(labels, owner, minimum=1)
    cm = _confusion(true, pred, label_array, owner)
    # Given labels count in the macro mean even when absent from both arrays, as scikit-learn.
    every = labels is not None
    averages = {
        name: PRFAverage(
            float(precision_from_confusion(cm, name, only_present=not every)),
            float(recall_from_confusion(cm, name, only_present=not every)),
            float(f1_from_confusion(cm, name, only_present=not every)),
        )
        for name in _AVERAGES
    }
    return PRF(
        labels=tuple(label_array.tolist()),
        precision=tuple(precision_from_confusion(cm, None).tolist()),
        recall=tuple(recall_from_confusion(cm, None).tolist()),
        f1=tuple(f1_from_confusion(cm, None).tolist()),
        support=tuple(cm.sum(axis=1).tolist()),
        macro=averages["macro"],
        micro=averages["micro"],
        weighted=averages["weighted"],
    )


# --- ranking metrics ----------------------------------------------------------------------------


def _split_sorted(scores: FloatArray, positive: NDArray[np.bool_]) -> tuple[FloatArray, FloatArray]:
    return np.sort(scores[positive]), np.sort(scores[~positive])


def _auc(pos: FloatArray, neg: FloatArray) -> float:
    """P(score of a positive > score of a negative) + P(tie) / 2, the Mann-Whitney form of AUC."""
    # For each positive: negatives below it count 1, tied ones 1/2. In integers: twice that.
    below = np.searchsorted(neg, pos, side="left")
    below_or_tied = np.searchsorted(neg, pos, side="right")
    twice_u = int(below.sum()) + int(below_or_tied.sum())
    return twice_u / (2.0 * pos.size * neg.size)


def _average_precision(pos: FloatArray, neg: FloatArray) -> float:
    """Mean over positives of the precision at the threshold equal to its score.

    This is scikit-learn's step-wise ``sum_n (R_n - R_{n-1}) P_n`` over distinct thresholds: the
    recall steps only at positive scores, by ``(positives tied there) / n_pos``.
    """
    positives_at_or_above = pos.size - np.searchsorted(pos, pos, side="left")
    negatives_at_or_above = neg.size - np.searchsorted(neg, pos, side="left")
    precision = positives_at_or_above / (positives_at_or_above + negatives_at_or_above)
    return float(precision.mean())


def _one_vs_rest(
    y_true: ArrayLike,
    proba: ArrayLike,
    labels: ArrayLike,
    owner: str,
    score: Callable[[FloatArray, FloatArray], float],
    *,
    need_negatives: bool,
) -> float:
    codes, probabilities, label_array = _proba_inputs(y_true, proba, labels, owner)
    k = label_array.size
    counts = np.bincount(codes, minlength=k)
    if k == 2:
        which = np.array([0, 1]) if need_negatives else np.array([1])
        _require_classes(owner, counts, label_array, which)
        pos, neg = _split_sorted(probabilities[:, 1], codes == 1)
        return score(pos, neg)
    _require_classes(owner, counts, label_array, np.arange(k))
    values = [score(*_split_sorted(probabilities[:, c], codes == c)) for c in range(k)]
    return float(np.mean(values))


def roc_auc(y_true: ArrayLike, proba: ArrayLike, labels: ArrayLike) -> float:
    """Area under the ROC curve: binary, or one-vs-rest macro-averaged for k > 2 classes.

    Binary: the AUC of column ``labels[1]`` (the positive class), as
    ``sklearn.metrics.roc_auc_score(y_true == labels[1], proba[:, 1])``. Multiclass: the mean over
    classes of the AUC of each class's column against all other rows, as
    ``roc_auc_score(..., multi_class="ovr", average="macro")``. Ties count one half.

    The AUC of a class is undefined when it has no row in ``y_true`` (for binary, when either class
    has none): this raises a `ColumnError` naming the missing classes, rather than returning NaN.

    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 2, size=200)
    >>> p1 = np.clip(0.3 * y + rng.uniform(0, 0.7, size=200), 0, 1)
    >>> round(roc_auc(y, np.column_stack([1 - p1, p1]), labels=[0, 1]), 4)
    0.8523
    """
    return _one_vs_rest(y_true, proba, labels, "roc_auc", _auc, need_negatives=True)


def pr_auc(y_true: ArrayLike, proba: ArrayLike, labels: ArrayLike) -> float:
    """Average precision (area under the step-wise precision-recall curve).

    Binary: of column ``labels[1]``, as ``sklearn.metrics.average_precision_score(y_true ==
    labels[1], proba[:, 1])``. Multiclass: the macro mean of each class's one-vs-rest average
    precision. A class it scores must have at least one row in ``y_true`` (a `ColumnError` names
    the missing ones); with no negative rows the binary value is 1.

    >>> pr_auc(["n", "p", "p", "n"], [[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.5, 0.5]], ["n", "p"])
    0.8333333333333333
    """
    return _one_vs_rest(y_true, proba, labels, "pr_auc", _average_precision, need_negatives=False)


# --- probabilistic losses and calibration -------------------------------------------------------


def log_loss(y_true: ArrayLike, proba: ArrayLike, labels: ArrayLike) -> float:
    """Mean negative log-likelihood of the true class (natural log).

    Probabilities are clipped to ``[eps, 1 - eps]`` with ``eps`` the float64 machine epsilon, as
    scikit-learn, so a confident wrong prediction costs about 36, not infinity.

    >>> round(log_loss(["a", "b"], [[0.8, 0.2], [0.4, 0.6]], labels=["a", "b"]), 6)
    0.366985
    """
    codes, probabilities, _ = _proba_inputs(y_true, proba, labels, "log_loss")
    eps = float(np.finfo(np.float64).eps)
    p_true = probabilities[np.arange(codes.size), codes]
    return float(-np.mean(np.log(np.clip(p_true, eps, 1.0 - eps))))


def brier_score(y_true: ArrayLike, proba: ArrayLike, labels: ArrayLike) -> float:
    """Brier score: mean squared gap between predicted probabilities and outcomes.

    Binary: ``mean((proba[:, 1] - [y == labels[1]])**2)``, scikit-learn's ``brier_score_loss`` on
    the positive column (range [0, 1]). Multiclass: the mean over rows of the sum over classes of
    the squared gap to the one-hot outcome (range [0, 2]); scikit-learn gives the same with
    ``scale_by_half=False``. Note that the binary value is half the multiclass formula applied
    to two columns.

    >>> brier_score([0, 1, 1], [[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]], labels=[0, 1])
    0.13666666666666666
    """
    codes, probabilities, label_array = _proba_inputs(y_true, proba, labels, "brier_score")
    rows = np.arange(codes.size)
    if label_array.size == 2:
        gap = probabilities[:, 1] - (codes == 1)
        return float(np.mean(gap * gap))
    # sum_c (p_c - 1[c = y])^2 = sum_c p_c^2 - 2 p_y + 1, without building the one-hot matrix.
    squares = row_sum(probabilities * probabilities)
    return float(np.mean(squares - 2.0 * probabilities[rows, codes] + 1.0))


def _check_bins(n_bins: object, owner: str) -> int:
    return check_int(owner, "n_bins", n_bins, low=1)


def reliability_curve(
    y_true: ArrayLike, proba: ArrayLike, labels: ArrayLike, n_bins: int = 10
) -> ReliabilityCurve:
    """Reliability (calibration) curve on ``n_bins`` equal-width bins of [0, 1].

    Binary: the positive-class probability ``proba[:, 1]`` against whether the row is of class
    ``labels[1]``. Multiclass: the top-label confidence ``proba.max(axis=1)`` against whether the
    arg-max class (the first on ties) is the true one. Bins are right-closed, ``(a, b]``, the first
    being ``[0, b]``, as ``sklearn.calibration.calibration_curve(strategy="uniform")``.

    >>> c = reliability_curve([0, 1, 1, 0], [[0.9, 0.1], [0.3, 0.7], [0.2, 0.8], [0.4, 0.6]],
    ...                       labels=[0, 1], n_bins=2)
    >>> c.count, c.accuracy, round(c.expected_calibration_error, 12)
    ((1, 3), (0.0, 0.6666666666666666), 0.05)
    """
    owner = "reliability_curve"
    bins = _check_bins(n_bins, owner)
    codes, probabilities, label_array = _proba_inputs(y_true, proba, labels, owner)
    return _reliability(codes, probabilities, label_array.size, bins)


def _bin_ids(values: FloatArray, edges: FloatArray) -> IntArray:
    """Bin of each value in [0, 1] on equal-width right-closed bins, ``(a, b]`` and ``[0, b]``.

    Equal to ``np.searchsorted(edges[1:-1], values)`` (scikit-learn's rule) but several times
    faster: arithmetic gives the bin, then one comparison with each neighbouring edge corrects
    the values that rounding put on the wrong side of an edge.
    """
    n_bins = edges.size - 1
    ids = np.ceil(values * n_bins).astype(np.intp)
    ids -= 1
    np.clip(ids, 0, n_bins - 1, out=ids)
    ids -= (values <= edges[ids]) & (ids > 0)
    ids += (values > edges[ids + 1]) & (ids < n_bins - 1)
    return ids


def _reliability(
    codes: IntArray, probabilities: FloatArray, k: int, n_bins: int
) -> ReliabilityCurve:
    if k == 2:
        kind = "positive_class"
        confidence = probabilities[:, 1]
        hit = (codes == 1).astype(np.float64)
    else:
        kind = "top_label"
        top, confidence = row_argmax(probabilities)
        hit = (top == codes).astype(np.float64)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    bin_ids = _bin_ids(confidence, edges)
    count = np.bincount(bin_ids, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_confidence = np.bincount(bin_ids, weights=confidence, minlength=n_bins) / count
        hit_rate = np.bincount(bin_ids, weights=hit, minlength=n_bins) / count
    filled = count > 0
    gaps = np.abs(hit_rate[filled] - mean_confidence[filled])
    ece = float((count[filled] * gaps).sum() / codes.size)
    return ReliabilityCurve(
        kind=kind,
        bin_edges=tuple(edges.tolist()),
        mean_confidence=tuple(mean_confidence.tolist()),
        accuracy=tuple(hit_rate.tolist()),
        count=tuple(count.tolist()),
        expected_calibration_error=ece,
    )


def expected_calibration_error(
    y_true: ArrayLike, proba: ArrayLike, labels: ArrayLike, n_bins: int = 10
) -> float:
    """Expected calibration error: count-weighted mean gap between accuracy and confidence.

    ``ECE = sum_b (n_b / n) |accuracy_b - mean_confidence_b|`` over the bins of
    `reliability_curve` (same binning, same binary and multiclass conventions) [1]_.

    References
    ----------
    .. [1] Guo, C., Pleiss, G., Sun, Y. and Weinberger, K. Q. (2017). On calibration of modern
       neural networks. ICML.

    >>> rng = np.random.default_rng(0)
    >>> p1 = rng.uniform(size=10_000)
    >>> y = (rng.uniform(size=10_000) < p1).astype(int)
    >>> round(expected_calibration_error(y, np.column_stack([1 - p1, p1]), labels=[0, 1]), 3)
    0.011
    """
    owner = "expected_calibration_error"
    bins = _check_bins(n_bins, owner)
    codes, probabilities, label_array = _proba_inputs(y_true, proba, labels, owner)
    return _reliability(codes, probabilities, label_array.size, bins).expected_calibration_error
