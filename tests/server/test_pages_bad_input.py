"""Bad input on the app's pages: every refusal is a page (HTML, its status kept) that names the
parameter, field or file at fault and what was expected, never JSON or a traceback, and nothing
stored is lost or half-written. The REST API answers the same mistakes as JSON problems."""

from __future__ import annotations

import dataclasses
import html
import io
import re
import zipfile
from collections.abc import Iterator
from urllib.parse import quote

import anyio
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from tests.server.conftest import add_model, as_parquet, breast_cancer_split
from tests.server.test_pages import _form_token, _log_in, _two_analysed_runs
from tests.server.test_pages_add import _confirm, _shown_schema
from tests.server.test_pages_add import _problem as _add_problem
from tests.server.test_pages_admin import _browser

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


@pytest.fixture
def browser(admin: TestClient) -> TestClient:
    """The admin in a browser session of its own (the model "cancer" made)."""
    add_model(admin)
    return _browser(admin)


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


# 4. Hostile input on every page.


def _field_problem(page: str, field: str) -> str:
    """The problem the upload or token form shows beside ``field`` (unescaped)."""
    where = rf'id="(?:upload-)?{field}-(?:error|problem)"'
    found = re.search(rf"{where}[^>]*>(.*?)</", page, re.DOTALL)
    assert found is not None, f"no problem shown at {field!r}: {_said_or_text(page)}"
    return html.unescape(found.group(1))


def _said_or_text(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())[-1500:]


def test_nul_bytes_anywhere_are_refused_naming_the_field(
    browser: TestClient, admin: TestClient
) -> None:
    """PostgreSQL can neither store nor compare a NUL: refused before the store is asked."""
    token = _form_token(browser.get("/models/cancer").text)
    gets = [
        ("/models?search=a%00b", "The address's parameter 'search'"),
        ("/models/a%00b", "The address's part 'name'"),
        ("/models/cancer?range=custom&since=2026%00", "The address's parameter 'since'"),
    ]
    for path, named in gets:
        _refused(browser.get(path), 422, named, "must not contain a NUL character")
    posts = [
        ("/account/tokens", {"name": "a\x00b"}, "The form field 'name'"),
        ("/admin/users/a%00b/role", {"role": "viewer"}, "The address's part 'username'"),
        ("/models/new", {"name": "a\x00b", "task": "regression"}, "The form field 'name'"),
        ("/models/cancer/runs", {"date": "2026-01-01\x00"}, "The form field 'date'"),
    ]
    for path, data, named in posts:
        answer = browser.post(path, data={"csrf_token": token, **data})
        _refused(answer, 422, named, "must not contain a NUL character")
    # A browser's multipart form as sent, its file's name with a NUL in it.
    named_file = browser.post(
        "/models/cancer/runs",
        content=(
            f'--b\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
            '--b\r\nContent-Disposition: form-data; name="data"; filename="run\x00.csv"\r\n\r\n'
            "a\n1\n\r\n--b--\r\n"
        ).encode(),
        headers={"Content-Type": "multipart/form-data; boundary=b"},
    )
    _refused(named_file, 422, "The form field 'data'", "NUL character")
    # A password is never repeated back, not even a wrong one.
    with TestClient(browser.app, base_url="http://127.0.0.1") as anonymous:
        login = _form_token(anonymous.get("/login").text)
        wrong = anonymous.post(
            "/login",
            data={"username": "ad\x00min", "password": "secret\x00value", "csrf_token": login},
        )
    said = _refused(wrong, 422, "'username'", "'password'", "a value not repeated here")
    assert "secret" not in wrong.text
    assert "secret" not in said
    assert admin.get("/api/v1/tokens").json() == []
    assert [m["name"] for m in admin.get("/api/v1/models").json()["items"]] == ["cancer"]


