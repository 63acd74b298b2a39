"""Classification metrics, checked against scikit-learn and the textbook formulas."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray
from sklearn import metrics as skm
from sklearn.calibration import calibration_curve
from sklearn.preprocessing import label_binarize

from driftscope.exceptions import ColumnError, EmptyDataError, ParameterError
from driftscope.metrics import classification as cls

RTOL = 1e-12
NAMES = np.array(["ant", "bee", "cat", "dog", "eel"])


def multiclass_data(
    n: int, k: int, *, seed: int = 0, ties: bool = False
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.int64]]:
    """Labels 0..k-1 (every class present), informative probabilities, arg-max predictions."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, size=n)
    y[:k] = np.arange(k)
    logits = rng.normal(size=(n, k))
    logits[np.arange(n), y] += 1.0
    if ties:
        logits = np.round(logits, 1)
    proba = np.exp(logits)
    proba /= proba.sum(axis=1, keepdims=True)
    return y, proba, proba.argmax(axis=1)


def binary_data(
    n: int, *, seed: int = 0, ties: bool = False
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Binary labels and an (n, 2) probability matrix; rounded scores give many ties."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, size=n)
    y[:2] = [0, 1]
    p1 = np.clip(0.35 * y + rng.uniform(0.0, 0.65, size=n), 0.0, 1.0)
    if ties:
        p1 = np.round(p1, 1)
    return y, np.column_stack([1.0 - p1, p1])


# --- counting metrics ---------------------------------------------------------------------------


@pytest.mark.parametrize("k", [2, 3, 5])
@pytest.mark.parametrize("strings", [False, True])
def test_counting_metrics_match_sklearn(k: int, strings: bool) -> None:
    y, _, pred = multiclass_data(700, k, seed=k)
    if strings:
        y, pred = NAMES[y], NAMES[pred]
    assert cls.accuracy(y, pred) == pytest.approx(skm.accuracy_score(y, pred), rel=RTOL)
    assert cls.balanced_accuracy(y, pred) == pytest.approx(
        skm.balanced_accuracy_score(y, pred), rel=RTOL
    )
    np.testing.assert_array_equal(cls.confusion_matrix(y, pred), skm.confusion_matrix(y, pred))
    result = cls.precision_recall_f1(y, pred)
    p, r, f, s = skm.precision_recall_fscore_support(y, pred, zero_division=0)
    np.testing.assert_allclose(result.precision, p, rtol=RTOL)
    np.testing.assert_allclose(result.recall, r, rtol=RTOL)
    np.testing.assert_allclose(result.f1, f, rtol=RTOL)
    assert result.support == tuple(s.tolist())
    assert result.labels == tuple(np.unique(y).tolist())
    for average in ("macro", "micro", "weighted"):
        p, r, f, _ = skm.precision_recall_fscore_support(y, pred, average=average, zero_division=0)
        got = getattr(result, average)
        assert (got.precision, got.recall, got.f1) == pytest.approx((p, r, f), rel=RTOL)


def test_precision_recall_f1_zero_division_and_given_labels() -> None:
    # Class 2 is never predicted (precision 0/0), class 3 is absent from both arrays.
    y = np.array([0, 0, 1, 1, 2, 2, 2])
    pred = np.array([0, 1, 1, 1, 0, 1, 0])
    labels = [3, 2, 1, 0]
    result = cls.precision_recall_f1(y, pred, labels=labels)
    assert result.labels == (3, 2, 1, 0)
    for average in (None, "macro", "micro", "weighted"):
        p, r, f, s = skm.precision_recall_fscore_support(
            y, pred, labels=labels, average=average, zero_division=0
        )
        if average is None:
            np.testing.assert_allclose(result.precision, p, rtol=RTOL)
            np.testing.assert_allclose(result.recall, r, rtol=RTOL)
            np.testing.assert_allclose(result.f1, f, rtol=RTOL)
            assert result.support == tuple(s.tolist())
        else:
            got = getattr(result, average)
            assert (got.precision, got.recall, got.f1) == pytest.approx((p, r, f), rel=RTOL)
    np.testing.assert_array_equal(
        cls.confusion_matrix(y, pred, labels=labels), skm.confusion_matrix(y, pred, labels=labels)
    )


def test_balanced_accuracy_ignores_classes_only_predicted() -> None:
    y = np.array([0, 0, 0, 1, 1])
    pred = np.array([0, 2, 0, 1, 0])
    # Recall of class 0 is 2/3, of class 1 is 1/2; class 2 has no true row and is left out.
    assert cls.balanced_accuracy(y, pred) == pytest.approx((2 / 3 + 1 / 2) / 2)


# scikit-learn warns that a confusion matrix of one label may lack classes; that is the point.
@pytest.mark.filterwarnings("ignore:A single label was found:UserWarning")
@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4)), min_size=1, max_size=60),
)
def test_confusion_matrix_and_prf_match_sklearn_on_any_labels(pairs: list[tuple[int, int]]) -> None:
    y = np.array([a for a, _ in pairs])
    pred = np.array([b for _, b in pairs])
    np.testing.assert_array_equal(cls.confusion_matrix(y, pred), skm.confusion_matrix(y, pred))
    result = cls.precision_recall_f1(y, pred)
    p, r, f, _ = skm.precision_recall_fscore_support(y, pred, zero_division=0)
    np.testing.assert_allclose(result.precision, p, rtol=RTOL)
    np.testing.assert_allclose(result.recall, r, rtol=RTOL)
    np.testing.assert_allclose(result.f1, f, rtol=RTOL)


