"""Two-sample tests and distances for numerical samples.

Every function takes a reference and a current sample (any order; finite values only) and returns
a `StatResult`. Functions built on the empirical CDFs also accept a `SortedPair`, so an analysis
that runs several of them sorts and merges each column once.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats as sps

from driftscope.stats._ecdf import SortedPair
from driftscope.stats._result import StatResult

__all__ = ["ks_2samp", "wasserstein_distance"]

# scipy's ks_2samp computes the exact null distribution up to this size, asymptotic beyond it.
_KS_EXACT_MAX_N = 10_000


def _pair(reference: ArrayLike | SortedPair, current: ArrayLike | None) -> SortedPair:
    if isinstance(reference, SortedPair):
        return reference
    if current is None:
        raise TypeError("Pass either a SortedPair or both a reference and a current sample.")
    return SortedPair.from_samples(reference, current)


def ks_2samp(reference: ArrayLike | SortedPair, current: ArrayLike | None = None) -> StatResult:
    """Two-sided two-sample Kolmogorov-Smirnov test.

    The statistic is the largest gap between the two empirical CDFs. The p-value is exact for
    samples of up to 10,000 values and uses Smirnov's asymptotic distribution beyond, as scipy does.

    >>> rng = np.random.default_rng(0)
    >>> r = ks_2samp(rng.normal(size=500), rng.normal(0.5, size=400))
    >>> round(r.statistic, 3), r.p_value < 0.001
    (0.233, True)
    """
    pair = _pair(reference, current)
    d = float(np.max(np.abs(pair.cdf_reference - pair.cdf_current)))
    n, m = pair.n_reference, pair.n_current
    if max(n, m) <= _KS_EXACT_MAX_N:
        p = float(sps.ks_2samp(pair.reference, pair.current, method="exact").pvalue)
    else:
        en = n * m / (n + m)
        p = float(sps.kstwo.sf(d, np.round(en)))
    return StatResult("ks", d, p)


def wasserstein_distance(
    reference: ArrayLike | SortedPair, current: ArrayLike | None = None, *, normed: bool = True
) -> StatResult:
    """First Wasserstein (earth mover's) distance between the two empirical distributions.

    With ``normed=True`` (the default) it is divided by the reference's standard deviation, so a
    shift of the whole distribution by 0.1 standard deviations scores 0.1, whatever the unit.
    A constant reference (standard deviation 0) falls back to the raw distance.

    >>> round(wasserstein_distance([0.0, 1.0, 3.0], [5.0, 6.0, 8.0], normed=False).statistic, 6)
    5.0
    """
    pair = _pair(reference, current)
    gaps = np.diff(pair.values)
    distance = float(np.dot(np.abs(pair.cdf_reference - pair.cdf_current)[:-1], gaps))
    method = "wasserstein"
    if normed:
        std = pair.reference_std
        if std > 0:
            distance /= std
            method = "wasserstein_normed"
    return StatResult(method, distance)
