"""A streaming detector's change points on a run's prediction stream, for the ``change_points``
alert rules.

The stream is one number per row of the run, in time order (the version's timestamp column, or
the time the service gave each logged row; file order when there is none): the predicted value
(``prediction``), the model's probability (``probability``: the positive class's of a binary
model, the top class's otherwise), or the row's loss when it has ground truth (``error``: 0/1
for a classifier, the absolute error for a regression). The detector (`driftscope.streaming`)
starts afresh on every run, so a run's result depends on its rows alone: runs analysed out of
date order, or again with late labels, change only their own result.

What a detector found is stored per run and setting (`RunChangePoints`) the first time a rule
reads it, and dropped when the run is analysed again; only the stream's columns are read from
the run's Parquet file.
"""

from __future__ import annotations

import importlib
import inspect
import json
import math
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from numpy.typing import NDArray
from sqlalchemy import select
from sqlalchemy.orm import Session

from driftscope.exceptions import DriftscopeError
from driftscope.server.errors import Invalid
from driftscope.server.models import Run, RunChangePoints, RunSource, Version
from driftscope.server.services.registry import ModelTask
from driftscope.server.storage import ArtifactStore
from driftscope.streaming._registry import DETECTORS, make_detector

__all__ = [
    "DEFAULT_DETECTOR",
    "MAX_INTEGER",
    "Stream",
    "check_detector",
    "config",
    "defaults",
    "found",
]

#: The detector of a rule that names none: Page-Hinkley, for a shift of a stream's mean.
DEFAULT_DETECTOR = "page_hinkley"
#: How many runs are read from the store at a time when results are computed.
_CHUNK = 500
#: The largest whole-number setting a rule may give a detector (its own bounds apply too).
MAX_INTEGER = 1_000_000


class Stream(StrEnum):
    """The number per row a detector reads (a rule's ``measure``)."""

    PREDICTION = "prediction"
    PROBABILITY = "probability"
    ERROR = "error"


#: The tasks whose runs are tables with a prediction per row.
_TABLE_TASKS = (ModelTask.BINARY, ModelTask.MULTICLASS, ModelTask.REGRESSION, ModelTask.TEXT)
_CLASSIFIERS = (ModelTask.BINARY, ModelTask.MULTICLASS, ModelTask.TEXT)


class StreamError(DriftscopeError, ValueError):
    """A run's stream cannot be read (its column missing, no ground truth, ...)."""


def check_detector(
    task: ModelTask, name: str | None, parameters: Mapping[str, Any] | None, stream: Stream
) -> tuple[str, dict[str, Any]]:
    """The detector's name and parameters, checked by building it; each fault a 422 naming the
    field (``subject`` for the detector, ``parameters``, ``measure``)."""
    if task not in _TABLE_TASKS:
        raise Invalid(
            f"A 'change_points' rule reads a table's predictions; a {task.value} model has none.",
            field="signal",
        )
    detector = (name or DEFAULT_DETECTOR).strip().lower().replace("-", "_")
    if detector not in DETECTORS:
        raise Invalid(
            f"The 'subject' of a 'change_points' rule is a detector, one of "
            f"{', '.join(DETECTORS)}; got {name!r}.",
            field="subject",
        )
    params = dict(parameters or {})
    for key, value in params.items():
        if not isinstance(value, (int, float, str, bool)) or (
            isinstance(value, float) and not math.isfinite(value)
        ):
            raise Invalid(
                f"The 'parameters' are the detector's settings as numbers or text; "
                f"{key!r} is {value!r}.",
                field="parameters",
            )
        if isinstance(value, int) and abs(value) > MAX_INTEGER:
            raise Invalid(
                f"The 'parameters' take whole numbers of at most {MAX_INTEGER:,} (a count or a "
                f"window within a run); {key!r} is {value!r}.",
                field="parameters",
            )
    try:
        built = make_detector(detector, params)
    except DriftscopeError as error:
        raise Invalid(f"The 'parameters': {error}", field="parameters") from None
    if built.binary_input and not (stream == Stream.ERROR and task in _CLASSIFIERS):
        raise Invalid(
            f"The detector {detector!r} reads a 0/1 error stream: the 'measure' must be 'error' "
            f"on a classification model; got {stream.value!r} on a {task.value} model.",
            field="measure",
        )
    if stream == Stream.PROBABILITY and task == ModelTask.REGRESSION:
        raise Invalid(
            "A regression model has no probability; the 'measure' is 'prediction' or 'error'.",
            field="measure",
        )
    return detector, params


