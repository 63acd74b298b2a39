"""The model registry: models, their immutable versions, and the ``production`` and ``staging``
aliases, moved by `promote` and `rollback` with a history of who moved them and when.

A version keeps its baseline (the reference data, as Parquet), the columns that play a role
(target, prediction, probabilities, timestamp, id), the schema inferred from the baseline with
the user's overrides, the benchmark metrics the model must keep, and optionally the model file
and a preprocessor. Model files that run code when loaded (pickle, joblib) are refused unless the
operator started the server with ``--allow-pickle``.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from driftscope.analyses.model import Task, resolve_model_columns
from driftscope.analyses.performance import PerformanceSettings, check_metric_names
from driftscope.data.infer import infer_schema
from driftscope.data.io import read_table
from driftscope.data.schema import ColumnRole, ColumnSpec, Schema
from driftscope.exceptions import DriftscopeError
from driftscope.server.errors import Conflict, Invalid, NotFound, ServiceError, TooLarge
from driftscope.server.models import PERIODS, Alias, AliasMove, Model, Version
from driftscope.server.services.archives import table_in, unpack, unpack_into
from driftscope.server.services.baselines import profile_baseline
from driftscope.server.services.predict import (
    CHECK_ROWS,
    ModelRunError,
    load_predictor,
    predict_columns,
)
from driftscope.server.services.uploads import (
    LIMIT,
    Spooled,
    Upload,
    read_spooled,
    scratch,
    spool,
    table_error,
)
from driftscope.server.services.users import Principal, audit
from driftscope.server.state import State
from driftscope.server.storage import TooLargeError
from driftscope.workflows.monitor import metric_value_problem

__all__ = [
    "ALIASES",
    "Checks",
    "ModelTask",
    "PreparedVersion",
    "Problems",
    "VersionColumns",
    "add_version",
    "check_new_model",
    "check_period",
    "check_raw_baseline",
    "create_model",
    "delete_model",
    "delete_version",
    "get_model",
    "get_version",
    "prepare_version",
    "promote",
    "rollback",
    "save_version",
    "serving_version",
    "set_raw_baseline",
]

#: The aliases a version can hold (MLflow's convention; stages are deprecated there).
ALIASES = ("production", "staging")
_NAME_LIMIT = 128


class ModelTask(StrEnum):
    """What a registered model does; ``monitor_task`` is the task `driftscope.monitor` runs."""

    BINARY = "binary_classification"
    MULTICLASS = "multiclass_classification"
    REGRESSION = "regression"
    TEXT = "text_classification"
    IMAGE = "image_classification"
    SEGMENTATION = "image_segmentation"
    SPEECH = "speech_recognition"

    @property
    def monitor_task(self) -> str:
        return {
            ModelTask.BINARY: "binary",
            ModelTask.MULTICLASS: "multiclass",
            ModelTask.REGRESSION: "regression",
            ModelTask.TEXT: "classification",
            ModelTask.IMAGE: "classification",
            ModelTask.SEGMENTATION: "segmentation",
            ModelTask.SPEECH: "asr",
        }[self]

    @property
    def on_files(self) -> bool:
        """Whether its data is files (images, audio) named by a table, uploaded as a zip."""
        return self in (ModelTask.IMAGE, ModelTask.SEGMENTATION, ModelTask.SPEECH)


#: Model file formats by extension; the pickle family runs code when loaded.
MODEL_FORMATS = {".onnx": "onnx", ".skops": "skops"}
PICKLE_FORMATS = {".pkl": "pickle", ".pickle": "pickle", ".joblib": "joblib"}


def _task(value: str) -> ModelTask:
    try:
        return ModelTask(value)
    except ValueError:
        known = ", ".join(t.value for t in ModelTask)
        raise Invalid(f"The task must be one of {known}; got {value!r}.", field="task") from None


def check_period(period: str) -> str:
    """A model's period, checked: how its logged predictions are grouped into runs."""
    if period not in PERIODS:
        raise Invalid(f"The period is one of {', '.join(PERIODS)}; got {period!r}.", field="period")
    return period


