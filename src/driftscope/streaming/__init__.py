"""Streaming drift detectors: `update(x)`, `update_many(values)`, saved and resumed state."""

from driftscope.streaming._base import Detections, DriftDetector

__all__ = ["Detections", "DriftDetector"]