def test_control_characters_in_a_name_are_told_beside_the_field(browser: TestClient) -> None:
    token = _form_token(browser.get("/account/tokens").text)
    bell = browser.post("/account/tokens", data={"csrf_token": token, "name": "ci\x1b[31m"})
    assert bell.status_code == 422
    assert "may not contain control characters" in _field_problem(bell.text, "name")
    assert 'value="ci\x1b[31m"' in bell.text  # the user's input kept
    added = browser.post(
        "/models/new", data={"csrf_token": token, "name": "line\nbreak", "task": "regression"}
    )
    assert added.status_code == 422
    assert "may not contain control characters" in html.unescape(added.text)


def test_a_model_named_with_html_or_unicode_is_shown_as_text(
    admin: TestClient, browser: TestClient
) -> None:
    for name in ("<img src=x onerror=alert(1)>", "модель ✓ 日本"):
        made = admin.post("/api/v1/models", json={"name": name, "task": "regression"})
        assert made.status_code == 201, made.text
    listed = browser.get("/models")
    assert "<img src=x" not in listed.text
    assert "&lt;img src=x onerror=alert(1)&gt;" in listed.text
    assert 'href="/models/%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E"' in listed.text
    for name in ("<img src=x onerror=alert(1)>", "модель ✓ 日本"):
        shown = browser.get(f"/models/{quote(name, safe='')}")
        assert shown.status_code == 200
        assert html.escape(name, quote=False) in shown.text
        assert "<img src=x" not in shown.text


@pytest.mark.parametrize("run_id", [2**31, 2**62, 2**63, 2**64])
def test_ids_past_the_stores_integers_are_refused_as_invalid(
    browser: TestClient, run_id: int
) -> None:
    _refused(browser.get(f"/models/cancer/runs/{run_id}"), 422, "'run_id'", "less than or equal")


def test_the_largest_id_is_simply_not_found(browser: TestClient) -> None:
    largest = 2**31 - 1
    token = _form_token(browser.get("/models/cancer").text)
    _refused(browser.get(f"/models/cancer/runs/{largest}"), 404, f"has no run {largest}")
    _refused(browser.get(f"/models/cancer/runs/{largest}/report.html"), 404, f"no run {largest}")
    posted = [
        (f"/models/cancer/runs/{largest}/retry", {}, f"has no run {largest}"),
        (f"/account/tokens/{largest}/revoke", {"confirmed": "yes"}, f"No token {largest}"),
        ("/models/cancer/promote", {"version": str(largest)}, f"no version {largest}"),
    ]
    for path, data, said in posted:
        _refused(browser.post(path, data={"csrf_token": token, **data}), 404, said)


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("version", "²", "'version' must be a version's number"),
        ("version", "-1", "'version' must be a version's number"),
        ("version", "NaN", "'version' must be a version's number"),
        ("version", "1e3", "'version' must be a version's number"),
        ("version", str(2**31), "'version' must be a version's number"),
        ("date", "0000-01-01T00:00", "'date' must be a date and time"),
        ("date", "99999-01-01T00:00", "'date' must be a date and time"),
        ("date", "inf", "'date' must be a date and time"),
    ],
)
def test_wrong_numbers_and_dates_in_the_upload_form_are_told_beside_the_field(
    browser: TestClient, admin: TestClient, field: str, value: str, expected: str
) -> None:
    token = _form_token(browser.get("/models/cancer").text)
    answer = browser.post(
        "/models/cancer/runs",
        data={"csrf_token": token, field: value},
        files={"data": ("run.parquet", as_parquet(breast_cancer_split()[1]))},
    )
    assert answer.status_code == 422, answer.text[-800:]
    assert expected in _field_problem(answer.text, field)
    if field == "date":  # kept (a version is chosen from a list)
        assert f'value="{html.escape(value)}"' in answer.text
    assert admin.get("/api/v1/models/cancer/runs").json()["total"] == 0


