"""Seeded 0/1 error streams and a per-item runner, shared by the error-stream detectors' tests."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray
from river.drift.binary import DDM as RiverDDM
from river.drift.binary import EDDM as RiverEDDM
from river.drift.binary import HDDMA as RiverHDDMA
from river.drift.binary import HDDMW as RiverHDDMW

from driftscope.streaming._base import DriftDetector
from driftscope.streaming.ddm import DDM
from driftscope.streaming.eddm import EDDM
from driftscope.streaming.hddm import HDDM_A, HDDM_W


def error_streams(*, fall: bool) -> dict[str, NDArray[np.int64]]:
    """Error streams whose error rate is stable, rises at once, rises slowly, or jumps several
    times; with ``fall``, also one whose rate falls (drawn in that order from one seed, so the
    streams without it are those the tests were written against)."""
    rng = np.random.default_rng(7)
    rates = {
        "stable": np.full(4000, 0.1),
        "abrupt": np.repeat([0.1, 0.4], 2000),
        **({"fall": np.repeat([0.4, 0.1], 2000)} if fall else {}),
        "gradual": np.linspace(0.05, 0.6, 5000),
        "several": np.repeat([0.1, 0.5, 0.05, 0.7, 0.2, 0.9, 0.0, 1.0], 1500),
    }
    return {name: (rng.random(p.size) < p).astype(np.int64) for name, p in rates.items()}


def one_by_one(detector: Any, values: NDArray[np.int64]) -> tuple[list[int], list[int]]:
    """Positions of the warnings and drifts a detector (ours or River's) flags, one update each."""
    warnings, drifts = [], []
    for i, x in enumerate(values.tolist()):
        detector.update(x)
        if detector.warning_detected:
            warnings.append(i)
        if detector.drift_detected:
            drifts.append(i)
    return warnings, drifts


# (ours, River's, settings). The last of each detector drifts every few values.
RIVER_CASES: list[tuple[type[DriftDetector], Any, dict[str, Any]]] = [
    (DDM, RiverDDM, {}),
    (DDM, RiverDDM, {"warm_start": 5, "warning_threshold": 1.0, "drift_threshold": 1.5}),
    (DDM, RiverDDM, {"warm_start": 0}),
    (DDM, RiverDDM, {"warm_start": 0, "warning_threshold": 0.5, "drift_threshold": 1.0}),
    (EDDM, RiverEDDM, {}),
    (EDDM, RiverEDDM, {"warm_start": 5, "alpha": 0.9, "beta": 0.8}),
    (EDDM, RiverEDDM, {"warm_start": 0}),
    (HDDM_A, RiverHDDMA, {}),
    (HDDM_A, RiverHDDMA, {"two_sided_test": True}),
    (
        HDDM_A,
        RiverHDDMA,
        {"drift_confidence": 0.01, "warning_confidence": 0.05, "two_sided_test": True},
    ),
    (HDDM_A, RiverHDDMA, {"drift_confidence": 0.3, "warning_confidence": 0.4}),
    (HDDM_W, RiverHDDMW, {}),
    (HDDM_W, RiverHDDMW, {"two_sided_test": True}),
    (
        HDDM_W,
        RiverHDDMW,
        {
            "drift_confidence": 0.01,
            "warning_confidence": 0.05,
            "lambda_val": 0.2,
            "two_sided_test": True,
        },
    ),
]
