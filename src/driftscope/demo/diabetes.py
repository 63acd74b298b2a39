"""The diabetes demo: a regression of disease progression on scikit-learn's bundled diabetes
data (442 patients, no download), joined from week 4 by a new clinic whose patients are older
and heavier and progress faster than the model predicts for them.

The model is a linear regression fitted on 240 patients; the baseline is the other 202 with the
model's predictions. Production draws each week's patients from them again (with replacement,
the blood measurements jittered by a fiftieth of their spread), so healthy weeks look like the
baseline. From week 4 a share of each week's patients (30%, then 45%, then 60%) come from the
``south`` clinic: 12 years older, a BMI 4 higher, a blood pressure 8 higher, and progressing 60
points beyond what the model predicts from those measurements.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from driftscope.demo._data import (
    SHIFT_FROM_WEEK,
    WEEKS,
    DemoData,
    DemoModel,
    parquet,
    rows,
    weekly,
)

__all__ = ["DIABETES"]

#: scikit-learn's names of the six blood serum measurements, as the demo names them.
_SERUM = {
    "s1": "cholesterol",
    "s2": "ldl",
    "s3": "hdl",
    "s4": "cholesterol_hdl_ratio",
    "s5": "log_triglycerides",
    "s6": "glucose",
}
#: The share of each week's patients from the new clinic, from week 4 on.
SOUTH_SHARE = {4: 0.3, 5: 0.45, 6: 0.6}
ROWS_PER_WEEK = 150


def _diabetes(size: float, seed: int = 0) -> DemoData:
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import LinearRegression

    rng = np.random.default_rng(seed)
    data = load_diabetes(scaled=False, as_frame=True).frame.rename(columns=_SERUM)
    features = [c for c in data.columns if c != "target"]
    order = rng.permutation(len(data))
    train, held_out = order[:240], order[240:]
    model = LinearRegression().fit(data.iloc[train][features], data.iloc[train]["target"])
    spread = data[features].std()

    def frame(patients: pd.DataFrame, progression: np.ndarray, clinic: np.ndarray) -> pd.DataFrame:
        out = patients[features].copy()
        out.insert(0, "clinic", clinic)
        out["predicted_progression"] = model.predict(patients[features]).round(1)
        out["progression"] = progression.round(1)
        return out.reset_index(drop=True)

    base = data.iloc[held_out]
    baseline = frame(base, base["target"].to_numpy(), np.full(len(base), "north", dtype=object))
    files = []
    n = rows(ROWS_PER_WEEK, size)
    for week in range(1, WEEKS + 1):
        drawn = data.iloc[rng.choice(held_out, n, replace=True)].reset_index(drop=True)
        patients = drawn.copy()
        jittered = [c for c in features if c not in ("age", "sex", "cholesterol_hdl_ratio")]
        patients[jittered] += (
            rng.normal(0, 1, (n, len(jittered))) * spread[jittered].to_numpy() / 50
        )
        patients[jittered] = patients[jittered].round(2)
        progression = drawn["target"].to_numpy(dtype=float)
        clinic = np.full(n, "north", dtype=object)
        if week >= SHIFT_FROM_WEEK:
            south = rng.uniform(size=n) < SOUTH_SHARE[week]
            clinic[south] = "south"
            patients.loc[south, "age"] = np.minimum(patients.loc[south, "age"] + 12, 85)
            patients.loc[south, "bmi"] += 4
            patients.loc[south, "bp"] += 8
            # What the model predicts for them already follows their measurements; they
            # progress 60 points faster still.
            shift = model.predict(patients[features]) - model.predict(drawn[features])
            progression = progression + np.where(south, shift + 60, 0.0)
        files.append(parquet(frame(patients, progression, clinic)))
    return DemoData(
        ("baseline.parquet", parquet(baseline)),
        weekly(files, ".parquet"),
        target="progression",
        prediction="predicted_progression",
        benchmarks={"mae": 48.0},
    )


DIABETES = DemoModel(
    "diabetes-progression",
    "regression",
    "Disease progression a year ahead from age, sex, BMI, blood pressure and six blood serum "
    "measurements (scikit-learn's diabetes data). From week 4 a new clinic sends older, heavier "
    "patients who progress faster than the model predicts.",
    _diabetes,
)
