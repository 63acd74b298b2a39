"""The service's speed, on this machine, server and clients on loopback (issue 11).

1. Logged predictions: 20 features, batches of 10,000 rows, 4 concurrent clients, as JSON
   (columns) and as Arrow IPC; rows per second, and every row accounted for (the service's
   count of received rows equals what was sent).
2. A 100,000-row run uploaded as Parquet: seconds from the start of the upload until the run is
   analysed and on the timeline (the dashboard's data).
3. With 1,000 runs of 50 features stored (five metrics, each column's drift and eight
   data-quality checks per column and run): the dashboard's queries (the timeline, the drift of
   each column over the runs, a page of runs), median milliseconds, and the server's resident
   memory, against the same with 10 runs.
4. The web app's pages (issue 12), logged in through the login form as a browser is: the model
   page with its dashboard over those 1,000 runs, its server time (median) and its transfer
   (the page and everything it fetches, the charts' data included, but Plotly, which the
   browser keeps: its URL is versioned and served ``immutable``); and the models page with 100
   models, each with a production version and ten analysed runs.

    .venv/bin/python benchmarks/service.py [--postgres | --database-url URL] [--batches N]
        [--only json|arrow|dashboard]

``--only dashboard`` measures steps 3 and 4 alone.

``--postgres`` starts a throw-away PostgreSQL cluster on loopback (Debian's server binaries, as
the tests start it, with ``fsync=off``); the default store is SQLite in a temporary folder.

Prints a table; the results and the command go in benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import statistics
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import numpy as np
import pandas as pd

# The launcher of `driftscope serve` and the throw-away PostgreSQL cluster the tests use.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.server._postgres import throwaway_database
from tests.server._serve import ADMIN_PASSWORD, Server, admin_token

ARROW = "application/vnd.apache.arrow.stream"
N_FEATURES = 20
BATCH = 10_000
CLIENTS = 4


def _rss_mib(server: Server) -> float:
    """The server process's resident memory."""
    assert server.process is not None
    with open(f"/proc/{server.process.pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _table(rows: int, seed: int, start: datetime) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        rng.normal(size=(rows, N_FEATURES)), columns=[f"f{i}" for i in range(N_FEATURES)]
    )
    frame.insert(0, "id", [f"s{seed}r{i}" for i in range(rows)])
    frame["timestamp"] = [(start + timedelta(seconds=i)).isoformat() for i in range(rows)]
    frame["prediction"] = (frame["f0"] > 0).astype(int)
    frame["proba_1"] = 1 / (1 + np.exp(-frame["f0"]))
    frame["proba_0"] = 1 - frame["proba_1"]
    frame["target"] = (frame["f0"] + rng.normal(scale=0.5, size=rows) > 0).astype(int)
    return frame


