"""`Profile`: a table summarised column by column, mergeable and saved compactly.

`profile` reads a table (a file or a DataFrame), completes its schema, and hands each column
to the profile type of its kind (`driftscope.profiles`). `Profile.merge` checks that both
sides have one schema and merges column by column; `to_bytes` / `save` write the versioned
binary format of docs/profiles.md.
"""

from __future__ import annotations

import json
import os
import struct
import zlib
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from driftscope._atomic import write_atomic
from driftscope._shorten import shown
from driftscope._version import __version__
from driftscope.data.categories import factorize_labels, value_labels
from driftscope.data.dates import read_dates
from driftscope.data.infer import infer_schema
from driftscope.data.io import read_table
from driftscope.data.schema import ColumnKind, ColumnRole, ColumnSpec, Schema
from driftscope.exceptions import (
    EmptyDataError,
    FileFormatError,
    InputFileNotFoundError,
    InputTypeError,
    ParameterError,
    SchemaError,
)
from driftscope.profiles import (
    PROFILE_TYPES,
    BooleanProfile,
    CategoricalProfile,
    ColumnProfile,
    ConfusionCounts,
    DatetimeProfile,
    ModelProfile,
    NumericalProfile,
    ProfileSettings,
    RegressionSums,
    TextProfile,
)

__all__ = ["FORMAT_VERSION", "MAGIC", "Profile", "profile"]

#: The first 8 bytes of every profile file.
MAGIC = b"\x89DSPROF\n"
#: The format this version writes; it reads every version from 1 to this one.
FORMAT_VERSION = 1
_HEAD = struct.Struct(">8sHI")  # magic, format version, length of the JSON header
_CRC = struct.Struct(">I")
# Kinds profiled by category label.
_BY_LABEL = (ColumnKind.CATEGORICAL, ColumnKind.CONSTANT, ColumnKind.ID)
# Below this many rows a table is profiled on one thread (threads cost more than they save).
_PARALLEL_ROWS = 50_000
_TRUE = frozenset({"true", "yes", "y", "t", "1"})
_FALSE = frozenset({"false", "no", "n", "f", "0"})


