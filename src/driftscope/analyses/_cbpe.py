"""Confidence-based performance estimation (CBPE): a classifier's metrics on rows without labels,
from its calibrated probabilities.

When the probabilities are calibrated (of the rows given probability ``p`` for a class, a share
``p`` belong to it), each row's label is a draw from its probability row. Every metric of the
realised labels then has an expected value and a sampling distribution that the probabilities
alone determine:

- the **expected confusion matrix** ``E[C][j, m] = sum of P[i, j] over the rows predicted m``
  gives accuracy (exactly its expectation) and precision, recall and F1 (ratios of the
  expectations, within O(1/n) of the expected ratio);
- the **expected ROC-AUC** of a class is the expected number of (positive, negative) pairs the
  model's scores put in order over the expected number of such pairs: with ``w = P[:, c]``,
  ``sum_{i != j} w_i (1 - w_j) [s_i > s_j] (+ half on ties) / sum_{i != j} w_i (1 - w_j)``. The
  pairs are ranked by the model's *own* scores (what the realised AUC ranks by), and the
  calibrated probabilities only weigh them: ranking by the calibrated values instead would add
  the ties of a step-shaped calibration map and pull the estimate down;
- the **expected Brier score and log loss** are exact: ``sum_j P[i, j] loss(S[i], j)``;
- the **band** of each metric is the quantiles of the metric over label draws from the
  calibrated probabilities (a seeded Monte Carlo, in batches so that memory stays bounded): the
  range the realised value falls in when the probabilities are right.

Calibration (`fit_calibration`) is isotonic per class (one-vs-rest, rows renormalised), or
feature-aware (boosted trees), learnt on the reference. The candidates are judged cross-fitted
(each reference fold calibrated by a map learnt on the other folds) on a seeded, stratified
sample of at most `SELECTION_ROWS` reference rows, and a map is used only when it lowers the
Brier score enough. Only the chosen map is then cross-fitted on the whole reference (for the
reference's own estimates) and learnt on all of it (for new data).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.stats import rankdata
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.isotonic import IsotonicRegression
from sklearn.model_selection import StratifiedKFold

from driftscope.metrics import classification as C

__all__ = [
    "CALIBRATIONS",
    "CBPE_METRICS",
    "Calibration",
    "Calibrator",
    "expected_metrics",
    "fit_calibration",
    "realised_metrics",
    "selection_sample",
    "simulated_metrics",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: The metrics CBPE estimates, in display order; the ranking and loss metrics need probabilities
#: (they always exist here: CBPE needs them).
CBPE_METRICS = (
    "roc_auc",
    "accuracy",
    "balanced_accuracy",
    "precision_macro",
    "recall_macro",
    "f1_macro",
    "f1_weighted",
    "brier_score",
    "log_loss",
)
_EPS = 1e-15
# Label draws held at once: draws x rows x classes stays under this many cells.
_DRAW_CELLS = 4_000_000


#: What `fit_calibration` accepts: ``auto`` picks the lowest cross-fitted Brier score.
CALIBRATIONS = ("auto", "isotonic", "features", "none")


@dataclass(frozen=True)
class Calibration:
    """How the probabilities were calibrated, and the evidence: each candidate's Brier score on
    ``rows`` reference rows (all of them, or a sample of a large reference), cross-fitted (each
    fold calibrated by a map learnt on the other folds), and the reference's expected
    calibration error before and after."""

    method: str
    reason: str
    folds: int
    brier: Mapping[str, float]
    ece_before: float
    ece_after: float
    rows: int

    @property
    def used(self) -> bool:
        return self.method != "none"

    def to_dict(self) -> dict[str, object]:
        return {
            "method": self.method,
            "used": self.used,
            "reason": self.reason,
            "folds": self.folds,
            "brier": dict(self.brier),
            "rows": self.rows,
            "ece_before": self.ece_before,
            "ece_after": self.ece_after,
        }


class Calibrator:
    """A map from the model's probabilities (and, for the feature-aware kinds, the rows'
    features) to calibrated probabilities whose rows sum to 1."""

    def transform(self, proba: FloatArray, features: pd.DataFrame | None) -> FloatArray:
        return proba


class _Isotonic(Calibrator):
    """Per-class isotonic maps of the model's own probabilities (one-vs-rest, renormalised)."""

    def __init__(self, proba: FloatArray, y: IntArray, n_classes: int) -> None:
        self._k = n_classes
        self._maps = []
        for c in [1] if n_classes == 2 else range(n_classes):
            iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
            iso.fit(proba[:, c], (y == c).astype(np.float64))
            self._maps.append(iso)

    def transform(self, proba: FloatArray, features: pd.DataFrame | None) -> FloatArray:
        if self._k == 2:
            p1 = np.clip(self._maps[0].predict(proba[:, 1]), 0.0, 1.0)
            return np.column_stack([1.0 - p1, p1])
        out = np.column_stack([m.predict(proba[:, c]) for c, m in enumerate(self._maps)])
        sums = out.sum(axis=1)
        # A row every map sends to 0 (outside what the reference covered) keeps its own values.
        empty = sums <= 0
        out[empty] = proba[empty]
        sums[empty] = 1.0
        return np.asarray(out / sums[:, None], dtype=np.float64)


