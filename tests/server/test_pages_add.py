"""Adding a model, or a version, through the web app's form: every bad field named next to it at
once, the files kept between the steps, the inferred schema corrected before it is saved, and
nothing stored (no model, no version, no artifact, no staged file) by a refused or cancelled
attempt; editors only, with the session's CSRF token."""

from __future__ import annotations

import html
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.server.conftest import add_model, as_csv, as_parquet, breast_cancer_split
from tests.server.test_pages import _form_token, _log_in

from driftscope.server.services import staging
from driftscope.server.state import State

_FIELDS = {
    "name": "cancer",
    "task": "binary_classification",
    "period": "day",
    "target": "target",
    "prediction": "prediction",
    "proba_prefix": "proba_",
    "id_column": "id",
    "benchmark_name": ["accuracy", "roc_auc"],
    "benchmark_value": ["0.9", "0.95"],
}


@pytest.fixture
def browser(admin: TestClient) -> Iterator[TestClient]:
    """The admin logged in through the login form (a browser session), beside ``admin`` (the
    API, to look at what was stored)."""
    with TestClient(admin.app, base_url="http://127.0.0.1") as client:
        assert _log_in(client).status_code == 303
        yield client


def _stage(page: str) -> str:
    found = re.search(r'name="stage" value="([^"]*)"', page)
    assert found is not None, page
    return found.group(1)


def _problem(page: str, field: str) -> str:
    """The problems shown next to a field (unescaped)."""
    found = re.search(rf'<div class="field-problem" id="{field}-problem">(.*?)</div>', page, re.S)
    assert found is not None, f"no problem shown at {field!r}"
    return html.unescape(found.group(1))


def _shown_schema(page: str) -> dict[str, tuple[str, str]]:
    """The schema page's editable columns: name -> (kind, role) as selected."""
    shown: dict[str, tuple[str, str]] = {}
    for what in ("kind", "role"):
        for number, name in re.findall(
            rf'<label [^>]*for="{what}-(\d+)">\w+ of (.*?)</label>', page
        ):
            select = re.search(rf'<select id="{what}-{number}" name="{what}">(.*?)</select>', page)
            assert select is not None
            chosen = re.search(r"<option selected>(\w+)</option>", select.group(1))
            assert chosen is not None
            kind, role = shown.get(html.unescape(name), ("", ""))
            pair = (chosen.group(1), role) if what == "kind" else (kind, chosen.group(1))
            shown[html.unescape(name)] = pair
    return shown


def _confirm(client: TestClient, action: str, page: str, schema: dict[str, tuple[str, str]]) -> Any:
    return client.post(
        f"{action}/confirm",
        data={
            "csrf_token": _form_token(page),
            "stage": _stage(page),
            "kind": [kind for kind, _ in schema.values()],
            "role": [role for _, role in schema.values()],
        },
        follow_redirects=False,
    )


def _stored(admin: TestClient, state: State) -> tuple[int, int, int]:
    """Models, versions, and artifact files in the store."""
    models = admin.get("/api/v1/models").json()["items"]
    versions = sum(model["n_versions"] for model in models)
    root = state.settings.artifacts_dir
    files = [p for p in root.rglob("*") if p.is_file()] if root.exists() else []
    return len(models), versions, len(files)


def _stages(state: State) -> list[Path]:
    scratch = state.settings.data_dir / "tmp"
    return sorted(scratch.glob("stage-*")) if scratch.exists() else []


