"""The web app's pages (server-rendered, Jinja2), one module per area; `router` serves them all."""

from __future__ import annotations

from fastapi import APIRouter

from driftscope.server.routes.pages import account, add, admin, dashboard, models, runs, session
from driftscope.server.routes.pages._common import SECURITY_HEADERS, TEMPLATES

__all__ = ["SECURITY_HEADERS", "TEMPLATES", "router"]

router = APIRouter(include_in_schema=False)
# The add pages before the model pages: /models/new is not the page of a model named 'new'.
for _area in (session, add, dashboard, models, runs, account, admin):
    router.include_router(_area.router)
