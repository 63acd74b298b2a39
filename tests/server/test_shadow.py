"""Shadow models and A/B tests in the service: the ``staging`` version, with a model file,
scores every tabular run of production as well; each run keeps the comparison (agreement, who
was right), `GET .../runs/{id}/shadow` gives it whole, the model page shows the latest and
promotes the shadow to production in one click (confirmed). `GET .../ab-test?a=&b=` pools the
runs each version analysed and tests them against each other. SQLite only: the store's part
is a plain table, read as the estimates tests read theirs on both stores."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import skops.io as sio
from fastapi.testclient import TestClient
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.tree import DecisionTreeClassifier
from tests.server._serve import ADMIN_PASSWORD
from tests.server.conftest import as_parquet, new_token, run_jobs

from driftscope.client import Client
from driftscope.server.settings import ServerSettings, load_settings
from driftscope.server.state import State


@pytest.fixture
def settings(tmp_path: Path) -> ServerSettings:
    return load_settings(
        data_dir=tmp_path / "data",
        admin_password=ADMIN_PASSWORD,
        worker=False,
        period_quiet_seconds=0,
        explain_rows=0,
        estimate_runs=False,
    )


def _client(admin: TestClient) -> Client:
    """`driftscope.Client` with a viewer's token, its requests sent to the test app."""
    token = new_token(admin, "viewer")
    client = Client("http://127.0.0.1", token=token)
    client._http.close()
    client._http = TestClient(
        admin.app,
        base_url="http://127.0.0.1/api/v1",
        headers={"Authorization": f"Bearer {token}"},
    )
    return client


def _skops(obj: object) -> bytes:
    buffer = io.BytesIO()
    sio.dump(obj, buffer)
    return buffer.getvalue()


def _cancer() -> tuple[pd.DataFrame, pd.DataFrame, list[str], LogisticRegression]:
    """A baseline and a production run of the breast cancer set on 6 features, with a logistic
    model's predictions and probabilities (the production version)."""
    frame = load_breast_cancer(as_frame=True).frame
    features = [c for c in frame.columns if c != "target"][:6]
    train, rest = train_test_split(frame, test_size=0.6, random_state=0, stratify=frame.target)
    model = LogisticRegression(max_iter=10_000).fit(train[features], train.target)
    rest = rest[[*features, "target"]].copy()
    rest["prediction"] = model.predict(rest[features])
    proba = model.predict_proba(rest[features])
    rest["proba_0"], rest["proba_1"] = proba[:, 0], proba[:, 1]
    rest.insert(0, "id", [f"r{i}" for i in range(len(rest))])
    baseline, production = train_test_split(rest, test_size=0.5, random_state=1)
    return baseline.reset_index(drop=True), production.reset_index(drop=True), features, model


def _version(admin: TestClient, baseline: pd.DataFrame, model: object) -> int:
    made = admin.post(
        "/api/v1/models/cancer/versions",
        files={
            "baseline": ("baseline.parquet", as_parquet(baseline)),
            "model_file": ("model.skops", _skops(model)),
        },
        data={
            "target": "target",
            "prediction": "prediction",
            "proba_prefix": "proba_",
            "id_column": "id",
        },
    )
    assert made.status_code == 201, made.text
    number: int = made.json()["number"]
    return number


def _setup(
    admin: TestClient, shadow_model: object, staging: bool = True
) -> tuple[pd.DataFrame, list[str], Any]:
    baseline, production, features, model = _cancer()
    admin.post("/api/v1/models", json={"name": "cancer", "task": "binary_classification"})
    assert _version(admin, baseline, model) == 1
    assert _version(admin, baseline, shadow_model) == 2
    for alias, number in (("production", 1), ("staging", 2))[: 2 if staging else 1]:
        moved = admin.post(f"/api/v1/models/cancer/aliases/{alias}", json={"version": number})
        assert moved.status_code == 200, moved.text
    return production, features, model