def test_a_model_is_added_through_the_form_with_its_schema_corrected(
    admin: TestClient, browser: TestClient, state: State
) -> None:
    assert '<a class="action" href="/models/new">Add model</a>' in browser.get("/models").text
    form = browser.get("/models/new")
    assert form.status_code == 200
    assert "default-src 'none'" in form.headers["content-security-policy"]
    assert '<option value="binary_classification">Binary classification</option>' in form.text
    assert '<label for="baseline">Baseline data</label>' in form.text
    baseline, _ = breast_cancer_split()
    checked = browser.post(
        "/models/new",
        data={"csrf_token": _form_token(form.text), **_FIELDS},
        files={"baseline": ("cancer baseline.csv", as_csv(baseline))},
    )
    assert checked.status_code == 200, checked.text
    assert "Confirm the schema" in checked.text
    assert "cancer baseline.csv" in checked.text
    assert "accuracy 0.9, roc_auc 0.95" in checked.text
    # Nothing stored yet; the upload waits in the user's stage, under the field's name.
    assert _stored(admin, state) == (0, 0, 0)
    (stage,) = _stages(state)
    assert (stage / "baseline.csv").is_file()
    schema = _shown_schema(checked.text)
    assert schema["mean radius"] == ("numerical", "feature")
    assert schema["target"][1] == "target"
    assert schema["id"][1] == "id"
    assert schema["proba_1"][1] == "probability"
    # The user's corrections: a column left out, another taken as categorical.
    schema["mean radius"] = ("numerical", "ignored")
    schema["mean texture"] = ("categorical", "feature")
    saved = _confirm(browser, "/models/new", checked.text, schema)
    assert (saved.status_code, saved.headers["location"]) == (303, "/models/cancer")
    version = admin.get("/api/v1/models/cancer/versions/1").json()
    columns = {c["name"]: c for c in version["schema"]["columns"]}
    assert columns["mean radius"]["role"] == "ignored"
    assert columns["mean texture"]["kind"] == "categorical"
    assert columns["mean area"]["kind"] == "numerical"
    assert (version["target"], version["prediction"], version["id_column"]) == (
        "target",
        "prediction",
        "id",
    )
    assert version["benchmarks"] == {"accuracy": 0.9, "roc_auc": 0.95}
    assert version["n_baseline_rows"] == len(baseline)
    assert admin.get("/api/v1/models/cancer").json()["task"] == "binary_classification"
    assert _stages(state) == []  # the stage went with the save
    model_page = browser.get("/models/cancer").text
    assert '<a class="action" href="/models/cancer/versions/new">Add a version</a>' in model_page


def test_every_bad_field_is_named_next_to_it_and_nothing_is_stored(
    admin: TestClient, browser: TestClient, state: State
) -> None:
    token = _form_token(browser.get("/models/new").text)
    refused = browser.post(
        "/models/new",
        data={
            "csrf_token": token,
            "name": "a/b",
            "task": "binary_classification",
            "period": "fortnight",
            "target": "target",
            "benchmark_name": ["accuracy", "", "bleu"],
            "benchmark_value": ["high", "0.5", "0.2"],
        },
        files={
            "baseline": ("photo.png", b"\x89PNG\r\n\x1a\n" + bytes(64)),
            "model_file": ("model.pkl", b"\x80\x04."),
        },
    )
    assert refused.status_code == 422
    page = refused.text
    assert "without '/' or surrounding spaces; got 'a/b'" in _problem(page, "name")
    assert "fortnight" in _problem(page, "period")
    assert "'baseline' must be a table file" in _problem(page, "baseline")
    assert "--allow-pickle" in _problem(page, "model_file")
    benchmarks = _problem(page, "benchmarks")
    assert "The benchmark for 'accuracy' must be a finite number; got 'high'." in benchmarks
    assert "row 2 has the value '0.5' but no metric name" in benchmarks
    assert "'bleu'" in benchmarks
    # Each field says it is wrong; what was typed is kept, and the summary counts them all.
    assert '<input id="name" name="name" value="a/b"' in page
    assert 'aria-invalid="true"' in page
    assert 'value="high"' in page
    assert "7 problem(s)" in page
    assert "Kept from before: <strong>photo.png</strong>" in page
    # A text file named .csv, a target that is not a column, a model file of another kind.
    baseline, _ = breast_cancer_split()
    second = browser.post(
        "/models/new",
        data={"csrf_token": token, "stage": _stage(page), **_FIELDS, "target": "label"},
        files={
            "baseline": ("notes.csv", b"just a line of text\n"),
            "model_file": ("model.txt", b"weights"),
        },
    )
    assert second.status_code == 422
    assert "has no rows" in _problem(second.text, "baseline")
    assert "must be a model file" in _problem(second.text, "model_file")
    assert "name" not in re.findall(r'id="(\w+)-problem"', second.text)
    third = browser.post(
        "/models/new",
        data={"csrf_token": token, "stage": _stage(second.text), **_FIELDS, "target": "label"},
        files={"baseline": ("b.csv", as_csv(baseline))},
    )
    assert "no column 'label'" in _problem(third.text, "target")
    assert "must be a model file" in _problem(third.text, "model_file")
    # A task outside the list (a forged form) is named too.
    forged = browser.post(
        "/models/new",
        data={"csrf_token": token, "stage": _stage(third.text), **_FIELDS, "task": "astrology"},
    )
    assert "astrology" in _problem(forged.text, "task")
    # The target fixed and the kept model file dropped with its box: the schema to confirm.
    fixed = browser.post(
        "/models/new",
        data={"csrf_token": token, "stage": _stage(forged.text), **_FIELDS, "drop": "model_file"},
    )
    assert fixed.status_code == 200, fixed.text
    assert "Confirm the schema" in fixed.text
    assert "model.txt" not in fixed.text
    assert _stored(admin, state) == (0, 0, 0)
    assert len(_stages(state)) == 1  # one stage for the one form, the files replaced in it


