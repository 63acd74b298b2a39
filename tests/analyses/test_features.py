"""`encode_features`: the matrix the whole-table tests (MMD, domain classifier) see."""

from __future__ import annotations

import numpy as np
import pandas as pd

import driftscope
from driftscope.analyses._features import encode_features
from driftscope.data.schema import ColumnKind, ColumnSpec


def _frames(n: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)

    def side(offset: int) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "order_ref": [f"ORD-{k:06d}" for k in range(offset, offset + n)],
                "x": rng.normal(size=n),
                "plan": rng.choice(["a", "b", "c"], n),
            }
        )

    return side(0), side(n)


def test_a_categorical_column_of_distinct_values_is_left_out_of_the_matrix() -> None:
    reference, current = _frames(300, seed=0)
    specs = [
        ColumnSpec("order_ref", kind=ColumnKind.CATEGORICAL),
        ColumnSpec("x", kind=ColumnKind.NUMERICAL),
        ColumnSpec("plan", kind=ColumnKind.CATEGORICAL),
    ]
    rows = np.arange(300)

    ref_x, cur_x, names = encode_features(reference, current, specs, rows, rows)

    # Shares of ~1/300 in the reference and 0 for every (unseen) current value would tell the
    # sides apart on their own.
    assert names == ["x", "plan"]
    assert ref_x.shape == cur_x.shape == (300, 2)


def test_a_few_levels_on_few_rows_stay_in_the_matrix() -> None:
    # 8 levels in 12 rows: more levels than half the rows, but too few to look like ids.
    levels = list("abcdefgh")
    reference = pd.DataFrame({"c": [*levels, *levels[:4]]})
    rows = np.arange(12)
    _, _, names = encode_features(
        reference, reference, [ColumnSpec("c", kind=ColumnKind.CATEGORICAL)], rows, rows
    )
    assert names == ["c"]


def test_an_id_column_forced_to_categorical_does_not_make_a_random_split_drift() -> None:
    reference, current = _frames(284, seed=1)

    report = driftscope.compare(reference, current, {"columns": {"order_ref": "categorical"}})

    assert report.drift.multivariate
    for test in report.drift.multivariate:
        assert test.columns == ("x", "plan")
    # With the column in, the classifier told the sides apart perfectly (AUC 1.0).
    classifier = next(t for t in report.drift.multivariate if t.method == "domain_classifier")
    assert classifier.statistic is not None
    assert classifier.statistic < 0.7
