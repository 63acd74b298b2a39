"""Drift of images, audio and texts: each modality becomes per-input features (and embeddings),
which the drift core tests as it tests any table (`compare`); the report adds an ``inputs``
section with what was read, what was not, and what the embeddings say."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from driftscope._shorten import printable
from driftscope.analyses.embeddings import MIN_ROWS, embedding_drift
from driftscope.analyses.inputs import Example, InputFiles, InputsSection
from driftscope.data.io import Table, read_table
from driftscope.data.paths import (
    FileProblem,
    ResolvedPaths,
    base_folder,
    holds_paths,
    resolve_paths,
)
from driftscope.data.schema import ColumnKind, ColumnRole, ColumnSpec, Schema
from driftscope.exceptions import EmptyDataError, ParameterError, SchemaError
from driftscope.modalities.masks import read_masks
from driftscope.report import Report
from driftscope.workflows.compare import compare

__all__ = ["compare_audio", "compare_images", "compare_text", "monitor_asr", "monitor_images"]

Extractor = Callable[..., tuple[pd.DataFrame, list[FileProblem]]]
#: Dozens of correlated features per input (44 for an image): a column is drifted when its
#: Benjamini-Hochberg-adjusted p-value passes, so that a stable set of files does not raise
#: "investigate" from one of many columns by chance.
FEATURE_CORRECTION = "bh"
#: Embeddings of a side's readable inputs, and the inputs the embedding model failed on.
Embedder = Callable[["_Side"], tuple[np.ndarray, tuple[FileProblem, ...]]]


@dataclasses.dataclass(frozen=True)
class _Side:
    table: Table
    column: str
    base: Path
    resolved: ResolvedPaths
    features: pd.DataFrame
    problems: tuple[FileProblem, ...]

    def read(self) -> tuple[list[int], list[Path]]:
        """The rows whose features were read, and their files, in table order."""
        by_row = dict(zip(self.resolved.rows, self.resolved.paths, strict=True))
        rows = [int(r) for r in self.features.index]
        return rows, [by_row[r] for r in rows]


#: Why a column of paths beside the inputs is listed but not drift-tested.
PATH_COLUMN_NOTE = "file paths, one per input: excluded from drift"


def _schema(
    kinds: dict[str, ColumnKind],
    frames: Sequence[pd.DataFrame],
    base: Path,
    roles: Sequence[str | None] = (),
) -> Schema:
    """The features' kinds, and the other columns of both tables that hold file paths (masks,
    a second view of each input) declared as ids: every row has its own path, which tested as
    a category would always drift (and make the whole-table tests drift with it). ``roles``
    are the columns the caller gives a role (target, prediction, timestamp), left alone."""
    specs = [ColumnSpec(name=c, kind=k) for c, k in kinds.items() if c in frames[0].columns]
    first = frames[0]
    for name in first.columns:
        if name in kinds or name in roles or not all(name in f.columns for f in frames[1:]):
            continue
        values = first[name]
        if pd.api.types.is_numeric_dtype(values) or not holds_paths(values, base):
            continue
        specs.append(
            ColumnSpec(
                name=name, kind=ColumnKind.ID, role=ColumnRole.FEATURE, note=PATH_COLUMN_NOTE
            )
        )
    return Schema(tuple(specs))


def _read(source: Any, name: str | None, column: str) -> tuple[Table, Path]:
    table = read_table(source, name=name)
    if column not in table.frame.columns:
        raise SchemaError(
            f"{table.name!r} has no column {column!r} of file paths; its columns are "
            f"{', '.join(map(repr, table.frame.columns[:20]))}."
        )
    if len(table.frame) == 0:
        raise EmptyDataError(f"{table.name!r} has 0 rows: there is nothing to compare.")
    return table, base_folder(source)


def _side(
    source: Any,
    name: str | None,
    column: str,
    allow_roots: Sequence[Path | str] | None,
    extract: Extractor,
    workers: int,
) -> _Side:
    table, base = _read(source, name, column)
    resolved = resolve_paths(table.frame[column].tolist(), base, allow_roots)
    features, problems = extract(list(resolved.paths), list(resolved.rows), workers=workers)
    if "row" in features.columns:
        features = features.set_index("row")
    written = table.frame[column]
    problems = [dataclasses.replace(p, path=str(written.iloc[p.row])) for p in problems]
    all_problems = tuple(sorted((*resolved.problems, *problems), key=lambda p: p.row))
    if len(features) == 0:
        listed = "; ".join(f"row {p.row}: {printable(p.detail, 400)}" for p in all_problems[:3])
        raise EmptyDataError(
            f"None of the {len(table.frame)} files in column {column!r} of {table.name!r} "
            f"could be read ({listed}{'; ...' if len(all_problems) > 3 else ''})."
        )
    return _Side(table, column, base, resolved, features, all_problems)


def _run_model(
    loaded: Any, side: _Side, size: tuple[int, int] | None, batch_size: int
) -> tuple[Any, tuple[FileProblem, ...]]:
    """An image model's outputs on a side's readable images (`ModelOutputs`), and the images
    it failed on, with their paths as the table wrote them."""
    from driftscope.modalities.image_model import run_image_model

    rows, paths = side.read()
    outputs = run_image_model(loaded, paths, rows, size=size, batch_size=batch_size)
    return outputs, tuple(_as_written(side, p) for p in outputs.problems)


def _mfcc_embedding(side: _Side) -> np.ndarray:
    """The MFCC means and standard deviations of a side's audio files, as embeddings (files
    without a spectrum, all silence, left out)."""
    mfcc = [c for c in side.features.columns if c.startswith("mfcc_")]
    values: np.ndarray = side.features[mfcc].to_numpy(dtype=np.float64)
    return np.asarray(values[np.isfinite(values).all(axis=1)])


def _as_written(side: _Side, problem: FileProblem) -> FileProblem:
    """A problem with the path as the table wrote it."""
    return dataclasses.replace(problem, path=str(side.table.frame.iloc[problem.row][side.column]))


def _metadata(
    frame: pd.DataFrame, drop: Sequence[str], feature_names: Sequence[str]
) -> pd.DataFrame:
    """The table's other columns, kept beside the features: a column whose name a feature
    already has is renamed ``meta_<name>``."""
    meta = frame.drop(columns=[c for c in drop if c in frame.columns])
    return meta.rename(columns={c: f"meta_{c}" for c in meta.columns if c in feature_names})


def _with_metadata(side: _Side, column: str, feature_names: Sequence[str]) -> pd.DataFrame:
    """The features of the readable inputs, with the table's other columns beside them."""
    meta = _metadata(side.table.frame, [column], feature_names)
    rows = side.features.index.to_numpy()
    kept = meta.iloc[rows].reset_index(drop=True)
    return pd.concat([side.features.reset_index(drop=True), kept], axis=1)


