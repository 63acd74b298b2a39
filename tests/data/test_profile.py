"""`driftscope.profile` and `Profile`: a table's profile merges to the profile of the
concatenated tables, round-trips through its file format, and fails clearly on bad input."""

from __future__ import annotations

import itertools
import struct
import threading
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.datasets import load_iris
from sklearn.metrics import confusion_matrix, mean_absolute_error, r2_score

import driftscope
from driftscope import Profile, ProfileSettings, profile
from driftscope.data.profile import FORMAT_VERSION, MAGIC
from driftscope.exceptions import (
    EmptyDataError,
    FileFormatError,
    InputFileNotFoundError,
    InputTypeError,
    ParameterError,
    SchemaError,
)
from driftscope.profiles import (
    BooleanProfile,
    CategoricalProfile,
    DatetimeProfile,
    NumericalProfile,
    TextProfile,
)

SCHEMA = {
    "columns": {
        "x": "numerical",
        "city": "categorical",
        "flag": "boolean",
        "when": "datetime",
        "note": "text",
        "label": {"kind": "categorical", "role": "target"},
        "guess": {"kind": "categorical", "role": "prediction"},
    },
}


def table(seed: int, n: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    x[rng.random(n) < 0.1] = np.nan
    label = rng.choice(["no", "yes"], n)
    return pd.DataFrame(
        {
            "x": x,
            "city": pd.Series(rng.choice(["a", "b", "c", None], n), dtype=object),
            "flag": rng.random(n) < 0.3,
            "when": pd.Timestamp("2026-01-01") + pd.to_timedelta(rng.integers(0, 10**6, n), "s"),
            "note": [" ".join(rng.choice(["red", "fox", "jumps"], 3)) for _ in range(n)],
            "label": label,
            "guess": np.where(rng.random(n) < 0.8, label, "no"),
        }
    )


def exact_columns(p: Profile) -> dict[str, object]:
    out: dict[str, object] = {}
    for name, c in p.columns.items():
        if isinstance(c, NumericalProfile):  # DatetimeProfile too
            out[name] = (c.count, c.missing, c.non_finite, c.min, c.max, c.exact)
        elif isinstance(c, CategoricalProfile):
            out[name] = (c.count, c.missing, c.counts)
        elif isinstance(c, TextProfile):
            out[name] = (c.count, c.missing, c.n_tokens, c.lengths.exact)
        else:
            out[name] = c
    return out


@settings(max_examples=25, deadline=None)
@given(cuts=st.lists(st.integers(0, 300), min_size=1, max_size=4))
def test_merging_parts_gives_the_profile_of_the_whole_table(cuts: list[int]) -> None:
    frame = table(0, 300)
    edges = [0, *sorted(cuts), 300]
    parts = [profile(frame.iloc[a:b], SCHEMA) for a, b in itertools.pairwise(edges)]
    whole = profile(frame, SCHEMA)
    merged = Profile.merge_all(parts)
    assert merged.n_rows == whole.n_rows == 300
    assert merged.schema == whole.schema
    assert exact_columns(merged) == exact_columns(whole)
    assert merged.model == whole.model
    assert merged["x"].mean == pytest.approx(np.nanmean(frame["x"]), rel=1e-9)
    assert merged["x"].variance == pytest.approx(np.nanvar(frame["x"], ddof=1), rel=1e-9)
    reversed_order = Profile.merge_all(parts[::-1])
    assert exact_columns(reversed_order) == exact_columns(whole)


def test_each_kind_gets_its_profile_and_the_model_its_confusion_matrix() -> None:
    frame = table(1, 500)
    p = profile(frame, SCHEMA)
    assert isinstance(p["x"], NumericalProfile)
    assert type(p["x"]) is NumericalProfile
    assert isinstance(p["city"], CategoricalProfile)
    assert isinstance(p["flag"], BooleanProfile)
    assert p["flag"].n_true == frame["flag"].sum()
    assert isinstance(p["when"], DatetimeProfile)
    assert p["when"].min == frame["when"].min().timestamp()
    assert isinstance(p["note"], TextProfile)
    assert p["note"].n_tokens == 1500
    assert p["city"].missing == frame["city"].isna().sum()
    assert p.model is not None
    assert p.model.confusion is not None
    assert p.model.regression is None
    expected = confusion_matrix(frame["label"], frame["guess"], labels=["no", "yes"])
    assert p.model.confusion.array().tolist() == expected.tolist()


def test_a_regression_model_keeps_its_sums_and_integer_classes_their_matrix() -> None:
    rng = np.random.default_rng(4)
    y = rng.normal(size=400)
    frame = pd.DataFrame({"y": y, "p": y + rng.normal(0, 0.3, 400)})
    frame.loc[3, "p"] = np.nan
    schema = {"columns": {"y": "numerical", "p": "numerical"}, "target": "y", "prediction": "p"}
    halves = profile(frame.iloc[:150], schema).merge(profile(frame.iloc[150:], schema))
    assert halves.model is not None
    assert halves.model.regression is not None
    keep = frame.dropna()
    assert halves.model.missing == 1
    assert halves.model.regression.mae == pytest.approx(mean_absolute_error(keep.y, keep.p))
    assert halves.model.regression.r2 == pytest.approx(r2_score(keep.y, keep.p), rel=1e-9)
    assert halves.model.confusion is not None
    assert halves.model.confusion.truncated
    classes = pd.DataFrame({"y": [0.0, 1.0, 1.0, 2.0], "p": [0, 1, 2, 2]})
    counts = profile(classes, schema).model.confusion  # type: ignore[union-attr]
    assert counts is not None
    assert counts.labels == ("0", "1", "2")
    assert counts.array().tolist() == [[1, 0, 0], [0, 1, 1], [0, 0, 1]]


def test_iris_profile_is_exact_against_numpy() -> None:
    iris = load_iris(as_frame=True).frame
    p = profile(iris)
    for name in iris.columns[:4]:
        column = p[name]
        values = iris[name].to_numpy()
        assert isinstance(column, NumericalProfile)
        assert column.exact is not None
        assert column.mean == pytest.approx(values.mean(), rel=1e-12)
        assert column.std == pytest.approx(values.std(ddof=1), rel=1e-12)
        for q in (0.1, 0.25, 0.5, 0.9):
            assert column.quantile(q) == np.quantile(values, q, method="inverted_cdf")


def test_zero_rows_all_null_nan_inf_huge_and_mixed_columns() -> None:
    empty = profile(pd.DataFrame({"a": pd.Series([], dtype=float)}))
    assert empty.n_rows == 0
    assert empty["a"].n == 0
    frame = pd.DataFrame(
        {
            "none": [None] * 5,
            "nan": [np.nan] * 5,
            "odd": [1.0, np.inf, -np.inf, np.nan, 1e308],
            "mixed": pd.Series([1, "1", 2.5, None, True], dtype=object),
        }
    )
    schema = {
        "columns": {
            "none": "categorical",
            "nan": "numerical",
            "odd": "numerical",
            "mixed": "categorical",
        }
    }
    p = profile(frame, schema)
    assert (p["none"].count, p["none"].missing) == (0, 5)
    assert (p["nan"].count, p["nan"].missing) == (0, 5)
    odd = p["odd"]
    assert isinstance(odd, NumericalProfile)
    assert (odd.count, odd.missing, odd.non_finite, odd.max) == (2, 1, 2, 1e308)
    mixed = p["mixed"]
    assert isinstance(mixed, CategoricalProfile)
    # 1 and "1" are one label, as in the drift tests; True and 2.5 their text.
    assert mixed.counts == (("1", 2), ("2.5", 1), ("True", 1))
    assert mixed.missing == 1
    assert Profile.from_bytes(p.to_bytes()) == p


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    p = profile(table(2, 2000), SCHEMA, settings=ProfileSettings(max_exact_values=50))
    path = tmp_path / "ref.profile"
    p.save(path)
    loaded = Profile.load(path)
    assert loaded == p
    assert loaded.to_dict() == p.to_dict()
    assert path.read_bytes()[:8] == MAGIC
    assert loaded["x"].quantile(0.5) == p["x"].quantile(0.5)


def with_version(data: bytes, version: int) -> bytes:
    body = data[:8] + struct.pack(">H", version) + data[10:-4]
    return body + struct.pack(">I", zlib.crc32(body))


def test_damaged_and_foreign_files_are_clear_errors(tmp_path: Path) -> None:
    data = profile(table(3, 50), SCHEMA).to_bytes()
    path = tmp_path / "other.profile"
    path.write_bytes(with_version(data, FORMAT_VERSION + 1))
    with pytest.raises(
        FileFormatError,
        match=r"'.*other.profile' is a profile of format version 2; "
        r"this driftscope .* reads format versions 1 to 1. Upgrade",
    ):
        Profile.load(path)
    with pytest.raises(FileFormatError, match="format version 0"):
        Profile.from_bytes(with_version(data, 0))
    path.write_bytes(b"PAR1" + data[4:])
    with pytest.raises(
        FileFormatError,
        match=r"other.profile' is not a driftscope profile: it "
        r"starts with b'PAR1",
    ):
        Profile.load(path)
    for cut in (5, 20, len(data) - 1):
        path.write_bytes(data[:cut])
        with pytest.raises(FileFormatError, match=r"other.profile' is truncated"):
            Profile.load(path)
    damaged = bytearray(data)
    damaged[-10] ^= 0xFF
    with pytest.raises(FileFormatError, match="damaged: its CRC-32"):
        Profile.from_bytes(bytes(damaged))
    with pytest.raises(InputFileNotFoundError, match=r"missing.profile' does not exist"):
        Profile.load(tmp_path / "missing.profile")
    with pytest.raises(FileFormatError, match="is a folder"):
        Profile.load(tmp_path)
    with pytest.raises(InputTypeError, match=r"expected bytes. Got str"):
        Profile.from_bytes("text")  # type: ignore[arg-type]


def test_profiles_of_different_schemas_or_settings_do_not_merge() -> None:
    a = profile(table(5, 40), SCHEMA)
    other_kind = profile(
        table(5, 40), {**SCHEMA, "columns": {**SCHEMA["columns"], "x": "categorical"}}
    )
    with pytest.raises(
        SchemaError,
        match="column 'x' has kind 'numerical' in the first profile "
        "and 'categorical' in the second",
    ):
        a.merge(other_kind)
    fewer = profile(
        table(5, 40).drop(columns="note"),
        {**SCHEMA, "columns": {k: v for k, v in SCHEMA["columns"].items() if k != "note"}},
    )
    with pytest.raises(SchemaError, match="column 'note' is in the first profile only"):
        a.merge(fewer)
    with pytest.raises(ParameterError, match="different settings"):
        a.merge(profile(table(5, 40), SCHEMA, settings=ProfileSettings(quantile_k=100)))
    with pytest.raises(EmptyDataError, match="at least one profile"):
        Profile.merge_all([])
    with pytest.raises(InputTypeError, match=r"expects a Profile. Got dict"):
        a.merge({})  # type: ignore[arg-type]
    with pytest.raises(SchemaError, match="no column 'nope'"):
        a["nope"]


def test_profile_reads_files_and_is_exported(tmp_path: Path) -> None:
    frame = table(6, 100)
    path = tmp_path / "data.parquet"
    frame.to_parquet(path)
    from_file = driftscope.profile(path, SCHEMA)
    assert exact_columns(from_file) == exact_columns(profile(frame, SCHEMA))
    with pytest.raises(InputTypeError, match="'settings' of profile must be a ProfileSettings"):
        profile(frame, settings={"quantile_k": 8})  # type: ignore[arg-type]


def test_a_partition_of_zero_rows_merges_as_the_identity() -> None:
    frame = table(7, 60)
    empty = profile(frame.iloc[:0], SCHEMA)
    assert empty.n_rows == 0
    assert all(c.n == 0 for c in empty.columns.values())
    whole = profile(frame, SCHEMA)
    for merged in (empty.merge(whole), whole.merge(empty)):
        assert exact_columns(merged) == exact_columns(whole)
        assert merged.model == whole.model
    numbers = pd.DataFrame({"y": [1.5, 2.0, 3.0], "p": [1.0, 2.0, 4.0]})
    schema = {"columns": {"y": "numerical", "p": "numerical"}, "target": "y", "prediction": "p"}
    merged = profile(numbers.iloc[:0], schema).merge(profile(numbers, schema))
    assert merged.model == profile(numbers, schema).model
    assert merged.model is not None
    assert merged.model.regression is not None
    assert merged.model.regression.mae == pytest.approx(0.5)


def test_columns_profiled_on_threads_equal_those_profiled_on_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import driftscope.data.profile as module

    frame = table(8, 3000)
    serial = profile(frame, SCHEMA)
    monkeypatch.setattr(module, "_PARALLEL_ROWS", 1000)
    monkeypatch.setattr(module.os, "cpu_count", lambda: 4)
    threads: set[str] = set()
    original = module._profile_column

    def spy(*args: object) -> object:
        threads.add(threading.current_thread().name)
        return original(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(module, "_profile_column", spy)
    threaded = profile(frame, SCHEMA)
    assert "MainThread" not in threads
    assert threads
    assert list(threaded.columns) == list(serial.columns)
    assert exact_columns(threaded) == exact_columns(serial)
    assert threaded["x"].moments == serial["x"].moments


def test_a_damaged_sketch_fails_at_load_naming_the_file(tmp_path: Path) -> None:
    p = profile(table(9, 2000), SCHEMA)
    data = bytearray(p.to_bytes())
    (header_length,) = struct.unpack(">I", data[10:14])
    start = 14 + header_length  # the first block: column x's KLL sketch
    data[start : start + 8] = b"\xff" * 8
    body = bytes(data[:-4])
    path = tmp_path / "bad.profile"
    path.write_bytes(body + struct.pack(">I", zlib.crc32(body)))  # a checksum that matches
    with pytest.raises(FileFormatError, match=r"bad.profile' is not a valid profile"):
        Profile.load(path)


# Every character Python's str.split() splits on, and some that look like whitespace but are not.
WHITESPACE = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())
NOT_WHITESPACE = "\u200b\u180e\ufeff\u2060\x00"
texts_with_missing = st.lists(
    st.one_of(st.none(), st.text(alphabet="ab\u00e9\u4e2d" + WHITESPACE + NOT_WHITESPACE)),
    min_size=1,
    max_size=30,
)


@settings(max_examples=60, deadline=None)
@given(values=texts_with_missing, cap=st.sampled_from([1, 3, 1000]))
def test_arrow_string_columns_profile_as_python_strings_do(
    values: list[str | None], cap: int
) -> None:
    # Columns read from Parquet or CSV hold Arrow strings, counted and split by Arrow; Python
    # objects go through pandas and str.split(). Both give one profile, sketches included.
    config = ProfileSettings(max_categories=cap)
    schema = {"columns": {"note": "text", "city": "categorical"}}
    as_objects = pd.DataFrame(
        {"note": pd.Series(values, dtype=object), "city": pd.Series(values, dtype=object)}
    )
    as_arrow = as_objects.astype("string[pyarrow]")
    as_arrow_dtype = as_objects.astype(pd.ArrowDtype(pa.string()))
    a, b, c = (profile(f, schema, settings=config) for f in (as_arrow, as_objects, as_arrow_dtype))
    assert a["note"] == b["note"] == c["note"]
    assert a["city"] == b["city"] == c["city"]
    present = [v for v in values if v is not None]
    note = a["note"]
    assert isinstance(note, TextProfile)
    assert note.n_tokens == sum(len(v.split()) for v in present)
    assert (note.count, note.missing) == (len(present), len(values) - len(present))


def test_arrow_whitespace_is_python_whitespace_character_by_character() -> None:
    characters = WHITESPACE + NOT_WHITESPACE + "a"
    texts = [f"x{c}y{c}{c}z{c}" for c in characters]
    frame = pd.DataFrame({"note": pd.Series(texts, dtype="string[pyarrow]")})
    for text in texts:
        p = profile(frame[frame["note"] == text], {"columns": {"note": "text"}})["note"]
        assert isinstance(p, TextProfile)
        assert p.n_tokens == len(text.split()), repr(text)


def test_raw_bytes_under_a_given_kind_are_refused_naming_the_column() -> None:
    frame = pd.DataFrame({"x": [1.0, 2.0], "blob": [b"\x00\x01", b"\x02"]})
    with pytest.raises(SchemaError, match=r"Column 'blob' holds raw bytes"):
        profile(frame, {"columns": {"x": "numerical", "blob": "categorical"}})
    with pytest.raises(SchemaError, match=r"Column 'blob' holds raw bytes"):
        profile(frame, {"columns": {"blob": "categorical"}})
