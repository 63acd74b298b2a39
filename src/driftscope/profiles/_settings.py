"""The sizes of a profile's sketches and of the exact parts it keeps before it sketches."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from driftscope._validate import check_int
from driftscope.exceptions import ParameterError

__all__ = ["ProfileSettings"]


@dataclass(frozen=True)
class ProfileSettings:
    """How much a profile keeps; two profiles merge only when their settings are equal.

    Parameters
    ----------
    quantile_k
        The ``k`` of each KLL quantile sketch (8 to 65,535). DataSketches documents a
        normalized rank error of 0.28% (single quantile, 99% confidence) and 0.36% (every
        quantile at once, PMF/CDF) at the default 1000 (a sketch of about 23 KB at a million
        values); 1.33% and 1.65% at 200 (5 KB); the error falls as ``1/k``.
    distinct_lg_k
        log2 of the HLL distinct-count sketch's buckets (4 to 21); 12 gives a relative standard
        error of about 1.6%.
    frequent_lg_max_map_size
        log2 of the frequent-items sketch's map (3 to 26), used once a categorical column has
        more than ``max_categories`` categories.
    max_exact_values
        A numerical column keeps its distinct values and their counts, exactly, while it has at
        most this many (0 keeps none): small and low-cardinality columns stay exact.
    max_categories
        A categorical column keeps exact category counts while it has at most this many
        categories, and a frequent-items sketch beyond.
    max_classes
        A model's confusion counts are kept while the target and prediction hold at most this
        many labels together (whole numbers, for numerical columns); beyond, they are dropped
        (a numerical target with many values is a regression target).

    >>> ProfileSettings(quantile_k=400).quantile_k
    400
    >>> ProfileSettings(quantile_k=4)
    Traceback (most recent call last):
    ...
    driftscope.exceptions.ParameterError: The 'quantile_k' parameter of ProfileSettings must be \
an int in [8, 65535]. Got 4.
    """

    quantile_k: int = 1000
    distinct_lg_k: int = 12
    frequent_lg_max_map_size: int = 10
    max_exact_values: int = 1000
    max_categories: int = 1000
    max_classes: int = 100

    def __post_init__(self) -> None:
        owner = "ProfileSettings"
        for name, low, high in (
            ("quantile_k", 8, 65535),
            ("distinct_lg_k", 4, 21),
            ("frequent_lg_max_map_size", 3, 26),
            ("max_exact_values", 0, 1_000_000),
            ("max_categories", 1, 1_000_000),
            ("max_classes", 1, 10_000),
        ):
            object.__setattr__(
                self, name, check_int(owner, name, getattr(self, name), low=low, high=high)
            )

    def to_dict(self) -> dict[str, int]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> ProfileSettings:
        """Settings from `to_dict`'s mapping; unknown keys are an error naming them."""
        if not isinstance(data, dict):
            raise ParameterError(f"Profile settings must be a mapping. Got {type(data).__name__}.")
        unknown = sorted(set(data) - set(cls.__dataclass_fields__))
        if unknown:
            raise ParameterError(
                f"Unknown profile setting(s) {', '.join(map(repr, unknown))}; expected some of "
                f"{', '.join(cls.__dataclass_fields__)}."
            )
        return cls(**data)
