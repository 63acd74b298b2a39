"""Drift from profiles: the numbers and decisions of `run_drift` on the rows, exactly where the
profiles hold the data, within stated bounds where a side is sketched."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer, load_wine

from driftscope import profile
from driftscope.analyses.drift import DriftSettings, run_drift
from driftscope.analyses.profiled import (
    check_profile_schema,
    not_run_lines,
    profile_drift,
    profile_performance,
    profile_quality,
    profile_side,
)
from driftscope.analyses.results import ColumnDrift, DriftResult
from driftscope.data.schema import Schema
from driftscope.exceptions import ParameterError, SchemaError
from driftscope.profiles import ProfileSettings

SCHEMA = {
    "columns": {
        "score": "numerical",
        "visits": "numerical",
        "city": "categorical",
        "member": "boolean",
        "plan": "constant",
        "label": {"kind": "categorical", "role": "target"},
        "day": "datetime",
        "note": "text",
    }
}
#: Small enough that every numerical column keeps a quantile sketch only.
SKETCHED = ProfileSettings(quantile_k=16, max_exact_values=0)


def _frame(n: int, seed: int, shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    visits = rng.poisson(3 + 2 * shift, n).astype(float)
    visits[rng.random(n) < 0.05 + 0.2 * shift] = np.nan
    cities = ["paris", "lyon", "nice"] + (["brest"] if shift else [])
    return pd.DataFrame(
        {
            "score": np.round(rng.normal(shift, 1.0, n), 1),
            "visits": visits,
            "city": rng.choice(cities, n),
            "member": rng.random(n) < 0.4 + 0.2 * shift,
            "plan": ["basic"] * n,
            "label": rng.choice(["yes", "no"], n),
            "day": pd.date_range("2025-01-01", periods=n, freq="min"),
            "note": rng.choice(["ok", "fine thanks", "no"], n),
        }
    )


def _both(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    settings: DriftSettings,
    schema: Any = SCHEMA,
    profile_settings: ProfileSettings | None = None,
) -> tuple[DriftResult, DriftResult]:
    ref = profile(reference, schema, settings=profile_settings)
    cur = profile(current, ref.schema, settings=profile_settings)
    raw, _ = run_drift(reference, current, ref.schema, settings)
    return raw, profile_drift(ref, cur, settings)


@pytest.mark.parametrize("shift", [0.0, 0.5])
@pytest.mark.parametrize("correction", [None, "bonferroni", "bh"])
def test_exact_profiles_give_the_rows_numbers_bit_for_bit(
    shift: float, correction: str | None
) -> None:
    settings = DriftSettings(multivariate=False, correction=correction)
    raw, profiled = _both(_frame(3000, 1), _frame(2000, 2, shift), settings)
    assert profiled.columns == raw.columns
    assert profiled.dataset == raw.dataset
    assert all(c.exact and not c.decision_uncertain for c in profiled.columns)
    assert (shift > 0) == bool(profiled.drifted_columns)


def test_user_methods_and_thresholds_run_from_exact_profiles_as_from_rows() -> None:
    settings = DriftSettings(
        multivariate=False,
        methods={"score": "psi", "visits": "anderson", "city": "jensen_shannon"},
        thresholds={"score": 0.05, "visits": 0.01},
    )
    raw, profiled = _both(_frame(3000, 3), _frame(3000, 4, 0.3), settings)
    assert profiled.columns == raw.columns
    assert profiled.column("score").method == "psi"


def test_a_method_of_the_wrong_kind_is_refused_naming_the_column() -> None:
    ref = profile(_frame(200, 5), SCHEMA)
    with pytest.raises(ParameterError, match="'city'"):
        profile_drift(ref, ref, DriftSettings(methods={"city": "ks"}))


def _without_boolean_labels(columns: tuple[ColumnDrift, ...]) -> list[ColumnDrift]:
    """A profile keeps a boolean column as true and false counts, so its plot labels read
    True and False where rows of 0 and 1 read 0 and 1; every number is the same."""
    return [
        dataclasses.replace(c, summary=dataclasses.replace(c.summary, categories=None))
        if c.kind == "boolean" and c.summary is not None
        else c
        for c in columns
    ]


def _split(data: pd.DataFrame, by: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A real table cut in two where one feature is below and above its median: a shift."""
    low = data[by] <= data[by].median()
    return data[low].reset_index(drop=True), data[~low].reset_index(drop=True)