# The boosting's learning rate: with trees of depth 2, scikit-learn's default (0.1) needs 150 to
# 300+ trees before early stopping (NannyML's car-loan data hit the cap of 300), and every tree
# is paid for again at each prediction; 0.3 stops after about a third as many, at a cross-fitted
# Brier score within 0.5% of 0.1's on NannyML's datasets (benchmarks/RESULTS.md).
_LEARNING_RATE = 0.3


class _Learnt(Calibrator):
    """P(label | features), and the model's probabilities where ``with_scores``, learnt by a
    shallow gradient-boosted classifier: under covariate shift P(label | features) is what stays
    the same, while a calibration of the scores alone moves with the population."""

    def __init__(
        self,
        proba: FloatArray,
        y: IntArray,
        n_classes: int,
        features: pd.DataFrame,
        *,
        depth: int,
        with_scores: bool,
        seed: int,
    ) -> None:
        self._k, self._with_scores = n_classes, with_scores
        self._model = HistGradientBoostingClassifier(
            max_depth=depth,
            learning_rate=_LEARNING_RATE,
            max_iter=300,
            early_stopping=True,
            categorical_features="from_dtype",
            random_state=seed,
        )
        self._model.fit(self._inputs(proba, features), y)

    def _inputs(self, proba: FloatArray, features: pd.DataFrame) -> pd.DataFrame:
        if not self._with_scores:
            return features
        scores = pd.DataFrame(proba, columns=[f"__score_{c}__" for c in range(self._k)])
        return pd.concat([features.reset_index(drop=True), scores], axis=1)

    def transform(self, proba: FloatArray, features: pd.DataFrame | None) -> FloatArray:
        assert features is not None
        learnt = self._model.predict_proba(self._inputs(proba, features))
        out = np.zeros((proba.shape[0], self._k))
        out[:, self._model.classes_] = learnt
        return out


def _brier(proba: FloatArray, y: IntArray) -> float:
    onehot = np.zeros_like(proba)
    onehot[np.arange(y.size), y] = 1.0
    return float(((proba - onehot) ** 2).sum(axis=1).mean())


def _ece(proba: FloatArray, y: IntArray) -> float:
    return float(C.expected_calibration_error(y, proba, labels=np.arange(proba.shape[1])))


# The feature-aware candidates: (name, tree depth, with the model's probabilities as inputs).
_LEARNT = (("features", 2, False), ("features_scores", 2, True))
#: A candidate replaces a simpler one (none < isotonic < feature-aware) only when it lowers the
#: cross-fitted Brier score by at least this share: a learnt map has variance of its own, and a
#: gain smaller than that does not pay for it (on NannyML's car-loan data a feature-aware map
#: lowers the Brier score 1% and estimates ROC-AUC worse; on its credit-card data, 9%, better).
MIN_GAIN = 0.02
#: The candidates are compared on at most this many reference rows (`selection_sample`): the
#: comparison's cost stops growing with the reference, while a sample this size still tells
#: apart gains of `MIN_GAIN` (on NannyML's datasets the choice and the Brier scores' order are
#: those of the whole reference).
SELECTION_ROWS = 20_000
_NAMES = {
    "none": "the probabilities as given",
    "isotonic": "isotonic calibration of the probabilities",
    "features": "P(label | features), boosted trees of depth 2",
    "features_scores": "P(label | features, probabilities), boosted trees of depth 2",
}


