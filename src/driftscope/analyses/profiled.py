"""Drift from profiles: the numbers of `run_drift`, computed from two `Profile`s.

Each column is tested by the rule `run_drift` applies to rows (docs/drift-decision.md), from
what the profiles hold. Where both sides hold the data exactly (category counts, or a
numerical column's distinct values with their counts), the column's numbers are those of the
rows. Where a side is sketched (a KLL quantile sketch, a frequent-items sketch), the numbers
are estimates, each with the bounds within which the rows' number lies
(`driftscope.stats.summarized`), and the decision is taken on the estimates; a column is
``decision_uncertain`` when numbers within their bounds could give the other decision. The
missing-share and unseen-category signals come from exact counts and are exact.

What needs rows is not run, and `ProfilesSection.not_run` says so: the whole-table tests
(MMD, domain classifier), concept drift, explanations, and the features derived from text.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from driftscope import metrics as M
from driftscope._shorten import shown
from driftscope.analyses.drift import (
    AUTO,
    ColumnCounts,
    ColumnNumbers,
    ColumnSignals,
    DriftSettings,
    category_summary,
    check_method,
    columns_to_test,
    dataset_verdict,
    decide,
    excluded_column,
    exclusion_note,
    is_tested,
    judge_column,
    main_threshold,
    missing_test,
    requested_method,
    signals_from_counts,
    signals_from_sorted,
)
from driftscope.analyses.model import ModelColumns, Task
from driftscope.analyses.performance import (
    MIN_INTERVAL_ROWS,
    Interval,
    PerformanceResult,
    PerformanceSettings,
    confusion_intervals,
    judge_metrics,
    overall_status,
)
from driftscope.analyses.quality import (
    QualityCheck,
    QualityResult,
    QualitySettings,
    check_column,
    missing_check,
)
from driftscope.analyses.results import ColumnDrift, ColumnSummary, DriftResult
from driftscope.data.profile import Profile
from driftscope.data.schema import ColumnKind, ColumnRole, ColumnSpec, Schema
from driftscope.exceptions import SchemaError
from driftscope.profiles import (
    BooleanProfile,
    CategoricalProfile,
    ColumnProfile,
    ConfusionCounts,
    NumericalProfile,
    RegressionSums,
    TextProfile,
)
from driftscope.stats.summarized import (
    BoundedResult,
    Summary,
    summarized_categorical,
    summarized_numerical,
)

__all__ = [
    "ProfileSide",
    "ProfilesSection",
    "check_profile_schema",
    "profile_drift",
    "profile_performance",
    "profile_quality",
    "profile_side",
]

_PLOT_BINS = 30
_OTHER = "(other)"
# Exact profiles are expanded back into their sorted values (the very arrays `run_drift`
# sorts, so every method gives the rows' numbers bit for bit) up to this many values on both
# sides together; beyond, their weighted form gives the same numbers within rounding.
_EXPAND_VALUES = 4_000_000
_NUMERICAL_KINDS = (ColumnKind.NUMERICAL, ColumnKind.TEXT)


@dataclass(frozen=True)
class ProfileSide:
    """What the report says of one side given as a profile: its rows and columns, whether
    every column the drift analysis tests is held exactly, and the largest rank error of their
    quantile sketches (the normalized error of a CDF at every point at once, 99% confidence; 0
    when exact)."""

    name: str
    n_rows: int
    n_columns: int
    exact: bool
    rank_error: float
    settings: Mapping[str, int]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "n_rows": self.n_rows,
            "n_columns": self.n_columns,
            "exact": self.exact,
            "rank_error": self.rank_error,
            "settings": dict(self.settings),
        }


@dataclass(frozen=True)
class ProfilesSection:
    """A report's account of its profiles: each side given as one (None for rows), and one
    line for each analysis that needs rows and was not run."""

    reference: ProfileSide | None
    current: ProfileSide | None
    not_run: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "reference": None if self.reference is None else self.reference.to_dict(),
            "current": None if self.current is None else self.current.to_dict(),
            "not_run": list(self.not_run),
        }


def profile_side(p: Profile, name: str) -> ProfileSide:
    """The report's summary of profile ``p``, named ``name``."""
    exact = True
    rank_error = 0.0
    tested = {s.name for s in columns_to_test(p.schema)}
    for column_name, column in p.columns.items():
        if column_name not in tested:
            continue
        numbers = _numbers_of(column)
        if numbers is not None:
            exact = exact and numbers.exact is not None
            rank_error = max(rank_error, numbers.histogram_error)
        elif isinstance(column, CategoricalProfile):
            exact = exact and column.counts is not None
    return ProfileSide(name, p.n_rows, len(p.columns), exact, rank_error, p.settings.to_dict())


