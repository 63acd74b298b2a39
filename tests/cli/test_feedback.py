"""`driftscope feedback` from the command line: the table, the JSON, exit codes and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from driftscope.cli import main


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Six days of predictions; on the last day users give many more thumbs down."""
    folder = tmp_path_factory.mktemp("feedback")
    rng = np.random.default_rng(0)
    n = 3000
    day = rng.integers(0, 6, n)
    label = rng.integers(0, 2, n)
    pred = np.where(rng.random(n) < 0.85, label, 1 - label)
    predictions = pd.DataFrame(
        {
            "request_id": np.arange(n),
            "ts": (pd.Timestamp("2026-03-02") + pd.to_timedelta(day, unit="D")).astype(str),
            "plan": rng.choice(["free", "pro"], n),
            "pred": pred,
            "label": label,
        }
    )
    rate = np.where(pred != label, 0.7, 0.05) + np.where(day == 5, 0.2, 0.0)
    negative = rng.random(n) < rate
    rated = rng.random(n) < 0.5
    feedback = pd.DataFrame(
        {
            "request_id": np.arange(n)[rated],
            "thumbs": np.where(negative, "👎", "👍")[rated],
            "text": np.where(negative, "wrong answer", "")[rated],
        }
    )
    fb, preds = folder / "feedback.csv", folder / "predictions.parquet"
    feedback.to_csv(fb, index=False)
    predictions.to_parquet(preds)
    return fb, preds


BASE = ["--id", "request_id", "--value", "thumbs", "--timestamp", "ts", "--period", "D"]


def test_prints_the_windows_and_writes_plain_json(
    files: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fb, preds = files
    out = tmp_path / "fb.json"
    code = main(
        ["feedback", str(fb), str(preds), *BASE, "--prediction", "pred", "--target", "label",
         "--comment", "text", "--json", str(out)]
    )  # fmt: skip
    printed = capsys.readouterr().out
    assert code == 0  # an alert without --fail-on-alert still exits 0
    assert "FEEDBACK" in printed
    assert "2026-03-07" in printed
    assert "alert" in printed
    assert "Feedback and errors:" in printed
    assert "wrong (" in printed
    data = json.loads(out.read_text(), parse_constant=lambda c: pytest.fail(f"{c} in JSON"))
    assert data["alerts"] == ["2026-03-07"]
    assert len(data["windows"]) == 6
    last = data["windows"][-1]
    assert last["status"] == "alert"
    assert isinstance(last["negative_share"], float)
    assert data["proxy"]["strength"] in ("strong", "moderate")
    assert data["negative_words"][0]["word"] in ("wrong", "answer")


def test_fail_on_alert_exits_one_and_names_the_window(
    files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    fb, preds = files
    assert main(["feedback", str(fb), str(preds), *BASE, "--fail-on-alert"]) == 1
    assert "2026-03-07" in capsys.readouterr().err
    # The last day's share rose by about 20 points: a floor of 50 points does not alert.
    floor = ["--min-increase", "0.5", "--fail-on-alert", "-q"]
    assert main(["feedback", str(fb), str(preds), *BASE, *floor]) == 0
    # Held to a rate it is not above, no window alerts.
    args = ["feedback", str(fb), *BASE[:4], "--windows", "3", "--baseline", "0.9"]
    assert main([*args, "--fail-on-alert", "-q"]) == 0


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--value", "stars"], "feedback value column 'stars' is not in the feedback table"),
        (["--prediction", "nope"], "prediction column 'nope' is not in the predictions"),
        (["--value", "text"], "'text': "),
        (["--id", "ts"], "is not in the feedback table"),
        (["--baseline", "1.5"], "expected a rate in (0, 1)"),
        (["--baseline", "2027-01-01"], "'baseline'"),
        (["--period", "Q"], "expected D or W or M"),
        (["--windows", "3"], "give one way to cut windows"),
    ],
)
def test_bad_input_exits_two_with_one_line(
    files: tuple[Path, Path], extra: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    fb, preds = files
    code = main(["feedback", str(fb), str(preds), *BASE, *extra])
    captured = capsys.readouterr()
    assert code == 2
    assert message in " ".join(captured.err.split())
    assert "Traceback" not in captured.out + captured.err


def test_ids_that_match_nothing_and_empty_files_exit_two(
    files: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _fb, preds = files
    other = tmp_path / "other.csv"
    pd.DataFrame({"request_id": ["a", "b"], "thumbs": ["up", "down"]}).to_csv(other, index=False)
    ids = ["--id", "request_id", "--value", "thumbs"]
    assert main(["feedback", str(other), str(preds), *ids]) == 2
    assert "None of the 2 feedback ids" in " ".join(capsys.readouterr().err.split())
    empty = tmp_path / "empty.csv"
    empty.write_text("request_id,thumbs\n")
    assert main(["feedback", str(empty), "--id", "request_id", "--value", "thumbs"]) == 2
    assert "0 rows" in capsys.readouterr().err