def _rows(cm: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """The (true, predicted) rows a confusion matrix counts."""
    k = cm.shape[0]
    cells = np.repeat(np.arange(k * k), cm.ravel())
    return cells // k, cells % k


_AVERAGED = (
    ("precision", cls.precision_from_confusion),
    ("recall", cls.recall_from_confusion),
    ("f1", cls.f1_from_confusion),
)


# A matrix over more labels than the data holds is what monitoring builds (every class the
# model knows): classes absent from both arrays must not count in the macro mean.
@pytest.mark.filterwarnings("ignore:A single label was found:UserWarning")
@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5)), min_size=1, max_size=40),
    st.integers(0, 3),
)
def test_macro_and_weighted_from_a_padded_matrix_match_sklearn_without_labels(
    pairs: list[tuple[int, int]], extra: int
) -> None:
    y = np.array([a for a, _ in pairs])
    pred = np.array([b for _, b in pairs])
    cm = cls.confusion_matrix(y, pred, labels=np.arange(6 + extra))
    for average in ("macro", "weighted", "micro"):
        p, r, f, _ = skm.precision_recall_fscore_support(y, pred, average=average, zero_division=0)
        got = [float(fn(cm, average)) for _, fn in _AVERAGED]
        assert got == pytest.approx([p, r, f], rel=RTOL, abs=1e-15)
        assert float(cls.f1_from_confusion(cm, average)) == pytest.approx(
            skm.f1_score(y, pred, average=average, zero_division=0), rel=RTOL, abs=1e-15
        )


@pytest.mark.filterwarnings("ignore:A single label was found:UserWarning")
@pytest.mark.parametrize(
    ("y", "pred"),
    [
        ([1, 1], [1, 1]),  # one class, every row right
        ([0, 1], [0, 1]),  # two of ten classes, every row right
        ([0, 0, 2, 2], [1, 1, 0, 0]),  # every row wrong
        ([3, 3, 3], [5, 5, 5]),  # one class true, another predicted
        ([0, 1, 2, 4, 5, 6, 7, 8, 9], [0, 1, 2, 4, 5, 6, 7, 8, 8]),  # class 3 missing
    ],
)
def test_macro_averages_skip_classes_absent_from_both_sides(y: list[int], pred: list[int]) -> None:
    cm = cls.confusion_matrix(y, pred, labels=np.arange(10))
    for name, fn in _AVERAGED:
        for average in ("macro", "weighted"):
            expected = getattr(skm, f"{name}_score")(y, pred, average=average, zero_division=0)
            assert float(fn(cm, average)) == pytest.approx(expected, rel=RTOL, abs=1e-15)
    # Given labels keep counting every class (scikit-learn's labels=...): 2 of 10 classes right.
    assert float(cls.f1_from_confusion(np.diag([1, 1] + [0] * 8), only_present=False)) == 0.2


