"""Data quality: is the current data as clean and as well-formed as the reference?

Each check measures one thing on the current data, the same thing on the reference where that
means something, and grades the difference as ``"ok"``, ``"warning"`` or ``"alert"``. Drift asks
whether the data moved; quality asks whether it broke: columns gone or added, numbers arriving as
text, values beyond anything seen, categories never seen, duplicated rows, columns gone constant.
See docs/quality.md for each check, its measure and its default thresholds.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, fields, replace
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from driftscope._shorten import shorten
from driftscope._validate import check_choice, check_float, check_int
from driftscope.analyses._labels import value_labels
from driftscope.analyses.results import _clean
from driftscope.analyses.status import Status
from driftscope.data.dates import read_dates
from driftscope.data.schema import ColumnKind, ColumnRole, ColumnSpec, Schema
from driftscope.exceptions import SchemaError, invalid_parameter

__all__ = [
    "CHECKS",
    "STATUSES",
    "QualityCheck",
    "QualityResult",
    "QualitySettings",
    "check_column",
    "missing_check",
    "run_quality",
]

CHECKS = (
    "missing_share",
    "column_added",
    "column_removed",
    "type_change",
    "out_of_range",
    "unseen_categories",
    "duplicate_rows",
    "constant",
    "near_constant",
    "outliers_iqr",
    "infinite_values",
    "negative_values",
)
STATUSES = (Status.OK, Status.WARNING, Status.ALERT)
_RANK: dict[str, int] = {str(status): status.rank for status in STATUSES}
_EXAMPLES = 5
# Shares are differences of ratios: 0.06 - 0.01 is 0.04999... in floating point, and a share
# exactly at a threshold must reach it.
_TOLERANCE = 1e-12
# Columns that are only checked for missing values and type changes.
_BOOKKEEPING_ROLES = {ColumnRole.ID, ColumnRole.TIMESTAMP, ColumnRole.IGNORED}
_CATEGORY_KINDS = {ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN, ColumnKind.CONSTANT}
_INFERRED_FAMILIES = {
    "string": "text",
    "bytes": "bytes",
    "integer": "number",
    "floating": "number",
    "mixed-integer-float": "number",
    "decimal": "number",
    "complex": "number",
    "boolean": "boolean",
    "datetime": "datetime",
    "datetime64": "datetime",
    "date": "datetime",
    "timedelta": "timedelta",
    "timedelta64": "timedelta",
    "time": "time",
    "period": "period",
    "interval": "interval",
}
_FAMILY_WORDS = {
    "number": "numbers",
    "text": "text",
    "bytes": "raw bytes",
    "boolean": "booleans",
    "datetime": "dates",
    "timedelta": "durations",
    "time": "times of day",
    "period": "periods",
    "interval": "intervals",
    "mixed": "a mix of types",
}


@dataclass(frozen=True)
class QualitySettings:
    """Thresholds and statuses of the quality checks.

    A ``*_warning`` / ``*_alert`` pair is the value of the check's measure at which it becomes a
    warning / an alert (``None`` turns that level off). The measure is the current share for
    ``out_of_range``, ``unseen``, ``infinite``, ``negative`` and ``type_change``, and the increase
    of the current share over the reference share for ``missing``, ``duplicate`` and
    ``outliers``; for ``out_of_range`` and ``outliers`` the count must also be more than
    chance (docs/quality.md). A check never fires when no current row is affected. ``iqr_k``
    sets the IQR fences, ``near_constant_share`` the share of the most common value that makes a
    column near-constant. The checks without a share take a fixed status:
    ``column_change_status`` for added and removed columns, ``dtype_change_status`` for a change
    of value type, and ``constant_status`` for constant and near-constant columns.

    >>> QualitySettings(missing_warning=0.1).missing_alert
    0.2
    >>> QualitySettings(iqr_k=-1)
    Traceback (most recent call last):
    ...
    driftscope.exceptions.ParameterError: The 'iqr_k' parameter of QualitySettings must be a \