def selection_sample(y: IntArray, size: int, minimum: int, seed: int) -> IntArray:
    """Row numbers of a seeded sample of about ``size`` rows with each class's share of ``y``,
    and at least ``minimum`` rows of every class that has that many (so that each fold of the
    comparison holds every class); all rows, in order, when there are at most ``size``.

    >>> y = np.repeat([0, 1, 2], [900, 95, 5])
    >>> np.bincount(y[selection_sample(y, 100, 3, seed=0)]).tolist()
    [90, 10, 3]
    """
    if y.size <= size:
        return np.arange(y.size)
    rng = np.random.default_rng(seed)
    picked = []
    for c in np.unique(y):
        rows = np.flatnonzero(y == c)
        wanted = min(rows.size, max(minimum, round(size * rows.size / y.size)))
        picked.append(rng.choice(rows, size=wanted, replace=False))
    return np.sort(np.concatenate(picked))


def _cross_fit(
    make: Callable[[str, IntArray], Calibrator],
    names: Sequence[str],
    proba: FloatArray,
    y: IntArray,
    features: pd.DataFrame | None,
    rows: IntArray,
    n_folds: int,
    seed: int,
) -> dict[str, FloatArray]:
    """Each candidate's probabilities for ``rows``, each fold calibrated by a map learnt on the
    other folds (folds stratified by class, seeded)."""
    crossed = {name: np.empty((rows.size, proba.shape[1])) for name in names}
    splitter = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=seed)
    for train, test in splitter.split(rows, y[rows]):
        test_features = None if features is None else features.iloc[rows[test]]
        for name in names:
            crossed[name][test] = make(name, rows[train]).transform(
                proba[rows[test]], test_features
            )
    return crossed


def fit_calibration(
    proba: FloatArray,
    y: IntArray,
    n_classes: int,
    *,
    method: str,
    folds: int,
    seed: int,
    features: pd.DataFrame | None = None,
) -> tuple[Calibrator, Calibration, FloatArray]:
    """Learn the calibration on the reference: the calibrator for new rows, the evidence, and
    the reference's probabilities as the chosen calibration gives them cross-fitted (each fold
    by a map learnt on the others), for the reference's own estimates.

    Candidates: ``none``, ``isotonic`` and, with ``features``, two feature-aware ones (see
    `_LEARNT`). ``method="auto"`` takes the candidate with the lowest cross-fitted Brier score
    (a proper scoring rule: lowest where the probabilities are closest to the truth);
    ``"features"`` the best feature-aware one; ``"isotonic"`` and ``"none"`` themselves. The
    candidates are compared on a seeded sample of at most `SELECTION_ROWS` reference rows
    (`selection_sample`); only the chosen one is cross-fitted and learnt on all of them."""
    ece_before = _ece(proba, y)
    counts = np.bincount(y, minlength=n_classes)
    present = counts[counts > 0]
    n_folds = int(min(folds, present.min())) if present.size else 0
    names = ["none"]
    if method in ("auto", "isotonic"):
        names.append("isotonic")
    if method in ("auto", "features") and features is not None and features.shape[1] > 0:
        names += [name for name, _, _ in _LEARNT]
    if n_folds < 2 or present.size < 2 or len(names) == 1:
        reason = (
            "calibration turned off"
            if method == "none"
            else "the probabilities are used as given: too few reference rows of a class to "
            "cross-fit a calibration"
            if n_folds < 2 or present.size < 2
            else "the probabilities are used as given: no feature columns to learn from"
        )
        brier = {"none": _brier(proba, y)}
        calibration = Calibration("none", reason, 0, brier, ece_before, ece_before, y.size)
        return Calibrator(), calibration, proba

    def make(name: str, rows: IntArray) -> Calibrator:
        if name == "none":
            return Calibrator()
        if name == "isotonic":
            return _Isotonic(proba[rows], y[rows], n_classes)
        assert features is not None
        _, depth, with_scores = next(c for c in _LEARNT if c[0] == name)
        return _Learnt(
            proba[rows],
            y[rows],
            n_classes,
            features.iloc[rows],
            depth=depth,
            with_scores=with_scores,
            seed=seed,
        )

    sample = selection_sample(y, SELECTION_ROWS, n_folds, seed)
    compared = _cross_fit(make, names, proba, y, features, sample, n_folds, seed)
    brier = {name: _brier(values, y[sample]) for name, values in compared.items()}
    chosen = names[0] if method == "auto" else names[1]
    for name in names[names.index(chosen) + 1 :]:
        if brier[name] < brier[chosen] * (1.0 - MIN_GAIN):
            chosen = name
    everything = np.arange(y.size)
    if sample.size == y.size:
        crossed = compared[chosen]
    else:
        crossed = _cross_fit(make, [chosen], proba, y, features, everything, n_folds, seed)[chosen]
    where = (
        f"on the reference (cross-fitted, {n_folds} folds)"
        if sample.size == y.size
        else f"on a sample of {sample.size:,} of the reference's {y.size:,} rows (cross-fitted, "
        f"{n_folds} folds)"
    )
    if method == "auto":
        reason = (
            f"{_NAMES[chosen]}: of the candidates, the simplest whose Brier score {where} no "
            f"other beats by {MIN_GAIN:.0%}"
        )
    else:
        reason = f"{_NAMES[chosen]}, as asked"
    calibration = Calibration(
        chosen, reason, n_folds, brier, ece_before, _ece(crossed, y), int(sample.size)
    )
    return make(chosen, everything), calibration, crossed