#: Names no model may take: the web app's pages use them under /models/.
RESERVED_NAMES = frozenset({"new"})
#: Characters no name may have: they cannot be shown, and PostgreSQL stores no NUL.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _name_format(name: str) -> None:
    if not name.strip() or len(name) > _NAME_LIMIT or name != name.strip() or "/" in name:
        raise Invalid(
            f"A model name is 1 to {_NAME_LIMIT} characters, without '/' or surrounding "
            f"spaces; got {name!r}.",
            field="name",
        )
    if _CONTROL.search(name):
        raise Invalid(
            f"A model name may not contain control characters (such as NUL or a line break); "
            f"got {name!r}.",
            field="name",
        )
    if name in RESERVED_NAMES:
        raise Invalid(
            f"{name!r} is reserved: the web app's page /models/{name} adds a model.", field="name"
        )


def check_new_model(
    session: Session, name: str, task: str, period: str, keep_raw_baseline: bool = True
) -> ModelTask:
    """A new model's name (free), task, period and baseline setting, checked together: every
    problem is raised, as `Problems`."""
    checks = Checks()
    model_task = None
    with checks.at():
        _name_format(name)
    with checks.at():
        model_task = _task(task)
    with checks.at():
        check_period(period)
    if model_task is not None:
        with checks.at():
            check_raw_baseline(model_task, keep_raw_baseline)
    if not checks.failed("name") and session.scalar(select(Model).where(Model.name == name)):
        checks.add("name", Conflict(f"A model named {name!r} exists already.", field="name"))
    checks.done()
    assert model_task is not None
    return model_task


def create_model(
    session: Session,
    principal: Principal,
    name: str,
    task: str,
    description: str = "",
    period: str = "day",
    keep_raw_baseline: bool = True,
) -> Model:
    try:
        model_task = check_new_model(session, name, task, period, keep_raw_baseline)
    except Problems as problems:
        raise problems.first from None
    model = Model(
        name=name,
        task=model_task,
        description=description,
        period=period,
        keep_raw_baseline=keep_raw_baseline,
        created_by=principal.actor,
    )
    session.add(model)
    session.flush()
    audit(
        session,
        principal.actor,
        "model.create",
        f"model:{name}",
        task=str(model_task),
        keep_raw_baseline=keep_raw_baseline,
    )
    return model


def check_raw_baseline(task: ModelTask, keep_raw_baseline: bool) -> None:
    """An image or audio model's analyses read its baseline's files: it keeps them."""
    if task.on_files and not keep_raw_baseline:
        raise Invalid(
            f"A {task.value} model keeps its raw baseline: its analyses read the baseline's "
            "files, which a profile does not hold. Keeping no raw baseline is for tabular "
            "models.",
            field="keep_raw_baseline",
        )


def set_raw_baseline(
    session: Session, principal: Principal, name: str, keep_raw_baseline: bool
) -> Model:
    """Whether the model's versions added from now on keep their raw baseline beside its
    profile. The versions it has keep what they stored."""
    model = get_model(session, name)
    check_raw_baseline(ModelTask(model.task), keep_raw_baseline)
    if model.keep_raw_baseline != keep_raw_baseline:
        model.keep_raw_baseline = keep_raw_baseline
        audit(
            session,
            principal.actor,
            "model.raw_baseline",
            f"model:{name}",
            keep_raw_baseline=keep_raw_baseline,
        )
    return model


def get_model(session: Session, name: str) -> Model:
    model = session.scalar(select(Model).where(Model.name == name))
    if model is None:
        raise NotFound(f"No model named {name!r}.")
    return model


def get_version(session: Session, model: Model, number: int) -> Version:
    version = session.scalar(
        select(Version).where(Version.model_id == model.id, Version.number == number)
    )
    if version is None:
        raise NotFound(f"Model {model.name!r} has no version {number}.")
    return version


def _serving_id(model_id: Any) -> Any:
    """The id of the version a model serves, as SQL: the one ``production`` points at, or
    else the latest (NULL when the model has no version)."""
    production = (
        select(Alias.version_id)
        .where(Alias.model_id == model_id, Alias.alias == "production")
        .scalar_subquery()
    )
    latest = (
        select(Version.id)
        .where(Version.model_id == model_id)
        .order_by(Version.number.desc())
        .limit(1)
        .correlate_except(Version)  # its own versions, not those of a query it is part of
        .scalar_subquery()
    )
    return func.coalesce(production, latest)


def _no_version(name: str) -> Conflict:
    return Conflict(f"Model {name!r} has no version yet: add one first.")


