"""The one gate for file paths that come from user data (image, audio and mask paths in a
table's cells): resolved against the table they came from and read only under the roots the
operator allows (``allow_roots=`` in Python, ``--allow-root`` on the command line; by default the
table's folder and below).

A cell of a table can hold anything: a NUL byte, a name longer than the file system allows, a
symbolic link that loops, characters no file name can be encoded with. Each of those is one
`FileProblem` of its row, like a missing file, never an exception that stops the run.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from driftscope._shorten import printable

__all__ = [
    "MAX_SHOWN_DETAIL",
    "MAX_SHOWN_PATH",
    "PATH_SAMPLE",
    "FileProblem",
    "ResolvedPaths",
    "base_folder",
    "holds_paths",
    "resolve_paths",
]

#: Characters of a path, and of a detail, kept in a `FileProblem`: a cell may hold megabytes,
#: and a report or a message must not repeat them.
MAX_SHOWN_PATH = 300
MAX_SHOWN_DETAIL = 1000


@dataclass(frozen=True)
class FileProblem:
    """One input that could not be used: its row, the path as written, what went wrong
    (``missing``, ``outside allowed roots``, ``no path``, ``unreadable``, ``empty``, ``model
    failed``) and a detail for people.

    ``path`` and ``detail`` are kept printable and short (`printable`): they go into reports and
    messages, and the cell they come from may hold anything.
    """

    row: int
    path: str
    problem: str
    detail: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", printable(self.path, MAX_SHOWN_PATH))
        object.__setattr__(self, "detail", printable(self.detail, MAX_SHOWN_DETAIL))

    def to_dict(self) -> dict[str, object]:
        return {"row": self.row, "path": self.path, "problem": self.problem, "detail": self.detail}


@dataclass(frozen=True)
class ResolvedPaths:
    """The usable files (with their row numbers) and the problems of the rest."""

    rows: tuple[int, ...]
    paths: tuple[Path, ...]
    problems: tuple[FileProblem, ...]


class _Unusable(Exception):
    """A path that names no file that can be read: ``problem`` and ``detail`` of its
    `FileProblem`."""

    def __init__(self, problem: str, detail: str) -> None:
        super().__init__(detail)
        self.problem = problem
        self.detail = detail


def _is_empty(value: object) -> bool:
    """An empty cell: None, NaN or the empty string (compared as text only, as a cell may hold
    an array)."""
    return (
        value is None
        or (isinstance(value, float) and math.isnan(value))
        or (isinstance(value, str) and not value)
    )


def _within(path: Path, roots: Sequence[Path]) -> bool:
    return any(path == root or path.is_relative_to(root) for root in roots)


def _not_a_file(path: Path) -> str:
    """Why ``path``, which is not a regular file, cannot be read: the detail of a ``missing``."""
    if path.is_dir():
        return f"{printable(str(path))} is a folder, not a file"
    if path.exists():
        return f"{printable(str(path))} is not a regular file (a device, socket or pipe)"
    return f"{printable(str(path))} does not exist"


def _os_reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def _resolved(written: str, base: Path) -> Path:
    """``written`` resolved against ``base``, symbolic links followed.

    Raises
    ------
    _Unusable
        ``written`` cannot name a file: a NUL byte, characters the file system cannot encode,
        ``~user`` of an unknown user, a symbolic link loop, a name too long.
    """
    if "\x00" in written:
        raise _Unusable("unreadable", "the path holds a NUL byte, which no file name can hold")
    try:
        os.fsencode(written)
    except UnicodeEncodeError as exc:
        raise _Unusable(
            "unreadable",
            f"the path holds {written[exc.start]!r}, which cannot be encoded as a file name "
            f"({exc.encoding})",
        ) from None
    try:
        return (base / Path(written).expanduser()).resolve()
    except RuntimeError as exc:  # a symlink loop (Python < 3.13), or ~user of no such user
        raise _Unusable("unreadable", f"the path cannot be resolved: {exc}") from None
    except OSError as exc:  # a symlink loop (Python 3.13+), a name too long, no permission
        raise _Unusable("unreadable", f"the path cannot be resolved: {_os_reason(exc)}") from None


def _checked(path: Path, roots: Sequence[Path]) -> None:
    """Refuse ``path`` when it is outside ``roots`` or not a regular file that can be
    reached."""
    if not _within(path, roots):
        allowed = ", ".join(printable(str(r)) for r in roots)
        raise _Unusable(
            "outside allowed roots",
            f"{printable(str(path))} is not under {allowed} "
            "(add a root with --allow-root, allow_roots= in Python)",
        )
    try:
        is_file = path.is_file()
    except OSError as exc:  # a name too long, a folder on the way that may not be searched
        raise _Unusable("unreadable", f"{printable(str(path))}: {_os_reason(exc)}") from None
    if not is_file:
        raise _Unusable("missing", _not_a_file(path))


def base_folder(source: Any) -> Path:
    """The folder relative paths in ``source`` are read from: the table file's, or the current
    folder for a table given in memory (a DataFrame)."""
    return Path(source).resolve().parent if isinstance(source, str | Path) else Path.cwd()


def resolve_paths(
    values: Iterable[object], base: Path, allow_roots: Sequence[Path | str] | None = None
) -> ResolvedPaths:
    """Resolve each value (absolute, or relative to ``base``, the folder of the table) and keep
    the files that exist under ``allow_roots`` (default: ``base`` and below). Symbolic links are
    followed before the check, so a link cannot lead outside the roots. A value that names no
    readable file is a `FileProblem` of its row."""
    base = Path(base).resolve()
    roots = [Path(r).resolve() for r in allow_roots] if allow_roots else [base]
    rows: list[int] = []
    paths: list[Path] = []
    problems: list[FileProblem] = []
    for row, value in enumerate(values):
        if _is_empty(value):
            problems.append(FileProblem(row, "", "no path", "the cell is empty"))
            continue
        written = str(value)
        try:
            path = _resolved(written, base)
            _checked(path, roots)
        except _Unusable as exc:
            problems.append(FileProblem(row, written, exc.problem, exc.detail))
            continue
        rows.append(row)
        paths.append(path)
    return ResolvedPaths(tuple(rows), tuple(paths), tuple(problems))


#: Values of a column looked at to tell whether it holds file paths.
PATH_SAMPLE = 100


def _names_file(value: str, base: Path) -> bool:
    try:
        return (base / Path(value).expanduser()).is_file()
    except (OSError, RuntimeError, ValueError):  # a cell may hold anything
        return False


def holds_paths(values: Iterable[object], base: Path) -> bool:
    """Whether ``values`` (a column of a table in the folder ``base``) are file paths: among the
    first `PATH_SAMPLE` that are not empty, every one is text ending in a file extension
    (``masks/3.png``) and at least one names a file that exists.

    A column of paths (masks beside the images, a second view of each input) has a distinct
    value on every row: tested as a category it would always drift.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     _ = (Path(folder) / "a.png").write_bytes(b"x")
    ...     holds_paths(["a.png", "b.png", None], Path(folder)), holds_paths(["cat"], Path(folder))
    (True, False)
    """
    sample: list[str] = []
    for value in values:
        if _is_empty(value):
            continue
        if not isinstance(value, str) or not Path(value).suffix:
            return False
        sample.append(value)
        if len(sample) == PATH_SAMPLE:
            break
    return any(_names_file(value, Path(base)) for value in sample)
