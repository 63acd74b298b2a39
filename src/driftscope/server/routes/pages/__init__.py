"""The web app's pages (server-rendered, Jinja2), one module per area; `router` serves them all."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.routing import APIRoute

from driftscope.server.deps import text_without_nul
from driftscope.server.routes.pages import (
    account,
    add,
    admin,
    alerts,
    dashboard,
    models,
    notifiers,
    runs,
    session,
)
from driftscope.server.routes.pages._common import SECURITY_HEADERS, TEMPLATES

__all__ = ["ROUTES", "SECURITY_HEADERS", "TEMPLATES", "router"]

# The add pages before the model pages: /models/new is not the page of a model named 'new'.
_AREAS = (session, add, dashboard, models, runs, alerts, account, admin, notifiers)
#: Every page's route, in the order they are tried.
ROUTES = [route for area in _AREAS for route in area.router.routes if isinstance(route, APIRoute)]

router = APIRouter(include_in_schema=False)
for _area in _AREAS:
    router.include_router(_area.router, dependencies=[Depends(text_without_nul)])
