"""Split current data into time windows (by period, size or count) and learn normal bands."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import stats as sps

from driftscope._shorten import shown
from driftscope._validate import check_float, check_int
from driftscope.analyses.drift import DriftSettings, ReferenceCache, run_drift
from driftscope.analyses.model import ModelColumns
from driftscope.analyses.performance import (
    METRIC_RANGES,
    PRIMARY,
    PerformanceSettings,
    _side,
    metric_label,
    side_metrics,
)
from driftscope.analyses.quality import QualitySettings, run_quality
from driftscope.analyses.results import _clean
from driftscope.data.dates import read_dates
from driftscope.data.schema import Schema
from driftscope.exceptions import ColumnError, invalid_parameter

__all__ = [
    "MetricBand",
    "Window",
    "WindowSettings",
    "WindowsResult",
    "learn_bands",
    "split_windows",
]

PERIODS = {"D": "D", "W": "W", "M": "M", "DAY": "D", "WEEK": "W", "MONTH": "M"}


@dataclass(frozen=True)
class WindowSettings:
    """How to cut current into windows: by calendar ``period`` on the timestamp (D, W or M),
    by ``size`` rows, or into ``count`` equal parts. Windows with fewer than ``min_rows`` rows
    are marked too small and their verdicts ignored; ``k_sigma`` sets the learnt bands."""

    period: str | None = None
    size: int | None = None
    count: int | None = None
    min_rows: int = 100
    k_sigma: float = 3.0

    def __post_init__(self) -> None:
        given = [x for x in (self.period, self.size, self.count) if x is not None]
        if len(given) > 1:
            raise invalid_parameter(
                "WindowSettings", "period/size/count", "only one of them", given
            )
        if self.period is not None and self.period.upper() not in PERIODS:
            raise invalid_parameter("WindowSettings", "period", "one of D, W, M", self.period)
        for name in ("size", "count"):
            value = getattr(self, name)
            check_int("WindowSettings", name, value, low=1, allow_none=True)
        check_int("WindowSettings", "min_rows", self.min_rows, low=1)
        check_float("WindowSettings", "k_sigma", self.k_sigma, low=0, closed="neither")

    @property
    def active(self) -> bool:
        return any(x is not None for x in (self.period, self.size, self.count))

    def describe(self) -> str:
        if self.period is not None:
            return f"period {PERIODS[self.period.upper()]}"
        if self.size is not None:
            return f"{self.size} rows each"
        return f"{self.count} equal parts"


@dataclass(frozen=True)
class MetricBand:
    """Normal range of a per-window value, learnt from reference windows (mean ± k sd)."""

    mean: float
    std: float
    low: float
    high: float
    n_windows: int


@dataclass(frozen=True)
class Window:
    """One window of current data and what each analysis found in it."""

    index: int
    label: str
    start: str | None
    end: str | None
    n_rows: int
    too_small: bool
    drift_share: float | None = None
    n_drifted: int | None = None
    n_columns: int | None = None
    dataset_drifted: bool | None = None
    drifted_columns: tuple[str, ...] = ()
    drift_scores: Mapping[str, float | None] = field(default_factory=dict)
    metrics: Mapping[str, float | None] = field(default_factory=dict)
    out_of_band: tuple[str, ...] = ()
    quality_status: str | None = None
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["drifted_columns"] = list(self.drifted_columns)
        data["out_of_band"] = list(self.out_of_band)
        data["drift_scores"] = dict(self.drift_scores)
        data["metrics"] = dict(self.metrics)
        return dict(_clean(data))


@dataclass(frozen=True)
class WindowsResult:
    """The windows and their bands. ``n_analysed`` counts the windows large enough to analyse
    ("0 of 7 out of band" means nothing when none was), ``n_out_of_band`` those flagged; both
    follow from ``windows``."""

    by: str
    windows: tuple[Window, ...]
    bands: Mapping[str, MetricBand] = field(default_factory=dict)
    note: str | None = None
    n_analysed: int = field(init=False)
    n_out_of_band: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "n_analysed", sum(not w.too_small for w in self.windows))
        object.__setattr__(self, "n_out_of_band", sum(bool(w.out_of_band) for w in self.windows))

    def to_dict(self) -> dict[str, Any]:
        return {
            "by": self.by,
            "n_analysed": self.n_analysed,
            "n_out_of_band": self.n_out_of_band,
            "windows": [w.to_dict() for w in self.windows],
            "bands": {k: dict(_clean(asdict(v))) for k, v in self.bands.items()},
            "note": self.note,
        }


@dataclass(frozen=True)
class WindowSplit:
    """One window of current: its label, its rows (positions in current) and its dates."""

    label: str
    rows: NDArray[np.int64]
    start: str | None
    end: str | None


def parse_timestamps(frame: pd.DataFrame, column: str, side: str) -> tuple[pd.Series, list[str]]:
    """The timestamp column as datetimes, NaT where a row has no date, and a warning counting
    those rows (unreadable values with examples, and empty ones).

    A column where no row has a date is returned all NaT, with a warning that says so; the
    caller decides what it stops (windows by period, change points)."""
    if column not in frame.columns:
        raise ColumnError(f"Timestamp column {shown(column)} is not in the {side} data.")
    read = read_dates(frame[column])
    if not read.n_undated:
        return read.dates, []
    n_rows = len(frame)
    if read.n_undated == n_rows:
        return read.dates, [
            f"Timestamp column {shown(column)} ({side}): none of its {n_rows:,} rows has a date "
            f"({read.describe_undated()}); expected dates such as 2026-01-31 or "
            "2026-01-31T12:00."
        ]
    return read.dates, [
        f"Timestamp column {shown(column)} ({side}): {read.n_undated:,} of {n_rows:,} rows have "
        f"no date ({read.describe_undated()}); those rows are left out of the time windows."
    ]


def split_windows(
    frame: pd.DataFrame, settings: WindowSettings, timestamp: str | None, side: str = "current"
) -> tuple[list[WindowSplit], list[str]]:
    """Row positions of each window, in time order (or row order without a timestamp)."""
    warnings: list[str] = []
    n = len(frame)
    times: pd.Series | None = None
    if timestamp is not None:
        times, warnings = parse_timestamps(frame, timestamp, side)
    if settings.period is not None:
        if times is None:
            raise ColumnError(
                "Windows by period need a timestamp column: pass --timestamp COL "
                "(or timestamp= in Python)."
            )
        freq = PERIODS[settings.period.upper()]
        valid = times.notna().to_numpy()
        naive = times.dt.tz_localize(None) if times.dt.tz is not None else times
        periods = naive[valid].dt.to_period(freq)
        positions = np.flatnonzero(valid)
        codes, uniques = pd.factorize(periods, sort=True)
        order = np.argsort(codes, kind="stable")
        bounds = np.searchsorted(codes[order], np.arange(len(uniques) + 1))
        splits = []
        for i, period in enumerate(uniques):
            rows = positions[order[bounds[i] : bounds[i + 1]]]
            splits.append(
                WindowSplit(
                    str(period),
                    rows.astype(np.int64),
                    period.start_time.isoformat(),
                    period.end_time.isoformat(),
                )
            )
        return splits, warnings
    order = np.argsort(times.to_numpy(), kind="stable") if times is not None else np.arange(n)
    if settings.size is not None:
        edges = [*range(0, n, settings.size), n]
    else:
        count = settings.count or 1
        edges = [round(i * n / count) for i in range(count + 1)]
    splits = []
    for i in range(len(edges) - 1):
        rows = np.sort(order[edges[i] : edges[i + 1]]).astype(np.int64)
        if rows.size == 0:
            continue
        start = end = None
        if times is not None:
            chunk = times.iloc[rows]
            start = None if chunk.isna().all() else chunk.min().isoformat()
            end = None if chunk.isna().all() else chunk.max().isoformat()
        splits.append(WindowSplit(f"rows {edges[i]}-{edges[i + 1] - 1}", rows, start, end))
    return splits, warnings


def learn_bands(
    per_window: Sequence[Mapping[str, float | None]],
    k_sigma: float,
    scale: float = 1.0,
    min_relative_width: float = 0.0,
    ranges: Mapping[str, tuple[float, float]] | None = None,
) -> dict[str, MetricBand]:
    """Normal band of each value over reference windows (at least three): a prediction interval
    for one new window, ``mean ± t * sd * sqrt(1 + 1/n)``, whose coverage is that of ± k sigma
    under a normal law (k = 3: 99.73%) and whose t quantile (n - 1 degrees of freedom) widens it
    when few reference windows estimate the spread.

    ``scale`` multiplies the standard deviation: a metric's spread shrinks as the square root of
    the rows it is measured on, so bands learnt on reference windows of m rows are applied to
    current windows of n rows with ``scale = sqrt(m / n)``. A band is never narrower than
    ``min_relative_width`` times the mean on each side, so a metric that barely varied over a few
    reference windows does not flag changes too small to matter. ``ranges`` maps a metric to the
    range its values can take (accuracy in [0, 1]): its band is clipped to it.

    >>> bands = learn_bands([{"accuracy": 0.90}, {"accuracy": 0.92}, {"accuracy": 0.91}], 3.0)
    >>> round(bands["accuracy"].low, 3), round(bands["accuracy"].high, 3)
    (0.688, 1.132)
    >>> clipped = learn_bands([{"accuracy": 0.90}, {"accuracy": 0.92}, {"accuracy": 0.91}], 3.0,
    ...                       ranges={"accuracy": (0.0, 1.0)})
    >>> round(clipped["accuracy"].low, 3), clipped["accuracy"].high
    (0.688, 1.0)
    """
    names = {name for values in per_window for name in values}
    bands: dict[str, MetricBand] = {}
    for name in sorted(names):
        values = np.array(
            [v for w in per_window if (v := w.get(name)) is not None and math.isfinite(v)],
            dtype=np.float64,
        )
        if values.size < 3:
            continue
        mean, std = float(values.mean()), float(values.std(ddof=1)) * scale
        coverage = 2 * float(sps.norm.cdf(k_sigma)) - 1
        t = float(sps.t.ppf(1 - (1 - coverage) / 2, values.size - 1))
        half = max(t * std * math.sqrt(1 + 1 / values.size), min_relative_width * abs(mean))
        lowest, highest = (ranges or {}).get(name, (-math.inf, math.inf))
        low, high = max(mean - half, lowest), min(mean + half, highest)
        bands[name] = MetricBand(mean, std, low, high, values.size)
    return bands


def utc_if_mixed(frame: pd.DataFrame, column: str | None) -> tuple[pd.DataFrame, list[str]]:
    """``frame`` with ``column`` as UTC datetimes when its strings mix UTC offsets (which pandas
    refuses to parse as one column), so that windows and change points can still use it."""
    if (
        column is None
        or column not in frame.columns
        or pd.api.types.is_datetime64_any_dtype(frame[column].dtype)
    ):
        return frame, []
    try:
        pd.to_datetime(frame[column], errors="coerce", format="mixed")
    except (ValueError, TypeError):
        converted = pd.to_datetime(frame[column], errors="coerce", format="mixed", utc=True)
        frame = frame.assign(**{column: converted})
        return frame, [
            f"Timestamp column {shown(column)} mixes time zones; its dates are compared in UTC."
        ]
    return frame, []


def timestamp_warnings(
    current: pd.DataFrame, timestamp: str | None, windows: WindowSettings
) -> tuple[str | None, list[str]]:
    """The timestamp column when current has dates to cut windows on, with a warning counting
    the rows that have none; when no row has a date, None and one warning saying so, with the
    counts, and what is skipped (drift and performance still run)."""
    if timestamp is None or timestamp not in current.columns:
        return timestamp, []
    times, warnings = parse_timestamps(current, timestamp, "current")
    if len(current) and times.isna().all():
        # Unreadable and empty columns alike: the run goes on without what needs dates.
        if windows.period is not None:
            skipped = f"No time windows by period {windows.period!r} and no change points."
        elif windows.active:
            skipped = "Windows follow row order; change points are skipped."
        else:
            skipped = "Change points are skipped."
        return None, [f"{' '.join(warnings)} {skipped}"]
    return timestamp, warnings


def run_windows(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    schema: Schema,
    model: ModelColumns,
    drift_settings: DriftSettings,
    performance_settings: PerformanceSettings,
    quality_settings: QualitySettings,
    settings: WindowSettings,
    cache: ReferenceCache,
) -> tuple[WindowsResult, list[str], list[WindowSplit]]:
    # The rows without a date were counted once already (`timestamp_warnings`).
    splits, _ = split_windows(current, settings, model.timestamp, "current")
    warnings: list[str] = []
    window_drift = replace(drift_settings, multivariate=False)
    # The model's columns are read and encoded once; each window takes its rows from them.
    current_side = None
    if model.task is not None and model.target is not None and model.prediction is not None:
        current_side = _side(current, model, "current", [])

    def analyse(i: int, split: Any) -> Window:
        part = current.iloc[split.rows]
        if len(part) < settings.min_rows:
            return Window(
                i,
                split.label,
                split.start,
                split.end,
                len(part),
                True,
                note=f"{len(part)} rows, under the minimum {settings.min_rows}: not analysed",
            )
        drift, _ = run_drift(reference, part, schema, window_drift, cache)
        values: dict[str, float | None] = {}
        notes: list[str] = []
        if model.task is not None and current_side is not None:
            side = current_side.subset(split.rows)
            if side.n_labelled > 0:
                point, details = side_metrics(model.task, side, performance_settings, with_ci=False)
                values = {k: v[0] for k, v in point.items()}
                notes = _metric_notes(details.get("notes", {}))
            else:
                notes = ["no row with both a target and a prediction: no metric"]
        quality = run_quality(reference, part, schema, quality_settings)
        return Window(
            index=i,
            label=split.label,
            start=split.start,
            end=split.end,
            n_rows=len(part),
            too_small=False,
            drift_share=drift.dataset.drift_share,
            n_drifted=drift.dataset.n_drifted,
            n_columns=drift.dataset.n_columns,
            dataset_drifted=drift.dataset.drifted,
            drifted_columns=tuple(drift.drifted_columns),
            drift_scores={c.name: c.effect_size for c in drift.columns if not c.skipped},
            metrics=values,
            quality_status=quality.status,
            note="; ".join(notes) or None,
        )

    windows = [analyse(i, split) for i, split in enumerate(splits)]

    # Normal bands for each metric, from windows of the reference cut the same way (by period
    # when the reference has timestamps), or in row chunks when that gives fewer than three.
    def reference_splits(cut: WindowSettings) -> list[Any]:
        try:
            found, _ = split_windows(reference, cut, model.timestamp, "reference")
        except ColumnError:
            return []
        return [sp for sp in found if len(sp.rows) >= settings.min_rows]

    has_times = model.timestamp is not None and model.timestamp in reference.columns
    ref_splits = reference_splits(settings) if settings.period is None or has_times else []
    if len(ref_splits) < 5:
        sizes = [w.n_rows for w in windows if not w.too_small]
        # Ten windows where the reference allows: a spread from three is too rough to trust.
        size = min(int(np.median(sizes)) if sizes else len(reference), len(reference) // 10)
        size = max(size, settings.min_rows)
        if len(reference) >= 3 * size:
            ref_splits = reference_splits(WindowSettings(size=size, min_rows=settings.min_rows))
    per_window: list[dict[str, float | None]] = []
    ref_sizes: list[int] = []
    if model.task is not None and model.target is not None and model.prediction is not None:
        reference_side = _side(reference, model, "reference", [])
        for split in ref_splits if reference_side is not None else []:
            assert reference_side is not None
            side = reference_side.subset(split.rows)
            if side.n_labelled > 0:
                point, _ = side_metrics(model.task, side, performance_settings, with_ci=False)
                per_window.append({k: v[0] for k, v in point.items()})
                ref_sizes.append(side.n_labelled)
    cur_sizes = [w.n_rows for w in windows if not w.too_small]
    scale = 1.0
    if ref_sizes and cur_sizes:
        scale = float(np.sqrt(np.mean(ref_sizes) / np.median(cur_sizes)))
    bands = learn_bands(
        per_window, settings.k_sigma, scale, performance_settings.warning_drop, METRIC_RANGES
    )
    flagged: list[Window] = []
    # Only the task's primary metrics are held to the bands: a dozen correlated metrics over
    # many windows would otherwise raise alarms by sheer number.
    watched = set(PRIMARY.get(model.task, ())) if model.task is not None else set()
    for w in windows:
        out = tuple(
            name
            for name, value in w.metrics.items()
            if value is not None
            and name in watched
            and name in bands
            and not (bands[name].low <= value <= bands[name].high)
        )
        flagged.append(replace(w, out_of_band=out))
    note = None
    if windows and not any(not w.too_small for w in windows):
        note = (
            f"No window was analysed: all {len(windows)} have fewer than {settings.min_rows} rows."
        )
    elif not bands:
        note = "No normal bands: the reference gives fewer than three windows with labels."
    small = sum(w.too_small for w in flagged)
    if small:
        warnings.append(
            f"{small} window(s) have fewer than {settings.min_rows} rows; they are marked, "
            "not analysed."
        )
    return WindowsResult(settings.describe(), tuple(flagged), bands, note), warnings, splits


def _metric_notes(notes: Mapping[str, str]) -> list[str]:
    """Why metrics are missing from a window, one line per reason: "ROC-AUC, PR-AUC: ..."."""
    by_reason: dict[str, list[str]] = {}
    for name, reason in notes.items():
        by_reason.setdefault(reason, []).append(metric_label(name))
    return [f"{', '.join(names)} {reason}" for reason, names in by_reason.items()]
