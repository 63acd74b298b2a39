"""Embedding drift on seeded Gaussian embeddings, checked against scipy and scikit-learn."""

from __future__ import annotations

import json

import jsonschema
import numpy as np
import pytest
from numpy.typing import NDArray
from scipy import stats as sps
from sklearn.decomposition import PCA

from driftscope.analyses.embeddings import (
    CLASSIFIER_AUC_FLOOR,
    CLASSIFIER_MIN_ROWS,
    COMPONENT_EFFECT_FLOOR,
    MIN_ROWS,
    embedding_drift,
)
from driftscope.exceptions import ColumnError, EmptyDataError, ParameterError
from driftscope.report._validate import report_schema
from driftscope.stats.multivariate import domain_classifier_test, mmd_rbf

FloatArray = NDArray[np.float64]

# Standard deviations along the principal axes: distinct, so the PCA recovers each axis.
SCALES = np.array([5.0, 4.0, 3.2, 2.6, 2.1, 1.7, 1.4, 1.2, 1.0, 0.8])


def rotation(dims: int, seed: int = 99) -> FloatArray:
    """A fixed random orthogonal matrix, so the principal axes are not the coordinate axes."""
    q, _ = np.linalg.qr(np.random.default_rng(seed).normal(size=(dims, dims)))
    return q


