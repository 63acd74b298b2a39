"""`server.db` and the migrations: the store the migrations build is the one the models
describe, SQLite is opened safely, and `driftscope db upgrade` applies them once."""

from __future__ import annotations

import importlib
import stat
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from fastapi.testclient import TestClient
from sqlalchemy import Integer, MetaData, select, text
from tests.server._receivers import webhook_receiver
from tests.server.conftest import add_model, as_parquet, breast_cancer_split, run_jobs

from driftscope.cli import main
from driftscope.server import db
from driftscope.server.models import Base
from driftscope.server.settings import load_settings
from driftscope.server.state import State, open_state

SECRET = "a-webhook-secret-of-32-characters"


def test_the_migrations_build_exactly_what_the_models_describe(state: State) -> None:
    with state.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []
    assert db.current_revision(state.engine) == "0016"


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
    assert out.splitlines() == ["store at revision 0016 (was None)", "store at revision 0016"]
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
    assert db.current_revision(state.engine) == "0016"
    assert admin.get("/api/v1/models/cancer/mlflow").status_code == 404
    assert admin.get("/api/v1/models/cancer").status_code == 200
    module = importlib.import_module("driftscope.server.migrations.versions.0012_mlflow_links")
    assert module.down_revision == "0011"


def _integer_keyed() -> set[str]:
    """The tables keyed by an integer id of their own (the others are keyed by their columns,
    or by another table's id)."""
    return {
        table.name
        for table in Base.metadata.sorted_tables
        if [(type(c.type), bool(c.foreign_keys)) for c in table.primary_key.columns]
        == [(Integer, False)]
    }


def _upload(admin: TestClient, frame: Any) -> int:
    uploaded = admin.post(
        "/api/v1/models/cancer/runs", files={"data": ("run.parquet", as_parquet(frame))}
    )
    assert uploaded.status_code == 201, uploaded.text
    run_id: int = uploaded.json()["id"]
    return run_id


def test_every_table_with_an_integer_id_takes_sqlite_autoincrement(tmp_path: Path) -> None:
    revision = importlib.import_module("driftscope.server.migrations.versions.0014_autoincrement")
    tables = _integer_keyed()
    assert set(revision._TABLES) == tables
    assert {"runs", "alerts", "jobs", "deliveries", "api_tokens"} <= tables
    for table in Base.metadata.sorted_tables:
        assert table.dialect_options["sqlite"]["autoincrement"] == (table.name in tables)
    engine = db.make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    db.upgrade(engine)
    with engine.connect() as connection:
        made = dict(connection.execute(text("SELECT name, sql FROM sqlite_master")).all())
    engine.dispose()
    assert {name for name, sql in made.items() if sql and "AUTOINCREMENT" in sql} == tables


def test_a_deleted_newest_run_or_model_does_not_give_its_id_to_the_next(
    admin: TestClient, state: State
) -> None:
    add_model(admin)
    _, production = breast_cancer_split()
    _upload(admin, production)
    newest = _upload(admin, production)
    assert admin.delete(f"/api/v1/models/cancer/runs/{newest}").status_code == 204
    assert _upload(admin, production) == newest + 1
    model = admin.get("/api/v1/models/cancer").json()["id"]
    assert admin.delete("/api/v1/models/cancer").status_code == 204
    add_model(admin)
    assert admin.get("/api/v1/models/cancer").json()["id"] == model + 1


def _contents(state: State, like: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    """Every row of every table the store has (read from the store itself, not the models:
    an older revision lacks later tables and columns), in key order, with the columns' names;
    with ``like``, only its tables and columns."""
    found = MetaData()
    found.reflect(state.engine)
    out: dict[str, dict[str, Any]] = {}
    with state.engine.connect() as connection:
        for table in found.sorted_tables:
            if table.name == "alembic_version" or (like is not None and table.name not in like):
                continue
            names = like[table.name]["columns"] if like is not None else list(table.columns.keys())
            query = select(*(table.c[n] for n in names)).order_by(*table.primary_key.columns)
            out[table.name] = {
                "columns": names,
                "rows": [tuple(row) for row in connection.execute(query)],
            }
    return out


def _sql(state: State, table: str) -> str:
    with state.engine.connect() as connection:
        made: str = connection.execute(
            text("SELECT sql FROM sqlite_master WHERE name = :name"), {"name": table}
        ).scalar_one()
        return made


def test_revision_0014_keeps_every_row_of_an_older_store_and_then_never_reuses_an_id(
    admin: TestClient, state: State
) -> None:
    # A store filled through the service (analysed runs with their points, a rule's alert and
    # its history, jobs, the deliveries to a webhook), then taken back to 0013, before
    # AUTOINCREMENT (the later revisions' tables and columns go with it).
    add_model(admin)
    _, production = breast_cancer_split()
    bad = production.copy()
    flipped = bad.index[: int(len(bad) * 0.4)]
    bad.loc[flipped, "target"] = 1 - bad.loc[flipped, "target"]
    rule = {"name": "accuracy low", "signal": "metric", "subject": "accuracy"}
    rule |= {"comparator": "<", "threshold": 0.85}
    assert admin.post("/api/v1/models/cancer/alert-rules", json=rule).status_code == 201
    with webhook_receiver(SECRET) as receiver:
        hook = {"name": "hook", "kind": "webhook", "secret": SECRET, "url": receiver.url}
        assert admin.post("/api/v1/notifiers", json=hook).status_code == 201
        runs = [_upload(admin, frame) for frame in (production, bad, bad)]
        run_jobs(state)
    assert receiver.received
    db.downgrade(state.engine, "0013")
    sqlite = db.is_sqlite(state.engine)
    if sqlite:
        assert "AUTOINCREMENT" not in _sql(state, "runs")
    before = _contents(state)
    kept = ("runs", "run_metrics", "run_checks", "alerts", "alert_events", "jobs", "deliveries")
    for table in (*kept, "notifiers", "audit_log"):
        assert before[table]["rows"], table
    assert "n_feedback" not in before["runs"]["columns"]

    db.upgrade(state.engine)
    assert _contents(state, like=before) == before
    if sqlite:
        assert "AUTOINCREMENT" in _sql(state, "runs")
        with state.engine.connect() as connection:
            counters = dict(connection.execute(text("SELECT name, seq FROM sqlite_sequence")).all())
        # Each table's counter starts at its largest id.
        for table in _integer_keyed():
            largest = max((row[0] for row in before[table]["rows"]), default=0)
            assert counters[table] == largest, table
    assert admin.delete(f"/api/v1/models/cancer/runs/{runs[-1]}").status_code == 204
    assert _upload(admin, production) == runs[-1] + 1

    # Down to plain tables and up again: nothing 0013 holds is lost either way (what later
    # revisions added goes with their downgrade).
    after = _contents(state)
    db.downgrade(state.engine, "0013")
    if sqlite:
        assert "AUTOINCREMENT" not in _sql(state, "runs")
    older = _contents(state)
    assert older == {
        name: {
            "columns": table["columns"],
            "rows": [
                tuple(row[after[name]["columns"].index(c)] for c in table["columns"])
                for row in after[name]["rows"]
            ],
        }
        for name, table in older.items()
    }
    db.upgrade(state.engine)
    assert _contents(state, like=older) == older
    assert _upload(admin, production) == runs[-1] + 2
