"""Zip uploads of image and audio data: a table naming the files, and the files, unpacked safely.

A zip holds one table at its top level (CSV, TSV, Parquet or JSON Lines) and the files it names,
by paths relative to the zip's root. Unpacking refuses, naming the member: a path that is
absolute or climbs out (``..``), a link, more than ``max_zip_members`` members, and more than
``max_zip_bytes`` unpacked (counted as the bytes come, not as the zip declares them, so a
forged size does not get a bomb through). The zip itself is the stored artifact; it is unpacked,
once, into ``<data_dir>/unpacked/<its hash>/``, written to a temporary folder and renamed.
"""

from __future__ import annotations

import shutil
import stat
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

from driftscope.data.io import SUPPORTED_SUFFIXES
from driftscope.server.errors import Invalid, TooLarge
from driftscope.server.state import State

__all__ = ["table_in", "unpack", "unpack_into"]

_CHUNK = 1 << 20


def _member_path(name: str, field: str) -> PurePosixPath:
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or (path.parts and ":" in path.parts[0]):
        raise Invalid(
            f"{field!r}: the zip member {name!r} would be written outside the upload's folder.",
            field=field,
        )
    return path


def unpack_into(state: State, archive: Path, target: Path, field: str) -> None:
    """Unpack the zip at ``archive`` into the folder ``target``, safely (see the module)."""
    settings = state.settings
    try:
        with zipfile.ZipFile(archive) as zipped:
            members = zipped.infolist()
            if len(members) > settings.max_zip_members:
                raise TooLarge(
                    f"{field!r} holds {len(members):,} files; the limit is "
                    f"{settings.max_zip_members:,} (DRIFTSCOPE_MAX_ZIP_MEMBERS).",
                    field=field,
                )
            written = 0
            for member in members:
                path = _member_path(member.filename, field)
                mode = member.external_attr >> 16
                if stat.S_ISLNK(mode):
                    raise Invalid(
                        f"{field!r}: the zip member {member.filename!r} is a link; links are "
                        "not unpacked.",
                        field=field,
                    )
                destination = target.joinpath(*path.parts)
                if member.is_dir():
                    destination.mkdir(parents=True, exist_ok=True)
                    continue
                destination.parent.mkdir(parents=True, exist_ok=True)
                with zipped.open(member) as source, destination.open("wb") as out:
                    while chunk := source.read(_CHUNK):
                        written += len(chunk)
                        if written > settings.max_zip_bytes:
                            raise TooLarge(
                                f"{field!r} unpacks to more than {settings.max_zip_bytes:,} "
                                "bytes (DRIFTSCOPE_MAX_ZIP_BYTES).",
                                field=field,
                            )
                        out.write(chunk)
    except zipfile.BadZipFile as exc:
        raise Invalid(f"{field!r} is not a zip file: {exc}.", field=field) from None


def unpack(state: State, key: str, field: str) -> Path:
    """The folder a stored zip is unpacked in (unpacked now if it is not yet)."""
    root = state.settings.data_dir / "unpacked"
    folder = root / key
    if folder.is_dir():
        return folder
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".tmp-", dir=root))
    try:
        unpack_into(state, state.artifacts.path(key), staging, field)
        try:
            staging.rename(folder)
        except OSError:  # another worker unpacked the same zip first
            if not folder.is_dir():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder


def table_in(folder: Path, field: str) -> Path:
    """The one table at the top of an unpacked zip."""
    tables = sorted(
        p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES
    )
    if len(tables) != 1:
        found = ", ".join(p.name for p in tables[:5]) or "none"
        raise Invalid(
            f"{field!r} must hold exactly one table (CSV, Parquet or JSON Lines) at its top level, "
            f"naming the files; found {found}.",
            field=field,
        )
    return tables[0]
