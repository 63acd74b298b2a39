"""One conformance suite: every registered method goes through the same checks.

Identical samples give no drift at the default threshold, symmetric methods are symmetric, row
(or category) order does not matter, results are seeded, picklable and typed, inputs are never
mutated, and a clear shift is detected. Adding a method to `METHODS` adds it here.
"""

from __future__ import annotations

import math
import pickle
import warnings
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import ArrayLike, NDArray

import driftscope.stats
from driftscope.exceptions import ParameterError
from driftscope.stats import METHODS, MethodInfo, SortedPair, StatResult, get_method

FloatArray = NDArray[np.float64]

NUMERICAL = sorted(name for name, info in METHODS.items() if info.numerical is not None)
CATEGORICAL = sorted(name for name, info in METHODS.items() if info.categorical is not None)
TESTS = {name for name, info in METHODS.items() if info.is_test}

# Statistic unchanged when reference and current swap places.
SYMMETRIC_NUMERICAL = {"ks", "cvm", "anderson", "epps_singleton"}
SYMMETRIC_CATEGORICAL = {"chi2", "g_test", "psi", "jensen_shannon", "hellinger", "tv"}
# Statistic changes sign when they swap.
ANTISYMMETRIC = {"welch_t", "z_test"}
# Methods defined on exactly two categories.
TWO_CATEGORIES = {"fisher", "z_test"}


def numerical_samples(seed: int = 0, shift: float = 0.0) -> tuple[FloatArray, FloatArray]:
    rng = np.random.default_rng(seed)
    # Rounded: a mix of ties and distinct values, so both code paths run.
    return np.round(rng.normal(size=400), 2), np.round(rng.normal(shift, size=300), 2)


def category_counts(name: str, seed: int = 0, drift: bool = False) -> tuple[FloatArray, FloatArray]:
    rng = np.random.default_rng(seed)
    if name in TWO_CATEGORIES:
        shares = np.array([0.5, 0.5])
        drifted = np.array([0.2, 0.8])
    else:
        shares = np.array([0.35, 0.25, 0.2, 0.12, 0.08])
        drifted = np.array([0.1, 0.2, 0.2, 0.2, 0.3])
    ref = rng.multinomial(500, shares).astype(np.float64)
    cur = rng.multinomial(400, drifted if drift else shares).astype(np.float64)
    return ref, cur


def run_numerical(name: str, x: ArrayLike | SortedPair, y: ArrayLike | None = None) -> StatResult:
    fn = METHODS[name].numerical
    assert fn is not None
    pair = x if isinstance(x, SortedPair) else SortedPair.from_samples(x, y)  # type: ignore[arg-type]
    return fn(pair)


def run_categorical(name: str, ref: ArrayLike, cur: ArrayLike) -> StatResult:
    fn = METHODS[name].categorical
    assert fn is not None
    return fn(ref, cur)


def read_only(values: FloatArray) -> FloatArray:
    out = values.copy()
    out.flags.writeable = False
    return out


def check_result(name: str, result: StatResult) -> None:
    info = METHODS[name]
    assert isinstance(result, StatResult)
    assert result.method.startswith(name)
    assert isinstance(result.statistic, float)
    if info.is_test:
        assert result.p_value is not None
        assert 0.0 <= result.p_value <= 1.0
    else:
        assert result.p_value is None
        assert result.statistic >= 0.0


# --- numerical methods ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", NUMERICAL)
def test_numerical_identical_samples_show_no_drift(name: str) -> None:
    x, _ = numerical_samples()
    result = run_numerical(name, x, x.copy())
    check_result(name, result)
    assert not METHODS[name].drifted(result)
    if METHODS[name].is_test:
        assert result.p_value is not None
        assert result.p_value >= 0.25  # Anderson-Darling's p-value is capped at 0.25
    else:
        assert result.statistic == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("name", NUMERICAL)
def test_numerical_clear_shift_is_drift(name: str) -> None:
    x, y = numerical_samples(seed=1, shift=1.0)
    result = run_numerical(name, x, y)
    check_result(name, result)
    assert METHODS[name].drifted(result)


@pytest.mark.parametrize("name", NUMERICAL)
def test_numerical_swap_symmetry(name: str) -> None:
    x, y = numerical_samples(seed=2, shift=0.2)
    forward, backward = run_numerical(name, x, y), run_numerical(name, y, x)
    if name in SYMMETRIC_NUMERICAL:
        assert forward.statistic == pytest.approx(backward.statistic, rel=1e-9)
    if name in ANTISYMMETRIC:
        assert forward.statistic == pytest.approx(-backward.statistic, rel=1e-9)
    if name in TESTS:
        assert forward.p_value == pytest.approx(backward.p_value, rel=1e-9)


