"""The profile of a numerical (or datetime) column: counts, extremes, moments, a KLL quantile
sketch, and the exact distinct values while there are few."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self

import numpy as np
from datasketches import kll_doubles_sketch
from numpy.typing import NDArray

from driftscope.exceptions import ParameterError
from driftscope.profiles._base import check_mergeable, counted, decode_exact, encode_exact
from driftscope.profiles._moments import Moments
from driftscope.profiles._settings import ProfileSettings

__all__ = ["DatetimeProfile", "NumericalProfile"]

#: Exact (value, count) pairs, sorted by value.
ExactValues = tuple[tuple[float, int], ...]


@dataclass(frozen=True)
class NumericalProfile:
    """A mergeable summary of one numerical column.

    ``count`` values are finite; ``missing`` were NaN (or None) and ``non_finite`` were
    ``inf`` or ``-inf``: those are counted and left out of everything else. ``sketch`` is a
    serialized DataSketches KLL sketch of the finite values; ``exact`` holds every distinct
    finite value with its count while there are at most ``settings.max_exact_values`` of them
    (None beyond), and answers quantiles and histograms exactly when present.

    >>> import numpy as np
    >>> a = NumericalProfile.from_values(np.array([1.0, 2.0, np.nan]))
    >>> b = NumericalProfile.from_values(np.array([3.0, np.inf]))
    >>> m = a.merge(b)
    >>> m.n, m.count, m.missing, m.non_finite, m.min, m.max, m.mean
    (5, 3, 1, 1, 1.0, 3.0, 2.0)
    >>> m.quantile(0.5), m.rank_error
    (2.0, 0.0)
    """

    kind: ClassVar[str] = "numerical"

    count: int
    missing: int
    non_finite: int
    min: float | None
    max: float | None
    moments: Moments
    sketch: bytes = field(repr=False)
    exact: ExactValues | None = field(repr=False)
    settings: ProfileSettings = field(default_factory=ProfileSettings, repr=False)

    @classmethod
    def from_values(cls, values: NDArray[Any], *, settings: ProfileSettings | None = None) -> Self:
        """The profile of ``values`` (anything numpy reads as float64; NaN is missing)."""
        settings = settings or ProfileSettings()
        x = np.asarray(values, dtype=np.float64).ravel()
        finite_mask = np.isfinite(x)
        finite = x if bool(finite_mask.all()) else x[finite_mask]
        missing = int(np.count_nonzero(np.isnan(x))) if finite.size < x.size else 0
        # One sort (numpy's, which releases the GIL) gives the extremes and the distinct values,
        # and feeds the KLL sketch sorted: DataSketches' compactions sort their buffers, which
        # is about 2x cheaper on sorted input, and the sketch's error bound holds for any order.
        ordered = np.sort(finite)
        sketch = kll_doubles_sketch(settings.quantile_k)
        if ordered.size:
            sketch.update(ordered)
        return cls(
            count=int(ordered.size),
            missing=missing,
            non_finite=int(x.size - ordered.size - missing),
            min=float(ordered[0]) if ordered.size else None,
            max=float(ordered[-1]) if ordered.size else None,
            # Summed in the values' own order: the moments do not depend on the sort.
            moments=Moments.of(finite),
            sketch=bytes(sketch.serialize()),
            exact=_exact_values(ordered, settings.max_exact_values),
            settings=settings,
        )

    @property
    def n(self) -> int:
        """Every row: finite, missing and non-finite."""
        return self.count + self.missing + self.non_finite

    @property
    def mean(self) -> float:
        """The mean of the finite values; NaN when there are none."""
        return self.moments.mean if self.count else math.nan

    @property
    def variance(self) -> float:
        """The sample variance (``ddof=1``) of the finite values."""
        return self.moments.variance

    @property
    def std(self) -> float:
        return math.sqrt(self.variance)

    @property
    def rank_error(self) -> float:
        """The normalized rank error of `quantile` and `cdf` (99% confidence, DataSketches'
        single-sided bound): 0 while the exact values are kept."""
        if self.exact is not None or self.count == 0:
            return 0.0
        return float(self._kll().normalized_rank_error(False))

    @property
    def histogram_error(self) -> float:
        """The normalized error of each bin's share in `histogram` (DataSketches' double-sided
        bound for a PMF); 0 while the exact values are kept."""
        if self.exact is not None or self.count == 0:
            return 0.0
        return float(self._kll().normalized_rank_error(True))

    def _kll(self) -> Any:
        return kll_doubles_sketch.deserialize(self.sketch)

    def quantile(self, q: float) -> float:
        """The smallest value whose share of values at or below it reaches ``q`` (NaN when the
        column has no finite value), exact while the exact values are kept."""
        if not 0.0 <= q <= 1.0:
            raise ParameterError(f"The quantile 'q' must be in [0, 1]. Got {q!r}.")
        if self.count == 0:
            return math.nan
        if self.exact is not None:
            values, counts = _arrays(self.exact)
            cumulative = np.cumsum(counts)
            position = int(np.searchsorted(cumulative, q * self.count, side="left"))
            return float(values[min(position, values.size - 1)])
        return float(self._kll().get_quantile(q, True))

    def cdf(self, points: NDArray[np.float64]) -> NDArray[np.float64]:
        """The share of finite values at or below each of ``points`` (sorted increasing)."""
        points = np.asarray(points, dtype=np.float64)
        if self.count == 0:
            return np.full(points.shape, math.nan)
        if self.exact is not None:
            values, counts = _arrays(self.exact)
            cumulative = np.concatenate([[0], np.cumsum(counts)])
            return cumulative[np.searchsorted(values, points, side="right")] / self.count
        return np.asarray(self._kll().get_cdf(points.tolist(), True)[:-1], dtype=np.float64)

    def histogram(self, bins: int = 20) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """``bins`` equal-width bins between min and max: their edges and counts (estimated
        from the sketch within `histogram_error` of the count, exact while exact values are
        kept). For plots; empty arrays when the column has no finite value."""
        if isinstance(bins, bool) or not isinstance(bins, int) or bins < 1:
            raise ParameterError(f"The 'bins' of a histogram must be an int >= 1. Got {bins!r}.")
        if self.count == 0 or self.min is None or self.max is None:
            return np.empty(0), np.empty(0)
        edges = np.linspace(self.min, self.max, bins + 1)
        if not np.all(np.diff(edges) > 0):  # a constant column: one bin holds it all
            return np.array([self.min, self.max]), np.array([float(self.count)])
        below = self.cdf(edges[1:-1])
        shares = np.diff(np.concatenate([[0.0], below, [1.0]]))
        return edges, shares * self.count

    def merge(self, other: Self) -> Self:
        """The profile of both columns' values together; neither input changes."""
        check_mergeable(self, other)
        sketch = self._kll()
        sketch.merge(other._kll())
        return type(self)(
            count=self.count + other.count,
            missing=self.missing + other.missing,
            non_finite=self.non_finite + other.non_finite,
            min=_extreme(min, self.min, other.min),
            max=_extreme(max, self.max, other.max),
            moments=self.moments.merge(other.moments),
            sketch=bytes(sketch.serialize()),
            exact=_merge_exact(self.exact, other.exact, self.settings.max_exact_values),
            settings=self.settings,
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (no sketch)."""
        quantiles = {
            str(q): _finite_or_none(self.quantile(q))
            for q in (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)
        }
        return {
            **counted(self),
            "non_finite": self.non_finite,
            "min": self.min,
            "max": self.max,
            "mean": _finite_or_none(self.mean),
            "std": _finite_or_none(self.std) if self.count > 1 else None,
            "quantiles": quantiles,
            "rank_error": self.rank_error,
            "exact": self.exact is not None,
        }

    def to_state(self) -> tuple[dict[str, Any], dict[str, bytes]]:
        """The profile as JSON-ready fields and binary blobs (`from_state` reads them back)."""
        meta: dict[str, Any] = {
            "count": self.count,
            "missing": self.missing,
            "non_finite": self.non_finite,
            "min": self.min,
            "max": self.max,
            "mean": self.moments.mean,
            "m2": self.moments.m2,
        }
        blobs = {"kll": self.sketch}
        if self.exact is not None:
            blobs["exact"] = encode_exact(self.exact)
        return meta, blobs

    @classmethod
    def from_state(
        cls, meta: dict[str, Any], blobs: dict[str, bytes], settings: ProfileSettings
    ) -> Self:
        return cls(
            count=int(meta["count"]),
            missing=int(meta["missing"]),
            non_finite=int(meta["non_finite"]),
            min=None if meta["min"] is None else float(meta["min"]),
            max=None if meta["max"] is None else float(meta["max"]),
            moments=Moments(int(meta["count"]), float(meta["mean"]), float(meta["m2"])),
            sketch=blobs["kll"],
            exact=decode_exact(blobs["exact"]) if "exact" in blobs else None,
            settings=settings,
        )

    def distribution(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """The finite values as a weighted sample: sorted distinct values and their counts.

        Exact (every distinct value with its count) while the exact values are kept; otherwise
        the KLL sketch's retained items and their weights, whose CDF is within
        `histogram_error` of the data's at every point at once (99% confidence). The weights
        sum to `count`; both arrays are empty when there is no finite value.

        >>> import numpy as np
        >>> NumericalProfile.from_values(np.array([2.0, 1.0, 2.0])).distribution()
        (array([1., 2.]), array([1., 2.]))
        """
        if self.exact is not None:
            values, counts = _arrays(self.exact)
            return values, counts.astype(np.float64)
        sketch = self._kll()
        # DataSketches 5.2's iterator gives every item weight 1 once sketches were merged; the
        # CDF at the retained values is right, and its steps are their weights.
        distinct = np.unique(np.fromiter((item for item, _ in sketch), dtype=np.float64))
        below = np.asarray(sketch.get_cdf(distinct.tolist(), True)[:-1], dtype=np.float64)
        weights = np.diff(np.concatenate([[0.0], np.rint(below * sketch.n)]))
        return distinct, weights


@dataclass(frozen=True)
class DatetimeProfile(NumericalProfile):
    """A datetime column profiled as numbers: seconds since 1970-01-01 UTC (float64, so
    instants closer than about a microsecond apart in this century may meet). Missing and
    unreadable dates are ``missing``."""

    kind: ClassVar[str] = "datetime"


def _exact_values(ordered: NDArray[np.float64], cap: int) -> ExactValues | None:
    """Each distinct value of ``ordered`` (sorted) with its count; None past ``cap`` values."""
    if ordered.size == 0:
        return ()
    if cap == 0:
        return None
    # Evenly spaced values of a sorted column are sorted too, and have at most its distinct
    # values: more than `cap` among them, and the full pass is skipped.
    step = ordered.size // (4 * cap)
    if step > 1:
        spaced = ordered[::step]
        if np.count_nonzero(spaced[1:] != spaced[:-1]) + 1 > cap:
            return None
    # A run of equal values starts where a value differs from the one before (0.0 and -0.0
    # are one value, shown as the first of its run, as np.unique shows it).
    changes = ordered[1:] != ordered[:-1]
    if np.count_nonzero(changes) + 1 > cap:
        return None
    starts = np.concatenate([[0], np.flatnonzero(changes) + 1])
    counts = np.diff(np.append(starts, ordered.size))
    return tuple(zip(ordered[starts].tolist(), counts.tolist(), strict=True))


def _merge_exact(a: ExactValues | None, b: ExactValues | None, cap: int) -> ExactValues | None:
    # Associative: the union is kept exactly when it has at most `cap` values, which needs both
    # sides kept; a side beyond the cap makes any union beyond it too.
    if a is None or b is None:
        return None
    merged: dict[float, int] = dict(a)
    for value, count in b:
        merged[value] = merged.get(value, 0) + count
    if len(merged) > cap:
        return None
    return tuple(sorted(merged.items()))


def _arrays(exact: ExactValues) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    values = np.fromiter((v for v, _ in exact), dtype=np.float64, count=len(exact))
    counts = np.fromiter((c for _, c in exact), dtype=np.int64, count=len(exact))
    return values, counts


def _extreme(pick: Any, a: float | None, b: float | None) -> float | None:
    if a is None:
        return b
    if b is None:
        return a
    return float(pick(a, b))


def _finite_or_none(value: float) -> float | None:
    return value if math.isfinite(value) else None
