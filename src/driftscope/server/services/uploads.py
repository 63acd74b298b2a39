"""Uploaded tables: copied to a temporary file under the data directory within the size limit,
read by the same reader as the library (`driftscope.data.io.read_table`: CSV, TSV, Parquet,
JSON Lines), and refused with a message naming the request field when they cannot be used."""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import pandas as pd

from driftscope.data.io import SUPPORTED_SUFFIXES, read_table
from driftscope.exceptions import DriftscopeError
from driftscope.server.errors import Invalid, TooLarge
from driftscope.server.state import State
from driftscope.server.storage import TooLargeError, copy_limited

__all__ = ["Upload", "read_upload", "spool", "table_error"]

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


def read_upload(state: State, upload: Upload) -> pd.DataFrame:
    """The uploaded table, with at least one row."""
    if upload.suffix not in SUPPORTED_SUFFIXES:
        known = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise Invalid(
            f"{upload.field!r} must be a table file ({known}); got {upload.filename!r}.",
            field=upload.field,
        )
    scratch = state.settings.data_dir / "tmp"
    scratch.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(dir=scratch))
    try:
        path = spool(state, upload, folder)
        try:
            frame = read_table(path, name=upload.filename).frame
        except DriftscopeError as exc:
            reason = table_error(exc, path, upload.filename)
            raise Invalid(
                f"{upload.field!r} could not be read: {reason}", field=upload.field
            ) from None
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if len(frame) == 0:
        raise Invalid(f"{upload.field!r} ({upload.filename!r}) has no rows.", field=upload.field)
    return frame


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
