"""Alert rules and alerts in the app: a model's alerts page (its rules, each in words, and its
alerts, firing first), the form that makes or changes a rule (every field of
`services.alerts.RuleSpec`, each refusal of the service's own `check_rule` told beside its field,
and a preview of the rule in words that htmx fetches as the form changes), enabling, disabling
and deleting a rule (deleting confirmed on a page of its own), an alert's page with its history,
acknowledging and silencing it, and the list of every model's alerts.

Reads go through the REST API's route functions (`routes.alerts`), so a page shows what the API
answers; changes call the same service functions as the API. Viewers see every page; editors
and admins change.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from driftscope.analyses.status import Decision
from driftscope.server import db
from driftscope.server.deps import Id, State_
from driftscope.server.errors import Conflict, Invalid, NotFound, ServiceError
from driftscope.server.models import AlertRule, AlertState, Role, now
from driftscope.server.routes import alerts as alert_routes
from driftscope.server.routes.pages._common import Who, allowed, change, page, to_login
from driftscope.server.schemas import AlertOut, AlertRuleOut
from driftscope.server.services import alerts, change_points, notify, registry
from driftscope.server.services.alerts import Comparator, RuleSpec, Severity, Signal
from driftscope.server.services.users import Principal
from driftscope.server.state import State

__all__ = [
    "SILENCES",
    "condition",
    "duration",
    "parameters_text",
    "parse_duration",
    "parse_parameters",
    "router",
    "silence_until",
]

router = APIRouter(include_in_schema=False)

#: The largest whole number of seconds (or runs) the store keeps in a rule.
_MOST = 2**31 - 1
#: The runs a rule may need in a row (the REST API's bound).
MOST_RUNS = 10_000

_SIGNAL_LABELS = {
    Signal.METRIC: "A performance metric",
    Signal.METRIC_DROP: "A performance metric's drop",
    Signal.DRIFT_SHARE: "The share of drifted columns",
    Signal.FEATURE_DRIFT: "A feature's drift",
    Signal.PREDICTION_DRIFT: "Prediction drift",
    Signal.LABEL_DRIFT: "Label drift",
    Signal.QUALITY_CHECK: "A data-quality check",
    Signal.VERDICT: "The verdict",
    Signal.FRESHNESS: "Freshness (time without data or labels)",
    Signal.CHANGE_POINTS: "Change points in a run's predictions",
}

# -- durations --------------------------------------------------------------------------------

_UNITS = {
    "": 1, "s": 1, "sec": 1, "second": 1, "seconds": 1,
    "m": 60, "min": 60, "minute": 60, "minutes": 60,
    "h": 3600, "hour": 3600, "hours": 3600,
    "d": 86400, "day": 86400, "days": 86400,
    "w": 604800, "week": 604800, "weeks": 604800,
}  # fmt: skip
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([a-z]*)")


def parse_duration(text: str, field: str) -> int | None:
    """Seconds from a duration as a user types it (``90``, ``90 s``, ``30 min``, ``2 h``,
    ``1 day``, ``1 week``); None when empty. A wrong one is `Invalid` naming ``field``.

    >>> [parse_duration(t, "for_seconds") for t in ("", "90", "30 min", "2h", "1.5 days")]
    [None, 90, 1800, 7200, 129600]
    """
    text = text.strip().lower()
    if not text:
        return None
    found = _DURATION.fullmatch(text)
    if found is None or found.group(2) not in _UNITS:
        raise Invalid(
            f"The {field!r} must be a duration such as 90 s, 30 min, 2 h, 1 day or 1 week; "
            f"got {text!r}.",
            field=field,
        )
    seconds = round(float(found.group(1)) * _UNITS[found.group(2)])
    if seconds > _MOST:
        raise Invalid(
            f"The {field!r} must be at most {_MOST} seconds (about 68 years); got {text!r}.",
            field=field,
        )
    return seconds


def duration(seconds: float | None) -> str:
    """Seconds in the largest unit that divides them (the form shows a rule's durations so).

    >>> [duration(s) for s in (None, 0, 45, 1800, 7200, 86400, 1209600, 5400)]
    ['', '0 s', '45 s', '30 min', '2 h', '1 day', '2 weeks', '90 min']
    """
    if seconds is None:
        return ""
    whole = int(seconds)
    for unit, size in (("week", 604800), ("day", 86400), ("h", 3600), ("min", 60)):
        if whole and whole % size == 0:
            count = whole // size
            plural = "s" if count != 1 and unit in ("week", "day") else ""
            return f"{count} {unit}{plural}"
    return f"{whole} s"


# -- a detector's parameters ------------------------------------------------------------------

#: The most parameters a rule may give its detector (the REST API's bound).
MOST_PARAMETERS = 16
_PARAMETER = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)")
_INTEGER = re.compile(r"[+-]?\d+")


def _parameter_value(text: str) -> int | float | bool | str:
    """A parameter's value as typed: a whole number, a number, true or false, or text (text
    that would read as one of the others is typed in double quotes)."""
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1]
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    if _INTEGER.fullmatch(text):
        return int(text)
    try:
        return float(text)
    except ValueError:
        return text


def parse_parameters(text: str) -> dict[str, int | float | bool | str] | None:
    r"""A detector's parameters from the form: one ``name=value`` a line; None when empty. A line
    that is no ``name=value``, a name given twice or too many are `Invalid` naming the
    ``parameters`` (the service checks the names and the bounds).

    >>> parse_parameters("delta = 0.01\nmin_instances=50\n\nmode=up\nlabel=\"7\"")
    {'delta': 0.01, 'min_instances': 50, 'mode': 'up', 'label': '7'}
    >>> parse_parameters("  ") is None
    True
    """
    out: dict[str, int | float | bool | str] = {}
    for line in filter(None, (line.strip() for line in text.splitlines())):
        found = _PARAMETER.fullmatch(line)
        if found is None or not found.group(2).strip():
            raise Invalid(
                f"The 'parameters' are one name=value a line, such as delta=0.01; got {line!r}.",
                field="parameters",
            )
        name = found.group(1)
        if name in out:
            raise Invalid(f"The 'parameters' give {name!r} twice.", field="parameters")
        out[name] = _parameter_value(found.group(2).strip())
    if len(out) > MOST_PARAMETERS:
        raise Invalid(
            f"The 'parameters' are at most {MOST_PARAMETERS}; got {len(out)}.", field="parameters"
        )
    return out or None


def parameters_text(parameters: dict[str, Any] | None) -> str:
    """A rule's parameters as the form shows them, one ``name=value`` a line, which
    `parse_parameters` reads back to the same values and types.

    >>> print(parameters_text({"threshold": 50.0, "min_instances": 30, "mode": "up", "x": "1"}))
    threshold=50.0
    min_instances=30
    mode=up
    x="1"
    """
    lines = []
    for name, value in (parameters or {}).items():
        if isinstance(value, bool):
            shown = "true" if value else "false"
        elif isinstance(value, (int, float)):
            shown = repr(value)
        else:
            text = str(value)
            shown = text if _parameter_value(text) == text and text == text.strip() else f'"{text}"'
        lines.append(f"{name}={shown}")
    return "\n".join(lines)


# -- a rule in words ---------------------------------------------------------------------------

_Rule = RuleSpec | AlertRule | AlertRuleOut
_DECISIONS = {float(decision.rank): str(decision) for decision in Decision}
_STATUSES = {0.0: "ok", 1.0: "warning", 2.0: "alert"}
#: A change-point rule's stream (its measure) in words: what each run's detector reads.
_STREAMS = {
    change_points.Stream.PREDICTION: "predictions",
    change_points.Stream.PROBABILITY: "probabilities",
    change_points.Stream.ERROR: "errors",
}


def _number(value: float) -> str:
    return f"{value:g}"


def _watched(rule: _Rule) -> str:
    """What the rule's value is, in words."""
    signal, subject, measure = Signal(rule.signal), rule.subject, rule.measure
    if signal == Signal.METRIC:
        return str(subject)
    if signal == Signal.METRIC_DROP:
        base = "baseline" if (measure or "reference") == "reference" else "benchmark"
        return f"{subject} drop vs {base}"
    if signal == Signal.DRIFT_SHARE:
        return "share of drifted columns"
    if signal in (Signal.FEATURE_DRIFT, Signal.PREDICTION_DRIFT, Signal.LABEL_DRIFT):
        what = {
            Signal.FEATURE_DRIFT: (
                "any feature's" if subject == alerts.EVERY_FEATURE else f"column {subject}'s"
            ),
            Signal.PREDICTION_DRIFT: "the prediction's",
            Signal.LABEL_DRIFT: "the label's",
        }[signal]
        shown = (measure or "drifted").replace("_", " ")
        return f"{what} drift ({shown}{', 1 when drifted' if shown == 'drifted' else ''})"
    if signal == Signal.QUALITY_CHECK:
        shown = measure or "status"
        return (
            f"check {subject} ({shown}{': ok 0, warning 1, alert 2' if shown == 'status' else ''})"
        )
    if signal == Signal.VERDICT:
        return "the verdict"
    if signal == Signal.CHANGE_POINTS:
        detector = subject or change_points.DEFAULT_DETECTOR
        stream = _STREAMS[change_points.Stream(measure or change_points.Stream.PREDICTION)]
        settings = ", ".join(
            f"{name}={_number(value) if isinstance(value, float) else value}"
            for name, value in sorted((rule.parameters or {}).items())
        )
        return f"{detector} change points in the run's {stream}" + (
            f" ({settings})" if settings else ""
        )
    return f"time without {'labels' if measure == 'labels' else 'data'}"


