"""`driftscope.demo.store`: the store `make run` serves, filled through the service's own code
path with the five demo models, each telling its story over six analysed weekly runs; found
filled the second time; completed after a fill that was killed."""

from __future__ import annotations

import fcntl
import os
import signal
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from tests.server._serve import Server

from driftscope.demo._data import WEEKS
from driftscope.demo.diabetes import DIABETES
from driftscope.demo.speech import SPEECH
from driftscope.demo.store import MARKER, PASSWORD_FILE, Filled, fill_store, store_settings
from driftscope.exceptions import DriftscopeError
from driftscope.server import db, security
from driftscope.server.models import Alias, Job, Model, Role, Run, RunStatus, User, Version
from driftscope.server.services import alerts
from driftscope.server.services.alerts import RuleSpec
from driftscope.server.services.registry import get_model
from driftscope.server.services.timeline import feature_timeline, timeline
from driftscope.server.services.users import Principal
from driftscope.server.state import State, open_state

TASKS = {
    "digits": "multiclass_classification",
    "diabetes-progression": "regression",
    "support-intents": "text_classification",
    "voice-assistant-asr": "speech_recognition",
    "conveyor-parts-segmentation": "image_segmentation",
}
BEFORE, AFTER = slice(0, 3), slice(3, WEEKS)  # the healthy weeks, and those after the change


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Filled:
    """The demo store as `make run` fills it (full size: the stories users see)."""
    return fill_store(tmp_path_factory.mktemp("demo") / "store")


@pytest.fixture
def state(filled: Filled) -> Iterator[State]:
    opened = open_state(store_settings(filled.data_dir), migrate=False)
    try:
        yield opened
    finally:
        opened.engine.dispose()


