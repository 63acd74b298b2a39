"""Profiles of categorical and boolean columns: exact category counts up to a cap, then a
frequent-items sketch, and an HLL distinct-count sketch throughout."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self

import numpy as np
from datasketches import (
    frequent_items_error_type,
    frequent_strings_sketch,
    hll_sketch,
    hll_union,
    tgt_hll_type,
)
from numpy.typing import NDArray

from driftscope.exceptions import ParameterError
from driftscope.profiles._base import check_mergeable, counted
from driftscope.profiles._settings import ProfileSettings

__all__ = ["BooleanProfile", "CategoricalProfile", "distinct_sketch", "merge_distinct"]

#: Exact (label, count) pairs, sorted by label.
CategoryCounts = tuple[tuple[str, int], ...]


def distinct_sketch(items: Sequence[str], lg_k: int) -> bytes:
    """A compact HLL sketch of ``items`` (each distinct item may appear once or many times)."""
    sketch = hll_sketch(lg_k, tgt_hll_type.HLL_4)
    for item in items:
        sketch.update(item)
    return bytes(sketch.serialize_compact())


def merge_distinct(a: bytes, b: bytes, lg_k: int) -> bytes:
    union = hll_union(lg_k)
    union.update(hll_sketch.deserialize(a))
    union.update(hll_sketch.deserialize(b))
    return bytes(union.get_result(tgt_hll_type.HLL_4).serialize_compact())


@dataclass(frozen=True)
class CategoricalProfile:
    """A mergeable summary of one categorical column, by category label (text).

    ``counts`` holds every category with its count while there are at most
    ``settings.max_categories``; beyond, it is None and ``frequent`` (a serialized DataSketches
    frequent-items sketch) estimates the counts of the frequent ones within `count_error`.
    ``distinct`` is a compact HLL sketch of the labels.

    >>> a = CategoricalProfile.from_counts(["x", "y"], [3, 1], missing=2)
    >>> m = a.merge(CategoricalProfile.from_counts(["y", "z"], [2, 5]))
    >>> m.count, m.missing, m.counts, m.distinct_count
    (11, 2, (('x', 3), ('y', 3), ('z', 5)), 3.0)
    """

    kind: ClassVar[str] = "categorical"

    count: int
    missing: int
    counts: CategoryCounts | None
    frequent: bytes | None = field(repr=False)
    distinct: bytes = field(repr=False)
    settings: ProfileSettings = field(default_factory=ProfileSettings, repr=False)

    @classmethod
    def from_counts(
        cls,
        labels: Sequence[str],
        counts: Sequence[int] | NDArray[np.integer[Any]],
        *,
        missing: int = 0,
        settings: ProfileSettings | None = None,
    ) -> Self:
        """The profile of a column holding ``counts[i]`` rows of ``labels[i]`` (distinct
        labels) and ``missing`` missing rows."""
        settings = settings or ProfileSettings()
        labels = list(map(str, labels))
        weights = np.asarray(counts, dtype=np.int64).ravel()
        if len(labels) != weights.size or len(set(labels)) != len(labels):
            raise ParameterError(
                "A categorical profile takes distinct labels and one count each. Got "
                f"{len(labels)} labels ({len(set(labels))} distinct) and {weights.size} counts."
            )
        present = weights > 0
        if not bool(present.all()):
            labels = [label for label, keep in zip(labels, present.tolist(), strict=True) if keep]
            weights = weights[present]
        distinct = distinct_sketch(labels, settings.distinct_lg_k)
        count = int(weights.sum())
        pairs = zip(labels, weights.tolist(), strict=True)
        if len(labels) <= settings.max_categories:
            return cls(count, missing, tuple(sorted(pairs)), None, distinct, settings)
        # Past the cap the counts are not kept: no sort of a million labels.
        return cls(count, missing, None, _frequent_of(pairs, settings), distinct, settings)

    @classmethod
    def from_values(
        cls,
        values: Sequence[str | None] | NDArray[Any],
        *,
        settings: ProfileSettings | None = None,
    ) -> Self:
        """The profile of an array of labels (None is missing)."""
        array = np.asarray(values, dtype=object).ravel()
        present = np.array([v is not None for v in array], dtype=bool)
        labels, counts = np.unique(array[present].astype(str), return_counts=True)
        return cls.from_counts(
            labels.tolist(), counts, missing=int(array.size - present.sum()), settings=settings
        )

    @classmethod
    def _from_pairs(
        cls, pairs: CategoryCounts, missing: int, distinct: bytes, settings: ProfileSettings
    ) -> Self:
        count = sum(c for _, c in pairs)
        if len(pairs) <= settings.max_categories:
            return cls(count, missing, pairs, None, distinct, settings)
        return cls(count, missing, None, _frequent_of(pairs, settings), distinct, settings)

    @property
    def n(self) -> int:
        return self.count + self.missing

    @property
    def distinct_count(self) -> float:
        """The number of categories: exact while counts are kept, else the HLL estimate."""
        if self.counts is not None:
            return float(len(self.counts))
        return float(hll_sketch.deserialize(self.distinct).get_estimate())

    def distinct_bounds(self, num_std_devs: int = 2) -> tuple[float, float]:
        """Bounds on the number of categories (1, 2 or 3 standard deviations of the HLL)."""
        if self.counts is not None:
            return float(len(self.counts)), float(len(self.counts))
        sketch = hll_sketch.deserialize(self.distinct)
        return float(sketch.get_lower_bound(num_std_devs)), float(
            sketch.get_upper_bound(num_std_devs)
        )

    @property
    def count_error(self) -> float:
        """The most any count from `frequencies` or `top` may be off by (0 while exact)."""
        if self.counts is not None:
            return 0.0
        sketch = frequent_strings_sketch.deserialize(self.frequent)
        return float(sketch.epsilon * sketch.total_weight)

    def frequencies(self) -> dict[str, int]:
        """Count per category: every one, exactly, while counts are kept; else the estimated
        count of each category the frequent-items sketch reports (no false negatives: every
        category above `count_error` is there)."""
        if self.counts is not None:
            return dict(self.counts)
        sketch = frequent_strings_sketch.deserialize(self.frequent)
        rows = sketch.get_frequent_items(frequent_items_error_type.NO_FALSE_NEGATIVES)
        return {str(item): int(estimate) for item, estimate, _low, _high in rows}

    def top(self, n: int = 10) -> list[tuple[str, int]]:
        """The ``n`` most frequent categories with their counts, most frequent first."""
        return sorted(self.frequencies().items(), key=lambda pair: (-pair[1], pair[0]))[:n]

    def merge(self, other: Self) -> Self:
        """The profile of both columns' values together; neither input changes."""
        check_mergeable(self, other)
        settings = self.settings
        distinct = merge_distinct(self.distinct, other.distinct, settings.distinct_lg_k)
        missing = self.missing + other.missing
        if self.counts is not None and other.counts is not None:
            merged = dict(self.counts)
            for label, c in other.counts:
                merged[label] = merged.get(label, 0) + c
            return type(self)._from_pairs(
                tuple(sorted(merged.items())), missing, distinct, settings
            )
        sketch = frequent_strings_sketch.deserialize(self._frequent_bytes())
        sketch.merge(frequent_strings_sketch.deserialize(other._frequent_bytes()))
        return type(self)(
            self.count + other.count, missing, None, bytes(sketch.serialize()), distinct, settings
        )

    def _frequent_bytes(self) -> bytes:
        if self.frequent is not None:
            return self.frequent
        return _frequent_of(self.counts or (), self.settings)

    def to_dict(self) -> dict[str, Any]:
        return {
            **counted(self),
            "distinct": self.distinct_count,
            "exact": self.counts is not None,
            "count_error": self.count_error,
            "top": [{"label": label, "count": c} for label, c in self.top(20)],
        }

    def to_state(self) -> tuple[dict[str, Any], dict[str, bytes]]:
        meta: dict[str, Any] = {
            "count": self.count,
            "missing": self.missing,
            "counts": None if self.counts is None else [list(pair) for pair in self.counts],
        }
        blobs = {"hll": self.distinct}
        if self.frequent is not None:
            blobs["frequent"] = self.frequent
        return meta, blobs

    @classmethod
    def from_state(
        cls, meta: dict[str, Any], blobs: dict[str, bytes], settings: ProfileSettings
    ) -> Self:
        counts = meta["counts"]
        return cls(
            count=int(meta["count"]),
            missing=int(meta["missing"]),
            counts=None if counts is None else tuple((str(lab), int(c)) for lab, c in counts),
            frequent=blobs.get("frequent"),
            distinct=blobs["hll"],
            settings=settings,
        )


