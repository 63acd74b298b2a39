"""Performance estimation without labels (`driftscope.estimate`): CBPE's numbers against
scikit-learn and against simulated calibrated data whose truth is known, the calibration choice,
the check that catches concept drift, DLE's estimates and bands, windows and statuses, real data,
and bad input."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps
from sklearn import metrics as skm
from sklearn.datasets import load_breast_cancer, load_diabetes, load_wine
from sklearn.ensemble import GradientBoostingRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from driftscope import estimate
from driftscope.analyses import _cbpe as CB
from driftscope.analyses import _dle as DL
from driftscope.analyses.estimation import ASSUMPTION, EstimationSettings
from driftscope.analyses.status import Status
from driftscope.exceptions import ColumnError, EmptyDataError, ParameterError

METRICS = CB.CBPE_METRICS


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-z)), dtype=np.float64)


def _calibrated(rng: np.random.Generator, n: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities (softmax of normal logits) and labels drawn from them: calibrated."""
    logits = rng.normal(0.0, 1.5, (n, k))
    proba = np.exp(logits)
    proba /= proba.sum(axis=1, keepdims=True)
    u = rng.random(n)
    y = (u[:, None] > np.cumsum(proba, axis=1)[:, :-1]).sum(axis=1).astype(np.int64)
    return proba, y


# ---------------------------------------------------------------------------------------------
# realised values: scikit-learn's


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("tied", [False, True])
def test_realised_metrics_equal_scikit_learn(k: int, tied: bool) -> None:
    rng = np.random.default_rng(k)
    proba, y = _calibrated(rng, 400, k)
    if tied:  # scores on a coarse grid: many ties, which AUC counts one half
        proba = np.round(proba, 1) + 1e-3
        proba /= proba.sum(axis=1, keepdims=True)
    predicted = proba.argmax(axis=1).astype(np.int64)
    got = CB.realised_metrics(y, proba, predicted, METRICS)
    want = _scikit_learn_metrics(y, proba, predicted)
    for name in METRICS:
        assert got[name] == pytest.approx(want[name], rel=1e-9, abs=1e-12), name


def _scikit_learn_metrics(y: np.ndarray, proba: np.ndarray, predicted: np.ndarray) -> dict:
    k = proba.shape[1]
    labels = list(range(k))
    if k == 2:
        auc = skm.roc_auc_score(y, proba[:, 1])
        brier = skm.brier_score_loss(y, proba[:, 1])
    else:
        auc = skm.roc_auc_score(y, proba, multi_class="ovr", average="macro", labels=labels)
        onehot = np.eye(k)[y]
        brier = float(((proba - onehot) ** 2).sum(axis=1).mean())  # the multiclass sum form
    return {
        "roc_auc": auc,
        "accuracy": skm.accuracy_score(y, predicted),
        "balanced_accuracy": skm.balanced_accuracy_score(y, predicted),
        "precision_macro": skm.precision_score(y, predicted, average="macro", zero_division=0),
        "recall_macro": skm.recall_score(y, predicted, average="macro", zero_division=0),
        "f1_macro": skm.f1_score(y, predicted, average="macro", zero_division=0),
        "f1_weighted": skm.f1_score(y, predicted, average="weighted", zero_division=0),
        "brier_score": brier,
        "log_loss": skm.log_loss(y, proba, labels=labels),
    }


def test_binary_brier_is_driftscopes_brier() -> None:
    """The binary Brier score is scikit-learn's (the positive column), as in the performance
    reports, not the two-column sum (twice as large)."""
    from driftscope.metrics.classification import brier_score

    rng = np.random.default_rng(5)
    proba, y = _calibrated(rng, 300, 2)
    predicted = proba.argmax(axis=1).astype(np.int64)
    got = CB.realised_metrics(y, proba, predicted, ["brier_score"])["brier_score"]
    assert got == pytest.approx(brier_score(y, proba, labels=[0, 1]))
    expected = CB.expected_metrics(proba, proba, predicted, ["brier_score"])["brier_score"]
    # E[(p - y)^2] = p (1 - p) for y ~ Bernoulli(p).
    assert expected == pytest.approx(float((proba[:, 1] * (1 - proba[:, 1])).mean()))


# ---------------------------------------------------------------------------------------------
# estimates on simulated calibrated data: unbiased, bands that cover


@pytest.mark.parametrize("k", [2, 3])
def test_expected_metrics_are_unbiased_on_calibrated_data(k: int) -> None:
    rng = np.random.default_rng(10 + k)
    diffs: dict[str, list[float]] = {name: [] for name in METRICS}
    for _ in range(300):
        proba, y = _calibrated(rng, 300, k)
        predicted = proba.argmax(axis=1).astype(np.int64)
        expected = CB.expected_metrics(proba, proba, predicted, METRICS)
        realised = CB.realised_metrics(y, proba, predicted, METRICS)
        for name in METRICS:
            diffs[name].append(expected[name] - realised[name])
    for name in METRICS:
        d = np.asarray(diffs[name])
        se = d.std(ddof=1) / math.sqrt(d.size)
        assert abs(d.mean()) < 3 * se, (name, d.mean(), se)
        assert se < 0.003, name  # the test has power: 300 windows pin the mean down


