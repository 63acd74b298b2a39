"""Models, their versions, and the aliases (promote, rollback, history)."""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

from fastapi import APIRouter, Body, File, Form, Query, Response, UploadFile
from sqlalchemy import func, select

from driftscope.server import db
from driftscope.server.deps import Editor, Id, Limit, Offset, Reader, Session_, State_
from driftscope.server.errors import Invalid
from driftscope.server.models import Alias, AliasMove, MlflowLink, Model, Version
from driftscope.server.schemas import (
    AliasMoveOut,
    MlflowLinkIn,
    MlflowLinkOut,
    ModelIn,
    ModelOut,
    Page,
    PromoteIn,
    RawBaselineIn,
    VersionOut,
)
from driftscope.server.services import baselines, housekeeping, mlflow_links, registry
from driftscope.server.services.uploads import Upload

router = APIRouter(prefix="/models", tags=["models"])


def _model_out(session: Session_, model: Model) -> ModelOut:
    aliases = {
        alias.alias: number
        for alias, number in session.execute(
            select(Alias, Version.number)
            .join(Version, Version.id == Alias.version_id)
            .where(Alias.model_id == model.id)
        )
    }
    count = session.scalar(select(func.count()).where(Version.model_id == model.id)) or 0
    out = ModelOut.model_validate(model)
    return out.model_copy(update={"aliases": aliases, "n_versions": count})


@router.get("")
def list_models(
    session: Session_,
    who: Reader,
    offset: Offset = 0,
    limit: Limit = 100,
    search: Annotated[str | None, Query(max_length=128)] = None,
) -> Page[ModelOut]:
    query = select(Model)
    if search:
        query = query.where(Model.name.contains(search, autoescape=True))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Model.name).offset(offset).limit(limit))
    items = [_model_out(session, row) for row in rows]
    return Page(items=items, total=total, offset=offset, limit=limit)


@router.post("", status_code=201)
def create_model(body: ModelIn, session: Session_, who: Editor) -> ModelOut:
    model = registry.create_model(
        session, who, body.name, body.task, body.description, body.period, body.keep_raw_baseline
    )
    return _model_out(session, model)


@router.get("/{name}")
def show_model(name: str, session: Session_, who: Reader) -> ModelOut:
    return _model_out(session, registry.get_model(session, name))


@router.delete("/{name}", status_code=204)
def delete_model(name: str, session: Session_, who: Editor) -> None:
    registry.delete_model(session, who, name)


def _version_out(version: Version) -> VersionOut:
    return VersionOut.model_validate(
        {
            **{k: getattr(version, k) for k in VersionOut.model_fields if hasattr(Version, k)},
            "schema": version.schema,
            "raw_baseline": version.baseline is not None,
            "baseline_profile": version.baseline_profile is not None,
        }
    )


@router.put("/{name}/retention")
def set_retention(
    name: str,
    session: Session_,
    who: Editor,
    days: Annotated[int | None, Body(embed=True, description="days to keep, or null")],
) -> ModelOut:
    """Keep the model's runs, logged predictions, labels and feedback this many days (by the
    data's date), or everything (null)."""
    return _model_out(session, housekeeping.set_retention(session, who, name, days))


@router.put("/{name}/raw-baseline")
def set_raw_baseline(name: str, body: RawBaselineIn, session: Session_, who: Editor) -> ModelOut:
    """Whether the versions added from now on keep their baseline's rows beside its profile
    (false: the profile alone; the analyses that need rows are reported as not run). The
    versions the model has keep what they stored."""
    model = registry.set_raw_baseline(session, who, name, body.keep_raw_baseline)
    return _model_out(session, model)


@router.get("/{name}/versions")
def list_versions(name: str, session: Session_, who: Reader) -> list[VersionOut]:
    model = registry.get_model(session, name)
    rows = session.scalars(
        select(Version).where(Version.model_id == model.id).order_by(Version.number)
    )
    return [_version_out(row) for row in rows]


def _json_field(value: str | None, field: str) -> dict[str, Any] | None:
    if value is None or not value.strip():
        return None
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError as exc:
        raise Invalid(
            f"{field!r} must be a JSON object: {exc.msg} at {exc.pos}.", field=field
        ) from None
    if not isinstance(parsed, dict):
        raise Invalid(f"{field!r} must be a JSON object; got {type(parsed).__name__}.", field=field)
    return parsed


def _upload(file: UploadFile | None, field: str) -> Upload | None:
    if file is None:
        return None
    return Upload(field, file.filename or "", file.file)


@router.post("/{name}/versions", status_code=201)
def add_version(
    name: str,
    session: Session_,
    state: State_,
    who: Editor,
    baseline: Annotated[
        UploadFile, File(description="The reference data: CSV, Parquet or JSON Lines")
    ],
    target: Annotated[str | None, Form(max_length=256)] = None,
    prediction: Annotated[str | None, Form(max_length=256)] = None,
    proba_prefix: Annotated[str | None, Form(max_length=256)] = None,
    timestamp: Annotated[str | None, Form(max_length=256)] = None,
    id_column: Annotated[str | None, Form(max_length=256)] = None,
    inputs_column: Annotated[
        str | None, Form(max_length=256, description="image and audio models: the file column")
    ] = None,
    schema_overrides: Annotated[str | None, Form(alias="schema", max_length=1_000_000)] = None,
    benchmarks: Annotated[str | None, Form(max_length=100_000)] = None,
    model_file: Annotated[UploadFile | None, File()] = None,
    preprocessor: Annotated[UploadFile | None, File()] = None,
) -> VersionOut:
    """Add a version: the baseline, the columns that play a role, the schema's overrides and
    the benchmark metrics (JSON objects), and optionally the model and preprocessor files."""
    version = registry.add_version(
        state,
        session,
        who,
        name,
        baseline=Upload("baseline", baseline.filename or "", baseline.file),
        columns=registry.VersionColumns(
            target, prediction, proba_prefix, timestamp, id_column, inputs_column
        ),
        schema=_json_field(schema_overrides, "schema"),
        benchmarks=_json_field(benchmarks, "benchmarks"),
        model_file=_upload(model_file, "model_file"),
        preprocessor=_upload(preprocessor, "preprocessor"),
    )
    return _version_out(version)


