"""`server.storage`: artifacts named by their content, written whole or not at all."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import pandas as pd
import pytest

from driftscope.client import _arrow_stream
from driftscope.server.storage import ArtifactStore, TooLargeError


def test_the_same_content_is_one_file_named_by_its_hash(tmp_path: Path) -> None:
    import hashlib

    store = ArtifactStore(tmp_path / "a")
    key = store.put_bytes(b"hello")
    assert key == hashlib.sha256(b"hello").hexdigest()
    assert store.put_stream(io.BytesIO(b"hello"), limit=10) == key
    assert store.read_bytes(key) == b"hello"
    assert [p.name for p in (tmp_path / "a").rglob("*") if p.is_file()] == [key]


def test_a_frame_round_trips_through_parquet(tmp_path: Path) -> None:
    store = ArtifactStore(tmp_path)
    frame = pd.DataFrame({"x": [1.5, None], "c": ["a", "b"]})
    pd.testing.assert_frame_equal(store.read_frame(store.put_frame(frame)), frame)


def test_too_large_or_failing_writes_leave_nothing(tmp_path: Path) -> None:
    store = ArtifactStore(tmp_path)
    with pytest.raises(TooLargeError, match="larger than the limit of 4 bytes"):
        store.put_stream(io.BytesIO(b"12345"), limit=4)

    def broken(out: object) -> None:
        raise OSError("disk gone")

    with pytest.raises(OSError, match="disk gone"):
        store._put(broken)  # type: ignore[arg-type]
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_sweep_keeps_what_is_named_and_what_is_young(tmp_path: Path) -> None:
    store = ArtifactStore(tmp_path)
    kept, dropped, young = store.put_bytes(b"kept"), store.put_bytes(b"old"), store.put_bytes(b"y")
    old = time.time() - 7200
    for key in (kept, dropped):
        os.utime(store.path(key), (old, old))
    assert store.sweep([kept]) == 1
    assert store.exists(kept)
    assert store.exists(young)
    assert not store.exists(dropped)


def test_a_key_that_is_not_a_hash_is_refused(tmp_path: Path) -> None:
    with pytest.raises(KeyError, match="not an artifact key"):
        ArtifactStore(tmp_path).path("../../etc/passwd")


def test_rows_round_trip_through_arrow_ipc(tmp_path: Path) -> None:
    store = ArtifactStore(tmp_path)
    frame = pd.DataFrame(
        {"id": ["a", "b"], "x": [1.5, None], "t": pd.to_datetime(["2026-01-01"] * 2)}
    )
    pd.testing.assert_frame_equal(store.read_rows(store.put_rows(frame)), frame)


def test_an_arrow_stream_stored_as_it_came_and_an_older_arrow_file_read_back(
    tmp_path: Path,
) -> None:
    import hashlib
    import io

    import pyarrow as pa
    import pyarrow.feather as feather

    store = ArtifactStore(tmp_path)
    table = pa.table({"id": ["a", "b", "c"], "x": [1.0, 2.0, None]})
    body = _arrow_stream(table)  # as the client sends a logged batch
    key = store.put_bytes(body)  # a logged batch kept byte for byte
    assert key == hashlib.sha256(body).hexdigest()
    assert store.read_table(key).equals(table)
    assert store.read_table(store.put_table(table)).equals(table)
    # Chunks written before logged batches were kept as streams are Arrow IPC files.
    older = io.BytesIO()
    feather.write_feather(table, older, compression="uncompressed")
    assert store.read_table(store.put_bytes(older.getvalue())).equals(table)
