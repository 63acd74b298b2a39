"""Dataset-level two-sample tests on 2-D arrays: rows are observations, columns encoded features.

Inputs must be finite floats with the same number of columns on both sides (encode categories and
scale features before calling). Both tests subsample large inputs with a seeded generator, so
every result is deterministic for a given ``seed``.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats as sps

from driftscope.exceptions import invalid_parameter
from driftscope.stats._result import StatResult

__all__ = ["domain_classifier_test", "mmd_rbf"]

FloatArray = NDArray[np.float64]


def _matrices(
    reference: ArrayLike, current: ArrayLike, min_rows: int, owner: str
) -> tuple[FloatArray, FloatArray]:
    ref = np.asarray(reference, dtype=np.float64)
    cur = np.asarray(current, dtype=np.float64)
    if ref.ndim == 1:
        ref = ref[:, np.newaxis]
    if cur.ndim == 1:
        cur = cur[:, np.newaxis]
    if ref.ndim != 2 or cur.ndim != 2 or ref.shape[1] != cur.shape[1]:
        raise ValueError(
            f"{owner} needs two 2-D arrays with the same number of columns. "
            f"Got shapes {ref.shape} and {cur.shape}."
        )
    for side, data in (("reference", ref), ("current", cur)):
        if data.shape[0] < min_rows:
            raise ValueError(
                f"{owner} needs at least {min_rows} rows in the {side}. Got {data.shape[0]}."
            )
        if not bool(np.isfinite(data).all()):
            raise ValueError(f"{owner} needs finite values in the {side}. Got NaN or inf.")
    return ref, cur


def _check_int(value: int, owner: str, name: str, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
        raise invalid_parameter(owner, name, f"an int in [{low}, inf)", value)


def _subsample(data: FloatArray, size: int, rng: np.random.Generator) -> FloatArray:
    if data.shape[0] <= size:
        return data
    return data[rng.choice(data.shape[0], size=size, replace=False)]


def mmd_rbf(
    reference: ArrayLike,
    current: ArrayLike,
    *,
    n_permutations: int = 200,
    max_samples: int = 1000,
    seed: int = 0,
) -> StatResult:
    """Maximum mean discrepancy with a Gaussian (RBF) kernel, and a permutation p-value.

    The kernel is ``k(x, y) = exp(-|x - y|^2 / (2 s^2))`` with ``s`` the median Euclidean distance
    between pooled rows (the median heuristic [1]_). The statistic is the *unbiased* estimate of
    MMD^2 (diagonal terms left out), so it is centred on 0 under no drift and can be slightly
    negative. The p-value is ``(1 + #{permuted >= observed}) / (1 + n_permutations)``, over
    seeded relabellings of the pooled rows; the kernel matrix is built once and every permutation
    is scored by one matrix product. Each side is first subsampled to at most ``max_samples`` rows.

    Parameters
    ----------
    reference, current
        2-D arrays (rows x features); a 1-D array is one feature.
    n_permutations
        Number of relabellings: the smallest possible p-value is ``1 / (1 + n_permutations)``.
    max_samples
        Rows kept per side (cost grows with the square of the pooled rows).
    seed
        Seed of the subsampling and the permutations.

    References
    ----------
    .. [1] Gretton, A., Borgwardt, K. M., Rasch, M. J., Schölkopf, B. and Smola, A. (2012). A
       kernel two-sample test. Journal of Machine Learning Research, 13, 723-773.

    >>> rng = np.random.default_rng(0)
    >>> r = mmd_rbf(rng.normal(size=(200, 3)), rng.normal(0.5, size=(200, 3)))
    >>> r.method, r.statistic > 0, r.p_value
    ('mmd', True, 0.004975124378109453)
    """
    _check_int(n_permutations, "mmd_rbf", "n_permutations", 1)
    _check_int(max_samples, "mmd_rbf", "max_samples", 2)
    ref, cur = _matrices(reference, current, 2, "mmd_rbf")
    rng = np.random.default_rng(seed)
    ref, cur = _subsample(ref, max_samples, rng), _subsample(cur, max_samples, rng)
    n, m = ref.shape[0], cur.shape[0]
    pooled = np.vstack([ref, cur])
    total = n + m
    # Center first: it does not change distances and keeps the Gram-matrix trick accurate.
    pooled -= pooled.mean(axis=0)
    sq_norms = np.einsum("ij,ij->i", pooled, pooled)
    sq_dist = sq_norms[:, np.newaxis] + sq_norms[np.newaxis, :] - 2.0 * (pooled @ pooled.T)
    np.maximum(sq_dist, 0.0, out=sq_dist)
    upper = sq_dist[np.triu_indices(total, k=1)]
    bandwidth = float(np.median(np.sqrt(upper)))
    if bandwidth == 0.0:
        positive = upper[upper > 0]
        if positive.size == 0:
            return StatResult("mmd", 0.0, 1.0)
        # Mostly duplicated rows: fall back to the mean distance between distinct rows.
        bandwidth = float(np.mean(np.sqrt(positive)))
    kernel = np.exp(sq_dist / (-2.0 * bandwidth**2))
    np.fill_diagonal(kernel, 0.0)
    row_sums = kernel.sum(axis=1)
    grand = float(row_sums.sum())

    def unbiased(in_reference: FloatArray) -> FloatArray:
        # in_reference: (total, B) 0/1 columns marking which rows are labelled reference.
        within_ref = np.einsum("ib,ib->b", in_reference, kernel @ in_reference)
        ref_all = row_sums @ in_reference
        between = ref_all - within_ref
        within_cur = grand - 2.0 * ref_all + within_ref
        stat: FloatArray = (
            within_ref / (n * (n - 1)) + within_cur / (m * (m - 1)) - 2.0 * between / (n * m)
        )
        return stat

    labels = np.zeros(total)
    labels[:n] = 1.0
    observed = float(unbiased(labels[:, np.newaxis])[0])
    permuted = rng.permuted(np.tile(labels, (n_permutations, 1)), axis=1).T
    null = unbiased(permuted)
    bar = observed - 1e-10 * abs(observed) - 1e-15
    extreme = int(np.count_nonzero(null >= bar))
    return StatResult("mmd", observed, (1 + extreme) / (1 + n_permutations))


def domain_classifier_test(
    reference: ArrayLike,
    current: ArrayLike,
    *,
    max_samples: int = 5000,
    seed: int = 0,
) -> StatResult:
    """Classifier two-sample test: can a model tell current rows from reference rows?

    Each side is subsampled to the same number of rows (at most ``max_samples``); a seeded half
    of each trains a small gradient-boosted tree classifier (scikit-learn's
    ``HistGradientBoostingClassifier``) to predict "current" (1) against "reference" (0), and the
    other half is scored. The statistic is the held-out ROC-AUC (0.5: indistinguishable). The
    p-value is the one-sided Mann-Whitney U test that held-out current rows score higher than
    held-out reference rows; it is valid because the held-out rows played no part in training.

    Needs at least 4 rows per side; scikit-learn is imported on first use. Training runs on one
    OpenMP thread (about 0.1 s for 2 x 5,000 rows of 10 features).

    References
    ----------
    .. [1] Lopez-Paz, D. and Oquab, M. (2017). Revisiting classifier two-sample tests.
       International Conference on Learning Representations.

    >>> rng = np.random.default_rng(0)
    >>> r = domain_classifier_test(rng.normal(size=(500, 3)), rng.normal(0.5, size=(500, 3)))
    >>> r.method, r.statistic > 0.6, r.p_value < 0.01
    ('domain_classifier', True, True)
    """
    _check_int(max_samples, "domain_classifier_test", "max_samples", 4)
    ref, cur = _matrices(reference, current, 4, "domain_classifier_test")
    from sklearn.ensemble import HistGradientBoostingClassifier
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    rng = np.random.default_rng(seed)
    size = min(ref.shape[0], cur.shape[0], max_samples)
    ref, cur = _subsample(ref, size, rng), _subsample(cur, size, rng)
    # Subsampling already shuffled large inputs; shuffle again so small ones split at random.
    ref, cur = ref[rng.permutation(size)], cur[rng.permutation(size)]
    half = size // 2
    train = np.vstack([ref[:half], cur[:half]])
    target = np.repeat([0, 1], half)
    model = HistGradientBoostingClassifier(
        max_iter=50,
        max_leaf_nodes=15,
        learning_rate=0.1,
        early_stopping=False,
        random_state=seed,
    )
    # One OpenMP thread: the model is small, and on a busy machine OpenMP's spinning threads
    # make it tens of times slower. Parallelism belongs to the caller (across columns, tests).
    with threadpool_limits(limits=1, user_api="openmp"):
        model.fit(train, target)
        ref_scores = model.predict_proba(ref[half:])[:, 1]
        cur_scores = model.predict_proba(cur[half:])[:, 1]
    test = sps.mannwhitneyu(cur_scores, ref_scores, alternative="greater")
    auc = float(test.statistic) / (cur_scores.size * ref_scores.size)
    p_value = float(test.pvalue)
    if math.isnan(p_value):
        p_value = 1.0
    return StatResult("domain_classifier", auc, p_value)
