"""The one parameter-validation helper: what each check accepts, refuses, and says."""

from __future__ import annotations

import math

import numpy as np
import pytest

from driftscope._validate import (
    check_bool,
    check_choice,
    check_float,
    check_int,
    check_length,
    check_probability,
    interval,
)
from driftscope.exceptions import DriftscopeError, ParameterError, invalid_parameter


@pytest.mark.parametrize("value", [1, 5, np.int64(3), np.uint8(7)])
def test_check_int_accepts_ints_in_range_as_python_ints(value: object) -> None:
    out = check_int("f", "n", value, low=1, high=10)
    assert out == int(value)  # type: ignore[call-overload]
    assert type(out) is int


@pytest.mark.parametrize("value", [0, 11, True, np.bool_(True), 2.0, "3", None, [1]])
def test_check_int_refuses_with_the_house_message(value: object) -> None:
    with pytest.raises(ParameterError) as info:
        check_int("f", "n", value, low=1, high=10)
    assert str(info.value) == f"The 'n' parameter of f must be an int in [1, 10]. Got {value!r}."


def test_check_int_unbounded_and_none() -> None:
    assert check_int("f", "seed", None, allow_none=True) is None
    with pytest.raises(ParameterError, match=r"must be an int or None\. Got 'x'\.$"):
        check_int("f", "seed", "x", allow_none=True)


@pytest.mark.parametrize(
    ("closed", "text", "inside", "outside"),
    [
        ("neither", "(0, 1)", [0.5, 1e-9], [0, 1]),
        ("both", "[0, 1]", [0, 1, 0.5], [-1e-9, 1.0000001]),
        ("left", "[0, 1)", [0], [1]),
        ("right", "(0, 1]", [1], [0]),
    ],
)
def test_check_float_interval_ends(
    closed: str, text: str, inside: list[float], outside: list[float]
) -> None:
    for value in inside:
        assert check_float("f", "x", value, low=0, high=1, closed=closed) == value  # type: ignore[call-overload]
    for value in outside:
        with pytest.raises(ParameterError, match=rf"must be a float in \{text[0]}0, 1\{text[-1]}"):
            check_float("f", "x", value, low=0, high=1, closed=closed)  # type: ignore[call-overload]


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, True, "1", None, 1j])
def test_check_float_refuses_non_finite_bools_and_non_numbers(value: object) -> None:
    with pytest.raises(ParameterError, match=r"must be a float in \(-inf, inf\)"):
        check_float("f", "x", value)


def test_check_float_returns_a_float_and_allows_none() -> None:
    assert type(check_float("f", "x", np.float32(0.5))) is float
    assert type(check_float("f", "x", 2)) is float
    assert check_float("f", "x", None, low=0, allow_none=True) is None


def test_check_probability_is_open_by_default() -> None:
    assert check_probability("f", "alpha", 0.05) == 0.05
    with pytest.raises(
        ParameterError, match=r"^The 'alpha' parameter of f must be a float in \(0, 1\)\. Got 1\.$"
    ):
        check_probability("f", "alpha", 1)
    assert check_probability("f", "alpha", 1, closed="right") == 1.0


def test_check_choice() -> None:
    assert check_choice("f", "mode", "up", ("up", "down")) == "up"
    assert check_choice("f", "mode", None, ("up",), allow_none=True) is None
    with pytest.raises(ParameterError, match=r"must be one of 'up', 'down'\. Got \['up'\]\.$"):
        check_choice("f", "mode", ["up"], ("up", "down"))
    with pytest.raises(ParameterError, match=r"must be one of 'a'\. Got \{\}\.$"):
        check_choice("f", "mode", {}, {"a"})
    with pytest.raises(ParameterError, match=r"must be one of 'a', 'b'\. Got array"):
        check_choice("f", "mode", np.array(["a", "b"]), ("a", "b"))


def test_check_bool() -> None:
    assert check_bool("f", "flag", np.bool_(False)) is False
    for value in (0, 1, "true", None):
        with pytest.raises(ParameterError, match=r"must be a bool\."):
            check_bool("f", "flag", value)


def test_check_length() -> None:
    check_length("f", "rows", [1, 2], 2, "'paths'")
    with pytest.raises(ParameterError, match=r"as long as 'paths' \(2 items\)\. Got 1\.$"):
        check_length("f", "rows", [1], 2, "'paths'")


def test_interval_writes_infinite_ends_open() -> None:
    assert interval(-math.inf, math.inf) == "(-inf, inf)"
    assert interval(2, math.inf) == "[2, inf)"
    assert interval(0.5, 1, "right") == "(0.5, 1]"


def test_errors_are_driftscope_errors_and_value_errors() -> None:
    error = invalid_parameter("f", "x", "a bool", 1)
    assert isinstance(error, DriftscopeError)
    assert isinstance(error, ValueError)


def test_a_huge_value_is_quoted_bounded() -> None:
    message = str(invalid_parameter("f", "labels", "a short list", list(range(100_000))))
    assert len(message) < 400
    assert "characters, truncated" in message
