"""Free-text columns inside any table: each becomes text features (lengths, out-of-vocabulary
rate, character shares) that the drift core tests beside it."""

from __future__ import annotations

from typing import Any

import pandas as pd

from driftscope.data.schema import ColumnKind, ColumnRole, ColumnSpec, Schema

__all__ = ["expand_text_columns"]

#: Features added per text column; its length in characters is already how the column itself
#: is tested.
_ADDED = (
    ("length_tokens", ColumnKind.NUMERICAL),
    ("oov_rate", ColumnKind.NUMERICAL),
    ("non_ascii_share", ColumnKind.NUMERICAL),
    ("digit_share", ColumnKind.NUMERICAL),
    ("punctuation_share", ColumnKind.NUMERICAL),
    ("uppercase_share", ColumnKind.NUMERICAL),
    ("empty", ColumnKind.BOOLEAN),
)


def expand_text_columns(
    reference: pd.DataFrame, current: pd.DataFrame, schema: Schema
) -> tuple[pd.DataFrame, pd.DataFrame, Schema]:
    """Add ``<column>.<feature>`` columns for every free-text feature column on both sides.

    >>> import pandas as pd
    >>> from driftscope.data.infer import infer_schema
    >>> ref = pd.DataFrame({"review": ["a fine long review of the product"] * 4})
    >>> cur = pd.DataFrame({"review": ["UNE CRITIQUE TRÈS LONGUE DU PRODUIT"] * 4})
    >>> schema, _ = infer_schema(ref, cur, Schema((ColumnSpec("review", kind="text"),)))
    >>> ref2, cur2, schema2 = expand_text_columns(ref, cur, schema)
    >>> float(cur2["review.oov_rate"].iloc[0]), float(cur2["review.uppercase_share"].iloc[0])
    (1.0, 1.0)
    """
    from driftscope.modalities.text import text_feature_pair

    text_columns = [
        spec.name
        for spec in schema
        if spec.kind is ColumnKind.TEXT
        and spec.role is ColumnRole.FEATURE
        and spec.name in reference.columns
        and spec.name in current.columns
    ]
    if not text_columns:
        return reference, current, schema
    ref_new: dict[str, Any] = {}
    cur_new: dict[str, Any] = {}
    for column in text_columns:
        ref_features, cur_features = text_feature_pair(reference[column], current[column])
        for feature, kind in _ADDED:
            name = f"{column}.{feature}"
            if name in reference.columns or name in current.columns or name in schema:
                continue
            ref_new[name] = ref_features[feature].to_numpy()
            cur_new[name] = cur_features[feature].to_numpy()
            schema = schema.with_column(
                ColumnSpec(
                    name=name,
                    kind=kind,
                    role=ColumnRole.FEATURE,
                    note=f"from text column {column!r}",
                )
            )
    return reference.assign(**ref_new), current.assign(**cur_new), schema
