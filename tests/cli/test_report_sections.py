"""`driftscope report --feedback / --shadow-prediction / --arm`: the sections from the command
line, the verdict they give `--fail-on`, and the bad inputs, each named (exit code 2)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from driftscope.cli import main
from driftscope.report._validate import validate_report

N = 1200


def _frame(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    y = (x + rng.normal(scale=0.5, size=n) > 0).astype(int)
    return pd.DataFrame({"x": x, "label": y, "pred": (x > 0).astype(int)})


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("sections")
    ref, cur = _frame(N, 1), _frame(N, 2)
    cur["rid"] = np.arange(N)
    cur["cand"] = cur["pred"]
    cur["version"] = np.where(np.arange(N) % 2, "new", "old")
    rng = np.random.default_rng(5)
    # Thumbs down jump in the last third of the rows.
    down = rng.random(N) < np.where(np.arange(N) >= 2 * N // 3, 0.35, 0.05)
    feedback = pd.DataFrame({"rid": np.arange(N), "thumb": np.where(down, "👎", "👍")})
    paths = {
        "ref": d / "ref.parquet",
        "cur": d / "cur.csv",
        "feedback": d / "feedback.csv",
        "no_id": d / "no_id.csv",
    }
    ref.to_parquet(paths["ref"])
    cur.to_csv(paths["cur"], index=False)
    feedback.to_csv(paths["feedback"], index=False)
    feedback.rename(columns={"rid": "request"}).to_csv(paths["no_id"], index=False)
    return paths


def _base(files: dict[str, Path]) -> list[str]:
    return [
        "report", str(files["ref"]), str(files["cur"]), "--target", "label", "--prediction",
        "pred", "--no-multivariate", "--windows", "3",
    ]  # fmt: skip


def test_the_sections_reach_the_json_the_html_and_the_terminal(
    files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    js, page = tmp_path / "r.json", tmp_path / "r.html"
    argv = [
        *_base(files), "--id", "rid", "--feedback", str(files["feedback"]), "--feedback-value",
        "thumb", "--shadow-prediction", "cand", "--arm", "version", "--arms", "old,new",
        "--json", str(js), "-o", str(page),
    ]  # fmt: skip
    assert main(argv) == 0
    data = json.loads(js.read_text())
    validate_report(data)
    assert data["feedback"]["alerts"] == ["rows 800-1199"]
    assert data["shadow"]["agreement"]["rate"] == 1.0
    assert data["ab_test"]["arms"] == ["old", "new"]
    assert data["verdict"]["decision"] == "investigate"
    assert [r["source"] for r in data["verdict"]["reasons"]][-2:] == ["shadow", "ab_test"]
    out = capsys.readouterr().out
    assert "FEEDBACK" in out
    assert "SHADOW MODEL" in out
    assert "A/B TEST" in out
    html = page.read_text()
    for section in ("feedback", "shadow", "ab_test"):
        assert f'data-section="{section}"' in html
        assert f'data-target="{section}"' in html


def test_fail_on_investigate_follows_the_feedback(files: dict[str, Path]) -> None:
    feedback = ["--id", "rid", "--feedback", str(files["feedback"]), "--feedback-value", "thumb"]
    assert main([*_base(files), "-q", "--fail-on", "investigate", *feedback]) == 1
    assert main([*_base(files), "-q", "--fail-on", "retrain", *feedback]) == 0
    # Held to a rate above every window's share, no window alerts.
    high = ["--feedback-baseline", "0.5"]
    assert main([*_base(files), "-q", "--fail-on", "investigate", *feedback, *high]) == 0


@pytest.mark.parametrize(
    ("extra", "culprits"),
    [
        (["--feedback", "{feedback}"], ["--id", "--feedback"]),
        (["--id", "rid", "--feedback", "{no_id}"], ["'rid'", "--id", "no_id.csv"]),
        (["--id", "rid", "--feedback", "{feedback}"], ["'feedback'", "--feedback-value"]),
        (["--id", "rid", "--feedback", "{missing}"], ["missing.csv"]),
        (["--arm", "branch"], ["'branch'", "--arm"]),
        (["--arms", "old,new"], ["--arms", "--arm"]),
        (["--arm", "version", "--arms", "old"], ["--arms", "'old'"]),
        (["--arm", "version", "--arms", "old,beta"], ["'beta'", "'version'"]),
        (["--shadow-prediction", "candidate"], ["'candidate'", "--shadow-prediction"]),
        (["--shadow-prediction", "cand", "--shadow-proba-prefix", "c_"], ["'c_'"]),
        (["--feedback-baseline", "0.2"], ["--feedback-baseline", "--feedback"]),
        (
            ["--id", "rid", "--feedback", "{feedback}", "--feedback-baseline", "7"],
            ["--feedback-baseline"],
        ),
    ],
)
def test_a_bad_section_input_exits_two_naming_it(
    files: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    culprits: list[str],
) -> None:
    names = {k: str(v) for k, v in files.items()} | {"missing": str(tmp_path / "missing.csv")}
    js = tmp_path / "r.json"
    argv = [*_base(files), "-q", "--json", str(js), *(e.format(**names) for e in extra)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    told = " ".join(err.split())
    for culprit in culprits:
        assert culprit in told, told
    assert not js.exists()