float in (0, inf). Got -1.
    """

    missing_warning: float | None = 0.05
    missing_alert: float | None = 0.2
    out_of_range_warning: float | None = 0.01
    out_of_range_alert: float | None = 0.05
    unseen_warning: float | None = 0.01
    unseen_alert: float | None = 0.05
    duplicate_warning: float | None = 0.01
    duplicate_alert: float | None = 0.05
    outliers_warning: float | None = 0.01
    outliers_alert: float | None = 0.05
    infinite_warning: float | None = None
    infinite_alert: float | None = 0.0
    negative_warning: float | None = 0.0
    negative_alert: float | None = 0.01
    type_change_warning: float | None = None
    type_change_alert: float | None = 0.0
    iqr_k: float = 1.5
    near_constant_share: float = 0.99
    column_change_status: str = "warning"
    dtype_change_status: str = "alert"
    constant_status: str = "warning"
    n_jobs: int | None = None
    #: The target column when its labels arrive later (joined by id): its missing values are
    #: labels not come yet, reported as such, never graded.
    pending_labels: str | None = None

    def __post_init__(self) -> None:
        owner = "QualitySettings"
        for prefix in _THRESHOLD_PREFIXES:
            warning = getattr(self, f"{prefix}_warning")
            alert = getattr(self, f"{prefix}_alert")
            for name, value in ((f"{prefix}_warning", warning), (f"{prefix}_alert", alert)):
                check_float(owner, name, value, low=0, high=1, allow_none=True)
            if warning is not None and alert is not None and alert < warning:
                raise invalid_parameter(
                    owner, f"{prefix}_alert", f"at least {prefix}_warning ({warning:g})", alert
                )
        check_float(owner, "iqr_k", self.iqr_k, low=0, closed="neither")
        # The most common value is only found exactly when it holds more than half the values.
        check_float(
            owner, "near_constant_share", self.near_constant_share, low=0.5, high=1, closed="right"
        )
        for name in ("column_change_status", "dtype_change_status", "constant_status"):
            check_choice(owner, name, getattr(self, name), STATUSES)
        check_int(owner, "n_jobs", self.n_jobs, low=1, allow_none=True)

    def to_dict(self) -> dict[str, Any]:
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if f.name not in ("n_jobs", "pending_labels")
        }


_THRESHOLD_PREFIXES = (
    "missing",
    "out_of_range",
    "unseen",
    "duplicate",
    "outliers",
    "infinite",
    "negative",
    "type_change",
)


@dataclass(frozen=True, slots=True)
class QualityCheck:
    """One check on one column (``column`` is ``None`` for checks on whole rows).

    ``count`` is the number of current rows affected and ``share`` is ``count`` over the current
    rows, except for ``near_constant``, whose share is over the non-missing current values.
    ``reference_share`` is the same measure on the reference, ``None`` where it has no meaning.
    ``threshold`` is the value of the check's measure at which the status leaves ``"ok"`` and
    ``alert_threshold`` the one at which it becomes ``"alert"``; both are ``None`` for checks
    that take a fixed status.
    """

    check: str
    column: str | None
    count: int
    share: float
    reference_share: float | None
    examples: tuple[str, ...]
    threshold: float | None
    alert_threshold: float | None
    status: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["examples"] = list(self.examples)
        return dict(_clean(data))


@dataclass(frozen=True)
class QualityResult:
    """Every check that applies, dataset-level checks first, then column by column."""

    checks: tuple[QualityCheck, ...]
    n_reference_rows: int
    n_current_rows: int
    status: str
    n_warnings: int
    n_alerts: int

    @classmethod
    def from_checks(
        cls, checks: Sequence[QualityCheck], n_reference_rows: int, n_current_rows: int
    ) -> QualityResult:
        """Build a result, with the overall status and counts taken from ``checks``."""
        statuses = [c.status for c in checks]
        return cls(
            checks=tuple(checks),
            n_reference_rows=n_reference_rows,
            n_current_rows=n_current_rows,
            status=max(statuses, key=_RANK.__getitem__, default="ok"),
            n_warnings=statuses.count("warning"),
            n_alerts=statuses.count("alert"),
        )

    @property
    def problems(self) -> tuple[QualityCheck, ...]:
        """The checks that are not ``"ok"``, alerts first."""
        found = [c for c in self.checks if c.status != "ok"]
        return tuple(sorted(found, key=lambda c: -_RANK[c.status]))

    def for_column(self, name: str) -> tuple[QualityCheck, ...]:
        return tuple(c for c in self.checks if c.column == name)

    def get(self, check: str, column: str | None = None) -> QualityCheck:
        """The check named ``check`` on ``column`` (``None`` for dataset-level checks)."""
        for c in self.checks:
            if c.check == check and c.column == column:
                return c
        raise KeyError((check, column))

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "n_reference_rows": self.n_reference_rows,
            "n_current_rows": self.n_current_rows,
            "n_warnings": self.n_warnings,
            "n_alerts": self.n_alerts,
            "checks": [c.to_dict() for c in self.checks],
        }


# ---------------------------------------------------------------------------------------------
# formatting


def _pct(share: float) -> str:
    """A share for a sentence: '3.2%', '0%', '0.042%' (small shares keep two digits)."""
    if share == 0 or share >= 0.01:
        return f"{share:.1%}".replace(".0%", "%")
    text = np.format_float_positional(share * 100, precision=2, fractional=False, trim="-")
    return f"{text}%"


def _num(value: float) -> str:
    """A number for a sentence: '182,000', '-3.25', '1.5e-07'."""
    if not math.isfinite(value):
        return str(value)
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    if 1e-3 <= abs(value) < 1e15:
        return f"{value:,.4f}".rstrip("0").rstrip(".")
    return f"{value:.4g}"


def _example(value: object) -> str:
    """A value as an example: integral floats without '.0', everything else as ``str``."""
    if isinstance(value, float | np.floating):
        v = float(value)
        if math.isfinite(v) and v == int(v) and abs(v) < 1e15:
            return str(int(v))
        return repr(v)
    return shorten(str(value))


def _quoted(examples: Sequence[str]) -> str:
    return ", ".join(repr(e) for e in examples)


# ---------------------------------------------------------------------------------------------
# grading


@dataclass(frozen=True, slots=True)
class _Levels:
    warning: float | None
    alert: float | None

    @property
    def threshold(self) -> float | None:
        return self.warning if self.warning is not None else self.alert

    def grade(self, measure: float, count: int) -> str:
        if count <= 0:
            return "ok"
        if self.alert is not None and measure >= self.alert - _TOLERANCE:
            return "alert"
        if self.warning is not None and measure >= self.warning - _TOLERANCE:
            return "warning"
        return "ok"


def _levels(settings: QualitySettings, prefix: str) -> _Levels:
    return _Levels(getattr(settings, f"{prefix}_warning"), getattr(settings, f"{prefix}_alert"))


def _share(count: int, total: int) -> float:
    return count / total if total else 0.0


def _graded(
    check: str,
    column: str | None,
    count: int,
    total: int,
    reference_share: float | None,
    levels: _Levels,
    message: str,
    examples: Sequence[str] = (),
    relative: bool = False,
    reference_total: int | None = None,
    chance: _OutsideRange | None = None,
) -> QualityCheck:
    """A check graded on its share, or on the increase of its share over the reference's.

    With the reference's row count (``reference_total``; given for checks whose share is itself
    an estimate, such as values outside the reference's IQR fences), an increase must also be
    more than sampling noise: by a one-sided two-proportion z-test it stays ``ok`` at
    p >= 0.05 and is at most a ``warning`` at p >= 0.001, however large it looks. With
    ``chance`` (how the count is distributed under no change), the count must likewise be more
    than chance, by its one-sided p-value at the same two levels.
    """
    share = _share(count, total)
    measure = share - (reference_share or 0.0) if relative else share
    status = levels.grade(measure, count)
    if relative and reference_total and reference_share is not None and status != "ok":
        p_value = _increase_p_value(share, total, reference_share, reference_total)
        status = _gated(status, p_value)
    if chance is not None and status != "ok":
        status = _gated(status, chance.p_value(count))
    return QualityCheck(
        check=check,
        column=column,
        count=int(count),
        share=float(share),
        reference_share=None if reference_share is None else float(reference_share),
        examples=tuple(examples)[:_EXAMPLES],
        threshold=levels.threshold,
        alert_threshold=levels.alert,
        status=status,
        message=message,
    )


#: An increase over the reference with a one-sided p-value at least this is sampling noise.
_NOISE_P = 0.05
#: ... and below this, strong enough for an alert.
_ALERT_P = 0.001


def _gated(status: str, p_value: float) -> str:
    """``status`` lowered to what a finding with this one-sided p-value can support."""
    if p_value >= _NOISE_P:
        return "ok"
    if p_value >= _ALERT_P and status == "alert":
        return "warning"
    return status


@dataclass(frozen=True, slots=True)
class _OutsideRange:
    """How many of ``n_current`` new values fall outside the range of ``n_reference`` values by
    chance, when both sides come from one continuous distribution.

    Each new value is above the largest reference value with probability 1 / (n + 1), and below
    the smallest with the same, but the new values share those two reference extremes, so the
    count is not binomial: under exchangeability it is exactly beta-binomial with parameters
    ``n_current``, 2 and ``n_reference - 1``, mean ``2 n_current / (n_reference + 1)`` (the
    probability that the pooled values sort with ``a`` current values above every reference
    value and ``b`` below is the same for every ``a + b = s``). Ties only make values outside
    the range rarer, so with them the test is conservative.
    """

    n_reference: int
    n_current: int

    def p_value(self, count: int) -> float:
        """One-sided: the chance of at least ``count`` values outside the range."""
        if self.n_reference < 2:
            # One reference value: every other value is outside its (empty) range.
            return 1.0
        from scipy.stats import betabinom

        return float(betabinom.sf(count - 1, self.n_current, 2, self.n_reference - 1))


def _increase_p_value(share: float, total: int, ref_share: float, ref_total: int) -> float:
    """One-sided p-value of a two-proportion z-test that the current share exceeds the
    reference's (pooled variance)."""
    pooled = (share * total + ref_share * ref_total) / (total + ref_total)
    variance = pooled * (1.0 - pooled) * (1.0 / total + 1.0 / ref_total)
    if variance <= 0.0:
        return 0.0 if share > ref_share else 1.0
    z = (share - ref_share) / math.sqrt(variance)
    return float(0.5 * math.erfc(z / math.sqrt(2.0)))


