"""The web app's first pages: logging in and out through forms (CSRF on both), the models list
with each model's production version and latest verdict, and the security headers."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from tests.server.conftest import (
    ADMIN_PASSWORD,
    add_model,
    as_parquet,
    breast_cancer_split,
    run_jobs,
)

from driftscope.server.routes.pages import models as model_pages
from driftscope.server.state import State


def _form_token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None, html
    return found.group(1)


def _log_in(
    client: TestClient,
    password: str = ADMIN_PASSWORD,
    next_page: str = "/models",
    username: str = "admin",
):
    form = client.get("/login", params={"next": next_page})
    assert form.status_code == 200
    return client.post(
        "/login",
        data={
            "username": username,
            "password": password,
            "csrf_token": _form_token(form.text),
            "next": next_page,
        },
        follow_redirects=False,
    )


def _second_version(admin: TestClient) -> None:
    made = admin.post(
        "/api/v1/models/cancer/versions",
        files={"baseline": ("b.parquet", as_parquet(breast_cancer_split()[0]))},
        data={"target": "target", "prediction": "prediction"},
    )
    assert made.status_code == 201, made.text


def _two_analysed_runs(admin: TestClient, state: State) -> None:
    """The production rows uploaded for 2026-11-01 and 2026-11-02, and analysed."""
    _, production = breast_cancer_split()
    for date in ("2026-11-01", "2026-11-02"):
        admin.post(
            "/api/v1/models/cancer/runs",
            files={"data": ("run.parquet", as_parquet(production))},
            data={"date": date},
        )
    run_jobs(state)


def test_a_page_without_a_session_sends_to_the_login_and_back(client: TestClient) -> None:
    page = client.get("/models?search=x", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=/models%3Fsearch%3Dx"
    form = client.get("/login")
    assert "default-src 'none'" in form.headers["content-security-policy"]
    assert form.headers["x-content-type-options"] == "nosniff"
    assert '<label for="password">Password</label>' in form.text
    wrong = _log_in(client, password="not the password at all")
    assert wrong.status_code == 401
    assert "Wrong user name or password." in wrong.text
    assert "driftscope_session" not in wrong.cookies
    logged = _log_in(client, next_page="/models?search=x")
    assert logged.status_code == 303
    assert logged.headers["location"] == "/models?search=x"
    # Only this server's paths: never another site.
    assert _log_in(client, next_page="//evil.example/").headers["location"] == "/models"


def test_too_many_failed_logins_are_told_on_the_login_page(
    client: TestClient, state: State
) -> None:
    for _ in range(state.settings.login_attempts):
        assert _log_in(client, password="not the password at all").status_code == 401
    throttled = _log_in(client)  # the right password, too late
    assert throttled.status_code == 429
    assert "Too many failed logins for &#39;admin&#39;" in throttled.text
    assert "driftscope_session" not in throttled.cookies


def test_the_login_form_and_the_logout_need_their_csrf_token(client: TestClient) -> None:
    client.get("/login")
    forged = client.post(
        "/login",
        data={"username": "admin", "password": ADMIN_PASSWORD, "csrf_token": "forged"},
        follow_redirects=False,
    )
    assert forged.status_code == 403
    assert "driftscope_session" not in forged.cookies
    assert _log_in(client).status_code == 303
    page = client.get("/models")
    assert page.status_code == 200
    refused = client.post("/logout", data={"csrf_token": "forged"}, follow_redirects=False)
    assert refused.status_code == 403
    assert client.get("/models", follow_redirects=False).status_code == 200  # still logged in
    out = client.post(
        "/logout", data={"csrf_token": _form_token(page.text)}, follow_redirects=False
    )
    assert out.headers["location"] == "/login"
    assert client.get("/models", follow_redirects=False).status_code == 303


def test_the_models_page_shows_each_models_production_version_and_latest_verdict(
    admin: TestClient, state: State
) -> None:
    add_model(admin)
    admin.post("/api/v1/models/cancer/aliases/production", json={"version": 1})
    _two_analysed_runs(admin, state)
    made = admin.post("/api/v1/models", json={"name": "<b>bold", "task": "regression"})
    assert made.status_code == 201, made.text
    newest = admin.get("/api/v1/models/cancer/runs", params={"limit": 1}).json()["items"][0]
    accuracy = admin.get("/api/v1/models/cancer/timeline").json()["metrics"]["accuracy"]["value"]
    with TestClient(admin.app, base_url="http://127.0.0.1") as browser:
        assert _log_in(browser).status_code == 303
        page = browser.get("/models").text
        filtered = {
            query: browser.get(f"/models?{query}").text
            for query in (
                "verdict=none",
                "task=regression",
                "search=canc",
                f"verdict={newest['verdict']}",
            )
        }
        assert browser.get("/models?verdict=bad").status_code == 422
    row = page[page.index('<td><a href="/models/cancer">cancer</a></td>') :].split("</tr>")[0]
    assert "<td>binary classification</td>" in row
    assert "<td>v1</td>" in row
    assert f'class="badge {newest["verdict"]}"' in row
    assert f"{newest['drift_share'] * 100:.0f}%" in row
    assert '<time class="count" datetime="2026-11-02T00:00:00+00:00">' in row
    # The primary metric is the newest run's accuracy; the sparkline draws both runs.
    assert f"accuracy {accuracy[-1]:.3g}" in row
    assert f"from {accuracy[0]:.3g} to {accuracy[-1]:.3g}" in row
    assert row.count("<polyline") == 1
    # The runs were uploaded a moment ago (the data date is another thing).
    assert ">just now</time>" in row
    # A name is text, never markup; a model without runs says so.
    assert "<b>bold" not in page
    assert "&lt;b&gt;bold" in page
    assert "no run yet" in page
    assert "2 of 2 model(s)." in page
    # The summary counts the latest verdicts, and each filter narrows the list.
    assert f'<span class="badge {newest["verdict"]}">' in page
    for query, shown in (
        ("verdict=none", "bold"),
        ("task=regression", "bold"),
        ("search=canc", "cancer"),
        (f"verdict={newest['verdict']}", "cancer"),
    ):
        listed = re.findall(r'<td><a href="/models/([^"]+)">', filtered[query])
        assert listed == [{"bold": "%3Cb%3Ebold", "cancer": "cancer"}[shown]], query


def test_the_stylesheet_is_served_by_the_app(client: TestClient) -> None:
    css = client.get("/static/app.css")
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")
    assert ":focus-visible" in css.text


def test_the_model_page_shows_versions_with_aliases_and_runs_a_page_at_a_time(
    admin: TestClient, state: State, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_model(admin, benchmarks='{"accuracy": 0.9}')
    _second_version(admin)
    admin.post("/api/v1/models/cancer/aliases/production", json={"version": 1})
    admin.post("/api/v1/models/cancer/aliases/staging", json={"version": 2})
    _two_analysed_runs(admin, state)
    monkeypatch.setattr(model_pages, "RUNS_PER_PAGE", 1)
    with TestClient(admin.app, base_url="http://127.0.0.1") as browser:
        assert _log_in(browser).status_code == 303
        assert '<a href="/models/cancer">cancer</a>' in browser.get("/models").text
        first = browser.get("/models/cancer")
        older = browser.get("/models/cancer", params={"offset": 1})
        missing = browser.get("/models/nope")
    assert "default-src 'none'" in first.headers["content-security-policy"]
    versions = first.text[first.text.index("<h2>Versions</h2>") : first.text.index("<h2>Runs</h2>")]
    v1 = versions[versions.index("<td>v1</td>") :].split("</tr>")[0]
    assert '<span class="badge alias">production</span>' in v1
    assert "accuracy 0.9" in v1
    assert '<span class="badge alias">staging</span>' in versions.split("<td>v2</td>")[1]
    # Newest data first, one run a page here: the newer run, then the older one.
    assert '<time datetime="2026-11-02T00:00:00+00:00">' in first.text
    assert "Runs 1-1 of 2" in first.text
    assert '<a href="/models/cancer?offset=1">Older</a>' in first.text
    assert '<time datetime="2026-11-01T00:00:00+00:00">' in older.text
    assert '<a href="/models/cancer?offset=0">Newer</a>' in older.text
    assert missing.status_code == 404
    assert "No model named &#39;nope&#39;." in missing.text


def test_promote_and_rollback_from_the_model_page_are_confirmed_and_for_editors_only(
    admin: TestClient,
) -> None:
    add_model(admin)
    _second_version(admin)
    admin.post("/api/v1/models/cancer/aliases/production", json={"version": 1})
    made = admin.post(
        "/api/v1/users",
        json={"username": "reader", "password": "a reader's long password", "role": "viewer"},
    )
    assert made.status_code == 201, made.text
    with TestClient(admin.app, base_url="http://127.0.0.1") as browser:
        assert _log_in(browser).status_code == 303
        page = browser.get("/models/cancer").text
        token = _form_token(page)
        assert page.count("Make production") == 1  # v2 only: v1 is production already
        ask = browser.post("/models/cancer/promote", data={"version": 2, "csrf_token": token})
        assert ask.status_code == 200
        assert "Point production of cancer at v2? It now points at v1." in ask.text
        assert 'name="confirmed" value="yes"' in ask.text
        assert admin.get("/api/v1/models/cancer").json()["aliases"]["production"] == 1
        forged = browser.post(
            "/models/cancer/promote", data={"version": 2, "csrf_token": "x", "confirmed": "yes"}
        )
        assert forged.status_code == 403
        done = browser.post(
            "/models/cancer/promote",
            data={"version": 2, "csrf_token": token, "confirmed": "yes"},
            follow_redirects=False,
        )
        assert (done.status_code, done.headers["location"]) == (303, "/models/cancer")
        assert admin.get("/api/v1/models/cancer").json()["aliases"]["production"] == 2
        assert "promote: v1 to v2" in browser.get("/models/cancer").text
        back = browser.post(
            "/models/cancer/rollback",
            data={"csrf_token": token, "confirmed": "yes"},
            follow_redirects=False,
        )
        assert back.status_code == 303
        assert admin.get("/api/v1/models/cancer").json()["aliases"]["production"] == 1
        assert "rollback: v2 to v1" in browser.get("/models/cancer").text
        unknown = browser.post("/models/cancer/promote", data={"version": 9, "csrf_token": token})
        assert unknown.status_code == 404
        assert "has no version 9" in unknown.text
    with TestClient(admin.app, base_url="http://127.0.0.1") as viewer:
        logged = _log_in(viewer, "a reader's long password", username="reader")
        assert logged.status_code == 303
        page = viewer.get("/models/cancer").text
        assert "Make production" not in page
        assert "Roll production back" not in page
        refused = viewer.post(
            "/models/cancer/promote",
            data={"version": 2, "csrf_token": _form_token(page), "confirmed": "yes"},
        )
        assert refused.status_code == 403
    assert admin.get("/api/v1/models/cancer").json()["aliases"]["production"] == 1
