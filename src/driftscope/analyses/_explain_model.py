"""A user's tabular model, seen the same way by every explainer: a frame of the original feature
columns in, class probabilities (rows x classes) or values out.

A scikit-learn estimator or pipeline, a skops file of one (loaded safely), an ONNX file (run by
onnxruntime), a pickle only when the caller allows it, or a plain callable. For scikit-learn
models the final step and the steps before it are kept apart, so the exact tree and linear
explainers can work on the final step while attributions stay on the user's columns.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from driftscope.exceptions import ColumnError, InputTypeError
from driftscope.models._tabular import ModelRunError, load_object, onnx_outputs, onnx_tabular

__all__ = ["FILE_FORMATS", "TabularModel", "tabular_model"]

#: Column-wise steps that keep one output column per input column, in order: an attribution on
#: a transformed column is the attribution on the user's column.
_ONE_TO_ONE = frozenset(
    {"StandardScaler", "MinMaxScaler", "MaxAbsScaler", "RobustScaler", "SimpleImputer"}
)
#: Of those, the affine ones (x' = a x + b per column), which fold into a linear model's weights.
_AFFINE = frozenset({"StandardScaler", "MinMaxScaler", "MaxAbsScaler", "RobustScaler"})
#: Model files by suffix, and how each is loaded.
FILE_FORMATS = {
    ".skops": "skops",
    ".pkl": "pickle",
    ".pickle": "pickle",
    ".joblib": "joblib",
}


@dataclass(frozen=True)
class TabularModel:
    """A model ready to explain.

    ``predict(frame)`` gives class probabilities (rows x classes, in the order of ``classes``)
    for a classifier, or one value per row for a regressor. ``final`` is the last step of a
    scikit-learn model and ``steps`` the steps before it (None for other models);
    ``one_to_one`` says those steps keep one column per feature, ``affine`` that they are
    column-wise affine maps (scalers).
    """

    name: str
    features: tuple[str, ...]
    classes: tuple[str, ...]
    predict: Callable[[pd.DataFrame], NDArray[np.float64]]
    final: Any = None
    steps: Any = None
    one_to_one: bool = False
    affine: bool = False
    #: The same as ``predict`` on a float matrix of the features in order, where the model can
    #: take one without a frame (an ONNX file): the permutation explainer calls it thousands of
    #: times, and a frame per call costs as much as the model.
    predict_matrix: Callable[[NDArray[np.float64]], NDArray[np.float64]] | None = None

    @property
    def is_classifier(self) -> bool:
        return bool(self.classes)

    def transform(self, frame: pd.DataFrame) -> Any:
        """The features as the final step sees them (after the steps before it)."""
        if self.steps is None:
            return frame
        try:
            return self.steps.transform(frame)
        except Exception as exc:  # the user's preprocessor: any failure is the data's or its
            raise ModelRunError(
                f"model {self.name}: its preprocessing failed on the data: "
                f"{type(exc).__name__}: {exc}"
            ) from None


def _step_names(steps: Any) -> list[str]:
    if steps is None:
        return []
    return [type(step).__name__ for _, step in getattr(steps, "steps", [("", steps)])]


def _imputer_adds_columns(steps: Any) -> bool:
    return any(getattr(step, "add_indicator", False) for _, step in getattr(steps, "steps", []))


def _split(estimator: Any) -> tuple[Any, Any]:
    """A pipeline's final step and the steps before it (None when it is not a pipeline)."""
    steps = getattr(estimator, "steps", None)
    if not steps or not hasattr(estimator, "__getitem__"):
        return estimator, None
    if len(steps) == 1:
        return steps[0][1], None
    return estimator[-1], estimator[:-1]


def _feature_names(estimator: Any) -> tuple[str, ...] | None:
    names = getattr(estimator, "feature_names_in_", None)
    return None if names is None else tuple(str(n) for n in names)


def _lightgbm_names(estimator: Any, own: tuple[str, ...], frame: pd.DataFrame) -> tuple[str, ...]:
    """A LightGBM model's feature names as the frame spells them: LightGBM keeps a name with its
    spaces made underscores ('mean radius' becomes 'mean_radius') and reads frames by position,
    so each name it lacks in the frame is matched back to the column it came from."""
    if not type(estimator).__module__.startswith("lightgbm"):
        return own
    spelt = {str(c).replace(" ", "_"): str(c) for c in frame.columns}
    return tuple(n if n in frame.columns else spelt.get(n, n) for n in own)


