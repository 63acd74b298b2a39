"""Streaming detectors: detection quality of driftscope and River 0.26 on streams with known drifts.

Run with driftscope's venv python (River is a dev dependency there):

    .venv/bin/python benchmarks/streaming_quality.py                 # 20,000 items, 3 seeds
    .venv/bin/python benchmarks/streaming_quality.py --n 10000 --seeds 2   # quick check

Streams, each ``--n`` items with three drifts at n/4, n/2 and 3n/4, for each of ``--seeds`` seeds:

- error streams: River's synthetic generators (SEA variants, Agrawal classification functions,
  STAGGER classification functions, Hyperplane with a new random plane per concept) chained with
  ``river.datasets.synth.ConceptDriftStream`` for gradual drifts (``width=--gradual-width``); the
  abrupt ones (``width=1``) switch concept at the position directly, because River 0.26's
  ``ConceptDriftStream`` overflows ``math.exp`` with ``width=1`` at positions past ~177. A
  ``river.tree.HoeffdingTreeClassifier`` predicts then learns each item; its 0/1 error stream is
  what the detectors see. Hyperplane's own ``mag_change`` drifts all the time, with no drift
  point to score against, so its concepts are switched by seed instead.
  For gradual drifts the drift point is the start of the transition (``position - width // 2``).
- numeric streams: Gaussian, SD 1 with the mean moving 0 -> 1 -> 0.5 -> -0.5, and mean 0 with the
  SD moving 1 -> 2 -> 1 -> 3.

Every detector runs with its default settings (KSWIN seeded with the stream's seed): driftscope's
ADWIN, KSWIN, PageHinkley and CUSUM on every stream (the error streams as the numbers 0 and 1),
its DDM, EDDM, HDDM_A, HDDM_W and STEPD on the error streams, and River's ADWIN, KSWIN,
PageHinkley, DDM, EDDM, HDDMA and HDDMW likewise (River 0.26 has no CUSUM or STEPD). The drift
positions are scored with ``driftscope.streaming.evaluate(..., max_delay=--max-delay)``.

Per family the table shows, over all streams and seeds: the mean delay of the true detections,
recall, false alarms per 10,000 items, the median mean time ratio (MTR, MTFA / delay x recall;
"inf" when a run has no false alarm) and recall per generator. The recommendation is computed
from the same numbers: among driftscope's detectors with recall >= ``--min-recall`` and false
alarms <= ``--max-fa`` per 10k on a group, the one with the best median MTR (ties: the shorter
mean delay). If none qualifies, the bar is relaxed in steps (recall -0.1, false-alarm budget x2,
up to three times) and the output says which bar was used.
"""

from __future__ import annotations

import argparse
import itertools
import math
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))

import driftscope.streaming as ds
from _bench_util import log

GENERATORS = ("SEA", "Agrawal", "STAGGER", "Hyperplane")
GEN_ABBR = {"SEA": "SEA", "Agrawal": "AGR", "STAGGER": "STG", "Hyperplane": "HYP"}
FAMILIES = ("error, abrupt", "error, gradual", "Gaussian mean", "Gaussian variance")
GAUSS_MEANS = (0.0, 1.0, 0.5, -0.5)
GAUSS_SDS = (1.0, 2.0, 1.0, 3.0)


@dataclass(frozen=True)
class DetectorSpec:
    name: str  # shown in the tables
    impl: str  # "driftscope" or "River"
    binary: bool  # only on 0/1 error streams
    make: Callable[[int], Any]  # seed -> fresh detector


def _river(path: str, seeded: bool = False) -> Callable[[int], Any]:
    def make(seed: int) -> Any:
        import importlib

        module, _, cls = path.rpartition(".")
        kwargs = {"seed": seed} if seeded else {}
        return getattr(importlib.import_module(module), cls)(**kwargs)

    return make


