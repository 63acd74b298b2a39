"""The dashboard at the top of a model's page: its time range, what its charts plot (as JSON,
for `static/dashboard.js`), the same in words for each chart, the model's firing alerts and
the alerts its runs fired (marked on the timelines), and the vendored Plotly.

The page reads the range from its URL (``range``: last 7, 30 or 90 days, all, or custom with
``since`` and ``until`` dates, both included) and hands the chart script the same range as
explicit times, so the charts and the page's text always show the same runs. The numbers are
the timeline services' (the REST API's `/timeline` and `/timeline/features`), read once for
the text and once for the charts.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from importlib import resources
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter
from fastapi.responses import FileResponse, JSONResponse, Response
from sqlalchemy.orm import Session

from driftscope.data.schema import ColumnRole
from driftscope.server.deps import State_
from driftscope.server.errors import NotFound
from driftscope.server.models import Model, Role
from driftscope.server.routes import alerts as alert_routes
from driftscope.server.routes.pages._common import Who
from driftscope.server.schemas import AlertOut, FastJSON
from driftscope.server.services import alerts, registry
from driftscope.server.services import timeline as timelines

__all__ = ["Dashboard", "TimeRange", "dashboard_of", "router", "time_range"]

router = APIRouter(include_in_schema=False)

#: The vendored scripts and stylesheets: each name carries its version, so a browser keeps it.
VENDOR = resources.files("driftscope.server").joinpath("static", "vendor")
FOREVER = "public, max-age=31536000, immutable"


class Span(StrEnum):
    """The time range picker's choices."""

    WEEK = "7d"
    MONTH = "30d"
    QUARTER = "90d"
    ALL = "all"
    CUSTOM = "custom"


SPAN_LABELS = {
    Span.WEEK: "Last 7 days",
    Span.MONTH: "Last 30 days",
    Span.QUARTER: "Last 90 days",
    Span.ALL: "All runs",
    Span.CUSTOM: "Custom dates",
}
_SPAN_DAYS = {Span.WEEK: 7, Span.MONTH: 30, Span.QUARTER: 90}


class Order(StrEnum):
    """How the heatmap's features are ordered."""

    DRIFT = "drift"
    NAME = "name"


@dataclass(frozen=True)
class TimeRange:
    """The runs a dashboard shows: dates from ``since`` (included) to ``until`` (excluded),
    either open; ``since_text`` and ``until_text`` are the form's date fields as shown (the
    user's input when it was wrong), and ``errors`` a message per wrong field."""

    span: Span
    since: datetime | None
    until: datetime | None
    since_text: str
    until_text: str
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def first_day(self) -> date | None:
        return None if self.since is None else self.since.date()

    @property
    def last_day(self) -> date | None:
        """The last day the range includes."""
        return None if self.until is None else (self.until - timedelta(days=1)).date()

    def query(self) -> str:
        """The range as the timeline's ``since`` and ``until`` parameters."""
        bounds = {"since": self.since, "until": self.until}
        return urlencode({k: v.isoformat() for k, v in bounds.items() if v is not None})


def _day(value: date) -> datetime:
    return datetime.combine(value, time(), tzinfo=UTC)


def time_range(span: str, since: str, until: str, today: date) -> TimeRange:
    """The range the picker asks for. A preset counts back from ``today`` (its dates are shown
    in the date fields); custom dates are read as YYYY-MM-DD, ``until`` included."""
    if span not in Span.__members__.values():
        # A link that gives only dates means those dates.
        span = Span.CUSTOM if since or until else Span.ALL
    chosen = Span(span)
    if chosen is Span.ALL:
        return TimeRange(chosen, None, None, "", "")
    if chosen is not Span.CUSTOM:
        back = today - timedelta(days=_SPAN_DAYS[chosen] - 1)
        return TimeRange(chosen, _day(back), _day(today + timedelta(days=1)), str(back), str(today))
    errors: dict[str, str] = {}
    days: dict[str, date | None] = {}
    for name, text in (("since", since), ("until", until)):
        try:
            days[name] = date.fromisoformat(text) if text else None
        except ValueError:
            errors[name] = f"{name.capitalize()}: expected a date as YYYY-MM-DD; got {text!r}."
            days[name] = None
    first, last = days["since"], days["until"]
    if not errors and first is None and last is None:
        errors["since"] = "Since: a custom range needs a first date, a last date, or both."
    if first is not None and last is not None and last < first:
        errors["until"] = f"Until: expected a date on or after {first}; got {last}."
    return TimeRange(
        chosen,
        None if first is None else _day(first),
        # The last day there is (9999-12-31) leaves the range open: no day follows it.
        None if last is None or last == date.max else _day(last + timedelta(days=1)),
        since,
        until,
        errors,
    )


