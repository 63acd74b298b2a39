"""`streaming.replay`: the run `driftscope stream` makes, as a function."""

from __future__ import annotations

import numpy as np
import pytest

from driftscope.exceptions import ParameterError
from driftscope.streaming import HDDM_A, PageHinkley, calibrate, replay


def test_replay_is_update_many_with_events_in_order() -> None:
    rng = np.random.default_rng(1)
    errors = (rng.random(6000) < np.repeat([0.05, 0.3, 0.05], 2000)).astype(float)
    run = replay(HDDM_A(), errors)
    expected = HDDM_A().update_many(errors)
    assert run.detections == expected
    assert run.calibration is None
    assert [i for i, kind in run.events if kind == "drift"] == expected.drifts.tolist()
    assert [i for i, kind in run.events if kind == "warning"] == expected.warnings.tolist()
    assert [i for i, _ in run.events] == sorted(i for i, _ in run.events)


def test_calibrate_on_tunes_on_the_start_then_runs_everything() -> None:
    rng = np.random.default_rng(2)
    stream = np.r_[rng.normal(0, 1, 20_000), rng.normal(2, 1, 2000)]
    run = replay(PageHinkley(), stream, calibrate_on=20_000, target_false_alarms_per_10k=2.0)
    assert run.calibration is not None
    direct = calibrate(PageHinkley(), stream[:20_000], 2.0)
    assert run.calibration.value == direct.value
    assert run.detector.get_params() == direct.detector.get_params()
    assert run.detections == direct.detector.clone().update_many(stream)
    assert any(i >= 20_000 for i, kind in run.events if kind == "drift")


@pytest.mark.parametrize("bad", [0, 11, 2.5, True])
def test_calibrate_on_is_checked_by_name(bad: object) -> None:
    with pytest.raises(ParameterError, match="'calibrate_on' parameter of replay"):
        replay(PageHinkley(), np.zeros(10), calibrate_on=bad)  # type: ignore[arg-type]
