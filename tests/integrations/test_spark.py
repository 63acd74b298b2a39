"""`driftscope.spark` on a real Spark (`local[2]`, Java 17): partition profiles merged on the
executors equal the in-process profile of the same rows; bad input gets a message."""

from __future__ import annotations

import datetime as dt
import decimal
import math
import os
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from numpy.typing import NDArray
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

import driftscope
import driftscope.spark as ds
from driftscope.data.infer import infer_schema as infer_in_process
from driftscope.data.schema import ColumnKind, ColumnRole
from driftscope.exceptions import InputTypeError, IntegrationError, ParameterError, SchemaError
from driftscope.integrations.spark import _merge_parts, _partition_profiler, _profile_batches
from driftscope.profiles import ProfileSettings

# pyspark 4.3 warns, as a session starts, that it does not yet fully support pandas 3; no
# Spark call here goes through pandas (mapInArrow, toArrow, createDataFrame from Arrow), and
# driftscope.spark keeps the warning from its own calls.
_PANDAS_WARNING = "PySpark does not yet fully support pandas"
# The sketches' bounds: the estimated distinct count within this share of the true one (HLL at
# lg_k 12 has a relative standard error of 1.6%; 5% is three of them).
_HLL_SHARE = 0.05


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkSession]:
    # The Python workers run this interpreter (and so this driftscope), on loopback, no web UI.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_PANDAS_WARNING, category=FutureWarning)
        session = (
            SparkSession.builder.master("local[2]")
            .appName("driftscope-tests")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.driver.memory", "1g")
            .getOrCreate()
        )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def _table(n: int, seed: int) -> pa.Table:
    """Every kind Spark sends: numbers (with NaN, inf and nulls), few-valued integers, decimals,
    categories, booleans, dates, timestamps, text, a classifier's target and prediction, bytes."""
    rng = np.random.default_rng(seed)
    x = rng.normal(10.0, 3.0, n)
    x[rng.random(n) < 0.05] = np.nan
    x[:3] = [np.inf, -np.inf, np.inf]
    small = rng.integers(0, 9, n).astype(float)
    words = np.array(["storm", "river", "quiet", "lantern", "harbour", "meadow", "copper"])
    comment = [
        " ".join(rng.choice(words, rng.integers(5, 12)).tolist()) if rng.random() > 0.1 else None
        for _ in range(n)
    ]
    target = rng.choice(["cat", "dog"], n)
    prediction = np.where(rng.random(n) < 0.8, target, rng.choice(["cat", "dog"], n))
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    return pa.table(
        {
            "x": pa.array(x, mask=rng.random(n) < 0.05),
            "small": pa.array(small.astype(np.int64), mask=rng.random(n) < 0.1),
            "price": pa.array(
                [decimal.Decimal(f"{v:.2f}") for v in rng.uniform(0, 500, n)],
                type=pa.decimal128(10, 2),
            ),
            "city": pa.array(rng.choice(["Oslo", "Lima", "Pune", "Kobe", "Graz"], n)).to_pylist(),
            "member": pa.array(rng.random(n) < 0.3, mask=rng.random(n) < 0.05),
            "day": pa.array(
                [dt.date(2024, 1, 1) + dt.timedelta(days=int(d)) for d in rng.integers(0, 60, n)],
                type=pa.date32(),
            ),
            "seen": pa.array(
                [start + dt.timedelta(seconds=float(s)) for s in rng.uniform(0, 1e7, n)],
                type=pa.timestamp("us", tz="UTC"),
            ),
            "comment": pa.array(comment, type=pa.string()),
            "target": pa.array(target.tolist()),
            "prediction": pa.array(prediction.tolist()),
            "blob": pa.array([bytes([i % 256]) for i in range(n)], type=pa.binary()),
        }
    )


def _in_process_frame(table: pa.Table) -> pd.DataFrame:
    """The same rows for the in-process profile: decimals as float64, dates as midnight."""
    frame = table.to_pandas()
    frame["price"] = table["price"].cast(pa.float64()).to_numpy()
    frame["day"] = pd.to_datetime(table["day"].cast(pa.timestamp("us")).to_numpy())
    return frame


def _same_state(a: Any, b: Any, where: str) -> None:
    if isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for key in a:
            _same_state(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, float) and isinstance(b, float):
        # Means and sums of squares merged from partitions round differently in the last bits.
        assert a == pytest.approx(b, rel=1e-9, abs=1e-9), where
    else:
        assert a == b, where