@dataclass(frozen=True)
class MetricSummary:
    """A performance metric at the latest run that has it, and its estimate without labels at
    the latest run that has one (None where the runs have none)."""

    name: str
    date: str
    value: float | None
    lower: float | None
    upper: float | None
    reference: float | None
    benchmark: float | None
    status: str
    estimate: EstimateSummary | None = None


@dataclass(frozen=True)
class EstimateSummary:
    """A metric estimated without labels at the latest run that has it: the estimate and its
    band, the baseline and status, the realised value once labels arrived."""

    date: str
    estimate: float | None
    lower: float | None
    upper: float | None
    baseline: float | None
    status: str
    realised: float | None


@dataclass(frozen=True)
class FeedbackSummary:
    """Feedback over the range: runs with some, votes in all, thumbs down, and the latest run's
    negative share."""

    runs: int
    total: int
    negative: int
    latest_share: float | None
    latest_date: str | None


@dataclass(frozen=True)
class ColumnSummary:
    """A column's drift over the range: in how many runs it drifted, of those that tested it."""

    name: str
    role: str
    drifted_runs: int
    tested_runs: int
    latest: bool | None


@dataclass(frozen=True)
class RunSummary:
    """A run as the dashboard's words tell it."""

    run: int
    date: str
    version: int
    verdict: str | None
    reasons: list[dict[str, str]] | None
    drift_share: float | None
    dataset_drifted: bool | None
    quality_warnings: int | None
    quality_alerts: int | None


@dataclass(frozen=True)
class AlertMark:
    """An alert fired by a run in the range: where the timelines mark it, and its page."""

    id: int
    date: str
    rule: str
    severity: str
    state: str
    url: str


def alert_marks(session: Session, model: Model, shown: TimeRange) -> list[AlertMark]:
    """The model's alerts fired by the runs in ``shown``, oldest first."""
    return [
        AlertMark(
            change.alert.id,
            change.event.run_date.isoformat() if change.event.run_date else "",
            change.rule,
            change.alert.severity,
            change.alert.state,
            f"/alerts/{change.alert.id}",
        )
        for change in alerts.fired_in(session, model, shown.since, shown.until)
    ]


@dataclass(frozen=True)
class Dashboard:
    """What the dashboard's text says: the range's runs (the latest ten, newest first), each
    metric's latest value, each column's drift count (features in the heatmap's order, then
    the prediction and target columns), and the runs where the verdict changed."""

    range: TimeRange
    order: Order
    data_url: str
    n_runs: int = 0
    recent: list[RunSummary] = field(default_factory=list)
    metrics: list[MetricSummary] = field(default_factory=list)
    feedback: FeedbackSummary | None = None
    features: list[ColumnSummary] = field(default_factory=list)
    outputs: list[ColumnSummary] = field(default_factory=list)
    verdicts: list[RunSummary] = field(default_factory=list)
    verdict_changes: int = 0
    runs_with_alerts: int = 0
    runs_with_warnings: int = 0
    #: The model's firing alerts (whatever the range), and the alerts its runs fired.
    firing: list[AlertOut] = field(default_factory=list)
    marks: list[AlertMark] = field(default_factory=list)

    @property
    def spans(self) -> dict[Span, str]:
        return SPAN_LABELS

    @property
    def latest(self) -> RunSummary | None:
        return self.recent[0] if self.recent else None


