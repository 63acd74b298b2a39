"""`Schema`, `ColumnSpec` and the YAML file: every accepted shape, and every error's message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from driftscope.data.schema import ColumnKind, ColumnRole, ColumnSpec, Schema
from driftscope.exceptions import DriftscopeError, InputFileNotFoundError, SchemaError

KINDS = "'numerical', 'categorical', 'boolean', 'datetime', 'text', 'id', 'constant', 'binary'"
ROLES = "'feature', 'target', 'prediction', 'probability', 'timestamp', 'id', 'ignored'"

# The YAML example of docs/schema.md, verbatim.
DOCS_YAML = """\
target: churn
prediction: score
ignore: [row_id]
columns:
  zip: categorical            # shorthand for {kind: categorical}
  age:
    kind: numerical
    method: psi
    threshold: 0.1
  signup: {role: timestamp}
"""


def _write(tmp_path: Path, text: str, name: str = "schema.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------------
# accepted shapes


def test_docs_yaml_example(tmp_path: Path) -> None:
    schema = Schema.from_yaml(_write(tmp_path, DOCS_YAML))

    assert schema.names == ["zip", "age", "signup", "churn", "score", "row_id"]
    assert schema["zip"] == ColumnSpec("zip", kind=ColumnKind.CATEGORICAL)
    assert schema["age"] == ColumnSpec(
        "age", kind=ColumnKind.NUMERICAL, method="psi", threshold=0.1
    )
    assert schema["signup"] == ColumnSpec("signup", role=ColumnRole.TIMESTAMP)
    assert schema["churn"] == ColumnSpec("churn", role=ColumnRole.TARGET)
    assert schema["score"] == ColumnSpec("score", role=ColumnRole.PREDICTION)
    assert schema["row_id"] == ColumnSpec("row_id", role=ColumnRole.IGNORED)


@pytest.mark.parametrize(
    ("key", "role"),
    [
        ("target", ColumnRole.TARGET),
        ("prediction", ColumnRole.PREDICTION),
        ("timestamp", ColumnRole.TIMESTAMP),
        ("id", ColumnRole.ID),
        ("ignore", ColumnRole.IGNORED),
    ],
)
def test_role_shortcuts_take_a_name_or_a_list(key: str, role: ColumnRole) -> None:
    single = Schema.from_dict({key: "a"})
    several = Schema.from_dict({key: ["a", "b"]})

    assert single.names == ["a"]
    assert single["a"].role is role
    assert single["a"].kind is None
    assert several.names == ["a", "b"]
    assert [s.role for s in several] == [role, role]


def test_shortcut_merges_with_the_column_entry() -> None:
    schema = Schema.from_dict(
        {"columns": {"churn": {"kind": "boolean", "threshold": 0.01}}, "target": "churn"}
    )
    assert schema.names == ["churn"]
    assert schema["churn"] == ColumnSpec(
        "churn", kind=ColumnKind.BOOLEAN, role=ColumnRole.TARGET, threshold=0.01
    )


def test_columns_as_a_list_of_mappings() -> None:
    schema = Schema.from_dict(
        {
            "columns": [
                {"name": "age", "kind": "numerical", "method": "ks", "threshold": 1},
                {"name": "city", "role": "ignored", "note": "too many typos"},
                {"name": 2024},
            ]
        }
    )

    assert schema.names == ["age", "city", "2024"]
    assert schema["age"] == ColumnSpec("age", ColumnKind.NUMERICAL, None, "ks", 1.0)
    assert isinstance(schema["age"].threshold, float)
    assert schema["city"] == ColumnSpec("city", role=ColumnRole.IGNORED, note="too many typos")
    assert schema["2024"] == ColumnSpec("2024")


def test_shorthand_kind_and_case_insensitive_values() -> None:
    schema = Schema.from_dict({"columns": {"zip": "categorical", "x": {"kind": " Numerical "}}})
    assert schema["zip"].kind is ColumnKind.CATEGORICAL
    assert schema["x"].kind is ColumnKind.NUMERICAL


def test_empty_yaml_file_is_an_empty_schema(tmp_path: Path) -> None:
    schema = Schema.from_yaml(_write(tmp_path, "# nothing set yet\n"))
    assert len(schema) == 0
    assert schema.names == []


def test_to_dict_lists_every_field() -> None:
    schema = Schema.from_dict({"columns": {"age": "numerical"}, "target": "churn"})
    assert schema.to_dict() == {
        "columns": [
            {
                "name": "age",
                "kind": "numerical",
                "role": None,
                "method": None,
                "threshold": None,
                "note": None,
            },
            {
                "name": "churn",
                "kind": None,
                "role": "target",
                "method": None,
                "threshold": None,
                "note": None,
            },
        ]
    }


# ---------------------------------------------------------------------------------------------
# ColumnSpec and with_column


def test_column_spec_takes_kind_and_role_as_strings() -> None:
    spec = ColumnSpec("zip", kind="categorical", role="Target")  # type: ignore[arg-type]
    assert spec.kind is ColumnKind.CATEGORICAL
    assert spec.role is ColumnRole.TARGET


def test_column_spec_rejects_a_bad_kind() -> None:
    with pytest.raises(SchemaError) as caught:
        ColumnSpec("zip", kind="nominal")  # type: ignore[arg-type]
    assert str(caught.value) == f"The kind of column 'zip' must be one of {KINDS}. Got 'nominal'."


def test_with_column_merges_the_fields_that_are_set() -> None:
    schema = Schema((ColumnSpec("age", kind=ColumnKind.NUMERICAL, method="psi"), ColumnSpec("b")))

    merged = schema.with_column(ColumnSpec("age", role=ColumnRole.TARGET, threshold=0.3))

    assert merged["age"] == ColumnSpec(
        "age", ColumnKind.NUMERICAL, ColumnRole.TARGET, "psi", 0.3, None
    )
    assert merged.names == ["age", "b"]
    # The original is unchanged: with_column returns a new schema.
    assert schema["age"] == ColumnSpec("age", kind=ColumnKind.NUMERICAL, method="psi")


def test_with_column_adds_a_new_column_at_the_end() -> None:
    schema = Schema((ColumnSpec("a"),)).with_column(ColumnSpec("b", kind=ColumnKind.TEXT))
    assert schema.names == ["a", "b"]
    assert schema["b"].kind is ColumnKind.TEXT
    assert "b" in schema
    assert schema.get("c") is None


def test_with_column_validates_string_kinds_and_roles() -> None:
    with pytest.raises(SchemaError, match=r"The role of column 'a' must be one of .*Got 'boss'"):
        Schema().with_column(ColumnSpec("a", role="boss"))  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# errors


def test_duplicate_column_is_an_error() -> None:
    with pytest.raises(SchemaError) as caught:
        Schema((ColumnSpec("age"), ColumnSpec("city"), ColumnSpec("age")))
    assert str(caught.value) == "Column 'age' appears twice in the schema."


def test_unknown_top_level_key() -> None:
    with pytest.raises(SchemaError) as caught:
        Schema.from_dict({"columns": {}, "targets": "churn", "colums": {}})
    assert str(caught.value) == (
        "schema: unknown key(s) 'colums', 'targets'; "
        "expected some of columns, id, ignore, prediction, probabilities, target, timestamp."
    )


def test_unknown_column_field() -> None:
    with pytest.raises(SchemaError) as caught:
        Schema.from_dict({"columns": {"age": {"kind": "numerical", "treshold": 0.1}}})
    assert str(caught.value) == (
        "schema: column 'age' has unknown field(s) 'treshold'; "
        "expected some of kind, method, note, role, threshold."
    )


def test_bad_kind() -> None:
    with pytest.raises(SchemaError) as caught:
        Schema.from_dict({"columns": {"age": "float"}})
    assert str(caught.value) == f"schema: the kind of 'age' must be one of {KINDS}. Got 'float'."


def test_bad_role() -> None:
    with pytest.raises(SchemaError) as caught:
        Schema.from_dict({"columns": {"age": {"role": "input"}}})
    assert str(caught.value) == f"schema: the role of 'age' must be one of {ROLES}. Got 'input'."


def test_null_threshold_leaves_it_unset() -> None:
    schema = Schema.from_dict({"columns": {"age": {"threshold": None}}})
    assert schema["age"].threshold is None


@pytest.mark.parametrize("threshold", ["0.1", [0.1], True], ids=["string", "list", "bool"])
def test_non_numeric_threshold(threshold: Any) -> None:
    with pytest.raises(SchemaError) as caught:
        Schema.from_dict({"columns": {"age": {"threshold": threshold}}})
    assert str(caught.value) == (
        f"schema: the threshold of column 'age' must be a number. Got {threshold!r}."
    )


def test_duplicate_column_in_the_list_form_is_an_error() -> None:
    with pytest.raises(SchemaError) as caught:
        Schema.from_dict(
            {"columns": [{"name": "age", "kind": "numerical"}, {"name": "age", "method": "psi"}]}
        )
    assert str(caught.value) == (
        "schema: column 'age' appears twice in 'columns'; expected each column once."
    )


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ([1, 2], "schema: expected a mapping at the top level. Got [1, 2]."),
        ({"columns": "age"}, "schema: 'columns' must be a mapping or a list. Got 'age'."),
        (
            {"columns": [{"kind": "numerical"}]},
            "schema: each entry of 'columns' must be a mapping with a 'name'. "
            "Got {'kind': 'numerical'}.",
        ),
        ({"columns": {"age": 3}}, "schema: column 'age' must map to a mapping. Got 3."),
        (
            {"target": {"name": "churn"}},
            "schema: 'target' must be a column name or a list of names. Got {'name': 'churn'}.",
        ),
        (
            {"ignore": ["a", 1]},
            "schema: 'ignore' must be a column name or a list of names. Got ['a', 1].",
        ),
    ],
)
def test_bad_shapes_say_what_was_expected(data: Any, expected: str) -> None:
    with pytest.raises(SchemaError) as caught:
        Schema.from_dict(data)
    assert str(caught.value) == expected


def test_yaml_errors_name_the_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "columns:\n  age: {kind: numerical, colour: red}\n")
    with pytest.raises(SchemaError) as caught:
        Schema.from_yaml(path)
    message = str(caught.value)
    assert message.startswith(f"Schema file {str(path)!r}: column 'age' has unknown field(s)")
    assert "'colour'" in message


def test_yaml_top_level_list_is_an_error(tmp_path: Path) -> None:
    path = _write(tmp_path, "- age\n- city\n")
    with pytest.raises(SchemaError) as caught:
        Schema.from_yaml(path)
    assert str(caught.value) == (
        f"Schema file {str(path)!r}: expected a mapping at the top level. Got ['age', 'city']."
    )


def test_missing_yaml_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    with pytest.raises(InputFileNotFoundError) as caught:
        Schema.from_yaml(path)
    assert isinstance(caught.value, FileNotFoundError)
    assert isinstance(caught.value, DriftscopeError)
    assert str(caught.value) == f"Schema file {str(path)!r} does not exist."


def test_directory_instead_of_yaml_file(tmp_path: Path) -> None:
    with pytest.raises(SchemaError) as caught:
        Schema.from_yaml(tmp_path)
    assert str(caught.value) == f"Schema file {str(tmp_path)!r} is a folder; expected a YAML file."


@pytest.mark.parametrize(
    "text",
    ["columns: [age\n", "columns:\n  age: {kind: numerical\n", "a: b: c\n"],
    ids=["unclosed-list", "unclosed-mapping", "nested-colon"],
)
def test_invalid_yaml(tmp_path: Path, text: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(SchemaError) as caught:
        Schema.from_yaml(path)
    assert str(caught.value).startswith(f"Schema file {str(path)!r} is not valid YAML: ")
    assert "line" in str(caught.value)


def test_yaml_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "schema.yaml"
    path.write_bytes("columns:\n  stra\xdfe: categorical\n".encode("latin-1"))
    with pytest.raises(SchemaError, match="is not valid YAML"):
        Schema.from_yaml(path)
