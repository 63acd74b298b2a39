"""Streaming drift detectors: `update(x)`, `update_many(values)`, saved and resumed state."""

from driftscope.streaming._base import Detections, DriftDetector
from driftscope.streaming.evaluate import Evaluation, evaluate

__all__ = ["Detections", "DriftDetector", "Evaluation", "evaluate"]