#: Runs listed in words under the charts, newest first.
RECENT = 10
#: Verdict changes listed in the verdict history, newest first.
VERDICT_CHANGES = 10


#: The decimals the charts get: p-values, drift statistics and shares, metrics. More would
#: change no pixel and double the data the page fetches at 1,000 runs.
DIGITS = 3


def _data(
    session: Session, model: Model, shown: TimeRange, digits: int | None = None
) -> tuple[dict[str, Any], ...]:
    return (
        timelines.timeline(session, model, shown.since, shown.until, digits),
        timelines.feature_timeline(session, model, shown.since, shown.until, digits),
    )


def dashboard_of(session: Session, model: Model, shown: TimeRange, sort: str) -> Dashboard:
    """The dashboard of ``model`` over ``shown``, its features ordered by ``sort`` (by how
    often they drift unless ``"name"``); no runs read when the range is wrong."""
    order = Order.NAME if sort == Order.NAME else Order.DRIFT
    data_url = f"/models/{quote(model.name, safe='')}/dashboard.json?{shown.query()}"
    found, _ = alerts.list_alerts(session, model_name=model.name, state="firing")
    firing = alert_routes.alerts_out(session, found)
    if shown.errors:
        return Dashboard(shown, order, data_url, firing=firing)
    timeline, features = _data(session, model, shown)
    runs = timeline["runs"]
    summaries = [RunSummary(*row) for row in zip(*(runs[k] for k in _SUMMARY), strict=True)]
    changes = _changes(summaries)
    return Dashboard(
        shown,
        order,
        data_url,
        n_runs=len(summaries),
        recent=summaries[::-1][:RECENT],
        metrics=_metrics(timeline, runs["date"]),
        feedback=_feedback(runs),
        features=_columns(features, order, feature=True),
        outputs=_columns(features, Order.NAME, feature=False),
        verdicts=changes[::-1][:VERDICT_CHANGES],
        verdict_changes=len(changes) - 1,
        runs_with_alerts=sum(1 for n in runs["quality_alerts"] if n),
        runs_with_warnings=sum(1 for n in runs["quality_warnings"] if n),
        firing=firing,
        marks=alert_marks(session, model, shown),
    )


_SUMMARY = (
    "run", "date", "version", "verdict", "reasons", "drift_share", "dataset_drifted",
    "quality_warnings", "quality_alerts",
)  # fmt: skip


def _metrics(timeline: dict[str, Any], dates: list[str]) -> list[MetricSummary]:
    """The realised metrics, each with its estimate where the runs have one, then the estimated
    metrics no run has realised yet (the primary ones: a classifier's estimate has nine)."""
    estimates: dict[str, dict[str, list[Any]]] = timeline.get("estimates") or {}
    out = [
        _metric(name, series, dates, estimates.get(name))
        for name, series in timeline["metrics"].items()
    ]
    for name in timeline.get("primary_estimates") or []:
        if name not in timeline["metrics"] and name in estimates:
            empty: dict[str, list[Any]] = {k: [None] * len(dates) for k in _METRIC_FIELDS}
            empty["status"] = ["skipped"] * len(dates)
            out.append(_metric(name, empty, dates, estimates[name]))
    return out


_METRIC_FIELDS = ("value", "lower", "upper", "reference", "benchmark", "status")
_ESTIMATE_FIELDS = ("estimate", "lower", "upper", "baseline", "status", "realised")


def _latest(values: list[Any], n: int) -> int:
    return max((i for i, v in enumerate(values) if v is not None), default=n - 1)


def _metric(
    name: str,
    series: dict[str, list[Any]],
    dates: list[str],
    estimated: dict[str, list[Any]] | None = None,
) -> MetricSummary:
    at = _latest(series["value"], len(dates))
    estimate = None
    if estimated is not None and any(v is not None for v in estimated["estimate"]):
        last = _latest(estimated["estimate"], len(dates))
        estimate = EstimateSummary(dates[last], *(estimated[k][last] for k in _ESTIMATE_FIELDS))
    value, lower, upper, reference, benchmark, status = (series[k][at] for k in _METRIC_FIELDS)
    return MetricSummary(
        name, dates[at], value, lower, upper, reference, benchmark, status, estimate
    )


