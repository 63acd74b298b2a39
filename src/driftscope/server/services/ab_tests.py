"""A/B tests of two versions of a model in the service: the runs each version analysed over a
time range (uploaded with ``version``, or logged while it served), their rows pooled per version
with their ground truth, and `driftscope.ab_test` on them (split traffic: each row tagged with
the version that answered it): each metric's difference with an interval and a p-value, the rows
still needed, a warning when the traffic split is unbalanced or the arms' populations differ,
and a verdict on the primary metric (docs/model-comparison.md).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from driftscope.data.schema import ColumnRole, Schema
from driftscope.exceptions import DriftscopeError
from driftscope.server.errors import Invalid
from driftscope.server.models import Run, RunSource, RunStatus, Version
from driftscope.server.services.predict import ModelRunError, predict_columns, version_predictor
from driftscope.server.services.registry import ModelTask, get_model, get_version
from driftscope.server.state import State

__all__ = ["MAX_ROWS", "compare_versions"]

#: The rows pooled per version at most (the newest runs first): a test's memory stays bounded.
MAX_ROWS = 1_000_000
_ARM = "__version__"
_PREDICTION = "__prediction__"
_PROBA = "__proba_"


def _arm_rows(
    state: State,
    session: Session,
    version: Version,
    since: datetime | None,
    until: datetime | None,
) -> tuple[pd.DataFrame, list[int]]:
    """The version's analysed runs in the range, pooled (newest first, up to `MAX_ROWS`), with
    its outputs under shared names, and the runs' ids."""
    # A run sent as a profile has no rows to pool.
    query = select(Run).where(
        Run.version_id == version.id,
        Run.status == RunStatus.ANALYSED,
        Run.source != RunSource.PROFILE,
    )
    if since is not None:
        query = query.where(Run.date >= since)
    if until is not None:
        query = query.where(Run.date < until)
    frames, ids, total = [], [], 0
    for run in session.scalars(query.order_by(Run.date.desc(), Run.id.desc())):
        if total >= MAX_ROWS:
            break
        frame = state.artifacts.read_frame(run.data)
        id_column = version.id_column or ("id" if run.source == "logged" else None)
        if run.labels and id_column and id_column in frame.columns:
            labels = state.artifacts.read_frame(run.labels)
            if version.target in labels.columns and id_column in labels.columns:
                keys = labels[[id_column, version.target]].drop_duplicates(id_column, keep="last")
                frame = frame.drop(columns=[version.target], errors="ignore")
                frame = frame.merge(keys, on=id_column, how="left")
        if version.prediction is not None and version.prediction not in frame.columns:
            if version.model_file is None:
                continue
            try:
                frame = predict_columns(
                    frame,
                    version_predictor(state.artifacts, version),
                    version.prediction,
                    version.proba_prefix,
                )
            except ModelRunError as error:
                raise Invalid(
                    f"Version v{version.number}'s model failed on run {run.id}: {error}",
                    field="a",
                ) from None
        frames.append(frame.iloc[: MAX_ROWS - total])
        ids.append(run.id)
        total += min(len(frame), MAX_ROWS - total)
    if not frames:
        return pd.DataFrame(), ids
    pooled = pd.concat(frames, ignore_index=True)
    renamed = {str(version.prediction): _PREDICTION}
    if version.proba_prefix:
        renamed |= {
            c: _PROBA + str(c)[len(version.proba_prefix) :]
            for c in pooled.columns
            if str(c).startswith(version.proba_prefix)
        }
    pooled = pooled.rename(columns=renamed)
    pooled[_ARM] = f"v{version.number}"
    return pooled, ids


def compare_versions(
    state: State,
    session: Session,
    model_name: str,
    a: int,
    b: int,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    primary_metric: str | None = None,
) -> dict[str, Any]:
    """The A/B test of versions ``a`` (the baseline) and ``b`` over the runs each analysed in
    the range: `ABTestResult.to_dict` with the runs each arm pooled."""
    from driftscope.workflows.compare_models import ab_test

    model = get_model(session, model_name)
    if a == b:
        raise Invalid(f"An A/B test compares two versions; got v{a} twice.", field="b")
    versions = (get_version(session, model, a), get_version(session, model, b))
    task = ModelTask(model.task)
    if task.on_files:
        raise Invalid("A/B tests compare tabular models; this one's data is files.", field="a")
    target = versions[0].target
    if target is None or versions[1].target != target:
        raise Invalid(
            "An A/B test needs ground truth under one name in both versions; "
            f"v{a} names {versions[0].target!r}, v{b} {versions[1].target!r}.",
            field="b",
        )
    pooled, runs = [], []
    for version, field in zip(versions, ("a", "b"), strict=True):
        rows, ids = _arm_rows(state, session, version, since, until)
        if rows.empty or target not in rows.columns or rows[target].isna().all():
            raise Invalid(
                f"Version v{version.number} has no analysed run with ground truth in this "
                "range: an A/B test needs each version's answers and their labels.",
                field=field,
            )
        pooled.append(rows)
        runs.append(ids)
    data = pd.concat(pooled, ignore_index=True)
    probabilities = all(v.proba_prefix for v in versions)
    schema = Schema.from_dict(versions[0].schema, source=f"version {a}'s schema")
    features = [s.name for s in schema if s.role == ColumnRole.FEATURE and s.name in data.columns]
    try:
        result = ab_test(
            data,
            target=target,
            prediction=_PREDICTION,
            arm=_ARM,
            arms=(f"v{a}", f"v{b}"),
            proba_prefix=_PROBA if probabilities else None,
            task=task.monitor_task,
            features=features or None,
            primary_metric=primary_metric,
        )
    except DriftscopeError as error:
        raise Invalid(f"The A/B test could not run: {error}", field="a") from None
    return {**result.to_dict(), "runs": {f"v{a}": runs[0], f"v{b}": runs[1]}}
