"""Adding a model (or a version of one) through a form, in two steps: the form, whose every field
and file is checked at once by the registry's own checks, each problem shown next to its field;
then the schema inferred from the baseline, shown for confirmation and correction. Nothing is
stored (no model, no version, no artifact) until that confirmation saves the model and its first
version in one transaction. Between the steps the files wait in a stage of the user's
(`services.staging`), so a user whose form was refused does not choose them again."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.exc import IntegrityError

from driftscope.analyses.model import Task
from driftscope.analyses.performance import computed_metrics
from driftscope.data.schema import ColumnKind, ColumnRole
from driftscope.server import db
from driftscope.server.deps import State_, get_state
from driftscope.server.errors import Conflict, Invalid, NotFound, ServiceError
from driftscope.server.models import PERIODS, Role
from driftscope.server.routes.pages._common import EXPIRED, Who, form_of, page, to_login
from driftscope.server.services import registry
from driftscope.server.services.registry import Checks, ModelTask, PreparedVersion, VersionColumns
from driftscope.server.services.staging import Stage, find_stage, open_stage
from driftscope.server.services.uploads import Upload
from driftscope.server.services.users import Principal
from driftscope.server.state import State

router = APIRouter(include_in_schema=False)

#: Each task as the form names it.
TASK_LABELS = {
    ModelTask.BINARY: "Binary classification",
    ModelTask.MULTICLASS: "Multiclass classification",
    ModelTask.REGRESSION: "Regression",
    ModelTask.TEXT: "Text classification",
    ModelTask.IMAGE: "Image classification (zip of images)",
    ModelTask.SEGMENTATION: "Image segmentation (zip of images)",
    ModelTask.SPEECH: "Speech recognition (zip of audio)",
}
PERIOD_LABELS = {period: period.capitalize() for period in PERIODS}
#: The files of the form, in its order.
FILE_FIELDS = ("baseline", "preprocessor", "model_file")
#: Benchmark rows shown beyond those filled in, and at most.
SPARE_BENCHMARKS, MAX_BENCHMARKS = 2, 20
#: Every metric a benchmark may name, for the form's suggestions.
METRICS = tuple(
    dict.fromkeys(name for task in Task for name in computed_metrics(task, probabilities=True))
)
_TEXT = 256


@dataclass(frozen=True)
class _Flow:
    """A new model (``model`` None), or a new version of the model named ``model``."""

    model: str | None

    @property
    def base(self) -> str:
        if self.model is None:
            return "/models/new"
        return f"/models/{quote(self.model, safe='')}/versions/new"

    @property
    def back(self) -> str:
        return "/models" if self.model is None else f"/models/{quote(self.model, safe='')}"


def _refusal(request: Request, who: Principal | None, csrf_token: str | None) -> Response | None:
    """Why this user may not go on (a page), or None: logged in, an editor, and for a posted
    form the session's CSRF token."""
    if who is None:
        return to_login(request)
    if not who.role.may(Role.EDITOR):
        return page(
            request, "missing.html", 403, who=who, message="Adding models needs the editor role."
        )
    if csrf_token is not None and not form_of(who, csrf_token):
        return page(request, "missing.html", 403, who=who, message=EXPIRED)
    return None


def _task_of(state: State, flow: _Flow) -> ModelTask:
    """The task of the model a version is added to (`NotFound` if there is none)."""
    assert flow.model is not None
    with state.sessions() as session:
        return ModelTask(registry.get_model(session, flow.model).task)


def _benchmark_rows(names: list[str], values: list[str]) -> list[tuple[str, str]]:
    rows = [(n.strip(), v.strip()) for n, v in zip(names, values, strict=False)]
    return [row for row in rows if row != ("", "")][:MAX_BENCHMARKS]


def _number(text: str) -> float | str:
    """A typed number, or the text as typed (the registry says what it must be)."""
    try:
        value = float(text)
    except ValueError:
        return text
    return value if math.isfinite(value) else text


def _benchmarks(checks: Checks, rows: list[tuple[str, str]]) -> dict[str, Any]:
    benchmarks: dict[str, Any] = {}
    for number, (name, value) in enumerate(rows, start=1):
        if not name:
            message = f"Benchmark row {number} has the value {value!r} but no metric name."
        elif name in benchmarks:
            message = f"The metric {name!r} is named twice; give each metric one benchmark."
        elif not value:
            message = f"The benchmark for {name!r} has no value; type a number."
        else:
            benchmarks[name] = _number(value)
            continue
        checks.add("benchmarks", Invalid(message, field="benchmarks"))
    return benchmarks


