"""`driftscope mlflow log` end to end: a real `driftscope serve` and a real `mlflow server` (its own
virtualenv, made by scripts/setup_mlflow_server.sh; a temporary SQLite store and artifact folder)
on free loopback ports. What MLflow holds is read back with MLflow's client and checked against
the driftscope API (the oracle)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tests.server._postgres import free_port
from tests.server._serve import Server, admin_token, serving
from tests.server.conftest import breast_cancer_split

import driftscope
from driftscope.cli import main
from driftscope.integrations.mlflow import (
    COMPLETE_TAG,
    MODEL_TAG,
    RUN_ID_TAG,
    AnalysedRun,
    MlflowTracking,
    run_metrics,
)

ROOT = Path(__file__).resolve().parents[2]
MLFLOW_VENV = Path(os.environ.get("DRIFTSCOPE_MLFLOW_VENV", ROOT / ".venv-mlflow"))
#: Neither the server nor the client may send anything anywhere.
QUIET = {"MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true"}


class MlflowServer:
    """`mlflow server` on a SQLite store and a local artifact folder, serving the artifacts."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        executable = MLFLOW_VENV / "bin" / "mlflow"
        if not executable.exists():
            pytest.fail(
                f"The MLflow tests need `mlflow server` at {executable}: run "
                "`bash scripts/setup_mlflow_server.sh` (make test does)."
            )
        with (self.folder / "mlflow.log").open("ab") as log:
            self.process = subprocess.Popen(
                [
                    str(executable),
                    "server",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--workers",
                    "1",
                    "--backend-store-uri",
                    f"sqlite:///{self.folder / 'mlflow.db'}",
                    "--artifacts-destination",
                    str(self.folder / "artifacts"),
                ],
                env={**os.environ, **QUIET},
                stdout=log,
                stderr=log,
            )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert self.process.poll() is None, (self.folder / "mlflow.log").read_text()
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=1) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise AssertionError("mlflow server did not answer within 120 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serving(tmp_path_factory.mktemp("service")) as running:
        yield running


@pytest.fixture(scope="module")
def token(service: Server) -> str:
    return admin_token(service)


@pytest.fixture(scope="module")
def analysed(service: Server, token: str) -> list[driftscope.client.Run]:
    """Model ``cancer`` with two analysed runs with ground truth, the second one shifted."""
    baseline, production = breast_cancer_split()
    with driftscope.Client(service.url, token) as client:
        client.create_model("cancer", "binary_classification")
        client.add_version(
            "cancer",
            baseline,
            target="target",
            prediction="prediction",
            proba_prefix="proba_",
            id_column="id",
            benchmarks={"accuracy": 0.9},
        )
        shifted = production.copy()
        shifted["mean radius"] = shifted["mean radius"] * 1.5
        runs = [
            client.upload_run("cancer", production, date="2026-11-01"),
            client.upload_run("cancer", shifted, date="2026-11-02"),
        ]
        done = [client.wait("cancer", r.id, timeout=300) for r in runs]
    assert [r.status for r in done] == ["analysed", "analysed"], done
    assert all(r.metrics for r in done)
    return done


class Log:
    """`driftscope mlflow log` through `driftscope.cli.main`, against the test service, for
    model ``cancer`` unless --model is given: the exit code checked, the output returned."""

    def __init__(
        self, service: Server, token: str, mlflow: MlflowServer, capsys: pytest.CaptureFixture[str]
    ) -> None:
        self.service = service
        self.token = token
        self.mlflow = mlflow
        self.capsys = capsys

    def __call__(self, *args: str, uri: str | None = None, code: int = 0) -> tuple[str, str]:
        model = [] if "--model" in args else ["--model", "cancer"]
        words = ["mlflow", "log", *model, *args, "--mlflow-uri", uri or self.mlflow.url]
        words += ["--url", self.service.url, "--token", self.token]
        got = main(words)
        out, err = self.capsys.readouterr()
        assert got == code, (words, out, err)
        assert "Traceback" not in out + err
        assert "View run" not in out  # only driftscope's own lines, not MLflow's
        return out, err


@pytest.fixture
def log(
    service: Server,
    token: str,
    analysed: list[driftscope.client.Run],
    mlflow_server: MlflowServer,
    capsys: pytest.CaptureFixture[str],
) -> Log:
    return Log(service, token, mlflow_server, capsys)


def mlflow_runs(server: MlflowServer, experiment: str) -> list[object]:
    from mlflow.tracking import MlflowClient

    client = MlflowClient(server.url)
    found = client.get_experiment_by_name(experiment)
    assert found is not None
    return list(client.search_runs([found.experiment_id], max_results=1000))


def test_every_analysed_run_is_logged_once_with_the_api_s_numbers_and_the_report(
    log: Log,
    service: Server,
    token: str,
    analysed: list[driftscope.client.Run],
    mlflow_server: MlflowServer,
    tmp_path: Path,
) -> None:
    from mlflow.tracking import MlflowClient

    out, _ = log("--all-new")
    for run in analysed:
        assert f"Run {run.id} of 'cancer' logged: MLflow run" in out

    logged = {int(r.data.tags[RUN_ID_TAG]): r for r in mlflow_runs(mlflow_server, "cancer")}
    assert sorted(logged) == sorted(r.id for r in analysed)
    client = MlflowClient(mlflow_server.url)
    with driftscope.Client(service.url, token) as api:
        for run in analysed:
            got = logged[run.id]
            metrics = got.data.metrics
            # The oracle: each metric and its interval as the API gives them.
            for metric in run.metrics:
                assert metric.value is not None
                assert metrics[metric.name] == pytest.approx(metric.value, abs=0, rel=1e-12)
                if metric.lower is not None:
                    assert metrics[f"{metric.name}_lower"] == pytest.approx(metric.lower, rel=1e-12)
                    assert metrics[f"{metric.name}_upper"] == pytest.approx(metric.upper, rel=1e-12)
            assert metrics["drift_share"] == pytest.approx(run.drift_share, rel=1e-12)
            assert metrics["n_rows"] == run.n_rows
            assert metrics["dataset_drifted"] == float(bool(run.dataset_drifted))
            assert got.data.params == {
                "model": "cancer",
                "version": str(run.version),
                "run_id": str(run.id),
                "verdict": run.verdict,
                "date": run.date.isoformat(),
            }
            assert got.data.tags[COMPLETE_TAG] == "true"
            assert got.data.tags["driftscope.verdict"] == run.verdict
            assert got.info.status == "FINISHED"
            assert got.info.start_time == int(run.date.timestamp() * 1000)
            names = {a.path for a in client.list_artifacts(got.info.run_id, "driftscope")}
            assert names == {"driftscope/report.json", "driftscope/report.html"}
            folder = client.download_artifacts(got.info.run_id, "driftscope", str(tmp_path))
            report = json.loads(Path(folder, "report.json").read_text())
            assert report == api.report("cancer", run.id)
            html = Path(folder, "report.html").read_text()
            assert html.startswith("<!DOCTYPE html>") or html.lstrip().lower().startswith(
                "<!doctype html>"
            )
            assert "mean radius" in html

    # Once logged, a run is not logged again.
    out, _ = log("--all-new")
    assert out.strip() == "Nothing new to log: every analysed run of 'cancer' is in 'cancer'."
    out, _ = log("--run", str(analysed[0].id))
    assert f"Run {analysed[0].id} of 'cancer' already logged" in out
    assert len(mlflow_runs(mlflow_server, "cancer")) == len(analysed)


def test_a_run_logged_halfway_is_logged_anew_and_the_half_deleted(
    log: Log, analysed: list[driftscope.client.Run], mlflow_server: MlflowServer
) -> None:
    """What an MLflow outage cuts short (a run made, its artifacts or last tag not stored) is
    finished by running the command again."""
    from mlflow.tracking import MlflowClient

    client = MlflowClient(mlflow_server.url)
    experiment = client.create_experiment("cancer halfway")
    run = analysed[1]
    half = client.create_run(experiment, tags={MODEL_TAG: "cancer", RUN_ID_TAG: str(run.id)})
    out, _ = log("--experiment", "cancer halfway", "--all-new")
    assert f"Run {run.id} of 'cancer' logged" in out
    assert f"Run {analysed[0].id} of 'cancer' logged" in out
    active = mlflow_runs(mlflow_server, "cancer halfway")
    assert sorted(int(r.data.tags[RUN_ID_TAG]) for r in active) == sorted(r.id for r in analysed)
    assert all(r.data.tags[COMPLETE_TAG] == "true" for r in active)
    assert client.get_run(half.info.run_id).info.lifecycle_stage == "deleted"


def test_mlflow_down_is_said_at_once_and_nothing_is_logged_or_lost(
    log: Log, analysed: list[driftscope.client.Run]
) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"
    _, err = log("--experiment", "cancer later", "--all-new", uri=nowhere, code=2)
    assert f"Cannot reach the MLflow tracking server at {nowhere}" in err
    assert "--mlflow-uri" in err
    # The runs are still in driftscope; once MLflow answers, they are logged.
    out, _ = log("--experiment", "cancer later", "--all-new")
    assert out.count("logged: MLflow run") == len(analysed)


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--model", "cancer", "--all-new", "--run", "1"], "either --run ID"),
        (["--model", "cancer"], "either --run ID"),
        (["--model", "nosuch", "--all-new"], "nosuch"),
        (["--model", "cancer", "--run", "999999"], "999999"),
    ],
)
def test_bad_options_and_unknown_models_or_runs_are_one_line_messages(
    log: Log, args: list[str], said: str
) -> None:
    _, err = log(*args, code=2)
    assert said in err