def serving_version(session: Session, model: Model) -> Version:
    """The version ``production`` points at, or else the latest."""
    version_id = session.scalar(select(_serving_id(model.id)))
    version = session.get(Version, version_id) if version_id is not None else None
    if version is None:
        raise _no_version(model.name)
    return version


class Serving(NamedTuple):
    """Where a model's logged predictions go: the model, its period, and the version it serves
    (with the time it was made: a version deleted and another made under the same id differ)."""

    model_id: int
    period: str
    version_id: int
    version_created: datetime


def serving(session: Session, model_name: str) -> Serving:
    """`Serving` of a model, in one query (for the requests that log predictions, many a
    second)."""
    row = session.execute(
        select(Model.id, Model.period, Version.id, Version.created_at)
        .outerjoin(Version, Version.id == _serving_id(Model.id))
        .where(Model.name == model_name)
    ).first()
    if row is None:
        raise NotFound(f"No model named {model_name!r}.")
    if row[2] is None:
        raise _no_version(model_name)
    return Serving(*row)


def delete_model(session: Session, principal: Principal, name: str) -> None:
    """Delete a model with its versions, runs and their points (the artifacts no row names any
    more are removed by `sweep_artifacts`)."""
    model = get_model(session, name)
    session.delete(model)
    audit(session, principal.actor, "model.delete", f"model:{name}")


def delete_version(session: Session, principal: Principal, model_name: str, number: int) -> None:
    """Delete a version with its runs and their points; an alias on it is removed (its history
    keeps the moves, with the version's number). The number is not given to another version.
    The model's alert rules are evaluated again over the runs that are left."""
    # Imported here: the alert rules read the registry (its models and tasks).
    from driftscope.server.services import alerts

    model = get_model(session, model_name)
    version = get_version(session, model, number)
    session.delete(version)
    audit(session, principal.actor, "version.delete", f"model:{model.name}/v{number}")
    # A breach made only of the version's runs ends (resolved, "its runs are gone").
    alerts.evaluate_in(session, model)


class VersionColumns:
    """The columns of a version's data that play a role, as the request names them."""

    def __init__(
        self,
        target: str | None = None,
        prediction: str | None = None,
        proba_prefix: str | None = None,
        timestamp: str | None = None,
        id: str | None = None,
        inputs: str | None = None,
    ) -> None:
        self.inputs = inputs or None
        self.target = target or None
        self.prediction = prediction or None
        self.proba_prefix = proba_prefix or None
        self.timestamp = timestamp or None
        self.id = id or None

    def named(self) -> dict[str, str | None]:
        """The column each request field names: ``{field: column}``."""
        return {
            "target": self.target,
            "prediction": self.prediction,
            "timestamp": self.timestamp,
            "id_column": self.id,
        }

    def roles(self) -> dict[str, ColumnRole]:
        named = {
            self.target: ColumnRole.TARGET,
            self.prediction: ColumnRole.PREDICTION,
            self.timestamp: ColumnRole.TIMESTAMP,
            self.id: ColumnRole.ID,
        }
        return {name: role for name, role in named.items() if name is not None}


def _model_format(state: State, upload: Spooled | None, field: str) -> str | None:
    """The format of an uploaded model (or preprocessor) file, by its extension."""
    if upload is None:
        return None
    if upload.suffix in PICKLE_FORMATS:
        if not state.settings.allow_pickle:
            raise Invalid(
                f"{field!r} is a {PICKLE_FORMATS[upload.suffix]} file, which runs code when it "
                "is loaded; the server accepts one only when started with --allow-pickle "
                "(DRIFTSCOPE_ALLOW_PICKLE=1). ONNX (.onnx) and skops (.skops) files are safe.",
                field=field,
            )
        return PICKLE_FORMATS[upload.suffix]
    if upload.suffix in MODEL_FORMATS:
        return MODEL_FORMATS[upload.suffix]
    known = ", ".join(sorted({*MODEL_FORMATS, *PICKLE_FORMATS}))
    raise Invalid(
        f"{field!r} must be a model file ({known}); got {upload.filename!r}.", field=field
    )


