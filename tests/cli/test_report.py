"""`driftscope report` and `driftscope quality` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from driftscope.cli import main


def _frame(n: int, seed: int, flip: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2))
    y = (x[:, 0] + rng.normal(scale=0.3, size=n) > 0).astype(int)
    if flip:
        y = np.where(x[:, 1] > 0, 1 - y, y)
    p1 = 1 / (1 + np.exp(-3 * x[:, 0]))
    return pd.DataFrame(
        {
            "a": x[:, 0],
            "b": x[:, 1],
            "label": y,
            "pred": (p1 > 0.5).astype(int),
            "proba_0": 1 - p1,
            "proba_1": p1,
            "day": pd.Timestamp("2026-03-02") + pd.to_timedelta(rng.uniform(0, 21, n), unit="D"),
        }
    )


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path, Path]:
    ref, ok, bad = tmp_path / "ref.parquet", tmp_path / "ok.parquet", tmp_path / "bad.csv"
    _frame(3000, 1).to_parquet(ref)
    _frame(3000, 2).to_parquet(ok)
    _frame(3000, 3, flip=True).to_csv(bad, index=False)
    return ref, ok, bad


def test_report_writes_json_and_html_and_exit_code_follows_fail_on(
    files: tuple[Path, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ref, ok, bad = files
    js, page = tmp_path / "r.json", tmp_path / "r.html"
    args = ["--target", "label", "--prediction", "pred", "--proba-prefix", "proba_"]
    code = main(["report", str(ref), str(bad), *args, "--json", str(js), "-o", str(page)])
    assert code == 0
    data = json.loads(js.read_text())
    assert data["verdict"]["decision"] == "retrain"
    assert data["model"]["task"] == "binary_classification"
    assert page.read_text().startswith("<!DOCTYPE html>")
    assert "retrain" in capsys.readouterr().out.lower()
    assert main(["report", str(ref), str(bad), *args, "-q", "--fail-on", "retrain"]) == 1
    assert main(["report", str(ref), str(ok), *args, "-q", "--fail-on", "retrain"]) == 0


def test_report_with_windows_and_benchmark(files: tuple[Path, Path, Path], tmp_path: Path) -> None:
    ref, ok, _ = files
    js = tmp_path / "r.json"
    code = main(
        [
            "report", str(ref), str(ok), "--target", "label", "--prediction", "pred",
            "--timestamp", "day", "--period", "W", "--benchmark", "accuracy=0.99",
            "--json", str(js), "-q",
        ]
    )  # fmt: skip
    assert code == 0
    data = json.loads(js.read_text())
    assert len(data["windows"]["windows"]) == 3
    accuracy = next(m for m in data["performance"]["metrics"] if m["name"] == "accuracy")
    assert accuracy["baseline"] == 0.99
    assert accuracy["baseline_source"] == "benchmark"


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--fail-on", "panic"], "retrain or investigate"),
        (["--benchmark", "accuracy=high"], "'high' is not a number"),
        (["--benchmark", "speed=0.9"], "--benchmark: metric 'speed' is not a metric driftscope"),
        (["--period", "Q", "--timestamp", "day"], "one of D, W, M"),
        (["--task", "poetry"], "Unknown task 'poetry'"),
        (["--proba-prefix", "score_"], "probability prefix 'score_'"),
    ],
)
def test_report_bad_options_exit_two(
    extra: list[str],
    needle: str,
    files: tuple[Path, Path, Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    ref, ok, _ = files
    code = main(["report", str(ref), str(ok), "--target", "label", "--prediction", "pred", *extra])
    captured = capsys.readouterr()
    assert code == 2
    assert needle in captured.err + captured.out
    assert "Traceback" not in captured.err + captured.out


def test_quality_command(files: tuple[Path, Path, Path], tmp_path: Path) -> None:
    ref, ok, _ = files
    broken = _frame(3000, 4)
    broken.loc[:899, "a"] = np.nan
    broken.loc[300:320, "b"] = 1e6
    path = tmp_path / "broken.parquet"
    broken.to_parquet(path)
    js = tmp_path / "q.json"
    assert main(["quality", str(ref), str(ok), "-q", "--fail-on", "alert"]) == 0
    assert main(["quality", str(ref), str(path), "-q", "--json", str(js)]) == 0
    data = json.loads(js.read_text())
    assert data["quality"]["status"] == "alert"
    missing = next(
        c for c in data["quality"]["checks"] if c["check"] == "missing_share" and c["column"] == "a"
    )
    assert missing["count"] == 900
    assert main(["quality", str(ref), str(path), "-q", "--fail-on", "alert"]) == 1
