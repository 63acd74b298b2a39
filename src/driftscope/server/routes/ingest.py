"""Predictions logged by services, ground truth by id, feedback, and the ingestion status."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

import pandas as pd
import pyarrow as pa
from fastapi import APIRouter, Body, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from driftscope.server import db
from driftscope.server.deps import Editor, Reader, Session_, State_
from driftscope.server.errors import Invalid
from driftscope.server.services import ingest, registry
from driftscope.server.state import State

router = APIRouter(prefix="/models/{name}", tags=["ingestion"])

ARROW = "application/vnd.apache.arrow.stream"

#: The body of a JSON batch: its rows as records, or as columns (faster to read).
_BATCH_DOC = (
    'A JSON object with "rows" (a list of records: {"id": ..., "timestamp": ..., <feature>: ..., '
    '"prediction": ..., "proba_<class>": ...}) or "columns" (a name -> list object of the same), '
    f"or an Arrow IPC stream with Content-Type {ARROW}."
)


async def _batch(request: Request, arrow: bool = False) -> Any:
    """The table a request carries: JSON rows or columns, or an Arrow IPC stream (kept as an
    Arrow table with ``arrow``, else a DataFrame)."""
    body = await request.body()
    content_type = request.headers.get("content-type", "").split(";")[0].strip()
    if content_type == ARROW:
        table = ingest.read_arrow(body)  # reads the buffers in place: no copy, no thread
        return table if arrow else await run_in_threadpool(table.to_pandas)
    if content_type not in ("application/json", ""):
        raise Invalid(
            f"Send JSON (application/json) or Arrow ({ARROW}); got {content_type!r}.",
            field="Content-Type",
        )
    return await run_in_threadpool(_json_batch, body)


def _json_batch(body: bytes) -> pd.DataFrame:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Invalid(f"The body is not JSON: {exc}", field="body") from None
    if not isinstance(data, dict) or not ({"rows", "columns"} & set(data)):
        raise Invalid('The body must be an object with "rows" or "columns".', field="body")
    if "rows" in data:
        rows = data["rows"]
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise Invalid('"rows" must be a list of objects.', field="rows")
        return pd.DataFrame.from_records(rows)
    columns = data["columns"]
    if not isinstance(columns, dict) or not all(isinstance(v, list) for v in columns.values()):
        raise Invalid('"columns" must map each name to a list of values.', field="columns")
    lengths = {len(v) for v in columns.values()}
    if len(lengths) > 1:
        raise Invalid(f'The "columns" lists differ in length: {sorted(lengths)}.', field="columns")
    return pd.DataFrame(columns)


class LoggedOut(BaseModel):
    received: int
    periods: list[datetime]


def _in_transaction(state: State, work: Any) -> Any:
    with db.transaction(state.writers) as session:
        return work(session)


#: The request body of a batch, for the OpenAPI document (the routes read it themselves).
_BATCH_BODY = {
    "requestBody": {
        "description": _BATCH_DOC,
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "rows": {"type": "array", "items": {"type": "object"}},
                        "columns": {"type": "object", "additionalProperties": {"type": "array"}},
                    },
                }
            },
            ARROW: {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


@router.post("/predictions", status_code=201, openapi_extra=_BATCH_BODY)
async def log_predictions(name: str, request: Request, state: State_, who: Editor) -> LoggedOut:
    """Log a batch of predictions of the model's serving version; they are analysed, grouped by
    the model's period, once the period has ended (or on `flush`)."""
    frame = await _batch(request, arrow=True)
    stream = await request.body() if isinstance(frame, pa.Table) else None  # read once, kept
    logged = await run_in_threadpool(ingest.log_predictions, state, who, name, frame, stream)
    return LoggedOut(received=logged.received, periods=list(logged.periods))


@router.post("/labels", status_code=201, openapi_extra=_BATCH_BODY)
async def log_labels(name: str, request: Request, state: State_, who: Editor) -> dict[str, int]:
    """Ground truth by id (the version's id and target columns; the last label of an id wins);
    the runs holding those ids are analysed again."""
    frame = await _batch(request)
    count = await run_in_threadpool(
        _in_transaction,
        state,
        lambda session: ingest.log_labels(state, session, who, name, frame),
    )
    return {"received": count}


@router.post("/feedback", status_code=201, openapi_extra=_BATCH_BODY)
async def log_feedback(name: str, request: Request, state: State_, who: Editor) -> dict[str, int]:
    """Feedback on predictions: "id", "score" (1 thumbs up, -1 down), optional "comment"."""
    frame = await _batch(request)
    count = await run_in_threadpool(
        _in_transaction,
        state,
        lambda session: ingest.log_feedback(state, session, who, name, frame),
    )
    return {"received": count}


@router.post("/predictions/flush")
def flush(name: str, session: Session_, state: State_, who: Editor) -> dict[str, int]:
    """Analyse now every period with logged predictions not analysed yet, the open one too."""
    model = registry.get_model(session, name)
    return {"queued": ingest.queue_periods(session, state, include_open=True, model_id=model.id)}


@router.put("/period")
def set_period(
    name: str,
    session: Session_,
    who: Editor,
    period: Annotated[str, Body(embed=True, description="hour, day or week")],
) -> dict[str, str]:
    """How logged predictions are grouped into runs."""
    return {"period": ingest.set_period(session, who, name, period).period}


@router.get("/ingestion")
def ingestion(name: str, session: Session_, who: Reader) -> dict[str, Any]:
    """Rows received, rows waiting for their period's analysis (and since when), runs pending,
    the last analysis error, and how many labels and feedback are stored."""
    status = ingest.ingest_status(session, registry.get_model(session, name))
    return status.__dict__