def _sketches_agree(name: str, a: Any, b: Any, values: NDArray[np.float64]) -> None:
    """Quantile sketches within their rank error of the rows' true ranks, distinct counts within
    a few HLL standard errors."""
    if a.kind in ("numerical", "datetime") and a.exact is None:
        finite = np.sort(values[np.isfinite(values)])
        for q in np.linspace(0.01, 0.99, 25):
            v = a.quantile(float(q))
            low = np.searchsorted(finite, v, side="left") / finite.size
            high = np.searchsorted(finite, v, side="right") / finite.size
            assert low - a.rank_error <= q <= high + a.rank_error, (name, q)
    if a.kind == "text":
        _sketches_agree(f"{name}.lengths", a.lengths, b.lengths, values)
        assert a.distinct_tokens == pytest.approx(b.distinct_tokens, rel=_HLL_SHARE), name


def assert_same_profile(spark_profile: Any, local: Any, frame: pd.DataFrame) -> None:
    """Exact parts exactly (floating sums to 1e-9), sketches within their bounds."""
    assert spark_profile.n_rows == local.n_rows
    assert spark_profile.schema == local.schema
    assert spark_profile.model == local.model
    assert list(spark_profile.columns) == list(local.columns)
    for name, a in spark_profile.columns.items():
        b = local.columns[name]
        assert type(a) is type(b), name
        (meta_a, blobs_a), (meta_b, blobs_b) = a.to_state(), b.to_state()
        _same_state(meta_a, meta_b, name)
        sketches = {"kll", "hll", "frequent", "length_kll"}
        assert blobs_a.keys() == blobs_b.keys(), name
        for key in blobs_a.keys() - sketches:
            assert blobs_a[key] == blobs_b[key], (name, key)
        _sketches_agree(name, a, b, _numbers_of(frame[name], a.kind))


def _numbers_of(series: pd.Series, kind: str) -> NDArray[np.float64]:
    if kind == "text":
        return series.dropna().str.len().to_numpy(dtype=float)
    if kind == "datetime":
        if isinstance(series.dtype, pd.DatetimeTZDtype):
            series = series.dt.tz_convert("UTC").dt.tz_localize(None)
        seconds = (series - pd.Timestamp("1970-01-01")) / pd.Timedelta(seconds=1)
        return seconds.to_numpy(dtype=float, na_value=np.nan)
    if kind == "numerical":
        return series.to_numpy(dtype=float, na_value=np.nan)
    return np.empty(0)


def test_profile_equals_the_in_process_profile_of_the_same_rows(spark: SparkSession) -> None:
    table = _table(6000, seed=1)
    frame = spark.createDataFrame(table).repartition(5)
    assert frame.rdd.getNumPartitions() == 5
    schema = ds.infer_schema(frame)
    result = ds.profile(frame, schema)
    local = driftscope.profile(_in_process_frame(table), schema)
    assert_same_profile(result, local, _in_process_frame(table))
    # Every kind is there, decided as in process; the bytes column is listed, not profiled.
    kinds = {spec.name: spec.kind for spec in schema}
    assert kinds == {
        "x": ColumnKind.NUMERICAL,
        "small": ColumnKind.NUMERICAL,
        "price": ColumnKind.NUMERICAL,
        "city": ColumnKind.CATEGORICAL,
        "member": ColumnKind.BOOLEAN,
        "day": ColumnKind.DATETIME,
        "seen": ColumnKind.DATETIME,
        "comment": ColumnKind.TEXT,
        "target": ColumnKind.CATEGORICAL,
        "prediction": ColumnKind.CATEGORICAL,
        "blob": ColumnKind.BINARY,
    }
    in_process, _ = infer_in_process(_in_process_frame(table), _in_process_frame(table))
    assert {s.name: s.kind for s in in_process} == kinds
    assert schema["target"].role is ColumnRole.TARGET
    assert "blob" not in result.columns
    assert result.model is not None
    assert result.model.confusion.labels == ("cat", "dog")
    # The numbers a reader checks first, against numpy on the raw rows.
    x = table["x"].to_numpy(zero_copy_only=False)
    finite = x[np.isfinite(x)]
    assert result["x"].count == finite.size
    assert result["x"].non_finite == 3
    assert result["x"].mean == pytest.approx(finite.mean(), rel=1e-12)
    assert result["x"].variance == pytest.approx(finite.var(ddof=1), rel=1e-9)
    assert result["city"].counts == tuple(
        sorted(pd.Series(table["city"].to_pylist()).value_counts().items())
    )