@pytest.mark.parametrize("loader", [load_breast_cancer, load_wine])
def test_real_data_split_by_a_feature_drifts_alike_from_exact_profiles(loader: Any) -> None:
    data = loader(as_frame=True).frame
    by = data.columns[0]
    reference, current = _split(data, by)
    settings = DriftSettings(multivariate=False, correction="bh")
    raw, profiled = _both(reference, current, settings, schema=None)
    assert _without_boolean_labels(profiled.columns) == _without_boolean_labels(raw.columns)
    assert profiled.dataset == raw.dataset
    assert by in profiled.drifted_columns
    # And a random split does not drift.
    shuffled = data.sample(frac=1.0, random_state=0).reset_index(drop=True)
    half = len(shuffled) // 2
    raw, profiled = _both(shuffled[:half], shuffled[half:], settings, schema=None)
    assert _without_boolean_labels(profiled.columns) == _without_boolean_labels(raw.columns)
    assert not profiled.dataset.drifted


def test_every_listed_column_keeps_the_rows_counts_and_missing_shares() -> None:
    reference, current = _frame(1000, 6), _frame(800, 7, 0.5)
    raw, profiled = _both(reference, current, DriftSettings(multivariate=False))
    day = profiled.column("day")
    assert day.skipped
    assert day == raw.column("day")
    visits = profiled.column("visits")
    assert visits.n_reference == 1000
    assert visits.n_current == 800
    assert visits.missing_share_reference == pytest.approx(reference["visits"].isna().mean())
    assert "missing_share" in visits.signals
    assert profiled.column("city").unseen_examples == ("brest",)


def test_profiles_of_another_schema_are_refused_naming_both_sides() -> None:
    a = profile(_frame(100, 8), SCHEMA).schema
    b = Schema.from_dict({"columns": {**SCHEMA["columns"], "score": "categorical"}})
    with pytest.raises(SchemaError, match=r"'score'.*'ref\.profile'.*'cur\.profile'"):
        check_profile_schema(a, b, "ref.profile", "cur.profile")
    fewer = Schema(tuple(s for s in a if s.name != "city"))
    with pytest.raises(SchemaError, match=r"'city' is in 'ref\.profile' but not in 'cur"):
        check_profile_schema(a, fewer, "ref.profile", "cur.profile")


def test_what_needs_rows_is_named_one_line_each() -> None:
    p = profile(_frame(100, 9), SCHEMA)
    lines = not_run_lines(p.schema, DriftSettings())
    assert any(line.startswith("Whole-table tests") for line in lines)
    assert any(line.startswith("Features derived from text") for line in lines)
    assert not any(
        "Whole-table" in line for line in not_run_lines(p.schema, DriftSettings(multivariate=False))
    )


def test_a_profile_side_says_whether_it_is_exact_and_its_rank_error() -> None:
    frame = _frame(2000, 10)
    exact = profile_side(profile(frame, SCHEMA), "ref")
    assert exact.exact
    assert exact.rank_error == 0.0
    assert exact.n_rows == 2000
    sketched = profile_side(profile(frame, SCHEMA, settings=SKETCHED), "ref")
    assert not sketched.exact
    assert 0.0 < sketched.rank_error < 1.0


def test_result_fields_default_to_exact_for_rows() -> None:
    fields = {f.name: f.default for f in dataclasses.fields(ColumnDrift)}
    assert fields["exact"] is True
    assert fields["decision_uncertain"] is False


def _inside(value: float | None, column: ColumnDrift, field: str) -> bool:
    """Whether the rows' ``value`` is within the column's bounds (equal to its number when
    exact)."""
    bounds = getattr(column, field.removesuffix("_bounds") + "_bounds")
    if column.exact:
        return value == getattr(column, field.removesuffix("_bounds"))
    if value is None or bounds is None:
        return value is None
    low, high = bounds
    return low - 1e-9 <= value <= high + 1e-9