def test_expected_metrics_are_biased_when_the_probabilities_are_not_calibrated() -> None:
    """The same check fails on overconfident probabilities: it can fail."""
    rng = np.random.default_rng(3)
    diffs = []
    for _ in range(100):
        proba, y = _calibrated(rng, 300, 2)
        sharp = _sigmoid(3 * np.log(proba[:, 1] / proba[:, 0]))
        scores = np.column_stack([1 - sharp, sharp])
        predicted = scores.argmax(axis=1).astype(np.int64)
        e = CB.expected_metrics(scores, scores, predicted, ["accuracy"])["accuracy"]
        r = CB.realised_metrics(y, scores, predicted, ["accuracy"])["accuracy"]
        diffs.append(e - r)
    d = np.asarray(diffs)
    assert d.mean() > 10 * d.std(ddof=1) / math.sqrt(d.size)


@pytest.mark.parametrize("k", [2, 3])
def test_expected_auc_and_losses_are_the_mean_of_the_simulated_ones(k: int) -> None:
    rng = np.random.default_rng(20 + k)
    proba, _ = _calibrated(rng, 500, k)
    scores = np.round(proba, 2) + 1e-3  # the model's own scores, with ties
    scores /= scores.sum(axis=1, keepdims=True)
    predicted = scores.argmax(axis=1).astype(np.int64)
    names = ["roc_auc", "accuracy", "brier_score", "log_loss", "f1_macro"]
    expected = CB.expected_metrics(proba, scores, predicted, names)
    simulated = CB.simulated_metrics(proba, scores, predicted, names, draws=4000, seed=1)
    for name in names:
        values = simulated[name]
        assert values.size == 4000
        mc = values.std(ddof=1) / math.sqrt(values.size)
        # Ratios of expectations (AUC, F1) are within O(1/n) of the expected ratio.
        assert abs(expected[name] - values.mean()) < 4 * mc + 2.0 / 500, name


def test_expected_auc_leaves_out_the_pairs_of_a_row_with_itself() -> None:
    """The realised AUC pairs each positive with each *other* row's negative. Counting a row's
    pair with itself too, as NannyML's CBPE does (its trapezoid over the cumulative calibrated
    probabilities), pulls the estimate towards 0.5 by O(1/n): at 200 rows, many standard errors
    of the mean of 100,000 realised AUCs, from which the expected AUC is within a few."""
    rng = np.random.default_rng(11)
    n = 200
    s = np.round(rng.beta(0.5, 0.5, n), 2)  # calibrated scores, with ties
    proba = np.column_stack([1 - s, s])
    predicted = (s > 0.5).astype(np.int64)
    drawn = CB.simulated_metrics(proba, proba, predicted, ["roc_auc"], draws=100_000, seed=2)
    values = drawn["roc_auc"][np.isfinite(drawn["roc_auc"])]
    mean, se = values.mean(), values.std(ddof=1) / math.sqrt(values.size)
    expected = CB.expected_metrics(proba, proba, predicted, ["roc_auc"])["roc_auc"]
    own = float((s * (1 - s)).sum())
    positives = float(s.sum())
    with_self = (expected * (positives * (n - positives) - own) + own / 2) / (
        positives * (n - positives)
    )
    assert abs(expected - mean) < 4 * se
    assert mean - with_self > 10 * se


def test_simulated_metrics_are_seeded() -> None:
    rng = np.random.default_rng(0)
    proba, _ = _calibrated(rng, 200, 3)
    predicted = proba.argmax(axis=1).astype(np.int64)
    a = CB.simulated_metrics(proba, proba, predicted, METRICS, draws=100, seed=4)
    b = CB.simulated_metrics(proba, proba, predicted, METRICS, draws=100, seed=4)
    c = CB.simulated_metrics(proba, proba, predicted, METRICS, draws=100, seed=5)
    assert all(np.array_equal(a[m], b[m]) for m in METRICS)
    assert not np.array_equal(a["accuracy"], c["accuracy"])


