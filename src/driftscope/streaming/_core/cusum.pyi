from numpy.typing import ArrayLike

from driftscope.streaming._base import Detections

class CUSUMCore:
    _n_seen: int
    _drift_detected: bool
    _warning_detected: bool
    _warmup: list[float]
    _reference: float
    _sigma: float
    _total_increase: float
    _min_increase: float
    _total_decrease: float
    _min_decrease: float
    def _configure(self, min_instances: int, slack: float, threshold: float, mode: str) -> None: ...
    def _restart(self) -> None: ...
    def update(self, x: float) -> None: ...
    def update_many(self, values: ArrayLike) -> Detections: ...