def _columns(form: Mapping[str, Any]) -> VersionColumns:
    return VersionColumns(
        form.get("target"),
        form.get("prediction"),
        form.get("proba_prefix"),
        form.get("timestamp"),
        form.get("id_column"),
        form.get("inputs_column"),
    )


def _prepare(
    state: State,
    checks: Checks,
    stage: Stage,
    task: ModelTask,
    columns: VersionColumns,
    overrides: Mapping[str, Any] | None = None,
) -> PreparedVersion | None:
    """The registry's checks of the staged version, its problems kept in ``checks``."""
    form = stage.form
    benchmarks = _benchmarks(checks, [tuple(row) for row in form.get("benchmarks", [])])
    if task.on_files and stage.spooled("preprocessor") is not None:
        message = "An image or audio model takes no preprocessor: its ONNX model does it all."
        checks.add("preprocessor", Invalid(message, field="preprocessor"))
    with checks.at():
        return registry.prepare_version(
            state,
            task,
            baseline=stage.spooled("baseline"),
            columns=columns,
            folder=stage.work,
            schema=overrides,
            benchmarks=benchmarks,
            model_file=stage.spooled("model_file"),
            preprocessor=stage.spooled("preprocessor"),
        )
    return None


def _problems(checks: Checks) -> dict[str, list[str]]:
    """The problems by the field they are shown next to (a field of another step's at the top)."""
    shown: dict[str, list[str]] = {}
    for field, problem in checks.found:
        shown.setdefault(field or "form", []).append(problem.detail)
    return shown


def _form_page(
    request: Request,
    who: Principal,
    flow: _Flow,
    task: ModelTask | None,
    stage: Stage | None,
    problems: Mapping[str, list[str]] | None = None,
    status: int = 200,
) -> Response:
    form = dict(stage.form) if stage is not None else {"period": "day", "keep_raw_baseline": "yes"}
    rows = [tuple(row) for row in form.get("benchmarks", [])]
    spare = SPARE_BENCHMARKS if rows else SPARE_BENCHMARKS + 1
    rows += [("", "")] * min(spare, MAX_BENCHMARKS - len(rows))
    return page(
        request,
        "add.html",
        status,
        who=who,
        active="models",
        flow=flow,
        task=task,
        form=form,
        benchmark_rows=rows,
        files=stage.files if stage is not None else {},
        stage=stage.token if stage is not None else "",
        problems=problems or {},
        tasks=TASK_LABELS,
        periods=PERIOD_LABELS,
        metrics=METRICS,
        allow_pickle=get_state(request).settings.allow_pickle,
    )


@dataclass(frozen=True)
class _SchemaRow:
    name: str
    kind: str
    role: str
    note: str
    #: Shown, not corrected: made by the model (its predictions), or a column of a model of
    #: files (whose schema is not inferred).
    fixed: bool


def _schema_rows(prepared: PreparedVersion) -> list[_SchemaRow]:
    if prepared.schema is None:  # a model of files: the table's columns and their roles
        roles = {name: str(role) for name, role in prepared.columns.roles().items()}
        if prepared.inputs_column is not None:
            roles[prepared.inputs_column] = "inputs (file paths)"
        return [
            _SchemaRow(str(c), "", roles.get(str(c), ColumnRole.FEATURE), "", fixed=True)
            for c in prepared.frame.columns
        ]
    return [
        _SchemaRow(
            spec.name,
            str(spec.kind or ""),
            str(spec.role or ColumnRole.FEATURE),
            "made by the model" if spec.name in prepared.predicted else spec.note or "",
            fixed=spec.name in prepared.predicted,
        )
        for spec in prepared.schema
    ]


def _schema_page(
    request: Request,
    who: Principal,
    flow: _Flow,
    stage: Stage,
    problems: Mapping[str, list[str]] | None = None,
    status: int = 200,
    chosen: Mapping[str, tuple[str, str]] | None = None,
) -> Response:
    rows = [_SchemaRow(**row) for row in stage.extra["schema"]]
    return page(
        request,
        "add_schema.html",
        status,
        who=who,
        active="models",
        flow=flow,
        form=stage.form,
        task_label=TASK_LABELS[ModelTask(stage.extra["task"])],
        files=stage.files,
        stage=stage.token,
        rows=rows,
        chosen=chosen or {},
        warnings=stage.extra.get("warnings", []),
        benchmarks=stage.extra.get("benchmarks", {}),
        kinds=[str(kind) for kind in ColumnKind],
        roles=[str(role) for role in ColumnRole],
        problems=problems or {},
    )


