"""Bad input on the app's pages: every refusal is a page (HTML, its status kept) that names the
parameter, field or file at fault and what was expected, never JSON or a traceback, and nothing
stored is lost or half-written. The REST API answers the same mistakes as JSON problems."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from tests.server.conftest import add_model, as_parquet, breast_cancer_split
from tests.server.test_pages import _form_token, _log_in, _two_analysed_runs
from tests.server.test_pages_runs import browser as _browser  # noqa: F401 (fixture "browser")

from driftscope.server.app import create_app
from driftscope.server.routes.pages import models as model_pages
from driftscope.server.settings import ServerSettings
from driftscope.server.state import State


def _said(answer: object) -> str:
    """What a page says in its main part, as a reader reads it (tags dropped, unescaped)."""
    text = getattr(answer, "text", "")
    main = re.search(r"<main id=\"main\">(.*)</main>", text, re.DOTALL)
    assert main is not None, text[:500]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", main.group(1))).split())


def _refused(answer: object, status: int, *words: str) -> str:
    """Assert ``answer`` is an HTML page with ``status`` whose text has each of ``words``; the
    text."""
    assert getattr(answer, "status_code", None) == status, getattr(answer, "text", "")[:800]
    headers = getattr(answer, "headers", {})
    assert headers["content-type"].startswith("text/html"), headers["content-type"]
    assert "default-src 'none'" in headers["content-security-policy"]
    said = _said(answer)
    for word in words:
        assert word in said, (word, said)
    assert "Traceback" not in said
    return said


# 1. A malformed page request is a page, with its status; the API keeps its JSON.

MALFORMED = [
    ("get", "/models/cancer/runs/abc", 422, ["'run_id'", "valid integer", "'abc'"]),
    ("get", "/models?verdict=bad", 422, ["'verdict'", "'ok'", "'retrain'", "'bad'"]),
    ("get", "/models/cancer?offset=-1", 422, ["'offset'", "greater than or equal to 0", "'-1'"]),
    ("get", "/models?task=nope", 422, ["'task'", "'nope'"]),
    ("get", f"/models/cancer/runs/{2**63}", 422, ["'run_id'", "less than or equal to"]),
    ("get", "/admin/audit?offset=NaN", 422, ["'offset'", "valid integer", "'NaN'"]),
    ("post", "/account/tokens/abc/revoke", 422, ["'token_id'", "valid integer", "'abc'"]),
    ("post", "/admin/tokens/-5/revoke", 422, ["'token_id'", "greater than or equal to 1"]),
    ("post", "/models/cancer/promote", 422, ["form field 'version'", "missing"]),
    ("post", "/admin/users/someone/promote", 422, ["'activation'", "'deactivate'", "'activate'"]),
    ("get", "/nowhere", 404, ["There is no page at /nowhere."]),
    ("get", "/models/cancer/runs/1/nothing", 404, ["There is no page at"]),
    ("get", "/models/cancer/promote", 405, ["/models/cancer/promote is where a form is sent"]),
    ("delete", "/models", 405, ["/models does not take a DELETE request."]),
]


@pytest.mark.parametrize(("method", "path", "status", "words"), MALFORMED)
def test_a_malformed_page_request_is_a_page_naming_the_parameter(
    browser: TestClient, method: str, path: str, status: int, words: list[str]
) -> None:
    token = _form_token(browser.get("/models/cancer").text)
    data = {"csrf_token": token} if method == "post" else None
    answer = browser.request(method, path, data=data, follow_redirects=False)
    _refused(answer, status, *words)


def test_a_posted_form_with_a_wrong_field_links_back_to_its_page(browser: TestClient) -> None:
    token = _form_token(browser.get("/models/cancer").text)
    wrong = browser.post("/models/cancer/promote", data={"csrf_token": token, "version": "v2"})
    _refused(wrong, 422, "form field 'version'", "valid integer", "'v2'")
    assert '<a href="/models/cancer">Back to the page</a>' in wrong.text
    # A form path opened as a page links to the page the form is on.
    opened = browser.get("/models/cancer/runs/7/retry")
    _refused(opened, 405, "is where a form is sent")
    assert opened.headers["allow"] == "POST"
    assert '<a href="/models/cancer/runs/7">Back to the page</a>' in opened.text


def test_the_rest_api_answers_the_same_mistakes_as_json(admin: TestClient) -> None:
    add_model(admin)
    for path, status in [
        ("/api/v1/models/cancer/runs/abc", 422),
        ("/api/v1/models/cancer/runs?offset=-1", 422),
        ("/api/v1/nowhere", 404),
        ("/api/v1/models/nope", 404),
    ]:
        answer = admin.get(path)
        assert answer.status_code == status, path
        assert answer.headers["content-type"] == "application/problem+json", path
        assert answer.json()["status"] == status
    assert admin.delete("/api/v1/models").status_code == 405
    assert admin.delete("/api/v1/models").headers["content-type"] == "application/problem+json"
    # The JSON a page fetches stays JSON, and a static file stays a file.
    assert admin.get("/models/cancer/dashboard.json?since=bad").json()["status"] == 422
    assert admin.get("/static/nothing.css").headers["content-type"] == "application/problem+json"


LIMIT = 4096


@pytest.fixture
def small(settings: ServerSettings, state: State, admin: TestClient) -> Iterator[TestClient]:
    """A browser session of the admin on a service whose largest request body is `LIMIT`."""
    add_model(admin)
    limited = settings.model_copy(update={"max_upload_bytes": LIMIT})
    with TestClient(create_app(limited, state), base_url="http://127.0.0.1") as client:
        assert _log_in(client).status_code == 303
        yield client


def test_an_upload_past_the_limit_is_a_page_naming_the_form_files_and_limit(
    small: TestClient, admin: TestClient
) -> None:
    token = _form_token(small.get("/models/cancer").text)
    big = {"data": ("run.parquet", as_parquet(breast_cancer_split()[1]))}
    answer = small.post(
        "/models/cancer/runs",
        data={"csrf_token": token},
        files=big,
        headers={"Referer": "http://127.0.0.1/models/cancer?range=all"},
    )
    said = _refused(answer, 413, "'data', 'labels'", "/models/cancer/runs", f"{LIMIT:,} bytes")
    assert "DRIFTSCOPE_MAX_UPLOAD_BYTES" in said
    assert '<a href="/models/cancer?range=all">Back to the page</a>' in answer.text
    assert admin.get("/api/v1/models/cancer/runs").json()["total"] == 0
    # Sent in chunks (no length told), the same page.
    body = b"x" * (3 * LIMIT)
    chunked = small.post(
        "/models/new",
        content=iter([body[:LIMIT], body[LIMIT:]]),
        headers={"Content-Type": "multipart/form-data; boundary=b"},
    )
    _refused(chunked, 413, "'baseline', 'preprocessor', 'model_file'", f"{LIMIT:,} bytes")
    # The API's own upload keeps its problem.
    api = small.post("/api/v1/models/cancer/runs", files=big)
    assert api.status_code == 413
    assert api.headers["content-type"] == "application/problem+json"


# 2. A form posted after the session ended comes back to its page after the login.


def test_a_form_posted_after_the_session_ended_returns_to_its_page(browser: TestClient) -> None:
    token = _form_token(browser.get("/models/cancer").text)
    browser.cookies.clear()
    browser.cookies.set("driftscope_session", "ended")  # a session that has ended
    here = "http://127.0.0.1/models/cancer?range=30d&order=name"
    posted = browser.post(
        "/models/cancer/promote",
        data={"csrf_token": token, "version": "1"},
        headers={"Referer": here},
        follow_redirects=False,
    )
    assert posted.status_code == 303
    assert posted.headers["location"] == "/login?next=/models/cancer%3Frange%3D30d%26order%3Dname"
    # Without a Referer (or with another site's, or a form's path), the page above the path.
    for referer in (None, "http://evil.example/models/cancer", "http://127.0.0.1/models/x/promote"):
        headers = {"Referer": referer} if referer else {}
        answer = browser.post(
            "/models/cancer/runs/3/retry",
            data={"csrf_token": token},
            headers=headers,
            follow_redirects=False,
        )
        assert answer.headers["location"] == "/login?next=/models/cancer/runs/3", referer
    for path, back in [
        ("/account/password", "/account"),
        ("/account/tokens/5/revoke", "/account/tokens"),
        ("/admin/users/someone/role", "/admin/users"),
        ("/models/new/confirm", "/models/new"),
        ("/models/cancer/versions/new/cancel", "/models/cancer/versions/new"),
    ]:
        answer = browser.post(path, data={"csrf_token": token}, follow_redirects=False)
        assert answer.headers["location"] == f"/login?next={back}", path
    browser.cookies.clear()
    logged = _log_in(browser, next_page="/models/cancer?range=30d&order=name")
    assert logged.headers["location"] == "/models/cancer?range=30d&order=name"
    assert browser.get(logged.headers["location"]).status_code == 200


# 3. Paging the model page's runs keeps its time range.


def test_paging_the_runs_keeps_the_dashboards_time_range(
    admin: TestClient, state: State, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_model(admin)
    _two_analysed_runs(admin, state)
    monkeypatch.setattr(model_pages, "RUNS_PER_PAGE", 1)
    with TestClient(admin.app, base_url="http://127.0.0.1") as browser:
        assert _log_in(browser).status_code == 303
        query = {"range": "custom", "since": "2026-11-01", "until": "2026-11-02", "order": "name"}
        first = browser.get("/models/cancer", params=query)
        kept = "range=custom&amp;since=2026-11-01&amp;until=2026-11-02&amp;order=name"
        assert f'<a href="/models/cancer?{kept}&amp;offset=1">Older</a>' in first.text
        older = browser.get("/models/cancer", params={**query, "offset": 1})
        assert f'<a href="/models/cancer?{kept}&amp;offset=0">Newer</a>' in older.text
        assert '<input type="date" id="since" name="since" value="2026-11-01"' in older.text
        # The runs table fetched on its own keeps it too; asked as a page, it is the model page.
        table = browser.get("/models/cancer/runs", params={**query, "offset": 1})
        assert table.url.path == "/models/cancer"
        assert dict(table.url.params) == {**query, "offset": "1"}
