"""`driftscope compare-models` from the command line: A/B and shadow modes, the JSON, the exit
codes of --fail-on-worse, and a clear one-line message on bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from driftscope.cli import main


def _noisy(y: np.ndarray, accuracy: float, rng: np.random.Generator) -> np.ndarray:
    return np.where(rng.uniform(size=y.size) < accuracy, y, 1 - y)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("compare_models")
    rng = np.random.default_rng(0)
    n = 3000
    y = rng.integers(0, 2, n)
    arm = np.where(np.arange(n) % 2, "v2", "v1")
    worse = np.where(arm == "v2", _noisy(y, 0.75, rng), _noisy(y, 0.88, rng))
    same = _noisy(y, 0.85, rng)
    region = rng.choice(["north", "south"], n)
    ab = pd.DataFrame({"arm": arm, "y": y, "pred": worse, "same": same, "region": region})
    ab["three"] = np.resize(["v1", "v2", "v3"], n)
    candidate = same.copy()
    candidate[region == "south"] = rng.integers(0, 2, int((region == "south").sum()))
    shadow = pd.DataFrame({"y": y, "prod": same, "cand": candidate, "region": region})
    paths = {"ab": folder / "ab.csv", "shadow": folder / "shadow.parquet"}
    ab.to_csv(paths["ab"], index=False)
    shadow.to_parquet(paths["shadow"])
    return paths


def test_ab_worse_b_exits_one_with_fail_on_worse_and_writes_the_json(
    files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "ab.json"
    args = ["compare-models", str(files["ab"]), "--arm", "arm", "--target", "y"]
    args += ["--prediction", "pred", "--n-resamples", "100", "--json", str(out)]
    assert main([*args, "--fail-on-worse"]) == 1
    printed = capsys.readouterr().out
    assert "A/B TEST" in printed
    assert "A is better on accuracy by" in " ".join(printed.split())
    data = json.loads(out.read_text())
    assert data["kind"] == "ab_test"
    assert data["winner"] == "A"
    assert data["arms"] == ["v1", "v2"]
    # Without --fail-on-worse the same result exits 0.
    assert main(args) == 0


def test_ab_arms_choose_the_baseline(files: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "ab.json"
    code = main(
        [
            "compare-models",
            str(files["ab"]),
            "--arm",
            "three",
            "--arms",
            "v3,v1",
            "--target",
            "y",
            "--prediction",
            "same",
            "--n-resamples",
            "100",
            "--json",
            str(out),
            "--fail-on-worse",
            "--quiet",
        ]
    )
    assert code == 0
    assert json.loads(out.read_text())["arms"] == ["v3", "v1"]


def test_shadow_mode_prints_agreement_and_segments(
    files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "shadow.json"
    code = main(
        [
            "compare-models",
            str(files["shadow"]),
            "--prediction",
            "prod",
            "--candidate",
            "cand",
            "--target",
            "y",
            "--n-resamples",
            "100",
            "--metric",
            "accuracy,f1_macro",
            "--json",
            str(out),
            "--fail-on-worse",
        ]
    )
    printed = " ".join(capsys.readouterr().out.split())
    assert code == 1  # the candidate guesses on half the rows: significantly worse
    assert "SHADOW MODEL" in printed
    assert "disagree most where region is south" in printed
    data = json.loads(out.read_text())
    assert data["kind"] == "shadow"
    assert data["segments"][0]["segment"] == "south"
    assert data["who_was_right"]["comparison"]["winner"] == "A"
    names = [m["name"] for m in data["who_was_right"]["comparison"]["metrics"]]
    assert names == ["accuracy", "f1_macro"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--arm", "version"], "The arm column 'version' (arm=) is not in the data"),
        (["--arm", "three"], "holds 3 value(s)"),
        (["--arm", "arm", "--candidate", "same"], "give one of --arm"),
        ([], "give one of --arm"),
        (["--arm", "arm", "--arms", "v1"], "expected two values A,B"),
    ],
)
def test_bad_input_exits_two_with_a_clear_message(
    files: dict[str, Path], extra: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["compare-models", str(files["ab"]), "--target", "y", "--prediction", "pred"]
    assert main([*args, *extra]) == 2
    captured = capsys.readouterr()
    text = " ".join((captured.out + captured.err).split())
    assert message in text
    assert "Traceback" not in text


def test_empty_file_exits_two(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("arm,y,pred\n")
    code = main(
        ["compare-models", str(path), "--arm", "arm", "--target", "y", "--prediction", "pred"]
    )
    assert code == 2
    assert "no rows" in capsys.readouterr().err