def _estimator_model(estimator: Any, name: str, features: Sequence[str]) -> TabularModel:
    if not hasattr(estimator, "predict"):
        raise ModelRunError(
            f"model {name}: a {type(estimator).__name__} has no predict method; expected a "
            "scikit-learn estimator or pipeline, an ONNX or skops file, or a callable."
        )
    classifier = hasattr(estimator, "predict_proba") and hasattr(estimator, "classes_")
    classes = tuple(str(c) for c in estimator.classes_) if classifier else ()
    columns = list(features)
    # A model fitted on a frame is given a frame (its column names are checked); one fitted on
    # an array, an array (a frame would make scikit-learn warn that it was not fitted on names).
    named = _feature_names(estimator) is not None

    def run(inputs: Any) -> NDArray[np.float64]:
        try:
            out = estimator.predict_proba(inputs) if classifier else estimator.predict(inputs)
        except Exception as exc:  # the user's model: any failure on the data is its message
            raise ModelRunError(
                f"model {name} failed on the data: {type(exc).__name__}: {exc}"
            ) from None
        return np.asarray(out, dtype=np.float64)

    def predict(frame: pd.DataFrame) -> NDArray[np.float64]:
        return run(frame[columns] if named else frame[columns].to_numpy())

    final, steps = _split(estimator)
    names = _step_names(steps)
    return TabularModel(
        name=name,
        features=tuple(columns),
        classes=classes,
        predict=predict,
        final=final,
        steps=steps,
        one_to_one=all(n in _ONE_TO_ONE for n in names) and not _imputer_adds_columns(steps),
        affine=all(n in _AFFINE for n in names),
        predict_matrix=None if named else run,
    )


def _onnx_model(
    path: Path, features: Sequence[str]
) -> tuple[TabularModel, dict[str, tuple[str, ...]]]:
    run = onnx_tabular(path, features)
    columns = list(features)
    probe: dict[str, tuple[str, ...]] = {}

    def predict(frame: pd.DataFrame) -> NDArray[np.float64]:
        inputs = frame[columns]
        return predict_matrix(inputs.to_numpy(dtype=np.float64), inputs)

    def predict_matrix(
        matrix: NDArray[np.float64], frame: pd.DataFrame | None = None
    ) -> NDArray[np.float64]:
        try:
            labels, proba, classes = onnx_outputs(run(matrix, frame))
        except ModelRunError:
            raise
        except Exception as exc:
            raise ModelRunError(f"The ONNX model {path.name} failed on the data: {exc}") from None
        if proba is not None:
            probe.setdefault("classes", tuple(str(c) for c in (classes or range(proba.shape[1]))))
            return proba
        return np.asarray(labels, dtype=np.float64)

    return TabularModel(
        path.name, tuple(columns), (), predict, predict_matrix=predict_matrix
    ), probe


def _callable_model(
    function: Callable[..., Any], name: str, features: Sequence[str]
) -> TabularModel:
    columns = list(features)

    def predict(frame: pd.DataFrame) -> NDArray[np.float64]:
        try:
            out = function(frame[columns])
        except Exception as exc:
            raise ModelRunError(
                f"model {name} failed on the data: {type(exc).__name__}: {exc}"
            ) from None
        return np.asarray(out, dtype=np.float64)

    return TabularModel(name, tuple(columns), (), predict)


def _check_output(model: TabularModel, frame: pd.DataFrame) -> TabularModel:
    """Run ``model`` on a few rows: a classifier it does not say it is (an ONNX file, a callable
    returning probabilities) is found here, and an output of the wrong shape is refused."""
    sample = frame.iloc[: min(len(frame), 8)]
    try:
        out = model.predict(sample)
    except (TypeError, ValueError) as exc:  # np.asarray on text, ragged rows
        raise ModelRunError(
            f"model {model.name} returned something that is not numbers: {exc}"
        ) from None
    if out.ndim == 0 or out.shape[0] != len(sample) or out.ndim > 2:
        raise ModelRunError(
            f"model {model.name} returned shape {out.shape} for {len(sample)} rows; expected one "
            "value per row, or class probabilities (rows x classes)."
        )
    if model.classes or out.ndim == 1 or out.shape[1] == 1:
        if out.ndim == 2 and not model.classes:
            flat, flat_matrix = model.predict, model.predict_matrix

            def predict(frame: pd.DataFrame) -> NDArray[np.float64]:
                return flat(frame).reshape(-1)

            def predict_matrix(matrix: NDArray[np.float64]) -> NDArray[np.float64]:
                assert flat_matrix is not None  # only made when the model has one
                return flat_matrix(matrix).reshape(-1)

            return replace(
                model,
                predict=predict,
                predict_matrix=None if flat_matrix is None else predict_matrix,
            )
        return model
    return replace(model, classes=tuple(str(k) for k in range(out.shape[1])))