def _analysed(admin: TestClient, state: State, production: pd.DataFrame) -> dict[str, Any]:
    uploaded = admin.post(
        "/api/v1/models/cancer/runs",
        files={"data": ("run.parquet", as_parquet(production))},
        data={"version": "1"},
    )
    assert uploaded.status_code == 201, uploaded.text
    run_jobs(state)
    run: dict[str, Any] = admin.get(f"/api/v1/models/cancer/runs/{uploaded.json()['id']}").json()
    assert run["status"] == "analysed", run["error"]
    return run


def test_an_identical_shadow_agrees_on_every_row(admin: TestClient, state: State) -> None:
    model = _cancer()[3]
    production, _, _ = _setup(admin, model)
    run = _analysed(admin, state, production)
    shadow = run["shadow"]
    assert shadow["candidate_version"] == 2
    assert shadow["agreement"] == 1.0
    assert shadow["n_rows"] == len(production)
    assert shadow["difference"] == pytest.approx(0.0)
    assert shadow["better"] is None
    whole = admin.get(f"/api/v1/models/cancer/runs/{run['id']}/shadow").json()
    assert whole["kind"] == "shadow"
    assert whole["agreement"]["rate"] == 1.0
    assert _client(admin).run_shadow("cancer", run["id"]) == whole


def test_a_weaker_shadow_is_compared_and_production_found_better(
    admin: TestClient, state: State
) -> None:
    baseline, production, features, _ = _cancer()
    stump = DecisionTreeClassifier(max_depth=1, random_state=0).fit(
        baseline[features], baseline["target"]
    )
    production, _, model = _setup(admin, stump)
    run = _analysed(admin, state, production)
    shadow = run["shadow"]
    assert shadow["error"] is None
    # The agreement is what numpy counts between the two models' predictions.
    expected = (model.predict(production[features]) == stump.predict(production[features])).mean()
    assert shadow["agreement"] == pytest.approx(expected)
    assert shadow["agreement_low"] < shadow["agreement"] < shadow["agreement_high"]
    # Who was right, on the run's labels: each model's accuracy, as scikit-learn measures it.
    assert shadow["metric"] == "accuracy"
    truth = production["target"]
    assert shadow["production_value"] == pytest.approx(
        (model.predict(production[features]) == truth).mean()
    )
    assert shadow["candidate_value"] == pytest.approx(
        (stump.predict(production[features]) == truth).mean()
    )
    assert shadow["difference"] == pytest.approx(
        shadow["candidate_value"] - shadow["production_value"]
    )
    page = admin.get("/models/cancer").text
    assert "Promote shadow v2 to production" in page
    assert f"run {run['id']}" in page


