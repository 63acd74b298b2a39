"""Profiles of Spark DataFrames: one `Profile` per partition, merged in a tree on the executors.

The driver fixes one full schema first (Spark's column types, then `infer_schema` on a bounded
sample of rows, ``limit(sample_rows)``), because inference on each partition alone could give
one column two kinds. Every partition then hands its rows to the in-process `profile` as Arrow
record batches (``mapInArrow``: no pandas UDF, no rows to the driver), a chunk of at most
``chunk_rows`` rows (or 256 MiB of Arrow data) at a time, and returns its profile's bytes
(`Profile.to_bytes`) as one row. Those rows are merged pairwise on the executors
(``treeAggregate``); the driver receives a few profiles, never a row of data.

It needs pyspark (extra ``spark``) and Java 17 or later; importing this module without pyspark
says how to install it. Classic Spark only: Spark Connect DataFrames have no RDD to merge on.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

import pyarrow as pa

from driftscope._shorten import shorten, shown
from driftscope.data.infer import infer_schema as infer_columns
from driftscope.data.profile import Profile
from driftscope.data.profile import profile as profile_table
from driftscope.data.schema import ColumnKind, ColumnRole, ColumnSpec, Schema
from driftscope.exceptions import (
    DriftscopeError,
    EmptyDataError,
    ExtraMissingError,
    FileFormatError,
    InputTypeError,
    IntegrationError,
    ParameterError,
    SchemaError,
)
from driftscope.profiles import ProfileSettings
from driftscope.report import Report
from driftscope.workflows.compare import compare as compare_tables
from driftscope.workflows.monitor import monitor as monitor_tables

try:
    from py4j.protocol import Py4JError
    from pyspark.errors import PySparkException
    from pyspark.sql import Column, DataFrame
    from pyspark.sql import functions as F
    from pyspark.sql import types as T
except ImportError:  # pragma: no cover - exercised in a subprocess by the tests
    raise ExtraMissingError(
        "The Spark integration needs pyspark (and Java 17 or later), which is not installed: "
        'pip install "driftscope[spark]"'
    ) from None

__all__ = ["compare", "infer_schema", "monitor", "profile"]

#: Rows read on the driver to infer the kinds Spark's types leave open.
SAMPLE_ROWS = 10_000
#: Rows of a partition profiled at once: bounds an executor's memory whatever a partition holds.
CHUNK_ROWS = 1_000_000
#: And at most this many bytes of Arrow data: a wide table's chunk holds fewer rows.
CHUNK_BYTES = 256 * 1024 * 1024
# Spark sends nothing to Python but these: numbers (decimals cast to double), booleans,
# strings (char and varchar cast to string), dates (as timestamps without a time zone,
# midnight) and timestamps.
_NUMBERS = (
    T.ByteType,
    T.ShortType,
    T.IntegerType,
    T.LongType,
    T.FloatType,
    T.DoubleType,
    T.DecimalType,
)
_TIMES = (T.DateType, T.TimestampType, T.TimestampNTZType)
_TEXTS = (T.StringType, T.CharType, T.VarcharType)
_READ = (*_NUMBERS, *_TIMES, *_TEXTS, T.BooleanType, T.NullType)
_TYPES_READ = "numbers, decimals, booleans, strings, dates and timestamps"
# The output of each partition: its profile's bytes, or the driftscope error that stopped it.
_PARTS = "profile binary, error_type string, error string"
#: A partition's output (or a merge of several): its profile's bytes, or an error's type and text.
_Part = tuple[bytes | None, str | None, str | None]
_NO_PART: _Part = (None, None, None)
_ERRORS: dict[str, type[DriftscopeError]] = {
    cls.__name__: cls
    for cls in (
        EmptyDataError,
        FileFormatError,
        InputTypeError,
        ParameterError,
        SchemaError,
    )
}


@dataclass(frozen=True)
class _Plan:
    """What the executors read: the columns selected (cast where Arrow needs it), and the
    schema of those columns, as plain data that pickles to any Python worker."""

    columns: list[Column]
    schema: dict[str, Any]


def infer_schema(
    data: Any,
    schema: Schema | Mapping[str, Any] | None = None,
    *,
    sample_rows: int = SAMPLE_ROWS,
) -> Schema:
    """The full schema `profile` uses for a Spark DataFrame: every column's kind and role.

    Booleans, dates and timestamps take their kind from Spark's type; numbers and strings are
    inferred (as `driftscope.compare` does) on the first ``sample_rows`` rows, except that a
    sample never makes a column ``constant`` (it cannot show that no other value follows).
    Binary columns get the kind ``binary`` (listed, not profiled). Arrays, maps, structs and
    other types are refused by name unless ``schema`` gives them the role ``ignored``. Kinds
    and roles set in ``schema`` win. Profile a reference and a current with one schema (this
    function's result) so that their profiles compare.

    Parameters
    ----------
    data
        A classic ``pyspark.sql.DataFrame``.
    schema
        Kinds and roles already known (a `Schema` or a mapping, as docs/schema.md says).
    sample_rows
        How many rows (``data.limit(sample_rows)``) the driver reads to infer the rest; no
        rows are read when ``schema`` gives every column its kind and role.
    """
    frame = _check_frame(data)
    _check_int("sample_rows", sample_rows, low=1)
    return _full_schema(frame, _user_schema(schema), sample_rows)


def profile(
    data: Any,
    schema: Schema | Mapping[str, Any] | None = None,
    *,
    settings: ProfileSettings | None = None,
    sample_rows: int = SAMPLE_ROWS,
    chunk_rows: int = CHUNK_ROWS,
    depth: int = 2,
) -> Profile:
    """Profile a Spark DataFrame without moving its rows to the driver.

    The schema is completed as `infer_schema` says; each partition is profiled by the
    in-process `driftscope.profile` in chunks of at most ``chunk_rows`` rows, and the partition
    profiles are merged in a tree of ``depth`` levels on the executors. The result equals
    `driftscope.profile` on the same rows: counts, moments, extremes, category counts and
    exact values exactly, quantile and distinct-count sketches within their stated bounds.
    Decimals are profiled as float64 numbers, dates as midnight (no time zone), timestamps as
    instants (UTC). An empty DataFrame gives a profile of zero rows.

    Parameters
    ----------
    data
        A classic ``pyspark.sql.DataFrame``; driftscope must be installed in the executors'
        Python, in the driver's version.
    schema
        As for `infer_schema`; pass one full schema for every profile that is to be merged or
        compared with this one.
    settings
        The sketches' sizes and the exact parts' caps (`ProfileSettings`), used on every
        partition.
    sample_rows
        The rows read on the driver to infer kinds, as for `infer_schema`.
    chunk_rows
        The most rows of a partition profiled at once (fewer when they pass 256 MiB of Arrow
        data): an executor holds one chunk as Arrow and pandas columns at a time.
    depth
        The levels of Spark's ``treeAggregate`` merging the partitions' profiles: the driver
        merges about ``partitions ** (1 / depth)`` of them.
    """
    frame = _check_frame(data)
    if settings is not None and not isinstance(settings, ProfileSettings):
        raise InputTypeError(
            f"The 'settings' of profile must be a ProfileSettings. Got {type(settings).__name__}."
        )
    settings = settings or ProfileSettings()
    _check_int("sample_rows", sample_rows, low=1)
    _check_int("chunk_rows", chunk_rows, low=1)
    _check_int("depth", depth, low=1)
    full = _full_schema(frame, _user_schema(schema), sample_rows)
    plan = _plan(frame, full)
    if not plan.columns:
        # Every column is ignored or binary: a profile of no column, of every row.
        return Profile(full, int(_run_spark(frame.count)), {}, settings)
    run = _partition_profiler(plan.schema, settings.to_dict(), chunk_rows, CHUNK_BYTES)
    merged, error_type, error = _run_spark(
        lambda: (
            frame.select(*plan.columns)
            .mapInArrow(run, _PARTS)
            .rdd.map(tuple)
            .treeAggregate(_NO_PART, _merge_parts, _merge_parts, depth)
        )
    )
    if error is not None:
        raise _ERRORS.get(error_type or "", IntegrationError)(error)
    if merged is None:
        # No partition held a row: the profile of no rows, of this schema.
        empty = _run_spark(lambda: frame.select(*plan.columns).limit(0).toArrow())
        result = profile_table(_named(empty, plan.schema), plan.schema, settings=settings)
    else:
        result = Profile.from_bytes(merged, source="A Spark partition's profile")
    # The profile holds the columns read; its schema lists every column, as in process.
    return replace(result, schema=full)


def _check_frame(data: Any) -> DataFrame:
    # A Spark Connect DataFrame is a pyspark.sql.DataFrame too, without an RDD.
    if type(data).__module__.startswith("pyspark.sql.connect"):
        raise InputTypeError(
            "driftscope.spark needs a classic Spark DataFrame (SparkSession.builder.master(...)); "
            "a Spark Connect DataFrame has no RDD to merge the partitions' profiles on."
        )
    if isinstance(data, DataFrame):
        return data
    raise InputTypeError(
        f"driftscope.spark expects a pyspark.sql.DataFrame. Got {type(data).__name__}; "
        "use driftscope.profile for pandas, polars and Arrow tables and files."
    )


def _check_int(name: str, value: object, *, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ParameterError(
            f"The {name!r} parameter of driftscope.spark must be an int >= {low}. Got {value!r}."
        )


def _user_schema(schema: Schema | Mapping[str, Any] | None) -> Schema:
    if schema is None:
        return Schema()
    if isinstance(schema, Schema):
        return schema
    if isinstance(schema, Mapping):
        return Schema.from_dict(schema)
    raise InputTypeError(
        f"The 'schema' of driftscope.spark must be a Schema or a mapping. "
        f"Got {type(schema).__name__}."
    )


def _quoted(name: str) -> Column:
    return F.col("`" + name.replace("`", "``") + "`")


def _full_schema(frame: DataFrame, user: Schema, sample_rows: int) -> Schema:
    fields = frame.schema.fields
    names = [f.name for f in fields]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise SchemaError(
            f"The Spark DataFrame has the column name {shown(repeated[0])} more than once; "
            "expected each name once (rename or drop the copies after a join)."
        )
    unknown = [s.name for s in user if s.name not in names]
    if unknown:
        raise SchemaError(
            f"The schema names column(s) the Spark DataFrame does not have: "
            f"{', '.join(map(shown, unknown))}. Its columns: "
            f"{', '.join(map(shown, names[:20]))}" + (" ..." if len(names) > 20 else "")
        )
    fixed: dict[str, ColumnSpec] = {}
    sampled: list[str] = []
    for f in fields:
        given = user.get(f.name) or ColumnSpec(name=f.name)
        spark_type = f.dataType.simpleString()
        if given.role is ColumnRole.IGNORED and not isinstance(f.dataType, _READ):
            fixed[f.name] = replace(given, note=given.note or f"Spark type {spark_type}: not read")
        elif isinstance(f.dataType, T.BinaryType):
            if given.kind not in (None, ColumnKind.BINARY):
                raise SchemaError(
                    f"Column {shown(f.name)} is binary in Spark, which cannot be profiled as "
                    f"{given.kind}; decode it to text or numbers first, or leave its kind unset "
                    "to list it unprofiled."
                )
            fixed[f.name] = replace(
                given,
                kind=ColumnKind.BINARY,
                role=given.role or ColumnRole.FEATURE,
                note=given.note or "raw bytes (Spark binary): listed, not profiled",
            )
        elif not isinstance(f.dataType, _READ):
            raise SchemaError(
                f"Column {shown(f.name)} of the Spark DataFrame is of type {spark_type}, which "
                f"driftscope cannot profile; expected {_TYPES_READ}. Drop it, flatten it into "
                "such columns, or give it the role 'ignored' in the schema."
            )
        else:
            sampled.append(f.name)
            if given.kind is None and isinstance(f.dataType, T.BooleanType):
                given = replace(given, kind=ColumnKind.BOOLEAN)
            elif given.kind is None and isinstance(f.dataType, _TIMES):
                given = replace(given, kind=ColumnKind.DATETIME)
            fixed[f.name] = given
    inferred: dict[str, ColumnSpec] = {}
    # A schema that already gives every column read its kind and role (`infer_schema`'s
    # result, a reference profile's) needs no sample: no Spark job before the profile's own.
    if any(fixed[n].kind is None or fixed[n].role is None for n in sampled):
        casts = _casts(frame, sampled)
        sample = _run_spark(lambda: frame.select(*casts).limit(sample_rows).toArrow())
        sample = sample.rename_columns(sampled).to_pandas()
        given_schema = Schema(tuple(fixed[n] for n in sampled))
        complete, _ = infer_columns(sample, sample, given_schema)
        for spec in complete:
            inferred[spec.name] = _not_constant(spec, fixed[spec.name], frame.schema[spec.name])
    return Schema(tuple(inferred.get(n, fixed[n]) for n in names))


def _not_constant(spec: ColumnSpec, given: ColumnSpec, field: T.StructField) -> ColumnSpec:
    """A sample's one value says nothing of the rows after it: a column the user did not call
    constant is profiled as numbers (a numeric Spark type) or by label."""
    if spec.kind is not ColumnKind.CONSTANT or given.kind is ColumnKind.CONSTANT:
        return spec
    numeric = isinstance(field.dataType, _NUMBERS)
    kind = ColumnKind.NUMERICAL if numeric else ColumnKind.CATEGORICAL
    return replace(spec, kind=kind, note="one value in the sampled rows")


def _casts(frame: DataFrame, names: list[str]) -> list[Column]:
    types = {f.name: f.dataType for f in frame.schema.fields}
    columns: list[Column] = []
    for name in names:
        column, spark_type = _quoted(name), types[name]
        if isinstance(spark_type, T.DecimalType):
            column = column.cast("double")
        elif isinstance(spark_type, T.DateType):
            column = column.cast("timestamp_ntz")
        elif isinstance(spark_type, T.NullType | T.CharType | T.VarcharType):
            column = column.cast("string")
        # Columns travel under their positions: a name with a dot or a backtick would be parsed
        # by some of Spark's operators (mapInArrow's among them); Python renames them back.
        columns.append(column.alias(f"_{len(columns)}"))
    return columns


def _plan(frame: DataFrame, full: Schema) -> _Plan:
    read = [s for s in full if s.role is not ColumnRole.IGNORED and s.kind is not ColumnKind.BINARY]
    return _Plan(
        columns=_casts(frame, [s.name for s in read]),
        schema={"columns": [s.to_dict() for s in read]},
    )


def _partition_profiler(
    schema: dict[str, Any], settings: dict[str, int], chunk_rows: int, chunk_bytes: int
) -> Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    """The function each partition runs on its Arrow record batches (on an executor)."""

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        try:
            merged = _profile_batches(batches, schema, settings, chunk_rows, chunk_bytes)
        except DriftscopeError as exc:
            yield pa.RecordBatch.from_pydict(
                {"profile": [None], "error_type": [type(exc).__name__], "error": [str(exc)]},
                schema=_PARTS_ARROW,
            )
            return
        if merged is not None:
            yield pa.RecordBatch.from_pydict(
                {"profile": [merged.to_bytes()], "error_type": [None], "error": [None]},
                schema=_PARTS_ARROW,
            )

    return run


_PARTS_ARROW = pa.schema(
    [("profile", pa.binary()), ("error_type", pa.string()), ("error", pa.string())]
)


def _profile_batches(
    batches: Iterator[pa.RecordBatch],
    schema: dict[str, Any],
    settings: dict[str, int],
    chunk_rows: int,
    chunk_bytes: int,
) -> Profile | None:
    """One partition's profile (None when it holds no row), a chunk of rows at a time."""
    full = Schema.from_dict(schema)
    profile_settings = ProfileSettings.from_dict(settings)
    merged: Profile | None = None
    chunk: list[pa.RecordBatch] = []
    rows = size = 0
    # One batch at a time from Spark's stream: never the whole partition at once.
    for batch in itertools.chain(batches, [None]):
        if batch is not None and batch.num_rows:
            chunk.append(batch)
            rows += batch.num_rows
            size += batch.nbytes
        if chunk and (batch is None or rows >= chunk_rows or size >= chunk_bytes):
            table = _named(pa.Table.from_batches(chunk), schema)
            part = profile_table(table, full, settings=profile_settings)
            merged = part if merged is None else merged.merge(part)
            chunk, rows, size = [], 0, 0
    return merged


def _named(table: pa.Table, schema: dict[str, Any]) -> pa.Table:
    """The table's positional columns under their names (`_casts`)."""
    return table.rename_columns([column["name"] for column in schema["columns"]])


def _merge_parts(a: _Part, b: _Part) -> _Part:
    """Two partitions' outputs as one: their profiles merged, or the first error (executors)."""
    for side in (a, b):
        if side[2] is not None:
            return side
    if a[0] is None:
        return b
    if b[0] is None:
        return a
    try:
        merged = Profile.from_bytes(a[0]).merge(Profile.from_bytes(b[0]))
    except DriftscopeError as exc:
        return None, type(exc).__name__, str(exc)
    return merged.to_bytes(), None, None


def _quiet(make: Callable[[], Any]) -> Any:
    # pyspark warns on every Arrow UDF that pandas 3 is not yet fully supported; mapInArrow
    # hands Arrow batches to driftscope and never goes through pandas.
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message="PySpark does not yet fully support pandas", category=FutureWarning
        )
        return make()


