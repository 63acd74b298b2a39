"""Infer each column's kind and role from the data, keeping whatever the user set."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from driftscope.data.schema import ColumnKind, ColumnRole, ColumnSpec, Schema
from driftscope.exceptions import SchemaError

__all__ = ["RoleKinds", "infer_schema", "schema_change_warnings"]

#: The kind a column takes from its role, with the note saying why (`infer_schema`).
RoleKinds = Mapping[ColumnRole, tuple[ColumnKind, str]]

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
# "Every value distinct" says id only when it rests on enough values: in 8 rows, 8 distinct
# labels may well be the 8 levels of a category; 20 distinct values in 20 rows would take a
# category with hundreds of levels, which no two-sample test can compare on so few rows anyway.
# Counted over both sides together, so ids that never recur from reference to current (order
# references, file paths) reach it with 10 rows a side.
_ID_MIN_DISTINCT = 20
# A few repeats (a retried order, a duplicated row) in an id column of thousands of rows do not
# make it a category.
_ID_DISTINCT_SHARE = 0.99
# A file path or URL: a separator, then a last part with an extension.
_PATH = re.compile(r"[^\n]*[/\\][^/\\\n]*\.[A-Za-z0-9]{1,5}")
_BYTES = (bytes, bytearray, memoryview)
# Kinds whose tests read the values (as numbers, labels or text).
_TESTED_KINDS = frozenset(
    {
        ColumnKind.NUMERICAL,
        ColumnKind.CATEGORICAL,
        ColumnKind.BOOLEAN,
        ColumnKind.TEXT,
        ColumnKind.CONSTANT,
    }
)
_EXCLUDED = "excluded from drift"


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


def _as_text(sample: pd.Series) -> pd.Series:
    """Values as Python strings (``astype(str)`` on pandas' string dtype may not be)."""
    if isinstance(sample.dtype, pd.StringDtype):
        return sample.astype(object)  # already str, one by one
    return sample.astype(object).map(str).astype(object)


def _id_name(name: str) -> bool:
    lowered = name.lower()
    return lowered == "id" or lowered.endswith(("_id", "-id", " id", "uuid")) or lowered == "key"


def _distinct_like_ids(reference: pd.Series, current: pd.Series) -> bool:
    """Whether sampled values look like ids: (nearly) every value distinct on each side, and at
    least `_ID_MIN_DISTINCT` distinct values over both sides together."""
    for side in (reference, current):
        if len(side) and side.nunique() < _ID_DISTINCT_SHARE * len(side):
            return False
    return bool(pd.concat([reference, current], ignore_index=True).nunique() >= _ID_MIN_DISTINCT)


def _mostly_match(counts: pd.Series, pattern: re.Pattern[str]) -> bool:
    """Whether at least `_PARSE_SHARE` of the string values match ``pattern`` in full, from
    their counts (`value_counts`: each distinct value is matched once)."""
    matched = np.fromiter((pattern.fullmatch(v) is not None for v in counts.index), bool)
    return _weighted_share(counts, matched) >= _PARSE_SHARE


def _weighted_mean(counts: pd.Series, values: pd.Series) -> float:
    """The mean over all values of a measure of each distinct value, weighted by ``counts``."""
    weights = counts.to_numpy(dtype=np.float64)
    return float(np.dot(weights, values.to_numpy(dtype=np.float64)) / weights.sum())


def _weighted_share(counts: pd.Series, flags: NDArray[np.bool_] | pd.Series) -> float:
    """The share of values whose distinct value is flagged, weighted by ``counts``."""
    weights = counts.to_numpy(dtype=np.float64)
    total = float(weights.sum())
    return float(weights[np.asarray(flags, dtype=bool)].sum()) / total if total else 0.0


def _zero_padded(values: pd.Series) -> bool:
    """Digits only, all of one width, some with a leading zero: "000123" is a code, not 123."""
    lengths = values.str.len()
    return bool(
        lengths.nunique() == 1
        and lengths.iloc[0] > 1
        and values.str.fullmatch(r"[0-9]+").all()
        and values.str.startswith("0").any()
    )


def _parse_share_numbers(values: pd.Series) -> float:
    parsed = pd.to_numeric(values, errors="coerce")
    return float(parsed.notna().mean()) if len(values) else 0.0


def _parse_share_dates(counts: pd.Series) -> float:
    """The share of values that parse as dates, from their counts (each distinct value parsed
    once: parsing is slow per value)."""
    # utc=True: strings with different UTC offsets are dates too (pandas refuses the mix).
    parsed = pd.to_datetime(pd.Series(counts.index), errors="coerce", format="mixed", utc=True)
    return _weighted_share(counts, parsed.notna().to_numpy())


def _infer_object_kind(
    name: str, sample: pd.Series, current: pd.Series
) -> tuple[ColumnKind, str | None]:
    """Kind of a column holding strings or mixed Python objects; ``current`` is a sample of
    the current side's values, read only to tell ids from categories."""
    as_text = _as_text(sample)
    # The checks below read each distinct value once, weighted by its count: the same shares
    # as value by value, at the cost of the distinct values (a category has a handful).
    counts = as_text.value_counts(sort=False)
    n_unique = len(counts)
    if n_unique == 1:
        return ColumnKind.CONSTANT, "one distinct value"
    if n_unique == 2 and frozenset(as_text.str.strip().str.lower().unique()) in _BOOLEAN_WORDS:
        return ColumnKind.BOOLEAN, None

    current_text = _as_text(current)

    def ids() -> bool:
        return _distinct_like_ids(as_text, current_text)

    # Parsing is slow per value: a handful decides whether the whole sample is worth trying.
    few = sample.iloc[:: max(1, len(sample) // 50)]
    share_numeric = _parse_share_numbers(few)
    if share_numeric >= 0.5:
        share_numeric = _parse_share_numbers(sample)
    if share_numeric >= _PARSE_SHARE:
        if _zero_padded(as_text) and ids():
            return (
                ColumnKind.ID,
                f"zero-padded codes, every one distinct: treated as ids, {_EXCLUDED}",
            )
        note = None
        if share_numeric < 1:
            note = (
                f"{1 - share_numeric:.1%} of sampled values are not numbers; "
                "they are counted as missing"
            )
        return ColumnKind.NUMERICAL, note
    if _mostly_match(counts, _PATH) and ids():
        return ColumnKind.ID, f"file paths, every one distinct: treated as ids, {_EXCLUDED}"
    if (
        share_numeric < 0.5
        and _parse_share_dates(as_text.iloc[:: max(1, len(as_text) // 20)].value_counts())
        >= _PARSE_SHARE
        and _parse_share_dates(counts) >= _PARSE_SHARE
    ):
        return ColumnKind.DATETIME, "parsed as dates"
    distinct = pd.Series(counts.index, dtype=object)
    if (
        n_unique > 0.5 * len(as_text)
        and _weighted_mean(counts, distinct.str.len()) >= _TEXT_MIN_MEAN_LENGTH
        and _weighted_mean(counts, distinct.str.count(r"\s+") + 1) >= _TEXT_MIN_MEAN_WORDS
    ):
        return ColumnKind.TEXT, "free text: compared on text length"
    if ids():
        if _id_name(name):
            return ColumnKind.ID, f"every value is distinct and the name says id: {_EXCLUDED}"
        return ColumnKind.ID, f"every sampled value is distinct: treated as an id, {_EXCLUDED}"
    return ColumnKind.CATEGORICAL, None


def _infer_kind(name: str, series: pd.Series, current: pd.Series) -> tuple[ColumnKind, str | None]:
    """Kind of the reference column ``series``; ``current`` is the same column on the current
    side, read only where both sides together decide (categories, ids)."""
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype) or isinstance(current.dtype, pd.CategoricalDtype):
        # The user (or the file format) said so: the codes of a category are labels, not
        # quantities, whatever their type.
        return ColumnKind.CATEGORICAL, "pandas category dtype"
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
    current_sample = _sample(current)
    if _holds_bytes(sample) or _holds_bytes(current_sample):
        return ColumnKind.BINARY, f"bytes values: not comparable as numbers or text, {_EXCLUDED}"
    if pd.api.types.is_numeric_dtype(dtype):
        values = sample.to_numpy(dtype=np.float64, na_value=np.nan)
        finite = values[np.isfinite(values)]
        if finite.size and finite.min() == finite.max() and series.nunique(dropna=True) == 1:
            return ColumnKind.CONSTANT, "one distinct value"
        n_unique = int(sample.nunique())
        integer = bool(np.all(np.mod(finite, 1) == 0)) if finite.size else False
        if integer and n_unique <= 2 and set(np.unique(finite)) <= {0.0, 1.0}:
            return ColumnKind.BOOLEAN, "integer 0/1 values"
        if integer and _id_name(name) and _distinct_like_ids(sample, current_sample):
            return ColumnKind.ID, f"every value is distinct and the name says id: {_EXCLUDED}"
        return ColumnKind.NUMERICAL, None
    return _infer_object_kind(name, sample, current_sample)


def _holds_bytes(sample: pd.Series) -> bool:
    """Whether a column holds raw bytes (Parquet ``binary``), which no test reads."""
    return sample.dtype == object and any(isinstance(v, _BYTES) for v in sample)


def _refuse_bytes(name: str, kind: ColumnKind, reference: pd.Series, current: pd.Series) -> None:
    """A kind the user chose for a column of raw bytes, which no test of that kind can read."""
    if _holds_bytes(_sample(reference)) or _holds_bytes(_sample(current)):
        raise SchemaError(
            f"Column {name!r} holds raw bytes (binary), which cannot be tested as {kind}; "
            "decode it to text or numbers first, or give it the kind 'binary' to list it untested."
        )


def schema_change_warnings(reference: Sequence[str], current: Sequence[str]) -> list[str]:
    """One warning per column found on one side only, reference columns first."""
    warnings: list[str] = []
    cur_set, ref_set = set(current), set(reference)
    for name in reference:
        if name not in cur_set:
            warnings.append(
                f"Schema change: column {name!r} is in the reference only; "
                "it is left out of the comparison."
            )
    for name in current:
        if name not in ref_set:
            warnings.append(
                f"Schema change: column {name!r} is in the current data only; "
                "it is left out of the comparison."
            )
    return warnings


def infer_schema(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    schema: Schema | None = None,
    *,
    role_kinds: RoleKinds | None = None,
) -> tuple[Schema, list[str]]:
    """Complete ``schema`` with inferred kinds and roles for the columns both sides share.

    ``role_kinds`` gives the kind (and the note saying why) that a role decides, whatever the
    values look like: a speech recognizer's transcripts are text by their role in the task,
    short or long, repeated or not. A kind in ``schema`` still wins.

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
    role_kinds = role_kinds or {}
    ref_cols = list(reference.columns)
    cur_cols = set(current.columns)
    ref_set = set(ref_cols)
    warnings = schema_change_warnings(ref_cols, list(current.columns))
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
        role = given.role
        if role is None:
            # An id-like column keeps the feature role: its kind (id) already leaves it out of
            # the tests, and a table may hold several (an order reference, a session). The id
            # role is the user's to give (``id=``, ``--id``, ``id:`` in a schema file): it names
            # the one column late labels are joined on.
            role = _ROLE_NAMES.get(name.lower(), ColumnRole.FEATURE)
        kind, note = given.kind, given.note
        if kind is None and role in role_kinds:
            kind, role_note = role_kinds[role]
            note = note or role_note
        if kind in _TESTED_KINDS and role is not ColumnRole.IGNORED:
            _refuse_bytes(name, kind, reference[name], current[name])
        if kind is None:
            kind, inferred_note = _infer_kind(name, reference[name], current[name])
            note = note or inferred_note
        if kind is ColumnKind.BINARY:
            warnings.append(
                f"Column {name!r} holds raw bytes (binary); it is listed but not tested for drift "
                "or quality beyond missing values. Decode it to text or numbers to test it."
            )
        specs.append(replace(given, kind=kind, role=role, note=note))
    return Schema(tuple(specs)), warnings