def _files(side: _Side, model_problems: Sequence[FileProblem] = ()) -> InputFiles:
    """A side's inputs: those read, and the problems of the others (with those the model
    failed on, which were read but could not be embedded or predicted)."""
    problems = tuple(sorted((*side.problems, *model_problems), key=lambda p: p.row))
    n_failed_model = sum(p.problem == "model failed" for p in model_problems)
    return InputFiles(
        side.table.name, len(side.table.frame), len(side.features) - n_failed_model, problems
    )


def _examples(side: _Side, n: int, preview: Callable[[Path], str] | None) -> tuple[Example, ...]:
    chosen = []
    rows, paths = side.read()
    for row, path in zip(rows[:n], paths[:n], strict=True):
        thumbnail = None
        if preview is not None:
            try:
                thumbnail = preview(path)
            except Exception:  # a preview is a nicety; the features were read already
                thumbnail = None
        chosen.append(Example(row, printable(str(path)), thumbnail))
    return tuple(chosen)


#: Increase of the share of current inputs that could not be used, over the reference's, at
#: which the ``unusable_inputs`` quality check is an alert (any unusable input is a warning).
UNUSABLE_ALERT = 0.05


def _with_input_quality(report: Report, section: InputsSection) -> Report:
    """In a monitoring report, the inputs that could not be used are a data-quality check
    (``unusable_inputs``), with examples, and an alert is a verdict reason."""
    from driftscope.analyses import verdict as V
    from driftscope.analyses.quality import QualityCheck, QualityResult

    if report.quality is None or report.verdict is None:
        return report
    cur, ref = section.current, section.reference
    share = cur.n_failed / cur.n_rows if cur.n_rows else 0.0
    ref_share = ref.n_failed / ref.n_rows if ref.n_rows else 0.0
    status = "alert" if share - ref_share >= UNUSABLE_ALERT else "warning" if cur.n_failed else "ok"
    message = (
        f"{section.column}: {cur.summary()} (reference {ref.n_failed} of {ref.n_rows})."
        if cur.n_failed
        else f"{section.column}: every current input could be used."
    )
    check = QualityCheck(
        check="unusable_inputs",
        column=section.column,
        count=cur.n_failed,
        share=share,
        reference_share=ref_share,
        examples=tuple(
            f"row {p.row}: {p.path or '(empty)'} ({p.problem})" for p in cur.problems[:5]
        ),
        threshold=0.0,
        alert_threshold=UNUSABLE_ALERT,
        status=status,
        message=message,
    )
    quality = QualityResult.from_checks(
        (*report.quality.checks, check),
        report.quality.n_reference_rows,
        report.quality.n_current_rows,
    )
    verdict = report.verdict
    if status == "alert":
        reason = V.Reason("quality", V.INVESTIGATE, message, share)
        verdict = V.decide((*verdict.reasons, reason))
    return dataclasses.replace(report, quality=quality, verdict=verdict)


