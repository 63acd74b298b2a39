"""Users, logins, sessions, CSRF, tokens and roles: secure by default, on every endpoint."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from tests.server.conftest import ADMIN_PASSWORD, log_in, new_token, token_client

from driftscope.server import security
from driftscope.server.app import create_app
from driftscope.server.models import ApiToken, Audit, User
from driftscope.server.security import hash_secret
from driftscope.server.settings import load_settings
from driftscope.server.state import State, open_state


def test_without_a_given_password_the_first_admin_gets_a_generated_one_shown_once(
    tmp_path: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    settings = load_settings(data_dir=tmp_path / "data", worker=False)
    assert settings.admin_password is None
    with TestClient(create_app(settings), base_url="http://127.0.0.1") as client:
        err = capfd.readouterr().err
        password = re.search(r"password (\S+)", err)
        assert password is not None, err
        assert (
            client.post(
                "/api/v1/auth/login", json={"username": "admin", "password": "admin"}
            ).status_code
            == 401
        )
        log_in(client, "admin", password.group(1))
    state = open_state(settings)
    with state.sessions() as session:
        stored = session.scalar(select(User.password_hash))
    assert stored is not None
    assert stored.startswith("$argon2id$")
    assert password.group(1) not in stored
    # A second start creates nobody and prints no password.
    with TestClient(create_app(settings), base_url="http://127.0.0.1"):
        assert "password" not in capfd.readouterr().err
    state.engine.dispose()


def test_the_service_hashes_at_rfc_9106_parameters(service_hasher: Any) -> None:
    """The tests hash at argon2id's lowest cost (tests/conftest.py); the service's own hasher
    uses RFC 9106's low-memory parameters, and verifies either."""
    hasher = service_hasher()
    stored = hasher.hash("correct horse")
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert security.verify_password(stored, "correct horse")
    assert not security.verify_password(stored, "wrong horse")


def test_wrong_logins_are_refused_alike_and_then_throttled(client: TestClient) -> None:
    wrong_name = client.post("/api/v1/auth/login", json={"username": "nobody", "password": "x"})
    wrong_password = client.post("/api/v1/auth/login", json={"username": "admin", "password": "x"})
    assert wrong_name.status_code == wrong_password.status_code == 401
    assert wrong_name.json() == wrong_password.json()
    assert wrong_password.json()["title"] == "Login failed"
    assert wrong_password.json()["detail"] == "Wrong user name or password."
    assert wrong_password.headers["content-type"] == "application/problem+json"
    client.post("/api/v1/auth/login", json={"username": "admin", "password": "y"})
    client.post("/api/v1/auth/login", json={"username": "admin", "password": "z"})
    # Three failures in the window (login_attempts=3): even the right password waits.
    blocked = client.post(
        "/api/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}
    )
    assert blocked.status_code == 429
    assert "Too many failed logins" in blocked.json()["detail"]


def test_the_session_cookie_is_http_only_and_strict(client: TestClient) -> None:
    response = client.post(
        "/api/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}
    )
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=strict" in cookie


def test_a_browser_write_needs_the_csrf_token(client: TestClient) -> None:
    csrf = log_in(client)
    del client.headers["X-CSRF-Token"]
    refused = client.post("/api/v1/models", json={"name": "m", "task": "regression"})
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    wrong = client.post(
        "/api/v1/models",
        json={"name": "m", "task": "regression"},
        headers={"X-CSRF-Token": "not-it"},
    )
    assert wrong.status_code == 403
    ok = client.post(
        "/api/v1/models", json={"name": "m", "task": "regression"}, headers={"X-CSRF-Token": csrf}
    )
    assert ok.status_code == 201
    # Reads need no CSRF token.
    assert client.get("/api/v1/models").status_code == 200


def test_logout_ends_the_session(admin: TestClient) -> None:
    assert admin.post("/api/v1/auth/logout").status_code == 204
    assert admin.get("/api/v1/auth/me").status_code == 401


def test_tokens_are_shown_once_stored_hashed_scoped_and_revocable(
    admin: TestClient, state: State
) -> None:
    secret = new_token(admin, "viewer")
    assert secret.startswith("dsk_")
    listed = admin.get("/api/v1/tokens").json()
    assert all("token" not in t for t in listed)
    with state.sessions() as session:
        hashes = list(session.scalars(select(ApiToken.secret_hash)))
    assert secret not in hashes
    assert all(len(h) == 64 for h in hashes)
    viewer = token_client(admin, secret)
    assert viewer.get("/api/v1/models").status_code == 200
    refused = viewer.post("/api/v1/models", json={"name": "m", "task": "regression"})
    assert refused.status_code == 403
    assert "editor" in refused.json()["detail"]
    token_id = listed[0]["id"]
    assert admin.delete(f"/api/v1/tokens/{token_id}").json()["revoked_at"] is not None
    assert viewer.get("/api/v1/models").status_code == 401
    used = admin.get("/api/v1/tokens").json()[0]
    assert used["last_used_at"] is not None