def check_profile_schema(
    reference: Schema, current: Schema, reference_name: str, current_name: str
) -> None:
    """Refuse two sides whose schemas differ: each column of one must be in the other, of the
    same kind and role (ignored columns and raw bytes, which no profile keeps, aside)."""
    kept = [
        Schema(
            tuple(
                s
                for s in schema
                if s.role is not ColumnRole.IGNORED and s.kind is not ColumnKind.BINARY
            )
        )
        for schema in (reference, current)
    ]
    found = kept[0].mismatch(kept[1])
    if found is None:
        return
    if found.what in ("only_first", "only_second"):
        side, other = (
            (reference_name, current_name)
            if found.what == "only_first"
            else (current_name, reference_name)
        )
        raise SchemaError(
            f"Column {shown(found.column)} is in {side!r} but not in {other!r}: profiles are "
            "compared column by column, so both sides need one schema. Profile both with "
            "the same schema."
        )
    raise SchemaError(
        f"Column {shown(found.column)} has {found.what} {shown(found.first)} in "
        f"{reference_name!r} but {shown(found.second)} in {current_name!r}; expected one "
        "schema for both sides. Profile both with the same schema."
    )


def not_run_lines(schema: Schema, settings: DriftSettings) -> tuple[str, ...]:
    """One line for each part of the drift analysis that needs rows."""
    lines = []
    features = [
        s
        for s in columns_to_test(schema)
        if s.role is ColumnRole.FEATURE
        and s.kind in (ColumnKind.NUMERICAL, ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN)
    ]
    if settings.multivariate and features:
        lines.append(
            "Whole-table tests (MMD, domain classifier): not run, they need rows; the dataset "
            "verdict rests on the share of drifted columns alone."
        )
    if any(s.kind is ColumnKind.TEXT for s in columns_to_test(schema)):
        lines.append(
            "Features derived from text (word counts, vocabulary): not run, they need the "
            "texts; each text column is tested on its lengths."
        )
    binary = [s.name for s in schema if s.kind is ColumnKind.BINARY]
    if binary:
        lines.append(
            f"Column(s) {', '.join(map(shown, binary[:5]))} of raw bytes: not listed, a profile "
            "keeps nothing of them."
        )
    return tuple(lines)


# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Judged:
    """A column's signals at its estimates, and at the two ends of its bounds: ``most`` (every
    number at its drift-most end) and ``least``."""

    tested: ColumnSignals
    most: ColumnSignals
    least: ColumnSignals
    exact: bool = True
    statistic_bounds: tuple[float, float] | None = None
    p_value_bounds: tuple[float, float] | None = None
    effect_size_bounds: tuple[float, float] | None = None
    bound_note: str | None = None


