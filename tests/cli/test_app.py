"""The CLI end to end: exit codes, outputs, and a clear message (never a traceback) on bad input."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from driftscope import __version__
from driftscope.cli import main


def _frames(n: int = 400, shift: float = 0.0, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "age": rng.normal(40 + shift * 10, 10, n),
            "income": rng.lognormal(10 + shift, 0.5, n),
            "city": rng.choice(["paris", "lyon", "nice"], n),
            "target": rng.integers(0, 2, n),
        }
    )


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path, Path]:
    ref, cur, drifted = tmp_path / "ref.csv", tmp_path / "cur.csv", tmp_path / "drifted.parquet"
    _frames(seed=1).to_csv(ref, index=False)
    _frames(seed=2).to_csv(cur, index=False)
    _frames(seed=3, shift=1.0).to_parquet(drifted)
    return ref, cur, drifted


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"driftscope {__version__}"


def test_help_has_examples(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["drift", "--help"]) == 0
    out = capsys.readouterr().out
    assert "Examples" in out
    assert "--fail-on-drift" in out


def test_no_drift_exits_zero_and_writes_reports(
    files: tuple[Path, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ref, cur, _ = files
    html, js = tmp_path / "r.html", tmp_path / "r.json"
    code = main(
        ["drift", str(ref), str(cur), "-o", str(html), "--json", str(js), "--fail-on-drift"]
    )
    assert code == 0
    data = json.loads(js.read_text())
    assert data["dataset"]["drifted"] is False
    assert {c["name"] for c in data["columns"]} == {"age", "income", "city", "target"}
    assert html.read_text().startswith("<!DOCTYPE html>")
    assert "NO DATASET DRIFT" in capsys.readouterr().out


def test_drift_with_fail_on_drift_exits_one(files: tuple[Path, Path, Path]) -> None:
    ref, _, drifted = files
    assert main(["drift", str(ref), str(drifted), "-q"]) == 0
    assert main(["drift", str(ref), str(drifted), "-q", "--fail-on-drift"]) == 1


def test_drift_task_option_compares_class_ids_as_categories(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    for name, shares in (("ref", [0.77, 0.18, 0.05]), ("cur", [0.77, 0.04, 0.19])):
        y = rng.choice(3, size=2000, p=shares)
        pd.DataFrame({"x": rng.normal(size=2000), "y": y}).to_csv(tmp_path / f"{name}.csv")
    js = tmp_path / "r.json"
    args = ["drift", str(tmp_path / "ref.csv"), str(tmp_path / "cur.csv"), "--target", "y"]
    assert main([*args, "--task", "multiclass", "--json", str(js), "-q"]) == 0
    column = next(c for c in json.loads(js.read_text())["columns"] if c["name"] == "y")
    assert column["kind"] == "categorical"
    assert column["drifted"]
    assert main([*args, "--task", "regression", "--json", str(js), "-q"]) == 0
    column = next(c for c in json.loads(js.read_text())["columns"] if c["name"] == "y")
    assert column["kind"] == "numerical"
    assert main([*args, "--task", "nonsense", "-q"]) == 2


def test_method_threshold_and_columns_options(
    files: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    ref, _, drifted = files
    js = tmp_path / "r.json"
    code = main(
        [
            "drift", str(ref), str(drifted), "-q", "--json", str(js),
            "--columns", "age,city", "--method", "age=psi", "--threshold", "age=0.3",
            "--correction", "bh", "--kind", "city=categorical", "--target", "target",
        ]
    )  # fmt: skip
    assert code == 0
    data = json.loads(js.read_text())
    age = next(c for c in data["columns"] if c["name"] == "age")
    assert [c["name"] for c in data["columns"]] == ["age", "city", "target"]
    assert age["method"] == "psi"
    assert age["threshold"] == 0.3
    assert data["dataset"]["correction"] == "bh"


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["drift", "missing.csv", "{cur}"], "does not exist"),
        (["drift", "{empty}", "{cur}"], "empty"),
        (["drift", "{latin}", "{cur}"], "not valid utf-8"),
        (["drift", "{ref}", "{cur}", "--correction", "holm"], "bonferroni or bh"),
        (["drift", "{ref}", "{cur}", "--method", "age=nope"], "Unknown drift method 'nope'"),
        (["drift", "{ref}", "{cur}", "--method", "age"], "COLUMN=VALUE"),
        (["drift", "{ref}", "{cur}", "--columns", "nosuch"], "'nosuch'"),
        (["drift", "{ref}", "{header_only}"], "0 rows"),
        (["drift", "{ref}", "{other_cols}"], "share no columns"),
        (["drift", "{ref}", "{cur}", "--kind", "age=weird"], "must be one of"),
        (["drift", "{ref}", "{bad_ext}"], "unsupported extension"),
        (["drift", "{ref}", "{corrupt_parquet}"], "could not be read as Parquet"),
    ],
)
def test_bad_input_exits_two_with_a_clear_message(
    args: list[str],
    needle: str,
    files: tuple[Path, Path, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ref, cur, _ = files
    paths = {
        "ref": ref,
        "cur": cur,
        "empty": tmp_path / "empty.csv",
        "latin": tmp_path / "latin.csv",
        "header_only": tmp_path / "header.csv",
        "other_cols": tmp_path / "other.csv",
        "bad_ext": tmp_path / "data.xlsx",
        "corrupt_parquet": tmp_path / "corrupt.parquet",
    }
    paths["empty"].write_bytes(b"")
    paths["latin"].write_bytes(b"age,city\n1,Besan\xe7on\n")
    paths["header_only"].write_text("age,income,city,target\n")
    paths["other_cols"].write_text("a,b\n1,2\n")
    paths["bad_ext"].write_text("x")
    paths["corrupt_parquet"].write_bytes(b"PAR1 this is not parquet")
    argv = [a.format(**paths) for a in args]
    code = main(argv)
    captured = capsys.readouterr()
    assert code == 2
    assert needle.lower() in (captured.err + captured.out).lower()
    assert "Traceback" not in captured.err + captured.out


def test_real_entry_point_prints_no_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"x\n\xff\xfe\n")
    proc = subprocess.run(
        [sys.executable, "-m", "driftscope", "drift", str(bad), str(bad)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "bad.csv" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout


def test_ctrl_c_prints_aborted_exits_130_and_writes_no_report(
    files: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    ref, cur, _ = files
    out = tmp_path / "r.json"
    # The comparison is replaced by one that says it started and then waits, so the SIGINT
    # lands inside the run (not during start-up), with no timing involved.
    script = textwrap.dedent(
        f"""
        import sys, time
        import driftscope.workflows.compare

        def stalled(*args, **kwargs):
            print("running", flush=True)
            time.sleep(120)

        driftscope.workflows.compare.compare = stalled
        from driftscope.cli import main
        sys.exit(main(["drift", {str(ref)!r}, {str(cur)!r}, "--json", {str(out)!r}]))
        """
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "running"
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert stderr.strip() == "Aborted."
    assert "Traceback" not in stdout + stderr
    assert not out.exists()


def _command_paths() -> list[list[str]]:
    """Every command and group of the CLI, as the words that name it (the root is [])."""
    import typer

    from driftscope.cli import app

    paths: list[list[str]] = []

    def walk(command: Any, path: list[str]) -> None:
        paths.append(path)
        # A group (typer's own, not necessarily a click.Group) holds its commands by name.
        for name, sub in (getattr(command, "commands", None) or {}).items():
            walk(sub, [*path, name])

    walk(typer.main.get_command(app), [])
    return paths


def test_every_command_is_walked() -> None:
    names = {" ".join(path) for path in _command_paths()}
    assert names >= {"", "drift", "report", "quality", "stream", "asr", "images drift",
                     "images model-drift", "audio drift", "text drift", "models add",
                     "models list", "models show", "models promote", "models rollback",
                     "runs upload", "runs list", "runs show", "users add", "tokens create",
                     "tokens revoke", "mlflow link", "mlflow unlink", "mlflow status"}  # fmt: skip


# The commands that talk to a running service: no code 1 either, and a refusal of the service
# is an input error whose message names the field.
REMOTE_COMMANDS = {"models", "runs", "users", "tokens", "alerts", "notifiers"}
SERVICE_COMMANDS = {"serve", "worker", "db", *REMOTE_COMMANDS}
# The commands that connect the service to other platforms (MLflow): like the remote ones, and
# code 1 where part of the work could not be done (a version that could not be imported).
PLATFORM_COMMANDS = {"mlflow"}
# Those that only read or remove a model's MLflow link on the service, never asking MLflow.
LINK_COMMANDS = {"status", "unlink"}


@pytest.mark.parametrize("path", _command_paths(), ids=lambda p: " ".join(p) or "driftscope")
def test_every_help_lists_the_same_exit_codes(
    path: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    import re

    assert main([*path, "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    if path and path[0] in PLATFORM_COMMANDS and path[-1] in LINK_COMMANDS:
        (paragraph,) = re.findall(r"Exit codes: [^\n]*?\)\.", text)
        assert paragraph.startswith("Exit codes: 0 done; 2 usage or input error"), paragraph
        assert "the service refused the request (the message names the field at fault)" in text
        assert " 1 " not in paragraph
        assert paragraph.endswith("; a request the service took stands).")
        return
    if path and path[0] in PLATFORM_COMMANDS:
        (paragraph,) = re.findall(r"Exit codes: [^\n]*?\)\.", text)
        codes = re.findall(r"(?:^|; )(\d+) ", paragraph.removeprefix("Exit codes: "))
        assert codes in (["0", "2", "130"], ["0", "1", "2", "130"]), paragraph
        assert "; 2 usage or input error" in paragraph
        assert "could not be reached at --mlflow-uri" in paragraph
        assert paragraph.endswith("; a request the service took stands).")
        return
    if path and path[0] in SERVICE_COMMANDS:
        # The service's commands judge no result: no code 1 (but a test message that was not
        # delivered), and Ctrl-C stops a server cleanly.
        (paragraph,) = re.findall(r"Exit codes: [^\n]*?\)\.", text)
        if path == ["notifiers", "test"]:
            delivered = ", the receiver took the message; 1 it did not (what it said is printed)"
            assert paragraph.startswith(f"Exit codes: 0 done{delivered}; 2 ")
            paragraph = paragraph.replace(delivered, "", 1)
        assert "2 usage or input error (a one-line message names the option or setting)" in text
        assert " 1 " not in paragraph
        if path[0] in REMOTE_COMMANDS:
            assert "the service refused the request (the message names the field at fault)" in text
            assert paragraph.startswith("Exit codes: 0 done; 2 ")
            assert "; 130 interrupted by Ctrl-C" in text
        return
    (paragraph,) = re.findall(r"Exit codes: .*?no output file is written\)\.", text)
    codes = re.findall(r"(?:^|; )(\d+) ", paragraph.removeprefix("Exit codes: "))
    assert codes == ["0", "1", "2", "130"], paragraph
    assert "2 usage or input error" in paragraph
    assert paragraph.endswith(
        '130 interrupted by Ctrl-C ("Aborted." is printed and no output file is written).'
    )


def test_threshold_help_says_level_for_tests_and_floor_for_distances(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["drift", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "significance level" in text
    assert "floor when it is a distance" in text
    assert "docs/drift-decision.md" in text


def test_quality_writes_an_html_report_beside_the_json(
    files: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    ref, cur, _ = files
    html, js = tmp_path / "q.html", tmp_path / "q.json"
    assert main(["quality", str(ref), str(cur), "-q", "-o", str(html), "--json", str(js)]) == 0
    page = html.read_text()
    assert page.startswith("<!DOCTYPE html>")
    assert "Data quality" in page
    checks = json.loads(js.read_text())["quality"]["checks"]
    assert all(check["message"].split(":")[0] in page for check in checks[:5])
    # Neither a verdict nor dataset drift was computed: the page shows neither, not even empty.
    assert "data quality report" in page
    assert "No verdict" not in page
    assert "No dataset drift" not in page
    assert 'aria-label="Verdict"' not in page
