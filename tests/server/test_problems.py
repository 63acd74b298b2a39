"""What a client sees when a request goes wrong: a body past the limit however it is sent, an
unreadable upload, malformed JSON, a wrong login, a token revoked twice. Each answer is a
problem that says what is wrong in the client's terms, never the server's paths or options."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from tests.server.conftest import add_model, log_in

from driftscope.server.app import create_app
from driftscope.server.settings import ServerSettings
from driftscope.server.state import State

LIMIT = 2000


@pytest.fixture
def small(settings: ServerSettings, state: State) -> Iterator[TestClient]:
    """An admin's client of a service whose largest request body is `LIMIT` bytes."""
    limited = settings.model_copy(update={"max_upload_bytes": LIMIT})
    with TestClient(create_app(limited, state), base_url="http://127.0.0.1") as client:
        log_in(client)
        assert (
            client.post("/api/v1/models", json={"name": "m", "task": "regression"}).status_code
            == 201
        )
        yield client


def _multipart(size: int) -> tuple[bytes, str]:
    boundary = "driftscopeboundary"
    rows = "1\n" * (size // 2)
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="data"; filename="run.csv"\r\n'
        f"Content-Type: text/csv\r\n\r\na\n{rows}\r\n--{boundary}--\r\n"
    ).encode()
    return body, f"multipart/form-data; boundary={boundary}"


def test_a_chunked_upload_past_the_limit_is_413_as_with_a_length(small: TestClient) -> None:
    body, content_type = _multipart(3 * LIMIT)

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 500):
            yield body[start : start + 500]

    url = "/api/v1/models/m/runs"
    with_length = small.post(url, content=body, headers={"Content-Type": content_type})
    chunked = small.post(url, content=chunks(), headers={"Content-Type": content_type})
    assert "content-length" not in chunked.request.headers
    assert chunked.request.headers["transfer-encoding"] == "chunked"
    assert with_length.status_code == chunked.status_code == 413, chunked.text
    assert chunked.headers["content-type"] == "application/problem+json"
    assert chunked.json() == with_length.json()
    assert "DRIFTSCOPE_MAX_UPLOAD_BYTES" in chunked.json()["detail"]


@pytest.mark.parametrize(
    ("filename", "content", "reason"),
    [
        ("empty.csv", b"", "is empty"),
        ("broken.csv", b"a,b\n1,2\n1,2,3,4\n", "Expected 2 fields in line 3, saw 4"),
        ("broken.parquet", b"not parquet at all", "not Parquet, or it is damaged"),
        ("latin.csv", b"name\n\xe9t\xe9\n", "not valid utf-8 text (byte 0xe9"),
        ("broken.jsonl", b"{x\n", "could not be read as JSON Lines"),
    ],
)
def test_an_unreadable_upload_is_named_as_the_client_named_it(
    admin: TestClient, settings: ServerSettings, filename: str, content: bytes, reason: str
) -> None:
    admin.post("/api/v1/models", json={"name": "m", "task": "regression"})
    response = admin.post(
        "/api/v1/models/m/versions", files={"baseline": (filename, content)}, data={"target": "a"}
    )
    assert response.status_code == 422, response.text
    problem = response.json()
    detail = problem["detail"]
    assert problem["errors"][0]["field"] == "baseline"
    assert detail.startswith(f"'baseline' could not be read: File {filename!r} ")
    assert reason in detail
    # Nothing of the server: no path, no temporary file, no command-line option, no parser's
    # internals.
    assert str(settings.data_dir) not in detail
    for internal in ("/tmp", "baseline.", "--", "C error", "magic bytes"):
        assert internal not in detail


def test_an_empty_run_is_named_as_the_client_named_it(admin: TestClient) -> None:
    add_model(admin)
    response = admin.post("/api/v1/models/cancer/runs", files={"data": ("data.csv", b"")})
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert detail == (
        "'data' could not be read: File 'data.csv' is empty (0 bytes); expected a header row "
        "and data."
    )


def test_malformed_json_is_said_to_be_so_with_its_position(admin: TestClient) -> None:
    response = admin.post(
        "/api/v1/models", content=b'{"name":"x",', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422, response.text
    problem = response.json()
    (error,) = problem["errors"]
    assert error["field"] == "body"
    assert error["detail"].startswith("not valid JSON: ")
    assert error["detail"].endswith(" at character 12")
    assert problem["detail"] == f"body: {error['detail']}"


def test_a_token_revoked_twice_is_a_conflict_naming_it(admin: TestClient) -> None:
    created = admin.post("/api/v1/tokens", json={"name": "batch job", "role": "viewer"}).json()
    first = admin.delete(f"/api/v1/tokens/{created['id']}")
    assert first.status_code == 200, first.text
    again = admin.delete(f"/api/v1/tokens/{created['id']}")
    assert again.status_code == 409, again.text
    assert again.json()["detail"].startswith(
        f"Token {created['id']} ('batch job') was revoked already, at "
    )
    assert again.json()["detail"].endswith(".")
    audit = admin.get("/api/v1/audit").json()["items"]
    assert [a["action"] for a in audit].count("token.revoke") == 1


def test_a_nul_character_in_a_path_query_or_form_is_refused_naming_where(
    admin: TestClient,
) -> None:
    """PostgreSQL can neither store nor compare a NUL: each is a 422 naming the field, on both
    stores, never a failure of the store."""
    add_model(admin)
    for answer, where in (
        (admin.get("/api/v1/models/can%00cer"), "path.name"),
        (admin.get("/api/v1/models", params={"search": "a\x00b"}), "search"),
        (
            admin.post(
                "/api/v1/models/cancer/versions",
                files={"baseline": ("b.csv", b"a,target\n1,0\n")},
                data={"target": "tar\x00get"},
            ),
            "target",
        ),
    ):
        assert answer.status_code == 422, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
        problem = answer.json()
        assert "NUL" in problem["detail"]
        assert [error["field"] for error in problem["errors"]] == [where], problem