def _run_spark(job: Callable[[], Any]) -> Any:
    """A Spark job's result; Spark's own failures become one message, not a JVM traceback."""
    try:
        return _quiet(job)
    except (PySparkException, Py4JError) as exc:
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        # A Python worker's failure ends with its exception's line; Spark's own starts with it.
        worker = type(exc).__name__ == "PythonException"
        line = (lines[-1] if worker else lines[0]) if lines else type(exc).__name__
        raise IntegrationError(f"Spark failed while profiling: {shorten(line, 500)}") from None


def compare(
    reference: Any,
    current: Any,
    schema: Schema | Mapping[str, Any] | None = None,
    *,
    target: str | None = None,
    prediction: str | None = None,
    settings: ProfileSettings | None = None,
    sample_rows: int = SAMPLE_ROWS,
    **options: Any,
) -> Report:
    """`driftscope.compare` on Spark DataFrames: both sides profiled on the cluster, then
    compared from their profiles (docs/profiles.md, "Comparing profiles").

    Either side may be a `Profile` already (a reference kept without its rows); the other is
    then profiled with its schema and settings. Two DataFrames are profiled with one schema,
    `infer_schema` of the reference (``schema``, ``target`` and ``prediction`` shape it).
    ``options`` are `driftscope.compare`'s (``alpha``, ``methods``, ``drift_settings``,
    ``reference_name``, ...); the ones that need rows or shape the schema are refused by it,
    each named.
    """
    ref, cur = _profile_pair(
        "compare", reference, current, schema, target, prediction, settings, sample_rows
    )
    report: Report = compare_tables(ref, cur, **options)
    return report