def _embedding_or_note(
    reference: np.ndarray,
    current: np.ndarray,
    n_components: int,
    seed: int,
    alpha: float,
    notes: list[str],
) -> Any:
    """Embedding drift, or None with a note saying why it could not run (too few rows)."""
    try:
        return embedding_drift(
            reference, current, n_components=n_components, seed=seed, alpha=alpha
        )
    except EmptyDataError as exc:
        notes.append(f"Embedding drift was not run: {exc}")
        return None


def _warnings(section: InputsSection) -> tuple[str, ...]:
    out = []
    for label, files in (("reference", section.reference), ("current", section.current)):
        if files.n_failed:
            out.append(f"{label} {files.table!r}: {files.summary()}; see the inputs section.")
    return (*out, *section.notes)


def _file_drift(
    modality: str,
    reference: Any,
    current: Any,
    *,
    column: str,
    allow_roots: Sequence[Path | str] | None,
    workers: int,
    extract: Extractor,
    kinds: dict[str, ColumnKind],
    embed: Embedder | None,
    embedding_source: str | None,
    preview: Callable[[Path], str] | None,
    n_examples: int,
    n_components: int,
    seed: int,
    alpha: float,
    reference_name: str | None,
    current_name: str | None,
) -> Report:
    ref = _side(reference, reference_name, column, allow_roots, extract, workers)
    cur = _side(current, current_name, column, allow_roots, extract, workers)
    names = list(kinds)
    frames = [_with_metadata(side, column, names) for side in (ref, cur)]
    report = compare(
        frames[0],
        frames[1],
        _schema(kinds, frames, ref.base),
        alpha=alpha,
        seed=seed,
        correction=FEATURE_CORRECTION,
        reference_name=ref.table.name,
        current_name=cur.table.name,
    )
    notes: list[str] = []
    embedding = None
    failed: tuple[tuple[FileProblem, ...], tuple[FileProblem, ...]] = ((), ())
    if embed is not None:
        (ref_emb, ref_failed), (cur_emb, cur_failed) = embed(ref), embed(cur)
        failed = (ref_failed, cur_failed)
        for side, emb, problems in ((ref, ref_emb, ref_failed), (cur, cur_emb, cur_failed)):
            if len(emb) == 0 and problems:
                raise EmptyDataError(
                    f"The model failed on every input of {side.table.name!r}: {problems[0].detail}"
                )
        if min(len(ref_emb), len(cur_emb)) < MIN_ROWS:
            notes.append(
                f"Embedding drift needs at least {MIN_ROWS} embedded inputs per side; got "
                f"{len(ref_emb)} and {len(cur_emb)}."
            )
        else:
            embedding = _embedding_or_note(ref_emb, cur_emb, n_components, seed, alpha, notes)
    section = InputsSection(
        modality=modality,
        column=column,
        reference=_files(ref, failed[0]),
        current=_files(cur, failed[1]),
        features=tuple(names),
        embedding=embedding,
        embedding_source=embedding_source if embedding is not None else None,
        examples={
            "reference": _examples(ref, n_examples, preview),
            "current": _examples(cur, n_examples, preview),
        },
        notes=tuple(notes),
    )
    return dataclasses.replace(
        report,
        inputs=section,
        extra_warnings=(*report.extra_warnings, *_warnings(section)),
    )


