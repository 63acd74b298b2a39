"""What the app, its routes and its workers share: settings, the store's engine and sessions,
and the artifacts. Made once by `open_state` (the app factory, `driftscope worker`, the tests)."""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from driftscope.server import db
from driftscope.server.settings import ServerSettings
from driftscope.server.storage import ArtifactStore

__all__ = ["State", "open_state"]


@dataclass(frozen=True)
class State:
    settings: ServerSettings
    engine: Engine
    #: Sessions for reads, and for writes (`db.transaction`).
    sessions: sessionmaker[Session]
    writers: sessionmaker[Session]
    artifacts: ArtifactStore
    #: Per model, where its last logged batch went (`services.ingest`): a hint that spares a
    #: read per batch, checked again in the transaction that stores the batch.
    logging_targets: dict[str, Any] = field(default_factory=dict)


#: Scratch folders of uploads older than this were left by a process that died while reading.
SCRATCH_GRACE_SECONDS = 3600


def open_state(settings: ServerSettings, migrate: bool = True) -> State:
    """The store opened (and migrated to the latest revision, unless ``migrate`` is off). A data
    directory made here is its owner's only: the store keeps the notifiers' secrets in clear (they
    are needed to sign and to log in). One that exists is left as its owner set it."""
    settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    _clean_scratch(settings.data_dir / "tmp")
    engine = db.make_engine(settings.url)
    if migrate:
        db.upgrade(engine)
    return State(
        settings,
        engine,
        db.make_sessions(engine),
        db.make_writers(engine),
        ArtifactStore(settings.artifacts_dir),
    )


def _clean_scratch(scratch: Path) -> None:
    """Remove what uploads left in the scratch folder when their process was killed (only what
    is old enough not to belong to a live upload of another process)."""
    if not scratch.is_dir():
        return
    cutoff = time.time() - SCRATCH_GRACE_SECONDS
    for entry in scratch.iterdir():
        if entry.stat().st_mtime < cutoff:
            shutil.rmtree(entry, ignore_errors=True)
