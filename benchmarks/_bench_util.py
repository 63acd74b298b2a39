"""Helpers shared by the benchmark runners. Standard library only.

Both runners import this module from their own virtualenv (driftscope's, Evidently's), so it
must not import numpy, pandas or either tool.

Memory is measured with ``resource.getrusage(RUSAGE_SELF).ru_maxrss``: the peak resident set
size of the whole process so far (KiB on Linux). On Linux the peak can be reset by writing
``5`` to ``/proc/self/clear_refs``; the runners use that to measure the peak of the analysis
alone (with the already loaded data still resident) next to the peak of the whole process
(import + read + analysis).
"""

from __future__ import annotations

import json
import os
import platform
import resource
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

MIB = 1024 * 1024


def peak_rss_bytes() -> int:
    """Peak RSS of this process since start (or since the last `reset_peak_rss`)."""
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(kib) * (1 if sys.platform == "darwin" else 1024)


def current_rss_bytes() -> int | None:
    """Current RSS (Linux only), or None."""
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:
            pages = int(handle.read().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE")


def reset_peak_rss() -> bool:
    """Reset the peak-RSS high-water mark to the current RSS. True if the kernel allowed it."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as handle:
            handle.write("5")
    except OSError:
        return False
    return True


class Stopwatch:
    """``with Stopwatch() as sw: ...`` then ``sw.seconds``."""

    seconds: float = 0.0

    def __enter__(self) -> Stopwatch:
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self._start


def median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[mid]
    return (ordered[mid - 1] + ordered[mid]) / 2


class AnalysisRecorder:
    """Times the repeated analysis phase by phase and records the runner's memory figures.

    ::

        rec = AnalysisRecorder(["run", "save_json"], repeats)
        ...  # import, read the data
        rec.after_read()  # RSS after the read; resets the peak-RSS high-water mark
        for _ in range(repeats):
            with rec.repeat():
                with rec.phase("run"):
                    ...
        rec.finish()  # peak RSS of the analysis
        result = {..., **rec.result()}
    """

    def __init__(self, phases: Sequence[str], repeats: int) -> None:
        self.repeats = repeats
        self.phases: dict[str, list[float]] = {name: [] for name in phases}
        self.totals: list[float] = []
        self.rss_after_read: int | None = None
        self.peak_through_read = 0
        self.peak_analysis = 0
        self.reset_ok = False

    def after_read(self) -> None:
        self.rss_after_read = current_rss_bytes()
        self.peak_through_read = peak_rss_bytes()
        self.reset_ok = reset_peak_rss()

    @contextmanager
    def repeat(self) -> Iterator[None]:
        start = time.perf_counter()
        yield
        self.totals.append(time.perf_counter() - start)
        log(
            f"repeat {len(self.totals)}/{self.repeats}: {self.totals[-1]:.2f}s "
            + ", ".join(f"{k} {v[-1]:.2f}s" for k, v in self.phases.items() if v)
        )

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        yield
        self.phases[name].append(time.perf_counter() - start)

    def finish(self) -> None:
        self.peak_analysis = peak_rss_bytes()

    def result(self) -> dict[str, Any]:
        peak_process = (
            max(self.peak_through_read, self.peak_analysis) if self.reset_ok else self.peak_analysis
        )
        return {
            "repeats": self.repeats,
            "analysis_seconds": self.totals,
            "analysis_seconds_median": median(self.totals),
            "phases_seconds": self.phases,
            "phases_seconds_median": {k: median(v) for k, v in self.phases.items()},
            "rss_after_read_bytes": self.rss_after_read,
            "peak_rss_through_read_bytes": self.peak_through_read,
            "peak_rss_analysis_bytes": self.peak_analysis,
            "peak_rss_process_bytes": peak_process,
            "peak_rss_reset_supported": self.reset_ok,
        }


def machine_info() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "executable": sys.executable,
    }


def module_versions(*names: str) -> dict[str, str]:
    """``{name: module.__version__}`` for the given (importable) modules."""
    import importlib

    return {name: str(getattr(importlib.import_module(name), "__version__", "?")) for name in names}


def print_header(header: str) -> None:
    """A plain-text table's header line, underlined with dashes."""
    print(header)
    print("-" * len(header))


def log(message: str) -> None:
    print(f"  [{Path(sys.argv[0]).stem}] {message}", file=sys.stderr, flush=True)


def write_json(path: str | Path, data: dict[str, Any]) -> None:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(target.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, allow_nan=True), encoding="utf-8")
    os.replace(tmp, target)


def read_json(path: str | Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
    return data
