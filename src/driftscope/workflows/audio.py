"""Audio: drift of two sets of audio files (`compare_audio`), through the shared file plumbing
(`workflows._files`); the MFCC statistics are the embedding, also for `monitor_asr`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from driftscope.data.paths import FileProblem
from driftscope.report import Report
from driftscope.workflows._files import Side, file_drift

__all__ = ["compare_audio", "mfcc_embedding"]

#: What the audio embedding is, as the report says it.
MFCC_SOURCE = "MFCC means and standard deviations"


def mfcc_embedding(side: Side) -> np.ndarray:
    """The MFCC means and standard deviations of a side's audio files, as embeddings (files
    without a spectrum, all silence, left out)."""
    mfcc = [c for c in side.features.columns if c.startswith("mfcc_")]
    values: np.ndarray = side.features[mfcc].to_numpy(dtype=np.float64)
    return np.asarray(values[np.isfinite(values).all(axis=1)])


def compare_audio(
    reference: Any,
    current: Any,
    *,
    column: str = "inputs",
    allow_roots: Sequence[Path | str] | None = None,
    workers: int = 1,
    n_examples: int = 6,
    n_components: int = 10,
    seed: int = 0,
    alpha: float = 0.05,
    reference_name: str | None = None,
    current_name: str | None = None,
) -> Report:
    """Compare two sets of audio files (WAV, FLAC, OGG), listed like images in
    `compare_images`: per-file features (duration, sample rate, levels, silence, zero-crossing
    rate, spectral shape, MFCC statistics, pitch; see docs/audio.md) tested by the drift core;
    the MFCC statistics are also tested together as an embedding."""
    from driftscope.modalities.audio import audio_feature_kinds, extract_audio_features

    def embed(side: Side) -> tuple[np.ndarray, tuple[FileProblem, ...]]:
        return mfcc_embedding(side), ()

    return file_drift(
        "audio",
        reference,
        current,
        column=column,
        allow_roots=allow_roots,
        workers=workers,
        extract=extract_audio_features,
        kinds=audio_feature_kinds(),
        embed=embed,
        embedding_source=MFCC_SOURCE,
        preview=None,
        n_examples=n_examples,
        n_components=n_components,
        seed=seed,
        alpha=alpha,
        reference_name=reference_name,
        current_name=current_name,
    )