def _preprocessor_format(
    state: State, preprocessor: Spooled | None, model_file: Spooled | None
) -> str | None:
    preprocessor_format = _model_format(state, preprocessor, "preprocessor")
    if preprocessor_format == "onnx":
        raise Invalid(
            "A preprocessor is a scikit-learn transformer saved with skops (.skops), or pickle "
            "or joblib when the server allows pickle; an ONNX preprocessor is not run. Export "
            "the preprocessor and the model as one ONNX pipeline and send it as the model file.",
            field="preprocessor",
        )
    if preprocessor is not None and model_file is None:
        raise Invalid("A preprocessor needs the model it prepares data for.", field="preprocessor")
    return preprocessor_format


def _not_empty(spooled: Spooled | None) -> None:
    if spooled is not None and spooled.path.stat().st_size == 0:
        raise Invalid(f"{spooled.field!r} ({spooled.filename!r}) is empty.", field=spooled.field)


def _store_file(state: State, upload: Upload | None) -> str | None:
    if upload is None:
        return None
    limit = state.settings.max_upload_bytes
    try:
        key = state.artifacts.put_stream(upload.stream, limit, repr(upload.field), LIMIT)
    except TooLargeError as exc:
        raise TooLarge(str(exc), field=upload.field) from None
    if state.artifacts.path(key).stat().st_size == 0:
        raise Invalid(f"{upload.field!r} ({upload.filename!r}) is empty.", field=upload.field)
    return key


def _put_file(state: State, spooled: Spooled | None) -> str | None:
    """A checked file stored as an artifact."""
    if spooled is None:
        return None
    with spooled.path.open("rb") as stream:
        return _store_file(state, Upload(spooled.field, spooled.filename, stream))


class Problems(Invalid):
    """Every problem of a request's fields, found together, each with the field it is shown
    next to (a column missing from the baseline: the field that names the column). Raised, it
    reads as its first problem, which is what the REST API answers."""

    def __init__(self, found: Sequence[tuple[str, ServiceError]]) -> None:
        self.first = found[0][1]
        super().__init__(self.first.detail, field=self.first.field)
        self.status = self.first.status
        self.found = tuple(found)


class Checks:
    """Problems collected: each check runs under ``with checks.at():`` and its refusal is kept
    instead of stopping the checks after it; `done` raises them all as `Problems`."""

    def __init__(self) -> None:
        self.found: list[tuple[str, ServiceError]] = []

    @contextmanager
    def at(self, field: str | None = None) -> Iterator[None]:
        """Keep a refusal of the block, shown at ``field`` (else at the refusal's own)."""
        try:
            yield
        except Problems as problems:
            self.found.extend(problems.found)
        except ServiceError as refused:
            self.add(field or refused.field or "", refused)

    def add(self, field: str, refused: ServiceError) -> None:
        self.found.append((field, refused))

    def failed(self, *fields: str) -> bool:
        """Whether a problem was found (at one of ``fields``, when some are given)."""
        return any(not fields or at in fields for at, _ in self.found)

    def done(self) -> None:
        if self.found:
            raise Problems(self.found)


def _missing_columns(
    checks: Checks, frame: pd.DataFrame, named: Mapping[str, str | None], table: str
) -> None:
    """Each column the request names (``{field: column}``) that the baseline lacks, shown at the
    field that names it."""
    shown = ", ".join(map(repr, frame.columns[:20]))
    for field, name in named.items():
        if name is not None and name not in frame.columns:
            message = f"{table} has no column {name!r}; its columns are {shown}."
            checks.add(field, Invalid(message, field="baseline"))


def _schema(
    baseline: Any,
    columns: VersionColumns,
    overrides: Mapping[str, Any] | None,
    task: ModelTask,
) -> tuple[Schema, list[str]]:
    """The baseline's schema: the user's overrides and roles, the rest inferred."""
    try:
        schema = Schema.from_dict(overrides, source="schema") if overrides else Schema(())
        for name, role in columns.roles().items():
            schema = schema.with_column(ColumnSpec(name=name, role=role))
        inferred, warnings = infer_schema(baseline, baseline, schema)
        # The model's columns take their roles (target, prediction, each class's probability).
        _model, full, model_warnings = resolve_model_columns(
            inferred, baseline, baseline, task=task.monitor_task, proba_prefix=columns.proba_prefix
        )
    except DriftscopeError as exc:
        raise Invalid(str(exc), field="schema") from None
    return full, [*warnings, *model_warnings]


