from collections import deque
from typing import Any

from numpy.typing import ArrayLike

from driftscope.streaming._base import Detections

def use_pool_method(n: int, k: int) -> bool: ...
def _sample(state: list[Any], n: int, k: int) -> tuple[list[int], list[Any]]: ...
def _randbelow(state: list[Any], n: int, count: int) -> tuple[list[int], list[Any]]: ...

class KSWINCore:
    _n_seen: int
    _drift_detected: bool
    _warning_detected: bool
    _p_value: float
    _statistic: float
    _window: deque[float]
    _rng_state: list[Any]
    def _configure(
        self, alpha: float, window_size: int, stat_size: int, seed: int | None, exact: bool
    ) -> None: ...
    def _restart(self) -> None: ...
    def update(self, x: float) -> None: ...
    def update_many(self, values: ArrayLike) -> Detections: ...
