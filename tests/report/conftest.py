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
        signals=("column_share", "multivariate"),
        multivariate_effect=0.71,
        multivariate_effect_threshold=0.55,
        summary=(
            f"Dataset drift: {len(drifted)} of {len(compared)} columns drifted "
            f"({len(drifted) / len(compared):.0%}; threshold 30%), and the whole-table tests tell "
            "current from reference (domain-classifier AUC 0.71 >= 0.55, p = 0.0004)."
        ),
    )
    multivariate = (
        MultivariateDrift(
            method="domain_classifier",
            statistic=0.71,
            p_value=0.0004,
            threshold=0.05,
            effect_size=0.71,
            effect_size_method="domain_classifier_auc",
            effect_size_threshold=0.55,
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
                signals=("column_share",) if n_drifted / n_columns >= 0.3 else (),
                summary=(
                    ("Dataset drift" if n_drifted / n_columns >= 0.3 else "No dataset drift")
                    + f": {n_drifted} of {n_columns} columns drifted "
                    f"({n_drifted / n_columns:.0%}; threshold 30%)."
                ),
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


# ---------------------------------------------------------------------------------------------
# Monitoring reports: real `driftscope.monitor` runs on built data, so the renderers and the
# schema are held to what the analyses actually produce.

# A feature name a renderer must escape everywhere it appears (tables, reasons, plot labels).
HOSTILE_FEATURE = 'visits <7d> & "web"'
HOSTILE_PLAN = "<b>vip</b>"


def churn_data(seed: int = 0) -> tuple[Any, Any]:
    """Binary churn model: 8 weeks of reference, 6 weeks of current (plus a partial 7th week),
    a covariate shift in ``age``, missing ``income`` and an unseen plan in current, and a concept
    shift (the labelling rule changes) in the last 3 full weeks."""
    import pandas as pd

    rng = np.random.default_rng(seed)

    def frame(
        n: int, start: str, days: float, age_shift: float = 0.0, concept_from: str | None = None
    ) -> pd.DataFrame:
        age = rng.normal(42 + age_shift, 12, n).clip(18, 90)
        income = rng.lognormal(10.5, 0.5, n)
        tenure = rng.gamma(2.0, 12.0, n)
        visits = rng.poisson(5, n).astype(float)
        plan = rng.choice(["basic", "pro", "team"], n, p=[0.55, 0.3, 0.15])
        timestamp = pd.Timestamp(start) + pd.to_timedelta(rng.uniform(0, days, n), unit="D")
        logit = (
            -0.04 * (age - 42)
            - 0.03 * (tenure - 24)
            + 0.25 * (visits - 5)
            + np.where(plan == "pro", 0.6, 0.0)
        )
        p_model = 1.0 / (1.0 + np.exp(-logit))
        true_logit = logit
        if concept_from is not None:
            late = np.asarray(timestamp >= pd.Timestamp(concept_from))
            true_logit = np.where(late, 0.05 * (age - 42) - 0.25 * (visits - 5), logit)
        churned = (rng.random(n) < 1.0 / (1.0 + np.exp(-true_logit))).astype(int)
        data = pd.DataFrame(
            {
                "age": age,
                "income": income,
                "tenure_months": tenure,
                HOSTILE_FEATURE: visits,
                "plan": plan,
                "timestamp": timestamp,
                "churned": churned,
                "predicted": (p_model > 0.5).astype(int),
                "proba_0": 1.0 - p_model,
                "proba_1": p_model,
            }
        )
        return data.sort_values("timestamp", kind="stable").reset_index(drop=True)

    reference = frame(6000, "2025-09-01", 56)
    current = frame(3000, "2025-11-03", 42, age_shift=4.0, concept_from="2025-11-24")
    # A partial seventh week: too few rows to judge, marked in the windows.
    tail = frame(40, "2025-12-15", 2, age_shift=4.0, concept_from="2025-11-24")
    current = pd.concat([current, tail], ignore_index=True)
    current.loc[rng.random(len(current)) < 0.08, "income"] = np.nan
    current.loc[rng.random(len(current)) < 0.02, "plan"] = HOSTILE_PLAN
    return reference, current


def build_monitor_report() -> Report:
    import driftscope

    reference, current = churn_data()
    return driftscope.monitor(
        reference,
        current,
        target="churned",
        prediction="predicted",
        proba_prefix="proba_",
        timestamp="timestamp",
        period="W",
        n_resamples=200,
        reference_name="churn_reference.parquet",
        current_name="churn_current <2025-11>.parquet",
    )


def build_regression_report(seed: int = 1) -> Report:
    """Delivery-time regression, windows of 500 rows, errors growing in the second half."""
    import pandas as pd

    import driftscope

    rng = np.random.default_rng(seed)

    def frame(n: int, drift: float) -> pd.DataFrame:
        distance = rng.gamma(3.0, 2.0, n)
        items = rng.poisson(4, n)
        zone = rng.choice(["north", "south", "centre"], n)
        minutes = 10 + 3.0 * distance + 1.5 * items + rng.normal(0, 4, n)
        # Later rows: the roads got slower, and the model does not know.
        ramp = np.linspace(0.0, 1.0, n) if drift else np.zeros(n)
        minutes = minutes + drift * ramp * distance
        predicted = 10 + 3.0 * distance + 1.5 * items + rng.normal(0, 1, n)
        return pd.DataFrame(
            {
                "distance_km": distance,
                "items": items,
                "zone": zone,
                "minutes": minutes,
                "predicted_minutes": predicted,
            }
        )

    return driftscope.monitor(
        frame(4000, 0.0),
        frame(2500, 2.0),
        target="minutes",
        prediction="predicted_minutes",
        window_size=500,
        n_resamples=200,
        reference_name="deliveries_2025q3.csv",
        current_name="deliveries_2025q4.csv",
    )


def build_multiclass_report(seed: int = 2) -> Report:
    """Three classes with probabilities, windows as 4 equal parts of current, no timestamp."""
    import pandas as pd

    import driftscope

    rng = np.random.default_rng(seed)

    def frame(n: int, shift: float) -> pd.DataFrame:
        x = rng.normal(shift, 1.0, (n, 3))
        scores = x @ np.array([[1.5, -1.0, 0.0], [0.0, 1.2, -1.0], [-0.5, 0.0, 1.4]])
        proba = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
        labels = np.array(["cat", "dog", "fox"])
        truth = np.array([rng.choice(3, p=p) for p in proba])
        return pd.DataFrame(
            {
                "f1": x[:, 0],
                "f2": x[:, 1],
                "f3": x[:, 2],
                "label": labels[truth],
                "pred": labels[proba.argmax(axis=1)],
                "proba_cat": proba[:, 0],
                "proba_dog": proba[:, 1],
                "proba_fox": proba[:, 2],
            }
        )

    return driftscope.monitor(
        frame(3000, 0.0),
        frame(2000, 0.3),
        target="label",
        prediction="pred",
        n_windows=4,
        n_resamples=200,
        reference_name="animals_ref.csv",
        current_name="animals_cur.csv",
    )


def build_unlabelled_report() -> Report:
    """No labels at all (prediction-only monitoring): a model and a verdict, but no performance
    or concept drift sections."""
    import driftscope

    reference, current = churn_data(seed=3)
    return driftscope.monitor(
        reference.drop(columns=["churned"]),
        current.drop(columns=["churned"]),
        prediction="predicted",
        timestamp="timestamp",
        n_resamples=200,
        reference_name="churn_reference.parquet",
        current_name="churn_today.parquet",
    )


def build_estimated_report() -> Report:
    """Labels in the reference, none yet in current: the performance is estimated (CBPE, from
    the calibrated probabilities) week by week, beside the drift."""
    import driftscope

    reference, current = churn_data(seed=4)
    return driftscope.monitor(
        reference,
        current.drop(columns=["churned"]),
        target="churned",
        prediction="predicted",
        proba_prefix="proba_",
        timestamp="timestamp",
        period="W",
        n_resamples=200,
        reference_name="churn_reference.parquet",
        current_name="churn_unlabelled.parquet",
    )


def build_compare_report() -> Report:
    """A drift-only `driftscope.compare` run on the same data: every monitoring section null."""
    import driftscope

    reference, current = churn_data(seed=4)
    return driftscope.compare(
        reference.drop(columns=["timestamp"]),
        current.drop(columns=["timestamp"]),
        reference_name="churn_reference.parquet",
        current_name="churn_current.parquet",
    )


HOSTILE_TEXT = "review <b>\"text\"</b> & 'notes'"


def build_text_report(seed: int = 5) -> Report:
    """A `compare_text` run: the inputs section (files, embedding drift, terms) over a drift
    report; the column's name and the input names must come out escaped."""
    import pandas as pd

    from driftscope.workflows.text import compare_text

    rng = np.random.default_rng(seed)
    words = ["cat", "dog", "fish", "bird", "mouse", "horse", "snake"]
    shares = {
        "reference": [0.4, 0.3, 0.1, 0.1, 0.04, 0.03, 0.03],
        "current": [0.1, 0.1, 0.2, 0.2, 0.2, 0.1, 0.1],
    }
    frames = {
        side: pd.DataFrame(
            {HOSTILE_TEXT: [" ".join(rng.choice(words, 8, p=p)) for _ in range(150)]}
        )
        for side, p in shares.items()
    }
    return compare_text(
        frames["reference"],
        frames["current"],
        column=HOSTILE_TEXT,
        reference_name="reviews <2025>.csv",
        current_name="reviews 'now' & \"then\".csv",
    )


@pytest.fixture(scope="session")
def text_report() -> Report:
    return build_text_report()


@pytest.fixture(scope="session")
def monitor_report() -> Report:
    return build_monitor_report()


@pytest.fixture(scope="session")
def regression_report() -> Report:
    return build_regression_report()


@pytest.fixture(scope="session")
def multiclass_report() -> Report:
    return build_multiclass_report()


@pytest.fixture(scope="session")
def unlabelled_report() -> Report:
    return build_unlabelled_report()


@pytest.fixture(scope="session")
def estimated_report() -> Report:
    return build_estimated_report()


@pytest.fixture(scope="session")
def compare_report() -> Report:
    return build_compare_report()


MONITOR_FIXTURES = (
    "monitor_report",
    "regression_report",
    "multiclass_report",
    "unlabelled_report",
    "estimated_report",
)


@pytest.fixture(params=MONITOR_FIXTURES)
def any_monitor_report(request: pytest.FixtureRequest) -> Report:
    """Each monitoring report in turn."""
    report: Report = request.getfixturevalue(request.param)
    return report


@pytest.fixture
def monitor_dict(monitor_report: Report) -> dict[str, Any]:
    return monitor_report.to_dict()


@pytest.fixture
def monitor_hostile() -> dict[str, str]:
    """The user strings planted in `churn_data` that must come out escaped."""
    return {"feature": HOSTILE_FEATURE, "plan": HOSTILE_PLAN}


@pytest.fixture(scope="session")
def quality_result() -> dict[str, Any]:
    """What `driftscope quality` computes on the churn data: the data-quality checks alone."""
    from driftscope.workflows.quality import quality_report

    reference, current = churn_data(seed=5)
    return quality_report(reference, current).to_dict()


def build_explained_report() -> Report:
    """A monitoring report with an explanations section: a scaled logistic regression on eight
    of the breast-cancer features, explained on both sides; on current, "mean radius" is
    scaled by 1.3, so its importance rises most."""
    import pandas as pd
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    import driftscope
    from driftscope.analyses.explanation import ExplainSettings

    x, y = load_breast_cancer(return_X_y=True, as_frame=True)
    x = x.iloc[:, :8]
    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(x, y)
    frame = pd.concat([x, y.rename("target")], axis=1)
    reference, current = frame.iloc[::2].copy(), frame.iloc[1::2].copy()
    current["mean radius"] = current["mean radius"] * 1.3
    for side in (reference, current):
        side["prediction"] = model.predict(side[x.columns])
    return driftscope.monitor(
        reference,
        current,
        target="target",
        prediction="prediction",
        n_resamples=200,
        explain_model=model,
        explain_settings=ExplainSettings(max_rows=100),
        reference_name="cancer_reference.parquet",
        current_name="cancer_current.parquet",
    )


@pytest.fixture(scope="session")
def explained_report() -> Report:
    return build_explained_report()
