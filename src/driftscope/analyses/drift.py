"""Data drift, column by column and for the dataset as a whole.

The default rule calls a column drifted only when a two-sample test rejects "same distribution"
*and* the effect is large enough to matter. The test holds the false-alarm rate at the nominal
level at every sample size; the effect-size floor keeps a million-row comparison from flagging a
shift nobody would act on. See docs/drift-decision.md.
"""

from __future__ import annotations

import copy
import math
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import InitVar, dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import stats as sps

from driftscope._shorten import shorten, shown
from driftscope._validate import check_choice, check_int, check_probability
from driftscope.analyses._features import FeatureEncoding, fit_encoding, sample_rows
from driftscope.analyses._labels import value_labels
from driftscope.analyses.results import (
    ColumnDrift,
    ColumnSummary,
    DatasetDrift,
    DriftResult,
    MultivariateDrift,
)
from driftscope.data.schema import ColumnKind, ColumnRole, ColumnSpec, Schema
from driftscope.exceptions import EmptyDataError, ParameterError, invalid_parameter
from driftscope.stats import METHODS, SortedPair
from driftscope.stats._reference_side import PreparedReference
from driftscope.stats._result import StatResult
from driftscope.stats.categorical import chi2_homogeneity, total_variation_distance
from driftscope.stats.multivariate import FourierReference
from driftscope.stats.novelty import unseen_categories_test
from driftscope.stats.numerical import ks_2samp, wasserstein_distance

__all__ = ["DriftSettings", "decision_rules", "require_tested", "run_drift"]

AUTO = "auto"
CORRECTIONS = (None, "bonferroni", "bh")
_OTHER = "(other)"
_PLOT_BINS = 30
_PLOT_CATEGORIES = 20
# Rows per side for the dataset-level tests (seeded subsamples). The MMD uses random Fourier
# features (cost linear in the rows): 2,000 rows a side cost about a tenth of what the exact
# kernel cost on 1,000, and reject more often on small shifts at the same false-alarm rate (see
# benchmarks/RESULTS.md for the timings and the rejection rates).
_MMD_ROWS = 2000
_MMD_FEATURES = 128
_CLASSIFIER_ROWS = 5000
_UNTESTED_KINDS = (ColumnKind.ID, ColumnKind.DATETIME, ColumnKind.BINARY)
_TESTED_ROLES = {
    ColumnRole.FEATURE,
    ColumnRole.TARGET,
    ColumnRole.PREDICTION,
    ColumnRole.PROBABILITY,
}


@dataclass(frozen=True)
class DriftSettings:
    """How columns are tested and how the dataset verdict is reached.

    ``alpha`` is the significance level of every test; ``numerical_effect_threshold`` (Wasserstein
    distance in reference standard deviations), ``categorical_effect_threshold`` (total variation
    distance between the category shares: the share of rows that changed category, in [0, 1]) and
    ``missing_effect_threshold`` (Cohen's h on the missing share) are the smallest effects the
    default rule calls drift. ``methods`` and ``thresholds`` override the rule per column.

    The dataset is drifted when at least ``drift_share`` of the tested columns drifted, or when a
    whole-table test (MMD, domain classifier; Bonferroni between them) rejects and the domain
    classifier's held-out ROC-AUC is at least ``multivariate_effect_threshold``.
    """

    alpha: float = 0.05
    numerical_effect_threshold: float = 0.1
    categorical_effect_threshold: float = 0.05
    missing_effect_threshold: float = 0.1
    unseen_share_threshold: float = 0.01
    drift_share: float = 0.5
    multivariate_effect_threshold: float = 0.55
    correction: str | None = None
    methods: Mapping[str, str] = field(default_factory=dict)
    thresholds: Mapping[str, float] = field(default_factory=dict)
    multivariate: bool = True
    max_categories: int = 10_000
    seed: int = 0
    n_jobs: int | None = None
    #: The target column when its labels arrive later (joined by id): its share of missing
    #: values is labels not come yet, not drift, and is not tested.
    pending_labels: str | None = None
    #: Who the user called, named in parameter messages (`compare`, `monitor`).
    owner: InitVar[str] = "DriftSettings"

    def __post_init__(self, owner: str) -> None:
        for name in (
            "numerical_effect_threshold",
            "categorical_effect_threshold",
            "missing_effect_threshold",
        ):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not value >= 0:
                raise invalid_parameter(owner, name, "a number >= 0", value)
        for name in ("alpha", "drift_share", "unseen_share_threshold"):
            check_probability(owner, name, getattr(self, name), closed="right")
        threshold = self.multivariate_effect_threshold
        if (
            isinstance(threshold, bool)
            or not isinstance(threshold, int | float)
            or not 0.5 < threshold <= 1
        ):
            raise invalid_parameter(
                owner, "multivariate_effect_threshold", "a ROC-AUC in (0.5, 1]", threshold
            )
        check_choice(owner, "correction", self.correction, CORRECTIONS)
        check_int(owner, "max_categories", self.max_categories, low=2)
        for column, method in self.methods.items():
            if method != AUTO and method not in METHODS:
                names = ", ".join(sorted([AUTO, *METHODS]))
                raise ParameterError(
                    f"Unknown drift method {method!r} for column {column!r}; "
                    f"expected one of {names}."
                )
        for column, threshold in self.thresholds.items():
            if (
                isinstance(threshold, bool)
                or not isinstance(threshold, int | float)
                or not math.isfinite(threshold)
            ):
                raise ParameterError(
                    f"The threshold for column {column!r} must be a finite number. "
                    f"Got {threshold!r}."
                )

    def to_dict(self) -> dict[str, Any]:
        return {
            "alpha": self.alpha,
            "numerical_effect_threshold": self.numerical_effect_threshold,
            "categorical_effect_threshold": self.categorical_effect_threshold,
            "missing_effect_threshold": self.missing_effect_threshold,
            "unseen_share_threshold": self.unseen_share_threshold,
            "drift_share": self.drift_share,
            "multivariate_effect_threshold": self.multivariate_effect_threshold,
            "correction": self.correction,
            "methods": dict(self.methods),
            "thresholds": dict(self.thresholds),
            "multivariate": self.multivariate,
            "max_categories": self.max_categories,
            "seed": self.seed,
        }