def _threshold(rule: _Rule) -> str:
    signal, value = Signal(rule.signal), rule.threshold
    if signal == Signal.METRIC_DROP and rule.relative:
        return f"{value * 100:g}%"
    if signal == Signal.VERDICT and value in _DECISIONS:
        return _DECISIONS[value]
    if signal == Signal.QUALITY_CHECK and (rule.measure or "status") == "status":
        return _STATUSES.get(value, _number(value))
    if signal == Signal.FRESHNESS:
        return duration(value) if value == int(value) else f"{_number(value)} s"
    return _number(value)


def condition(rule: _Rule) -> str:
    """The rule's condition in one plain sentence.

    >>> spec = RuleSpec("drop", "metric_drop", ">", 0.05, subject="accuracy", relative=True,
    ...                 for_runs=2)
    >>> condition(spec)
    'accuracy drop vs baseline > 5% for 2 runs in a row'
    >>> condition(RuleSpec("late", "freshness", ">", 172800.0, measure="labels"))
    'time without labels > 2 days'
    """
    words = f"{_watched(rule)} {rule.comparator} {_threshold(rule)}"
    if Signal(rule.signal) == Signal.METRIC_DROP and rule.interval_excludes:
        words += ", its confidence interval excluding the baseline"
    if rule.for_runs > 1:
        words += f" for {rule.for_runs} runs in a row"
    if rule.for_seconds:
        words += f"{' and' if rule.for_runs > 1 else ''} for {duration(rule.for_seconds)}"
    return words


