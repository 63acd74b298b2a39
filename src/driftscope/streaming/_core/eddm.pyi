from driftscope.streaming._core._detector import DetectorCore

class EDDMCore(DetectorCore):
    _n: int
    _n_errors: int
    _last_error: int
    _distance_sum: int
    _distance_square_sum: int
    _p2s_max: float
    def _configure(self, warm_start: int, alpha: float, beta: float) -> None: ...
