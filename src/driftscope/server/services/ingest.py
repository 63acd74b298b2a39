"""Predictions logged by online services, the ground truth that comes later, and feedback.

A service posts batches of predictions (JSON records or an Arrow IPC stream): each row has the
version's id column, a timestamp, the features, the prediction and the class probabilities. A
batch is checked, split by the model's period (hour, day or week, by the rows' timestamps) and
stored as one Arrow IPC chunk per period; nothing is analysed while a request waits. A period's
run gathers its chunks and is analysed like an uploaded run once the period has ended (or at
once on `flush`); chunks that arrive later for an analysed period are added and the run is
analysed again.

Ground truth is posted by id and kept in the store (the last label sent for an id wins); the
logged runs that hold those ids are analysed again with it. Feedback (thumbs up or down, with a
comment) is kept by id, and counted per run (`services.feedback`) as a signal of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from driftscope.server import db
from driftscope.server.errors import Conflict, Invalid
from driftscope.server.jobs import JobKind, enqueue
from driftscope.server.models import (
    PERIODS,
    Feedback,
    Job,
    JobStatus,
    Label,
    LoggedChunk,
    Model,
    Run,
    RunStatus,
    Version,
    now,
)
from driftscope.server.services.feedback import COUNT_FEEDBACK
from driftscope.server.services.registry import get_model, serving, serving_version
from driftscope.server.services.runs import ANALYSE
from driftscope.server.services.users import Principal, audit
from driftscope.server.state import State

__all__ = [
    "ASSEMBLE",
    "ATTACH_LABELS",
    "JOB_KINDS",
    "PERIODS",
    "IngestStatus",
    "enqueue_due_periods",
    "ingest_status",
    "log_feedback",
    "log_labels",
    "log_predictions",
    "queue_periods",
    "read_arrow",
    "set_period",
]

ASSEMBLE = "assemble_period"
ATTACH_LABELS = "attach_labels"
#: The largest batch of predictions, labels or feedback one request may carry.
MAX_BATCH_ROWS = 1_000_000
_TIMESTAMP = "timestamp"


def _first_row(mask: Any) -> int:
    """The first row where ``mask`` (a boolean Series or array) is true."""
    return int(np.flatnonzero(np.asarray(mask))[0])


def set_period(session: Session, principal: Principal, model_name: str, period: str) -> Model:
    if period not in PERIODS:
        raise Invalid(f"The period is one of {', '.join(PERIODS)}; got {period!r}.", field="period")
    model = get_model(session, model_name)
    model.period = period
    audit(session, principal.actor, "model.period", f"model:{model.name}", period=period)
    return model


def read_arrow(body: bytes, field: str = "body") -> pa.Table:
    """A table sent as an Arrow IPC stream."""
    try:
        with pa.ipc.open_stream(pa.py_buffer(body)) as reader:  # the body's memory, no copy
            table = reader.read_all()
    except (pa.ArrowInvalid, OSError) as exc:
        raise Invalid(f"The body is not an Arrow IPC stream: {exc}", field=field) from None
    return table


def _timestamps(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        raise Invalid(
            f"Each logged prediction needs its time in a {column!r} column.", field=column
        )
    values = frame[column]
    try:
        stamps = pd.to_datetime(values, utc=True, format="ISO8601")
    except (ValueError, TypeError):
        parsed = pd.to_datetime(values, utc=True, format="ISO8601", errors="coerce")
        unread = parsed.isna() & values.notna()
        row = _first_row(unread) if unread.any() else 0
        raise Invalid(
            f"Row {row}: {_shown(values.iloc[row])} in {column!r} is not an ISO 8601 time "
            "(such as 2026-11-01T10:00:00Z).",
            field=column,
        ) from None
    if stamps.isna().any():
        row = _first_row(stamps.isna())
        raise Invalid(f"Row {row} has no {column!r}.", field=column)
    return stamps


def _shown(value: Any) -> str:
    """A value as the client sent it (numpy's scalars as plain Python's)."""
    plain = value.item() if isinstance(value, np.generic) else value
    return repr(plain)


def _ids(frame: pd.DataFrame, column: str, what: str) -> pd.Series:
    if column not in frame.columns:
        raise Invalid(f"Each {what} needs its id in the {column!r} column.", field=column)
    ids = frame[column]
    if ids.isna().any():
        row = _first_row(ids.isna())
        raise Invalid(f"Row {row} has no {column!r}.", field=column)
    as_text = ids.astype(str)
    repeated = as_text[as_text.duplicated()]
    if len(repeated):
        shown = ", ".join(map(repr, repeated.unique()[:5]))
        raise Invalid(
            f"{len(repeated)} {what}(s) repeat an id of the same batch ({shown}); each id once.",
            field=column,
        )
    return as_text


def _check_rows(frame: pd.DataFrame | pa.Table, what: str) -> None:
    if len(frame) == 0:
        raise Invalid(f"The batch holds no {what}.", field="rows")
    if len(frame) > MAX_BATCH_ROWS:
        raise Invalid(
            f"A batch holds at most {MAX_BATCH_ROWS:,} {what}; got {len(frame):,}.", field="rows"
        )


@dataclass(frozen=True)
class Logged:
    received: int
    periods: tuple[datetime, ...]


#: How often a batch is split again when its version or period changed while it was written.
_ATTEMPTS = 3
#: How many models' last logging targets a process keeps.
_KEPT_TARGETS = 1024


def log_predictions(
    state: State,
    principal: Principal,
    model_name: str,
    batch: pd.DataFrame | pa.Table,
    stream: bytes | None = None,
) -> Logged:
    """Store a batch of predictions of the serving version, one chunk per period. The batch is
    checked and split as an Arrow table (an Arrow request never becomes a DataFrame), and its
    chunks are written before the write lock is taken: concurrent loggers wait for each other
    only to add the chunks' rows. Should the serving version or the period change meanwhile,
    the batch is split again for the new ones. ``stream`` is the Arrow IPC stream ``batch``
    was read from, if it came as one: a batch of one period is stored as it came."""
    table = batch if isinstance(batch, pa.Table) else _as_table(batch)
    _check_rows(table, "predictions")
    for attempt in range(_ATTEMPTS):
        planned = state.logging_targets.get(model_name) if attempt == 0 else None
        if planned is None:
            with state.sessions() as session:
                target = serving(session, model_name)
                version = session.get(Version, target.version_id)
            if version is None:  # deleted since
                continue
            planned = (target, version)  # a version never changes: its row may be kept
        target, version = planned
        chunks = _split(state, table, version, target.period, stream)
        with db.transaction(state.writers) as session:
            if serving(session, model_name) != target:
                state.logging_targets.pop(model_name, None)
                continue
            session.add_all(
                LoggedChunk(
                    model_id=target.model_id,
                    version_id=target.version_id,
                    period_start=start,
                    data=key,
                    n_rows=n_rows,
                )
                for start, key, n_rows in chunks
            )
        if len(state.logging_targets) >= _KEPT_TARGETS:
            state.logging_targets.clear()
        state.logging_targets[model_name] = planned
        return Logged(table.num_rows, tuple(start for start, _, _ in chunks))
    raise Conflict(
        f"Model {model_name!r} changed its serving version or period while the batch was "
        "stored; send it again."
    )


def _split(
    state: State, table: pa.Table, version: Version, period: str, stream: bytes | None
) -> list[tuple[datetime, str, int]]:
    """Check a batch against ``version`` and store it as one chunk per ``period``: each
    period's start, its chunk's artifact and its rows. A batch of one period that came as an
    Arrow stream is stored as it came (no second encoding)."""
    id_column = version.id_column or "id"
    _unique_ids(table, id_column, "prediction")
    if version.prediction is not None and version.prediction not in table.column_names:
        raise Invalid(
            f"Each logged row needs the prediction in {version.prediction!r}.",
            field=version.prediction,
        )
    stamps = _arrow_timestamps(table, version.timestamp or _TIMESTAMP)
    starts = _arrow_period_start(stamps, period)
    chunks = []
    periods = sorted(pc.unique(starts).to_pylist())
    if len(periods) == 1:
        whole = state.artifacts.put_bytes(stream) if stream else state.artifacts.put_table(table)
        return [(periods[0].astimezone(UTC), whole, table.num_rows)]
    for start in periods:
        rows = table.filter(pc.equal(starts, pa.scalar(start, type=starts.type)))
        chunks.append((start.astimezone(UTC), state.artifacts.put_table(rows), rows.num_rows))
    return chunks


def _as_table(frame: pd.DataFrame) -> pa.Table:
    """A JSON batch as an Arrow table; a column whose values mix kinds (numbers and text, say)
    is refused by name."""
    failures = (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError)
    try:
        return pa.Table.from_pandas(frame, preserve_index=False, nthreads=1)
    except failures:
        pass
    for name in frame.columns:  # which column, for the message
        try:
            pa.array(frame[name], from_pandas=True)
        except failures:
            kinds = frame[name].dropna().map(lambda v: type(v).__name__)
            examples = frame[name].dropna()[~kinds.duplicated()].iloc[:2]
            raise Invalid(
                f"Column {name!r} mixes kinds of values (such as "
                f"{' and '.join(_shown(v) for v in examples)}); send one kind per column "
                "(numbers, text, true/false, or times as ISO 8601 text).",
                field=str(name),
            ) from None
    raise Invalid("The batch's columns cannot be read as a table.", field="columns")


def _unique_ids(table: pa.Table, column: str, what: str) -> None:
    if column not in table.column_names:
        raise Invalid(f"Each {what} needs its id in the {column!r} column.", field=column)
    ids = table[column]
    if ids.null_count:
        row = _first_row(pc.is_null(ids).to_numpy(zero_copy_only=False))
        raise Invalid(f"Row {row} has no {column!r}.", field=column)
    if pc.count_distinct(ids).as_py() < table.num_rows:
        _ids(table.select([column]).to_pandas(), column, what)  # names the repeated ids


def _arrow_timestamps(table: pa.Table, column: str) -> pa.ChunkedArray:
    """The batch's times in UTC: Arrow times as they are (a time without a zone is UTC), text
    read as ISO 8601."""
    if column not in table.column_names:
        raise Invalid(
            f"Each logged prediction needs its time in a {column!r} column.", field=column
        )
    values = table[column]
    if pa.types.is_timestamp(values.type):
        if values.null_count:
            row = _first_row(pc.is_null(values).to_numpy(zero_copy_only=False))
            raise Invalid(f"Row {row} has no {column!r}.", field=column)
        if values.type.tz is None:
            return values.cast(pa.timestamp(values.type.unit, tz="UTC"))
        return values
    parsed = _timestamps(table.select([column]).to_pandas(), column)
    return pa.chunked_array([pa.Array.from_pandas(parsed)])


def _arrow_period_start(stamps: pa.ChunkedArray, period: str) -> pa.ChunkedArray:
    """The start of each time's period (hours and days in UTC; weeks start on Monday)."""
    # The periods are named as Arrow's units: hour, day, week. The times are floored as the
    # UTC wall times they hold (a zone-free copy, no buffer copied), 15x faster than through
    # Arrow's time-zone rules, which UTC does not need.
    unit = stamps.type.unit
    floored = pc.floor_temporal(
        stamps.cast(pa.timestamp(unit)), unit=period, week_starts_monday=True
    )
    utc: pa.ChunkedArray = floored.cast(pa.timestamp(unit, tz="UTC"))
    return utc


