"""`server.db` and the migrations: the store the migrations build is the one the models
describe, SQLite is opened safely, and `driftscope db upgrade` applies them once."""

from __future__ import annotations

import importlib
import stat
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from fastapi.testclient import TestClient
from sqlalchemy import text
from tests.server.conftest import add_model, as_parquet, breast_cancer_split, run_jobs

from driftscope.cli import main
from driftscope.server import db
from driftscope.server.models import Base
from driftscope.server.settings import load_settings
from driftscope.server.state import State, open_state


def test_the_migrations_build_exactly_what_the_models_describe(state: State) -> None:
    with state.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []
    assert db.current_revision(state.engine) == "0013"


def test_sqlite_runs_with_wal_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'nested' / 'store.db'}")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 30_000
    engine.dispose()


def test_a_new_store_folder_is_its_owners_only_and_one_that_exists_is_left_alone(
    tmp_path: Path,
) -> None:
    served = tmp_path / "served"
    opened = open_state(load_settings(data_dir=served, worker=False))
    opened.engine.dispose()
    assert (served / "driftscope.db").is_file()
    assert stat.S_IMODE(served.stat().st_mode) == 0o700
    assert main(["db", "upgrade", "--data-dir", str(tmp_path / "upgraded")]) == 0
    assert stat.S_IMODE((tmp_path / "upgraded").stat().st_mode) == 0o700
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o755)
    opened = open_state(load_settings(data_dir=shared, worker=False))
    opened.engine.dispose()
    assert stat.S_IMODE(shared.stat().st_mode) == 0o755


def test_db_upgrade_from_the_command_line_is_idempotent(tmp_path: Path, capsys: object) -> None:
    data = tmp_path / "data"
    assert main(["db", "upgrade", "--data-dir", str(data)]) == 0
    assert main(["db", "upgrade", "--data-dir", str(data)]) == 0
    out = capsys.readouterr().out  # type: ignore[attr-defined]
    assert out.splitlines() == ["store at revision 0013 (was None)", "store at revision 0013"]
    assert (data / "driftscope.db").is_file()


def test_a_bad_database_url_is_a_clear_error(tmp_path: Path, capsys: object) -> None:
    assert main(["db", "upgrade", "--database-url", "nosuchdb://x"]) == 2
    err = capsys.readouterr().err  # type: ignore[attr-defined]
    assert "nosuchdb" in err
    assert "Traceback" not in err


def test_revision_0005_fills_the_quality_counts_and_packed_drift_of_earlier_runs(
    admin: TestClient, state: State
) -> None:
    add_model(admin)
    _, production = breast_cancer_split()
    production = production.copy()
    production.loc[production.index[:40], "mean radius"] = None  # a missing-values finding
    admin.post(
        "/api/v1/models/cancer/runs", files={"data": ("run.parquet", as_parquet(production))}
    )
    run_jobs(state)
    counted = admin.get("/api/v1/models/cancer/timeline").json()["runs"]
    assert counted["quality_alerts"][0] + counted["quality_warnings"][0] > 0
    heatmap = admin.get("/api/v1/models/cancer/timeline/features").json()
    assert heatmap["columns"]
    # Down and up again: on SQLite the downgrade copies the runs table; its points stay.
    db.downgrade(state.engine, "0004")
    db.upgrade(state.engine)
    again = admin.get("/api/v1/models/cancer/timeline").json()["runs"]
    assert admin.get("/api/v1/models/cancer/timeline/features").json() == heatmap
    assert (again["quality_warnings"], again["quality_alerts"]) == (
        counted["quality_warnings"],
        counted["quality_alerts"],
    )


def test_revision_0006_counts_the_versions_a_model_had_and_keeps_the_history_numbers(
    admin: TestClient, state: State
) -> None:
    baseline, _ = breast_cancer_split()

    def add_version(name: str) -> int:
        added = admin.post(
            f"/api/v1/models/{name}/versions",
            files={"baseline": ("b.parquet", as_parquet(baseline))},
            data={"target": "target", "prediction": "prediction"},
        )
        assert added.status_code == 201, added.text
        number: int = added.json()["number"]
        return number

    add_model(admin)
    assert (add_version("cancer"), add_version("cancer")) == (2, 3)
    admin.post("/api/v1/models/cancer/aliases/production", json={"version": 1})
    admin.post("/api/v1/models/cancer/aliases/production", json={"version": 2})
    assert admin.delete("/api/v1/models/cancer/versions/3").status_code == 204
    history = admin.get("/api/v1/models/cancer/aliases/history").json()
    # A model deleted and made again under its name: the first one's versions do not count.
    add_model(admin, "again")
    add_version("again")
    assert admin.delete("/api/v1/models/again").status_code == 204
    add_model(admin, "again")
    # Down and up again: the counter is filled from the versions and the audit log (version 3
    # was deleted), the history's numbers from the versions.
    db.downgrade(state.engine, "0005")
    db.upgrade(state.engine)
    assert admin.get("/api/v1/models/cancer/aliases/history").json() == history
    assert add_version("cancer") == 4
    assert add_version("again") == 2


def test_revision_0008_flags_the_primary_metrics_of_earlier_runs_and_gives_jobs_a_log(
    admin: TestClient, state: State
) -> None:
    from driftscope.analyses.performance import PRIMARY

    revision = importlib.import_module("driftscope.server.migrations.versions.0008_job_log")
    # The migration's names are the analysis's primary metrics.
    assert set(revision._PRIMARY) == {name for names in PRIMARY.values() for name in names}
    add_model(admin)
    _, production = breast_cancer_split()
    admin.post(
        "/api/v1/models/cancer/runs", files={"data": ("run.parquet", as_parquet(production))}
    )
    run_jobs(state)
    [run] = admin.get("/api/v1/models/cancer/runs").json()["items"]
    assert {m["name"] for m in run["metrics"] if m["primary"]} == {
        "accuracy",
        "f1_macro",
        "roc_auc",
    }
    assert len(run["metrics"]) > 3
    assert run["job"]["log"][-1]["message"] == "Done."
    # Down and up again: the flags come back from the names; the jobs' logs start empty.
    db.downgrade(state.engine, "0007")
    db.upgrade(state.engine)
    [again] = admin.get("/api/v1/models/cancer/runs").json()["items"]
    assert again["metrics"] == run["metrics"]
    assert (again["job"]["status"], again["job"]["log"]) == ("done", [])


def test_revision_0012_adds_the_mlflow_links_and_goes_down_again(
    admin: TestClient, state: State
) -> None:
    from sqlalchemy import inspect

    add_model(admin)
    # Stored unchecked: no MLflow is needed to test the store.
    body = {"tracking_uri": "http://127.0.0.1:9/", "experiment": "churn", "check": False}
    linked = admin.put("/api/v1/models/cancer/mlflow", json=body)
    assert linked.status_code == 200, linked.text
    assert linked.json()["tracking_uri"] == "http://127.0.0.1:9"
    db.downgrade(state.engine, "0011")
    with state.engine.connect() as connection:
        assert "mlflow_links" not in inspect(connection).get_table_names()
        columns = {c["name"] for c in inspect(connection).get_columns("runs")}
        assert not {"mlflow_run_id", "mlflow_run_url"} & columns
    db.upgrade(state.engine)
    assert db.current_revision(state.engine) == "0013"
    assert admin.get("/api/v1/models/cancer/mlflow").status_code == 404
    assert admin.get("/api/v1/models/cancer").status_code == 200
    module = importlib.import_module("driftscope.server.migrations.versions.0012_mlflow_links")
    assert module.down_revision == "0011"