def test_macro_of_each_resample_matches_sklearn_on_that_resample() -> None:
    # The multinomial bootstrap scores every resampled matrix on its own classes: a class with
    # one row vanishes from some resamples and must leave their mean, not count as 0.
    rng = np.random.default_rng(11)
    for trial in range(30):
        k = int(rng.integers(2, 7))
        cm = rng.integers(0, 4, size=(k, k)) * (rng.random((k, k)) < 0.5)
        cm[0, 0] += 1
        padded = np.zeros((k + 2, k + 2), dtype=np.int64)
        padded[:k, :k] = cm
        n = int(padded.sum())
        batch = rng.multinomial(n, padded.ravel() / n, size=20).reshape(20, k + 2, k + 2)
        for name, fn in _AVERAGED:
            for average in ("macro", "weighted"):
                batched = fn(batch, average)
                score = getattr(skm, f"{name}_score")
                expected = [score(*_rows(b), average=average, zero_division=0) for b in batch]
                np.testing.assert_allclose(batched, expected, rtol=RTOL, atol=1e-15,
                                           err_msg=f"{name} {average} trial {trial}")  # fmt: skip


def test_from_confusion_functions_are_batched() -> None:
    rng = np.random.default_rng(3)
    batch = rng.integers(0, 20, size=(7, 4, 4))
    batch[2, 1, :] = 0  # a class with no true row in one matrix
    functions = [
        cls.accuracy_from_confusion,
        cls.balanced_accuracy_from_confusion,
        *(
            lambda cm, f=f, a=a: f(cm, average=a)
            for f in (
                cls.precision_from_confusion,
                cls.recall_from_confusion,
                cls.f1_from_confusion,
            )
            for a in ("macro", "micro", "weighted", None)
        ),
    ]
    for function in functions:
        batched = function(batch)
        singles = np.stack([function(cm) for cm in batch])
        np.testing.assert_allclose(batched, singles, rtol=RTOL)
        assert batched.shape[0] == 7


def test_from_confusion_agrees_with_label_metrics() -> None:
    y, _, pred = multiclass_data(400, 4, seed=9)
    cm = cls.confusion_matrix(y, pred)
    result = cls.precision_recall_f1(y, pred)
    assert float(cls.accuracy_from_confusion(cm)) == pytest.approx(cls.accuracy(y, pred))
    assert float(cls.balanced_accuracy_from_confusion(cm)) == pytest.approx(
        cls.balanced_accuracy(y, pred)
    )
    assert float(cls.f1_from_confusion(cm, "weighted")) == pytest.approx(result.weighted.f1)
    np.testing.assert_allclose(cls.recall_from_confusion(cm, None), result.recall)


# --- ranking metrics ----------------------------------------------------------------------------


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("seed", [0, 1])
def test_binary_ranking_metrics_match_sklearn(ties: bool, seed: int) -> None:
    y, proba = binary_data(500, seed=seed, ties=ties)
    assert cls.roc_auc(y, proba, [0, 1]) == pytest.approx(
        skm.roc_auc_score(y, proba[:, 1]), rel=1e-10
    )
    assert cls.pr_auc(y, proba, [0, 1]) == pytest.approx(
        skm.average_precision_score(y, proba[:, 1]), rel=1e-10
    )


