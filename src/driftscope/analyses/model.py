"""Which columns describe the model (target, prediction, probabilities) and what task it does."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from driftscope.data.infer import RoleKinds
from driftscope.data.schema import ColumnKind, ColumnRole, ColumnSpec, Schema
from driftscope.exceptions import SchemaError

__all__ = [
    "EncodedLabels",
    "ModelColumns",
    "Task",
    "encode_labels",
    "resolve_model_columns",
    "task_kinds",
]

DEFAULT_PROBA_PREFIXES = ("proba_", "prob_", "probability_")
# A numeric target with more distinct values than this (or any non-integer value) is regression.
_MAX_CLASSES = 50
# More classes than this is refused: every confusion-matrix metric is bootstrapped on resampled
# (k x k) matrices, 1,000 of them, so k in the thousands would need gigabytes. Continuous scores
# given as the prediction of a classification task land here.
MAX_LABELS = 100
_LABEL_NOTE = "class labels of a classification task: compared as categories"


class Task(StrEnum):
    BINARY = "binary_classification"
    MULTICLASS = "multiclass_classification"
    REGRESSION = "regression"
    ASR = "speech_recognition"
    SEGMENTATION = "segmentation"

    @property
    def is_classification(self) -> bool:
        return self in (Task.BINARY, Task.MULTICLASS)


_TASK_ALIASES = {
    "binary": Task.BINARY,
    "classification": None,  # binary or multiclass, decided by the labels
    "multiclass": Task.MULTICLASS,
    "regression": Task.REGRESSION,
    "asr": Task.ASR,
    "speech": Task.ASR,
    "segmentation": Task.SEGMENTATION,
}


@dataclass(frozen=True)
class ModelColumns:
    """The model's columns and task. ``labels`` are the class labels (as strings) for
    classification, in the order of ``probabilities`` when those exist."""

    task: Task | None
    target: str | None
    prediction: str | None
    probabilities: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    timestamp: str | None = None
    id: str | None = None
    note: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "task": None if self.task is None else str(self.task),
            "target": self.target,
            "prediction": self.prediction,
            "probabilities": list(self.probabilities),
            "labels": list(self.labels),
            "timestamp": self.timestamp,
            "id": self.id,
            "note": self.note,
        }


def parse_task(value: str | None) -> Task | str | None:
    """A task name from the user: a `Task`, ``"classification"`` (binary or multiclass), or None."""
    if value is None:
        return None
    key = value.strip().lower()
    if key in _TASK_ALIASES:
        task = _TASK_ALIASES[key]
        return "classification" if task is None else task
    try:
        return Task(key)
    except ValueError:
        names = ", ".join(sorted({*_TASK_ALIASES, *(str(t) for t in Task)}))
        raise SchemaError(f"Unknown task {value!r}; expected one of {names}.") from None


_TRANSCRIPTS = (
    ColumnKind.TEXT,
    "transcripts of a speech recognizer: text by their role, whatever their length or number "
    "of distinct sentences; compared on text length",
)
#: The kinds a task gives its model's columns by their role. A speech recognizer's transcripts
#: are text even when they are short commands ("stop", "call mum") that repeat: read as
#: categories, every sentence the reference never had would count as an unseen category.
#: (Class labels are categories by their role too, decided once the task is known:
#: `_as_categorical`.)
_TASK_KINDS: dict[Task, RoleKinds] = {
    Task.ASR: {ColumnRole.TARGET: _TRANSCRIPTS, ColumnRole.PREDICTION: _TRANSCRIPTS},
}


def task_kinds(task: str | None) -> RoleKinds:
    """The kinds the named ``task`` gives its target and prediction by their role, for
    `infer_schema` (``role_kinds``); empty when the task is not given or decides no kind.

    >>> {str(role): str(kind) for role, (kind, _) in task_kinds("asr").items()}
    {'target': 'text', 'prediction': 'text'}
    >>> task_kinds("regression"), task_kinds(None)
    ({}, {})
    """
    parsed = parse_task(task)
    return _TASK_KINDS.get(parsed, {}) if isinstance(parsed, Task) else {}


def _label_strings(series: pd.Series) -> pd.Series:
    """Labels as strings, with integral floats written as integers (1.0 -> "1")."""
    values = series.dropna()
    if pd.api.types.is_float_dtype(values.dtype):
        arr = values.to_numpy(dtype=np.float64)
        if np.all(np.mod(arr[np.isfinite(arr)], 1) == 0):
            values = values.astype("int64")
    if pd.api.types.is_bool_dtype(values.dtype):
        values = values.astype("int64")
    return values.astype("string")


def _distinct(frames: list[pd.Series]) -> list[str]:
    seen: set[str] = set()
    for series in frames:
        seen.update(str(v) for v in _label_strings(series).unique())
    return sorted(seen, key=_natural_key)


def _natural_key(label: str) -> tuple[int, float, str]:
    try:
        return (0, float(label), label)
    except ValueError:
        return (1, 0.0, label)


def resolve_model_columns(
    schema: Schema,
    reference: pd.DataFrame,
    current: pd.DataFrame,
    *,
    task: str | None = None,
    proba_prefix: str | None = None,
) -> tuple[ModelColumns, Schema, list[str]]:
    """Find the target, prediction and probability columns, infer the task, and return them with
    the schema updated (probability columns get the probability role) and warnings."""
    warnings: list[str] = []
    by_role: dict[ColumnRole, list[str]] = {}
    for spec in schema:
        if spec.role is not None:
            by_role.setdefault(spec.role, []).append(spec.name)
    for role in (ColumnRole.TARGET, ColumnRole.PREDICTION, ColumnRole.TIMESTAMP, ColumnRole.ID):
        if len(by_role.get(role, [])) > 1:
            raise SchemaError(
                f"Expected at most one {role} column. Got {', '.join(map(repr, by_role[role]))}. "
                f"Name one with the {role}= argument (--{role}) or with '{role}' in the schema "
                f"file (--schema), and give the others another role."
            )

    def only(role: ColumnRole) -> str | None:
        names = by_role.get(role)
        return names[0] if names else None

    target = only(ColumnRole.TARGET)
    prediction = only(ColumnRole.PREDICTION)
    timestamp = only(ColumnRole.TIMESTAMP)
    id_column = only(ColumnRole.ID)

    probabilities = list(by_role.get(ColumnRole.PROBABILITY, []))
    prefixes = (proba_prefix,) if proba_prefix else DEFAULT_PROBA_PREFIXES
    if not probabilities:
        for prefix in prefixes:
            found = [
                s.name for s in schema if s.name.startswith(prefix) and len(s.name) > len(prefix)
            ]
            if not found and prefix in schema:
                # One column named as the prefix itself (a binary model's ``y_pred_proba``): the
                # probability of the positive class, read below as a binary model's one column.
                found = [prefix]
            if found:
                probabilities, proba_prefix = found, prefix
                break
        if proba_prefix and not probabilities and proba_prefix not in DEFAULT_PROBA_PREFIXES:
            raise SchemaError(
                f"No column starts with the probability prefix {proba_prefix!r}; columns are "
                f"{', '.join(map(repr, schema.names[:20]))}."
            )
    for proba_name in probabilities:
        schema = schema.with_column(ColumnSpec(name=proba_name, role=ColumnRole.PROBABILITY))
    for column in (target, prediction):
        if column is not None and column not in schema:
            raise SchemaError(f"Column {column!r} is not in both datasets.")

    parsed = parse_task(task)
    resolved: Task | None = parsed if isinstance(parsed, Task) else None
    labels: list[str] = []
    note = None
    if target is None and prediction is None:
        return (
            ModelColumns(None, None, None, (), (), timestamp, id_column, "no target or prediction"),
            schema,
            warnings,
        )
    model_cols = [c for c in (target, prediction) if c is not None]
    if resolved is None:
        resolved = _infer_task(schema, reference, model_cols, bool(probabilities), parsed)
    if resolved.is_classification:
        schema = _labels_as_categories(
            schema, reference, current, target, prediction, resolved, task
        )
        series = [frame[c] for frame in (reference, current) for c in model_cols if c in frame]
        labels = _distinct(series)
        if probabilities:
            proba_labels = [name[len(proba_prefix or "") :] for name in probabilities]
            if len(probabilities) == 1 and len(labels) == 2:
                # Binary with one probability column: it is the probability of the class its
                # name gives (proba_1, proba_yes), else of the second label in natural order.
                named = proba_labels[0]
                positive = named if named in labels else labels[1]
                labels = [label for label in labels if label != positive] + [positive]
                note = f"{probabilities[0]!r} is the probability of class {positive!r}"
            else:
                labels = _align_proba_labels(labels, proba_labels, probabilities)
            if len(labels) != len(probabilities) and note is None:
                extra = labels[len(proba_labels) :]
                if labels[: len(proba_labels)] == proba_labels:
                    # Classes the model has no probability for (labels it never learnt) get
                    # probability 0.
                    note = (
                        f"no probability column for class(es) {', '.join(map(repr, extra))}: "
                        "the model gives them probability 0"
                    )
                else:
                    single = (
                        " (a single probability column is the positive class's probability of a "
                        "binary model)"
                        if len(probabilities) == 1
                        else ""
                    )
                    raise SchemaError(
                        f"{len(probabilities)} probability column(s) "
                        f"({', '.join(map(repr, probabilities))}) for {len(labels)} classes "
                        f"({', '.join(map(repr, labels[:10]))}); expected one per class{single}."
                    )
        if parsed is None or parsed == "classification":
            resolved = Task.BINARY if len(labels) <= 2 else Task.MULTICLASS
        if target is not None:
            ref_labels = set(_distinct([reference[target]])) if target in reference else set()
            unseen = [lab for lab in _distinct([current[target]]) if lab not in ref_labels]
            if unseen and ref_labels:
                warnings.append(
                    f"Target {target!r}: label(s) never seen in the reference: "
                    f"{', '.join(map(repr, unseen[:5]))}"
                    + (" ..." if len(unseen) > 5 else "")
                    + "; they count as classes the model cannot have learnt."
                )
    return (
        ModelColumns(
            resolved,
            target,
            prediction,
            tuple(probabilities),
            tuple(labels),
            timestamp,
            id_column,
            note,
        ),
        schema,
        warnings,
    )


def _infer_task(
    schema: Schema,
    reference: pd.DataFrame,
    model_cols: list[str],
    has_probabilities: bool,
    parsed: Task | str | None,
) -> Task:
    """The task when none is given: text labels are speech, probabilities or ``classification``
    make it classification, and numbers are class ids when all are integers with at most
    `_MAX_CLASSES` distinct values in the reference (a regression target otherwise)."""
    kinds = {schema[c].kind for c in model_cols}
    if kinds <= {ColumnKind.TEXT}:
        return Task.ASR
    if has_probabilities or parsed == "classification":
        return Task.BINARY
    if kinds <= {ColumnKind.NUMERICAL}:
        values = pd.concat([reference[c] for c in model_cols if c in reference])
        numbers = pd.to_numeric(values, errors="coerce").dropna().to_numpy(np.float64)
        finite = numbers[np.isfinite(numbers)]
        integral = finite.size > 0 and bool(np.all(np.mod(finite, 1) == 0))
        distinct = np.unique(finite).size if integral else _MAX_CLASSES + 1
        return Task.BINARY if integral and distinct <= _MAX_CLASSES else Task.REGRESSION
    return Task.BINARY


def _labels_as_categories(
    schema: Schema,
    reference: pd.DataFrame,
    current: pd.DataFrame,
    target: str | None,
    prediction: str | None,
    task: Task,
    asked: str | None,
) -> Schema:
    for column, what in ((target, "target"), (prediction, "prediction")):
        if column is not None:
            _check_class_labels(column, what, reference, current, task, asked)
            schema = _as_categorical(schema, column)
    return schema


def class_labels_as_categories(
    schema: Schema,
    reference: pd.DataFrame,
    current: pd.DataFrame,
    *,
    target: str | None,
    prediction: str | None,
    task: str | None = None,
) -> Schema:
    """For label and prediction drift without a model analysis (`compare`): when the target and
    prediction hold class labels (``task`` says classification, or it is inferred as `monitor`
    does), they are drift-tested as categories, not as numbers.

    >>> import pandas as pd
    >>> from driftscope.data.infer import infer_schema
    >>> ref, cur = pd.DataFrame({"y": [0, 1, 2] * 50}), pd.DataFrame({"y": [0, 2, 2] * 50})
    >>> schema, _ = infer_schema(ref, cur)
    >>> str(class_labels_as_categories(schema, ref, cur, target="y", prediction=None)["y"].kind)
    'categorical'
    """
    model_cols = [c for c in (target, prediction) if c is not None and c in schema]
    if not model_cols:
        return schema
    parsed = parse_task(task)
    resolved = parsed if isinstance(parsed, Task) else None
    if resolved is None:
        resolved = _infer_task(schema, reference, model_cols, False, parsed)
    if not resolved.is_classification:
        return schema
    return _labels_as_categories(
        schema,
        reference,
        current,
        target if target in model_cols else None,
        prediction if prediction in model_cols else None,
        resolved,
        task,
    )


def _check_class_labels(
    column: str,
    role: str,
    reference: pd.DataFrame,
    current: pd.DataFrame,
    task: Task,
    asked: str | None,
) -> None:
    """Refuse a target or prediction that cannot hold class labels (continuous scores, or more
    distinct values than `MAX_LABELS`) before any metric counts a class per value."""
    frames = [frame[column] for frame in (reference, current) if column in frame]
    values = pd.concat(frames, ignore_index=True) if frames else pd.Series(dtype=object)
    what = f"task {asked!r} (task= / --task)" if asked is not None else f"the inferred {task}"
    option = f"{role}= / --{role}"
    if pd.api.types.is_float_dtype(values.dtype):
        numbers = values.to_numpy(dtype=np.float64, na_value=np.nan)
        fractional = np.isfinite(numbers) & (np.mod(numbers, 1) != 0)
        if fractional.any():
            example = float(numbers[np.argmax(fractional)])
            raise SchemaError(
                f"The {role} column {column!r} ({option}) holds non-integer numbers "
                f"(e.g. {example:.6g}), so it cannot hold class labels for {what}. Give the "
                "predicted class as the prediction and scores as probability columns "
                "(--proba-prefix), or use --task regression."
            )
    n_distinct = int(values.nunique(dropna=True))
    if n_distinct > MAX_LABELS:
        raise SchemaError(
            f"The {role} column {column!r} ({option}) holds {n_distinct:,} distinct values; "
            f"{what} supports at most {MAX_LABELS} classes. Give class labels, or use --task "
            "regression for a numeric target, --task asr for speech transcripts."
        )


def _as_categorical(schema: Schema, column: str) -> Schema:
    """Class labels are categories whatever their type: class ids drift-tested as numbers would
    call a swap of class shares "no drift" (a Wasserstein distance on ids is meaningless)."""
    if schema[column].kind in (ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN, ColumnKind.CONSTANT):
        return schema
    return schema.with_column(
        ColumnSpec(name=column, kind=ColumnKind.CATEGORICAL, note=_LABEL_NOTE)
    )


def _align_proba_labels(
    labels: list[str], proba_labels: list[str], columns: list[str]
) -> list[str]:
    """Class labels in the order of the probability columns, when each column names a class."""
    if set(proba_labels) >= set(labels) or all(p in labels for p in proba_labels):
        extra = [lab for lab in labels if lab not in proba_labels]
        return proba_labels + extra
    return labels


@dataclass(frozen=True)
class EncodedLabels:
    """Target and prediction as integer codes into ``labels``; -1 where missing."""

    y_true: NDArray[np.int64] | None
    y_pred: NDArray[np.int64] | None
    labels: tuple[str, ...]


def encode_labels(
    target: pd.Series | None, prediction: pd.Series | None, labels: tuple[str, ...]
) -> EncodedLabels:
    categories = pd.Index(labels)

    integer_labels: NDArray[np.int64] | None = None
    try:
        integer_labels = np.array([int(label) for label in labels], dtype=np.int64)
        if [str(v) for v in integer_labels] != list(labels):
            integer_labels = None
    except ValueError:
        integer_labels = None

    def codes(series: pd.Series | None) -> NDArray[np.int64] | None:
        if series is None:
            return None
        if integer_labels is not None and (
            pd.api.types.is_integer_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype)
        ):
            # Integer labels: a binary search instead of a round trip through strings.
            values = series.to_numpy(dtype=np.int64)
            order = np.argsort(integer_labels)
            position = np.searchsorted(integer_labels[order], values)
            position = np.minimum(position, len(order) - 1)
            found = integer_labels[order][position] == values
            return np.where(found, order[position], -1).astype(np.int64)
        as_text = pd.Series(pd.NA, index=series.index, dtype="string")
        present = series.notna()
        as_text[present] = _label_strings(series)
        return np.asarray(pd.Categorical(as_text, categories=categories).codes, dtype=np.int64)

    return EncodedLabels(codes(target), codes(prediction), labels)