def compare_images(
    reference: Any,
    current: Any,
    *,
    column: str = "inputs",
    allow_roots: Sequence[Path | str] | None = None,
    workers: int = 1,
    model: Any = None,
    model_output: str | None = None,
    input_size: tuple[int, int] | None = None,
    n_examples: int = 6,
    n_components: int = 10,
    seed: int = 0,
    alpha: float = 0.05,
    reference_name: str | None = None,
    current_name: str | None = None,
) -> Report:
    """Compare two sets of images, each listed in a table (CSV, Parquet, JSON Lines or a
    DataFrame) with a ``column`` of paths, absolute or relative to the table's folder.

    Every image becomes features (size, mode, brightness, contrast, colour, sharpness, entropy,
    noise, channel histograms; see docs/images.md), tested column by column by the drift core;
    the table's other columns are tested beside them. With ``model`` (an ONNX or TorchScript
    file, ``"module:attribute"``, or a callable; see `driftscope.models.load_model`), its outputs
    are embeddings, tested for drift by MMD, a domain classifier and per-component tests after a
    PCA (docs/embeddings.md). Files outside ``allow_roots`` (default: each table's folder and
    below), missing or unreadable are counted in the report's ``inputs`` section, not fatal,
    unless no file of a side can be read.
    """
    from driftscope.modalities.images import (
        extract_image_features,
        image_feature_kinds,
        thumbnail_data_uri,
    )

    embed = None
    source = None
    if model is not None:
        from driftscope.models import load_model

        loaded = load_model(model, output=model_output)
        source = f"{loaded.kind} model {loaded.name}"

        def embed(side: _Side) -> tuple[np.ndarray, tuple[FileProblem, ...]]:
            outputs, problems = _run_model(loaded, side, input_size, batch_size=32)
            if not outputs.outputs:
                return np.zeros((0, 1)), problems
            return np.stack([np.ravel(o) for o in outputs.outputs]), problems

    return _file_drift(
        "image",
        reference,
        current,
        column=column,
        allow_roots=allow_roots,
        workers=workers,
        extract=extract_image_features,
        kinds=image_feature_kinds(),
        embed=embed,
        embedding_source=source,
        preview=thumbnail_data_uri,
        n_examples=n_examples,
        n_components=n_components,
        seed=seed,
        alpha=alpha,
        reference_name=reference_name,
        current_name=current_name,
    )


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

    def embed(side: _Side) -> tuple[np.ndarray, tuple[FileProblem, ...]]:
        return _mfcc_embedding(side), ()

    return _file_drift(
        "audio",
        reference,
        current,
        column=column,
        allow_roots=allow_roots,
        workers=workers,
        extract=extract_audio_features,
        kinds=audio_feature_kinds(),
        embed=embed,
        embedding_source="MFCC means and standard deviations",
        preview=None,
        n_examples=n_examples,
        n_components=n_components,
        seed=seed,
        alpha=alpha,
        reference_name=reference_name,
        current_name=current_name,
    )


def compare_text(
    reference: Any,
    current: Any,
    *,
    column: str,
    embedding_method: str = "tfidf-svd",
    top_terms: int = 20,
    n_components: int = 10,
    seed: int = 0,
    alpha: float = 0.05,
    reference_name: str | None = None,
    current_name: str | None = None,
) -> Report:
    """Compare a text ``column`` of two tables: per-text features (lengths, out-of-vocabulary
    rate, character shares; docs/text.md) tested by the drift core beside the tables' other
    columns, the terms whose frequency changed most with a test on term counts, and embedding
    drift (TF-IDF + SVD by default, all-MiniLM-L6-v2 with ``embedding_method="minilm"`` and the
    ``[text]`` extra)."""
    from driftscope.analyses.text import text_drift
    from driftscope.modalities.text import FEATURE_COLUMNS

    ref_table = read_table(reference, name=reference_name)
    cur_table = read_table(current, name=current_name)
    for table in (ref_table, cur_table):
        if column not in table.frame.columns:
            raise SchemaError(
                f"{table.name!r} has no text column {column!r}; its columns are "
                f"{', '.join(map(repr, table.frame.columns[:20]))}."
            )
        if len(table.frame) == 0:
            raise EmptyDataError(f"{table.name!r} has 0 rows: there is nothing to compare.")
    found = text_drift(
        ref_table.frame[column],
        cur_table.frame[column],
        embedding_method=embedding_method,
        pca_components=n_components,
        top=top_terms,
        alpha=alpha,
        seed=seed,
    )
    names = list(FEATURE_COLUMNS)

    def joined(features: pd.DataFrame, table: Table) -> pd.DataFrame:
        meta = _metadata(table.frame, [column], names)
        return pd.concat([features.reset_index(drop=True), meta.reset_index(drop=True)], axis=1)

    kinds = {c: ColumnKind.NUMERICAL for c in names if c != "empty"}
    kinds["empty"] = ColumnKind.BOOLEAN
    frames = [
        joined(found.reference_features, ref_table),
        joined(found.current_features, cur_table),
    ]
    report = compare(
        frames[0],
        frames[1],
        _schema(kinds, frames, base_folder(reference)),
        alpha=alpha,
        seed=seed,
        correction=FEATURE_CORRECTION,
        reference_name=ref_table.name,
        current_name=cur_table.name,
    )
    section = InputsSection(
        modality="text",
        column=column,
        reference=InputFiles(ref_table.name, len(ref_table.frame), len(ref_table.frame)),
        current=InputFiles(cur_table.name, len(cur_table.frame), len(cur_table.frame)),
        features=tuple(names),
        embedding=found.embeddings,
        embedding_source=found.embedding_method if found.embeddings is not None else None,
        terms=found.terms,
        notes=found.notes,
    )
    return dataclasses.replace(
        report, inputs=section, extra_warnings=(*report.extra_warnings, *found.notes)
    )