# ---------------------------------------------------------------------------------------------
# metrics from a confusion matrix (one, or a batch), shared by the expectation and the draws

_FROM_CONFUSION: Mapping[str, Callable[[FloatArray], FloatArray]] = {
    "accuracy": C.accuracy_from_confusion,
    "balanced_accuracy": C.balanced_accuracy_from_confusion,
    "precision_macro": lambda cm: C.precision_from_confusion(cm, "macro"),
    "recall_macro": lambda cm: C.recall_from_confusion(cm, "macro"),
    "f1_macro": lambda cm: C.f1_from_confusion(cm, "macro"),
    "f1_weighted": lambda cm: C.f1_from_confusion(cm, "weighted"),
}


def _row_losses(scores: FloatArray) -> dict[str, FloatArray]:
    """Each row's Brier score and log loss were its label each class: shape (n, k). The Brier
    score is driftscope's (`driftscope.metrics.classification.brier_score`): the sum form for
    several classes, half of it (scikit-learn's ``brier_score_loss``) for two."""
    k = scores.shape[1]
    squares = (scores**2).sum(axis=1, keepdims=True)
    brier = squares - 2.0 * scores + 1.0  # sum_j (s_j - [j == c])^2 for each class c
    if k == 2:
        # Two classes: (s_1 - [c == 1])^2, the positive column's gap, is half the sum form.
        brier = brier / 2.0
    log_loss = -np.log(np.clip(scores, _EPS, 1.0))
    return {"brier_score": brier, "log_loss": log_loss}


def _expected_auc(weights: FloatArray, scores: FloatArray) -> float:
    """Expected concordant (positive, negative) pairs over expected pairs, a row positive with
    probability ``weights``, ranked by ``scores`` (ties count one half)."""
    order = np.argsort(scores, kind="stable")
    s, w = scores[order], weights[order]
    starts = np.flatnonzero(np.r_[True, s[1:] != s[:-1]])
    a = np.add.reduceat(w, starts)  # expected positives per distinct score
    b = np.add.reduceat(1.0 - w, starts)  # expected negatives
    d = np.add.reduceat(w * (1.0 - w), starts)  # a row paired with itself
    below = np.cumsum(b) - b
    concordant = float((a * below).sum() + 0.5 * (a * b - d).sum())
    total_w = float(w.sum())
    pairs = total_w * (w.size - total_w) - float((w * (1.0 - w)).sum())
    return concordant / pairs if pairs > 0 else float("nan")


def expected_metrics(
    proba: FloatArray, scores: FloatArray, predicted: IntArray, metrics: Sequence[str]
) -> dict[str, float]:
    """The expected value of each metric when the labels are drawn from ``proba`` (calibrated),
    for a model that predicted ``predicted`` (class codes) with ``scores`` (its probabilities as
    given, rows summing to 1)."""
    n, k = proba.shape
    onehot = np.zeros((n, k))
    onehot[np.arange(n), predicted] = 1.0
    expected_cm = proba.T @ onehot  # [true j, predicted m]
    out: dict[str, float] = {}
    losses = _row_losses(scores)
    for name in metrics:
        if name in _FROM_CONFUSION:
            out[name] = float(_FROM_CONFUSION[name](expected_cm))
        elif name == "roc_auc":
            columns = [1] if k == 2 else range(k)
            out[name] = float(np.mean([_expected_auc(proba[:, c], scores[:, c]) for c in columns]))
        elif name in losses:
            out[name] = float((proba * losses[name]).sum(axis=1).mean())
    return out