def _fixed(
    check: str,
    column: str | None,
    status: str,
    message: str,
    count: int = 0,
    total: int = 0,
    reference_share: float | None = None,
    examples: Sequence[str] = (),
    threshold: float | None = None,
    alert_threshold: float | None = None,
) -> QualityCheck:
    """A check whose status is decided by the caller (a yes/no finding, or a skipped check)."""
    return QualityCheck(
        check=check,
        column=column,
        count=int(count),
        share=float(_share(count, total)),
        reference_share=None if reference_share is None else float(reference_share),
        examples=tuple(examples)[:_EXAMPLES],
        threshold=threshold,
        alert_threshold=alert_threshold,
        status=status,
        message=message,
    )


# ---------------------------------------------------------------------------------------------
# column values


def _family(series: pd.Series, n_values: int) -> str | None:
    """What the values are, in words: 'number', 'text', 'boolean', 'datetime', 'mixed', ...

    ``None`` when there are no values to tell. Integers and floats are one family, so an integer
    column that gains a missing value (and so turns float) is not a type change.
    """
    if n_values == 0:
        return None
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        categories = dtype.categories
        return _family(pd.Series(categories), len(categories))
    if isinstance(dtype, pd.StringDtype):
        return "text"
    kind = dtype.kind
    if kind == "b":
        return "boolean"
    if kind in "iufc":
        return "number"
    if kind == "M":
        return "datetime"
    if kind == "m":
        return "timedelta"
    try:
        inferred = pd.api.types.infer_dtype(series, skipna=True)
    except (TypeError, ValueError):
        return "mixed"
    return _INFERRED_FAMILIES.get(inferred, "mixed")


def _dtype_name(series: pd.Series) -> str:
    return str(series.dtype)


@dataclass(frozen=True, slots=True)
class _Numbers:
    values: NDArray[np.float64]  # NaN where missing or not a number
    n_bad: int  # non-missing values that are not numbers
    bad_examples: tuple[str, ...]


def _numbers(series: pd.Series, missing: NDArray[np.bool_]) -> _Numbers:
    """The column as float64, with the values that do not parse as numbers counted."""
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        series = series.astype(object)
    elif dtype.kind in "biuf":
        values = np.asarray(series.to_numpy(dtype=np.float64, na_value=np.nan))
        return _Numbers(values, 0, ())
    try:
        parsed = pd.to_numeric(series, errors="coerce")
    except (TypeError, ValueError):
        parsed = None
    if parsed is not None and parsed.dtype.kind in "biuf":
        values = np.asarray(parsed.to_numpy(dtype=np.float64, na_value=np.nan))
    else:
        # Values pandas cannot parse at all (lists, complex numbers, ...): none is a number.
        values = np.full(len(series), np.nan)
    bad = np.isnan(values) & ~missing
    n_bad = int(np.count_nonzero(bad))
    examples: tuple[str, ...] = ()
    if n_bad:
        examples = _most_frequent(series[bad])
    return _Numbers(values, n_bad, examples)


def _most_frequent(series: pd.Series) -> tuple[str, ...]:
    counts = _label_counts(series)
    counts = counts.sort_index(kind="stable").sort_values(ascending=False, kind="stable")
    return tuple(str(v) for v in counts.index[:_EXAMPLES])


def _label_counts(series: pd.Series) -> pd.Series:
    """Counts of non-missing values by label, where a label is the value as text.

    Labels let 1, 1.0 and "1" (or True and "True") meet across the two sides, whatever dtype
    each side was read with.
    """
    try:
        counts = series.value_counts(dropna=True, sort=False)
    except TypeError:
        # Unhashable values (lists, dicts): compare them as text.
        counts = series[series.notna()].astype(str).value_counts(sort=False)
    counts = counts[counts > 0]  # a categorical dtype lists its unused categories too
    index = counts.index
    values = index.to_numpy()
    labels: NDArray[Any] | list[str]
    if values.dtype.kind == "f":
        labels = value_labels(values)
    elif values.dtype.kind == "O":
        labels = [_example(v) for v in values]
    else:
        labels = index.astype(str).to_numpy()
    counts.index = pd.Index(labels, dtype=object)
    if counts.index.has_duplicates:
        counts = counts.groupby(level=0, sort=False).sum()
    return counts.astype(np.int64)


