"""Images: drift of two sets of images (`compare_images`), and an image model's predictions and
performance on them (`monitor_images`), through the shared file plumbing (`workflows._files`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from driftscope._validate import check_int
from driftscope.analyses.explanation import ExplanationsSection
from driftscope.analyses.image_explanation import ImageExplainSettings, ImageExplanation
from driftscope.data.paths import FileProblem
from driftscope.exceptions import EmptyDataError, SchemaError
from driftscope.modalities.masks import read_masks
from driftscope.report import Report
from driftscope.workflows._files import (
    FEATURE_CORRECTION,
    Side,
    embedding_or_note,
    file_drift,
    file_schema,
    inputs_section,
    metadata,
    read_side,
    with_inputs,
)

__all__ = ["compare_images", "monitor_images"]

#: Columns an image model run adds; a table column of the same name is kept as meta_<name>.
_MODEL_COLUMNS = ("prediction", "confidence", "prediction_entropy", "target")
_MODEL_PREFIXES = ("proba_", "coverage_")


def _run_model(
    loaded: Any, side: Side, size: tuple[int, int] | None, batch_size: int
) -> tuple[Any, tuple[FileProblem, ...]]:
    """An image model's outputs on a side's readable images (`ModelOutputs`), and the images
    it failed on, with their paths as the table wrote them."""
    from driftscope.modalities.image_model import run_image_model

    rows, paths = side.read()
    outputs = run_image_model(loaded, paths, rows, size=size, batch_size=batch_size)
    return outputs, tuple(side.as_written(p) for p in outputs.problems)


def _flat(outputs: Any) -> np.ndarray:
    """A model's outputs, one flattened row per input."""
    return np.stack([np.ravel(o) for o in outputs.outputs])


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

        def embed(side: Side) -> tuple[np.ndarray, tuple[FileProblem, ...]]:
            outputs, problems = _run_model(loaded, side, input_size, batch_size=32)
            if not outputs.outputs:
                return np.zeros((0, 1)), problems
            return _flat(outputs), problems

    return file_drift(
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


def _targets(
    side: Side,
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
    explain: int = 0,
    explain_settings: ImageExplainSettings | None = None,
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

    With ``explain`` > 0, a classifier is explained (`driftscope.explain_images`, bounded by
    ``explain_settings``, whose ``max_images`` ``explain`` replaces) on that many current and
    that many reference images: the misclassified first, then the least confident, where the
    tables have labels; else a seeded sample. The result is the report's ``explanations``
    section, overlays included; a failure to explain is the section's ``error``, and the rest
    of the report stands. Segmentation models are not explained.
    """
    from driftscope.modalities.image_model import classification_table, segmentation_table
    from driftscope.modalities.images import (
        extract_image_features,
        image_feature_kinds,
        thumbnail_data_uri,
    )
    from driftscope.models import load_model
    from driftscope.workflows.monitor import monitor

    check_int("monitor_images", "explain", explain, low=0)
    if task not in ("classification", "segmentation"):
        raise SchemaError(f"task must be 'classification' or 'segmentation'; got {task!r}.")
    loaded = load_model(model, output=model_output)
    truth = labels_column or ("masks" if task == "segmentation" else "labels")
    kinds = image_feature_kinds()
    frames: list[pd.DataFrame] = []
    sides: list[Side] = []
    model_problems: list[tuple[FileProblem, ...]] = []
    embeddings: list[np.ndarray] = []
    ran: list[list[int]] = []
    class_names: list[str] = []
    for source, name in ((reference, reference_name), (current, current_name)):
        side = read_side(source, name, column, allow_roots, extract_image_features, workers)
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
        meta = metadata(frame, [column, truth], reserved)
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
        embeddings.append(_flat(outputs))
        ran.append([int(r) for r in outputs.rows])
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
        file_schema(kinds, frames, sides[0].base, _MODEL_COLUMNS),
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
    if task == "classification":
        embedding = embedding_or_note(embeddings, n_components, seed, 0.05, notes)
    section = inputs_section(
        "image",
        sides,
        list(kinds),
        embedding=embedding,
        embedding_source=f"{loaded.kind} model {loaded.name} outputs",
        notes=notes,
        n_examples=n_examples,
        preview=thumbnail_data_uri,
        failed=model_problems,
    )
    report = with_inputs(report, section)
    if explain == 0:
        return report
    if task != "classification":
        explained = ExplanationsSection(
            None,
            f"{task} models are not explained: image explanations attribute one score per class "
            "and image, a segmentation model gives one per pixel.",
        )
    else:
        settings = dataclasses.replace(
            explain_settings or ImageExplainSettings(max_evals=200), max_images=explain
        )
        explained = _explanations(loaded, sides, frames, ran, class_names, input_size, settings)
    warnings = () if explained.error is None else (f"explanations: {explained.error}",)
    return dataclasses.replace(
        report,
        explanations=explained,
        extra_warnings=(*report.extra_warnings, *warnings),
    )


def _worst(frame: pd.DataFrame, n: int, seed: int) -> list[int]:
    """Positions of the ``n`` images to explain: the misclassified first, then the least
    confident, where labels are known; else a seeded sample, in input order."""
    if len(frame) <= n:
        return list(range(len(frame)))
    if "target" not in frame.columns:
        return [int(i) for i in np.sort(np.random.default_rng(seed).choice(len(frame), n, False))]
    wrong = (frame["prediction"].astype(str) != frame["target"].astype(str)).to_numpy()
    labelled = frame["target"].notna().to_numpy()
    confidence = frame["confidence"].to_numpy(dtype=np.float64)
    # Wrong and labelled first, then by rising confidence; a stable sort keeps input order.
    order = np.lexsort((confidence, ~(wrong & labelled)))
    return [int(i) for i in order[:n]]


def _explanations(
    loaded: Any,
    sides: Sequence[Side],
    frames: Sequence[pd.DataFrame],
    ran: Sequence[Sequence[int]],
    class_names: Sequence[str],
    input_size: tuple[int, int] | None,
    settings: ImageExplainSettings,
) -> ExplanationsSection:
    """`explain_images` on the worst current and reference images (``ran``: the table row of
    each row of a side's frame); its error is the section's."""
    from driftscope.analyses.image_explanation import explain_images
    from driftscope.exceptions import DriftscopeError

    files: list[list[Path]] = []
    written: dict[str, str] = {}
    for side, frame, rows in zip(sides, frames, ran, strict=True):
        by_row = dict(zip(side.resolved.rows, side.resolved.paths, strict=True))
        picked = [rows[i] for i in _worst(frame, settings.max_images, settings.seed)]
        files.append([by_row[r] for r in picked])
        for r in picked:
            written[str(by_row[r])] = str(side.table.frame[side.column].iloc[r])
    try:
        result = explain_images(
            loaded,
            files[1],
            reference=files[0],
            class_names=list(class_names),
            input_size=input_size,
            settings=settings,
        )
    except DriftscopeError as exc:
        return ExplanationsSection(None, str(exc))
    totals = [len(rows) for rows in ran]
    return ExplanationsSection(None, images=_as_written(result, written, totals[1], totals[0]))


def _as_written(
    result: ImageExplanation, written: Mapping[str, str], total: int, reference_total: int
) -> ImageExplanation:
    """The result with each image and problem named by its path as its table wrote it, and
    its bounds counting the images they were chosen from (``total``, ``reference_total``)."""
    reference = (
        None
        if result.reference is None
        else _as_written(result.reference, written, reference_total, 0)
    )
    return dataclasses.replace(
        result,
        bounds=dataclasses.replace(result.bounds, images_total=total),
        images=tuple(
            dataclasses.replace(i, source=written.get(i.source, i.source)) for i in result.images
        ),
        problems=tuple(
            dataclasses.replace(p, path=written.get(p.path, p.path)) for p in result.problems
        ),
        reference=reference,
    )
