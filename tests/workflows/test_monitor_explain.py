"""`monitor(..., explain_model=...)`: the explanations section, in the JSON the schema documents."""

from __future__ import annotations

import dataclasses
import typing
from pathlib import Path
from typing import Any

import jsonschema
import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from driftscope import monitor
from driftscope.analyses.explanation import (
    Contribution,
    ExplainBounds,
    ExplainSettings,
    Explanation,
    ExplanationsSection,
    FeatureImportance,
    RowExplanation,
)
from driftscope.report import Report
from driftscope.report._validate import report_schema, validate_report


@pytest.fixture(scope="module")
def explained() -> Report:
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)).fit(X[:300], y[:300])
    frame = X.assign(target=y, prediction=model.predict(X))
    current = frame.iloc[300:].copy()
    current["worst texture"] = current["worst texture"] * 1.8
    return monitor(
        frame.iloc[:300],
        current,
        target="target",
        prediction="prediction",
        multivariate=False,
        n_resamples=100,
        explain_model=model,
        explain_settings=ExplainSettings(max_rows=100, rows=3, top=2),
    )


def test_the_section_explains_both_sides_and_validates(explained: Report) -> None:
    data = explained.to_dict()
    validate_report(data)
    section = data["explanations"]
    assert section["error"] is None
    explanation = section["explanation"]
    assert explanation["explainer"] == "linear"
    assert explanation["importance"][0]["feature"] == "worst texture"
    assert explanation["bounds"]["current_rows"] == 100
    assert len(explanation["rows"]) == 3
    assert len(explanation["dependence"]) == 2
    # The features are the schema's: the target and prediction columns are not explained.
    assert "prediction" not in explanation["features"]
    assert "target" not in explanation["features"]
    assert "explanations" in data["metadata"]["timings"]


def test_a_model_that_cannot_run_leaves_the_rest_of_the_report(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.normal(size=400), "target": rng.integers(0, 2, 400)})
    frame["prediction"] = frame["target"]
    broken = tmp_path / "model.skops"
    broken.write_bytes(b"not a skops file")
    report = monitor(
        frame.iloc[:200],
        frame.iloc[200:],
        target="target",
        prediction="prediction",
        multivariate=False,
        n_resamples=100,
        explain_model=broken,
    )
    data = report.to_dict()
    validate_report(data)
    assert data["explanations"]["explanation"] is None
    assert "model.skops could not be loaded" in data["explanations"]["error"]
    assert any(w.startswith("explanations: ") for w in data["warnings"])
    assert data["performance"] is not None
    assert data["verdict"] is not None