def test_dates_at_the_ends_of_the_calendar_on_the_dashboard(browser: TestClient) -> None:
    last = browser.get("/models/cancer?range=custom&since=0001-01-01&until=9999-12-31")
    assert last.status_code == 200
    assert "No analysed run in this range." in last.text
    data = browser.get("/models/cancer/dashboard.json?until=9999-12-31T23:59:59-05:00")
    assert data.status_code == 422
    assert "'until' is out of the range of dates" in data.json()["detail"]
    year_zero = browser.get("/models/cancer?range=custom&since=0000-01-01")
    assert year_zero.status_code == 422
    assert "Since: expected a date as YYYY-MM-DD; got &#39;0000-01-01&#39;." in year_zero.text


def test_empty_files_and_files_that_are_not_what_their_name_says(
    browser: TestClient, admin: TestClient
) -> None:
    token = _form_token(browser.get("/models/cancer").text)
    for filename, content, said in [
        ("run.parquet", b"", "is empty"),
        ("run.parquet", b"a,b\n1,2\n", "not Parquet"),
        ("run.csv", b"\x89PNG\r\n\x1a\n\x00\x00", "could not be read"),
    ]:
        answer = browser.post(
            "/models/cancer/runs", data={"csrf_token": token}, files={"data": (filename, content)}
        )
        assert answer.status_code == 422, filename
        problem = _field_problem(answer.text, "data")
        assert said in problem, problem
        assert filename in problem or "'data'" in problem
    assert admin.get("/api/v1/models/cancer/runs").json()["total"] == 0


def test_huge_form_fields_are_refused_naming_the_field(browser: TestClient) -> None:
    token = _form_token(browser.get("/models/cancer").text)
    huge = "x" * 30_000
    for path, field in [
        ("/account/tokens", "name"),
        ("/admin/users", "username"),
        ("/models/new", "description"),
        ("/models/new", "target"),
        ("/models/cancer/runs", "date"),
        ("/account/password", "new_password"),
    ]:
        answer = browser.post(path, data={"csrf_token": token, field: huge})
        said = _refused(answer, 422, f"The form field '{field}'", "at most")
        assert "x" * 61 not in said  # the input is shown cut
    _refused(browser.get("/login?next=/" + "a" * 3000), 422, "'next'", "at most 2048")
    _refused(browser.get("/models?search=" + "a" * 3000), 422, "'search'", "at most 128")


def test_a_body_that_is_no_form_is_a_page(browser: TestClient) -> None:
    for content_type in ("multipart/form-data; boundary=b", "multipart/form-data"):
        answer = browser.post(
            "/account/tokens", content=b"garbage", headers={"Content-Type": content_type}
        )
        _refused(answer, 400, "The form could not be read")
    many = browser.post("/models/new", data={"benchmark_name": ["m"] * 1001})
    _refused(many, 400, "The form could not be read: too many fields")


def test_a_stale_csrf_token_from_an_earlier_session_is_refused(
    browser: TestClient, admin: TestClient
) -> None:
    old = _form_token(browser.get("/models/cancer").text)
    out = browser.post("/logout", data={"csrf_token": old}, follow_redirects=False)
    assert out.status_code == 303
    assert _log_in(browser).status_code == 303
    stale = browser.post("/models/cancer/promote", data={"csrf_token": old, "version": "1"})
    _refused(stale, 403, "The form has expired; reload the page.")
    made = browser.post("/account/tokens", data={"csrf_token": old, "name": "t"})
    _refused(made, 403, "The form has expired")
    assert admin.get("/api/v1/tokens").json() == []
    assert "production" not in admin.get("/api/v1/models/cancer").json()["aliases"]


