"""Text: drift of a text column of two tables (`compare_text`): per-text features through the
drift core, term drift and embedding drift from `analyses.text`, and a text classifier's word
attributions on that column (`explain_text_tables`, the CLI's `driftscope text explain`)."""

from __future__ import annotations

import dataclasses
from typing import Any

from driftscope.analyses.explanation import text_explanations_section
from driftscope.analyses.inputs import InputFiles, InputsSection
from driftscope.analyses.text_explanation import (
    TextExplainSettings,
    TextExplanation,
    explain_text_column,
)
from driftscope.data.io import read_table
from driftscope.data.paths import base_folder
from driftscope.data.schema import ColumnKind
from driftscope.report import Report
from driftscope.workflows._files import (
    FEATURE_CORRECTION,
    file_schema,
    metadata,
    require_column,
    require_rows,
    with_inputs,
    with_metadata,
)
from driftscope.workflows.compare import compare

__all__ = ["compare_text", "explain_text_tables"]


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
    model: Any = None,
    explain_settings: TextExplainSettings | None = None,
    allow_pickle: bool = False,
) -> Report:
    """Compare a text ``column`` of two tables: per-text features (lengths, out-of-vocabulary
    rate, character shares; docs/text.md) tested by the drift core beside the tables' other
    columns, the terms whose frequency changed most with a test on term counts, and embedding
    drift (TF-IDF + SVD by default, all-MiniLM-L6-v2 with ``embedding_method="minilm"`` and the
    ``[text]`` extra).

    ``model`` (a text classifier: a scikit-learn pipeline with ``predict_proba`` on raw texts,
    a ``.skops`` file of one, a pickle only with ``allow_pickle``, or a callable; see
    `driftscope.explain_text`) adds an explanations section: each word's importance on both
    sides and its change, bounded by ``explain_settings`` (default `TextExplainSettings()`:
    LIME, 200 texts a side). A model that cannot be explained leaves the section with its
    reason (and a warning) and the rest of the report as it is."""
    from driftscope.analyses.text import text_drift
    from driftscope.modalities.text import FEATURE_COLUMNS

    tables = [
        read_table(source, name=name)
        for source, name in ((reference, reference_name), (current, current_name))
    ]
    for table in tables:
        require_column(table, column, "text column {}")
        require_rows(table)
    found = text_drift(
        tables[0].frame[column],
        tables[1].frame[column],
        embedding_method=embedding_method,
        pca_components=n_components,
        top=top_terms,
        alpha=alpha,
        seed=seed,
    )
    names = list(FEATURE_COLUMNS)
    kinds = {c: ColumnKind.NUMERICAL for c in names if c != "empty"}
    kinds["empty"] = ColumnKind.BOOLEAN
    frames = [
        with_metadata(features, metadata(table.frame, [column], names))
        for features, table in zip(
            (found.reference_features, found.current_features), tables, strict=True
        )
    ]
    report = compare(
        frames[0],
        frames[1],
        file_schema(kinds, frames, base_folder(reference)),
        alpha=alpha,
        seed=seed,
        correction=FEATURE_CORRECTION,
        reference_name=tables[0].name,
        current_name=tables[1].name,
    )
    section = InputsSection(
        modality="text",
        column=column,
        reference=InputFiles(tables[0].name, len(tables[0].frame), len(tables[0].frame)),
        current=InputFiles(tables[1].name, len(tables[1].frame), len(tables[1].frame)),
        features=tuple(names),
        embedding=found.embeddings,
        embedding_source=found.embedding_method if found.embeddings is not None else None,
        terms=found.terms,
        notes=found.notes,
    )
    report = with_inputs(report, section)
    if model is None:
        return report
    explained = text_explanations_section(
        model,
        tables[1].frame[column],
        tables[0].frame[column],
        column=column,
        settings=explain_settings or TextExplainSettings(seed=seed),
        allow_pickle=allow_pickle,
    )
    notes = () if explained.error is None else (f"explanations: {explained.error}",)
    return dataclasses.replace(
        report,
        explanations=explained,
        extra_warnings=(*report.extra_warnings, *notes),
    )


def explain_text_tables(
    current: Any,
    reference: Any = None,
    *,
    model: Any,
    column: str,
    explained_class: str | int | None = None,
    settings: TextExplainSettings | None = None,
    allow_pickle: bool = False,
    encoding: str = "utf-8",
    delimiter: str | None = None,
) -> TextExplanation:
    """Read ``current`` (and ``reference``: CSV, Parquet, JSON Lines or a DataFrame) and explain
    the text classifier ``model`` on their text ``column`` (`driftscope.explain_text`; missing
    texts are left out with a warning, each text's ``index`` is its row in its table)."""
    tables = [
        read_table(source, encoding=encoding, delimiter=delimiter)
        for source in (current, reference)
        if source is not None
    ]
    for table in tables:
        require_column(table, column, "text column {}")
    return explain_text_column(
        model,
        tables[0].frame[column],
        None if reference is None else tables[1].frame[column],
        column=column,
        explained_class=explained_class,
        settings=settings,
        allow_pickle=allow_pickle,
    )