def test_a_run_not_analysed_is_refused_naming_its_status(
    log: Log, service: Server, token: str
) -> None:
    _, production = breast_cancer_split()
    with driftscope.Client(service.url, token) as client:
        # Two labels for one id: the analysis fails on its data.
        labels = production[["id", "target"]]
        labels = pd.concat([labels, labels.head(1).assign(target=1 - labels.target.iloc[0])])
        sent = client.upload_run("cancer", production.drop(columns=["target"]), labels=labels)
        failed = client.wait("cancer", sent.id, timeout=300)
    assert failed.status == "failed"
    _, err = log("--run", str(failed.id), code=2)
    assert f"run {failed.id} of 'cancer' is failed; only analysed runs are logged" in err
    assert "--run" in err


def test_missing_and_non_finite_numbers_are_not_logged() -> None:
    from datetime import UTC, datetime

    from driftscope.integrations.mlflow import MetricValue

    run = AnalysedRun(
        "m",
        1,
        1,
        datetime(2026, 1, 1, tzinfo=UTC),
        None,
        None,
        None,
        10,
        None,
        None,
        "upload",
        {
            "rmse": MetricValue(float("nan")),
            "mae": MetricValue(2.0, 1.5, 2.5),
            "r/2 (x)": MetricValue(0.5),
        },
        {},
    )
    assert run_metrics(run) == {
        "mae": 2.0,
        "mae_lower": 1.5,
        "mae_upper": 2.5,
        "r/2 _x_": 0.5,
        "n_rows": 10.0,
    }
    assert repr(MlflowTracking("http://127.0.0.1:1/")) == "MlflowTracking('http://127.0.0.1:1')"


