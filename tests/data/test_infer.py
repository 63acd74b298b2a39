"""`infer_schema`: one test per inference rule in docs/schema.md, then overrides and warnings."""

from __future__ import annotations

import uuid
from typing import Any

import numpy as np
import pandas as pd
import pytest

import driftscope
from driftscope.data.infer import infer_schema
from driftscope.data.schema import ColumnKind, ColumnRole, ColumnSpec, Schema
from driftscope.exceptions import SchemaError

N = 300
WORDS = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa"]


def _infer(column: pd.Series, name: str = "col") -> ColumnSpec:
    frame = pd.DataFrame({name: column})
    schema, warnings = infer_schema(frame, frame)
    assert warnings == []
    return schema[name]


def _sentences(rng: np.random.Generator, n: int, words: int) -> list[str]:
    return [" ".join(rng.choice(WORDS, words)) for _ in range(n)]


# ---------------------------------------------------------------------------------------------
# boolean


def test_bool_dtype_is_boolean() -> None:
    rng = np.random.default_rng(0)
    spec = _infer(pd.Series(rng.random(N) < 0.3))
    assert spec.kind is ColumnKind.BOOLEAN
    assert spec.role is ColumnRole.FEATURE


def test_nullable_bool_dtype_is_boolean() -> None:
    spec = _infer(pd.Series([True, False, None] * 50, dtype="boolean"))
    assert spec.kind is ColumnKind.BOOLEAN


@pytest.mark.parametrize("values", [[0, 1], [0.0, 1.0, np.nan]], ids=["int", "float-with-nan"])
def test_integers_that_are_only_0_and_1_are_boolean(values: list[float]) -> None:
    rng = np.random.default_rng(1)
    spec = _infer(pd.Series(rng.choice(values, N)))
    assert spec.kind is ColumnKind.BOOLEAN
    assert spec.note == "integer 0/1 values"


def test_integers_0_1_2_are_not_boolean() -> None:
    rng = np.random.default_rng(2)
    assert _infer(pd.Series(rng.integers(0, 3, N))).kind is ColumnKind.NUMERICAL


@pytest.mark.parametrize(
    "pair", [("yes", "no"), ("Yes", "No"), ("true", "false"), ("T", "F"), ("y", "n")]
)
def test_two_yes_no_like_strings_are_boolean(pair: tuple[str, str]) -> None:
    rng = np.random.default_rng(3)
    assert _infer(pd.Series(rng.choice(pair, N))).kind is ColumnKind.BOOLEAN


def test_two_other_strings_are_categorical() -> None:
    rng = np.random.default_rng(4)
    assert _infer(pd.Series(rng.choice(["red", "blue"], N))).kind is ColumnKind.CATEGORICAL


# ---------------------------------------------------------------------------------------------
# constant