def test_small_chunks_and_many_partitions_merge_to_the_same_profile(spark: SparkSession) -> None:
    table = _table(2000, seed=2)
    frame = spark.createDataFrame(table).repartition(12)
    schema = ds.infer_schema(frame)
    local = driftscope.profile(_in_process_frame(table), schema)
    # 300-row chunks within each partition; a tree of 3 levels over 12 partitions.
    result = ds.profile(frame, schema, chunk_rows=300, depth=3)
    assert_same_profile(result, local, _in_process_frame(table))


def test_empty_partitions_and_an_empty_frame(spark: SparkSession) -> None:
    table = _table(5, seed=3)
    frame = spark.createDataFrame(table).repartition(8)  # 8 partitions, at most 5 with rows
    schema = ds.infer_schema(frame)
    local = driftscope.profile(_in_process_frame(table), schema)
    assert_same_profile(ds.profile(frame, schema), local, _in_process_frame(table))

    empty = ds.profile(frame.filter(F.lit(False)), schema)
    assert empty.n_rows == 0
    assert all(p.n == 0 for p in empty.columns.values())
    assert empty.schema == schema
    # The profile of no rows merges as the identity.
    merged = empty.merge(local)
    assert merged.n_rows == local.n_rows
    assert_same_profile(merged, local, _in_process_frame(table))


def test_all_null_columns_are_profiled_as_missing(spark: SparkSession) -> None:
    frame = spark.range(0, 1000, numPartitions=3).select(
        F.col("id").cast("double").alias("x"),
        F.lit(None).cast("double").alias("no_numbers"),
        F.lit(None).cast("string").alias("no_labels"),
        F.lit(None).alias("untyped"),
        F.lit(None).cast("timestamp").alias("no_times"),
    )
    result = ds.profile(frame)
    for name in ("no_numbers", "no_labels", "untyped", "no_times"):
        column = result[name]
        assert (column.count, column.missing) == (0, 1000), name
    assert result["no_numbers"].kind == "numerical"
    assert result.schema["untyped"].kind is ColumnKind.CATEGORICAL
    assert result["no_times"].kind == "datetime"
    assert math.isnan(result["no_numbers"].mean)
    assert result["x"].count == 1000


def test_column_names_spark_would_parse_are_read_as_names(spark: SparkSession) -> None:
    names = ["price.eur", "odd`name", "two words"]
    frame = spark.range(0, 100, numPartitions=2).select(
        *[(F.col("id") * (i + 1)).cast("double").alias(name) for i, name in enumerate(names)]
    )
    result = ds.profile(frame)
    assert list(result.columns) == names
    assert [result[name].max for name in names] == [99.0, 198.0, 297.0]


def test_a_sample_never_calls_a_column_constant(spark: SparkSession) -> None:
    # The first 10,000 rows hold one value; the rest do not.
    frame = spark.range(0, 30_000, numPartitions=2).select(
        F.when(F.col("id") < 10_000, 1.0).otherwise(F.col("id")).alias("level"),
        F.when(F.col("id") < 10_000, "a").otherwise("b").alias("grade"),
    )
    schema = ds.infer_schema(frame, sample_rows=10_000)
    assert schema["level"].kind is ColumnKind.NUMERICAL
    assert schema["grade"].kind is ColumnKind.CATEGORICAL
    result = ds.profile(frame, schema)
    assert result["grade"].counts == (("a", 10_000), ("b", 20_000))
    # A kind the user sets wins.
    given = ds.infer_schema(frame, {"columns": {"grade": "constant"}})
    assert given["grade"].kind is ColumnKind.CONSTANT


@pytest.mark.parametrize(
    ("expression", "spark_type"),
    [
        ("array(id, id)", "array<bigint>"),
        ("map('k', id)", "map<string,bigint>"),
        ("named_struct('a', id)", "struct<a:bigint>"),
        ("make_interval(0, 0, 0, 1)", "interval"),
    ],
)
def test_unsupported_types_are_refused_by_name(
    spark: SparkSession, expression: str, spark_type: str
) -> None:
    frame = spark.range(0, 10).select("id", F.expr(expression).alias("nested"))
    with pytest.raises(
        SchemaError, match=r"Column 'nested' of the Spark DataFrame is of type"
    ) as e:
        ds.profile(frame)
    assert spark_type in str(e.value)
    assert "role 'ignored'" in str(e.value)
    # Given the role "ignored", the column is listed and not read.
    result = ds.profile(frame, {"columns": {"nested": {"role": "ignored"}}})
    assert list(result.columns) == ["id"]
    assert result.schema["nested"].role is ColumnRole.IGNORED
    assert result.n_rows == 10