def test_the_shadow_is_promoted_in_one_confirmed_click(admin: TestClient, state: State) -> None:
    model = _cancer()[3]
    production, _, _ = _setup(admin, model)
    _analysed(admin, state, production)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', admin.get("/models/cancer").text)
    assert csrf is not None
    asked = admin.post("/models/cancer/promote", data={"version": "2", "csrf_token": csrf.group(1)})
    assert asked.status_code == 200
    assert "Point production of cancer at v2?" in asked.text
    done = admin.post(
        "/models/cancer/promote",
        data={"version": "2", "csrf_token": csrf.group(1), "confirmed": "yes"},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    assert admin.get("/api/v1/models/cancer").json()["aliases"]["production"] == 2


def test_a_shadow_that_fails_leaves_the_run_analysed_with_the_error(
    admin: TestClient, state: State
) -> None:
    model = _cancer()[3]
    production, features, _ = _setup(admin, model)
    # The run lacks a feature: production's answers are in it, the shadow cannot make its own.
    run = _analysed(admin, state, production.drop(columns=[features[-1]]))
    assert run["shadow"]["error"].startswith("the shadow v2 failed")
    assert run["shadow"]["agreement"] is None
    missing = admin.get(f"/api/v1/models/cancer/runs/{run['id']}/shadow")
    assert missing.status_code == 404
    assert "the shadow v2 failed" in missing.text
    assert "the shadow v2 failed" in admin.get("/models/cancer").text


def test_a_run_without_a_shadow_has_none(admin: TestClient, state: State) -> None:
    model = _cancer()[3]
    production, _, _ = _setup(admin, model, staging=False)
    run = _analysed(admin, state, production)
    assert run["shadow"] is None
    missing = admin.get(f"/api/v1/models/cancer/runs/{run['id']}/shadow")
    assert missing.status_code == 404
    assert "no shadow comparison" in missing.text


def _upload(admin: TestClient, frame: pd.DataFrame, version: int, date: str) -> None:
    sent = admin.post(
        "/api/v1/models/cancer/runs",
        files={"data": ("run.parquet", as_parquet(frame))},
        data={"version": str(version), "date": date},
    )
    assert sent.status_code == 201, sent.text


def test_an_ab_test_of_two_versions_pools_their_runs_and_names_the_better(
    admin: TestClient, state: State
) -> None:
    baseline, production, features, model = _cancer()
    stump = DecisionTreeClassifier(max_depth=1, random_state=0).fit(
        baseline[features], baseline["target"]
    )
    production, _, _ = _setup(admin, stump, staging=False)
    # Split traffic: half the rows answered by v1 (in the data), half by v2 (its model file
    # makes its answers), each over two days.
    half = len(production) // 2
    first, second = production.iloc[:half], production.iloc[half:]
    by_stump = second.drop(columns=["prediction", "proba_0", "proba_1"])
    for day, (a_rows, b_rows) in enumerate(
        ((first.iloc[: half // 2], by_stump.iloc[: half // 2]),
         (first.iloc[half // 2 :], by_stump.iloc[half // 2 :])),
        start=1,
    ):  # fmt: skip
        _upload(admin, a_rows, 1, f"2026-11-0{day}")
        _upload(admin, b_rows, 2, f"2026-11-0{day}")
    run_jobs(state)
    answer = admin.get("/api/v1/models/cancer/ab-test", params={"a": 1, "b": 2})
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert result["arms"] == ["v1", "v2"]
    assert (result["n_a"], result["n_b"]) == (len(first), len(second))
    assert len(result["runs"]["v1"]) == len(result["runs"]["v2"]) == 2
    accuracy = next(m for m in result["metrics"] if m["name"] == "accuracy")
    # Each arm's accuracy is what the rows it answered say.
    truth_a = (model.predict(first[features]) == first["target"]).mean()
    truth_b = (stump.predict(second[features]) == second["target"]).mean()
    assert accuracy["value_a"] == pytest.approx(truth_a)
    assert accuracy["value_b"] == pytest.approx(truth_b)
    assert accuracy["difference"] == pytest.approx(truth_b - truth_a)
    assert _client(admin).ab_test("cancer", 1, 2)["metrics"] == result["metrics"]
    page = admin.get("/models/cancer/ab-test", params={"a": 1, "b": 2})
    assert page.status_code == 200
    assert "A/B test of cancer: v1 against v2" in page.text
    assert result["verdict"] in page.text
    assert 'action="/models/cancer/ab-test"' in admin.get("/models/cancer").text


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"a": 1, "b": 1}, "compares two versions; got v1 twice"),
        ({"a": 1, "b": 2}, "Version v2 has no analysed run with ground truth"),
        ({"a": 1, "b": 9}, "has no version 9"),
    ],
)
def test_an_ab_test_that_cannot_run_says_why(
    admin: TestClient, state: State, params: dict[str, int], words: str
) -> None:
    model = _cancer()[3]
    production, _, _ = _setup(admin, model, staging=False)
    _upload(admin, production, 1, "2026-11-01")
    run_jobs(state)
    answer = admin.get("/api/v1/models/cancer/ab-test", params=params)
    assert answer.status_code in (404, 422), answer.text
    assert words in answer.text
    page = admin.get("/models/cancer/ab-test", params=params)
    assert page.status_code in (404, 422)
    assert words in page.text
