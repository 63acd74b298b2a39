"""Tabular model files, loaded safely and run on a matrix of feature columns.

skops files (scikit-learn estimators and pipelines; only types from scikit-learn, numpy and scipy
are loaded, so no code runs on load), pickle or joblib (only where the caller allows it: they run
code when loaded), and ONNX files run by onnxruntime (extra ``[onnx]``). The service's predictions
(`driftscope.server.services.predict`) and the explanations (`driftscope.explain`) both use them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from driftscope.exceptions import DriftscopeError

__all__ = [
    "SKOPS_TRUSTED_ROOTS",
    "ModelRunError",
    "Predicted",
    "load_object",
    "load_skops",
    "onnx_outputs",
    "onnx_tabular",
]


class ModelRunError(DriftscopeError, ValueError):
    """A model or preprocessor that cannot be loaded, or fails on the data."""


#: What a model says of each row: its label or value, and for a classifier that says them, the
#: class probabilities (a row per input) with the class names.
Predicted = tuple[np.ndarray, np.ndarray | None, list[str] | None]


#: The modules a skops file may hold types from.
SKOPS_TRUSTED_ROOTS = ("sklearn", "numpy", "scipy", "builtins", "collections")


def load_skops(path: Path, what: str) -> Any:
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


def load_object(path: Path, fmt: str, what: str) -> Any:
    try:
        if fmt == "skops":
            return load_skops(path, what)
        if fmt in ("pickle", "joblib"):
            return _pickle(path)
    except ModelRunError:
        raise
    except Exception as exc:  # any failure of a user's file is a message, not a crash
        raise ModelRunError(
            f"The {what} could not be loaded: {type(exc).__name__}: {exc}"
        ) from None
    raise ModelRunError(f"The {what} is a {fmt} file; expected skops, pickle or joblib.")


def onnx_tabular(path: Path, features: Sequence[str]) -> Callable[..., Any]:
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

    def run(matrix: np.ndarray, frame: pd.DataFrame | None = None) -> list[Any]:
        """The model's outputs on ``matrix`` (the features in order); an ONNX model with an
        input per column reads them from ``frame`` (made from ``matrix`` when not given)."""
        if len(inputs) == 1:
            feed = {inputs[0].name: matrix.astype(np.float32)}
        else:
            if frame is None:
                frame = pd.DataFrame(matrix, columns=list(features))
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


def onnx_outputs(result: list[Any]) -> Predicted:
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