# -- the form ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleForm:
    """A rule's form as typed: every field of `RuleSpec` as text (durations as durations,
    the checkboxes as booleans), so a refused form is shown again as the user left it."""

    name: str = ""
    signal: str = str(Signal.METRIC)
    subject: str = ""
    measure: str = ""
    comparator: str = str(Comparator.GT)
    threshold: str = ""
    relative: bool = False
    interval_excludes: bool = False
    for_runs: str = "1"
    for_seconds: str = ""
    severity: str = str(Severity.WARNING)
    min_labelled_share: str = ""
    min_label_age_seconds: str = ""
    renotify_seconds: str = ""
    enabled: bool = True
    parameters: str = ""

    @classmethod
    def of(cls, rule: AlertRuleOut) -> RuleForm:
        """A stored rule's form, to change it."""
        share = rule.min_labelled_share
        return cls(
            name=rule.name,
            signal=rule.signal,
            subject=rule.subject or "",
            measure=rule.measure or "",
            comparator=rule.comparator,
            threshold=_number(rule.threshold),
            relative=rule.relative,
            interval_excludes=rule.interval_excludes,
            for_runs=str(rule.for_runs),
            for_seconds=duration(rule.for_seconds),
            severity=rule.severity,
            min_labelled_share="" if share is None else _number(share),
            min_label_age_seconds=duration(rule.min_label_age_seconds),
            renotify_seconds=duration(rule.renotify_seconds),
            enabled=rule.enabled,
            parameters=parameters_text(rule.parameters),
        )

    def spec(self) -> RuleSpec:
        """The rule the form asks for; a field that is no number or duration is `Invalid`
        naming it (the service checks the rest)."""
        return RuleSpec(
            name=self.name,
            signal=self.signal,
            comparator=self.comparator,
            threshold=self._threshold(),
            subject=self.subject.strip() or None,
            measure=self.measure.strip() or None,
            relative=self.relative,
            interval_excludes=self.interval_excludes,
            for_runs=self._runs(),
            for_seconds=parse_duration(self.for_seconds, "for_seconds"),
            severity=self.severity,
            min_labelled_share=self._share(),
            min_label_age_seconds=parse_duration(
                self.min_label_age_seconds, "min_label_age_seconds"
            ),
            renotify_seconds=parse_duration(self.renotify_seconds, "renotify_seconds"),
            enabled=self.enabled,
            parameters=parse_parameters(self.parameters),
        )

    def _threshold(self) -> float:
        text = self.threshold.strip()
        try:
            value = float(text)
        except ValueError:
            # A freshness rule's threshold is a time: it may be typed as a duration.
            if self.signal == Signal.FRESHNESS:
                return float(parse_duration(text, "threshold") or 0)
            raise Invalid(
                f"The 'threshold' must be a number; got {text!r}.", field="threshold"
            ) from None
        if not math.isfinite(value):
            raise Invalid(
                f"The 'threshold' must be a finite number; got {text!r}.", field="threshold"
            )
        return value

    def _runs(self) -> int:
        text = self.for_runs.strip()
        if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MOST_RUNS:
            raise Invalid(
                f"The 'for_runs' must be a whole number from 1 to {MOST_RUNS}; got {text!r}.",
                field="for_runs",
            )
        return int(text)

    def _share(self) -> float | None:
        text = self.min_labelled_share.strip()
        if not text:
            return None
        try:
            return float(text)
        except ValueError:
            raise Invalid(
                f"The 'min_labelled_share' must be a number in [0, 1]; got {text!r}.",
                field="min_labelled_share",
            ) from None


