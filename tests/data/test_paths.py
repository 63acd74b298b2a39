"""Paths from user data: resolved against the table's folder, read only under allowed roots."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from driftscope._shorten import printable
from driftscope.data.paths import (
    MAX_SHOWN_DETAIL,
    MAX_SHOWN_PATH,
    FileProblem,
    holds_paths,
    resolve_paths,
)


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


def _hostile_values(folder: Path) -> dict[str, str]:
    """Cells that name no readable file, each with the problem it must become."""
    os.symlink("loop2", folder / "loop1")
    os.symlink("loop1", folder / "loop2")
    (folder / "dir").mkdir()
    values = {
        "loop1": "unreadable",  # a symbolic link loop
        "a\x00b.png": "unreadable",  # a NUL byte
        "x" * 5000 + ".png": "unreadable",  # a name longer than the file system allows
        "a/" * 3000 + "x.png": "unreadable",  # a path longer than the system allows
        "~no_such_user_driftscope/x.png": "unreadable",  # a home folder that is nobody's
        "a\ud800b.png": "unreadable",  # a lone surrogate: no file name can be encoded
        "dir": "missing",  # a folder
        "/dev/null": "outside allowed roots",
    }
    if hasattr(os, "mkfifo"):
        os.mkfifo(folder / "pipe")
        values["pipe"] = "missing"
    return values


def test_hostile_paths_are_one_problem_each_and_the_good_files_are_kept(tmp_path: Path) -> None:
    (tmp_path / "good.png").write_bytes(b"x")
    hostile = _hostile_values(tmp_path)
    values = ["good.png", *hostile, "good.png"]
    found = resolve_paths(values, tmp_path)
    assert found.rows == (0, len(values) - 1)
    assert [p.problem for p in found.problems] == list(hostile.values())
    assert [p.row for p in found.problems] == list(range(1, len(values) - 1))
    for problem in found.problems:
        assert len(problem.path) <= MAX_SHOWN_PATH
        assert len(problem.detail) <= MAX_SHOWN_DETAIL
        assert problem.path.isprintable()
        assert problem.detail.isprintable()
        problem.detail.encode("utf-8")  # no lone surrogate left to break a report
    by_path = {p.path: p.detail for p in found.problems}
    assert "NUL byte" in by_path["a\\x00b.png"]
    assert "loop" in by_path["loop1"].lower()
    assert "(5004 characters)" in next(p for p in by_path if p.startswith("xxx"))
    assert "'\\ud800'" in by_path["a\\ud800b.png"]


def test_a_path_that_cannot_be_searched_is_unreadable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Root may search every folder, so the refusal a user would meet is simulated.
    (tmp_path / "locked.png").write_bytes(b"x")
    is_file = Path.is_file

    def refusing(path: Path) -> bool:
        if path.name == "locked.png":
            raise PermissionError(13, "Permission denied", str(path))
        return is_file(path)

    monkeypatch.setattr(Path, "is_file", refusing)
    (problem,) = resolve_paths(["locked.png"], tmp_path).problems
    assert (problem.problem, problem.detail) == (
        "unreadable",
        f"{(tmp_path / 'locked.png').resolve()}: Permission denied",
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain/path.png", "plain/path.png"),
        ("tab\there", "tab\\there"),
        ("nul\x00", "nul\\x00"),
        ("bad\udcff", "bad\\udcff"),
    ],
)
def test_printable_escapes_what_cannot_be_printed(text: str, expected: str) -> None:
    assert printable(text) == expected


def test_printable_cuts_long_text_to_the_limit_and_is_stable() -> None:
    long = "a" * 100 + "\x00" * 5000 + "z" * 100
    once = printable(long, limit=80)
    assert len(once) == 80
    assert once.startswith("a" * 10)
    assert once.endswith("z (5200 characters)")
    assert printable(once, limit=80) == once
    problem = FileProblem(0, long, "missing", long)
    assert dataclasses.replace(problem, problem="unreadable").path == problem.path


def test_a_column_holds_paths_when_every_value_has_an_extension_and_one_file_exists(
    tmp_path: Path,
) -> None:
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "1.png").write_bytes(b"x")
    assert holds_paths([None, "", float("nan"), "m/0.png", "m/1.png"], tmp_path)
    assert holds_paths([str(tmp_path / "m" / "1.png")], tmp_path / "elsewhere")
    assert not holds_paths(["m/0.png", "m/2.png"], tmp_path)  # no file: not known to be paths
    assert not holds_paths(["m/1.png", "cat"], tmp_path)  # a value without an extension
    assert not holds_paths(["m/1.png", 3.5], tmp_path)
    assert not holds_paths(["Mr. Smith went home.", "a\x00b.png", "x" * 5000 + ".png"], tmp_path)
    assert not holds_paths([], tmp_path)
