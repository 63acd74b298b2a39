"""The default rule must hold the false-alarm rate at the nominal level on data with no drift,
and must separate negligible from real shifts at large n."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import driftscope

N_SPLITS = 200
ALPHA = 0.05
# A rate at the nominal 5% gives more than this many alarms in 200 splits with probability < 1%.
MAX_ALARMS = int(stats.binom.ppf(0.99, N_SPLITS, ALPHA))


def _no_drift_frames(kind: str, n: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """200 independent columns, reference and current drawn from the same distribution."""
    rng = np.random.default_rng(seed)
    ref: dict[str, object] = {}
    cur: dict[str, object] = {}
    for j in range(N_SPLITS):
        if kind == "numerical":
            draw = lambda size: rng.gamma(2.0, 1.5, size)  # noqa: E731 - skewed on purpose
        elif kind == "categorical":
            # Zipf-like shares with rare categories, so small samples leave cells nearly empty.
            probs = 1.0 / np.arange(1, 16)
            probs /= probs.sum()
            labels = np.array([f"c{i}" for i in range(15)], dtype=object)
            draw = lambda size, p=probs, lab=labels: rng.choice(lab, size=size, p=p)  # noqa: E731
        elif kind == "boolean":
            draw = lambda size: rng.random(size) < 0.3  # noqa: E731
        else:
            raise AssertionError(kind)
        ref[f"col{j}"] = draw(n)
        cur[f"col{j}"] = draw(n)
    return pd.DataFrame(ref), pd.DataFrame(cur)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["numerical", "categorical", "boolean"])
@pytest.mark.parametrize("n", [100, 1_000, 50_000])
def test_false_alarm_rate_at_or_below_nominal(kind: str, n: int) -> None:
    ref, cur = _no_drift_frames(kind, n, seed=n + len(kind))
    schema = {"columns": {c: {"kind": kind} for c in ref.columns}}
    report = driftscope.compare(ref, cur, schema, multivariate=False)
    alarms = sum(c.drifted for c in report.drift.columns)
    assert len(report.drift.columns) == N_SPLITS
    assert alarms <= MAX_ALARMS, f"{alarms} false alarms in {N_SPLITS} no-drift splits"


def test_negligible_shift_is_not_drift_at_one_million_rows() -> None:
    rng = np.random.default_rng(7)
    n = 1_000_000
    ref = pd.DataFrame({"tiny": rng.normal(size=n), "real": rng.normal(size=n)})
    cur = pd.DataFrame({"tiny": rng.normal(0.01, size=n), "real": rng.normal(0.2, size=n)})
    report = driftscope.compare(ref, cur, multivariate=False)
    tiny, real = report.drift.column("tiny"), report.drift.column("real")
    # The test alone would call both shifts significant at this n ...
    assert tiny.p_value is not None
    assert tiny.p_value < ALPHA
    # ... but a 0.01-sd shift is below the effect floor, and a 0.2-sd shift is well above it.
    assert not tiny.drifted
    assert real.drifted
    assert real.effect_size == pytest.approx(0.2, abs=0.01)


def test_detects_known_shifts_at_small_n() -> None:
    rng = np.random.default_rng(3)
    n = 500
    ref = pd.DataFrame(
        {
            "mean_shift": rng.normal(size=n),
            "scale": rng.normal(size=n),
            "cat": rng.choice(["a", "b", "c"], n, p=[0.6, 0.3, 0.1]),
            "stable": rng.normal(size=n),
        }
    )
    cur = pd.DataFrame(
        {
            "mean_shift": rng.normal(0.5, size=n),
            "scale": rng.normal(0, 2.0, size=n),
            "cat": rng.choice(["a", "b", "c"], n, p=[0.3, 0.3, 0.4]),
            "stable": rng.normal(size=n),
        }
    )
    report = driftscope.compare(ref, cur, multivariate=False)
    assert report.drift.drifted_columns == ["mean_shift", "scale", "cat"]
    assert report.drifted


def test_missing_share_change_is_a_drift_signal() -> None:
    rng = np.random.default_rng(5)
    ref = pd.DataFrame({"x": rng.normal(size=2_000)})
    values = rng.normal(size=2_000)
    values[rng.random(2_000) < 0.2] = np.nan
    report = driftscope.compare(ref, pd.DataFrame({"x": values}), multivariate=False)
    col = report.drift.column("x")
    assert col.drifted
    assert col.signals == ("missing_share",)
    assert col.missing_share_current == pytest.approx(0.2, abs=0.03)


def test_unseen_categories_are_a_drift_signal() -> None:
    rng = np.random.default_rng(6)
    ref = pd.DataFrame({"c": rng.choice(["a", "b", "c"], 3_000)})
    cur_values = rng.choice(["a", "b", "c"], 3_000).astype(object)
    cur_values[:150] = "brand-new"
    report = driftscope.compare(ref, pd.DataFrame({"c": cur_values}), multivariate=False)
    col = report.drift.column("c")
    assert "unseen_categories" in col.signals
    assert col.unseen_share == pytest.approx(0.05)
    assert col.unseen_examples == ("brand-new",)
