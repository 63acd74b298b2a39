"""Saving reports: whole files with ordinary permissions, never half-written ones."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from driftscope.report import Report
from driftscope.report._report import write_atomic


def test_save_json_and_html_write_whole_files_with_umask_permissions(
    report: Report, tmp_path: Path
) -> None:
    umask = os.umask(0o022)
    try:
        js = report.save_json(tmp_path / "out" / "r.json")
        page = report.save_html(tmp_path / "out" / "r.html")
    finally:
        os.umask(umask)
    assert json.loads(js.read_text())["schema_version"] == report.to_dict()["schema_version"]
    assert page.read_text().rstrip().endswith("</html>")
    for path in (js, page):
        assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["r.html", "r.json"]


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("old")

    with pytest.raises(TypeError):
        write_atomic(target, 42)  # type: ignore[arg-type]
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]