def _parquet(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def _arrow(frame: pd.DataFrame) -> bytes:
    """The batch as `driftscope.Client.log_predictions` sends it."""
    from driftscope.client import _arrow_stream

    return _arrow_stream(frame)


def _model(client: httpx.Client, name: str, features: int = N_FEATURES) -> None:
    client.post("/models", json={"name": name, "task": "binary_classification"})
    baseline = _table(5_000, seed=999, start=datetime(2026, 1, 1, tzinfo=UTC))
    if features != N_FEATURES:
        rng = np.random.default_rng(1)
        for i in range(N_FEATURES, features):
            baseline[f"f{i}"] = rng.normal(size=len(baseline))
    response = client.post(
        f"/models/{name}/versions",
        files={"baseline": ("baseline.parquet", _parquet(baseline.drop(columns=["timestamp"])))},
        data={
            "target": "target",
            "prediction": "prediction",
            "proba_prefix": "proba_",
            "id_column": "id",
        },
    )
    response.raise_for_status()


def bench_logging(
    server: Server, token: str, batches: int, kinds: tuple[str, ...] = ("json", "arrow")
) -> dict[str, float]:
    headers = {"Authorization": f"Bearer {token}"}
    results: dict[str, float] = {}
    for kind in kinds:
        name = f"logged-{kind}"
        with httpx.Client(base_url=server.url, headers=headers, timeout=120) as client:
            _model(client, name)
        # Today's predictions, as a service logs them: the period is open, nothing is analysed
        # while the batches come.
        start = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        bodies = []
        for b in range(batches * CLIENTS):
            frame = _table(BATCH, seed=b, start=start).drop(columns=["target"])
            if kind == "arrow":
                # Arrow carries times as times (JSON as ISO 8601 text).
                frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True)
                bodies.append((_arrow(frame), {"Content-Type": ARROW}))
            else:
                payload = frame.to_json(orient="columns")
                columns = {k: list(v.values()) for k, v in json.loads(payload).items()}
                bodies.append(
                    (
                        json.dumps({"columns": columns}).encode(),
                        {"Content-Type": "application/json"},
                    )
                )
        errors: list[str] = []

        def send(
            mine: list[tuple[bytes, dict[str, str]]], name: str = name, errors: list[str] = errors
        ) -> None:
            with httpx.Client(base_url=server.url, headers=headers, timeout=120) as client:
                for body, extra in mine:
                    response = client.post(
                        f"/models/{name}/predictions", content=body, headers=extra
                    )
                    if response.status_code != 201:
                        errors.append(response.text[:200])

        threads = [
            threading.Thread(target=send, args=(bodies[i::CLIENTS],)) for i in range(CLIENTS)
        ]
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - began
        if errors:
            raise SystemExit(f"{kind}: {len(errors)} batches refused: {errors[0]}")
        with httpx.Client(base_url=server.url, headers=headers) as client:
            received = client.get(f"/models/{name}/ingestion").json()["rows_received"]
        sent = len(bodies) * BATCH
        if received != sent:
            raise SystemExit(f"{kind}: sent {sent} rows, the service counts {received}")
        results[kind] = sent / elapsed
    return results


def bench_run(server: Server, token: str) -> float:
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=120) as client:
        _model(client, "uploaded")
        body = _parquet(_table(100_000, seed=7, start=datetime(2026, 11, 2, tzinfo=UTC)))
        began = time.perf_counter()
        run = client.post("/models/uploaded/runs", files={"data": ("run.parquet", body)}).json()
        while True:
            timeline = client.get("/models/uploaded/timeline").json()
            if run["id"] in timeline["runs"]["run"]:
                return time.perf_counter() - began
            if client.get(f"/models/uploaded/runs/{run['id']}").json()["status"] == "failed":
                raise SystemExit("the 100,000-row run failed")
            time.sleep(0.02)


#: The data-quality checks the analysis runs on each numerical column (eight, as in a report).
_CHECKS = (
    "missing_share", "type_change", "out_of_range", "outliers_iqr", "negative_values",
    "infinite_values", "constant", "near_constant",
)  # fmt: skip


