"""Jinja2 filters the pages share: how long ago something happened, and a sparkline's lines."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

__all__ = ["FILTERS", "ago", "spark_lines"]


def ago(then: datetime, now: datetime) -> str:
    """How long before ``now`` ``then`` was, in its largest whole unit.

    >>> from datetime import timedelta
    >>> t = datetime(2026, 12, 1)
    >>> [ago(t, t + d) for d in (timedelta(seconds=30), timedelta(minutes=5),
    ...  timedelta(hours=3, minutes=59), timedelta(days=1), timedelta(days=40))]
    ['just now', '5 min ago', '3 h ago', '1 day ago', '40 days ago']
    """
    seconds = (now - then).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    days = int(seconds // 86400)
    return f"{days} day{'s' if days != 1 else ''} ago"


def spark_lines(
    values: Sequence[float | None], width: float = 96, height: float = 24, pad: float = 2
) -> list[str]:
    """A sparkline as SVG polyline point lists: the values evenly spaced from left to right,
    scaled between their minimum (bottom) and maximum (top); a missing value breaks the line.

    >>> spark_lines([0.0, 1.0, None, 0.5], width=30, height=10, pad=0)
    ['0,10 10,0', '30,5']
    """
    present = [v for v in values if v is not None]
    if not present:
        return []
    low, high = min(present), max(present)
    span = high - low or 1.0
    step = width / max(len(values) - 1, 1)
    lines: list[str] = []
    points: list[str] = []
    for i, value in enumerate(values):
        if value is None:
            if points:
                lines.append(" ".join(points))
            points = []
            continue
        y = pad + (height - 2 * pad) * (1 - (value - low) / span if high > low else 0.5)
        points.append(f"{i * step:g},{y:g}")
    if points:
        lines.append(" ".join(points))
    return lines


FILTERS: dict[str, Callable[..., Any]] = {"ago": ago, "spark_lines": spark_lines}
