"""Notifications (issue 13): how long the worker's periodic step takes to queue the deliveries
of N firing alerts to two webhook notifiers (one transaction, alerts marked notified), and how
many deliveries a single deliveries lane sends per second to a webhook receiver on loopback
(each signed, posted and its job's end recorded in the store).

    .venv/bin/python benchmarks/notify.py [--database-url URL] [--alerts 100 1000]

The default store is SQLite in a temporary folder. Prints a table; the results and the command
go in benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from driftscope.server import jobs
from driftscope.server.models import Alert, AlertRule, Model, Notifier
from driftscope.server.services import notify
from driftscope.server.settings import load_settings
from driftscope.server.state import State, open_state
from driftscope.server.worker import JOB_KINDS

SECRET = "a-benchmark-secret-of-32-chars!!"


class _Ok(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def fill(state: State, n: int, url: str) -> None:
    """A model, a rule, ``n`` firing alerts and two webhook notifiers."""
    at = datetime(2026, 1, 1, tzinfo=UTC)
    with state.writers() as session, session.begin():
        model_id = session.execute(
            insert(Model).returning(Model.id),
            [{"name": "bench", "task": "binary_classification", "created_by": "b"}],
        ).scalar_one()
        rule_id = session.execute(
            insert(AlertRule).returning(AlertRule.id),
            [
                {"model_id": model_id, "name": "drift", "signal": "feature_drift",
                 "subject": "*", "measure": "drifted", "comparator": ">=", "threshold": 1.0,
                 "severity": "warning", "created_by": "b"}
            ],
        ).scalar_one()  # fmt: skip
        session.execute(
            insert(Alert),
            [
                {"rule_id": rule_id, "model_id": model_id, "key": f"c{i}",
                 "fingerprint": f"{i:064x}", "state": "firing", "severity": "warning",
                 "started_at": at, "value": 1.0, "threshold": 1.0, "message": f"c{i} drifted"}
                for i in range(n)
            ],
        )  # fmt: skip
        for name in ("first", "second"):
            session.add(
                Notifier(name=name, kind="webhook", config={"url": url}, secret=SECRET,
                         min_severity="info", created_by="b")
            )  # fmt: skip


def measure(n: int, database_url: str | None, url: str) -> tuple[float, float, float]:
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings(
            data_dir=Path(folder), database_url=database_url, worker=False, admin_password=None
        )
        state = open_state(settings)
        try:
            fill(state, n, url)
            start = time.perf_counter()
            queued = notify.queue_notifications(state)
            queue_ms = (time.perf_counter() - start) * 1000
            assert queued == 2 * n, queued
            start = time.perf_counter()
            while jobs.run_one(state, JOB_KINDS, "bench", only={notify.NOTIFY}):
                pass
            seconds = time.perf_counter() - start
            return queue_ms, 2 * n / seconds, seconds
        finally:
            state.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--alerts", type=int, nargs="+", default=[100, 1000])
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    print("| firing alerts | deliveries | queue them (ms) | send them (s) | deliveries/s |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    for n in args.alerts:
        queue_ms, rate, seconds = measure(n, args.database_url, url)
        print(f"| {n} | {2 * n} | {queue_ms:.0f} | {seconds:.1f} | {rate:.0f} |")
    server.shutdown()


if __name__ == "__main__":
    main()