_Text = Annotated[str, Form(max_length=256)]
_Box = Annotated[str, Form(max_length=8)]


def rule_form(
    rule_name: Annotated[str, Form(alias="name", max_length=256)] = "",
    signal: Annotated[str, Form(max_length=32)] = "",
    subject: _Text = "",
    measure: Annotated[str, Form(max_length=32)] = "",
    comparator: Annotated[str, Form(max_length=8)] = "",
    threshold: Annotated[str, Form(max_length=64)] = "",
    relative: _Box = "",
    interval_excludes: _Box = "",
    for_runs: Annotated[str, Form(max_length=16)] = "1",
    for_seconds: Annotated[str, Form(max_length=64)] = "",
    severity: Annotated[str, Form(max_length=16)] = "",
    min_labelled_share: Annotated[str, Form(max_length=64)] = "",
    min_label_age_seconds: Annotated[str, Form(max_length=64)] = "",
    renotify_seconds: Annotated[str, Form(max_length=64)] = "",
    enabled: _Box = "",
    parameters: Annotated[str, Form(max_length=4096)] = "",
) -> RuleForm:
    """The rule's form as posted (a checkbox left unticked is not sent)."""
    return RuleForm(
        name=rule_name,
        signal=signal,
        subject=subject,
        measure=measure,
        comparator=comparator,
        threshold=threshold,
        relative=relative == "yes",
        interval_excludes=interval_excludes == "yes",
        for_runs=for_runs,
        for_seconds=for_seconds,
        severity=severity,
        min_labelled_share=min_labelled_share,
        min_label_age_seconds=min_label_age_seconds,
        renotify_seconds=renotify_seconds,
        enabled=enabled == "yes",
        parameters=parameters,
    )


