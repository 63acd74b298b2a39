"""Alert rules of a model (create, list, show, change, delete) and alerts (list, show, history,
acknowledge, silence), per model and across models."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select

from driftscope.server.deps import MAX_ID, Editor, Id, Limit, Offset, Reader, Session_, State_
from driftscope.server.models import Alert, AlertRule, Model
from driftscope.server.schemas import (
    AlertEventOut,
    AlertOut,
    AlertRuleIn,
    AlertRuleOut,
    AlertRulePatch,
    Page,
    SilenceIn,
)
from driftscope.server.services import alerts, registry
from driftscope.server.services.alerts import RuleSpec

router = APIRouter(tags=["alerts"])

RuleId = Annotated[int | None, Query(ge=1, le=MAX_ID)]


def alerts_out(session: Session_, found: list[Alert]) -> list[AlertOut]:
    """The alerts with their models' and rules' names (two queries for the list)."""
    models = dict(
        session.execute(
            select(Model.id, Model.name).where(Model.id.in_({a.model_id for a in found}))
        ).all()
    )
    rules = dict(
        session.execute(
            select(AlertRule.id, AlertRule.name).where(AlertRule.id.in_({a.rule_id for a in found}))
        ).all()
    )
    out = []
    for alert in found:
        fields = {
            name: getattr(alert, name) for name in AlertOut.model_fields if hasattr(alert, name)
        }
        fields["model"], fields["rule"] = (
            models.get(alert.model_id, ""),
            rules.get(alert.rule_id, ""),
        )
        out.append(AlertOut.model_validate(fields))
    return out


@router.post("/models/{name}/alert-rules", status_code=201)
def create_rule(
    name: str, body: AlertRuleIn, session: Session_, state: State_, who: Editor
) -> AlertRuleOut:
    """Add an alert rule; it is evaluated at once over the model's analysed runs."""
    rule = alerts.create_rule(state, session, who, name, RuleSpec(**body.model_dump()))
    return AlertRuleOut.model_validate(rule)


@router.get("/models/{name}/alert-rules")
def list_rules(name: str, session: Session_, who: Reader) -> list[AlertRuleOut]:
    return [AlertRuleOut.model_validate(rule) for rule in alerts.list_rules(session, name)]


@router.get("/models/{name}/alert-rules/{rule_id}")
def show_rule(name: str, rule_id: Id, session: Session_, who: Reader) -> AlertRuleOut:
    model = registry.get_model(session, name)
    return AlertRuleOut.model_validate(alerts.get_rule(session, model, rule_id))


@router.patch("/models/{name}/alert-rules/{rule_id}")
def update_rule(
    name: str, rule_id: Id, body: AlertRulePatch, session: Session_, state: State_, who: Editor
) -> AlertRuleOut:
    """Change some of a rule's fields (the rule is checked whole again, then evaluated)."""
    changes = body.model_dump(exclude_unset=True)
    rule = alerts.update_rule(state, session, who, name, rule_id, changes)
    return AlertRuleOut.model_validate(rule)


@router.delete("/models/{name}/alert-rules/{rule_id}", status_code=204)
def delete_rule(name: str, rule_id: Id, session: Session_, who: Editor) -> None:
    """Delete a rule with its alerts and their history."""
    alerts.delete_rule(session, who, name, rule_id)


@dataclass(frozen=True)
class _Filters:
    """Which alerts a list shows: ``state`` firing or resolved, ``rule`` (an id), ``severity``,
    and the page."""

    state: Annotated[str | None, Query(max_length=16)] = None
    rule: RuleId = None
    severity: Annotated[str | None, Query(max_length=16)] = None
    offset: Offset = 0
    limit: Limit = 100


Filters = Annotated[_Filters, Depends()]


def _page(session: Session_, model_name: str | None, filters: _Filters) -> Page[AlertOut]:
    found, total = alerts.list_alerts(
        session,
        model_name=model_name,
        state=filters.state,
        rule_id=filters.rule,
        severity=filters.severity,
        offset=filters.offset,
        limit=filters.limit,
    )
    items = alerts_out(session, found)
    return Page(items=items, total=total, offset=filters.offset, limit=filters.limit)


@router.get("/models/{name}/alerts")
def list_model_alerts(
    name: str, session: Session_, who: Reader, filters: Filters
) -> Page[AlertOut]:
    """The model's alerts, newest first."""
    return _page(session, name, filters)


@router.get("/alerts")
def list_all_alerts(session: Session_, who: Reader, filters: Filters) -> Page[AlertOut]:
    """Every model's alerts, newest first, with the same filters."""
    return _page(session, None, filters)


@router.get("/alerts/{alert_id}")
def show_alert(alert_id: Id, session: Session_, who: Reader) -> AlertOut:
    return alerts_out(session, [alerts.get_alert(session, alert_id)])[0]


@router.get("/alerts/{alert_id}/history")
def alert_history(alert_id: Id, session: Session_, who: Reader) -> list[AlertEventOut]:
    """Each change of the alert, oldest first: fired and resolved (with the run and the value
    that made it), acknowledged, silenced, notified."""
    alert = alerts.get_alert(session, alert_id)
    return [AlertEventOut.model_validate(e) for e in alerts.alert_history(session, alert)]


@router.post("/alerts/{alert_id}/ack")
def acknowledge(alert_id: Id, session: Session_, who: Editor) -> AlertOut:
    """Acknowledge the alert: it is not notified again."""
    return alerts_out(session, [alerts.acknowledge(session, who, alert_id)])[0]


@router.post("/alerts/{alert_id}/silence")
def silence(alert_id: Id, body: SilenceIn, session: Session_, who: Editor) -> AlertOut:
    """Silence the alert's notifications until a time (null lifts the silence)."""
    return alerts_out(session, [alerts.silence(session, who, alert_id, body.until)])[0]