def log_labels(
    state: State, session: Session, principal: Principal, model_name: str, frame: pd.DataFrame
) -> int:
    """Keep ground truth by id (the last sent wins), and queue the analysis of the runs it
    concerns again."""
    model = get_model(session, model_name)
    version = serving_version(session, model)
    _check_rows(frame, "labels")
    id_column = version.id_column or "id"
    ids = _ids(frame, id_column, "label")
    target = version.target
    if target is None or target not in frame.columns:
        raise Invalid(
            f"Each label needs the ground truth in the version's target column {target!r}.",
            field=str(target),
        )
    values = frame[target]
    if values.isna().any():
        row = _first_row(values.isna())
        raise Invalid(f"Row {row} has no {target!r}.", field=target)
    received = now()
    rows = [
        {"model_id": model.id, "record_id": i, "value": str(v), "received_at": received}
        for i, v in zip(ids, values, strict=True)
    ]
    insert = pg_insert if not db.is_sqlite(state.engine) else sqlite_insert
    for start in range(0, len(rows), 10_000):
        statement = insert(Label).values(rows[start : start + 10_000])
        statement = statement.on_conflict_do_update(
            index_elements=[Label.model_id, Label.record_id],
            set_={"value": statement.excluded.value, "received_at": statement.excluded.received_at},
        )
        session.execute(statement)
    _enqueue_once(session, state, ATTACH_LABELS, {"model_id": model.id})
    audit(session, principal.actor, "labels.log", f"model:{model.name}", rows=len(rows))
    return len(rows)


