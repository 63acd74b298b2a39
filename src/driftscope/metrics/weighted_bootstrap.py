"""Bootstrap intervals for many metrics at once, from shared resample counts.

A bootstrap resample of rows is fully described by how many times it draws each row. Drawing
those counts once, as a (resamples x rows) matrix, and writing each metric as a function of the
counts (sums become matrix products, ranks become cumulative sums over a pre-sorted order) scores
every resample of every metric without a Python call per resample. Beyond ``max_rows`` rows a
seeded subsample of ``max_rows`` rows is resampled and the spread rescaled by sqrt(m / n) (the
m-out-of-n bootstrap, for root-n statistics such as these), as in `bootstrap_ci`.

The statistics here agree with the plain functions when every count is 1 (tested).

A statistic may be undefined on some resamples (ROC-AUC when a resample holds one class only,
which happens with a handful of rows): those resamples are left out, and when they are more than
`MAX_UNDEFINED_SHARE` of all, the interval is not given (its ends are NaN), since an interval
conditioned on the rare resamples that can be scored says little. Statistics biased by the
sample size (the calibration error grows as rows get fewer, and a bootstrap resample repeats
rows) can be ``centred``: their resamples are shifted so their mean is the estimate, the
bootstrap's bias correction, so the interval sits around the estimate instead of above it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from driftscope.metrics.bootstrap import ConfidenceInterval, _interval

__all__ = [
    "MAX_UNDEFINED_SHARE",
    "CountResamples",
    "average_precision_from_counts",
    "ece_from_counts",
    "ece_of_rows",
    "mean_from_counts",
    "roc_auc_from_counts",
]

FloatArray = NDArray[np.float64]
# Cells of the count matrix per block: small enough (512 KB) that the temporaries of each
# statistic are recycled by the allocator instead of page-faulted afresh.
_BLOCK_CELLS = 65_536
# Beyond this share of resamples on which a statistic is undefined, it gets no interval.
MAX_UNDEFINED_SHARE = 0.05


@dataclass(frozen=True)
class CountResamples:
    """Resample counts over a pool of rows, drawn once and shared by every metric.

    ``pool`` are the row positions resampled (all rows, or a seeded subsample of ``max_rows``);
    `blocks` yields count matrices of shape (block, len(pool)), the same ones on every call.
    """

    pool: NDArray[np.int64]
    n_rows: int
    n_resamples: int
    seed: int

    @classmethod
    def draw(
        cls, n_rows: int, *, n_resamples: int = 1000, seed: int = 0, max_rows: int = 5_000
    ) -> CountResamples:
        rng = np.random.default_rng(seed)
        if n_rows <= max_rows:
            pool = np.arange(n_rows, dtype=np.int64)
        else:
            pool = np.sort(rng.choice(n_rows, size=max_rows, replace=False)).astype(np.int64)
        return cls(pool, n_rows, n_resamples, seed)

    @property
    def scale(self) -> float:
        return math.sqrt(self.pool.size / self.n_rows)

    @property
    def method(self) -> str:
        return "percentile" if self.pool.size == self.n_rows else "m_out_of_n_percentile"

    def blocks(self) -> Iterator[FloatArray]:
        m = self.pool.size
        rng = np.random.default_rng([self.seed, 1])
        per_block = max(1, _BLOCK_CELLS // max(m, 1))
        done = 0
        while done < self.n_resamples:
            b = min(per_block, self.n_resamples - done)
            draws = rng.integers(0, m, size=(b, m))
            draws += (np.arange(b) * m)[:, None]
            counts = np.bincount(draws.ravel(), minlength=b * m).reshape(b, m)
            yield counts.astype(np.float64)
            done += b

    def interval(
        self,
        statistic: Callable[[FloatArray], FloatArray],
        estimate: float,
        confidence: float = 0.95,
        owner: str = "bootstrap",
    ) -> ConfidenceInterval:
        """Percentile interval of ``statistic(counts) -> one value per resample``."""
        return self.intervals({owner: (statistic, estimate)}, confidence)[owner]

    def intervals(
        self,
        statistics: Mapping[str, tuple[Callable[[FloatArray], FloatArray], float]],
        confidence: float = 0.95,
        centred: Collection[str] = (),
    ) -> dict[str, ConfidenceInterval]:
        """Intervals of several statistics (name -> (statistic, estimate)), drawing each block
        of counts once for all of them. Resamples a statistic is undefined on (NaN) are left out
        (see the module notes); the statistics named in ``centred`` have their resamples
        centred on the estimate."""
        replicates: dict[str, list[FloatArray]] = {name: [] for name in statistics}
        for block in self.blocks():
            for name, (statistic, _) in statistics.items():
                # Undefined resamples divide by zero: counted below, not warned about.
                with np.errstate(invalid="ignore", divide="ignore"):
                    replicates[name].append(statistic(block))
        return {
            name: self._interval(
                name, estimate, np.concatenate(replicates[name]), confidence, name in centred
            )
            for name, (_, estimate) in statistics.items()
        }

    def _interval(
        self, name: str, estimate: float, values: FloatArray, confidence: float, centred: bool
    ) -> ConfidenceInterval:
        finite = np.isfinite(values)
        n_undefined = int(values.size - np.count_nonzero(finite))
        if n_undefined > MAX_UNDEFINED_SHARE * values.size or not math.isfinite(estimate):
            nan = math.nan
            return ConfidenceInterval(
                estimate, nan, nan, confidence, values.size - n_undefined, self.method, n_undefined
            )
        values = values[finite]
        if centred:
            values = values - (values.mean() - estimate)
        found = _interval(name, estimate, values, confidence, self.method, self.scale)
        return replace(found, n_undefined=n_undefined)


def mean_from_counts(values: FloatArray) -> Callable[[FloatArray], FloatArray]:
    """Weighted mean of per-row values (log loss, Brier score, absolute error, ...)."""
    v = np.asarray(values, dtype=np.float64)

    def stat(counts: FloatArray) -> FloatArray:
        result: FloatArray = (counts @ v) / counts.sum(axis=1)
        return result

    return stat


def _groups(scores: FloatArray) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Sort order of ``scores`` and the start of each run of equal scores in it."""
    order = np.argsort(scores, kind="stable")
    ordered = scores[order]
    starts = np.flatnonzero(np.concatenate([[True], ordered[1:] != ordered[:-1]]))
    return order.astype(np.int64), starts.astype(np.int64)


