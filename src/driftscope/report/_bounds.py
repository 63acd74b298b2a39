"""The bound a renderer shows beside a number computed from a sketch."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

__all__ = ["bound_half_width"]

#: The number each bounds field of a column bounds.
_BOUNDED = {
    "statistic_bounds": "statistic",
    "p_value_bounds": "p_value",
    "effect_size_bounds": "effect_size",
}


def bound_half_width(column: Mapping[str, Any], field: str) -> float | None:
    """How far the rows' number can be from the one shown (the larger side of its bounds), for
    a column computed from sketches; None when it is exact or has no bounds.

    >>> bound_half_width({"exact": False, "statistic": 0.04, "statistic_bounds": [0.01, 0.07]},
    ...                  "statistic_bounds")
    0.03
    """
    bounds = column.get(field)
    value = column.get(_BOUNDED[field])
    if column.get("exact", True) or not bounds or not isinstance(value, int | float):
        return None
    low, high = bounds
    if low is None or high is None:
        return None
    half = max(value - low, high - value, 0.0)
    return round(half, 12) if math.isfinite(half) else None