def log_feedback(
    state: State, session: Session, principal: Principal, model_name: str, frame: pd.DataFrame
) -> int:
    """Keep feedback by id (every event counts), and queue the count of the model's runs'
    feedback again (`services.feedback`)."""
    model = get_model(session, model_name)
    _check_rows(frame, "feedback")
    ids = _ids(frame, "id", "feedback")
    if "score" not in frame.columns:
        raise Invalid("Each feedback needs a score: 1 (thumbs up) or -1 (down).", field="score")
    given = frame["score"]
    scores = pd.to_numeric(given, errors="coerce")
    flags = given.map(lambda v: isinstance(v, (bool, np.bool_)))
    bad = ~scores.isin([1, -1]) | flags.astype(bool)
    if bad.any():
        row = _first_row(bad)
        raise Invalid(
            f"Row {row}: a score is 1 (thumbs up) or -1 (down); got {_shown(given.iloc[row])}.",
            field="score",
        )
    comments = frame["comment"].fillna("").astype(str) if "comment" in frame else None
    received = now()
    session.add_all(
        Feedback(
            model_id=model.id,
            record_id=i,
            score=int(s),
            comment=comments.iloc[k][:10_000] if comments is not None else "",
            received_at=received,
        )
        for k, (i, s) in enumerate(zip(ids, scores, strict=True))
    )
    _enqueue_once(session, state, COUNT_FEEDBACK, {"model_id": model.id})
    return len(frame)


