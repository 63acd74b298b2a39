"""The account and administration pages: changing one's password, API tokens made (shown once),
used and revoked, users and their roles, the settings the server runs with, and the audit log;
each for the right role only, each form with its session's CSRF token. Also the REST API's user
changes (``PATCH /api/v1/users/{username}``), which the pages share."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from tests.server.conftest import ADMIN_PASSWORD, log_in, token_client
from tests.server.test_pages import _form_token, _log_in

from driftscope.server import db
from driftscope.server.errors import Conflict
from driftscope.server.models import ApiToken, Role, User
from driftscope.server.routes.pages import admin as admin_pages
from driftscope.server.services import users
from driftscope.server.services.users import Principal
from driftscope.server.settings import load_settings
from driftscope.server.state import State

PASSWORD = "a user's long password"


def _browser(admin: TestClient, username: str = "admin", password: str = ADMIN_PASSWORD):
    """A client logged in through the login form, as a browser is."""
    browser = TestClient(admin.app, base_url="http://127.0.0.1")
    assert _log_in(browser, password, username=username).status_code == 303
    return browser


def _add_user(admin: TestClient, username: str, role: str) -> None:
    made = admin.post(
        "/api/v1/users", json={"username": username, "password": PASSWORD, "role": role}
    )
    assert made.status_code == 201, made.text


def _problem_of(html: str, field: str) -> str:
    """The problem told next to a form's field."""
    found = re.search(rf'<p class="problem" id="{field}-problem">([^<]*)</p>', html)
    assert found is not None, f"no problem told for {field}"
    return found.group(1)


def test_change_password_then_log_in_with_the_new_one(admin: TestClient) -> None:
    new = "a brand new passphrase"
    elsewhere = _browser(admin)
    with _browser(admin) as browser:
        form = browser.get("/account")
        assert form.status_code == 200
        for field in ("current_password", "new_password", "repeat_password"):
            assert f'<label for="{field}">' in form.text
        token = _form_token(form.text)
        bad = browser.post(
            "/account/password",
            data={
                "current_password": ADMIN_PASSWORD,
                "new_password": "short",
                "repeat_password": "shorter",
                "csrf_token": token,
            },
        )
        assert bad.status_code == 422
        assert _problem_of(bad.text, "new_password") == (
            "A password needs at least 12 characters; got 5."
        )
        assert "The two new passwords differ" in _problem_of(bad.text, "repeat_password")
        assert 'id="new_password" name="new_password" type="password" autocomplete' in bad.text
        assert 'value="short' not in bad.text  # a password is never sent back
        wrong = browser.post(
            "/account/password",
            data={
                "current_password": "not my password at all",
                "new_password": new,
                "repeat_password": new,
                "csrf_token": token,
            },
        )
        assert wrong.status_code == 422
        assert _problem_of(wrong.text, "current_password") == "The current password is wrong."
        forged = browser.post(
            "/account/password",
            data={
                "current_password": ADMIN_PASSWORD,
                "new_password": new,
                "repeat_password": new,
                "csrf_token": "forged",
            },
        )
        assert forged.status_code == 403
        # Nothing was changed so far: the old password still logs in.
        assert _browser(admin).get("/account").status_code == 200
        done = browser.post(
            "/account/password",
            data={
                "current_password": ADMIN_PASSWORD,
                "new_password": new,
                "repeat_password": new,
                "csrf_token": token,
            },
            follow_redirects=False,
        )
        assert (done.status_code, done.headers["location"]) == (303, "/account?changed=true")
        # This browser goes on in a new session; every other one has ended.
        after = browser.get(done.headers["location"])
        assert after.status_code == 200
        assert "Your password was changed." in after.text
        assert _form_token(after.text) != token
    assert elsewhere.get("/account", follow_redirects=False).status_code == 303
    assert _log_in(TestClient(admin.app), ADMIN_PASSWORD).status_code == 401
    assert _browser(admin, password=new).get("/account").status_code == 200
    actions = [entry["action"] for entry in admin_audit(admin, new)]
    assert "user.password" in actions


