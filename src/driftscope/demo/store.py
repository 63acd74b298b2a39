"""The demo store: a `driftscope serve` data directory filled with the five demo models, each
with a version in production and six weekly runs, analysed by the service's own jobs.

`fill_store` goes through the service's code path in process: the registry adds each model and
its version, the runs are uploaded with their analysis jobs, and the jobs are run by the same
`run_one` as the server's worker, until none is left. A model is added in one transaction with
its version and its runs, so a fill that is killed leaves each model whole or absent; one whose
runs were not all analysed is deleted and added again by the next fill. The marker file is
written last, once every run of every model is analysed: from then on the store is the user's
(what they change in the app is kept), and a fill finds the marker and does nothing.

The first admin, ``admin``, gets ``DRIFTSCOPE_ADMIN_PASSWORD`` or a generated password, written
first to ``admin-password.txt`` in the data directory (readable by its owner only), so that a
second start can say where it is.
"""

from __future__ import annotations

import fcntl
import io
import json
import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pydantic import SecretStr
from sqlalchemy import func, select

from driftscope.demo._data import WEEKS, DemoModel
from driftscope.demo.diabetes import DIABETES
from driftscope.demo.digits import DIGITS
from driftscope.demo.segmentation import SEGMENTATION
from driftscope.demo.speech import SPEECH
from driftscope.demo.support import SUPPORT
from driftscope.exceptions import DriftscopeError
from driftscope.server import db, jobs
from driftscope.server.models import Model, Role, Run, RunStatus, User
from driftscope.server.services import registry, runs
from driftscope.server.services.uploads import Upload
from driftscope.server.services.users import MIN_PASSWORD_LENGTH, Principal, ensure_admin
from driftscope.server.settings import ServerSettings, load_settings
from driftscope.server.state import State, open_state
from driftscope.server.worker import JOB_KINDS

__all__ = [
    "MARKER",
    "MODELS",
    "PASSWORD_FILE",
    "Filled",
    "fill_store",
    "store_settings",
]

#: The five models of the demo, in the order they are added.
MODELS: tuple[DemoModel, ...] = (DIGITS, DIABETES, SUPPORT, SPEECH, SEGMENTATION)
#: Written last, when every run is analysed; its presence means the store is filled.
MARKER = "demo-filled.json"
PASSWORD_FILE = "admin-password.txt"
_LOCK = ".demo-fill.lock"
ADMIN = "admin"


@dataclass(frozen=True)
class Filled:
    """What `fill_store` did: the demo's models and those it added (none when the store was
    filled already), the admin's password when this fill generated it (to be shown once; None
    when it was given, or the admin was there already), where the password is kept (None when
    the file is gone), and how long it took."""

    data_dir: Path
    models: tuple[str, ...]
    added: tuple[str, ...]
    password: str | None
    password_file: Path | None
    seconds: float

    @property
    def reused(self) -> bool:
        return not self.added


def store_settings(data_dir: Path, **given: object) -> ServerSettings:
    """The demo store's settings: its SQLite file in ``data_dir`` whatever
    ``DRIFTSCOPE_DATABASE_URL`` says (the demo never writes to another store)."""
    data_dir = data_dir.expanduser().resolve()
    return load_settings(
        data_dir=data_dir, database_url=f"sqlite:///{data_dir / 'driftscope.db'}", **given
    )


def fill_store(
    data_dir: Path,
    *,
    admin_password: str | None = None,
    size: float = 1.0,
    models: Sequence[DemoModel] = MODELS,
    progress: Callable[[str], None] | None = None,
) -> Filled:
    """Fill the store in ``data_dir`` with the demo ``models`` unless it is filled already;
    complete a store a killed fill left half done. ``size`` scales the weekly rows (the tests
    use less than 1). ``admin_password`` is the first admin's (else one is generated)."""
    if admin_password is not None and len(admin_password) < MIN_PASSWORD_LENGTH:
        raise DriftscopeError(
            f"DRIFTSCOPE_ADMIN_PASSWORD must have at least {MIN_PASSWORD_LENGTH} characters; "
            f"it has {len(admin_password)}."
        )
    say = progress or (lambda _message: None)
    started = time.monotonic()
    data_dir = data_dir.expanduser().resolve()
    # The store holds the notifiers' secrets, as `open_state` makes it: its owner's only.
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    password_file = data_dir / PASSWORD_FILE
    names = tuple(m.name for m in models)
    with _only_fill(data_dir):
        if (data_dir / MARKER).is_file():
            kept = password_file if password_file.is_file() else None
            return Filled(data_dir, names, (), None, kept, time.monotonic() - started)
        state = open_state(store_settings(data_dir, worker=False))
        try:
            password = _first_admin(state, admin_password, password_file)
            principal = _admin(state)
            added = []
            for model in models:
                if _analysed(state, model.name):
                    continue
                say(f"adding {model.name} ({model.task}): {WEEKS} weekly runs")
                _add(state, principal, model, size)
                added.append(model.name)
            _run_jobs(state, say)
            _check(state, models)
        finally:
            state.engine.dispose()
        seconds = time.monotonic() - started
        _write_marker(data_dir, models, seconds)
    kept = password_file if password_file.is_file() else None
    return Filled(data_dir, names, tuple(added), password, kept, seconds)


