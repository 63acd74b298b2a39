from driftscope.streaming._core._detector import DetectorCore

class PageHinkleyCore(DetectorCore):
    _n: int
    _x_sum: float
    _sum_increase: float
    _sum_decrease: float
    _min_increase: float
    _max_decrease: float
    def _configure(
        self, min_instances: int, delta: float, threshold: float, alpha: float, mode: str
    ) -> None: ...