def test_binary_ranking_uses_labels_1_as_positive_class() -> None:
    y, proba = binary_data(300, seed=4)
    names = np.array(["spam", "ham"])[y]  # "ham" (labels[1]) is the positive class
    assert cls.roc_auc(names, proba, ["spam", "ham"]) == pytest.approx(
        skm.roc_auc_score(names == "ham", proba[:, 1]), rel=1e-10
    )
    assert cls.pr_auc(names, proba, ["spam", "ham"]) == pytest.approx(
        skm.average_precision_score(names == "ham", proba[:, 1]), rel=1e-10
    )


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("k", [3, 5])
def test_multiclass_ranking_metrics_match_sklearn_ovr_macro(ties: bool, k: int) -> None:
    y, proba, _ = multiclass_data(600, k, seed=k, ties=ties)
    labels = NAMES[:k]
    names = labels[y]
    assert cls.roc_auc(names, proba, labels) == pytest.approx(
        skm.roc_auc_score(names, proba, multi_class="ovr", average="macro", labels=labels),
        rel=1e-10,
    )
    assert cls.pr_auc(names, proba, labels) == pytest.approx(
        skm.average_precision_score(label_binarize(names, classes=labels), proba, average="macro"),
        rel=1e-10,
    )


def test_multiclass_ranking_follows_the_column_order_of_labels() -> None:
    y, proba, _ = multiclass_data(300, 3, seed=2)
    order = [2, 0, 1]
    assert cls.roc_auc(y, proba[:, order], order) == pytest.approx(cls.roc_auc(y, proba, [0, 1, 2]))


def test_ranking_metrics_raise_on_missing_classes() -> None:
    y, proba, _ = multiclass_data(50, 3, seed=0)
    y = np.where(y == 2, 0, y)
    with pytest.raises(ColumnError, match=r"Missing from y_true: \[2\]"):
        cls.roc_auc(y, proba, [0, 1, 2])
    with pytest.raises(ColumnError, match=r"Missing from y_true: \['b'\]"):
        cls.pr_auc(["a", "a"], [[0.6, 0.4], [0.3, 0.7]], ["a", "b"])
    with pytest.raises(ColumnError, match=r"Missing from y_true: \['a'\]"):
        cls.roc_auc(["b", "b"], [[0.6, 0.4], [0.3, 0.7]], ["a", "b"])
    # Average precision is defined without negatives: every threshold has precision 1.
    assert cls.pr_auc(["b", "b"], [[0.6, 0.4], [0.3, 0.7]], ["a", "b"]) == 1.0


# --- probabilistic losses and calibration -------------------------------------------------------


@pytest.mark.parametrize("k", [2, 3, 5])
def test_log_loss_and_brier_match_sklearn(k: int) -> None:
    y, proba, _ = multiclass_data(500, k, seed=k)
    # Confident and exactly-wrong rows exercise the clipping.
    proba[0] = np.eye(k)[(y[0] + 1) % k]
    proba[1] = np.eye(k)[y[1]]
    labels = NAMES[:k]
    names = labels[y]
    assert cls.log_loss(names, proba, labels) == pytest.approx(
        skm.log_loss(names, proba, labels=labels), rel=1e-12
    )
    if k == 2:
        expected = skm.brier_score_loss(names == labels[1], proba[:, 1])
    else:
        expected = skm.brier_score_loss(names, proba, labels=labels, scale_by_half=False)
        one_hot = np.eye(k)[y]
        assert expected == pytest.approx(np.mean(np.sum((proba - one_hot) ** 2, axis=1)))
    assert cls.brier_score(names, proba, labels) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("n_bins", [1, 5, 10, 15])