@dataclass(frozen=True)
class Profile:
    """A table's mergeable summary: its schema, row count and one profile per column.

    ``columns`` maps each profiled column to its profile (`driftscope.profiles`): every
    column of the schema but those with the ignored role or the binary kind. ``model`` holds
    the confusion counts or regression sums when the schema names one prediction and one
    target column.

    >>> import pandas as pd
    >>> schema = {"columns": {"x": "numerical", "city": "categorical"}}
    >>> a = profile(pd.DataFrame({"x": [1.0, 2.0], "city": ["a", "b"]}), schema)
    >>> b = profile(pd.DataFrame({"x": [3.0, None], "city": ["b", "b"]}), schema)
    >>> both = a.merge(b)
    >>> both.n_rows, both["x"].mean, both["x"].missing, both["city"].counts
    (4, 2.0, 1, (('a', 1), ('b', 3)))
    >>> Profile.from_bytes(both.to_bytes()) == both
    True
    """

    schema: Schema
    n_rows: int
    columns: Mapping[str, ColumnProfile]
    settings: ProfileSettings = field(default_factory=ProfileSettings)
    model: ModelProfile | None = None
    format_version: int = FORMAT_VERSION

    def __getitem__(self, name: str) -> ColumnProfile:
        if name not in self.columns:
            raise SchemaError(
                f"The profile has no column {shown(name)}; it has "
                f"{', '.join(map(shown, list(self.columns)[:20]))}."
            )
        return self.columns[name]

    def merge(self, other: Profile) -> Profile:
        """The profile of both tables' rows together; neither input changes.

        Both must have one schema (the same columns, each of one kind and role) and equal
        settings; otherwise a `SchemaError` (or `ParameterError`) names what differs.
        """
        if not isinstance(other, Profile):
            raise InputTypeError(f"Profile.merge expects a Profile. Got {type(other).__name__}.")
        _check_same_schema(self.schema, other.schema)
        if self.settings != other.settings:
            raise ParameterError(
                "Cannot merge profiles built with different settings: "
                f"{self.settings.to_dict()} and {other.settings.to_dict()}."
            )
        columns = {name: _merge(p, other.columns[name]) for name, p in self.columns.items()}
        model = None
        if self.model is not None and other.model is not None:
            model = self.model.merge(other.model)
        return Profile(self.schema, self.n_rows + other.n_rows, columns, self.settings, model)

    @staticmethod
    def merge_all(profiles: Iterable[Profile]) -> Profile:
        """Merge many profiles pairwise in a balanced tree (as a cluster merges partitions)."""
        level = list(profiles)
        if not level:
            raise EmptyDataError("Profile.merge_all needs at least one profile. Got none.")
        while len(level) > 1:
            level = [
                level[i].merge(level[i + 1]) if i + 1 < len(level) else level[i]
                for i in range(0, len(level), 2)
            ]
        return level[0]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary: counts, moments, quantiles, top categories (no sketches)."""
        return {
            "format_version": self.format_version,
            "n_rows": self.n_rows,
            "settings": self.settings.to_dict(),
            "schema": self.schema.to_dict(),
            "columns": {name: p.to_dict() for name, p in self.columns.items()},
            "model": None if self.model is None else self.model.to_dict(),
        }

    def to_bytes(self) -> bytes:
        """The profile in the binary format of docs/profiles.md."""
        blobs: list[bytes] = []
        offset = 0
        columns = []
        for name, p in self.columns.items():
            state, column_blobs = p.to_state()
            places = {}
            for key, blob in column_blobs.items():
                places[key] = [offset, len(blob)]
                blobs.append(blob)
                offset += len(blob)
            columns.append({"name": name, "kind": p.kind, "state": state, "blobs": places})
        header = {
            "driftscope_version": __version__,
            "n_rows": self.n_rows,
            "settings": self.settings.to_dict(),
            "schema": self.schema.to_dict(),
            "columns": columns,
            "model": None if self.model is None else self.model.to_dict(),
            "blob_bytes": offset,
        }
        text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        body = _HEAD.pack(MAGIC, FORMAT_VERSION, len(text)) + text + b"".join(blobs)
        return body + _CRC.pack(zlib.crc32(body))

    @classmethod
    def from_bytes(cls, data: bytes, *, source: str = "Profile bytes") -> Profile:
        """Read `to_bytes`' format; ``source`` names the input in error messages."""
        if not isinstance(data, bytes | bytearray | memoryview):
            raise InputTypeError(f"{source}: expected bytes. Got {type(data).__name__}.")
        data = bytes(data)
        least = _HEAD.size + _CRC.size
        if not data.startswith(MAGIC) and (not data or not MAGIC.startswith(data)):
            raise FileFormatError(
                f"{source} is not a driftscope profile: it starts with {data[:8]!r}, "
                f"expected {MAGIC!r}."
            )
        if len(data) < least:
            raise FileFormatError(
                f"{source} is truncated: {len(data)} bytes, expected at least {least}."
            )
        _, version, header_length = _HEAD.unpack_from(data)
        if not 1 <= version <= FORMAT_VERSION:
            raise FileFormatError(
                f"{source} is a profile of format version {version}; this driftscope "
                f"({__version__}) reads format versions 1 to {FORMAT_VERSION}. "
                + ("Upgrade driftscope to read it." if version > FORMAT_VERSION else "")
            )
        header_end = _HEAD.size + header_length
        if len(data) < header_end + _CRC.size:
            raise FileFormatError(
                f"{source} is truncated: {len(data)} bytes, expected at least "
                f"{header_end + _CRC.size} (its header alone is {header_length} bytes)."
            )
        try:
            header = json.loads(data[_HEAD.size : header_end].decode("utf-8"))
            expected = header_end + int(header["blob_bytes"]) + _CRC.size
        except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, ValueError):
            raise FileFormatError(f"{source} has an unreadable header; it is damaged.") from None
        if len(data) != expected:
            problem = "truncated" if len(data) < expected else "longer than its header says"
            raise FileFormatError(f"{source} is {problem}: {len(data)} bytes, expected {expected}.")
        (crc,) = _CRC.unpack_from(data, len(data) - _CRC.size)
        if crc != zlib.crc32(data[: -_CRC.size]):
            raise FileFormatError(f"{source} is damaged: its CRC-32 checksum does not match.")
        try:
            return _from_header(header, data[header_end : -_CRC.size])
        except (KeyError, TypeError, ValueError, IndexError, RuntimeError) as exc:
            # DataSketches raises RuntimeError or ValueError on a damaged sketch.
            if isinstance(exc, FileFormatError | SchemaError | ParameterError):
                raise FileFormatError(f"{source} is not a valid profile: {exc}") from None
            raise FileFormatError(
                f"{source} is not a valid profile ({type(exc).__name__}: {shown(str(exc))})."
            ) from None

    def save(self, path: str | Path) -> None:
        """Write `to_bytes` to ``path`` atomically (readers see the old file or the new)."""
        write_atomic(path, self.to_bytes())

    @classmethod
    def load(cls, path: str | Path) -> Profile:
        """Read a profile written by `save` (of this format version or an earlier one)."""
        p = Path(path)
        source = f"Profile file {shown(str(p))}"
        if p.is_dir():
            raise FileFormatError(f"{source} is a folder; expected a profile file.")
        if not p.is_file():
            raise InputFileNotFoundError(f"{source} does not exist.")
        return cls.from_bytes(p.read_bytes(), source=source)


