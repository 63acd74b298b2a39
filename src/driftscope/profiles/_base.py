"""What every column profile shares: the merge precondition and the exact values' encoding."""

from __future__ import annotations

from typing import Any

import numpy as np

from driftscope.exceptions import FileFormatError, ParameterError, SchemaError

__all__ = ["check_mergeable", "counted", "decode_exact", "encode_exact"]


def check_mergeable(a: Any, b: Any) -> None:
    """Two profiles merge when they are of one type, built with equal settings."""
    if type(a) is not type(b):
        raise SchemaError(
            f"Cannot merge a {type(a).__name__} with a {type(b).__name__}: the column is "
            f"{a.kind} in one profile and {getattr(b, 'kind', type(b).__name__)} in the other."
        )
    if a.settings != b.settings:
        raise ParameterError(
            "Cannot merge profiles built with different settings: "
            f"{a.settings.to_dict()} and {b.settings.to_dict()}. Profile both sides with the "
            "same ProfileSettings."
        )


def counted(p: Any) -> dict[str, Any]:
    """The fields every column profile's `to_dict` starts with: kind and row counts."""
    return {"kind": p.kind, "n": p.n, "count": p.count, "missing": p.missing}


def encode_exact(pairs: tuple[tuple[float, int], ...]) -> bytes:
    """(value, count) pairs as little-endian float64 values, then int64 counts."""
    values = np.array([v for v, _ in pairs], dtype="<f8")
    counts = np.array([c for _, c in pairs], dtype="<i8")
    return values.tobytes() + counts.tobytes()


def decode_exact(blob: bytes) -> tuple[tuple[float, int], ...]:
    if len(blob) % 16:
        raise FileFormatError(
            f"An exact-values block is {len(blob)} bytes; expected a multiple of 16 "
            "(a float64 value and an int64 count per entry)."
        )
    n = len(blob) // 16
    values = np.frombuffer(blob, dtype="<f8", count=n)
    counts = np.frombuffer(blob, dtype="<i8", count=n, offset=8 * n)
    return tuple(zip(values.tolist(), counts.tolist(), strict=True))
