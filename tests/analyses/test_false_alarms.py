"""The default rule must hold the false-alarm rate at the nominal level on data with no drift,
and must separate negligible from real shifts at large n."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.spatial import distance

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


# ---------------------------------------------------------------------------------------------
# categorical effect size: a distance between the two distributions of shares


def _rows(shares: dict[str, float], n: int) -> list[str]:
    """``n`` labels holding exactly the given shares (rounded to whole rows)."""
    return [label for label, share in shares.items() for _ in range(round(share * n))]


def _categorical_effect(reference: list[str], current: list[str]) -> tuple[float, str | None]:
    report = driftscope.compare(
        pd.DataFrame({"c": reference}), pd.DataFrame({"c": current}), multivariate=False
    )
    column = report.drift.column("c")
    assert column.effect_size is not None
    return column.effect_size, column.effect_size_method


@pytest.mark.parametrize(
    ("n_reference", "n_current"), [(1_000, 50_000), (5_000, 2_500), (50_000, 5_000)]
)
def test_categorical_effect_is_the_same_shift_at_any_row_counts(
    n_reference: int, n_current: int
) -> None:
    before = {"a": 0.4, "b": 0.3, "c": 0.2, "d": 0.1}
    after = {"a": 0.3, "b": 0.3, "c": 0.2, "d": 0.2}

    effect, method = _categorical_effect(_rows(before, n_reference), _rows(after, n_current))

    # Total variation distance: half the sum of the absolute changes of the shares.
    shares = np.array([list(before.values()), list(after.values())])
    assert method == "tv"
    assert effect == pytest.approx(distance.cityblock(*shares) / 2, abs=1e-12)
    assert effect == pytest.approx(0.1, abs=1e-12)


def test_a_category_falling_from_10_to_1_percent_is_drift_in_every_5000_row_chunk() -> None:
    rng = np.random.default_rng(11)
    labels = np.array(["rare", "b", "c", "d", "e", "f", "g", "h"])
    before = np.array([0.101, 0.2, 0.2, 0.15, 0.15, 0.1, 0.05, 0.049])
    after = before.copy()
    after[0] = 0.010
    after[1:] *= (1 - after[0]) / after[1:].sum()
    reference = pd.DataFrame({"c": rng.choice(labels, 50_000, p=before)})

    for _ in range(10):
        chunk = pd.DataFrame({"c": rng.choice(labels, 5_000, p=after)})
        column = driftscope.compare(reference, chunk, multivariate=False).drift.column("c")
        assert column.drifted, f"effect {column.effect_size:.3f} below its floor"
        assert column.effect_size == pytest.approx(0.091, abs=0.01)


def test_two_categories_holding_7_5_percent_of_rows_vanishing_is_drift() -> None:
    rng = np.random.default_rng(12)
    labels = np.array(["gone1", "gone2", "x", "y", "z"])
    before = np.array([0.05, 0.025, 0.3, 0.325, 0.3])
    after = np.array([0.0, 0.0, *(before[2:] / before[2:].sum())])
    reference = pd.DataFrame({"c": rng.choice(labels, 50_000, p=before)})
    current = pd.DataFrame({"c": rng.choice(labels, 5_000, p=after)})

    column = driftscope.compare(reference, current, multivariate=False).drift.column("c")

    assert column.drifted
    assert column.effect_size == pytest.approx(0.075, abs=0.01)


def test_negligible_categorical_shift_is_not_drift_at_large_n() -> None:
    rng = np.random.default_rng(13)
    n = 400_000
    reference = pd.DataFrame({"c": rng.choice(["a", "b"], n, p=[0.5, 0.5])})
    current = pd.DataFrame({"c": rng.choice(["a", "b"], n, p=[0.51, 0.49])})

    column = driftscope.compare(reference, current, multivariate=False).drift.column("c")

    # Significant at this n, but one row in a hundred changing category is below the floor.
    assert column.p_value is not None
    assert column.p_value < ALPHA
    assert not column.drifted
