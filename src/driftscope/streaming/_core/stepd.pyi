from driftscope.streaming._core._detector import DetectorCore

class STEPDCore(DetectorCore):
    _n: int
    _n_correct: int
    _recent: list[int]
    _recent_correct: int
    def _configure(self, window_size: int, alpha_drift: float, alpha_warning: float) -> None: ...