def test_a_cancelled_form_leaves_nothing_behind(
    admin: TestClient, browser: TestClient, state: State
) -> None:
    baseline, _ = breast_cancer_split()
    token = _form_token(browser.get("/models/new").text)
    checked = browser.post(
        "/models/new",
        data={"csrf_token": token, **_FIELDS},
        files={"baseline": ("b.parquet", as_parquet(baseline))},
    )
    assert checked.status_code == 200, checked.text
    assert len(_stages(state)) == 1
    stage = _stage(checked.text)
    back = browser.get("/models/new", params={"stage": stage})
    assert '<input id="name" name="name" value="cancer"' in back.text
    assert "Kept from before: <strong>b.parquet</strong>" in back.text
    cancelled = browser.post(
        "/models/new/cancel", data={"csrf_token": token, "stage": stage}, follow_redirects=False
    )
    assert (cancelled.status_code, cancelled.headers["location"]) == (303, "/models")
    assert _stages(state) == []
    late = _confirm(browser, "/models/new", checked.text, _shown_schema(checked.text))
    assert late.status_code == 410
    assert "choose them again" in late.text
    assert _stored(admin, state) == (0, 0, 0)


def test_a_name_taken_meanwhile_is_shown_at_the_name(
    admin: TestClient, browser: TestClient, state: State
) -> None:
    baseline, _ = breast_cancer_split()
    token = _form_token(browser.get("/models/new").text)
    checked = browser.post(
        "/models/new",
        data={"csrf_token": token, **_FIELDS},
        files={"baseline": ("b.parquet", as_parquet(baseline))},
    )
    assert checked.status_code == 200, checked.text
    made = admin.post("/api/v1/models", json={"name": "cancer", "task": "regression"})
    assert made.status_code == 201
    taken = _confirm(browser, "/models/new", checked.text, _shown_schema(checked.text))
    assert taken.status_code == 409
    assert "A model named 'cancer' exists already." in _problem(taken.text, "name")
    assert "Kept from before: <strong>b.parquet</strong>" in taken.text
    assert _stored(admin, state) == (1, 0, 0)
    # Another name, and the files kept are used.
    renamed = browser.post(
        "/models/new",
        data={"csrf_token": token, "stage": _stage(taken.text), **_FIELDS, "name": "cancer 2"},
    )
    assert renamed.status_code == 200, renamed.text
    saved = _confirm(browser, "/models/new", renamed.text, _shown_schema(renamed.text))
    assert saved.headers["location"] == "/models/cancer%202"
    assert _stored(admin, state)[:2] == (2, 1)
    assert _stages(state) == []