@dataclass(frozen=True)
class _Typed:
    """The form's fields as typed."""

    name: str
    task: str
    description: str
    period: str
    #: "yes" (the baseline's rows kept beside its profile) or "no" (its profile alone).
    keep_raw_baseline: str
    target: str
    prediction: str
    proba_prefix: str
    id_column: str
    timestamp: str
    inputs_column: str
    benchmark_name: list[str]
    benchmark_value: list[str]

    def form(self, flow: _Flow) -> dict[str, Any]:
        kept = {
            key: value.strip()
            for key, value in vars(self).items()
            if isinstance(value, str) and key != "description"
        }
        if flow.model is not None:
            for key in ("name", "task", "period", "keep_raw_baseline"):
                kept.pop(key)
        return {
            **kept,
            "model": flow.model,
            "description": self.description,
            "benchmarks": _benchmark_rows(self.benchmark_name, self.benchmark_value),
        }


def _keeps_raw(form: Mapping[str, Any]) -> bool:
    """The form's choice of what a version keeps of its baseline (a value not offered keeps
    the rows, as a model does by default)."""
    return str(form.get("keep_raw_baseline", "yes")) != "no"


def _check(
    request: Request,
    state: State,
    who: Principal,
    flow: _Flow,
    typed: _Typed,
    uploads: Mapping[str, UploadFile | None],
    dropped: list[str],
    stage_token: str,
) -> Response:
    """The form's first step: keep the files, check every field, and show the problems next to
    their fields, or the inferred schema for confirmation."""
    try:
        task = _task_of(state, flow) if flow.model is not None else None
    except NotFound as missing:
        return page(request, "missing.html", 404, who=who, message=str(missing))
    stage = find_stage(state, who, stage_token) if stage_token else None
    checks = Checks()
    if stage is None:
        if stage_token:
            message = (
                "The files chosen before were removed after an hour unused; choose them again."
            )
            checks.add("form", Invalid(message))
        stage = open_stage(state, who)
    stage.form = typed.form(flow)
    stage.extra = {}
    stage.save()
    for field in FILE_FIELDS:
        upload = uploads.get(field)
        if upload is not None and upload.filename:
            with checks.at(field):
                stage.keep(state, Upload(field, upload.filename, upload.file))
        elif field in dropped:
            stage.drop(field)
    form = stage.form
    if flow.model is None:
        with state.sessions() as session, checks.at():
            registry.check_new_model(
                session, form["name"], form["task"], form["period"], _keeps_raw(form)
            )
        # The files are checked for the task chosen, whatever else is wrong with the model.
        task = ModelTask(form["task"]) if form["task"] in set(map(str, ModelTask)) else None
        if len(typed.description) > 10_000:
            message = (
                f"The description is at most 10,000 characters; got {len(typed.description):,}."
            )
            checks.add("description", Invalid(message, field="description"))
    prepared = None
    if task is not None:
        prepared = _prepare(state, checks, stage, task, _columns(form))
    if checks.found or prepared is None:
        return _form_page(request, who, flow, task, stage, _problems(checks), 422)
    stage.extra = {
        "task": str(prepared.task),
        "schema": [vars(row) for row in _schema_rows(prepared)],
        "warnings": list(prepared.warnings),
        "benchmarks": prepared.benchmarks,
    }
    stage.save()
    return _schema_page(request, who, flow, stage)


def _corrections(
    checks: Checks, stage: Stage, kinds: list[str], roles: list[str]
) -> tuple[VersionColumns, dict[str, Any] | None, dict[str, tuple[str, str]]]:
    """The columns and schema overrides the user's corrections make: a column's role names the
    version's target, prediction, timestamp or id (one each at most)."""
    rows = [_SchemaRow(**row) for row in stage.extra["schema"]]
    editable = [row for row in rows if not row.fixed]
    columns = _columns(stage.form)
    if not editable:  # a model of files: nothing to correct
        return columns, None, {}
    if len(kinds) != len(editable) or len(roles) != len(editable):
        checks.add("schema", Invalid("The form does not match the schema shown; reload the page."))
        return columns, None, {}
    chosen = {
        row.name: (kind, role) for row, kind, role in zip(editable, kinds, roles, strict=True)
    }
    overrides: dict[str, dict[str, str]] = {}
    named: dict[ColumnRole, list[str]] = {}
    for row, (kind, role) in zip(editable, chosen.values(), strict=True):
        if kind not in set(ColumnKind) or role not in set(ColumnRole):
            message = f"Column {row.name!r}: choose a kind and a role from the lists."
            checks.add("schema", Invalid(message, field="schema"))
            continue
        named.setdefault(ColumnRole(role), []).append(row.name)
        change = {
            key: new
            for key, new, old in (("kind", kind, row.kind), ("role", role, row.role))
            if new != old
        }
        if change:
            overrides[row.name] = change
    one: dict[ColumnRole, str | None] = {}
    for role in (ColumnRole.TARGET, ColumnRole.PREDICTION, ColumnRole.TIMESTAMP, ColumnRole.ID):
        given = named.get(role, [])
        if len(given) > 1:
            shown = ", ".join(map(repr, given))
            message = f"Only one column can be the {role}; you chose {shown}."
            checks.add("schema", Invalid(message, field="schema"))
        one[role] = given[0] if given else None
    # The model's own prediction column keeps its role (a column the baseline did not have).
    predicted = any(row.fixed for row in rows)
    prediction = one[ColumnRole.PREDICTION] or (columns.prediction if predicted else None)
    corrected = VersionColumns(
        one[ColumnRole.TARGET],
        prediction,
        columns.proba_prefix,
        one[ColumnRole.TIMESTAMP],
        one[ColumnRole.ID],
        columns.inputs,
    )
    return corrected, ({"columns": overrides} if overrides else None), chosen