@pytest.mark.parametrize("name", NUMERICAL)
def test_numerical_row_order_does_not_matter(name: str) -> None:
    x, y = numerical_samples(seed=3, shift=0.2)
    rng = np.random.default_rng(0)
    expected = run_numerical(name, np.sort(x), np.sort(y))
    for _ in range(3):
        assert run_numerical(name, rng.permutation(x), rng.permutation(y)) == expected


@pytest.mark.parametrize("name", NUMERICAL)
def test_numerical_is_deterministic_and_pickles(name: str) -> None:
    x, y = numerical_samples(seed=4, shift=0.1)
    result = run_numerical(name, x, y)
    assert run_numerical(name, x, y) == result
    assert pickle.loads(pickle.dumps(result)) == result


@pytest.mark.parametrize("name", NUMERICAL)
def test_numerical_inputs_are_not_mutated(name: str) -> None:
    x, y = numerical_samples(seed=5, shift=0.1)
    x_ro, y_ro = read_only(x), read_only(y)  # writing to these would raise
    run_numerical(name, x_ro, y_ro)
    pair = SortedPair(read_only(np.sort(x)), read_only(np.sort(y)))
    run_numerical(name, pair)
    assert np.array_equal(x_ro, x)
    assert np.array_equal(y_ro, y)
    assert np.array_equal(pair.reference, np.sort(x))


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.integers(-3, 3), min_size=1, max_size=30),
    st.lists(st.integers(-3, 3), min_size=1, max_size=30),
)
def test_numerical_methods_return_a_valid_result_or_a_clear_error(
    xs: list[int], ys: list[int]
) -> None:
    # Tiny, heavily tied, possibly constant samples: a typed result, or a ValueError saying why.
    pair = SortedPair.from_samples(np.array(xs, dtype=float), np.array(ys, dtype=float))
    for name in NUMERICAL:
        try:
            result = run_numerical(name, pair)
        except ValueError as error:
            message = str(error)
        else:
            check_result(name, result)
            assert not math.isnan(result.statistic)
            continue
        assert "needs" in message, name


# --- categorical methods --------------------------------------------------------------------------


@pytest.mark.parametrize("name", CATEGORICAL)
def test_categorical_identical_samples_show_no_drift(name: str) -> None:
    ref, _ = category_counts(name)
    result = run_categorical(name, ref, ref.copy())
    check_result(name, result)
    assert not METHODS[name].drifted(result)
    if METHODS[name].is_test:
        assert result.p_value == pytest.approx(1.0)
    else:
        assert result.statistic == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("name", CATEGORICAL)
def test_categorical_clear_shift_is_drift(name: str) -> None:
    ref, cur = category_counts(name, seed=1, drift=True)
    result = run_categorical(name, ref, cur)
    check_result(name, result)
    assert METHODS[name].drifted(result)


@pytest.mark.parametrize("name", CATEGORICAL)
def test_categorical_swap_symmetry(name: str) -> None:
    ref, cur = category_counts(name, seed=2, drift=True)
    forward, backward = run_categorical(name, ref, cur), run_categorical(name, cur, ref)
    if name in SYMMETRIC_CATEGORICAL:
        assert forward.statistic == pytest.approx(backward.statistic, rel=1e-9)
    if name in ANTISYMMETRIC:
        assert forward.statistic == pytest.approx(-backward.statistic, rel=1e-9)
    if name == "fisher":
        assert forward.statistic == pytest.approx(1.0 / backward.statistic, rel=1e-9)
    if name in TESTS:
        assert forward.p_value == pytest.approx(backward.p_value, rel=1e-9)


@pytest.mark.parametrize("name", CATEGORICAL)
def test_categorical_category_order_does_not_matter(name: str) -> None:
    ref, cur = category_counts(name, seed=3, drift=True)
    expected = run_categorical(name, ref, cur)
    order = np.arange(ref.size)[::-1]
    result = run_categorical(name, ref[order], cur[order])
    if METHODS[name].is_test:
        assert result.p_value == pytest.approx(expected.p_value, rel=1e-9)
    if name not in TWO_CATEGORIES:  # there, reordering swaps which category is "success"
        assert result.statistic == pytest.approx(expected.statistic, rel=1e-9)


@pytest.mark.parametrize("name", CATEGORICAL)
def test_categorical_is_deterministic_and_pickles(name: str) -> None:
    ref, cur = category_counts(name, seed=4, drift=True)
    result = run_categorical(name, ref, cur)
    assert run_categorical(name, ref, cur) == result
    assert pickle.loads(pickle.dumps(result)) == result


@pytest.mark.parametrize("name", CATEGORICAL)
def test_categorical_inputs_are_not_mutated(name: str) -> None:
    ref, cur = category_counts(name, seed=5, drift=True)
    ref_ro, cur_ro = read_only(ref), read_only(cur)
    run_categorical(name, ref_ro, cur_ro)
    run_categorical(name, ref_ro.astype(np.int64), cur_ro.astype(np.int64))
    assert np.array_equal(ref_ro, ref)
    assert np.array_equal(cur_ro, cur)


