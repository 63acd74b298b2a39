"""`analyses.drift`: per-column tests against scipy, the dataset rule, the reference cache."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from driftscope.analyses.drift import (
    DriftSettings,
    ReferenceCache,
    dataset_columns,
    decision_rules,
    require_tested,
    run_drift,
)
from driftscope.data.infer import infer_schema
from driftscope.data.schema import ColumnRole, ColumnSpec, Schema
from driftscope.exceptions import EmptyDataError, ParameterError


def _frames(shift: float, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    ref = pd.DataFrame(
        {
            "a": rng.normal(size=2000),
            "b": rng.normal(size=2000),
            "c": rng.choice(["x", "y", "z"], 2000, p=[0.5, 0.3, 0.2]),
        }
    )
    cur = pd.DataFrame(
        {
            "a": rng.normal(shift, size=2000),
            "b": rng.normal(size=2000),
            "c": rng.choice(["x", "y", "z"], 2000, p=[0.5, 0.3, 0.2]),
        }
    )
    return ref, cur


def _run(ref: pd.DataFrame, cur: pd.DataFrame, **settings: object) -> object:
    schema, _ = infer_schema(ref, cur)
    result, timings = run_drift(ref, cur, schema, DriftSettings(**settings))  # type: ignore[arg-type]
    assert timings
    return result


def test_numerical_columns_get_scipys_ks_and_a_moved_mean_is_drift() -> None:
    ref, cur = _frames(0.3)
    result = _run(ref, cur, multivariate=False)
    a = result.column("a")  # type: ignore[attr-defined]
    expected = sps.ks_2samp(ref["a"], cur["a"])
    assert a.method == "ks"
    assert a.statistic == pytest.approx(expected.statistic)
    assert a.p_value == pytest.approx(expected.pvalue, rel=1e-9, abs=1e-300)
    assert a.drifted
    assert not result.column("b").drifted  # type: ignore[attr-defined]
    assert result.column("c").method.startswith("chi2")  # type: ignore[attr-defined]


def test_the_share_rule_counts_features_and_the_summary_quotes_it() -> None:
    ref, cur = _frames(0.3)
    result = _run(ref, cur, multivariate=False, drift_share=0.3)
    dataset = result.dataset  # type: ignore[attr-defined]
    assert (dataset.n_drifted, dataset.n_columns) == (1, 3)
    assert dataset.drifted
    assert dataset.signals == ("column_share",)
    assert dataset.summary.startswith("Dataset drift: 1 of 3 columns drifted (33%")
    assert "30%" in decision_rules(DriftSettings(drift_share=0.3))["dataset"]


def test_a_target_column_is_tested_but_not_counted_in_the_share() -> None:
    ref, cur = _frames(0.0)
    for frame, share in ((ref, 0.2), (cur, 0.6)):
        frame["y"] = np.where(np.random.default_rng(1).random(len(frame)) < share, "1", "0")
    schema, _ = infer_schema(ref, cur, Schema((ColumnSpec(name="y", role=ColumnRole.TARGET),)))
    result, _ = run_drift(ref, cur, schema, DriftSettings(multivariate=False))
    assert result.column("y").drifted
    assert [c.name for c in dataset_columns(result.columns)] == ["a", "b", "c"]
    assert result.dataset.n_columns == 3


def test_the_whole_table_tests_see_a_shift_spread_over_columns() -> None:
    ref, cur = _frames(0.0, seed=2)
    cur[["a", "b"]] = cur[["a", "b"]] + 0.12  # below the per-column floor each
    result = _run(ref, cur, drift_share=0.9)
    assert {m.method for m in result.multivariate} == {"mmd", "domain_classifier"}  # type: ignore[attr-defined]
    assert result.dataset.drifted  # type: ignore[attr-defined]
    assert "multivariate" in result.dataset.signals  # type: ignore[attr-defined]


def test_a_reference_cache_gives_the_same_result() -> None:
    ref, cur = _frames(0.2, seed=3)
    schema, _ = infer_schema(ref, cur)
    settings = DriftSettings(multivariate=True)
    cache = ReferenceCache()
    first, _ = run_drift(ref, cur, schema, settings, cache)
    again, _ = run_drift(ref, cur, schema, settings, cache)
    plain, _ = run_drift(ref, cur, schema, settings)
    assert first.columns == again.columns == plain.columns
    assert first.multivariate == plain.multivariate


def test_nothing_tested_is_an_error_not_no_drift() -> None:
    ref = pd.DataFrame({"id": [f"u{i}" for i in range(200)]})
    cur = pd.DataFrame({"id": [f"v{i}" for i in range(200)]})
    result = _run(ref, cur, multivariate=False)
    with pytest.raises(EmptyDataError, match="No column"):
        require_tested(result, "ref.csv", "cur.csv")  # type: ignore[arg-type]


def test_settings_are_checked_by_name() -> None:
    with pytest.raises(ParameterError, match="alpha"):
        DriftSettings(alpha=2.0)