Posted = Annotated[RuleForm, Depends(rule_form)]
#: The form's fields: a refusal naming one of them is told beside it.
FORM_FIELDS = tuple(f.name for f in fields(RuleForm))


def _model_url(name: str) -> str:
    return f"/models/{quote(name, safe='')}"


def _alerts_url(name: str) -> str:
    return f"{_model_url(name)}/alerts"


def _rule_url(name: str, rule_id: int) -> str:
    return f"{_alerts_url(name)}/rules/{rule_id}"


def _form_page(
    request: Request,
    state: State,
    who: Principal,
    name: str,
    form: RuleForm,
    rule_id: int | None = None,
    refused: ServiceError | None = None,
) -> Response:
    """The rule's form (new when ``rule_id`` is None), with a refusal beside its field (or above
    the form when it names none), and the rule in words when the form makes one."""
    with state.sessions() as session:
        model = registry.get_model(session, name)
        choices = alerts.rule_choices(state, session, model)
        task = model.task
    errors: dict[str, str] = {}
    if refused is not None:
        errors[refused.field if refused.field in FORM_FIELDS else ""] = str(refused)
    action = _alerts_url(name) + (f"/rules/{rule_id}" if rule_id else "/rules")
    return page(
        request,
        "alert_rule.html",
        refused.status if refused is not None else 200,
        who=who,
        active="models",
        name=name,
        task=task,
        form=form,
        rule_id=rule_id,
        action=action,
        errors=errors,
        preview=None if refused is not None else _preview_of(form),
        choices=choices,
        signals=_SIGNAL_LABELS,
        comparators=list(Comparator),
        severities=list(Severity),
        decisions=", ".join(f"{d} {d.rank}" for d in Decision),
        detectors=change_points.defaults(),
        default_detector=change_points.DEFAULT_DETECTOR,
    )


def _preview_of(form: RuleForm) -> str | None:
    """The form's rule in words, when its numbers read (the service checks the rest)."""
    try:
        spec = form.spec()
        Signal(spec.signal)
    except (ServiceError, ValueError):
        return None
    return condition(spec)


def _editor(
    request: Request, who: Principal | None, csrf_token: str | None
) -> Principal | Response:
    return allowed(request, who, Role.EDITOR, csrf_token)


# -- a model's alerts ------------------------------------------------------------------------

StateFilter = Literal["", "firing", "resolved"]


@dataclass(frozen=True)
class _RuleRow:
    """A rule as its table shows it: the rule, its condition in words, its firing alerts."""

    rule: AlertRuleOut
    condition: str
    firing: int


def _alerts_of(
    session: Session, model_name: str | None, shown: str, limit: int = 100
) -> tuple[list[AlertOut], int]:
    """The alerts a list shows, firing ones first: ``shown`` firing, resolved or both ("")."""
    states = [shown] if shown else [str(AlertState.FIRING), str(AlertState.RESOLVED)]
    items: list[AlertOut] = []
    total = 0
    for one in states:
        found, count = alerts.list_alerts(session, model_name=model_name, state=one, limit=limit)
        items.extend(alert_routes.alerts_out(session, found))
        total += count
    return items, total


@router.get("/models/{name}/alerts")
def model_alerts_page(
    request: Request,
    name: str,
    state: State_,
    who: Who,
    shown: Annotated[StateFilter, Query(alias="state")] = "",
) -> Response:
    """A model's alert rules (each in words, with its firing count and its last error) and
    its alerts, firing first, filtered by state."""
    if who is None:
        return to_login(request)
    who.require(Role.VIEWER)
    try:
        with state.sessions() as session:
            model = registry.get_model(session, name)
            firing = alerts.firing_by_rule(session, model)
            rules = [
                _RuleRow(rule, condition(rule), firing.get(rule.id, 0))
                for rule in alert_routes.list_rules(name, session, who)
            ]
            found, total = _alerts_of(session, name, shown)
    except NotFound as missing:
        return page(request, "missing.html", 404, who=who, message=str(missing))
    return page(
        request,
        "alerts_model.html",
        who=who,
        active="models",
        name=name,
        rules=rules,
        found=found,
        total=total,
        shown=shown,
        can_edit=who.role.may(Role.EDITOR),
    )


