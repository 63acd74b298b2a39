"""The detector protocol, on a minimal detector defined here."""

from __future__ import annotations

import json
import pickle
from typing import ClassVar

import numpy as np
import pytest

from driftscope.exceptions import ColumnError, ParameterError
from driftscope.streaming import Detections, DriftDetector


class Threshold(DriftDetector):
    """Drift when the running sum of values since the last drift exceeds ``limit``."""

    _state: ClassVar[tuple[str, ...]] = ("_total",)

    def __init__(self, limit: float = 5.0) -> None:
        self.limit = limit
        if not limit > 0:
            raise self._invalid("limit", "a float in (0, inf)")
        super().__init__()

    def _reset(self) -> None:
        super()._reset()
        self._total = 0.0

    def update(self, x: float) -> None:
        self._n_seen += 1
        self._total += x
        self._warning_detected = self._total > self.limit / 2
        self._drift_detected = self._total > self.limit
        if self._drift_detected:
            self._total = 0.0


class Binary(Threshold):
    binary_input = True


def test_update_many_equals_update_and_reports_positions() -> None:
    values = np.array([1.0, 2.0, 3.0, 0.5, 4.0, 1.0, 1.0])
    one = Threshold()
    expected = []
    for i, v in enumerate(values):
        one.update(float(v))
        if one.drift_detected:
            expected.append(i)
    many = Threshold()
    found = many.update_many(values)
    assert found.drifts.tolist() == expected == [2, 5]
    assert found == Detections(np.array([1, 2, 4, 5]), np.array([2, 5]))
    assert many.state_dict() == one.state_dict()


def test_state_round_trip_through_json_resumes_identically() -> None:
    rng = np.random.default_rng(0)
    values = rng.random(200)
    reference = Threshold(limit=3.0)
    first = reference.update_many(values[:77])
    saved = json.loads(json.dumps(reference.state_dict()))
    resumed = Threshold.from_state_dict(saved)
    assert isinstance(resumed, Threshold)
    assert resumed.n_seen == 77
    assert resumed.update_many(values[77:]) == reference.update_many(values[77:])
    assert first.drifts.size > 0
    with pytest.raises(ValueError, match="not 'Binary'"):
        Binary.from_state_dict(saved)


def test_params_clone_repr_pickle_reset() -> None:
    d = Threshold(limit=2.5)
    d.update_many([1.0, 1.0])
    assert d.get_params() == {"limit": 2.5}
    assert repr(d) == "Threshold(limit=2.5)"
    fresh = d.clone()
    assert isinstance(fresh, Threshold)
    assert fresh.n_seen == 0
    assert fresh.limit == 2.5
    again = pickle.loads(pickle.dumps(d))
    assert again.state_dict() == d.state_dict()
    d.reset()
    assert d.n_seen == 0
    assert not d.drift_detected


def test_bad_values_and_parameters() -> None:
    with pytest.raises(ParameterError, match=r"The 'limit' parameter of Threshold must be"):
        Threshold(limit=-1.0)
    with pytest.raises(ColumnError, match="value 2 is nan"):
        Threshold().update_many([1.0, 2.0, float("nan")])
    with pytest.raises(ColumnError, match=r"needs 0/1 values; value 1 is 0\.5"):
        Binary().update_many([1.0, 0.5])
