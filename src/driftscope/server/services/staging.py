"""Uploads kept between the steps of a form: the add-model form checks the files, then shows the
inferred schema for confirmation, and only then stores anything.

Each set of uploads is a *stage*: a folder of its own under ``<data_dir>/tmp``, named by a
random token, owned by the user who sent it, with what the user typed. A file is kept under
the name of its form field and the extension the client gave (never the client's name), each
within the upload size limit. A stage is removed when the form is saved or cancelled; one left
alone is swept `STAGE_SECONDS` after it was last used (and when the server starts, with the
rest of the scratch folder), and a user keeps at most `STAGES_PER_USER` at once.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from driftscope.server.security import new_secret
from driftscope.server.services.uploads import Spooled, Upload, spool
from driftscope.server.services.users import Principal
from driftscope.server.state import SCRATCH_GRACE_SECONDS, State

__all__ = ["STAGES_PER_USER", "STAGE_SECONDS", "Stage", "find_stage", "open_stage", "stages_root"]

#: A stage not used for this long is removed (the scratch folder's own grace, so that a server
#: started again removes the same ones).
STAGE_SECONDS = SCRATCH_GRACE_SECONDS
#: Stages a user keeps at once; opening one more removes their oldest.
STAGES_PER_USER = 4
_PREFIX = "stage-"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,128}")
_MANIFEST = "stage.json"


def stages_root(state: State) -> Path:
    return state.settings.data_dir / "tmp"


@dataclass
class Stage:
    """One user's uploads and typed fields between the steps of a form."""

    token: str
    folder: Path
    owner: int
    #: What the user typed, by field, to show the form again.
    form: dict[str, Any] = field(default_factory=dict)
    #: The files kept, by form field: the name the client gave (shown, never used as a path).
    files: dict[str, str] = field(default_factory=dict)
    #: Whatever else the form keeps between its steps (the schema shown for confirmation).
    extra: dict[str, Any] = field(default_factory=dict)

    def _path(self, form_field: str, filename: str) -> Path:
        return self.folder / f"{form_field}{Path(filename).suffix.lower()}"

    def spooled(self, form_field: str) -> Spooled | None:
        """The file kept for ``form_field``, if any."""
        filename = self.files.get(form_field)
        if filename is None:
            return None
        return Spooled(form_field, filename, self._path(form_field, filename))

    def keep(self, state: State, upload: Upload) -> None:
        """Keep an upload for its field, in place of the one kept before; refused past the
        size limit (and then nothing of it is kept)."""
        self.drop(upload.field)
        try:
            spool(state, upload, self.folder)
        except BaseException:
            self._path(upload.field, upload.filename).unlink(missing_ok=True)
            raise
        self.files[upload.field] = upload.filename
        self.save()

    def drop(self, form_field: str) -> None:
        filename = self.files.pop(form_field, None)
        if filename is not None:
            self._path(form_field, filename).unlink(missing_ok=True)
            self.save()

    @property
    def work(self) -> Path:
        """A scratch folder inside the stage (for unpacking a zip)."""
        folder = self.folder / "work"
        folder.mkdir(exist_ok=True)
        return folder

    def save(self) -> None:
        manifest = {
            "owner": self.owner,
            "form": self.form,
            "files": self.files,
            "extra": self.extra,
        }
        temporary = self.folder / f".{_MANIFEST}"
        temporary.write_text(json.dumps(manifest), encoding="utf-8")
        os.replace(temporary, self.folder / _MANIFEST)
        os.utime(self.folder)  # last used now: the sweep counts from here

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def _expired(folder: Path, now: float) -> bool:
    try:
        return folder.stat().st_mtime < now - STAGE_SECONDS
    except FileNotFoundError:
        return False


def _load(folder: Path, token: str) -> Stage | None:
    try:
        manifest = json.loads((folder / _MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return Stage(
        token,
        folder,
        int(manifest["owner"]),
        dict(manifest.get("form") or {}),
        {str(k): str(v) for k, v in (manifest.get("files") or {}).items()},
        dict(manifest.get("extra") or {}),
    )


def _stages(state: State) -> list[Path]:
    root = stages_root(state)
    if not root.is_dir():
        return []
    return [entry for entry in root.iterdir() if entry.name.startswith(_PREFIX) and entry.is_dir()]


def open_stage(state: State, principal: Principal) -> Stage:
    """A new, empty stage of ``principal``'s; the stages nobody used for `STAGE_SECONDS` are
    removed, and the user's oldest past `STAGES_PER_USER`."""
    now = time.time()
    mine: list[Stage] = []
    for folder in _stages(state):
        if _expired(folder, now):
            shutil.rmtree(folder, ignore_errors=True)
            continue
        stage = _load(folder, folder.name.removeprefix(_PREFIX))
        if stage is not None and stage.owner == principal.user_id:
            mine.append(stage)
    mine.sort(key=lambda stage: stage.folder.stat().st_mtime)
    for stage in mine[: max(0, len(mine) - STAGES_PER_USER + 1)]:
        stage.remove()
    token = new_secret()
    folder = stages_root(state) / f"{_PREFIX}{token}"
    folder.mkdir(parents=True)
    stage = Stage(token, folder, principal.user_id)
    stage.save()
    return stage


def find_stage(state: State, principal: Principal, token: str) -> Stage | None:
    """``principal``'s stage named ``token``, unless it is gone, expired, or another user's."""
    if not _TOKEN.fullmatch(token):
        return None
    folder = stages_root(state) / f"{_PREFIX}{token}"
    if not folder.is_dir() or _expired(folder, time.time()):
        return None
    stage = _load(folder, token)
    if stage is None or stage.owner != principal.user_id:
        return None
    return stage
