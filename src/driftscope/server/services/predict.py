"""A version's model run on tabular data, for data that comes without predictions.

The model file is ONNX (run by onnxruntime, extra ``[onnx]``), skops (a scikit-learn estimator
or pipeline; only types from scikit-learn, numpy and scipy are loaded), or, when the operator
started the server with ``--allow-pickle``, pickle or joblib. A preprocessor (skops, pickle or
joblib, with ``transform``) is applied first. The model sees the version's feature columns in
the baseline's order: an ONNX model with one input gets them as one float32 matrix; one with an
input per column gets each column under its name.

A classifier's predicted label goes into the version's prediction column and, when the version
has class probabilities, each class's probability into ``<proba_prefix><class>``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from driftscope.data.schema import ColumnRole, Schema
from driftscope.exceptions import DriftscopeError

__all__ = [
    "ModelRunError",
    "Predictor",
    "load_predictor",
    "predict_columns",
    "version_predictor",
]

#: The modules a skops file may hold types from.
SKOPS_TRUSTED_ROOTS = ("sklearn", "numpy", "scipy", "builtins", "collections")
#: A model file is checked on this many baseline rows when its version is added.
CHECK_ROWS = 200


class ModelRunError(DriftscopeError, ValueError):
    """A model or preprocessor that cannot be loaded, or fails on the data."""


#: What a model says of each row: its label or value, and for a classifier that says them, the
#: class probabilities (a row per input) with the class names.
Predicted = tuple[np.ndarray, np.ndarray | None, list[str] | None]


@dataclass(frozen=True)
class Predictor:
    """A loaded model: ``predict(features)`` gives the labels (or values) and, for a classifier
    that says them, the class probabilities with their class names."""

    predict: Callable[[pd.DataFrame], Predicted]
    features: tuple[str, ...]


def _skops(path: Path, what: str) -> Any:
    import skops.io as sio

    untrusted = sio.get_untrusted_types(file=path)
    foreign = [t for t in untrusted if t.split(".")[0] not in SKOPS_TRUSTED_ROOTS]
    if foreign:
        raise ModelRunError(
            f"The {what} holds types from outside scikit-learn, numpy and scipy, which the "
            f"service does not load: {', '.join(foreign[:5])}."
        )
    return sio.load(path, trusted=untrusted)


def _pickle(path: Path) -> Any:
    import joblib

    return joblib.load(path)


def _load_object(path: Path, fmt: str, what: str) -> Any:
    try:
        if fmt == "skops":
            return _skops(path, what)
        if fmt in ("pickle", "joblib"):
            return _pickle(path)
    except ModelRunError:
        raise
    except Exception as exc:  # any failure of a user's file is a message, not a crash
        raise ModelRunError(
            f"The {what} could not be loaded: {type(exc).__name__}: {exc}"
        ) from None
    raise ModelRunError(f"The {what} is a {fmt} file; expected skops, pickle or joblib.")


def _onnx(path: Path, features: Sequence[str]) -> Callable[..., Any]:
    try:
        import onnxruntime as ort
    except ImportError:
        raise ModelRunError(
            'Running an ONNX model needs onnxruntime: pip install "driftscope[onnx]".'
        ) from None
    try:
        session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    except Exception as exc:
        raise ModelRunError(f"The ONNX model could not be loaded: {exc}") from None
    inputs = session.get_inputs()
    outputs = session.get_outputs()

    def run(matrix: np.ndarray, frame: pd.DataFrame) -> list[Any]:
        if len(inputs) == 1:
            feed = {inputs[0].name: matrix.astype(np.float32)}
        else:
            missing = [i.name for i in inputs if i.name not in frame.columns]
            if missing:
                raise ModelRunError(
                    f"The ONNX model takes inputs named {', '.join(missing[:5])}, which the "
                    "data has no columns for."
                )
            feed = {
                i.name: frame[[i.name]].to_numpy(
                    dtype=np.float32
                    if "float" in i.type
                    else np.int64
                    if "int" in i.type
                    else object
                )
                for i in inputs
            }
        result: list[Any] = session.run([o.name for o in outputs], feed)
        return result

    return run


def _onnx_dtype(onnx_type: str) -> Any:
    """The numpy type to feed an ONNX input of type ``tensor(float)``, ``tensor(int64)``..."""
    if "float" in onnx_type or "double" in onnx_type:
        return np.float32 if "double" not in onnx_type else np.float64
    return np.int64 if "int" in onnx_type else object


def _onnx_outputs(result: list[Any]) -> Predicted:
    """The label (or value) output, and the probabilities with their classes: a ZipMap (a list
    of {class: probability}) or a matrix."""
    labels: np.ndarray | None = None
    proba: np.ndarray | None = None
    classes: list[str] | None = None
    for output in result:
        if isinstance(output, list) and output and isinstance(output[0], dict):
            classes = [str(c) for c in output[0]]
            keys = list(output[0])
            proba = np.array([[row[k] for k in keys] for row in output], dtype=np.float64)
        elif (
            isinstance(output, np.ndarray)
            and labels is None
            and output.ndim <= 2
            and (output.ndim == 1 or output.shape[1] == 1)
        ):
            labels = output.ravel()
        elif isinstance(output, np.ndarray) and output.ndim == 2:
            proba = output.astype(np.float64)
    if labels is None:
        raise ModelRunError("The ONNX model gives no output of one value per row.")
    return labels, proba, classes


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
        step = _load_object(preprocessor[0], preprocessor[1], "preprocessor")
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
        run = _onnx(model_path, features)

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
            return _onnx_outputs(result)

        return Predictor(predict_onnx, features)

    estimator = _load_object(model_path, model_format, "model")
    if not hasattr(estimator, "predict"):
        raise ModelRunError("The model has no predict method.")

    def predict_estimator(frame: pd.DataFrame) -> Predicted:
        values, _ = matrix(frame)
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