def admin_audit(admin: TestClient, password: str = ADMIN_PASSWORD) -> list[dict[str, object]]:
    fresh = TestClient(admin.app, base_url="http://127.0.0.1")
    log_in(fresh, password=password)
    items: list[dict[str, object]] = fresh.get("/api/v1/audit").json()["items"]
    return items


def test_a_token_is_shown_once_works_as_a_bearer_token_and_is_revoked(
    admin: TestClient, state: State
) -> None:
    tomorrow = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    with _browser(admin) as browser:
        form = browser.get("/account/tokens")
        token = _form_token(form.text)
        assert "No token yet." in form.text
        made = browser.post(
            "/account/tokens",
            data={"name": "ci", "role": "editor", "expires_on": tomorrow, "csrf_token": token},
        )
        assert made.status_code == 201
        assert made.headers["cache-control"] == "no-store"
        secret = re.search(r'value="(dsk_[^"]+)"', made.text)
        assert secret is not None
        assert "it is shown this once" in made.text
        # It works against the API, with its role.
        service = token_client(admin, secret.group(1))
        assert service.get("/api/v1/models").status_code == 200
        created = service.post("/api/v1/models", json={"name": "m", "task": "regression"})
        assert created.status_code == 201
        assert service.post("/api/v1/users", json={}).status_code == 403  # editor, not admin
        # Never shown again: the list has its first characters only.
        listed = browser.get("/account/tokens").text
        assert secret.group(1) not in listed
        assert secret.group(1)[:10] in listed
        row = listed[listed.index("<td>ci</td>") :].split("</tr>")[0]
        assert '<span class="badge active">active</span>' in row
        assert f'<time datetime="{tomorrow}T00:00:00+00:00">' in row
        # Bad fields are told next to them, with what was typed kept.
        for data, field, message in [
            ({"name": " "}, "name", "A token needs a name of 1 to 128 characters."),
            ({"name": "x", "expires_on": "soon"}, "expires_on", "must be a date (YYYY-MM-DD)"),
            ({"name": "x", "expires_on": "2020-01-01"}, "expires_on", "must be in the future"),
            ({"name": "x", "role": "owner"}, "token-role", "The role must be one of"),
        ]:
            refused = browser.post("/account/tokens", data={**data, "csrf_token": token})
            assert refused.status_code == 422, data
            assert message in _problem_of(refused.text, field)
            assert 'value="dsk_' not in refused.text
        kept = browser.post(
            "/account/tokens", data={"name": "kept", "expires_on": "soon", "csrf_token": token}
        )
        assert 'name="name" type="text" value="kept"' in kept.text
        assert 'value="soon"' in kept.text
        # Revoked after a confirmation; then refused.
        token_id = _token_id(admin, "ci")
        ask = browser.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": token})
        assert ask.status_code == 200
        assert f"Revoke token {token_id} (&#39;ci&#39;" in ask.text
        assert service.get("/api/v1/models").status_code == 200
        done = browser.post(
            f"/account/tokens/{token_id}/revoke",
            data={"csrf_token": token, "confirmed": "yes"},
            follow_redirects=False,
        )
        assert (done.status_code, done.headers["location"]) == (303, "/account/tokens")
        refused_now = service.get("/api/v1/models")
        assert refused_now.status_code == 401
        assert "unknown, revoked or expired" in refused_now.json()["detail"]
        assert '<span class="badge revoked">revoked</span>' in browser.get("/account/tokens").text
        again = browser.post(
            f"/account/tokens/{token_id}/revoke", data={"csrf_token": token, "confirmed": "yes"}
        )
        assert again.status_code == 409
        assert "was revoked already" in again.text


def _token_id(admin: TestClient, name: str) -> int:
    found = [t["id"] for t in admin.get("/api/v1/tokens").json() if t["name"] == name]
    assert len(found) == 1
    return int(found[0])