@contextmanager
def _only_fill(data_dir: Path) -> Iterator[None]:
    """Hold the data directory's fill lock: a second fill at the same time stops with a
    message instead of adding the models twice."""
    with (data_dir / _LOCK).open("a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DriftscopeError(
                f"Another process is filling the demo store in {data_dir}; wait for it to end."
            ) from None
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _first_admin(state: State, given: str | None, password_file: Path) -> str | None:
    """Create the first admin when the store has no user yet, its password written to
    ``password_file`` before the admin is stored (a fill killed in between loses nothing: the
    next one makes the admin with the password in the file). The password when it was
    generated (to be shown), else None."""
    with state.sessions() as session:
        if session.scalar(select(func.count()).select_from(User)):
            return None
    password = given
    if password is None and password_file.is_file():
        password = password_file.read_text(encoding="utf-8").strip() or None
    if password is None:
        from driftscope.server.security import new_password

        password = new_password()
    _write_private(password_file, password + "\n")
    settings = state.settings.model_copy(update={"admin_password": SecretStr(password)})
    with db.transaction(state.writers) as session:
        ensure_admin(session, settings)
    return None if given else password


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable and writable by its owner only, whole or not at
    all."""
    partial = path.with_name(f".{path.name}.partial")
    partial.unlink(missing_ok=True)
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    os.replace(partial, path)


def _admin(state: State) -> Principal:
    """The admin who adds the demo's models."""
    with state.sessions() as session:
        user = session.scalar(select(User).where(User.username == ADMIN))
        if user is None:
            raise DriftscopeError(
                f"The demo store in {state.settings.data_dir} has users but no {ADMIN!r}; "
                "delete the folder to start over."
            )
        return Principal(user.id, user.username, Role(user.role))


def _analysed(state: State, name: str) -> bool:
    """Whether the model is in the store with every weekly run analysed."""
    with state.sessions() as session:
        model = session.scalar(select(Model).where(Model.name == name))
        if model is None:
            return False
        statuses = list(session.scalars(select(Run.status).where(Run.model_id == model.id)))
    return len(statuses) == WEEKS and all(s == RunStatus.ANALYSED for s in statuses)


def _add(state: State, principal: Principal, model: DemoModel, size: float) -> None:
    """The model with its version in production and its runs queued for analysis, in one
    transaction (a model left half done by a killed fill is deleted first)."""
    data = model.build(size)
    with db.transaction(state.writers) as session:
        if session.scalar(select(Model.id).where(Model.name == model.name)) is not None:
            registry.delete_model(session, principal, model.name)
            session.flush()
        registry.create_model(session, principal, model.name, model.task, model.description, "week")
        filename, content = data.baseline
        version = registry.add_version(
            state,
            session,
            principal,
            model.name,
            baseline=Upload("baseline", filename, io.BytesIO(content)),
            columns=registry.VersionColumns(
                data.target, data.prediction, data.proba_prefix, data.timestamp
            ),
            benchmarks=data.benchmarks,
            model_file=(
                Upload("model_file", data.model_file[0], io.BytesIO(data.model_file[1]))
                if data.model_file
                else None
            ),
        )
        registry.promote(session, principal, model.name, "production", version.number)
        for run in data.runs:
            runs.upload_run(
                state,
                session,
                principal,
                model.name,
                data=Upload("data", run.filename, io.BytesIO(run.content)),
                date=run.date,
            )


def _run_jobs(state: State, say: Callable[[str], None]) -> None:
    """Run the queued analyses, as the server's worker does, until none is left."""
    worker = f"demo-fill:{os.getpid()}"
    done = 0
    while jobs.run_one(state, JOB_KINDS, worker):
        done += 1
        if done % WEEKS == 0:
            say(f"analysed {done} runs")


def _check(state: State, models: Sequence[DemoModel]) -> None:
    """Every run of every model analysed; else the first failure, named."""
    with state.sessions() as session:
        for demo in models:
            model = session.scalar(select(Model).where(Model.name == demo.name))
            if model is None:
                raise DriftscopeError(f"The demo model {demo.name!r} was not added.")
            for run in session.scalars(select(Run).where(Run.model_id == model.id)):
                if run.status != RunStatus.ANALYSED:
                    raise DriftscopeError(
                        f"The analysis of run {run.id} of the demo model {demo.name!r} "
                        f"{run.status}: {run.error or 'no reason given'}"
                    )


def _write_marker(data_dir: Path, models: Sequence[DemoModel], seconds: float) -> None:
    marker = {
        "models": [m.name for m in models],
        "weeks": WEEKS,
        "filled_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": round(seconds, 1),
    }
    partial = data_dir / f".{MARKER}.partial"
    partial.write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
    os.replace(partial, data_dir / MARKER)
