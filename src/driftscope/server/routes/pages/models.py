"""The models at a glance, a model's page, and promoting or rolling back its production version."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from driftscope.server.deps import MAX_ID, State_
from driftscope.server.errors import Conflict, Invalid, NotFound, ServiceError
from driftscope.server.models import Role, now
from driftscope.server.routes import models as model_routes
from driftscope.server.routes import runs as run_routes
from driftscope.server.routes.pages import dashboard as dashboards
from driftscope.server.routes.pages._common import Who, allowed, change, page, to_login
from driftscope.server.routes.pages._explanations import drivers
from driftscope.server.schemas import MlflowLinkOut
from driftscope.server.services import ab_tests, mlflow_links, registry, shadow
from driftscope.server.services.overview import overview
from driftscope.server.services.registry import ModelTask
from driftscope.server.services.runs import latest_explanations
from driftscope.server.services.users import Principal

router = APIRouter(include_in_schema=False)


@router.get("/models")
def models_page(
    request: Request,
    state: State_,
    who: Who,
    search: Annotated[str, Query(max_length=128)] = "",
    task: Annotated[ModelTask | Literal[""], Query()] = "",
    verdict: Annotated[Literal["", "ok", "investigate", "retrain", "none"], Query()] = "",
) -> Response:
    """Every model with its task, production version, its latest analysed run's verdict, drift
    share and primary metric (with a sparkline of its last runs), and when data last arrived;
    filtered by name, task and verdict."""
    if who is None:
        return to_login(request)
    who.require(Role.VIEWER)
    with state.sessions() as session:
        found = overview(session, search, task, verdict)
    return page(
        request,
        "models.html",
        who=who,
        active="models",
        found=found,
        search=search,
        task=task,
        verdict=verdict,
        tasks=list(ModelTask),
        now=now(),
        can_edit=who.role.may(Role.EDITOR),
    )


#: Runs on a page of the model page.
RUNS_PER_PAGE = 50
#: The model page's query that its runs' pages keep: the dashboard's time range and order.
KEPT = ("range", "since", "until", "order")


def kept_query(request: Request) -> list[tuple[str, str]]:
    """The model page's time range and order in this request's query, for the links to another
    page of its runs."""
    return [(key, value) for key, value in request.query_params.multi_items() if key in KEPT]


@router.get("/models/{name}")
def modelpage(
    request: Request,
    name: str,
    state: State_,
    who: Who,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
    span: Annotated[str, Query(alias="range", max_length=16)] = "",
    since: Annotated[str, Query(max_length=32)] = "",
    until: Annotated[str, Query(max_length=32)] = "",
    order: Annotated[str, Query(max_length=16)] = "",
) -> Response:
    """A model: its dashboard over a time range, its versions with their aliases, and its runs,
    newest first, a page at a time; the same reads as the REST API's."""
    if who is None:
        return to_login(request)
    who.require(Role.VIEWER)
    shown = dashboards.time_range(span, since, until, datetime.now(UTC).date())
    try:
        with state.sessions() as session:
            model = model_routes.show_model(name, session, who)
            dashboard = dashboards.dashboard_of(
                session, registry.get_model(session, name), shown, order
            )
            versions = model_routes.list_versions(name, session, who)
            runs = run_routes.list_runs(name, session, who, offset, RUNS_PER_PAGE)
            history = model_routes.alias_history(name, session, who)
            mlflow = _mlflow_link(session, name)
            explained = latest_explanations(state, session, registry.get_model(session, name))
            in_shadow = shadow.latest_shadow(session, registry.get_model(session, name))
    except NotFound as missing:
        return page(request, "missing.html", 404, who=who, message=str(missing))
    aliases: dict[int, list[str]] = {}
    for alias, number in sorted(model.aliases.items()):
        aliases.setdefault(number, []).append(alias)
    return page(
        request,
        "model.html",
        422 if shown.errors else 200,
        who=who,
        dashboard=dashboard,
        active="models",
        model=model,
        versions=versions,
        aliases=aliases,
        runs=runs,
        kept=kept_query(request),
        history=history,
        mlflow=mlflow,
        explained=explained,
        shadow=in_shadow,
        drivers=None if explained.section is None else drivers(explained.section),
        can_edit=who.role.may(Role.EDITOR),
    )


