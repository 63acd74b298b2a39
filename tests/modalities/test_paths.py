"""Paths from user data: resolved against the table's folder, read only under allowed roots."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from driftscope.modalities._paths import resolve_paths


def test_relative_absolute_missing_empty_and_outside(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "imgs").mkdir(parents=True)
    (data / "imgs" / "a.png").write_bytes(b"x")
    (data / "b.png").write_bytes(b"x")
    outside = tmp_path / "secret.png"
    outside.write_bytes(b"x")
    values = [
        "imgs/a.png",
        str(data / "b.png"),
        "nope.png",
        None,
        float("nan"),
        "",
        "../secret.png",
    ]
    found = resolve_paths(values, data)
    assert found.rows == (0, 1)
    assert found.paths == ((data / "imgs" / "a.png").resolve(), (data / "b.png").resolve())
    problems = {p.row: p.problem for p in found.problems}
    assert problems == {
        2: "missing",
        3: "no path",
        4: "no path",
        5: "no path",
        6: "outside allowed roots",
    }
    outside_problem = next(p for p in found.problems if p.row == 6)
    assert outside_problem.path == "../secret.png"
    assert "--allow-root" in outside_problem.detail


def test_an_allowed_root_admits_a_folder_elsewhere(tmp_path: Path) -> None:
    table_dir, shared = tmp_path / "tables", tmp_path / "shared"
    table_dir.mkdir()
    shared.mkdir()
    (shared / "c.wav").write_bytes(b"x")
    found = resolve_paths([str(shared / "c.wav")], table_dir, allow_roots=[shared])
    assert found.rows == (0,)
    # The table's own folder is no longer allowed once roots are given.
    (table_dir / "d.wav").write_bytes(b"x")
    found = resolve_paths(["d.wav"], table_dir, allow_roots=[shared])
    assert [p.problem for p in found.problems] == ["outside allowed roots"]


def test_a_symlink_cannot_lead_outside_the_roots(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    target = tmp_path / "elsewhere.png"
    target.write_bytes(b"x")
    os.symlink(target, root / "link.png")
    found = resolve_paths(["link.png"], root)
    assert found.rows == ()
    assert found.problems[0].problem == "outside allowed roots"
    assert found.problems[0].to_dict()["row"] == 0


def test_a_folder_is_missing_as_a_file_and_said_to_be_a_folder(tmp_path: Path) -> None:
    (tmp_path / "imgs").mkdir()
    found = resolve_paths(["imgs", "nope.png", "."], tmp_path)
    assert found.rows == ()
    assert [p.problem for p in found.problems] == ["missing", "missing", "missing"]
    details = [p.detail for p in found.problems]
    assert details[0] == f"{(tmp_path / 'imgs').resolve()} is a folder, not a file"
    assert details[1] == f"{(tmp_path / 'nope.png').resolve()} does not exist"
    # The table's own folder is under the roots too, and still not a file.
    assert details[2] == f"{tmp_path.resolve()} is a folder, not a file"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this platform")
def test_a_pipe_is_missing_as_a_file_and_said_to_be_no_regular_file(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    (problem,) = resolve_paths(["pipe"], tmp_path).problems
    assert problem.problem == "missing"
    assert problem.detail.endswith("pipe is not a regular file (a device, socket or pipe)")
