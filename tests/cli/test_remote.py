"""`driftscope models`, `runs`, `users` and `tokens` end to end against a real `driftscope serve`:
exit codes, tables and JSON, and every refusal a one-line message without a traceback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from tests.server._postgres import free_port
from tests.server._receivers import closed_port, webhook_receiver
from tests.server._serve import Server, database_for, serving
from tests.server.conftest import ADMIN_PASSWORD, breast_cancer_split

import driftscope
from driftscope.cli import main


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """`driftscope serve` on a SQLite store, and on PostgreSQL."""
    with serving(tmp_path_factory.mktemp("remote"), database_for(request)) as running:
        yield running


@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tables")
    baseline, production = breast_cancer_split()
    baseline.to_parquet(folder / "baseline.parquet", index=False)
    production.to_parquet(folder / "production.parquet", index=False)
    return folder / "baseline.parquet", folder / "production.parquet"


class Cli:
    """`driftscope.cli.main` with the server's --url, an exit code and the output of each call."""

    def __init__(self, server: Server, capsys: pytest.CaptureFixture[str]) -> None:
        self.url = server.url.removesuffix("/api/v1")
        self.capsys = capsys
        self.token = ""

    def __call__(self, *args: str, code: int = 0, token: str | None = None) -> tuple[str, str]:
        words = [*args, "--url", self.url, "--token", self.token if token is None else token]
        got = main(words)
        out, err = self.capsys.readouterr()
        assert got == code, (words, out, err)
        assert "Traceback" not in out + err
        return out, err

    def json(self, *args: str) -> object:
        out, _ = self(*args, "--json")
        return json.loads(out)