@pytest.mark.parametrize("k", [2, 4])
def test_each_simulated_draw_is_scored_as_scikit_learn_scores_its_labels(
    k: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The draws' metrics come from one matrix product per class, in batches: each draw's
    values are scikit-learn's on that draw's labels (the draws replayed from the same seed)."""
    rng = np.random.default_rng(30 + k)
    proba, _ = _calibrated(rng, 300, k)
    scores = np.round(proba, 1) + 1e-3  # the model's own scores, with ties
    scores /= scores.sum(axis=1, keepdims=True)
    predicted = scores.argmax(axis=1).astype(np.int64)
    monkeypatch.setattr(CB, "_DRAW_CELLS", 2 * 300 * k)  # batches of 2 draws
    simulated = CB.simulated_metrics(proba, scores, predicted, METRICS, draws=6, seed=3)
    labels = CB._draw_labels(proba, 6, np.random.default_rng(3))
    for draw in range(6):
        want = _scikit_learn_metrics(labels[draw].astype(np.int64), scores, predicted)
        for name in METRICS:
            assert simulated[name][draw] == pytest.approx(want[name], rel=1e-9), (draw, name)


def test_bands_cover_the_realised_value_at_their_level() -> None:
    rng = np.random.default_rng(7)
    names = ["roc_auc", "accuracy", "f1_macro", "brier_score"]
    inside = dict.fromkeys(names, 0)
    sims = 200
    for i in range(sims):
        proba, y = _calibrated(rng, 250, 2)
        predicted = proba.argmax(axis=1).astype(np.int64)
        realised = CB.realised_metrics(y, proba, predicted, names)
        drawn = CB.simulated_metrics(proba, proba, predicted, names, draws=400, seed=i)
        for name in names:
            low, high = np.quantile(drawn[name], [0.025, 0.975])
            inside[name] += int(low <= realised[name] <= high)
    # Binomial(200, 0.95): 99.9% of the time between these counts.
    low_count = sps.binom.ppf(0.0005, sims, 0.95)
    high_count = sps.binom.ppf(0.9995, sims, 0.95)
    for name in names:
        assert low_count <= inside[name] <= high_count, (name, inside[name])


# ---------------------------------------------------------------------------------------------
# calibration: chosen on the reference, and why a feature-aware one exists


def _cubed(rng: np.random.Generator, n: int, shift: float = 0.0) -> pd.DataFrame:
    """The truth P(y = 1) = sigmoid(2x); the model says its cube (badly calibrated)."""
    x = rng.normal(shift, 1.0, n)
    p = _sigmoid(2 * x)
    y = (rng.random(n) < p).astype(int)
    return pd.DataFrame({"x": x, "target": y, "prediction": (p > 0.5).astype(int), "proba_1": p**3})


def test_miscalibrated_scores_are_calibrated_by_isotonic() -> None:
    rng = np.random.default_rng(0)
    ref, cur = _cubed(rng, 3000), _cubed(rng, 2000, shift=0.5)
    calibrated = estimate(ref, cur, calibration="isotonic", n_simulations=200)
    raw = estimate(ref, cur, calibration="none", n_simulations=200)
    assert calibrated.calibration is not None
    assert calibrated.calibration.method == "isotonic"
    assert calibrated.calibration.brier["isotonic"] < calibrated.calibration.brier["none"]
    assert calibrated.calibration.ece_after < calibrated.calibration.ece_before
    for name in ("accuracy", "f1_macro", "roc_auc", "brier_score"):
        good, bad = calibrated.overall.metrics[name], raw.overall.metrics[name]
        assert good.within_band, (name, good)
        assert bad.realised is not None
        assert good.realised == bad.realised
        assert abs(good.estimate - good.realised) < abs(bad.estimate - bad.realised)
    assert not raw.overall.metrics["accuracy"].within_band
    assert not raw.overall.metrics["brier_score"].within_band


@pytest.mark.slow
@pytest.mark.parametrize(
    ("frame", "seed", "chosen"),
    [("cubed", 0, "isotonic"), ("calibrated", 5, "none")],
)
def test_auto_picks_the_simplest_calibration_that_helps(frame: str, seed: int, chosen: str) -> None:
    """Miscalibrated scores (the cube of the truth) are calibrated by isotonic regression;
    calibrated ones are kept as given: the feature-aware maps do not beat either by 2%."""
    make = _cubed if frame == "cubed" else _calibrated_frame
    rng = np.random.default_rng(seed)
    ref, cur = make(rng, 3000), make(rng, 2000, shift=0.5)
    auto = estimate(ref, cur, n_simulations=200)
    assert auto.calibration is not None
    assert auto.calibration.method == chosen, auto.calibration
    assert auto.calibration.used == (chosen != "none")
    assert set(auto.calibration.brier) == {"none", "isotonic", "features", "features_scores"}
    assert "no other beats by 2%" in auto.calibration.reason
    assert auto.overall.metrics["accuracy"].within_band


def test_the_selection_sample_keeps_each_class_share_and_every_rare_class() -> None:
    rng = np.random.default_rng(0)
    y = rng.choice(4, size=50_000, p=[0.6, 0.3, 0.0999, 0.0001]).astype(np.int64)
    sample = CB.selection_sample(y, 20_000, 3, seed=1)
    assert np.array_equal(sample, CB.selection_sample(y, 20_000, 3, seed=1))
    assert not np.array_equal(sample, CB.selection_sample(y, 20_000, 3, seed=2))
    assert np.unique(sample).size == sample.size
    assert np.all(np.diff(sample) > 0)
    counts, taken = np.bincount(y), np.bincount(y[sample], minlength=4)
    assert abs(sample.size - 20_000) <= 4
    assert np.all(np.abs(taken[:3] - counts[:3] * 20_000 / y.size) <= 1)
    assert taken[3] == min(3, counts[3]) > 0  # a class of ~5 rows keeps 3: one per fold
    assert np.array_equal(CB.selection_sample(y[:500], 20_000, 3, seed=1), np.arange(500))


def test_candidates_are_compared_on_a_sample_and_the_chosen_one_learnt_on_all(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On a reference larger than the selection sample, the candidates are compared on the
    sample; the chosen one is cross-fitted and learnt on every row, as when all are compared."""
    rng = np.random.default_rng(3)
    ref = _cubed(rng, 6000)
    p1 = ref["proba_1"].to_numpy()
    proba = np.column_stack([1 - p1, p1])
    y = ref["target"].to_numpy(np.int64)
    features = ref[["x"]]
    kwargs = {"method": "auto", "folds": 3, "seed": 0, "features": features}
    full = CB.fit_calibration(proba, y, 2, **kwargs)  # type: ignore[arg-type]
    monkeypatch.setattr(CB, "SELECTION_ROWS", 2000)
    sampled = CB.fit_calibration(proba, y, 2, **kwargs)  # type: ignore[arg-type]
    assert full[1].rows == 6000
    assert sampled[1].rows == 2000
    assert "a sample of 2,000 of the reference's 6,000 rows" in sampled[1].reason
    assert sampled[1].method == full[1].method == "isotonic"
    assert set(sampled[1].brier) == set(full[1].brier)
    assert sampled[1].brier != full[1].brier
    assert np.array_equal(sampled[2], full[2])  # the reference's cross-fitted probabilities
    assert sampled[1].ece_after == full[1].ece_after
    new = np.column_stack([1 - np.linspace(0, 1, 50), np.linspace(0, 1, 50)])
    assert np.array_equal(sampled[0].transform(new, None), full[0].transform(new, None))


def _hidden_cause(rng: np.random.Generator, n: int, shift: float) -> pd.DataFrame:
    """y depends on x1 and x2; the model's scores only on x1; current shifts x2."""
    x1, x2 = rng.normal(0.0, 1.0, n), rng.normal(shift, 1.0, n)
    y = (rng.random(n) < _sigmoid(2 * x1 + 2 * x2)).astype(int)
    s = _sigmoid(2 * x1)
    return pd.DataFrame(
        {"x1": x1, "x2": x2, "target": y, "prediction": (s > 0.5).astype(int), "proba_1": s}
    )


@pytest.mark.slow
def test_feature_aware_calibration_follows_a_shift_isotonic_misses() -> None:
    rng = np.random.default_rng(0)
    ref, cur = _hidden_cause(rng, 3000, 0.0), _hidden_cause(rng, 2000, 1.5)
    aware = estimate(ref, cur, calibration="features", n_simulations=200)
    auto = estimate(ref, cur, n_simulations=200)
    iso = estimate(ref, cur, calibration="isotonic", n_simulations=200)
    assert aware.calibration is not None
    assert aware.calibration.method.startswith("features")
    assert auto.calibration is not None
    assert auto.calibration.method.startswith("features")
    for name in ("accuracy", "f1_macro"):
        good, bad = aware.overall.metrics[name], iso.overall.metrics[name]
        assert good.realised is not None
        assert good.within_band, (name, good)
        assert not bad.within_band, (name, bad)
        assert abs(good.estimate - good.realised) < 0.02
        assert abs(bad.estimate - bad.realised) > 0.04


# ---------------------------------------------------------------------------------------------
# the assumption, and the check that catches it breaking


def _calibrated_frame(rng: np.random.Generator, n: int, shift: float = 0.0) -> pd.DataFrame:
    x = rng.normal(shift, 1.0, n)
    p = _sigmoid(1.5 * x)
    y = (rng.random(n) < p).astype(int)
    return pd.DataFrame({"x": x, "target": y, "prediction": (p > 0.5).astype(int), "proba_1": p})


def test_the_assumption_is_stated_in_the_result() -> None:
    rng = np.random.default_rng(1)
    ref, cur = _calibrated_frame(rng, 1500), _calibrated_frame(rng, 600)
    result = estimate(ref, cur.drop(columns="target"), calibration="none", n_simulations=100)
    assert result.assumption == ASSUMPTION
    assert "covariate shift" in result.assumption
    assert "concept drift" in result.assumption
    data = result.to_dict()
    assert data["assumption"] == ASSUMPTION
    assert data["method"] == "cbpe"
    assert ASSUMPTION in result.summary()
    assert result.checks == ()  # no labels in current: nothing to check


def test_checks_hold_when_the_labels_follow_the_reference() -> None:
    rng = np.random.default_rng(2)
    ref, cur = _calibrated_frame(rng, 2000), _calibrated_frame(rng, 3000, shift=0.7)
    result = estimate(ref, cur, calibration="isotonic", n_windows=6, n_simulations=200)
    assert result.checks
    assert all(c.holds for c in result.checks), [c.message for c in result.checks]
    assert "Realised values disagree" not in result.headline


def test_flipped_labels_break_the_assumption() -> None:
    rng = np.random.default_rng(2)
    ref, cur = _calibrated_frame(rng, 2000), _calibrated_frame(rng, 3000)
    cur["target"] = 1 - cur["target"]  # concept drift: the same inputs, the other label
    result = estimate(ref, cur, calibration="isotonic", n_windows=6, n_simulations=200)
    checks = {c.metric: c for c in result.checks}
    for name in ("accuracy", "roc_auc", "f1_macro"):
        check = checks[name]
        assert not check.holds, check
        assert check.n_windows == 6
        assert check.within_band == 0
        assert check.p_value is not None
        assert check.p_value < 0.01
        assert "concept drift" in check.message
    assert "Realised values disagree" in result.headline


# ---------------------------------------------------------------------------------------------
# DLE


def _heteroscedastic(rng: np.random.Generator, n: int, low: float, high: float) -> pd.DataFrame:
    """y = x1 + noise whose sd grows with x2 (uniform in [low, high]); the model predicts x1
    (right on average)."""
    x1, x2 = rng.normal(0.0, 1.0, n), rng.uniform(low, high, n)
    y = x1 + rng.normal(0.0, 1.0, n) * (0.2 + x2)
    return pd.DataFrame({"x1": x1, "x2": x2, "target": y, "prediction": x1})


@pytest.mark.slow
def test_dle_follows_a_shift_to_noisier_inputs() -> None:
    """Current moves within the reference's range (a tree model of the loss does not
    extrapolate beyond it) towards the noisy end."""
    rng = np.random.default_rng(0)
    ref = _heteroscedastic(rng, 4000, 0.0, 2.0)
    parts = [_heteroscedastic(rng, 1000, a, a + 0.5) for a in (0.0, 0.5, 1.0, 1.5)]
    cur = pd.concat(parts)
    result = estimate(ref, cur, task="regression", window_size=1000, n_simulations=100)
    assert result.method == "dle"
    assert result.metrics == ("mae", "rmse")
    assert result.calibration is None
    maes = [w.metrics["mae"].estimate for w in result.windows]
    assert maes == sorted(maes)
    assert maes[-1] > 3 * maes[0]
    inside = sum(bool(w.metrics[m].within_band) for w in result.windows for m in ("mae", "rmse"))
    assert inside >= 6
    for w in result.windows:
        for name in ("mae", "rmse"):
            m = w.metrics[name]
            assert m.realised is not None
            assert abs(m.estimate - m.realised) < 0.1 * m.realised, (w.label, name)
    assert result.windows[-1].metrics["mae"].status == Status.ALERT


def test_a_regressors_current_may_lack_the_target_column() -> None:
    """Current's labels have not arrived: no target column at all (a float one in the
    reference)."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=1500)
    frame = pd.DataFrame({"x": x, "price": x + rng.normal(size=1500), "pred": x})
    ref, cur = frame.iloc[:1000], frame.iloc[1000:].drop(columns="price")
    result = estimate(ref, cur, target="price", prediction="pred", task="regression")
    m = result.overall.metrics["mae"]
    assert m.realised is None
    assert m.estimate == pytest.approx(math.sqrt(2 / math.pi), rel=0.1)


def test_dle_bands_match_the_spread_of_simulated_errors() -> None:
    """Rows whose errors are N(0, sigma_i^2): m1 = sigma sqrt(2/pi), m2 = sigma^2, dispersion 2;
    the standard errors of the realised MAE and RMSE over many draws are what dle_bands says."""
    rng = np.random.default_rng(0)
    sigma = rng.uniform(0.5, 3.0, 400)
    m1, m2 = sigma * math.sqrt(2 / math.pi), sigma**2
    bands = DL.dle_bands(m1, m2, 2.0, 1.96)
    errors = rng.normal(size=(5000, sigma.size)) * sigma
    mae = np.abs(errors).mean(axis=1)
    rmse = np.sqrt((errors**2).mean(axis=1))
    assert bands["mae"][0] == pytest.approx(mae.mean(), rel=0.01)
    assert bands["rmse"][0] == pytest.approx(rmse.mean(), rel=0.01)
    assert bands["mae"][3] == pytest.approx(mae.std(), rel=0.08)
    assert bands["rmse"][3] == pytest.approx(rmse.std(), rel=0.08)
    inside = np.mean((mae >= bands["mae"][1]) & (mae <= bands["mae"][2]))
    assert inside == pytest.approx(0.95, abs=0.02)


# ---------------------------------------------------------------------------------------------
# windows, baselines, statuses


def test_windows_by_size_count_and_period_and_small_ones_skipped() -> None:
    rng = np.random.default_rng(4)
    ref, cur = _calibrated_frame(rng, 1500), _calibrated_frame(rng, 1050)
    cur = cur.drop(columns="target")
    by_size = estimate(ref, cur, calibration="none", window_size=500, n_simulations=100)
    assert [w.n_rows for w in by_size.windows] == [500, 500, 50]
    last = by_size.windows[-1]
    assert last.too_small
    assert last.status == Status.SKIPPED
    assert all(m.status == Status.SKIPPED for m in last.metrics.values())
    by_count = estimate(ref, cur, calibration="none", n_windows=3, n_simulations=100)
    assert [w.n_rows for w in by_count.windows] == [350, 350, 350]
    cur = cur.assign(ts=pd.date_range("2026-01-01", periods=len(cur), freq="h").astype(str))
    ref = ref.assign(ts=pd.date_range("2025-01-01", periods=len(ref), freq="h").astype(str))
    by_day = estimate(
        ref, cur, calibration="none", timestamp="ts", period="D", n_simulations=100,
        min_window_rows=20,
    )  # fmt: skip
    assert len(by_day.windows) == 44  # 1050 hours
    assert sum(w.n_rows for w in by_day.windows) == 1050
    assert by_day.windows[-1].too_small  # 18 hours


def _worse_away_from_zero(rng: np.random.Generator, n: int, spread: float) -> pd.DataFrame:
    """The model is calibrated, and less sure (less accurate) where |x| is small."""
    x = rng.normal(0.0, spread, n)
    p = _sigmoid(2 * x)
    y = (rng.random(n) < p).astype(int)
    return pd.DataFrame({"x": x, "target": y, "prediction": (p > 0.5).astype(int), "proba_1": p})


def test_status_alert_on_a_drop_and_ok_without() -> None:
    rng = np.random.default_rng(6)
    ref = _worse_away_from_zero(rng, 3000, 1.0)
    same = _worse_away_from_zero(rng, 1000, 1.0).drop(columns="target")
    hard = _worse_away_from_zero(rng, 1000, 0.3).drop(columns="target")  # near the boundary
    ok = estimate(ref, same, calibration="isotonic", n_simulations=200)
    dropped = estimate(ref, hard, calibration="isotonic", n_simulations=200)
    assert ok.status == Status.OK, ok.headline
    assert dropped.status == Status.ALERT, dropped.headline
    auc = dropped.windows[0].metrics["roc_auc"]
    assert auc.estimate < 0.8 * auc.baseline
    assert "beyond what sampling gives" in auc.message
    assert "1 of 1 window(s) dropped" in dropped.headline


def test_a_benchmark_replaces_the_reference_as_baseline() -> None:
    rng = np.random.default_rng(6)
    ref = _worse_away_from_zero(rng, 2000, 1.0)
    cur = _worse_away_from_zero(rng, 1000, 1.0).drop(columns="target")
    plain = estimate(ref, cur, calibration="none", n_simulations=100)
    assert plain.windows[0].metrics["accuracy"].baseline == pytest.approx(
        plain.reference.metrics["accuracy"].realised
    )
    bench = estimate(ref, cur, calibration="none", n_simulations=100, benchmarks={"accuracy": 0.99})
    m = bench.windows[0].metrics["accuracy"]
    assert m.baseline == 0.99
    assert m.status == Status.ALERT


def test_status_warning_between_the_two_drops() -> None:
    """Held to a benchmark 3.5% above the estimate (between warning_drop 2% and alert_drop 5%),
    on enough rows that the drop is beyond sampling: a warning; 1% above: ok."""
    rng = np.random.default_rng(6)
    ref = _worse_away_from_zero(rng, 2000, 1.0)
    cur = _worse_away_from_zero(rng, 6000, 1.0).drop(columns="target")
    plain = estimate(ref, cur, calibration="none", metrics=["accuracy"], n_simulations=200)
    value = plain.overall.metrics["accuracy"].estimate
    for above, status in ((0.035, Status.WARNING), (0.01, Status.OK)):
        held = estimate(
            ref, cur, calibration="none", metrics=["accuracy"], n_simulations=200,
            benchmarks={"accuracy": value / (1 - above)},
        )  # fmt: skip
        assert held.windows[0].metrics["accuracy"].status == status, above
        assert held.status == status


def test_metrics_can_be_chosen_and_json_is_plain() -> None:
    import json

    rng = np.random.default_rng(8)
    ref, cur = _calibrated_frame(rng, 1000), _calibrated_frame(rng, 500)
    result = estimate(ref, cur, calibration="none", metrics=["accuracy"], n_simulations=100)
    assert result.metrics == ("accuracy",)
    assert result.primary == "accuracy"
    data = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    # The fields docs/estimation.md lists.
    assert set(data) == {"task", "method", "metrics", "primary", "assumption", "calibration",
                         "confidence", "features", "status", "headline", "reference", "overall",
                         "windows", "checks", "warnings"}  # fmt: skip
    assert set(data["windows"][0]) == {"label", "start", "end", "n_rows", "n_labelled",
                                       "too_small", "status", "metrics"}  # fmt: skip
    assert set(data["windows"][0]["metrics"]["accuracy"]) == {
        "name", "label", "estimate", "low", "high", "baseline", "status", "message", "realised",
        "realised_rows", "within_band"}  # fmt: skip
    assert set(data["calibration"]) == {"method", "used", "reason", "folds", "brier",
                                        "ece_before", "ece_after", "rows"}  # fmt: skip
    assert set(data["checks"][0]) == {"metric", "n_windows", "mean_absolute_error",
                                      "within_band", "expected_share", "p_value", "holds",
                                      "message"}  # fmt: skip
    assert set(data["windows"][0]["metrics"]) == {"accuracy"}


# ---------------------------------------------------------------------------------------------
# real data: scikit-learn's bundled sets, a covariate shift chosen by a feature


def test_breast_cancer_estimate_under_a_covariate_shift() -> None:
    data = load_breast_cancer(as_frame=True)
    frame = data.frame.rename(columns=lambda c: str(c).replace(" ", "_"))
    features = [c for c in frame.columns if c != "target"][:10]
    rng = np.random.default_rng(0)
    order = rng.permutation(len(frame))
    train, rest = frame.iloc[order[:200]], frame.iloc[order[200:]]
    model = LogisticRegression(max_iter=5000).fit(train[features], train["target"])

    def scored(part: pd.DataFrame) -> pd.DataFrame:
        proba = model.predict_proba(part[features])[:, 1]
        return part[[*features, "target"]].assign(
            prediction=(proba > 0.5).astype(int), proba_1=proba
        )

    cut = rest["mean_radius"].median()
    reference = scored(rest[rest["mean_radius"] <= cut + 2])
    current = scored(rest[rest["mean_radius"] > cut - 1])  # shifted to larger tumours
    result = estimate(
        reference,
        current,
        calibration="isotonic",
        n_simulations=500,
        metrics=["accuracy", "roc_auc"],
    )
    for name in ("accuracy", "roc_auc"):
        m = result.overall.metrics[name]
        assert m.realised is not None
        assert m.within_band, (name, m)


def test_wine_multiclass_estimate_under_a_covariate_shift() -> None:
    """Three classes; the model (fit on 60 rows, strongly regularised) is underconfident, so
    the probabilities as given miss and isotonic calibration lands in the band."""
    frame = load_wine(as_frame=True).frame
    features = [c for c in frame.columns if c != "target"]
    order = np.random.default_rng(0).permutation(len(frame))
    train, rest = frame.iloc[order[:60]], frame.iloc[order[60:]]
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, C=0.3))
    model.fit(train[features], train["target"])
    proba = model.predict_proba(rest[features])
    scored = rest.assign(
        prediction=proba.argmax(axis=1), **{f"proba_{c}": proba[:, c] for c in range(3)}
    )
    alcohol = scored["alcohol"]
    reference = scored[alcohol <= alcohol.quantile(0.75)]
    current = scored[alcohol > alcohol.quantile(0.25)]  # stronger wines
    names = ["accuracy", "roc_auc", "log_loss"]
    calibrated = estimate(reference, current, calibration="isotonic", metrics=names)
    raw = estimate(reference, current, calibration="none", metrics=names)
    assert calibrated.task == "multiclass_classification"
    for name in names:
        good, bad = calibrated.overall.metrics[name], raw.overall.metrics[name]
        assert good.within_band, (name, good)
        assert not bad.within_band, (name, bad)


def test_diabetes_regression_estimate() -> None:
    data = load_diabetes(as_frame=True)
    frame = data.frame
    features = [c for c in frame.columns if c != "target"]
    rng = np.random.default_rng(0)
    order = rng.permutation(len(frame))
    train, rest = frame.iloc[order[:150]], frame.iloc[order[150:]]
    model = LinearRegression().fit(train[features], train["target"])
    scored = rest.assign(prediction=model.predict(rest[features]))
    reference = scored[scored["bmi"] <= scored["bmi"].quantile(0.7)]
    current = scored[scored["bmi"] > scored["bmi"].quantile(0.5)]
    result = estimate(reference, current, task="regression", n_simulations=100)
    for name in ("mae", "rmse"):
        m = result.overall.metrics[name]
        assert m.realised is not None
        assert m.within_band, (name, m)
        assert abs(m.estimate - m.realised) < 0.2 * m.realised


# ---------------------------------------------------------------------------------------------
# bad input


def _small(rng: np.random.Generator | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = rng or np.random.default_rng(0)
    return _calibrated_frame(rng, 400), _calibrated_frame(rng, 200)


def test_a_classifier_without_probabilities_is_refused() -> None:
    ref, cur = _small()
    with pytest.raises(ColumnError, match="probabilities"):
        estimate(ref.drop(columns="proba_1"), cur.drop(columns="proba_1"), task="binary")


def test_a_reference_without_target_is_refused() -> None:
    ref, cur = _small()
    with pytest.raises(ColumnError, match="target"):
        estimate(ref.drop(columns="target"), cur, target="target", task="binary")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"calibration": "platt"}, "calibration"),
        ({"metrics": ["auc"]}, "'auc'"),
        ({"benchmarks": {"accuracy": "high"}}, "benchmark"),
        ({"confidence": 1.5}, "confidence"),
        ({"n_simulations": 10}, "n_simulations"),
        ({"warning_drop": 0.2, "alert_drop": 0.1}, "warning_drop"),
    ],
)
def test_bad_settings_are_refused(kwargs: dict[str, object], match: str) -> None:
    ref, cur = _small()
    with pytest.raises(ParameterError, match=match):
        estimate(ref, cur, **kwargs)  # type: ignore[arg-type]


def test_settings_validate_at_construction() -> None:
    with pytest.raises(ParameterError, match="'calibration' parameter of EstimationSettings"):
        EstimationSettings(calibration="platt")


def test_regression_metrics_on_a_classifier_are_refused() -> None:
    ref, cur = _small()
    with pytest.raises(ParameterError, match="metrics"):
        estimate(ref, cur, metrics=["mae"])


def test_an_empty_current_is_refused() -> None:
    ref, cur = _small()
    with pytest.raises(EmptyDataError):
        estimate(ref, cur.iloc[:0])


def test_a_current_with_no_usable_probability_is_refused() -> None:
    ref, cur = _small()
    with pytest.raises(EmptyDataError, match="Current"):
        estimate(ref, cur.assign(proba_1=np.nan), calibration="none", n_simulations=100)


def test_bad_probabilities_are_left_out_with_a_warning() -> None:
    ref, cur = _small()
    cur = cur.copy()
    cur.loc[:9, "proba_1"] = np.nan
    cur.loc[10:14, "proba_1"] = 1.7
    result = estimate(ref, cur, calibration="none", n_simulations=100)
    assert result.overall.n_rows == 185
    (warning,) = [w for w in result.warnings if "Probabilities (current)" in w]
    assert "15 row(s)" in warning
    assert "'proba_1'" in warning


def test_too_few_labelled_reference_rows_are_refused() -> None:
    ref, cur = _small()
    ref = ref.assign(target=np.where(np.arange(len(ref)) < 20, ref["target"], np.nan))
    with pytest.raises(EmptyDataError, match="20 of its rows"):
        estimate(ref, cur, target="target", task="binary")


def test_a_task_without_estimation_is_refused() -> None:
    ref, cur = _small()
    with pytest.raises((ColumnError, ParameterError), match="task"):
        estimate(ref, cur, task="asr")


@pytest.mark.slow
def test_gradient_boosted_regressor_is_estimated_too() -> None:
    """A model that is not linear, and a categorical feature, go through DLE."""
    rng = np.random.default_rng(1)
    n = 2000
    x = rng.normal(size=n)
    city = rng.choice(["a", "b", "c"], n)
    y = x**2 + np.where(city == "c", 2.0, 0.5) * rng.normal(size=n)
    frame = pd.DataFrame({"x": x, "city": city, "target": y})
    model = GradientBoostingRegressor(random_state=0, n_estimators=50).fit(
        frame[["x"]].iloc[:500], y[:500]
    )
    frame["prediction"] = model.predict(frame[["x"]])
    ref, cur = frame.iloc[500:1500], frame.iloc[1500:]
    result = estimate(ref, cur, task="regression", n_simulations=100)
    assert "city" in result.features
    m = result.overall.metrics["mae"]
    assert m.realised is not None
    assert m.within_band
