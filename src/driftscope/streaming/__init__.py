"""Streaming drift detectors: `update(x)`, `update_many(values)`, saved and resumed state."""

from driftscope.streaming._base import Detections, DriftDetector
from driftscope.streaming.adwin import ADWIN
from driftscope.streaming.calibrate import (
    Calibration,
    CalibrationStatus,
    CalibrationWarning,
    calibrate,
)
from driftscope.streaming.cusum import CUSUM
from driftscope.streaming.ddm import DDM
from driftscope.streaming.eddm import EDDM
from driftscope.streaming.evaluate import Evaluation, evaluate
from driftscope.streaming.hddm import HDDM_A, HDDM_W
from driftscope.streaming.kswin import KSWIN
from driftscope.streaming.page_hinkley import PageHinkley
from driftscope.streaming.replay import Replay, replay
from driftscope.streaming.stepd import STEPD

__all__ = [
    "ADWIN",
    "CUSUM",
    "DDM",
    "EDDM",
    "HDDM_A",
    "HDDM_W",
    "KSWIN",
    "STEPD",
    "Calibration",
    "CalibrationStatus",
    "CalibrationWarning",
    "Detections",
    "DriftDetector",
    "Evaluation",
    "PageHinkley",
    "Replay",
    "calibrate",
    "evaluate",
    "replay",
]
