"""Data-quality checks: each fires at the right status with exact counts, shares and examples."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from driftscope.analyses.quality import (
    CHECKS,
    QualityCheck,
    QualityResult,
    QualitySettings,
    _majority_of_numbers,
    _quantiles,
    run_quality,
)
from driftscope.data.infer import infer_schema
from driftscope.data.schema import ColumnSpec, Schema
from driftscope.exceptions import ParameterError, SchemaError


def run(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    schema: dict[str, Any] | None = None,
    **settings: Any,
) -> QualityResult:
    user = Schema.from_dict(schema) if schema is not None else None
    inferred, _ = infer_schema(reference, current, user)
    return run_quality(reference, current, inferred, QualitySettings(**settings))


def numbers(n: int = 100) -> pd.DataFrame:
    """0, 1, ..., n - 1: quartiles, range and IQR fences easy to work out by hand."""
    return pd.DataFrame({"x": np.arange(n, dtype=np.float64)})


# ---------------------------------------------------------------------------------------------
# one test per check


@pytest.mark.parametrize(
    ("n_missing", "status"),
    [(0, "ok"), (4, "ok"), (5, "warning"), (19, "warning"), (20, "alert"), (100, "alert")],
)
def test_missing_share(n_missing: int, status: str) -> None:
    current = numbers()
    current.loc[: n_missing - 1, "x"] = np.nan
    check = run(numbers(), current).get("missing_share", "x")
    assert (check.count, check.share, check.reference_share) == (n_missing, n_missing / 100, 0.0)
    assert (check.threshold, check.alert_threshold, check.status) == (0.05, 0.2, status)


def test_missing_share_is_graded_on_the_increase_over_the_reference() -> None:
    reference, current = numbers(), numbers()
    reference.loc[:9, "x"] = np.nan
    current.loc[:15, "x"] = np.nan  # 16% against 10%: up 6 points, a warning
    check = run(reference, current).get("missing_share", "x")
    assert (check.count, check.share, check.reference_share) == (16, 0.16, 0.1)
    assert check.status == "warning"
    assert check.message == "x: 16% of current values are missing (reference 10%)."
    current.loc[:, "x"] = np.arange(100.0)  # fewer missing than the reference is fine
    assert run(reference, current).get("missing_share", "x").status == "ok"


def test_columns_added_and_removed() -> None:
    reference = pd.DataFrame({"x": [1.0, 2.0, 3.0], "old": ["a", "b", "a"]})
    current = pd.DataFrame({"x": [1.0, 2.0, 3.0, 2.0], "new": [7, 8, 7, 9]})
    result = run(reference, current)
    removed, added = result.get("column_removed", "old"), result.get("column_added", "new")
    assert (removed.status, removed.count, removed.share) == ("warning", 4, 1.0)
    assert removed.examples == ("a", "b")
    assert removed.message == "old: the column is in the reference but not in the current data."
    assert (added.status, added.count, added.share, added.examples) == (
        "warning",
        4,
        1.0,
        ("7", "8", "9"),
    )
    assert (added.reference_share, added.threshold) == (None, None)
    # Neither column is checked for anything else.
    assert {c.check for c in result.checks if c.column in ("old", "new")} == {
        "column_added",
        "column_removed",
    }


def test_type_change_numbers_arriving_as_text() -> None:
    reference = numbers()
    values: list[object] = list(np.arange(100.0))
    values[:3] = ["n/a"] * 3
    values[3:5] = ["?"] * 2
    current = pd.DataFrame({"x": pd.Series(values, dtype=object)})
    check = run(reference, current).get("type_change", "x")
    assert (check.count, check.share, check.reference_share) == (5, 0.05, 0.0)
    assert check.examples == ("n/a", "?")
    assert check.status == "alert"
    assert check.message == (
        "x: values are numbers in the reference (float64) but a mix of types in the current "
        "data (object); 5% of current values are not numbers (reference 0%; e.g. 'n/a', '?')."
    )


def _dates(n: int, bad: int, word: str = "n.a.") -> pd.DataFrame:
    values = pd.date_range("2026-01-01", periods=n, freq="h").astype(str).tolist()
    values[:bad] = [word] * bad
    return pd.DataFrame({"ts": values})


@pytest.mark.parametrize("timestamp", [False, True])
def test_type_change_of_dates_that_cannot_be_read(timestamp: bool) -> None:
    schema = {"timestamp": "ts"} if timestamp else None
    check = run(_dates(200, 0), _dates(200, 200, "garbage"), schema).get("type_change", "ts")
    assert (check.status, check.count, check.share, check.reference_share) == (
        "alert", 200, 1.0, 0.0,
    )  # fmt: skip
    assert check.examples == ("garbage",)
    name = "ts (the timestamp column)" if timestamp else "ts"
    assert check.message == (
        f"{name}: 100% of current values could not be read as dates (reference 0%; e.g. 'garbage')."
    )


def test_dates_unreadable_as_often_as_in_the_reference_are_no_type_change() -> None:
    check = run(_dates(400, 8), _dates(400, 8)).get("type_change", "ts")
    assert check.status == "ok"
    assert (check.count, check.reference_share) == (8, 0.02)


def test_dates_that_read_say_so() -> None:
    check = run(_dates(200, 0), _dates(200, 0)).get("type_change", "ts")
    assert check.status == "ok"
    assert check.message == (
        "ts: every non-missing current value reads as a date (reference 0% could not be read)."
    )


def test_type_change_of_dtype_alone() -> None:
    reference = pd.DataFrame({"plan": ["a", "b"] * 50})
    current = pd.DataFrame({"plan": [1, 2, None] * 30})
    check = run(reference, current).get("type_change", "plan")
    assert (check.status, check.count, check.share) == ("alert", 60, 60 / 90)
    assert "text in the reference (str) but numbers in the current data (float64)" in (
        check.message
    )


def test_integers_turning_float_is_not_a_type_change() -> None:
    reference = pd.DataFrame({"x": np.arange(100)})
    current = pd.DataFrame({"x": [*np.arange(99.0), np.nan]})
    check = run(reference, current).get("type_change", "x")
    assert (check.status, check.count) == ("ok", 0)
    assert check.message == "x: values are numbers, as in the reference."


@pytest.mark.parametrize(
    ("outside", "status"),
    [
        ([], "ok"),
        ([15_000.0], "warning"),
        ([-3.0, 12_000.0], "warning"),
        ([-3.0, -2.0, -1.0, 12_000.0, 13_000.0], "alert"),
    ],
)
def test_out_of_range_grades(outside: list[float], status: str) -> None:
    # A 10,000-value reference: by chance only 0.02% of stable values fall outside its range, so
    # the 1% and 5% thresholds decide (one value in 100 has chance p = 0.02, two p = 0.0003).
    current = numbers()
    current.loc[: len(outside) - 1, "x"] = outside
    check = run(numbers(10_000), current).get("out_of_range", "x")
    assert (check.count, check.share, check.status) == (len(outside), len(outside) / 100, status)


@pytest.mark.parametrize(
    ("n_outside", "status"),
    [
        # Against 100 reference values a stable value is out of range with probability 2 / 101,
        # so about 2 of 100 current values are, and as they share the reference's two extremes
        # the count spreads widely (beta-binomial): up to 6 is chance (6: p = 0.059), though 1
        # already reaches the 1% warning level and 5 the 5% alert level.
        (1, "ok"),
        (6, "ok"),
        # 7 to 12 (p = 0.032 to 0.0013) are more than chance, but not enough for an alert.
        (7, "warning"),
        (12, "warning"),
        # 13 (p = 0.00064): an alert.
        (13, "alert"),
    ],
)
def test_out_of_range_on_a_small_reference_must_be_more_than_chance(
    n_outside: int, status: str
) -> None:
    current = numbers()
    current.loc[: n_outside - 1, "x"] = 500.0
    check = run(numbers(), current).get("out_of_range", "x")
    assert (check.count, check.threshold, check.alert_threshold) == (n_outside, 0.01, 0.05)
    assert check.status == status


def test_out_of_range_stays_ok_on_stable_data_with_a_small_reference() -> None:
    # 44 continuous columns, 120 reference rows: under no change each current value is outside
    # the reference range with probability 2 / 121. Without the chance gate about half of these
    # checks warned (and 6% alerted); a binomial gate, ignoring that current values share the
    # reference extremes, still flagged 11%.
    rng = np.random.default_rng(3)
    columns = [f"f{i}" for i in range(44)]
    flagged = 0
    for _ in range(5):
        reference = pd.DataFrame(rng.normal(size=(120, 44)), columns=columns)
        current = pd.DataFrame(rng.normal(size=(120, 44)), columns=columns)
        result = run(reference, current)
        flagged += sum(c.status != "ok" for c in result.checks if c.check == "out_of_range")
    # 5 x 44 checks, each a false alarm with probability at most about 5%.
    assert flagged <= 22


def test_out_of_range_counts_both_sides_and_shows_the_most_extreme() -> None:
    current = numbers()
    current.loc[:5, "x"] = [150.0, 300.0, 200.0, -5.0, -1.0, 300.0]
    check = run(numbers(), current).get("out_of_range", "x")
    assert (check.count, check.share, check.reference_share) == (6, 0.06, 0.0)
    assert check.examples == ("300", "200", "150", "-5", "-1")
    # 6% is past the 5% alert level, but 6 values in 100 outside the range of 100 reference
    # values happen by chance (p = 0.059): the chance gate keeps the check ok.
    assert (check.threshold, check.alert_threshold, check.status) == (0.01, 0.05, "ok")
    assert check.message == (
        "x: 6% of current values are outside the reference range 0 to 99 (2% below, 4% above) "
        "(reference 0%)."
    )


def test_out_of_range_message_matches_the_documented_example() -> None:
    reference = pd.DataFrame({"income": np.linspace(0, 182_000, 1000)})
    current = pd.DataFrame({"income": np.r_[np.linspace(0, 182_000, 968), [250_000.5] * 32]})
    check = run(reference, current).get("out_of_range", "income")
    assert check.message == (
        "income: 3.2% of current values are above the reference maximum 182,000 (reference 0%)."
    )
    assert check.examples == ("250000.5",)


@pytest.mark.parametrize(("n_unseen", "status"), [(0, "ok"), (1, "warning"), (5, "alert")])
def test_unseen_categories(n_unseen: int, status: str) -> None:
    reference = pd.DataFrame({"city": ["Paris", "Lyon", "Nice", "Lille"] * 25})
    unseen = ["Oslo", "Rome", "Oslo", "Bern", "Oslo"][:n_unseen]
    current = pd.DataFrame({"city": [*unseen, *(["Paris", "Lyon"] * 50)][:100]})
    check = run(reference, current).get("unseen_categories", "city")
    assert (check.count, check.share, check.status) == (n_unseen, n_unseen / 100, status)
    assert check.reference_share is None
    assert check.examples == {0: (), 1: ("Oslo",), 5: ("Oslo", "Bern", "Rome")}[n_unseen]
    if n_unseen == 5:
        assert check.message == (
            "city: 5% of current values are categories never seen in the reference "
            "(e.g. 'Oslo', 'Bern', 'Rome')."
        )


def test_unseen_categories_compare_values_not_dtypes() -> None:
    # 1 and 1.0 (an integer column that gained a missing value) are the same category.
    reference = pd.DataFrame({"grade": [1, 2, 3] * 10})
    current = pd.DataFrame({"grade": [1.0, 2.0, np.nan] * 10})
    schema = {"columns": {"grade": "categorical"}}
    check = run(reference, current, schema).get("unseen_categories", "grade")
    assert (check.count, check.status) == (0, "ok")


def test_boolean_columns_are_checked_for_unseen_values() -> None:
    reference = pd.DataFrame({"flag": ["yes", "no"] * 50})
    current = pd.DataFrame({"flag": ["yes", "no"] * 48 + ["maybe"] * 4})
    check = run(reference, current).get("unseen_categories", "flag")
    assert (check.count, check.examples, check.status) == (4, ("maybe",), "warning")


@pytest.mark.parametrize(("n_repeats", "status"), [(0, "ok"), (1, "warning"), (5, "alert")])
def test_duplicate_rows(n_repeats: int, status: str) -> None:
    reference = pd.DataFrame({"x": np.arange(100.0), "c": ["a", "b"] * 50})
    current = reference.copy()
    current.iloc[100 - n_repeats :] = current.iloc[:n_repeats].to_numpy()
    check = run(reference, current).get("duplicate_rows")
    assert check.column is None
    assert (check.count, check.share, check.reference_share) == (n_repeats, n_repeats / 100, 0.0)
    assert check.examples == tuple(str(i) for i in range(100 - n_repeats, 100))[:5]
    assert check.status == status


def test_duplicate_rows_graded_on_the_increase_over_the_reference() -> None:
    reference = pd.DataFrame({"x": [*range(97), 0, 1, 2]})
    current = pd.DataFrame({"x": [*range(96), 0, 1, 2, 3]})
    check = run(reference, current).get("duplicate_rows")
    assert (check.count, check.share, check.reference_share) == (4, 0.04, 0.03)
    assert check.status == "warning"
    assert check.message == (
        "4% of current rows (4) repeat an earlier row (reference 3%); e.g. rows 96, 97, 98, 99."
    )


@pytest.mark.parametrize("n", [50, 20_000])
def test_duplicate_rows_match_pandas(n: int) -> None:
    # 20,000 rows take the shortcut that hashes only rows sharing a cheap numeric key; the
    # count must still be the exact one.
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {
            "a": rng.integers(0, 4, n).astype(np.float64),
            "b": rng.choice(["x", "y", "z"], n),
            "c": rng.integers(0, 3, n),
            "flag": rng.random(n) < 0.5,
        }
    )
    frame.loc[::7, "a"] = np.nan
    frame.loc[::11, "a"] = -0.0
    frame.loc[::13, "a"] = 0.0
    check = run(frame, frame).get("duplicate_rows")
    assert check.count == int(frame.duplicated().sum())
    assert check.count > 0
    wide = pd.DataFrame({"u": rng.normal(size=n), "v": rng.normal(size=n)})
    wide.iloc[n // 2 :: 97] = wide.iloc[: len(wide.iloc[n // 2 :: 97])].to_numpy()
    assert run(wide, wide).get("duplicate_rows").count == int(wide.duplicated().sum()) > 0


def test_constant() -> None:
    reference = pd.DataFrame({"plan": ["basic", "pro", "team"] * 10})
    current = pd.DataFrame({"plan": ["pro"] * 27 + [None] * 3})
    result = run(reference, current)
    check = result.get("constant", "plan")
    assert (check.status, check.count, check.share, check.reference_share) == (
        "warning",
        27,
        0.9,
        0.0,
    )
    assert check.examples == ("pro",)
    assert check.message == "plan: every non-missing current value is 'pro'; the reference was not."
    # A constant column is not also reported as near-constant.
    assert [c.check for c in result.for_column("plan")] == [
        "missing_share",
        "type_change",
        "unseen_categories",
        "constant",
    ]


def test_constant_numbers() -> None:
    current = pd.DataFrame({"x": [7.0] * 100})
    check = run(numbers(), current).get("constant", "x")
    assert (check.status, check.count, check.examples) == ("warning", 100, ("7",))
    reference = pd.DataFrame({"x": [7.0] * 40 + [np.nan] * 10})
    check = run(reference, current, {"columns": {"x": "numerical"}}).get("constant", "x")
    assert (check.status, check.reference_share) == ("warning", 0.8)
    assert check.message == (
        "x: every non-missing current value is '7'; the reference was constant too (80% of rows)."
    )


@pytest.mark.parametrize("as_numbers", [False, True])
def test_near_constant(as_numbers: bool) -> None:
    reference = pd.DataFrame({"v": [0] * 60 + [1] * 20 + [2] * 20})
    current = pd.DataFrame({"v": [0] * 995 + [1] * 3 + [2] * 2})
    schema = {"columns": {"v": "numerical" if as_numbers else "categorical"}}
    check = run(reference, current, schema).get("near_constant", "v")
    assert (check.status, check.count, check.share, check.reference_share) == (
        "warning",
        995,
        0.995,
        0.6,
    )
    assert (check.examples, check.threshold) == (("0",), 0.99)
    assert check.message == (
        "v: 99.5% of non-missing current values are '0' (reference 60% for '0')."
    )
    # Near-constant in the reference already: nothing new.
    reference = pd.DataFrame({"v": [0] * 992 + [1] * 8})
    assert run(reference, current, schema).get("near_constant", "v").status == "ok"


def test_near_constant_share_is_over_non_missing_values() -> None:
    reference = pd.DataFrame({"v": ["a", "b"] * 50})
    current = pd.DataFrame({"v": ["a"] * 99 + ["b"] + [None] * 100})
    check = run(reference, current).get("near_constant", "v")
    assert (check.count, check.share, check.status) == (99, 0.99, "warning")
    assert run(reference, reference).get("near_constant", "v").message == (
        "v: no value holds more than half of the current values "
        "(reference: no value held more than half)."
    )


@pytest.mark.parametrize(
    ("extra", "status"),
    [
        ([], "ok"),
        ([160.0], "ok"),
        # 2% against 1%: above the 1-point warning level, but sampling noise (p = 0.28).
        ([160.0, 170.0], "ok"),
        # 6% against 1%: past the 5-point alert level, p = 0.027: a warning, not an alert.
        ([160.0, 170.0, 180.0, 190.0, 200.0, 210.0], "warning"),
        # 20% against 1%: p < 0.001, an alert.
        ([150.0 + 10 * i for i in range(20)], "alert"),
    ],
)
def test_outliers_iqr(extra: list[float], status: str) -> None:
    # Reference 0..99: Q1 = 24.75, Q3 = 74.25, fences -49.5 and 148.5; one reference value out.
    reference = pd.DataFrame({"x": [*np.arange(99.0), 500.0]})
    current = numbers()
    current.loc[: len(extra) - 1, "x"] = extra
    check = run(reference, current).get("outliers_iqr", "x")
    q1, q3 = np.quantile(reference["x"], [0.25, 0.75])
    assert (q1 - 1.5 * (q3 - q1), q3 + 1.5 * (q3 - q1)) == (-49.5, 148.5)
    assert (check.count, check.share, check.reference_share) == (len(extra), len(extra) / 100, 0.01)
    assert check.status == status
    assert check.examples == tuple(str(int(v)) for v in sorted(extra, reverse=True))[:5]


def test_outliers_iqr_k_is_configurable() -> None:
    current = numbers()
    current.loc[:9, "x"] = 130.0  # inside the 1.5 IQR fence (148.5), outside the 1.0 one (123.75)
    default = run(numbers(), current).get("outliers_iqr", "x")
    tight = run(numbers(), current, iqr_k=1.0).get("outliers_iqr", "x")
    assert (default.count, tight.count, tight.status) == (0, 10, "alert")
    assert "fences -24.75 to 123.75 (Q1 - 1 IQR, Q3 + 1 IQR" in tight.message


def test_infinite_values() -> None:
    reference = numbers()
    reference.loc[0, "x"] = np.inf
    current = numbers(200)
    current.loc[:2, "x"] = [np.inf, -np.inf, np.inf]
    check = run(reference, current).get("infinite_values", "x")
    assert (check.count, check.share, check.reference_share) == (3, 0.015, 0.01)
    assert (check.examples, check.status, check.threshold) == (("inf", "-inf"), "alert", 0.0)
    assert run(numbers(), numbers()).get("infinite_values", "x").status == "ok"


@pytest.mark.parametrize(("negatives", "status"), [(0, "ok"), (1, "warning"), (2, "alert")])
def test_negative_values(negatives: int, status: str) -> None:
    current = numbers(200)
    current.loc[: negatives - 1, "x"] = [-2.5, -40.0][:negatives]
    check = run(numbers(), current).get("negative_values", "x")
    assert (check.count, check.share, check.status) == (negatives, negatives / 200, status)
    assert check.examples == {0: (), 1: ("-2.5",), 2: ("-40", "-2.5")}[negatives]


def test_negative_values_not_checked_when_the_reference_had_some() -> None:
    reference = pd.DataFrame({"x": np.arange(-5.0, 95.0)})
    current = pd.DataFrame({"x": np.arange(-50.0, 50.0)})
    with pytest.raises(KeyError):
        run(reference, current).get("negative_values", "x")


# ---------------------------------------------------------------------------------------------
# whole results


def clean_frame(seed: int, n: int = 5_000) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "age": rng.normal(40, 10, n).clip(18, 90).round(1),
            "income": rng.lognormal(10, 0.3, n),
            "plan": rng.choice(["basic", "pro", "team"], n, p=[0.5, 0.3, 0.2]),
            "churned": rng.random(n) < 0.2,
            "user_id": np.arange(n) + seed * n,
            "note": rng.choice(["a b c d e f g h i j k l", "m n o p q r s t u v w x"], n),
        }
    )


def test_clean_data_is_all_ok_with_each_applicable_check_once() -> None:
    reference, current = clean_frame(1), clean_frame(2)
    result = run(
        reference,
        current,
        {"columns": {"note": "text"}, "id": "user_id", "timestamp": None},
    )
    assert [c.status for c in result.checks] == ["ok"] * len(result.checks)
    assert (result.status, result.n_warnings, result.n_alerts) == ("ok", 0, 0)
    assert (result.n_reference_rows, result.n_current_rows) == (5_000, 5_000)
    by_column = {
        name: [c.check for c in result.for_column(name)]
        for name in ["age", "income", "plan", "churned", "user_id", "note"]
    }
    numerical = [
        "missing_share",
        "type_change",
        "out_of_range",
        "outliers_iqr",
        "negative_values",
        "infinite_values",
        "constant",
        "near_constant",
    ]
    categorical = ["missing_share", "type_change", "unseen_categories", "constant", "near_constant"]
    assert by_column == {
        "age": numerical,
        "income": numerical,
        "plan": categorical,
        "churned": categorical,
        "user_id": ["missing_share", "type_change"],
        "note": ["missing_share", "type_change", "constant", "near_constant"],
    }
    assert result.checks[0].check == "duplicate_rows"
    assert {c.check for c in result.checks} <= set(CHECKS)


def test_timestamp_and_ignored_columns_only_get_missing_and_type_checks() -> None:
    reference = pd.DataFrame({"ts": [1.0, 2.0, 3.0, 4.0], "junk": ["a", "a", "b", "c"]})
    current = pd.DataFrame({"ts": [100.0, -5.0, np.inf, 4.0], "junk": ["a", "a", "a", "a"]})
    result = run(reference, current, {"timestamp": "ts", "ignore": "junk"})
    assert [(c.check, c.column) for c in result.checks] == [
        ("duplicate_rows", None),
        ("missing_share", "ts"),
        ("type_change", "ts"),
        ("missing_share", "junk"),
        ("type_change", "junk"),
    ]


def test_thresholds_and_statuses_are_configurable() -> None:
    reference = pd.DataFrame({"x": np.arange(100.0), "old": 1.0})
    current = numbers()
    current.loc[:9, "x"] = np.nan  # 10% missing: a warning by default
    assert run(reference, current).get("missing_share", "x").status == "warning"
    assert run(reference, current, missing_warning=0.15).get("missing_share", "x").status == "ok"
    check = run(reference, current, missing_alert=0.1).get("missing_share", "x")
    assert (check.status, check.alert_threshold) == ("alert", 0.1)
    check = run(reference, current, missing_warning=None, missing_alert=None).get(
        "missing_share", "x"
    )
    assert (check.status, check.threshold) == ("ok", None)
    assert run(reference, current).get("column_removed", "old").status == "warning"
    removed = run(reference, current, column_change_status="alert").get("column_removed", "old")
    assert removed.status == "alert"
    constant = pd.DataFrame({"x": [5.0] * 100})
    assert run(reference, constant, constant_status="ok").get("constant", "x").status == "ok"
    near = pd.DataFrame({"x": [5.0] * 96 + [1.0, 2.0, 3.0, 4.0]})
    assert run(reference, near).get("near_constant", "x").status == "ok"
    check = run(reference, near, near_constant_share=0.95).get("near_constant", "x")
    assert (check.status, check.threshold) == ("warning", 0.95)


def test_result_status_is_the_worst_and_counts_add_up() -> None:
    reference = numbers().assign(row=np.arange(100.0))  # so no two rows are equal
    current = reference.copy()
    current.loc[:9, "x"] = np.nan  # missing: warning
    current.loc[10, "x"] = np.inf  # infinite: alert
    result = run(reference, current)
    assert result.status == "alert"
    assert result.n_alerts == sum(c.status == "alert" for c in result.checks) == 1
    assert result.n_warnings == sum(c.status == "warning" for c in result.checks) == 1
    assert [c.check for c in result.problems] == ["infinite_values", "missing_share"]


def test_to_dict_is_plain_json_without_nan() -> None:
    reference = pd.DataFrame({"x": [np.nan] * 10, "c": ["a"] * 10, "gone": 1})
    current = pd.DataFrame({"x": [np.inf, -np.inf, *[np.nan] * 8], "c": ["b"] * 10, "new": 2})
    result = run(reference, current, {"columns": {"x": "numerical"}})
    data = result.to_dict()
    text = json.dumps(data, allow_nan=False)
    assert json.loads(text) == data
    assert set(data) == {
        "status",
        "n_reference_rows",
        "n_current_rows",
        "n_warnings",
        "n_alerts",
        "checks",
    }
    assert set(data["checks"][0]) == {
        "check",
        "column",
        "count",
        "share",
        "reference_share",
        "examples",
        "threshold",
        "alert_threshold",
        "status",
        "message",
    }
    assert len(data["checks"]) == len(result.checks)


def test_check_to_dict_maps_non_finite_numbers_to_null() -> None:
    check = QualityCheck(
        "missing_share", "x", 0, math.nan, math.inf, ("a",), None, None, "ok", "x: fine."
    )
    assert check.to_dict()["share"] is None
    assert check.to_dict()["reference_share"] is None
    assert check.to_dict()["examples"] == ["a"]


# ---------------------------------------------------------------------------------------------
# bad input


def test_bad_columns_yield_warnings_and_the_rest_runs() -> None:
    n = 200
    mixed: list[object] = [*range(n - 3), "oops", [1, 2], {"a": 1}]
    reference = pd.DataFrame(
        {
            "empty": np.full(n, np.nan),
            "cat_empty": pd.Series([None] * n, dtype=object),
            "mixed": pd.Series([*range(n - 1), "x"], dtype=object),
            "lists": pd.Series([[1], [2]] * (n // 2), dtype=object),
            "fine": np.arange(n, dtype=np.float64),
        }
    )
    current = pd.DataFrame(
        {
            "empty": np.full(n, np.nan),
            "cat_empty": pd.Series(["a"] * n, dtype=object),
            "mixed": pd.Series(mixed, dtype=object),
            "lists": pd.Series([[1], [3]] * (n // 2), dtype=object),
            "fine": np.arange(n, dtype=np.float64),
        }
    )
    schema = {
        "columns": {
            "empty": "numerical",
            "cat_empty": "categorical",
            "mixed": "numerical",
            "lists": "categorical",
        }
    }
    result = run(reference, current, schema)
    skipped = result.get("out_of_range", "empty")
    assert skipped.status == "warning"
    assert "the reference has no finite numbers" in skipped.message
    assert result.get("unseen_categories", "cat_empty").status == "warning"
    assert "the reference has no values" in result.get("unseen_categories", "cat_empty").message
    mixed_check = result.get("type_change", "mixed")
    assert (mixed_check.count, mixed_check.status) == (3, "alert")
    assert mixed_check.examples == ("[1, 2]", "oops", "{'a': 1}")
    assert result.get("unseen_categories", "lists").examples == ("[3]",)
    assert all(c.status == "ok" for c in result.for_column("fine"))
    json.dumps(result.to_dict(), allow_nan=False)


@pytest.mark.parametrize("empty_side", ["reference", "current"])
def test_empty_side_never_crashes(empty_side: str) -> None:
    full = pd.DataFrame({"x": [1.0, 2.0], "c": ["a", "b"]})
    empty = full.iloc[:0]
    reference, current = (empty, full) if empty_side == "reference" else (full, empty)
    schema = Schema((ColumnSpec("x", "numerical", "feature"), ColumnSpec("c", "categorical")))
    result = run_quality(reference, current, schema, QualitySettings())
    side = "reference" if empty_side == "reference" else "current data"
    assert result.get("missing_share", "x").message == f"x: not checked: the {side} has no rows."
    assert all(c.status == "warning" for c in result.checks if c.column is not None)
    json.dumps(result.to_dict(), allow_nan=False)


def test_schema_naming_unknown_columns_is_an_error() -> None:
    schema = Schema((ColumnSpec("nowhere", "numerical", "feature"),))
    with pytest.raises(SchemaError, match="'nowhere'"):
        run_quality(numbers(), numbers(), schema, QualitySettings())


# ---------------------------------------------------------------------------------------------
# settings


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"missing_warning": 1.5},
            "The 'missing_warning' parameter of QualitySettings must be a float in [0, 1] or "
            "None. Got 1.5.",
        ),
        (
            {"unseen_alert": True},
            "The 'unseen_alert' parameter of QualitySettings must be a float in [0, 1] or None. "
            "Got True.",
        ),
        (
            {"duplicate_warning": 0.1, "duplicate_alert": 0.05},
            "The 'duplicate_alert' parameter of QualitySettings must be at least "
            "duplicate_warning (0.1). Got 0.05.",
        ),
        (
            {"iqr_k": 0},
            "The 'iqr_k' parameter of QualitySettings must be a float in (0, inf). Got 0.",
        ),
        (
            {"near_constant_share": 0.5},
            "The 'near_constant_share' parameter of QualitySettings must be a float in "
            "(0.5, 1]. Got 0.5.",
        ),
        (
            {"constant_status": "error"},
            "The 'constant_status' parameter of QualitySettings must be one of 'ok', 'warning', "
            "'alert'. Got 'error'.",
        ),
        (
            {"n_jobs": 0},
            "The 'n_jobs' parameter of QualitySettings must be an int in [1, inf) or None. Got 0.",
        ),
    ],
)
def test_settings_are_validated(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ParameterError) as info:
        QualitySettings(**kwargs)
    assert str(info.value) == message


def test_settings_to_dict_round_trips() -> None:
    settings = QualitySettings(missing_warning=0.1, iqr_k=3.0)
    data = settings.to_dict()
    assert QualitySettings(**data) == settings
    assert json.loads(json.dumps(data)) == data


def test_results_do_not_depend_on_threads() -> None:
    reference, current = clean_frame(1, 3_000), clean_frame(4, 3_000)
    current.loc[:40, "income"] = -1.0
    one = run(reference, current, n_jobs=1)
    many = run(reference, current, n_jobs=4)
    assert one == many


# ---------------------------------------------------------------------------------------------
# numerical helpers, against numpy


@pytest.mark.parametrize(
    "values",
    [
        np.random.default_rng(0).normal(size=1_000_003),
        np.sort(np.random.default_rng(1).normal(size=200_000)),
        np.random.default_rng(2).integers(0, 5, 300_000).astype(np.float64),
        np.tile(np.arange(10.0), 50_000),
        np.r_[np.zeros(90_000), np.random.default_rng(3).normal(size=10_000)],
        np.random.default_rng(4).exponential(size=777),
        np.array([3.0]),
    ],
)
def test_quantiles_match_numpy(values: np.ndarray) -> None:
    probabilities = (0.25, 0.5, 0.75)
    assert _quantiles(values, probabilities) == pytest.approx(
        np.quantile(values, probabilities), rel=1e-15, abs=0
    )


@pytest.mark.parametrize(
    "values",
    [
        np.random.default_rng(0).normal(size=100_000),
        np.random.default_rng(1).integers(0, 3, 100_000).astype(np.float64),
        np.r_[np.full(50_001, 2.0), np.random.default_rng(2).normal(size=49_999)],
        np.r_[np.full(50_000, 2.0), np.random.default_rng(2).normal(size=50_000)],
        np.r_[np.arange(30_000.0), np.full(70_000, -1.0)],
        np.array([4.0, 4.0, 1.0]),
    ],
)
def test_majority_of_numbers_matches_counting(values: np.ndarray) -> None:
    found, counts = np.unique(values, return_counts=True)
    top = int(counts.max())
    majority = _majority_of_numbers(values, values.size)
    if 2 * top > values.size:
        assert (majority.count, majority.value) == (top, str(int(found[np.argmax(counts)])))
    else:
        assert (majority.count, majority.value) == (0, None)
