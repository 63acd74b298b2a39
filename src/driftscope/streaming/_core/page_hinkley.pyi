from numpy.typing import ArrayLike

from driftscope.streaming._base import Detections

class PageHinkleyCore:
    _n_seen: int
    _drift_detected: bool
    _warning_detected: bool
    _n: int
    _x_sum: float
    _sum_increase: float
    _sum_decrease: float
    _min_increase: float
    _max_decrease: float
    def _configure(
        self, min_instances: int, delta: float, threshold: float, alpha: float, mode: str
    ) -> None: ...
    def _restart(self) -> None: ...
    def update(self, x: float) -> None: ...
    def update_many(self, values: ArrayLike) -> Detections: ...