def _benchmarks(
    checks: Checks, values: Mapping[str, Any] | None, task: ModelTask, has_proba: bool | None
) -> dict[str, float]:
    """The benchmarks, each a number in its metric's range, of a metric the task computes
    (with probabilities, when ``has_proba`` is not known yet)."""
    benchmarks: dict[str, float] = {}
    for name, value in (values or {}).items():
        problem = metric_value_problem(name, value)
        if problem is None:
            benchmarks[name] = float(value)
        else:
            message = f"The benchmark for {name!r} must be {problem}; got {value!r}."
            checks.add("benchmarks", Invalid(message, field="benchmarks"))
    tasks = {
        ModelTask.BINARY: Task.BINARY,
        ModelTask.REGRESSION: Task.REGRESSION,
        ModelTask.SEGMENTATION: Task.SEGMENTATION,
        ModelTask.SPEECH: Task.ASR,
    }
    monitor_task = tasks.get(task, Task.MULTICLASS)
    for name, value in benchmarks.items():
        try:
            settings = PerformanceSettings(benchmarks={name: value})
            check_metric_names(settings, monitor_task, True if has_proba is None else has_proba)
        except DriftscopeError as exc:
            checks.add("benchmarks", Invalid(str(exc), field="benchmarks"))
    return benchmarks


@dataclass(frozen=True)
class PreparedVersion:
    """A version checked, with its schema inferred and nothing stored yet: what `save_version`
    stores. Its files are where the caller spooled them."""

    task: ModelTask
    columns: VersionColumns
    #: The baseline table (with the model's predictions, when the baseline had none).
    frame: pd.DataFrame
    #: The schema inferred with the user's overrides (none for a model of files).
    schema: Schema | None
    warnings: tuple[str, ...]
    benchmarks: dict[str, float]
    #: An image or audio model's baseline: the zip.
    baseline_zip: Spooled | None = None
    model_file: Spooled | None = None
    model_format: str | None = None
    preprocessor: Spooled | None = None
    preprocessor_format: str | None = None
    inputs_column: str | None = None
    #: The columns the model made (its predictions), when the baseline had none.
    predicted: tuple[str, ...] = ()


def prepare_version(
    state: State,
    task: ModelTask,
    *,
    baseline: Spooled | None,
    columns: VersionColumns,
    folder: Path,
    schema: Mapping[str, Any] | None = None,
    benchmarks: Mapping[str, Any] | None = None,
    model_file: Spooled | None = None,
    preprocessor: Spooled | None = None,
) -> PreparedVersion:
    """A version of a ``task`` model checked, and its schema inferred, with nothing stored.
    Every field is checked, and all the problems found are raised together as `Problems`.
    ``folder`` is the caller's scratch folder (a zip is unpacked in it)."""
    checks = Checks()
    if baseline is None:
        message = "A version needs its baseline: the data the model was built or checked on."
        checks.add("baseline", Invalid(message, field="baseline"))
    prepare = _prepare_files if task.on_files else _prepare_table
    prepared = prepare(
        state, checks, task, baseline, columns, schema, benchmarks, model_file, preprocessor, folder
    )
    checks.done()
    assert prepared is not None
    return prepared


def _prepare_table(
    state: State,
    checks: Checks,
    task: ModelTask,
    baseline: Spooled | None,
    columns: VersionColumns,
    overrides: Mapping[str, Any] | None,
    benchmarks: Mapping[str, Any] | None,
    model_file: Spooled | None,
    preprocessor: Spooled | None,
    folder: Path,
) -> PreparedVersion | None:
    frame: pd.DataFrame | None = None
    if baseline is not None:
        with checks.at():
            frame = read_spooled(baseline)
    model_format = preprocessor_format = None
    with checks.at():
        model_format = _model_format(state, model_file, "model_file")
        _not_empty(model_file)
    with checks.at():
        preprocessor_format = _preprocessor_format(state, preprocessor, model_file)
        _not_empty(preprocessor)
    if frame is not None:
        _missing_columns(checks, frame, columns.named(), "The baseline")
    full: Schema | None = None
    warnings: list[str] = []
    predicted: tuple[str, ...] = ()
    if frame is not None and not checks.failed():
        with checks.at():
            if model_file is not None and model_format is not None:
                frame, columns, predicted = _with_predictions(
                    frame,
                    columns,
                    overrides,
                    task,
                    (model_file.path, model_format),
                    (preprocessor.path, str(preprocessor_format)) if preprocessor else None,
                )
            full, warnings = _schema(frame, columns, overrides, task)
    has_proba = None
    if frame is not None:
        prefix = columns.proba_prefix
        has_proba = prefix is not None and any(str(c).startswith(prefix) for c in frame.columns)
    checked = _benchmarks(checks, benchmarks, task, has_proba)
    if frame is None or full is None:
        return None
    return PreparedVersion(
        task,
        columns,
        frame,
        full,
        tuple(warnings),
        checked,
        model_file=model_file,
        model_format=model_format,
        preprocessor=preprocessor,
        preprocessor_format=preprocessor_format,
        predicted=predicted,
    )


