"""File paths that come from user data: resolved against the table they came from and read only
under the roots the operator allows."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["FileProblem", "ResolvedPaths", "resolve_paths"]


@dataclass(frozen=True)
class FileProblem:
    """One input that could not be used: its row, the path as written, what went wrong
    (``missing``, ``outside allowed roots``, ``no path``, ``unreadable``, ``empty``, ``model
    failed``) and a detail for people."""

    row: int
    path: str
    problem: str
    detail: str

    def to_dict(self) -> dict[str, object]:
        return {"row": self.row, "path": self.path, "problem": self.problem, "detail": self.detail}


@dataclass(frozen=True)
class ResolvedPaths:
    """The usable files (with their row numbers) and the problems of the rest."""

    rows: tuple[int, ...]
    paths: tuple[Path, ...]
    problems: tuple[FileProblem, ...]


def _within(path: Path, roots: Sequence[Path]) -> bool:
    return any(path == root or path.is_relative_to(root) for root in roots)


def _not_a_file(path: Path) -> str:
    """Why ``path``, which is not a regular file, cannot be read: the detail of a ``missing``."""
    if path.is_dir():
        return f"{path} is a folder, not a file"
    if path.exists():
        return f"{path} is not a regular file (a device, socket or pipe)"
    return f"{path} does not exist"


def resolve_paths(
    values: Iterable[object], base: Path, allow_roots: Sequence[Path | str] | None = None
) -> ResolvedPaths:
    """Resolve each value (absolute, or relative to ``base``, the folder of the table) and keep
    the files that exist under ``allow_roots`` (default: ``base`` and below). Symbolic links are
    followed before the check, so a link cannot lead outside the roots."""
    base = Path(base).resolve()
    roots = [Path(r).resolve() for r in allow_roots] if allow_roots else [base]
    rows: list[int] = []
    paths: list[Path] = []
    problems: list[FileProblem] = []
    for row, value in enumerate(values):
        if value is None or (isinstance(value, float) and math.isnan(value)) or value == "":
            problems.append(FileProblem(row, "", "no path", "the cell is empty"))
            continue
        written = str(value)
        path = (base / Path(written).expanduser()).resolve()
        if not _within(path, roots):
            allowed = ", ".join(str(r) for r in roots)
            problems.append(
                FileProblem(
                    row,
                    written,
                    "outside allowed roots",
                    f"{path} is not under {allowed} (add a root with --allow-root)",
                )
            )
        elif not path.is_file():
            problems.append(FileProblem(row, written, "missing", _not_a_file(path)))
        else:
            rows.append(row)
            paths.append(path)
    return ResolvedPaths(tuple(rows), tuple(paths), tuple(problems))
