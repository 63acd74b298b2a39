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
