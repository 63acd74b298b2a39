"""Pure numerics: two-sample tests and distances on numpy arrays, returning frozen results."""

from driftscope.stats._ecdf import SortedPair
from driftscope.stats._result import StatResult
from driftscope.stats.numerical import ks_2samp, wasserstein_distance

__all__ = ["SortedPair", "StatResult", "ks_2samp", "wasserstein_distance"]
