"""Streaming drift detectors: `update(x)`, `update_many(values)`, saved and resumed state."""

from driftscope.streaming._base import Detections, DriftDetector
from driftscope.streaming.calibrate import Calibration, calibrate
from driftscope.streaming.evaluate import Evaluation, evaluate

__all__ = ["Calibration", "Detections", "DriftDetector", "Evaluation", "calibrate", "evaluate"]
