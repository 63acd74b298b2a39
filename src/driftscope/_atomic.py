"""Files written whole or not at all: readers see the old content or the new, never half.

Below every layer (it imports only `exceptions` and `_shorten`), so the report, the profiles'
files and the command line share one writer.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from driftscope._shorten import shown
from driftscope.exceptions import OutputFileError

__all__ = ["write_all", "write_atomic"]


def write_atomic(path: str | Path, text: str | bytes) -> None:
    """Write a file so that readers see either the old content or the new, never half of it."""
    write_all([(Path(path), text)])


def write_all(files: Sequence[tuple[Path, str | bytes]]) -> None:
    """Write every file or none: each text goes to a temporary file beside its target, and the
    temporaries are renamed over the targets only once all of them are written.

    A symlink is written through (its target gets the new content; the link stays). An error
    names the user's path, never the temporary one.
    """
    done: list[tuple[Path, Path]] = []
    try:
        for path, text in files:
            done.append((path, _write_temporary(path, text)))
        for path, tmp in done:
            _rename(tmp, path)
    except BaseException:
        for _, tmp in done:
            tmp.unlink(missing_ok=True)
        raise


def _real(path: Path) -> Path:
    # Follow symlinks (a dangling one included) so the link itself is kept and its target
    # written; os.replace on the link would swap the link for a plain file.
    return Path(os.path.realpath(path))


def _failed(path: Path, exc: OSError) -> OutputFileError:
    reason = exc.strerror or type(exc).__name__
    return OutputFileError(f"Could not write {shown(str(path))}: {reason}.")


def _write_temporary(path: Path, text: str | bytes) -> Path:
    target = _real(path)
    if target.is_dir():
        raise OutputFileError(f"Could not write {shown(str(path))}: it is a folder.")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    except OSError as exc:
        raise _failed(path, exc) from None
    tmp = Path(name)
    try:
        # mkstemp creates the file private (0600); give it the mode a plain open() would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8") if isinstance(text, str) else text)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise _failed(path, exc) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def _rename(tmp: Path, path: Path) -> None:
    try:
        os.replace(tmp, _real(path))
    except OSError as exc:
        raise _failed(path, exc) from None