def _targets(
    side: _Side,
    column: str,
    task: str,
    allow_roots: Sequence[Path | str] | None,
    rows: Sequence[int],
) -> tuple[list[Any], tuple[FileProblem, ...]]:
    """Ground truth for ``rows``: class labels as they are (as strings), or masks read through
    the one mask loader, resolved and gated like the inputs. A mask that is outside the allowed
    roots, missing or unreadable leaves its input unlabelled (None), with a problem naming it."""
    values = side.table.frame[column]
    if task != "segmentation":
        return [None if pd.isna(values.iloc[r]) else str(values.iloc[r]) for r in rows], ()
    found = read_masks([values.iloc[r] for r in rows], rows, column, side.base, allow_roots)
    return list(found.masks), found.problems


def _fit_masks(predicted: Sequence[Any], true: Sequence[Any]) -> list[Any]:
    """Predicted masks resized (nearest neighbour) to their ground-truth mask's size, which
    differs whenever the model's input size is not the images' size."""
    from PIL import Image

    fitted = []
    for pred, mask in zip(predicted, true, strict=True):
        if mask is None or pred.shape == mask.shape:
            fitted.append(pred)
            continue
        image = Image.fromarray(np.asarray(pred, dtype=np.int32))
        resized = image.resize((mask.shape[1], mask.shape[0]), Image.Resampling.NEAREST)
        fitted.append(np.asarray(resized, dtype=np.int64))
    return fitted


#: Columns an image model run adds; a table column of the same name is kept as meta_<name>.
_MODEL_COLUMNS = ("prediction", "confidence", "prediction_entropy", "target")
_MODEL_PREFIXES = ("proba_", "coverage_")


def _truth_notes(
    task: str, frames: Sequence[pd.DataFrame], names: Sequence[str], truth: str
) -> list[str]:
    """Ground truth the model cannot predict: labels that are not its classes, mask values
    that are not class indices."""
    notes = []
    for side, frame in zip(("reference", "current"), frames, strict=True):
        if "target" not in frame.columns:
            continue
        known = frame["target"].dropna()
        if task == "classification":
            unknown = sorted(set(known) - set(names))
            if unknown:
                shown = ", ".join(map(repr, unknown[:5]))
                notes.append(
                    f"{side}: {truth!r} holds labels that are not among the model's classes "
                    f"({shown}); the classes, in the model's output order, are "
                    f"{', '.join(names)} (set them with --classes)."
                )
        else:
            values = (
                set(np.unique(np.concatenate([np.unique(m) for m in known])))
                if len(known)
                else set()
            )
            unknown = sorted(v for v in values if not 0 <= v < len(names))
            if unknown:
                notes.append(
                    f"{side}: masks in {truth!r} hold values {unknown[:5]} that are not class "
                    f"indices of the model (0 to {len(names) - 1}); masks saved as 0/255 need "
                    "0/1."
                )
    return notes