def test_a_token_may_not_have_more_rights_than_its_maker(admin: TestClient) -> None:
    viewer = token_client(admin, new_token(admin, "viewer"))
    response = viewer.post("/api/v1/tokens", json={"name": "escalate", "role": "admin"})
    assert response.status_code == 403


def test_roles_users_and_the_audit_log(admin: TestClient, state: State) -> None:
    created = admin.post(
        "/api/v1/users",
        json={"username": "ed", "password": "long enough password", "role": "editor"},
    )
    assert created.status_code == 201
    short = admin.post(
        "/api/v1/users", json={"username": "vi", "password": "short", "role": "viewer"}
    )
    assert short.status_code == 422
    assert short.json()["errors"][0]["field"] == "password"
    bad_role = admin.post(
        "/api/v1/users", json={"username": "x", "password": "long enough password", "role": "god"}
    )
    assert bad_role.json()["errors"][0]["field"] == "role"
    editor = TestClient(admin.app, base_url="http://127.0.0.1")
    log_in(editor, "ed", "long enough password")
    assert (
        editor.post("/api/v1/models", json={"name": "m", "task": "regression"}).status_code == 201
    )
    assert editor.get("/api/v1/users").status_code == 403
    assert editor.get("/api/v1/audit").status_code == 403
    actions = [e["action"] for e in admin.get("/api/v1/audit").json()["items"]]
    assert {"user.create", "model.create", "login"} <= set(actions)
    with state.sessions() as session:
        assert session.scalar(select(Audit.actor).where(Audit.action == "model.create")) == "ed"


def test_changing_the_password_ends_every_session(admin: TestClient) -> None:
    other = TestClient(admin.app, base_url="http://127.0.0.1")
    log_in(other)
    wrong = admin.post(
        "/api/v1/auth/password",
        json={"current_password": "nope", "new_password": "another long password"},
    )
    assert wrong.status_code == 422
    ok = admin.post(
        "/api/v1/auth/password",
        json={"current_password": ADMIN_PASSWORD, "new_password": "another long password"},
    )
    assert ok.status_code == 204
    assert other.get("/api/v1/auth/me").status_code == 401
    log_in(other, "admin", "another long password")


def _operations(client: TestClient) -> list[tuple[str, str]]:
    spec = client.get("/api/v1/openapi.json").json()
    return [
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    ]


def test_every_endpoint_but_health_and_login_refuses_an_anonymous_caller(
    client: TestClient,
) -> None:
    operations = _operations(client)
    assert len(operations) >= 20
    open_ones = {("GET", "/api/v1/health"), ("POST", "/api/v1/auth/login")}
    for method, path in operations:
        if (method, path) in open_ones:
            continue
        concrete = re.sub(r"\{[^}]+\}", "1", path)
        response = client.request(method, concrete)
        assert response.status_code == 401, (method, path, response.status_code)
        assert response.json()["status"] == 401


def test_every_write_refuses_a_viewer_token_and_a_revoked_one(admin: TestClient) -> None:
    viewer = token_client(admin, new_token(admin, "viewer"))
    revoked_secret = new_token(admin, "admin")
    revoked_id = admin.get("/api/v1/tokens").json()[-1]["id"]
    admin.delete(f"/api/v1/tokens/{revoked_id}")
    revoked = token_client(admin, revoked_secret)
    exempt = {
        "/api/v1/auth/login",
        "/api/v1/auth/logout",
        "/api/v1/auth/password",
        "/api/v1/tokens",
        "/api/v1/tokens/{token_id}",
    }
    for method, path in _operations(admin):
        concrete = re.sub(r"\{[^}]+\}", "1", path)
        if method != "GET" and path not in exempt:
            assert viewer.request(method, concrete).status_code == 403, (method, path)
        if path != "/api/v1/health" and path != "/api/v1/auth/login":
            assert revoked.request(method, concrete).status_code == 401, (method, path)


def test_the_store_keeps_no_session_or_token_secret(admin: TestClient, state: State) -> None:
    secret = new_token(admin)
    cookie = admin.cookies.get("driftscope_session")
    assert cookie
    with state.sessions() as session:
        dump = "\n".join(
            str(value)
            for table in ("sessions", "api_tokens", "audit_log")
            for row in session.execute(text(f"SELECT * FROM {table}"))
            for value in row
        )
    assert hash_secret(secret) in dump
    assert secret not in dump
    assert cookie not in dump


def test_a_form_posted_through_a_session_needs_its_csrf_field(client: TestClient) -> None:
    csrf = log_in(client)
    del client.headers["X-CSRF-Token"]
    client.post(
        "/api/v1/models",
        json={"name": "m", "task": "regression"},
        headers={"X-CSRF-Token": csrf},
    )
    form = {"target": "y"}
    files = {"baseline": ("b.csv", b"x,y\n1,2\n3,4\n")}
    refused = client.post("/api/v1/models/m/versions", data=form, files=files)
    assert refused.status_code == 403
    taken = client.post("/api/v1/models/m/versions", data={**form, "csrf_token": csrf}, files=files)
    assert taken.status_code == 201, taken.text
