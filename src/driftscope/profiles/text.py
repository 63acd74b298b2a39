"""The profile of a text column: lengths in characters and a distinct-token sketch."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self

import numpy as np
from datasketches import hll_sketch
from numpy.typing import NDArray

from driftscope.profiles._base import check_mergeable, counted
from driftscope.profiles._settings import ProfileSettings
from driftscope.profiles.categorical import distinct_sketch, merge_distinct
from driftscope.profiles.numerical import NumericalProfile

__all__ = ["TextProfile"]


@dataclass(frozen=True)
class TextProfile:
    """A mergeable summary of one text column.

    ``lengths`` profiles the length of each text in characters; ``n_tokens`` counts the
    whitespace-separated tokens of every text, and ``tokens`` is a compact HLL sketch of the
    distinct tokens (estimated by `distinct_tokens`).

    >>> p = TextProfile.from_values(["a cat", "a dog sat"], missing=1)
    >>> m = p.merge(p)
    >>> m.count, m.missing, m.n_tokens, round(m.distinct_tokens), m.lengths.mean
    (4, 2, 10, 4, 7.0)
    """

    kind: ClassVar[str] = "text"

    missing: int
    lengths: NumericalProfile
    n_tokens: int
    tokens: bytes = field(repr=False)
    settings: ProfileSettings = field(default_factory=ProfileSettings, repr=False)

    @classmethod
    def from_values(
        cls,
        texts: Sequence[str] | NDArray[Any],
        *,
        missing: int = 0,
        settings: ProfileSettings | None = None,
    ) -> Self:
        """The profile of ``texts`` (strings; missing rows left out) and ``missing`` rows."""
        texts = list(texts) if not isinstance(texts, list) else texts
        lengths = np.fromiter(map(len, texts), dtype=np.float64, count=len(texts))
        # One join and one split in C, no Python loop over rows; a space between texts keeps
        # tokens apart, as whitespace is what separates them.
        tokens = " ".join(texts).split()
        return cls.from_parts(lengths, len(tokens), set(tokens), missing=missing, settings=settings)

    @classmethod
    def from_parts(
        cls,
        lengths: NDArray[Any],
        n_tokens: int,
        distinct_tokens: Iterable[str],
        *,
        missing: int = 0,
        settings: ProfileSettings | None = None,
    ) -> Self:
        """The profile from each text's length in characters, the number of tokens of all
        texts (``str.split()``'s), and their distinct tokens (any order): for callers that
        split the texts themselves, such as an Arrow column split in C."""
        settings = settings or ProfileSettings()
        return cls(
            missing=int(missing),
            lengths=NumericalProfile.from_values(lengths, settings=settings),
            n_tokens=int(n_tokens),
            # Sorted: the sketch must not depend on a set's order (Python's string hashing).
            tokens=distinct_sketch(sorted(distinct_tokens), settings.distinct_lg_k),
            settings=settings,
        )

    @property
    def count(self) -> int:
        return self.lengths.count

    @property
    def n(self) -> int:
        return self.count + self.missing

    @property
    def distinct_tokens(self) -> float:
        """The HLL estimate of the number of distinct tokens."""
        return float(hll_sketch.deserialize(self.tokens).get_estimate())

    def merge(self, other: Self) -> Self:
        check_mergeable(self, other)
        return type(self)(
            missing=self.missing + other.missing,
            lengths=self.lengths.merge(other.lengths),
            n_tokens=self.n_tokens + other.n_tokens,
            tokens=merge_distinct(self.tokens, other.tokens, self.settings.distinct_lg_k),
            settings=self.settings,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            **counted(self),
            "length": self.lengths.to_dict(),
            "n_tokens": self.n_tokens,
            "distinct_tokens": self.distinct_tokens,
        }

    def to_state(self) -> tuple[dict[str, Any], dict[str, bytes]]:
        length_meta, length_blobs = self.lengths.to_state()
        blobs = {f"length_{name}": blob for name, blob in length_blobs.items()}
        blobs["hll"] = self.tokens
        return {"missing": self.missing, "n_tokens": self.n_tokens, "length": length_meta}, blobs

    @classmethod
    def from_state(
        cls, meta: dict[str, Any], blobs: dict[str, bytes], settings: ProfileSettings
    ) -> Self:
        length_blobs = {
            name.removeprefix("length_"): blob
            for name, blob in blobs.items()
            if name.startswith("length_")
        }
        return cls(
            missing=int(meta["missing"]),
            lengths=NumericalProfile.from_state(meta["length"], length_blobs, settings),
            n_tokens=int(meta["n_tokens"]),
            tokens=blobs["hll"],
            settings=settings,
        )
