"""`analyses.status`: the statuses and decisions, ordered, and read as their strings."""

from __future__ import annotations

import json

import pytest

from driftscope.analyses.status import Decision, Status


def test_orders() -> None:
    assert [s.value for s in sorted(Status, key=lambda s: s.rank)] == [
        "skipped",
        "ok",
        "warning",
        "alert",
    ]
    assert [d.value for d in sorted(Decision, key=lambda d: d.rank)] == [
        "ok",
        "investigate",
        "retrain",
    ]


@pytest.mark.parametrize(
    ("status", "level", "expected"),
    [("alert", "warning", True), ("ok", "warning", False), ("warning", "warning", True)],
)
def test_at_least(status: str, level: str, expected: bool) -> None:
    assert Status(status).at_least(level) is expected


def test_members_are_their_strings_everywhere() -> None:
    assert Status.ALERT == "alert"
    assert {"alert": 1}[Status.ALERT] == 1
    assert json.dumps([Status.OK, Decision.RETRAIN]) == '["ok", "retrain"]'
    assert repr(Decision.INVESTIGATE) == "'investigate'"
    assert f"{Status.WARNING}" == "warning"


def test_an_unknown_word_is_refused() -> None:
    with pytest.raises(ValueError, match="'fine' is not a valid Status"):
        Status("fine")