def _merge(a: ColumnProfile, b: ColumnProfile) -> ColumnProfile:
    merged: Any = a.merge(b)  # type: ignore[arg-type]  # the schema check made them one kind
    return merged  # type: ignore[no-any-return]


def _check_same_schema(a: Schema, b: Schema) -> None:
    found = a.mismatch(b)
    if found is None:
        return
    if found.what in ("only_first", "only_second"):
        side = "first" if found.what == "only_first" else "second"
        raise SchemaError(
            f"Cannot merge profiles of different schemas: column {shown(found.column)} is in "
            f"the {side} profile only."
        )
    raise SchemaError(
        f"Cannot merge profiles of different schemas: column {shown(found.column)} "
        f"has {found.what} {shown(found.first)} in the first profile and "
        f"{shown(found.second)} in the second. Pass the same schema to both."
    )


def _from_header(header: dict[str, Any], blobs: bytes) -> Profile:
    settings = ProfileSettings.from_dict(header["settings"])
    schema = Schema.from_dict(
        {"columns": header["schema"]["columns"]}, source="the profile's schema"
    )
    columns: dict[str, ColumnProfile] = {}
    for entry in header["columns"]:
        kind = entry["kind"]
        if kind not in PROFILE_TYPES:
            raise FileFormatError(f"column {shown(entry['name'])} has unknown kind {shown(kind)}")
        column_blobs = {}
        for key, (start, length) in entry["blobs"].items():
            if start < 0 or length < 0 or start + length > len(blobs):
                raise FileFormatError(f"a block of column {shown(entry['name'])} is out of range")
            column_blobs[key] = blobs[start : start + length]
        column = PROFILE_TYPES[kind].from_state(entry["state"], column_blobs, settings)
        # Read every sketch once now, so that a damaged one fails here, naming the file, and
        # not at the first query.
        column.to_dict()
        columns[str(entry["name"])] = column
    model = header["model"]
    return Profile(
        schema=schema,
        n_rows=int(header["n_rows"]),
        columns=columns,
        settings=settings,
        model=None if model is None else ModelProfile.from_dict(model, settings),
    )


def profile(
    data: Any,
    schema: Schema | Mapping[str, Any] | None = None,
    *,
    settings: ProfileSettings | None = None,
) -> Profile:
    """Profile a table: a CSV, Parquet or JSON Lines path, a pandas or polars DataFrame, or an
    Arrow table.

    Kinds and roles left unset in ``schema`` are inferred from the data, as `compare` does.
    Profiles merge only when their schemas agree, and inference reads each part alone (a
    part where a column holds one value infers it ``constant``), so profile the parts of one
    dataset (the partitions of a cluster, the days of a month) with one full schema.

    >>> import pandas as pd
    >>> p = profile(pd.DataFrame({"age": [31.0, 45.0, None]}))
    >>> p.n_rows, p["age"].count, p["age"].missing, p["age"].quantile(0.5)
    (3, 2, 1, 31.0)
    """
    if settings is not None and not isinstance(settings, ProfileSettings):
        raise InputTypeError(
            f"The 'settings' of profile must be a ProfileSettings. Got {type(settings).__name__}."
        )
    settings = settings or ProfileSettings()
    if isinstance(schema, Mapping):
        schema = Schema.from_dict(schema)
    elif schema is not None and not isinstance(schema, Schema):
        raise InputTypeError(
            f"The 'schema' of profile must be a Schema or a mapping. Got {type(schema).__name__}."
        )
    frame = read_table(data).frame
    # With every kind given, inference only checks the values (no raw bytes where the kind
    # cannot read them): reading the one table once, not as both sides, gives the same.
    given = schema is not None and all(
        schema.get(name) is not None and schema[name].kind is not None for name in frame.columns
    )
    full, _ = infer_schema(frame, frame.iloc[:0] if given else frame, schema)
    specs = [
        spec
        for spec in full
        if spec.role is not ColumnRole.IGNORED and spec.kind is not ColumnKind.BINARY
    ]
    workers = min(len(specs), os.cpu_count() or 1)
    if len(frame) < _PARALLEL_ROWS or workers < 2:
        profiles = [_profile_column(frame[spec.name], spec, settings) for spec in specs]
    else:
        # Columns are independent, and most of their work (numpy's sort and reductions,
        # Arrow's hashing and splitting, pandas' factorizing) releases the GIL: threads use
        # every core, no copies (DataSketches' KLL update holds the GIL, and overlaps the
        # others' sorts). The costliest columns start first, so that no thread is left alone
        # with a long one at the end.
        order = sorted(specs, key=_cost, reverse=True)
        with ThreadPoolExecutor(max_workers=workers) as pool:
            done = pool.map(lambda spec: _profile_column(frame[spec.name], spec, settings), order)
            by_name = {spec.name: p for spec, p in zip(order, done, strict=True)}
        profiles = [by_name[spec.name] for spec in specs]
    columns = {spec.name: p for spec, p in zip(specs, profiles, strict=True)}
    return Profile(full, len(frame), columns, settings, _profile_model(frame, full, settings))