def monitor(
    reference: Any,
    current: Any,
    schema: Schema | Mapping[str, Any] | None = None,
    *,
    target: str | None = None,
    prediction: str | None = None,
    settings: ProfileSettings | None = None,
    sample_rows: int = SAMPLE_ROWS,
    **options: Any,
) -> Report:
    """`driftscope.monitor` on Spark DataFrames, through their profiles, as `compare` does:
    drift, performance from the model columns' counts (name them with ``target`` and
    ``prediction``), quality, and a verdict."""
    ref, cur = _profile_pair(
        "monitor", reference, current, schema, target, prediction, settings, sample_rows
    )
    report: Report = monitor_tables(ref, cur, **options)
    return report


def _profile_pair(
    owner: str,
    reference: Any,
    current: Any,
    schema: Schema | Mapping[str, Any] | None,
    target: str | None,
    prediction: str | None,
    settings: ProfileSettings | None,
    sample_rows: int,
) -> tuple[Profile, Profile]:
    """Both sides as profiles of one schema and one set of settings."""
    fixed = next((side for side in (reference, current) if isinstance(side, Profile)), None)
    if fixed is not None:
        given = {
            "schema": schema,
            "target": target,
            "prediction": prediction,
            "settings": settings,
        }
        named = [name for name, value in given.items() if value is not None]
        if named:
            raise ParameterError(
                f"driftscope.spark.{owner}: {named[0]!r} cannot be given with a Profile side; "
                "the profile's schema and settings are used for both sides."
            )
        full, settings = fixed.schema, fixed.settings
    else:
        user = _user_schema(schema)
        for name, role in ((target, ColumnRole.TARGET), (prediction, ColumnRole.PREDICTION)):
            if name is not None:
                user = user.with_column(ColumnSpec(name, role=role))
        full = infer_schema(reference, user, sample_rows=sample_rows)
    sides = [
        side if isinstance(side, Profile) else profile(side, full, settings=settings)
        for side in (reference, current)
    ]
    return sides[0], sides[1]