def _timelines(state: State, name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    with state.sessions() as session:
        model = get_model(session, name)
        return timeline(session, model), feature_timeline(session, model)


def _counts(state: State) -> dict[str, int]:
    with state.sessions() as session:
        return {
            table.__name__: session.scalar(select(func.count()).select_from(table)) or 0
            for table in (Model, Version, Run, Job, User)
        }


def test_each_model_is_there_with_its_task_a_production_version_and_analysed_runs(
    filled: Filled, state: State
) -> None:
    assert filled.added == filled.models == tuple(TASKS)
    with state.sessions() as session:
        for name, task in TASKS.items():
            model = get_model(session, name)
            assert model.task == task
            assert model.description
            production = session.get(Alias, (model.id, "production"))
            assert production is not None
            runs = list(session.scalars(select(Run).where(Run.model_id == model.id)))
            assert len(runs) == WEEKS
            assert {r.status for r in runs} == {RunStatus.ANALYSED}, [r.error for r in runs]
            assert all(r.verdict is not None and r.report is not None for r in runs)
            assert {r.version_id for r in runs} == {production.version_id}
    assert (filled.data_dir / MARKER).is_file()


def test_the_admin_password_is_generated_kept_for_its_owner_only_and_works(
    filled: Filled, state: State
) -> None:
    assert filled.password is not None
    assert filled.password_file == filled.data_dir / PASSWORD_FILE
    assert stat.S_IMODE(filled.password_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(filled.data_dir.stat().st_mode) == 0o700  # and the store's secrets
    assert filled.password_file.read_text().strip() == filled.password
    with state.sessions() as session:
        (admin,) = session.scalars(select(User))
    assert (admin.username, admin.role) == ("admin", "admin")
    assert security.verify_password(admin.password_hash, filled.password)


def test_digits_ends_with_retrain_after_the_scanner_and_labelling_change(state: State) -> None:
    runs, _features = _timelines(state, "digits")
    verdicts = runs["runs"]["verdict"]
    assert verdicts[BEFORE] == ["ok"] * 3
    assert verdicts[AFTER] == ["retrain"] * 3
    accuracy = runs["metrics"]["accuracy"]["value"]
    assert max(accuracy[AFTER]) < min(accuracy[BEFORE]) - 0.1


def test_an_accuracy_rule_fires_on_the_digits_shifted_weeks(state: State) -> None:
    runs, _features = _timelines(state, "digits")
    accuracy = runs["metrics"]["accuracy"]["value"]
    admin = Principal(1, "admin", Role.ADMIN)
    spec = RuleSpec(
        name="accuracy falls",
        signal="metric",
        subject="accuracy",
        comparator="<",
        threshold=min(accuracy[BEFORE]) - 0.05,
        for_runs=2,
        severity="critical",
    )
    with db.transaction(state.writers) as session:
        rule = alerts.create_rule(state, session, admin, "digits", spec)
        rule_id = rule.id
    try:
        with state.sessions() as session:
            [alert] = alerts.list_alerts(session, model_name="digits")[0]
            assert (alert.state, alert.rule_id) == ("firing", rule_id)
            # The breach began with week 4, and its second week fired the alert.
            assert alert.started_at.isoformat()[:10] == runs["runs"]["date"][3][:10]
            assert alert.run_id == runs["runs"]["run"][4]
            assert alert.value == pytest.approx(accuracy[4])
    finally:
        with db.transaction(state.writers) as session:
            alerts.delete_rule(session, admin, "digits", rule_id)


def test_diabetes_sees_the_new_clinic_and_underpredicts_its_patients(state: State) -> None:
    runs, features = _timelines(state, "diabetes-progression")
    verdicts = runs["runs"]["verdict"]
    assert verdicts[BEFORE] == ["ok"] * 3
    assert "ok" not in verdicts[AFTER]
    assert verdicts[-1] == "retrain"
    mae = runs["metrics"]["mae"]["value"]
    assert mae[-1] > max(mae[BEFORE])
    # The model predicts too little for the new clinic's patients: the mean error falls.
    mean_error = runs["metrics"]["mean_error"]["value"]
    assert mean_error[-1] < -20 < min(mean_error[BEFORE])
    for column in ("clinic", "age", "bmi"):
        drifted = features["columns"][column]["drifted"]
        assert drifted[BEFORE] == [False] * 3, column
        assert drifted[-1], column


def test_support_intents_flag_the_surge_of_refunds(state: State) -> None:
    runs, features = _timelines(state, "support-intents")
    assert runs["runs"]["verdict"][BEFORE] == ["ok"] * 3
    assert "ok" not in runs["runs"]["verdict"][AFTER]
    columns = features["columns"]
    for name in ("intent", "predicted_intent", "proba_refund"):
        assert columns[name]["drifted"][BEFORE] == [False] * 3, name
        assert columns[name]["drifted"][AFTER] == [True] * 3, name
    assert columns["intent"]["role"] == "target"
    assert columns["predicted_intent"]["role"] == "prediction"
    # The messages themselves are compared as text: the recall's new words are out of the
    # reference's vocabulary.
    assert any(columns["message.oov_rate"]["drifted"][AFTER])


def test_the_speech_recognizers_word_error_rate_rises(state: State) -> None:
    runs, features = _timelines(state, "voice-assistant-asr")
    wer = runs["metrics"]["wer"]
    assert max(wer["value"][BEFORE]) < 0.07
    assert wer["value"][AFTER] == sorted(wer["value"][AFTER])
    assert min(wer["value"][AFTER]) > max(wer["value"][BEFORE]) + 0.03
    assert wer["value"][-1] > wer["benchmark"][-1] == 0.1
    assert runs["runs"]["verdict"][BEFORE] == ["ok"] * 3
    assert runs["runs"]["verdict"][-1] == "retrain"
    assert features["columns"]["channel"]["drifted"][AFTER] == [True] * 3


def test_the_segmenters_iou_and_dice_fall_with_the_new_camera(state: State) -> None:
    runs, _features = _timelines(state, "conveyor-parts-segmentation")
    for metric in ("mean_iou", "mean_dice"):
        values = runs["metrics"][metric]["value"]
        assert min(values[BEFORE]) > 0.9, metric
        assert max(values[AFTER]) < min(values[BEFORE]) - 0.05, metric
    assert runs["runs"]["verdict"][BEFORE] == ["ok"] * 3
    assert runs["runs"]["verdict"][AFTER] == ["retrain"] * 3


def test_a_second_fill_reuses_the_store(filled: Filled, state: State) -> None:
    before = _counts(state)
    again = fill_store(filled.data_dir)
    assert again.reused
    assert again.added == ()
    assert again.password is None  # shown once, by the first fill
    assert again.password_file == filled.password_file
    assert _counts(state) == before == {"Model": 5, "Version": 5, "Run": 30, "Job": 30, "User": 1}


def test_the_filled_store_is_served_and_the_kept_password_logs_in(filled: Filled) -> None:
    server = Server(filled.data_dir, store_settings(filled.data_dir).url, settings={})
    server.start()
    try:
        with httpx.Client(base_url=server.url.removesuffix("/api/v1")) as client:
            password = filled.data_dir.joinpath(PASSWORD_FILE).read_text().strip()
            page = client.post(
                "/api/v1/auth/login", json={"username": "admin", "password": password}
            )
            assert page.status_code == 200, page.text
            listed = client.get("/models")
            assert listed.status_code == 200
            for name in TASKS:
                assert name in listed.text
    finally:
        server.stop()


def test_a_short_admin_password_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    with pytest.raises(DriftscopeError, match="at least 12 characters; it has 5"):
        fill_store(tmp_path / "store", admin_password="short")
    assert not (tmp_path / "store").exists()


def test_a_fill_killed_halfway_is_completed_by_the_next(tmp_path: Path) -> None:
    store = tmp_path / "store"
    given = "a long demo passphrase"
    # A fill of two models in a process of its own, killed (SIGKILL, by itself, so that it
    # dies at the same point every time) once the first model's runs are analysed and the
    # second's are queued.
    script = (
        "import os, signal\n"
        "from pathlib import Path\n"
        "from driftscope.demo.diabetes import DIABETES\n"
        "from driftscope.demo.speech import SPEECH\n"
        "from driftscope.demo.store import fill_store\n"
        "def progress(message):\n"
        f"    if message == 'analysed {WEEKS} runs':\n"
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
        f"fill_store(Path({str(store)!r}), admin_password={given!r}, size=0.3,\n"
        "           models=(DIABETES, SPEECH), progress=progress)\n"
    )
    killed = subprocess.run(
        [sys.executable, "-c", script],
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        timeout=120,
        check=False,
    )
    assert killed.returncode == -signal.SIGKILL
    assert not (store / MARKER).exists()
    assert (store / PASSWORD_FILE).read_text().strip() == given

    completed = fill_store(store, size=0.3, models=(DIABETES, SPEECH))
    # The model whose runs were all analysed is kept; the other is added again.
    assert completed.added == (SPEECH.name,)
    assert completed.password is None  # it was given
    assert (store / PASSWORD_FILE).read_text().strip() == given
    assert (store / MARKER).is_file()
    opened = open_state(store_settings(store), migrate=False)
    try:
        with opened.sessions() as session:
            for name in (DIABETES.name, SPEECH.name):
                model = get_model(session, name)
                statuses = session.scalars(select(Run.status).where(Run.model_id == model.id))
                assert list(statuses) == [RunStatus.ANALYSED] * WEEKS
                numbers = select(Version.number).where(Version.model_id == model.id)
                assert list(session.scalars(numbers)) == [1]
            assert session.scalar(select(func.count()).select_from(Model)) == 2
            assert session.scalar(select(func.count()).select_from(User)) == 1
    finally:
        opened.engine.dispose()


def test_a_second_fill_at_the_same_time_is_refused(tmp_path: Path) -> None:
    store = tmp_path / "store"
    store.mkdir()
    with (store / ".demo-fill.lock").open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(DriftscopeError, match="Another process is filling the demo store"):
            fill_store(store)
    assert sorted(p.name for p in store.iterdir()) == [".demo-fill.lock"]
