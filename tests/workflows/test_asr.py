"""`workflows/asr.py`: monitor_asr and the `asr` command: word error rates by side and by
window, and the columns it is given."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tests.workflows._sets import audio_set, read_report

from driftscope.cli import main
from driftscope.exceptions import ParameterError
from driftscope.workflows.asr import monitor_asr


def test_asr_cli_says_the_recognizer_degraded(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    words = [
        "the",
        "quick",
        "brown",
        "fox",
        "jumps",
        "over",
        "a",
        "lazy",
        "dog",
        "while",
        "birds",
        "sing",
    ]

    def add_text(table: Path, error_rate: float) -> None:
        frame = pd.read_csv(table)
        refs = [" ".join(rng.choice(words, 8)) for _ in range(len(frame))]
        frame["transcript"] = refs
        frame["asr"] = [
            " ".join(w if rng.random() > error_rate else "uh" for w in r.split()) for r in refs
        ]
        frame.to_csv(table, index=False)

    base = audio_set(tmp_path, "base", 60, 0.005, seed=0)
    new = audio_set(tmp_path, "new", 60, 0.08, seed=1)
    add_text(base, 0.05)
    add_text(new, 0.3)
    out = tmp_path / "asr.json"
    argv = [
        "asr",
        str(base),
        str(new),
        "--reference-text",
        "transcript",
        "--hypothesis-text",
        "asr",
    ]
    assert main([*argv, "--json", str(out), "-q", "--fail-on", "retrain"]) == 1
    data = read_report(out)
    assert data["verdict"]["decision"] == "retrain"
    assert data["inputs"]["modality"] == "audio"
    wer = next(m for m in data["performance"]["metrics"] if m["name"] == "wer")
    assert wer["current"] > wer["reference"]
    assert main([*argv[:5], "missing_col", "--hypothesis-text", "asr"]) == 2


def test_asr_windows_by_week(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    rows = []
    for week in range(4):
        error = 0.05 if week < 2 else 0.35
        for i in range(110):  # windows need 100 rows to be analysed
            ref = " ".join(rng.choice(["yes", "no", "maybe", "later", "now", "stop"], 6))
            hyp = " ".join(w if rng.random() > error else "uh" for w in ref.split())
            day = pd.Timestamp("2026-03-02") + pd.Timedelta(days=7 * week + i % 7)
            rows.append({"ref": ref, "hyp": hyp, "ts": day.isoformat()})
    frame = pd.DataFrame(rows)
    base, new = tmp_path / "base.csv", tmp_path / "new.csv"
    frame.iloc[:220].to_csv(base, index=False)
    frame.to_csv(new, index=False)
    out = tmp_path / "asr.json"
    argv = ["asr", str(base), str(new), "--reference-text", "ref", "--hypothesis-text", "hyp"]
    assert main([*argv, "--timestamp", "ts", "--period", "W", "--json", str(out), "-q"]) == 0
    data = read_report(out)
    windows = data["windows"]["windows"]
    assert len(windows) == 4
    wer = [w["metrics"]["wer"] for w in windows]
    assert max(wer[:2]) < 0.1 < 0.25 < min(wer[2:])
    assert data["inputs"] is None  # no audio column: transcripts only


def test_the_same_column_as_reference_and_hypothesis_is_refused_naming_both(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    texts = tmp_path / "texts.csv"
    pd.DataFrame({"transcript": ["a b"] * 4, "asr": ["a b"] * 4}).to_csv(texts, index=False)
    options = ["--reference-text", "transcript", "--hypothesis-text", "transcript"]
    assert main(["asr", str(texts), str(texts), *options]) == 2
    assert capsys.readouterr().err.startswith(
        "error: --reference-text and --hypothesis-text both name the column 'transcript'; "
        "expected the reference transcripts and the recognizer's output in two columns."
    )
    with pytest.raises(ParameterError, match=r"^reference_text and hypothesis_text both name"):
        monitor_asr(texts, texts, reference_text="asr", hypothesis_text="asr")