def test_binary_columns_are_listed_not_profiled(spark: SparkSession) -> None:
    frame = spark.range(0, 10).select(
        "id", F.expr("cast(cast(id as string) as binary)").alias("raw")
    )
    result = ds.profile(frame)
    assert result.schema["raw"].kind is ColumnKind.BINARY
    assert "raw" not in result.columns
    with pytest.raises(SchemaError, match=r"Column 'raw' is binary in Spark"):
        ds.profile(frame, {"columns": {"raw": "numerical"}})
    # Nothing left to read: the profile counts the rows and lists the columns.
    nothing_read = ds.profile(frame, {"columns": {"id": {"role": "ignored"}}})
    assert (nothing_read.n_rows, dict(nothing_read.columns)) == (10, {})
    assert nothing_read.schema["id"].kind is ColumnKind.NUMERICAL  # inferred, as in process


def test_bad_arguments_get_messages(spark: SparkSession) -> None:
    frame = spark.range(0, 10)
    with pytest.raises(InputTypeError, match=r"expects a pyspark.sql.DataFrame. Got DataFrame"):
        ds.profile(pd.DataFrame({"a": [1]}))
    with pytest.raises(ParameterError, match=r"'sample_rows' parameter .* >= 1. Got 0"):
        ds.profile(frame, sample_rows=0)
    with pytest.raises(ParameterError, match=r"'chunk_rows' parameter"):
        ds.profile(frame, chunk_rows=True)
    with pytest.raises(SchemaError, match=r"does not have: 'age'. Its columns: 'id'"):
        ds.profile(frame, {"columns": {"age": "numerical"}})
    with pytest.raises(InputTypeError, match=r"'settings' of profile must be a ProfileSettings"):
        ds.profile(frame, settings={"quantile_k": 100})
    twice = frame.select("id", F.col("id").alias("id"))
    with pytest.raises(SchemaError, match=r"column name 'id' more than once"):
        ds.profile(twice)


def test_a_failing_spark_job_is_one_message(spark: SparkSession) -> None:
    # Spark's ANSI mode fails the cast of a word to a number when the rows are computed.
    frame = spark.range(0, 10).select(F.expr("cast(concat('x', id) as int)").alias("bad"))
    with pytest.raises(IntegrationError, match=r"^Spark failed while profiling: .*CAST_INVALID"):
        ds.profile(frame, {"columns": {"bad": "numerical"}})


def test_settings_reach_the_executors(spark: SparkSession) -> None:
    settings = ProfileSettings(quantile_k=64, max_exact_values=10)
    frame = spark.range(0, 5000, numPartitions=4).select(F.randn(7).alias("z"))
    result = ds.profile(frame, settings=settings)
    assert result.settings == settings
    assert result["z"].exact is None
    # k = 64 has about three times the rank error of k = 200.
    assert result["z"].rank_error > 0.04


def test_an_error_on_an_executor_comes_back_as_the_driftscope_error() -> None:
    # A column of bytes given a tested kind: the in-process profile refuses it on the executor;
    # the partition returns the error, which the merge keeps and the driver raises.
    schema = {"columns": [{"name": "raw", "kind": "numerical", "role": "feature"}]}
    run = _partition_profiler(schema, ProfileSettings().to_dict(), 100, 1 << 20)
    batch = pa.RecordBatch.from_pydict({"raw": pa.array([b"\x00", b"\x01"])})
    (out,) = list(run(iter([batch])))
    error_type, error = out.column(1)[0].as_py(), out.column(2)[0].as_py()
    assert error_type == "SchemaError"
    assert "Column 'raw' holds raw bytes" in error
    ok = (driftscope.profile(pd.DataFrame({"raw": [1.0]})).to_bytes(), None, None)
    assert _merge_parts(ok, (None, error_type, error)) == (None, error_type, error)
    assert _merge_parts((None, None, None), ok) == ok
    assert list(run(iter([]))) == []


