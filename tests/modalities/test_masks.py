"""The one mask loader: arrays as they are, files only through the gate for user-given paths."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from driftscope.modalities.masks import MAX_MASK_PIXELS, load_mask, read_masks


@pytest.fixture
def folders(tmp_path: Path) -> tuple[Path, Path]:
    """``data`` with two masks (a .npy and a PNG) and a link leading out, and ``secret`` beside
    it with a mask no table in ``data`` may read."""
    data, secret = tmp_path / "data", tmp_path / "secret"
    (data / "masks").mkdir(parents=True)
    secret.mkdir()
    np.save(data / "masks" / "a.npy", np.eye(3, dtype=np.int64))
    Image.fromarray(np.full((2, 4), 2, dtype=np.uint8)).save(data / "masks" / "b.png")
    np.save(secret / "leak.npy", np.full((3, 3), 7, dtype=np.int64))
    (data / "masks" / "link.npy").symlink_to(secret / "leak.npy")
    return data, secret


def test_masks_inside_the_roots_are_read_and_arrays_kept(folders: tuple[Path, Path]) -> None:
    data, _ = folders
    cell = np.ones((2, 2), dtype=np.uint8)
    found = read_masks(
        ["masks/a.npy", str(data / "masks" / "b.png"), cell, None, float("nan"), ""],
        [10, 11, 12, 13, 14, 15],
        "truth",
        data,
    )
    assert found.problems == ()
    a, b, kept, *empty = found.masks
    assert a is not None
    assert a.tolist() == np.eye(3).tolist()
    assert b is not None
    assert b.tolist() == [[2] * 4] * 2
    assert kept is not None
    assert kept.dtype == np.int64
    assert kept.tolist() == cell.tolist()
    assert empty == [None, None, None]


def test_masks_outside_the_roots_are_refused_by_row_path_and_roots(
    folders: tuple[Path, Path],
) -> None:
    data, secret = folders
    escapes = ["../secret/leak.npy", str(secret / "leak.npy"), "masks/link.npy"]
    found = read_masks(["masks/a.npy", *escapes], [0, 1, 2, 3], "truth", data)
    assert found.masks[0] is not None
    assert found.masks[1:] == (None, None, None)
    assert [(p.row, p.path, p.problem) for p in found.problems] == [
        (1, escapes[0], "outside allowed roots"),
        (2, escapes[1], "outside allowed roots"),
        (3, escapes[2], "outside allowed roots"),
    ]
    for problem in found.problems:
        # The file reached, the roots allowed, and the options that add a root.
        assert problem.detail.startswith("mask (truth): ")
        assert str(secret / "leak.npy") in problem.detail
        assert f"is not under {data}" in problem.detail
        assert "--allow-root" in problem.detail
        assert "allow_roots=" in problem.detail
    # Allowing the folder admits all three; the link is read through.
    allowed = read_masks(escapes, [0, 1, 2], "truth", data, [data, secret])
    assert allowed.problems == ()
    assert all(m is not None and m.tolist() == [[7] * 3] * 3 for m in allowed.masks)


def test_missing_odd_and_bad_mask_files_are_problems_of_their_row(tmp_path: Path) -> None:
    (tmp_path / "bad.npy").write_bytes(b"not numpy")
    np.save(tmp_path / "cube.npy", np.zeros((2, 2, 2), dtype=np.int64))
    cells = ["nope.npy", "a\x00b.npy", "n" * 5000 + ".npy", "bad.npy", "cube.npy", tmp_path]
    found = read_masks(cells, range(6), "m", tmp_path)
    assert found.masks == (None,) * 6
    problems = {p.row: p for p in found.problems}
    assert {row: p.problem for row, p in problems.items()} == {
        0: "missing",
        1: "unreadable",
        2: "unreadable",
        3: "unreadable",
        4: "unreadable",
        5: "missing",
    }
    assert "NUL byte" in problems[1].detail
    assert "single-channel" in problems[4].detail
    assert len(problems[2].path) <= 300


def test_a_mask_declaring_too_many_pixels_is_refused_before_it_is_read(tmp_path: Path) -> None:
    side = int(MAX_MASK_PIXELS**0.5) + 1
    huge = np.lib.format.open_memmap(tmp_path / "huge.npy", "w+", np.uint8, (side, side))
    del huge
    with pytest.raises(ValueError, match="at most"):
        load_mask(tmp_path / "huge.npy")
    assert read_masks(["huge.npy"], [0], "m", tmp_path).problems[0].problem == "unreadable"
