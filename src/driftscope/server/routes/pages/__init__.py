"""The web app's pages (server-rendered, Jinja2), one module per area; `router` serves them all."""

from __future__ import annotations

from fastapi import APIRouter

from driftscope.server.routes.pages import dashboard, models, session
from driftscope.server.routes.pages._common import SECURITY_HEADERS, TEMPLATES

__all__ = ["SECURITY_HEADERS", "TEMPLATES", "router"]

router = APIRouter(include_in_schema=False)
for _area in (session, dashboard, models):
    router.include_router(_area.router)