def _feedback(runs: dict[str, list[Any]]) -> FeedbackSummary | None:
    counted = [
        (date, total, negative or 0)
        for date, total, negative in zip(
            runs["date"], runs["n_feedback"], runs["negative_feedback"], strict=True
        )
        if total
    ]
    if not counted:
        return None
    date, total, negative = counted[-1]
    return FeedbackSummary(
        runs=len(counted),
        total=sum(t for _, t, _ in counted),
        negative=sum(n for _, _, n in counted),
        latest_share=negative / total,
        latest_date=date,
    )


def _columns(features: dict[str, Any], order: Order, feature: bool) -> list[ColumnSummary]:
    columns = [
        ColumnSummary(
            name,
            column["role"],
            column["drifted_runs"],
            sum(v is not None for v in column["drifted"]),
            next((v for v in reversed(column["drifted"]) if v is not None), None),
        )
        for name, column in features["columns"].items()
        if (column["role"] == ColumnRole.FEATURE) == feature and column["role"] in _DRIFTING
    ]
    columns.sort(key=lambda c: c.name)
    if order is Order.DRIFT:
        columns.sort(key=lambda c: -c.drifted_runs)
    return columns


#: The roles whose drift the dashboard shows: the features in the heatmap, the others (prediction
#: and label drift) in a chart of their own.
_DRIFTING = {ColumnRole.FEATURE, ColumnRole.PREDICTION, ColumnRole.PROBABILITY, ColumnRole.TARGET}


def _changes(runs: list[RunSummary]) -> list[RunSummary]:
    """The first run, and each run whose verdict differs from the run before."""
    return [run for i, run in enumerate(runs) if i == 0 or run.verdict != runs[i - 1].verdict]


@router.get("/models/{name}/dashboard.json", response_model=None)
def dashboard_data(
    name: str,
    state: State_,
    who: Who,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Response:
    """What the dashboard's charts plot: the model's timeline and its columns' drift over the
    runs from ``since`` to ``until``, for the logged-in browser."""
    if who is None:
        return JSONResponse({"detail": "Log in first."}, 401, headers={"Cache-Control": "no-store"})
    who.require(Role.VIEWER)
    for given, bound in (("since", since), ("until", until)):
        if bound is None:
            continue
        try:
            bound.astimezone(UTC)  # the store compares times in UTC
        except OverflowError:
            detail = f"'{given}' is out of the range of dates in UTC; got {bound.isoformat()}."
            return JSONResponse({"detail": detail}, 422, headers={"Cache-Control": "no-store"})
    try:
        with state.sessions() as session:
            model = registry.get_model(session, name)
            shown = TimeRange(Span.CUSTOM, since, until, "", "")
            timeline, features = _data(session, model, shown, DIGITS)
            marks = [asdict(mark) for mark in alert_marks(session, model, shown)]
    except NotFound as missing:
        return JSONResponse({"detail": str(missing)}, 404, headers={"Cache-Control": "no-store"})
    # A chart's hover shows each run's most severe reason; the page lists them all in words.
    runs = timeline["runs"]
    runs["reasons"] = [reasons[:1] if reasons else reasons for reasons in runs["reasons"]]
    return FastJSON(
        {"timeline": timeline, "features": features, "alerts": marks},
        headers={"Cache-Control": "no-store"},
    )


@router.get("/static/vendor/{file}")
def vendored(file: str) -> Response:
    """A vendored script or stylesheet, kept by the browser for a year: its name changes with
    its version."""
    found = VENDOR.joinpath(file)
    if "/" in file or file.startswith(".") or not found.is_file():
        return Response("Not found.", 404, media_type="text/plain")
    headers = {"Cache-Control": FOREVER, "X-Content-Type-Options": "nosniff"}
    return FileResponse(str(found), headers=headers)