def _enqueue_once(session: Session, state: State, kind: str, payload: Mapping[str, Any]) -> bool:
    """Queue a job unless the same one is queued already (a running one may have missed what
    just arrived, so it does not count); whether it was queued."""
    queued = session.scalars(
        select(Job.payload).where(Job.kind == kind, Job.status == JobStatus.QUEUED)
    )
    if any(dict(p) == dict(payload) for p in queued):
        return False
    enqueue(session, kind, payload, state.settings.job_max_attempts)
    return True


def enqueue_due_periods(state: State) -> int:
    """The worker's periodic pass: queue the analysis of every period that has ended with
    logged predictions not analysed yet; how many were queued. It looks first, and takes the
    write lock only when a period is due."""
    with state.sessions() as session:
        if not _due(session, state, include_open=False, model_id=None):
            return 0
    with db.transaction(state.writers) as session:
        return queue_periods(session, state)


def _due(
    session: Session, state: State, include_open: bool, model_id: int | None
) -> list[tuple[int, datetime]]:
    """The periods with chunks not analysed yet that are due: ended, and no chunk for
    ``period_quiet_seconds`` (every one, with ``include_open``)."""
    query = (
        select(
            LoggedChunk.model_id,
            LoggedChunk.period_start,
            Model.period,
            func.max(LoggedChunk.received_at),
        )
        .join(Model, Model.id == LoggedChunk.model_id)
        .where(LoggedChunk.run_id.is_(None))
        .group_by(LoggedChunk.model_id, LoggedChunk.period_start, Model.period)
    )
    if model_id is not None:
        query = query.where(LoggedChunk.model_id == model_id)
    current = now()
    quiet = timedelta(seconds=state.settings.period_quiet_seconds)
    due = []
    for chunk_model, start, period, newest in session.execute(query):
        start = start if start.tzinfo else start.replace(tzinfo=UTC)
        newest = newest if newest.tzinfo else newest.replace(tzinfo=UTC)
        # A period is analysed once it has ended and its rows have stopped coming for a while:
        # a backlog sent late is analysed once, not once per batch.
        if not include_open and (start + PERIODS[period] > current or newest > current - quiet):
            continue
        due.append((int(chunk_model), start))
    return due


def queue_periods(
    session: Session, state: State, include_open: bool = False, model_id: int | None = None
) -> int:
    """Queue the assembly of every due period (`_due`); how many were queued."""
    queued = 0
    for chunk_model, start in _due(session, state, include_open, model_id):
        payload = {"model_id": chunk_model, "period_start": start.isoformat()}
        queued += _enqueue_once(session, state, ASSEMBLE, payload)
    return queued