def _fill_runs(url: str, data_dir: Path, n_runs: int, n_features: int) -> None:
    """``n_runs`` analysed runs of a 50-feature model written straight into the store, with the
    points a dashboard reads: five metrics, each column's drift and eight quality checks per
    column (the analysis itself is measured in step 2)."""
    from sqlalchemy import insert, select

    from driftscope.server import db
    from driftscope.server.models import (
        Model,
        Run,
        RunCheck,
        RunFeature,
        RunMetric,
        RunStatus,
        Version,
    )
    from driftscope.server.services.timeline import packed_row
    from driftscope.server.settings import load_settings
    from driftscope.server.state import open_state

    state = open_state(load_settings(data_dir=data_dir, database_url=url))
    rng = np.random.default_rng(0)
    with db.transaction(state.writers) as session:
        model = session.scalar(select(Model).where(Model.name == "dashboard"))
        assert model is not None
        version = session.scalar(select(Version).where(Version.model_id == model.id))
        assert version is not None
        have = len(list(session.scalars(select(Run.id).where(Run.model_id == model.id))))
        for k in range(have, n_runs):
            verdict, reasons = _verdict(rng)
            run = Run(
                model_id=model.id,
                version_id=version.id,
                created_by="bench",
                date=datetime(2024, 1, 1, tzinfo=UTC) + timedelta(days=k),
                data=version.baseline,
                n_rows=10_000,
                status=RunStatus.ANALYSED,
                verdict=verdict,
                verdict_reasons=reasons,
                drift_share=float(rng.uniform()),
                dataset_drifted=verdict != "ok",
                quality_warnings=int(rng.integers(0, 3)),
                quality_alerts=0,
                analysed_at=datetime.now(UTC),
            )
            session.add(run)
            session.flush()
            metrics = []
            for metric in ("accuracy", "f1", "roc_auc", "precision", "recall"):
                value = float(rng.uniform(0.8, 0.95))
                metrics.append(
                    {"run_id": run.id, "metric": metric, "value": value, "lower": value - 0.01,
                     "upper": value + 0.01, "reference": 0.9, "benchmark": None, "status": "ok"}
                )  # fmt: skip
            session.execute(insert(RunMetric), metrics)
            columns = [f"f{i}" for i in range(n_features)]
            roles = [(c, "feature") for c in columns] + [
                ("prediction", "prediction"),
                ("target", "target"),
            ]
            drift = [
                (column, role, "ks", float(rng.uniform()), float(rng.uniform()),
                 bool(rng.uniform() < 0.1))
                for column, role in roles
            ]  # fmt: skip
            session.execute(
                insert(RunFeature),
                [
                    {"run_id": run.id, "column": column, "role": role, "method": method,
                     "statistic": statistic, "p_value": p_value, "effect_size": None,
                     "drifted": drifted}
                    for column, role, method, statistic, p_value, drifted in drift
                ],
            )  # fmt: skip
            # The same columns packed in one row, as the analysis stores them.
            session.add(packed_row(run.id, drift))
            session.execute(
                insert(RunCheck),
                [
                    {"run_id": run.id, "check": check, "column": column, "status": "ok",
                     "share": 0.0}
                    for column in columns
                    for check in _CHECKS
                ],
            )  # fmt: skip
    state.engine.dispose()


def _verdict(rng: np.random.Generator) -> tuple[str, list[dict[str, str]]]:
    """A run's verdict and reasons, as often and as long as real ones: seven runs in ten ok,
    the others with two reasons of about 200 characters."""
    if rng.uniform() < 0.7:
        return "ok", []
    share = rng.uniform(0.2, 0.6)
    reasons = [
        {"source": "data_drift", "severity": "investigate",
         "message": f"Dataset drift: {share:.0%} of 50 features drifted (threshold 50%); the "
                    "whole-table tests tell current from reference (domain-classifier AUC "
                    f"{rng.uniform(0.6, 0.9):.2f} >= 0.55). Largest drift in 'f7', "
                    f"wasserstein_normed {rng.uniform(0.2, 2):.2f}."},
        {"source": "quality", "severity": "investigate",
         "message": f"f3: {rng.uniform(5, 30):.1f}% of current values are outside the IQR "
                    "fences -2.70 to 2.69 (Q1 - 1.5 IQR, Q3 + 1.5 IQR of the reference; "
                    "reference 0.7%)."},
    ]  # fmt: skip
    return "investigate", reasons


def _fill_models(url: str, data_dir: Path, n_models: int, runs_each: int = 10) -> None:
    """``n_models`` models written straight into the store, each with a version (the
    dashboard model's baseline), ``production`` pointing at it, and ``runs_each`` analysed
    runs: what the models page reads."""
    from sqlalchemy import insert, select

    from driftscope.server import db
    from driftscope.server.models import Alias, Model, Run, RunStatus, Version
    from driftscope.server.settings import load_settings
    from driftscope.server.state import open_state

    state = open_state(load_settings(data_dir=data_dir, database_url=url))
    rng = np.random.default_rng(1)
    with db.transaction(state.writers) as session:
        baseline = session.scalar(select(Version.baseline).limit(1))
        assert baseline is not None
        for m in range(n_models):
            model = Model(name=f"model-{m:03d}", task="binary_classification", created_by="bench")
            session.add(model)
            session.flush()
            version = Version(
                model_id=model.id, number=1, created_by="bench", baseline=baseline,
                n_baseline_rows=5_000,
            )  # fmt: skip
            session.add(version)
            session.flush()
            session.add(Alias(model_id=model.id, alias="production", version_id=version.id))
            session.execute(
                insert(Run),
                [
                    {"model_id": model.id, "version_id": version.id, "created_by": "bench",
                     "date": datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=k),
                     "data": baseline, "n_rows": 10_000, "status": RunStatus.ANALYSED,
                     "verdict": _verdict(rng)[0], "drift_share": float(rng.uniform())}
                    for k in range(runs_each)
                ],
            )  # fmt: skip
    state.engine.dispose()


