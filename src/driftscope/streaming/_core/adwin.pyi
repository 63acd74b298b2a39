from numpy.typing import ArrayLike

from driftscope.streaming._base import Detections

class ADWINCore:
    _n_seen: int
    _drift_detected: bool
    _warning_detected: bool
    _width: int
    _total: float
    _variance: float
    _tick: int
    _totals: list[list[float]]
    _variances: list[list[float]]
    def _configure(
        self,
        delta: float,
        clock: int,
        max_buckets: int,
        min_window_length: int,
        grace_period: int,
    ) -> None: ...
    def _restart(self) -> None: ...
    def update(self, x: float) -> None: ...
    def update_many(self, values: ArrayLike) -> Detections: ...