def profile_drift(reference: Profile, current: Profile, settings: DriftSettings) -> DriftResult:
    """Test every column the reference's schema marks as feature, target or prediction, from
    the two profiles (`check_profile_schema` first: one schema for both).

    >>> import numpy as np, pandas as pd
    >>> from driftscope.data.profile import profile
    >>> rng = np.random.default_rng(0)
    >>> schema = {"columns": {"age": "numerical"}}
    >>> ref = profile(pd.DataFrame({"age": rng.integers(20, 60, 5000)}), schema)
    >>> cur = profile(pd.DataFrame({"age": rng.integers(25, 65, 5000)}), schema)
    >>> column = profile_drift(ref, cur, DriftSettings()).column("age")
    >>> column.drifted, column.exact, column.decision_uncertain
    (True, True, False)
    """
    listed: list[ColumnDrift] = []
    judged: list[_Judged] = []
    for spec in reference.schema:
        if spec.role is ColumnRole.IGNORED or spec.kind is ColumnKind.BINARY:
            continue
        ref, cur = reference.columns[spec.name], current.columns[spec.name]
        counts = ColumnCounts(ref.n, cur.n, _missing(ref), _missing(cur))
        if not is_tested(spec):
            listed.append(excluded_column(spec, exclusion_note(spec), counts))
            continue
        judged.append(_judge(spec, ref, cur, counts, settings))

    estimate = decide([j.tested for j in judged], settings)
    most = decide([j.most for j in judged], settings)
    least = decide([j.least for j in judged], settings)
    decided = [
        replace(
            column,
            exact=j.exact,
            statistic_bounds=j.statistic_bounds,
            p_value_bounds=j.p_value_bounds,
            effect_size_bounds=j.effect_size_bounds,
            decision_uncertain=high.drifted != low.drifted,
            bound_note=j.bound_note,
        )
        for column, high, low, j in zip(estimate, most, least, judged, strict=True)
    ]
    order = {spec.name: i for i, spec in enumerate(reference.schema)}
    columns = sorted([*listed, *decided], key=lambda c: order[c.name])
    dataset = dataset_verdict(columns, (), settings)
    high = dataset_verdict([*listed, *most], (), settings)
    low = dataset_verdict([*listed, *least], (), settings)
    if high.drifted != low.drifted:
        dataset = replace(
            dataset,
            decision_uncertain=True,
            summary=dataset.summary
            + " Uncertain: within their sketches' bounds, the columns' numbers could give the "
            "other verdict.",
        )
    warnings = tuple(w for j in judged for w in j.tested.warnings)
    return DriftResult(tuple(columns), dataset, (), warnings)


def _missing(p: ColumnProfile) -> int:
    """Rows missing in the column, as `run_drift` counts them (infinities are values)."""
    return p.missing


def _numbers_of(p: ColumnProfile) -> NumericalProfile | None:
    """The numerical profile a column is tested on: its own, or a text's lengths."""
    if isinstance(p, TextProfile):
        return p.lengths
    if isinstance(p, NumericalProfile):
        return p
    return None


def _judge(
    spec: ColumnSpec,
    reference: ColumnProfile,
    current: ColumnProfile,
    counts: ColumnCounts,
    settings: DriftSettings,
) -> _Judged:
    numerical = spec.kind in _NUMERICAL_KINDS
    check_method(spec, requested_method(spec, settings), numerical)
    if numerical:
        ref, cur = _numbers_of(reference), _numbers_of(current)
        if ref is None or cur is None:
            raise SchemaError(
                f"Column {shown(spec.name)} is {spec.kind} in the schema but its profile holds "
                f"{reference.kind} and {current.kind} values; the profile is damaged."
            )
        judged = _judge_numerical(spec, ref, cur, counts, settings)
        for side, p in (("reference", ref), ("current", cur)):
            if p.non_finite:
                # As `run_drift` says of the rows.
                judged.tested.warnings.append(
                    f"Column {spec.name!r} ({side}): {p.non_finite} infinite value(s); "
                    "they are left out of the tests."
                )
        return judged
    ref_counts, ref_error = _category_counts(reference)
    cur_counts, cur_error = _category_counts(current)
    if ref_error == 0 and cur_error == 0:
        tested = signals_from_counts(spec, ref_counts, cur_counts, counts, settings)
        return _Judged(tested, tested, tested)
    return _judge_sketched_categories(
        spec, ref_counts, cur_counts, (ref_error, cur_error), counts, settings
    )