def defaults() -> dict[str, dict[str, Any]]:
    """Each detector a rule may name, with its parameters and their defaults (what a rule that
    leaves one out gets), in the detector's own order: the hints of the app's rule form."""
    out: dict[str, dict[str, Any]] = {}
    for name, (module, class_name) in DETECTORS.items():
        detector = getattr(importlib.import_module(module), class_name)
        out[name] = {
            parameter.name: parameter.default
            for parameter in inspect.signature(detector).parameters.values()
            # A setting a rule can give: a number, a boolean or text (not, say, KSWIN's window).
            if isinstance(parameter.default, (int, float, str, bool))
        }
    return out


def config(detector: str, parameters: Mapping[str, Any], stream: Stream) -> str:
    """A setting's canonical JSON: the key of what it found in a run."""
    return json.dumps(
        {"detector": detector, "parameters": dict(parameters), "stream": stream.value},
        sort_keys=True,
        separators=(",", ":"),
    )


def found(
    session: Session,
    artifacts: ArtifactStore | None,
    model_id: int,
    run_ids: Sequence[int],
    task: ModelTask,
    setting: tuple[str, Mapping[str, Any], Stream],
) -> dict[int, RunChangePoints]:
    """What the detector (``setting``: its name, parameters and stream) found on each of the
    model's runs ``run_ids``, by run id: read from the store, or computed and stored for the runs
    that have no result from their current data and labels (only with ``artifacts``; without,
    such a run is left out)."""
    detector, parameters, stream = setting
    key = config(detector, parameters, stream)
    wanted = set(run_ids)
    inputs = {
        run_id: _inputs(data, labels)
        for run_id, data, labels in session.execute(
            select(Run.id, Run.data, Run.labels).where(Run.model_id == model_id)
        ).all()
        if run_id in wanted
    }
    out: dict[int, RunChangePoints] = {}
    stored = session.scalars(
        select(RunChangePoints)
        .join(Run, Run.id == RunChangePoints.run_id)
        .where(Run.model_id == model_id, RunChangePoints.config == key)
    )
    for row in stored:
        if row.run_id not in inputs:
            continue
        if row.inputs == inputs[row.run_id]:
            out[row.run_id] = row
        elif artifacts is not None:
            # Read from data the run no longer has (assembled again while it was read).
            session.delete(row)
    missing = [run_id for run_id in inputs if run_id not in out]
    if artifacts is None or not missing:
        return out
    session.flush()
    for start in range(0, len(missing), _CHUNK):
        for run, version in session.execute(
            select(Run, Version)
            .join(Version, Version.id == Run.version_id)
            .where(Run.id.in_(missing[start : start + _CHUNK]))
        ).all():
            row = _detect(artifacts, run, version, task, setting)
            row.run_id, row.config, row.inputs = run.id, key, _inputs(run.data, run.labels)
            session.add(row)
            out[run.id] = row
        session.flush()
    return out


def _inputs(data: str, labels: str | None) -> str:
    """The artifacts a result is read from: the run's data and labels."""
    return f"{data}+{labels or ''}"


def _detect(
    artifacts: ArtifactStore,
    run: Run,
    version: Version,
    task: ModelTask,
    setting: tuple[str, Mapping[str, Any], Stream],
) -> RunChangePoints:
    detector, parameters, stream = setting
    try:
        values, times = stream_of(artifacts, run, version, task, stream)
        drifts = make_detector(detector, dict(parameters)).update_many(values).drifts
    except DriftscopeError as error:  # the stream unreadable, or values the detector refuses
        return RunChangePoints(n_values=0, changes=0, error=str(error))
    first = int(drifts[0]) if drifts.size else None
    first_at = None
    if first is not None and times is not None and not np.isnat(times[first]):
        first_at = pd.Timestamp(times[first], tz="UTC").to_pydatetime()
    return RunChangePoints(
        n_values=int(values.size), changes=int(drifts.size), first_row=first, first_at=first_at
    )


def stream_of(
    artifacts: ArtifactStore, run: Run, version: Version, task: ModelTask, stream: Stream
) -> tuple[NDArray[np.float64], NDArray[Any] | None]:
    """The run's stream in time order, without rows whose value is missing, and each value's
    time as naive UTC (None: the run has no time column)."""
    if run.source == RunSource.PROFILE:
        raise StreamError(
            f"Run {run.id} came as a profile, without its rows: it has no stream to detect "
            "change points on."
        )
    path = artifacts.path(run.data)
    names = set(pq.read_schema(path).names)
    time_column = version.timestamp or ("timestamp" if run.source == "logged" else None)
    time_column = time_column if time_column in names else None
    id_column = version.id_column or ("id" if run.source == "logged" else None)
    wanted = _columns(version, names, stream)
    if stream == Stream.ERROR and version.target not in names and id_column in names:
        wanted.append(str(id_column))
    if time_column is not None:
        wanted.append(time_column)
    frame = pq.read_table(path, columns=sorted(set(wanted))).to_pandas()
    times = None
    if time_column is not None:
        # As naive UTC datetime64 (zone-aware values would be Python objects: a million of
        # them take seconds to sort); a time that cannot be read sorts last.
        stamps = pd.to_datetime(frame[time_column], utc=True, errors="coerce")
        utc = stamps.dt.tz_convert(None).to_numpy(dtype="datetime64[ns]")
        order = np.argsort(utc, kind="stable")
        frame = frame.iloc[order].reset_index(drop=True)
        times = utc[order]
    values = _values(artifacts, run, version, task, frame, stream, id_column)
    keep = np.isfinite(values)
    return values[keep], (times[keep] if times is not None else None)


