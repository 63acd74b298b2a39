"""Typed results of the drift analysis. Renderers read these; they compute nothing."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = [
    "ColumnDrift",
    "ColumnSummary",
    "DatasetDrift",
    "DriftResult",
    "MultivariateDrift",
]


def _clean(value: Any) -> Any:
    """JSON has no NaN or inf: map them to null so every report is valid JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


@dataclass(frozen=True, slots=True)
class ColumnSummary:
    """What a plot needs, built from counts: never raw rows.

    For numerical columns ``edges`` holds the shared bin edges (len(bins) + 1); for categorical
    ones ``categories`` names the bars (the most frequent ones, the rest pooled as ``"(other)"``).
    Counts exclude missing values.
    """

    reference_counts: tuple[int, ...]
    current_counts: tuple[int, ...]
    edges: tuple[float, ...] | None = None
    categories: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class ColumnDrift:
    """The drift verdict for one column, with every number behind it."""

    name: str
    kind: str
    role: str
    method: str
    statistic: float | None
    p_value: float | None
    effect_size: float | None
    effect_size_method: str | None
    threshold: float | None
    effect_size_threshold: float | None
    drifted: bool
    n_reference: int
    n_current: int
    missing_share_reference: float
    missing_share_current: float
    signals: tuple[str, ...] = ()
    missing_p_value: float | None = None
    unseen_share: float | None = None
    unseen_p_value: float | None = None
    unseen_examples: tuple[str, ...] = ()
    decision_p_value: float | None = None
    skipped: bool = False
    note: str | None = None
    summary: ColumnSummary | None = None
    # From profiles (`driftscope.analyses.profiled`): whether the numbers are those of the rows
    # (``exact``), else the bounds within which the rows' numbers lie, what they rest on
    # (``bound_note``), and whether a number within its bounds could flip the decision.
    exact: bool = True
    statistic_bounds: tuple[float, float] | None = None
    p_value_bounds: tuple[float, float] | None = None
    effect_size_bounds: tuple[float, float] | None = None
    decision_uncertain: bool = False
    bound_note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["signals"] = list(self.signals)
        data["unseen_examples"] = list(self.unseen_examples)
        return dict(_clean(data))


@dataclass(frozen=True, slots=True)
class MultivariateDrift:
    """A dataset-level test on all usable columns at once, on a bounded seeded subsample.

    ``threshold`` is the significance level the p-value is held to (``alpha`` shared by the
    whole-table tests that ran, Bonferroni). ``effect_size`` is the whole table's effect size, the
    domain classifier's held-out ROC-AUC, the same for every whole-table test; ``drifted`` needs
    ``p_value < threshold`` and ``effect_size >= effect_size_threshold``.
    """

    method: str
    statistic: float | None
    p_value: float | None
    threshold: float
    drifted: bool
    n_reference: int
    n_current: int
    columns: tuple[str, ...]
    note: str | None = None
    effect_size: float | None = None
    effect_size_method: str | None = None
    effect_size_threshold: float | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["columns"] = list(self.columns)
        return dict(_clean(data))


@dataclass(frozen=True, slots=True)
class DatasetDrift:
    """Dataset drift: the share of drifted columns against ``drift_share_threshold``, or a
    whole-table test that finds a shift large enough to matter.

    ``signals`` names what fired (``"column_share"``, ``"multivariate"``); ``summary`` is the one
    sentence every renderer shows as the headline, so the terminal, the HTML and the JSON say the
    same thing as ``drifted`` (and the exit code of ``--fail-on-drift``).
    """

    drifted: bool
    drift_share: float
    n_drifted: int
    n_columns: int
    drift_share_threshold: float
    correction: str | None
    rule: str
    signals: tuple[str, ...] = ()
    multivariate_effect: float | None = None
    multivariate_effect_threshold: float | None = None
    summary: str = ""
    #: From profiles: whether numbers within their bounds could give the other verdict.
    decision_uncertain: bool = False

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["signals"] = list(self.signals)
        return dict(_clean(data))


@dataclass(frozen=True)
class DriftResult:
    columns: tuple[ColumnDrift, ...]
    dataset: DatasetDrift
    multivariate: tuple[MultivariateDrift, ...] = ()
    warnings: tuple[str, ...] = field(default=())

    def column(self, name: str) -> ColumnDrift:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def drifted_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.drifted]
