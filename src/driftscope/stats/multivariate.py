"""Dataset-level two-sample tests on 2-D arrays: rows are observations, columns encoded features.

Inputs must be finite floats with the same number of columns on both sides (encode categories and
scale features before calling). Both tests subsample large inputs with a seeded generator, so
every result is deterministic for a given ``seed``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats as sps

from driftscope._validate import check_int
from driftscope.exceptions import ColumnError, EmptyDataError, invalid_parameter
from driftscope.stats._result import StatResult

__all__ = ["FourierReference", "discriminant_test", "domain_classifier_test", "mmd_rbf"]

FloatArray = NDArray[np.float64]


def _matrix(data: ArrayLike, side: str, owner: str) -> FloatArray:
    try:
        out = np.asarray(data, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ColumnError(
            f"{owner} needs numbers in the {side}. Got {type(data).__name__} that numpy cannot "
            f"turn into floats ({str(error)[:80]})."
        ) from None
    return out[:, np.newaxis] if out.ndim == 1 else out


def _matrices(
    reference: ArrayLike, current: ArrayLike, min_rows: int, owner: str
) -> tuple[FloatArray, FloatArray]:
    ref, cur = _matrix(reference, "reference", owner), _matrix(current, "current", owner)
    if ref.ndim != 2 or cur.ndim != 2 or ref.shape[1] != cur.shape[1]:
        raise ColumnError(
            f"{owner} needs two 2-D arrays with the same number of columns. "
            f"Got shapes {ref.shape} and {cur.shape}."
        )
    for side, data in (("reference", ref), ("current", cur)):
        if data.shape[0] < min_rows:
            raise EmptyDataError(
                f"{owner} needs at least {min_rows} rows in the {side}. Got {data.shape[0]}."
            )
        if not bool(np.isfinite(data).all()):
            raise ColumnError(f"{owner} needs finite values in the {side}. Got NaN or inf.")
    return ref, cur


def _subsample(data: FloatArray, size: int, rng: np.random.Generator) -> FloatArray:
    if data.shape[0] <= size:
        return data
    return data[rng.choice(data.shape[0], size=size, replace=False)]


def _shuffled_pair(
    reference: ArrayLike, current: ArrayLike, max_samples: int, seed: int, owner: str
) -> tuple[FloatArray, FloatArray]:
    """Both sides as matrices of the same number of rows (at most ``max_samples``, at least 4),
    in a seeded random order, for a classifier trained on the first half of each and scored on
    the second. Subsampling shuffles large inputs already; the second shuffle makes small ones
    split at random too."""
    ref, cur = _matrices(reference, current, 4, owner)
    rng = np.random.default_rng(seed)
    size = min(ref.shape[0], cur.shape[0], max_samples)
    ref, cur = _subsample(ref, size, rng), _subsample(cur, size, rng)
    return ref[rng.permutation(size)], cur[rng.permutation(size)]


def mmd_rbf(
    reference: ArrayLike,
    current: ArrayLike,
    *,
    n_permutations: int = 200,
    max_samples: int = 1000,
    n_features: int | None = None,
    seed: int = 0,
) -> StatResult:
    """Maximum mean discrepancy with a Gaussian (RBF) kernel, and a permutation p-value.

    The kernel is ``k(x, y) = exp(-|x - y|^2 / (2 s^2))`` with ``s`` the median Euclidean distance
    between pooled rows (the median heuristic [1]_). The statistic is the *unbiased* estimate of
    MMD^2 (diagonal terms left out), so it is centred on 0 under no drift and can be slightly
    negative. The p-value is ``(1 + #{permuted >= observed}) / (1 + n_permutations)``, over
    seeded relabellings of the pooled rows. Each side is first subsampled to at most
    ``max_samples`` rows.

    The statistic is also the effect size: ``k`` is 1 for identical rows and falls towards 0 for
    rows far apart on the scale of the data, so MMD^2 lies in [0, 2] whatever the units (0: same
    distribution; 2: the two sides share no neighbourhood at all). Rescaling every feature by the
    same factor leaves it unchanged.

    With ``n_features=None`` the kernel matrix is exact: built once, every permutation scored by
    one matrix product (cost grows with the square of the pooled rows). With ``n_features=D`` the
    kernel is approximated by ``D`` random Fourier features [2]_ (``D / 2`` seeded frequencies
    drawn for the same bandwidth, each giving a cosine and a sine), so ``k(x, y)`` is the inner
    product of two feature vectors and a permutation costs ``O(rows * D)`` instead of
    ``O(rows^2)``: several times more rows for the same time. The bandwidth is then the median
    over seeded random pairs of rows instead of all pairs: pairs of the reference rows left out
    of the subsample when the reference has at least ``max_samples + 2`` rows (the reference's
    side of the computation is then independent of current: see `FourierReference`), of the
    pooled rows otherwise. Either way the kernel does not depend on which of the tested rows
    came from which side, so the permutation p-value stays exact.

    Parameters
    ----------
    reference, current
        2-D arrays (rows x features); a 1-D array is one feature.
    n_permutations
        Number of relabellings: the smallest possible p-value is ``1 / (1 + n_permutations)``.
    max_samples
        Rows kept per side.
    n_features
        ``None`` for the exact kernel, or an even number of random Fourier features.
    seed
        Seed of the subsampling, the frequencies and the permutations.

    References
    ----------
    .. [1] Gretton, A., Borgwardt, K. M., Rasch, M. J., Schölkopf, B. and Smola, A. (2012). A
       kernel two-sample test. Journal of Machine Learning Research, 13, 723-773.
    .. [2] Rahimi, A. and Recht, B. (2007). Random features for large-scale kernel machines.
       Advances in Neural Information Processing Systems 20.

    >>> rng = np.random.default_rng(0)
    >>> r = mmd_rbf(rng.normal(size=(200, 3)), rng.normal(0.5, size=(200, 3)))
    >>> r.method, r.statistic > 0, r.p_value
    ('mmd', True, 0.004975124378109453)
    >>> fast = mmd_rbf(rng.normal(size=(2000, 3)), rng.normal(0.2, size=(2000, 3)), n_features=128)
    >>> fast.p_value
    0.004975124378109453
    """
    check_int("mmd_rbf", "n_permutations", n_permutations, low=1)
    check_int("mmd_rbf", "max_samples", max_samples, low=2)
    check_int("mmd_rbf", "seed", seed, low=0)
    if n_features is not None:
        check_int("mmd_rbf", "n_features", n_features, low=2)
        if n_features % 2:
            raise invalid_parameter("mmd_rbf", "n_features", "an even int or None", n_features)
    ref, cur = _matrices(reference, current, 2, "mmd_rbf")
    if n_features is not None:
        side = FourierReference.build(
            ref, max_samples=max_samples, n_features=int(n_features), seed=seed
        )
        if side is not None:
            return side.test(cur, n_permutations=n_permutations)
    rng = np.random.default_rng(seed)
    ref, cur = _subsample(ref, max_samples, rng), _subsample(cur, max_samples, rng)
    n, m = ref.shape[0], cur.shape[0]
    pooled = np.vstack([ref, cur])
    # Center first: it does not change distances and keeps the Gram-matrix trick accurate.
    pooled -= pooled.mean(axis=0)
    if n_features is None:
        statistics = _exact_mmd2(pooled, n)
    else:
        statistics = _fourier_mmd2(pooled, n, int(n_features), rng)
    if statistics is None:
        return StatResult("mmd", 0.0, 1.0)
    dtype = np.float64 if n_features is None else np.float32
    return _permutation_result(statistics(_labellings(n, m, n_permutations, seed, dtype)))


def _permutation_result(scores: FloatArray) -> StatResult:
    """The statistic (column 0: the observed labelling) and its permutation p-value."""
    # Column 0 goes through exactly the arithmetic of the relabellings, so a relabelling equal
    # to it compares equal.
    observed = float(scores[0])
    bar = observed - 1e-10 * abs(observed) - 1e-15
    extreme = int(np.count_nonzero(scores[1:] >= bar))
    return StatResult("mmd", observed, (1 + extreme) / (1 + scores.size - 1))


_Statistics = Callable[[NDArray[np.floating[Any]]], FloatArray]


@functools.lru_cache(maxsize=8)
def _labellings(
    n: int, m: int, n_permutations: int, seed: int, dtype: type[np.floating[Any]] = np.float64
) -> NDArray[np.floating[Any]]:
    """(n + m, 1 + n_permutations) 0/1 columns: the observed labelling (first n rows are the
    reference), then seeded relabellings.

    They come from their own stream (``default_rng([seed, 1])``), independent of the data, so the
    same sizes and seed give the same matrix: it is built once and reused by every window or
    chunk of a run (read-only; about 3 MB for 2 x 2,000 rows).
    """
    labels = np.zeros(n + m)
    labels[:n] = 1.0
    rng = np.random.default_rng([seed, 1])
    permuted = rng.permuted(np.tile(labels, (n_permutations, 1)), axis=1)
    columns = np.ascontiguousarray(np.vstack([labels, permuted]).T, dtype=dtype)
    columns.setflags(write=False)
    return columns


def _unbiased(
    n: int, m: int, within_ref: FloatArray, ref_all: FloatArray, grand: float
) -> FloatArray:
    """Unbiased MMD^2 per labelling from the kernel sums (diagonal already left out).

    ``within_ref`` sums k over pairs inside the rows labelled reference, ``ref_all`` over pairs
    with the first row labelled reference, ``grand`` over all pairs.
    """
    between = ref_all - within_ref
    within_cur = grand - 2.0 * ref_all + within_ref
    stat: FloatArray = (
        within_ref / (n * (n - 1)) + within_cur / (m * (m - 1)) - 2.0 * between / (n * m)
    )
    return stat


def _bandwidth(distances: FloatArray) -> float | None:
    """The median heuristic; the mean distance between distinct rows when most rows repeat."""
    bandwidth = float(np.median(distances))
    if bandwidth > 0.0:
        return bandwidth
    positive = distances[distances > 0]
    return float(np.mean(positive)) if positive.size else None


def _exact_mmd2(pooled: FloatArray, n: int) -> _Statistics | None:
    total = pooled.shape[0]
    m = total - n
    sq_norms = np.einsum("ij,ij->i", pooled, pooled)
    sq_dist = sq_norms[:, np.newaxis] + sq_norms[np.newaxis, :] - 2.0 * (pooled @ pooled.T)
    np.maximum(sq_dist, 0.0, out=sq_dist)
    bandwidth = _bandwidth(np.sqrt(sq_dist[np.triu_indices(total, k=1)]))
    if bandwidth is None:
        return None
    kernel = np.exp(sq_dist / (-2.0 * bandwidth**2))
    np.fill_diagonal(kernel, 0.0)
    row_sums = kernel.sum(axis=1)
    grand = float(row_sums.sum())

    def statistics(in_reference: NDArray[np.floating[Any]]) -> FloatArray:
        # in_reference: (total, B) 0/1 columns marking which rows are labelled reference.
        within_ref = np.einsum("ib,ib->b", in_reference, kernel @ in_reference)
        return _unbiased(n, m, within_ref, row_sums @ in_reference, grand)

    return statistics


# Pairs of pooled rows whose distances set the bandwidth of the random-feature kernel: the
# median of 10,000 distances is within about 2% of the median of all of them.
_BANDWIDTH_PAIRS = 10_000


def _pair_bandwidth(rows: FloatArray, rng: np.random.Generator) -> float | None:
    """The median distance between seeded random pairs of rows; when every sampled pair is a
    repeated row, the root mean squared distance between two rows, sqrt(2 * total variance),
    which is 0 (None) only when all rows are equal."""
    total = rows.shape[0]
    first = rng.integers(0, total, size=_BANDWIDTH_PAIRS)
    second = rng.integers(0, total, size=_BANDWIDTH_PAIRS)
    distinct = first != second
    gaps = rows[first[distinct]] - rows[second[distinct]]
    bandwidth = _bandwidth(np.sqrt(np.einsum("ij,ij->i", gaps, gaps)))
    if bandwidth is None:
        spread = math.sqrt(2.0 * float(rows.var(axis=0).sum()))
        return spread if spread > 0.0 else None
    return bandwidth


def _fourier_features(rows: FloatArray, frequencies: FloatArray) -> NDArray[np.float32]:
    # float32 from here: cos and sin and the products are several times faster, and an error of
    # 1e-7 in a feature is far below the permutation null's spread.
    angles = (rows @ frequencies).astype(np.float32)
    features = np.hstack([np.cos(angles), np.sin(angles)])
    features *= np.float32(math.sqrt(1.0 / frequencies.shape[1]))
    return features


def _fourier_mmd2(
    pooled: FloatArray, n: int, n_features: int, rng: np.random.Generator
) -> _Statistics | None:
    total = pooled.shape[0]
    m = total - n
    bandwidth = _pair_bandwidth(pooled, rng)
    if bandwidth is None:
        return None
    frequencies = rng.normal(scale=1.0 / bandwidth, size=(pooled.shape[1], n_features // 2))
    features = _fourier_features(pooled, frequencies)
    # k(x, y) = <phi(x), phi(y)>. Centring phi leaves every unbiased MMD^2 unchanged (it adds
    # f(x) + f(y) + c to the kernel, which cancels) and keeps the sums below small and exact.
    features -= features.mean(axis=0, dtype=np.float64).astype(np.float32)
    diagonal = np.einsum("ij,ij->i", features, features, dtype=np.float64)
    column_sums = features.sum(axis=0, dtype=np.float64)
    grand = float(column_sums @ column_sums - diagonal.sum())

    def statistics(in_reference: NDArray[np.floating[Any]]) -> FloatArray:
        # (B, D): feature sums over the rows labelled reference, then in float64. One BLAS
        # thread: the product is small, and the caller runs other work beside it.
        with _threadpools("blas").limit(limits=1):
            sums = (in_reference.T @ features).astype(np.float64)
        on_diagonal = diagonal @ in_reference
        within_ref = np.einsum("bd,bd->b", sums, sums) - on_diagonal
        ref_all = sums @ column_sums - on_diagonal
        return _unbiased(n, m, within_ref, ref_all, grand)

    return statistics


class FourierReference:
    """The reference side of the random-feature MMD, computed once for many current samples.

    Used by `mmd_rbf` (``n_features`` set) when the reference has more rows than
    ``max_samples``: a seeded subsample of ``max_samples`` rows is tested, and the rows left out
    set the kernel's bandwidth (the median distance between random pairs of them). The kernel
    then owes nothing to the rows tested, so the permutation p-value stays exact, and the
    reference's features and their sums over every relabelling are computed once: a current
    sample costs its own features and half the products.
    """

    def __init__(
        self,
        rows: FloatArray,
        centre: FloatArray,
        frequencies: FloatArray,
        n_features: int,
        seed: int,
    ) -> None:
        self.n_features = n_features
        self.seed = seed
        self.centre = centre
        self.frequencies = frequencies
        features = _fourier_features(rows - centre, frequencies)
        # Centred on the reference's mean feature: any constant shift of phi leaves every
        # unbiased MMD^2 unchanged, and this one keeps the sums small for both sides.
        self.shift = features.mean(axis=0, dtype=np.float64).astype(np.float32)
        features -= self.shift
        self.features = features
        self.diagonal = np.einsum("ij,ij->i", features, features, dtype=np.float64)
        self.column_sums = features.sum(axis=0, dtype=np.float64)
        self._sums: dict[tuple[int, int], tuple[FloatArray, FloatArray]] = {}

    @property
    def n(self) -> int:
        return int(self.features.shape[0])

    @classmethod
    def build(
        cls, reference: FloatArray, *, max_samples: int, n_features: int, seed: int
    ) -> FourierReference | None:
        """None when the reference has too few rows beyond ``max_samples`` to set the
        bandwidth (the caller then takes it from the pooled rows), or when those are all
        equal."""
        if reference.shape[0] < max_samples + 2:
            return None
        rng = np.random.default_rng(seed)
        chosen = np.zeros(reference.shape[0], dtype=bool)
        chosen[rng.choice(reference.shape[0], size=max_samples, replace=False)] = True
        spare = reference[~chosen]
        centre = spare.mean(axis=0)
        bandwidth = _pair_bandwidth(spare - centre, rng)
        if bandwidth is None:
            return None
        frequencies = rng.normal(scale=1.0 / bandwidth, size=(reference.shape[1], n_features // 2))
        return cls(reference[chosen], centre, frequencies, n_features, seed)

    def _reference_sums(self, m: int, n_permutations: int) -> tuple[FloatArray, FloatArray]:
        """(B, D) feature sums and (B,) diagonal sums over the reference rows labelled
        reference, per relabelling; they depend on ``m`` only through the relabellings."""
        key = (m, n_permutations)
        found = self._sums.get(key)
        if found is None:
            labels = _labellings(self.n, m, n_permutations, self.seed, np.float32)[: self.n]
            with _threadpools("blas").limit(limits=1):
                sums = (labels.T @ self.features).astype(np.float64)
            found = (sums, self.diagonal @ labels)
            # Benign race: two threads may both compute the same sums.
            self._sums[key] = found
        return found

    def test(self, current: FloatArray, *, n_permutations: int = 200) -> StatResult:
        """MMD^2 between the prepared reference rows and ``current`` (subsampled to the same
        number of rows at most), with its permutation p-value."""
        # One BLAS thread: the products are small, and on a busy machine a pool of BLAS threads
        # makes them several times slower; the caller runs other work beside this.
        with _threadpools("blas").limit(limits=1):
            return self._test(current, n_permutations)

    def _test(self, current: FloatArray, n_permutations: int) -> StatResult:
        rng = np.random.default_rng([self.seed, 2])
        cur = _subsample(current, self.n, rng)
        n, m = self.n, cur.shape[0]
        features = _fourier_features(cur - self.centre, self.frequencies)
        features -= self.shift
        diagonal = np.einsum("ij,ij->i", features, features, dtype=np.float64)
        column_sums = self.column_sums + features.sum(axis=0, dtype=np.float64)
        grand = float(column_sums @ column_sums - self.diagonal.sum() - diagonal.sum())
        ref_sums, ref_diagonal = self._reference_sums(m, n_permutations)
        labels = _labellings(n, m, n_permutations, self.seed, np.float32)[n:]
        sums = ref_sums + (labels.T @ features).astype(np.float64)
        on_diagonal = ref_diagonal + diagonal @ labels
        within_ref = np.einsum("bd,bd->b", sums, sums) - on_diagonal
        ref_all = sums @ column_sums - on_diagonal
        return _permutation_result(_unbiased(n, m, within_ref, ref_all, grand))


# The domain classifier on tables: many small trees. Its cost is mostly scikit-learn's Python
# work per tree node, so 25 trees of 6 leaves (125 splits) cost a quarter of 50 trees of 15
# leaves, and on seeded simulations (15 features, 2 x 5,000 rows: one mean moved 0.1 sd, all
# means moved 0.04 sd, one sd x1.2, a correlation of 0.5 appearing, a category) they reject at
# least as often at the same false-alarm rate: small additive trees suit the small shifts of a
# few columns. 125 splits cannot look at many more features than that: on 256-dimensional
# embeddings they lost power (up to 64 dimensions they did not), so wider inputs keep the larger
# model. Seeded rejection rates for both: benchmarks/RESULTS.md.
_SMALL_MODEL_MAX_FEATURES = 64
_SMALL_MODEL: dict[str, Any] = {
    "max_iter": 25,
    "learning_rate": 0.2,
    "max_leaf_nodes": 6,
    "max_bins": 64,
    "early_stopping": False,
}
_WIDE_MODEL: dict[str, Any] = {
    "max_iter": 50,
    "learning_rate": 0.1,
    "max_leaf_nodes": 15,
    "early_stopping": False,
}


def _min_leaf(half: int) -> int:
    """Rows a leaf needs: 50 from 2,500 training rows a side (a leaf then holds 1% of them),
    fewer on small samples so that a few dozen rows can still be split."""
    return min(50, max(5, half // 25))


@functools.cache
def _threadpools(user_api: str) -> Any:
    """A controller of the thread pools loaded now; finding them takes milliseconds, so once.

    The OpenMP runtime is the one scikit-learn's trees bring, so it is imported first: a
    controller made before it is loaded would not see it and would limit nothing.
    """
    if user_api == "openmp":
        import sklearn.ensemble  # noqa: F401
    from threadpoolctl import ThreadpoolController  # type: ignore[import-untyped]

    return ThreadpoolController().select(user_api=user_api)


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
    other half is scored. Up to 64 features the model is 25 trees of at most 6 leaves (learning
    rate 0.2, 64 bins a feature, 50 rows a leaf or fewer on small samples); wider inputs, such
    as embeddings, get 50 trees of at most 15 leaves (learning rate 0.1, scikit-learn's other
    defaults). The p-value is the one-sided Mann-Whitney U
    test that held-out current rows score higher than held-out reference rows; it is valid
    because the held-out rows played no part in training.

    The statistic, the held-out ROC-AUC, is also the effect size: the probability that the model
    ranks a random current row above a random reference row. 0.5 means the model cannot tell the
    sides apart, 1.0 that every current row looks unlike every reference row; it does not depend
    on the units, and it does not grow with the sample size (more rows only make it more exact).

    Needs at least 4 rows per side; scikit-learn is imported on first use. Training runs on one
    OpenMP thread (about 0.03 s for 2 x 5,000 rows of 15 features, 0.1 s for the wide model).

    References
    ----------
    .. [1] Lopez-Paz, D. and Oquab, M. (2017). Revisiting classifier two-sample tests.
       International Conference on Learning Representations.

    >>> rng = np.random.default_rng(0)
    >>> r = domain_classifier_test(rng.normal(size=(500, 3)), rng.normal(0.5, size=(500, 3)))
    >>> r.method, r.statistic > 0.6, r.p_value < 0.01
    ('domain_classifier', True, True)
    """
    check_int("domain_classifier_test", "max_samples", max_samples, low=4)
    check_int("domain_classifier_test", "seed", seed, low=0)
    ref, cur = _shuffled_pair(reference, current, max_samples, seed, "domain_classifier_test")
    from sklearn.ensemble import HistGradientBoostingClassifier

    half = ref.shape[0] // 2
    train = np.vstack([ref[:half], cur[:half]])
    target = np.repeat([0, 1], half)
    if ref.shape[1] <= _SMALL_MODEL_MAX_FEATURES:
        params = {**_SMALL_MODEL, "min_samples_leaf": _min_leaf(half)}
    else:
        params = _WIDE_MODEL
    model = HistGradientBoostingClassifier(**params, random_state=seed)
    # One OpenMP thread: the model is small, and on a busy machine OpenMP's spinning threads
    # make it tens of times slower. Parallelism belongs to the caller (across columns, tests).
    with _threadpools("openmp").limit(limits=1):
        model.fit(train, target)
        ref_scores = model.predict_proba(ref[half:])[:, 1]
        cur_scores = model.predict_proba(cur[half:])[:, 1]
    test = sps.mannwhitneyu(cur_scores, ref_scores, alternative="greater")
    auc = float(test.statistic) / (cur_scores.size * ref_scores.size)
    p_value = float(test.pvalue)
    if math.isnan(p_value):
        p_value = 1.0
    return StatResult("domain_classifier", auc, p_value)


# The discriminant of `discriminant_test`: how many of the candidate features it keeps, how far
# it shrinks their covariance towards a multiple of the identity, and where it clips the inputs.
DISCRIMINANT_FEATURES = 5
DISCRIMINANT_SHRINKAGE = 0.1
_CLIP = 5.0


def _moments(
    x: FloatArray, first: NDArray[np.intp], second: NDArray[np.intp]
) -> tuple[FloatArray, FloatArray]:
    """Mean and variance of every candidate feature (the columns, then the products of the
    column pairs ``first[k] <= second[k]``) from Gram matrices, without building them."""
    n = x.shape[0]
    squares = x * x
    gram = (x.T @ x) / n
    fourth = (squares.T @ squares) / n
    products = gram[first, second]
    means = np.concatenate([x.mean(axis=0), products])
    variances = np.concatenate([x.var(axis=0), np.maximum(fourth[first, second] - products**2, 0)])
    return means, variances


def _candidates(
    x: FloatArray, chosen: NDArray[np.intp], first: NDArray[np.intp], second: NDArray[np.intp]
) -> FloatArray:
    d = x.shape[1]
    columns = [x[:, k] if k < d else x[:, first[k - d]] * x[:, second[k - d]] for k in chosen]
    return np.column_stack(columns)


def discriminant_test(
    reference: ArrayLike,
    current: ArrayLike,
    *,
    max_samples: int = 5000,
    n_features: int = DISCRIMINANT_FEATURES,
    seed: int = 0,
) -> StatResult:
    """Classifier two-sample test with a small quadratic discriminant: can a linear rule on a few
    features, their squares and their products tell current rows from reference rows?

    Each side is subsampled to the same number of rows (at most ``max_samples``) and shuffled;
    a seeded half of each is the training set. The inputs are clipped to [-5, 5] (they are
    expected standardized, as `driftscope.compare` encodes them). The candidate features are
    the ``d`` columns and the ``d (d + 1) / 2`` squares and pairwise products: a moved mean shows
    in a column, a changed spread in a square, a new correlation in a product. On the training
    halves, the ``n_features`` candidates whose means differ most (Welch t statistic) are kept,
    and a linear discriminant (the pooled within-side covariance shrunk by 0.1 towards a multiple
    of the identity, as scikit-learn's ``LinearDiscriminantAnalysis(solver="lsqr",
    shrinkage=0.1)``) scores the held-out rows. The p-value is the one-sided Mann-Whitney U test
    that held-out current rows score higher than held-out reference rows; it is valid because
    the held-out rows played no part in choosing the features or the rule.

    The statistic, the held-out ROC-AUC, is the effect size, read as for
    `domain_classifier_test` (0.5: indistinguishable; 1.0: the sides never overlap). The work is
    a few small matrix products: about 2 ms for 2 x 5,000 rows of 15 features, where the
    gradient-boosted trees of `domain_classifier_test` take about 25 ms. On seeded tables of 10
    numerical and 5 categorical columns it rejects at least as often as those trees on a moved
    mean, a new correlation or moved category shares, a little less often on a changed spread
    (benchmarks/RESULTS.md). It sees only what a quadratic rule on a few features can: a change
    spread thinly over many columns, or one only a deep interaction shows, is for the MMD.

    References
    ----------
    .. [1] Lopez-Paz, D. and Oquab, M. (2017). Revisiting classifier two-sample tests.
       International Conference on Learning Representations.

    >>> rng = np.random.default_rng(0)
    >>> r = discriminant_test(rng.normal(size=(500, 3)), rng.normal(0.5, size=(500, 3)))
    >>> r.method, r.statistic > 0.6, r.p_value < 0.01
    ('domain_classifier', True, True)
    """
    check_int("discriminant_test", "max_samples", max_samples, low=4)
    check_int("discriminant_test", "n_features", n_features, low=1)
    check_int("discriminant_test", "seed", seed, low=0)
    ref, cur = _shuffled_pair(reference, current, max_samples, seed, "discriminant_test")
    ref, cur = np.clip(ref, -_CLIP, _CLIP), np.clip(cur, -_CLIP, _CLIP)
    half = ref.shape[0] // 2
    first, second = np.triu_indices(ref.shape[1])
    with _threadpools("blas").limit(limits=1):
        ref_means, ref_vars = _moments(ref[:half], first, second)
        cur_means, cur_vars = _moments(cur[:half], first, second)
        spread = np.sqrt((ref_vars + cur_vars) / half)
        gap = np.abs(cur_means - ref_means)
        # A candidate constant on both sides tells nothing; one that differs while constant
        # within each side tells everything.
        welch = np.where(
            spread > 0, gap / np.where(spread > 0, spread, 1.0), np.where(gap > 0, np.inf, 0.0)
        )
        chosen = np.argsort(-welch, kind="stable")[: min(n_features, welch.size)]
        r, c = _candidates(ref, chosen, first, second), _candidates(cur, chosen, first, second)
        ref_mean, cur_mean = r[:half].mean(axis=0), c[:half].mean(axis=0)
        ref_centred, cur_centred = r[:half] - ref_mean, c[:half] - cur_mean
        within = (ref_centred.T @ ref_centred + cur_centred.T @ cur_centred) / (2 * half)
        scale = float(np.trace(within)) / within.shape[0]
        shrunk = (1 - DISCRIMINANT_SHRINKAGE) * within + DISCRIMINANT_SHRINKAGE * scale * np.eye(
            within.shape[0]
        )
        direction = cur_mean - ref_mean
        weights = np.linalg.lstsq(shrunk, direction, rcond=None)[0] if scale > 0 else direction
        ref_scores, cur_scores = r[half:] @ weights, c[half:] @ weights
    test = sps.mannwhitneyu(cur_scores, ref_scores, alternative="greater")
    auc = float(test.statistic) / (cur_scores.size * ref_scores.size)
    p_value = float(test.pvalue)
    if math.isnan(p_value):
        p_value = 1.0
    return StatResult("domain_classifier", auc, p_value)
