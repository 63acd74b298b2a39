"""``/metrics``: the store's numbers for Prometheus (`services.metrics`, rendered by
`integrations.prometheus`), read at every scrape.

Who may scrape is a setting (``DRIFTSCOPE_METRICS_ACCESS``): "loopback", the default, lets a
Prometheus on this machine scrape without a token (the server listens on loopback only unless
told otherwise) and asks anyone else for an API token; "token" asks everyone for one (behind a
proxy on the same machine, where every request comes from loopback). A token of any role will
do: the scrape shows what a viewer may read. It is no REST endpoint, so it is not in the OpenAPI
document.
"""

from __future__ import annotations

import ipaddress

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from driftscope.integrations.prometheus import (
    CONTENT_TYPE,
    MetricsSnapshot,
    StoreCollector,
    exposition,
)
from driftscope.server.deps import COOKIE, State_, get_principal
from driftscope.server.errors import Unauthorized
from driftscope.server.services.metrics import metrics_snapshot
from driftscope.server.state import State

__all__ = ["router"]

router = APIRouter()


def _from_loopback(request: Request) -> bool:
    host = request.client.host if request.client is not None else ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    # A dual-stack socket reports an IPv4 client as ::ffff:127.0.0.1.
    mapped = getattr(address, "ipv4_mapped", None)
    return bool((mapped or address).is_loopback)


def _scrape(state: State) -> bytes:
    def read() -> MetricsSnapshot:
        with state.sessions() as session, session.begin():
            return metrics_snapshot(session)

    collector = StoreCollector(read, state.settings.metrics_max_features)
    return exposition(collector)


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request, state: State_) -> Response:
    """The scrape, in Prometheus' text format."""
    if state.settings.metrics_access == "token" or not _from_loopback(request):
        if "authorization" not in request.headers and COOKIE not in request.cookies:
            where = "" if state.settings.metrics_access == "token" else " from another machine"
            raise Unauthorized(
                f"Scraping /metrics{where} needs an API token (Authorization: Bearer dsk_...; "
                f"DRIFTSCOPE_METRICS_ACCESS={state.settings.metrics_access})."
            )
        # A token (or a session) of any role.
        await get_principal(request, state)
    body = await run_in_threadpool(_scrape, state)
    return Response(body, media_type=CONTENT_TYPE)
