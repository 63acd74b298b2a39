"""Pure numerics: two-sample tests and distances on numpy arrays, returning frozen results.

Numerical tests and distances take two samples or a `SortedPair` (`driftscope.stats.numerical`);
categorical ones take aligned category counts (`driftscope.stats.categorical`); dataset-level
tests take 2-D arrays (`driftscope.stats.multivariate`, which imports scikit-learn lazily).
`METHODS` maps each method name to a `MethodInfo` saying how to run and judge it.

The five distances that exist for both kinds (PSI, Jensen-Shannon, KL, Hellinger, total
variation) share their names, so they are reached through their module, e.g.
``driftscope.stats.numerical.population_stability_index``.
"""

from driftscope.stats import categorical, multivariate, numerical
from driftscope.stats._ecdf import SortedPair
from driftscope.stats._registry import METHODS, MethodInfo, get_method
from driftscope.stats._result import StatResult
from driftscope.stats.categorical import (
    chi2_homogeneity,
    cramers_v,
    fisher_exact,
    g_test,
    two_proportion_z_test,
)
from driftscope.stats.multivariate import discriminant_test, domain_classifier_test, mmd_rbf
from driftscope.stats.numerical import (
    anderson_ksamp,
    cramervonmises_2samp,
    energy_distance,
    epps_singleton,
    ks_2samp,
    mann_whitney_u,
    wasserstein_distance,
    welch_t,
)

__all__ = [
    "METHODS",
    "MethodInfo",
    "SortedPair",
    "StatResult",
    "anderson_ksamp",
    "categorical",
    "chi2_homogeneity",
    "cramers_v",
    "cramervonmises_2samp",
    "discriminant_test",
    "domain_classifier_test",
    "energy_distance",
    "epps_singleton",
    "fisher_exact",
    "g_test",
    "get_method",
    "ks_2samp",
    "mann_whitney_u",
    "mmd_rbf",
    "multivariate",
    "numerical",
    "two_proportion_z_test",
    "wasserstein_distance",
    "welch_t",
]
