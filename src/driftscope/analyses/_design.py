"""The input table of the models driftscope learns on a reference (the loss models of direct
loss estimation, the feature-aware calibration of confidence-based estimation): numbers as
floats, categories with the reference's levels, and extra columns such as the prediction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

__all__ = ["Design"]

# scikit-learn's HistGradientBoosting reads at most this many categories of a column as
# categories; a column with more is given to it as codes (most frequent first).
MAX_CATEGORIES = 255


@dataclass(frozen=True)
class Design:
    """The feature columns and, for each categorical one, its reference levels (most frequent
    first); `frame` builds the model's input table for any rows."""

    columns: tuple[str, ...]
    categories: Mapping[str, list[object]]

    @classmethod
    def learn(
        cls, reference: pd.DataFrame, columns: Sequence[str], categorical: Sequence[str]
    ) -> Design:
        levels = {
            name: list(reference[name].astype("string").value_counts().index)
            for name in categorical
        }
        return cls(tuple(columns), levels)

    def frame(
        self, data: pd.DataFrame, extra: Mapping[str, NDArray[np.float64]] | None = None
    ) -> pd.DataFrame:
        out: dict[str, object] = {}
        for name in self.columns:
            if name in self.categories:
                levels = self.categories[name]
                values = data[name].astype("string")
                # A level the reference never had is read as missing (pandas will refuse to
                # make a Categorical of values outside its categories).
                values = values.where(values.isin(levels))
                read = pd.Categorical(values, categories=levels)
                if len(levels) <= MAX_CATEGORIES:
                    out[name] = read
                else:
                    codes = np.asarray(read.codes)
                    out[name] = np.where(codes < 0, np.nan, codes).astype(np.float64)
            else:
                out[name] = pd.to_numeric(data[name], errors="coerce").to_numpy(
                    np.float64, na_value=np.nan
                )
        for name, column in (extra or {}).items():
            out[f"__{name}__"] = column
        return pd.DataFrame(out, index=pd.RangeIndex(len(data)))
