"""Reports built from the result dataclasses directly, so renderer tests need no analysis run."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from driftscope.analyses.results import (
    ColumnDrift,
    ColumnSummary,
    DatasetDrift,
    DriftResult,
    MultivariateDrift,
)
from driftscope.data.schema import ColumnKind, ColumnRole, ColumnSpec, Schema
from driftscope.report import Report, RunMetadata

# User strings that must come out escaped: markup, quotes, ampersands, unicode.
HOSTILE_NAME = "<script>alert(\"x\")</script> & 'q' — ñ"
HOSTILE_NOTE = "Looks fine <img src=x onerror=alert(1)>"
HOSTILE_CATEGORY = "</script><!-- <b>vip</b>"
HOSTILE_WARNING = 'Column "<b>bold</b>" has 3 values that are not numbers.'

RULES = {
    "numerical": "Kolmogorov-Smirnov p-value below 0.05 and normalised Wasserstein distance "
    "above 0.1.",
    "categorical": "Chi-squared p-value below 0.05 and Cramér's V above 0.1; unseen categories "
    "count as drift.",
    "column": "A column is drifted when any of its signals (distribution, missing share, unseen "
    "categories) fires.",
    "dataset": "The dataset drifted when at least 30% of the compared columns drifted.",
}


def _edges(lo: float, hi: float, bins: int) -> tuple[float, ...]:
    return tuple(float(x) for x in np.linspace(lo, hi, bins + 1))


def _column(name: str, kind: str = "numerical", **overrides: Any) -> ColumnDrift:
    """A not-drifted numerical feature; ``overrides`` replace any field."""
    fields: dict[str, Any] = {
        "name": name,
        "kind": kind,
        "role": "feature",
        "method": "ks" if kind == "numerical" else "chi2",
        "statistic": 0.021,
        "p_value": 0.64,
        "effect_size": 0.012,
        "effect_size_method": "wasserstein_normed" if kind == "numerical" else "cramers_v",
        "threshold": 0.05,
        "effect_size_threshold": 0.1,
        "drifted": False,
        "n_reference": 48000,
        "n_current": 4000,
        "missing_share_reference": 0.0,
        "missing_share_current": 0.0,
    }
    fields.update(overrides)
    return ColumnDrift(**fields)


def build_report() -> Report:
    """A small, realistic report: drifted and stable, numerical and categorical, one skipped."""
    columns = (
        _column(
            "age",
            statistic=0.2134,
            p_value=1.2e-9,
            effect_size=0.35,
            drifted=True,
            missing_share_reference=0.01,
            missing_share_current=0.052,
            signals=("distribution", "missing_share"),
            missing_p_value=3.4e-6,
            decision_p_value=6.0e-9,
            summary=ColumnSummary(
                reference_counts=(120, 600, 1800, 3000, 3100, 2100, 900, 280, 80, 20),
                current_counts=(10, 60, 200, 500, 900, 1200, 800, 250, 60, 20),
                edges=_edges(18.0, 88.0, 10),
            ),
        ),
        _column(
            "plan",
            kind="categorical",
            statistic=12.3,
            p_value=0.0021,
            effect_size=0.08,
            drifted=True,
            signals=("unseen_categories",),
            unseen_share=0.02,
            unseen_p_value=0.001,
            unseen_examples=("enterprise+", "<b>vip</b>"),
            decision_p_value=0.0105,
            summary=ColumnSummary(
                reference_counts=(400, 300, 150, 50, 0),
                current_counts=(350, 300, 200, 70, 80),
                categories=("basic", "pro", "team", "(other)", HOSTILE_CATEGORY),
            ),
        ),
        _column(
            "income",
            statistic=0.011,
            p_value=0.05,
            effect_size=0.004,
            missing_share_reference=0.2,
            missing_share_current=0.21,
            summary=ColumnSummary(
                reference_counts=(5, 20, 40, 20, 5),
                current_counts=(4, 21, 41, 19, 5),
                edges=(0.0, 20000.0, 40000.0, 60000.0, 80000.0, 100000.0),
            ),
        ),
        _column(
            "basket_value",
            method="psi",
            statistic=0.27,
            p_value=None,
            effect_size=0.15,
            threshold=0.2,
            effect_size_threshold=None,
            drifted=True,
            signals=("distribution",),
            summary=ColumnSummary(
                reference_counts=(50, 30, 20),
                current_counts=(30, 30, 40),
                edges=(0.0, 50.0, 100.0, 150.0),
            ),
        ),
        _column(
            "user_id",
            kind="id",
            role="id",
            method="none",
            statistic=None,
            p_value=None,
            effect_size=None,
            effect_size_method=None,
            threshold=None,
            effect_size_threshold=None,
            n_reference=0,
            n_current=0,
            skipped=True,
            note="an id: excluded from drift",
        ),
        _column(
            HOSTILE_NAME,
            statistic=0.03,
            p_value=0.31,
            effect_size=0.02,
            note=HOSTILE_NOTE,
            summary=ColumnSummary(
                reference_counts=(1, 2, 3), current_counts=(3, 2, 1), edges=(-1.0, 0.0, 1.0, 2.0)
            ),
        ),
        _column(
            "température °C",
            statistic=0.05,
            p_value=0.012,
            effect_size=0.06,
            signals=(),
            summary=ColumnSummary(
                reference_counts=(10, 30, 10),
                current_counts=(12, 28, 10),
                edges=(0.0, 10.0, 20.0, 30.0),
            ),
        ),
        _column(
            "churn",
            kind="categorical",
            role="target",
            statistic=0.4,
            p_value=0.52,
            effect_size=0.01,
            summary=ColumnSummary(
                reference_counts=(4500, 500), current_counts=(3560, 440), categories=("0", "1")
            ),
        ),
    )
    schema = Schema(
        tuple(
            ColumnSpec(
                name=col.name,
                kind=ColumnKind(col.kind),
                role=ColumnRole(col.role),
                method=None if col.method == "none" else col.method,
                threshold=col.threshold,
                note=col.note,
            )
            for col in columns
        )
    )
    compared = [c for c in columns if not c.skipped]
    drifted = [c for c in compared if c.drifted]
    dataset = DatasetDrift(
        drifted=True,
        drift_share=len(drifted) / len(compared),
        n_drifted=len(drifted),
        n_columns=len(compared),
        drift_share_threshold=0.3,
        correction="bh",
        rule=RULES["dataset"],
    )
    multivariate = (
        MultivariateDrift(
            method="domain_classifier",
            statistic=0.71,
            p_value=0.0004,
            threshold=0.05,
            drifted=True,
            n_reference=4000,
            n_current=4000,
            columns=("age", "plan", "income", HOSTILE_NAME),
            note="held-out ROC-AUC of a classifier telling current from reference",
        ),
    )
    warnings = (
        "Column 'user_id' looks like an identifier; it was excluded from drift.",
        HOSTILE_WARNING,
    )
    metadata = RunMetadata(
        reference="data/reference.parquet",
        current="data/current <2026-01>.parquet",
        n_reference_rows=48000,
        n_current_rows=4000,
        created_at="2026-01-15T10:00:00+00:00",
        settings={
            "alpha": 0.05,
            "numerical_effect_threshold": 0.1,
            "categorical_effect_threshold": 0.1,
            "drift_share": 0.3,
            "correction": "bh",
            "methods": {"basket_value": "psi"},
            "thresholds": {},
            "multivariate": True,
            "seed": 0,
        },
        timings={"read": 0.12, "schema": 0.03, "columns": 0.8, "multivariate": 0.4, "total": 1.35},
    )
    return Report(
        drift=DriftResult(
            columns=columns, dataset=dataset, multivariate=multivariate, warnings=warnings
        ),
        schema=schema,
        metadata=metadata,
        rules=dict(RULES),
    )


def build_wide_report(n_columns: int = 100, seed: int = 0) -> Report:
    """``n_columns`` columns, half numerical with 20 bins, half categorical with 8 categories."""
    rng = np.random.default_rng(seed)
    columns = []
    for i in range(n_columns):
        drifted = bool(i % 7 == 0)
        p_value = float(rng.uniform(1e-12, 0.01) if drifted else rng.uniform(0.05, 1.0))
        if i % 2 == 0:
            ref = rng.multinomial(10_000, np.full(20, 1 / 20))
            cur = rng.multinomial(8_000, np.full(20, 1 / 20))
            summary = ColumnSummary(
                reference_counts=tuple(int(x) for x in ref),
                current_counts=tuple(int(x) for x in cur),
                edges=_edges(float(rng.normal()), float(rng.normal()) + 10.0, 20),
            )
            kind = "numerical"
        else:
            ref = rng.multinomial(10_000, np.full(8, 1 / 8))
            cur = rng.multinomial(8_000, np.full(8, 1 / 8))
            summary = ColumnSummary(
                reference_counts=tuple(int(x) for x in ref),
                current_counts=tuple(int(x) for x in cur),
                categories=(*(f"category_{j}" for j in range(7)), "(other)"),
            )
            kind = "categorical"
        columns.append(
            _column(
                f"feature_{i:03d}",
                kind=kind,
                statistic=float(rng.uniform(0, 1)),
                p_value=p_value,
                effect_size=float(rng.uniform(0, 0.5)),
                drifted=drifted,
                n_reference=10_000,
                n_current=8_000,
                missing_share_reference=float(rng.uniform(0, 0.05)),
                missing_share_current=float(rng.uniform(0, 0.05)),
                signals=("distribution",) if drifted else (),
                decision_p_value=min(1.0, p_value * n_columns),
                summary=summary,
            )
        )
    n_drifted = sum(c.drifted for c in columns)
    return Report(
        drift=DriftResult(
            columns=tuple(columns),
            dataset=DatasetDrift(
                drifted=n_drifted / n_columns >= 0.3,
                drift_share=n_drifted / n_columns,
                n_drifted=n_drifted,
                n_columns=n_columns,
                drift_share_threshold=0.3,
                correction=None,
                rule=RULES["dataset"],
            ),
        ),
        schema=Schema(tuple(ColumnSpec(name=c.name, kind=ColumnKind(c.kind)) for c in columns)),
        metadata=RunMetadata(
            reference="wide_reference.csv",
            current="wide_current.csv",
            n_reference_rows=10_000,
            n_current_rows=8_000,
            created_at="2026-01-15T10:00:00+00:00",
            settings={},
        ),
        rules=dict(RULES),
    )


@pytest.fixture
def report() -> Report:
    return build_report()


@pytest.fixture
def report_dict(report: Report) -> dict[str, Any]:
    return report.to_dict()


@pytest.fixture
def hostile() -> dict[str, str]:
    """The user strings planted in `build_report` that must come out escaped."""
    return {
        "name": HOSTILE_NAME,
        "note": HOSTILE_NOTE,
        "category": HOSTILE_CATEGORY,
        "warning": HOSTILE_WARNING,
    }


@pytest.fixture(scope="session")
def wide_report() -> Report:
    return build_wide_report()
