from numpy.typing import ArrayLike

from driftscope.streaming._base import Detections

class DetectorCore:
    _n_seen: int
    _drift_detected: bool
    _warning_detected: bool
    def _restart(self) -> None: ...
    def update(self, x: float) -> None: ...
    def update_many(self, values: ArrayLike) -> Detections: ...
