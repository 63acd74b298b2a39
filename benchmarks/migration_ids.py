"""Migration 0014 (SQLite never reuses an id): how long it takes to rebuild the tables of a
SQLite store of N analysed runs with AUTOINCREMENT, and to go back down.

The store is built at revision 0013 with, per run, its analysis job, an audit entry, five
metrics, each column's drift (12 columns by default; and the packed row) and eight quality
checks: the rebuilt tables (runs, jobs, audit_log) are copied, the others are read by the
foreign-key check that ends the migration.

    .venv/bin/python benchmarks/migration_ids.py [--runs 40000] [--columns 12] [--data-dir DIR]

Prints a table; the results and the command go in benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert

from driftscope.server import db
from driftscope.server.models import (
    Audit,
    Job,
    Model,
    Run,
    RunCheck,
    RunColumnDrift,
    RunFeature,
    RunMetric,
    Version,
)

_CHECKS = ("missing_share", "type_change", "out_of_range", "outliers_iqr")
_METRICS = ("accuracy", "f1", "roc_auc", "precision", "recall")
#: Runs written per transaction while the store is filled.
_BATCH = 2_000


def fill(engine: Engine, n_runs: int, n_columns: int) -> None:
    """A model, a version and ``n_runs`` analysed runs of ``n_columns`` columns with their
    points, at revision 0013."""
    columns = [f"f{i}" for i in range(n_columns)]
    start = datetime(2020, 1, 1, tzinfo=UTC)
    with engine.begin() as connection:
        model_id = connection.execute(
            insert(Model).returning(Model.id),
            [{"name": "bench", "task": "binary_classification", "created_by": "b"}],
        ).scalar_one()
        version_id = connection.execute(
            insert(Version).returning(Version.id),
            [
                {
                    "model_id": model_id,
                    "number": 1,
                    "created_by": "b",
                    "baseline": "0" * 64,
                    "n_baseline_rows": 10_000,
                }
            ],
        ).scalar_one()
    for first in range(1, n_runs + 1, _BATCH):
        ids = range(first, min(first + _BATCH, n_runs + 1))
        with engine.begin() as connection:
            connection.execute(insert(Run), [_run(i, model_id, version_id, start) for i in ids])
            connection.execute(insert(Job), [_job(i) for i in ids])
            connection.execute(insert(Audit), [_audit(i) for i in ids])
            connection.execute(insert(RunMetric), [_metric(i, m) for i in ids for m in _METRICS])
            connection.execute(insert(RunFeature), [_feature(i, c) for i in ids for c in columns])
            connection.execute(insert(RunColumnDrift), [_packed(i, columns) for i in ids])
            connection.execute(
                insert(RunCheck),
                [
                    {"run_id": i, "check": check, "column": column, "status": "ok", "share": 0.0}
                    for i in ids
                    for check in _CHECKS
                    for column in columns[:2]
                ],
            )


def _run(i: int, model_id: int, version_id: int, start: datetime) -> dict[str, Any]:
    return {
        "id": i,
        "model_id": model_id,
        "version_id": version_id,
        "date": start + timedelta(hours=i),
        "created_by": "b",
        "data": "1" * 64,
        "n_rows": 10_000,
        "status": "analysed",
        "verdict": "ok",
        "verdict_reasons": [],
        "drift_share": 0.1,
        "dataset_drifted": False,
        "quality_warnings": 0,
        "quality_alerts": 0,
        "analysed_at": start + timedelta(hours=i, minutes=1),
    }


def _job(i: int) -> dict[str, Any]:
    return {
        "kind": "analyse_run",
        "payload": {"run_id": i},
        "run_id": i,
        "status": "done",
        "attempts": 1,
        "log": [{"at": "2020-01-01T00:00:00+00:00", "attempt": 1, "message": "Done."}],
    }


def _audit(i: int) -> dict[str, Any]:
    return {"actor": "b", "action": "run.upload", "target": f"model:bench/run:{i}", "detail": {}}


def _metric(i: int, metric: str) -> dict[str, Any]:
    return {"run_id": i, "metric": metric, "value": 0.9, "lower": 0.89, "upper": 0.91,
            "reference": 0.9, "benchmark": None, "status": "ok"}  # fmt: skip


def _feature(i: int, column: str) -> dict[str, Any]:
    return {"run_id": i, "column": column, "role": "feature", "method": "ks", "statistic": 0.1,
            "p_value": 0.5, "effect_size": None, "drifted": False}  # fmt: skip


def _packed(i: int, columns: list[str]) -> dict[str, Any]:
    n = len(columns)
    return {"run_id": i, "columns": columns, "roles": ["feature"] * n, "methods": ["ks"] * n,
            "statistic": b"\0" * 8 * n, "p_value": b"\0" * 8 * n, "drifted": b"\0" * n}  # fmt: skip


def _timed(step: Any) -> float:
    started = time.perf_counter()
    step()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40_000)
    parser.add_argument("--columns", type=int, default=12, help="columns per run")
    parser.add_argument("--data-dir", type=Path, help="where the store is made (default: a temp)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        folder = args.data_dir or Path(temporary)
        path = folder / "driftscope.db"
        engine = db.make_engine(f"sqlite:///{path}")
        db.upgrade(engine, "0013")
        filled = _timed(lambda: fill(engine, args.runs, args.columns))
        size = path.stat().st_size / 2**20
        up = _timed(lambda: db.upgrade(engine))
        down = _timed(lambda: db.downgrade(engine, "0013"))
        again = _timed(lambda: db.upgrade(engine))
        engine.dispose()
        with sqlite3.connect(path) as connection:
            runs = connection.execute("SELECT count(*) FROM runs").fetchone()[0]
            counter = connection.execute(
                "SELECT seq FROM sqlite_sequence WHERE name = 'runs'"
            ).fetchone()[0]
        print(
            f"store: {runs} runs, {size:.0f} MiB (filled in {filled:.1f} s); runs counter {counter}"
        )
        print("| step | seconds |\n| --- | --- |")
        for step, seconds in (("upgrade 0013 -> 0014", up), ("downgrade 0014 -> 0013", down),
                              ("upgrade again", again)):  # fmt: skip
            print(f"| {step} | {seconds:.2f} |")


if __name__ == "__main__":
    main()