def _cost(spec: ColumnSpec) -> int:
    """A column's rough profiling cost, for ordering: text, then labels, then the rest."""
    if spec.kind is ColumnKind.TEXT:
        return 2
    return 1 if spec.kind in _BY_LABEL or spec.kind is None else 0


def _profile_column(
    series: pd.Series, spec: ColumnSpec, settings: ProfileSettings
) -> ColumnProfile:
    kind = spec.kind
    if kind is ColumnKind.NUMERICAL:
        return NumericalProfile.from_values(_numbers(series), settings=settings)
    if kind is ColumnKind.DATETIME:
        dates = read_dates(series).dates
        if isinstance(dates.dtype, pd.DatetimeTZDtype):
            dates = dates.dt.tz_convert("UTC").dt.tz_localize(None)
        seconds = (dates - pd.Timestamp("1970-01-01")) / pd.Timedelta(seconds=1)
        return DatetimeProfile.from_values(_numbers(seconds), settings=settings)
    if kind is ColumnKind.BOOLEAN:
        return _boolean(series, settings)
    if kind is ColumnKind.TEXT:
        strings = _arrow_strings(series)
        if strings is not None:
            return _text_of_arrow(strings, settings)
        present = series.dropna()
        texts = present.astype(str).tolist()
        return TextProfile.from_values(texts, missing=len(series) - len(texts), settings=settings)
    if kind in _BY_LABEL or kind is None:
        strings = _arrow_strings(series)
        if strings is not None:
            return _categories_of_arrow(strings, settings)
        codes, labels = factorize_labels(series)
        counts = np.bincount(codes[codes >= 0], minlength=len(labels))
        return CategoricalProfile.from_counts(
            labels.tolist(), counts, missing=int(np.count_nonzero(codes < 0)), settings=settings
        )
    raise SchemaError(
        f"Column {shown(spec.name)} is of kind {shown(str(kind))}, which no profile holds."
    )


def _arrow_strings(series: pd.Series) -> pa.ChunkedArray | None:
    """The column's Arrow array when pandas holds it as Arrow strings (as it reads Parquet and
    CSV text columns); None for any other storage. Zero-copy."""
    dtype = series.dtype
    # pandas 2 names the storage of its NaN-missing Arrow strings "pyarrow_numpy".
    if isinstance(dtype, pd.StringDtype) and dtype.storage in ("pyarrow", "pyarrow_numpy"):
        arrow_type = pa.large_string()
    elif isinstance(dtype, pd.ArrowDtype):
        arrow_type = dtype.pyarrow_dtype
    else:
        return None
    if not (pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type)):
        return None
    array = pa.array(series)
    return array if isinstance(array, pa.ChunkedArray) else pa.chunked_array([array])


