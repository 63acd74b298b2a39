"""Speech recognition: has the recognizer degraded? (`monitor_asr`): WER and CER through
`monitor` with ``task="asr"``, beside the drift of the audio when the tables list it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from driftscope.data.io import read_table
from driftscope.data.paths import base_folder
from driftscope.exceptions import ParameterError, SchemaError
from driftscope.report import Report
from driftscope.workflows._files import (
    FEATURE_CORRECTION,
    Side,
    embedding_or_note,
    file_schema,
    inputs_section,
    metadata,
    require_column,
    side_of,
    with_inputs,
    with_metadata,
)
from driftscope.workflows.audio import MFCC_SOURCE, mfcc_embedding

__all__ = ["monitor_asr"]


def _shown(source: Any) -> str | None:
    """A table's name when it is a path; None lets `read_table` name a DataFrame."""
    return str(source) if isinstance(source, str | Path) else None


def monitor_asr(
    reference: Any,
    current: Any,
    *,
    reference_text: str,
    hypothesis_text: str,
    column: str = "inputs",
    allow_roots: Sequence[Path | str] | None = None,
    workers: int = 1,
    timestamp: str | None = None,
    period: str | None = None,
    benchmark_wer: float | None = None,
    n_examples: int = 6,
    n_components: int = 10,
    n_resamples: int = 1000,
    seed: int = 0,
    reference_name: str | None = None,
    current_name: str | None = None,
) -> Report:
    """Has the speech recognizer degraded? WER and CER of ``hypothesis_text`` against
    ``reference_text`` (the transcripts) on both tables, with confidence intervals, per time
    window when ``timestamp`` and ``period`` are given, against the baseline or
    ``benchmark_wer``; beside them the drift of the audio (``column`` of WAV/FLAC paths, when
    the tables have it), and the verdict (`driftscope.monitor` with ``task="asr"``)."""
    from driftscope.modalities.audio import audio_feature_kinds, extract_audio_features
    from driftscope.workflows.monitor import monitor

    if reference_text == hypothesis_text:
        raise ParameterError(
            f"reference_text and hypothesis_text both name the column {reference_text!r}; "
            "expected the reference transcripts and the recognizer's output in two columns."
        )
    sources = ((reference, reference_name), (current, current_name))
    tables = [read_table(source, name=name) for source, name in sources]
    having = [column in t.frame.columns for t in tables]
    if any(having) and not all(having):
        lacking = tables[having.index(False)].name
        raise SchemaError(
            f"{lacking!r} has no audio column {column!r} while the other table has one; give "
            "both tables the audio paths, or neither (then only the transcripts are compared)."
        )
    kinds = audio_feature_kinds()
    frames: list[pd.DataFrame] = []
    sides: list[Side] = []
    for (source, _), table in zip(sources, tables, strict=True):
        for needed in (reference_text, hypothesis_text):
            require_column(table, needed)
        frame = table.frame.drop(columns=[column], errors="ignore")
        if all(having):
            side = side_of(
                table, base_folder(source), column, allow_roots, extract_audio_features, workers
            )
            features = side.features.reindex(range(len(table.frame)))
            frame = with_metadata(features, metadata(frame, [], list(kinds)))
            sides.append(side)
        frames.append(frame)
    report = monitor(
        frames[0],
        frames[1],
        file_schema(
            kinds, frames, base_folder(reference), (reference_text, hypothesis_text, timestamp)
        ),
        target=reference_text,
        prediction=hypothesis_text,
        task="asr",
        timestamp=timestamp,
        period=period,
        benchmarks={"wer": benchmark_wer} if benchmark_wer is not None else None,
        n_resamples=n_resamples,
        seed=seed,
        correction=FEATURE_CORRECTION,
        reference_name=reference_name or _shown(reference),
        current_name=current_name or _shown(current),
    )
    if not sides:
        return report
    notes: list[str] = []
    embeddings = [mfcc_embedding(side) for side in sides]
    embedding = embedding_or_note(embeddings, n_components, seed, 0.05, notes)
    section = inputs_section(
        "audio",
        sides,
        list(kinds),
        embedding=embedding,
        embedding_source=MFCC_SOURCE,
        notes=notes,
        n_examples=n_examples,
    )
    return with_inputs(report, section)