def roc_auc_from_counts(
    positive: NDArray[np.bool_], scores: FloatArray
) -> Callable[[FloatArray], FloatArray]:
    """ROC-AUC of ``scores`` for the ``positive`` rows, ties counted half (Mann-Whitney U)."""
    order, starts = _groups(np.asarray(scores, dtype=np.float64))
    pos = np.asarray(positive, dtype=np.float64)[order]
    neg = 1.0 - pos

    distinct = starts.size == order.size

    def stat(counts: FloatArray) -> FloatArray:
        c = counts[:, order]
        if distinct:  # no ties: every row is its own group, no reduction needed
            pos_g, neg_g = c * pos, c * neg
        else:
            pos_g = np.add.reduceat(c * pos, starts, axis=1)
            neg_g = np.add.reduceat(c * neg, starts, axis=1)
        below = np.cumsum(neg_g, axis=1) - neg_g
        u = np.sum(pos_g * (below + 0.5 * neg_g), axis=1)
        n_pos, n_neg = pos_g.sum(axis=1), neg_g.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):  # NaN: a resample of one class
            result: FloatArray = u / (n_pos * n_neg)
        return result

    return stat


def average_precision_from_counts(
    positive: NDArray[np.bool_], scores: FloatArray
) -> Callable[[FloatArray], FloatArray]:
    """Average precision (step-wise PR-AUC, as scikit-learn's), thresholds at distinct scores."""
    order, starts = _groups(-np.asarray(scores, dtype=np.float64))
    pos = np.asarray(positive, dtype=np.float64)[order]
    neg = 1.0 - pos

    distinct = starts.size == order.size

    def stat(counts: FloatArray) -> FloatArray:
        c = counts[:, order]
        if distinct:
            tp_g, fp_g = c * pos, c * neg
        else:
            tp_g = np.add.reduceat(c * pos, starts, axis=1)
            fp_g = np.add.reduceat(c * neg, starts, axis=1)
        tp, fp = np.cumsum(tp_g, axis=1), np.cumsum(fp_g, axis=1)
        total = tp[:, -1:]
        with np.errstate(invalid="ignore", divide="ignore"):
            precision = np.where(tp + fp > 0, tp / (tp + fp), 0.0)
            # NaN: a resample without positives.
            result: FloatArray = np.sum(tp_g * precision, axis=1) / total[:, 0]
        return result

    return stat


def _ece_bins(
    confidence: FloatArray, correct: FloatArray, n_bins: int
) -> tuple[NDArray[np.intp], FloatArray]:
    """Each row's bin on ``confidence`` and its gap ``confidence - correct``."""
    conf = np.asarray(confidence, dtype=np.float64)
    # Right-closed bins (a, b] and [0, b], scikit-learn's rule, as `reliability_curve`.
    bins = np.searchsorted(np.linspace(0.0, 1.0, n_bins + 1)[1:-1], conf, side="left")
    return bins, conf - np.asarray(correct, dtype=np.float64)


def ece_from_counts(
    confidence: FloatArray, correct: FloatArray, n_bins: int = 10
) -> Callable[[FloatArray], FloatArray]:
    """Expected calibration error with equal-width bins on ``confidence`` (as
    `expected_calibration_error`): sum over bins of |sum(confidence) - sum(correct)| / n."""
    bins, gaps = _ece_bins(confidence, correct, n_bins)
    onehot = np.zeros((bins.size, n_bins))
    onehot[np.arange(bins.size), bins] = 1.0
    gap = onehot * gaps[:, None]

    def stat(counts: FloatArray) -> FloatArray:
        result: FloatArray = np.abs(counts @ gap).sum(axis=1) / counts.sum(axis=1)
        return result

    return stat


def ece_of_rows(
    confidence: FloatArray, correct: FloatArray, n_bins: int = 10
) -> Callable[[NDArray[np.int64]], float]:
    """The calibration error of `ece_from_counts` on a subset of rows given by their positions
    (each counted once): for many subsamples of a large table, without a count per row."""
    bins, gaps = _ece_bins(confidence, correct, n_bins)

    def stat(rows: NDArray[np.int64]) -> float:
        sums = np.bincount(bins[rows], weights=gaps[rows], minlength=n_bins)
        return float(np.abs(sums).sum() / rows.size)

    return stat