def embeddings(
    n: int, seed: int, *, shift: FloatArray | None = None, scale: FloatArray | None = None
) -> FloatArray:
    """Rows with standard deviation ``SCALES`` (times ``scale``) along the principal axes,
    moved by ``shift`` (in units of each axis's standard deviation), then rotated."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, SCALES.size))
    if scale is not None:
        z = z * scale
    if shift is not None:
        z = z + shift
    out: FloatArray = (z * SCALES) @ rotation(SCALES.size).T
    return out


def axis(index: int, value: float) -> FloatArray:
    out = np.zeros(SCALES.size)
    out[index] = value
    return out


# --- verdicts ----------------------------------------------------------------------------------


def test_same_distribution_does_not_drift() -> None:
    result = embedding_drift(embeddings(400, 1), embeddings(300, 2), n_components=6)
    assert not result.drifted
    assert result.signals == ()
    assert result.drifted_components == ()
    assert result.n_components == 6


@pytest.mark.slow
def test_false_alarms_over_50_seeds_stay_within_the_binomial_bound() -> None:
    alarms = sum(
        embedding_drift(embeddings(200, 2 * s), embeddings(200, 2 * s + 1), seed=s).drifted
        for s in range(50)
    )
    # At most alpha = 5% of runs should alarm; 99% of Binomial(50, 0.05) draws are <= this.
    assert alarms <= sps.binom.ppf(0.99, 50, 0.05)


@pytest.mark.slow
def test_reference_rows_that_fit_the_pca_are_not_tested() -> None:
    # 128 isotropic dimensions and 600 rows: projections of the rows a PCA was fitted on have
    # their variance along the leading axes inflated by half or more. Fitting the PCA on the
    # tested reference rows themselves (pca_fit=ref) alarms on all 8 of these no-drift pairs.
    rng = np.random.default_rng(5)
    component_alarms = 0
    for s in range(8):
        ref, cur = rng.normal(size=(600, 128)), rng.normal(size=(600, 128))
        result = embedding_drift(ref, cur, seed=s)
        component_alarms += "components" in result.signals
        assert result.n_pca_fit == 300
        assert result.n_reference_tested == 300
    assert component_alarms <= 1


def test_mean_shift_along_one_axis_is_found_and_ranks_first() -> None:
    ref = embeddings(1000, 3)
    cur = embeddings(500, 4, shift=axis(2, 0.6))
    result = embedding_drift(ref, cur)
    assert result.drifted
    assert "components" in result.signals
    top = result.components[0]
    assert top.component == 2
    assert result.drifted_components[0] == 2
    # A 0.6-sd shift: the normed Wasserstein distance and mean shift are about 0.6 (the sign
    # of a principal axis is arbitrary).
    assert top.wasserstein == pytest.approx(0.6, abs=0.15)
    assert abs(top.mean_shift) == pytest.approx(0.6, abs=0.15)
    assert top.std_ratio == pytest.approx(1.0, abs=0.15)
    # The other components moved much less (the estimated axes mix a little with their
    # neighbours, whose variances are close).
    assert all(c.wasserstein < 0.5 * top.wasserstein for c in result.components[1:])


def test_variance_change_is_found() -> None:
    ref = embeddings(600, 5)
    cur = embeddings(400, 6, scale=np.where(np.arange(SCALES.size) == 1, 1.8, 1.0))
    result = embedding_drift(ref, cur)
    assert result.drifted
    top = result.components[0]
    assert top.component == 1
    assert top.drifted
    assert top.std_ratio == pytest.approx(1.8, abs=0.2)
    assert abs(top.mean_shift) < 0.35


def test_components_are_ranked_by_effect_size() -> None:
    cur = embeddings(400, 8, shift=axis(0, 0.3) + axis(3, 0.8))
    result = embedding_drift(embeddings(600, 7), cur)
    distances = [c.wasserstein for c in result.components]
    assert distances == sorted(distances, reverse=True)
    assert [c.component for c in result.components[:2]] == [3, 0]


def test_a_tiny_shift_on_many_rows_is_not_drift_by_the_component_signal() -> None:
    # 0.08 sd on 30,000 rows per side: the KS test rejects, the 0.1 floor keeps it quiet.
    ref = embeddings(60_000, 9)
    cur = embeddings(30_000, 10, shift=axis(0, 0.08))
    result = embedding_drift(ref, cur, n_components=3)
    first = next(c for c in result.components if c.component == 0)
    assert first.adjusted_p_value < 1e-6
    assert first.wasserstein < COMPONENT_EFFECT_FLOOR
    assert not first.drifted
    assert not result.drifted


# --- against the oracle ------------------------------------------------------------------------


def test_numbers_match_scipy_and_scikit_learn() -> None:
    fit = embeddings(300, 11)
    ref = embeddings(200, 12)
    cur = embeddings(150, 13, shift=axis(1, 0.5))
    result = embedding_drift(ref, cur, n_components=5, pca_fit=fit, seed=3)
    # MMD and the classifier are driftscope's own tests on the raw rows, same seed.
    assert result.mmd == mmd_rbf(ref, cur, seed=3)
    assert result.domain_classifier == domain_classifier_test(ref, cur, seed=3)
    pca = PCA(n_components=5, random_state=3).fit(fit)
    ref_scores, cur_scores = pca.transform(ref), pca.transform(cur)
    p_values = []
    by_component = {c.component: c for c in result.components}
    for j in range(5):
        c = by_component[j]
        ks = sps.ks_2samp(ref_scores[:, j], cur_scores[:, j], method="exact")
        distance = sps.wasserstein_distance(ref_scores[:, j], cur_scores[:, j])
        assert c.ks_statistic == pytest.approx(ks.statistic, abs=1e-12)
        assert c.p_value == pytest.approx(ks.pvalue, rel=1e-9)
        assert c.wasserstein == pytest.approx(distance / ref_scores[:, j].std(), rel=1e-9)
        assert c.explained_variance == pytest.approx(pca.explained_variance_ratio_[j])
        shift = (cur_scores[:, j].mean() - ref_scores[:, j].mean()) / ref_scores[:, j].std()
        assert c.mean_shift == pytest.approx(shift, rel=1e-9)
        assert c.std_ratio == pytest.approx(cur_scores[:, j].std() / ref_scores[:, j].std())
        p_values.append(ks.pvalue)
    adjusted = sps.false_discovery_control(p_values, method="bh")
    for j in range(5):
        assert by_component[j].adjusted_p_value == pytest.approx(adjusted[j], rel=1e-9)
    assert result.explained_variance == pytest.approx(pca.explained_variance_ratio_.sum())
    assert result.n_pca_fit == 300
    assert result.n_reference_tested == 200


def test_bonferroni_correction_multiplies_by_the_number_of_components() -> None:
    result = embedding_drift(
        embeddings(300, 14), embeddings(200, 15, shift=axis(4, 0.4)), correction="bonferroni"
    )
    for c in result.components:
        assert c.adjusted_p_value == pytest.approx(min(c.p_value * result.n_components, 1.0))
    assert "Bonferroni-adjusted" in result.rule


def test_verdict_follows_the_documented_rule() -> None:
    for seed, shift in ((16, 0.0), (17, 0.25), (18, 0.6)):
        result = embedding_drift(
            embeddings(300, seed), embeddings(200, seed + 100, shift=axis(0, shift))
        )
        level = result.alpha / 3
        expected = []
        assert result.mmd.p_value is not None
        assert result.domain_classifier.p_value is not None
        if result.mmd.p_value < level:
            expected.append("mmd")
        if (
            result.domain_classifier.p_value < level
            and result.domain_classifier.statistic >= CLASSIFIER_AUC_FLOOR
        ):
            expected.append("domain_classifier")
        flagged = [
            c.adjusted_p_value < level and c.wasserstein >= COMPONENT_EFFECT_FLOOR
            for c in result.components
        ]
        assert [c.drifted for c in result.components] == flagged
        if any(flagged):
            expected.append("components")
        assert list(result.signals) == expected
        assert result.drifted == bool(expected)


def test_rank_deficient_reference_keeps_only_real_directions() -> None:
    rng = np.random.default_rng(19)
    basis = rng.normal(size=(3, 12))
    ref = rng.normal(size=(200, 3)) @ basis
    cur = rng.normal(size=(150, 3)) @ basis
    result = embedding_drift(ref, cur, n_components=8)
    assert result.n_components == 3
    assert result.explained_variance == pytest.approx(1.0)
    assert not result.drifted


def test_classifier_is_not_run_below_its_minimum_rows() -> None:
    # With fewer rows its trees cannot split: a 5-sd shift scored ROC-AUC 0.5 and p = 1.
    n = CLASSIFIER_MIN_ROWS - 1
    result = embedding_drift(embeddings(n, 30), embeddings(n, 31, shift=axis(0, 5.0)))
    assert result.domain_classifier is None
    assert "domain_classifier" not in result.signals
    assert result.drifted
    # The two signals that ran share alpha: each is tested at alpha / 2.
    assert "any of the 2 signals that ran" in result.rule
    assert "alpha / 2 = 0.025" in result.rule
    assert f"at least {CLASSIFIER_MIN_ROWS} rows on each side" in result.rule
    assert f"Got {n} reference and {n} current rows" in result.rule
    for c in result.components:
        expected = c.adjusted_p_value < 0.025 and c.wasserstein >= COMPONENT_EFFECT_FLOOR
        assert c.drifted == expected
    data = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert data["domain_classifier"] is None
    schema = {"$defs": report_schema()["$defs"], "$ref": "#/$defs/embedding_drift"}
    jsonschema.validate(data, schema)


def test_classifier_runs_from_its_minimum_rows_and_finds_a_large_shift() -> None:
    n = CLASSIFIER_MIN_ROWS
    result = embedding_drift(embeddings(200, 32), embeddings(n, 33, shift=axis(0, 5.0)))
    assert result.domain_classifier is not None
    assert result.domain_classifier.statistic > 0.9
    assert "domain_classifier" in result.signals
    assert "any of the 3 signals that ran" in result.rule
    assert "not run" not in result.rule


def test_constant_reference_skips_the_components_without_warnings() -> None:
    # The PCA of constant rows divides by a zero total variance; filterwarnings = error turns
    # the RuntimeWarning scikit-learn would raise into a failure.
    ref = np.ones((100, 6))
    moved = embedding_drift(ref, embeddings(100, 34)[:, :6])
    assert moved.components == ()
    assert moved.n_components == 0
    assert moved.explained_variance == 0.0
    assert "components were not tested" in moved.rule
    assert "reference embeddings the PCA is fitted on are constant" in moved.rule
    assert "alpha / 2" in moved.rule
    assert moved.drifted
    assert set(moved.signals) == {"mmd", "domain_classifier"}
    same = embedding_drift(ref, np.ones((60, 6)))
    assert not same.drifted
    assert same.components == ()


def test_only_mmd_runs_on_few_constant_rows() -> None:
    result = embedding_drift(np.zeros((20, 3)), np.ones((10, 3)))
    assert result.domain_classifier is None
    assert result.components == ()
    assert "the only signal that ran" in result.rule
    assert "alpha = 0.05" in result.rule
    assert result.signals == ("mmd",)


# --- determinism and serialisation -------------------------------------------------------------


def test_results_are_deterministic_given_the_seed() -> None:
    ref, cur = embeddings(300, 20), embeddings(200, 21, shift=axis(5, 0.3))
    first = embedding_drift(ref, cur, seed=7)
    assert embedding_drift(ref, cur, seed=7) == first
    assert first.to_dict() == embedding_drift(ref.tolist(), cur.tolist(), seed=7).to_dict()


def test_to_dict_is_json_ready() -> None:
    result = embedding_drift(embeddings(300, 22), embeddings(200, 23, shift=axis(0, 1.0)))
    data = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert data["drifted"] is True
    assert data["components"][0]["component"] == 0
    assert data["drifted_components"] == list(result.drifted_components)
    assert data["mmd"]["method"] == "mmd"
    assert data["rule"] == result.rule


# --- input errors ------------------------------------------------------------------------------


def test_mismatched_widths_are_refused() -> None:
    with pytest.raises(ColumnError, match=r"same width\. Got 10 and 9 dimensions"):
        embedding_drift(embeddings(40, 0), embeddings(40, 1)[:, :9])


def test_nan_is_refused_with_its_position() -> None:
    cur = embeddings(40, 1)
    cur[7, 3] = np.nan
    with pytest.raises(
        ColumnError, match=r"current embeddings.*1 NaN or infinite.*row 7, dimension 3"
    ):
        embedding_drift(embeddings(40, 0), cur)


def test_too_few_rows_are_refused() -> None:
    with pytest.raises(EmptyDataError, match=rf"at least {MIN_ROWS} rows in the current"):
        embedding_drift(embeddings(40, 0), embeddings(MIN_ROWS - 1, 1))
    # Half the reference fits the PCA, so it needs twice as many rows.
    with pytest.raises(EmptyDataError, match=rf"at least {2 * MIN_ROWS} rows in the reference"):
        embedding_drift(embeddings(2 * MIN_ROWS - 1, 0), embeddings(40, 1))
    result = embedding_drift(embeddings(MIN_ROWS, 0), embeddings(40, 1), pca_fit=embeddings(5, 2))
    assert result.n_reference_tested == MIN_ROWS


def test_non_2d_and_non_numeric_inputs_are_refused() -> None:
    with pytest.raises(ColumnError, match=r"2-D array .*Got shape \(40,\)"):
        embedding_drift(np.zeros(40), embeddings(40, 1))
    with pytest.raises(ColumnError, match="not numbers"):
        embedding_drift([["a"] * 10] * 40, embeddings(40, 1))
    with pytest.raises(ColumnError, match="pca_fit embeddings as wide"):
        embedding_drift(embeddings(40, 0), embeddings(40, 1), pca_fit=np.zeros((5, 3)))


@pytest.mark.parametrize(
    ("name", "value"),
    [("n_components", 0), ("n_components", 2.5), ("correction", "holm"), ("alpha", 1.0)],
)
def test_bad_parameters_are_refused(name: str, value: object) -> None:
    with pytest.raises(ParameterError, match=f"The '{name}' parameter of embedding_drift"):
        embedding_drift(embeddings(40, 0), embeddings(40, 1), **{name: value})  # type: ignore[arg-type]
