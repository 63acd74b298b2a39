"""A version's model run on tabular data, for data that comes without predictions.

The model file is ONNX (run by onnxruntime, extra ``[onnx]``), skops (a scikit-learn estimator
or pipeline; only types from scikit-learn, numpy and scipy are loaded), or, when the operator
started the server with ``--allow-pickle``, pickle or joblib. A preprocessor (skops, pickle or
joblib, with ``transform``) is applied first. The model sees the version's feature columns in
the baseline's order (a text pipeline, whose first step is a text vectorizer, its one text
column): an ONNX model with one input gets them as one float32 matrix; one with an
input per column gets each column under its name.

A classifier's predicted label goes into the version's prediction column and, when the version
has class probabilities, each class's probability into ``<proba_prefix><class>``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from driftscope.data.schema import ColumnKind, ColumnRole, Schema
from driftscope.models._tabular import (
    ModelRunError,
    Predicted,
    load_object,
    onnx_outputs,
    onnx_tabular,
)

__all__ = [
    "ModelRunError",
    "Predictor",
    "load_predictor",
    "predict_columns",
    "version_explained_model",
    "version_predictor",
]

#: A model file is checked on this many baseline rows when its version is added.
CHECK_ROWS = 200


@dataclass(frozen=True)
class Predictor:
    """A loaded model: ``predict(features)`` gives the labels (or values) and, for a classifier
    that says them, the class probabilities with their class names."""

    predict: Callable[[pd.DataFrame], Predicted]
    features: tuple[str, ...]


def load_predictor(
    schema: dict[str, Any],
    model_path: Path,
    model_format: str,
    preprocessor: tuple[Path, str] | None = None,
) -> Predictor:
    """A version's model (and preprocessor), ready to predict on its feature columns."""
    features = tuple(
        c.name for c in Schema.from_dict(schema).columns if c.role == ColumnRole.FEATURE
    )
    transform = None
    if preprocessor is not None:
        step = load_object(preprocessor[0], preprocessor[1], "preprocessor")
        if not hasattr(step, "transform"):
            raise ModelRunError("The preprocessor has no transform method.")
        transform = step.transform

    def matrix(frame: pd.DataFrame) -> tuple[Any, pd.DataFrame]:
        missing = [c for c in features if c not in frame.columns]
        if missing:
            raise ModelRunError(
                f"The data has no feature column {missing[0]!r} that the model takes."
            )
        inputs = frame[list(features)]
        if transform is None:
            return inputs, inputs
        try:
            return transform(inputs), inputs
        except Exception as exc:
            raise ModelRunError(f"The preprocessor failed on the data: {exc}") from None

    if model_format == "onnx":
        run = onnx_tabular(model_path, features)

        def predict_onnx(
            frame: pd.DataFrame,
        ) -> tuple[np.ndarray, np.ndarray | None, list[str] | None]:
            values, inputs = matrix(frame)
            try:
                result = run(np.asarray(values, dtype=np.float64), inputs)
            except ModelRunError:
                raise
            except Exception as exc:
                raise ModelRunError(f"The ONNX model failed on the data: {exc}") from None
            return onnx_outputs(result)

        return Predictor(predict_onnx, features)

    estimator = load_object(model_path, model_format, "model")
    if not hasattr(estimator, "predict"):
        raise ModelRunError("The model has no predict method.")
    texts = _text_column(estimator, schema) if transform is None else None

    def predict_estimator(frame: pd.DataFrame) -> Predicted:
        if texts is None:
            values, _ = matrix(frame)
        elif texts not in frame.columns:
            raise ModelRunError(f"The data has no text column {texts!r} that the model reads.")
        else:
            # A text pipeline reads one text per row; a missing text reads as an empty one.
            values = frame[texts].fillna("").astype(str)
        try:
            labels = np.asarray(estimator.predict(values))
            proba = classes = None
            if hasattr(estimator, "predict_proba") and hasattr(estimator, "classes_"):
                proba = np.asarray(estimator.predict_proba(values), dtype=np.float64)
                classes = [str(c) for c in estimator.classes_]
        except Exception as exc:
            raise ModelRunError(f"The model failed on the data: {exc}") from None
        return labels, proba, classes

    return Predictor(predict_estimator, features)