def test_an_expired_token_is_refused_and_shown_expired(admin: TestClient, state: State) -> None:
    soon = datetime.now(UTC) + timedelta(hours=1)
    made = admin.post(
        "/api/v1/tokens", json={"name": "short-lived", "expires_at": soon.isoformat()}
    )
    assert made.status_code == 201, made.text
    assert made.json()["expires_at"] is not None
    service = token_client(admin, made.json()["token"])
    assert service.get("/api/v1/models").status_code == 200
    past = admin.post("/api/v1/tokens", json={"name": "late", "expires_at": "2020-01-01T00:00:00"})
    assert past.status_code == 422
    assert past.json()["errors"][0]["field"] == "expires_at"
    # An hour passes.
    with db.transaction(state.writers) as session:
        session.execute(
            update(ApiToken)
            .where(ApiToken.name == "short-lived")
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    assert service.get("/api/v1/models").status_code == 401
    with _browser(admin) as browser:
        page = browser.get("/account/tokens").text
    row = page[page.index("<td>short-lived</td>") :].split("</tr>")[0]
    assert '<span class="badge expired">expired</span>' in row


def test_an_admin_adds_a_user_changes_its_role_and_deactivates_it(
    admin: TestClient, state: State
) -> None:
    with _browser(admin) as browser:
        page = browser.get("/admin/users")
        assert page.status_code == 200
        token = _form_token(page.text)
        for data, field, message in [
            ({"username": "-dora", "role": "viewer"}, "username", "A user name is 1 to 64"),
            ({"username": "dora", "role": "boss"}, "new-role", "The role must be one of"),
            ({"username": "admin", "role": "viewer"}, "", "exists already"),
        ]:
            refused = browser.post(
                "/admin/users", data={**data, "password": PASSWORD, "csrf_token": token}
            )
            assert refused.status_code in (409, 422), refused.text
            if field:
                assert message in _problem_of(refused.text, field)
            else:
                assert message in refused.text
        short = browser.post(
            "/admin/users",
            data={"username": "dora", "password": "x", "role": "viewer", "csrf_token": token},
        )
        assert "at least 12 characters" in _problem_of(short.text, "password")
        assert 'value="dora"' in short.text  # the name typed is kept
        made = browser.post(
            "/admin/users",
            data={"username": "dora", "password": PASSWORD, "role": "viewer", "csrf_token": token},
            follow_redirects=False,
        )
        assert (made.status_code, made.headers["location"]) == (303, "/admin/users")
        dora = _browser(admin, "dora", PASSWORD)
        assert dora.get("/api/v1/auth/me").json()["role"] == "viewer"
        dora_token = dora.post(
            "/account/tokens",
            data={"name": "dora-ci", "csrf_token": _form_token(dora.get("/account").text)},
        )
        secret = re.search(r'value="(dsk_[^"]+)"', dora_token.text)
        assert secret is not None
        service = token_client(admin, secret.group(1))
        listed = browser.get("/admin/users").text
        row = listed[listed.index("<td>dora</td>") :].split("</tr>")[0]
        assert "<td>viewer</td>" in row
        assert "never" not in row  # dora has logged in
        # A role changed, once confirmed: her session has it at once.
        ask = browser.post("/admin/users/dora/role", data={"role": "editor", "csrf_token": token})
        assert "Make dora an editor?" in ask.text
        assert dora.get("/api/v1/auth/me").json()["role"] == "viewer"
        browser.post(
            "/admin/users/dora/role",
            data={"role": "editor", "csrf_token": token, "confirmed": "yes"},
        )
        assert dora.get("/api/v1/auth/me").json()["role"] == "editor"
        # A token has at most its maker's role when made (viewer), whatever hers is now.
        assert (
            service.post("/api/v1/models", json={"name": "m", "task": "regression"}).status_code
            == 403
        )
        bad_role = browser.post(
            "/admin/users/dora/role", data={"role": "boss", "csrf_token": token, "confirmed": "yes"}
        )
        assert bad_role.status_code == 422
        assert "The role must be one of" in bad_role.text
        # Deactivated: her sessions end, her token is refused, she cannot log in.
        assert service.get("/api/v1/models").status_code == 200
        ask = browser.post("/admin/users/dora/deactivate", data={"csrf_token": token})
        assert "Deactivate dora?" in ask.text
        done = browser.post(
            "/admin/users/dora/deactivate",
            data={"csrf_token": token, "confirmed": "yes"},
            follow_redirects=False,
        )
        assert done.headers["location"] == "/admin/users"
        assert dora.get("/account", follow_redirects=False).status_code == 303
        assert service.get("/api/v1/models").status_code == 401
        assert _log_in(TestClient(admin.app), PASSWORD, username="dora").status_code == 401
        listed = browser.get("/admin/users").text
        row = listed[listed.index("<td>dora</td>") :].split("</tr>")[0]
        assert '<span class="badge inactive">inactive</span>' in row
        assert "Reactivate" in row
        tokens = browser.get("/admin/tokens").text
        row = tokens[tokens.index("<td>dora-ci</td>") :].split("</tr>")[0]
        assert "dora (inactive)" in row
        assert '<span class="badge disabled">disabled</span>' in row
        # Reactivated: she can log in again, her token works again; her old session stays over.
        browser.post("/admin/users/dora/activate", data={"csrf_token": token, "confirmed": "yes"})
        assert service.get("/api/v1/models").status_code == 200
        assert dora.get("/account", follow_redirects=False).status_code == 303
        assert _browser(admin, "dora", PASSWORD).get("/account").status_code == 200
        unknown = browser.post(
            "/admin/users/nobody/deactivate", data={"csrf_token": token, "confirmed": "yes"}
        )
        assert unknown.status_code == 404
        assert "No user named &#39;nobody&#39;." in unknown.text
    actions = [entry["action"] for entry in admin_audit(admin)]
    for action in ("user.create", "user.role", "user.deactivate", "user.activate"):
        assert action in actions


def test_no_admin_demotes_or_deactivates_themselves_or_the_last_admin(
    admin: TestClient, state: State
) -> None:
    with _browser(admin) as browser:
        page = browser.get("/admin/users").text
        assert "another admin can change you" in page
        assert 'action="/admin/users/admin/deactivate"' not in page
        token = _form_token(page)
        refused = browser.post(
            "/admin/users/admin/role",
            data={"role": "viewer", "csrf_token": token, "confirmed": "yes"},
        )
        assert refused.status_code == 403
        assert "An admin may not demote themselves" in refused.text
        refused = browser.post(
            "/admin/users/admin/deactivate", data={"csrf_token": token, "confirmed": "yes"}
        )
        assert "An admin may not deactivate themselves" in refused.text
    assert admin.patch("/api/v1/users/admin", json={"active": False}).status_code == 403
    assert admin.patch("/api/v1/users/admin", json={"role": "admin"}).status_code == 200
    # Two admins each acting on the other at once (each request authenticated before the
    # other's change): the second finds the first's and is refused, so one admin remains.
    _add_user(admin, "second", "admin")
    with state.sessions() as session:
        ids = {name: id_ for name, id_ in session.execute(select(User.username, User.id))}
    first = Principal(ids["admin"], "admin", Role.ADMIN)
    second = Principal(ids["second"], "second", Role.ADMIN)
    with db.transaction(state.writers) as session:
        users.update_user(session, second, "admin", active=False)
    with (
        pytest.raises(Conflict, match="'second' is the last active admin"),
        db.transaction(state.writers) as session,
    ):
        users.update_user(session, first, "second", role=Role.VIEWER)
    with state.sessions() as session:
        active_admins = session.scalars(
            select(User.username).where(User.role == Role.ADMIN, User.active)
        ).all()
    assert active_admins == ["second"]


ADMIN_GETS = ["/admin/users", "/admin/tokens", "/admin/settings", "/admin/audit"]
ADMIN_POSTS = [
    ("/admin/users", {"username": "mallory", "password": PASSWORD, "role": "admin"}),
    ("/admin/users/admin/role", {"role": "viewer", "confirmed": "yes"}),
    ("/admin/users/admin/deactivate", {"confirmed": "yes"}),
    ("/admin/users/admin/activate", {"confirmed": "yes"}),
    ("/admin/tokens/1/revoke", {"confirmed": "yes"}),
]


@pytest.mark.parametrize("role", ["viewer", "editor"])
def test_non_admins_are_refused_on_every_admin_page_and_form(admin: TestClient, role: str) -> None:
    admin.post("/api/v1/tokens", json={"name": "the admin's", "role": "admin"})
    _add_user(admin, "someone", role)
    with _browser(admin, "someone", PASSWORD) as browser:
        page = browser.get("/account")
        token = _form_token(page.text)
        assert 'href="/admin/users"' not in page.text  # no admin links in the navigation
        for path in ADMIN_GETS:
            refused = browser.get(path)
            assert refused.status_code == 403, path
            assert f"This needs the admin role; you are {role}." in refused.text
        for path, data in ADMIN_POSTS:
            refused = browser.post(path, data={**data, "csrf_token": token})
            assert refused.status_code == 403, path
            assert "This needs the admin role" in refused.text
        # One's own tokens are one's own: another's cannot be revoked from one's page.
        other = browser.post(
            "/account/tokens/1/revoke", data={"csrf_token": token, "confirmed": "yes"}
        )
        assert other.status_code == 404
    assert [u["username"] for u in admin.get("/api/v1/users").json()] == ["admin", "someone"]
    assert admin.get("/api/v1/auth/me").json()["role"] == "admin"
    assert admin.get("/api/v1/tokens").json()[0]["revoked_at"] is None
    # The API refuses them alike.
    as_user = TestClient(admin.app, base_url="http://127.0.0.1")
    log_in(as_user, "someone", PASSWORD)
    assert as_user.patch("/api/v1/users/admin", json={"active": False}).status_code == 403


def test_without_a_session_the_pages_send_to_the_login(client: TestClient) -> None:
    for path in ["/account", "/account/tokens", *ADMIN_GETS]:
        answer = client.get(path, follow_redirects=False)
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith("/login?next=")


def test_every_form_without_its_csrf_token_is_refused(admin: TestClient) -> None:
    with _browser(admin) as browser:
        posts = [
            *ADMIN_POSTS,
            ("/account/password", {"current_password": ADMIN_PASSWORD}),
            ("/account/tokens", {"name": "x"}),
            ("/account/tokens/1/revoke", {"confirmed": "yes"}),
        ]
        for path, data in posts:
            refused = browser.post(path, data=data)
            assert refused.status_code == 403, path
            assert "The form has expired; reload the page." in refused.text
            forged = browser.post(path, data={**data, "csrf_token": "forged"})
            assert forged.status_code == 403, path
    assert [u["username"] for u in admin.get("/api/v1/users").json()] == ["admin"]
    assert admin.get("/api/v1/tokens").json() == []


def test_the_settings_page_shows_each_setting_its_source_and_meaning_with_secrets_hidden(
    admin: TestClient, state: State
) -> None:
    with _browser(admin) as browser:
        page = browser.get("/admin/settings")
    assert page.status_code == 200
    assert ADMIN_PASSWORD not in page.text
    row = page.text[page.text.index("<code>admin_password</code>") :].split("</tr>")[0]
    assert "<code>set (hidden)</code>" in row
    assert "option of driftscope serve" in row  # the tests give it as the app's caller does
    row = page.text[page.text.index("<code>secure_cookies</code>") :].split("</tr>")[0]
    assert "<td>default</td>" in row
    assert "Send the session cookie over HTTPS only" in row
    assert "<code>DRIFTSCOPE_…</code> environment variable" in page.text


def test_setting_rows_hide_the_database_password_and_name_the_environment_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DRIFTSCOPE_SESSION_SECONDS", "3600")
    monkeypatch.setenv("DRIFTSCOPE_LOGIN_ATTEMPTS", "9")
    settings = load_settings(
        database_url="postgresql+psycopg://monitor:s3cret-pw@db.internal/driftscope",
        login_attempts=4,
    )
    rows = {row.name: row for row in admin_pages.setting_rows(settings)}
    assert set(rows) == set(type(settings).model_fields)
    assert all(row.meaning for row in rows.values()), "every setting says what it means"
    database = rows["database_url"]
    assert "s3cret-pw" not in database.value
    assert database.value == "postgresql+psycopg://monitor:***@db.internal/driftscope"
    assert rows["session_seconds"].value == "3600"
    assert rows["session_seconds"].source == "environment variable DRIFTSCOPE_SESSION_SECONDS"
    # An option wins over the variable, and says so.
    assert rows["login_attempts"].value == "4"
    assert rows["login_attempts"].source == "option of driftscope serve"
    assert rows["port"].source == "default"
    assert rows["admin_password"].value == "not set"


def test_the_audit_log_page_is_newest_first_a_page_at_a_time(
    admin: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(admin_pages, "AUDIT_PER_PAGE", 2)
    for name in ("one", "two", "three"):
        admin.post("/api/v1/tokens", json={"name": name})
    with _browser(admin) as browser:
        first = browser.get("/admin/audit").text
        second = browser.get("/admin/audit", params={"offset": 2}).text
    # The browser's own login is the newest entry; then the tokens, newest first.
    assert first.index("<td>login</td>") < first.index("name: three")
    assert "name: two" not in first
    assert "Entries 1-2 of" in first
    assert '<a href="?offset=2">Older</a>' in first
    assert second.index("name: two") < second.index("name: one")
    assert '<a href="?offset=0">Newer</a>' in second


def test_the_users_api_changes_a_role_and_deactivates_with_the_same_guard_rails(
    admin: TestClient, state: State
) -> None:
    _add_user(admin, "erin", "viewer")
    changed = admin.patch("/api/v1/users/erin", json={"role": "editor"})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["role"], changed.json()["active"]) == ("editor", True)
    off = admin.patch("/api/v1/users/erin", json={"active": False})
    assert off.json()["active"] is False
    assert admin.patch("/api/v1/users/erin", json={"role": "boss"}).status_code == 422
    assert admin.patch("/api/v1/users/nobody", json={"active": True}).status_code == 404
    assert admin.patch("/api/v1/users/erin", json={"colour": "red"}).status_code == 422
    demote = admin.patch("/api/v1/users/admin", json={"role": "editor"})
    assert demote.status_code == 403
    assert demote.json()["errors"][0]["field"] == "role"
    listed = {u["username"]: u for u in admin.get("/api/v1/users").json()}
    assert listed["admin"]["last_login_at"] is not None
    assert listed["erin"]["last_login_at"] is None
    audited = [(e["action"], e["target"]) for e in admin.get("/api/v1/audit").json()["items"]]
    assert ("user.role", "user:erin") in audited
    assert ("user.deactivate", "user:erin") in audited


def test_revision_0007_takes_each_users_last_login_from_the_audit_log(
    admin: TestClient, state: State
) -> None:
    _add_user(admin, "fay", "viewer")
    log_in(TestClient(admin.app, base_url="http://127.0.0.1"), "fay", PASSWORD)
    before = {u["username"]: u["last_login_at"] for u in admin.get("/api/v1/users").json()}
    admin.post("/api/v1/tokens", json={"name": "t", "expires_at": "2999-01-01T00:00:00Z"})
    db.downgrade(state.engine, "0006")
    db.upgrade(state.engine)
    after = {u["username"]: u["last_login_at"] for u in admin.get("/api/v1/users").json()}
    assert after == before
    assert after["fay"] is not None
    # The expiry is a new column: a token made before the revision does not expire.
    assert admin.get("/api/v1/tokens").json()[0]["expires_at"] is None