def decision_rules(settings: DriftSettings) -> dict[str, str]:
    """The rules in force, in plain words, for the docs and every report."""
    a = settings.alpha
    return {
        "numerical": (
            f"Two-sample Kolmogorov-Smirnov test (exact p-value up to 10,000 rows per side); "
            f"drifted when p < {a:g} and the Wasserstein distance is at least "
            f"{settings.numerical_effect_threshold:g} reference standard deviations."
        ),
        "categorical": (
            f"Chi-squared test of homogeneity on the 2 x k table of counts (Monte Carlo exact "
            f"p-value when expected counts are small); drifted when p < {a:g} and the total "
            "variation distance between the category shares (half the sum of their absolute "
            f"changes) is at least {settings.categorical_effect_threshold:g}."
        ),
        "boolean": "As categorical, on the two values.",
        "text": "As numerical, on the length of each text in characters.",
        "missing": (
            f"A change in the share of missing values is drift when a test of the two shares "
            f"gives p < {a:g} and Cohen's h is at least {settings.missing_effect_threshold:g}."
        ),
        "unseen": (
            f"Categories never seen in the reference are drift when they hold at least "
            f"{settings.unseen_share_threshold:.0%} of current rows and more than chance explains "
            f"(permutation test of the unseen share, p < {a:g})."
        ),
        "column": (
            "A column is drifted when any of its signals (distribution, missing share, unseen "
            "categories) fires; the signals share the column's alpha (Bonferroni), so a column "
            f"without drift is flagged with probability at most {a:g}."
        ),
        "dataset": (
            f"The dataset is drifted when at least {settings.drift_share:.0%} of the tested "
            "feature columns are drifted"
            + (
                f" (after {settings.correction} correction across columns)"
                if settings.correction
                else ""
            )
            + ", or when a whole-table test (MMD, domain classifier; they share the level "
            f"{a:g}) rejects and the domain classifier's held-out ROC-AUC is at least "
            f"{settings.multivariate_effect_threshold:g}, so a huge sample cannot call a "
            "negligible joint shift drift."
        ),
    }


# ---------------------------------------------------------------------------------------------
# column preparation


@dataclass
class _Prepared:
    spec: ColumnSpec
    n_reference: int
    n_current: int
    missing_reference: int
    missing_current: int
    warnings: list[str]
    # numerical path
    pair: SortedPair | None = None
    # categorical path
    categories: NDArray[np.object_] | None = None
    reference_counts: NDArray[np.int64] | None = None
    current_counts: NDArray[np.int64] | None = None
    unseen_count: int = 0
    unseen_examples: tuple[str, ...] = ()
    note: str | None = None


def _numeric_values(
    series: pd.Series, column: str, side: str
) -> tuple[NDArray[np.float64], list[str]]:
    """Finite values of a column, with warnings for non-numbers and infinities."""
    warnings: list[str] = []
    if pd.api.types.is_bool_dtype(series.dtype) or pd.api.types.is_numeric_dtype(series.dtype):
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        numbers = pd.to_numeric(series, errors="coerce")
        bad = numbers.isna() & series.notna()
        n_bad = int(bad.sum())
        if n_bad:
            examples = ", ".join(shown(v) for v in series[bad].astype(str).unique()[:3])
            warnings.append(
                f"Column {column!r} ({side}): {n_bad} value(s) are not numbers (e.g. {examples}); "
                "they are counted as missing."
            )
        values = numbers.to_numpy(dtype=np.float64, na_value=np.nan)
    infinite = np.isinf(values)
    n_inf = int(infinite.sum())
    if n_inf:
        warnings.append(
            f"Column {column!r} ({side}): {n_inf} infinite value(s); "
            "they are left out of the tests."
        )
    return values, warnings


def _text_lengths(series: pd.Series) -> NDArray[np.float64]:
    lengths = series.astype("string").str.len()
    return np.asarray(lengths.to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64)


def _value_counts(series: pd.Series) -> pd.Series:
    counts = series.value_counts(dropna=True, sort=False)
    # Labels as text so 1, 1.0 and "1" (or True and "True", 0.0 and -0.0) meet on both sides.
    counts.index = pd.Index(value_labels(counts.index), dtype=object)
    if counts.index.is_unique:
        return counts
    return counts.groupby(level=0, sort=False).sum()


def aligned_counts(
    ref_counts: pd.Series, cur_counts: pd.Series, max_categories: int
) -> tuple[NDArray[np.object_], NDArray[np.int64], NDArray[np.int64], int]:
    """Counts over the union of categories (each side's counts by label), aligned, with rare
    categories pooled past the cap."""
    # The reference's labels, then those only current has; then sorted by label, so seeded
    # resampling tests do not depend on the order rows arrive in.
    at = ref_counts.index.get_indexer(cur_counts.index)
    unseen = at < 0
    n_ref = len(ref_counts)
    labels = np.concatenate(
        [
            ref_counts.index.to_numpy(dtype=object),
            cur_counts.index.to_numpy(dtype=object)[unseen],
        ]
    )
    counts = np.zeros((labels.size, 2), dtype=np.int64)
    counts[:n_ref, 0] = ref_counts.to_numpy(dtype=np.int64)
    cur_values = cur_counts.to_numpy(dtype=np.int64)
    counts[at[~unseen], 1] = cur_values[~unseen]
    counts[n_ref:, 1] = cur_values[unseen]
    order = np.argsort(labels, kind="stable")
    labels, counts = labels[order], counts[order]
    pooled = 0
    if len(labels) > max_categories:
        order = np.argsort(-(counts[:, 0] + counts[:, 1]), kind="stable")
        keep, rest = order[: max_categories - 1], order[max_categories - 1 :]
        pooled = int(rest.size)
        other = counts[rest].sum(axis=0, keepdims=True)
        counts = np.concatenate([counts[keep], other])
        labels = np.concatenate([labels[keep], np.array([_OTHER], dtype=object)])
    return labels, counts[:, 0].copy(), counts[:, 1].copy(), pooled