def _categories_of_arrow(strings: pa.ChunkedArray, settings: ProfileSettings) -> ColumnProfile:
    """Category counts by Arrow's hashing, in C (the GIL released): a string is its own label,
    so this equals `factorize_labels` + `np.bincount`, in the order categories first occur."""
    counted = pc.value_counts(strings)
    values, counts = counted.field("values"), counted.field("counts")
    present = values.is_valid()
    missing = pc.sum(counts.filter(pc.invert(present))).as_py() or 0
    return CategoricalProfile.from_counts(
        values.filter(present).to_pylist(),
        counts.filter(present).to_numpy(),
        missing=int(missing),
        settings=settings,
    )


def _text_of_arrow(strings: pa.ChunkedArray, settings: ProfileSettings) -> TextProfile:
    """`TextProfile.from_values` computed by Arrow in C (the GIL released), to the same result:
    Arrow's Unicode whitespace is Python's `str.split()` whitespace (tested, code point by code
    point), and `utf8_length` counts code points as `len` does."""
    present = pc.drop_null(strings)
    lengths = pc.utf8_length(present).to_numpy().astype(np.float64)
    tokens = pc.list_flatten(pc.utf8_split_whitespace(present))
    # Arrow keeps an empty token where a text starts or ends with whitespace; split() does not.
    empty = pc.sum(pc.equal(pc.binary_length(tokens), 0)).as_py() or 0
    distinct = pc.unique(tokens)
    distinct = distinct.filter(pc.greater(pc.binary_length(distinct), 0))
    return TextProfile.from_parts(
        lengths,
        len(tokens) - empty,
        # Sorted by Arrow (UTF-8 byte order is code point order), so Python's sort is linear.
        distinct.take(pc.array_sort_indices(distinct)).to_pylist(),
        missing=len(strings) - len(present),
        settings=settings,
    )


def _numbers(series: pd.Series) -> NDArray[np.float64]:
    """The column as float64, NaN where a value is missing or not a number."""
    if pd.api.types.is_numeric_dtype(series.dtype):
        return np.asarray(series.to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64)
    numbers = pd.to_numeric(series, errors="coerce")
    return np.asarray(numbers.to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64)


def _boolean(series: pd.Series, settings: ProfileSettings) -> BooleanProfile:
    """True and false values; missing rows and words that are neither count as missing."""
    present = series.dropna()
    if pd.api.types.is_bool_dtype(present.dtype):
        values = present.to_numpy(dtype=bool)
    else:
        words = pd.Series(value_labels(present), dtype=object).str.lower()
        is_true, is_false = words.isin(_TRUE), words.isin(_FALSE)
        values = is_true[is_true | is_false].to_numpy(dtype=bool)
    return BooleanProfile.from_values(values, missing=len(series) - len(values), settings=settings)


def _profile_model(
    frame: pd.DataFrame, schema: Schema, settings: ProfileSettings
) -> ModelProfile | None:
    targets = [c for c in schema if c.role is ColumnRole.TARGET]
    predictions = [c for c in schema if c.role is ColumnRole.PREDICTION]
    if len(targets) != 1 or len(predictions) != 1:
        return None
    target, prediction = targets[0], predictions[0]
    if target.kind is ColumnKind.NUMERICAL and prediction.kind is ColumnKind.NUMERICAL:
        y, p = _numbers(frame[target.name]), _numbers(frame[prediction.name])
        both = np.isfinite(y) & np.isfinite(p)
        y, p = y[both], p[both]
        both_values = np.concatenate([y, p])
        # Numbers that are not whole, or too many of them, are no class ids: a regression
        # model, whose confusion counts are dropped (see ConfusionCounts).
        confusion = ConfusionCounts((), (), True, settings)
        if bool(np.all(np.mod(both_values, 1) == 0)):
            uniques, codes = np.unique(both_values, return_inverse=True)
            labels = value_labels(uniques).tolist()
            confusion = ConfusionCounts.from_codes(
                codes[: y.size], codes[y.size :], labels, settings
            )
        return ModelProfile(
            target.name,
            prediction.name,
            int(both.size - y.size),
            confusion,
            RegressionSums.from_values(y, p),
        )
    codes, labels = factorize_labels(
        pd.concat([frame[target.name], frame[prediction.name]], ignore_index=True)
    )
    n = len(frame)
    t, q = codes[:n], codes[n:]
    both = (t >= 0) & (q >= 0)
    return ModelProfile(
        target.name,
        prediction.name,
        int(n - np.count_nonzero(both)),
        ConfusionCounts.from_codes(t[both], q[both], labels.tolist(), settings),
        None,
    )