def test_binary_reliability_curve_matches_sklearn(n_bins: int) -> None:
    y, proba = binary_data(800, seed=n_bins, ties=True)  # rounded scores sit on bin edges
    curve = cls.reliability_curve(y, proba, [0, 1], n_bins=n_bins)
    prob_true, prob_pred = calibration_curve(y, proba[:, 1], n_bins=n_bins, strategy="uniform")
    count = np.array(curve.count)
    np.testing.assert_allclose(np.array(curve.accuracy)[count > 0], prob_true, rtol=1e-12)
    np.testing.assert_allclose(np.array(curve.mean_confidence)[count > 0], prob_pred, rtol=1e-12)
    assert np.isnan(np.array(curve.accuracy)[count == 0]).all()
    assert curve.kind == "positive_class"
    assert count.sum() == y.size
    assert curve.bin_edges == tuple(np.linspace(0, 1, n_bins + 1).tolist())
    # ECE from its definition, one bin at a time.
    edges = np.linspace(0, 1, n_bins + 1)
    p1 = proba[:, 1]
    ece = 0.0
    for b in range(n_bins):
        members = (p1 > edges[b]) & (p1 <= edges[b + 1]) if b else (p1 <= edges[1])
        if members.any():
            ece += members.sum() / y.size * abs(y[members].mean() - p1[members].mean())
    assert curve.expected_calibration_error == pytest.approx(ece, rel=1e-12)
    assert cls.expected_calibration_error(y, proba, [0, 1], n_bins=n_bins) == pytest.approx(ece)


def test_multiclass_reliability_is_top_label() -> None:
    y, proba, pred = multiclass_data(1000, 4, seed=5)
    curve = cls.reliability_curve(y, proba, [0, 1, 2, 3], n_bins=10)
    assert curve.kind == "top_label"
    confidence = proba.max(axis=1)
    correct = pred == y
    bins = np.minimum(np.ceil(confidence * 10).astype(int) - 1, 9)
    for b in range(10):
        members = bins == b
        assert curve.count[b] == members.sum()
        if members.any():
            assert curve.accuracy[b] == pytest.approx(correct[members].mean())
            assert curve.mean_confidence[b] == pytest.approx(confidence[members].mean())


def test_perfect_calibration_has_small_ece() -> None:
    rng = np.random.default_rng(11)
    p1 = rng.uniform(size=200_000)
    y = (rng.uniform(size=p1.size) < p1).astype(int)
    assert cls.expected_calibration_error(y, np.column_stack([1 - p1, p1]), [0, 1]) < 0.005
    overconfident = np.clip(1.3 * (p1 - 0.5) + 0.5, 0, 1)
    ece = cls.expected_calibration_error(
        y, np.column_stack([1 - overconfident, overconfident]), [0, 1]
    )
    assert ece > 0.05


# --- validation ---------------------------------------------------------------------------------


def test_length_mismatch_names_both_lengths() -> None:
    with pytest.raises(ColumnError, match=r"y_true and y_pred of the same length\. Got 3 and 2\."):
        cls.accuracy([0, 1, 1], [0, 1])
    with pytest.raises(ColumnError, match=r"Got 3 and 2\."):
        cls.log_loss([0, 1, 1], [[0.5, 0.5], [0.5, 0.5]], [0, 1])


def test_empty_and_non_1d_inputs() -> None:
    with pytest.raises(EmptyDataError, match="at least one row"):
        cls.accuracy([], [])
    with pytest.raises(ColumnError, match=r"1-D array\. Got shape \(2, 1\)"):
        cls.accuracy([[0], [1]], [[0], [1]])


def test_bad_probability_rows_are_counted_with_the_worst_sum() -> None:
    proba = np.full((10, 2), 0.5)
    proba[3] = [0.7, 0.7]
    proba[6] = [0.9, 0.2]
    with pytest.raises(ColumnError, match=r"2 of 10 rows do not; the worst \(row 3\) sums to 1\.4"):
        cls.roc_auc(np.arange(10) % 2, proba, [0, 1])
    proba = np.full((4, 2), 0.5)
    proba[1] = [1.5, -0.5]
    with pytest.raises(ColumnError, match=r"1 of 4 rows do not.*range over \[-0\.5, 1\.5\]"):
        cls.log_loss([0, 1, 0, 1], proba, [0, 1])
    proba[1] = [np.nan, 0.5]
    with pytest.raises(ColumnError, match="1 of 4 rows do not"):
        cls.brier_score([0, 1, 0, 1], proba, [0, 1])
    with pytest.raises(ColumnError, match=r"one column per label \(3\)\. Got shape \(4, 2\)"):
        cls.log_loss([0, 1, 0, 1], np.full((4, 2), 0.5), [0, 1, 2])


