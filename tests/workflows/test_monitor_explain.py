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
    validator = jsonschema.Draft202012Validator(
        {"$defs": report_schema()["$defs"], "$ref": f"#/$defs/{definition}"}
    )
    assert validator.is_valid(sample)
    hints = typing.get_type_hints(cls)
    for name in names:
        allows_none = type(None) in typing.get_args(hints[name]) or hints[name] is typing.Any
        assert validator.is_valid({**sample, name: None}) == allows_none, name