@router.get("/models/{name}/alerts/rules/new")
def new_rule_page(request: Request, name: str, state: State_, who: Who) -> Response:
    """The form for a new rule (editors)."""
    me = _editor(request, who, None)
    if isinstance(me, Response):
        return me
    try:
        return _form_page(request, state, me, name, RuleForm())
    except NotFound as missing:
        return page(request, "missing.html", 404, who=me, message=str(missing))


def _save(
    request: Request,
    state: State,
    who: Principal | None,
    csrf_token: str,
    name: str,
    form: RuleForm,
    rule_id: int | None,
) -> Response:
    """Make (``rule_id`` None) or change a rule from its form; to the model's alerts page, or
    the form again with the refusal beside its field."""
    me = _editor(request, who, csrf_token)
    if isinstance(me, Response):
        return me
    try:
        spec = form.spec()
        with db.transaction(state.writers) as session:
            if rule_id is None:
                alerts.create_rule(state, session, me, name, spec)
            else:
                alerts.update_rule(state, session, me, name, rule_id, asdict(spec))
    except (Invalid, Conflict) as refused:
        if isinstance(refused, Conflict):  # the only conflict is a name taken
            refused = Conflict(str(refused), field="name")
        try:
            return _form_page(request, state, me, name, form, rule_id, refused)
        except NotFound as missing:
            return page(request, "missing.html", 404, who=me, message=str(missing))
    except ServiceError as failed:
        return page(request, "missing.html", failed.status, who=me, message=str(failed))
    return RedirectResponse(_alerts_url(name), status_code=303)


@router.post("/models/{name}/alerts/rules")
def create_rule_page(
    request: Request,
    name: str,
    state: State_,
    who: Who,
    form: Posted,
    csrf_token: Annotated[str, Form(max_length=256)] = "",
) -> Response:
    """Make a rule from the form; it is evaluated at once over the model's analysed runs."""
    return _save(request, state, who, csrf_token, name, form, None)


@router.post("/models/{name}/alerts/rules/preview")
def preview_rule(
    request: Request,
    name: str,
    state: State_,
    who: Who,
    form: Posted,
    csrf_token: Annotated[str, Form(max_length=256)] = "",
) -> Response:
    """The form's rule in words, or why the service would refuse it: the fragment htmx puts
    under the form as it changes. Nothing is stored."""
    me = _editor(request, who, csrf_token)
    if isinstance(me, Response):
        return me
    try:
        spec = form.spec()
        with state.sessions() as session:
            checked = alerts.check_rule(state, session, registry.get_model(session, name), spec)
    except ServiceError as refused:
        return page(request, "_rule_preview.html", problem=str(refused))
    return page(request, "_rule_preview.html", preview=condition(checked))


@router.get("/models/{name}/alerts/rules/{rule_id}")
def rule_page(request: Request, name: str, rule_id: Id, state: State_, who: Who) -> Response:
    """A rule's form, filled, to change it (editors; a viewer sees the rules on the model's
    alerts page)."""
    me = _editor(request, who, None)
    if isinstance(me, Response):
        return me
    try:
        with state.sessions() as session:
            rule = alert_routes.show_rule(name, rule_id, session, me)
        return _form_page(request, state, me, name, RuleForm.of(rule), rule_id)
    except NotFound as missing:
        return page(request, "missing.html", 404, who=me, message=str(missing))


@router.post("/models/{name}/alerts/rules/{rule_id}")
def update_rule_page(
    request: Request,
    name: str,
    rule_id: Id,
    state: State_,
    who: Who,
    form: Posted,
    csrf_token: Annotated[str, Form(max_length=256)] = "",
) -> Response:
    """Change a rule from its form; it is evaluated again."""
    return _save(request, state, who, csrf_token, name, form, rule_id)