@router.get("/{name}/versions/{number}")
def show_version(name: str, number: Id, session: Session_, who: Reader) -> VersionOut:
    model = registry.get_model(session, name)
    return _version_out(registry.get_version(session, model, number))


@router.get(
    "/{name}/versions/{number}/profile",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
def version_profile(name: str, number: Id, state: State_, who: Reader) -> Response:
    """The version's baseline profile (`driftscope.Profile.from_bytes` reads it): what its runs
    are compared with when the model keeps no raw baseline, and the schema and settings to
    profile a run with. A version made before the service kept profiles gets its profile now.
    404 for an image or audio model's version (its baseline is files)."""
    # Read, then let go: making a missing profile writes in a transaction of its own.
    with state.sessions() as session:
        version = registry.get_version(session, registry.get_model(session, name), number)
    data = baselines.baseline_profile_bytes(state, version)
    filename = f"{re.sub(r'[^A-Za-z0-9._-]+', '_', name)}-v{number}-baseline.profile"
    return Response(
        data,
        media_type="application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.delete("/{name}/versions/{number}", status_code=204)
def delete_version(name: str, number: Id, session: Session_, who: Editor) -> None:
    """Delete a version with its runs and their points; an alias on it goes too."""
    registry.delete_version(session, who, name, number)


@router.post("/{name}/aliases/{alias}")
def promote(name: str, alias: str, body: PromoteIn, state: State_, who: Editor) -> AliasMoveOut:
    """Point an alias (``production`` or ``staging``) at a version; with the model's MLflow
    link moving aliases, the registered model's alias follows (``mlflow`` says how it went)."""
    with db.transaction(state.writers) as session:
        out = _move_out(registry.promote(session, who, name, alias, body.version))
    return _followed(state, name, out)


@router.post("/{name}/aliases/{alias}/rollback")
def rollback(name: str, alias: str, state: State_, who: Editor) -> AliasMoveOut:
    """Point an alias back at the version it held before its last promotion; the MLflow alias
    follows as for a promotion."""
    with db.transaction(state.writers) as session:
        out = _move_out(registry.rollback(session, who, name, alias))
    return _followed(state, name, out)


def _followed(state: State_, name: str, out: AliasMoveOut) -> AliasMoveOut:
    """The move once MLflow's alias followed it (after driftscope's is committed: MLflow being
    slow or down never holds the store, nor undoes driftscope's move)."""
    followed = mlflow_links.follow_alias(state, name, out.alias, out.to_version)
    if followed is None:
        return out
    return out.model_copy(update={"mlflow_followed": followed[0], "mlflow": followed[1]})


@router.get("/{name}/aliases/history")
def alias_history(name: str, session: Session_, who: Reader) -> list[AliasMoveOut]:
    model = registry.get_model(session, name)
    moves = session.scalars(
        select(AliasMove).where(AliasMove.model_id == model.id).order_by(AliasMove.id.desc())
    )
    return [_move_out(move) for move in moves]


def _move_out(move: AliasMove) -> AliasMoveOut:
    # The move keeps the numbers; a deleted version's id is gone (NULL), its number stays.
    return AliasMoveOut(
        alias=move.alias,
        action=move.action,
        from_version=move.from_number,
        to_version=move.to_number,
        from_version_deleted=move.from_number is not None and move.from_version_id is None,
        to_version_deleted=move.to_number is not None and move.to_version_id is None,
        actor=move.actor,
        at=move.at,
    )


def link_out(model: str, link: MlflowLink) -> MlflowLinkOut:
    """The link as the API gives it: with its model's name, and the experiment runs go to."""
    fields = {k: getattr(link, k) for k in MlflowLinkOut.model_fields if hasattr(link, k)}
    return MlflowLinkOut.model_validate(
        {**fields, "model": model, "experiment": link.experiment or model}
    )


@router.get("/{name}/mlflow")
def show_mlflow_link(name: str, session: Session_, who: Reader) -> MlflowLinkOut:
    """The model's link to MLflow and how it last went (404 when the model has none)."""
    return link_out(name, mlflow_links.get_link(session, name))


@router.put("/{name}/mlflow")
def set_mlflow_link(name: str, body: MlflowLinkIn, state: State_, who: Editor) -> MlflowLinkOut:
    """Link the model to MLflow, or change its link: the tracking server, the registered model,
    the experiment, whether each analysed run is logged and whether aliases follow. Refused
    when the server does not answer or lacks the registered model, unless ``check`` is false."""
    fields = mlflow_links.LinkFields(
        body.tracking_uri, body.registered_model, body.experiment, body.log_runs, body.move_aliases
    )
    link = mlflow_links.set_link(state, who, name, fields, check=body.check)
    return link_out(name, link)


@router.delete("/{name}/mlflow", status_code=204)
def delete_mlflow_link(name: str, session: Session_, who: Editor) -> None:
    """Remove the model's link to MLflow; what MLflow holds stays."""
    mlflow_links.delete_link(session, who, name)