def _halves(data: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    half = len(data) // 2
    return data[:half].reset_index(drop=True), data[half:].reset_index(drop=True)


def _continuous(n: int, seed: int, shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "normal": rng.normal(shift, 1.0, n),
            "skewed": rng.lognormal(0.3 * shift, 0.8, n),
            "mixed": np.where(rng.random(n) < 0.3, 0.0, rng.exponential(1.0 + shift, n)),
            "city": rng.choice(["paris", "lyon", "nice"], n),
        }
    )


@pytest.mark.parametrize("shift", [0.0, 0.05, 0.3])
def test_sketched_numbers_hold_the_rows_numbers_within_their_bounds(shift: float) -> None:
    settings = DriftSettings(multivariate=False)
    raw, profiled = _both(
        _continuous(4000, 11), _continuous(3000, 12, shift), settings, None, SKETCHED
    )
    for column in ("normal", "skewed", "mixed"):
        exact, sketched = raw.column(column), profiled.column(column)
        assert not sketched.exact
        assert sketched.bound_note
        assert "quantile sketches" in sketched.bound_note
        assert _inside(exact.statistic, sketched, "statistic"), column
        assert _inside(exact.p_value, sketched, "p_value"), column
        assert _inside(exact.effect_size, sketched, "effect_size"), column
        # The decision is the rows' unless numbers within the bounds could flip it.
        assert sketched.drifted == exact.drifted or sketched.decision_uncertain, column
    assert profiled.column("city").exact  # category counts stay exact


def test_a_decision_within_the_bounds_either_way_is_flagged_uncertain() -> None:
    settings = DriftSettings(multivariate=False)
    coarse = ProfileSettings(quantile_k=64, max_exact_values=0)
    found = []
    for shift in (0.0, 0.1, 0.15, 0.2, 0.6):
        raw, profiled = _both(
            _continuous(3000, 13), _continuous(3000, 14, shift), settings, None, coarse
        )
        column = profiled.column("normal")
        low, high = column.p_value_bounds or (0.0, 1.0)
        straddles = low < settings.alpha <= high
        # Uncertain exactly when the p-value's bounds straddle alpha (the effect floor passed).
        if column.effect_size_bounds and column.effect_size_bounds[0] >= 0.1:
            assert column.decision_uncertain == straddles
        found.append(column.decision_uncertain)
        if not column.decision_uncertain:
            assert column.drifted == raw.column("normal").drifted
    assert any(found)
    assert not all(found)


@pytest.mark.parametrize("loader", [load_breast_cancer, load_wine])
def test_real_data_from_sketches_decides_as_the_rows_or_says_it_is_uncertain(
    loader: Any,
) -> None:
    data = loader(as_frame=True).frame
    settings = DriftSettings(multivariate=False, correction="bh")
    sketchy = ProfileSettings(quantile_k=32, max_exact_values=0)
    for reference, current in (
        _split(data, data.columns[0]),
        _halves(data.sample(frac=1.0, random_state=1).reset_index(drop=True)),
    ):
        raw, profiled = _both(reference, current, settings, None, sketchy)
        for exact, sketched in zip(raw.columns, profiled.columns, strict=True):
            assert _inside(exact.statistic, sketched, "statistic"), exact.name
            assert sketched.drifted == exact.drifted or sketched.decision_uncertain, exact.name
        assert profiled.dataset.drifted == raw.dataset.drifted or (
            profiled.dataset.decision_uncertain
        )