def _draw_labels(proba: FloatArray, draws: int, rng: np.random.Generator) -> NDArray[np.int16]:
    cumulative = np.cumsum(proba, axis=1)[:, :-1]
    u = rng.random((draws, proba.shape[0]))
    drawn = np.zeros(u.shape, dtype=np.int16)
    for j in range(cumulative.shape[1]):
        drawn += u > cumulative[:, j]
    return drawn


def _metrics_of_labels(
    labels: NDArray[np.integer],
    ranks: FloatArray,
    losses: Mapping[str, FloatArray],
    predicted: IntArray,
    k: int,
    metrics: Sequence[str],
) -> dict[str, FloatArray]:
    """Each metric for each row of ``labels`` (draws x rows), the model's outputs fixed.

    Every metric is a function of per-class sums over the rows whose label is that class: the
    confusion matrix's row (the predicted classes' one-hot), the class's rank sum (ROC-AUC by
    Mann-Whitney) and each loss. They come from one matrix product per class, the draws'
    indicator rows times a table of those per-row quantities; the last class's sums are the
    totals less the others' (every row has one label)."""
    draws, n = labels.shape
    loss_names = [name for name in metrics if name in losses]
    # Per row: one-hot of the predicted class (k), each class's rank (k), each loss per class.
    onehot = np.zeros((n, k))
    onehot[np.arange(n), predicted] = 1.0
    table = np.hstack([onehot, ranks, *(losses[name] for name in loss_names)])
    sums = np.empty((k, draws, table.shape[1]))
    for c in range(k - 1):
        sums[c] = (labels == c).astype(np.float64) @ table
    sums[k - 1] = table.sum(axis=0) - sums[: k - 1].sum(axis=0)
    cms = np.ascontiguousarray(sums[:, :, :k].transpose(1, 0, 2))  # [draw, true j, predicted m]
    out: dict[str, FloatArray] = {}
    for name in metrics:
        if name in _FROM_CONFUSION:
            out[name] = np.asarray(_FROM_CONFUSION[name](cms), dtype=np.float64)
        elif name == "roc_auc":
            columns = np.array([1] if k == 2 else range(k))
            n_pos = cms.sum(axis=2)[:, columns].T  # (classes, draws)
            rank_sum = sums[columns, :, k + columns]
            with np.errstate(invalid="ignore", divide="ignore"):
                per_class = (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * (n - n_pos))
            out[name] = np.where(np.isfinite(per_class).all(axis=0), per_class.mean(axis=0), np.nan)
        elif name in losses:
            at = 2 * k + k * loss_names.index(name)
            out[name] = sums[:, :, at : at + k].diagonal(axis1=0, axis2=2).sum(axis=1) / n
    return out


def _ranks(scores: FloatArray) -> FloatArray:
    """Average ranks of each class's scores (ties share their mean rank), for AUC by rank sums."""
    return np.column_stack([rankdata(scores[:, c]) for c in range(scores.shape[1])])


def simulated_metrics(
    proba: FloatArray,
    scores: FloatArray,
    predicted: IntArray,
    metrics: Sequence[str],
    *,
    draws: int,
    seed: int,
) -> dict[str, FloatArray]:
    """Each metric over ``draws`` label sets drawn from ``proba``: the realised value's sampling
    distribution when the probabilities are right. Seeded; drawn in batches."""
    n, k = proba.shape
    rng = np.random.default_rng(seed)
    ranks = _ranks(scores) if "roc_auc" in metrics else np.empty((n, k))
    losses = _row_losses(scores)
    batch = max(1, _DRAW_CELLS // max(1, n * k))
    parts: dict[str, list[FloatArray]] = {name: [] for name in metrics}
    done = 0
    while done < draws:
        size = min(batch, draws - done)
        labels = _draw_labels(proba, size, rng)
        for name, values in _metrics_of_labels(
            labels, ranks, losses, predicted, k, metrics
        ).items():
            parts[name].append(values)
        done += size
    return {name: np.concatenate(values) for name, values in parts.items() if values}


def realised_metrics(
    y: IntArray, scores: FloatArray, predicted: IntArray, metrics: Sequence[str]
) -> dict[str, float]:
    """The metrics of the labels that arrived, by the same code as the draws (one draw: the
    truth), so that the estimate and the realised value are measured alike."""
    n, k = scores.shape
    ranks = _ranks(scores) if "roc_auc" in metrics else np.empty((n, k))
    values = _metrics_of_labels(y[None, :], ranks, _row_losses(scores), predicted, k, metrics)
    return {name: float(v[0]) for name, v in values.items()}
