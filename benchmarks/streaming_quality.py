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

Calibration on held-out streams (``--sections calibration``): for each generator and seed, a
Hoeffding tree's error stream on one concept with no drift (``--calibration-n`` items; the
concepts c0 of the drifting streams, seeded apart from them). Each of driftscope's detectors is
calibrated with ``calibrate(detector, null, --target)`` on one seed's stable stream, then run with
the chosen setting on the other seeds' stable streams (held out) and on every drifting stream of
the same generator (abrupt and gradual, all seeds). "Before" is the earlier ``calibrate``
(reproduced here as ``legacy_calibrate``): the point estimate of the rate, searched up to the
loosest value a setting may take; "after" is ``driftscope.streaming.calibrate``: the exact
Poisson upper bound, inside each detector's ``calibration_range``, and a status that says when
the target is out of reach or the stream too short. The calibration is also run on the first
9,000 items of each stable stream, where no setting can show a rate of 1 per 10k.
"""

from __future__ import annotations

import argparse
import itertools
import math
import sys
import time
import warnings
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


# --------------------------------------------------------------------------- calibration

#: driftscope detectors calibrated on held-out streams, as built for the benchmark.
CALIBRATED = ("ADWIN", "KSWIN", "PageHinkley", "CUSUM", "DDM", "EDDM", "HDDM_A", "HDDM_W", "STEPD")


def _make(name: str, seed: int) -> Any:
    return next(s for s in DETECTORS if s.name == name and s.impl == "driftscope").make(seed)


def null_error_stream(args: tuple[str, int, int]) -> tuple[str, int, np.ndarray]:
    """A Hoeffding tree's 0/1 error stream on one concept: stable, no drift."""
    from river.tree import HoeffdingTreeClassifier

    generator, seed, n = args
    # Concept c0 of the drifting streams, with a data seed none of them uses.
    concept = _concepts(generator, seed + 500)[0]
    model = HoeffdingTreeClassifier()
    errors = np.empty(n, dtype=np.float64)
    for i, (x, y) in enumerate(concept.take(n)):
        errors[i] = float(model.predict_one(x) != y)
        model.learn_one(x, y)
    return generator, seed, errors


#: The loosest value the earlier calibrate() could reach per detector (its search ran four
#: decades either side of the default, inside these): a significance level up to 1 - 1e-9,
#: STEPD's alpha_drift up to alpha_warning, EDDM's beta up to alpha, thresholds unbounded.
_LEGACY_BOUNDS = {
    "ADWIN": (0.0, 1 - 1e-9),
    "KSWIN": (0.0, 1 - 1e-9),
    "HDDM_A": (0.0, 1 - 1e-9),
    "HDDM_W": (0.0, 1 - 1e-9),
    "STEPD": (0.0, 0.05),
    "EDDM": (0.0, 0.95),
    "DDM": (0.0, math.inf),
    "PageHinkley": (0.0, math.inf),
    "CUSUM": (0.0, math.inf),
}


def legacy_calibrate(name: str, detector: Any, stream: np.ndarray, target: float) -> Any:
    """The earlier calibrate(): the loosest value whose measured rate is at most the target,
    by bisection in log space; the strictest value, without a word, when none is."""
    parameter, direction = type(detector).calibration
    params = detector.get_params()
    start = float(params[parameter])
    floor, ceiling = _LEGACY_BOUNDS[name]
    lo, hi = math.log(max(start / 1e4, floor, 1e-300)), math.log(min(start * 1e4, ceiling))
    strict, loose = (hi, lo) if direction == "higher" else (lo, hi)

    def rate(value: float) -> float:
        found = type(detector)(**(params | {parameter: value})).update_many(stream)
        return found.drifts.size / stream.size * 10_000

    best = math.exp(strict)
    for _ in range(30):
        middle = (strict + loose) / 2
        if rate(math.exp(middle)) <= target:
            best, strict = math.exp(middle), middle
        else:
            loose = middle
    return type(detector)(**(params | {parameter: best})), rate(best)


def calibration_job(args: tuple[Any, ...]) -> list[dict[str, Any]]:
    """Calibrate one detector on one seed's stable stream, before and after; score both on the
    held-out stable streams and on the drifting streams of the same generator."""
    name, generator, seed, target, nulls, drifting, max_delay = args
    rows = []
    for version in ("before", "after"):
        detector = _make(name, seed)
        short_status = ""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ds.CalibrationWarning)
            if version == "before":
                tuned, rate = legacy_calibrate(name, detector, nulls[seed], target)
                # It said nothing either way; count how often its own rate missed the target.
                status = "silent" if rate <= target else "silent, rate > target"
                _, short_rate = legacy_calibrate(name, detector, nulls[seed][:9_000], target)
                short_status = "silent" if short_rate <= target else "silent, rate > target"
            else:
                result = ds.calibrate(detector, nulls[seed], target)
                tuned, status = result.detector, str(result.status)
                short_status = str(ds.calibrate(detector, nulls[seed][:9_000], target).status)
        held_out = [v for s, v in nulls.items() if s != seed]
        null_alarms = sum(tuned.clone().update_many(v).drifts.size for v in held_out)
        evaluations = [
            ds.evaluate(tuned.clone().update_many(st.values).drifts, st.drift_points,
                        st.values.size, max_delay=max_delay)
            for st in drifting
        ]  # fmt: skip
        rows.append(
            {
                "detector": name,
                "generator": generator,
                "seed": seed,
                "version": version,
                "value": float(tuned.get_params()[type(tuned).calibration[0]]),
                "status": status,
                "short_status": short_status,
                "null_alarms": null_alarms,
                "null_items": sum(v.size for v in held_out),
                "null_runs_over": sum(
                    tuned.clone().update_many(v).drifts.size / v.size * 10_000 > target
                    for v in held_out
                ),
                "null_runs": len(held_out),
                "drift_false_alarms": sum(e.n_false_alarms for e in evaluations),
                "drift_items": sum(e.n_items for e in evaluations),
                "drift_found": sum(e.n_true_detections for e in evaluations),
                "drift_points": sum(e.n_drifts for e in evaluations),
            }
        )
    return rows


