"""What every demo model is made of: a baseline, the columns that play a role, benchmarks, an
optional model file, and a run per week of the same six weeks, as the files a client uploads."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd

__all__ = [
    "SHIFT_FROM_WEEK",
    "START",
    "WEEKS",
    "DemoData",
    "DemoModel",
    "DemoRun",
    "parquet",
    "rows",
    "week_start",
    "weekly",
    "zipped",
]

#: Six weeks of production, from Monday 7 September 2026; something changes from week 4.
WEEKS = 6
SHIFT_FROM_WEEK = 4
START = datetime(2026, 9, 7, tzinfo=UTC)


def week_start(week: int) -> datetime:
    """The Monday that week ``week`` (from 1) starts on: a run's date."""
    return START + timedelta(weeks=week - 1)


def rows(full: int, size: float) -> int:
    """``full`` rows scaled by ``size`` (smaller demos for the tests), never below 40."""
    return max(40, round(full * size))


@dataclass(frozen=True)
class DemoRun:
    """One week of production: its date and the uploaded file (name and content)."""

    date: datetime
    filename: str
    content: bytes


@dataclass(frozen=True)
class DemoData:
    """A version's upload (the baseline and the form's fields) and the model's runs."""

    baseline: tuple[str, bytes]
    runs: tuple[DemoRun, ...]
    target: str
    prediction: str | None = None
    proba_prefix: str | None = None
    timestamp: str | None = None
    benchmarks: dict[str, float] = field(default_factory=dict)
    model_file: tuple[str, bytes] | None = None


@dataclass(frozen=True)
class DemoModel:
    """A model of the demo: its name, task and story, and how its data is made (``build``,
    given a size: 1 for the demo, less for the tests)."""

    name: str
    task: str
    description: str
    build: Callable[[float], DemoData]


def weekly(files: Sequence[bytes], suffix: str) -> tuple[DemoRun, ...]:
    """A run per week, given each week's file (week 1's first) and the files' extension
    (``.parquet`` or ``.zip``)."""
    return tuple(
        DemoRun(week_start(week), f"week-{week}{suffix}", content)
        for week, content in enumerate(files, 1)
    )


def parquet(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def zipped(folder: Path) -> bytes:
    """Every file under ``folder``, zipped with paths relative to it (an image or audio
    model's upload: the table at the top, the files it names below)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()
