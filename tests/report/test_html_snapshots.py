"""Every page the HTML renderer makes, byte for byte against a stored snapshot.

The renderer is being moved from Python string builders to templates and static files; these
snapshots hold the pages the same through the move. Only what legitimately varies from run to
run is pinned before rendering (the creation time, the driftscope version, the timings), and
Plotly's 1 MB bundle is replaced by its size and hash after rendering; everything else is
compared exactly, but for the last digits of full-precision numbers (``data-v`` attributes,
tooltips, the JSON a page carries): sums and kernels round differently on CPUs with other SIMD
paths, so those numbers are compared within `FULL_PRECISION_TOLERANCE` of each other.

To refresh the snapshots on purpose, after a change meant to alter the pages::

    DRIFTSCOPE_UPDATE_SNAPSHOTS=1 python -m pytest tests/report/test_html_snapshots.py

and review ``git diff tests/report/snapshots/`` before committing.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from driftscope.report import Report
from driftscope.report.html import plotly_js, render_explanation_html, render_html, static_text

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("DRIFTSCOPE_UPDATE_SNAPSHOTS") == "1"

CREATED_AT = "2026-01-15T10:00:00+00:00"
VERSION = "0.0.0+snapshot"
DIFF_LINES = 40
#: Relative tolerance for numbers written with eight or more digits after the point (the
#: permutation MMD differed by 2e-8 between two CPUs).
FULL_PRECISION_TOLERANCE = 1e-6
_FULL_PRECISION = re.compile(r"-?\d+\.\d{8,}(?:e[-+]?\d+)?")


def _pinned(report: Report) -> Report:
    """The report with its creation time, version and timings fixed (timing names are kept,
    in alphabetical order)."""
    metadata = dataclasses.replace(
        report.metadata,
        created_at=CREATED_AT,
        driftscope_version=VERSION,
        # Sections run concurrently and record their timings as they finish: sort the names.
        timings=dict.fromkeys(sorted(report.metadata.timings), 0.25),
    )
    return dataclasses.replace(report, metadata=metadata)


#: The static files a page inlines, stood in for by their name and hash in the snapshots (each
#: is checked on its own in test_static.py; the snapshots hold the markup around them).
STATIC_FILES = ("monitor.css", "monitor.js", "report.css", "report.js")


def _normalised(page: str) -> str:
    """The page with Plotly's bundle (inlined exactly once) and the static CSS and JavaScript
    files replaced by their size and hash."""
    bundle = plotly_js()
    assert page.count(bundle) == 1
    digest = hashlib.sha256(bundle.encode("utf-8")).hexdigest()
    page = page.replace(
        bundle, f"/* plotly-basic.min.js: {len(bundle)} characters, sha256 {digest} */"
    )
    for name in STATIC_FILES:
        text = static_text(name).strip("\n")
        assert page.count(text) <= 1, name
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        page = page.replace(text, f"/* static/{name}: {len(text)} characters, sha256 {digest} */")
    return page


def _same_but_last_digits(expected: str, page: str) -> bool:
    """Whether the pages differ at most in the last digits of full-precision numbers."""
    if _FULL_PRECISION.sub("#", expected) != _FULL_PRECISION.sub("#", page):
        return False
    ours = [float(x) for x in _FULL_PRECISION.findall(page)]
    theirs = [float(x) for x in _FULL_PRECISION.findall(expected)]
    return ours == pytest.approx(theirs, rel=FULL_PRECISION_TOLERANCE, abs=1e-300)


def _lines(page: str) -> list[str]:
    """The page cut between tags, so that a difference shows as a few short lines."""
    return [line for line in re.split(r"(?<=>)(?=<)|\n", page) if line]


def _short_diff(expected: str, actual: str, name: str) -> str:
    diff = list(
        difflib.unified_diff(
            _lines(expected), _lines(actual), f"snapshots/{name}", "rendered", n=1, lineterm=""
        )
    )
    shown = [line if len(line) <= 160 else line[:160] + " ..." for line in diff[:DIFF_LINES]]
    if len(diff) > DIFF_LINES:
        shown.append(f"... and {len(diff) - DIFF_LINES} more diff lines")
    return "\n".join(shown)


def _quality_page(request: pytest.FixtureRequest) -> str:
    """The page `driftscope quality -o` writes: the dict the CLI passes to the renderer."""
    result: dict[str, Any] = request.getfixturevalue("quality_result")
    quality = result["quality"]
    return render_html(
        {
            "schema_version": result["schema_version"],
            "metadata": {
                "reference": result["reference"],
                "current": result["current"],
                "created_at": CREATED_AT,
                "n_reference_rows": quality.get("n_reference_rows"),
                "n_current_rows": quality.get("n_current_rows"),
                "driftscope_version": VERSION,
            },
            "quality": quality,
            "warnings": result["warnings"],
        }
    )


def _explain_page(request: pytest.FixtureRequest) -> str:
    """The page `driftscope explain -o` writes: the explanation of the explained report."""
    report: Report = request.getfixturevalue("explained_report")
    assert report.explanations is not None
    assert report.explanations.explanation is not None
    explanation = report.explanations.explanation.to_dict()
    return render_explanation_html(explanation, "cancer_reference.csv", "cancer_current.csv")


def _page(fixture: str) -> Callable[[pytest.FixtureRequest], str]:
    return lambda request: _pinned(request.getfixturevalue(fixture)).to_html()


def _fragment(fixture: str) -> Callable[[pytest.FixtureRequest], str]:
    return lambda request: _pinned(request.getfixturevalue(fixture))._repr_html_()


PAGES: dict[str, Callable[[pytest.FixtureRequest], str]] = {
    "drift_report.html": _page("report"),
    "drift_report_notebook.html": _fragment("report"),
    "wide_report.html": _page("wide_report"),
    "monitor_report.html": _page("monitor_report"),
    "monitor_report_notebook.html": _fragment("monitor_report"),
    "regression_report.html": _page("regression_report"),
    "multiclass_report.html": _page("multiclass_report"),
    "unlabelled_report.html": _page("unlabelled_report"),
    "estimated_report.html": _page("estimated_report"),
    "compare_report.html": _page("compare_report"),
    "text_report.html": _page("text_report"),
    "quality_report.html": _quality_page,
    "explained_report.html": _page("explained_report"),
    "explain_page.html": _explain_page,
}


@pytest.mark.parametrize("name", PAGES)
def test_page_matches_its_snapshot(name: str, request: pytest.FixtureRequest) -> None:
    page = _normalised(PAGES[name](request))
    path = SNAPSHOTS / name
    if UPDATE:
        SNAPSHOTS.mkdir(exist_ok=True)
        path.write_bytes(page.encode("utf-8"))
        return
    assert path.exists(), f"No snapshot {path}: run with DRIFTSCOPE_UPDATE_SNAPSHOTS=1 to write it."
    expected = path.read_bytes().decode("utf-8")
    if page != expected and not _same_but_last_digits(expected, page):
        pytest.fail(
            f"The rendered page differs from snapshots/{name}; if the change is meant, refresh "
            "with DRIFTSCOPE_UPDATE_SNAPSHOTS=1 (see this module's docstring).\n"
            + _short_diff(expected, page, name),
            pytrace=False,
        )


def test_every_snapshot_is_rendered() -> None:
    """A snapshot file no page writes any more is a leftover, not a check."""
    assert sorted(p.name for p in SNAPSHOTS.glob("*.html")) == sorted(PAGES)


def test_the_diff_shows_the_change_briefly() -> None:
    before = "<div><p>a</p>" + "<p>same</p>" * 100 + "</div>"
    after = before.replace("<p>a</p>", "<p>b</p>")
    diff = _short_diff(before, after, "x.html").splitlines()
    assert "-<p>a</p>" in diff
    assert "+<p>b</p>" in diff
    assert len(diff) < 10


def test_full_precision_numbers_may_differ_in_their_last_digits() -> None:
    expected = '<td data-v="0.20973012128467808">0.2097</td><p>1.5e-3</p>'
    assert _same_but_last_digits(expected, expected.replace("808", "81"))
    assert not _same_but_last_digits(expected, expected.replace("0.2097301", "0.2097401"))
    assert not _same_but_last_digits(expected, expected.replace(">0.2097<", ">0.2098<"))
    assert not _same_but_last_digits(expected, expected.replace("1.5e-3", "1.6e-3"))


def test_pinning_keeps_everything_but_time_version_and_timings(report: Report) -> None:
    pinned: dict[str, Any] = _pinned(report).to_dict()
    original: dict[str, Any] = report.to_dict()
    assert pinned["metadata"]["timings"].keys() == original["metadata"]["timings"].keys()
    for key in ("created_at", "driftscope_version", "timings"):
        del pinned["metadata"][key], original["metadata"][key]
    assert pinned == original
