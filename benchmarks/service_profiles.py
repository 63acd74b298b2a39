"""Baselines and runs as profiles in the service (issue 16): what a version's profile costs when
the version is added, what keeping no raw baseline saves on disk, and what sending a run as a
profile saves on the wire.

Run with driftscope's venv python:

    .venv/bin/python benchmarks/service_profiles.py                # 100,000 rows x 27 columns
    .venv/bin/python benchmarks/service_profiles.py --rows 20000   # quick check

The table is `profile_speed.make_table` (15 numerical columns, 10 categorical ones with 3 to
20,000 categories) with a binary target and a prediction (right 90% of the time). The service
runs in this process (the app through Starlette's TestClient, a SQLite store in a temporary
folder, no worker), so the seconds are the requests' own: no network. Each step is the median
of ``--repeats`` requests:

1. Adding a version (POST .../versions with the baseline as Parquet) to a model that keeps its
   raw baseline (the Parquet and the profile are stored), and to one that keeps no raw baseline
   (the profile alone); the bytes each version stores in the data directory.
2. The profile alone: `driftscope.profile` of the baseline with the version's schema, the part
   of step 1 this change adds.
3. Sending a run: its Parquet file, against its profile (made by the client: the time to make it
   is shown apart); the bytes sent, and the request's seconds until the run is stored and its
   analysis queued.
4. Analysing a run (its job, as the worker runs it, with the server's default settings), each
   side as rows or as a profile: the baseline's rows or its profile alone (a model that keeps
   no raw baseline), the run's rows or its profile.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from fastapi.testclient import TestClient
from sqlalchemy import select

from profile_speed import make_table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.server._serve import ADMIN_PASSWORD

import driftscope
from driftscope.server import jobs
from driftscope.server.app import create_app
from driftscope.server.models import Job, JobStatus, Model, Run, RunStatus, Version
from driftscope.server.settings import load_settings
from driftscope.server.state import State, open_state
from driftscope.server.worker import JOB_KINDS


def with_model_columns(frame: pd.DataFrame, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    target = rng.integers(0, 2, len(frame))
    wrong = rng.random(len(frame)) < 0.1
    return frame.assign(target=target, prediction=np.where(wrong, 1 - target, target))


def parquet(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def median_seconds(work: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def version_bytes(state: State, model: str, number: int) -> int:
    """The bytes of the artifacts a version's baseline is kept as (its Parquet, its profile)."""
    with state.sessions() as session:
        version = session.scalar(
            select(Version)
            .join(Model, Model.id == Version.model_id)
            .where(Model.name == model, Version.number == number)
        )
        assert version is not None
        keys = [k for k in (version.baseline, version.baseline_profile) if k]
    return sum(state.artifacts.path(k).stat().st_size for k in keys)


def analyse_next(state: State) -> None:
    """Run the oldest queued job (a run's analysis), and check it analysed the run."""
    with state.sessions() as session:
        job_id = session.scalar(
            select(Job.id).where(Job.status == JobStatus.QUEUED).order_by(Job.id).limit(1)
        )
    assert jobs.run_one(state, JOB_KINDS, "benchmark")
    with state.sessions() as session:
        job = session.get(Job, job_id)
        assert job is not None
        run = session.get(Run, job.run_id)
        assert run is not None
        assert run.status == RunStatus.ANALYSED, run.error


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    table, kinds = make_table(args.rows, seed=0)
    baseline = with_model_columns(table, seed=1)
    production = with_model_columns(make_table(args.rows, seed=2)[0], seed=3)
    baseline_file, production_file = parquet(baseline), parquet(production)
    rows: list[tuple[str, float, int, str]] = []
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings(data_dir=Path(folder), admin_password=ADMIN_PASSWORD, worker=False)
        state = open_state(settings)
        with TestClient(create_app(settings, state), base_url="http://127.0.0.1") as client:
            answer = client.post(
                "/api/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}
            )
            client.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
            fields = {"target": "target", "prediction": "prediction", "schema": json.dumps(kinds)}
            schema: dict[str, Any] = {}
            for keep in (True, False):
                name = "raw" if keep else "profiled"
                body = {"name": name, "task": "binary_classification", "keep_raw_baseline": keep}
                assert client.post("/api/v1/models", json=body).status_code == 201

                def add(name: str = name) -> Any:
                    added = client.post(
                        f"/api/v1/models/{name}/versions",
                        files={"baseline": ("baseline.parquet", baseline_file)},
                        data=fields,
                    )
                    assert added.status_code == 201, added.text
                    return added.json()

                seconds, version = median_seconds(add, args.repeats)
                size = version_bytes(state, name, version["number"])
                schema = version["schema"]
                kept = "its Parquet and its profile" if keep else "its profile alone"
                rows.append((f"add a version, keeping {kept}", seconds, size, "stored"))
            seconds, _ = median_seconds(lambda: driftscope.profile(baseline, schema), args.repeats)
            rows.append(("profile the baseline (part of adding a version)", seconds, 0, ""))
            seconds, run_profile = median_seconds(
                lambda: driftscope.profile(production, schema).to_bytes(), args.repeats
            )
            rows.append(("make the run's profile (client side)", seconds, 0, ""))
            sent_as = (
                ("data", production_file, "run.parquet"),
                ("profile", run_profile, "run.profile"),
            )
            for model in ("raw", "profiled"):
                for field, data, filename in sent_as:

                    def send(
                        model: str = model,
                        field: str = field,
                        data: bytes = data,
                        name: str = filename,
                    ) -> Any:
                        sent = client.post(
                            f"/api/v1/models/{model}/runs", files={field: (name, data)}
                        )
                        assert sent.status_code == 201, sent.text
                        return sent

                    seconds, _ = median_seconds(send, args.repeats)
                    if model == "raw":
                        rows.append((f"send a run as its {field}", seconds, len(data), "sent"))
                # The runs' analyses, each a job, in the order they were sent.
                for field, _, _ in sent_as:
                    seconds, _ = median_seconds(lambda: analyse_next(state), args.repeats)
                    baseline_side = "rows" if model == "raw" else "profile"
                    run_side = "rows" if field == "data" else "profile"
                    sides = f"baseline {baseline_side}, run {run_side}"
                    rows.append((f"analyse a run: {sides}", seconds, 0, ""))
        state.engine.dispose()
    print(
        f"{args.rows:,} rows x {baseline.shape[1]} columns; Parquet baseline "
        f"{len(baseline_file):,} bytes; median of {args.repeats}"
    )
    print(f"{'step':<52} {'seconds':>8} {'bytes':>12}")
    for step, seconds, size, what in rows:
        shown = f"{size:,} {what}" if size else ""
        print(f"{step:<52} {seconds:>8.3f} {shown:>18}")


if __name__ == "__main__":
    main()