def monitor_images(
    reference: Any,
    current: Any,
    model: Any,
    *,
    task: str = "classification",
    column: str = "inputs",
    labels_column: str | None = None,
    classes: Sequence[str] | None = None,
    allow_roots: Sequence[Path | str] | None = None,
    workers: int = 1,
    model_output: str | None = None,
    input_size: tuple[int, int] | None = None,
    batch_size: int = 32,
    n_examples: int = 6,
    n_components: int = 10,
    n_resamples: int = 1000,
    seed: int = 0,
    reference_name: str | None = None,
    current_name: str | None = None,
) -> Report:
    """Run an image ``model`` on both sets and compare what it says, and how well it does.

    ``task`` is ``classification`` (the model returns class scores per image) or
    ``segmentation`` (per-pixel class scores, shape (classes, height, width)). The report
    compares the predicted class distribution, confidence and entropy (and, for segmentation,
    the share of pixels given to each class) between the sets, beside the image features; where
    the tables have ground truth (``labels_column``, default ``labels`` for classification and
    ``masks`` for segmentation: class labels, or paths to masks as PNG or ``.npy``), it measures
    accuracy or mean IoU and Dice on both sides with confidence intervals, and ends with the
    retrain verdict (`driftscope.monitor`).
    """
    from driftscope.modalities.image_model import classification_table, segmentation_table
    from driftscope.modalities.images import extract_image_features, image_feature_kinds
    from driftscope.models import load_model
    from driftscope.workflows.monitor import monitor

    if task not in ("classification", "segmentation"):
        raise SchemaError(f"task must be 'classification' or 'segmentation'; got {task!r}.")
    loaded = load_model(model, output=model_output)
    truth = labels_column or ("masks" if task == "segmentation" else "labels")
    kinds = image_feature_kinds()
    frames: list[pd.DataFrame] = []
    sides: list[_Side] = []
    model_problems: list[tuple[FileProblem, ...]] = []
    embeddings: list[np.ndarray] = []
    class_names: list[str] = []
    for source, name in ((reference, reference_name), (current, current_name)):
        side = _side(source, name, column, allow_roots, extract_image_features, workers)
        if labels_column is not None and labels_column not in side.table.frame.columns:
            raise SchemaError(
                f"{side.table.name!r} has no ground-truth column {labels_column!r} "
                "(--labels-column)."
            )
        outputs, failed = _run_model(loaded, side, input_size, batch_size)
        if not outputs.rows:
            raise EmptyDataError(
                f"The model failed on every image of {side.table.name!r}: {failed[0].detail}"
            )
        table = (
            classification_table(outputs, classes)
            if task == "classification"
            else segmentation_table(outputs, classes)
        ).set_index("row")
        class_names = [
            c.removeprefix("proba_").removeprefix("coverage_")
            for c in table.columns
            if c.startswith(_MODEL_PREFIXES)
        ]
        features = side.features.loc[list(outputs.rows)]
        frame = side.table.frame
        reserved = [
            *kinds,
            *_MODEL_COLUMNS,
            *(c for c in frame.columns if str(c).startswith(_MODEL_PREFIXES)),
        ]
        meta = _metadata(frame, [column, truth], reserved)
        parts = [
            features.reset_index(drop=True),
            table.reset_index(drop=True),
            meta.iloc[list(outputs.rows)].reset_index(drop=True),
        ]
        joined = pd.concat(parts, axis=1)
        mask_problems: tuple[FileProblem, ...] = ()
        if truth in frame.columns:
            target, mask_problems = _targets(side, truth, task, allow_roots, outputs.rows)
            if task == "segmentation":
                joined["prediction"] = _fit_masks(list(joined["prediction"]), target)
            joined["target"] = pd.Series(target, dtype=object)
        frames.append(joined)
        sides.append(side)
        model_problems.append((*failed, *mask_problems))
        embeddings.append(np.stack([np.ravel(o) for o in outputs.outputs]))
    has_target = all("target" in f.columns for f in frames)
    if not has_target:
        frames = [f.drop(columns=["target"], errors="ignore") for f in frames]
    notes: list[str] = _truth_notes(task, frames, class_names, truth) if has_target else []
    if task == "classification" and has_target and classes is None and notes:
        raise SchemaError(
            f"The labels in {truth!r} are not the model's class indices "
            f"0 to {len(class_names) - 1}; give the class names in the model's output order "
            "with --classes (classes= in Python). " + notes[0]
        )
    report = monitor(
        frames[0],
        frames[1],
        _schema(kinds, frames, sides[0].base, _MODEL_COLUMNS),
        target="target" if has_target else None,
        prediction="prediction",
        proba_prefix="proba_" if task == "classification" else None,
        task=task,
        n_resamples=n_resamples,
        seed=seed,
        correction=FEATURE_CORRECTION,
        reference_name=sides[0].table.name,
        current_name=sides[1].table.name,
    )
    if not has_target:
        notes.append(
            f"No {truth!r} column with ground truth in both tables: performance is not measured, "
            "only what the model says."
        )
    embedding = None
    if min(len(e) for e in embeddings) >= MIN_ROWS and task == "classification":
        embedding = _embedding_or_note(
            embeddings[0], embeddings[1], n_components, seed, 0.05, notes
        )
    ref_side, cur_side = sides

    from driftscope.modalities.images import thumbnail_data_uri

    section = InputsSection(
        modality="image",
        column=column,
        reference=_files(ref_side, model_problems[0]),
        current=_files(cur_side, model_problems[1]),
        features=tuple(kinds),
        embedding=embedding,
        embedding_source=f"{loaded.kind} model {loaded.name} outputs" if embedding else None,
        examples={
            "reference": _examples(ref_side, n_examples, thumbnail_data_uri),
            "current": _examples(cur_side, n_examples, thumbnail_data_uri),
        },
        notes=tuple(notes),
    )
    report = _with_input_quality(report, section)
    return dataclasses.replace(
        report, inputs=section, extra_warnings=(*report.extra_warnings, *_warnings(section))
    )


