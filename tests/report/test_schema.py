"""The report JSON Schema: real reports validate, broken ones fail, and nothing drifts unseen."""

from __future__ import annotations

import copy
import dataclasses
import json
import sys
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from driftscope.analyses.results import ColumnDrift, ColumnSummary, DatasetDrift, MultivariateDrift
from driftscope.data.schema import ColumnSpec
from driftscope.report import SCHEMA_VERSION, Report
from driftscope.report._validate import report_schema, validate_report

DOCS = Path(__file__).resolve().parents[2] / "docs" / "report-schema.md"


def _defs() -> dict[str, Any]:
    defs: dict[str, Any] = report_schema()["$defs"]
    return defs


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    schema = report_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


def test_report_validates(report_dict: dict[str, Any]) -> None:
    validate_report(report_dict)


def test_report_validates_after_a_json_round_trip(report: Report) -> None:
    validate_report(json.loads(report.to_json()))


def test_wide_report_validates(wide_report: Report) -> None:
    validate_report(wide_report.to_dict())


def test_schema_version_is_one_dot_something(report_dict: dict[str, Any]) -> None:
    assert report_dict["schema_version"] == SCHEMA_VERSION
    assert SCHEMA_VERSION.split(".")[0] == "1"


def _drop(path: tuple[Any, ...]) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        node: Any = data
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]

    return edit