def _frequent_of(pairs: Iterable[tuple[str, int]], settings: ProfileSettings) -> bytes:
    sketch = frequent_strings_sketch(settings.frequent_lg_max_map_size)
    for label, c in pairs:
        sketch.update(label, c)
    return bytes(sketch.serialize())


@dataclass(frozen=True)
class BooleanProfile:
    """Counts of true, false and missing values in a boolean column.

    >>> import numpy as np
    >>> p = BooleanProfile.from_values(np.array([True, False, True]), missing=1)
    >>> p.merge(p).n_true, p.true_share
    (4, 0.6666666666666666)
    """

    kind: ClassVar[str] = "boolean"

    n_true: int
    n_false: int
    missing: int
    settings: ProfileSettings = field(default_factory=ProfileSettings, repr=False)

    @classmethod
    def from_values(
        cls, values: NDArray[np.bool_], *, missing: int = 0, settings: ProfileSettings | None = None
    ) -> Self:
        """The profile of ``values`` (booleans, missing rows left out) and ``missing`` rows."""
        array = np.asarray(values, dtype=bool).ravel()
        n_true = int(np.count_nonzero(array))
        return cls(n_true, int(array.size - n_true), int(missing), settings or ProfileSettings())

    @property
    def count(self) -> int:
        return self.n_true + self.n_false

    @property
    def n(self) -> int:
        return self.count + self.missing

    @property
    def true_share(self) -> float:
        return self.n_true / self.count if self.count else float("nan")

    def merge(self, other: Self) -> Self:
        check_mergeable(self, other)
        return type(self)(
            self.n_true + other.n_true,
            self.n_false + other.n_false,
            self.missing + other.missing,
            self.settings,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            **counted(self),
            "n_true": self.n_true,
            "n_false": self.n_false,
        }

    def to_state(self) -> tuple[dict[str, Any], dict[str, bytes]]:
        return {"n_true": self.n_true, "n_false": self.n_false, "missing": self.missing}, {}

    @classmethod
    def from_state(
        cls, meta: dict[str, Any], blobs: dict[str, bytes], settings: ProfileSettings
    ) -> Self:
        return cls(int(meta["n_true"]), int(meta["n_false"]), int(meta["missing"]), settings)