def _shown(source: Any) -> str | None:
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
    frames: list[pd.DataFrame] = []
    sides: list[_Side | None] = []
    kinds = audio_feature_kinds()
    tables = [
        read_table(source, name=name)
        for source, name in ((reference, reference_name), (current, current_name))
    ]
    having = [column in t.frame.columns for t in tables]
    if any(having) and not all(having):
        lacking = tables[having.index(False)].name
        raise SchemaError(
            f"{lacking!r} has no audio column {column!r} while the other table has one; give "
            "both tables the audio paths, or neither (then only the transcripts are compared)."
        )
    for (source, name), table in zip(
        ((reference, reference_name), (current, current_name)), tables, strict=True
    ):
        for needed in (reference_text, hypothesis_text):
            if needed not in table.frame.columns:
                raise SchemaError(
                    f"{table.name!r} has no column {needed!r}; its columns are "
                    f"{', '.join(map(repr, table.frame.columns[:20]))}."
                )
        frame = table.frame.rename(columns={column: f"{column}_path"})
        if column in table.frame.columns:
            side = _side(source, name, column, allow_roots, extract_audio_features, workers)
            features = side.features.reindex(range(len(table.frame)))
            meta = _metadata(frame, [], list(kinds))
            frame = pd.concat([features.reset_index(drop=True), meta], axis=1)
            sides.append(side)
        else:
            sides.append(None)
        frames.append(frame.drop(columns=[f"{column}_path"], errors="ignore"))
    report = monitor(
        frames[0],
        frames[1],
        _schema(
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
        reference_name=reference_name
        or (str(reference) if isinstance(reference, str | Path) else None),
        current_name=current_name or (str(current) if isinstance(current, str | Path) else None),
    )
    ref_side, cur_side = sides
    if ref_side is None or cur_side is None:
        return report
    embeddings = [_mfcc_embedding(side) for side in (ref_side, cur_side)]
    embedding = None
    notes: tuple[str, ...] = ()
    if min(len(e) for e in embeddings) >= MIN_ROWS:
        found: list[str] = []
        embedding = _embedding_or_note(
            embeddings[0], embeddings[1], n_components, seed, 0.05, found
        )
        notes = tuple(found)
    else:
        notes = (f"Audio embedding drift needs at least {MIN_ROWS} readable files per side.",)
    section = InputsSection(
        modality="audio",
        column=column,
        reference=_files(ref_side),
        current=_files(cur_side),
        features=tuple(kinds),
        embedding=embedding,
        embedding_source="MFCC means and standard deviations" if embedding else None,
        examples={
            "reference": _examples(ref_side, n_examples, None),
            "current": _examples(cur_side, n_examples, None),
        },
        notes=notes,
    )
    report = _with_input_quality(report, section)
    return dataclasses.replace(
        report, inputs=section, extra_warnings=(*report.extra_warnings, *_warnings(section))
    )
