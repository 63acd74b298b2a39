"""Parameter checks with the one message shape, for every layer.

Each check returns the value as the plain Python type it stands for (an ``int`` for a numpy
integer, a ``float`` for an int given as a float) or raises `ParameterError` through
`invalid_parameter`: "The 'alpha' parameter of KSWIN must be a float in (0, 1). Got 2.". Bools
are refused where a number is asked for: ``alpha=True`` is a mistake, not 1. This module imports
nothing of driftscope but `exceptions`, so the bottom layers (stats, metrics, streaming, data) may
use it.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Collection, Sized
from numbers import Integral, Real
from typing import Literal, overload

import numpy as np

from driftscope.exceptions import invalid_parameter

__all__ = [
    "Closed",
    "check_bool",
    "check_choice",
    "check_float",
    "check_int",
    "check_length",
    "check_probability",
    "interval",
    "is_int",
    "is_real",
]

#: Which ends of an interval belong to it.
Closed = Literal["both", "left", "right", "neither"]


def is_real(value: object) -> bool:
    """A real number (ints, floats, numpy numbers), not a bool."""
    return isinstance(value, Real) and not isinstance(value, bool)


def is_int(value: object) -> bool:
    """An integer (Python or numpy), not a bool."""
    return isinstance(value, Integral) and not isinstance(value, bool)


def interval(low: float, high: float, closed: Closed = "both") -> str:
    """An interval as a message writes it; an infinite end is always open.

    >>> interval(0, math.inf, "neither")
    '(0, inf)'
    >>> interval(1, math.inf)
    '[1, inf)'
    """
    left = "[" if closed in ("both", "left") and math.isfinite(low) else "("
    right = "]" if closed in ("both", "right") and math.isfinite(high) else ")"
    return f"{left}{_end(low)}, {_end(high)}{right}"


def _end(value: float) -> str:
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return repr(value)


def _inside(value: float, low: float, high: float, closed: Closed) -> bool:
    above = value >= low if closed in ("both", "left") else value > low
    below = value <= high if closed in ("both", "right") else value < high
    return above and below


def _or_none(expected: str, allow_none: bool) -> str:
    return f"{expected} or None" if allow_none else expected


@overload
def check_int(
    owner: str,
    name: str,
    value: object,
    *,
    low: float = ...,
    high: float = ...,
    allow_none: Literal[False] = ...,
) -> int: ...
@overload
def check_int(
    owner: str, name: str, value: object, *, low: float = ..., high: float = ..., allow_none: bool
) -> int | None: ...
def check_int(
    owner: str,
    name: str,
    value: object,
    *,
    low: float = -math.inf,
    high: float = math.inf,
    allow_none: bool = False,
) -> int | None:
    """``value`` as an ``int`` in ``[low, high]`` (or None when ``allow_none``).

    >>> check_int("ADWIN", "clock", 32, low=1)
    32
    >>> check_int("ADWIN", "clock", 0, low=1)
    Traceback (most recent call last):
    ...
    driftscope.exceptions.ParameterError: The 'clock' parameter of ADWIN must be an int in \
[1, inf). Got 0.
    """
    if value is None and allow_none:
        return None
    if not is_int(value) or not low <= operator.index(value) <= high:  # type: ignore[arg-type]
        unbounded = low == -math.inf and high == math.inf
        expected = "an int" if unbounded else f"an int in {interval(low, high)}"
        raise invalid_parameter(owner, name, _or_none(expected, allow_none), value)
    return operator.index(value)  # type: ignore[arg-type]


@overload
def check_float(
    owner: str,
    name: str,
    value: object,
    *,
    low: float = ...,
    high: float = ...,
    closed: Closed = ...,
    allow_none: Literal[False] = ...,
) -> float: ...
@overload
def check_float(
    owner: str,
    name: str,
    value: object,
    *,
    low: float = ...,
    high: float = ...,
    closed: Closed = ...,
    allow_none: bool,
) -> float | None: ...
def check_float(
    owner: str,
    name: str,
    value: object,
    *,
    low: float = -math.inf,
    high: float = math.inf,
    closed: Closed = "both",
    allow_none: bool = False,
) -> float | None:
    """``value`` as a ``float`` in the interval from ``low`` to ``high`` (its ends as
    ``closed`` says; NaN is never inside, and an infinite end is open, so the value is finite
    unless asked otherwise).

    >>> check_float("PageHinkley", "threshold", 50, low=0, closed="neither")
    50.0
    >>> check_float("PageHinkley", "threshold", -1, low=0, closed="neither")
    Traceback (most recent call last):
    ...
    driftscope.exceptions.ParameterError: The 'threshold' parameter of PageHinkley must be a \
float in (0, inf). Got -1.
    """
    if value is None and allow_none:
        return None
    number = float(value) if is_real(value) else math.nan  # type: ignore[arg-type]
    if not _inside(number, low, high, closed) or not math.isfinite(number):
        expected = f"a float in {interval(low, high, closed)}"
        raise invalid_parameter(owner, name, _or_none(expected, allow_none), value)
    return number


def check_probability(owner: str, name: str, value: object, *, closed: Closed = "neither") -> float:
    """``value`` as a ``float`` in the unit interval, by default open at both ends (a
    significance level, a confidence).

    >>> check_probability("KSWIN", "alpha", 1.5)
    Traceback (most recent call last):
    ...
    driftscope.exceptions.ParameterError: The 'alpha' parameter of KSWIN must be a float in \
(0, 1). Got 1.5.
    """
    return check_float(owner, name, value, low=0, high=1, closed=closed)


def check_choice(
    owner: str, name: str, value: object, choices: Collection[object], *, allow_none: bool = False
) -> object:
    """``value`` when it is one of ``choices`` (or None when ``allow_none``).

    >>> check_choice("CUSUM", "mode", "sideways", ("up", "down", "both"))
    Traceback (most recent call last):
    ...
    driftscope.exceptions.ParameterError: The 'mode' parameter of CUSUM must be one of 'up', \
'down', 'both'. Got 'sideways'.
    """
    if value is None and allow_none:
        return None
    try:
        found = value in choices
    except (TypeError, ValueError):  # an unhashable value asked of a set; an array's ==
        found = False
    if not found:
        # A StrEnum member reads as its string, as the user would type it.
        listed = ", ".join(repr(str(c)) if isinstance(c, str) else repr(c) for c in choices)
        raise invalid_parameter(owner, name, _or_none(f"one of {listed}", allow_none), value)
    return value


def check_bool(owner: str, name: str, value: object) -> bool:
    """``value`` when it is a bool (numpy's included): 0 and 1 are refused, they hide mistakes.

    >>> check_bool("HDDM_A", "two_sided_test", 1)
    Traceback (most recent call last):
    ...
    driftscope.exceptions.ParameterError: The 'two_sided_test' parameter of HDDM_A must be a \
bool. Got 1.
    """
    if not isinstance(value, bool | np.bool_):
        raise invalid_parameter(owner, name, "a bool", value)
    return bool(value)


def check_length(owner: str, name: str, value: Sized, length: int, what: str) -> None:
    """Refuse ``value`` unless it holds ``length`` items; ``what`` says what they match.

    >>> check_length("extract_image_features", "rows", [1, 2], 3, "'paths'")
    Traceback (most recent call last):
    ...
    driftscope.exceptions.ParameterError: The 'rows' parameter of extract_image_features must be \
a sequence as long as 'paths' (3 items). Got 2.
    """
    if len(value) != length:
        raise invalid_parameter(
            owner,
            name,
            f"a sequence as long as {what} ({length} items)",
            len(value),
        )
