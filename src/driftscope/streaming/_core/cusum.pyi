from driftscope.streaming._core._detector import DetectorCore

class CUSUMCore(DetectorCore):
    _warmup: list[float]
    _reference: float
    _sigma: float
    _total_increase: float
    _min_increase: float
    _total_decrease: float
    _min_decrease: float
    def _configure(self, min_instances: int, slack: float, threshold: float, mode: str) -> None: ...