#: The dashboard's queries: its time series, its heatmap of per-column drift, a page of runs.
_DASHBOARD = (
    ("timeline", "/models/dashboard/timeline"),
    ("feature drift", "/models/dashboard/timeline/features"),
    ("runs page", "/models/dashboard/runs?limit=50"),
)


def bench_dashboard(data_dir: Path, url: str, repeats: int = 30) -> dict[int, dict[str, float]]:
    out: dict[int, dict[str, float]] = {}
    for n_runs in (10, 1000):
        _fill_runs(url, data_dir, n_runs, 50)
        server = Server(data_dir, url, settings={})
        server.start()
        try:
            token = admin_token(server)
            headers = {"Authorization": f"Bearer {token}"}
            timings: dict[str, list[float]] = {label: [] for label, _ in _DASHBOARD}
            with httpx.Client(base_url=server.url, headers=headers) as client:
                for _ in range(repeats):
                    for label, path in _DASHBOARD:
                        began = time.perf_counter()
                        client.get(path).raise_for_status()
                        timings[label].append((time.perf_counter() - began) * 1000)
            out[n_runs] = {k: statistics.median(v) for k, v in timings.items()}
            out[n_runs]["rss_mib"] = _rss_mib(server)
        finally:
            server.stop()
    return out


#: What a page links to (its stylesheets and scripts) and where its charts' data is.
_LINKED = re.compile(r'(?:href|src)="(/static/[^"]+)"')
_DATA = re.compile(r'data-src="([^"]+)"')
#: Kept by the browser after its first load: the only part of a page's transfer left out.
_CACHED = "/static/vendor/plotly-cartesian-4.1.1.min.js"


def _browser_session(client: httpx.Client) -> None:
    """Log the client in through the login form, as a browser does (a session cookie)."""
    form = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    answer = client.post(
        "/login",
        data={"username": "admin", "password": ADMIN_PASSWORD, "csrf_token": token.group(1)},
    )
    answer.raise_for_status()


