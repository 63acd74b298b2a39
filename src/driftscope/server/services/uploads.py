"""Uploaded tables: copied to a temporary file under the data directory within the size limit,
read by the same reader as the library (`driftscope.data.io.read_table`: CSV, TSV, Parquet,
JSON Lines), and refused with a message naming the request field when they cannot be used."""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import pandas as pd

from driftscope.data.io import SUPPORTED_SUFFIXES, read_table
from driftscope.exceptions import DriftscopeError
from driftscope.server.errors import Invalid, TooLarge
from driftscope.server.state import State
from driftscope.server.storage import TooLargeError, copy_limited

__all__ = ["Spooled", "Upload", "read_spooled", "read_upload", "scratch", "spool", "table_error"]

#: Where the size limit of an upload is set, as its messages say.
LIMIT = "DRIFTSCOPE_MAX_UPLOAD_BYTES"


@dataclass(frozen=True)
class Upload:
    """One uploaded file: the name the client gave it (only its extension is used) and its
    content."""

    field: str
    filename: str
    stream: BinaryIO

    @property
    def suffix(self) -> str:
        return Path(self.filename or "").suffix.lower()


@dataclass(frozen=True)
class Spooled:
    """An uploaded file copied to the server's disk: the field it came in, the name the client
    gave it (only its extension is used), and where it is."""

    field: str
    filename: str
    path: Path

    @property
    def suffix(self) -> str:
        return Path(self.filename or "").suffix.lower()


def spool(state: State, upload: Upload, folder: Path) -> Path:
    """The upload copied into ``folder`` as ``<field><suffix>``, refused past the size limit."""
    target = folder / f"{upload.field}{upload.suffix}"
    with target.open("wb") as out:
        try:
            copy_limited(
                upload.stream, out, state.settings.max_upload_bytes, repr(upload.field), LIMIT
            )
        except TooLargeError as exc:
            raise TooLarge(str(exc), field=upload.field) from None
    return target


@contextmanager
def scratch(state: State) -> Iterator[Path]:
    """A temporary folder under the data directory, removed at the end (or, if the process
    dies first, when the server starts again)."""
    root = state.settings.data_dir / "tmp"
    root.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(dir=root))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _table_suffix(field: str, filename: str, suffix: str) -> None:
    if suffix not in SUPPORTED_SUFFIXES:
        known = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise Invalid(f"{field!r} must be a table file ({known}); got {filename!r}.", field=field)


def read_spooled(spooled: Spooled) -> pd.DataFrame:
    """The spooled table, with at least one row."""
    field, filename = spooled.field, spooled.filename
    _table_suffix(field, filename, spooled.suffix)
    try:
        frame = read_table(spooled.path, name=filename).frame
    except DriftscopeError as exc:
        reason = table_error(exc, spooled.path, filename)
        raise Invalid(f"{field!r} could not be read: {reason}", field=field) from None
    if len(frame) == 0:
        raise Invalid(f"{field!r} ({filename!r}) has no rows.", field=field)
    return frame


def read_upload(state: State, upload: Upload) -> pd.DataFrame:
    """The uploaded table, with at least one row."""
    _table_suffix(upload.field, upload.filename, upload.suffix)
    with scratch(state) as folder:
        path = spool(state, upload, folder)
        return read_spooled(Spooled(upload.field, upload.filename, path))


#: What the library's reader says that holds for its command line, or for its own internals,
#: and what a client of the service is told instead.
_CLIENT_TERMS = (
    (re.compile(r"Could not open Parquet input source '[^']*': "), ""),
    (
        re.compile(
            r"Parquet magic bytes not found in footer\. Either the file is corrupted or "
            r"this is not a parquet file\.?"
        ),
        "the file is not Parquet, or it is damaged (cut short?).",
    ),
    (re.compile(r"Error tokenizing data\. C error: "), ""),
    (re.compile(r" ?\(--delimiter\)"), ""),
    (
        re.compile(r"Pass the file's encoding \(for example --encoding \S+\) or convert it to "),
        "Convert it to ",
    ),
)


def table_error(exc: Exception, path: Path, shown: str) -> str:
    """Why the table at ``path`` (a server's file) could not be read, in the client's terms:
    the file named ``shown`` (the name the client gave it), never the server's path, and no
    advice about the command line's options."""
    text = str(exc)
    for spelled in (repr(str(path)), str(path), str(path.parent)):
        text = text.replace(spelled, repr(shown))
    for pattern, replacement in _CLIENT_TERMS:
        text = pattern.sub(replacement, text)
    return text