@pytest.mark.parametrize(
    "column",
    [
        pd.Series([7.0] * N),
        pd.Series([7.0, np.nan] * (N // 2)),
        pd.Series(["same"] * N),
    ],
    ids=["number", "number-with-nan", "string"],
)
def test_one_distinct_value_is_constant(column: pd.Series) -> None:
    spec = _infer(column)
    assert spec.kind is ColumnKind.CONSTANT
    assert spec.note == "one distinct value"


# ---------------------------------------------------------------------------------------------
# numerical


def test_numeric_dtype_is_numerical() -> None:
    rng = np.random.default_rng(5)
    spec = _infer(pd.Series(rng.normal(size=N)))
    assert spec.kind is ColumnKind.NUMERICAL
    assert spec.note is None
    assert _infer(pd.Series(rng.integers(0, 100, N))).kind is ColumnKind.NUMERICAL


def test_strings_that_all_parse_as_numbers_are_numerical_without_note() -> None:
    rng = np.random.default_rng(6)
    spec = _infer(pd.Series([f"{v:.3f}" for v in rng.normal(size=N)]))
    assert spec.kind is ColumnKind.NUMERICAL
    assert spec.note is None


def test_strings_that_are_at_least_95_percent_numbers_are_numerical_with_a_note() -> None:
    rng = np.random.default_rng(7)
    values = [f"{v:.3f}" for v in rng.normal(size=N)]
    for i in range(0, N, 40):  # 8 of 300 = 2.7% are not numbers
        values[i] = "n/a"
    spec = _infer(pd.Series(values))
    assert spec.kind is ColumnKind.NUMERICAL
    assert spec.note is not None
    assert "2.7% of sampled values are not numbers" in spec.note


def test_strings_that_are_under_95_percent_numbers_are_not_numerical() -> None:
    rng = np.random.default_rng(8)
    values = [str(v) for v in rng.integers(0, 5, N)]
    for i in range(0, N, 10):  # 10% are words
        values[i] = "unknown"
    assert _infer(pd.Series(values)).kind is ColumnKind.CATEGORICAL


def test_non_numbers_in_a_numerical_string_column_are_counted_as_missing_with_a_warning() -> None:
    rng = np.random.default_rng(9)
    values = [f"{v:.3f}" for v in rng.normal(size=N)]
    values[0] = "n/a"
    frame = pd.DataFrame({"amount": values})

    report = driftscope.compare(frame, frame, multivariate=False)

    column = report.drift.column("amount")
    assert column.kind == "numerical"
    assert column.missing_share_reference == pytest.approx(1 / N)
    assert any("'amount'" in w and "not numbers" in w and "'n/a'" in w for w in report.warnings)


# ---------------------------------------------------------------------------------------------
# datetime


def test_datetime_dtype_is_datetime() -> None:
    assert _infer(pd.Series(pd.date_range("2024-01-01", periods=N, freq="h"))).kind is (
        ColumnKind.DATETIME
    )
    aware = pd.Series(pd.date_range("2024-01-01", periods=N, freq="h", tz="Europe/Paris"))
    assert _infer(aware).kind is ColumnKind.DATETIME


@pytest.mark.parametrize("fmt", ["%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%d %B %Y"])
def test_strings_that_parse_as_dates_are_datetime(fmt: str) -> None:
    dates = pd.date_range("2024-01-01", periods=N, freq="D").strftime(fmt)
    spec = _infer(pd.Series(list(dates)))
    assert spec.kind is ColumnKind.DATETIME
    assert spec.note == "parsed as dates"


# ---------------------------------------------------------------------------------------------
# id


@pytest.mark.parametrize("name", ["id", "ID", "user_id", "order-id", "customer id", "uuid", "key"])
def test_distinct_values_with_an_id_name_are_ids(name: str) -> None:
    spec = _infer(pd.Series(np.arange(N) * 7 + 1000), name=name)
    assert spec.kind is ColumnKind.ID
    assert spec.role is ColumnRole.FEATURE  # the id role is the user's to give
    assert spec.note is not None
    assert "excluded from drift" in spec.note


def test_distinct_strings_with_an_id_name_are_ids() -> None:
    spec = _infer(pd.Series([f"ord-{i:05d}x" for i in range(N)]), name="order_id")
    assert spec.kind is ColumnKind.ID
    assert spec.role is ColumnRole.FEATURE  # the id role is the user's to give


def test_an_id_name_with_repeated_values_is_not_an_id() -> None:
    rng = np.random.default_rng(10)
    spec = _infer(pd.Series(rng.integers(0, 50, N)), name="store_id")
    assert spec.kind is ColumnKind.NUMERICAL
    assert spec.role is ColumnRole.FEATURE


def test_distinct_numbers_without_an_id_name_are_numerical() -> None:
    # Distinct strings are ids whatever the name (below); distinct numbers are quantities.
    assert _infer(pd.Series(np.arange(N)), name="amount").kind is ColumnKind.NUMERICAL


def test_a_thousand_distinct_strings_are_ids_whatever_the_name() -> None:
    spec = _infer(pd.Series([f"sku{i:05d}x" for i in range(1_000)]), name="code")
    assert spec.kind is ColumnKind.ID
    assert spec.role is ColumnRole.FEATURE  # the id role is the user's to give
    assert spec.note is not None
    assert "every sampled value is distinct" in spec.note


def _infer_sides(reference: list[str], current: list[str], name: str = "col") -> ColumnSpec:
    schema, warnings = infer_schema(pd.DataFrame({name: reference}), pd.DataFrame({name: current}))
    assert warnings == []
    return schema[name]


def _uuids(rng: np.random.Generator, n: int) -> list[str]:
    return [str(uuid.UUID(bytes=rng.bytes(16), version=4)) for _ in range(n)]


@pytest.mark.parametrize("n", [10, 50, 284, 999])
@pytest.mark.parametrize(
    ("make", "note"),
    [
        (lambda rng, i: [f"ORD-{k:06d}" for k in range(i, i + 10_000)], "every sampled value"),
        (lambda rng, i: _uuids(rng, 10_000), "every sampled value"),
        (lambda rng, i: [f"scans/{k}.png" for k in range(i, i + 10_000)], "file paths"),
        (
            lambda rng, i: [f"My Scans/patient {k} left knee.png" for k in range(i, i + 10_000)],
            "file paths",
        ),
        (lambda rng, i: [f"{k:07d}" for k in range(i, i + 10_000)], "zero-padded codes"),
    ],
    ids=["order-refs", "uuids", "paths", "paths-with-spaces", "zero-padded"],
)
def test_unique_strings_are_ids_at_every_size(make: Any, note: str, n: int) -> None:
    # Reference and current hold different values, as order references and file paths do.
    rng = np.random.default_rng(n)
    reference, current = make(rng, 0)[:n], make(rng, 500_000)[:n]
    spec = _infer_sides(reference, current, name="ref")
    assert spec.kind is ColumnKind.ID
    assert spec.role is ColumnRole.FEATURE  # the id role is the user's to give
    assert spec.note is not None
    assert note in spec.note
    assert "excluded from drift" in spec.note


def _two_id_frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two sides with two id-like columns (an order reference, a session) and one feature."""
    rng = np.random.default_rng(21)

    def side(start: int) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "ref_id": [f"u{i}" for i in range(start, start + 200)],
                "session": [f"s{7 * i + start}" for i in range(200)],
                "x": rng.normal(size=200),
            }
        )

    return side(0), side(1_000)


def test_several_id_like_columns_are_ids_and_none_takes_the_id_role() -> None:
    reference, current = _two_id_frames()
    schema, _ = infer_schema(reference, current)
    for name in ("ref_id", "session"):
        assert schema[name].kind is ColumnKind.ID
        assert schema[name].role is ColumnRole.FEATURE
    assert [spec.name for spec in schema if spec.role is ColumnRole.ID] == []


def test_the_declared_id_alone_takes_the_id_role() -> None:
    reference, current = _two_id_frames()
    schema, _ = infer_schema(reference, current, Schema((ColumnSpec("session", role="id"),)))
    assert schema["session"].role is ColumnRole.ID
    assert schema["ref_id"].kind is ColumnKind.ID
    assert schema["ref_id"].role is ColumnRole.FEATURE


def test_two_id_like_columns_leave_the_monitor_running_with_both_untested() -> None:
    reference, current = _two_id_frames()
    for frame in (reference, current):
        frame["y"] = (frame["x"] > 0).astype(int)
        frame["p"] = frame["y"]

    report = driftscope.monitor(reference, current, target="y", prediction="p")

    assert report.model.id is None
    for name in ("ref_id", "session"):
        column = report.drift.column(name)
        assert column.kind == "id"
        assert column.skipped
        assert not column.drifted
        assert "excluded from drift" in (column.note or "")


def test_two_declared_ids_are_refused_by_name_and_option() -> None:
    reference, current = _two_id_frames()
    with pytest.raises(SchemaError, match=r"'ref_id', 'session'.*--id.*--schema"):
        driftscope.monitor(reference, current, schema={"id": ["ref_id", "session"]})


def test_eight_levels_in_eight_rows_stay_categorical() -> None:
    levels = ["paris", "rome", "oslo", "lima", "kyiv", "baku", "doha", "riga"]
    assert _infer_sides(levels, levels[::-1]).kind is ColumnKind.CATEGORICAL
    assert _infer(pd.Series(levels)).kind is ColumnKind.CATEGORICAL


def test_distinct_values_count_over_both_sides_from_20() -> None:
    codes = [f"c{i}x" for i in range(40)]
    # 19 distinct values over both sides are not enough evidence, 20 are.
    assert _infer_sides(codes[:10], codes[10:19]).kind is ColumnKind.CATEGORICAL
    assert _infer_sides(codes[:10], codes[10:20]).kind is ColumnKind.ID
    # The same 15 values on both sides: 15 distinct values, a category seen twice.
    assert _infer_sides(codes[:15], codes[:15]).kind is ColumnKind.CATEGORICAL


def test_a_few_repeats_in_thousands_of_ids_keep_them_ids() -> None:
    refs = [f"ORD-{k:06d}" for k in range(3_000)]
    refs[10] = refs[11]  # one order sent twice
    assert _infer_sides(refs[:1500], refs[1500:]).kind is ColumnKind.ID
    rng = np.random.default_rng(18)
    many = [f"sku{k}" for k in rng.integers(0, 300, 1_500)]
    assert _infer_sides(many[:750], many[750:]).kind is ColumnKind.CATEGORICAL


def test_unique_integers_written_as_strings_are_numbers_without_zero_padding() -> None:
    spec = _infer_sides([str(k) for k in range(100, 400)], [str(k) for k in range(400, 700)])
    assert spec.kind is ColumnKind.NUMERICAL


def test_an_order_ref_column_does_not_enter_the_whole_table_tests() -> None:
    rng = np.random.default_rng(19)
    n = 284
    reference = pd.DataFrame(
        {
            "order_ref": [f"ORD-{k:06d}" for k in range(n)],
            "x": rng.normal(size=n),
            "y": rng.normal(size=n),
        }
    )
    current = pd.DataFrame(
        {
            "order_ref": [f"ORD-{k:06d}" for k in range(n, 2 * n)],
            "x": rng.normal(size=n),
            "y": rng.normal(size=n),
        }
    )

    report = driftscope.compare(reference, current)

    assert report.drift.column("order_ref").skipped
    assert report.drift.multivariate
    for test in report.drift.multivariate:
        assert test.columns == ("x", "y")
    # With the column in, the classifier told the sides apart perfectly (AUC 1.0).
    classifier = next(t for t in report.drift.multivariate if t.method == "domain_classifier")
    assert classifier.statistic is not None
    assert classifier.statistic < 0.7


# ---------------------------------------------------------------------------------------------
# text


def test_long_multi_word_distinct_strings_are_text() -> None:
    rng = np.random.default_rng(11)
    spec = _infer(pd.Series(_sentences(rng, N, 8)))
    assert spec.kind is ColumnKind.TEXT
    assert spec.note == "free text: compared on text length"


def test_short_phrases_are_categorical_not_text() -> None:
    rng = np.random.default_rng(12)
    # Three words averaging under 30 characters.
    assert _infer(pd.Series(_sentences(rng, N, 3))).kind is ColumnKind.CATEGORICAL


def test_long_strings_repeated_from_a_few_values_are_categorical_not_text() -> None:
    rng = np.random.default_rng(13)
    choices = _sentences(rng, 5, 8)
    assert _infer(pd.Series(rng.choice(choices, N))).kind is ColumnKind.CATEGORICAL


# ---------------------------------------------------------------------------------------------
# categorical


def test_other_strings_are_categorical() -> None:
    rng = np.random.default_rng(14)
    spec = _infer(pd.Series(rng.choice(["paris", "rome", "oslo", "lima"], N)), name="city")
    assert spec.kind is ColumnKind.CATEGORICAL
    assert spec.role is ColumnRole.FEATURE
    assert spec.note is None


def test_all_missing_strings_are_categorical_with_a_note() -> None:
    spec = _infer(pd.Series([None] * N, dtype=object))
    assert spec.kind is ColumnKind.CATEGORICAL
    assert spec.note == "no values in the reference"


# ---------------------------------------------------------------------------------------------
# roles


@pytest.mark.parametrize(
    ("name", "role"),
    [
        ("target", ColumnRole.TARGET),
        ("Label", ColumnRole.TARGET),
        ("prediction", ColumnRole.PREDICTION),
        ("timestamp", ColumnRole.TIMESTAMP),
        ("score", ColumnRole.FEATURE),
    ],
)
def test_role_from_column_name(name: str, role: ColumnRole) -> None:
    rng = np.random.default_rng(15)
    assert _infer(pd.Series(rng.normal(size=N)), name=name).role is role


def test_a_kind_decided_by_role_replaces_inference_for_that_role_only() -> None:
    rng = np.random.default_rng(23)
    phrases = pd.Series(_sentences(rng, N, 3))  # short phrases: categories by their values
    frame = pd.DataFrame({"target": phrases, "heard": phrases, "note": phrases})
    user = Schema((ColumnSpec("heard", role=ColumnRole.PREDICTION),))
    text = {
        ColumnRole.TARGET: (ColumnKind.TEXT, "by role"),
        ColumnRole.PREDICTION: (ColumnKind.TEXT, "by role"),
    }

    schema, _ = infer_schema(frame, frame, user, role_kinds=text)

    # The role by the column's name counts as much as the role the user gave.
    assert schema["target"] == ColumnSpec(
        "target", ColumnKind.TEXT, ColumnRole.TARGET, note="by role"
    )
    assert schema["heard"].kind is ColumnKind.TEXT
    assert schema["note"].kind is ColumnKind.CATEGORICAL
    assert schema["note"].role is ColumnRole.FEATURE


def test_the_users_kind_wins_over_the_kind_a_role_decides() -> None:
    rng = np.random.default_rng(24)
    frame = pd.DataFrame({"target": _sentences(rng, N, 3)})
    user = Schema((ColumnSpec("target", kind=ColumnKind.CATEGORICAL),))

    schema, _ = infer_schema(
        frame, frame, user, role_kinds={ColumnRole.TARGET: (ColumnKind.TEXT, "by role")}
    )

    assert schema["target"].kind is ColumnKind.CATEGORICAL
    assert schema["target"].note is None


def test_bytes_cannot_take_the_text_kind_a_role_decides() -> None:
    rng = np.random.default_rng(25)
    frame = pd.DataFrame({"target": pd.Series([rng.bytes(8) for _ in range(N)], dtype=object)})
    with pytest.raises(SchemaError, match=r"^Column 'target' holds raw bytes .* tested as text"):
        infer_schema(frame, frame, role_kinds={ColumnRole.TARGET: (ColumnKind.TEXT, "by role")})


# ---------------------------------------------------------------------------------------------
# overrides, one-sided columns, unknown columns


def test_user_kind_role_method_and_threshold_win_over_inference() -> None:
    rng = np.random.default_rng(16)
    frame = pd.DataFrame(
        {
            "zip": rng.integers(10_000, 10_050, N),
            "bit": rng.integers(0, 2, N),
            "target": rng.normal(size=N),
            "user_id": np.arange(N),
        }
    )
    user = Schema(
        (
            ColumnSpec("zip", kind="categorical"),  # type: ignore[arg-type]
            ColumnSpec("bit", kind=ColumnKind.NUMERICAL, method="psi", threshold=0.2),
            ColumnSpec("target", role=ColumnRole.FEATURE),
            ColumnSpec("user_id", role="feature", note="my note"),  # type: ignore[arg-type]
        )
    )

    schema, _ = infer_schema(frame, frame, user)

    assert schema["zip"].kind is ColumnKind.CATEGORICAL
    assert schema["zip"].role is ColumnRole.FEATURE
    assert schema["bit"] == ColumnSpec(
        "bit", ColumnKind.NUMERICAL, ColumnRole.FEATURE, "psi", 0.2, None
    )
    assert schema["target"].role is ColumnRole.FEATURE
    assert schema["target"].kind is ColumnKind.NUMERICAL
    # The kind is still inferred; the role and note the user gave are kept.
    assert schema["user_id"].kind is ColumnKind.ID
    assert schema["user_id"].role is ColumnRole.FEATURE
    assert schema["user_id"].note == "my note"


def test_schema_keeps_reference_column_order() -> None:
    reference = pd.DataFrame({"b": [1.0, 2.0], "a": ["x", "y"], "c": [1.5, 2.5]})
    current = pd.DataFrame({"c": [1.5, 2.5], "a": ["x", "y"], "b": [1.0, 2.0]})
    schema, warnings = infer_schema(reference, current)
    assert schema.names == ["b", "a", "c"]
    assert warnings == []


def test_columns_on_one_side_only_warn_and_are_left_out() -> None:
    reference = pd.DataFrame({"age": [1.0, 2.0], "only_ref": [1, 2]})
    current = pd.DataFrame({"only_cur": ["a", "b"], "age": [3.0, 4.0]})

    schema, warnings = infer_schema(reference, current)

    assert schema.names == ["age"]
    assert warnings == [
        "Schema change: column 'only_ref' is in the reference only; "
        "it is left out of the comparison.",
        "Schema change: column 'only_cur' is in the current data only; "
        "it is left out of the comparison.",
    ]


def test_schema_naming_unknown_columns_is_an_error() -> None:
    frame = pd.DataFrame({"age": [1.0, 2.0], "city": ["a", "b"]})
    user = Schema((ColumnSpec("age"), ColumnSpec("agee"), ColumnSpec("zip")))

    with pytest.raises(SchemaError) as caught:
        infer_schema(frame, frame, user)

    message = str(caught.value)
    assert "found in neither dataset: 'agee', 'zip'" in message
    assert "Available columns: 'age', 'city'" in message


def test_schema_naming_a_column_on_one_side_is_not_an_error() -> None:
    reference = pd.DataFrame({"age": [1.0, 2.0], "old": [1, 2]})
    current = pd.DataFrame({"age": [1.0, 2.0]})
    schema, warnings = infer_schema(reference, current, Schema((ColumnSpec("old"),)))
    assert schema.names == ["age"]
    assert len(warnings) == 1


# ---------------------------------------------------------------------------------------------
# compare on a mixed frame


def _mixed(rng: np.random.Generator, words: int, offset: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "user_id": np.arange(offset, offset + N),
            "signup": pd.date_range("2024-01-01", periods=N, freq="h") + pd.Timedelta(days=offset),
            "visit_day": list(
                (
                    pd.date_range("2024-01-01", periods=N, freq="D") + pd.Timedelta(days=offset)
                ).strftime("%Y-%m-%d")
            ),
            "review": _sentences(rng, N, words),
            "age": rng.normal(40, 10, N),
            "city": rng.choice(["paris", "rome", "oslo"], N),
            "active": rng.choice(["yes", "no"], N),
        }
    )


def test_compare_skips_ids_and_datetimes_and_tests_text_on_length() -> None:
    rng = np.random.default_rng(17)
    reference, current = _mixed(rng, 8, 0), _mixed(rng, 16, 1_000)

    report = driftscope.compare(reference, current, multivariate=False)

    kinds = {spec.name: spec.kind for spec in report.schema if "." not in spec.name}
    assert kinds == {
        "user_id": ColumnKind.ID,
        "signup": ColumnKind.DATETIME,
        "visit_day": ColumnKind.DATETIME,
        "review": ColumnKind.TEXT,
        "age": ColumnKind.NUMERICAL,
        "city": ColumnKind.CATEGORICAL,
        "active": ColumnKind.BOOLEAN,
    }
    # The id column has the kind id, so it is listed but not tested; its note says why.
    assert report.schema["user_id"].role is ColumnRole.FEATURE
    assert "excluded from drift" in (report.schema["user_id"].note or "")
    for name in ("user_id", "signup", "visit_day"):
        column = report.drift.column(name)
        assert column.skipped
        assert not column.drifted
        assert column.method == "none"
        assert column.p_value is None
        assert column.note
    for name in ("user_id", "signup", "visit_day"):
        assert "excluded from drift" in (report.drift.column(name).note or "")

    # The text column also gets text features, tested beside it (docs/modalities.md).
    derived = [spec.name for spec in report.schema if spec.name.startswith("review.")]
    assert "review.oov_rate" in derived
    assert report.drift.column("review.length_tokens").drifted  # 16 words against 8
    review = report.drift.column("review")
    assert not review.skipped
    assert review.method == "ks"
    # Reviews of 16 words are all longer than reviews of 8: the length distributions separate.
    assert review.statistic == pytest.approx(1.0)
    assert review.drifted
    assert review.missing_share_reference == 0.0
    assert review.summary is not None
    assert review.summary.edges is not None
    lengths = reference["review"].str.len()
    assert review.summary.edges[0] <= lengths.min()

    assert report.drift.drifted_columns == ["review", "review.length_tokens"]
    # review, age, city, active, and review's 7 text features
    assert report.drift.dataset.n_columns == 11


def test_compare_with_a_string_kind_override_tests_text_on_length() -> None:
    rng = np.random.default_rng(18)
    reference = pd.DataFrame({"comment": _sentences(rng, N, 2)})
    current = pd.DataFrame({"comment": _sentences(rng, N, 4)})
    # Two-word comments are too short to be inferred as text; the documented override says so.
    schema = Schema((ColumnSpec("comment", kind="text"),))  # type: ignore[arg-type]

    report = driftscope.compare(reference, current, schema, multivariate=False)

    column = report.drift.column("comment")
    assert column.kind == "text"
    assert column.method == "ks"
    assert column.missing_share_reference == 0.0
    assert column.drifted
    assert report.warnings == ()


# ---------------------------------------------------------------------------------------------
# pandas category dtype


@pytest.mark.parametrize(
    "values",
    [
        [3, 7, 11, 42],  # integer codes: labels, not quantities
        [0, 1],  # would be boolean as plain integers
        [f"c{i}" for i in range(200)],  # every value distinct: still a category
        [1.5, 2.5],
    ],
    ids=["int-codes", "zero-one", "all-distinct", "float-codes"],
)
def test_pandas_category_dtype_is_categorical(values: list[object]) -> None:
    rng = np.random.default_rng(20)
    column = pd.Series(rng.choice(np.array(values, dtype=object), N)).astype("category")
    if len(values) == 200:
        column = pd.Series(values, dtype="category")
    spec = _infer(column, name="zone_id")
    assert spec.kind is ColumnKind.CATEGORICAL
    assert spec.role is ColumnRole.FEATURE
    assert spec.note == "pandas category dtype"


def test_integer_category_codes_are_chi_squared_tested_not_ks() -> None:
    rng = np.random.default_rng(21)
    reference = pd.DataFrame({"zone": pd.Categorical(rng.choice([1, 2, 9], 2_000))})
    current = pd.DataFrame(
        {"zone": pd.Categorical(rng.choice([1, 2, 9], 2_000, p=[0.6, 0.2, 0.2]))}
    )

    column = driftscope.compare(reference, current, multivariate=False).drift.column("zone")

    assert column.kind == "categorical"
    assert column.method == "chi2"
    assert column.effect_size_method == "tv"
    assert column.drifted


def test_category_dtype_on_the_current_side_only_is_categorical() -> None:
    reference = pd.DataFrame({"zone": [1, 2, 3] * 100})
    current = pd.DataFrame({"zone": pd.Categorical([1, 2, 3] * 100)})
    schema, _ = infer_schema(reference, current)
    assert schema["zone"].kind is ColumnKind.CATEGORICAL


# ---------------------------------------------------------------------------------------------
# binary (bytes)


def test_bytes_values_are_binary_and_excluded_with_a_note() -> None:
    rng = np.random.default_rng(22)
    frame = pd.DataFrame({"payload": pd.Series([rng.bytes(12) for _ in range(N)], dtype=object)})
    schema, warnings = infer_schema(frame, frame)
    spec = schema["payload"]
    assert warnings == [
        "Column 'payload' holds raw bytes (binary); it is listed but not tested for drift "
        "or quality beyond missing values. Decode it to text or numbers to test it."
    ]
    assert spec.kind is ColumnKind.BINARY
    assert spec.note is not None
    assert "bytes" in spec.note
    assert "excluded from drift" in spec.note
