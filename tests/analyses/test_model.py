"""`analyses.model`: finding the model's columns, inferring the task, encoding class labels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

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