def calibration_table(rows: list[dict[str, Any]], target: float, n_null: int) -> Table:
    t = Table(
        title=f"Calibration to {target:g} false alarm(s) per 10k on one seed's stable stream "
        f"({n_null:,} items), scored on held-out stable streams and on drifting streams"
    )
    for col in (
        "detector",
        "version",
        "calibrations: status",
        "on 9,000 items",
        "held-out stable: FA/10k",
        "runs over target",
        "drifting: FA/10k",
        "recall",
    ):
        t.add_column(col, justify="left" if col in ("detector", "version") else "right")
    for name in CALIBRATED:
        for version in ("before", "after"):
            mine = [r for r in rows if r["detector"] == name and r["version"] == version]
            if not mine:
                continue
            t.add_row(
                name,
                version,
                _counts(r["status"] for r in mine),
                _counts(r["short_status"] for r in mine),
                _fmt(10_000 * sum(r["null_alarms"] for r in mine)
                     / sum(r["null_items"] for r in mine), 2),
                f"{sum(r['null_runs_over'] for r in mine)} of {sum(r['null_runs'] for r in mine)}",
                _fmt(10_000 * sum(r["drift_false_alarms"] for r in mine)
                     / sum(r["drift_items"] for r in mine), 2),
                _fmt(sum(r["drift_found"] for r in mine) / sum(r["drift_points"] for r in mine), 2),
            )  # fmt: skip
    return t


def _counts(values: Iterator[str] | Any) -> str:
    counted: dict[str, int] = {}
    for v in values:
        counted[v] = counted.get(v, 0) + 1
    return ", ".join(f"{v} {k}" for k, v in sorted(counted.items()))


def run_calibration(
    streams: list[Stream], args: argparse.Namespace, seeds: list[int], pool: Any, console: Any
) -> None:
    jobs = [(g, s, args.calibration_n) for g in args.generators for s in seeds]
    log(f"{len(jobs)} stable error streams of {args.calibration_n:,} items for calibration")
    nulls: dict[str, dict[int, np.ndarray]] = {}
    for gen, seed, errors in pool.map(null_error_stream, jobs):
        nulls.setdefault(gen, {})[seed] = errors
    cal_jobs = [
        (name, gen, seed, args.target, nulls[gen],
         [st for st in streams if st.generator == gen], args.max_delay)
        for name in CALIBRATED
        for gen in args.generators
        for seed in seeds
    ]  # fmt: skip
    log(f"{len(cal_jobs)} calibrations, before and after")
    rows = [row for part in pool.map(calibration_job, cal_jobs) for row in part]
    console.print(calibration_table(rows, args.target, args.calibration_n))
    console.print(
        "Error rates of the stable streams (mean over seeds): "
        + ", ".join(f"{g} {np.mean(list(v.values())):.3f}" for g, v in nulls.items())
    )


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
    p.add_argument(
        "--sections",
        nargs="+",
        default=["detection", "calibration"],
        choices=["detection", "calibration"],
    )
    p.add_argument("--calibration-n", type=int, default=40_000, help="items per stable stream")
    p.add_argument("--target", type=float, default=1.0, help="calibration target per 10k")
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
        rows: list[dict[str, Any]] = []
        if "detection" in args.sections:
            log(f"running {len(DETECTORS)} detectors on {len(streams)} streams")
            for part in pool.map(score_stream, [(s, args.max_delay) for s in streams]):
                rows.extend(part)
        if rows:
            report_detection(rows, args, seeds, base_error, console)
        # 3. Calibration, held out.
        if "calibration" in args.sections:
            console.print()
            console.rule("Calibration on held-out streams")
            run_calibration(streams, args, seeds, pool, console)
    t_total = time.perf_counter() - t_start
    console.print(
        f"\n[dim]streams {t_streams:.0f}s, total {t_total:.0f}s "
        f"with {args.jobs} worker process(es)[/dim]"
    )
    return 0


def report_detection(
    rows: list[dict[str, Any]],
    args: argparse.Namespace,
    seeds: list[int],
    base_error: dict[str, list[float]],
    console: Console,
) -> None:
    """The detection tables and the recommendation computed from them."""
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


if __name__ == "__main__":
    raise SystemExit(main())