# -- importing an MLflow registered model ----------------------------------------------------


def _cancer_frames() -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Training rows and a baseline (features and target, no predictions) of 8 features."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split

    frame = load_breast_cancer(as_frame=True).frame
    features = [c for c in frame.columns if c != "target"][:8]
    frame = frame[[*features, "target"]]
    train, rest = train_test_split(frame, test_size=0.5, random_state=0, stratify=frame.target)
    return train, rest.reset_index(drop=True), features


def _register(
    mlflow_server: MlflowServer,
    name: str,
    folder: Path,
    *,
    onnx: bytes | None,
    baseline: pd.DataFrame,
) -> str:
    """A version of registered model ``name`` made by a run that logged the baseline as
    ``baseline.parquet`` and a model folder: ONNX (as `mlflow.onnx.save_model` writes it), or
    without ``onnx`` one whose only flavor is a pickled python_function. Its number."""
    import yaml
    from mlflow.tracking import MlflowClient

    client = MlflowClient(mlflow_server.url)
    experiment = client.get_experiment_by_name("training")
    experiment_id = experiment.experiment_id if experiment else client.create_experiment("training")
    run = client.create_run(experiment_id)
    model = folder / "model"
    model.mkdir(parents=True)
    if onnx is not None:
        import onnx as onnx_lib

        with warnings.catch_warnings():
            # MLflow's pyfunc, loaded on the way, warns about its own type hints.
            warnings.simplefilter("ignore", UserWarning)
            import mlflow.onnx

            model.rmdir()
            mlflow.onnx.save_model(onnx_lib.load_from_string(onnx), str(model))
    else:
        (model / "python_model.pkl").write_bytes(b"not loaded by driftscope")
        flavors = {
            "python_function": {
                "loader_module": "mlflow.pyfunc.model",
                "python_model": "python_model.pkl",
            }
        }
        (model / "MLmodel").write_text(yaml.safe_dump({"flavors": flavors}))
    baseline.to_parquet(folder / "baseline.parquet", index=False)
    client.log_artifact(run.info.run_id, str(folder / "baseline.parquet"))
    client.log_artifacts(run.info.run_id, str(model), "model")
    client.set_terminated(run.info.run_id)
    if not client.search_registered_models(f"name = '{name}'"):
        client.create_registered_model(name)
    made = client.create_model_version(
        name, f"{run.info.artifact_uri}/model", run_id=run.info.run_id
    )
    return str(made.version)


