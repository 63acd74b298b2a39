"""Infer each column's kind and role from the data, keeping whatever the user set."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from driftscope.data.schema import ColumnKind, ColumnRole, ColumnSpec, Schema
from driftscope.exceptions import SchemaError

__all__ = ["infer_schema"]

# Inference reads at most this many non-missing values per column: enough to tell kinds apart,
# cheap at a million rows.
_SAMPLE = 10_000
_ROLE_NAMES = {
    "target": ColumnRole.TARGET,
    "label": ColumnRole.TARGET,
    "prediction": ColumnRole.PREDICTION,
    "timestamp": ColumnRole.TIMESTAMP,
}
_BOOLEAN_WORDS = {
    frozenset({"true", "false"}),
    frozenset({"yes", "no"}),
    frozenset({"y", "n"}),
    frozenset({"t", "f"}),
}
_TEXT_MIN_MEAN_LENGTH = 30
_TEXT_MIN_MEAN_WORDS = 4
_PARSE_SHARE = 0.95


def _sample(series: pd.Series) -> pd.Series:
    """Up to `_SAMPLE` non-missing values spread evenly over the column, without copying it."""
    values = series
    if len(series) > 4 * _SAMPLE:
        positions = np.linspace(0, len(series) - 1, 4 * _SAMPLE).astype(np.int64)
        values = series.iloc[positions]
    values = values.dropna()
    if len(values) < 100 < len(series):
        # A mostly-missing column: look at every row rather than guess from a handful.
        values = series.dropna()
    if len(values) > _SAMPLE:
        values = values.iloc[np.linspace(0, len(values) - 1, _SAMPLE).astype(np.int64)]
    return values


def _looks_like_id(name: str, sample: pd.Series, n_unique: int) -> bool:
    lowered = name.lower()
    named = lowered == "id" or lowered.endswith(("_id", "-id", " id", "uuid")) or lowered == "key"
    return bool(len(sample) >= 20 and n_unique == len(sample) and named)


def _parse_share_numbers(values: pd.Series) -> float:
    parsed = pd.to_numeric(values, errors="coerce")
    return float(parsed.notna().mean()) if len(values) else 0.0


def _parse_share_dates(values: pd.Series) -> float:
    # utc=True: strings with different UTC offsets are dates too (pandas refuses the mix).
    parsed = pd.to_datetime(values, errors="coerce", format="mixed", utc=True)
    return float(parsed.notna().mean()) if len(values) else 0.0


def _infer_object_kind(name: str, sample: pd.Series) -> tuple[ColumnKind, str | None]:
    """Kind of a column holding strings or mixed Python objects."""
    as_text = sample.astype(str)
    n_unique = as_text.nunique()
    if n_unique == 1:
        return ColumnKind.CONSTANT, "one distinct value"
    if n_unique == 2 and frozenset(as_text.str.strip().str.lower().unique()) in _BOOLEAN_WORDS:
        return ColumnKind.BOOLEAN, None
    # Parsing is slow per value: a handful decides whether the whole sample is worth trying.
    few = sample.iloc[:: max(1, len(sample) // 50)]
    share_numeric = _parse_share_numbers(few)
    if share_numeric >= 0.5:
        share_numeric = _parse_share_numbers(sample)
    if share_numeric >= _PARSE_SHARE:
        note = None
        if share_numeric < 1:
            note = (
                f"{1 - share_numeric:.1%} of sampled values are not numbers; "
                "they are counted as missing"
            )
        return ColumnKind.NUMERICAL, note
    if (
        share_numeric < 0.5
        and _parse_share_dates(as_text.iloc[:: max(1, len(as_text) // 20)]) >= _PARSE_SHARE
        and _parse_share_dates(as_text) >= _PARSE_SHARE
    ):
        return ColumnKind.DATETIME, "parsed as dates"
    if _looks_like_id(name, as_text, n_unique):
        return ColumnKind.ID, "every value is distinct and the name says id: excluded from drift"
    if (
        float(as_text.str.len().mean()) >= _TEXT_MIN_MEAN_LENGTH
        and n_unique > 0.5 * len(as_text)
        and float((as_text.str.count(r"\s+") + 1).mean()) >= _TEXT_MIN_MEAN_WORDS
    ):
        return ColumnKind.TEXT, "free text: compared on text length"
    if n_unique == len(as_text) and len(as_text) >= 1000:
        return (
            ColumnKind.ID,
            "every sampled value is distinct: treated as an id, excluded from drift",
        )
    return ColumnKind.CATEGORICAL, None


def _infer_kind(name: str, series: pd.Series) -> tuple[ColumnKind, str | None]:
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return ColumnKind.BOOLEAN, None
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return ColumnKind.DATETIME, None
    sample = _sample(series)
    if len(sample) == 0:
        kind = (
            ColumnKind.NUMERICAL if pd.api.types.is_numeric_dtype(dtype) else ColumnKind.CATEGORICAL
        )
        return kind, "no values in the reference"
    if pd.api.types.is_numeric_dtype(dtype):
        values = sample.to_numpy(dtype=np.float64, na_value=np.nan)
        finite = values[np.isfinite(values)]
        if finite.size and finite.min() == finite.max() and series.nunique(dropna=True) == 1:
            return ColumnKind.CONSTANT, "one distinct value"
        n_unique = int(sample.nunique())
        integer = bool(np.all(np.mod(finite, 1) == 0)) if finite.size else False
        if integer and n_unique <= 2 and set(np.unique(finite)) <= {0.0, 1.0}:
            return ColumnKind.BOOLEAN, "integer 0/1 values"
        if integer and _looks_like_id(name, sample, n_unique):
            return (
                ColumnKind.ID,
                "every value is distinct and the name says id: excluded from drift",
            )
        return ColumnKind.NUMERICAL, None
    return _infer_object_kind(name, sample)


def infer_schema(
    reference: pd.DataFrame, current: pd.DataFrame, schema: Schema | None = None
) -> tuple[Schema, list[str]]:
    """Complete ``schema`` with inferred kinds and roles for the columns both sides share.

    Returns the full schema (in reference column order, then any user-only columns) and
    warnings about columns found on one side only.

    >>> import pandas as pd
    >>> ref = pd.DataFrame({"age": [21.5, 35.0, 47.2], "city": ["a", "b", "a"], "extra": [1, 2, 3]})
    >>> cur = pd.DataFrame({"age": [30.1, 22.0, 41.0], "city": ["b", "b", "a"]})
    >>> inferred, warnings = infer_schema(ref, cur)
    >>> [(c.name, str(c.kind)) for c in inferred]
    [('age', 'numerical'), ('city', 'categorical')]
    >>> warnings
    ["Schema change: column 'extra' is in the reference only; it is left out of the comparison."]
    """
    user = schema or Schema()
    warnings: list[str] = []
    ref_cols = list(reference.columns)
    cur_cols = set(current.columns)
    for name in ref_cols:
        if name not in cur_cols:
            warnings.append(
                f"Schema change: column {name!r} is in the reference only; "
                "it is left out of the comparison."
            )
    ref_set = set(ref_cols)
    for name in current.columns:
        if name not in ref_set:
            warnings.append(
                f"Schema change: column {name!r} is in the current data only; "
                "it is left out of the comparison."
            )
    unknown = [s.name for s in user if s.name not in ref_set and s.name not in cur_cols]
    if unknown:
        raise SchemaError(
            "The schema names column(s) found in neither dataset: "
            f"{', '.join(map(repr, unknown))}. "
            f"Available columns: {', '.join(map(repr, ref_cols[:20]))}"
            + (" ..." if len(ref_cols) > 20 else "")
        )
    specs: list[ColumnSpec] = []
    for name in ref_cols:
        if name not in cur_cols:
            continue
        given = user.get(name) or ColumnSpec(name=name)
        kind, note = given.kind, given.note
        if kind is None:
            kind, inferred_note = _infer_kind(name, reference[name])
            note = note or inferred_note
        role = given.role
        if role is None:
            role = _ROLE_NAMES.get(name.lower(), ColumnRole.FEATURE)
            if kind is ColumnKind.ID:
                role = ColumnRole.ID
        specs.append(replace(given, kind=kind, role=role, note=note))
    return Schema(tuple(specs)), warnings