def _median_ms(client: httpx.Client, path: str, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        client.get(path).raise_for_status()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def bench_pages(data_dir: Path, url: str, repeats: int = 30) -> dict[str, float]:
    """The model page with its dashboard at the 1,000 runs step 3 stored, and the models page
    with 100 models: median milliseconds from request to the last byte, and bytes."""
    _fill_models(url, data_dir, 100)
    server = Server(data_dir, url, settings={})
    server.start()
    try:
        origin = server.url.removesuffix("/api/v1")
        with httpx.Client(base_url=origin, timeout=60, follow_redirects=True) as client:
            _browser_session(client)
            page = client.get("/models/dashboard")
            page.raise_for_status()
            found = _DATA.search(page.text)
            assert found is not None, "the dashboard has no chart data"
            data = found.group(1).replace("&amp;", "&")
            linked = sorted(set(_LINKED.findall(page.text)))
            assert _CACHED in linked, linked
            fetched = {path: client.get(path) for path in [*linked, data]}
            plotly = fetched.pop(_CACHED)
            assert plotly.headers["cache-control"].endswith("immutable")
            count = client.get("/models").text.count('<td><a href="/models/')
            assert count >= 101, f"the models page shows {count} models"
            out = {
                "page_ms": _median_ms(client, "/models/dashboard", repeats),
                "data_ms": _median_ms(client, data, repeats),
                "models_ms": _median_ms(client, "/models", repeats),
                "page_bytes": len(page.content),
                "data_bytes": len(fetched[data].content),
                "transfer_bytes": len(page.content) + sum(len(r.content) for r in fetched.values()),
                "plotly_bytes": len(plotly.content),
            }
    finally:
        server.stop()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    store = parser.add_mutually_exclusive_group()
    store.add_argument("--database-url", default=None, help="an existing store (PostgreSQL)")
    store.add_argument(
        "--postgres",
        action="store_true",
        help="a PostgreSQL cluster started on loopback for the run, as the tests start it",
    )
    parser.add_argument("--batches", type=int, default=5, help="batches per client")
    parser.add_argument(
        "--only",
        choices=("json", "arrow", "dashboard"),
        default=None,
        help="measure the logged predictions of one kind only, or the dashboard alone",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, ExitStack() as stack:
        data_dir = Path(folder) / "data"
        url = args.database_url or f"sqlite:///{data_dir / 'driftscope.db'}"
        if args.postgres:
            url = stack.enter_context(throwaway_database())
        _measure(args, data_dir, url)


def _measure(args: argparse.Namespace, data_dir: Path, url: str) -> None:
    if args.only == "dashboard":
        _print(url, _measure_dashboard(data_dir, url))
        return
    server = Server(data_dir, url, settings={})
    server.start()
    try:
        token = admin_token(server)
        if args.only:
            rate = bench_logging(server, token, args.batches, (args.only,))[args.only]
            print(f"logged predictions as {args.only}: {rate:,.0f} rows/s")
            return
        logging_rates = bench_logging(server, token, args.batches)
        run_seconds = bench_run(server, token)
    finally:
        server.stop()
    logged = f"{CLIENTS} clients x {args.batches} batches of {BATCH:,}"
    rows = [
        (
            f"logged predictions, JSON columns, {logged}",
            f"{logging_rates['json']:,.0f} rows/s",
            ">= 100,000 rows/s",
        ),
        (
            f"logged predictions, Arrow IPC, {logged}",
            f"{logging_rates['arrow']:,.0f} rows/s",
            ">= 1,000,000 rows/s",
        ),
        ("100,000-row Parquet run: upload to timeline", f"{run_seconds:.2f} s", "<= 5 s"),
    ]
    _print(url, rows + _measure_dashboard(data_dir, url))


def _measure_dashboard(data_dir: Path, url: str) -> list[tuple[str, str, str]]:
    """Steps 3 and 4: the dashboard's queries at 10 and 1,000 runs, then the pages."""
    server = Server(data_dir, url, settings={})
    server.start()
    try:
        token = admin_token(server)
        with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}) as c:
            _model(c, "dashboard", features=50)
    finally:
        server.stop()
    dashboard = bench_dashboard(data_dir, url)
    pages = bench_pages(data_dir, url)
    rows = []
    for n_runs, values in dashboard.items():
        runs = f"{n_runs:,} runs x 50 features"
        rows += [
            (f"{runs}: timeline (median)", f"{values['timeline']:.1f} ms", "<= 50 ms"),
            (
                f"{runs}: drift of each column over the runs (median)",
                f"{values['feature drift']:.1f} ms",
                "<= 50 ms",
            ),
            (f"{runs}: page of 50 runs (median)", f"{values['runs page']:.1f} ms", "<= 50 ms"),
            (
                f"{runs}: server RSS after the queries",
                f"{values['rss_mib']:.0f} MiB",
                "same as 10 runs",
            ),
        ]
    runs = "1,000 runs x 50 features"
    rows += [
        (f"{runs}: model page with its dashboard (median)", f"{pages['page_ms']:.1f} ms",
         "<= 150 ms"),
        (f"{runs}: the charts' data the page fetches (median)", f"{pages['data_ms']:.1f} ms",
         "-"),
        (f"{runs}: page + stylesheets + scripts + data, Plotly cached",
         f"{pages['transfer_bytes'] / 1e6:.2f} MB (page {pages['page_bytes'] / 1e3:.0f} kB, "
         f"data {pages['data_bytes'] / 1e6:.2f} MB)", "<= 1.5 MB"),
        ("Plotly (cartesian bundle), once, then kept by the browser",
         f"{pages['plotly_bytes'] / 1e6:.2f} MB", "-"),
        ("models page, 100 models with 10 runs each (median)", f"{pages['models_ms']:.1f} ms",
         "<= 100 ms"),
    ]  # fmt: skip
    return rows


def _print(url: str, rows: list[tuple[str, str, str]]) -> None:
    store = "SQLite" if url.startswith("sqlite") else "PostgreSQL"
    print(f"driftscope serve on {store}, {os.cpu_count()} cores, clients on loopback\n")
    print("| measure | result | target |")
    print("| --- | --- | --- |")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