def test_monte_carlo_chi2_is_seeded_through_the_registry_default() -> None:
    # Small counts route "chi2" to its Monte Carlo p-value: still deterministic by default.
    ref, cur = np.array([3.0, 1.0, 0.0, 2.0]), np.array([0.0, 2.0, 4.0, 1.0])
    first = run_categorical("chi2", ref, cur)
    assert first.method == "chi2_monte_carlo"
    assert run_categorical("chi2", ref, cur) == first


# --- the registry ---------------------------------------------------------------------------------


def test_registry_names_kinds_and_thresholds() -> None:
    expected = {
        "ks": ({"numerical"}, True, 0.05),
        "cvm": ({"numerical"}, True, 0.05),
        "anderson": ({"numerical"}, True, 0.05),
        "mann_whitney": ({"numerical"}, True, 0.05),
        "welch_t": ({"numerical"}, True, 0.05),
        "epps_singleton": ({"numerical"}, True, 0.05),
        "energy": ({"numerical"}, False, 0.1),
        "wasserstein": ({"numerical"}, False, 0.1),
        "psi": ({"numerical", "categorical"}, False, 0.2),
        "jensen_shannon": ({"numerical", "categorical"}, False, 0.1),
        "kl": ({"numerical", "categorical"}, False, 0.1),
        "hellinger": ({"numerical", "categorical"}, False, 0.1),
        "tv": ({"numerical", "categorical"}, False, 0.1),
        "chi2": ({"categorical"}, True, 0.05),
        "g_test": ({"categorical"}, True, 0.05),
        "fisher": ({"categorical"}, True, 0.05),
        "z_test": ({"categorical"}, True, 0.05),
    }
    assert set(METHODS) == set(expected)
    assert len(METHODS) == len(expected)
    for name, (kinds, is_test, threshold) in expected.items():
        info = METHODS[name]
        assert isinstance(info, MethodInfo)
        assert info.name == name
        assert info.kinds == frozenset(kinds)
        assert info.is_test is is_test
        assert info.default_threshold == threshold
        assert (info.numerical is not None) == ("numerical" in kinds)
        assert (info.categorical is not None) == ("categorical" in kinds)
        assert get_method(name) is info
        assert pickle.loads(pickle.dumps(info)) == info


@pytest.mark.parametrize("lookup", [METHODS.__getitem__, get_method])
def test_unknown_method_names_raise_parameter_error_listing_valid_names(
    lookup: Callable[[str], MethodInfo],
) -> None:
    with pytest.raises(ParameterError) as caught:
        lookup("kolmogorov")
    message = str(caught.value)
    assert "'kolmogorov'" in message
    for name in METHODS:
        assert repr(name) in message


def test_registry_behaves_as_a_read_only_mapping() -> None:
    assert "ks" in METHODS
    assert "kolmogorov" not in METHODS
    assert METHODS.get("kolmogorov") is None
    assert METHODS.get("ks") is METHODS["ks"]
    with pytest.raises(TypeError):
        METHODS["ks"] = METHODS["cvm"]  # type: ignore[index]


def test_decision_rule() -> None:
    test, distance = METHODS["ks"], METHODS["psi"]
    assert test.drifted(StatResult("ks", 0.3, 0.049))
    assert not test.drifted(StatResult("ks", 0.3, 0.05))
    assert not test.drifted(StatResult("ks", 0.3, float("nan")))
    assert test.drifted(StatResult("ks", 0.3, 0.09), threshold=0.1)
    assert distance.drifted(StatResult("psi", 0.2))
    assert not distance.drifted(StatResult("psi", 0.19))
    assert not distance.drifted(StatResult("psi", float("nan")))


# --- the public surface ---------------------------------------------------------------------------


def test_public_surface() -> None:
    assert sorted(driftscope.stats.__all__) == [
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
    for name in driftscope.stats.__all__:
        assert hasattr(driftscope.stats, name), name
    for module in (
        driftscope.stats.numerical,
        driftscope.stats.categorical,
        driftscope.stats.multivariate,
    ):
        for name in module.__all__:
            assert callable(getattr(module, name)), name


def test_no_method_warns() -> None:
    # Warnings are errors in this suite already; this states the contract on edge inputs too.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pair = SortedPair.from_samples([0.0, 0.0, 0.0, 1.0, 5.0], [0.0, 0.0, 0.0, 0.0, 1e6])
        for name in NUMERICAL:
            run_numerical(name, pair)
        for name in CATEGORICAL:
            counts = (
                ([0.0, 9.0], [4.0, 0.0]) if name in TWO_CATEGORIES else ([1.0, 0, 30], [0, 2, 0])
            )
            run_categorical(name, *counts)
