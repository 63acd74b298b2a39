"""`explain_tables`: `driftscope.explain` on tables given as files or frames (the CLI's
`driftscope explain`): read, explain, return the `Explanation`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from driftscope.analyses.explanation import ExplainSettings, Explanation, explain
from driftscope.data.io import read_table

__all__ = ["explain_tables"]


def explain_tables(
    reference: Any,
    current: Any = None,
    *,
    model: Any,
    target: str | None = None,
    features: Sequence[str] | None = None,
    class_names: Sequence[str] | None = None,
    allow_pickle: bool = False,
    settings: ExplainSettings | None = None,
    encoding: str = "utf-8",
    delimiter: str | None = None,
) -> Explanation:
    """Read ``reference`` (and ``current``: CSV, Parquet, JSON Lines or a DataFrame) and explain
    ``model`` on them; see `driftscope.explain` for the model and the settings."""
    ref = read_table(reference, encoding=encoding, delimiter=delimiter).frame
    cur = (
        None
        if current is None
        else read_table(current, encoding=encoding, delimiter=delimiter).frame
    )
    return explain(
        model,
        ref,
        cur,
        target=target,
        features=features,
        class_names=class_names,
        allow_pickle=allow_pickle,
        settings=settings or ExplainSettings(),
    )
