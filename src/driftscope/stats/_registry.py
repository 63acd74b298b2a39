"""The registry of two-sample methods: one entry per method name, with how to run and judge it."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from numpy.typing import ArrayLike

from driftscope.exceptions import ParameterError, invalid_parameter
from driftscope.stats import categorical, numerical
from driftscope.stats._ecdf import SortedPair
from driftscope.stats._result import StatResult

__all__ = ["METHODS", "MethodInfo", "UnknownMethodError", "get_method"]

NumericalMethod = Callable[[SortedPair], StatResult]
CategoricalMethod = Callable[[ArrayLike, ArrayLike], StatResult]

NUMERICAL = "numerical"
CATEGORICAL = "categorical"


@dataclass(frozen=True, slots=True)
class MethodInfo:
    """How to run one method and how to read its result.

    Attributes
    ----------
    name
        The registry key, e.g. ``"ks"``.
    kinds
        The column kinds it applies to: ``"numerical"``, ``"categorical"`` or both.
    is_test
        True for tests: drift when ``p_value < threshold``. False for distances: drift when
        ``statistic >= threshold``.
    default_threshold
        The threshold used when the caller gives none.
    numerical
        Runs the method on a `SortedPair`, or None when it does not apply to numerical data.
    categorical
        Runs the method on aligned ``(reference_counts, current_counts)``, or None.

    >>> info = METHODS["psi"]
    >>> info.is_test, info.default_threshold, sorted(info.kinds)
    (False, 0.2, ['categorical', 'numerical'])
    >>> info.drifted(info.categorical([50, 50], [20, 80]))
    True
    """

    name: str
    kinds: frozenset[str]
    is_test: bool
    default_threshold: float
    numerical: NumericalMethod | None = None
    categorical: CategoricalMethod | None = None

    def drifted(self, result: StatResult, threshold: float | None = None) -> bool:
        """Apply the method's decision rule to ``result`` (``default_threshold`` if none given).

        A test with no p-value, or a NaN statistic or p-value, never signals drift.
        """
        limit = self.default_threshold if threshold is None else threshold
        if self.is_test:
            return result.p_value is not None and result.p_value < limit
        return result.statistic >= limit


class UnknownMethodError(ParameterError, KeyError):
    """A method name that is not in the registry (also a KeyError, so `Mapping` methods work)."""

    # KeyError quotes its message; keep the plain sentence.
    __str__ = Exception.__str__


class _Registry(Mapping[str, MethodInfo]):
    """A read-only mapping whose failed lookups name every valid method."""

    def __init__(self, infos: tuple[MethodInfo, ...]) -> None:
        self._infos = {info.name: info for info in infos}

    def __getitem__(self, name: str) -> MethodInfo:
        try:
            return self._infos[name]
        except (KeyError, TypeError):
            valid = ", ".join(repr(key) for key in sorted(self._infos))
            raise UnknownMethodError(
                str(
                    invalid_parameter("driftscope.stats.METHODS", "method", f"one of {valid}", name)
                )
            ) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._infos)

    def __len__(self) -> int:
        return len(self._infos)

    def __repr__(self) -> str:
        return f"METHODS({sorted(self._infos)})"


def _test(
    name: str,
    kinds: tuple[str, ...],
    numerical: NumericalMethod | None = None,
    categorical: CategoricalMethod | None = None,
) -> MethodInfo:
    return MethodInfo(name, frozenset(kinds), True, 0.05, numerical, categorical)


def _distance(
    name: str,
    threshold: float,
    kinds: tuple[str, ...],
    numerical: NumericalMethod | None = None,
    categorical: CategoricalMethod | None = None,
) -> MethodInfo:
    return MethodInfo(name, frozenset(kinds), False, threshold, numerical, categorical)


_BOTH = (NUMERICAL, CATEGORICAL)

#: Every two-sample method by name. Look-ups of unknown names raise `ParameterError`.
METHODS: Mapping[str, MethodInfo] = _Registry(
    (
        _test("ks", (NUMERICAL,), numerical=numerical.ks_2samp),
        _test("cvm", (NUMERICAL,), numerical=numerical.cramervonmises_2samp),
        _test("anderson", (NUMERICAL,), numerical=numerical.anderson_ksamp),
        _test("mann_whitney", (NUMERICAL,), numerical=numerical.mann_whitney_u),
        _test("welch_t", (NUMERICAL,), numerical=numerical.welch_t),
        _test("epps_singleton", (NUMERICAL,), numerical=numerical.epps_singleton),
        _distance("energy", 0.1, (NUMERICAL,), numerical=numerical.energy_distance),
        _distance("wasserstein", 0.1, (NUMERICAL,), numerical=numerical.wasserstein_distance),
        _distance(
            "psi",
            0.2,
            _BOTH,
            numerical=numerical.population_stability_index,
            categorical=categorical.population_stability_index,
        ),
        _distance(
            "jensen_shannon",
            0.1,
            _BOTH,
            numerical=numerical.jensen_shannon_distance,
            categorical=categorical.jensen_shannon_distance,
        ),
        _distance(
            "kl",
            0.1,
            _BOTH,
            numerical=numerical.kl_divergence,
            categorical=categorical.kl_divergence,
        ),
        _distance(
            "hellinger",
            0.1,
            _BOTH,
            numerical=numerical.hellinger_distance,
            categorical=categorical.hellinger_distance,
        ),
        _distance(
            "tv",
            0.1,
            _BOTH,
            numerical=numerical.total_variation_distance,
            categorical=categorical.total_variation_distance,
        ),
        _test("chi2", (CATEGORICAL,), categorical=categorical.chi2_homogeneity),
        _test("g_test", (CATEGORICAL,), categorical=categorical.g_test),
        _test("fisher", (CATEGORICAL,), categorical=categorical.fisher_exact),
        _test("z_test", (CATEGORICAL,), categorical=categorical.two_proportion_z_test),
    )
)


def get_method(name: str) -> MethodInfo:
    """The registry entry for ``name``; a `ParameterError` lists the valid names otherwise.

    >>> get_method("ks").is_test
    True
    >>> get_method("kolmogorov")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    driftscope.stats._registry.UnknownMethodError: The 'method' parameter of ... Got 'kolmogorov'.
    """
    return METHODS[name]
