"""What explanations add to a run's analysis in the service (issue 14), on this machine.

A binary model on scikit-learn's breast cancer set (30 features; a 171-row baseline and a
171-row run, so ``explain_rows`` 200 explains every row), stored as a version with a model file:
a skops ``LogisticRegression`` with its skops ``StandardScaler`` (the exact linear explainer),
and the same model as ONNX (shap's permutation explainer, ``4 * 30 + 2`` evaluations per row
on a 100-row background). The analysis job (`jobs.run_one`) is timed with explanations off
(``explain_rows=0``) and on (``explain_rows=200``); median seconds of ``--repeats`` runs, after
one run that is not counted (the first permutation explanation in a process compiles shap's
code).

    .venv/bin/python benchmarks/service_explanations.py [--repeats 3]

Prints a table; the results and the command go in benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import skops.io as sio
from fastapi.testclient import TestClient
from skl2onnx import to_onnx
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from driftscope.server import jobs
from driftscope.server.app import create_app
from driftscope.server.settings import load_settings
from driftscope.server.state import open_state
from driftscope.server.worker import JOB_KINDS

PASSWORD = "a benchmark's long password"


def _bytes(write: object) -> bytes:
    buffer = io.BytesIO()
    sio.dump(write, buffer)
    return buffer.getvalue()


def _parquet(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def _data() -> tuple[pd.DataFrame, pd.DataFrame, dict[str, dict[str, tuple[str, bytes]]]]:
    frame = load_breast_cancer(as_frame=True).frame
    features = [c for c in frame.columns if c != "target"]
    train, rest = train_test_split(frame, test_size=0.6, random_state=0, stratify=frame.target)
    baseline, production = train_test_split(rest, test_size=0.5, random_state=1)
    scaler = StandardScaler().fit(train[features])
    model = LogisticRegression(max_iter=10_000).fit(scaler.transform(train[features]), train.target)
    plain = LogisticRegression(max_iter=10_000).fit(train[features], train.target)
    onnx = to_onnx(plain, train[features].to_numpy(np.float32)[:1], target_opset=17)
    files = {
        "skops + preprocessor (linear)": {
            "model_file": ("model.skops", _bytes(model)),
            "preprocessor": ("scaler.skops", _bytes(scaler)),
        },
        "ONNX (permutation)": {"model_file": ("model.onnx", onnx.SerializeToString())},
    }
    return baseline, production, files


def _time(folder: Path, rows: int, files: dict[str, tuple[str, bytes]], repeats: int) -> float:
    baseline, production, _ = DATA
    settings = load_settings(
        data_dir=folder, admin_password=PASSWORD, worker=False, explain_rows=rows
    )
    state = open_state(settings)
    try:
        with TestClient(create_app(settings, state), base_url="http://127.0.0.1") as client:
            answer = client.post(
                "/api/v1/auth/login", json={"username": "admin", "password": PASSWORD}
            )
            client.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
            client.post("/api/v1/models", json={"name": "m", "task": "binary_classification"})
            made = client.post(
                "/api/v1/models/m/versions",
                files={"baseline": ("b.parquet", _parquet(baseline)), **files},
                data={"target": "target"},
            )
            assert made.status_code == 201, made.text
            seconds = []
            for _ in range(repeats + 1):
                client.post(
                    "/api/v1/models/m/runs", files={"data": ("r.parquet", _parquet(production))}
                )
                start = time.perf_counter()
                assert jobs.run_one(state, JOB_KINDS, "bench")
                seconds.append(time.perf_counter() - start)
            run = client.get("/api/v1/models/m/runs").json()["items"][0]
            assert run["status"] == "analysed", run
            if rows:
                section = client.get(f"/api/v1/runs/{run['id']}/explanations").json()
                assert section["error"] is None, section["error"]
    finally:
        state.engine.dispose()
    return statistics.median(seconds[1:])


DATA = _data()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(f"| model file | explain_rows 0 (s) | explain_rows 200 (s) |  (median of {args.repeats})")
    print("| --- | ---: | ---: |")
    for name, files in DATA[2].items():
        cells = []
        for rows in (0, 200):
            with tempfile.TemporaryDirectory() as folder:
                cells.append(_time(Path(folder), rows, files, args.repeats))
        print(f"| {name} | {cells[0]:.2f} | {cells[1]:.2f} |")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