def _extremes(values: NDArray[np.float64], distance: NDArray[np.float64]) -> tuple[str, ...]:
    """Up to five distinct values, the farthest (by ``distance``) first."""
    found: list[str] = []
    # One pass per example, dropping the value just found: heavy ties cost nothing extra.
    while values.size and len(found) < _EXAMPLES:
        value = values[int(np.argmax(distance))]
        found.append(_example(float(value)))
        other = values != value
        values, distance = values[other], distance[other]
    return tuple(found)


def _quantiles(values: NDArray[np.float64], probabilities: Sequence[float]) -> list[float]:
    """Linear-interpolation quantiles (numpy's default method) of finite values."""
    n = values.size
    positions = [p * (n - 1) for p in probabilities]
    ranks = sorted({math.floor(x) for x in positions} | {math.ceil(x) for x in positions})
    found = dict(zip(ranks, _order_statistics(values, ranks), strict=True))
    out = []
    for x in positions:
        a, b = found[math.floor(x)], found[math.ceil(x)]
        out.append(a + (b - a) * (x - math.floor(x)))
    return out


_SAMPLE = 8192


def _order_statistics(values: NDArray[np.float64], ranks: Sequence[int]) -> list[float]:
    """The values at ``ranks`` (0-based) of the sorted column, exactly, without sorting it.

    A strided sample brackets each rank between two sample values; one pass counts the values
    below the bracket and keeps those inside it, and only those few are partitioned. When a
    bracket misses (a sample unlike the column), the whole column is partitioned instead.
    """
    n = values.size
    if n <= 4 * _SAMPLE:
        return [float(v) for v in np.partition(values, ranks)[ranks]]
    sample = np.sort(values[:: n // _SAMPLE])
    s = sample.size
    out: dict[int, float] = {}
    for rank in ranks:
        if rank in out:
            continue
        p = rank / (n - 1)
        # Four standard deviations of a sample quantile, so a bracket almost never misses.
        margin = 4 * math.sqrt(s * p * (1 - p)) + 8
        lo = sample[max(int(p * (s - 1) - margin), 0)]
        hi = sample[min(int(p * (s - 1) + margin) + 1, s - 1)]
        at_least_lo = values >= lo
        below = n - int(np.count_nonzero(at_least_lo))
        inside = values[at_least_lo & (values <= hi)]
        wanted = [r for r in ranks if below <= r < below + inside.size and r not in out]
        if rank not in wanted:
            return [float(v) for v in np.partition(values, ranks)[ranks]]
        inside.partition([r - below for r in wanted])
        out.update((r, float(inside[r - below])) for r in wanted)
    return [out[r] for r in ranks]


@dataclass(frozen=True, slots=True)
class _Majority:
    """The value held by more than half the non-missing values, if any."""

    value: str | None
    count: int
    n_values: int

    @property
    def share(self) -> float:
        return _share(self.count, self.n_values)


def _majority_of_numbers(
    finite: NDArray[np.float64], n_values: int, median: float | None = None
) -> _Majority:
    """The value held by more than half of the ``n_values`` non-missing values, if any.

    Such a value is the median, so one count against the median settles it. Without the median
    at hand, two counts against quantiles of a small strided sample usually prove that no value
    can hold half (it would have to lie below the low one, above the high one, or between them,
    and each of those regions holds at most half), or the sample's most common value turns out
    to be the majority; only otherwise is the median computed (a partition of the column).
    """
    if finite.size == 0:
        return _Majority(None, 0, n_values)
    if median is None:
        sample = finite[:: max(1, finite.size // 1024)]
        low, high = np.quantile(sample, [0.3, 0.7])
        below = int(np.count_nonzero(finite < low))
        above = int(np.count_nonzero(finite > high))
        if 2 * max(below, above, finite.size - below - above) <= n_values:
            return _Majority(None, 0, n_values)
        values, counts = np.unique(sample, return_counts=True)
        candidate = float(values[np.argmax(counts)])
        count = int(np.count_nonzero(finite == candidate))
        if 2 * count > n_values:
            return _Majority(_example(candidate), count, n_values)
        (median,) = _quantiles(finite, (0.5,))
    count = int(np.count_nonzero(finite == median))
    if 2 * count > n_values:
        return _Majority(_example(median), count, n_values)
    return _Majority(None, 0, n_values)


def _majority_of_counts(counts: pd.Series) -> _Majority:
    n_values = int(counts.sum())
    if counts.empty:
        return _Majority(None, 0, 0)
    top = int(counts.max())
    if 2 * top > n_values:
        return _Majority(str(counts.idxmax()), top, n_values)
    return _Majority(None, 0, n_values)


# ---------------------------------------------------------------------------------------------
# checks


@dataclass(frozen=True, slots=True)
class _Column:
    name: str
    reference: pd.Series
    current: pd.Series
    ref_missing: NDArray[np.bool_]
    cur_missing: NDArray[np.bool_]

    @property
    def n_reference(self) -> int:
        return len(self.reference)

    @property
    def n_current(self) -> int:
        return len(self.current)


def _missing_check(col: _Column, settings: QualitySettings) -> QualityCheck:
    return missing_check(
        col.name,
        (int(col.ref_missing.sum()), col.n_reference),
        (int(col.cur_missing.sum()), col.n_current),
        settings,
    )


def missing_check(
    name: str, reference: tuple[int, int], current: tuple[int, int], settings: QualitySettings
) -> QualityCheck:
    """The missing-share check from counts: (missing, rows) on each side."""
    ref_share = _share(*reference)
    count, n_current = current
    share = _share(count, n_current)
    return _graded(
        "missing_share",
        name,
        count,
        n_current,
        ref_share,
        _levels(settings, "missing"),
        f"{name}: {_pct(share)} of current values are missing (reference {_pct(ref_share)}).",
        relative=True,
    )


def _type_check(
    col: _Column, settings: QualitySettings, numbers: tuple[_Numbers, _Numbers] | None
) -> QualityCheck:
    name = col.name
    n_ref_values = col.n_reference - int(col.ref_missing.sum())
    n_cur_values = col.n_current - int(col.cur_missing.sum())
    ref_family = _family(col.reference, n_ref_values)
    cur_family = _family(col.current, n_cur_values)
    levels = _levels(settings, "type_change")
    parts: list[str] = []
    changed = False
    if ref_family is not None and cur_family is not None and ref_family != cur_family:
        changed = True
        parts.append(
            f"values are {_FAMILY_WORDS[ref_family]} in the reference "
            f"({_dtype_name(col.reference)}) but {_FAMILY_WORDS[cur_family]} in the current "
            f"data ({_dtype_name(col.current)})"
        )
    if numbers is not None:
        ref_numbers, cur_numbers = numbers
        count = cur_numbers.n_bad
        ref_share: float | None = _share(ref_numbers.n_bad, col.n_reference)
        examples = cur_numbers.bad_examples
        share = _share(count, col.n_current)
        if count:
            parts.append(
                f"{_pct(share)} of current values are not numbers "
                f"(reference {_pct(ref_share or 0.0)}; e.g. {_quoted(examples)})"
            )
        status = levels.grade(share, count)
    else:
        # Without parsing, every current value is of the new type when the type changed.
        count = n_cur_values if changed else 0
        ref_share, examples, status = None, (), "ok"
    if changed and _RANK[settings.dtype_change_status] > _RANK[status]:
        status = settings.dtype_change_status
    if parts:
        message = f"{name}: " + "; ".join(parts) + "."
    else:
        family = cur_family or ref_family
        message = f"{name}: " + (
            f"values are {_FAMILY_WORDS[family]}, as in the reference."
            if family
            else "no values to compare types with."
        )
    return _fixed(
        "type_change",
        name,
        status,
        message,
        count=count,
        total=col.n_current,
        reference_share=ref_share,
        examples=examples,
        threshold=levels.threshold,
        alert_threshold=levels.alert,
    )


def _date_check(col: _Column, settings: QualitySettings, timestamp: bool) -> QualityCheck:
    """The type check of a date column: the share of current values that cannot be read as
    dates (with examples), graded on its increase over the reference's share, beyond noise."""
    ref, cur = read_dates(col.reference), read_dates(col.current)
    what = f"{col.name} (the timestamp column)" if timestamp else col.name
    ref_share = _share(ref.n_unreadable, col.n_reference)
    share = _share(cur.n_unreadable, col.n_current)
    if cur.n_unreadable:
        message = (
            f"{what}: {_pct(share)} of current values could not be read as dates "
            f"(reference {_pct(ref_share)}; e.g. {_quoted(cur.examples)})."
        )
    elif cur.n_missing == col.n_current:
        message = f"{what}: no values to read as dates."
    else:
        message = (
            f"{what}: every non-missing current value reads as a date "
            f"(reference {_pct(ref_share)} could not be read)."
        )
    return _graded(
        "type_change",
        col.name,
        cur.n_unreadable,
        col.n_current,
        ref_share,
        _levels(settings, "type_change"),
        message,
        cur.examples,
        relative=True,
        reference_total=col.n_reference,
    )


def _constant_checks(
    name: str,
    settings: QualitySettings,
    constant_value: str | None,
    constant_count: int,
    n_current: int,
    ref_constant_share: float,
    majority: _Majority,
    ref_majority: _Majority,
) -> list[QualityCheck]:
    was = (
        f"the reference was constant too ({_pct(ref_constant_share)} of rows)"
        if ref_constant_share
        else "the reference was not"
    )
    if constant_value is not None:
        return [
            _fixed(
                "constant",
                name,
                settings.constant_status,
                f"{name}: every non-missing current value is {constant_value!r}; {was}.",
                count=constant_count,
                total=n_current,
                reference_share=ref_constant_share,
                examples=(constant_value,),
            )
        ]
    checks = [
        _fixed(
            "constant",
            name,
            "ok",
            f"{name}: "
            + (
                "the current data holds more than one distinct value."
                if constant_count
                else "no non-missing current values."
            ),
            total=n_current,
            reference_share=ref_constant_share,
        )
    ]
    t = settings.near_constant_share
    near = majority.share >= t - _TOLERANCE and ref_majority.share < t - _TOLERANCE
    ref_text = (
        f"reference {_pct(ref_majority.share)} for {ref_majority.value!r}"
        if ref_majority.value is not None
        else "reference: no value held more than half"
    )
    if majority.value is None:
        message = f"{name}: no value holds more than half of the current values ({ref_text})."
    else:
        message = (
            f"{name}: {_pct(majority.share)} of non-missing current values are "
            f"{majority.value!r} ({ref_text})."
        )
    checks.append(
        QualityCheck(
            check="near_constant",
            column=name,
            count=majority.count,
            share=float(majority.share),
            reference_share=float(ref_majority.share),
            examples=() if majority.value is None else (majority.value,),
            threshold=t if settings.constant_status != "ok" else None,
            alert_threshold=t if settings.constant_status == "alert" else None,
            status=settings.constant_status if near else "ok",
            message=message,
        )
    )
    return checks


def _numerical_checks(
    col: _Column, settings: QualitySettings, ref: _Numbers, cur: _Numbers
) -> list[QualityCheck]:
    name, n_cur = col.name, col.n_current
    ref_values, cur_values = ref.values, cur.values
    ref_nan = np.isnan(ref_values)
    ref_finite_mask = np.isfinite(ref_values)
    ref_finite = ref_values[ref_finite_mask]
    cur_finite_mask = np.isfinite(cur_values)
    all_finite = bool(cur_finite_mask.all())
    cur_finite = cur_values if all_finite else cur_values[cur_finite_mask]
    cur_n_values = int(cur_values.size - np.count_nonzero(np.isnan(cur_values)))
    ref_n_values = int(ref_values.size - np.count_nonzero(ref_nan))
    cur_posinf = 0 if all_finite else int(np.count_nonzero(cur_values == np.inf))
    cur_neginf = 0 if all_finite else int(np.count_nonzero(cur_values == -np.inf))
    ref_inf = ref_n_values - ref_finite.size
    checks: list[QualityCheck] = []

    if ref_finite.size == 0:
        checks.append(
            _fixed(
                "out_of_range",
                name,
                "warning",
                f"{name}: range, outlier and sign checks skipped: the reference has no finite "
                "numbers to compare with.",
                total=n_cur,
            )
        )
        ref_majority = _Majority(None, 0, ref_n_values)
    else:
        lo, hi = float(ref_finite.min()), float(ref_finite.max())
        ref_negative = int(np.count_nonzero(ref_finite < 0))
        q1, median, q3 = _quantiles(ref_finite, (0.25, 0.5, 0.75))
        ref_majority = _majority_of_numbers(ref_finite, ref_n_values, median)
        k = settings.iqr_k
        fence_lo, fence_hi = q1 - k * (q3 - q1), q3 + k * (q3 - q1)
        ref_outside = int(np.count_nonzero(ref_finite < fence_lo)) + int(
            np.count_nonzero(ref_finite > fence_hi)
        )

        below = int(np.count_nonzero(cur_finite < lo))
        above = int(np.count_nonzero(cur_finite > hi))
        examples: tuple[str, ...] = ()
        if below or above:
            outside = cur_finite[(cur_finite < lo) | (cur_finite > hi)]
            examples = _extremes(outside, np.maximum(lo - outside, outside - hi))
        share = _share(below + above, n_cur)
        if below and above:
            what = (
                f"outside the reference range {_num(lo)} to {_num(hi)} "
                f"({_pct(_share(below, n_cur))} below, {_pct(_share(above, n_cur))} above)"
            )
        elif below:
            what = f"below the reference minimum {_num(lo)}"
        elif above:
            what = f"above the reference maximum {_num(hi)}"
        else:
            what = f"outside the reference range {_num(lo)} to {_num(hi)}"
        checks.append(
            _graded(
                "out_of_range",
                name,
                below + above,
                n_cur,
                0.0,
                _levels(settings, "out_of_range"),
                f"{name}: {_pct(share)} of current values are {what} (reference 0%).",
                examples,
                chance=_OutsideRange(ref_finite.size, cur_finite.size),
            )
        )

        out_lo = int(np.count_nonzero(cur_finite < fence_lo))
        out_hi = int(np.count_nonzero(cur_finite > fence_hi))
        examples = ()
        if out_lo or out_hi:
            outside = cur_finite[(cur_finite < fence_lo) | (cur_finite > fence_hi)]
            examples = _extremes(outside, np.maximum(fence_lo - outside, outside - fence_hi))
        share = _share(out_lo + out_hi, n_cur)
        ref_share = _share(ref_outside, col.n_reference)
        checks.append(
            _graded(
                "outliers_iqr",
                name,
                out_lo + out_hi,
                n_cur,
                ref_share,
                _levels(settings, "outliers"),
                f"{name}: {_pct(share)} of current values are outside the IQR fences "
                f"{_num(fence_lo)} to {_num(fence_hi)} (Q1 - {k:g} IQR, Q3 + {k:g} IQR of the "
                f"reference; reference {_pct(ref_share)}).",
                examples,
                relative=True,
                reference_total=col.n_reference,
            )
        )

        if ref_negative == 0:
            negative = int(np.count_nonzero(cur_finite < 0))
            examples = ()
            if negative:
                values = cur_finite[cur_finite < 0]
                examples = _extremes(values, -values)
            share = _share(negative, n_cur)
            checks.append(
                _graded(
                    "negative_values",
                    name,
                    negative,
                    n_cur,
                    0.0,
                    _levels(settings, "negative"),
                    f"{name}: {_pct(share)} of current values are negative "
                    "(the reference had none).",
                    examples,
                )
            )

    n_inf = cur_posinf + cur_neginf
    share, ref_share = _share(n_inf, n_cur), _share(ref_inf, col.n_reference)
    checks.append(
        _graded(
            "infinite_values",
            name,
            n_inf,
            n_cur,
            ref_share,
            _levels(settings, "infinite"),
            f"{name}: {_pct(share)} of current values are infinite (reference {_pct(ref_share)}).",
            ("inf",) * bool(cur_posinf) + ("-inf",) * bool(cur_neginf),
        )
    )

    # Constant: one distinct value among the non-missing ones (infinities included).
    constant_value: str | None = None
    if cur_finite.size:
        low, high = float(cur_finite.min()), float(cur_finite.max())
        if low == high and n_inf == 0:
            constant_value = _example(low)
    elif (cur_posinf > 0) != (cur_neginf > 0):
        constant_value = "inf" if cur_posinf else "-inf"
    ref_constant_share = 0.0
    if ref_finite.size and ref_inf == 0 and ref_finite.min() == ref_finite.max():
        ref_constant_share = _share(ref_finite.size, col.n_reference)
    majority = _Majority(None, 0, cur_n_values)
    if constant_value is None:
        majority = _majority_of_numbers(cur_finite, cur_n_values)
    checks += _constant_checks(
        name,
        settings,
        constant_value,
        cur_n_values,
        n_cur,
        ref_constant_share,
        majority,
        ref_majority,
    )
    return checks


def _category_checks(col: _Column, settings: QualitySettings, unseen: bool) -> list[QualityCheck]:
    """Unseen categories (when ``unseen``), constant and near-constant, from value counts."""
    name, n_cur = col.name, col.n_current
    ref_counts = _label_counts(col.reference)
    cur_counts = _label_counts(col.current)
    checks: list[QualityCheck] = []
    if unseen:
        if ref_counts.empty:
            checks.append(
                _fixed(
                    "unseen_categories",
                    name,
                    "warning",
                    f"{name}: unseen categories not checked: the reference has no values.",
                    total=n_cur,
                )
            )
        else:
            new = cur_counts[~cur_counts.index.isin(ref_counts.index)]
            count = int(new.sum())
            new = new.sort_index(kind="stable").sort_values(ascending=False, kind="stable")
            examples = tuple(str(v) for v in new.index[:_EXAMPLES])
            share = _share(count, n_cur)
            if count:
                message = (
                    f"{name}: {_pct(share)} of current values are categories never seen in the "
                    f"reference (e.g. {_quoted(examples)})."
                )
            else:
                message = f"{name}: every current value was seen in the reference."
            checks.append(
                _graded(
                    "unseen_categories",
                    name,
                    count,
                    n_cur,
                    None,
                    _levels(settings, "unseen"),
                    message,
                    examples,
                )
            )
    constant_value = str(cur_counts.index[0]) if len(cur_counts) == 1 else None
    ref_constant_share = (
        _share(int(ref_counts.iloc[0]), col.n_reference) if len(ref_counts) == 1 else 0.0
    )
    majority = _majority_of_counts(cur_counts)
    checks += _constant_checks(
        name,
        settings,
        constant_value,
        int(cur_counts.sum()),
        n_cur,
        ref_constant_share,
        majority,
        _majority_of_counts(ref_counts),
    )
    return checks


def _label_coverage(check: QualityCheck) -> QualityCheck:
    """The missing check of a target whose labels arrive later: how many rows wait for one."""
    return replace(
        check,
        status="ok",
        threshold=None,
        alert_threshold=None,
        message=(
            f"{check.column}: {_pct(check.share)} of current rows have no label yet (labels "
            "arrive later; performance is measured on the labelled rows)."
        ),
    )


def check_column(
    spec: ColumnSpec, reference: pd.Series, current: pd.Series, settings: QualitySettings
) -> list[QualityCheck]:
    """Every check that applies to one column (its kind and role), on its two sides' values."""
    name = spec.name
    if len(reference) == 0 or len(current) == 0:
        side = "reference" if len(reference) == 0 else "current data"
        return [
            _fixed(
                "missing_share",
                name,
                "warning",
                f"{name}: not checked: the {side} has no rows.",
            )
        ]
    col = _Column(
        name,
        reference,
        current,
        np.asarray(reference.isna().to_numpy(), dtype=bool),
        np.asarray(current.isna().to_numpy(), dtype=bool),
    )
    checks = [_missing_check(col, settings)]
    # Ids and raw bytes have no distribution to check: only missing values and type changes.
    bookkeeping = spec.role in _BOOKKEEPING_ROLES or spec.kind in (ColumnKind.ID, ColumnKind.BINARY)
    if spec.kind is ColumnKind.NUMERICAL and not bookkeeping:
        numbers = (_numbers(reference, col.ref_missing), _numbers(current, col.cur_missing))
        checks.append(_type_check(col, settings, numbers))
        checks += _numerical_checks(col, settings, *numbers)
        return checks
    if spec.kind is ColumnKind.DATETIME or spec.role is ColumnRole.TIMESTAMP:
        # Dates are mostly text in a file: whether they read as dates is the type that matters.
        checks.append(_date_check(col, settings, spec.role is ColumnRole.TIMESTAMP))
    else:
        checks.append(_type_check(col, settings, None))
    if not bookkeeping:
        checks += _category_checks(col, settings, unseen=spec.kind in _CATEGORY_KINDS)
    return checks


def _duplicates(frame: pd.DataFrame) -> tuple[int, tuple[str, ...]]:
    """Rows that repeat an earlier row (all columns equal), and the first few of their labels."""
    if len(frame) < 2 or frame.shape[1] == 0:
        return 0, ()
    positions = _duplicate_candidates(frame)
    if positions is not None:
        frame = frame.iloc[positions]
    try:
        hashes = pd.util.hash_pandas_object(frame, index=False)
    except TypeError:
        # Unhashable values (lists, dicts): compare them as text.
        hashes = pd.util.hash_pandas_object(frame.astype(str), index=False)
    repeated = np.asarray(hashes.duplicated(keep="first").to_numpy(), dtype=bool)
    count = int(np.count_nonzero(repeated))
    examples = tuple(_example(v) for v in frame.index[repeated][:_EXAMPLES])
    return count, examples


def _duplicate_candidates(frame: pd.DataFrame) -> NDArray[np.intp] | None:
    """Positions, in order, of the rows that may repeat another row; ``None`` for all rows.

    Hashing every column of every row costs more than all the column checks together, and most
    rows repeat nothing. Equal rows are equal in their numeric columns, so a cheap key built
    from a few of those, counted in a table of buckets, sets aside every row alone in its bucket
    (three times, with different bits of the key); only the rows left are hashed in full.
    """
    n = len(frame)
    if n < 10_000:
        return None
    numeric = [i for i, dtype in enumerate(frame.dtypes) if _key_kind(dtype) is not None]
    # Floats first: they usually tell rows apart best.
    numeric.sort(key=lambda i: _key_kind(frame.dtypes.iloc[i]) != "f")
    if not numeric:
        return None
    key = np.zeros(n, dtype=np.uint64)
    for i in numeric[:_KEY_COLUMNS]:
        values = frame.iloc[:, i].to_numpy()
        if values.dtype.kind == "f":
            # + 0.0 turns -0.0 into 0.0, and every NaN gets the same bits: equal values get
            # equal keys, whatever their sign bit or NaN payload.
            floats = values.astype(np.float64) + 0.0
            if np.isnan(floats).any():
                floats[np.isnan(floats)] = np.nan
            bits = floats.view(np.uint64)
        elif values.dtype.kind == "b":
            bits = values.astype(np.uint64)
        elif values.dtype.kind in "Mm":
            bits = values.view(np.int64).view(np.uint64)
        else:
            bits = values.astype(np.int64, copy=False).view(np.uint64)
        key ^= bits
        key *= np.uint64(0x9E3779B97F4A7C15)
    # The splitmix64 finaliser: every bit of the key depends on every bit of every column.
    key ^= key >> np.uint64(30)
    key *= np.uint64(0xBF58476D1CE4E5B9)
    key ^= key >> np.uint64(27)
    key *= np.uint64(0x94D049BB133111EB)
    key ^= key >> np.uint64(31)
    positions = np.arange(n)
    for shift in (0, 21, 42):
        width = min(max(positions.size.bit_length() + 2, 10), 22)
        mask = np.uint64((1 << width) - 1)
        buckets = ((key >> np.uint64(64 - width - shift)) & mask).astype(np.intp)
        shared = np.bincount(buckets, minlength=1 << width)[buckets] > 1
        key, positions = key[shared], positions[shared]
    return positions


_KEY_COLUMNS = 4


def _key_kind(dtype: Any) -> str | None:
    """'f', 'i' or 'b' for the plain numpy columns a duplicate key can read cheaply."""
    if not isinstance(dtype, np.dtype):
        return None
    if dtype.kind == "f":
        return "f"
    if dtype.kind in "iuMm":
        return "i"
    if dtype.kind == "b":
        return "b"
    return None


def _duplicate_check(
    reference: tuple[int, tuple[str, ...]],
    current: tuple[int, tuple[str, ...]],
    n_reference: int,
    n_current: int,
    settings: QualitySettings,
) -> QualityCheck:
    if n_current == 0:
        return _fixed(
            "duplicate_rows", None, "warning", "Not checked: the current data has no rows."
        )
    count, examples = current
    share = _share(count, n_current)
    ref_share = _share(reference[0], n_reference) if n_reference else None
    message = f"{_pct(share)} of current rows ({count:,}) repeat an earlier row" + (
        f" (reference {_pct(ref_share)})." if ref_share is not None else "."
    )
    if examples:
        message = message[:-1] + f"; e.g. rows {', '.join(examples)}."
    return _graded(
        "duplicate_rows",
        None,
        count,
        n_current,
        ref_share,
        _levels(settings, "duplicate"),
        message,
        examples,
        relative=True,
    )


def _schema_changes(
    reference: pd.DataFrame, current: pd.DataFrame, settings: QualitySettings
) -> list[QualityCheck]:
    checks: list[QualityCheck] = []
    in_current = set(current.columns)
    in_reference = set(reference.columns)
    status = settings.column_change_status
    for name in reference.columns:
        if name not in in_current:
            checks.append(
                _fixed(
                    "column_removed",
                    str(name),
                    status,
                    f"{name}: the column is in the reference but not in the current data.",
                    count=len(current),
                    total=len(current),
                    examples=_first_values(reference[name]),
                )
            )
    for name in current.columns:
        if name not in in_reference:
            checks.append(
                _fixed(
                    "column_added",
                    str(name),
                    status,
                    f"{name}: the column is in the current data but not in the reference.",
                    count=len(current),
                    total=len(current),
                    examples=_first_values(current[name]),
                )
            )
    return checks


def _first_values(series: pd.Series) -> tuple[str, ...]:
    """A few distinct values from the top of a column, to show what it holds."""
    head = series.iloc[:1000].dropna()
    try:
        values = head.unique()
    except TypeError:
        values = head.astype(str).unique()
    return tuple(_example(v) for v in values[:_EXAMPLES])


# ---------------------------------------------------------------------------------------------


def run_quality(
    reference: pd.DataFrame, current: pd.DataFrame, schema: Schema, settings: QualitySettings
) -> QualityResult:
    """Run every quality check that applies to each column of ``schema``.

    ``schema`` lists the columns both sides share, with their kind and role (as `infer_schema`
    returns it); columns found on one side only are reported as added or removed. Columns whose
    role is id, timestamp or ignored are only checked for missing values and type changes.

    >>> import pandas as pd
    >>> from driftscope.data.infer import infer_schema
    >>> reference = pd.DataFrame({"age": range(20, 70), "plan": list("ab") * 25})
    >>> older = [72, 74, 75, 78, 80, 82, 84, 85, 87, 88, 90, 92]
    >>> current = pd.DataFrame({"age": [*range(20, 58), *older], "plan": [*"ab" * 24, "c", "c"]})
    >>> schema, _ = infer_schema(reference, current)
    >>> result = run_quality(reference, current, schema, QualitySettings())
    >>> result.status, result.n_warnings, result.n_alerts
    ('alert', 1, 1)
    >>> for check in result.problems:
    ...     print(check.message)
    age: 24% of current values are above the reference maximum 69 (reference 0%).
    plan: 4% of current values are categories never seen in the reference (e.g. 'c').

    Values outside the reference's range must be more than chance: with 50 reference values,
    one stable value in 51 is above their maximum and one below their minimum. Here 12 of 50 is
    an alert; 8 would only be a warning, and 5 would stay ``ok``, though past the 5% alert level.
    """
    missing = [s.name for s in schema if s.name not in reference and s.name not in current]
    if missing:
        raise SchemaError(
            f"The schema names column(s) found in neither dataset: {', '.join(map(repr, missing))}."
        )
    specs = [s for s in schema if s.name in reference and s.name in current]

    def check(spec: ColumnSpec) -> list[QualityCheck]:
        checks = check_column(spec, reference[spec.name], current[spec.name], settings)
        if spec.name == settings.pending_labels:
            checks = [_label_coverage(c) if c.check == "missing_share" else c for c in checks]
        return checks

    tasks: list[Callable[[], Any]] = [
        partial(_duplicates, reference),
        partial(_duplicates, current),
    ]
    tasks += [partial(check, spec) for spec in specs]
    n_jobs = settings.n_jobs or min(os.cpu_count() or 1, 8)
    if n_jobs > 1:
        with ThreadPoolExecutor(max_workers=n_jobs) as pool:
            # Hashing whole rows is the longest task: start it first so columns overlap it.
            outcomes = list(pool.map(lambda task: task(), tasks))
    else:
        outcomes = [task() for task in tasks]
    ref_duplicates, cur_duplicates, *per_column = outcomes

    checks = [
        _duplicate_check(ref_duplicates, cur_duplicates, len(reference), len(current), settings),
        *_schema_changes(reference, current, settings),
    ]
    for column_checks in per_column:
        checks += column_checks
    return QualityResult.from_checks(checks, len(reference), len(current))