def _columns(version: Version, names: set[str], stream: Stream) -> list[str]:
    """The data columns the stream is made of; a missing one is a `StreamError`."""
    if stream == Stream.PROBABILITY:
        return _proba_columns(version, names)
    prediction = version.prediction
    if prediction is None or prediction not in names:
        raise StreamError(
            f"Run data has no prediction column {prediction!r} (predictions the version's model "
            "makes during the analysis are not stored)."
        )
    if stream == Stream.ERROR and version.target in names:
        return [prediction, str(version.target)]
    return [prediction]


def _proba_columns(version: Version, names: set[str]) -> list[str]:
    prefix = version.proba_prefix
    found_columns = [n for n in names if prefix and n.startswith(prefix)]
    if not found_columns:
        raise StreamError(
            f"Run data has no probability columns (prefix {prefix!r} of version {version.number})."
        )
    return _by_class(found_columns, str(prefix))


def _by_class(columns: list[str], prefix: str) -> list[str]:
    """Probability columns in their classes' order (numbers by value), as the performance
    analysis orders classes: a binary model's positive class is the second."""
    suffixes = [c[len(prefix) :] for c in columns]
    try:
        keys: list[Any] = [float(s) for s in suffixes]
    except ValueError:
        keys = suffixes
    return [c for _, c in sorted(zip(keys, columns, strict=True))]


def _values(
    artifacts: ArtifactStore,
    run: Run,
    version: Version,
    task: ModelTask,
    frame: pd.DataFrame,
    stream: Stream,
    id_column: str | None,
) -> NDArray[np.float64]:
    if stream == Stream.PROBABILITY:
        prefix = str(version.proba_prefix)
        columns = _by_class([c for c in frame.columns if c.startswith(prefix)], prefix)
        proba = frame[columns].to_numpy(dtype=np.float64)
        return proba[:, 1] if len(columns) == 2 else proba.max(axis=1)
    predicted = frame[str(version.prediction)]
    if stream == Stream.PREDICTION:
        return _numbers(predicted, f"prediction column {version.prediction!r}")
    truth = _truth(artifacts, run, version, frame, id_column)
    labelled = truth.notna().to_numpy()
    if task == ModelTask.REGRESSION:
        error = np.abs(
            _numbers(predicted, "prediction") - _numbers(truth, f"target {version.target!r}")
        )
    else:
        error = (~_same(predicted, truth)).astype(np.float64)
    return np.where(labelled, error, np.nan)


def _truth(
    artifacts: ArtifactStore,
    run: Run,
    version: Version,
    frame: pd.DataFrame,
    id_column: str | None,
) -> pd.Series:
    """Each row's ground truth (missing where it has none): the run's target column, or the
    run's labels joined by id."""
    target = str(version.target)
    if version.target is not None and target in frame:
        return frame[target]
    if run.labels is None or id_column is None or id_column not in frame:
        raise StreamError("Run has no ground truth yet: an 'error' stream needs labels.")
    labels = artifacts.read_frame(run.labels)
    if target not in labels or id_column not in labels:
        raise StreamError(f"Run's ground truth has no column {target!r} or {id_column!r}.")
    keys = labels[id_column].astype(str)
    last = ~keys.duplicated(keep="last")  # the last label sent for an id wins
    by_id = pd.Series(labels[target].to_numpy()[last], index=keys.to_numpy()[last])
    return frame[id_column].astype(str).map(by_id)


def _numbers(values: pd.Series, what: str) -> NDArray[np.float64]:
    numbers = pd.to_numeric(values, errors="coerce")
    if values.notna().any() and numbers.isna().all():
        raise StreamError(f"The {what} is not numerical; use the 'probability' stream.")
    return numbers.to_numpy(dtype=np.float64, na_value=np.nan)


def _same(predicted: pd.Series, truth: pd.Series) -> NDArray[np.bool_]:
    """Whether each prediction equals its label, as numbers when both are numbers (1 == 1.0),
    else as text."""
    left, right = pd.to_numeric(predicted, errors="coerce"), pd.to_numeric(truth, errors="coerce")
    if left.notna().all() and right[truth.notna()].notna().all():
        return (left == right).to_numpy()
    return (predicted.astype(str) == truth.astype(str)).to_numpy()