def _assemble(state: State, payload: Mapping[str, Any], progress: Callable[[str], None]) -> None:
    """Gather a period's chunks into its run (made now if the period has none), then analyse."""
    model_id = int(payload["model_id"])
    start = datetime.fromisoformat(str(payload["period_start"]))
    with db.transaction(state.writers) as session:
        model = session.get(Model, model_id)
        if model is None:
            return
        chunks = list(
            session.scalars(
                select(LoggedChunk)
                .where(LoggedChunk.model_id == model_id, LoggedChunk.period_start == start)
                .order_by(LoggedChunk.id)
            )
        )
        if not chunks:
            return
        version = session.get(Version, chunks[-1].version_id)
        if version is None:
            return
        frames = [state.artifacts.read_rows(chunk.data) for chunk in chunks]
        data = pd.concat(frames, ignore_index=True)
        id_column = version.id_column or "id"
        notes = []
        repeated = data[id_column].astype(str).duplicated(keep="first")
        if repeated.any():
            notes.append(
                f"{int(repeated.sum())} prediction(s) were logged again with an id already "
                "logged in this period; the first of each was kept."
            )
            data = data[~repeated.to_numpy()].reset_index(drop=True)
        labels = _labels_for(state, session, model_id, data, version)
        run = session.scalar(select(Run).where(Run.model_id == model_id, Run.period_start == start))
        if run is None:
            run = Run(
                model_id=model_id,
                version_id=version.id,
                date=start,
                created_by="driftscope (logged predictions)",
                source="logged",
                period_start=start,
                data="",
                n_rows=0,
            )
            session.add(run)
        run.version_id = version.id
        run.data = state.artifacts.put_frame(data)
        run.labels = state.artifacts.put_frame(labels) if len(labels) else None
        run.n_rows = len(data)
        run.notes = notes
        run.status = RunStatus.PENDING
        session.flush()
        for chunk in chunks:
            chunk.run_id = run.id
        # The analysis is the run's own job, as an uploaded run's is (its page shows it).
        queued = session.scalar(
            select(Job.id).where(
                Job.run_id == run.id, Job.kind == ANALYSE, Job.status == JobStatus.QUEUED
            )
        )
        if queued is None:
            enqueue(session, ANALYSE, {"run_id": run.id}, state.settings.job_max_attempts, run.id)
        run_id = run.id
    # After the commit: reporting progress writes too.
    progress(f"run {run_id} of the period from {start.isoformat()} queued for analysis")


def _labels_for(
    state: State, session: Session, model_id: int, data: pd.DataFrame, version: Version
) -> pd.DataFrame:
    """The stored ground truth of the logged rows ``data`` (by their id), as a table the run's
    analysis joins by id."""
    id_column = version.id_column or "id"
    target = version.target or "target"
    found: list[tuple[str, str]] = []
    wanted = data[id_column].astype(str).tolist()
    for start in range(0, len(wanted), 5_000):
        part = wanted[start : start + 5_000]
        rows = session.execute(
            select(Label.record_id, Label.value).where(
                Label.model_id == model_id, Label.record_id.in_(part)
            )
        )
        found += [(record, value) for record, value in rows]
    labels = pd.DataFrame(found, columns=[id_column, target])
    labels[target] = _as_baseline(labels[target], _target_type(state, version, target, data))
    return labels


def _target_type(
    state: State, version: Version, target: str, data: pd.DataFrame
) -> pa.DataType | None:
    """The Arrow type of the target in the version's baseline (read from its Parquet footer).
    Without a raw baseline, that of the logged predictions: a model predicts values of its
    target's type."""
    import pyarrow.parquet as pq

    if version.baseline is None:
        prediction = version.prediction
        if prediction is None or prediction not in data.columns:
            return None
        return pa.Schema.from_pandas(data[[prediction]], preserve_index=False).field(0).type
    schema = pq.read_schema(state.artifacts.path(version.baseline))
    return schema.field(target).type if target in schema.names else None


def _as_baseline(values: pd.Series, like: pa.DataType | None) -> pd.Series:
    """Labels, kept as text in the store, as values of the baseline target's type: numbers for
    numbers, true and false for booleans. Values that are not of that type stay as they came,
    for the analysis to report the type change."""
    if like is None:
        return values
    if pa.types.is_boolean(like):
        flags = values.str.lower().map({"true": True, "false": False, "1": True, "0": False})
        return flags.astype(bool) if flags.notna().all() else values
    if pa.types.is_integer(like) or pa.types.is_floating(like):
        numbers = pd.to_numeric(values, errors="coerce")
        if numbers.isna().any():
            return values
        whole = pa.types.is_integer(like) and bool((numbers % 1 == 0).all())
        return numbers.astype("int64") if whole else numbers.astype(float)
    return values


