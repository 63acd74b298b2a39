from driftscope.streaming._core._detector import DetectorCore

class DDMCore(DetectorCore):
    _n: int
    _n_errors: int
    _p_min: float
    _s_min: float
    _ps_min: float
    def _configure(
        self, warm_start: int, warning_threshold: float, drift_threshold: float
    ) -> None: ...