def save_version(
    state: State, session: Session, principal: Principal, model: Model, prepared: PreparedVersion
) -> Version:
    """Store a prepared version: its files as artifacts, its row as the model's next version in
    the caller's transaction."""
    if ModelTask(model.task) != prepared.task:
        raise Conflict(f"Model {model.name!r} is a {model.task} model, not {prepared.task}.")
    columns = prepared.columns
    profile_key = baseline = None
    if prepared.baseline_zip is not None:
        baseline = _put_file(state, prepared.baseline_zip)
    else:
        assert prepared.schema is not None  # a table's version has its schema
        # The profile is written before the row that names it (as every artifact is); a model
        # that keeps no raw baseline never writes its rows at all.
        made = profile_baseline(prepared.frame, prepared.schema, model.keep_raw_baseline)
        profile_key = state.artifacts.put_bytes(made) if made is not None else None
        if model.keep_raw_baseline:
            baseline = state.artifacts.put_frame(prepared.frame)
    version = Version(
        baseline=baseline,
        baseline_profile=profile_key,
        model_file=_put_file(state, prepared.model_file),
        model_format=prepared.model_format,
        preprocessor_file=_put_file(state, prepared.preprocessor),
        preprocessor_format=prepared.preprocessor_format,
        target=columns.target,
        prediction=columns.prediction,
        proba_prefix=columns.proba_prefix,
        timestamp=columns.timestamp,
        id_column=columns.id,
        inputs_column=prepared.inputs_column,
        schema=prepared.schema.to_dict() if prepared.schema is not None else {},
        benchmarks=prepared.benchmarks,
        n_baseline_rows=len(prepared.frame),
    )
    return _register(session, principal, model, version)


def add_version(
    state: State,
    session: Session,
    principal: Principal,
    model_name: str,
    *,
    baseline: Upload,
    columns: VersionColumns,
    schema: Mapping[str, Any] | None = None,
    benchmarks: Mapping[str, Any] | None = None,
    model_file: Upload | None = None,
    preprocessor: Upload | None = None,
) -> Version:
    """A new version of a model, numbered after the last. Every field is checked before
    anything is stored (the first problem is raised); the files are stored as artifacts, the row
    in the caller's transaction."""
    model = get_model(session, model_name)
    with scratch(state) as folder:

        def spooled(upload: Upload | None) -> Spooled | None:
            if upload is None:
                return None
            return Spooled(upload.field, upload.filename, spool(state, upload, folder))

        try:
            prepared = prepare_version(
                state,
                ModelTask(model.task),
                baseline=spooled(baseline),
                columns=columns,
                folder=folder,
                schema=schema,
                benchmarks=benchmarks,
                model_file=spooled(model_file),
                preprocessor=spooled(preprocessor),
            )
        except Problems as problems:
            raise problems.first from None
        return save_version(state, session, principal, model, prepared)


