"""Generated tables of image and audio files, and the report reader, shared by the file
workflows' tests."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import soundfile as sf
from PIL import Image, ImageFilter

from driftscope.report._validate import validate_report


def image_set(
    folder: Path, name: str, n: int, brightness: float, seed: int, blur: float = 0.0
) -> Path:
    """``n`` 32x32 RGB images of noise around ``brightness``, listed in ``name``.csv (relative
    paths), with a ``camera`` metadata column."""
    rng = np.random.default_rng(seed)
    (folder / name).mkdir(parents=True, exist_ok=True)
    rows = []
    for i in range(n):
        pixels = np.clip(rng.normal(brightness, 0.12, (32, 32, 3)), 0, 1)
        image = Image.fromarray((pixels * 255).astype(np.uint8))
        if blur:
            image = image.filter(ImageFilter.GaussianBlur(blur))
        image.save(folder / name / f"{i}.png")
        rows.append({"inputs": f"{name}/{i}.png", "camera": "a" if i % 2 else "b"})
    table = folder / f"{name}.csv"
    pd.DataFrame(rows).to_csv(table, index=False)
    return table


def read_report(path: Path) -> dict:
    """The JSON report at ``path``, checked against the report schema."""
    data = json.loads(path.read_text())
    validate_report(data)
    return data


def audio_set(folder: Path, name: str, n: int, noise: float, seed: int) -> Path:
    rng = np.random.default_rng(seed)
    (folder / name).mkdir(parents=True, exist_ok=True)
    rows = []
    for i in range(n):
        sr = 16_000
        t = np.arange(sr // 2) / sr
        pitch = rng.uniform(110, 220)
        signal = 0.3 * np.sin(2 * np.pi * pitch * t) * (1 + 0.5 * np.sin(2 * np.pi * 4 * t))
        signal = signal + rng.normal(0, noise, t.size)
        sf.write(folder / name / f"{i}.wav", signal, sr)
        rows.append({"inputs": f"{name}/{i}.wav"})
    table = folder / f"{name}.csv"
    pd.DataFrame(rows).to_csv(table, index=False)
    return table


def mask_set(folder: Path, name: str, n: int, mask_size: int, seed: int) -> Path:
    """Images whose top part is bright, with ground-truth masks (bright = class 1) saved at
    ``mask_size`` (the segmenter works at 32 x 32)."""
    rng = np.random.default_rng(seed)
    (folder / name).mkdir(parents=True, exist_ok=True)
    rows = []
    for i in range(n):
        cut = int(rng.integers(8, 24))
        pixels = np.full((32, 32, 3), 0.2)
        pixels[:cut] = 0.9
        Image.fromarray((pixels * 255).astype(np.uint8)).save(folder / name / f"{i}.png")
        mask = np.zeros((32, 32), np.uint8)
        mask[:cut] = 1
        big = Image.fromarray(mask).resize((mask_size, mask_size), Image.Resampling.NEAREST)
        big.save(folder / name / f"{i}_mask.png")
        rows.append({"inputs": f"{name}/{i}.png", "masks": f"{name}/{i}_mask.png"})
    table = folder / f"{name}.csv"
    pd.DataFrame(rows).to_csv(table, index=False)
    return table
