"""What a dashboard plots, over a model's analysed runs in date order, as columns.

Every list is aligned with ``runs``: the i-th value of a metric or a column belongs to the i-th
run (``null`` where that run has none). Columns rather than one object per point: a chart takes
them as they are, and the answer is a third of the size and built and sent in a fraction of the
time. The numbers come from the point tables the analysis fills (`RunMetric`, `RunFeature`, the
run's own columns); nothing is parsed at request time.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import ColumnElement, Text, cast, select
from sqlalchemy.orm import Session

from driftscope.analyses.results import ColumnDrift
from driftscope.server.models import (
    Model,
    Run,
    RunColumnDrift,
    RunEstimate,
    RunMetric,
    RunStatus,
    Version,
)

__all__ = ["feature_timeline", "pack_column_drift", "packed_row", "timeline"]

_RUN_FIELDS = (
    "run", "date", "version", "verdict", "reasons", "drift_share", "dataset_drifted", "n_rows",
    "quality_warnings", "quality_alerts", "n_labelled", "n_feedback", "negative_feedback",
)  # fmt: skip
_METRIC_FIELDS = ("value", "lower", "upper", "reference", "benchmark", "status")
_ESTIMATE_FIELDS = ("estimate", "lower", "upper", "baseline", "status", "realised", "within_band")


def _where(
    model: Model, since: datetime | None, until: datetime | None
) -> list[ColumnElement[bool]]:
    where = [Run.model_id == model.id, Run.status == RunStatus.ANALYSED]
    if since is not None:
        where.append(Run.date >= since)
    if until is not None:
        where.append(Run.date < until)
    return where


def _runs(session: Session, where: list[ColumnElement[bool]]) -> dict[str, list[Any]]:
    rows = session.execute(
        select(
            Run.id, Run.date, Version.number, Run.verdict, Run.verdict_reasons, Run.drift_share,
            Run.dataset_drifted, Run.n_rows, Run.quality_warnings, Run.quality_alerts,
            Run.n_labelled, Run.n_feedback, Run.negative_feedback,
        ).join(Version, Version.id == Run.version_id).where(*where).order_by(Run.date, Run.id)
    ).all()  # fmt: skip
    values = zip(*rows, strict=True) if rows else ([] for _ in _RUN_FIELDS)
    columns = dict(zip(_RUN_FIELDS, map(list, values), strict=True))
    columns["date"] = [date.isoformat() for date in columns["date"]]
    return columns


def timeline(
    session: Session,
    model: Model,
    since: datetime | None = None,
    until: datetime | None = None,
    digits: int | None = None,
) -> dict[str, Any]:
    """Each run's date, version, verdict with its reasons (most severe first; ``null`` for a
    run analysed before they were kept), drift share, data-quality counts, labelled rows and
    feedback (how much, how much negative), each performance metric with its interval, the
    baseline (``reference``) and the benchmark, and each metric estimated without labels
    (``estimates``: the estimate, its band, the baseline, the status, and the realised value
    and whether it fell in the band once labels arrived; ``primary_estimates`` names the
    metrics some run's estimate led with).

    ``digits`` rounds the drift shares and the metrics' numbers to that many decimals (a chart
    needs no more; the answer is a third smaller)."""
    where = _where(model, since, until)
    runs = _runs(session, where)
    keep = _rounding(digits)
    if digits is not None:
        runs["drift_share"] = [keep(share) for share in runs["drift_share"]]
    position = {run_id: i for i, run_id in enumerate(runs["run"])}
    metrics: dict[str, dict[str, list[Any]]] = {}
    rows = session.execute(
        select(
            RunMetric.metric, RunMetric.run_id, RunMetric.value, RunMetric.lower,
            RunMetric.upper, RunMetric.reference, RunMetric.benchmark, RunMetric.status,
        ).join(Run, Run.id == RunMetric.run_id).where(*where)
    )  # fmt: skip
    for metric, run_id, *values in rows:
        series = metrics.get(metric)
        if series is None:
            series = metrics[metric] = {field: [None] * len(position) for field in _METRIC_FIELDS}
        i = position[run_id]
        for field, value in zip(_METRIC_FIELDS, values, strict=True):
            series[field][i] = keep(value)
    estimates: dict[str, dict[str, list[Any]]] = {}
    primary: set[str] = set()
    rows = session.execute(
        select(
            RunEstimate.metric, RunEstimate.run_id, RunEstimate.is_primary, RunEstimate.estimate,
            RunEstimate.lower, RunEstimate.upper, RunEstimate.baseline, RunEstimate.status,
            RunEstimate.realised, RunEstimate.within_band,
        ).join(Run, Run.id == RunEstimate.run_id).where(*where)
    )  # fmt: skip
    for metric, run_id, is_primary, *values in rows:
        if is_primary:
            primary.add(metric)
        series = estimates.get(metric)
        if series is None:
            series = estimates[metric] = {f: [None] * len(position) for f in _ESTIMATE_FIELDS}
        i = position[run_id]
        for field, value in zip(_ESTIMATE_FIELDS, values, strict=True):
            series[field][i] = keep(value)
    return {
        "model": model.name,
        "runs": runs,
        "metrics": metrics,
        "estimates": estimates,
        "primary_estimates": sorted(primary),
    }


def _rounding(digits: int | None) -> Callable[[Any], Any]:
    """What keeps a value: rounded to ``digits`` decimals if it is a number, as it is if not."""
    if digits is None:
        return lambda value: value
    return lambda value: round(value, digits) if isinstance(value, float) else value


def pack_column_drift(run_id: int, columns: Sequence[ColumnDrift]) -> RunColumnDrift:
    """A run's columns' drift packed in one row (`RunColumnDrift`); a column the analysis
    skipped (too few values) has no verdict."""
    return packed_row(
        run_id,
        [
            (c.name, str(c.role), c.method, c.statistic, c.p_value,
             None if c.skipped else c.drifted)
            for c in columns
        ],
    )  # fmt: skip


def packed_row(
    run_id: int,
    columns: Sequence[tuple[str, str, str | None, float | None, float | None, bool | None]],
) -> RunColumnDrift:
    """The row of `pack_column_drift` from (name, role, method, statistic, p-value, drifted)."""
    names, roles, methods, statistic, p_value, drifted = zip(*columns, strict=True)
    return RunColumnDrift(
        run_id=run_id,
        columns=list(names),
        roles=list(roles),
        methods=list(methods),
        statistic=_floats(statistic),
        p_value=_floats(p_value),
        drifted=np.array([-1 if v is None else int(v) for v in drifted], dtype="i1").tobytes(),
    )


def _floats(values: Iterable[float | None]) -> bytes:
    return np.array([np.nan if v is None else v for v in values], dtype="<f8").tobytes()


def feature_timeline(
    session: Session,
    model: Model,
    since: datetime | None = None,
    until: datetime | None = None,
    digits: int | None = None,
) -> dict[str, Any]:
    """Each column's drift over the runs (features, the target and the prediction): its role,
    the methods that tested it, in how many of the runs it drifted, and per run its statistic,
    p-value and whether it drifted (``null`` where a run did not test it). The data of the
    dashboard's heatmap, read from one packed row per run and laid out with numpy; ``digits``
    rounds the statistics and p-values to that many decimals."""
    where = _where(model, since, until)
    rows = session.execute(
        select(
            Run.id, Run.date, cast(RunColumnDrift.columns, Text), cast(RunColumnDrift.roles, Text),
            cast(RunColumnDrift.methods, Text), RunColumnDrift.statistic, RunColumnDrift.p_value,
            RunColumnDrift.drifted,
        ).outerjoin(RunColumnDrift, RunColumnDrift.run_id == Run.id)
        .where(*where).order_by(Run.date, Run.id)
    ).all()  # fmt: skip
    # Every name once, in the order first seen; each run's columns as positions among them.
    # Runs mostly share their columns: each distinct list (as stored, unparsed) is read once.
    index: dict[str, int] = {}
    roles: dict[str, str] = {}
    methods: dict[str, set[str]] = {}
    seen: dict[tuple[str | None, ...], np.ndarray] = {}
    positions = []
    for _, _, *lists, _, _, _ in rows:
        key = tuple(lists)
        at = seen.get(key)
        if at is None:
            names, run_roles, run_methods = (json.loads(text or "[]") for text in lists)
            for name, role, method in zip(names, run_roles, run_methods, strict=True):
                index.setdefault(name, len(index))
                roles[name] = role
                if method is not None:
                    methods.setdefault(name, set()).add(method)
            at = seen[key] = np.array([index[name] for name in names], dtype=np.intp)
        positions.append(at)
    shape = (len(index), len(rows))
    statistic = np.full(shape, np.nan)
    p_value = np.full(shape, np.nan)
    drifted = np.full(shape, -1, dtype=np.int8)
    for i, (row, at) in enumerate(zip(rows, positions, strict=True)):
        if len(at):
            statistic[at, i] = np.frombuffer(row.statistic, dtype="<f8")
            p_value[at, i] = np.frombuffer(row.p_value, dtype="<f8")
            drifted[at, i] = np.frombuffer(row.drifted, dtype="i1")
    if digits is not None:
        statistic, p_value = statistic.round(digits), p_value.round(digits)
    verdicts = np.where(drifted < 0, None, drifted == 1)
    columns = {
        name: {
            "role": roles[name],
            "methods": sorted(methods.get(name, ())),
            "drifted_runs": int((drifted[k] == 1).sum()),
            "statistic": _nulls(statistic[k]),
            "p_value": _nulls(p_value[k]),
            "drifted": verdicts[k].tolist(),
        }
        for name, k in index.items()
    }
    return {
        "model": model.name,
        "runs": {"run": [row.id for row in rows], "date": [row.date.isoformat() for row in rows]},
        "columns": columns,
    }


def _nulls(values: np.ndarray) -> list[float | None]:
    """The numbers as a list, NaN as None (JSON's null)."""
    out: list[float | None] = values.tolist()
    if np.isnan(values).any():
        out = [None if v != v else v for v in out]
    return out