# ---------------------------------------------------------------------------------------------
# numerical columns


def _judge_numerical(
    spec: ColumnSpec,
    reference: NumericalProfile,
    current: NumericalProfile,
    counts: ColumnCounts,
    settings: DriftSettings,
) -> _Judged:
    both_exact = reference.exact is not None and current.exact is not None
    if (both_exact and reference.count + current.count <= _EXPAND_VALUES) or not (
        reference.count and current.count
    ):
        tested = signals_from_sorted(
            spec, _expanded(reference), _expanded(current), counts, settings
        )
        return _Judged(tested, tested, tested)
    method = requested_method(spec, settings)
    ref, cur = summary_of(reference), summary_of(current)
    main = summarized_numerical("ks" if method == AUTO else method, ref, cur)
    effect = summarized_numerical("wasserstein", ref, cur)
    summary = _numerical_summary(reference, current)
    return _bounded(spec, main, effect, counts, settings, summary)


def _bounded(
    spec: ColumnSpec,
    main: BoundedResult,
    effect: BoundedResult,
    counts: ColumnCounts,
    settings: DriftSettings,
    summary: ColumnSummary | None,
) -> _Judged:
    """A column judged at its estimates (``main``: the method's result, ``effect``: the
    effect size's) and at both ends of their bounds."""
    method = requested_method(spec, settings)
    threshold, floor = main_threshold(spec, settings, numerical=spec.kind in _NUMERICAL_KINDS)
    base = ColumnNumbers(
        method=main.result.method if method == AUTO else method,
        statistic=main.result.statistic,
        p_value=main.result.p_value,
        effect_size=effect.result.statistic,
        effect_size_method=effect.result.method,
        threshold=threshold,
        effect_size_threshold=floor,
        missing=_missing_signal(spec, counts, settings),
    )
    p_bounds = main.p_value_bounds
    if base.p_value is not None and p_bounds is None:
        p_bounds = (0.0, 1.0)  # no bound stated: any p-value is possible
    s_low, s_high = main.statistic_bounds
    e_low, e_high = effect.statistic_bounds
    ends = []
    for drift_most in (True, False):
        ends.append(
            judge_column(
                spec,
                replace(
                    base,
                    statistic=s_high if drift_most else s_low,
                    p_value=None if p_bounds is None else p_bounds[0 if drift_most else 1],
                    effect_size=(e_high if drift_most else e_low),
                ),
                counts,
                settings,
            )
        )
    tested = judge_column(spec, base, counts, settings, (), lambda: summary)
    notes = [main.note] + ([] if effect.exact else [effect.note])
    exact = main.exact and effect.exact
    return _Judged(
        tested,
        ends[0],
        ends[1],
        exact=exact,
        statistic_bounds=main.statistic_bounds,
        p_value_bounds=p_bounds,
        effect_size_bounds=effect.statistic_bounds,
        bound_note=None if exact else "; ".join(n for n in notes if n),
    )


def _missing_signal(
    spec: ColumnSpec, counts: ColumnCounts, settings: DriftSettings
) -> tuple[float, float] | None:
    if spec.name == settings.pending_labels:
        return None
    return missing_test(
        counts.missing_reference, counts.n_reference, counts.missing_current, counts.n_current
    )


def _expanded(p: NumericalProfile) -> NDArray[np.float64]:
    """An exact profile's finite values, sorted, each as often as it occurred."""
    if p.count == 0 or p.exact is None:
        return np.empty(0)
    values = np.fromiter((v for v, _ in p.exact), dtype=np.float64, count=len(p.exact))
    repeats = np.fromiter((c for _, c in p.exact), dtype=np.int64, count=len(p.exact))
    return np.repeat(values, repeats)


def summary_of(p: NumericalProfile) -> Summary:
    """A numerical profile as `driftscope.stats.summarized` reads it: its weighted values, with
    the sketch's all-points error (0 while its values are exact) and its exact moments."""
    values, weights = p.distribution()
    return Summary(
        values=values,
        weights=weights,
        n=p.count,
        rank_error=p.histogram_error,
        mean=p.mean,
        variance=p.variance,
        min=math.nan if p.min is None else p.min,
        max=math.nan if p.max is None else p.max,
    )


