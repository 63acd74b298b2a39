"""A binary (bytes) column, as pyarrow writes Parquet ``binary``: every command and the Python API
run on, and list the column as excluded, naming it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import driftscope
from driftscope.cli import main
from driftscope.exceptions import SchemaError

N = 300


def _table(seed: int) -> pa.Table:
    rng = np.random.default_rng(seed)
    # Random bytes are not UTF-8, as a thumbnail or a serialised record would not be.
    blobs = [bytes(rng.integers(128, 256, 16, dtype=np.uint8)) for _ in range(N)]
    return pa.table(
        {
            "age": rng.normal(40, 10, N),
            "payload": pa.array(blobs, type=pa.binary()),
            "plan": rng.choice(["a", "b", "c"], N),
        }
    )


@pytest.fixture
def parquet_pair(tmp_path: Path) -> tuple[Path, Path]:
    paths = (tmp_path / "ref.parquet", tmp_path / "cur.parquet")
    for seed, path in enumerate(paths):
        pq.write_table(_table(seed), path)
    return paths


def _payload(columns: list[dict[str, object]]) -> dict[str, object]:
    return next(c for c in columns if c["name"] == "payload")


@pytest.mark.parametrize("command", ["drift", "report"])
def test_drift_and_report_list_the_binary_column_as_excluded(
    command: str, parquet_pair: tuple[Path, Path], tmp_path: Path
) -> None:
    out = tmp_path / f"{command}.json"

    code = main([command, *map(str, parquet_pair), "--json", str(out)])

    assert code == 0
    data = json.loads(out.read_text())
    drift = data.get("drift", data)
    column = _payload(drift["columns"])
    assert column["kind"] == "binary"
    assert column["skipped"] is True
    assert "bytes" in str(column["note"])
    assert any("'payload' holds raw bytes" in w for w in data["warnings"])
    assert {c["name"] for c in drift["columns"] if not c["skipped"]} == {"age", "plan"}


def test_quality_runs_on_a_binary_column(
    parquet_pair: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "quality.json"

    code = main(["quality", *map(str, parquet_pair), "--json", str(out)])

    assert code == 0
    assert "utf-8" not in capsys.readouterr().err.lower()
    data = json.loads(out.read_text())
    checks = [c for c in data["quality"]["checks"] if c["column"] == "payload"]
    # Raw bytes have no distribution to check: missing values and type changes only.
    assert [c["check"] for c in checks] == ["missing_share", "type_change"]
    assert checks[1]["message"] == "payload: values are raw bytes, as in the reference."
    assert any("'payload' holds raw bytes" in w for w in data["warnings"])


def test_python_api_excludes_a_binary_column_of_a_dataframe() -> None:
    reference, current = _table(0).to_pandas(), _table(1).to_pandas()

    report = driftscope.compare(reference, current)

    column = report.drift.column("payload")
    assert column.kind == "binary"
    assert column.skipped
    assert column.note is not None
    assert "bytes" in column.note
    assert any("'payload' holds raw bytes" in w for w in report.warnings)
    for test in report.drift.multivariate:
        assert "payload" not in test.columns


def test_bytes_mixed_into_text_are_binary() -> None:
    reference = pd.DataFrame({"blob": [b"\xff\xfe", "text", *["x"] * 50], "n": range(52)})
    report = driftscope.compare(reference, reference, multivariate=False)
    assert report.drift.column("blob").kind == "binary"


@pytest.mark.parametrize("kind", ["categorical", "numerical", "text", "boolean"])
def test_a_kind_that_cannot_read_bytes_is_refused_naming_the_column(kind: str) -> None:
    frame = _table(0).to_pandas()

    with pytest.raises(SchemaError) as caught:
        driftscope.compare(frame, frame, {"columns": {"payload": kind}}, multivariate=False)

    message = str(caught.value)
    assert isinstance(caught.value, ValueError)
    assert "'payload'" in message
    assert f"cannot be tested as {kind}" in message
    assert "'binary'" in message


def test_the_cli_refuses_a_categorical_binary_column_with_exit_2(
    parquet_pair: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["drift", *map(str, parquet_pair), "--kind", "payload=categorical"])

    err = capsys.readouterr().err
    assert code == 2
    assert "'payload' holds raw bytes" in err
    assert "Traceback" not in err


def test_kind_binary_set_by_the_user_lists_the_column_untested() -> None:
    frame = _table(0).to_pandas()
    report = driftscope.compare(frame, frame, {"columns": {"payload": "binary"}})
    assert report.drift.column("payload").skipped
