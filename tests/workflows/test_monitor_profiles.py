"""`monitor` with a profile on either side: drift from the profiles, performance from their
model columns, a verdict, and what needs rows refused or listed as not run."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression

from driftscope import monitor, profile
from driftscope.exceptions import ParameterError
from driftscope.report._validate import validate_report

SCHEMA = {
    "columns": {
        "mean radius": "numerical",
        "mean texture": "numerical",
        "target": {"kind": "categorical", "role": "target"},
        "prediction": {"kind": "categorical", "role": "prediction"},
    }
}


@pytest.fixture(scope="module")
def tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Breast cancer with a classifier's predictions: the reference is half the rows, current
    the other half with its texture shifted and its labels partly flipped (the model got
    worse)."""
    data = load_breast_cancer(as_frame=True).frame.sample(frac=1.0, random_state=0)
    data = data.reset_index(drop=True)
    x = data[["mean radius", "mean texture"]]
    model = LogisticRegression(max_iter=1000).fit(x, data["target"])
    frame = x.assign(target=data["target"], prediction=model.predict(x))
    half = len(frame) // 2
    reference, current = frame[:half].reset_index(drop=True), frame[half:].reset_index(drop=True)
    current["mean texture"] += 4.0
    flip = np.random.default_rng(1).random(len(current)) < 0.25
    current.loc[flip, "target"] = 1 - current.loc[flip, "target"]
    return reference, current


def test_a_reference_profile_gives_the_rows_performance_and_drift(
    tables: tuple[pd.DataFrame, pd.DataFrame], tmp_path: Path
) -> None:
    reference, current = tables
    path = tmp_path / "reference.profile"
    profile(reference, SCHEMA).save(path)
    from_rows = monitor(
        reference,
        current,
        SCHEMA,
        target="target",
        prediction="prediction",
        multivariate=False,
        quality=False,
        n_resamples=300,
    )
    report = monitor(path, current, multivariate=False, n_resamples=300)
    assert report.performance is not None
    assert from_rows.performance is not None
    for name in ("accuracy", "balanced_accuracy", "f1_macro", "precision_macro"):
        mine, theirs = report.performance.metric(name), from_rows.performance.metric(name)
        assert mine.reference == pytest.approx(theirs.reference), name
        assert mine.current == pytest.approx(theirs.current), name
        assert mine.status == theirs.status, name
    assert report.performance.metric("accuracy").status == "alert"
    assert report.drift.drifted_columns == from_rows.drift.drifted_columns
    assert "mean texture" in report.drift.drifted_columns
    assert report.verdict is not None
    assert from_rows.verdict is not None
    assert report.verdict.decision == from_rows.verdict.decision == "retrain"
    data = json.loads(report.to_json())
    validate_report(data)
    assert any("Concept drift" in line for line in data["profiles"]["not_run"])
    assert any("duplicated rows" in line for line in data["profiles"]["not_run"])
    assert data["quality"] is not None
    checks = {(c["check"], c["column"]) for c in data["quality"]["checks"]}
    assert ("missing_share", "mean texture") in checks
    assert data["model"]["task"] == "binary_classification"
    assert "Performance" in report.to_html()


def test_chunking_and_row_arguments_are_refused_naming_them(
    tables: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    reference, current = tables
    ref = profile(reference, SCHEMA)
    with pytest.raises(
        ParameterError, match=r"'n_windows' argument of monitor.*chunking a profile"
    ):
        monitor(ref, current, n_windows=3)
    with pytest.raises(ParameterError, match=r"'period' argument of monitor"):
        monitor(ref, current, period="W")
    with pytest.raises(ParameterError, match=r"'target' argument of monitor.*profile's schema"):
        monitor(ref, current, target="target")
    with pytest.raises(ParameterError, match=r"'feedback' argument of monitor.*needs the rows"):
        monitor(ref, current, feedback=current)


def test_profiles_without_model_columns_still_give_drift_and_a_verdict(
    tables: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    reference, current = tables
    schema = {"columns": {"mean radius": "numerical", "mean texture": "numerical"}}
    features = ["mean radius", "mean texture"]
    report = monitor(profile(reference[features], schema), profile(current[features], schema))
    assert report.performance is None
    assert report.verdict is not None
    assert report.drift.drifted_columns == ["mean texture"]
    assert any("no one target and one prediction" in w for w in report.warnings)