def test_frequent_items_categories_bound_the_rows_numbers() -> None:
    rng = np.random.default_rng(15)
    labels = [f"c{i:03d}" for i in range(400)]
    weights = 1 / np.arange(1, 401) ** 1.1
    reference = pd.DataFrame({"shop": rng.choice(labels, 50_000, p=weights / weights.sum())})
    weights[:5] *= 1.5
    current = pd.DataFrame({"shop": rng.choice(labels, 50_000, p=weights / weights.sum())})
    schema = {"columns": {"shop": "categorical"}}
    sketchy = ProfileSettings(max_categories=20, frequent_lg_max_map_size=7)
    raw, profiled = _both(reference, current, DriftSettings(multivariate=False), schema, sketchy)
    exact, sketched = raw.column("shop"), profiled.column("shop")
    assert not sketched.exact
    assert "frequent-items" in (sketched.bound_note or "")
    assert _inside(exact.statistic, sketched, "statistic")
    assert _inside(exact.p_value, sketched, "p_value")
    assert _inside(exact.effect_size, sketched, "effect_size")
    # The estimate compares the categories both sketches report, the rest pooled.
    assert sketched.effect_size == pytest.approx(exact.effect_size, abs=0.02)
    assert sketched.drifted == exact.drifted or sketched.decision_uncertain
    assert sketched.summary is not None
    assert "(other)" in (sketched.summary.categories or ())
    assert sketched.unseen_p_value is None
    assert "unseen-category test is not run" in (sketched.note or "")


