"""Detector names, as the CLI and the report accept them."""

from __future__ import annotations

import importlib
from typing import Any

from driftscope.exceptions import ParameterError
from driftscope.streaming._base import DriftDetector

__all__ = ["DETECTORS", "make_detector"]

# name -> (module, class); modules are imported when a detector is asked for.
DETECTORS: dict[str, tuple[str, str]] = {
    "adwin": ("driftscope.streaming.adwin", "ADWIN"),
    "ddm": ("driftscope.streaming.ddm", "DDM"),
    "eddm": ("driftscope.streaming.eddm", "EDDM"),
    "hddm_a": ("driftscope.streaming.hddm", "HDDM_A"),
    "hddm_w": ("driftscope.streaming.hddm", "HDDM_W"),
    "page_hinkley": ("driftscope.streaming.page_hinkley", "PageHinkley"),
    "kswin": ("driftscope.streaming.kswin", "KSWIN"),
    "cusum": ("driftscope.streaming.cusum", "CUSUM"),
    "stepd": ("driftscope.streaming.stepd", "STEPD"),
}


def available() -> list[str]:
    """Names whose implementation is installed."""
    names = []
    for name, (module, _) in DETECTORS.items():
        try:
            importlib.import_module(module)
        except ModuleNotFoundError:
            continue
        names.append(name)
    return names


def make_detector(name: str, params: dict[str, Any] | None = None) -> DriftDetector:
    """A detector by name, with parameters (validated by the detector itself)."""
    key = name.strip().lower().replace("-", "_")
    if key not in DETECTORS or key not in available():
        raise ParameterError(
            f"Unknown detector {name!r}; expected one of {', '.join(available())}."
        )
    module, cls_name = DETECTORS[key]
    cls = getattr(importlib.import_module(module), cls_name)
    try:
        detector: DriftDetector = cls(**(params or {}))
    except TypeError:
        import inspect

        names = [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
        unknown = sorted(set(params or {}) - set(names))
        raise ParameterError(
            f"Unknown parameter(s) {', '.join(map(repr, unknown))} for {cls_name}; "
            f"expected some of {', '.join(names)}."
        ) from None
    return detector
