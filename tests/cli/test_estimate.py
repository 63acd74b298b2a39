"""`driftscope estimate` from the command line: the table, the JSON, exit codes and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from driftscope.cli import main


def _scored(rng: np.random.Generator, n: int, spread: float, start: str) -> pd.DataFrame:
    """A calibrated classifier, less sure where |x| is small: a narrower spread of x is a
    population it does worse on."""
    x = rng.normal(0.0, spread, n)
    p = 1.0 / (1.0 + np.exp(-2.0 * x))
    y = (rng.random(n) < p).astype(int)
    return pd.DataFrame(
        {
            "ts": pd.date_range(start, periods=n, freq="h").astype(str),
            "x": x.round(4),
            "churn": y,
            "pred": (p > 0.5).astype(int),
            "proba_1": p.round(6),
        }
    )


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("estimate")
    rng = np.random.default_rng(0)
    ref = _scored(rng, 2000, 1.0, "2026-01-01")
    same = _scored(rng, 1200, 1.0, "2026-04-01").drop(columns="churn")
    hard = _scored(rng, 1200, 0.3, "2026-04-01").drop(columns="churn")
    x = rng.normal(size=1500)
    reg = pd.DataFrame({"x": x, "price": x + rng.normal(size=1500), "pred": x})
    paths = {
        "ref": folder / "ref.csv",
        "same": folder / "same.parquet",
        "hard": folder / "hard.csv",
        "reg_ref": folder / "reg_ref.csv",
        "reg_cur": folder / "reg_cur.csv",
    }
    ref.to_csv(paths["ref"], index=False)
    same.to_parquet(paths["same"])
    hard.to_csv(paths["hard"], index=False)
    reg.iloc[:1000].to_csv(paths["reg_ref"], index=False)
    reg.iloc[1000:].drop(columns="price").to_csv(paths["reg_cur"], index=False)
    return paths


# The exit codes in --help: tests/cli/test_app.py checks every command's.
CLASSIFIER = ["--target", "churn", "--prediction", "pred", "--calibration", "isotonic"]


def test_prints_the_estimate_and_writes_plain_json(
    files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "estimate.json"
    code = main(
        ["estimate", str(files["ref"]), str(files["same"]), *CLASSIFIER, "--timestamp", "ts",
         "--period", "W", "--json", str(out)]
    )  # fmt: skip
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "ROC" in captured.out
    assert "JSON:" in captured.out
    data = json.loads(out.read_text(), parse_constant=lambda c: pytest.fail(f"{c} in JSON"))
    assert data["method"] == "cbpe"
    assert data["task"] == "binary_classification"
    assert data["primary"] == "roc_auc"
    assert data["calibration"]["method"] == "isotonic"
    assert "concept drift" in data["assumption"]
    assert data["status"] == "ok"
    assert len(data["windows"]) == 8  # 1,200 hours from a Wednesday: 8 calendar weeks
    first = data["windows"][0]["metrics"]["roc_auc"]
    assert set(first) >= {"estimate", "low", "high", "baseline", "status", "message"}
    assert first["low"] <= first["estimate"] <= first["high"]
    assert data["reference"]["metrics"]["roc_auc"]["realised"] == pytest.approx(first["baseline"])
    assert data["checks"] == []


def test_fail_on_alert_exits_one_on_a_drop_and_zero_otherwise(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["estimate", str(files["ref"]), *CLASSIFIER, "--fail-on", "alert", "-q"]
    assert main([args[0], args[1], str(files["hard"]), *args[2:]]) == 1
    assert main([args[0], args[1], str(files["same"]), *args[2:]]) == 0
    # Without --fail-on, a drop is shown, not an error.
    code = main(["estimate", str(files["ref"]), str(files["hard"]), *CLASSIFIER])
    assert code == 0
    assert "alert" in capsys.readouterr().out


@pytest.mark.slow
def test_a_regressor_is_estimated_by_dle(
    files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "reg.json"
    code = main(
        ["estimate", str(files["reg_ref"]), str(files["reg_cur"]), "--target", "price",
         "--prediction", "pred", "--task", "regression", "--json", str(out), "-q"]
    )  # fmt: skip
    assert code == 0, capsys.readouterr().err
    data = json.loads(out.read_text())
    assert data["method"] == "dle"
    assert data["metrics"] == ["mae", "rmse"]
    assert data["calibration"] is None
    mae = data["overall"]["metrics"]["mae"]
    assert mae["estimate"] == pytest.approx(0.8, abs=0.08)  # E|N(0, 1)| = 0.798


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--calibration", "platt"], "--calibration"),
        (["--fail-on", "drift"], "--fail-on"),
        (["--period", "Q"], "--period"),
        (["--metric", "auc"], "'auc'"),
        (["--benchmark", "accuracy=high"], "--benchmark"),
        (["--confidence", "2"], "--confidence"),
        (["--task", "regression", "--target", "nope"], "'nope'"),
    ],
)
def test_bad_input_exits_two_with_one_line(
    files: dict[str, Path], extra: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["estimate", str(files["ref"]), str(files["same"]), *CLASSIFIER, *extra])
    captured = capsys.readouterr()
    assert code == 2, captured.err
    assert message in " ".join(captured.err.split())
    assert "Traceback" not in captured.out + captured.err


def test_no_probabilities_or_no_target_exit_two(
    files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ref = pd.read_csv(files["ref"])
    no_proba = tmp_path / "no_proba.csv"
    ref.drop(columns="proba_1").to_csv(no_proba, index=False)
    code = main(["estimate", str(no_proba), str(no_proba), "--target", "churn",
                 "--prediction", "pred", "--task", "binary"])  # fmt: skip
    captured = capsys.readouterr()
    assert code == 2
    assert "probabilities" in captured.err
    assert "Traceback" not in captured.out + captured.err
    no_target = tmp_path / "no_target.csv"
    ref.drop(columns="churn").to_csv(no_target, index=False)
    code = main(["estimate", str(no_target), str(files["same"]), "--prediction", "pred",
                 "--task", "binary"])  # fmt: skip
    captured = capsys.readouterr()
    assert code == 2
    assert "target" in captured.err
    assert "Traceback" not in captured.out + captured.err