def _confirm(
    request: Request,
    state: State,
    who: Principal,
    flow: _Flow,
    stage_token: str,
    kinds: list[str],
    roles: list[str],
) -> Response:
    """The second step: the schema as corrected, checked again with the files, and the model
    and its version saved in one transaction."""
    stage = find_stage(state, who, stage_token)
    if stage is None or "schema" not in stage.extra:
        # Saved already (a form sent twice), cancelled, or left unused for an hour.
        message = (
            "The files chosen before are gone: this form was saved or cancelled already, or "
            "they were removed after an hour unused. See the models, or choose them again."
        )
        task = None
        if flow.model is not None:
            try:
                task = _task_of(state, flow)
            except NotFound as missing:
                return page(request, "missing.html", 404, who=who, message=str(missing))
        return _form_page(request, who, flow, task, None, {"form": [message]}, 410)
    if stage.form.get("model") != flow.model:
        return page(request, "missing.html", 404, who=who, message="This form is another model's.")
    task = ModelTask(stage.extra["task"])
    checks = Checks()
    columns, overrides, chosen = _corrections(checks, stage, kinds, roles)
    prepared = None if checks.found else _prepare(state, checks, stage, task, columns, overrides)
    if checks.found or prepared is None:
        return _schema_page(request, who, flow, stage, _problems(checks), 422, chosen)
    form = stage.form
    name = flow.model or form["name"]
    try:
        with db.transaction(state.writers) as session:
            if flow.model is None:
                model = registry.create_model(
                    session,
                    who,
                    name,
                    form["task"],
                    form["description"],
                    form["period"],
                    _keeps_raw(form),
                )
            else:
                model = registry.get_model(session, name)
            registry.save_version(state, session, who, model, prepared)
    except IntegrityError:  # made by another request since the check
        taken = Conflict(f"A model named {name!r} exists already.", field="name")
        return _form_page(request, who, flow, task, stage, {"name": [taken.detail]}, 409)
    except NotFound as missing:
        return page(request, "missing.html", 404, who=who, message=str(missing))
    except ServiceError as refused:
        checks.add(refused.field or "form", refused)
        return _form_page(request, who, flow, task, stage, _problems(checks), refused.status)
    stage.remove()
    return RedirectResponse(f"/models/{quote(name, safe='')}", status_code=303)


def _cancel(state: State, who: Principal, flow: _Flow, stage_token: str) -> Response:
    stage = find_stage(state, who, stage_token) if stage_token else None
    if stage is not None:
        stage.remove()
    return RedirectResponse(flow.back, status_code=303)


def _show(
    request: Request, state: State, who: Principal, flow: _Flow, stage_token: str
) -> Response:
    try:
        task = _task_of(state, flow) if flow.model is not None else None
    except NotFound as missing:
        return page(request, "missing.html", 404, who=who, message=str(missing))
    stage = find_stage(state, who, stage_token) if stage_token else None
    return _form_page(request, who, flow, task, stage)


# The routes: the same four steps for a new model and for a new version of a model.

_Token = Annotated[str, Form(max_length=256)]
_Field = Annotated[str, Form(max_length=_TEXT)]
_File = Annotated[UploadFile | None, File()]
_List = Annotated[list[str], Form(max_length=_TEXT)]
_Query = Annotated[str, Query(max_length=256)]