def _attach_labels(
    state: State, payload: Mapping[str, Any], progress: Callable[[str], None]
) -> None:
    """Analyse again every logged run that holds an id whose ground truth arrived after the
    run was last analysed."""
    model_id = int(payload["model_id"])
    with state.sessions() as session:
        runs = list(
            session.execute(
                select(Run.id, Run.period_start, Run.analysed_at, Run.data, Version.id_column)
                .join(Version, Version.id == Run.version_id)
                .where(Run.model_id == model_id, Run.source == "logged")
            )
        )
        analysed = [r.analysed_at for r in runs if r.analysed_at is not None]
        since = min(analysed) if analysed and all(r.analysed_at for r in runs) else None
        query = select(Label.record_id, Label.received_at).where(Label.model_id == model_id)
        if since is not None:
            query = query.where(Label.received_at > since)
        arrived = {record: at for record, at in session.execute(query)}
    if not arrived:
        return
    new_ids = np.array(list(arrived), dtype=object)
    times = np.array(list(arrived.values()), dtype=object)
    for run in runs:
        if run.period_start is None:
            continue
        column = run.id_column or "id"
        ids = pd.read_parquet(state.artifacts.path(run.data), columns=[column])[column]
        hit = np.isin(new_ids, ids.astype(str).to_numpy())
        if run.analysed_at is not None:
            hit &= np.array([t > run.analysed_at for t in times], dtype=bool)
        if not hit.any():
            continue
        progress(f"{int(hit.sum())} new label(s) for run {run.id}")
        with db.transaction(state.writers) as session:
            _enqueue_once(
                session,
                state,
                ASSEMBLE,
                {"model_id": model_id, "period_start": run.period_start.isoformat()},
            )


def _assembly_failed(state: State, payload: Mapping[str, Any], error: str) -> None:
    """The period's run (if it was made) says why its analysis failed."""
    start = datetime.fromisoformat(str(payload["period_start"]))
    with db.transaction(state.writers) as session:
        run = session.scalar(
            select(Run).where(Run.model_id == int(payload["model_id"]), Run.period_start == start)
        )
        if run is not None:
            run.status = RunStatus.FAILED
            run.error = error


#: The jobs of this module, by kind.
JOB_KINDS = {
    ASSEMBLE: JobKind(_assemble, _assembly_failed),
    ATTACH_LABELS: JobKind(_attach_labels),
}


@dataclass(frozen=True)
class IngestStatus:
    rows_received: int
    chunks_waiting: int
    rows_waiting: int
    oldest_waiting: datetime | None
    runs_pending: int
    last_error: str | None
    labels: int
    feedback: int


def ingest_status(session: Session, model: Model) -> IngestStatus:
    """Rows received, rows not analysed yet (and since when), runs pending analysis, the last
    analysis error, and how many labels and feedback are stored."""
    received = session.execute(
        select(func.coalesce(func.sum(LoggedChunk.n_rows), 0)).where(
            LoggedChunk.model_id == model.id
        )
    ).scalar_one()
    waiting = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(LoggedChunk.n_rows), 0),
            func.min(LoggedChunk.received_at),
        ).where(LoggedChunk.model_id == model.id, LoggedChunk.run_id.is_(None))
    ).one()
    pending = session.scalar(
        select(func.count())
        .select_from(Run)
        .where(Run.model_id == model.id, Run.status == RunStatus.PENDING)
    )
    failed = session.execute(
        select(Run.id, Run.error)
        .where(Run.model_id == model.id, Run.status == RunStatus.FAILED)
        .order_by(Run.id.desc())
        .limit(1)
    ).first()
    error = f"Run {failed.id}: {failed.error}" if failed is not None else None
    labels = session.scalar(
        select(func.count()).select_from(Label).where(Label.model_id == model.id)
    )
    feedback = session.scalar(
        select(func.count()).select_from(Feedback).where(Feedback.model_id == model.id)
    )
    oldest = waiting[2]
    return IngestStatus(
        rows_received=int(received),
        chunks_waiting=int(waiting[0]),
        rows_waiting=int(waiting[1]),
        oldest_waiting=oldest.replace(tzinfo=UTC) if oldest and oldest.tzinfo is None else oldest,
        runs_pending=int(pending or 0),
        last_error=error,
        labels=int(labels or 0),
        feedback=int(feedback or 0),
    )