def test_a_form_sent_twice_changes_once(browser: TestClient, admin: TestClient) -> None:
    for _ in range(2):
        made = admin.post(
            "/api/v1/models/cancer/versions",
            files={"baseline": ("b.parquet", as_parquet(breast_cancer_split()[0]))},
            data={"target": "target", "prediction": "prediction"},
        )
        assert made.status_code == 201
    token = _form_token(browser.get("/models/cancer").text)
    for version in ("1", "2", "3"):
        promoted = browser.post(
            "/models/cancer/promote",
            data={"csrf_token": token, "version": version, "confirmed": "yes"},
            follow_redirects=False,
        )
        assert promoted.status_code == 303
    again = browser.post(
        "/models/cancer/promote",
        data={"csrf_token": token, "version": "3", "confirmed": "yes"},
        follow_redirects=False,
    )
    assert again.status_code == 303
    assert admin.get("/api/v1/models/cancer").json()["aliases"]["production"] == 3
    # Rolling back: the confirmation names the version it rolls back from, so sending it twice
    # rolls back once.
    asked = browser.post("/models/cancer/rollback", data={"csrf_token": token})
    assert "It now points at v3." in asked.text
    assert 'name="from_version" value="3"' in asked.text
    confirm = {"csrf_token": token, "from_version": "3", "confirmed": "yes"}
    first = browser.post("/models/cancer/rollback", data=confirm, follow_redirects=False)
    assert first.status_code == 303
    second = browser.post("/models/cancer/rollback", data=confirm, follow_redirects=False)
    _refused(second, 409, "points at v2 now, not v3", "Nothing was changed.")
    assert admin.get("/api/v1/models/cancer").json()["aliases"]["production"] == 2
    # A model's form saved twice: the second is told it was saved, and one model is stored.
    page = browser.post(
        "/models/new",
        data={"csrf_token": token, "name": "twice", "task": "regression", "target": "target"},
        files={"baseline": ("b.parquet", as_parquet(breast_cancer_split()[0]))},
    )
    assert page.status_code == 200, page.text[-500:]
    schema = _shown_schema(page.text)
    saved = _confirm(browser, "/models/new", page.text, schema)
    assert saved.status_code == 303, _said_or_text(saved.text)
    twice = _confirm(browser, "/models/new", page.text, schema)
    assert twice.status_code == 410
    assert "this form was saved or cancelled already" in html.unescape(twice.text)
    names = [m["name"] for m in admin.get("/api/v1/models").json()["items"]]
    assert names.count("twice") == 1


def test_a_zip_bomb_in_an_image_models_form_is_refused_at_its_field(
    settings: ServerSettings, state: State, admin: TestClient
) -> None:
    """The form's files are unpacked under the service's limits, counted as they unpack; what
    was unpacked before the refusal is removed."""
    bounded = settings.model_copy(update={"max_zip_bytes": 4096})
    small_state = dataclasses.replace(state, settings=bounded)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("table.csv", b"inputs\n" + b"0" * 5_000_000)
    bomb = buffer.getvalue()
    assert len(bomb) < 10_000
    with TestClient(create_app(bounded, small_state), base_url="http://127.0.0.1") as client:
        assert _log_in(client).status_code == 303
        token = _form_token(client.get("/models/new").text)
        answer = client.post(
            "/models/new",
            data={"csrf_token": token, "name": "digits", "task": "image_classification"},
            files={"baseline": ("images.zip", bomb)},
        )
    assert answer.status_code in (413, 422)
    problem = html.unescape(answer.text)
    assert "'baseline' unpacks to more than 4,096 bytes (DRIFTSCOPE_MAX_ZIP_BYTES)" in problem
    unpacked = [path for path in (settings.data_dir / "tmp").rglob("*") if "unpacked" in path.parts]
    assert [path for path in unpacked if path.is_file()] == []
    assert admin.get("/api/v1/models").json()["items"] == []