def test_an_mlflow_registered_model_s_versions_are_imported_with_their_onnx_and_aliases(
    service: Server,
    token: str,
    mlflow_server: MlflowServer,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    from mlflow.tracking import MlflowClient
    from skl2onnx import to_onnx
    from sklearn.linear_model import LogisticRegression

    train, baseline, features = _cancer_frames()
    fitted = LogisticRegression(max_iter=10_000).fit(train[features], train.target)
    onnx = to_onnx(fitted, train[features].to_numpy(np.float32)[:1], target_opset=17)
    blob = onnx.SerializeToString()
    first = _register(
        mlflow_server, "cancer-registry", tmp_path / "1", onnx=blob, baseline=baseline
    )
    pickled = _register(
        mlflow_server, "cancer-registry", tmp_path / "2", onnx=None, baseline=baseline
    )
    third = _register(
        mlflow_server, "cancer-registry", tmp_path / "3", onnx=blob, baseline=baseline.head(150)
    )
    registry = MlflowClient(mlflow_server.url)
    registry.set_registered_model_alias("cancer-registry", "production", first)
    registry.set_registered_model_alias("cancer-registry", "staging", third)

    words = [
        "mlflow",
        "import",
        "--model",
        "imported",
        "--mlflow-model",
        "cancer-registry",
        "--mlflow-uri",
        mlflow_server.url,
        "--url",
        service.url,
        "--token",
        token,
    ]
    assert main([*words, "--target", "target"]) == 2
    out, err = capsys.readouterr()
    assert "the driftscope model 'imported' does not exist; give its --task" in err

    got = main([*words, "--task", "binary_classification", "--target", "target"])
    out, err = capsys.readouterr()
    assert got == 1, (out, err)
    assert "Traceback" not in out + err
    said = "of 'cancer-registry' imported as version {} of 'imported' (model file: onnx)."
    assert f"MLflow version {first} {said.format(1)}" in out
    assert f"MLflow version {third} {said.format(2)}" in out
    assert (
        f"MLflow version {pickled} of 'cancer-registry' not imported: no model driftscope can load"
        in err
    )
    assert "python_function" in err
    assert "give --prediction" in err

    with driftscope.Client(service.url, token) as client:
        versions = client.versions("imported")
        assert [(v.number, v.model_format, v.n_baseline_rows) for v in versions] == [
            (1, "onnx", len(baseline)),
            (2, "onnx", 150),
        ]
        # The service ran the imported ONNX model on the baseline: its predictions are there.
        assert versions[0].prediction == "prediction"
        assert dict(client.model("imported").aliases) == {"production": 1, "staging": 2}
    tags = registry.get_model_version("cancer-registry", first).tags
    assert (tags["driftscope.model"], tags["driftscope.version"]) == ("imported", "1")

    # Again: what was imported is left alone, what could not be is said again.
    got = main([*words])
    out, err = capsys.readouterr()
    assert got == 1, (out, err)
    assert f"MLflow version {first} of 'cancer-registry': imported before as version 1." in out
    assert f"MLflow version {pickled} of 'cancer-registry' not imported" in err
    with driftscope.Client(service.url, token) as client:
        assert len(client.versions("imported")) == 2

    # A registered model MLflow does not know.
    assert main([*words[:5], "nosuch-registered", *words[6:]]) == 2
    _, err = capsys.readouterr()
    assert "nosuch-registered" in err
    assert "Traceback" not in err

    # Promotion and rollback in driftscope move the MLflow alias along.
    where = ["--mlflow-uri", mlflow_server.url, "--url", service.url, "--token", token]
    promote = ["models", "promote", "imported", "2", "--mlflow-model", "cancer-registry", *where]
    assert main(promote) == 0
    out, _ = capsys.readouterr()
    assert f"MLflow: cancer-registry@production is version {third}." in out
    assert registry.get_registered_model("cancer-registry").aliases["production"] == third
    assert (
        main(["models", "rollback", "imported", "--mlflow-model", "cancer-registry", *where]) == 0
    )
    out, _ = capsys.readouterr()
    assert "imported@production rolled back to version 1 (was 2)." in out
    assert registry.get_registered_model("cancer-registry").aliases["production"] == first
    # An MLflow alias that cannot follow stops the promotion before anything moves.
    assert main([*promote[:5], "nosuch-registered", *where]) == 2
    _, err = capsys.readouterr()
    assert "nosuch-registered" in err
    with driftscope.Client(service.url, token) as client:
        assert dict(client.model("imported").aliases)["production"] == 1

    # sync: the versions imported before are left alone, and the new analysed run is logged.
    _, production, features = _cancer_frames()
    with driftscope.Client(service.url, token) as client:
        sent = client.upload_run("imported", production[features].head(100), date="2026-11-03")
        run = client.wait("imported", sent.id, timeout=300)
    assert run.status == "analysed", run
    sync = ["mlflow", "sync", "--model", "imported", "--mlflow-model", "cancer-registry", *where]
    assert main(sync) == 1
    out, err = capsys.readouterr()
    assert f"MLflow version {first} of 'cancer-registry': imported before as version 1." in out
    assert f"Run {run.id} of 'imported' logged: MLflow run" in out
    assert f"MLflow version {pickled} of 'cancer-registry' not imported" in err
    logged = mlflow_runs(mlflow_server, "imported")
    assert [r.data.tags[RUN_ID_TAG] for r in logged] == [str(run.id)]
    assert logged[0].data.metrics["n_rows"] == 100


def test_without_the_mlflow_extra_the_commands_say_how_to_install_it() -> None:
    code = (
        "import sys; sys.modules['mlflow'] = None\n"
        "from driftscope.cli import main\n"
        "sys.exit(main(['mlflow', 'log', '--model', 'm', '--mlflow-uri', 'http://127.0.0.1:1',"
        " '--all-new']))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src"), "COLUMNS": "200"},
    )
    assert done.returncode == 2, done
    assert done.stderr.strip() == (
        "error: The MLflow integration needs the MLflow client, which is not installed: "
        'pip install "driftscope[mlflow]"'
    )
