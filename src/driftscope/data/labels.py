"""Labels that arrive after the predictions: joined to the current rows by id."""

from __future__ import annotations

import pandas as pd

from driftscope.exceptions import SchemaError

__all__ = ["join_labels"]


def join_labels(
    current: pd.DataFrame, labels: pd.DataFrame, id_column: str | None, target: str | None
) -> tuple[pd.DataFrame, list[str], str]:
    """Attach labels that arrived later (a table of id and target) to current rows by id."""
    if id_column is None:
        raise SchemaError("Joining late labels needs the id column: pass id= (--id).")
    if target is None:
        others = [c for c in labels.columns if c != id_column]
        if len(others) != 1:
            raise SchemaError(
                "The labels table must hold the id column and one target column, or name the "
                "target with target= (--target). Got columns "
                f"{', '.join(map(repr, labels.columns))}."
            )
        target = str(others[0])
    for frame, side in ((current, "current data"), (labels, "labels")):
        if id_column not in frame.columns:
            raise SchemaError(f"The id column {id_column!r} is not in the {side}.")
    if target not in labels.columns:
        raise SchemaError(f"The target column {target!r} is not in the labels.")
    dupes = int(labels[id_column].duplicated().sum())
    if dupes:
        raise SchemaError(
            f"The labels hold {dupes} duplicated id(s) in {id_column!r}; expected one label per id."
        )
    base = current.drop(columns=[target]) if target in current.columns else current
    joined = base.merge(labels[[id_column, target]], on=id_column, how="left", validate="m:1")
    matched = int(joined[target].notna().sum())
    warnings = [
        f"Labels joined on {id_column!r}: {matched:,} of {len(current):,} current rows have one."
    ]
    return joined, warnings, target
