"""A profile file of format version 1, written by this version and kept: every later driftscope
must read it (docs/profiles.md, "Versions"). When the format changes, bump FORMAT_VERSION and
add a snapshot of the new version beside this one; never rewrite this one.

Written once by `write_snapshot()` (``Profile.save`` of `snapshot_table()` with `SCHEMA` and
`SETTINGS`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from driftscope import Profile, ProfileSettings, profile
from driftscope.profiles import CategoricalProfile, NumericalProfile, TextProfile

SNAPSHOT = Path(__file__).parent / "snapshots" / "profile_v1.profile"
SCHEMA = {
    "columns": {
        "x": "numerical",
        "n": "numerical",
        "city": "categorical",
        "flag": "boolean",
        "when": "datetime",
        "note": "text",
        "y": {"kind": "numerical", "role": "target"},
        "p": {"kind": "numerical", "role": "prediction"},
    }
}
# The settings the kept file was written with (quantile_k was 200 by default then).
SETTINGS = ProfileSettings(quantile_k=200, max_exact_values=20, max_categories=5)


def snapshot_table() -> pd.DataFrame:
    rng = np.random.default_rng(16)
    n = 500
    y = rng.normal(10, 2, n)
    x = rng.normal(size=n)
    x[:7] = np.nan
    x[7] = np.inf
    return pd.DataFrame(
        {
            "x": x,
            "n": rng.integers(0, 4, n).astype(float),
            "city": rng.choice([f"c{i}" for i in range(9)], n),
            "flag": rng.random(n) < 0.25,
            "when": pd.Timestamp("2026-03-01", tz="UTC") + pd.to_timedelta(np.arange(n), "h"),
            "note": [f"word{i % 13} and more" for i in range(n)],
            "y": y,
            "p": y + rng.normal(0, 1, n),
        }
    )


def write_snapshot() -> None:
    profile(snapshot_table(), SCHEMA, settings=SETTINGS).save(SNAPSHOT)


def test_a_version_1_file_still_loads_with_its_numbers() -> None:
    loaded = Profile.load(SNAPSHOT)
    fresh = profile(snapshot_table(), SCHEMA, settings=SETTINGS)
    assert loaded.format_version == 1
    assert loaded.schema == fresh.schema
    assert loaded.settings == SETTINGS
    assert loaded.n_rows == 500
    x = loaded["x"]
    assert isinstance(x, NumericalProfile)
    assert (x.count, x.missing, x.non_finite, x.exact) == (492, 7, 1, None)
    # Recomputed sums may differ in the last bit on another CPU (numpy's SIMD paths).
    fresh_x = fresh["x"]
    assert isinstance(fresh_x, NumericalProfile)
    assert x.moments.count == fresh_x.moments.count
    assert x.moments.mean == pytest.approx(fresh_x.moments.mean, rel=1e-12)
    assert x.moments.m2 == pytest.approx(fresh_x.moments.m2, rel=1e-12)
    assert abs(x.quantile(0.5) - np.nanmedian(snapshot_table()["x"][8:])) < 0.1
    n, fresh_n = loaded["n"], fresh["n"]
    assert isinstance(n, NumericalProfile)
    assert isinstance(fresh_n, NumericalProfile)
    assert n.exact is not None  # 4 values, kept exactly
    assert (n.count, n.exact) == (fresh_n.count, fresh_n.exact)
    assert n.moments.m2 == pytest.approx(fresh_n.moments.m2, rel=1e-12)
    city = loaded["city"]
    assert isinstance(city, CategoricalProfile)
    assert city.counts is None
    assert city.count == 500
    assert round(city.distinct_count) == 9
    assert loaded["flag"] == fresh["flag"]
    assert loaded["when"].min == pd.Timestamp("2026-03-01", tz="UTC").timestamp()
    note = loaded["note"]
    assert isinstance(note, TextProfile)
    assert note.n_tokens == 1500
    assert round(note.distinct_tokens) == 15
    assert loaded.model is not None
    assert fresh.model is not None
    assert (loaded.model.target, loaded.model.prediction, loaded.model.missing) == (
        fresh.model.target,
        fresh.model.prediction,
        fresh.model.missing,
    )
    assert loaded.model.regression is not None
    assert loaded.model.regression.sum_squared_error == pytest.approx(
        fresh.model.regression.sum_squared_error,  # type: ignore[union-attr]
        rel=1e-12,
    )
    assert loaded.model.regression.rmse == pytest.approx(fresh.model.regression.rmse)  # type: ignore[union-attr]
