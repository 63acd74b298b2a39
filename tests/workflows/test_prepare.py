"""`driftscope.prepare`: a reference prepared once gives the reports of the table itself."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import pytest

import driftscope
from driftscope.analyses import drift
from driftscope.exceptions import (
    ColumnError,
    EmptyDataError,
    InputTypeError,
    ParameterError,
    SchemaError,
)

TEXTS = [
    "the parcel came late and the box was torn on one side",
    "great value for the price, would order again next month",
    "support answered quickly and solved the billing problem",
    "the colour is not what the pictures on the site showed",
]


def table(rows: int, seed: int, shift: float = 0.0) -> pd.DataFrame:
    """Numbers (one with missing values), categories, booleans, an id, a date and free text."""
    rng = np.random.default_rng(seed)
    income = rng.lognormal(10 + shift, 0.5, rows)
    income[rng.random(rows) < 0.1] = np.nan
    shares = [0.5 + shift / 3, 0.3 - shift / 3, 0.15, 0.05]
    plan = rng.choice(["basic", "plus", "pro", None], rows, p=shares)
    which = rng.integers(0, 4, rows)
    return pd.DataFrame(
        {
            "customer_id": np.arange(seed * 1_000_000, seed * 1_000_000 + rows),
            "age": rng.normal(40 + 5 * shift, 10, rows),
            "income": income,
            "visits": rng.poisson(3 + shift, rows),
            "plan": plan,
            "active": rng.random(rows) < 0.7 + shift / 5,
            "signed_up": pd.Timestamp("2024-01-01")
            + pd.to_timedelta(rng.integers(0, 365, rows), "D"),
            "review": [
                f"{TEXTS[i]} {w}" for i, w in zip(which, rng.integers(0, 10_000, rows), strict=True)
            ],
        }
    )


def same_report(a: driftscope.Report, b: driftscope.Report) -> dict[str, Any]:
    """Both reports as JSON, with the timings and the creation time (which differ) left out."""
    first, second = json.loads(a.to_json()), json.loads(b.to_json())
    for report in (first, second):
        report["metadata"].pop("timings")
        report["metadata"].pop("created_at")
    assert first == second
    return first


@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    return table(20_000, seed=1)


@pytest.fixture(scope="module")
def prepared(reference: pd.DataFrame) -> driftscope.Reference:
    return driftscope.prepare(reference)


@pytest.mark.parametrize(("seed", "shift"), [(2, 0.0), (3, 0.3), (4, 0.0)])
def test_a_prepared_reference_gives_the_report_of_the_table(
    reference: pd.DataFrame, prepared: driftscope.Reference, seed: int, shift: float
) -> None:
    chunk = table(2_000 + 500 * seed, seed=seed, shift=shift)

    report = same_report(driftscope.compare(prepared, chunk), driftscope.compare(reference, chunk))

    kinds = {c["name"]: c["kind"] for c in report["schema"]["columns"]}
    assert kinds["customer_id"] == "id"
    assert kinds["plan"] == "categorical"
    assert kinds["active"] == "boolean"
    assert kinds["review"] == "text"
    assert "review.oov_rate" in kinds
    assert {m["method"] for m in report["multivariate"]} == {"mmd", "domain_classifier"}
    assert report["dataset"]["drifted"] is (shift > 0)


def test_settings_that_only_read_the_reference_stay_free_per_comparison(
    reference: pd.DataFrame, prepared: driftscope.Reference
) -> None:
    chunk = table(3_000, seed=5, shift=0.1)
    options: dict[str, Any] = {
        "seed": 7,  # not prepared: prepared on first use
        "alpha": 0.01,
        "correction": "bh",
        "methods": {"age": "wasserstein", "plan": "psi"},
        "thresholds": {"age": 0.2},
        "max_categories": 3,
    }
    same_report(
        driftscope.compare(prepared, chunk, **options),
        driftscope.compare(reference, chunk, **options),
    )
    same_report(
        driftscope.compare(prepared, chunk, multivariate=False),
        driftscope.compare(reference, chunk, multivariate=False),
    )


def test_columns_and_roles_are_fixed_at_preparation(reference: pd.DataFrame) -> None:
    chunk = table(3_000, seed=6, shift=0.3)
    picked = driftscope.prepare(reference, columns=["age", "plan"], target="active")
    plain = driftscope.compare(reference, chunk, columns=["age", "plan"], target="active")

    report = same_report(driftscope.compare(picked, chunk), plain)

    assert [c["name"] for c in report["schema"]["columns"]] == ["age", "plan", "active"]
    assert picked.schema.get("active").role == "target"  # type: ignore[union-attr]


def test_a_prepared_reference_is_not_prepared_again(
    prepared: driftscope.Reference, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the reference side was computed again")

    monkeypatch.setattr(drift, "_numerical_reference", refuse)
    monkeypatch.setattr(drift, "_categorical_reference", refuse)
    monkeypatch.setattr(drift, "fit_encoding", refuse)

    report = driftscope.compare(prepared, table(2_000, seed=8))

    assert len(report.drift.multivariate) == 2
    assert report.metadata.n_reference_rows == 20_000
    with pytest.raises(AssertionError, match="computed again"):
        driftscope.compare(prepared, table(2_000, seed=8), seed=99)


def test_a_reference_says_what_it_holds(prepared: driftscope.Reference) -> None:
    assert prepared.n_rows == 20_000
    assert prepared.name == "DataFrame"
    assert repr(prepared).startswith("<Reference 'DataFrame': 20000 rows")


# --- bad input --------------------------------------------------------------------------------


def test_prepare_refuses_what_is_not_a_table() -> None:
    with pytest.raises(InputTypeError, match="'reference' argument of prepare"):
        driftscope.prepare(42)
    with pytest.raises(InputTypeError, match="already prepared"):
        driftscope.prepare(driftscope.prepare(table(100, seed=0)))


def test_prepare_refuses_an_empty_table() -> None:
    with pytest.raises(EmptyDataError, match="0 rows"):
        driftscope.prepare(table(100, seed=0).iloc[:0])


def test_prepare_refuses_unknown_columns_and_bad_settings() -> None:
    with pytest.raises(SchemaError, match="'nope'"):
        driftscope.prepare(table(100, seed=0), columns=["age", "nope"])
    with pytest.raises(ParameterError, match="'seed'"):
        driftscope.prepare(table(100, seed=0), seed=-1)


def test_compare_refuses_a_current_table_without_a_prepared_column(
    prepared: driftscope.Reference,
) -> None:
    chunk = table(500, seed=2).drop(columns=["income"])
    with pytest.raises(SchemaError, match=r"'income'.*missing from the current data"):
        driftscope.compare(prepared, chunk)


def test_compare_refuses_text_in_a_column_prepared_as_numbers(
    prepared: driftscope.Reference,
) -> None:
    chunk = table(500, seed=2)
    chunk["age"] = chunk["age"].map(lambda v: f"{v:.0f} years")
    with pytest.raises(ColumnError, match=r"'age' holds numbers .*expected numbers"):
        driftscope.compare(prepared, chunk)
    # An all-missing column is no type clash: its missing share is what drifted.
    chunk["age"] = None
    report = driftscope.compare(prepared, chunk, multivariate=False)
    assert report.drift.column("age").missing_share_current == 1.0


@pytest.mark.parametrize(
    "argument",
    [{"schema": {"columns": {"age": "categorical"}}}, {"target": "active"}, {"columns": ["age"]}],
)
def test_compare_refuses_arguments_fixed_at_preparation(
    prepared: driftscope.Reference, argument: dict[str, Any]
) -> None:
    (name,) = argument
    with pytest.raises(ParameterError, match=f"'{name}' argument of compare must be left out"):
        driftscope.compare(prepared, table(500, seed=2), **argument)


def test_compare_with_a_prepared_reference_still_checks_current(
    prepared: driftscope.Reference,
) -> None:
    with pytest.raises(InputTypeError, match="'current' argument of compare"):
        driftscope.compare(prepared, [1, 2, 3])
    with pytest.raises(EmptyDataError, match="0 rows"):
        driftscope.compare(prepared, table(10, seed=2).iloc[:0])
    with pytest.raises(SchemaError, match="unknown column 'nope'"):
        driftscope.compare(prepared, table(500, seed=2), thresholds={"nope": 0.1})


def test_a_small_reference_takes_the_same_paths_as_the_table(tmp_path: Any) -> None:
    # 600 rows: the MMD's bandwidth comes from the pooled rows (no reference rows to spare) and
    # each column is compared by one merged pass (current is not much smaller than reference).
    reference = table(600, seed=11)
    path = tmp_path / "reference.csv"
    reference.to_csv(path, index=False)
    chunk = table(400, seed=12, shift=0.3)

    prepared = driftscope.prepare(path)
    report = same_report(driftscope.compare(prepared, chunk), driftscope.compare(path, chunk))

    assert report["metadata"]["reference"] == str(path)
    assert {m["method"] for m in report["multivariate"]} == {"mmd", "domain_classifier"}


def test_a_current_table_with_extra_columns_gets_the_tables_warnings(
    reference: pd.DataFrame, prepared: driftscope.Reference
) -> None:
    chunk = table(2_000, seed=13).assign(note="free-form")
    report = same_report(
        driftscope.compare(prepared, chunk, multivariate=False),
        driftscope.compare(reference, chunk, multivariate=False),
    )
    assert any("'note' is in the current data only" in w for w in report["warnings"])


@pytest.mark.parametrize("task", [None, "multiclass", "regression"])
def test_prepared_class_labels_follow_the_task_as_with_the_table(task: str | None) -> None:
    rng = np.random.default_rng(4)

    def side(shares: list[float], rows: int = 2000) -> pd.DataFrame:
        y = rng.choice(3, size=rows, p=shares)
        return pd.DataFrame({"x": rng.normal(size=rows), "y": y, "p": y})

    ref, cur = side([0.77, 0.18, 0.05]), side([0.77, 0.04, 0.19])
    cur["y"] = cur["y"].astype(float)  # read with a missing value elsewhere: floats
    options: dict[str, Any] = {"target": "y", "prediction": "p", "task": task}
    prepared = driftscope.prepare(ref, **options)
    from_table = driftscope.compare(ref, cur, **options)
    same_report(driftscope.compare(prepared, cur), from_table)
    kind = "numerical" if task == "regression" else "categorical"
    assert from_table.schema["y"].kind == kind
    if kind == "categorical":
        assert {"y", "p"} <= set(from_table.drift.drifted_columns)
    with pytest.raises(ParameterError, match="'task'"):
        driftscope.compare(prepared, cur, task="binary")
