"""Are there more current rows in categories the reference never saw than chance explains?"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from driftscope.exceptions import ColumnError
from driftscope.stats._result import StatResult

__all__ = ["unseen_categories_test"]

# Bound the memory of one block of resampled tables (values per block).
_BLOCK_VALUES = 4_000_000


def unseen_categories_test(
    reference_counts: ArrayLike,
    current_counts: ArrayLike,
    *,
    n_resamples: int = 2000,
    seed: int = 0,
) -> StatResult:
    """Permutation test of the share of current rows falling in categories absent from reference.

    A column with rare values shows some new categories in any fresh sample, so their mere
    presence is no evidence of drift. Under "same distribution" the pooled rows are exchangeable:
    given the pooled count of each category, the current counts are multivariate hypergeometric.
    The statistic is the number of current rows whose category has no reference row; the p-value
    is ``(1 + #{resampled >= observed}) / (1 + n_resamples)``, valid at any sample size.

    Returns a `StatResult` whose statistic is the observed share of current rows in unseen
    categories.

    >>> r = unseen_categories_test([50, 30, 20, 0], [45, 30, 10, 15])
    >>> round(r.statistic, 2), r.p_value < 0.01
    (0.15, True)
    >>> unseen_categories_test([50, 30, 20], [45, 35, 20]).p_value
    1.0
    """
    ref = np.asarray(reference_counts, dtype=np.int64)
    cur = np.asarray(current_counts, dtype=np.int64)
    if ref.shape != cur.shape or ref.ndim != 1:
        raise ColumnError(
            "reference_counts and current_counts must be 1-D and aligned. "
            f"Got shapes {ref.shape} and {cur.shape}."
        )
    if (ref < 0).any() or (cur < 0).any():
        raise ColumnError("Counts must be >= 0.")
    n_cur = int(cur.sum())
    observed = int(cur[ref == 0].sum())
    if n_cur == 0 or observed == 0:
        return StatResult("unseen_categories", 0.0, 1.0)
    pooled = ref + cur
    used = pooled > 0
    pooled = pooled[used]
    rng = np.random.default_rng(seed)
    block = max(1, _BLOCK_VALUES // pooled.size)
    extreme = 0
    for start in range(0, n_resamples, block):
        size = min(block, n_resamples - start)
        draws = rng.multivariate_hypergeometric(pooled, n_cur, size=size)
        unseen = np.sum(np.where(draws == pooled, draws, 0), axis=1)
        extreme += int(np.count_nonzero(unseen >= observed))
    return StatResult("unseen_categories", observed / n_cur, (1 + extreme) / (1 + n_resamples))
