from driftscope.streaming._core._detector import DetectorCore

class HDDMACore(DetectorCore):
    _n: int
    _n_errors: int
    _n_min: int
    _n_errors_min: int
    _n_max: int
    _n_errors_max: int
    def _configure(
        self, drift_confidence: float, warning_confidence: float, two_sided_test: bool
    ) -> None: ...

class HDDMWCore(DetectorCore):
    _incr_cutpoint: float
    _decr_cutpoint: float
    _total: list[float]
    _s1_incr: list[float]
    _s2_incr: list[float]
    _s1_decr: list[float]
    _s2_decr: list[float]
    def _configure(
        self,
        drift_confidence: float,
        warning_confidence: float,
        lambda_val: float,
        two_sided_test: bool,
    ) -> None: ...