def _text_column(estimator: Any, schema: dict[str, Any]) -> str | None:
    """The column a text classifier reads (a pipeline whose first step is a text vectorizer):
    the one feature column of kind text; None for any other model (it reads the features)."""
    from driftscope.analyses.text_explanation import is_text_model

    if not is_text_model(estimator):
        return None
    columns = [
        c.name
        for c in Schema.from_dict(schema).columns
        if c.role == ColumnRole.FEATURE and c.kind == ColumnKind.TEXT
    ]
    if len(columns) != 1:
        found = ", ".join(repr(c) for c in columns) or "none"
        raise ModelRunError(
            "The model is a text pipeline (its first step is a text vectorizer) and reads one "
            f"text column; the version's features hold {found}."
        )
    return columns[0]


def version_predictor(artifacts: Any, version: Any) -> Predictor:
    """The predictor of a stored version (`Version` row, with its artifacts)."""
    preprocessor = (
        (artifacts.path(version.preprocessor_file), version.preprocessor_format)
        if version.preprocessor_file
        else None
    )
    return load_predictor(
        version.schema, artifacts.path(version.model_file), version.model_format, preprocessor
    )


#: The file formats that run code when loaded.
_PICKLE_FORMATS = ("pickle", "joblib")


def version_explained_model(artifacts: Any, version: Any, *, allow_pickle: bool) -> Any:
    """The stored version's model as `driftscope.explain` takes it: an ONNX file's path, or a
    scikit-learn estimator with the version's preprocessor composed in front as a fitted
    `~sklearn.pipeline.Pipeline` (so the exact tree and linear explainers still see the final
    step, and attributions stay on the version's columns). An ONNX model with a preprocessor
    is explained as a function of the columns. A pickle or joblib file is loaded only with
    ``allow_pickle``; a file that will not load is a `ModelRunError`.
    """
    files = [(version.model_file, version.model_format, "model")]
    if version.preprocessor_file:
        files.append((version.preprocessor_file, version.preprocessor_format, "preprocessor"))
    for _, fmt, what in files:
        if fmt in _PICKLE_FORMATS and not allow_pickle:
            raise ModelRunError(
                f"The version's {what} is a {fmt} file, which runs code when loaded, and the "
                "server does not allow pickle now (--allow-pickle); it is not explained."
            )
    if version.model_format == "onnx":
        if not version.preprocessor_file:
            return artifacts.named(str(version.model_file), ".onnx")
        predictor = version_predictor(artifacts, version)

        def scores(frame: pd.DataFrame) -> np.ndarray:
            labels, proba, _ = predictor.predict(frame)
            return labels if proba is None else proba

        return scores
    estimator = load_object(artifacts.path(version.model_file), version.model_format, "model")
    if not version.preprocessor_file:
        return estimator
    from sklearn.pipeline import Pipeline

    step = load_object(
        artifacts.path(version.preprocessor_file), version.preprocessor_format, "preprocessor"
    )
    if not hasattr(step, "transform"):
        raise ModelRunError("The preprocessor has no transform method.")
    return Pipeline([("preprocessor", step), ("model", estimator)])


def predict_columns(
    frame: pd.DataFrame,
    predictor: Predictor,
    prediction: str,
    proba_prefix: str | None,
) -> pd.DataFrame:
    """``frame`` with the model's predictions (and probabilities, with ``proba_prefix``)."""
    labels, proba, classes = predictor.predict(frame)
    if len(labels) != len(frame):
        raise ModelRunError(f"The model gave {len(labels)} predictions for {len(frame)} rows.")
    out = frame.copy()
    out[prediction] = labels
    if proba_prefix is not None and proba is not None:
        names = classes or [str(i) for i in range(proba.shape[1])]
        for k, name in enumerate(names):
            out[f"{proba_prefix}{name}"] = proba[:, k]
    return out