DETECTORS = (
    DetectorSpec("ADWIN", "driftscope", False, lambda s: ds.ADWIN()),
    DetectorSpec("KSWIN", "driftscope", False, lambda s: ds.KSWIN(seed=s)),
    DetectorSpec("PageHinkley", "driftscope", False, lambda s: ds.PageHinkley()),
    DetectorSpec("CUSUM", "driftscope", False, lambda s: ds.CUSUM()),
    DetectorSpec("DDM", "driftscope", True, lambda s: ds.DDM()),
    DetectorSpec("EDDM", "driftscope", True, lambda s: ds.EDDM()),
    DetectorSpec("HDDM_A", "driftscope", True, lambda s: ds.HDDM_A()),
    DetectorSpec("HDDM_W", "driftscope", True, lambda s: ds.HDDM_W()),
    DetectorSpec("STEPD", "driftscope", True, lambda s: ds.STEPD()),
    DetectorSpec("ADWIN", "River", False, _river("river.drift.ADWIN")),
    DetectorSpec("KSWIN", "River", False, _river("river.drift.KSWIN", seeded=True)),
    DetectorSpec("PageHinkley", "River", False, _river("river.drift.PageHinkley")),
    DetectorSpec("DDM", "River", True, _river("river.drift.binary.DDM")),
    DetectorSpec("EDDM", "River", True, _river("river.drift.binary.EDDM")),
    DetectorSpec("HDDMA", "River", True, _river("river.drift.binary.HDDMA")),
    DetectorSpec("HDDMW", "River", True, _river("river.drift.binary.HDDMW")),
)


@dataclass(frozen=True)
class Stream:
    family: str
    generator: str  # generator name, or "Gaussian"
    seed: int
    values: np.ndarray  # float64
    drift_points: tuple[int, ...]


# --------------------------------------------------------------------------- streams


