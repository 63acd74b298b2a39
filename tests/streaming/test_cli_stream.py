"""`driftscope stream` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from driftscope.cli import main


@pytest.fixture
def stream_file(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    values = np.concatenate([rng.normal(0, 1, 2000), rng.normal(3, 1, 2000)])
    errors = np.concatenate([rng.random(2000) < 0.1, rng.random(2000) < 0.4]).astype(int)
    frame = pd.DataFrame(
        {
            "latency": values,
            "error": errors,
            "ts": pd.date_range("2026-01-01", periods=4000, freq="min").astype(str),
        }
    )
    path = tmp_path / "stream.csv"
    frame.to_csv(path, index=False)
    return path


def test_stream_reports_drifts_with_timestamps(stream_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "d.json"
    code = main(
        ["stream", str(stream_file), "--column", "latency", "--detector", "page_hinkley",
         "--timestamp", "ts", "--json", str(out), "-q"]
    )  # fmt: skip
    assert code == 0
    data = json.loads(out.read_text())
    drifts = [d for d in data["detections"] if d["kind"] == "drift"]
    after = [d for d in drifts if 2000 <= d["index"] < 2200]
    assert after, drifts
    # Row 2000 is 2,000 minutes after 2026-01-01 00:00: 2026-01-02 09:20.
    assert after[0]["timestamp"].startswith("2026-01-02")
    assert data["detector"] == "PageHinkley"
    assert data["schema_version"] == "1.0"
    documented = (Path(__file__).parents[2] / "docs" / "streaming.md").read_text()
    for field in data:
        assert f"| `{field}` |" in documented, field


def test_error_stream_detector_and_fail_on_drift(stream_file: Path) -> None:
    args = ["stream", str(stream_file), "--column", "error", "--detector", "ddm", "-q"]
    assert main(args) == 0
    assert main([*args, "--fail-on-drift"]) == 1


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--column", "nope"], "Column 'nope' is not in"),
        (["--column", "ts"], "expected numbers"),
        (["--column", "latency", "--detector", "magic"], "Unknown detector 'magic'"),
        (["--column", "latency", "--detector", "page_hinkley", "--param", "speed=1"],
         "Unknown parameter(s) 'speed'"),
        (["--column", "latency", "--detector", "page_hinkley", "--param", "threshold=-1"],
         "The 'threshold' parameter of PageHinkley"),
        (["--column", "latency", "--detector", "ddm"], "needs 0/1 values"),
    ],
)  # fmt: skip
def test_bad_input_exits_two(
    extra: list[str], needle: str, stream_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["stream", str(stream_file), *extra, "-q"])
    captured = capsys.readouterr()
    assert code == 2
    assert needle in captured.err + captured.out
    assert "Traceback" not in captured.err + captured.out


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--detector", "hddm_a", "--param", "two_sided_test=maybe"],
         "two_sided_test='maybe': expected true or false"),
        (["--detector", "kswin", "--param", "window_size=2.5"],
         "window_size='2.5': expected an int"),
        (["--detector", "adwin", "--param", "delta=abc"], "delta='abc': expected a number"),
        (["--detector", "adwin", "--param", "delta"], "expected NAME=VALUE, got 'delta'"),
        (["--calibrate-on", "4001"], "expected at most the 4,000 rows"),
        (["--calibrate-on", "0"], "--calibrate-on"),
        (["--calibrate-on", "100", "--target-false-alarms", "0"], "--target-false-alarms"),
        (["--calibrate-on", "100", "--target-false-alarms", "nan"], "--target-false-alarms"),
    ],
)  # fmt: skip
def test_bad_detector_options_are_named(
    extra: list[str], needle: str, stream_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["stream", str(stream_file), "--column", "error", *extra, "-q"])
    captured = capsys.readouterr()
    assert code == 2
    assert needle in captured.err + captured.out
    assert "Traceback" not in captured.err + captured.out


def test_parameters_take_their_types(stream_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "d.json"
    args = ["stream", str(stream_file), "--column", "error", "--json", str(out), "-q"]
    assert main([*args, "--detector", "hddm_a", "--param", "two_sided_test=Yes"]) == 0
    assert json.loads(out.read_text())["params"]["two_sided_test"] is True
    # An int written as a float; a huge window costs memory only for the rows seen.
    assert main([*args, "--detector", "kswin", "--param", "window_size=2e9"]) == 0
    assert json.loads(out.read_text())["params"]["window_size"] == 2_000_000_000
    assert main([*args, "--detector", "kswin", "--param", "seed=none"]) == 0
    assert json.loads(out.read_text())["params"]["seed"] is None


def test_calibration_is_reported_in_the_json(stream_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "d.json"
    code = main(
        ["stream", str(stream_file), "--column", "error", "--detector", "hddm_a",
         "--calibrate-on", "2000", "--target-false-alarms", "20", "--json", str(out), "-q"]
    )  # fmt: skip
    assert code == 0
    data = json.loads(out.read_text())
    calibration = data["calibration"]
    assert calibration["status"] == "met"
    assert calibration["n_items"] == 2000
    assert calibration["upper_bound_per_10k"] <= 20
    assert data["params"]["drift_confidence"] == calibration["value"]
    assert any(d["kind"] == "drift" and d["index"] >= 2000 for d in data["detections"])


def test_a_calibration_that_falls_short_is_said_even_when_quiet(
    stream_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "d.json"
    code = main(
        ["stream", str(stream_file), "--column", "error", "--detector", "adwin",
         "--calibrate-on", "2000", "--json", str(out), "-q"]
    )  # fmt: skip
    captured = capsys.readouterr()
    assert code == 0
    assert "note: calibration too_short" in captured.err
    assert "at least 29,958 are needed" in captured.err
    calibration = json.loads(out.read_text())["calibration"]
    assert calibration["status"] == "too_short"
    assert calibration["min_items"] == 29_958
