"""`driftscope.demo.launch`: what `make run` does before the server starts (the port checked
first, the report, the message with the address and how to log in); the server itself is
`driftscope serve`, tested in tests/server."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.server._postgres import free_port

from driftscope.demo import main
from driftscope.demo.launch import banner, check_port
from driftscope.demo.store import PASSWORD_FILE, Filled
from driftscope.exceptions import DriftscopeError


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A loopback port something listens on."""
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        yield listening.getsockname()[1]


def test_a_port_in_use_is_said_in_one_line(busy_port: int) -> None:
    with pytest.raises(DriftscopeError, match=f"127.0.0.1:{busy_port}: the port is already in use"):
        check_port("127.0.0.1", busy_port)
    check_port("127.0.0.1", free_port())


def test_make_run_stops_on_a_port_in_use_before_writing_anything(
    tmp_path: Path, busy_port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "demo"
    assert main([str(out), "--serve", "--port", str(busy_port)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: Cannot listen on 127.0.0.1:{busy_port}: the port is already")
    assert "DRIFTSCOPE_PORT" in err
    assert not out.exists()


def _filled(folder: Path, password: str | None, kept: bool, added: tuple[str, ...]) -> Filled:
    password_file = folder / "store" / PASSWORD_FILE
    return Filled(
        folder / "store",
        ("digits", "diabetes"),
        added,
        password,
        password_file if kept else None,
        42.4,
    )


def test_the_first_start_shows_the_generated_password_once_and_where_it_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    text = banner(_filled(tmp_path, "s3cret-generated", True, ("digits",)), "http://h:1/")
    assert "2 models with their weekly runs in store, filled in 42 s." in text
    assert "Open http://h:1/ and log in as user 'admin' with the password s3cret-generated" in text
    assert f"kept in store/{PASSWORD_FILE}, readable by you only" in text
    assert "Ctrl-C" in text


def test_a_second_start_says_where_the_password_is_not_what_it_is(tmp_path: Path) -> None:
    text = banner(_filled(tmp_path, None, True, ()), "http://h:1/")
    store = tmp_path / "store"
    assert f"reused (delete {store} to start over)" in text
    assert f"log in as user 'admin' with the password in {store / PASSWORD_FILE}." in text
    assert "s3cret" not in text


def test_a_lost_password_file_says_how_to_start_over(tmp_path: Path) -> None:
    text = banner(_filled(tmp_path, None, False, ()), "http://h:1/")
    assert f"its password file is gone; delete {tmp_path / 'store'} to start over" in text


def test_without_serve_the_digits_report_is_written_as_before(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    assert main([str(out)]) == 0
    report = json.loads((out / "report.json").read_text())
    assert report["verdict"]["decision"] == "retrain"
    assert (out / "report.html").stat().st_size > 0
    assert not (out / "store").exists()