def _with_predictions(
    frame: pd.DataFrame,
    columns: VersionColumns,
    overrides: Mapping[str, Any] | None,
    task: ModelTask,
    model: tuple[Path, str],
    preprocessor: tuple[Path, str] | None,
) -> tuple[pd.DataFrame, VersionColumns, tuple[str, ...]]:
    """Check that the model runs on the baseline (on its first rows, or on all of them to give
    the baseline its predictions when it has none), and name the prediction columns; the
    columns it made."""
    classifier = task != ModelTask.REGRESSION
    prediction = columns.prediction or "prediction"
    prefix = columns.proba_prefix or ("proba_" if classifier else None)
    needs = prediction not in frame.columns
    named = VersionColumns(
        columns.target,
        prediction,
        prefix if needs else columns.proba_prefix,
        columns.timestamp,
        columns.id,
    )
    without = frame.drop(columns=[prediction], errors="ignore")
    preliminary, _ = _schema(
        without,
        VersionColumns(columns.target, None, None, columns.timestamp, columns.id),
        overrides,
        task,
    )
    try:
        predictor = load_predictor(preliminary.to_dict(), model[0], model[1], preprocessor)
        sample = frame if needs else frame.head(CHECK_ROWS)
        predicted = predict_columns(sample, predictor, prediction, named.proba_prefix)
    except ModelRunError as exc:
        raise Invalid(f"{exc} (checked on the baseline)", field="model_file") from None
    if not needs:
        return frame, named, ()
    return predicted, named, tuple(c for c in predicted.columns if c not in frame.columns)


def _zip_suffix(field: str, filename: str, suffix: str) -> None:
    if suffix != ".zip":
        raise Invalid(
            f"{field!r} of an image or audio model is a zip of the files with one table "
            f"naming them; got {filename!r}.",
            field=field,
        )


def _zipped_table(folder: Path, field: str, filename: str) -> pd.DataFrame:
    """The one table of an unpacked zip, with at least one row."""
    table = table_in(folder, field)
    try:
        frame = read_table(table).frame
    except DriftscopeError as exc:
        shown = f"{filename}: {table.name}"  # the table inside the client's zip
        message = table_error(exc, table, shown)
        raise Invalid(f"{field!r}: {message}", field=field) from None
    if len(frame) == 0:
        raise Invalid(f"{field!r}: the table {table.name!r} has no rows.", field=field)
    return frame


def read_zipped_table(state: State, upload: Upload) -> tuple[str, pd.DataFrame]:
    """An uploaded zip of files with the table naming them: the stored zip's key and the
    table."""
    _zip_suffix(upload.field, upload.filename, upload.suffix)
    key = _store_file(state, upload)
    assert key is not None
    return key, _zipped_table(unpack(state, key, upload.field), upload.field, upload.filename)


def _prepare_files(
    state: State,
    checks: Checks,
    task: ModelTask,
    baseline: Spooled | None,
    columns: VersionColumns,
    overrides: Mapping[str, Any] | None,
    benchmarks: Mapping[str, Any] | None,
    model_file: Spooled | None,
    preprocessor: Spooled | None,
    folder: Path,
) -> PreparedVersion | None:
    """A version of an image or audio model: its baseline a zip of files and the table naming
    them (column ``inputs`` unless told), an ONNX image model (speech recognition: the
    transcripts are in the table, the target and the prediction columns)."""
    inputs = columns.inputs or "inputs"
    frame: pd.DataFrame | None = None
    if baseline is not None:
        with checks.at():
            _zip_suffix(baseline.field, baseline.filename, baseline.suffix)
            _not_empty(baseline)
            unpacked = folder / "unpacked"
            shutil.rmtree(unpacked, ignore_errors=True)
            unpacked.mkdir(parents=True)
            try:
                unpack_into(state, baseline.path, unpacked, baseline.field)
            except ServiceError:  # a refused zip (a bomb: up to the limit) leaves nothing behind
                shutil.rmtree(unpacked, ignore_errors=True)
                raise
            frame = _zipped_table(unpacked, baseline.field, baseline.filename)
    needed = {"target": columns.target, "prediction": columns.prediction}
    if task == ModelTask.SPEECH:
        for field, name in needed.items():
            if name is None:
                message = (
                    "A speech recognition model needs the target (reference transcripts) and "
                    "the prediction (the recognizer's output) columns."
                )
                checks.add(field, Invalid(message, field=field))
    else:
        needed["inputs_column"] = inputs
        if model_file is None or model_file.suffix != ".onnx":
            message = "An image model needs its model file, as ONNX (.onnx)."
            checks.add("model_file", Invalid(message, field="model_file"))
    if frame is not None:
        _missing_columns(checks, frame, needed, "The baseline's table")
    if model_file is not None and not checks.failed("model_file"):
        from driftscope.models import load_model

        with checks.at():
            _not_empty(model_file)
            if model_file.suffix != ".onnx":
                message = f"The model could not be loaded: {model_file.filename!r} is not ONNX."
                raise Invalid(message, field="model_file")
            try:
                load_model(model_file.path)
            except (DriftscopeError, ImportError) as exc:
                message = f"The model could not be loaded: {exc}"
                raise Invalid(message, field="model_file") from None
    checked = _benchmarks(checks, benchmarks, task, task == ModelTask.IMAGE)
    if frame is None:
        return None
    keeps_inputs = task != ModelTask.SPEECH or inputs in frame.columns
    return PreparedVersion(
        task,
        VersionColumns(
            columns.target, columns.prediction, None, columns.timestamp, columns.id, inputs
        ),
        frame,
        None,
        (),
        checked,
        baseline_zip=baseline,
        model_file=model_file,
        model_format="onnx" if model_file is not None else None,
        inputs_column=inputs if keeps_inputs else None,
    )


