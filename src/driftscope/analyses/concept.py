"""Concept drift, P(Y|X): did the relationship between inputs and labels change?

A drop in performance can come from the inputs alone: the model meets more of the cases it was
always bad at (covariate shift). Concept drift is what is left once that is accounted for.
driftscope reweights the reference rows so their feature distribution matches the current one
(importance weights from a classifier telling current from reference rows) and asks how the model
*would* perform on current inputs if the relationship had not changed. The gap between that
expected loss and the loss actually observed on current is the concept part; the gap between the
reference loss and the expected loss is the covariate part. See docs/concept-drift.md.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import stats as sps

from driftscope._validate import check_int, check_probability
from driftscope.analyses._features import encode_features, sample_rows
from driftscope.analyses.model import ModelColumns, Task, encode_labels
from driftscope.analyses.results import _clean
from driftscope.data.schema import ColumnKind, ColumnRole, Schema
from driftscope.exceptions import invalid_parameter

__all__ = ["ConceptDrift", "ConceptSettings", "concept_drift"]


@dataclass(frozen=True)
class ConceptSettings:
    """``max_rows`` rows per side train the weighting classifier (seeded subsample);
    ``min_relative_effect`` is the smallest concept gap, relative to the expected loss, that
    counts as drift; ``min_absolute_effect`` the smallest in the loss's own unit. The test is
    only made when the weighted reference keeps an effective size (Kish) of at least
    ``min_effective_rows`` and ``min_effective_share`` of its rows, and when the domain
    classifier's out-of-fold ROC-AUC is below ``max_domain_auc``: near-perfect separation means
    current inputs lie outside the reference, where no reweighting can stand in for them (the
    weights of separated rows all sit at the clip, so the effective size alone cannot see it)."""

    alpha: float = 0.05
    min_relative_effect: float = 0.1
    min_absolute_effect: float = 0.01
    max_rows: int = 20_000
    weight_clip: float = 0.99
    min_effective_rows: float = 50.0
    min_effective_share: float = 0.05
    max_domain_auc: float = 0.95
    seed: int = 0

    def __post_init__(self) -> None:
        check_probability("ConceptSettings", "alpha", self.alpha)
        if not 0.5 < self.weight_clip <= 1:
            raise invalid_parameter(
                "ConceptSettings", "weight_clip", "a quantile in (0.5, 1]", self.weight_clip
            )
        if not 0.5 < self.max_domain_auc <= 1:
            raise invalid_parameter(
                "ConceptSettings", "max_domain_auc", "a ROC-AUC in (0.5, 1]", self.max_domain_auc
            )
        check_int("ConceptSettings", "max_rows", self.max_rows, low=100)


@dataclass(frozen=True)
class ConceptDrift:
    """Decomposition of the change in loss into a covariate part and a concept part."""

    method: str
    loss: str
    reference_loss: float
    expected_loss: float
    current_loss: float
    covariate_effect: float
    concept_effect: float
    p_value: float
    drifted: bool
    inputs_moved: bool
    separable: bool
    outside: bool
    domain_auc: float
    n_reference: int
    n_current: int
    effective_n_reference: float
    message: str

    def to_dict(self) -> dict[str, Any]:
        return dict(_clean(asdict(self)))


def _domain_probabilities(
    ref_x: NDArray[np.float64], cur_x: NDArray[np.float64], seed: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Out-of-fold P(current | x) for every reference and current row (two-fold cross-fitting),
    so no row is weighted by a model that saw it."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    rng = np.random.default_rng(seed)
    x = np.vstack([ref_x, cur_x])
    y = np.concatenate([np.zeros(len(ref_x)), np.ones(len(cur_x))])
    fold = rng.permutation(len(x)) % 2
    out = np.empty(len(x))
    with threadpool_limits(limits=1, user_api="openmp"):
        for k in (0, 1):
            model = HistGradientBoostingClassifier(
                max_iter=60, max_leaf_nodes=15, early_stopping=False, random_state=seed
            )
            model.fit(x[fold != k], y[fold != k])
            out[fold == k] = model.predict_proba(x[fold == k])[:, 1]
    return out[: len(ref_x)], out[len(ref_x) :]


def concept_drift(
    ref_x: NDArray[np.float64],
    cur_x: NDArray[np.float64],
    reference_loss: NDArray[np.float64],
    current_loss: NDArray[np.float64],
    *,
    loss_name: str,
    settings: ConceptSettings,
    feature_names: Sequence[str] = (),
) -> ConceptDrift:
    """Test for concept drift from per-row losses and encoded features of both sides.

    ``reference_loss`` and ``current_loss`` are per-row losses of the model (0/1 error for
    classification, absolute error for regression), aligned with the rows of ``ref_x`` and
    ``cur_x``.

    >>> rng = np.random.default_rng(0)
    >>> xr, xc = rng.normal(size=(3000, 2)), rng.normal(size=(3000, 2))
    >>> lr = (rng.random(3000) < 0.1).astype(float)
    >>> lc = (rng.random(3000) < 0.25).astype(float)   # same inputs, twice the errors
    >>> result = concept_drift(xr, xc, lr, lc, loss_name="error_rate", settings=ConceptSettings())
    >>> result.drifted, result.inputs_moved
    (True, False)
    """
    n_ref, n_cur = len(reference_loss), len(current_loss)
    p_ref, p_cur = _domain_probabilities(ref_x, cur_x, settings.seed)
    # Importance weight of a reference row: density ratio p_cur(x) / p_ref(x), from the odds of
    # the domain classifier corrected for the two sample sizes; clipped so a few rows cannot
    # carry the estimate.
    scores = np.concatenate([p_ref, p_cur])
    labels = np.concatenate([np.zeros(n_ref), np.ones(n_cur)])
    auc = _auc(labels, scores)
    inputs_moved = auc >= 0.55
    if inputs_moved:
        p = np.clip(p_ref, 1e-3, 1 - 1e-3)
        weights = p / (1 - p) * (n_ref / n_cur)
        cap = float(np.quantile(weights, settings.weight_clip))
        weights = np.minimum(weights, cap)
        weights /= weights.mean()
    else:
        # The classifier cannot tell the sides apart: the density ratio is 1 everywhere, and
        # weights from its (overfitted, on small data) probabilities would be noise alone.
        weights = np.ones(n_ref)
    ref_mean = float(np.mean(reference_loss))
    expected = float(np.average(reference_loss, weights=weights))
    cur_mean = float(np.mean(current_loss))
    # Standard errors: a weighted mean (linearised) and a plain mean.
    se_expected_sq = (
        float(np.sum(weights**2 * (reference_loss - expected) ** 2)) / float(np.sum(weights)) ** 2
    )
    se_current_sq = float(np.var(current_loss, ddof=1)) / n_cur if n_cur > 1 else math.inf
    gap = cur_mean - expected
    se = math.sqrt(se_expected_sq + se_current_sq)
    if se > 0 and math.isfinite(se):
        p_value = float(sps.norm.sf(gap / se))
    else:
        p_value = 0.0 if gap > 0 else 1.0
    relevant = gap >= max(
        settings.min_absolute_effect, settings.min_relative_effect * max(expected, 1e-12)
    )
    n_eff = float(np.sum(weights) ** 2 / np.sum(weights**2))
    # Reweighting needs overlap: when current inputs lie where the reference has (almost) no
    # rows, a handful of reference rows would stand in for all of current, and the split into
    # covariate and concept parts means nothing.
    separable = not inputs_moved or (
        n_eff >= max(settings.min_effective_rows, settings.min_effective_share * n_ref)
        and auc < settings.max_domain_auc
    )
    outside = auc >= settings.max_domain_auc
    drifted = bool(separable and p_value < settings.alpha and relevant)
    message = _message(loss_name, ref_mean, expected, cur_mean, p_value, drifted, inputs_moved, auc)
    if outside:
        message = (
            f"The inputs moved outside what the model was validated on: a classifier tells "
            f"current rows from reference rows almost perfectly (domain AUC {auc:.2f}, at least "
            f"{settings.max_domain_auc:.2f}), so current inputs lie where the reference has few "
            f"or no rows and concept drift cannot be told apart from the input shift; "
            f"{loss_name} {ref_mean:.4g} in reference, {cur_mean:.4g} on current."
        )
    elif not separable:
        message = (
            f"Concept drift not determined: the inputs moved (domain AUC {auc:.2f}) and too few "
            f"reference rows carry the reweighting (effective {n_eff:.0f} of {n_ref}, fewer than "
            f"{max(settings.min_effective_rows, settings.min_effective_share * n_ref):.0f}) to "
            f"tell concept drift from the input shift; {loss_name} {ref_mean:.4g} in reference, "
            f"{cur_mean:.4g} on current."
        )
    return ConceptDrift(
        method="importance_weighted_loss",
        loss=loss_name,
        reference_loss=ref_mean,
        expected_loss=expected,
        current_loss=cur_mean,
        covariate_effect=expected - ref_mean,
        concept_effect=gap,
        p_value=p_value,
        drifted=drifted,
        inputs_moved=inputs_moved,
        separable=separable,
        outside=outside,
        domain_auc=auc,
        n_reference=n_ref,
        n_current=n_cur,
        effective_n_reference=n_eff,
        message=message,
    )


def _auc(labels: NDArray[np.float64], scores: NDArray[np.float64]) -> float:
    ranks = sps.rankdata(scores)
    n_pos = float(labels.sum())
    n_neg = float(len(labels) - n_pos)
    if n_pos == 0 or n_neg == 0:
        return 0.5
    return float((ranks[labels == 1].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _message(
    loss: str,
    reference: float,
    expected: float,
    current: float,
    p_value: float,
    drifted: bool,
    inputs_moved: bool,
    auc: float,
) -> str:
    numbers = (
        f"{loss} {reference:.4g} in reference, {expected:.4g} expected on current inputs, "
        f"{current:.4g} observed (p = {p_value:.2g})"
    )
    if drifted and not inputs_moved:
        return (
            f"Concept drift: performance fell while the inputs did not move "
            f"(domain AUC {auc:.2f}); {numbers}."
        )
    if drifted:
        return (
            "Concept drift: the inputs moved, and performance fell beyond what that explains; "
            f"{numbers}."
        )
    if inputs_moved and expected > reference:
        return (
            f"No concept drift: the change in {loss} is explained by the inputs moving; {numbers}."
        )
    return f"No concept drift; {numbers}."


#: The feature kinds the domain classifier of the concept test reads.
_CONCEPT_KINDS = (ColumnKind.NUMERICAL, ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN)


def concept_from_frames(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    schema: Schema,
    model: ModelColumns,
    settings: ConceptSettings,
) -> tuple[ConceptDrift | None, list[str]]:
    """Per-row losses on labelled rows and encoded features, into the concept-drift test."""
    task = model.task
    if task is None or model.target is None or model.prediction is None:
        return None, []
    if not (task.is_classification or task is Task.REGRESSION):
        return None, [f"Concept drift is not tested for {task} (no tabular features)."]
    features = [s for s in schema if s.role is ColumnRole.FEATURE and s.kind in _CONCEPT_KINDS]
    if not features:
        return None, ["Concept drift is not tested: no feature columns."]

    def labelled_rows(frame: pd.DataFrame) -> NDArray[np.int64]:
        assert model.target is not None
        assert model.prediction is not None
        ok = frame[model.target].notna() & frame[model.prediction].notna()
        return np.flatnonzero(ok.to_numpy()).astype(np.int64)

    rng = np.random.default_rng(settings.seed)
    ref_rows = labelled_rows(reference)
    cur_rows = labelled_rows(current)
    if ref_rows.size < 100 or cur_rows.size < 100:
        return None, ["Concept drift is not tested: fewer than 100 labelled rows on a side."]
    ref_rows = ref_rows[sample_rows(ref_rows.size, settings.max_rows, rng)]
    cur_rows = cur_rows[sample_rows(cur_rows.size, settings.max_rows, rng)]

    def losses(frame: pd.DataFrame, rows: NDArray[np.int64]) -> NDArray[np.float64]:
        assert model.target is not None
        assert model.prediction is not None
        target, prediction = frame[model.target].iloc[rows], frame[model.prediction].iloc[rows]
        if task is Task.REGRESSION:
            t = pd.to_numeric(target, errors="coerce").to_numpy(np.float64, na_value=np.nan)
            p = pd.to_numeric(prediction, errors="coerce").to_numpy(np.float64, na_value=np.nan)
            return np.asarray(np.nan_to_num(np.abs(t - p), nan=0.0), dtype=np.float64)
        encoded = encode_labels(target, prediction, model.labels)
        assert encoded.y_true is not None
        assert encoded.y_pred is not None
        return np.asarray(encoded.y_true != encoded.y_pred, dtype=np.float64)

    ref_x, cur_x, names = encode_features(reference, current, features, ref_rows, cur_rows)
    if not names:
        return None, ["Concept drift is not tested: no usable feature columns."]
    loss_name = "absolute_error" if task is Task.REGRESSION else "error_rate"
    result = concept_drift(
        ref_x,
        cur_x,
        losses(reference, ref_rows),
        losses(current, cur_rows),
        loss_name=loss_name,
        settings=settings,
        feature_names=names,
    )
    return result, []