@pytest.fixture
def cli(server: Server, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.setenv("DRIFTSCOPE_PASSWORD", ADMIN_PASSWORD)
    monkeypatch.setenv("COLUMNS", "160")  # tables as wide as a terminal would show them
    runner = Cli(server, capsys)
    out, err = runner("tokens", "create", "cli tests", "--role", "admin", "--username", "admin")
    runner.token = out.strip()
    assert runner.token.startswith("dsk_")
    assert "not shown again" in err
    return runner


@pytest.mark.slow
def test_a_model_is_added_promoted_and_a_run_uploaded_and_shown(
    cli: Cli, tables: tuple[Path, Path], tmp_path: Path
) -> None:
    baseline, production = tables
    schema = tmp_path / "schema.yaml"
    schema.write_text("columns:\n  - name: id\n    role: id\n")
    out, _ = cli("models", "add", "cancer", "--task", "binary_classification")
    assert out.strip() == "Added model 'cancer' (binary_classification)."
    out, _ = cli(
        "models",
        "add-version",
        "cancer",
        str(baseline),
        "--target",
        "target",
        "--prediction",
        "prediction",
        "--proba-prefix",
        "proba_",
        "--schema",
        str(schema),
        "--benchmark",
        "accuracy=0.9",
    )
    assert out.strip() == "Added version 1 of 'cancer' (171 baseline rows)."
    csv = tmp_path / "baseline.csv"
    pd.read_parquet(baseline).to_csv(csv, index=False)
    out, _ = cli("models", "add-version", "cancer", str(csv), "--target", "target")
    assert "Added version 2" in out

    out, _ = cli("models", "promote", "cancer", "1")
    assert out.strip() == "cancer@production is version 1 (was unset)."
    cli("models", "promote", "cancer", "2")
    out, _ = cli("models", "rollback", "cancer")
    assert out.strip() == "cancer@production rolled back to version 1 (was 2)."
    shown = cli.json("models", "show", "cancer")
    assert isinstance(shown, dict)
    assert shown["model"]["aliases"] == {"production": 1}
    assert [v["number"] for v in shown["versions"]] == [1, 2]
    assert shown["versions"][0]["benchmarks"] == {"accuracy": 0.9}
    assert shown["versions"][0]["schema"]["columns"][0]["role"] == "id"
    assert [m["action"] for m in shown["alias_history"]] == ["rollback", "promote", "promote"]
    out, _ = cli("models", "show", "cancer")
    assert "Alias moves" in out
    assert "accuracy=0.9" in out
    out, _ = cli("models", "list")
    assert "cancer" in out
    assert "binary_classification" in out

    out, _ = cli("runs", "upload", "cancer", str(production), "--date", "2024-03-01", "--wait")
    run_id = int(out.split()[1])
    assert out.startswith(f"Run {run_id} of 'cancer' (version 1, 171 rows): analysed, verdict ")
    run = cli.json("runs", "show", "cancer", str(run_id))
    assert isinstance(run, dict)
    assert run["status"] == "analysed"
    assert run["date"].startswith("2024-03-01")
    assert run["verdict"] in out
    report = tmp_path / "report.json"
    out, _ = cli("runs", "show", "cancer", str(run_id), "--report", str(report))
    assert f"JSON report: {report}" in out
    assert "Job " in out
    assert json.loads(report.read_text())["verdict"]["decision"] == run["verdict"]
    listed = cli.json("runs", "list", "cancer")
    assert isinstance(listed, dict)
    assert listed["total"] == 1
    assert listed["items"][0] == run
    out, _ = cli("runs", "list", "cancer")
    assert "1 run(s) of 'cancer'" in out
    assert cli.json("runs", "list", "cancer", "--since", "2024-04-01") == {
        "items": [],
        "total": 0,
        "offset": 0,
        "limit": 100,
    }
    # Without --wait the run comes back pending at once.
    out, _ = cli("runs", "upload", "cancer", str(production))
    assert ": pending." in out


def test_a_profile_file_is_uploaded_as_a_run(
    cli: Cli, tables: tuple[Path, Path], tmp_path: Path
) -> None:
    baseline, production = tables
    cli("models", "add", "profiled", "--task", "binary_classification")
    cli("models", "add-version", "profiled", str(baseline), "--target", "target")
    shown = cli.json("models", "show", "profiled")
    assert isinstance(shown, dict)
    schema = shown["versions"][0]["schema"]
    # Told a profile by its first bytes, whatever its name.
    sent = tmp_path / "production.bin"
    driftscope.profile(pd.read_parquet(production), schema).save(sent)
    out, _ = cli("runs", "upload", "profiled", str(sent), "--date", "2024-03-01", "--wait")
    assert out.startswith("Run ")
    assert "(version 1, 171 rows): analysed, verdict " in out
    assert "Note: Multivariate drift, concept drift" in out
    assert "not run: the run came as a profile, without its rows." in out
    listed = cli.json("runs", "list", "profiled")
    assert isinstance(listed, dict)
    assert listed["items"][0]["source"] == "profile"
    _, err = cli("runs", "upload", "profiled", str(sent), "--labels", str(production), code=2)
    assert "--labels" in err
    assert "is a profile" in err


def test_users_and_tokens_are_added_listed_and_revoked(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRIFTSCOPE_USER_PASSWORD", "a long enough password")
    out, _ = cli("users", "add", "dora", "--role", "editor")
    assert out.strip() == "Added user 'dora' (editor)."
    created = cli.json("tokens", "create", "reader", "--role", "viewer")
    assert isinstance(created, dict)
    secret, token_id = created["token"], created["id"]
    assert secret.startswith("dsk_")
    # A viewer reads, and may not change anything.
    cli("models", "list", token=secret)
    _, err = cli("models", "add", "nope", "--task", "regression", token=secret, code=2)
    assert err.startswith("error: ")
    assert "HTTP 403" in err
    out, _ = cli("tokens", "list")
    assert "reader" in out
    assert secret not in out
    out, _ = cli("tokens", "revoke", str(token_id))
    assert out.strip() == f"Revoked token {token_id} 'reader'."
    # Revoked twice: an error naming the token, not a second success.
    _, err = cli("tokens", "revoke", str(token_id), code=2)
    assert err.startswith("error: ")
    assert "HTTP 409" in err
    assert f"Token {token_id} ('reader') was revoked already" in err
    listed = cli.json("tokens", "list")
    assert isinstance(listed, list)
    assert next(t for t in listed if t["id"] == token_id)["revoked_at"] is not None
    _, err = cli("models", "list", token=secret, code=2)
    assert "HTTP 401" in err
    assert "revoked" in err


def test_a_refusal_names_the_field_and_exits_2(cli: Cli, tables: tuple[Path, Path]) -> None:
    baseline, _ = tables
    cli("models", "add", "refused", "--task", "regression")
    _, err = cli("models", "add-version", "refused", str(baseline), "--target", "nope", code=2)
    assert "field 'baseline'" in err
    assert "HTTP 422" in err
    _, err = cli("models", "add", "bad task", "--task", "astrology", code=2)
    assert "field 'task'" in err
    _, err = cli("runs", "show", "absent", "1", code=2)
    assert "HTTP 404" in err
    _, err = cli("models", "add-version", "refused", str(baseline), "--benchmark", "x", code=2)
    assert "--benchmark" in err
    assert "expected METRIC=VALUE, got 'x'" in err
    _, err = cli("models", "add", "refused", "--task", "regression", "--period", "month", code=2)
    assert "--period" in err
    assert "hour or day or week" in err
    _, err = cli("runs", "list", "refused", "--limit", "1001", code=2)
    assert "1000" in err


def test_a_model_keeps_its_period_and_json_has_every_field(
    cli: Cli, tables: tuple[Path, Path], tmp_path: Path
) -> None:
    baseline, production = tables
    cli("models", "add", "weekly", "--task", "binary_classification", "--period", "week")
    cli(
        "models",
        "add-version",
        "weekly",
        str(baseline),
        "--target",
        "target",
        "--prediction",
        "prediction",
        "--id",
        "id",
    )
    shown = cli.json("models", "show", "weekly")
    assert isinstance(shown, dict)
    assert (shown["model"]["period"], shown["model"]["retention_days"]) == ("week", None)
    listed = cli.json("models", "list", "--search", "weekly", "--limit", "1000")
    assert isinstance(listed, dict)
    assert listed["limit"] == 1000
    assert listed["items"][0]["period"] == "week"

    # A run lacking a column of the baseline: its note is printed, one a line.
    changed = tmp_path / "changed.parquet"
    pd.read_parquet(production).drop(columns=["mean radius"]).to_parquet(changed, index=False)
    out, _ = cli("runs", "upload", "weekly", str(changed), "--date", "2024-03-01", "--wait")
    run_id = int(out.split()[1])
    lines = out.splitlines()
    assert lines[0].startswith(f"Run {run_id} of 'weekly'")
    assert lines[1].startswith("Note: Schema change: the run lacks 1 of the baseline's columns")
    out, _ = cli("runs", "show", "weekly", str(run_id))
    assert out.splitlines()[1] == lines[1]
    run = cli.json("runs", "show", "weekly", str(run_id))
    assert isinstance(run, dict)
    assert run["source"] == "upload"
    assert run["notes"] == [lines[1].removeprefix("Note: ")]
    assert isinstance(run["quality_warnings"], int)
    assert isinstance(run["quality_alerts"], int)
    listed = cli.json("runs", "list", "weekly", "--limit", "1000")
    assert isinstance(listed, dict)
    assert listed["items"] == [run]


def test_tokens_create_asks_the_password_on_stderr(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    import getpass

    monkeypatch.delenv("DRIFTSCOPE_PASSWORD")
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": ADMIN_PASSWORD)
    out, err = cli("tokens", "create", "captured", "--username", "admin", token="")
    assert out.strip().startswith("dsk_")
    assert len(out.splitlines()) == 1
    assert "Password of admin" in err


def test_add_version_help_names_the_formats_the_service_reads(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["models", "add-version", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    for words in ("CSV", "TSV", "Parquet", "JSON Lines"):
        assert words in out
    assert "before the model (needs --model-file): skops (.skops); pickle (.pkl, .pickle)" in out
    assert "ONNX (.onnx) or skops (.skops); pickle" in out  # --model-file


def test_an_unreachable_service_is_a_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    assert main(["models", "list", "--url", url, "--token", "dsk_x"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: Cannot reach the driftscope service at {url}")
    assert "Traceback" not in err


@pytest.mark.slow
def test_alert_rules_are_added_and_their_alerts_listed_acknowledged_and_silenced(
    cli: Cli, tables: tuple[Path, Path], tmp_path: Path
) -> None:
    baseline, production = tables
    worse = pd.read_parquet(production)
    flipped = worse.index[: len(worse) // 2]
    worse.loc[flipped, "target"] = 1 - worse.loc[flipped, "target"]
    bad = tmp_path / "bad.parquet"
    worse.to_parquet(bad, index=False)
    cli("models", "add", "alerting", "--task", "binary_classification")
    cli(
        "models",
        "add-version",
        "alerting",
        str(baseline),
        "--target",
        "target",
        "--prediction",
        "prediction",
        "--proba-prefix",
        "proba_",
    )
    cli("runs", "upload", "alerting", str(bad), "--date", "2024-03-01", "--wait")
    out, _ = cli(
        "alerts",
        "rules",
        "add",
        "alerting",
        "accuracy low",
        "--signal",
        "metric",
        "--subject",
        "accuracy",
        "--comparator",
        "<",
        "--threshold",
        "0.8",
        "--severity",
        "critical",
    )
    assert "Added alert rule" in out
    assert "metric accuracy < 0.8" in out
    [rule] = cli.json("alerts", "rules", "list", "alerting")  # type: ignore[misc]
    out, _ = cli("alerts", "rules", "list", "alerting")
    assert "accuracy low" in out
    page = cli.json("alerts", "list", "--model", "alerting", "--state", "firing")
    assert isinstance(page, dict)
    [alert] = page["items"]
    assert (alert["rule"], alert["severity"], alert["state"]) == (
        "accuracy low",
        "critical",
        "firing",
    )
    assert alert["value"] == pytest.approx(float((worse.prediction == worse.target).mean()))
    out, _ = cli("alerts", "ack", str(alert["id"]))
    assert out.startswith(f"Alert {alert['id']} acknowledged by admin")
    out, _ = cli("alerts", "silence", str(alert["id"]), "--until", "2030-01-01T00:00:00")
    assert out.strip() == f"Alert {alert['id']} silenced until 2030-01-01 00:00."
    history = cli.json("alerts", "show", str(alert["id"]))
    assert isinstance(history, list)
    assert [e["kind"] for e in history] == ["fired", "acknowledged", "silenced"]
    out, _ = cli("alerts", "list")
    assert "accuracy low" in out
    # Refusals name the option or the field.
    _, err = cli(
        "alerts",
        "rules",
        "add",
        "alerting",
        "x",
        "--signal",
        "loudness",
        "--comparator",
        "<",
        "--threshold",
        "1",
        code=2,
    )
    assert "--signal" in err
    _, err = cli(
        "alerts",
        "rules",
        "add",
        "alerting",
        "x",
        "--signal",
        "metric",
        "--subject",
        "mae",
        "--comparator",
        "<",
        "--threshold",
        "1",
        code=2,
    )
    assert "subject" in err
    assert "mae" in err
    # A change-point rule: the detector is the subject, its settings are --param.
    change = [
        "alerts",
        "rules",
        "add",
        "alerting",
        "change",
        "--signal",
        "change_points",
        "--subject",
        "adwin",
        "--measure",
        "probability",
        "--comparator",
        ">=",
        "--threshold",
        "1",
    ]
    out, _ = cli(*change, "--param", "delta=0.01", "--param", "clock=16")
    assert "change_points adwin (probability) delta=0.01 clock=16 >= 1" in out
    _, err = cli(*change, "--param", "clock=often", code=2)
    assert "--param" in err
    assert "clock" in err
    _, err = cli(*change[:-7], "ddm", *change[-6:], code=2)
    assert "0/1 error stream" in err
    [*_, added] = cli.json("alerts", "rules", "list", "alerting")  # type: ignore[misc]
    assert added["parameters"] == {"delta": 0.01, "clock": 16}
    assert added["error"] is None
    cli("alerts", "rules", "delete", "alerting", str(added["id"]))
    out, _ = cli("alerts", "rules", "disable", "alerting", str(rule["id"]))
    assert "disabled" in out
    assert cli.json("alerts", "list", "--model", "alerting", "--state", "firing")["total"] == 0  # type: ignore[index]
    out, _ = cli("alerts", "rules", "delete", "alerting", str(rule["id"]))
    assert cli.json("alerts", "rules", "list", "alerting") == []


def test_notifiers_are_added_tested_listed_and_deleted(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "a-webhook-secret-of-32-characters"
    monkeypatch.setenv("DRIFTSCOPE_NOTIFIER_SECRET", secret)
    with webhook_receiver(secret) as receiver:
        out, _ = cli("notifiers", "add", "hook", "--kind", "webhook", "--to-url", receiver.url)
        assert out.strip() == f"Added notifier {out.split()[2]} 'hook' (webhook)."
        [hook] = cli.json("notifiers", "list")  # type: ignore[misc]
        assert (hook["name"], hook["secret_set"], hook["url"]) == ("hook", True, receiver.url)
        out, _ = cli("notifiers", "test", str(hook["id"]))
        assert out.strip().startswith("The test message to 'hook' was delivered: HTTP 200 from")
        [got] = receiver.received
        assert got.signed
    down = f"http://127.0.0.1:{closed_port()}/hook"
    out, _ = cli("notifiers", "add", "down", "--kind", "slack", "--to-url", down)
    by_name = {n["name"]: n for n in cli.json("notifiers", "list")}  # type: ignore[attr-defined]
    slack = by_name["down"]
    _, err = cli("notifiers", "test", str(slack["id"]), code=1)
    assert err.startswith("The test message to 'down' failed: could not connect to 127.0.0.1:")
    out, _ = cli("notifiers", "deliveries", str(slack["id"]))
    assert "failed" in out
    assert "could not connect" in out
    listed, _ = cli("notifiers", "list")
    assert secret not in listed
    assert ("hook" in listed, "slack" in listed) == (True, True)
    _, err = cli(
        "notifiers", "add", "mail", "--kind", "email", "--host", "127.0.0.1",
        "--sender", "driftscope@example.org", "--recipient", "not an address", code=2,
    )  # fmt: skip
    assert "recipients must be an email address" in err
    _, err = cli("notifiers", "deliveries", code=2)
    assert "give a notifier's id or --alert" in err
    out, _ = cli("notifiers", "disable", str(slack["id"]))
    assert out.strip() == f"Notifier {slack['id']} 'down' is disabled."
    for notifier in (hook, slack):
        out, _ = cli("notifiers", "delete", str(notifier["id"]))
    assert cli.json("notifiers", "list") == []