class _Scratch:
    """Sort buffers that one worker thread reuses from column to column.

    Fresh multi-megabyte arrays cost a page fault per 4 KiB page, which on some virtual machines
    takes longer than sorting them; recycling two buffers per thread avoids that. Arrays built on
    a buffer live only while that thread tests one column.
    """

    def __init__(self) -> None:
        self._buffers: list[NDArray[np.float64]] = [np.empty(0), np.empty(0)]

    def get(self, slot: int, size: int) -> NDArray[np.float64]:
        if self._buffers[slot].size < size:
            self._buffers[slot] = np.empty(size, dtype=np.float64)
        return self._buffers[slot][:size]


def _sorted_finite(
    values: NDArray[np.float64], scratch: _Scratch | None, slot: int
) -> NDArray[np.float64]:
    finite = np.isfinite(values)
    size = int(np.count_nonzero(finite))
    out = np.empty(size) if scratch is None else scratch.get(slot, size)
    if size == values.size:
        np.copyto(out, values)
    else:
        np.compress(finite, values, out=out)
    out.sort()
    return out


class ReferenceCache:
    """What the reference side costs to prepare (a sorted copy of each numerical column, the
    category counts of each categorical one, the encoded rows of the whole-table tests), kept so
    that comparing several current tables with one reference does that work once.

    `fill` does it all ahead (`driftscope.prepare`); otherwise each entry is made on first use.
    Either way an entry is computed by the same function from the reference alone, so a result
    does not depend on whether the entry was ready.
    """

    def __init__(self, retain: bool = True) -> None:
        self.retain = retain
        self._entries: dict[tuple[Any, ...], Any] = {}
        self._lock = threading.Lock()

    def get_or_make(self, key: tuple[Any, ...], make: Any) -> Any:
        if not self.retain:
            # One comparison: each entry is used once, so nothing is kept (memory stays that of
            # one column at a time, on the thread's reused buffers).
            return make()
        with self._lock:
            if key in self._entries:
                return self._entries[key]
        value = make()
        with self._lock:
            return self._entries.setdefault(key, value)

    def has(self, key: tuple[Any, ...]) -> bool:
        with self._lock:
            return key in self._entries

    def fill(self, reference: pd.DataFrame, schema: Schema, settings: DriftSettings) -> None:
        """Prepare every column the schema tests, and the whole-table tests' reference rows
        for ``settings.seed`` when ``settings.multivariate``."""
        specs = columns_to_test(schema)
        for spec in specs:
            key = _reference_key(spec)
            column = reference[spec.name]
            if key[1] == "numerical":
                self.get_or_make(key, lambda s=spec, c=column: _numerical_reference(s, c))
            else:
                self.get_or_make(key, lambda c=column: _categorical_reference(c))
        if settings.multivariate:
            _multivariate_reference(reference, specs, settings.seed, self)


def columns_to_test(schema: Schema) -> list[ColumnSpec]:
    """The columns the drift analysis tests: features, targets and predictions whose kind has
    a test."""
    return [
        spec
        for spec in schema
        if spec.role is not ColumnRole.IGNORED
        and spec.role in _TESTED_ROLES
        and spec.kind not in _UNTESTED_KINDS
    ]


def _numerical_reference(
    spec: ColumnSpec, reference: pd.Series, scratch: _Scratch | None = None
) -> tuple[PreparedReference, int, int, list[str]]:
    """A numerical (or text-length) column's reference side: its sorted finite values, its
    size, its missing count and its warnings. On ``scratch`` only when it is used at once and
    dropped: a kept copy must outlive the thread's buffers."""
    found: list[str] = []
    if spec.kind is ColumnKind.TEXT:
        values = _text_lengths(reference)
    else:
        values, found = _numeric_values(reference, spec.name, "reference")
    ordered = _sorted_finite(values, scratch, 0)
    return PreparedReference(ordered), int(values.size), int(np.isnan(values).sum()), found


def _categorical_reference(reference: pd.Series) -> tuple[pd.Series, int, int]:
    """A categorical column's reference side: counts per label, rows, missing count."""
    return _value_counts(reference), len(reference), int(reference.isna().sum())


def _prepare(
    spec: ColumnSpec,
    reference: pd.Series,
    current: pd.Series,
    settings: DriftSettings,
    scratch: _Scratch | None,
    cache: ReferenceCache,
) -> _Prepared:
    name = spec.name
    warnings: list[str] = []
    kind = spec.kind
    numerical_path = kind in (ColumnKind.NUMERICAL, ColumnKind.TEXT)
    check_method(spec, requested_method(spec, settings), numerical_path)
    if numerical_path:
        prepared_reference, n_ref, missing_ref, ref_warnings = cache.get_or_make(
            _reference_key(spec),
            lambda: _numerical_reference(spec, reference, None if cache.retain else scratch),
        )
        ref_sorted = prepared_reference.values
        if kind is ColumnKind.TEXT:
            cur_values = _text_lengths(current)
        else:
            cur_values, cur_warnings = _numeric_values(current, name, "current")
            warnings += cur_warnings
        warnings[:0] = ref_warnings
        cur_sorted = _sorted_finite(cur_values, scratch, 1)
        prepared = _Prepared(
            spec=spec,
            n_reference=n_ref,
            n_current=int(cur_values.size),
            missing_reference=missing_ref,
            missing_current=int(np.isnan(cur_values).sum()),
            warnings=warnings,
        )
        if ref_sorted.size and cur_sorted.size:
            # Binary searches of current into the reference beat one pass over both only when
            # current is much the smaller (a time window against a long reference).
            if 4 * cur_sorted.size <= ref_sorted.size:
                prepared.pair = SortedPair.against(prepared_reference, cur_sorted)
            else:
                prepared.pair = SortedPair(ref_sorted, cur_sorted)
        return prepared

    ref_value_counts, n_ref, missing_ref = cache.get_or_make(
        _reference_key(spec), lambda: _categorical_reference(reference)
    )
    counts = ColumnCounts(n_ref, len(current), missing_ref, int(current.isna().sum()))
    return _prepare_categorical(spec, ref_value_counts, _value_counts(current), counts, settings)


