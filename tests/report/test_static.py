"""The report's CSS, JavaScript and templates are files in the package; the CSS and JavaScript
are inlined into every page."""

from __future__ import annotations

import tomllib
from fnmatch import fnmatch
from importlib import resources
from pathlib import Path, PurePosixPath

import pytest

from driftscope.report import Report
from driftscope.report.html import render_html, static_text

STATIC = ("report.css", "report.js", "monitor.css", "monitor.js")
ROOT = Path(__file__).parents[2]
_TEMPLATE_DIR = ROOT / "src" / "driftscope" / "report" / "templates"
TEMPLATES = tuple(
    sorted(p.relative_to(_TEMPLATE_DIR).as_posix() for p in _TEMPLATE_DIR.rglob("*.html"))
)


def _globbed(path: str, pattern: str) -> bool:
    """Whether setuptools' package-data glob takes ``path``: ``*`` stays within one folder."""
    parts, wanted = PurePosixPath(path).parts, PurePosixPath(pattern).parts
    return len(parts) == len(wanted) and all(map(fnmatch, parts, wanted))


def test_the_templates_are_found() -> None:
    assert {"page.html", "report.html"} <= set(TEMPLATES)


@pytest.mark.parametrize("name", STATIC)
def test_static_file_is_in_the_package(name: str) -> None:
    file = resources.files("driftscope.report") / "static" / name
    assert file.is_file()
    assert file.read_text(encoding="utf-8") == static_text(name)


@pytest.mark.parametrize("name", TEMPLATES)
def test_template_is_in_the_package(name: str) -> None:
    assert resources.files("driftscope.report").joinpath(f"templates/{name}").is_file()


@pytest.mark.parametrize(
    "path", [*(f"static/{n}" for n in STATIC), *(f"templates/{n}" for n in TEMPLATES)]
)
def test_file_ships_in_the_wheel(path: str) -> None:
    """The package data in pyproject.toml names every static file and template (an editable
    install would find them without it, a wheel would not)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["driftscope"]
    assert any(_globbed(f"report/{path}", pattern) for pattern in patterns)


@pytest.mark.parametrize("name", STATIC)
def test_static_file_cannot_close_its_element(name: str) -> None:
    """Inlined in a ``<style>`` or ``<script>``, a file must never spell the closing tag."""
    text = static_text(name).lower()
    assert "</style" not in text
    assert "</script" not in text


def test_each_page_inlines_its_files_once(report: Report, monitor_report: Report) -> None:
    drift_page = render_html(report.to_dict())
    monitor_page = render_html(monitor_report.to_dict())
    for name in ("report.css", "report.js"):
        assert drift_page.count(static_text(name)) == 1
        assert monitor_page.count(static_text(name)) == 1
    for name in ("monitor.css", "monitor.js"):
        assert static_text(name) not in drift_page
        assert monitor_page.count(static_text(name)) == 1