def test_a_client_that_disconnects_during_an_upload_leaves_nothing(
    browser: TestClient, admin: TestClient, state: State
) -> None:
    """The browser goes away halfway through its files: nothing is stored or staged."""
    token = _form_token(browser.get("/models/cancer").text)
    before = sorted(p for p in state.settings.data_dir.rglob("*") if p.is_file())
    head = (
        f'--b\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
        '--b\r\nContent-Disposition: form-data; name="baseline"; filename="b.csv"\r\n\r\n'
    ).encode()
    cookie = f"driftscope_session={browser.cookies['driftscope_session']}".encode()

    async def upload(path: str) -> list[int]:
        parts = [head + b"a,b\n1,2\n" * 200_000]  # past the size kept in memory: a spooled file
        answered: list[int] = []

        async def receive() -> dict[str, object]:
            if parts:
                return {"type": "http.request", "body": parts.pop(), "more_body": True}
            return {"type": "http.disconnect"}

        async def send(message: dict[str, object]) -> None:
            if message["type"] == "http.response.start":
                answered.append(int(str(message["status"])))

        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
            "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
            "root_path": "", "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80),
            "headers": [
                (b"host", b"127.0.0.1"),
                (b"content-type", b"multipart/form-data; boundary=b"),
                (b"cookie", cookie),
            ],
        }  # fmt: skip
        await browser.app(scope, receive, send)
        return answered

    for path in ("/models/new", "/models/cancer/runs", "/models/cancer/versions/new"):
        assert anyio.run(upload, path) == [400], path
    after = sorted(p for p in state.settings.data_dir.rglob("*") if p.is_file())
    assert [p for p in after if p not in before and not p.name.startswith("driftscope.db")] == []
    assert admin.get("/api/v1/models/cancer/runs").json()["total"] == 0
    assert admin.get("/api/v1/models/cancer").json()["n_versions"] == 1


def test_bytes_that_are_not_utf8_in_a_name_do_not_fail(
    browser: TestClient, admin: TestClient
) -> None:
    token = _form_token(browser.get("/account/tokens").text)
    raw = browser.post(
        "/account/tokens",
        content=(
            b'--b\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
            + token.encode()
            + b'\r\n--b\r\nContent-Disposition: form-data; name="name"\r\n\r\n'
            + b"ci-\xff\xfe\r\n--b--\r\n"
        ),
        headers={"Content-Type": "multipart/form-data; boundary=b"},
    )
    assert raw.status_code == 201, raw.text[-500:]
    encoded = browser.post(
        "/account/tokens",
        content=f"csrf_token={token}&name=ci-%FF%FE".encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert encoded.status_code == 201
    names = {t["name"] for t in admin.get("/api/v1/tokens").json()}
    assert names == {"ci-\ufffd\ufffd", "ci-ÿþ"}  # as read: replaced, or read as Latin-1


def test_benchmarks_that_are_not_finite_numbers_are_told_beside_the_field(
    browser: TestClient, admin: TestClient
) -> None:
    token = _form_token(browser.get("/models/new").text)
    answer = browser.post(
        "/models/new",
        data={
            "csrf_token": token,
            "name": "bench",
            "task": "regression",
            "target": "target",
            "benchmark_name": ["mae", "rmse", "r2"],
            "benchmark_value": ["nan", "inf", "1e400"],
        },
        files={"baseline": ("b.parquet", as_parquet(breast_cancer_split()[0]))},
    )
    assert answer.status_code == 422
    problem = _add_problem(answer.text, "benchmarks")
    for value in ("nan", "inf"):
        assert value in problem.lower(), problem
    assert admin.get("/api/v1/models").json()["items"][1:] == []


def test_a_failure_of_the_server_is_a_page_without_its_trace(
    browser: TestClient, state: State
) -> None:
    """The store loses a table under the running server (a real failure, not a stand-in): the
    page says the server failed, and no trace or SQL reaches the browser."""
    with state.engine.begin() as connection:
        connection.execute(text("DROP TABLE alias_moves"))
    with TestClient(browser.app, base_url="http://127.0.0.1", raise_server_exceptions=False) as tab:
        tab.cookies.update(browser.cookies)
        failed = tab.get("/models/cancer")
    said = _refused(failed, 500, "The server failed on this request; the error is in its log.")
    for leak in ("alias_moves", "sqlalchemy", "SELECT", 'File "'):
        assert leak not in failed.text, leak
    assert "Internal error" in said