def _prepare_categorical(
    spec: ColumnSpec,
    reference: pd.Series,
    current: pd.Series,
    counts: ColumnCounts,
    settings: DriftSettings,
) -> _Prepared:
    """A categorical column from each side's counts by label."""
    name = spec.name
    warnings: list[str] = []
    labels, ref_counts, cur_counts, pooled = aligned_counts(
        reference, current, settings.max_categories
    )
    if spec.kind is ColumnKind.CONSTANT:
        value = labels[ref_counts > 0][:1]
        warnings.append(
            f"Column {name!r} is constant in the reference"
            + (f" (always {str(value[0])!r})" if value.size else "")
            + "; it is compared as a category, so any other value in current is a change."
        )
    if pooled:
        warnings.append(
            f"Column {name!r}: {len(labels) - 1 + pooled} distinct values exceed the limit of "
            f"{settings.max_categories}; the {pooled} rarest are pooled as {_OTHER!r}."
        )
    unseen = (ref_counts == 0) & (cur_counts > 0)
    order = np.argsort(-cur_counts[unseen], kind="stable")[:5]
    return _Prepared(
        spec=spec,
        n_reference=counts.n_reference,
        n_current=counts.n_current,
        missing_reference=counts.missing_reference,
        missing_current=counts.missing_current,
        warnings=warnings,
        categories=labels,
        reference_counts=ref_counts,
        current_counts=cur_counts,
        unseen_count=int(cur_counts[unseen].sum()),
        unseen_examples=tuple(shorten(str(v)) for v in labels[unseen][order]),
    )


def signals_from_counts(
    spec: ColumnSpec,
    reference: pd.Series,
    current: pd.Series,
    counts: ColumnCounts,
    settings: DriftSettings,
) -> ColumnSignals:
    """Test a categorical column from each side's exact counts by label (a pandas Series
    indexed by label): the numbers `run_drift` gives for the rows behind those counts."""
    return _test_column(_prepare_categorical(spec, reference, current, counts, settings), settings)


def signals_from_sorted(
    spec: ColumnSpec,
    reference: NDArray[np.float64],
    current: NDArray[np.float64],
    counts: ColumnCounts,
    settings: DriftSettings,
) -> ColumnSignals:
    """Test a numerical column from each side's sorted finite values: the numbers
    `run_drift` gives for the rows they come from."""
    prepared = _Prepared(
        spec,
        counts.n_reference,
        counts.n_current,
        counts.missing_reference,
        counts.missing_current,
        [],
    )
    if reference.size and current.size:
        prepared.pair = SortedPair(reference, current)
    return _test_column(prepared, settings)


# ---------------------------------------------------------------------------------------------
# signals


def _cohens_h(p1: float, p2: float) -> float:
    return abs(2 * math.asin(math.sqrt(p1)) - 2 * math.asin(math.sqrt(p2)))


def missing_test(
    missing_reference: int, n_reference: int, missing_current: int, n_current: int
) -> tuple[float, float] | None:
    """p-value and Cohen's h for a change in the share of missing values, if any is missing."""
    if missing_reference == 0 and missing_current == 0:
        return None
    if n_reference == 0 or n_current == 0:
        return None
    ref = np.array([missing_reference, n_reference - missing_reference])
    cur = np.array([missing_current, n_current - missing_current])
    result = chi2_homogeneity(ref, cur, seed=0)
    h = _cohens_h(missing_reference / n_reference, missing_current / n_current)
    return (1.0 if result.p_value is None else result.p_value), h


def _unseen_test(prep: _Prepared, seed: int) -> float | None:
    """p-value for "more current rows in never-seen categories than chance explains"."""
    if prep.reference_counts is None or prep.current_counts is None:
        return None
    result = unseen_categories_test(prep.reference_counts, prep.current_counts, seed=seed)
    return 1.0 if result.p_value is None else result.p_value


def _summary(prep: _Prepared) -> ColumnSummary | None:
    if prep.pair is not None:
        ref, cur = prep.pair.reference, prep.pair.current
        lo = min(ref[int(0.001 * (ref.size - 1))], cur[int(0.001 * (cur.size - 1))])
        hi = max(ref[int(0.999 * (ref.size - 1))], cur[int(0.999 * (cur.size - 1))])
        if not hi > lo:
            lo, hi = float(min(ref[0], cur[0])), float(max(ref[-1], cur[-1]))
        if not hi > lo:
            lo, hi = lo - 0.5, hi + 0.5
        edges = np.linspace(lo, hi, _PLOT_BINS + 1)
        inner = edges[1:-1]
        # Values beyond the outer edges land in the outer bins, so counts add up to n.
        ref_idx = np.searchsorted(ref, inner, side="left")
        cur_idx = np.searchsorted(cur, inner, side="left")
        ref_counts = np.diff(np.concatenate([[0], ref_idx, [ref.size]]))
        cur_counts = np.diff(np.concatenate([[0], cur_idx, [cur.size]]))
        return ColumnSummary(
            reference_counts=tuple(int(c) for c in ref_counts),
            current_counts=tuple(int(c) for c in cur_counts),
            edges=tuple(float(e) for e in edges),
        )
    if prep.categories is not None and prep.reference_counts is not None:
        assert prep.current_counts is not None
        return category_summary(prep.categories, prep.reference_counts, prep.current_counts)
    return None


def category_summary(
    categories: NDArray[np.object_],
    reference_counts: NDArray[np.int64],
    current_counts: NDArray[np.int64],
) -> ColumnSummary:
    """A bar plot's counts: the categories with the most rows on both sides, the rest pooled."""
    total = reference_counts + current_counts
    order = np.argsort(-total, kind="stable")
    top, rest = order[:_PLOT_CATEGORIES], order[_PLOT_CATEGORIES:]
    labels = [shorten(str(v)) for v in categories[top]]
    ref_c = [int(c) for c in reference_counts[top]]
    cur_c = [int(c) for c in current_counts[top]]
    if rest.size:
        labels.append(_OTHER)
        ref_c.append(int(reference_counts[rest].sum()))
        cur_c.append(int(current_counts[rest].sum()))
    return ColumnSummary(tuple(ref_c), tuple(cur_c), categories=tuple(labels))