def _register(session: Session, principal: Principal, model: Model, version: Version) -> Version:
    """Store a checked version as the model's next (numbered one after the last it ever had,
    deleted or not: a number is never reused), in the caller's transaction, and say so in the
    audit log."""
    # One statement counts on: two versions added at once get two numbers.
    number = session.scalar(
        update(Model)
        .where(Model.id == model.id)
        .values(last_version_number=Model.last_version_number + 1)
        .returning(Model.last_version_number)
    )
    assert number is not None
    version.model_id = model.id
    version.number = number
    version.created_by = principal.actor
    session.add(version)
    session.flush()
    audit(session, principal.actor, "version.create", f"model:{model.name}/v{version.number}")
    return version


def _alias_name(alias: str) -> str:
    if alias not in ALIASES:
        raise Invalid(f"An alias is one of {', '.join(ALIASES)}; got {alias!r}.", field="alias")
    return alias


def promote(
    session: Session, principal: Principal, model_name: str, alias: str, number: int
) -> AliasMove:
    """Point ``alias`` at version ``number``, keeping the move in the history."""
    model = get_model(session, model_name)
    _alias_name(alias)
    version = get_version(session, model, number)
    return _move(session, principal, model, alias, version, "promote")


def rollback(
    session: Session, principal: Principal, model_name: str, alias: str = "production"
) -> AliasMove:
    """Point ``alias`` back at the version it held before its last promotion."""
    model = get_model(session, model_name)
    _alias_name(alias)
    current = session.get(Alias, (model.id, alias))
    if current is None:
        raise Conflict(f"Model {model.name!r} has no {alias!r} version to roll back.")
    last = session.scalar(
        select(AliasMove)
        .where(
            AliasMove.model_id == model.id,
            AliasMove.alias == alias,
            AliasMove.action == "promote",
            AliasMove.to_version_id == current.version_id,
            # A promotion to the version the alias held already (a form sent twice) is no step.
            or_(
                AliasMove.from_version_id.is_(None),
                AliasMove.from_version_id != current.version_id,
            ),
        )
        .order_by(AliasMove.id.desc())
    )
    before = session.get(Version, last.from_version_id) if last and last.from_version_id else None
    if before is None:
        if last is not None and last.from_number is not None:
            raise Conflict(
                f"Model {model.name!r}: {alias!r} held version {last.from_number} before, which "
                "was deleted; nothing to roll back to."
            )
        raise Conflict(
            f"Model {model.name!r}: {alias!r} held no other version before; nothing to roll "
            "back to."
        )
    return _move(session, principal, model, alias, before, "rollback")


def _move(
    session: Session, principal: Principal, model: Model, alias: str, version: Version, action: str
) -> AliasMove:
    current = session.get(Alias, (model.id, alias))
    before = session.get(Version, current.version_id) if current is not None else None
    if current is None:
        session.add(Alias(model_id=model.id, alias=alias, version_id=version.id))
    else:
        current.version_id = version.id
    move = AliasMove(
        model_id=model.id,
        alias=alias,
        from_version_id=before.id if before is not None else None,
        to_version_id=version.id,
        from_number=before.number if before is not None else None,
        to_number=version.number,
        action=action,
        actor=principal.actor,
    )
    session.add(move)
    session.flush()
    audit(
        session,
        principal.actor,
        f"alias.{action}",
        f"model:{model.name}",
        alias=alias,
        version=version.number,
    )
    return move
