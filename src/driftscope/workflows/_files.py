"""The plumbing the file workflows share (images, audio, text, speech recognition), written once.

A table lists one input per row in a ``column`` of paths (absolute, or relative to the table's
folder). Reading a side resolves the paths through the one gate (`data.paths`), extracts
per-input features, and keeps what could not be read as problems, by row, with the path as the
table wrote it. The features, with the table's other columns beside them, go to the drift core
(`compare`) or the monitor (`monitor`) like any table; `inputs_section` then says what was read,
what was not, and what the embeddings say, and `with_inputs` puts it in the report.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from driftscope._shorten import printable
from driftscope.analyses.embeddings import EmbeddingDrift, embedding_drift
from driftscope.analyses.inputs import Example, InputFiles, InputsSection, with_unusable_inputs
from driftscope.data.io import Table, read_table
from driftscope.data.paths import (
    FileProblem,
    ResolvedPaths,
    base_folder,
    holds_paths,
    resolve_paths,
)
from driftscope.data.schema import ColumnKind, ColumnRole, ColumnSpec, Schema
from driftscope.exceptions import EmptyDataError, SchemaError
from driftscope.report import Report
from driftscope.workflows.compare import compare

Extractor = Callable[..., tuple[pd.DataFrame, list[FileProblem]]]
#: Dozens of correlated features per input (44 for an image): a column is drifted when its
#: Benjamini-Hochberg-adjusted p-value passes, so that a stable set of files does not raise
#: "investigate" from one of many columns by chance.
FEATURE_CORRECTION = "bh"
#: Why a column of paths beside the inputs is listed but not drift-tested.
PATH_COLUMN_NOTE = "file paths, one per input: excluded from drift"


@dataclasses.dataclass(frozen=True)
class Side:
    """One table of inputs, read: the table, its paths resolved, the features of the inputs that
    could be read (indexed by table row) and the problems of the others."""

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

    def as_written(self, problem: FileProblem) -> FileProblem:
        """A problem with the path as the table wrote it."""
        return dataclasses.replace(
            problem, path=str(self.table.frame[self.column].iloc[problem.row])
        )


#: Embeddings of a side's readable inputs, and the inputs the embedding model failed on.
Embedder = Callable[[Side], tuple[np.ndarray, tuple[FileProblem, ...]]]


def require_column(table: Table, column: str, what: str = "column {}") -> None:
    """Fail, naming the table and its columns, when it has no ``column``; ``what`` describes
    it in the message, ``{}`` standing for its quoted name."""
    if column not in table.frame.columns:
        raise SchemaError(
            f"{table.name!r} has no {what.format(repr(column))}; its columns are "
            f"{', '.join(map(repr, table.frame.columns[:20]))}."
        )


def require_rows(table: Table) -> None:
    if len(table.frame) == 0:
        raise EmptyDataError(f"{table.name!r} has 0 rows: there is nothing to compare.")


def read_side(
    source: Any,
    name: str | None,
    column: str,
    allow_roots: Sequence[Path | str] | None,
    extract: Extractor,
    workers: int,
) -> Side:
    """Read one table of inputs (`side_of`)."""
    return side_of(
        read_table(source, name=name), base_folder(source), column, allow_roots, extract, workers
    )


def side_of(
    table: Table,
    base: Path,
    column: str,
    allow_roots: Sequence[Path | str] | None,
    extract: Extractor,
    workers: int,
) -> Side:
    """The inputs of a table whose ``column`` lists them: only files under ``allow_roots``
    (default: ``base``, the table's folder, and below) are opened. Fails when the table is empty
    or no file of it could be read."""
    require_column(table, column, "column {} of file paths")
    require_rows(table)
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
    return Side(table, column, base, resolved, features, all_problems)


def file_schema(
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


def metadata(
    frame: pd.DataFrame, drop: Sequence[str], feature_names: Sequence[str]
) -> pd.DataFrame:
    """The table's other columns, kept beside the features: a column whose name a feature
    already has is renamed ``meta_<name>``."""
    meta = frame.drop(columns=[c for c in drop if c in frame.columns])
    return meta.rename(columns={c: f"meta_{c}" for c in meta.columns if c in feature_names})


def with_metadata(features: pd.DataFrame, meta: pd.DataFrame) -> pd.DataFrame:
    """``features`` with the metadata rows of the same inputs beside them, side by side."""
    return pd.concat([features.reset_index(drop=True), meta.reset_index(drop=True)], axis=1)


def side_frame(side: Side, feature_names: Sequence[str]) -> pd.DataFrame:
    """The features of a side's readable inputs, with the table's other columns beside them."""
    meta = metadata(side.table.frame, [side.column], feature_names)
    return with_metadata(side.features, meta.iloc[side.features.index.to_numpy()])


def embedding_or_note(
    embeddings: Sequence[np.ndarray],
    n_components: int,
    seed: int,
    alpha: float,
    notes: list[str],
) -> EmbeddingDrift | None:
    """Embedding drift of the reference's and the current's embeddings, or None with a note
    saying why it could not run (too few rows: `embedding_drift` says how many it needs)."""
    reference, current = embeddings
    try:
        return embedding_drift(
            reference, current, n_components=n_components, seed=seed, alpha=alpha
        )
    except EmptyDataError as exc:
        notes.append(f"Embedding drift was not run: {exc}")
        return None


def _files(side: Side, model_problems: Sequence[FileProblem]) -> InputFiles:
    """A side's inputs: those read, and the problems of the others (with those the model
    failed on, which were read but could not be embedded or predicted)."""
    problems = tuple(sorted((*side.problems, *model_problems), key=lambda p: p.row))
    n_failed_model = sum(p.problem == "model failed" for p in model_problems)
    return InputFiles(
        side.table.name, len(side.table.frame), len(side.features) - n_failed_model, problems
    )


def _examples(side: Side, n: int, preview: Callable[[Path], str] | None) -> tuple[Example, ...]:
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


def inputs_section(
    modality: str,
    sides: Sequence[Side],
    features: Sequence[str],
    *,
    embedding: EmbeddingDrift | None,
    embedding_source: str | None,
    notes: Sequence[str],
    n_examples: int,
    preview: Callable[[Path], str] | None = None,
    failed: Sequence[Sequence[FileProblem]] = ((), ()),
) -> InputsSection:
    """The report's ``inputs`` section of a run over files: what each side read and could not
    (``failed``: the inputs the model failed on), the embedding drift, and example inputs."""
    reference, current = sides
    return InputsSection(
        modality=modality,
        column=reference.column,
        reference=_files(reference, failed[0]),
        current=_files(current, failed[1]),
        features=tuple(features),
        embedding=embedding,
        embedding_source=embedding_source if embedding is not None else None,
        examples={
            "reference": _examples(reference, n_examples, preview),
            "current": _examples(current, n_examples, preview),
        },
        notes=tuple(notes),
    )


def with_inputs(report: Report, section: InputsSection) -> Report:
    """The report with its ``inputs`` section, a warning per side whose inputs could not all be
    used, and the section's notes as warnings. In a monitoring report the unusable inputs are
    also a data-quality check, which can be a reason for the verdict."""
    warnings = [
        f"{label} {files.table!r}: {files.summary()}; see the inputs section."
        for label, files in (("reference", section.reference), ("current", section.current))
        if files.n_failed
    ]
    if report.quality is not None and report.verdict is not None:
        quality, verdict = with_unusable_inputs(report.quality, report.verdict, section)
        report = dataclasses.replace(report, quality=quality, verdict=verdict)
    return dataclasses.replace(
        report,
        inputs=section,
        extra_warnings=(*report.extra_warnings, *warnings, *section.notes),
    )


def file_drift(
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
    """Drift between two tables of files: the per-input features (and the tables' other
    columns) through `compare`, and the embeddings from ``embed`` when it is given."""
    sides = [
        read_side(source, name, column, allow_roots, extract, workers)
        for source, name in ((reference, reference_name), (current, current_name))
    ]
    names = list(kinds)
    frames = [side_frame(side, names) for side in sides]
    report = compare(
        frames[0],
        frames[1],
        file_schema(kinds, frames, sides[0].base),
        alpha=alpha,
        seed=seed,
        correction=FEATURE_CORRECTION,
        reference_name=sides[0].table.name,
        current_name=sides[1].table.name,
    )
    notes: list[str] = []
    embedding = None
    failed: list[tuple[FileProblem, ...]] = [(), ()]
    if embed is not None:
        embedded = [embed(side) for side in sides]
        failed = [problems for _, problems in embedded]
        for side, (emb, problems) in zip(sides, embedded, strict=True):
            if len(emb) == 0 and problems:
                raise EmptyDataError(
                    f"The model failed on every input of {side.table.name!r}: {problems[0].detail}"
                )
        embeddings = [emb for emb, _ in embedded]
        embedding = embedding_or_note(embeddings, n_components, seed, alpha, notes)
    section = inputs_section(
        modality,
        sides,
        names,
        embedding=embedding,
        embedding_source=embedding_source,
        notes=notes,
        n_examples=n_examples,
        preview=preview,
        failed=failed,
    )
    return with_inputs(report, section)
