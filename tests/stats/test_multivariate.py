"""Dataset-level tests: kernel MMD and the domain classifier, on seeded synthetic data."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray
from scipy import stats as sps
from scipy.spatial.distance import cdist, pdist

from driftscope.exceptions import ColumnError, DriftscopeError, ParameterError
from driftscope.stats.multivariate import discriminant_test, domain_classifier_test, mmd_rbf

FloatArray = NDArray[np.float64]


def gaussians(
    n: int, m: int, *, dims: int = 5, shift: float = 0.0, seed: int = 0
) -> tuple[FloatArray, FloatArray]:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, dims)), rng.normal(shift, size=(m, dims))


def unbiased_mmd2(x: FloatArray, y: FloatArray, bandwidth: float) -> float:
    """The textbook unbiased MMD^2 with explicit kernel blocks."""
    n, m = len(x), len(y)
    kxx = np.exp(-cdist(x, x, "sqeuclidean") / (2 * bandwidth**2))
    kyy = np.exp(-cdist(y, y, "sqeuclidean") / (2 * bandwidth**2))
    kxy = np.exp(-cdist(x, y, "sqeuclidean") / (2 * bandwidth**2))
    return float(
        (kxx.sum() - np.trace(kxx)) / (n * (n - 1))
        + (kyy.sum() - np.trace(kyy)) / (m * (m - 1))
        - 2 * kxy.mean()
    )


# --- MMD ------------------------------------------------------------------------------------------


def test_mmd_statistic_matches_the_explicit_formula() -> None:
    x, y = gaussians(60, 45, shift=0.3)
    bandwidth = float(np.median(pdist(np.vstack([x, y]))))
    result = mmd_rbf(x, y, n_permutations=10)
    assert result.method == "mmd"
    # Our distances come from the Gram matrix, cdist's from differences: ~1e-15 apart.
    assert np.isclose(result.statistic, unbiased_mmd2(x, y, bandwidth), rtol=1e-9, atol=1e-13)


def test_mmd_permutation_p_value_matches_explicit_relabelling() -> None:
    x, y = gaussians(30, 25, shift=0.2, seed=4)
    pooled = np.vstack([x, y])
    bandwidth = float(np.median(pdist(pooled)))
    observed = unbiased_mmd2(x, y, bandwidth)
    # Replay the documented procedure: no subsampling here, then relabellings drawn from their
    # own stream, default_rng([seed, 1]).
    rng = np.random.default_rng([3, 1])
    labels = np.r_[np.ones(30), np.zeros(25)]
    permuted = rng.permuted(np.tile(labels, (50, 1)), axis=1)
    null = [unbiased_mmd2(pooled[row == 1], pooled[row == 0], bandwidth) for row in permuted]
    hits = sum(s >= observed - 1e-10 for s in null)
    assert mmd_rbf(x, y, n_permutations=50, seed=3).p_value == (1 + hits) / 51


def test_mmd_no_drift_and_drift() -> None:
    same = mmd_rbf(*gaussians(200, 200, seed=1))
    assert same.p_value is not None
    assert same.p_value > 0.05
    shifted = mmd_rbf(*gaussians(200, 200, shift=0.5, seed=1))
    assert shifted.p_value is not None
    assert shifted.p_value < 0.01
    assert shifted.statistic > same.statistic


def test_mmd_false_positive_rate_on_no_drift_splits() -> None:
    rejections = 0
    for seed in range(50):
        x, y = gaussians(100, 100, seed=100 + seed)
        p = mmd_rbf(x, y, n_permutations=100, seed=seed).p_value
        assert p is not None
        rejections += p < 0.05
    # Nominal 5%: 2.5 expected; more than 5 of 50 would mean a miscalibrated test.
    assert rejections <= 5


def test_mmd_is_seeded_and_subsamples() -> None:
    x, y = gaussians(300, 250, shift=0.2)
    assert mmd_rbf(x, y, seed=7) == mmd_rbf(x, y, seed=7)
    # No subsampling at or above the sample sizes.
    assert mmd_rbf(x, y, max_samples=300) == mmd_rbf(x, y, max_samples=10_000)
    small = mmd_rbf(x, y, max_samples=50, seed=1)
    assert small != mmd_rbf(x, y, max_samples=50, seed=2)
    assert small.p_value is not None
    assert small.p_value >= 1 / 201


def test_mmd_of_identical_rows_is_zero() -> None:
    x = np.ones((20, 3))
    assert mmd_rbf(x, x) == mmd_rbf(x[:5], x[:7])
    assert mmd_rbf(x, x).statistic == 0.0
    assert mmd_rbf(x, x).p_value == 1.0


def test_mmd_with_mostly_duplicated_rows_falls_back_to_a_positive_bandwidth() -> None:
    x = np.zeros((40, 2))
    y = np.zeros((40, 2))
    y[:5] = 3.0
    result = mmd_rbf(x, y, n_permutations=100)
    assert np.isfinite(result.statistic)
    assert result.statistic > 0


def test_mmd_accepts_one_feature_as_a_1d_array() -> None:
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=80), rng.normal(size=70)
    assert mmd_rbf(x, y) == mmd_rbf(x[:, None], y[:, None])


# --- domain classifier ----------------------------------------------------------------------------


def test_domain_classifier_no_drift_and_drift() -> None:
    same = domain_classifier_test(*gaussians(500, 500, seed=2))
    assert same.method == "domain_classifier"
    assert same.p_value is not None
    assert same.p_value > 0.05
    assert abs(same.statistic - 0.5) < 0.08
    shifted = domain_classifier_test(*gaussians(500, 500, shift=0.5, seed=2))
    assert shifted.p_value is not None
    assert shifted.p_value < 0.01
    assert shifted.statistic > 0.6


SMALL_MODEL = {
    "max_iter": 25,
    "learning_rate": 0.2,
    "max_leaf_nodes": 6,
    "max_bins": 64,
    "min_samples_leaf": 6,  # 150 training rows a side
}
WIDE_MODEL = {"max_iter": 50, "learning_rate": 0.1, "max_leaf_nodes": 15}


@pytest.mark.parametrize(("dims", "params"), [(5, SMALL_MODEL), (80, WIDE_MODEL)])
def test_domain_classifier_auc_and_p_value_match_sklearn_and_scipy(
    dims: int, params: dict[str, float]
) -> None:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import roc_auc_score
    from threadpoolctl import threadpool_limits

    x, y = gaussians(300, 300, dims=dims, shift=0.3, seed=5)
    # Replay the documented procedure: equal sizes (no subsampling), seeded shuffle, halves.
    rng = np.random.default_rng(9)
    x, y = x[rng.permutation(300)], y[rng.permutation(300)]
    model = HistGradientBoostingClassifier(**params, early_stopping=False, random_state=9)
    with threadpool_limits(limits=1, user_api="openmp"):
        model.fit(np.vstack([x[:150], y[:150]]), np.repeat([0, 1], 150))
        ref_scores = model.predict_proba(x[150:])[:, 1]
        cur_scores = model.predict_proba(y[150:])[:, 1]
    auc = roc_auc_score(np.repeat([0, 1], 150), np.r_[ref_scores, cur_scores])
    p = sps.mannwhitneyu(cur_scores, ref_scores, alternative="greater").pvalue
    result = domain_classifier_test(*gaussians(300, 300, dims=dims, shift=0.3, seed=5), seed=9)
    assert np.isclose(result.statistic, auc, rtol=1e-12)
    assert np.isclose(result.p_value, p, rtol=1e-12)  # type: ignore[arg-type]


def test_domain_classifier_is_seeded_and_balances_sides() -> None:
    x, y = gaussians(400, 120, shift=0.2, seed=3)
    assert domain_classifier_test(x, y, seed=1) == domain_classifier_test(x, y, seed=1)
    assert domain_classifier_test(x, y, max_samples=50, seed=1) != domain_classifier_test(
        x, y, seed=1
    )


def test_domain_classifier_false_positive_rate() -> None:
    rejections = 0
    for seed in range(30):
        x, y = gaussians(200, 200, dims=3, seed=300 + seed)
        p = domain_classifier_test(x, y, seed=seed).p_value
        assert p is not None
        rejections += p < 0.05
    # Binomial(30, 0.05): more than 5 rejections has probability under 1%.
    assert rejections <= 5


# --- quadratic discriminant -----------------------------------------------------------------------


def test_discriminant_no_drift_and_drift() -> None:
    same = discriminant_test(*gaussians(2000, 2000, seed=2))
    assert same.method == "domain_classifier"
    assert same.p_value is not None
    assert same.p_value > 0.05
    assert abs(same.statistic - 0.5) < 0.05
    shifted = discriminant_test(*gaussians(2000, 2000, shift=0.3, seed=2))
    assert shifted.p_value is not None
    assert shifted.p_value < 1e-6
    assert shifted.statistic > 0.6


def test_discriminant_sees_a_changed_spread_and_a_new_correlation() -> None:
    # Means unchanged: a linear rule on the columns alone would see nothing.
    x, y = gaussians(3000, 3000, dims=6, seed=4)
    wider = y.copy()
    wider[:, 1] *= 1.3
    assert discriminant_test(x, wider).p_value < 1e-4  # type: ignore[operator]
    correlated = y.copy()
    correlated[:, 3] = 0.5 * y[:, 2] + np.sqrt(0.75) * y[:, 3]
    assert discriminant_test(x, correlated).p_value < 1e-4  # type: ignore[operator]


def test_discriminant_auc_and_p_value_match_sklearn_lda_and_scipy() -> None:
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
    from sklearn.metrics import roc_auc_score

    x, y = gaussians(600, 600, dims=4, shift=0.1, seed=5)
    y[:, 2] *= 1.2
    # Replay the documented procedure: equal sizes (no subsampling), seeded shuffle, halves,
    # every column, square and pairwise product built explicitly, the 5 with the largest Welch t
    # on the training halves, scikit-learn's shrunk LDA on them.
    rng = np.random.default_rng(9)
    xs, ys = x[rng.permutation(600)], y[rng.permutation(600)]

    def expand(a: FloatArray) -> FloatArray:
        i, j = np.triu_indices(4)
        return np.hstack([a, a[:, i] * a[:, j]])

    ex, ey = expand(xs), expand(ys)
    welch = np.abs(ey[:300].mean(0) - ex[:300].mean(0)) / np.sqrt(
        (ex[:300].var(0) + ey[:300].var(0)) / 300
    )
    keep = np.argsort(-welch)[:5]
    model = LinearDiscriminantAnalysis(solver="lsqr", shrinkage=0.1)
    model.fit(np.vstack([ex[:300, keep], ey[:300, keep]]), np.repeat([0, 1], 300))
    ref_scores = model.decision_function(ex[300:, keep])
    cur_scores = model.decision_function(ey[300:, keep])
    auc = roc_auc_score(np.repeat([0, 1], 300), np.r_[ref_scores, cur_scores])
    p = sps.mannwhitneyu(cur_scores, ref_scores, alternative="greater").pvalue

    result = discriminant_test(x, y, seed=9)

    assert np.isclose(result.statistic, auc, rtol=1e-12)
    assert np.isclose(result.p_value, p, rtol=1e-9)  # type: ignore[arg-type]
    assert result.p_value < 0.05  # type: ignore[operator]


def test_discriminant_is_seeded_and_handles_constant_columns() -> None:
    x, y = gaussians(400, 120, shift=0.2, seed=3)
    assert discriminant_test(x, y, seed=1) == discriminant_test(x, y, seed=1)
    assert discriminant_test(x, y, seed=1) != discriminant_test(x, y, seed=2)
    flat = np.zeros((50, 3))
    assert discriminant_test(flat, flat).p_value == 1.0
    # Constant on each side but not the same constant: the sides never overlap.
    apart = discriminant_test(flat, flat + 1.0)
    assert apart.statistic == 1.0


def test_discriminant_false_positive_rate() -> None:
    rejections = 0
    for seed in range(30):
        x, y = gaussians(200, 200, dims=3, seed=300 + seed)
        p = discriminant_test(x, y, seed=seed).p_value
        assert p is not None
        rejections += p < 0.05
    assert rejections <= 5


@pytest.mark.slow
def test_discriminant_p_values_are_uniform_under_no_drift() -> None:
    # Gaussian columns, and skewed, tied ones (rounded lognormals) as tables have.
    p_values = []
    for seed in range(300):
        x, y = gaussians(300, 300, dims=4, seed=40_000 + seed)
        if seed % 2:
            x, y = np.round(np.exp(x)), np.round(np.exp(y))
        p = discriminant_test(x, y, seed=seed).p_value
        assert p is not None
        p_values.append(p)
    rejections = sum(p < 0.05 for p in p_values)
    assert 4 <= rejections <= 28
    assert sps.kstest(p_values, "uniform").pvalue > 0.001


# --- input validation -----------------------------------------------------------------------------

TESTS = [mmd_rbf, domain_classifier_test, discriminant_test]


@pytest.mark.parametrize("fn", TESTS, ids=lambda f: f.__name__)
@pytest.mark.parametrize(
    ("x", "y", "message"),
    [
        (np.zeros((10, 2)), np.zeros((10, 3)), "same number of columns"),
        (np.zeros((10, 2, 2)), np.zeros((10, 2, 2)), "2-D arrays"),
        (np.zeros((1, 2)), np.zeros((10, 2)), "at least"),
        (np.full((10, 2), np.nan), np.zeros((10, 2)), "finite values in the reference"),
        (np.zeros((10, 2)), np.full((10, 2), np.inf), "finite values in the current"),
    ],
)
def test_inputs_are_validated(fn: object, x: FloatArray, y: FloatArray, message: str) -> None:
    with pytest.raises(DriftscopeError, match=message) as raised:
        fn(x, y)  # type: ignore[operator]
    assert isinstance(raised.value, ValueError)


@pytest.mark.parametrize("fn", TESTS, ids=lambda f: f.__name__)
def test_non_numeric_input_names_the_side(fn: object) -> None:
    words = np.array([["a", "b"]] * 10)
    with pytest.raises(ColumnError, match=r"needs numbers in the current\. Got ndarray"):
        fn(np.zeros((10, 2)), words)  # type: ignore[operator]


@pytest.mark.parametrize(
    ("fn", "kwargs", "name"),
    [
        (mmd_rbf, {"n_permutations": 0}, "n_permutations"),
        (mmd_rbf, {"max_samples": 1}, "max_samples"),
        (mmd_rbf, {"max_samples": 10.5}, "max_samples"),
        (domain_classifier_test, {"max_samples": 2}, "max_samples"),
        (mmd_rbf, {"seed": -5}, "seed"),
        (domain_classifier_test, {"seed": -5}, "seed"),
        (discriminant_test, {"max_samples": 3}, "max_samples"),
        (discriminant_test, {"n_features": 0}, "n_features"),
        (discriminant_test, {"seed": -1}, "seed"),
        (mmd_rbf, {"seed": 1.5}, "seed"),
    ],
)
def test_parameters_are_validated(fn: object, kwargs: dict[str, object], name: str) -> None:
    x = np.zeros((10, 2))
    with pytest.raises(ParameterError, match=f"'{name}' parameter"):
        fn(x, x, **kwargs)  # type: ignore[operator]


# --- MMD with random Fourier features -------------------------------------------------------------


def test_fourier_mmd_approaches_the_exact_statistic() -> None:
    # Random features approximate the same kernel: with many features the two estimates of
    # MMD^2 agree to a few per cent of the exact one (the bandwidths differ too: random pairs).
    x, y = gaussians(300, 300, shift=0.5, seed=6)
    exact = mmd_rbf(x, y, n_permutations=10).statistic
    approx = mmd_rbf(x, y, n_permutations=10, n_features=4096).statistic
    assert exact > 0.05
    assert abs(approx - exact) < 0.05 * exact


def test_fourier_mmd_no_drift_and_drift() -> None:
    same = mmd_rbf(*gaussians(2000, 2000, seed=1), max_samples=2000, n_features=128)
    assert same.p_value is not None
    assert same.p_value > 0.05
    shifted = mmd_rbf(*gaussians(2000, 2000, shift=0.1, seed=1), max_samples=2000, n_features=128)
    assert shifted.p_value == 1 / 201
    assert shifted.statistic > 10 * abs(same.statistic)


def test_fourier_mmd_is_seeded_and_reuses_its_relabellings() -> None:
    x, y = gaussians(400, 300, shift=0.1)
    first = mmd_rbf(x, y, n_features=64, seed=5)
    assert first == mmd_rbf(x, y, n_features=64, seed=5)
    assert first != mmd_rbf(x, y, n_features=64, seed=6)
    from driftscope.stats.multivariate import _labellings

    columns = _labellings(400, 300, 200, 5, np.float32)
    assert columns is _labellings(400, 300, 200, 5, np.float32)
    assert not columns.flags.writeable
    # Column 0 is the observed split; every relabelling keeps the side sizes.
    assert columns[:400, 0].all()
    assert not columns[400:, 0].any()
    assert (columns.sum(axis=0) == 400).all()


def test_fourier_mmd_of_identical_rows_is_zero() -> None:
    x = np.ones((30, 3))
    assert mmd_rbf(x, x, n_features=16) == mmd_rbf(x, x)


def test_fourier_mmd_with_rows_mostly_repeated_still_sees_the_few_that_differ() -> None:
    # 2 of 40,000 rows differ: with seed 2 none of the 10,000 random pairs that set the bandwidth
    # touches them, so the bandwidth falls back to the rows' spread instead of declaring every
    # row equal (a statistic of exactly 0 and a p-value of 1).
    x = np.zeros((20_000, 1))
    y = np.zeros((20_000, 1))
    y[:2] = 3.0
    result = mmd_rbf(x, y, max_samples=20_000, n_features=16, n_permutations=20, seed=2)
    assert result.statistic > 0
    assert result.p_value is not None
    assert result.p_value < 1.0


def test_fourier_mmd_statistic_is_scale_free() -> None:
    x, y = gaussians(500, 500, shift=0.3, seed=8)
    result = mmd_rbf(x, y, n_features=64, seed=2)
    rescaled = mmd_rbf(1000 * x, 1000 * y, n_features=64, seed=2)
    assert np.isclose(result.statistic, rescaled.statistic, rtol=1e-4)
    assert 0 < result.statistic < 2


def test_prepared_fourier_reference_matches_the_explicit_formula_on_its_features() -> None:
    # A reference larger than max_samples: the rows left out set the bandwidth, the kernel is the
    # inner product of the random features, and the statistic is the textbook unbiased MMD^2
    # with that kernel, whichever side's sums were computed first.
    from driftscope.stats.multivariate import FourierReference, _fourier_features

    x, y = gaussians(700, 250, shift=0.3, seed=4)
    side = FourierReference.build(x, max_samples=300, n_features=64, seed=3)
    assert side is not None
    assert side.n == 300
    result = side.test(y, n_permutations=50)
    assert result == mmd_rbf(x, y, max_samples=300, n_features=64, n_permutations=50, seed=3)
    phi_x = _fourier_features(side_rows(side, x) - side.centre, side.frequencies).astype(float)
    phi_y = _fourier_features(y - side.centre, side.frequencies).astype(float)
    kxx, kyy, kxy = phi_x @ phi_x.T, phi_y @ phi_y.T, phi_x @ phi_y.T
    n, m = len(phi_x), len(phi_y)
    expected = (
        (kxx.sum() - np.trace(kxx)) / (n * (n - 1))
        + (kyy.sum() - np.trace(kyy)) / (m * (m - 1))
        - 2 * kxy.mean()
    )
    assert np.isclose(result.statistic, expected, rtol=1e-4, atol=1e-6)
    assert result.statistic > 0.01
    # Its sums over the relabellings are kept per current size: a second sample reuses them.
    assert side.test(y, n_permutations=50) == result


def side_rows(side: object, reference: FloatArray) -> FloatArray:
    """The reference rows a FourierReference tests, replayed from its documented seeding."""
    rng = np.random.default_rng(side.seed)  # type: ignore[attr-defined]
    chosen = np.zeros(len(reference), dtype=bool)
    chosen[rng.choice(len(reference), size=side.n, replace=False)] = True  # type: ignore[attr-defined]
    return reference[chosen]


def test_a_reference_barely_larger_than_max_samples_takes_the_pooled_bandwidth() -> None:
    from driftscope.stats.multivariate import FourierReference

    x, y = gaussians(301, 200, seed=1)
    assert FourierReference.build(x, max_samples=300, n_features=16, seed=0) is None
    assert FourierReference.build(x, max_samples=299, n_features=16, seed=0) is not None
    assert mmd_rbf(x, y, max_samples=300, n_features=16).p_value is not None


@pytest.mark.slow
def test_prepared_fourier_mmd_p_values_are_uniform_under_no_drift() -> None:
    # The bandwidth comes from reference rows outside the test: the p-value stays exact.
    p_values = []
    for seed in range(400):
        x, y = gaussians(400, 100, dims=4, seed=30_000 + seed)
        p = mmd_rbf(x, y, n_permutations=99, max_samples=100, n_features=64, seed=seed).p_value
        assert p is not None
        p_values.append(p)
    rejections = sum(p <= 0.05 for p in p_values)
    assert 6 <= rejections <= 37
    assert sps.kstest(np.array(p_values) - 0.005, "uniform").pvalue > 0.001


@pytest.mark.slow
@pytest.mark.parametrize("n_features", [None, 64])
def test_mmd_p_values_are_uniform_under_no_drift(n_features: int | None) -> None:
    # 400 no-drift splits: P(p <= k / 100) must be k / 100 for every k (the permutation p-value
    # is exact), so the rejection rate at 0.05 stays inside Binomial(400, 0.05)'s 99.9% range and
    # the p-values pass a KS test against the uniform distribution.
    p_values = []
    for seed in range(400):
        x, y = gaussians(120, 100, dims=4, seed=10_000 + seed)
        p = mmd_rbf(x, y, n_permutations=99, n_features=n_features, seed=seed).p_value
        assert p is not None
        p_values.append(p)
    rejections = sum(p <= 0.05 for p in p_values)
    assert 6 <= rejections <= 37
    # The p-values live on the grid k / 100: compare with a uniform on that grid.
    assert sps.kstest(np.array(p_values) - 0.005, "uniform").pvalue > 0.001


@pytest.mark.slow
def test_domain_classifier_p_values_are_uniform_under_no_drift() -> None:
    p_values = []
    for seed in range(300):
        x, y = gaussians(300, 300, dims=4, seed=20_000 + seed)
        p = domain_classifier_test(x, y, seed=seed).p_value
        assert p is not None
        p_values.append(p)
    rejections = sum(p < 0.05 for p in p_values)
    # Binomial(300, 0.05): 99.9% of runs give 4 to 28 rejections.
    assert 4 <= rejections <= 28
    assert sps.kstest(p_values, "uniform").pvalue > 0.001


def test_thread_limits_see_the_openmp_runtime_whatever_was_imported_first() -> None:
    # A controller made before scikit-learn loads its OpenMP runtime would limit nothing, and
    # the classifier would then spin one thread per core on a busy machine.
    import subprocess
    import sys

    code = (
        "from driftscope.stats.multivariate import _threadpools\n"
        "blas = _threadpools('blas')\n"
        "openmp = _threadpools('openmp')\n"
        "print(len(blas.lib_controllers), len(openmp.lib_controllers))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    n_blas, n_openmp = map(int, done.stdout.split())
    assert n_blas >= 1
    assert n_openmp >= 1


def test_fourier_mmd_validates_n_features() -> None:
    x = np.zeros((10, 2))
    with pytest.raises(ParameterError, match="'n_features' parameter of mmd_rbf must be an even"):
        mmd_rbf(x, x, n_features=7)
    with pytest.raises(ParameterError, match="'n_features' parameter"):
        mmd_rbf(x, x, n_features=0)