def tabular_model(
    model: Any,
    frame: pd.DataFrame,
    *,
    features: Sequence[str] | None = None,
    target: str | None = None,
    class_names: Sequence[str] | None = None,
    allow_pickle: bool = False,
    fallback: Sequence[str] | None = None,
) -> TabularModel:
    """``model`` as a `TabularModel` on the columns of ``frame``.

    The features are the model's own (``feature_names_in_``) where it has them, else
    ``features``, else ``fallback`` (the schema's features, for a report), else every column
    of ``frame`` but ``target``. A feature the frame lacks is a `ColumnError` naming it. A
    `TabularModel` is returned as it is.
    """
    if isinstance(model, TabularModel):
        return model
    name = getattr(model, "__name__", type(model).__name__)
    estimator: Any = model
    path: Path | None = None
    if isinstance(model, str | Path):
        path = Path(model)
        name = path.name
        if not path.is_file():
            raise ModelRunError(f"model file {path} does not exist.")
        suffix = path.suffix.lower()
        if suffix in FILE_FORMATS:
            fmt = FILE_FORMATS[suffix]
            if fmt != "skops" and not allow_pickle:
                raise ModelRunError(
                    f"{path} is a {fmt} file, which runs code when loaded; save the model with "
                    "skops (.skops) or export it to ONNX, or allow pickle (allow_pickle=True, "
                    "--allow-pickle) if you trust the file."
                )
            estimator = load_object(path, fmt, f"model {path.name}")
        elif suffix != ".onnx":
            raise ModelRunError(
                f"model {path}: expected a .skops or .onnx file (or .pkl/.joblib with "
                f"allow_pickle), got a {suffix or 'file without a suffix'}."
            )
    own = None if path is not None and path.suffix.lower() == ".onnx" else _feature_names(estimator)
    if own is not None:
        own = _lightgbm_names(estimator, own, frame)
    if own is not None and features is not None and list(own) != list(features):
        raise ColumnError(
            f"features {list(features)[:5]} do not match the features the model was fitted on "
            f"({list(own)[:5]}...); leave features out to use the model's own."
        )
    chosen = list(own or features or fallback or [c for c in frame.columns if c != target])
    if not chosen:
        raise ColumnError("no feature columns: the data has no column besides the target.")
    missing = [c for c in chosen if c not in frame.columns]
    if missing:
        raise ColumnError(
            f"the data has no column {missing[0]!r} that the model takes"
            + (f" (nor {len(missing) - 1} more)" if len(missing) > 1 else "")
            + f"; its columns are {list(frame.columns)[:10]}."
        )
    if path is not None and path.suffix.lower() == ".onnx":
        built, probe = _onnx_model(path, chosen)
        checked = _check_output(built, frame)
        if checked.classes and "classes" in probe:
            checked = replace(checked, classes=probe["classes"])
    elif hasattr(estimator, "predict"):
        checked = _check_output(_estimator_model(estimator, name, chosen), frame)
    elif callable(estimator):
        checked = _check_output(_callable_model(estimator, name, chosen), frame)
    else:
        raise InputTypeError(
            f"model: expected a scikit-learn estimator or pipeline, a .skops or .onnx file, or a "
            f"callable taking a DataFrame; got a {type(model).__name__}."
        )
    if class_names is not None and checked.classes:
        if len(class_names) != len(checked.classes):
            raise ColumnError(
                f"class_names has {len(class_names)} names for the model's "
                f"{len(checked.classes)} classes."
            )
        checked = replace(checked, classes=tuple(str(c) for c in class_names))
    return checked
