"""Streaming detectors: driftscope vs River 0.26 throughput, in one run, on the same streams.

Run with driftscope's venv python (River is a dev dependency there):

    .venv/bin/python benchmarks/streaming_speed.py                  # 1,000,000 updates each
    .venv/bin/python benchmarks/streaming_speed.py --n 100000 --kswin-n 10000   # quick check
    .venv/bin/python benchmarks/streaming_speed.py --only ADWIN DDM

For each detector it builds a seeded stream of ``--n`` values (Gaussian with a few mean
shifts for the numeric detectors, Bernoulli errors with a few rate changes for the
error-stream detectors) and times, each with a fresh detector and default settings:

1. River, per item: ``for x in xs: d.update(x)`` with ``xs`` a Python list;
2. driftscope, per item: the same loop over the same list;
3. driftscope, ``d.update_many(arr)`` with ``arr`` a float64 numpy array.

The reported time is the median of ``--repeats`` runs. KSWIN (River runs a scipy KS test on
every update) is timed on its own, shorter stream of ``--kswin-n`` values; its updates/s are
measured there and its row is labelled with that length. Throughput is updates per second, so
its ratios compare like with like.

An untimed pass per detector records the drift (and warning) indices of River's per-item loop
and of driftscope's per-item loop on the same stream, and checks them against the indices
``update_many`` returned: "ok" when all three agree.

Targets: ``update_many`` at least 20x River's per-item throughput (10x for ADWIN) and
driftscope's per-item ``update`` at least as fast as River's (ratio >= 1). River 0.26 has no
CUSUM and no STEPD, so they are reported without ratios or target. ``--check`` exits 1 if a
target is missed or the indices differ.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import driftscope.streaming as ds
from _bench_util import log, machine_info, median, module_versions

# Mean shifts of the numeric stream: (start as a fraction of the stream, mean), SD 1.
NUMERIC_SEGMENTS = ((0.0, 0.0), (0.2, 1.0), (0.4, -0.5), (0.6, 0.5), (0.8, 2.0))
# Error rates of the error stream: (start as a fraction of the stream, P(error)).
ERROR_SEGMENTS = ((0.0, 0.10), (0.2, 0.30), (0.4, 0.15), (0.6, 0.40), (0.8, 0.05))


@dataclass(frozen=True)
class Spec:
    name: str
    binary: bool
    make_driftscope: Callable[[], Any]
    make_river: Callable[[], Any] | None
    river_name: str | None
    target: float | None  # update_many / River throughput


def _river(path: str, **kwargs: Any) -> Callable[[], Any]:
    def make() -> Any:
        import importlib

        module, _, cls = path.rpartition(".")
        return getattr(importlib.import_module(module), cls)(**kwargs)

    return make


KSWIN_SEED = 42

SPECS = (
    Spec("ADWIN", False, ds.ADWIN, _river("river.drift.ADWIN"), "drift.ADWIN", 10.0),
    Spec(
        "KSWIN",
        False,
        lambda: ds.KSWIN(seed=KSWIN_SEED),
        _river("river.drift.KSWIN", seed=KSWIN_SEED),
        "drift.KSWIN",
        20.0,
    ),
    Spec(
        "PageHinkley",
        False,
        ds.PageHinkley,
        _river("river.drift.PageHinkley"),
        "drift.PageHinkley",
        20.0,
    ),
    Spec("CUSUM", False, ds.CUSUM, None, None, None),
    Spec("DDM", True, ds.DDM, _river("river.drift.binary.DDM"), "drift.binary.DDM", 20.0),
    Spec("EDDM", True, ds.EDDM, _river("river.drift.binary.EDDM"), "drift.binary.EDDM", 20.0),
    # River 0.26 spells these HDDMA / HDDMW.
    Spec("HDDM_A", True, ds.HDDM_A, _river("river.drift.binary.HDDMA"), "drift.binary.HDDMA", 20.0),
    Spec("HDDM_W", True, ds.HDDM_W, _river("river.drift.binary.HDDMW"), "drift.binary.HDDMW", 20.0),
    Spec("STEPD", True, ds.STEPD, None, None, None),
)


def make_stream(n: int, binary: bool, seed: int) -> np.ndarray:
    """A seeded stream of ``n`` values with a few planted changes."""
    rng = np.random.default_rng(seed)
    segments = ERROR_SEGMENTS if binary else NUMERIC_SEGMENTS
    bounds = [round(start * n) for start, _ in segments] + [n]
    parts = []
    for (_, level), lo, hi in zip(segments, bounds[:-1], bounds[1:], strict=True):
        if binary:
            parts.append((rng.random(hi - lo) < level).astype(np.float64))
        else:
            parts.append(rng.normal(level, 1.0, hi - lo))
    return np.concatenate(parts)


def time_loop(detector: Any, xs: list[float]) -> float:
    """Seconds for ``for x in xs: detector.update(x)``."""
    start = time.perf_counter()
    for x in xs:
        detector.update(x)
    return time.perf_counter() - start


def time_update_many(detector: Any, arr: np.ndarray) -> tuple[float, Any]:
    start = time.perf_counter()
    result = detector.update_many(arr)
    return time.perf_counter() - start, result


def indices_of(detector: Any, xs: list[float]) -> tuple[list[int], list[int]]:
    """(warning indices, drift indices) of a per-item loop."""
    warnings: list[int] = []
    drifts: list[int] = []
    for i, x in enumerate(xs):
        detector.update(x)
        if getattr(detector, "warning_detected", False):
            warnings.append(i)
        if detector.drift_detected:
            drifts.append(i)
    return warnings, drifts


@dataclass
class Row:
    spec: Spec
    n: int
    river_s: list[float] = field(default_factory=list)
    update_s: list[float] = field(default_factory=list)
    many_s: list[float] = field(default_factory=list)
    n_drifts: int = 0
    n_warnings: int = 0
    check: str = "-"

    def rate(self, times: list[float]) -> float | None:
        return self.n / median(times) if times else None

    def ratios(self) -> tuple[float | None, float | None]:
        river = self.rate(self.river_s)
        if river is None:
            return None, None
        many, update = self.rate(self.many_s), self.rate(self.update_s)
        return (
            None if many is None else many / river,
            None if update is None else update / river,
        )

    def passed(self) -> bool | None:
        if self.spec.target is None:
            return None
        many_ratio, update_ratio = self.ratios()
        return (
            many_ratio is not None
            and update_ratio is not None
            and many_ratio >= self.spec.target
            and update_ratio >= 1.0
        )


def run_one(spec: Spec, n: int, seed: int, repeats: int) -> Row:
    arr = make_stream(n, spec.binary, seed)
    xs = arr.tolist()
    row = Row(spec, n)
    log(f"{spec.name}: {n:,} values, {repeats} repeats")
    for rep in range(repeats):
        if spec.make_river is not None:
            row.river_s.append(time_loop(spec.make_river(), xs))
        row.update_s.append(time_loop(spec.make_driftscope(), xs))
        seconds, detections = time_update_many(spec.make_driftscope(), arr)
        row.many_s.append(seconds)
        log(
            f"  {spec.name} repeat {rep + 1}/{repeats}: "
            + (f"River {row.river_s[-1]:.3f}s, " if row.river_s else "")
            + f"update {row.update_s[-1]:.3f}s, update_many {row.many_s[-1]:.4f}s"
        )
    # Untimed: do River's per-item loop, driftscope's per-item loop and update_many agree?
    many_w, many_d = detections.warnings.tolist(), detections.drifts.tolist()
    row.n_drifts, row.n_warnings = len(many_d), len(many_w)
    own_w, own_d = indices_of(spec.make_driftscope(), xs)
    problems = []
    if (own_w, own_d) != (many_w, many_d):
        problems.append("update != update_many")
    if spec.make_river is not None:
        river_w, river_d = indices_of(spec.make_river(), xs)
        if river_d != many_d:
            problems.append(f"drifts: River {len(river_d)}, driftscope {len(many_d)}")
        if river_w != many_w:
            problems.append(f"warnings: River {len(river_w)}, driftscope {len(many_w)}")
    row.check = "ok" if not problems else "MISMATCH (" + "; ".join(problems) + ")"
    log(f"  {spec.name}: {row.n_drifts} drifts, {row.n_warnings} warnings, check {row.check}")
    return row


def _rate(value: float | None) -> str:
    if value is None:
        return "-"
    if value >= 1e6:
        return f"{value / 1e6:,.2f} M/s"
    return f"{value / 1e3:,.1f} k/s"


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f}x"


def print_table(rows: list[Row], args: argparse.Namespace) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=None if sys.stdout.isatty() else 200)
    versions = module_versions("driftscope", "river", "numpy")
    info = machine_info()
    table = Table(
        title=(
            f"Streaming detectors, updates/s (median of {args.repeats}), seed {args.seed}: "
            + ", ".join(f"{k} {v}" for k, v in versions.items())
            + f"; Python {info['python']}, {info['cpu_count']} CPUs"
        )
    )
    for col, justify in (
        ("detector", "left"),
        ("updates", "right"),
        ("River update/s", "right"),
        ("ds update/s", "right"),
        ("ds update_many/s", "right"),
        ("many/River", "right"),
        ("update/River", "right"),
        ("target", "left"),
        ("result", "left"),
        ("drifts (warn.)", "right"),
        ("indices", "left"),
    ):
        table.add_column(col, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    for row in rows:
        many_ratio, update_ratio = row.ratios()
        passed = row.passed()
        name = row.spec.name
        updates = f"{row.n:,}"
        if row.spec.name == "KSWIN" and row.n != args.n:
            name += " *"
            updates += " * (--kswin-n)"
        table.add_row(
            name,
            updates,
            _rate(row.rate(row.river_s)),
            _rate(row.rate(row.update_s)),
            _rate(row.rate(row.many_s)),
            _ratio(many_ratio),
            _ratio(update_ratio),
            "-" if row.spec.target is None else f">= {row.spec.target:g}x, >= 1x",
            f"n/a (no River {row.spec.name})"
            if passed is None
            else ("[green]pass[/green]" if passed else "[red]FAIL[/red]"),
            f"{row.n_drifts} ({row.n_warnings})",
            row.check if row.spec.make_river is not None else f"{row.check} (no River)",
        )
    console.print(table)
    if any(r.spec.name == "KSWIN" and r.n != args.n for r in rows):
        console.print(
            f"* KSWIN is timed on a stream of {args.kswin_n:,} values (--kswin-n), not "
            f"{args.n:,}: its updates/s are measured there, and River's and driftscope's "
            "figures come from the same stream, so the ratios compare like with like. "
            f"Time for {args.n:,} updates = {args.n:,} / (updates/s)."
        )
    console.print(
        "River counterparts: "
        + ", ".join(f"{r.spec.name} = river.{r.spec.river_name}" for r in rows if r.spec.river_name)
        + ". ds = driftscope. many/River = update_many throughput / River per-item throughput; "
        "update/River = driftscope per-item / River per-item. Target: many/River >= the "
        "detector's factor and update/River >= 1."
    )
    console.print(
        "Per item: `for x in xs: d.update(x)`, xs a Python list. update_many: one call on a "
        "float64 numpy array. Indices: warning and drift positions of River's per-item loop, "
        "driftscope's per-item loop and update_many, from an untimed pass."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--n", type=int, default=1_000_000, help="updates per detector")
    parser.add_argument(
        "--kswin-n", type=int, default=100_000, help="updates for KSWIN (slow in River)"
    )
    parser.add_argument("--repeats", type=int, default=3, help="timed runs; the median counts")
    parser.add_argument("--seed", type=int, default=42, help="stream seed")
    parser.add_argument(
        "--only", nargs="+", metavar="DETECTOR", choices=[s.name for s in SPECS], default=None
    )
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if a target is missed or indices differ"
    )
    args = parser.parse_args(argv)
    if args.n < 1 or args.kswin_n < 1 or args.repeats < 1:
        parser.error("--n, --kswin-n and --repeats must be positive")

    rows = []
    for spec in SPECS:
        if args.only and spec.name not in args.only:
            continue
        n = min(args.kswin_n, args.n) if spec.name == "KSWIN" else args.n
        rows.append(run_one(spec, n, args.seed, args.repeats))
    print_table(rows, args)

    if args.check:
        failed = [r.spec.name for r in rows if r.passed() is False or r.check != "ok"]
        if failed:
            print(f"missed: {', '.join(failed)}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