def _set(path: tuple[Any, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        node: Any = data
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return edit


BROKEN: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "missing column field": (
        _drop(("columns", 0, "p_value")),
        "columns/0: 'p_value' is a required",
    ),
    "extra column field": (
        _set(("columns", 1, "pvalue"), 0.1),
        "columns/1: Additional properties are not allowed ('pvalue' was unexpected)",
    ),
    "wrong type count": (_set(("columns", 0, "n_reference"), "12000"), "columns/0/n_reference"),
    "wrong type drifted": (_set(("columns", 2, "drifted"), "no"), "columns/2/drifted"),
    "null where not nullable": (
        _set(("columns", 0, "missing_share_current"), None),
        "columns/0/missing_share_current",
    ),
    "p-value above 1": (_set(("columns", 0, "p_value"), 1.5), "columns/0/p_value"),
    "negative count": (
        _set(("columns", 0, "summary", "reference_counts", 0), -1),
        "columns/0/summary/reference_counts/0",
    ),
    "extra summary field": (_set(("columns", 0, "summary", "bins"), 10), "columns/0/summary"),
    "signals not a list": (_set(("columns", 0, "signals"), "distribution"), "columns/0/signals"),
    "missing dataset field": (_drop(("dataset", "drift_share")), "dataset: 'drift_share'"),
    "multivariate extra field": (_set(("multivariate", 0, "auc"), 0.7), "multivariate/0"),
    "schema column missing kind": (_drop(("schema", "columns", 0, "kind")), "schema/columns/0"),
    "rules not strings": (_set(("rules", "numerical"), 3), "rules/numerical"),
    "warning not a string": (_set(("warnings", 0), {"text": "x"}), "warnings/0"),
    "timing not a number": (_set(("metadata", "timings", "load"), "fast"), "metadata/timings/load"),
    "missing metadata": (_drop(("metadata",)), "'metadata' is a required property"),
    "major version 2": (_set(("schema_version",), "2.0"), "schema_version"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_report_fails_with_its_path(report_dict: dict[str, Any], case: str) -> None:
    edit, expected = BROKEN[case]
    broken = copy.deepcopy(report_dict)
    edit(broken)
    with pytest.raises(jsonschema.ValidationError) as info:
        validate_report(broken)
    assert expected in str(info.value)
    assert str(info.value).startswith("The report does not match report-schema.json (1 problem)")


def test_every_problem_is_listed(report_dict: dict[str, Any]) -> None:
    broken = copy.deepcopy(report_dict)
    for col in broken["columns"]:
        col["drifted"] = "?"
    with pytest.raises(jsonschema.ValidationError) as info:
        validate_report(broken)
    message = str(info.value)
    assert f"({len(broken['columns'])} problems)" in message
    for i in range(len(broken["columns"])):
        assert f"columns/{i}/drifted" in message


def test_missing_jsonschema_gives_an_install_hint(
    monkeypatch: pytest.MonkeyPatch, report_dict: dict[str, Any]
) -> None:
    monkeypatch.setitem(sys.modules, "jsonschema", None)
    with pytest.raises(ImportError, match=r"pip install 'driftscope\[dev\]'"):
        validate_report(report_dict)


# Each object in the JSON, the dataclass it comes from, and its definition in the schema.
SHAPES: list[tuple[str, type]] = [
    ("column", ColumnDrift),
    ("summary", ColumnSummary),
    ("dataset", DatasetDrift),
    ("multivariate", MultivariateDrift),
    ("column_spec", ColumnSpec),
]


@pytest.mark.parametrize(("definition", "cls"), SHAPES)
def test_schema_lists_exactly_the_dataclass_fields(definition: str, cls: type) -> None:
    spec = _defs()[definition]
    names = {f.name for f in dataclasses.fields(cls)}
    assert set(spec["properties"]) == names
    assert set(spec["required"]) == names
    assert spec["additionalProperties"] is False


@pytest.mark.parametrize(("definition", "cls"), SHAPES)
def test_nullable_exactly_where_the_dataclass_allows_none(
    report_dict: dict[str, Any], definition: str, cls: type
) -> None:
    # A sample object of that shape from the fixture report.
    sample = {
        "column": report_dict["columns"][0],
        "summary": report_dict["columns"][0]["summary"],
        "dataset": report_dict["dataset"],
        "multivariate": report_dict["multivariate"][0],
        "column_spec": report_dict["schema"]["columns"][0],
    }[definition]
    validator = jsonschema.Draft202012Validator({"$defs": _defs(), "$ref": f"#/$defs/{definition}"})
    hints = typing.get_type_hints(cls)
    for field in dataclasses.fields(cls):
        allows_none = type(None) in typing.get_args(hints[field.name])
        candidate = {**sample, field.name: None}
        assert validator.is_valid(candidate) == allows_none, field.name


def test_metadata_keys_match_run_metadata(report_dict: dict[str, Any]) -> None:
    spec = _defs()["metadata"]
    assert set(spec["properties"]) == set(report_dict["metadata"]) == set(spec["required"])
    assert set(report_schema()["required"]) == set(report_dict)


def test_docs_describe_every_field() -> None:
    text = DOCS.read_text(encoding="utf-8")
    defs = _defs()
    names = set(report_schema()["properties"])
    for definition in ("metadata", "column", "summary", "dataset", "multivariate", "column_spec"):
        names |= set(defs[definition]["properties"])
    missing = sorted(n for n in names if f"`{n}`" not in text)
    assert not missing, f"docs/report-schema.md does not describe: {missing}"


def test_a_real_run_validates() -> None:
    # The contract end to end: whatever the analyses produce must match the published schema.
    import numpy as np
    import pandas as pd

    import driftscope

    rng = np.random.default_rng(0)
    n = 600

    def frame(shift: float, categories: list[str], missing: float) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "x": rng.normal(shift, size=n),
                "c": rng.choice(categories, n),
                "m": np.where(rng.random(n) < missing, np.nan, rng.normal(size=n)),
                "id": np.arange(n),
            }
        )

    report = driftscope.compare(frame(0.0, ["a", "b", "c"], 0.1), frame(0.5, ["a", "b", "d"], 0.3))
    data = json.loads(report.to_json())
    validate_report(data)
    assert {c["name"] for c in data["columns"]} >= {"x", "c", "m"}
    assert data["multivariate"], "the default run includes the multivariate tests"