def _mlflow_link(session: Session, name: str) -> MlflowLinkOut | None:
    link = mlflow_links.find_link(session, registry.get_model(session, name))
    return None if link is None else model_routes.link_out(name, link)


def _mlflow_alias_note(state: State_, name: str) -> str:
    """What the confirmation of a move of production adds when MLflow's alias moves too."""
    with state.sessions() as session:
        link = _mlflow_link(session, name)
    if link is None or not link.move_aliases:
        return ""
    return (
        f" The MLflow alias production of {link.registered_model!r} at {link.tracking_uri} "
        "moves too, to the MLflow version that version was imported from."
    )


def _follow(
    state: State_, who: Principal | None, name: str, answer: Response, confirmed: bool
) -> Response:
    """After production moved (the form confirmed, the change made: a redirect to the model
    page), MLflow's alias follows when the model's link moves aliases; how it went is kept on
    the link and shown on the model page."""
    made = confirmed and isinstance(answer, RedirectResponse)
    if made and who is not None and who.role.may(Role.EDITOR):
        with state.sessions() as session:
            number = model_routes.show_model(name, session, who).aliases.get("production")
        mlflow_links.follow_alias(state, name, "production", number)
    return answer


@router.get("/models/{name}/ab-test")
def ab_test_page(
    request: Request,
    name: str,
    state: State_,
    who: Who,
    a: Annotated[int, Query(ge=1, le=MAX_ID)],
    b: Annotated[int, Query(ge=1, le=MAX_ID)],
) -> Response:
    """An A/B test of two versions on the runs each analysed (the REST API's, in words)."""
    if who is None:
        return to_login(request)
    who.require(Role.VIEWER)
    back = f"/models/{quote(name, safe='')}"
    try:
        with state.sessions() as session:
            result = ab_tests.compare_versions(state, session, name, a, b)
    except NotFound as missing:
        return page(request, "missing.html", 404, who=who, message=str(missing))
    except Invalid as invalid:
        return page(
            request,
            "missing.html",
            422,
            who=who,
            heading="No A/B test",
            message=str(invalid),
            back=back,
        )
    return page(
        request, "ab_test.html", who=who, active="models", name=name, result=result, back=back
    )