def test_a_version_is_added_to_a_model_through_the_form(
    admin: TestClient, browser: TestClient, state: State
) -> None:
    add_model(admin)
    baseline, _ = breast_cancer_split()
    form = browser.get("/models/cancer/versions/new")
    assert form.status_code == 200
    assert "Binary classification" in form.text
    assert 'id="name"' not in form.text  # the model's fields are the model's
    checked = browser.post(
        "/models/cancer/versions/new",
        data={"csrf_token": _form_token(form.text), "target": "target", "prediction": "prediction"},
        files={"baseline": ("b.csv", as_csv(baseline.drop(columns=["proba_0", "proba_1"])))},
    )
    assert checked.status_code == 200, checked.text
    schema = _shown_schema(checked.text)
    # The id column, not named in this form, is taken as the id by its values; made a feature.
    schema["id"] = ("categorical", "ignored")
    saved = _confirm(browser, "/models/cancer/versions/new", checked.text, schema)
    assert (saved.status_code, saved.headers["location"]) == (303, "/models/cancer")
    version = admin.get("/api/v1/models/cancer/versions/2").json()
    columns = {c["name"]: c for c in version["schema"]["columns"]}
    assert columns["id"]["role"] == "ignored"
    assert version["target"] == "target"
    assert browser.get("/models/nope/versions/new").status_code == 404


def test_a_viewer_is_refused_and_a_form_needs_its_csrf_token(
    admin: TestClient, browser: TestClient, state: State
) -> None:
    add_model(admin)
    made = admin.post(
        "/api/v1/users",
        json={"username": "reader", "password": "a reader's long password", "role": "viewer"},
    )
    assert made.status_code == 201, made.text
    baseline, _ = breast_cancer_split()
    files = {"baseline": ("b.csv", as_csv(baseline))}
    forged = browser.post("/models/new", data={"csrf_token": "forged", **_FIELDS}, files=files)
    assert forged.status_code == 403
    missing = browser.post("/models/new", data=_FIELDS, files=files)
    assert missing.status_code == 403
    assert _stages(state) == []  # refused before any file was kept
    with TestClient(admin.app, base_url="http://127.0.0.1") as viewer:
        assert _log_in(viewer, "a reader's long password", username="reader").status_code == 303
        page = viewer.get("/models").text
        assert "Add model" not in page
        assert "Add a version" not in viewer.get("/models/cancer").text
        assert viewer.get("/models/new").status_code == 403
        assert viewer.get("/models/cancer/versions/new").status_code == 403
        token = _form_token(page)
        for action in ("/models/new", "/models/cancer/versions/new"):
            posted = viewer.post(action, data={"csrf_token": token, **_FIELDS}, files=files)
            assert posted.status_code == 403
            assert "editor role" in posted.text
        refused = viewer.post("/models/new/confirm", data={"csrf_token": token, "stage": "x" * 43})
        assert refused.status_code == 403
    assert _stored(admin, state)[:2] == (1, 1)
    assert _stages(state) == []


def test_staged_files_unused_for_an_hour_are_removed(
    admin: TestClient, browser: TestClient, state: State
) -> None:
    baseline, _ = breast_cancer_split()
    token = _form_token(browser.get("/models/new").text)
    checked = browser.post(
        "/models/new",
        data={"csrf_token": token, **_FIELDS},
        files={"baseline": ("b.parquet", as_parquet(baseline))},
    )
    (stage,) = _stages(state)
    an_hour_ago = time.time() - staging.STAGE_SECONDS - 1
    os.utime(stage, (an_hour_ago, an_hour_ago))
    late = _confirm(browser, "/models/new", checked.text, _shown_schema(checked.text))
    assert late.status_code == 410
    assert "removed after an hour unused" in late.text
    # The next form sweeps it away.
    again = browser.post(
        "/models/new", data={"csrf_token": token, "stage": _stage(checked.text), **_FIELDS}
    )
    assert "removed after an hour unused" in again.text
    assert "A version needs its baseline" in _problem(again.text, "baseline")
    assert stage not in _stages(state)
    assert len(_stages(state)) == 1
    assert _stored(admin, state) == (0, 0, 0)
