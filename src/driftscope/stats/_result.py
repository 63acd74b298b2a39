from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["StatResult"]


@dataclass(frozen=True, slots=True)
class StatResult:
    """The outcome of one two-sample test or distance.

    ``p_value`` is ``None`` for distances, which have no null distribution here.
    """

    method: str
    statistic: float
    p_value: float | None = None

    def __post_init__(self) -> None:
        # Normalise numpy scalars to plain floats so results compare, pickle and serialise simply.
        object.__setattr__(self, "statistic", float(self.statistic))
        if self.p_value is not None:
            p = float(self.p_value)
            object.__setattr__(self, "p_value", min(max(p, 0.0), 1.0) if not math.isnan(p) else p)
