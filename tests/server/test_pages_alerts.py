"""Alert rules and alerts in the app: a model's alerts page (rules in words, alerts firing first,
filtered), the rule form (every field, each refusal of the service told beside its field, the
preview), change-point rules with their detector's parameters (made, stored, edited keeping
them exactly, each refusal beside its field), editing, enabling, deleting with a confirmation,
an alert's page with its history linked to the runs, acknowledging and silencing, the list of
every model's alerts with the menu's count, the dashboard's and the run page's links; viewers
read, editors change, every form needs its CSRF token, and a missing rule, alert or model is a
404 page."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from tests.server.conftest import add_model, breast_cancer_split
from tests.server.test_alerts import _upload, _worse
from tests.server.test_pages import _form_token
from tests.server.test_pages_admin import PASSWORD, _add_user, _browser
from tests.server.test_pages_bad_input import _refused, _said

from driftscope.server import db
from driftscope.server.errors import Invalid
from driftscope.server.models import AlertRule
from driftscope.server.routes.pages.alerts import (
    condition,
    duration,
    parameters_text,
    parse_duration,
    parse_parameters,
    silence_until,
)
from driftscope.server.services.alerts import RuleSpec
from driftscope.server.state import State

ALERTS = "/models/cancer/alerts"
RULE = {
    "name": "accuracy low",
    "signal": "metric",
    "subject": "accuracy",
    "comparator": "<",
    "threshold": "0.85",
    "for_runs": "2",
    "severity": "critical",
    "enabled": "yes",
}


@pytest.fixture
def runs(admin: TestClient, state: State) -> list[int]:
    """The model "cancer" with three analysed runs: good (Nov 1), then two with 40% of their
    labels flipped (Nov 2 and 3), so accuracy falls below 0.85 on two runs in a row."""
    add_model(admin)
    _, production = breast_cancer_split()
    bad = _worse(production, 0.4)
    return [_upload(admin, state, production, 1), *(_upload(admin, state, bad, d) for d in (2, 3))]


def _post_rule(browser: TestClient, **changes: str) -> tuple[int, str]:
    token = _form_token(browser.get(f"{ALERTS}/rules/new").text)
    form = {**RULE, **changes, "csrf_token": token}
    answer = browser.post(f"{ALERTS}/rules", data=form, follow_redirects=False)
    return answer.status_code, answer.headers.get("location") or answer.text


def _problem(page: str, field: str) -> str:
    found = re.search(rf'<div class="field-problem" id="{field}-problem"><p>(.*?)</p>', page)
    assert found is not None, (field, page[:3000])
    return html.unescape(found.group(1))


def test_an_editor_makes_a_rule_that_fires_at_once_and_sees_it_everywhere(
    admin: TestClient, runs: list[int]
) -> None:
    browser = _browser(admin)
    empty = browser.get(ALERTS)
    assert empty.status_code == 200
    assert "No rule yet." in empty.text
    assert f'href="{ALERTS}/rules/new"' in empty.text
    assert f'<a href="{ALERTS}"' in browser.get("/models/cancer").text  # the model's tab
    form = browser.get(f"{ALERTS}/rules/new").text
    for field in RULE:
        assert f'id="{field}"' in form, field
    for field in ("measure", "relative", "interval_excludes", "for_seconds"):
        assert f'id="{field}"' in form, field
    for field in ("min_labelled_share", "min_label_age_seconds", "renotify_seconds"):
        assert f'id="{field}"' in form, field
    # The model's metrics, its columns and the checks are offered as subjects.
    assert '<option value="roc_auc">' in form
    assert '<option value="mean radius">' in form
    assert '<option value="missing_share">' in form

    status, location = _post_rule(browser, for_seconds="1 day", renotify_seconds="2 h")
    assert (status, location) == (303, ALERTS)
    [rule] = admin.get("/api/v1/models/cancer/alert-rules").json()
    assert (rule["for_seconds"], rule["renotify_seconds"], rule["for_runs"]) == (86400, 7200, 2)
    [alert] = admin.get("/api/v1/alerts").json()["items"]
    assert (alert["state"], alert["run_id"]) == ("firing", runs[2])

    listed = browser.get(ALERTS).text
    said = _said(browser.get(ALERTS))
    assert "accuracy < 0.85 for 2 runs in a row and for 1 day" in said
    assert f'href="/alerts/{alert["id"]}"' in listed
    assert "1 firing" in said
    assert '<span class="badge alert-firing">firing</span>' in listed
    # The menu counts the firing alerts; the global list shows them with their model.
    assert '<span class="badge count-firing" aria-label="1 firing">1</span>' in listed
    everywhere = browser.get("/alerts")
    assert everywhere.status_code == 200
    assert '<a href="/models/cancer/alerts">cancer</a>' in everywhere.text
    assert "No resolved alert." in _said(browser.get("/alerts?state=resolved"))
    # The dashboard lists it and marks it on the timelines; the run that fired it links it.
    dashboard = browser.get("/models/cancer").text
    section = dashboard[dashboard.index('id="firing-alerts"') :]
    assert f'href="/alerts/{alert["id"]}"' in section[: section.index("</section>")]
    marks = browser.get("/models/cancer/dashboard.json").json()["alerts"]
    assert marks == [
        {
            "id": alert["id"],
            "date": "2026-11-03T00:00:00+00:00",
            "rule": "accuracy low",
            "severity": "critical",
            "state": "firing",
            "url": f"/alerts/{alert['id']}",
        }
    ]
    fired_run = browser.get(f"/models/cancer/runs/{runs[2]}").text
    assert f'href="/alerts/{alert["id"]}"' in fired_run
    assert f'href="/alerts/{alert["id"]}"' not in browser.get(f"/models/cancer/runs/{runs[0]}").text


def test_the_alert_page_shows_the_history_and_is_acknowledged_and_silenced(
    admin: TestClient, runs: list[int]
) -> None:
    browser = _browser(admin)
    assert _post_rule(browser)[0] == 303
    [alert] = admin.get("/api/v1/alerts").json()["items"]
    url = f"/alerts/{alert['id']}"
    shown = browser.get(url)
    said = _said(shown)
    assert "accuracy < 0.85 for 2 runs in a row" in said
    assert alert["fingerprint"] in said
    assert f'<a href="/models/cancer/runs/{runs[2]}">run {runs[2]}</a>' in shown.text
    token = _form_token(shown.text)

    acked = browser.post(f"{url}/ack", data={"csrf_token": token}, follow_redirects=False)
    assert (acked.status_code, acked.headers["location"]) == (303, url)
    assert admin.get(f"/api/v1{url}").json()["acknowledged_by"] == "admin"
    assert 'action="/alerts/' + str(alert["id"]) + '/ack"' not in browser.get(url).text

    before = datetime.now(UTC)
    day = browser.post(f"{url}/silence", data={"csrf_token": token, "for": "1d"})
    assert day.status_code == 200  # followed back to the alert's page
    until = datetime.fromisoformat(admin.get(f"/api/v1{url}").json()["silenced_until"])
    assert before + timedelta(days=1) <= until <= datetime.now(UTC) + timedelta(days=1)
    assert "Lift the silence" in day.text
    later = (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    dated = browser.post(f"{url}/silence", data={"csrf_token": token, "until": later})
    assert dated.status_code == 200
    stored = admin.get(f"/api/v1{url}").json()["silenced_until"]
    assert stored.startswith(later.replace("T", "T")[:16])
    lifted = browser.post(f"{url}/silence", data={"csrf_token": token, "lift": "yes"})
    assert lifted.status_code == 200
    assert admin.get(f"/api/v1{url}").json()["silenced_until"] is None

    # A wrong silence is told beside its field, on the alert's page.
    past = browser.post(f"{url}/silence", data={"csrf_token": token, "until": "2020-01-01T00:00"})
    assert past.status_code == 422
    assert "The 'until' must be later than now" in _problem(past.text, "until")
    neither = browser.post(f"{url}/silence", data={"csrf_token": token})
    assert "Choose how long" in _problem(neither.text, "until")
    odd = browser.post(f"{url}/silence", data={"csrf_token": token, "for": "1y"})
    assert "The 'for' must be one of '1h', '1d', '1w'" in _problem(odd.text, "for")

    history = [row for row in browser.get(url).text.split("<tr>") if "event-" in row]
    kinds = [re.search(r"event-(\w+)", row).group(1) for row in history]  # type: ignore[union-attr]
    assert kinds == ["fired", "acknowledged", "silenced", "silenced", "silenced"]
    assert "admin" in history[1]


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"name": ""}, "name", "The 'name' must be 1 to 128 characters"),
        ({"threshold": "high"}, "threshold", "The 'threshold' must be a number; got 'high'"),
        ({"threshold": "inf"}, "threshold", "finite number"),
        ({"for_runs": "0"}, "for_runs", "whole number from 1 to 10000"),
        ({"for_seconds": "3 fortnights"}, "for_seconds", "a duration such as 90 s"),
        ({"subject": "colour"}, "subject", "'colour' is no metric of a binary_classification"),
        ({"signal": "feature_drift", "subject": "colour"}, "subject", "has no column 'colour'"),
        ({"signal": "drift_share"}, "subject", "takes no 'subject'"),
        ({"signal": "loudness"}, "signal", "The 'signal' must be one of"),
        ({"measure": "benchmark"}, "measure", "The 'measure' of a 'metric' rule is none"),
        ({"relative": "yes"}, "relative", "applies to a 'metric_drop' rule only"),
        ({"severity": "dire"}, "severity", "The 'severity' must be one of"),
        ({"comparator": "=>"}, "comparator", "The 'comparator' must be one of"),
        ({"min_labelled_share": "2"}, "min_labelled_share", "a number in [0, 1]"),
        ({"renotify_seconds": "-1 h"}, "renotify_seconds", "a duration"),
    ],
)
def test_each_refusal_of_the_rule_form_is_told_beside_its_field(
    admin: TestClient, changes: dict[str, str], field: str, words: str
) -> None:
    add_model(admin)
    browser = _browser(admin)
    status, page = _post_rule(browser, **changes)
    assert status == 422, page[:2000]
    assert words in _problem(page, field)
    assert f'id="{field}"' in page
    assert 'aria-invalid="true"' in page
    # What the user typed is kept.
    for name, value in changes.items():
        if name not in ("relative", "signal", "subject", "severity", "comparator"):
            assert f'value="{html.escape(value)}"' in page, name
    assert admin.get("/api/v1/models/cancer/alert-rules").json() == []


def test_a_name_taken_is_told_beside_the_name_and_a_rule_is_edited_and_toggled(
    admin: TestClient, runs: list[int]
) -> None:
    browser = _browser(admin)
    assert _post_rule(browser)[0] == 303
    status, page = _post_rule(browser)
    assert status == 409
    assert "already has an alert rule named 'accuracy low'" in _problem(page, "name")
    [rule] = admin.get("/api/v1/models/cancer/alert-rules").json()
    edit = browser.get(f"{ALERTS}/rules/{rule['id']}").text
    assert 'value="accuracy low"' in edit
    assert 'value="0.85"' in edit
    assert '<option value="critical" selected>' in edit
    token = _form_token(edit)
    changed = {**RULE, "threshold": "0.5", "for_runs": "1", "csrf_token": token}
    saved = browser.post(f"{ALERTS}/rules/{rule['id']}", data=changed, follow_redirects=False)
    assert (saved.status_code, saved.headers["location"]) == (303, ALERTS)
    assert admin.get(f"/api/v1/models/cancer/alert-rules/{rule['id']}").json()["threshold"] == 0.5
    # No run's accuracy is below 0.5: the alert resolved when the rule changed.
    assert [a["state"] for a in admin.get("/api/v1/alerts").json()["items"]] == ["resolved"]
    resolved = browser.get(f"{ALERTS}?state=resolved").text
    assert '<span class="badge alert-resolved">resolved</span>' in resolved
    assert "No firing alert." in _said(browser.get(f"{ALERTS}?state=firing"))
    # A resolved alert has nothing left to handle: its page offers no acknowledge nor silence.
    [gone] = admin.get("/api/v1/alerts").json()["items"]
    shown = browser.get(f"/alerts/{gone['id']}").text
    assert "Handle it" not in shown
    assert f'action="/alerts/{gone["id"]}/ack"' not in shown

    off = browser.post(
        f"{ALERTS}/rules/{rule['id']}/enabled",
        data={"csrf_token": token, "enabled": "no"},
        follow_redirects=False,
    )
    assert off.status_code == 303
    assert admin.get(f"/api/v1/models/cancer/alert-rules/{rule['id']}").json()["enabled"] is False
    assert '<span class="badge disabled">disabled</span>' in browser.get(ALERTS).text


def test_a_rule_is_deleted_after_a_confirmation(admin: TestClient, runs: list[int]) -> None:
    browser = _browser(admin)
    assert _post_rule(browser)[0] == 303
    [rule] = admin.get("/api/v1/models/cancer/alert-rules").json()
    token = _form_token(browser.get(ALERTS).text)
    action = f"{ALERTS}/rules/{rule['id']}/delete"
    asked = browser.post(action, data={"csrf_token": token})
    said = _said(asked)
    assert "Delete the alert rule 'accuracy low' of cancer" in said
    assert "Its 1 alert(s) and their history are deleted with it." in said
    assert len(admin.get("/api/v1/models/cancer/alert-rules").json()) == 1
    done = browser.post(
        action, data={"csrf_token": token, "confirmed": "yes"}, follow_redirects=False
    )
    assert (done.status_code, done.headers["location"]) == (303, ALERTS)
    assert admin.get("/api/v1/models/cancer/alert-rules").json() == []
    assert admin.get("/api/v1/alerts").json()["items"] == []


def test_viewers_read_and_forms_need_the_editor_role_and_the_csrf_token(
    admin: TestClient, runs: list[int]
) -> None:
    editor = _browser(admin)
    assert _post_rule(editor)[0] == 303
    [rule] = admin.get("/api/v1/models/cancer/alert-rules").json()
    [alert] = admin.get("/api/v1/alerts").json()["items"]
    _add_user(admin, "vera", "viewer")
    viewer = _browser(admin, "vera", PASSWORD)
    page = viewer.get(ALERTS).text
    assert "accuracy low" in page
    assert "/rules/new" not in page
    assert "Disable" not in page
    assert "Delete" not in page
    alert_page = viewer.get(f"/alerts/{alert['id']}").text
    assert alert["fingerprint"] in alert_page
    assert "/ack" not in alert_page
    assert "/silence" not in alert_page
    token = _form_token(viewer.get("/alerts").text)  # the logout form's
    for path, form in [
        (f"{ALERTS}/rules", {**RULE, "name": "mine"}),
        (f"{ALERTS}/rules/{rule['id']}", RULE),
        (f"{ALERTS}/rules/{rule['id']}/enabled", {"enabled": "no"}),
        (f"{ALERTS}/rules/{rule['id']}/delete", {"confirmed": "yes"}),
        (f"/alerts/{alert['id']}/ack", {}),
        (f"/alerts/{alert['id']}/silence", {"for": "1h"}),
    ]:
        _refused(viewer.post(path, data={**form, "csrf_token": token}), 403, "read")
    _refused(viewer.get(f"{ALERTS}/rules/new"), 403, "Your role may only read.")
    # An editor's form without its session's token is refused, and nothing changes.
    for path, form in [
        (f"{ALERTS}/rules", {**RULE, "name": "mine"}),
        (f"/alerts/{alert['id']}/ack", {}),
    ]:
        _refused(editor.post(path, data={**form, "csrf_token": "forged"}), 403, "expired")
    assert len(admin.get("/api/v1/models/cancer/alert-rules").json()) == 1
    assert admin.get(f"/api/v1/alerts/{alert['id']}").json()["acknowledged_by"] is None
    # Without a session, a page sends to the login and back.
    anonymous = TestClient(admin.app, base_url="http://127.0.0.1")
    away = anonymous.get("/alerts", follow_redirects=False)
    assert (away.status_code, away.headers["location"]) == (303, "/login?next=/alerts")


def test_missing_and_malformed_things_are_pages_naming_them(
    admin: TestClient, runs: list[int]
) -> None:
    browser = _browser(admin)
    _refused(browser.get("/alerts/999"), 404, "No alert 999.")
    _refused(browser.get("/models/nothing/alerts"), 404, "No model named 'nothing'")
    _refused(browser.get(f"{ALERTS}/rules/999"), 404, "Model 'cancer' has no alert rule 999.")
    _refused(browser.get("/alerts/abc"), 422, "'alert_id'", "valid integer")
    _refused(browser.get(f"{ALERTS}?state=burning"), 422, "'state'", "'burning'")
    _refused(browser.get("/alerts?state=burning"), 422, "'state'", "'firing'")
    token = _form_token(browser.get(ALERTS).text)
    _refused(
        browser.post(f"{ALERTS}/rules/1/enabled", data={"csrf_token": token, "enabled": "maybe"}),
        422,
        "'enabled'",
    )
    _refused(browser.post("/alerts/999/ack", data={"csrf_token": token}), 404, "No alert 999.")
    _refused(browser.post("/models/nothing/alerts/rules", data={**RULE, "csrf_token": token}), 404)
    assert browser.get(f"{ALERTS}/rules/new").headers["x-content-type-options"] == "nosniff"


def test_the_preview_says_the_rule_in_words_or_why_not(admin: TestClient) -> None:
    add_model(admin)
    browser = _browser(admin)
    token = _form_token(browser.get(f"{ALERTS}/rules/new").text)
    drop = {**RULE, "signal": "metric_drop", "threshold": "0.05", "relative": "yes"}
    shown = browser.post(f"{ALERTS}/rules/preview", data={**drop, "csrf_token": token})
    assert shown.status_code == 200
    assert "<html" not in shown.text
    assert "accuracy drop vs baseline &lt; 5% for 2 runs in a row" in shown.text
    wrong = browser.post(
        f"{ALERTS}/rules/preview", data={**RULE, "subject": "", "csrf_token": token}
    )
    assert "needs a &#39;subject&#39;" in wrong.text
    assert admin.get("/api/v1/models/cancer/alert-rules").json() == []


CHANGE_POINTS = {
    "name": "shifted",
    "signal": "change_points",
    "subject": "page_hinkley",
    "measure": "probability",
    "comparator": ">=",
    "threshold": "1",
    "for_runs": "1",
    "severity": "warning",
    "enabled": "yes",
    "parameters": "delta = 0.01\nthreshold=25.0\n\nmin_instances=50\nmode=up\n",
}


def _textarea(page: str, field: str) -> str:
    found = re.search(rf'<textarea id="{field}" name="{field}"[^>]*>(.*?)</textarea>', page, re.S)
    assert found is not None, (field, page[:3000])
    return html.unescape(found.group(1))


def test_an_editor_makes_a_change_point_rule_and_edits_it_keeping_its_parameters(
    admin: TestClient,
) -> None:
    add_model(admin)
    browser = _browser(admin)
    form = browser.get(f"{ALERTS}/rules/new").text
    assert '<option value="change_points">' in form
    assert '<option value="page_hinkley">page_hinkley (default)</option>' in form
    assert '<option value="kswin">kswin</option>' in form
    # Each detector's parameters with their defaults, as hints beside the field.
    assert _textarea(form, "parameters") == ""
    assert (
        "<dt>page_hinkley</dt><dd><code>min_instances=30</code>, <code>delta=0.005</code>, "
        "<code>threshold=50.0</code>, <code>alpha=0.9999</code>, <code>mode=both</code></dd>"
    ) in form
    assert "<code>two_sided_test=false</code>" in form

    status, location = _post_rule(browser, **CHANGE_POINTS)
    assert (status, location) == (303, ALERTS)
    [rule] = admin.get("/api/v1/models/cancer/alert-rules").json()
    assert (rule["signal"], rule["subject"], rule["measure"]) == (
        "change_points",
        "page_hinkley",
        "probability",
    )
    stored = rule["parameters"]
    assert stored == {"delta": 0.01, "threshold": 25.0, "min_instances": 50, "mode": "up"}
    assert [type(stored[k]) for k in ("delta", "threshold", "min_instances")] == [float, float, int]
    assert (
        "page_hinkley change points in the run's probabilities "
        "(delta=0.01, min_instances=50, mode=up, threshold=25) >= 1"
    ) in _said(browser.get(ALERTS))

    # Its form opens on its signal, detector and stream, with its parameters as stored.
    url = f"{ALERTS}/rules/{rule['id']}"
    edit = browser.get(url).text
    assert '<option value="change_points" selected>' in edit
    assert '<option value="page_hinkley" selected>' in edit
    assert '<option value="probability" selected>' in edit
    assert "not known for this model" not in edit
    shown = _textarea(edit, "parameters")
    assert sorted(shown.splitlines()) == [
        "delta=0.01",
        "min_instances=50",
        "mode=up",
        "threshold=25.0",
    ]
    # Saved again as shown (only the rule's threshold changed), its parameters are the same.
    posted = {**CHANGE_POINTS, "threshold": "2", "parameters": shown}
    saved = browser.post(
        url, data={**posted, "csrf_token": _form_token(edit)}, follow_redirects=False
    )
    assert (saved.status_code, saved.headers["location"]) == (303, ALERTS)
    again = admin.get(f"/api/v1/models/cancer/alert-rules/{rule['id']}").json()
    assert (again["threshold"], again["parameters"]) == (2.0, stored)
    assert type(again["parameters"]["threshold"]) is float

    # A rule made with the REST API, with text and booleans, keeps them through the form too.
    made = admin.post(
        "/api/v1/models/cancer/alert-rules",
        json={
            "name": "errors",
            "signal": "change_points",
            "subject": "hddm_a",
            "measure": "error",
            "comparator": ">=",
            "threshold": 1,
            "parameters": {"two_sided_test": True, "drift_confidence": 0.0005},
        },
    )
    assert made.status_code == 201, made.text
    other = f"{ALERTS}/rules/{made.json()['id']}"
    page = browser.get(other).text
    assert sorted(_textarea(page, "parameters").splitlines()) == [
        "drift_confidence=0.0005",
        "two_sided_test=true",
    ]
    kept = {
        **CHANGE_POINTS,
        "name": "errors",
        "subject": "hddm_a",
        "measure": "error",
        "parameters": _textarea(page, "parameters"),
        "csrf_token": _form_token(page),
    }
    assert browser.post(other, data=kept, follow_redirects=False).status_code == 303
    after = admin.get(f"/api/v1/models/cancer/alert-rules/{made.json()['id']}").json()
    assert after["parameters"] == {"two_sided_test": True, "drift_confidence": 0.0005}
    assert after["parameters"]["two_sided_test"] is True


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"parameters": "delta=-1"}, "parameters", "'delta' parameter of PageHinkley must be"),
        ({"parameters": "colour=3"}, "parameters", "Unknown parameter(s) 'colour'"),
        ({"parameters": "mode=sideways"}, "parameters", "one of 'up', 'down', 'both'"),
        ({"parameters": "min_instances=10000000"}, "parameters", "at most 1,000,000"),
        ({"parameters": "delta 0.01"}, "parameters", "one name=value a line"),
        ({"parameters": "delta=0.1\ndelta=0.2"}, "parameters", "give 'delta' twice"),
        (
            {"signal": "metric", "subject": "accuracy", "measure": "", "parameters": "delta=0.1"},
            "parameters",
            "a 'change_points' rule's detector settings",
        ),
        ({"subject": "oracle"}, "subject", "is a detector, one of adwin"),
        (
            {"subject": "ddm", "measure": "prediction", "parameters": ""},
            "measure",
            "reads a 0/1 error stream",
        ),
        (
            {"subject": "ddm", "measure": "error"},
            "parameters",
            "for DDM; expected some of warm_start",
        ),
    ],
)
def test_each_refusal_of_a_change_point_rule_is_told_beside_its_field(
    admin: TestClient, changes: dict[str, str], field: str, words: str
) -> None:
    add_model(admin)
    browser = _browser(admin)
    status, page = _post_rule(browser, **{**CHANGE_POINTS, **changes})
    assert status == 422, page[:2000]
    assert words in _problem(page, field)
    assert 'aria-invalid="true"' in page
    # The parameters as typed are kept, and nothing is stored.
    typed = changes.get("parameters", CHANGE_POINTS["parameters"])
    assert _textarea(page, "parameters") == typed
    assert admin.get("/api/v1/models/cancer/alert-rules").json() == []


def test_a_change_point_rule_in_the_preview_and_viewers_cannot_make_or_change_one(
    admin: TestClient,
) -> None:
    add_model(admin)
    editor = _browser(admin)
    token = _form_token(editor.get(f"{ALERTS}/rules/new").text)
    shown = editor.post(f"{ALERTS}/rules/preview", data={**CHANGE_POINTS, "csrf_token": token})
    assert shown.status_code == 200
    assert (
        "page_hinkley change points in the run&#39;s probabilities "
        "(delta=0.01, min_instances=50, mode=up, threshold=25) &gt;= 1"
    ) in shown.text
    refused = editor.post(
        f"{ALERTS}/rules/preview",
        data={**CHANGE_POINTS, "parameters": "delta=-1", "csrf_token": token},
    )
    assert "&#39;delta&#39; parameter of PageHinkley must be" in refused.text
    assert _post_rule(editor, **CHANGE_POINTS)[0] == 303
    [rule] = admin.get("/api/v1/models/cancer/alert-rules").json()

    _add_user(admin, "vera", "viewer")
    viewer = _browser(admin, "vera", PASSWORD)
    assert "page_hinkley change points" in _said(viewer.get(ALERTS))
    viewer_token = _form_token(viewer.get("/alerts").text)
    changed = {**CHANGE_POINTS, "parameters": "delta=0.5", "csrf_token": viewer_token}
    _refused(viewer.post(f"{ALERTS}/rules", data={**changed, "name": "mine"}), 403, "read")
    _refused(viewer.post(f"{ALERTS}/rules/{rule['id']}", data=changed), 403, "read")
    _refused(viewer.get(f"{ALERTS}/rules/{rule['id']}"), 403, "Your role may only read.")
    [same] = admin.get("/api/v1/models/cancer/alert-rules").json()
    assert same["parameters"] == rule["parameters"]


def test_parameters_read_back_as_typed() -> None:
    given = {"a": 1, "b": 0.5, "c": 50.0, "d": True, "e": "up", "f": "7", "g": "true", "h": 1e-05}
    read = parse_parameters(parameters_text(given))
    assert read == given
    assert [type(v) for v in (read or {}).values()] == [
        int, float, float, bool, str, str, str, float,
    ]  # fmt: skip
    assert parameters_text(None) == ""
    with pytest.raises(Invalid, match="at most 16"):
        parse_parameters("\n".join(f"p{i}={i}" for i in range(17)))
    with pytest.raises(Invalid, match="one name=value a line") as refused:
        parse_parameters("delta=")
    assert refused.value.field == "parameters"


def test_durations_silences_and_conditions_in_words() -> None:
    assert parse_duration(" 2 Weeks ", "f") == 1209600
    assert duration(parse_duration("36 h", "f")) == "36 h"
    with pytest.raises(ValueError, match="'f' must be at most"):
        parse_duration("10000 weeks", "f")
    at = datetime(2026, 12, 1, tzinfo=UTC)
    assert silence_until("1w", "", False, at) == at + timedelta(weeks=1)
    assert silence_until("", "2026-12-24T18:00", False, at) == datetime(
        2026, 12, 24, 18, tzinfo=UTC
    )
    assert silence_until("1h", "", True, at) is None
    words = [
        condition(RuleSpec("a", "drift_share", ">", 0.3)),
        condition(RuleSpec("b", "verdict", ">=", 2.0)),
        condition(RuleSpec("c", "quality_check", ">=", 2.0, subject="missing_share")),
        condition(RuleSpec("d", "feature_drift", "==", 1.0, subject="*")),
        condition(RuleSpec("e", "label_drift", "<", 0.01, measure="p_value")),
        condition(RuleSpec("f", "change_points", ">=", 1.0, subject="page_hinkley")),
        condition(
            RuleSpec(
                "g",
                "change_points",
                ">=",
                2.0,
                subject="adwin",
                measure="probability",
                parameters={"delta": 0.01, "clock": 32},
            )
        ),
        condition(RuleSpec("h", "freshness", ">", 3600.0)),
    ]
    assert words == [
        "share of drifted columns > 0.3",
        "the verdict >= retrain",
        "check missing_share (status: ok 0, warning 1, alert 2) >= alert",
        "any feature's drift (drifted, 1 when drifted) == 1",
        "the label's drift (p value) < 0.01",
        "page_hinkley change points in the run's predictions >= 1",
        "adwin change points in the run's probabilities (clock=32, delta=0.01) >= 2",
        "time without data > 1 h",
    ]


def test_a_rule_that_could_not_be_evaluated_says_why_and_alerts_list_firing_first(
    admin: TestClient, state: State, runs: list[int]
) -> None:
    browser = _browser(admin)
    assert _post_rule(browser)[0] == 303  # fires from Nov 2 on
    # A second rule fires alike, then resolves when its threshold changes: its alert is the
    # newer one, yet listed after the firing one.
    assert _post_rule(browser, name="accuracy fine")[0] == 303
    second = admin.get("/api/v1/models/cancer/alert-rules").json()[1]["id"]
    changed = admin.patch(f"/api/v1/models/cancer/alert-rules/{second}", json={"threshold": 0.5})
    assert changed.status_code == 200, changed.text
    with db.transaction(state.writers) as session:
        session.execute(
            update(AlertRule)
            .where(AlertRule.name == "accuracy fine")
            .values(error="NotFound: the metric is gone")
        )
    page = browser.get(ALERTS).text
    assert "Could not be evaluated: NotFound: the metric is gone" in html.unescape(page)
    states = re.findall(r'<span class="badge alert-(\w+)">', page)
    assert states == ["firing", "resolved"]
    assert re.findall(
        r'<span class="badge alert-(\w+)">', browser.get("/alerts?state=all").text
    ) == [
        "firing",
        "resolved",
    ]
