"""`analyses.model`: finding the model's columns, inferring the task, encoding class labels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

from driftscope.analyses.model import (
    Task,
    class_labels_as_categories,
    encode_labels,
    parse_task,
    resolve_model_columns,
)
from driftscope.data.infer import infer_schema
from driftscope.data.schema import ColumnRole, ColumnSpec, Schema
from driftscope.exceptions import SchemaError


def _resolved(frame: pd.DataFrame, **roles: str) -> tuple[object, Schema]:
    user = Schema(
        tuple(ColumnSpec(name=column, role=ColumnRole(role)) for column, role in roles.items())
    )
    schema, _ = infer_schema(frame, frame, user)
    model, schema, _ = resolve_model_columns(schema, frame, frame)
    return model, schema


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        (np.arange(300) % 2, Task.BINARY),
        (np.arange(300) % 7, Task.MULTICLASS),
        (np.linspace(0, 1, 300), Task.REGRESSION),
        (np.arange(300) % 60, Task.REGRESSION),  # integers, but more than 50 values
    ],
)
def test_the_task_is_inferred_from_the_labels(target: np.ndarray, expected: Task) -> None:
    frame = pd.DataFrame({"x": np.arange(300.0), "y": target, "p": target})
    model, _ = _resolved(frame, y="target", p="prediction")
    assert model.task == expected  # type: ignore[attr-defined]


def test_class_labels_become_categories_and_probability_columns_are_found() -> None:
    y = np.arange(300) % 3
    scores = np.eye(3)[y] * 0.8 + 0.2 / 3
    frame = pd.DataFrame({"y": y, "p": y, **{f"proba_{k}": scores[:, k] for k in range(3)}})
    model, schema = _resolved(frame, y="target", p="prediction")
    assert model.probabilities == ("proba_0", "proba_1", "proba_2")  # type: ignore[attr-defined]
    assert model.task == Task.MULTICLASS  # type: ignore[attr-defined]
    assert schema["y"].kind == "categorical"
    assert schema["proba_1"].role is ColumnRole.PROBABILITY


def test_labels_encode_to_codes_with_missing_as_minus_one() -> None:
    encoded = encode_labels(
        pd.Series([1.0, 0.0, None, 2.0]), pd.Series(["1", "0", "2", None]), ("0", "1", "2")
    )
    assert encoded.y_true is not None
    assert encoded.y_pred is not None
    assert encoded.y_true.tolist() == [1, 0, -1, 2]
    assert encoded.y_pred.tolist() == [1, 0, 2, -1]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("binary", Task.BINARY),
        ("Regression", Task.REGRESSION),
        ("classification", "classification"),
    ],
)
def test_task_names_parse(given: str, expected: object) -> None:
    assert parse_task(given) == expected


def test_an_unknown_task_is_refused_with_the_known_ones() -> None:
    with pytest.raises(SchemaError, match=r"Unknown task 'forecast'; expected one of .*binary"):
        parse_task("forecast")


def test_compare_side_labels_follow_the_task() -> None:
    frame = pd.DataFrame({"y": np.arange(100) % 3})
    schema, _ = infer_schema(frame, frame)
    assert (
        class_labels_as_categories(schema, frame, frame, target="y", prediction=None)["y"].kind
        == "categorical"
    )
    kept = class_labels_as_categories(
        schema, frame, frame, target="y", prediction=None, task="regression"
    )
    assert kept["y"].kind == "numerical"


def _binary_with_one_column(rng: np.random.Generator, n: int) -> pd.DataFrame:
    x = rng.normal(0.0, 1.0, n)
    p = 1.0 / (1.0 + np.exp(-2.0 * x))
    y = (rng.random(n) < p).astype(int)
    return pd.DataFrame({"x": x, "y": y, "y_pred": (p > 0.5).astype(int), "y_pred_proba": p})


def test_a_single_probability_column_named_as_the_prefix_is_the_positive_class() -> None:
    """NannyML's and many teams' binary form: one ``y_pred_proba`` column, P(class 1)."""
    frame = _binary_with_one_column(np.random.default_rng(0), 300)
    user = Schema((ColumnSpec(name="y", role=ColumnRole.TARGET),))
    user = user.with_column(ColumnSpec(name="y_pred", role=ColumnRole.PREDICTION))
    schema, _ = infer_schema(frame, frame, user)
    model, schema, _ = resolve_model_columns(schema, frame, frame, proba_prefix="y_pred_proba")
    assert model.probabilities == ("y_pred_proba",)
    assert model.labels == ("0", "1")
    assert model.task == Task.BINARY
    assert model.note == "'y_pred_proba' is the probability of class '1'"
    assert schema["y_pred_proba"].role is ColumnRole.PROBABILITY
    three = frame.assign(y=np.arange(300) % 3, y_pred=np.arange(300) % 3)
    schema, _ = infer_schema(three, three, user)
    with pytest.raises(SchemaError, match="single probability column is the positive class"):
        resolve_model_columns(schema, three, three, proba_prefix="y_pred_proba")


def test_the_prefix_named_column_works_in_estimate_and_monitor_alike() -> None:
    import driftscope

    rng = np.random.default_rng(1)
    ref, cur = _binary_with_one_column(rng, 3000), _binary_with_one_column(rng, 2000)
    roles = {"target": "y", "prediction": "y_pred"}
    as_prefix = driftscope.estimate(
        ref, cur, proba_prefix="y_pred_proba", n_simulations=100, **roles
    )
    renamed = {"y_pred_proba": "y_pred_proba_1"}
    as_class = driftscope.estimate(
        ref.rename(columns=renamed),
        cur.rename(columns=renamed),
        proba_prefix="y_pred_proba_",
        n_simulations=100,
        **roles,
    )
    assert as_prefix.features == as_class.features == ("x",)
    assert as_prefix.overall.to_dict() == as_class.overall.to_dict()
    auc = as_prefix.overall.metrics["roc_auc"]
    assert auc.realised == pytest.approx(skm.roc_auc_score(cur["y"], cur["y_pred_proba"]))
    report = driftscope.monitor(
        ref, cur, proba_prefix="y_pred_proba", multivariate=False, n_resamples=200, **roles
    )
    assert report.model is not None
    assert report.model.probabilities == ("y_pred_proba",)
    assert report.performance is not None
    monitored = report.performance.metric("roc_auc").current
    assert monitored == pytest.approx(skm.roc_auc_score(cur["y"], cur["y_pred_proba"]))
