"""Saving reports: whole files with ordinary permissions, never half-written ones."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from driftscope.exceptions import OutputFileError
from driftscope.report import Report
from driftscope.report._report import write_all, write_atomic


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


def test_write_all_writes_every_file_or_none(tmp_path: Path) -> None:
    first, blocked = tmp_path / "r.html", tmp_path / "file" / "r.json"
    (tmp_path / "file").write_text("a file where a folder is needed")
    with pytest.raises(OutputFileError) as caught:
        write_all([(first, "<html></html>"), (blocked, "{}")])
    assert str(caught.value).startswith(f"Could not write {str(blocked)!r}: ")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_a_failed_rename_names_the_users_path_not_the_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(src: object, dst: object) -> None:
        raise PermissionError(13, "Permission denied", str(src))

    monkeypatch.setattr(os, "replace", refuse)
    target = tmp_path / "report.json"
    with pytest.raises(OutputFileError) as caught:
        write_atomic(target, "{}")
    assert str(caught.value) == f"Could not write {str(target)!r}: Permission denied."
    assert list(tmp_path.iterdir()) == []


def test_a_symlink_is_written_through_and_kept(tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    real.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    write_atomic(link, "new")
    assert link.is_symlink()
    assert real.read_text() == "new"


def test_a_folder_is_not_replaced(tmp_path: Path) -> None:
    (tmp_path / "r.json").mkdir()
    with pytest.raises(OutputFileError, match="is a folder"):
        write_atomic(tmp_path / "r.json", "{}")


def test_report_save_writes_html_and_json_together(report: Report, tmp_path: Path) -> None:
    report.save(html=tmp_path / "r.html", json=tmp_path / "r.json")
    assert json.loads((tmp_path / "r.json").read_text())["schema_version"]
    assert (tmp_path / "r.html").read_text().rstrip().endswith("</html>")
