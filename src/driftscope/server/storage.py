"""Artifacts (baselines and runs as Parquet, model files, report JSON) under the data directory,
named by the SHA-256 of their content.

Every write goes to a temporary file in the same folder, is flushed to disk, and is renamed into
place: a crash leaves either the whole file or none, never half of one behind a database row.
The same content is stored once; `sweep` deletes what no row names any more.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, BinaryIO

import pandas as pd

from driftscope.exceptions import DriftscopeError

__all__ = ["ArtifactKeyError", "ArtifactStore", "TooLargeError", "copy_limited"]

_KEY = re.compile(r"[0-9a-f]{64}")
_CHUNK = 1 << 20


class TooLargeError(DriftscopeError, ValueError):
    """An upload beyond the configured size limit."""


class ArtifactKeyError(DriftscopeError, KeyError):
    """A name that is not an artifact's (a SHA-256 in hex)."""


class ArtifactStore:
    """Content-addressed files under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, key: str) -> Path:
        if not _KEY.fullmatch(key):
            raise ArtifactKeyError(f"not an artifact key: {key!r}")
        return self.root / key[:2] / key

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def put_bytes(self, data: bytes) -> str:
        return self._put(lambda out: out.write(data))

    def put_stream(
        self, stream: BinaryIO, limit: int, what: str = "the upload", setting: str = ""
    ) -> str:
        """Copy ``stream`` in, refusing it past ``limit`` bytes (nothing is kept then)."""
        return self._put(lambda out: copy_limited(stream, out, limit, what, setting))

    def put_frame(self, frame: pd.DataFrame) -> str:
        """A table as Parquet. Converted on this thread: pyarrow's pool of converter threads
        costs more to start than a request's table takes to convert."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(frame, preserve_index=False, nthreads=1)
        return self._put(lambda out: pq.write_table(table, out))

    def put_table(self, table: Any) -> str:
        """An Arrow table as an uncompressed Arrow IPC stream: written at memory speed, for the
        logged chunks a run gathers later (runs and baselines are Parquet). A body that is such
        a stream already is stored as it came, with `put_bytes`."""
        import pyarrow as pa

        def write(out: BinaryIO) -> None:
            with pa.ipc.new_stream(out, table.schema) as writer:
                writer.write_table(table)

        return self._put(write)

    def put_rows(self, frame: pd.DataFrame) -> str:
        """A DataFrame as `put_table` writes it."""
        import pyarrow as pa

        return self.put_table(pa.Table.from_pandas(frame, preserve_index=False, nthreads=1))

    def read_table(self, key: str) -> Any:
        """An Arrow table stored by `put_table` or as an IPC stream (or, before those, as an
        Arrow IPC file)."""
        import pyarrow as pa

        with pa.memory_map(str(self.path(key))) as source:
            if source.read(6) == b"ARROW1":  # the file format's magic
                return pa.ipc.open_file(source).read_all()
            source.seek(0)
            return pa.ipc.open_stream(source).read_all()

    def read_rows(self, key: str) -> pd.DataFrame:
        """A table stored by `put_rows` or `put_table`, as a DataFrame."""
        frame: pd.DataFrame = self.read_table(key).to_pandas()
        return frame

    def named(self, key: str, suffix: str) -> Path:
        """The artifact under a name ending in ``suffix`` (a hard link, or a copy across
        devices), for readers that know a file's format by its extension."""
        folder = self.root / ".named"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{key}{suffix}"
        if not target.exists():
            temporary = folder / f".tmp-{key}{suffix}"
            temporary.unlink(missing_ok=True)
            try:
                os.link(self.path(key), temporary)
            except OSError:
                shutil.copyfile(self.path(key), temporary)
            os.replace(temporary, target)
        return target

    def read_bytes(self, key: str) -> bytes:
        return self.path(key).read_bytes()

    def read_frame(self, key: str) -> pd.DataFrame:
        return pd.read_parquet(self.path(key))

    def sweep(self, referenced: Iterable[str], grace_seconds: float = 3600.0) -> int:
        """Delete every artifact not in ``referenced``, and left-over temporary files; the count.

        Files younger than ``grace_seconds`` stay: an artifact is written before the row that
        names it is committed, and a temporary file may still be being written.
        """
        keep = set(referenced)
        removed = 0
        if not self.root.is_dir():
            return 0
        cutoff = time.time() - grace_seconds
        for folder in self.root.iterdir():
            if not folder.is_dir():
                continue
            for file in folder.iterdir():
                # A named link (`named`) goes with its artifact.
                key = file.name.split(".")[0] if folder.name == ".named" else file.name
                unnamed = _KEY.fullmatch(key) and key not in keep
                if (unnamed or file.name.startswith(".tmp-")) and file.stat().st_mtime < cutoff:
                    file.unlink(missing_ok=True)
                    removed += 1
        return removed

    def _put(self, write: Callable[[BinaryIO], object]) -> str:
        self.root.mkdir(parents=True, exist_ok=True)
        staging = self.root / ".staging"
        staging.mkdir(exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=".tmp-", dir=staging)
        temporary = Path(name)
        try:
            with os.fdopen(handle, "wb") as file:
                out = _Hashing(file)
                write(out)  # type: ignore[arg-type]
                file.flush()
                os.fsync(file.fileno())
            key = out.digest.hexdigest()
            target = self.path(key)
            target.parent.mkdir(exist_ok=True)
            os.replace(temporary, target)
            _fsync_folder(target.parent)
            return key
        finally:
            temporary.unlink(missing_ok=True)


class _Hashing:
    """A file being written that hashes what goes through it (no second read)."""

    def __init__(self, file: BinaryIO) -> None:
        self.file = file
        self.digest = hashlib.sha256()
        self.closed = False

    def write(self, data: Any) -> int:
        self.digest.update(data)
        return self.file.write(data)

    def tell(self) -> int:
        return self.file.tell()

    def flush(self) -> None:
        self.file.flush()

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readable(self) -> bool:
        return False

    def close(self) -> None:
        self.closed = True


def copy_limited(source: BinaryIO, out: BinaryIO, limit: int, what: str, setting: str = "") -> None:
    """Copy ``source`` to ``out`` in chunks, refusing it as soon as it passes ``limit`` bytes
    (``setting`` names where the limit is set, for the message)."""
    total = 0
    while chunk := source.read(_CHUNK):
        total += len(chunk)
        if total > limit:
            where = f" ({setting})" if setting else ""
            raise TooLargeError(f"{what} is larger than the limit of {limit:,} bytes{where}.")
        out.write(chunk)


def _fsync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