@router.post("/models/{name}/promote")
def promotepage(
    request: Request,
    name: str,
    state: State_,
    who: Who,
    version: Annotated[int, Form(ge=1, le=MAX_ID)],
    csrf_token: Annotated[str, Form(max_length=256)] = "",
    confirmed: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """Point ``production`` at a version, once confirmed."""

    def ask(principal: Principal) -> tuple[str, str, dict[str, str]]:
        with state.sessions() as session:
            shown = model_routes.show_model(name, session, principal)
            now_serving = shown.aliases.get("production")
            registry.get_version(session, registry.get_model(session, name), version)
        was = f"v{now_serving}" if now_serving else "no version"
        question = f"Point production of {name} at v{version}? It now points at {was}."
        question += _mlflow_alias_note(state, name)
        return "Make production", question, {"version": str(version)}

    def make(session: Session, principal: Principal) -> object:
        shown = model_routes.show_model(name, session, principal)
        if shown.aliases.get("production") == version:  # a form sent twice: nothing to move
            return None
        return registry.promote(session, principal, name, "production", version)

    done = confirmed == "yes"
    return _follow(
        state, who, name, change(request, state, who, csrf_token, name, ask, make, done), done
    )


@router.post("/models/{name}/rollback")
def rollbackpage(
    request: Request,
    name: str,
    state: State_,
    who: Who,
    csrf_token: Annotated[str, Form(max_length=256)] = "",
    confirmed: Annotated[str, Form(max_length=8)] = "",
    from_version: Annotated[str, Form(max_length=24)] = "",
) -> Response:
    """Point ``production`` back at the version it held before, once confirmed. The
    confirmation names the version production points at when it is asked (``from_version``),
    so a form sent twice (or after another's move) does not roll back a second step."""

    def serving(session: Session, principal: Principal) -> str:
        return str(model_routes.show_model(name, session, principal).aliases.get("production"))

    def ask(principal: Principal) -> tuple[str, str, dict[str, str]]:
        with state.sessions() as session:
            now_serving = serving(session, principal)
        question = (
            f"Point production of {name} back at the version it held before its last "
            f"promotion? It now points at v{now_serving}. The move is kept in the history."
        ) + _mlflow_alias_note(state, name)
        return "Roll production back", question, {"from_version": now_serving}

    def make(session: Session, principal: Principal) -> object:
        now_serving = serving(session, principal)
        if from_version and now_serving != from_version:
            raise Conflict(
                f"Production of {name} points at v{now_serving} now, not v{from_version} as "
                "when you confirmed: it was rolled back or moved since (a form sent twice?). "
                "Nothing was changed."
            )
        return registry.rollback(session, principal, name, "production")

    done = confirmed == "yes"
    return _follow(
        state, who, name, change(request, state, who, csrf_token, name, ask, make, done), done
    )


def _checked(value: str) -> bool:
    return value == "yes"


@router.post("/models/{name}/mlflow")
def mlflow_link_page(
    request: Request,
    name: str,
    state: State_,
    who: Who,
    tracking_uri: Annotated[str, Form(max_length=1024)] = "",
    registered_model: Annotated[str, Form(max_length=256)] = "",
    experiment: Annotated[str, Form(max_length=256)] = "",
    log_runs: Annotated[str, Form(max_length=8)] = "",
    move_aliases: Annotated[str, Form(max_length=8)] = "",
    no_check: Annotated[str, Form(max_length=8)] = "",
    csrf_token: Annotated[str, Form(max_length=256)] = "",
) -> Response:
    """Link the model to MLflow or change its link (editors), checked as the REST API checks
    it; a refusal is shown as a page naming the field, with the way back."""
    me = allowed(request, who, Role.EDITOR, csrf_token)
    if isinstance(me, Response):
        return me
    fields = mlflow_links.LinkFields(
        tracking_uri, registered_model, experiment, _checked(log_runs), _checked(move_aliases)
    )
    back = f"/models/{quote(name)}"
    try:
        mlflow_links.set_link(state, me, name, fields, check=not _checked(no_check))
    except ServiceError as refused:
        return page(
            request,
            "missing.html",
            refused.status,
            who=me,
            heading="MLflow link not saved",
            message=str(refused),
            back=back,
        )
    return RedirectResponse(back, status_code=303)


@router.post("/models/{name}/mlflow/unlink")
def mlflow_unlink_page(
    request: Request,
    name: str,
    state: State_,
    who: Who,
    csrf_token: Annotated[str, Form(max_length=256)] = "",
    confirmed: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """Remove the model's MLflow link, once confirmed."""

    def ask(principal: Principal) -> tuple[str, str, dict[str, str]]:
        with state.sessions() as session:
            mlflow_links.get_link(session, name)
        question = (
            f"Unlink {name} from MLflow? Its runs are no longer logged there and its aliases no "
            "longer moved; what MLflow holds stays."
        )
        return "Unlink from MLflow", question, {}

    def make(session: Session, principal: Principal) -> object:
        mlflow_links.delete_link(session, principal, name)
        return None

    return change(request, state, who, csrf_token, name, ask, make, confirmed == "yes")
