"""What a profile keeps of a model's prediction and target columns, so that its performance can
be computed without the rows: a confusion matrix for class labels, the sufficient statistics of
MAE, RMSE and R² for numbers."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Self

import numpy as np
from numpy.typing import NDArray

from driftscope.exceptions import SchemaError
from driftscope.profiles._moments import Moments
from driftscope.profiles._settings import ProfileSettings

__all__ = ["ConfusionCounts", "ModelProfile", "RegressionSums"]


@dataclass(frozen=True)
class ConfusionCounts:
    """Counts of (target, prediction) label pairs over the rows that have both.

    ``matrix[i][j]`` counts rows whose target is ``labels[i]`` and prediction ``labels[j]``.
    Past ``settings.max_classes`` labels the counts are dropped and ``truncated`` is True (a
    numerical target with that many values is a regression target, not class labels).

    >>> c = ConfusionCounts.from_labels(np.array(["a", "b", "b"]), np.array(["a", "a", "b"]))
    >>> c.labels, c.matrix, c.accuracy
    (('a', 'b'), ((1, 0), (1, 1)), 0.6666666666666666)
    """

    labels: tuple[str, ...]
    matrix: tuple[tuple[int, ...], ...]
    truncated: bool = False
    settings: ProfileSettings = field(default_factory=ProfileSettings, repr=False)

    @classmethod
    def from_labels(
        cls,
        target: NDArray[Any],
        prediction: NDArray[Any],
        settings: ProfileSettings | None = None,
    ) -> Self:
        """Counts from two aligned arrays of labels (strings), rows with a missing side removed."""
        labels, codes = np.unique(
            np.concatenate([np.asarray(target, dtype=str), np.asarray(prediction, dtype=str)]),
            return_inverse=True,
        )
        n = codes.size // 2
        return cls.from_codes(codes[:n], codes[n:], labels.tolist(), settings)

    @classmethod
    def from_codes(
        cls,
        target: NDArray[np.integer[Any]],
        prediction: NDArray[np.integer[Any]],
        labels: list[str],
        settings: ProfileSettings | None = None,
    ) -> Self:
        """Counts from aligned arrays of codes into ``labels`` (distinct strings)."""
        settings = settings or ProfileSettings()
        if len(labels) > settings.max_classes:
            return cls((), (), True, settings)
        k = len(labels)
        order = np.argsort(np.asarray(labels, dtype=object))  # labels sorted, as merge keeps them
        rank = np.empty(k, dtype=np.int64)
        rank[order] = np.arange(k)
        pairs = (
            rank[np.asarray(target, dtype=np.intp)] * k
            + rank[np.asarray(prediction, dtype=np.intp)]
        )
        matrix = np.bincount(pairs, minlength=k * k).reshape(k, k)
        return cls(tuple(labels[i] for i in order), _rows(matrix), False, settings)

    @property
    def count(self) -> int:
        return sum(map(sum, self.matrix))

    @property
    def accuracy(self) -> float:
        total = self.count
        return (
            sum(self.matrix[i][i] for i in range(len(self.labels))) / total if total else math.nan
        )

    def array(self) -> NDArray[np.int64]:
        """The matrix as a (k, k) integer array."""
        return np.array(self.matrix, dtype=np.int64).reshape(len(self.labels), len(self.labels))

    def merge(self, other: Self) -> Self:
        if self.truncated or other.truncated:
            return type(self)((), (), True, self.settings)
        labels = sorted(set(self.labels) | set(other.labels))
        if len(labels) > self.settings.max_classes:
            return type(self)((), (), True, self.settings)
        index = {label: i for i, label in enumerate(labels)}
        matrix = np.zeros((len(labels), len(labels)), dtype=np.int64)
        for part in (self, other):
            at = np.array([index[label] for label in part.labels], dtype=np.intp)
            matrix[np.ix_(at, at)] += part.array()
        return type(self)(tuple(labels), _rows(matrix), False, self.settings)

    def to_dict(self) -> dict[str, Any]:
        return {
            "labels": list(self.labels),
            "matrix": [list(row) for row in self.matrix],
            "truncated": self.truncated,
        }


def _rows(matrix: NDArray[np.integer[Any]]) -> tuple[tuple[int, ...], ...]:
    return tuple(tuple(int(v) for v in row) for row in matrix.tolist())


@dataclass(frozen=True)
class RegressionSums:
    """Sums over the rows with a finite target and prediction, from which MAE, RMSE, R² and
    the mean error follow exactly (up to float rounding), merged by addition.

    >>> s = RegressionSums.from_values(np.array([1.0, 2.0, 3.0]), np.array([1.5, 2.0, 2.0]))
    >>> s.mae, s.rmse, s.r2
    (0.5, 0.6454972243679028, 0.375)
    """

    count: int
    sum_error: float
    sum_abs_error: float
    sum_squared_error: float
    target: Moments

    @classmethod
    def from_values(cls, target: NDArray[np.float64], prediction: NDArray[np.float64]) -> Self:
        y = np.asarray(target, dtype=np.float64)
        p = np.asarray(prediction, dtype=np.float64)
        keep = np.isfinite(y) & np.isfinite(p)
        y, p = y[keep], p[keep]
        with np.errstate(over="ignore", invalid="ignore"):
            error = p - y
            return cls(
                int(y.size),
                float(error.sum()),
                float(np.abs(error).sum()),
                float(np.dot(error, error)),
                Moments.of(y),
            )

    @property
    def mae(self) -> float:
        return self.sum_abs_error / self.count if self.count else math.nan

    @property
    def rmse(self) -> float:
        return math.sqrt(self.sum_squared_error / self.count) if self.count else math.nan

    @property
    def mean_error(self) -> float:
        """The mean of prediction minus target (the bias)."""
        return self.sum_error / self.count if self.count else math.nan

    @property
    def r2(self) -> float:
        """1 - SSE / SST, as scikit-learn's `r2_score`; NaN for a constant target."""
        if self.count < 2 or self.target.m2 == 0:
            return math.nan
        return 1.0 - self.sum_squared_error / self.target.m2

    def merge(self, other: Self) -> Self:
        return type(self)(
            self.count + other.count,
            self.sum_error + other.sum_error,
            self.sum_abs_error + other.sum_abs_error,
            self.sum_squared_error + other.sum_squared_error,
            self.target.merge(other.target),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "sum_error": self.sum_error,
            "sum_abs_error": self.sum_abs_error,
            "sum_squared_error": self.sum_squared_error,
            "target_mean": self.target.mean,
            "target_m2": self.target.m2,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        return cls(
            int(data["count"]),
            float(data["sum_error"]),
            float(data["sum_abs_error"]),
            float(data["sum_squared_error"]),
            Moments(int(data["count"]), float(data["target_mean"]), float(data["target_m2"])),
        )


@dataclass(frozen=True)
class ModelProfile:
    """A model's columns in a profile: ``target`` and ``prediction`` names, the rows missing
    either, the confusion counts (None when the labels are numbers beyond the cap) and, for
    numerical columns, the regression sums (None for class labels)."""

    target: str
    prediction: str
    missing: int
    confusion: ConfusionCounts | None
    regression: RegressionSums | None

    def merge(self, other: Self) -> Self:
        if (self.target, self.prediction) != (other.target, other.prediction):
            raise SchemaError(
                f"Cannot merge the model columns target={self.target!r}, "
                f"prediction={self.prediction!r} with target={other.target!r}, "
                f"prediction={other.prediction!r}."
            )
        if (self.confusion is None) != (other.confusion is None) or (self.regression is None) != (
            other.regression is None
        ):
            raise SchemaError(
                f"Cannot merge the model columns {self.target!r} and {self.prediction!r}: one "
                "profile holds them as class labels and the other as numbers."
            )
        return type(self)(
            self.target,
            self.prediction,
            self.missing + other.missing,
            None if self.confusion is None else self.confusion.merge(other.confusion),  # type: ignore[arg-type]
            None if self.regression is None else self.regression.merge(other.regression),  # type: ignore[arg-type]
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "prediction": self.prediction,
            "missing": self.missing,
            "confusion": None if self.confusion is None else self.confusion.to_dict(),
            "regression": None if self.regression is None else self.regression.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], settings: ProfileSettings) -> Self:
        confusion = data["confusion"]
        regression = data["regression"]
        return cls(
            str(data["target"]),
            str(data["prediction"]),
            int(data["missing"]),
            None
            if confusion is None
            else ConfusionCounts(
                tuple(map(str, confusion["labels"])),
                tuple(tuple(int(v) for v in row) for row in confusion["matrix"]),
                bool(confusion["truncated"]),
                settings,
            ),
            None if regression is None else RegressionSums.from_dict(regression),
        )
