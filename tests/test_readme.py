"""What the README claims about the package is checked against the package."""

from __future__ import annotations

import re
from pathlib import Path

import driftscope
from driftscope.analyses.verdict import Reason
from driftscope.stats import METHODS

README = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")


def test_the_method_count_is_the_registry_size() -> None:
    found = re.search(r"(\d+) methods are available per column: (.*?)\n  \(", README, re.S)
    assert found is not None
    assert int(found.group(1)) == len(METHODS)
    named = [n.strip() for n in found.group(2).replace("\n", " ").split(",")]
    assert len(named) == len(METHODS), named


def test_the_verdict_example_reads_a_string() -> None:
    assert "report.verdict.reasons[0].message" in README
    assert isinstance(Reason("performance", "retrain", "F1 fell").message, str)
    assert "monitor" in driftscope.__all__
