"""A text classifier explained in reports: `compare_text(..., model=...)` and `monitor` with a
text pipeline as ``explain_model`` put `driftscope.explain_text`'s word weights, exactly, in the
explanations section's ``text``; a model that cannot be explained leaves the section's error and
the rest of the report."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import pytest
from rich.console import Console
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from tests.cli.test_text_explain import reviews

import driftscope
from driftscope.analyses.explanation import ExplainSettings
from driftscope.analyses.text_explanation import TextExplainSettings, explain_text
from driftscope.report._validate import validate_report
from driftscope.report.html import render_html
from driftscope.report.terminal import render_terminal
from driftscope.workflows.text import compare_text

SETTINGS = TextExplainSettings(max_texts=12, num_samples=100, seed=1)


@pytest.fixture(scope="module")
def data() -> tuple[Pipeline, pd.DataFrame, pd.DataFrame]:
    """A TF-IDF + logistic regression model of complaints, which only "refund" makes; a
    baseline with one complaint in four and a current with three in four, with predictions."""
    rng = np.random.default_rng(0)
    train = reviews(rng, 400, 0.5)
    model = make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(train.review, train.label)
    reference, current = reviews(rng, 50, 0.25), reviews(rng, 50, 0.75)
    for frame in (reference, current):
        frame["pred"] = model.predict(frame.review)
    return model, reference, current


def _direct(
    model: Any, reference: pd.DataFrame, current: pd.DataFrame, settings: TextExplainSettings
) -> dict[str, Any]:
    return explain_text(
        model, list(current.review), reference=list(reference.review), settings=settings
    ).to_dict()


def _top(section: dict[str, Any], side: str) -> str:
    ranked = [i for i in section["importance"] if i[f"{side}_rank"] is not None]
    return str(min(ranked, key=lambda i: i[f"{side}_rank"])["token"])


def test_compare_text_puts_explain_texts_weights_in_the_report(
    data: tuple[Pipeline, pd.DataFrame, pd.DataFrame],
) -> None:
    model, reference, current = data
    report = compare_text(
        reference, current, column="review", model=model, explain_settings=SETTINGS
    )
    section = report.to_dict()["explanations"]
    validate_report(json.loads(report.to_json()))
    assert section["error"] is None
    assert section["explanation"] is None
    # Exactly explain_text's numbers with the same settings (a text column without missing
    # values: the same texts, the same positions).
    assert section["text"] == _direct(model, reference, current, SETTINGS)
    assert _top(section["text"], "current") == "refund"
    assert _top(section["text"], "reference") == "refund"
    assert report.explanations is not None
    assert report.explanations.text is not None
    assert report.explanations.text.rising(1) == ["refund"]
    # The drift part is the report it was without a model.
    plain = compare_text(reference, current, column="review")
    assert [c.name for c in report.drift.columns] == [c.name for c in plain.drift.columns]


def test_seeded_lime_gives_identical_json_across_runs(
    data: tuple[Pipeline, pd.DataFrame, pd.DataFrame],
) -> None:
    model, reference, current = data
    runs = [
        compare_text(reference, current, column="review", model=model, explain_settings=SETTINGS)
        for _ in range(2)
    ]
    first, second = (json.dumps(r.to_dict()["explanations"]) for r in runs)
    assert first == second


def test_a_model_that_fails_leaves_the_error_and_the_rest_of_the_report(
    data: tuple[Pipeline, pd.DataFrame, pd.DataFrame],
) -> None:
    _, reference, current = data

    def broken(texts: list[str]) -> Any:
        raise ZeroDivisionError("no")

    report = compare_text(reference, current, column="review", model=broken)
    assert report.explanations is not None
    error = report.explanations.error
    assert error is not None
    assert error.startswith("text column 'review': model broken failed on the texts")
    assert f"explanations: {error}" in report.warnings
    assert report.drift.columns
    assert report.inputs is not None
    validate_report(report.to_dict())


def test_missing_texts_are_left_out_and_indices_are_table_rows(
    data: tuple[Pipeline, pd.DataFrame, pd.DataFrame],
) -> None:
    model, reference, current = data
    holes = current.assign(review=current.review.where(np.arange(len(current)) % 5 != 0))
    report = compare_text(
        reference,
        holes,
        column="review",
        model=model,
        explain_settings=TextExplainSettings(max_texts=100, num_samples=50),
    )
    assert report.explanations is not None
    text = report.explanations.text
    assert text is not None
    assert [r.index for r in text.texts] == [i for i in range(len(current)) if i % 5 != 0]
    assert all(r.text == holes.review.iloc[r.index] for r in text.texts)
    assert text.bounds.current_total == len(current)
    assert text.bounds.current_texts == len(current) - 10
    assert "10 of 50 current texts of column 'review' are missing and were left out" in (
        text.warnings
    )


def test_monitor_explains_a_text_pipeline_on_its_text_column(
    data: tuple[Pipeline, pd.DataFrame, pd.DataFrame],
) -> None:
    model, reference, current = data
    report = driftscope.monitor(
        reference,
        current,
        target="label",
        prediction="pred",
        explain_model=model,
        explain_settings=SETTINGS,
    )
    data_ = json.loads(report.to_json())
    validate_report(data_)
    section = data_["explanations"]
    assert section["explanation"] is None
    assert section["error"] is None
    assert section["text"] == _direct(model, reference, current, SETTINGS)
    assert _top(section["text"], "current") == "refund"
    assert "explanations" in report.metadata.timings
    # The HTML report's section and its nav badge, and the terminal's lines.
    page = render_html(data_)
    assert 'data-part="text-explanation"' in page
    assert 'Explanations<span class="ds-badge ds-badge-skip">&#x27;refund&#x27; rose most' in page
    printed = Console(width=200, record=True)
    printed.print(render_terminal(data_))
    shown = printed.export_text()
    assert "top words on current: refund," in shown
    assert "rose most: refund (+" in shown
    # Tabular settings carry over: their rows become texts, their seed the seed.
    mapped = driftscope.monitor(
        reference,
        current,
        target="label",
        prediction="pred",
        explain_model=model,
        explain_settings=ExplainSettings(max_rows=5, seed=3),
    )
    assert mapped.explanations is not None
    assert mapped.explanations.text is not None
    assert mapped.explanations.text.bounds.current_texts == 5
    assert mapped.explanations.text.to_dict() == _direct(
        model, reference, current, TextExplainSettings(max_texts=5, seed=3)
    )


def test_monitor_with_two_text_columns_says_which(
    data: tuple[Pipeline, pd.DataFrame, pd.DataFrame],
) -> None:
    model, reference, current = data
    frames = [f.assign(title=f.review.str.upper()) for f in (reference, current)]
    report = driftscope.monitor(
        *frames, target="label", prediction="pred", explain_model=model, explain_settings=SETTINGS
    )
    assert report.explanations is not None
    assert report.explanations.text is None
    error = report.explanations.error
    assert error is not None
    assert "found 'review', 'title'" in error
    assert f"explanations: {error}" in report.warnings
    assert report.performance is not None


def test_monitor_explains_a_tabular_model_on_its_columns_with_text_settings() -> None:
    # A model that is no text pipeline is explained on its columns; TextExplainSettings' texts
    # become rows.
    from sklearn.linear_model import LinearRegression

    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(300, 2)), columns=["a", "b"])
    frame["y"] = 3 * frame.a + frame.b
    model = LinearRegression().fit(frame[["a", "b"]], frame.y)
    frame["pred"] = model.predict(frame[["a", "b"]])
    report = driftscope.monitor(
        frame.iloc[:150],
        frame.iloc[150:],
        target="y",
        prediction="pred",
        task="regression",
        explain_model=model,
        explain_settings=TextExplainSettings(max_texts=40),
    )
    assert report.explanations is not None
    assert report.explanations.text is None
    explanation = report.explanations.explanation
    assert explanation is not None
    assert explanation.bounds.current_rows == 40
    assert explanation.top(1) == ["a"]


TEXT_SHAPES: list[tuple[str, str]] = [
    ("text_explanation", "TextExplanation"),
    ("token_importance", "TokenImportance"),
    ("text_row_explanation", "TextRowExplanation"),
    ("token_weight", "TokenWeight"),
    ("text_explain_bounds", "TextExplainBounds"),
]


@pytest.mark.parametrize(("definition", "name"), TEXT_SHAPES)
def test_schema_lists_the_text_fields_and_their_nulls(
    data: tuple[Pipeline, pd.DataFrame, pd.DataFrame], definition: str, name: str
) -> None:
    import dataclasses
    import typing

    import jsonschema

    from driftscope.analyses import text_explanation as T
    from driftscope.report._validate import report_schema

    model, reference, current = data
    text = _direct(model, reference, current, TextExplainSettings(max_texts=3, num_samples=20))
    sample = {
        "text_explanation": text,
        "token_importance": text["importance"][0],
        "text_row_explanation": text["texts"][0],
        "token_weight": text["texts"][0]["weights"][0],
        "text_explain_bounds": text["bounds"],
    }[definition]
    cls = getattr(T, name)
    spec = report_schema()["$defs"][definition]
    names = {f.name for f in dataclasses.fields(cls)}
    assert set(spec["properties"]) == names
    assert set(spec["required"]) == names
    assert spec["additionalProperties"] is False
    validator = jsonschema.Draft202012Validator(
        {"$defs": report_schema()["$defs"], "$ref": f"#/$defs/{definition}"}
    )
    assert validator.is_valid(sample)
    hints = typing.get_type_hints(cls)
    for field in names:
        allows_none = type(None) in typing.get_args(hints[field])
        assert validator.is_valid({**sample, field: None}) == allows_none, field