def test_without_the_spark_extra_the_import_says_how_to_install_it() -> None:
    code = (
        "import sys; sys.modules['pyspark'] = None\n"
        "try:\n"
        "    import driftscope.spark\n"
        "except ImportError as exc:\n"
        "    print(type(exc).__name__, exc)\n"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(root / "src")},
        check=True,
    )
    assert done.stdout.strip() == (
        "ExtraMissingError The Spark integration needs pyspark (and Java 17 or later), which is "
        'not installed: pip install "driftscope[spark]"'
    )


def test_chunks_cut_by_bytes_or_by_rows_merge_to_the_same_profile() -> None:
    table = _in_process_frame(_table(3000, seed=4)).drop(columns="blob")
    schema = driftscope.profile(table).schema
    batches = pa.Table.from_pandas(table, preserve_index=False).to_batches(max_chunksize=250)
    state = schema.to_dict()
    local = driftscope.profile(table, schema)
    # A byte cap below one batch's size: every batch is a chunk of its own.
    smallest = min(b.nbytes for b in batches)
    merged = _profile_batches(iter(batches), state, ProfileSettings().to_dict(), 10**6, smallest)
    assert merged is not None
    assert_same_profile(merged, local, table)
    by_rows = _profile_batches(iter(batches), state, ProfileSettings().to_dict(), 1000, 1 << 30)
    assert by_rows is not None
    assert_same_profile(by_rows, local, table)


@pytest.mark.slow
def test_20m_rows_agree_with_spark_and_with_pandas_on_a_sample(spark: SparkSession) -> None:
    """20M rows generated in Spark: the profile's exact parts equal Spark's own aggregates,
    and its quantiles and category shares agree with pandas on 1M rows drawn from the same
    distributions (within the sketch's rank error plus the sample's DKW bound)."""
    n = 20_000_000
    frame = spark.range(0, n, numPartitions=8).select(
        (F.randn(11) * 2.0 + 5.0).alias("normal"),
        F.when(F.rand(12) < 0.02, None).otherwise(-F.log(F.rand(13))).alias("waiting"),
        F.when(F.rand(14) < 0.6, "a").when(F.rand(15) < 0.5, "b").otherwise("c").alias("grade"),
    )
    result = ds.profile(frame)
    truth = frame.agg(
        F.count("waiting").alias("count"),
        F.min("waiting").alias("min"),
        F.max("waiting").alias("max"),
        F.mean("waiting").alias("mean"),
        F.var_samp("waiting").alias("var"),
    ).first()
    assert truth is not None
    waiting = result["waiting"]
    assert (waiting.count, waiting.missing) == (truth["count"], n - truth["count"])
    assert (waiting.min, waiting.max) == (truth["min"], truth["max"])
    assert waiting.mean == pytest.approx(truth["mean"], rel=1e-9)
    assert waiting.variance == pytest.approx(truth["var"], rel=1e-6)
    grades = dict(frame.groupBy("grade").count().collect())
    assert dict(result["grade"].counts) == grades

    rng = np.random.default_rng(16)
    m = 1_000_000
    a, b = rng.random(m), rng.random(m)
    sample = pd.DataFrame(
        {
            "normal": rng.normal(5.0, 2.0, m),
            "waiting": np.where(rng.random(m) < 0.02, np.nan, rng.exponential(1.0, m)),
            "grade": np.where(a < 0.6, "a", np.where(b < 0.5, "b", "c")),
        }
    )
    local = driftscope.profile(sample, result.schema)
    # Dvoretzky-Kiefer-Wolfowitz: the sample's CDF within eps of the truth with 1 - 1e-6.
    dkw = math.sqrt(math.log(2 / 1e-6) / (2 * m))
    for name in ("normal", "waiting"):
        big, small = result[name], local[name]
        for q in (0.05, 0.25, 0.5, 0.75, 0.95):
            share = float(np.mean(sample[name].dropna() <= big.quantile(q)))
            assert abs(share - q) <= big.rank_error + dkw, (name, q)
        assert big.mean == pytest.approx(small.mean, abs=5 * big.std / math.sqrt(m))
    shares = {k: v / n for k, v in result["grade"].counts}
    sample_shares = {k: v / m for k, v in local["grade"].counts}
    for label in "abc":
        assert shares[label] == pytest.approx(sample_shares[label], abs=0.003)
    assert result["waiting"].missing / n == pytest.approx(0.02, abs=0.001)