def excluded_column(spec: ColumnSpec, note: str, counts: ColumnCounts) -> ColumnDrift:
    """A column listed in the report but not tested (an id, a timestamp, a datetime)."""
    n_ref, n_cur = counts.n_reference, counts.n_current
    return ColumnDrift(
        name=spec.name,
        kind=str(spec.kind),
        role=str(spec.role),
        method="none",
        statistic=None,
        p_value=None,
        effect_size=None,
        effect_size_method=None,
        threshold=None,
        effect_size_threshold=None,
        drifted=False,
        n_reference=n_ref,
        n_current=n_cur,
        missing_share_reference=share_of(counts.missing_reference, n_ref),
        missing_share_current=share_of(counts.missing_current, n_cur),
        skipped=True,
        note=note,
    )


def share_of(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


@dataclass
class ColumnSignals:
    """A column's signals before the dataset-wide correction decides which of them count."""

    column: ColumnDrift
    # (signal name, p-value, effect gate passed) for p-value based signals
    signals: list[tuple[str, float, bool]]
    # signals decided by a distance threshold, immune to multiple-testing correction
    fixed_signals: list[str]
    warnings: list[str]
    # significance level for this column's p-value signals
    alpha: float


@dataclass(frozen=True)
class ColumnNumbers:
    """A column's test numbers, however computed (from rows here, or from profiles in
    `driftscope.analyses.profiled`): what `judge_column` turns into signals.

    ``method`` is the method that ran (``"none"`` when ``skipped``); ``missing`` holds the
    missing-share test's p-value and Cohen's h, when any value is missing."""

    method: str
    statistic: float | None = None
    p_value: float | None = None
    effect_size: float | None = None
    effect_size_method: str | None = None
    threshold: float | None = None
    effect_size_threshold: float | None = None
    skipped: bool = False
    missing: tuple[float, float] | None = None
    unseen_p_value: float | None = None
    unseen_share: float | None = None


@dataclass(frozen=True)
class ColumnCounts:
    """A column's row counts and what a reader is told about it beside its numbers."""

    n_reference: int
    n_current: int
    missing_reference: int
    missing_current: int
    unseen_examples: tuple[str, ...] = ()
    note: str | None = None


def requested_method(spec: ColumnSpec, settings: DriftSettings) -> str:
    """The method asked for a column (``"auto"`` for the default rule)."""
    return settings.methods.get(spec.name, spec.method or AUTO)


def user_threshold(spec: ColumnSpec, settings: DriftSettings) -> float | None:
    """The threshold the user set for a column, if any."""
    return settings.thresholds.get(spec.name, spec.threshold)


def check_method(spec: ColumnSpec, method: str, numerical: bool) -> None:
    """Refuse a method that does not apply to the column's kind."""
    if method == AUTO:
        return
    info = METHODS[method]
    family = "numerical" if numerical else "categorical"
    if family not in info.kinds:
        raise ParameterError(
            f"Method {method!r} works on {' and '.join(sorted(info.kinds))} columns; "
            f"column {spec.name!r} is {spec.kind}. Pick a {family} method or change the "
            "column's kind."
        )


def main_threshold(
    spec: ColumnSpec, settings: DriftSettings, numerical: bool
) -> tuple[float, float | None]:
    """The threshold of a column's distribution signal, and its effect-size floor (None when
    the user picked a method: its own threshold decides)."""
    method = requested_method(spec, settings)
    given = user_threshold(spec, settings)
    if method == AUTO:
        floor = (
            settings.numerical_effect_threshold
            if numerical
            else settings.categorical_effect_threshold
        )
        return (settings.alpha if given is None else float(given)), floor
    return (METHODS[method].default_threshold if given is None else float(given)), None


def _test_column(prep: _Prepared, settings: DriftSettings) -> ColumnSignals:
    spec = prep.spec
    method = requested_method(spec, settings)
    stat: float | None = None
    p_value: float | None = None
    effect: float | None = None
    effect_method: str | None = None
    threshold: float | None = None
    effect_threshold: float | None = None
    skipped = False
    used_method = method

    if prep.pair is not None:
        effect_result = wasserstein_distance(prep.pair)
        effect, effect_method = effect_result.statistic, effect_result.method
        threshold, effect_threshold = main_threshold(spec, settings, numerical=True)
        if method == AUTO:
            main = ks_2samp(prep.pair)
        else:
            info = METHODS[method]
            assert info.numerical is not None  # _prepare checked the method's kinds
            main = info.numerical(prep.pair)
        used_method = main.method if method == AUTO else method
        stat, p_value = main.statistic, main.p_value
    elif prep.reference_counts is not None and prep.current_counts is not None:
        ref_c, cur_c = prep.reference_counts, prep.current_counts
        if ref_c.sum() == 0 or cur_c.sum() == 0:
            skipped = True
        else:
            # The distance between the two distributions of shares, whatever the row counts
            # (Cramér's V of the table grows with the smaller side's share of the rows).
            effect_result = total_variation_distance(ref_c, cur_c)
            effect, effect_method = effect_result.statistic, effect_result.method
            threshold, effect_threshold = main_threshold(spec, settings, numerical=False)
            if method == AUTO:
                main = chi2_homogeneity(ref_c, cur_c, seed=settings.seed)
            else:
                info = METHODS[method]
                assert info.categorical is not None  # _prepare checked the method's kinds
                main = info.categorical(ref_c, cur_c)
            used_method = main.method if method == AUTO else method
            stat, p_value = main.statistic, main.p_value
    else:
        skipped = True

    missing = None
    if spec.name != settings.pending_labels:
        missing = missing_test(
            prep.missing_reference, prep.n_reference, prep.missing_current, prep.n_current
        )
    unseen_p = _unseen_test(prep, settings.seed)
    unseen_share = None
    if prep.current_counts is not None:
        unseen_share = share_of(prep.unseen_count, int(prep.current_counts.sum()))
    numbers = ColumnNumbers(
        method=used_method,
        statistic=stat,
        p_value=p_value,
        effect_size=effect,
        effect_size_method=effect_method,
        threshold=threshold,
        effect_size_threshold=effect_threshold,
        skipped=skipped,
        missing=missing,
        unseen_p_value=unseen_p,
        unseen_share=unseen_share,
    )
    counts = ColumnCounts(
        prep.n_reference,
        prep.n_current,
        prep.missing_reference,
        prep.missing_current,
        prep.unseen_examples,
        prep.note,
    )
    return judge_column(spec, numbers, counts, settings, prep.warnings, lambda: _summary(prep))


def judge_column(
    spec: ColumnSpec,
    numbers: ColumnNumbers,
    counts: ColumnCounts,
    settings: DriftSettings,
    warnings: Sequence[str] = (),
    summary: Callable[[], ColumnSummary | None] | None = None,
) -> ColumnSignals:
    """A column's signals from its numbers, before the correction across columns decides
    which of them fire (`decide`)."""
    name = spec.name
    method = requested_method(spec, settings)
    given = user_threshold(spec, settings)
    warnings = list(warnings)
    signals: list[tuple[str, float, bool]] = []
    fixed: list[str] = []
    note = counts.note or spec.note
    used_method = numbers.method
    stat, p_value, threshold = numbers.statistic, numbers.p_value, numbers.threshold
    effect, effect_threshold = numbers.effect_size, numbers.effect_size_threshold
    if numbers.skipped:
        side = "reference" if counts.n_reference == counts.missing_reference else "current"
        note = f"no usable values in the {side}: the distribution test is skipped"
        warnings.append(
            f"Column {name!r}: every value is missing in the {side}; distribution not tested."
        )
        used_method = "none"
    elif method == AUTO or (method in METHODS and METHODS[method].is_test):
        assert p_value is not None
        gate = effect_threshold is None or (effect is not None and effect >= effect_threshold)
        signals.append(("distribution", p_value, gate))
    elif stat is not None and threshold is not None and stat >= threshold:
        fixed.append("distribution")

    missing_p = None
    if numbers.missing is not None:
        missing_p, h = numbers.missing
        signals.append(("missing_share", missing_p, h >= settings.missing_effect_threshold))
    unseen_p, unseen_share = numbers.unseen_p_value, numbers.unseen_share
    if unseen_share is not None and unseen_p is not None:
        signals.append(
            ("unseen_categories", unseen_p, unseen_share >= settings.unseen_share_threshold)
        )
    column = ColumnDrift(
        name=name,
        kind=str(spec.kind),
        role=str(spec.role),
        method=used_method,
        statistic=stat,
        p_value=p_value,
        effect_size=effect,
        effect_size_method=numbers.effect_size_method,
        threshold=threshold,
        effect_size_threshold=effect_threshold,
        drifted=False,
        n_reference=counts.n_reference,
        n_current=counts.n_current,
        missing_share_reference=share_of(counts.missing_reference, counts.n_reference),
        missing_share_current=share_of(counts.missing_current, counts.n_current),
        missing_p_value=missing_p,
        unseen_share=unseen_share,
        unseen_p_value=unseen_p,
        unseen_examples=counts.unseen_examples,
        skipped=numbers.skipped,
        note=note,
        summary=None if numbers.skipped or summary is None else summary(),
    )
    alpha = settings.alpha
    if given is not None and (method == AUTO or METHODS[method].is_test):
        alpha = float(given)
    return ColumnSignals(column, signals, fixed, warnings, alpha)


def decide(tested: Sequence[ColumnSignals], settings: DriftSettings) -> list[ColumnDrift]:
    """Turn signals into verdicts: Bonferroni within a column, the chosen correction across them.

    A column's decision p-value is the smallest Bonferroni-adjusted p-value among its signals
    whose effect size passed its floor; signals whose effect is negligible never fire.
    """
    decision_p = np.ones(len(tested))
    alphas = np.array([t.alpha for t in tested], dtype=np.float64)
    for i, t in enumerate(tested):
        k = max(len(t.signals), 1)
        gated = [min(p * k, 1.0) for _, p, gate in t.signals if gate]
        if gated:
            decision_p[i] = min(gated)
    m = sum(1 for t in tested if t.signals)
    if settings.correction == "bonferroni" and m:
        cutoffs = alphas / m
    elif settings.correction == "bh" and m:
        # Benjamini-Hochberg step-up over the columns that have a p-value signal.
        has = np.array([bool(t.signals) for t in tested])
        adjusted = np.ones(len(tested))
        adjusted[has] = sps.false_discovery_control(decision_p[has], method="bh")
        rejected_p = decision_p[has & (adjusted < alphas)]
        # Step-up: every column at or below the largest rejected p-value is rejected.
        limit = np.nextafter(rejected_p.max(), np.inf) if rejected_p.size else -1.0
        cutoffs = np.full(len(tested), limit)
    else:
        cutoffs = alphas
    out: list[ColumnDrift] = []
    for i, t in enumerate(tested):
        k = max(len(t.signals), 1)
        fired = list(t.fixed_signals)
        fired += [s for s, p, gate in t.signals if gate and min(p * k, 1.0) < cutoffs[i]]
        out.append(
            replace(
                t.column,
                drifted=bool(fired),
                signals=tuple(fired),
                # None when no signal's effect passed its floor: no p-value could decide.
                decision_p_value=(
                    float(decision_p[i]) if any(gate for _, _, gate in t.signals) else None
                ),
            )
        )
    return out


# ---------------------------------------------------------------------------------------------
# multivariate


@dataclass(frozen=True)
class _MultivariateReference:
    """The reference side of the whole-table tests for one seed: the encoded reference rows
    (and how to encode current rows alike), the generator's state after drawing them (current
    rows are drawn next), and the MMD's reference side when the reference is large enough."""

    encoding: FeatureEncoding
    rng_state: dict[str, Any]
    mmd: FourierReference | None


def _multivariate_usable(specs: Sequence[ColumnSpec]) -> list[ColumnSpec]:
    # Ids, paths, free text and bytes tell every row apart, so they would tell the two sides
    # apart too: only columns with a distribution to compare enter (`encode_features` also
    # drops categorical columns whose values turn out to be nearly all distinct).
    return [
        s
        for s in specs
        if s.role is ColumnRole.FEATURE
        and s.kind in (ColumnKind.NUMERICAL, ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN)
    ]


def _multivariate_reference(
    reference: pd.DataFrame, specs: Sequence[ColumnSpec], seed: int, cache: ReferenceCache
) -> _MultivariateReference:
    usable = _multivariate_usable(specs)

    def make() -> _MultivariateReference:

        rng = np.random.default_rng(seed)
        encoding = fit_encoding(
            reference, usable, sample_rows(len(reference), _CLASSIFIER_ROWS, rng)
        )
        mmd = None
        if encoding.columns:
            mmd = FourierReference.build(
                encoding.reference, max_samples=_MMD_ROWS, n_features=_MMD_FEATURES, seed=seed
            )
        return _MultivariateReference(encoding, copy.deepcopy(dict(rng.bit_generator.state)), mmd)

    key = ("<whole-table tests>", seed, tuple(s.name for s in usable))
    found: _MultivariateReference = cache.get_or_make(key, make)
    return found


def _multivariate(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    specs: Sequence[ColumnSpec],
    settings: DriftSettings,
    cache: ReferenceCache | None = None,
) -> tuple[MultivariateDrift, ...]:
    from driftscope.stats.multivariate import discriminant_test, mmd_rbf

    if not _multivariate_usable(specs):
        return ()
    side = _multivariate_reference(reference, specs, settings.seed, cache or ReferenceCache())
    rng = np.random.default_rng(settings.seed)
    rng.bit_generator.state = side.rng_state
    ref_x = side.encoding.reference
    cur_x = side.encoding.transform(current, sample_rows(len(current), _CLASSIFIER_ROWS, rng))
    names = side.encoding.names
    if not names or len(ref_x) < 10 or len(cur_x) < 10:
        return ()
    a = settings.alpha

    def mmd() -> StatResult:
        if side.mmd is not None:
            return side.mmd.test(cur_x)
        return mmd_rbf(
            ref_x, cur_x, max_samples=_MMD_ROWS, n_features=_MMD_FEATURES, seed=settings.seed
        )

    # A quadratic discriminant on the few features that differ most: a few milliseconds where
    # gradient-boosted trees took tens, with at least their power on moved means, correlations
    # and category shares (a little less on a changed spread; benchmarks/RESULTS.md).
    classified = discriminant_test(ref_x, cur_x, max_samples=_CLASSIFIER_ROWS, seed=settings.seed)
    mmd_result = mmd()
    tests = (
        (
            mmd_result,
            _MMD_ROWS,
            f"MMD^2 with an RBF kernel (median-heuristic bandwidth from reference rows outside "
            f"the test, {_MMD_FEATURES} random Fourier features), permutation p-value; the "
            "statistic is near 0 without drift and smaller for the same move the more columns "
            "there are, so the effect size that decides is the domain classifier's AUC",
        ),
        (
            classified,
            _CLASSIFIER_ROWS,
            "held-out ROC-AUC of a classifier telling current from reference (a linear "
            "discriminant on the 5 columns, squares or pairwise products that differ most); an "
            "effect size, 0.5 for no drift, 1.0 for sides that never overlap",
        ),
    )
    return tuple(
        MultivariateDrift(
            method=result.method,
            statistic=result.statistic,
            p_value=result.p_value,
            threshold=a,
            drifted=bool(result.p_value is not None and result.p_value < a),
            n_reference=min(len(ref_x), rows),
            n_current=min(len(cur_x), rows),
            columns=tuple(names),
            note=note,
        )
        for result, rows, note in tests
    )


# ---------------------------------------------------------------------------------------------


def run_drift(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    schema: Schema,
    settings: DriftSettings,
    cache: ReferenceCache | None = None,
) -> tuple[DriftResult, dict[str, float]]:
    """Test every column the schema marks as feature, target or prediction.

    Returns the result and the time spent in each stage, in seconds.
    """
    import time

    timings: dict[str, float] = {}
    start = time.perf_counter()
    columns: list[ColumnDrift] = []
    warnings: list[str] = []
    to_test: list[ColumnSpec] = []
    for spec in schema:
        if spec.role is ColumnRole.IGNORED:
            continue
        if not is_tested(spec):
            # Listed, not tested, so a reader sees every column and why it was left out.
            ref, cur = reference[spec.name], current[spec.name]
            counts = ColumnCounts(len(ref), len(cur), int(ref.isna().sum()), int(cur.isna().sum()))
            columns.append(excluded_column(spec, exclusion_note(spec), counts))
            continue
        to_test.append(spec)

    scratch: dict[int, _Scratch] = {}
    # One path for a reference prepared ahead and one seen once: the same numbers either way.
    reference_side = ReferenceCache(retain=False) if cache is None else cache

    def work(spec: ColumnSpec) -> ColumnSignals:
        mine = scratch.setdefault(threading.get_ident(), _Scratch())
        prep = _prepare(
            spec, reference[spec.name], current[spec.name], settings, mine, reference_side
        )
        return _test_column(prep, settings)

    def multivariate_task() -> tuple[tuple[MultivariateDrift, ...], float]:
        t0 = time.perf_counter()
        found = _multivariate(reference, current, to_test, settings, reference_side)
        return found, time.perf_counter() - t0

    multivariate: tuple[MultivariateDrift, ...] = ()
    n_jobs = settings.n_jobs or _default_jobs(reference_side, to_test, len(reference), len(current))
    if n_jobs > 1 and len(to_test) > 1:
        with ThreadPoolExecutor(max_workers=n_jobs) as pool:
            # The multivariate tests are the longest single task: start them first so they
            # overlap the per-column work instead of running alone at the end.
            pending = pool.submit(multivariate_task) if settings.multivariate else None
            tested = list(pool.map(work, to_test))
            timings["columns"] = time.perf_counter() - start
            if pending is not None:
                multivariate, timings["multivariate"] = pending.result()
    else:
        tested = [work(spec) for spec in to_test]
        timings["columns"] = time.perf_counter() - start
        if settings.multivariate:
            multivariate, timings["multivariate"] = multivariate_task()
    for t in tested:
        warnings.extend(t.warnings)
    decided = decide(tested, settings)
    order = {spec.name: i for i, spec in enumerate(schema)}
    columns = sorted([*columns, *decided], key=lambda c: order[c.name])

    multivariate = _judge_multivariate(multivariate, settings)
    dataset = dataset_verdict(columns, multivariate, settings)
    return DriftResult(tuple(columns), dataset, multivariate, tuple(warnings)), timings


# Rows a column's tests must read (current, plus the reference unless it is prepared) below
# which threads do not pay: the work is then mostly Python per column, and threads only take
# turns with the GIL (on 5,000-row chunks against a prepared reference, one thread was 15%
# faster than two; benchmarks/RESULTS.md).
_THREADED_ROWS = 50_000


def is_tested(spec: ColumnSpec) -> bool:
    """Whether the drift analysis tests a column (not ignored: that is left out entirely)."""
    return spec.role in _TESTED_ROLES and spec.kind not in _UNTESTED_KINDS


def exclusion_note(spec: ColumnSpec) -> str:
    """Why a column the analysis lists is not tested."""
    if spec.kind is ColumnKind.ID or spec.role is ColumnRole.ID:
        why = "an id"
    elif spec.kind is ColumnKind.BINARY:
        why = "raw bytes"
    elif spec.role is ColumnRole.TIMESTAMP:
        why = "the timestamp"
    else:
        why = "a datetime (time always moves)"
    note = spec.note if spec.note and "excluded" in spec.note else None
    return note or f"{why}: excluded from drift" + (f" ({spec.note})" if spec.note else "")


def _default_jobs(
    cache: ReferenceCache, specs: Sequence[ColumnSpec], n_reference: int, n_current: int
) -> int:
    prepared = cache.retain and all(cache.has(_reference_key(spec)) for spec in specs)
    rows = n_current + (0 if prepared else n_reference)
    return min(os.cpu_count() or 1, 8) if rows >= _THREADED_ROWS else 1


def _reference_key(spec: ColumnSpec) -> tuple[str, str]:
    numerical = spec.kind in (ColumnKind.NUMERICAL, ColumnKind.TEXT)
    return (spec.name, "numerical" if numerical else "categorical")


def require_tested(result: DriftResult, reference: str, current: str) -> None:
    """Refuse a run in which no column could be tested: "no drift in 0 of 0 columns" would
    pass ``--fail-on-drift`` while nothing was compared."""
    if result.dataset.n_columns or any(not c.skipped for c in result.columns):
        return
    empty = [c.name for c in result.columns if c.skipped][:10]
    raise EmptyDataError(
        f"No column of the reference {reference!r} and the current data {current!r} could be "
        "tested: every column is missing on one side, or is an id, a timestamp or ignored"
        + (f" ({', '.join(map(repr, empty))})" if empty else "")
        + ". Expected at least one column with values on both sides."
    )


def _judge_multivariate(
    found: Sequence[MultivariateDrift], settings: DriftSettings
) -> tuple[MultivariateDrift, ...]:
    """Decide the whole-table tests: Bonferroni between those that ran, and an effect floor.

    The domain classifier's held-out AUC is the effect size of the whole table: it reads on one
    scale for any mix of columns (0.5: indistinguishable, 1: fully separated), so it gates both
    tests. Without it (too few rows to train the classifier) no whole-table test can call drift.
    """
    if not found:
        return ()
    level = settings.alpha / len(found)
    auc = next((m.statistic for m in found if m.method == "domain_classifier"), None)
    floor = settings.multivariate_effect_threshold
    large = auc is not None and auc >= floor
    return tuple(
        replace(
            m,
            threshold=level,
            effect_size=auc,
            effect_size_method=None if auc is None else "domain_classifier_auc",
            effect_size_threshold=floor,
            drifted=bool(large and m.p_value is not None and m.p_value < level),
        )
        for m in found
    )


def dataset_columns(columns: Sequence[ColumnDrift]) -> list[ColumnDrift]:
    """The columns the dataset rule counts: tested features (a skipped feature counts when a
    signal, such as unseen categories, still fired on it)."""
    feature = str(ColumnRole.FEATURE)
    return [c for c in columns if c.role == feature and (not c.skipped or c.signals)]


def dataset_verdict(
    columns: Sequence[ColumnDrift],
    multivariate: Sequence[MultivariateDrift],
    settings: DriftSettings,
) -> DatasetDrift:
    """The dataset verdict and the one sentence that states it, with its numbers.

    Dataset drift is drift of the inputs, P(X): the share counts features only, as the
    whole-table tests do. Target, prediction and probability columns are tested and shown, and
    are label and prediction drift, each its own finding."""
    counted = dataset_columns(columns)
    noun = "columns" if all(c.role == str(ColumnRole.FEATURE) for c in columns) else "features"
    n_drifted = sum(c.drifted for c in counted)
    share = n_drifted / len(counted) if counted else 0.0
    by_share = bool(counted) and share >= settings.drift_share
    fired = [m for m in multivariate if m.drifted]
    signals = (*(("column_share",) if by_share else ()), *(("multivariate",) if fired else ()))
    columns_text = (
        f"{n_drifted} of {len(counted)} {noun} drifted "
        f"({share:.0%}; threshold {settings.drift_share:.0%})"
    )
    auc = next((m.effect_size for m in multivariate if m.effect_size is not None), None)
    floor = settings.multivariate_effect_threshold
    if not multivariate:
        table_text = ""
    elif auc is None:
        table_text = "the whole-table tests could not measure an effect (too few rows)"
    elif fired:
        p = min(m.p_value for m in fired if m.p_value is not None)
        table_text = (
            f"the whole-table tests tell current from reference (domain-classifier AUC "
            f"{auc:.2f} >= {floor:g}, p = {p:.2g})"
        )
    elif any(m.p_value is not None and m.p_value < m.threshold for m in multivariate):
        table_text = (
            f"the whole-table tests find a joint shift too small to matter (domain-classifier "
            f"AUC {auc:.2f} < {floor:g})"
        )
    else:
        table_text = (
            f"the whole-table tests do not tell current from reference (domain-classifier AUC "
            f"{auc:.2f})"
        )
    if by_share and fired:
        summary = f"Dataset drift: {columns_text}, and {table_text}."
    elif by_share:
        summary = f"Dataset drift: {columns_text}" + (f"; {table_text}." if table_text else ".")
    elif fired:
        summary = f"Dataset drift: {table_text}, though only {columns_text}."
    else:
        summary = f"No dataset drift: {columns_text}" + (f"; {table_text}." if table_text else ".")
    return DatasetDrift(
        drifted=bool(signals),
        drift_share=share,
        n_drifted=n_drifted,
        n_columns=len(counted),
        drift_share_threshold=settings.drift_share,
        correction=settings.correction,
        rule=decision_rules(settings)["dataset"],
        signals=signals,
        multivariate_effect=auc,
        multivariate_effect_threshold=floor if multivariate else None,
        summary=summary,
    )
