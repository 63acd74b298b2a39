"""`driftscope explain`, and `driftscope report --model`, from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from sklearn.ensemble import GradientBoostingClassifier

from driftscope.cli import main
from driftscope.report._validate import validate_report


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    folder = tmp_path_factory.mktemp("explain")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1200, 4))
    frame = pd.DataFrame(x, columns=["a", "b", "c", "d"])
    frame["label"] = (2 * frame["a"] - frame["c"] > 0).astype(int)
    model = GradientBoostingClassifier(n_estimators=30, random_state=0)
    model.fit(frame[["a", "b", "c", "d"]].iloc[:600], frame["label"].iloc[:600])
    frame["pred"] = model.predict(frame[["a", "b", "c", "d"]])
    current = frame.iloc[600:].copy()
    current["c"] = current["c"] * 3  # the model leans on c much more now
    ref, cur, path = folder / "ref.parquet", folder / "cur.csv", folder / "model.skops"
    frame.iloc[:600].to_parquet(ref)
    current.to_csv(cur, index=False)
    sio.dump(model, path)
    return ref, cur, path


def test_explain_prints_and_writes_the_json(
    files: tuple[Path, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ref, cur, model = files
    out = tmp_path / "e.json"
    code = main(
        [
            "explain",
            str(ref),
            str(cur),
            "--model",
            str(model),
            "--target",
            "label",
            "--max-rows",
            "200",
            "--json",
            str(out),
            "--fail-on-change",
            "0.05",
        ]
    )
    printed = capsys.readouterr().out
    assert code == 1  # c's importance rose by more than 5% of the total
    data = json.loads(out.read_text())
    assert data["explainer"] == "tree"
    assert data["bounds"]["current_rows"] == 200
    rose = max(data["importance"], key=lambda i: i["change"])
    assert rose["feature"] == "c"
    assert rose["change"] > 0
    assert {i["feature"] for i in data["importance"][:2]} == {"a", "c"}
    assert "EXPLANATIONS  tree explainer on model.skops" in printed
    assert "200 of 600 current rows" in printed
    assert data["rows"][0]["loss"] >= data["rows"][-1]["loss"]


def test_fail_on_change_passes_when_nothing_rose(files: tuple[Path, Path, Path]) -> None:
    ref, _, model = files
    # Every row explained on both sides: the same data, the same importance (a sample of rows
    # would differ from side to side by its sampling noise).
    args = ["explain", str(ref), str(ref), "--model", str(model), "--max-rows", "600", "-q"]
    assert main([*args, "--fail-on-change", "0.05"]) == 0


def test_explain_with_lime_on_the_reference_only(
    files: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    ref, _, model = files
    out = tmp_path / "lime.json"
    code = main(
        [
            "explain",
            str(ref),
            "--model",
            str(model),
            "--method",
            "lime",
            "--features",
            "a,b,c,d",
            "--max-rows",
            "10",
            "--json",
            str(out),
            "-q",
        ]
    )
    assert code == 0
    data = json.loads(out.read_text())
    assert data["explainer"] == "lime"
    assert data["additivity"] is None
    assert data["bounds"]["current_total"] == 0
    assert {i["feature"] for i in data["importance"][:2]} == {"a", "c"}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--model", "missing.skops"], "model file missing.skops does not exist"),
        (["--model", "{model}", "--method", "magic"], "--method"),
        (["--model", "{model}", "--features", "a,zz"], "do not match the features"),
        (["--model", "{pickle}"], "runs code when loaded"),
    ],
)
def test_explain_bad_input_is_one_line(
    files: tuple[Path, Path, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    message: str,
) -> None:
    ref, _, model = files
    pickled = tmp_path / "model.pkl"
    pickled.write_bytes(b"never read")
    args = [a.format(model=model, pickle=pickled) for a in extra]
    code = main(["explain", str(ref), *args])
    err = capsys.readouterr().err
    assert code == 2
    assert message in " ".join(err.split())
    assert "Traceback" not in err


def test_explain_an_xgboost_model_saved_with_joblib(
    files: tuple[Path, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # skops trusts only scikit-learn, numpy and scipy types, so an XGBoost model comes as a
    # joblib file, which runs code when loaded: read only with --allow-pickle.
    import joblib
    import xgboost

    ref, cur, _ = files
    frame = pd.read_parquet(ref)
    model = xgboost.XGBClassifier(n_estimators=30, max_depth=3, n_jobs=1, random_state=0)
    model.fit(frame[["a", "b", "c", "d"]], frame["label"])
    path, out = tmp_path / "xgb.joblib", tmp_path / "xgb.json"
    joblib.dump(model, path)
    args = ["explain", str(ref), str(cur), "--model", str(path), "--target", "label"]
    assert main([*args, "-q"]) == 2
    assert "runs code when loaded" in " ".join(capsys.readouterr().err.split())
    code = main([*args, "--allow-pickle", "--max-rows", "100", "--json", str(out)])
    printed = capsys.readouterr().out
    assert code == 0
    data = json.loads(out.read_text())
    assert data["explainer"] == "tree"
    assert data["outputs"] == ["log-odds of class '1'"]
    assert data["features"] == ["a", "b", "c", "d"]
    assert data["additivity"] < 1e-5  # XGBoost adds up in single precision
    assert {i["feature"] for i in data["importance"][:2]} == {"a", "c"}
    assert "EXPLANATIONS  tree explainer on xgb.joblib" in printed


def test_report_with_a_model_has_the_explanations(
    files: tuple[Path, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ref, cur, model = files
    out = tmp_path / "r.json"
    code = main(
        [
            "report",
            str(ref),
            str(cur),
            "--target",
            "label",
            "--prediction",
            "pred",
            "--model",
            str(model),
            "--explain-rows",
            "100",
            "--no-multivariate",
            "--json",
            str(out),
        ]
    )
    assert code == 0
    data = json.loads(out.read_text())
    validate_report(data)
    explanation = data["explanations"]["explanation"]
    assert explanation["features"] == ["a", "b", "c", "d"]
    assert max(explanation["importance"], key=lambda i: i["change"])["feature"] == "c"
    assert "EXPLANATIONS" in capsys.readouterr().out


def test_explain_writes_an_html_page_with_the_section(
    files: tuple[Path, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ref, cur, model = files
    page, data = tmp_path / "page.html", tmp_path / "e.json"
    args = ["explain", str(ref), str(cur), "--model", str(model), "--target", "label"]
    code = main([*args, "--max-rows", "100", "-o", str(page), "--json", str(data)])
    assert code == 0
    # The console wraps a long path (pytest's folder under pytest-xdist is longer): read it
    # back without the line breaks.
    assert f"HTML: {page}" in capsys.readouterr().out.replace("\n", "")
    text = page.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert '<section class="ds-section" data-section="explanations" id="explanations">' in text
    assert "reference ref.parquet · current cur.csv" in text
    explanation = json.loads(data.read_text())
    assert f'<th scope="row" data-v="{explanation["importance"][0]["feature"]}">' in text
    assert "100 of 600 reference rows and 100 of 600 current rows explained" in text


def test_explain_refuses_an_html_path_that_is_an_input(
    files: tuple[Path, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ref, cur, model = files
    before = cur.read_bytes()
    code = main(["explain", str(ref), str(cur), "--model", str(model), "-o", str(cur)])
    assert code == 2
    assert "-o/--html" in capsys.readouterr().err
    assert cur.read_bytes() == before