def _numerical_summary(reference: NumericalProfile, current: NumericalProfile) -> ColumnSummary:
    """A plot's histogram from the profiles: the bins `run_drift` draws (30 between the 0.1%
    and 99.9% quantiles of both sides), each side's counts estimated from its sketch."""
    lo = min(reference.quantile(0.001), current.quantile(0.001))
    hi = max(reference.quantile(0.999), current.quantile(0.999))
    if not hi > lo:
        lo = min(_number(reference.min), _number(current.min))
        hi = max(_number(reference.max), _number(current.max))
    if not hi > lo:
        lo, hi = lo - 0.5, hi + 0.5
    edges = np.linspace(lo, hi, _PLOT_BINS + 1)
    sides = []
    for p in (reference, current):
        below = np.concatenate([[0.0], p.cdf(edges[1:-1]) * p.count, [float(p.count)]])
        # Values beyond the outer edges land in the outer bins, so counts add up to n.
        sides.append(tuple(int(c) for c in np.diff(np.rint(below))))
    return ColumnSummary(sides[0], sides[1], edges=tuple(float(e) for e in edges))


def _number(value: float | None) -> float:
    return math.nan if value is None else value


# ---------------------------------------------------------------------------------------------
# categorical columns


def _category_counts(p: ColumnProfile) -> tuple[pd.Series, float]:
    """Counts by label, and the most any count may be off by (0 when exact: every category's
    count; past ``max_categories``, the categories a frequent-items sketch reports)."""
    if isinstance(p, BooleanProfile):
        found = {"False": p.n_false, "True": p.n_true}
        return _series({k: v for k, v in found.items() if v}), 0.0
    if isinstance(p, CategoricalProfile):
        return _series(p.frequencies()), p.count_error
    raise SchemaError(
        f"A {p.kind} profile cannot be compared as categories; expected a categorical or "
        "boolean column's profile."
    )