def _concept_change(seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame, LogisticRegression]:
    """``label`` follows ``a`` and ``b`` on the reference; on current, ``a``'s relation flips."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(rng.normal(size=(4000, 4)), columns=["a", "b", "c", "d"])
    noise = rng.logistic(size=4000) * 0.3
    frame["label"] = (2 * frame["a"] + frame["b"] + noise > 0).astype(int)
    flipped = (-2 * frame["a"] + frame["b"] + noise > 0).astype(int)
    model = LogisticRegression().fit(frame[["a", "b", "c", "d"]].iloc[:2000], frame["label"][:2000])
    frame["prediction"] = model.predict(frame[["a", "b", "c", "d"]])
    reference = frame.iloc[:2000]
    current = frame.iloc[2000:].assign(label=flipped.iloc[2000:])
    return reference, current, model


def test_a_performance_drop_is_attributed_in_the_verdict() -> None:
    reference, current, model = _concept_change()
    report = monitor(
        reference,
        current,
        target="label",
        prediction="prediction",
        multivariate=False,
        n_resamples=100,
        explain_model=model,
        explain_settings=ExplainSettings(max_rows=150, background=50),
    )
    data = report.to_dict()
    validate_report(data)
    loss = data["explanations"]["loss"]
    assert loss is not None
    assert data["explanations"]["prediction"] is None
    assert loss["features"][0]["feature"] == "a"
    assert loss["attributable"]
    assert "comes from `a`" in loss["reason"]
    performance = next(r for r in data["verdict"]["reasons"] if r["source"] == "performance")
    assert loss["reason"] in performance["message"]
    assert data["verdict"]["decision"] == "retrain"
    assert loss["reason"] in data["verdict"]["summary"]
    page = report.to_html()
    block = page[page.index('data-part="attribution"') :]
    block = block[: block.index("</div>", block.index("Method:"))]
    assert "Why the loss changed" in block
    assert 'data-v="a"' in block  # the first row of its table is feature a
    assert block.index('data-v="a"') < block.index('data-v="b"')
    assert "importance-weighted drift" in block


def test_drifted_predictions_without_labels_are_attributed() -> None:
    reference, current, model = _concept_change()
    shifted = current.drop(columns=["label"]).copy()
    shifted["b"] = shifted["b"] + 1.5  # the inputs moved: the predictions follow b
    shifted["prediction"] = model.predict(shifted[["a", "b", "c", "d"]])
    report = monitor(
        reference.drop(columns=["label"]),
        shifted,
        prediction="prediction",
        multivariate=False,
        n_resamples=100,
        explain_model=model,
        explain_settings=ExplainSettings(max_rows=150, background=50),
    )
    data = report.to_dict()
    validate_report(data)
    section = data["explanations"]
    assert section["loss"] is None
    prediction = section["prediction"]
    assert prediction is not None
    assert prediction["features"][0]["feature"] == "b"
    assert prediction["attributable"]
    reason = next(r for r in data["verdict"]["reasons"] if r["source"] == "prediction_drift")
    assert prediction["reason"] in reason["message"]
    page = report.to_html()
    assert "Why the predictions moved" in page
    assert "shifted</td>" in page


def test_no_attribution_without_a_change_to_explain(explained: Report) -> None:
    # Performance did not fall (the shift of 'worst texture' barely moves a linear model's
    # accuracy here) or it did: either way the section says which, and only that one.
    data = explained.to_dict()
    fell = any(
        m["primary"] and m["status"] in ("warning", "alert") for m in data["performance"]["metrics"]
    )
    assert (data["explanations"]["loss"] is not None) == fell
    assert data["explanations"]["prediction"] is None


SHAPES: list[tuple[str, type, set[str]]] = [
    ("explanations", ExplanationsSection, set()),
    ("explanation", Explanation, {"reference_values", "current_values"}),
    ("feature_importance", FeatureImportance, set()),
    ("row_explanation", RowExplanation, set()),
    ("contribution", Contribution, set()),
    ("explain_bounds", ExplainBounds, set()),
]


def _sample(data: dict[str, Any], definition: str) -> Any:
    section = data["explanations"]
    explanation = section["explanation"]
    return {
        "explanations": section,
        "explanation": explanation,
        "feature_importance": explanation["importance"][0],
        "row_explanation": explanation["rows"][0],
        "contribution": explanation["rows"][0]["contributions"][0],
        "explain_bounds": explanation["bounds"],
    }[definition]


@pytest.mark.parametrize(("definition", "cls", "skipped"), SHAPES)
def test_schema_lists_the_fields_and_their_nulls(
    explained: Report, definition: str, cls: type, skipped: set[str]
) -> None:
    spec = report_schema()["$defs"][definition]
    names = {f.name for f in dataclasses.fields(cls) if f.name not in skipped}
    assert set(spec["properties"]) == names
    assert set(spec["required"]) == names
    assert spec["additionalProperties"] is False
    sample = _sample(explained.to_dict(), definition)
    if sample is None:
        return
    validator = jsonschema.Draft202012Validator(
        {"$defs": report_schema()["$defs"], "$ref": f"#/$defs/{definition}"}
    )
    assert validator.is_valid(sample)
    hints = typing.get_type_hints(cls)
    for name in names:
        allows_none = type(None) in typing.get_args(hints[name]) or hints[name] is typing.Any
        assert validator.is_valid({**sample, name: None}) == allows_none, name


def test_schema_lists_the_attribution_fields() -> None:
    from driftscope.analyses import attribution as A

    defs = report_schema()["$defs"]
    for definition, cls, extra in (
        ("loss_attribution", A.LossAttribution, {"reason"}),
        ("feature_contribution", A.FeatureContribution, set()),
        ("importance_weighted_drift", A.ImportanceWeightedDrift, set()),
        ("weighted_drift", A.WeightedDrift, set()),
        ("prediction_attribution", A.PredictionDriftAttribution, {"reason"}),
        ("feature_shift", A.FeatureShift, set()),
    ):
        names = {f.name for f in dataclasses.fields(cls)} | extra
        assert set(defs[definition]["properties"]) == names, definition
        assert set(defs[definition]["required"]) == names, definition
        assert defs[definition]["additionalProperties"] is False
