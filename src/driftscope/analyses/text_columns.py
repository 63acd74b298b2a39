"""Free-text columns inside any table: each becomes text features (lengths, out-of-vocabulary
rate, character shares) that the drift core tests beside it."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from driftscope.data.schema import ColumnKind, ColumnRole, ColumnSpec, Schema

__all__ = ["TextExpansion", "expand_text_columns", "expand_text_reference"]

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


@dataclass(frozen=True)
class TextExpansion:
    """The text columns expanded on the reference, with each one's vocabulary and the feature
    columns added, to add the same features to any current table."""

    vocabularies: Mapping[str, frozenset[str]] = field(default_factory=dict)
    added: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def apply(self, current: pd.DataFrame) -> pd.DataFrame:
        """``current`` with the features of every expanded text column added."""
        from driftscope.modalities.text import text_features

        new: dict[str, Any] = {}
        for column, vocabulary in self.vocabularies.items():
            features = text_features(current[column], vocabulary)
            for name in self.added[column]:
                new[name] = features[name.removeprefix(f"{column}.")].to_numpy()
        return current.assign(**new) if new else current


def expand_text_reference(
    reference: pd.DataFrame, schema: Schema, current_columns: Collection[str]
) -> tuple[pd.DataFrame, Schema, TextExpansion]:
    """The reference side of `expand_text_columns`: ``current_columns`` are the columns of the
    current side (a feature is not added under a name either side already uses)."""
    from driftscope.modalities.text import build_vocabulary, text_feature_pair

    text_columns = [
        spec.name
        for spec in schema
        if spec.kind is ColumnKind.TEXT
        and spec.role is ColumnRole.FEATURE
        and spec.name in reference.columns
        and spec.name in current_columns
    ]
    if not text_columns:
        return reference, schema, TextExpansion()
    ref_new: dict[str, Any] = {}
    vocabularies: dict[str, frozenset[str]] = {}
    added: dict[str, tuple[str, ...]] = {}
    for column in text_columns:
        # The reference's own features: its out-of-vocabulary rate leave-one-out.
        ref_features, _ = text_feature_pair(reference[column], reference[column].iloc[:0])
        vocabularies[column] = build_vocabulary(reference[column])
        names: list[str] = []
        for feature, kind in _ADDED:
            name = f"{column}.{feature}"
            if name in reference.columns or name in current_columns or name in schema:
                continue
            ref_new[name] = ref_features[feature].to_numpy()
            names.append(name)
            schema = schema.with_column(
                ColumnSpec(
                    name=name,
                    kind=kind,
                    role=ColumnRole.FEATURE,
                    note=f"from text column {column!r}",
                )
            )
        added[column] = tuple(names)
    return reference.assign(**ref_new), schema, TextExpansion(vocabularies, added)


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
    reference, schema, expansion = expand_text_reference(reference, schema, set(current.columns))
    return reference, expansion.apply(current), schema