@router.post("/models/{name}/alerts/rules/{rule_id}/enabled")
def enable_rule_page(
    request: Request,
    name: str,
    rule_id: Id,
    state: State_,
    who: Who,
    enabled: Annotated[Literal["yes", "no"], Form()],
    csrf_token: Annotated[str, Form(max_length=256)] = "",
) -> Response:
    """Enable or disable a rule (a disabled rule resolves its firing alerts)."""
    me = _editor(request, who, csrf_token)
    if isinstance(me, Response):
        return me
    try:
        with db.transaction(state.writers) as session:
            changes = {"enabled": enabled == "yes"}
            alerts.update_rule(state, session, me, name, rule_id, changes)
    except ServiceError as failed:
        return page(request, "missing.html", failed.status, who=me, message=str(failed))
    return RedirectResponse(_alerts_url(name), status_code=303)


@router.post("/models/{name}/alerts/rules/{rule_id}/delete")
def delete_rule_page(
    request: Request,
    name: str,
    rule_id: Id,
    state: State_,
    who: Who,
    csrf_token: Annotated[str, Form(max_length=256)] = "",
    confirmed: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """Delete a rule with its alerts and their history, once confirmed."""

    def ask(principal: Principal) -> tuple[str, str, dict[str, str]]:
        with state.sessions() as session:
            rule = alert_routes.show_rule(name, rule_id, session, principal)
            _, count = alerts.list_alerts(session, model_name=name, rule_id=rule_id, limit=0)
        question = (
            f"Delete the alert rule {rule.name!r} of {name} ({condition(rule)})? Its {count} "
            "alert(s) and their history are deleted with it."
        )
        return "Delete the rule", question, {}

    def make(session: Session, principal: Principal) -> object:
        alerts.delete_rule(session, principal, name, rule_id)
        return None

    back = _alerts_url(name)
    return change(request, state, who, csrf_token, name, ask, make, confirmed == "yes", back=back)


# -- alerts ------------------------------------------------------------------------------------


@router.get("/alerts")
def alerts_page(
    request: Request,
    state: State_,
    who: Who,
    shown: Annotated[Literal["firing", "resolved", "all"], Query(alias="state")] = "firing",
) -> Response:
    """Every model's alerts: firing ones by default, or resolved ones, or all (firing first)."""
    if who is None:
        return to_login(request)
    who.require(Role.VIEWER)
    with state.sessions() as session:
        found, total = _alerts_of(session, None, "" if shown == "all" else shown)
    return page(
        request,
        "alerts.html",
        who=who,
        active="alerts",
        found=found,
        total=total,
        shown=shown,
    )


@dataclass(frozen=True)
class _Event:
    """A step of an alert's history, with its run's page when it has a run."""

    at: datetime
    kind: str
    run_id: int | None
    run_date: datetime | None
    value: float | None
    actor: str | None
    message: str
    run_url: str | None


def _alert_context(state: State, who: Principal, alert_id: int) -> dict[str, Any]:
    """What an alert's page shows (`NotFound` when there is no such alert)."""
    with state.sessions() as session:
        alert = alert_routes.show_alert(alert_id, session, who)
        rule = alert_routes.show_rule(alert.model, alert.rule_id, session, who)
        history = alert_routes.alert_history(alert_id, session, who)
        deliveries = notify.list_deliveries(session, alert_id=alert_id, limit=RECENT_DELIVERIES)
    runs = f"{_model_url(alert.model)}/runs/"
    events = [
        _Event(**e.model_dump(), run_url=f"{runs}{e.run_id}" if e.run_id else None) for e in history
    ]
    return {
        "who": who,
        "active": "alerts",
        "alert": alert,
        "rule": rule,
        "condition": condition(rule),
        "events": events,
        "deliveries": deliveries,
        "runs": runs,
        "now": now(),
        "silences": SILENCES,
        "errors": {},
        "can_edit": who.role.may(Role.EDITOR),
    }


@router.get("/alerts/{alert_id}")
def alert_page(request: Request, alert_id: Id, state: State_, who: Who) -> Response:
    """An alert: its rule (in words), state, values, fingerprint and its whole history, each
    step with the run that made it; acknowledge and silence it (editors)."""
    if who is None:
        return to_login(request)
    who.require(Role.VIEWER)
    try:
        context = _alert_context(state, who, alert_id)
    except NotFound as missing:
        return page(request, "missing.html", 404, who=who, message=str(missing))
    return page(request, "alert.html", **context)


def _alert_change(
    request: Request,
    state: State,
    who: Principal | None,
    csrf_token: str,
    alert_id: int,
    make: Callable[[Session, Principal], Any],
) -> Response:
    """Acknowledge or silence an alert (editors); back to its page, or its page again with the
    silence form's refusal beside its field."""
    me = _editor(request, who, csrf_token)
    if isinstance(me, Response):
        return me
    try:
        with db.transaction(state.writers) as session:
            make(session, me)
    except ServiceError as failed:
        if failed.field is None:
            return page(request, "missing.html", failed.status, who=me, message=str(failed))
        try:
            context = _alert_context(state, me, alert_id)
        except NotFound as missing:
            return page(request, "missing.html", 404, who=me, message=str(missing))
        context["errors"] = {failed.field: str(failed)}
        return page(request, "alert.html", failed.status, **context)
    return RedirectResponse(f"/alerts/{alert_id}", status_code=303)


@router.post("/alerts/{alert_id}/ack")
def acknowledge_page(
    request: Request,
    alert_id: Id,
    state: State_,
    who: Who,
    csrf_token: Annotated[str, Form(max_length=256)] = "",
) -> Response:
    """Acknowledge the alert: someone is on it, it is not notified again."""

    def make(session: Session, principal: Principal) -> object:
        return alerts.acknowledge(session, principal, alert_id)

    return _alert_change(request, state, who, csrf_token, alert_id, make)


#: The deliveries an alert's page lists, newest first.
RECENT_DELIVERIES = 50

#: The silence form's choices besides a date: how long, from now.
SILENCES = {"1h": ("1 hour", 3600), "1d": ("1 day", 86400), "1w": ("1 week", 604800)}


def silence_until(span: str, until: str, lift: bool, at: datetime) -> datetime | None:
    """When a silence ends from the form: ``span`` (one of `SILENCES`) from ``at``, else the
    date and time ``until`` (UTC unless it names a zone), which must be later than ``at``;
    None to lift the silence. A wrong field is `Invalid` naming it."""
    if lift:
        return None
    if span:
        if span not in SILENCES:
            known = ", ".join(repr(k) for k in SILENCES)
            raise Invalid(f"The 'for' must be one of {known}; got {span!r}.", field="for")
        return at + timedelta(seconds=SILENCES[span][1])
    text = until.strip()
    if not text:
        raise Invalid(
            "Choose how long to silence the alert: 1 hour, 1 day, 1 week, or until a date.",
            field="until",
        )
    try:
        given = datetime.fromisoformat(text)
    except ValueError:
        raise Invalid(
            f"The 'until' must be a date and time such as 2026-12-24T18:00 (UTC); got {text!r}.",
            field="until",
        ) from None
    given = given if given.tzinfo is not None else given.replace(tzinfo=UTC)
    if given <= at:
        raise Invalid(
            f"The 'until' must be later than now ({at:%Y-%m-%d %H:%M} UTC); got {text!r}.",
            field="until",
        )
    return given


@router.post("/alerts/{alert_id}/silence")
def silence_page(
    request: Request,
    alert_id: Id,
    state: State_,
    who: Who,
    span: Annotated[str, Form(alias="for", max_length=8)] = "",
    until: Annotated[str, Form(max_length=64)] = "",
    lift: Annotated[str, Form(max_length=8)] = "",
    csrf_token: Annotated[str, Form(max_length=256)] = "",
) -> Response:
    """Silence the alert's notifications for an hour, a day, a week or until a date; or lift
    the silence."""

    def make(session: Session, principal: Principal) -> object:
        ends = silence_until(span, until, lift == "yes", now())
        return alerts.silence(session, principal, alert_id, ends)

    return _alert_change(request, state, who, csrf_token, alert_id, make)
