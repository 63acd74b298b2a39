from numpy.typing import ArrayLike

from driftscope.streaming._base import Detections

class STEPDCore:
    _n_seen: int
    _drift_detected: bool
    _warning_detected: bool
    _n: int
    _n_correct: int
    _recent: list[int]
    _recent_correct: int
    def _configure(self, window_size: int, alpha_drift: float, alpha_warning: float) -> None: ...
    def _restart(self) -> None: ...
    def update(self, x: float) -> None: ...
    def update_many(self, values: ArrayLike) -> Detections: ...