def _shifted(spark: SparkSession, n: int, partitions: int, seed: int, shift: float) -> Any:
    """Rows of four columns: one that never moves, one shifted by ``shift`` sd, one scaled by
    1 + ``shift``, and a category whose first share falls by ``shift`` / 2."""
    return spark.range(0, n, numPartitions=partitions).select(
        F.randn(seed).alias("steady"),
        (F.randn(seed + 1) + shift).alias("moved"),
        (F.randn(seed + 2) * (1 + shift) + 3.0).alias("wider"),
        F.when(F.rand(seed + 3) < 0.5 - shift / 2, "a")
        .when(F.rand(seed + 4) < 0.5, "b")
        .otherwise("c")
        .alias("grade"),
    )


def _pandas_sample(rng: np.random.Generator, m: int, shift: float) -> pd.DataFrame:
    a, b = rng.random(m), rng.random(m)
    return pd.DataFrame(
        {
            "steady": rng.normal(size=m),
            "moved": rng.normal(size=m) + shift,
            "wider": rng.normal(size=m) * (1 + shift) + 3.0,
            "grade": np.where(a < 0.5 - shift / 2, "a", np.where(b < 0.5, "b", "c")),
        }
    )


def _decisions(report: Any) -> dict[str, bool]:
    return {c.name: c.drifted for c in report.drift.columns}


def test_compare_and_monitor_on_dataframes_through_profiles(spark: SparkSession) -> None:
    reference = _shifted(spark, 20_000, 4, seed=21, shift=0.0)
    current = _shifted(spark, 20_000, 4, seed=31, shift=0.4)
    report = ds.compare(reference, current, multivariate=False)
    assert _decisions(report) == {"steady": False, "moved": True, "wider": True, "grade": True}
    # The same as profiling each side, then driftscope.compare on the profiles.
    schema = ds.infer_schema(reference)
    by_hand = driftscope.compare(ds.profile(reference, schema), ds.profile(current, schema))
    # (KLL compactions flip coins, so two profiles of one table differ within the bounds.)
    assert _decisions(by_hand) == _decisions(report)
    # A kept reference profile on one side, a DataFrame on the other.
    kept = ds.profile(reference)
    assert _decisions(ds.compare(kept, current)) == _decisions(report)
    with pytest.raises(ParameterError, match=r"'schema' cannot be given with a Profile side"):
        ds.compare(kept, current, {"columns": {"steady": "numerical"}})
    # A model's columns: performance from the profiles' confusion counts.
    labelled = [
        frame.select(
            "*",
            (F.col("moved") > 0).cast("int").alias("label"),
            (F.col("steady") > 0).cast("int").alias("guess"),
        )
        for frame in (reference, current)
    ]
    kinds = {"columns": {"label": "categorical", "guess": "categorical"}}
    monitored = ds.monitor(*labelled, kinds, target="label", prediction="guess")
    assert monitored.performance is not None
    # Accuracy from the profiles' confusion counts: exactly the rows' accuracy.
    for frame, side in zip(labelled, ("reference", "current"), strict=True):
        rows = frame.select("label", "guess").toArrow().to_pandas()
        exact = float(np.mean(rows["label"] == rows["guess"]))
        assert getattr(monitored.performance.metric("accuracy"), side) == pytest.approx(exact)
    assert monitored.verdict is not None


@pytest.mark.slow
def test_20m_rows_give_the_drift_decisions_of_pandas_on_a_sample(spark: SparkSession) -> None:
    """20M rows generated in Spark (10M a side) and 1M rows drawn by numpy from the same
    distributions (500,000 a side): the same column decisions, none of them uncertain."""
    n, m = 10_000_000, 500_000
    rng = np.random.default_rng(41)
    for shift in (0.0, 0.3):
        spark_report = ds.compare(
            _shifted(spark, n, 4, seed=51, shift=0.0),
            _shifted(spark, n, 4, seed=61, shift=shift),
            multivariate=False,
        )
        pandas_report = driftscope.compare(
            _pandas_sample(rng, m, 0.0), _pandas_sample(rng, m, shift), multivariate=False
        )
        assert _decisions(spark_report) == _decisions(pandas_report), shift
        drifted = {"steady": False, "moved": shift > 0, "wider": shift > 0, "grade": shift > 0}
        assert _decisions(spark_report) == drifted
