from numpy.typing import ArrayLike

from driftscope.streaming._base import Detections

class DDMCore:
    _n_seen: int
    _drift_detected: bool
    _warning_detected: bool
    _n: int
    _n_errors: int
    _p_min: float
    _s_min: float
    _ps_min: float
    def _configure(
        self, warm_start: int, warning_threshold: float, drift_threshold: float
    ) -> None: ...
    def _restart(self) -> None: ...
    def update(self, x: float) -> None: ...
    def update_many(self, values: ArrayLike) -> Detections: ...