def _drift_positions(n: int) -> list[int]:
    return [n // 4, n // 2, 3 * n // 4]


def _concepts(generator: str, seed: int) -> list[Any]:
    from river.datasets import synth

    base = 1000 * seed
    if generator == "SEA":
        return [synth.SEA(variant=v, noise=0.0, seed=base + i) for i, v in enumerate((0, 3, 1, 2))]
    if generator == "Agrawal":
        return [
            synth.Agrawal(classification_function=f, seed=base + i)
            for i, f in enumerate((0, 2, 5, 8))
        ]
    if generator == "STAGGER":
        return [
            synth.STAGGER(classification_function=f, seed=base + i)
            for i, f in enumerate((0, 1, 2, 0))
        ]
    if generator == "Hyperplane":
        # A different seed draws a different random plane: an abrupt change of concept.
        return [synth.Hyperplane(seed=base + i, n_features=10) for i in range(4)]
    raise ValueError(generator)


def _drifting_stream(generator: str, seed: int, n: int, width: int) -> Any:
    """Concepts c0..c3 chained so the changes sit at the absolute positions n/4, n/2, 3n/4."""
    from river.datasets.synth import ConceptDriftStream

    concepts = _concepts(generator, seed)
    positions = _drift_positions(n)
    if width == 1:
        # River 0.26's ConceptDriftStream computes exp(-4 (t - position) / width), which
        # overflows (OverflowError) for width=1 once position > ~177; width=1 means "switch at
        # position", so do exactly that.
        return _abrupt(concepts, positions)
    # The inner stream only counts the items drawn from it, so its position is relative to
    # the previous change (the sigmoid is symmetric, so this holds for gradual drifts too).
    stream = concepts[-1]
    for k in range(len(positions) - 1, -1, -1):
        relative = positions[k] - (positions[k - 1] if k else 0)
        stream = ConceptDriftStream(
            stream=concepts[k],
            drift_stream=stream,
            position=relative,
            width=width,
            seed=seed * 7919 + k,
        )
    return stream


def _abrupt(concepts: list[Any], positions: list[int]) -> Any:
    class Abrupt:
        def take(self, k: int) -> Iterator[tuple[dict, Any]]:
            edges = [0, *positions, k]
            for concept, (a, b) in zip(concepts, itertools.pairwise(edges), strict=True):
                yield from concept.take(max(b - a, 0))

    return Abrupt()


def error_stream(args: tuple[str, int, int, int]) -> tuple[str, int, int, np.ndarray, float]:
    """A Hoeffding tree's predict-then-learn 0/1 error stream on one drifting generator."""
    from river.tree import HoeffdingTreeClassifier

    generator, seed, n, width = args
    t0 = time.perf_counter()
    model = HoeffdingTreeClassifier()
    errors = np.empty(n, dtype=np.float64)
    for i, (x, y) in enumerate(_drifting_stream(generator, seed, n, width).take(n)):
        errors[i] = float(model.predict_one(x) != y)
        model.learn_one(x, y)
    return generator, seed, width, errors, time.perf_counter() - t0


def gaussian_streams(seed: int, n: int) -> list[Stream]:
    rng = np.random.default_rng(seed)
    edges = [0, *_drift_positions(n), n]
    lengths = np.diff(edges)
    mean = np.repeat(GAUSS_MEANS, lengths)
    sd = np.repeat(GAUSS_SDS, lengths)
    points = tuple(_drift_positions(n))
    return [
        Stream("Gaussian mean", "Gaussian", seed, mean + rng.standard_normal(n), points),
        Stream("Gaussian variance", "Gaussian", seed, sd * rng.standard_normal(n), points),
    ]


# --------------------------------------------------------------------------- detection


def run_detector(spec: DetectorSpec, stream: Stream) -> np.ndarray:
    detector = spec.make(stream.seed)
    if spec.impl == "driftscope":
        return np.asarray(detector.update_many(stream.values).drifts, dtype=np.int64)
    values = stream.values
    if spec.binary:
        values = values.astype(np.int64)
    found = []
    for i, x in enumerate(values.tolist()):
        detector.update(x)
        if detector.drift_detected:
            found.append(i)
    return np.asarray(found, dtype=np.int64)


def score_stream(args: tuple[Stream, int]) -> list[dict[str, Any]]:
    stream, max_delay = args
    rows = []
    for spec in DETECTORS:
        if spec.binary and not stream.family.startswith("error"):
            continue
        t0 = time.perf_counter()
        found = run_detector(spec, stream)
        seconds = time.perf_counter() - t0
        ev = ds.evaluate(found, stream.drift_points, stream.values.size, max_delay=max_delay)
        rows.append(
            {
                "family": stream.family,
                "generator": stream.generator,
                "seed": stream.seed,
                "detector": spec.name,
                "impl": spec.impl,
                "found": found.tolist(),
                "seconds": seconds,
                **ev.to_dict(),
            }
        )
    return rows


# --------------------------------------------------------------------------- aggregation


@dataclass(frozen=True)
class Summary:
    detector: str
    impl: str
    runs: int
    mean_delay: float
    recall: float
    fa_per_10k: float
    median_mtr: float
    pooled_mtr: float
    recall_by_gen: dict[str, float]

    @property
    def label(self) -> str:
        return f"{self.detector} ({self.impl})"


def _pooled_mtr(rows: list[dict[str, Any]], n_true: int, delay_sum: float) -> float:
    """MTR over all runs together: total items per false alarm / mean delay x recall."""
    if not n_true:
        return 0.0
    n_false = sum(r["n_false_alarms"] for r in rows)
    if not n_false:
        return math.inf
    mtfa = sum(r["n_items"] for r in rows) / n_false
    recall = n_true / sum(r["n_drifts"] for r in rows)
    delay = delay_sum / n_true
    return mtfa / delay * recall if delay > 0 else math.inf


def summarise(rows: list[dict[str, Any]]) -> list[Summary]:
    out = []
    for spec in DETECTORS:
        mine = [r for r in rows if r["detector"] == spec.name and r["impl"] == spec.impl]
        if not mine:
            continue
        n_true = sum(r["n_true_detections"] for r in mine)
        delay_sum = sum(
            r["mean_delay"] * r["n_true_detections"] for r in mine if r["n_true_detections"]
        )
        by_gen = {}
        for gen in dict.fromkeys(r["generator"] for r in mine):
            g = [r for r in mine if r["generator"] == gen]
            by_gen[gen] = sum(r["n_true_detections"] for r in g) / sum(r["n_drifts"] for r in g)
        out.append(
            Summary(
                detector=spec.name,
                impl=spec.impl,
                runs=len(mine),
                mean_delay=delay_sum / n_true if n_true else math.nan,
                recall=n_true / sum(r["n_drifts"] for r in mine),
                fa_per_10k=10_000
                * sum(r["n_false_alarms"] for r in mine)
                / sum(r["n_items"] for r in mine),
                median_mtr=float(np.median([r["mean_time_ratio"] for r in mine])),
                pooled_mtr=_pooled_mtr(mine, n_true, delay_sum),
                recall_by_gen=by_gen,
            )
        )
    return out


def _fmt(x: float, digits: int = 1) -> str:
    if math.isnan(x):
        return "-"
    if math.isinf(x):
        return "inf"
    return f"{x:,.{digits}f}"


def table(family: str, summaries: list[Summary], n_seeds: int) -> Table:
    gens = list(summaries[0].recall_by_gen) if summaries else []
    t = Table(title=f"{family} ({n_seeds} seed(s), {summaries[0].runs if summaries else 0} runs)")
    for col, justify in (
        ("detector", "left"),
        ("impl", "left"),
        ("mean delay", "right"),
        ("recall", "right"),
        ("FA / 10k", "right"),
        ("median MTR", "right"),
        ("pooled MTR", "right"),
    ):
        t.add_column(col, justify=justify)  # type: ignore[arg-type]
    if len(gens) > 1:
        t.add_column("recall " + " / ".join(GEN_ABBR.get(g, g) for g in gens), justify="right")
    for s in summaries:
        cells = [
            s.detector,
            s.impl,
            _fmt(s.mean_delay, 0),
            _fmt(s.recall, 2),
            _fmt(s.fa_per_10k, 2),
            _fmt(s.median_mtr, 1),
            _fmt(s.pooled_mtr, 1),
        ]
        if len(gens) > 1:
            cells.append(" / ".join(f"{s.recall_by_gen[g]:.2f}" for g in gens))
        t.add_row(*cells)
    return t


def _rank_key(s: Summary) -> tuple[float, float]:
    delay = s.mean_delay if not math.isnan(s.mean_delay) else math.inf
    return (-s.median_mtr, delay)


def recommend(
    summaries: list[Summary], min_recall: float, max_fa: float, steps: int = 4
) -> tuple[Summary | None, list[Summary], float, float]:
    """The driftscope detector with the best median MTR among those that meet the bar.

    If none does, the bar is relaxed step by step (recall -0.1, false-alarm budget x2) and the
    bar actually used is returned with the pick and the others that met it.
    """
    ours = [s for s in summaries if s.impl == "driftscope"]
    for k in range(steps):
        recall_bar, fa_bar = min_recall - 0.1 * k, max_fa * 2**k
        ok = sorted(
            (s for s in ours if s.recall >= recall_bar and s.fa_per_10k <= fa_bar), key=_rank_key
        )
        if ok:
            return ok[0], ok, recall_bar, fa_bar
    return None, sorted(ours, key=lambda s: -s.pooled_mtr), math.nan, math.nan


def agreement(rows: list[dict[str, Any]]) -> list[str]:
    """Detectors whose driftscope and River detections differ on some stream."""
    pairs = {"HDDMA": "HDDM_A", "HDDMW": "HDDM_W"}
    ours = {
        (r["family"], r["generator"], r["seed"], r["detector"]): r["found"]
        for r in rows
        if r["impl"] == "driftscope"
    }
    differ = set()
    for r in rows:
        if r["impl"] != "River":
            continue
        key = (r["family"], r["generator"], r["seed"], pairs.get(r["detector"], r["detector"]))
        if key in ours and ours[key] != r["found"]:
            differ.add(key[3])
    return sorted(differ)


# --------------------------------------------------------------------------- main


def _iter_error_jobs(
    generators: list[str], seeds: list[int], n: int, width: int
) -> Iterator[tuple[str, int, int, int]]:
    for seed in seeds:
        for gen in generators:
            yield gen, seed, n, 1
            yield gen, seed, n, width


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=20_000, help="items per stream")
    p.add_argument("--seeds", type=int, default=3, help="seeds 1..SEEDS")
    p.add_argument("--gradual-width", type=int, default=1000)
    p.add_argument("--max-delay", type=int, default=2000)
    p.add_argument("--min-recall", type=float, default=0.9)
    p.add_argument("--max-fa", type=float, default=1.0, help="false alarms per 10k")
    p.add_argument("--jobs", type=int, default=2, help="worker processes")
    p.add_argument("--generators", nargs="+", default=list(GENERATORS), choices=GENERATORS)
    args = p.parse_args(argv)
    seeds = list(range(1, args.seeds + 1))
    console = Console(width=130)
    t_start = time.perf_counter()

    # 1. The streams: computed once per seed and kept in memory.
    jobs = list(_iter_error_jobs(args.generators, seeds, args.n, args.gradual_width))
    log(f"{len(jobs)} error streams of {args.n:,} items (Hoeffding tree, predict then learn)")
    streams: list[Stream] = []
    base_error: dict[str, list[float]] = {}
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        for gen, seed, width, errors, secs in pool.map(error_stream, jobs):
            family = "error, abrupt" if width == 1 else "error, gradual"
            offset = 0 if width == 1 else width // 2
            points = tuple(p_ - offset for p_ in _drift_positions(args.n))
            streams.append(Stream(family, gen, seed, errors, points))
            base_error.setdefault(f"{gen} {family.split(', ')[1]}", []).append(float(errors.mean()))
            log(
                f"  {gen:<10} seed {seed} width {width:>4}: "
                f"error rate {errors.mean():.3f} ({secs:.1f}s)"
            )
        for seed in seeds:
            streams.extend(gaussian_streams(seed, args.n))
        t_streams = time.perf_counter() - t_start

        # 2. Every detector on every stream it applies to.
        log(f"running {len(DETECTORS)} detectors on {len(streams)} streams")
        rows: list[dict[str, Any]] = []
        for part in pool.map(score_stream, [(s, args.max_delay) for s in streams]):
            rows.extend(part)
    t_total = time.perf_counter() - t_start

    console.print(
        f"[bold]Streaming detector quality[/bold]: {args.n:,} items per stream, drifts at "
        f"{', '.join(f'{x:,}' for x in _drift_positions(args.n))}, seeds {seeds}, "
        f"gradual width {args.gradual_width}, max delay {args.max_delay}, default settings"
    )
    console.print(
        "Hoeffding tree error rate (mean over seeds): "
        + ", ".join(f"{k} {np.mean(v):.3f}" for k, v in base_error.items())
    )
    summaries: dict[str, list[Summary]] = {}
    for family in FAMILIES:
        fam_rows = [r for r in rows if r["family"] == family]
        if not fam_rows:
            continue
        summaries[family] = summarise(fam_rows)
        console.print(table(family, summaries[family], len(seeds)))

    differ = agreement(rows)
    console.print(
        "driftscope vs River detections on the same streams: "
        + (
            "identical for every shared detector"
            if not differ
            else f"differ for {', '.join(differ)}"
        )
    )

    # 3. The recommendation, from the numbers above.
    groups = {
        "error streams": [r for r in rows if r["family"].startswith("error")],
        "numeric streams (mean and variance shifts)": [
            r for r in rows if r["family"].startswith("Gaussian")
        ],
    }
    console.print()
    console.rule("Recommendation")
    console.print(
        f"Rule: among driftscope's detectors with recall >= {args.min_recall:g} and at most "
        f"{args.max_fa:g} false alarms per 10k items over the group, the best median MTR "
        "(ties: the shorter mean delay); relaxed in steps of recall -0.1 and budget x2 if none "
        "qualifies."
    )
    for group, group_rows in groups.items():
        if not group_rows:
            continue
        best, ranked, recall_bar, fa_bar = recommend(
            summarise(group_rows), args.min_recall, args.max_fa
        )
        if best is None:
            top = ranked[0]
            console.print(
                f"[bold]{group}: no driftscope detector met even a relaxed bar[/bold]; the best "
                f"pooled MTR is {top.detector} ({_fmt(top.pooled_mtr)}). Set a threshold for your "
                "false-alarm budget with calibrate() on stable data."
            )
            continue
        relaxed = recall_bar < args.min_recall
        others = ", ".join(
            f"{s.detector} (median MTR {_fmt(s.median_mtr)}, recall {s.recall:.2f}, "
            f"FA/10k {s.fa_per_10k:.2f})"
            for s in ranked[1:]
        )
        per_family = {
            fam: next(s for s in summaries[fam] if s.label == best.label)
            for fam in summaries
            if fam.startswith(group.split()[0].replace("numeric", "Gaussian"))
        }
        weakest = min(per_family.items(), key=lambda kv: kv[1].recall)
        console.print(
            f"[bold]{group}: {best.detector}[/bold] (default settings) - recall {best.recall:.2f}, "
            f"{best.fa_per_10k:.2f} false alarms per 10k, mean delay {_fmt(best.mean_delay, 0)}, "
            f"median MTR {_fmt(best.median_mtr)}."
        )
        console.print(
            "  Why: "
            + (
                f"no detector reached recall >= {args.min_recall:g} with <= {args.max_fa:g} "
                f"false alarms per 10k, so the bar was relaxed to recall >= {recall_bar:.1f} and "
                f"<= {fa_bar:g} per 10k; "
                if relaxed
                else ""
            )
            + "of the detectors within the bar it has the highest median MTR, i.e. the best "
            "trade of detection delay against false alarms"
            + (f" (also within the bar: {others})." if others else " (the only one within it).")
            + f" Its weakest family is {weakest[0]} (recall {weakest[1].recall:.2f})."
        )
    console.print(
        f"\n[dim]streams {t_streams:.0f}s, total {t_total:.0f}s "
        f"with {args.jobs} worker process(es)[/dim]"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