def _predicted(loader: Any, model: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A real dataset with a model's predictions, split in two: the first half for training
    and as reference, the second (shifted by sorting on a feature) as current."""
    data = loader(as_frame=True).frame.sort_values(by=loader(as_frame=True).frame.columns[2])
    data = data.reset_index(drop=True)
    x, y = data.drop(columns=["target"]), data["target"]
    half = len(data) // 2
    fitted = model.fit(x[:half], y[:half])
    frame = pd.DataFrame({"feature": x.iloc[:, 0], "target": y, "prediction": fitted.predict(x)})
    return frame[:half].reset_index(drop=True), frame[half:].reset_index(drop=True)


def test_classification_metrics_from_confusion_counts_are_scikit_learns() -> None:
    from sklearn import metrics as skm
    from sklearn.linear_model import LogisticRegression

    from driftscope.analyses.performance import PerformanceSettings

    reference, current = _predicted(load_wine, LogisticRegression(max_iter=5000))
    schema = {
        "columns": {
            "feature": "numerical",
            "target": {"kind": "categorical", "role": "target"},
            "prediction": {"kind": "categorical", "role": "prediction"},
        }
    }
    ref, cur = profile(reference, schema), profile(current, schema)
    result, model, warnings = profile_performance(ref, cur, PerformanceSettings(n_resamples=200))
    assert result is not None
    assert not warnings
    assert model.task == "multiclass_classification"
    assert result.n_current_labelled == len(current)
    y, p = current["target"].astype(str), current["prediction"].astype(str)
    expected = {
        "accuracy": skm.accuracy_score(y, p),
        "balanced_accuracy": skm.balanced_accuracy_score(y, p),
        "precision_macro": skm.precision_score(y, p, average="macro", zero_division=0),
        "recall_macro": skm.recall_score(y, p, average="macro", zero_division=0),
        "f1_macro": skm.f1_score(y, p, average="macro", zero_division=0),
        "f1_weighted": skm.f1_score(y, p, average="weighted", zero_division=0),
    }
    for name, value in expected.items():
        metric = result.metric(name)
        assert metric.current == pytest.approx(value, rel=1e-12), name
        assert metric.current_low is not None
        assert metric.current_low <= metric.current <= (metric.current_high or 0.0)
    ref_y, ref_p = reference["target"].astype(str), reference["prediction"].astype(str)
    assert result.metric("accuracy").reference == pytest.approx(skm.accuracy_score(ref_y, ref_p))
    precision, recall, f1, support = skm.precision_recall_fscore_support(
        y, p, labels=list(model.labels), zero_division=0
    )
    per_class = result.details["current"]["per_class"]
    assert per_class["f1"] == pytest.approx(f1.tolist())
    assert per_class["precision"] == pytest.approx(precision.tolist())
    assert per_class["recall"] == pytest.approx(recall.tolist())
    assert per_class["support"] == support.tolist()


def test_regression_metrics_from_sums_are_scikit_learns() -> None:
    from sklearn import metrics as skm
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import LinearRegression

    from driftscope.analyses.performance import PerformanceSettings

    reference, current = _predicted(load_diabetes, LinearRegression())
    schema = {
        "columns": {
            "feature": "numerical",
            "target": {"kind": "numerical", "role": "target"},
            "prediction": {"kind": "numerical", "role": "prediction"},
        }
    }
    result, model, _ = profile_performance(
        profile(reference, schema), profile(current, schema), PerformanceSettings()
    )
    assert result is not None
    assert model.task == "regression"
    y, p = current["target"], current["prediction"]
    expected = {
        "mae": skm.mean_absolute_error(y, p),
        "rmse": skm.root_mean_squared_error(y, p),
        "r2": skm.r2_score(y, p),
        "mean_error": float(np.mean(p - y)),
    }
    for name, value in expected.items():
        metric = result.metric(name)
        assert metric.current == pytest.approx(value, rel=1e-9), name
        assert metric.current_low is None
        assert "a profile keeps sums" in (metric.note or "")
    assert result.metric("rmse").reference == pytest.approx(
        skm.root_mean_squared_error(reference["target"], reference["prediction"])
    )


def test_performance_without_model_columns_says_why() -> None:
    from driftscope.analyses.performance import PerformanceSettings

    p = profile(_continuous(100, 16))
    result, model, warnings = profile_performance(p, p, PerformanceSettings())
    assert result is None
    assert model.task is None
    assert "no one target and one prediction" in warnings[0]


def test_quality_from_exact_profiles_is_the_rows_quality_but_for_row_checks() -> None:
    from driftscope.analyses.quality import QualitySettings, run_quality

    reference, current = _frame(3000, 21), _frame(2000, 22, shift=0.5)
    current.loc[:40, "score"] = 25.0  # far beyond the reference's maximum
    current.loc[:999, "plan"] = "gold"  # the constant column now varies
    ref, cur = profile(reference, SCHEMA), profile(current, SCHEMA)
    schema = Schema(
        tuple(s for s in ref.schema if s.name in ("score", "visits", "city", "member", "plan"))
    )
    from_rows = run_quality(reference, current, schema, QualitySettings())
    result, note = profile_quality(ref, cur, QualitySettings())
    expected = [
        c
        for c in from_rows.checks
        if c.check not in ("duplicate_rows", "type_change") and c.column in schema
    ]
    mine = [c for c in result.checks if c.column in schema]
    assert [(c.check, c.column) for c in mine] == [(c.check, c.column) for c in expected]
    for a, b in zip(mine, expected, strict=True):
        assert (a.count, a.share, a.reference_share, a.status) == (
            b.count,
            b.share,
            b.reference_share,
            b.status,
        ), a
    found = {(c.check, c.column): c.status for c in result.problems}
    assert found[("out_of_range", "score")] != "ok"
    assert found[("unseen_categories", "city")] != "ok"
    assert "duplicated rows and type changes are not checked" in note
    # The text and datetime columns are sketched (or not values): missing share alone.
    assert {c.check for c in result.checks if c.column == "note"} == {"missing_share"}
    assert "'note'" in note


def test_an_uncertain_column_can_make_the_dataset_verdict_uncertain() -> None:
    from rich.console import Console

    from driftscope import compare

    coarse = ProfileSettings(quantile_k=64, max_exact_values=0)
    columns = {"normal": "numerical"}
    reference = profile(_continuous(3000, 13)[["normal"]], {"columns": columns}, settings=coarse)
    current = profile(
        _continuous(3000, 14, 0.15)[["normal"]], {"columns": columns}, settings=coarse
    )
    report = compare(reference, current)
    column = report.drift.column("normal")
    assert column.decision_uncertain
    # One feature: whether it drifted is the verdict, so the verdict is uncertain too.
    assert report.drift.dataset.decision_uncertain
    assert "Uncertain" in report.drift.dataset.summary
    console = Console(record=True, width=200)
    console.print(report)
    assert "Decision uncertain within the sketches' bounds: normal" in console.export_text()
    assert "decision uncertain within the bounds" in report.to_html()
