"""A Prometheus scrape of ``/metrics`` (issue 13): the store read and the exposition rendered, as
the route does it, for 10, 100 and 1,000 models of two versions each, every version with 20
analysed runs of five metrics and 50 columns' drift. Median milliseconds of five scrapes, the
queries one scrape makes (the same at every size), and the exposition's size.

    .venv/bin/python benchmarks/metrics_scrape.py [--postgres | --database-url URL]
        [--max-features N]

The default store is SQLite in a temporary folder; ``--postgres`` starts a throw-away
PostgreSQL cluster on loopback (Debian's server binaries, as the tests start it, with
``fsync=off``). Prints a table; the results and the command go in benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import event, insert

from driftscope.integrations.prometheus import StoreCollector, exposition
from driftscope.server.models import Model, Run, RunColumnDrift, RunMetric, Version
from driftscope.server.services.metrics import metrics_snapshot
from driftscope.server.settings import load_settings
from driftscope.server.state import State, open_state

# The throw-away PostgreSQL cluster the tests use.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.server._postgres import throwaway_database

VERSIONS = 2
RUNS = 20
COLUMNS = 50
METRICS = ("accuracy", "f1_macro", "roc_auc", "precision_macro", "recall_macro")


def fill(state: State, first: int, last: int) -> None:
    """Models ``first`` to ``last - 1`` with their versions, runs, metrics and columns' drift."""
    rng = np.random.default_rng(first)
    names = [f"c{i}" for i in range(COLUMNS)]
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with state.writers() as session, session.begin():
        for m in range(first, last):
            model_id = session.execute(
                insert(Model).returning(Model.id),
                [{"name": f"model-{m:04d}", "task": "binary_classification", "created_by": "b"}],
            ).scalar_one()
            for number in range(1, VERSIONS + 1):
                version_id = session.execute(
                    insert(Version).returning(Version.id),
                    [
                        {"model_id": model_id, "number": number, "created_by": "b",
                         "baseline": "0" * 64, "n_baseline_rows": 1000}
                    ],
                ).scalar_one()  # fmt: skip
                runs = session.execute(
                    insert(Run).returning(Run.id),
                    [
                        {"model_id": model_id, "version_id": version_id, "created_by": "b",
                         "date": start + timedelta(days=d), "data": "0" * 64, "n_rows": 1000,
                         "status": "analysed", "verdict": "ok",
                         "drift_share": float(rng.random())}
                        for d in range(RUNS)
                    ],
                ).scalars().all()  # fmt: skip
                session.execute(
                    insert(RunMetric),
                    [
                        {"run_id": run, "metric": name, "value": float(rng.random()),
                         "lower": 0.1, "upper": 0.9, "status": "ok"}
                        for run in runs for name in METRICS
                    ],
                )  # fmt: skip
                session.execute(
                    insert(RunColumnDrift),
                    [
                        {"run_id": run, "columns": names, "roles": ["feature"] * COLUMNS,
                         "methods": ["ks"] * COLUMNS,
                         "statistic": rng.random(COLUMNS).astype("<f8").tobytes(),
                         "p_value": rng.random(COLUMNS).astype("<f8").tobytes(),
                         "drifted": (rng.random(COLUMNS) < 0.2).astype("i1").tobytes()}
                        for run in runs
                    ],
                )  # fmt: skip


def scrape(state: State, max_features: int) -> tuple[float, float, int, int, int]:
    """Median milliseconds of five scrapes and of their reads of the store, the queries of
    one, its samples and its size in bytes."""
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    reads: list[float] = []

    def read() -> object:
        began = time.perf_counter()
        with state.sessions() as session, session.begin():
            snapshot = metrics_snapshot(session)
        reads.append((time.perf_counter() - began) * 1000)
        return snapshot

    collector = StoreCollector(read, max_features)  # type: ignore[arg-type]
    times = []
    body = b""
    for i in range(5):
        if i == 0:
            event.listen(state.engine, "before_cursor_execute", count)
        began = time.perf_counter()
        body = exposition(collector)
        times.append((time.perf_counter() - began) * 1000)
        if i == 0:
            event.remove(state.engine, "before_cursor_execute", count)
    queries = sum(1 for s in statements if s.lstrip().upper().startswith(("SELECT", "WITH")))
    samples = sum(1 for line in body.splitlines() if not line.startswith(b"#"))
    return statistics.median(times), statistics.median(reads), queries, samples, len(body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    store = parser.add_mutually_exclusive_group()
    store.add_argument("--database-url", help="an existing, empty store (PostgreSQL)")
    store.add_argument(
        "--postgres",
        action="store_true",
        help="a PostgreSQL cluster started on loopback for the run, as the tests start it",
    )
    parser.add_argument("--max-features", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, ExitStack() as stack:
        url = args.database_url
        if args.postgres:
            url = stack.enter_context(throwaway_database())
        settings = load_settings(data_dir=Path(folder) / "data", database_url=url)
        state = open_state(settings)
        print(f"store: {state.engine.dialect.name}; {VERSIONS} versions per model, {RUNS} runs "
              f"per version, {len(METRICS)} metrics, {COLUMNS} columns")  # fmt: skip
        print(
            f"{'models':>7} {'samples':>8} {'queries':>8} {'scrape ms':>10} {'of it read ms':>14} "
            f"{'bytes':>11}"
        )
        done = 0
        for size in (10, 100, 1000):
            fill(state, done, size)
            done = size
            ms, read_ms, queries, samples, size_bytes = scrape(state, args.max_features)
            print(
                f"{size:>7} {samples:>8,} {queries:>8} {ms:>10.1f} {read_ms:>14.1f} "
                f"{size_bytes:>11,}"
            )
        state.engine.dispose()


if __name__ == "__main__":
    main()
