"""The error-stream detectors against River 0.26.1, in one table: per-item detections and
`update_many` equal River's on seeded 0/1 streams, and the defaults are River's.

Detector-specific checks (ADWIN's window and cut points, KSWIN's sampling, Page-Hinkley's
real-valued streams) stay in each detector's own module.
"""

from __future__ import annotations

from typing import Any

import pytest
from river.drift.binary import DDM as RiverDDM
from river.drift.binary import EDDM as RiverEDDM
from river.drift.binary import HDDMA as RiverHDDMA
from river.drift.binary import HDDMW as RiverHDDMW
from tests.streaming._streams import RIVER_CASES as CASES
from tests.streaming._streams import error_streams, one_by_one

from driftscope.streaming._base import DriftDetector
from driftscope.streaming.ddm import DDM
from driftscope.streaming.eddm import EDDM
from driftscope.streaming.hddm import HDDM_A, HDDM_W

# DDM and EDDM were checked on the streams without the falling one, HDDM with it.
STREAMS = {
    DDM: error_streams(fall=False),
    EDDM: error_streams(fall=False),
    HDDM_A: error_streams(fall=True),
    HDDM_W: error_streams(fall=True),
}
# Streams on which every case must find a drift (else the equality says little); on falling
# errors only the HDDM cases with settings of their own (two-sided, or firing every few values).
MUST_DRIFT = {"abrupt", "gradual", "several"}


def _case_id(case: tuple[type[DriftDetector], Any, dict[str, Any]]) -> str:
    return f"{case[0].__name__}-{case[2]}"


@pytest.mark.parametrize(
    ("case", "name"),
    [(case, name) for case in CASES for name in STREAMS[case[0]]],
    ids=lambda v: v if isinstance(v, str) else _case_id(v),
)
def test_detections_equal_river(
    case: tuple[type[DriftDetector], Any, dict[str, Any]], name: str
) -> None:
    ours, theirs, params = case
    values = STREAMS[ours][name]
    expected = one_by_one(theirs(**params), values)
    assert one_by_one(ours(**params), values) == expected
    found = ours(**params).update_many(values)
    assert (found.warnings.tolist(), found.drifts.tolist()) == expected
    if name in MUST_DRIFT or (name == "fall" and ours in (HDDM_A, HDDM_W) and params):
        assert expected[1], "the stream should drift, or this test checks little"


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [(DDM, RiverDDM), (EDDM, RiverEDDM), (HDDM_A, RiverHDDMA), (HDDM_W, RiverHDDMW)],
    ids=lambda c: getattr(c, "__name__", ""),
)
def test_defaults_are_rivers(ours: type[DriftDetector], theirs: Any) -> None:
    river = theirs()
    assert ours().get_params() == {name: getattr(river, name) for name in ours().get_params()}