def test_sum_tolerance_is_1e_6() -> None:
    proba = np.array([[0.5, 0.5 + 5e-7], [0.2, 0.8]])
    assert cls.log_loss([0, 1], proba, [0, 1]) > 0
    proba[0, 1] += 1e-6
    with pytest.raises(ColumnError, match="1 of 2 rows"):
        cls.log_loss([0, 1], proba, [0, 1])


def test_unseen_labels_are_listed_up_to_five() -> None:
    proba = np.full((8, 2), 0.5)
    y = np.array(["a", "b", "c", "d", "e", "f", "g", "a"])
    with pytest.raises(
        ColumnError,
        match=r"found 6 label\(s\) in y_true that are not in labels \['a', 'h'\]: "
        r"\['b', 'c', 'd', 'e', 'f'\] and 1 more\.",
    ):
        cls.log_loss(y, proba, ["a", "h"])
    with pytest.raises(ColumnError, match=r"in y_pred .*: \[9\]\."):
        cls.confusion_matrix([0, 1, 1], [0, 1, 9], labels=[0, 1])
    with pytest.raises(ColumnError, match=r"in y_true .*: \[-1\]\."):
        cls.precision_recall_f1([0, -1, 1], [0, 1, 1], labels=[0, 1])


def test_numbers_and_strings_do_not_mix() -> None:
    with pytest.raises(ColumnError, match="same kind of labels"):
        cls.accuracy([0, 1], ["0", "1"])
    with pytest.raises(ColumnError, match="same kind of labels"):
        cls.log_loss([0, 1], [[0.5, 0.5], [0.5, 0.5]], ["0", "1"])


def test_bad_parameters_use_the_parameter_message() -> None:
    proba = [[0.5, 0.5], [0.5, 0.5]]
    with pytest.raises(ParameterError, match=r"^The 'labels' parameter of roc_auc must be"):
        cls.roc_auc([0, 1], proba, [1, 1])
    with pytest.raises(ParameterError, match=r"'labels' parameter of log_loss.*at least 2"):
        cls.log_loss([0, 1], proba, [0])
    with pytest.raises(ParameterError, match=r"^The 'n_bins' parameter of reliability_curve"):
        cls.reliability_curve([0, 1], proba, [0, 1], n_bins=0)
    with pytest.raises(ParameterError, match=r"'n_bins' parameter of expected_calibration_error"):
        cls.expected_calibration_error([0, 1], proba, [0, 1], n_bins=2.5)  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match=r"^The 'average' parameter of f1_from_confusion"):
        cls.f1_from_confusion(np.eye(2), average="binary")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match=r"^The 'cm' parameter of accuracy_from_confusion"):
        cls.accuracy_from_confusion(np.ones((2, 3)))


def test_results_are_frozen() -> None:
    result = cls.precision_recall_f1([0, 1], [0, 0])
    with pytest.raises(AttributeError):
        result.macro = result.micro  # type: ignore[misc]
    curve = cls.reliability_curve([0, 1], [[0.5, 0.5], [0.2, 0.8]], [0, 1])
    with pytest.raises(AttributeError):
        curve.kind = "x"  # type: ignore[misc]


@pytest.mark.parametrize("n_bins", [3, 7, 10, 30])
def test_reliability_bins_at_and_next_to_edges(n_bins: int) -> None:
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    p1 = np.clip(np.concatenate([edges, np.nextafter(edges, 2.0), np.nextafter(edges, -1.0)]), 0, 1)
    y = np.arange(p1.size) % 2
    curve = cls.reliability_curve(y, np.column_stack([1 - p1, p1]), [0, 1], n_bins=n_bins)
    # scikit-learn's rule: right-closed bins, the first one closed on both sides.
    expected = np.bincount(np.searchsorted(edges[1:-1], p1), minlength=n_bins)
    assert curve.count == tuple(expected.tolist())
