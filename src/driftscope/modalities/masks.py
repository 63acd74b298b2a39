"""Segmentation masks: the one loader, for `driftscope.monitor` (masks in a table's cells) and
`driftscope.monitor_images` (ground-truth masks beside the images).

A cell holds a mask as an array, or the path of a ``.npy`` or image file. Paths go through the
one gate for user-given paths (`driftscope.data.paths`): resolved against the table's folder and
read only under the allowed roots. A mask that cannot be used (outside the roots, missing,
unreadable, too large) is a `FileProblem` of its row, and the row is left unlabelled.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from driftscope.data.paths import FileProblem, resolve_paths
from driftscope.exceptions import ColumnError, FileFormatError

__all__ = ["MAX_MASK_PIXELS", "Masks", "load_mask", "read_mask_columns", "read_masks"]

#: Most pixels a mask read from a file may have (4096 x 4096): masks are kept in memory as int64
#: beside the predicted masks resized to their size, and a header of a few bytes may declare
#: any size.
MAX_MASK_PIXELS = 1 << 24


@dataclass(frozen=True)
class Masks:
    """One mask per cell given to `read_masks` (None where there is none to use), and the
    problems of the paths that could not be used, each naming its table row."""

    masks: tuple[NDArray[np.int64] | None, ...]
    problems: tuple[FileProblem, ...]


def _check_size(shape: tuple[int, ...]) -> None:
    if math.prod(shape) > MAX_MASK_PIXELS:
        raise FileFormatError(
            f"it declares {' x '.join(map(str, shape))} values; a mask may have at most "
            f"{MAX_MASK_PIXELS:,} pixels (4096 x 4096)"
        )


def load_mask(path: Path) -> NDArray[np.int64]:
    """A mask of class indices from a file the gate let through: a 2-D ``.npy`` array, or a
    single-channel image (a colour image whose channels are equal is read as one channel), of
    at most `MAX_MASK_PIXELS` pixels, checked on the size the file declares before it is read.

    Raises
    ------
    ColumnError
        An image mask needs Pillow, which is not installed.
    Exception
        numpy and Pillow raise many kinds for a bad file; `read_masks` makes each a problem.
    """
    if path.suffix.lower() == ".npy":
        # Memory-mapped: the header's shape is checked before any value is read.
        mapped = np.load(path, allow_pickle=False, mmap_mode="r")
        _check_size(mapped.shape)
        mask = np.asarray(mapped)
    else:
        try:
            from driftscope.modalities.images import open_image
        except ImportError:
            raise ColumnError(
                "Reading image masks needs Pillow: pip install 'driftscope[images]'."
            ) from None
        with open_image(path) as image:
            _check_size((image.height, image.width))
            mask = np.asarray(image)
    if mask.ndim == 3 and mask.shape[2] in (3, 4) and (mask[..., :3] == mask[..., :1]).all():
        mask = mask[..., 0]
    if mask.ndim != 2:
        raise FileFormatError(
            f"expected a single-channel mask of class indices (height, width); got shape "
            f"{mask.shape}"
        )
    return np.asarray(mask, dtype=np.int64)


def _is_empty(cell: object) -> bool:
    """None, NaN, NA or the empty string; an array or a list is a value, not a missing one."""
    if isinstance(cell, str):
        return not cell
    return (
        cell is None
        or cell is pd.NA
        or cell is pd.NaT
        or (isinstance(cell, float) and math.isnan(cell))
    )


def read_masks(
    cells: Sequence[object],
    rows: Sequence[int],
    column: str,
    base: Path,
    allow_roots: Sequence[Path | str] | None = None,
) -> Masks:
    """The masks in ``cells`` (the cells of ``column`` at table rows ``rows``): arrays as they
    are, paths resolved against ``base`` and read only under ``allow_roots`` (default: ``base``
    and below), empty cells None. A path that cannot be used is None, with a `FileProblem`
    naming its row, the path and why (``outside allowed roots`` names the roots and the option
    that adds one).

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     np.save(Path(folder) / "m.npy", np.eye(2, dtype=np.int64))
    ...     found = read_masks(["m.npy", "../m.npy", None], [0, 1, 2], "masks", Path(folder))
    >>> [None if m is None else m.tolist() for m in found.masks]
    [[[1, 0], [0, 1]], None, None]
    >>> [(p.row, p.problem) for p in found.problems]
    [(1, 'outside allowed roots')]
    """
    masks: list[NDArray[np.int64] | None] = [None] * len(cells)
    problems: list[FileProblem] = []
    written: list[int] = []  # positions in ``cells`` that hold a path
    for at, cell in enumerate(cells):
        if isinstance(cell, np.ndarray):
            masks[at] = np.asarray(cell, dtype=np.int64)
        elif not _is_empty(cell):
            written.append(at)
    resolved = resolve_paths([cells[at] for at in written], base, allow_roots)
    for problem in resolved.problems:
        at = written[problem.row]
        problems.append(
            FileProblem(
                rows[at], str(cells[at]), problem.problem, f"mask ({column}): {problem.detail}"
            )
        )
    for index, path in zip(resolved.rows, resolved.paths, strict=True):
        at = written[index]
        try:
            masks[at] = load_mask(path)
        except ColumnError:
            raise
        except Exception as exc:  # numpy and Pillow raise many kinds for a bad file
            detail = f"mask ({column}) {path} could not be used: {exc}"
            problems.append(FileProblem(rows[at], str(cells[at]), "unreadable", detail))
    problems.sort(key=lambda p: p.row)
    return Masks(tuple(masks), tuple(problems))


#: Masks that could not be used, listed by path in a warning; the rest are counted.
_MASK_PROBLEMS_SHOWN = 3


def read_mask_columns(
    frame: pd.DataFrame,
    columns: Sequence[str | None],
    side: str,
    base: Path,
    allow_roots: Sequence[Path | str] | None,
) -> tuple[pd.DataFrame, list[str]]:
    """``frame`` with its mask columns as arrays, read through `read_masks` (paths resolved
    against ``base`` and read only under ``allow_roots``, as `monitor_images` reads them). A
    mask that cannot be used leaves its row unlabelled; a warning counts them and names the
    first few with the reason."""
    warnings: list[str] = []
    frame = frame.copy()
    for column in dict.fromkeys(c for c in columns if c is not None and c in frame.columns):
        cells = frame[column].tolist()
        found = read_masks(cells, range(len(cells)), column, base, allow_roots)
        frame[column] = pd.Series(found.masks, index=frame.index, dtype=object)
        if found.problems:
            listed = "; ".join(
                f"row {p.row}: {p.problem}: {p.detail}"
                for p in found.problems[:_MASK_PROBLEMS_SHOWN]
            )
            more = "; ..." if len(found.problems) > _MASK_PROBLEMS_SHOWN else ""
            warnings.append(
                f"Masks ({side}): {len(found.problems)} mask file(s) in column {column!r} could "
                f"not be used and their rows are left out of performance ({listed}{more})."
            )
    return frame, warnings
