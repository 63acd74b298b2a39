"""Explanations of a text classifier in the service: a text_classification version whose model
file is a skops text pipeline has its runs explained word by word (`driftscope.explain_text`)
on the text column, bounded by ``explain_rows`` texts a side, and the run's report carries the
words' weights: the same numbers as `explain_text` called directly with the service's
settings."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
import skops.io as sio
from fastapi.testclient import TestClient
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from tests.cli.test_text_explain import reviews
from tests.server._serve import ADMIN_PASSWORD
from tests.server.conftest import as_csv, as_parquet, run_jobs

from driftscope.analyses.text_explanation import explain_text
from driftscope.server.services.runs import TEXT_EXPLAIN_SAMPLES
from driftscope.server.settings import ServerSettings, load_settings
from driftscope.server.state import State

#: Texts explained per side in this test.
TEXTS = 12


@pytest.fixture
def settings(tmp_path: Path) -> ServerSettings:
    """SQLite only, explanations on for ``TEXTS`` texts a side: what is tested is the job."""
    return load_settings(
        data_dir=tmp_path / "data",
        admin_password=ADMIN_PASSWORD,
        worker=False,
        period_quiet_seconds=0,
        explain_rows=TEXTS,
    )


def _model(rng: np.random.Generator) -> Pipeline:
    train = reviews(rng, 400, 0.5)
    return make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(train.review, train.label)


def _skops(obj: object) -> bytes:
    buffer = io.BytesIO()
    sio.dump(obj, buffer)
    return buffer.getvalue()


def test_a_text_model_is_explained_word_by_word_on_its_runs(
    admin: TestClient, state: State
) -> None:
    rng = np.random.default_rng(0)
    model = _model(rng)
    baseline = reviews(rng, 60, 0.25)
    production = reviews(rng, 60, 0.75)
    for frame in (baseline, production):
        frame["prediction"] = model.predict(frame.review)
    admin.post("/api/v1/models", json={"name": "reviews", "task": "text_classification"})
    made = admin.post(
        "/api/v1/models/reviews/versions",
        files={
            "baseline": ("baseline.parquet", as_parquet(baseline)),
            "model_file": ("model.skops", _skops(model)),
        },
        data={"target": "label", "prediction": "prediction"},
    )
    assert made.status_code == 201, made.text
    uploaded = admin.post(
        "/api/v1/models/reviews/runs", files={"data": ("run.csv", as_csv(production))}
    )
    assert uploaded.status_code == 201, uploaded.text
    run_jobs(state)
    run_id = uploaded.json()["id"]
    assert admin.get(f"/api/v1/models/reviews/runs/{run_id}").json()["status"] == "analysed"
    report = admin.get(f"/api/v1/models/reviews/runs/{run_id}/report").json()
    section = report["explanations"]
    assert section["error"] is None, section["error"]
    assert section["explanation"] is None
    text = section["text"]
    assert text["explainer"] == "lime"
    assert text["bounds"] == {
        "current_texts": TEXTS,
        "current_total": len(production),
        "reference_texts": TEXTS,
        "reference_total": len(baseline),
        "samples_per_text": TEXT_EXPLAIN_SAMPLES,
        "features_per_text": 10,
    }
    # Only "refund" decides a complaint: it leads on both sides, and rose with the complaints.
    ranked = {i["token"]: i for i in text["importance"]}
    assert ranked["refund"]["current_rank"] == 1
    assert ranked["refund"]["reference_rank"] == 1
    assert text["importance"][0]["token"] == "refund"
    # The words' weights are explain_text's on the same texts with the service's settings.
    expected = explain_text(
        model,
        list(production.review),
        reference=list(baseline.review),
        max_texts=TEXTS,
        num_samples=TEXT_EXPLAIN_SAMPLES,
    ).to_dict()
    for side in ("texts", "reference_texts"):
        assert [r["weights"] for r in text[side]] == [r["weights"] for r in expected[side]]
        assert [r["index"] for r in text[side]] == [r["index"] for r in expected[side]]
    assert text["importance"] == expected["importance"]
    # The API's section, the run page and its report show them too.
    assert admin.get(f"/api/v1/runs/{run_id}/explanations").json()["text"] == text
    page = admin.get(f"/models/reviews/runs/{run_id}").text
    assert "most important of" in page
    assert "words: mean absolute attribution" in page
    assert "<tr><td>refund</td>" in page
    assert "Every word, and texts highlighted word by word, in the report" in page
    shown = admin.get(f"/models/reviews/runs/{run_id}/report.html").text
    assert 'data-part="text-explanation"' in shown
    assert 'title="+' in shown
    assert ">refund</mark>" in shown


def test_a_text_model_file_predicts_on_the_text_column(admin: TestClient, state: State) -> None:
    # Before, a text pipeline was given the table of feature columns and the version was
    # refused ("The model gave 1 predictions for 60 rows"): it now reads its one text column,
    # for the baseline and for a run that comes without predictions (a missing text reads as
    # an empty one).
    from sklearn.metrics import accuracy_score

    rng = np.random.default_rng(1)
    model = _model(rng)
    baseline, production = reviews(rng, 60, 0.25), reviews(rng, 60, 0.75)
    production.loc[3, "review"] = None
    admin.post("/api/v1/models", json={"name": "plain", "task": "text_classification"})
    made = admin.post(
        "/api/v1/models/plain/versions",
        files={
            "baseline": ("baseline.parquet", as_parquet(baseline)),
            "model_file": ("model.skops", _skops(model)),
        },
        data={"target": "label"},
    )
    assert made.status_code == 201, made.text
    uploaded = admin.post(
        "/api/v1/models/plain/runs", files={"data": ("run.csv", as_csv(production))}
    )
    assert uploaded.status_code == 201, uploaded.text
    run_jobs(state)
    run_id = uploaded.json()["id"]
    report = admin.get(f"/api/v1/models/plain/runs/{run_id}/report").json()
    accuracy = next(m for m in report["performance"]["metrics"] if m["name"] == "accuracy")
    predicted = model.predict(production.review.fillna(""))
    assert accuracy["current"] == pytest.approx(accuracy_score(production.label, predicted))
    assert accuracy["reference"] == pytest.approx(
        accuracy_score(baseline.label, model.predict(baseline.review))
    )
    # The missing text is left out of the explanations, with a warning.
    text = report["explanations"]["text"]
    assert 3 not in [r["index"] for r in text["texts"]]
    assert any(
        "1 of 60 current texts of column 'review' are missing" in w for w in text["warnings"]
    )
