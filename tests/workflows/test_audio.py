"""`workflows/audio.py`: compare_audio (`audio drift`) on generated WAV files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from tests.workflows._sets import audio_set

from driftscope.report._validate import validate_report
from driftscope.workflows.audio import compare_audio


def test_audio_noise_is_found_and_bad_files_counted(tmp_path: Path) -> None:
    base = audio_set(tmp_path, "base", 30, 0.005, seed=0)
    same = audio_set(tmp_path, "same", 30, 0.005, seed=1)
    noisy = audio_set(tmp_path, "noisy", 30, 0.1, seed=2)
    (tmp_path / "noisy" / "bad.wav").write_text("not audio")
    table = pd.read_csv(noisy)
    pd.concat([table, pd.DataFrame({"inputs": ["noisy/bad.wav"]})]).to_csv(noisy, index=False)
    shifted = compare_audio(base, noisy)
    assert {"zero_crossing_rate", "spectral_centroid_hz"} <= set(shifted.drift.drifted_columns)
    data = shifted.to_dict()
    assert data["inputs"]["current"]["by_problem"] == {"unreadable": 1}
    assert data["inputs"]["embedding"]["drifted"]
    assert compare_audio(base, same).drift.drifted_columns == []
    validate_report(data)