def _pooled(
    counts: pd.Series, error: float, total: int, labels: list[str]
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """One side's counts of ``labels`` and of the rest pooled as "(other)", with each cell's
    error: ``error`` for a category, and for the rest ``error`` times the categories listed
    (the rest is the total less their counts, each within ``error``)."""
    listed = counts.reindex(labels, fill_value=0).to_numpy(dtype=np.int64)
    rest = max(total - int(listed.sum()), 0)
    errors = np.full(len(labels) + 1, float(error))
    errors[-1] = float(error) * len(labels)
    return np.append(listed, rest), errors


def _series(counts: Mapping[str, int]) -> pd.Series:
    return pd.Series(
        np.fromiter(counts.values(), dtype=np.int64, count=len(counts)),
        index=pd.Index(list(counts), dtype=object),
    )


def _judge_sketched_categories(
    spec: ColumnSpec,
    reference: pd.Series,
    current: pd.Series,
    errors: tuple[float, float],
    counts: ColumnCounts,
    settings: DriftSettings,
) -> _Judged:
    """Categories from a frequent-items sketch on one side at least: the categories both sides
    report (a sketch reports every category above its error), the rest of each side pooled as
    "(other)", each count within its sketch's error."""
    labels = sorted(set(reference.index) & set(current.index))
    ref, ref_errors = _pooled(
        reference, errors[0], counts.n_reference - counts.missing_reference, labels
    )
    cur, cur_errors = _pooled(current, errors[1], counts.n_current - counts.missing_current, labels)
    cell_errors = {"reference_error": ref_errors, "current_error": cur_errors}
    method = requested_method(spec, settings)
    main = summarized_categorical("chi2" if method == AUTO else method, ref, cur, **cell_errors)
    effect = summarized_categorical("tv", ref, cur, **cell_errors)
    # Which categories the reference never saw cannot be told from its frequent items: a
    # category below the sketch's error may be absent from them and still be in the data.
    counts = replace(
        counts,
        note="categories from frequent-items sketches: the unseen-category test is not run",
    )
    summary = category_summary(np.array([*labels, _OTHER], dtype=object), ref, cur)
    return _bounded(spec, main, effect, counts, settings, summary)


# ---------------------------------------------------------------------------------------------
# performance


def profile_performance(
    reference: Profile, current: Profile, settings: PerformanceSettings
) -> tuple[PerformanceResult | None, ModelColumns, list[str]]:
    """The model's performance from the profiles' model columns: a classifier's metrics from
    its confusion counts (their bootstrap intervals too: resampling rows is resampling the
    matrix's cells), a regressor's MAE, RMSE, R² and mean error from its sums (no interval: a
    profile keeps no rows to resample). Returns the result (None, with a warning, when the
    profiles hold no model columns), the model's columns, and warnings."""
    ref, cur = reference.model, current.model
    if ref is None or cur is None:
        return (
            None,
            ModelColumns(None, None, None),
            ["Performance is not run: the profiles name no one target and one prediction column."],
        )
    if ref.regression is not None and cur.regression is not None:
        model = ModelColumns(Task.REGRESSION, ref.target, ref.prediction)
        values = [_regression_values(side.regression) for side in (ref, cur)]
        n_labelled = (ref.regression.count, cur.regression.count)
        labels: tuple[str, ...] = ()
        details: dict[str, Any] = {}
    elif ref.confusion is not None and cur.confusion is not None:
        if ref.confusion.truncated or cur.confusion.truncated:
            labels_cap = reference.settings.max_classes
            return (
                None,
                ModelColumns(None, ref.target, ref.prediction),
                [
                    f"Performance is not run: the model's columns hold more than {labels_cap} "
                    "labels, past the profile's max_classes, so no confusion counts were kept."
                ],
            )
        labels = tuple(sorted(set(ref.confusion.labels) | set(cur.confusion.labels)))
        task = Task.BINARY if len(labels) <= 2 else Task.MULTICLASS
        model = ModelColumns(task, ref.target, ref.prediction, labels=labels)
        matrices = [_aligned(ref.confusion, labels), _aligned(cur.confusion, labels)]
        n_labelled = (int(matrices[0].sum()), int(matrices[1].sum()))
        with_ci = n_labelled[1] >= MIN_INTERVAL_ROWS
        values = [
            confusion_intervals(matrices[0], settings, with_ci=False),
            confusion_intervals(matrices[1], settings, with_ci=with_ci),
        ]
        details = {
            side: {"confusion_matrix": cm.tolist(), "per_class": _per_class(cm)}
            for side, cm in zip(("reference", "current"), matrices, strict=True)
        }
    else:
        return (
            None,
            ModelColumns(None, ref.target, ref.prediction),
            [
                "Performance is not run: one profile holds the model's columns as class labels "
                "and the other as numbers; profile both with one schema."
            ],
        )
    if n_labelled[1] == 0:
        return (
            None,
            model,
            ["Performance is not run: no current row has a target and a prediction."],
        )
    assert model.task is not None
    notes = {}
    if model.task is Task.REGRESSION:
        notes = dict.fromkeys(values[1], "no confidence interval: a profile keeps sums, not rows")
    metrics = judge_metrics(
        model.task,
        values[0] if n_labelled[0] else {},
        values[1],
        settings,
        n_reference=n_labelled[0],
        n_current=n_labelled[1],
        notes=notes,
    )
    result = PerformanceResult(
        task=str(model.task),
        labels=labels,
        n_reference=reference.n_rows,
        n_current=current.n_rows,
        n_reference_labelled=n_labelled[0],
        n_current_labelled=n_labelled[1],
        metrics=metrics,
        status=overall_status(metrics),
        confidence=settings.confidence,
        details=details,
        note="from the profiles' "
        + ("regression sums" if model.task is Task.REGRESSION else "confusion counts"),
    )
    return result, model, []


def _aligned(confusion: ConfusionCounts, labels: tuple[str, ...]) -> NDArray[np.int64]:
    """A profile's confusion matrix over ``labels`` (a superset of its own, sorted)."""
    index = {label: i for i, label in enumerate(labels)}
    at = np.array([index[label] for label in confusion.labels], dtype=np.intp)
    out = np.zeros((len(labels), len(labels)), dtype=np.int64)
    if at.size:
        out[np.ix_(at, at)] = confusion.array()
    return out


def _per_class(cm: NDArray[np.int64]) -> dict[str, list[float]]:
    return {
        "precision": M.precision_from_confusion(cm, average=None).tolist(),
        "recall": M.recall_from_confusion(cm, average=None).tolist(),
        "f1": M.f1_from_confusion(cm, average=None).tolist(),
        "support": cm.sum(axis=1).astype(float).tolist(),
    }


def _regression_values(sums: RegressionSums | None) -> dict[str, Interval]:
    assert sums is not None
    return {
        name: (float(getattr(sums, name)), None, None)
        for name in ("mae", "rmse", "r2", "mean_error")
    }


# ---------------------------------------------------------------------------------------------
# data quality

#: The checks that need rows, which no profile keeps.
_ROW_CHECKS = ("duplicate_rows", "type_change")


def profile_quality(
    reference: Profile, current: Profile, settings: QualitySettings
) -> tuple[QualityResult, str]:
    """The data-quality checks that run from profiles, and a sentence on what did not.

    A column both profiles hold exactly (category counts, booleans, a numerical column's
    distinct values with no infinities) is the multiset of its values, so every per-column
    check runs on it as on the rows (missing share, range, outliers, unseen categories,
    constant, sign); a sketched column gets the missing-share check alone. Duplicated rows and
    type changes (numbers arriving as text) need rows and are not checked.
    """
    checks: list[QualityCheck] = []
    sketched: list[str] = []
    for spec in reference.schema:
        if spec.name not in reference.columns or spec.name not in current.columns:
            continue
        sides = [_values(p) for p in (reference.columns[spec.name], current.columns[spec.name])]
        if sides[0] is not None and sides[1] is not None:
            found = check_column(spec, sides[0], sides[1], settings)
            checks += [c for c in found if c.check not in _ROW_CHECKS]
            continue
        sketched.append(spec.name)
        ref, cur = reference.columns[spec.name], current.columns[spec.name]
        checks.append(
            missing_check(spec.name, (ref.missing, ref.n), (cur.missing, cur.n), settings)
        )
    note = (
        "Data quality from profiles: duplicated rows and type changes are not checked (they "
        "need rows)"
        + (
            f"; column(s) {', '.join(map(shown, sketched[:5]))}"
            + (f" and {len(sketched) - 5} more" if len(sketched) > 5 else "")
            + " are sketched, so only their missing share is checked."
            if sketched
            else "."
        )
    )
    return QualityResult.from_checks(checks, reference.n_rows, current.n_rows), note


def _values(p: ColumnProfile) -> pd.Series | None:
    """A column's values (in no particular order) when its profile holds them exactly, with
    its missing rows as None; None when the profile sketches them."""
    if isinstance(p, BooleanProfile):
        values: NDArray[Any] = np.repeat([True, False], [p.n_true, p.n_false]).astype(object)
    elif isinstance(p, CategoricalProfile) and p.counts is not None:
        labels = np.array([label for label, _ in p.counts], dtype=object)
        values = np.repeat(labels, [c for _, c in p.counts])
    elif (
        type(p) is NumericalProfile
        and p.exact is not None
        and not p.non_finite
        and p.count <= _EXPAND_VALUES
    ):
        values = _expanded(p)
    else:
        return None
    missing = np.full(p.missing, np.nan if values.dtype == np.float64 else None, dtype=values.dtype)
    return pd.Series(np.concatenate([values, missing]))