def _typed(
    # Not ``name``: a version's routes have the model's name in their path.
    model_name: Annotated[str, Form(alias="name", max_length=_TEXT)] = "",
    task: _Field = "",
    description: Annotated[str, Form(max_length=20_000)] = "",
    period: _Field = "day",
    keep_raw_baseline: _Field = "yes",
    target: _Field = "",
    prediction: _Field = "",
    proba_prefix: _Field = "",
    id_column: _Field = "",
    timestamp: _Field = "",
    inputs_column: _Field = "",
    benchmark_name: _List = [],  # noqa: B006 (FastAPI copies a default)
    benchmark_value: _List = [],  # noqa: B006
) -> _Typed:
    return _Typed(
        model_name,
        task,
        description,
        period,
        keep_raw_baseline,
        target,
        prediction,
        proba_prefix,
        id_column,
        timestamp,
        inputs_column,
        benchmark_name,
        benchmark_value,
    )


def _uploads(
    baseline: _File = None, preprocessor: _File = None, model_file: _File = None
) -> dict[str, UploadFile | None]:
    return {"baseline": baseline, "preprocessor": preprocessor, "model_file": model_file}


_Typed_ = Annotated[_Typed, Depends(_typed)]
_Uploads_ = Annotated[dict[str, UploadFile | None], Depends(_uploads)]


def _guarded(
    request: Request,
    who: Principal | None,
    csrf_token: str | None,
    then: Callable[[Principal], Response],
) -> Response:
    refused = _refusal(request, who, csrf_token)
    if refused is not None:
        return refused
    assert who is not None
    return then(who)


@router.get("/models/new")
def new_model_form(request: Request, state: State_, who: Who, stage: _Query = "") -> Response:
    """The form of a new model and its first version."""
    return _guarded(request, who, None, lambda who: _show(request, state, who, _Flow(None), stage))


@router.post("/models/new")
def new_model_check(
    request: Request,
    state: State_,
    who: Who,
    typed: _Typed_,
    uploads: _Uploads_,
    csrf_token: _Token = "",
    stage: _Token = "",
    drop: _List = [],  # noqa: B006
) -> Response:
    """Check the form; its problems, or the inferred schema to confirm."""
    flow = _Flow(None)
    return _guarded(
        request,
        who,
        csrf_token,
        lambda who: _check(request, state, who, flow, typed, uploads, drop, stage),
    )


@router.post("/models/new/confirm")
def new_model_confirm(
    request: Request,
    state: State_,
    who: Who,
    csrf_token: _Token = "",
    stage: _Token = "",
    kind: _List = [],  # noqa: B006
    role: _List = [],  # noqa: B006
) -> Response:
    """Save the model and its first version with the schema as corrected."""
    return _guarded(
        request,
        who,
        csrf_token,
        lambda who: _confirm(request, state, who, _Flow(None), stage, kind, role),
    )


@router.post("/models/new/cancel")
def new_model_cancel(
    request: Request, state: State_, who: Who, csrf_token: _Token = "", stage: _Token = ""
) -> Response:
    """Give up: the files kept are removed."""
    return _guarded(request, who, csrf_token, lambda who: _cancel(state, who, _Flow(None), stage))


@router.get("/models/{name}/versions/new")
def new_version_form(
    request: Request, name: str, state: State_, who: Who, stage: _Query = ""
) -> Response:
    """The form of a new version of a model."""
    return _guarded(request, who, None, lambda who: _show(request, state, who, _Flow(name), stage))


@router.post("/models/{name}/versions/new")
def new_version_check(
    request: Request,
    name: str,
    state: State_,
    who: Who,
    typed: _Typed_,
    uploads: _Uploads_,
    csrf_token: _Token = "",
    stage: _Token = "",
    drop: _List = [],  # noqa: B006
) -> Response:
    """Check the form; its problems, or the inferred schema to confirm."""
    flow = _Flow(name)
    return _guarded(
        request,
        who,
        csrf_token,
        lambda who: _check(request, state, who, flow, typed, uploads, drop, stage),
    )


@router.post("/models/{name}/versions/new/confirm")
def new_version_confirm(
    request: Request,
    name: str,
    state: State_,
    who: Who,
    csrf_token: _Token = "",
    stage: _Token = "",
    kind: _List = [],  # noqa: B006
    role: _List = [],  # noqa: B006
) -> Response:
    """Save the version with the schema as corrected."""
    return _guarded(
        request,
        who,
        csrf_token,
        lambda who: _confirm(request, state, who, _Flow(name), stage, kind, role),
    )


@router.post("/models/{name}/versions/new/cancel")
def new_version_cancel(
    request: Request,
    name: str,
    state: State_,
    who: Who,
    csrf_token: _Token = "",
    stage: _Token = "",
) -> Response:
    """Give up: the files kept are removed."""
    return _guarded(request, who, csrf_token, lambda who: _cancel(state, who, _Flow(name), stage))
