"""Concept drift on built examples: it fires when P(Y|X) changes, not when only P(X) does."""

from __future__ import annotations

import numpy as np
import pytest

from driftscope.analyses.concept import ConceptSettings, concept_drift
from driftscope.exceptions import ParameterError


def _world(
    n: int, shift: float, flip: bool, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Features, true labels and a fixed model's 0/1 errors.

    The model is the reference rule y = [x0 + noise > 0]; it errs more near the boundary and when
    the label noise is higher for large |x1|. ``shift`` moves x1 (covariate shift towards the
    noisy region); ``flip`` changes the labelling rule in the region x0 > 1 (concept shift).
    """
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    x[:, 1] += shift
    noise = rng.normal(scale=0.3 + 0.5 * np.abs(x[:, 1]), size=n)
    y = (x[:, 0] + noise > 0).astype(int)
    if flip:
        region = x[:, 0] > 1
        y[region] = 1 - y[region]
    prediction = (x[:, 0] > 0).astype(int)
    return x, y, (prediction != y).astype(float)


def test_covariate_shift_alone_is_explained_not_called_concept_drift() -> None:
    x_ref, _, loss_ref = _world(8000, 0.0, False, 1)
    x_cur, _, loss_cur = _world(8000, 1.5, False, 2)
    result = concept_drift(
        x_ref, x_cur, loss_ref, loss_cur, loss_name="error_rate", settings=ConceptSettings()
    )
    # Performance did fall, because current sits in the noisy region ...
    assert result.current_loss > result.reference_loss + 0.05
    # ... and the reweighted reference predicts that fall.
    assert result.inputs_moved
    assert result.covariate_effect > 0.05
    assert not result.drifted
    assert "explained by the inputs moving" in result.message


def test_changed_labelling_rule_is_concept_drift() -> None:
    x_ref, _, loss_ref = _world(8000, 0.0, False, 3)
    x_cur, _, loss_cur = _world(8000, 0.0, True, 4)
    result = concept_drift(
        x_ref, x_cur, loss_ref, loss_cur, loss_name="error_rate", settings=ConceptSettings()
    )
    assert result.drifted
    assert result.p_value < 1e-6
    assert not result.inputs_moved
    assert result.concept_effect > 0.1
    assert "performance fell while the inputs did not move" in result.message


def test_both_shifts_are_separated() -> None:
    x_ref, _, loss_ref = _world(8000, 0.0, False, 5)
    x_cur, _, loss_cur = _world(8000, 1.5, True, 6)
    result = concept_drift(
        x_ref, x_cur, loss_ref, loss_cur, loss_name="error_rate", settings=ConceptSettings()
    )
    assert result.drifted
    assert result.inputs_moved
    assert result.covariate_effect > 0.03
    assert result.concept_effect > 0.05
    total = result.current_loss - result.reference_loss
    assert result.covariate_effect + result.concept_effect == pytest.approx(total)


@pytest.mark.parametrize("seed", range(10))
def test_no_change_does_not_fire(seed: int) -> None:
    x_ref, _, loss_ref = _world(3000, 0.0, False, 100 + seed)
    x_cur, _, loss_cur = _world(3000, 0.0, False, 200 + seed)
    result = concept_drift(
        x_ref,
        x_cur,
        loss_ref,
        loss_cur,
        loss_name="error_rate",
        settings=ConceptSettings(seed=seed),
    )
    assert not result.drifted


def test_settings_are_validated() -> None:
    with pytest.raises(ParameterError, match="'alpha' parameter of ConceptSettings"):
        ConceptSettings(alpha=2.0)


def test_perfectly_separated_inputs_are_refused() -> None:
    """No current row looks like a reference row: every reference row gets the same clipped
    weight, so the effective size alone passes; the domain AUC refuses the split."""
    rng = np.random.default_rng(5)
    x_ref = rng.normal(size=(2000, 2))
    x_cur = rng.normal(size=(2000, 2)) + np.array([12.0, 0.0])
    loss_ref = (rng.random(2000) < 0.05).astype(float)
    loss_cur = (rng.random(2000) < 0.20).astype(float)
    result = concept_drift(
        x_ref, x_cur, loss_ref, loss_cur, loss_name="error_rate", settings=ConceptSettings()
    )
    assert result.domain_auc > 0.99
    assert result.effective_n_reference > 0.05 * 2000  # the old check alone would pass
    assert not result.separable
    assert not result.drifted
    assert result.message.startswith("The inputs moved outside what the model was validated on")


def test_max_domain_auc_is_validated() -> None:
    with pytest.raises(ParameterError, match="'max_domain_auc' parameter of ConceptSettings"):
        ConceptSettings(max_domain_auc=0.5)


def test_unmoved_inputs_weigh_every_reference_row_the_same() -> None:
    # 150 rows a side from one distribution: the domain classifier learns nothing, and weights
    # from its probabilities would be noise that cuts the effective reference to a third.
    x_ref, _, loss_ref = _world(150, 0.0, False, 3)
    x_cur, _, loss_cur = _world(150, 0.0, False, 4)
    result = concept_drift(
        x_ref, x_cur, loss_ref, loss_cur, loss_name="error_rate", settings=ConceptSettings()
    )
    assert not result.inputs_moved
    assert result.effective_n_reference == pytest.approx(150)
    assert result.expected_loss == pytest.approx(result.reference_loss)
    assert result.separable
    assert not result.outside


def test_separated_inputs_are_outside_and_undetermined_ones_are_not() -> None:
    x_ref, _, loss_ref = _world(2000, 0.0, False, 5)
    x_far, _, loss_far = _world(2000, 8.0, False, 6)
    far = concept_drift(
        x_ref, x_far, loss_ref, loss_far, loss_name="error_rate", settings=ConceptSettings()
    )
    assert far.outside
    assert not far.separable
    assert not far.drifted
    assert "outside what the model was validated on" in far.message
    # A moderate move with a demand for more effective rows than the reference can give:
    # undetermined, said so, and not called "outside".
    x_near, _, loss_near = _world(2000, 0.7, False, 7)
    near = concept_drift(
        x_ref,
        x_near,
        loss_ref,
        loss_near,
        loss_name="error_rate",
        settings=ConceptSettings(min_effective_rows=1e9),
    )
    assert near.inputs_moved
    assert not near.outside
    assert not near.separable
    assert near.message.startswith("Concept drift not determined")
