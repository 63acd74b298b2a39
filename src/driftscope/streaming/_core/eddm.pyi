from numpy.typing import ArrayLike

from driftscope.streaming._base import Detections

class EDDMCore:
    _n_seen: int
    _drift_detected: bool
    _warning_detected: bool
    _n: int
    _n_errors: int
    _last_error: int
    _distance_sum: int
    _distance_square_sum: int
    _p2s_max: float
    def _configure(self, warm_start: int, alpha: float, beta: float) -> None: ...
    def _restart(self) -> None: ...
    def update(self, x: float) -> None: ...
    def update_many(self, values: ArrayLike) -> Detections: ...
