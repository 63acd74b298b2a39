"""Drift from profiles against drift from the raw data: bounds, decisions, time (issue 16).

    PYTHONPATH=src .venv/bin/python benchmarks/profile_drift_agreement.py            # ~10 min
    PYTHONPATH=src .venv/bin/python benchmarks/profile_drift_agreement.py --rows 100000 --quick

Two corpora, every numerical method of the registry on each case:

- **1M-row columns**: seven distributions (with and without ties, heavy tails, a point mass,
  integer counts that stay exact), each against a current of the same size with no drift, a
  small shift (0.02 standard deviations: significant at a million rows, below the distances'
  thresholds) and a large one (0.3). Profiles with the default settings (KLL k = 200, exact
  values while at most 1,000 distinct) and, with ``--quantile-k``, a larger sketch as well.
- **Real data**: every numerical column of scikit-learn's bundled breast cancer, wine and
  diabetes sets, split into reference and current at random (not drifted, 5 splits) and by the
  target (drifted: the first class, or a diabetes target below its median, against the rest).
  Those columns are small, so their default profiles are exact; each case is also run from
  sketch-only profiles (``quantile_k=64``, no exact values) so the bounds are exercised.

For each case and method: the raw result (`driftscope.stats.METHODS`, on the raw arrays), the
profile result (`summarized_numerical` on `NumericalProfile.distribution()`), whether the raw
statistic and p-value lie within the profile's bounds (a violation otherwise; DataSketches' bound
holds with 99% confidence, so violations are counted, not excluded), and whether the registry's
decision (drifted or not at the method's default threshold) agrees: the profile's decision is
drifted / not drifted when its bounds sit on one side of the threshold, and "undecided" when they
straddle it, counted apart from agreements and disagreements.

First, how far KLL sketches of 100,000 values stray from the data's CDF at every point at once,
against `histogram_error`, the bound every sketched result starts from.

Time: per 1M-row column, the raw method (sort both samples, then the method) against the method
from the two profiles (building the summaries included, the profiles themselves not: a profile
is built once, while the data is read, and kept).
"""

from __future__ import annotations

import argparse
import collections
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from sklearn.datasets import load_breast_cancer, load_diabetes, load_wine

from driftscope.analyses.profiled import summary_of
from driftscope.profiles import CategoricalProfile, NumericalProfile, ProfileSettings
from driftscope.stats import METHODS, SortedPair
from driftscope.stats._result import StatResult
from driftscope.stats.summarized import (
    BoundedResult,
    summarized_categorical,
    summarized_numerical,
)

FloatArray = NDArray[np.float64]
NUMERICAL = [name for name, info in METHODS.items() if info.numerical is not None]
RAW_CATEGORICAL = {
    name: info.categorical for name, info in METHODS.items() if info.categorical is not None
}
DEFAULT_RULE = "default rule: ks and wasserstein"
TIMED = ("ks", "wasserstein", "psi", "mann_whitney", "anderson")

Sampler = Callable[[np.random.Generator, int, float], FloatArray]

DISTRIBUTIONS: dict[str, Sampler] = {
    "normal": lambda rng, n, s: rng.normal(s, 1.0, n),
    "lognormal": lambda rng, n, s: rng.lognormal(s, 1.0, n),
    "uniform": lambda rng, n, s: rng.uniform(s, 1.0 + s, n) * math.sqrt(12.0),
    "student t (3 df)": lambda rng, n, s: rng.standard_t(3, n) + s * math.sqrt(3.0),
    "normal rounded to 0.01 (ties)": lambda rng, n, s: np.round(rng.normal(s, 1.0, n), 2),
    "30% zeros + exponential": lambda rng, n, s: np.where(
        rng.random(n) < 0.3, 0.0, rng.exponential(1.0, n) + s
    ),
    "Poisson(20) counts (exact)": lambda rng, n, s: rng.poisson(
        20.0 + s * math.sqrt(20.0), n
    ).astype(np.float64),
}
SHIFTS = {"none": 0.0, "small (0.02 sd)": 0.02, "large (0.3 sd)": 0.3}


@dataclass
class Tally:
    cases: int = 0
    exact: int = 0
    violations: int = 0
    agree: int = 0
    disagree: int = 0
    undecided: int = 0
    errors: int = 0
    widths: list[float] | None = None

    def add(self, method: str, raw: StatResult, got: BoundedResult) -> None:
        info = METHODS[method]
        self.cases += 1
        self.exact += got.exact
        inside = _within(got.statistic_bounds, raw.statistic)
        if got.p_value_bounds is not None and raw.p_value is not None:
            inside = inside and _within(got.p_value_bounds, raw.p_value)
        self.violations += not inside
        decision = got.decision(info)
        if decision is None:
            self.undecided += 1
        elif decision == info.drifted(raw):
            self.agree += 1
        else:
            self.disagree += 1
        if not got.exact:
            self.widths = (self.widths or []) + [got.statistic_bounds[1] - got.statistic_bounds[0]]


def _within(bounds: tuple[float, float], value: float, slack: float = 1e-9) -> bool:
    low, high = bounds
    return low - slack * (1.0 + abs(low)) <= value <= high + slack * (1.0 + abs(high))


def compare_case(
    ref: FloatArray,
    cur: FloatArray,
    settings: ProfileSettings,
    tallies: dict[str, Tally],
    times: dict[str, list[tuple[float, float]]] | None = None,
) -> dict[str, tuple[StatResult, BoundedResult]]:
    """Run every numerical method raw and from profiles on one case, adding to ``tallies``;
    the results of the methods both sides ran."""
    ref_summary = summary_of(NumericalProfile.from_values(ref, settings=settings))
    cur_summary = summary_of(NumericalProfile.from_values(cur, settings=settings))
    pair = SortedPair.from_samples(ref, cur)
    results: dict[str, tuple[StatResult, BoundedResult]] = {}
    for method in NUMERICAL:
        run = METHODS[method].numerical
        assert run is not None
        raw_error = got_error = None
        try:
            raw = run(pair)
        except ValueError as error:
            raw_error = type(error).__name__
        try:
            got = summarized_numerical(method, ref_summary, cur_summary)
        except ValueError as error:
            got_error = type(error).__name__
        tally = tallies[method]
        if raw_error or got_error:
            # Both refuse (a constant column) is agreement on refusing; one alone is an error.
            tally.errors += raw_error != got_error
            continue
        tally.add(method, raw, got)
        results[method] = (raw, got)
        if times is not None and method in TIMED:
            times[method].append(_timings(method, ref, cur, settings))
    if "ks" in results and "wasserstein" in results:
        default_rule(results, tallies.setdefault(DEFAULT_RULE, Tally()))
    return results


def default_rule(results: dict[str, tuple[StatResult, BoundedResult]], tally: Tally) -> None:
    """The drift analysis' default numerical rule: KS p-value below 0.05 and Wasserstein at
    least 0.1 reference standard deviations; from profiles, undecided unless both bounds decide
    it (drifted) or either bound rules it out (not drifted)."""
    (ks_raw, ks), (w_raw, w) = results["ks"], results["wasserstein"]
    raw = METHODS["ks"].drifted(ks_raw) and METHODS["wasserstein"].drifted(w_raw)
    ks_says, w_says = ks.decision(METHODS["ks"]), w.decision(METHODS["wasserstein"])
    decided = False if False in (ks_says, w_says) else True if ks_says and w_says else None
    tally.cases += 1
    tally.exact += ks.exact and w.exact
    if decided is None:
        tally.undecided += 1
    elif decided == raw:
        tally.agree += 1
    else:
        tally.disagree += 1


def _timings(
    method: str, ref: FloatArray, cur: FloatArray, settings: ProfileSettings
) -> tuple[float, float]:
    run = METHODS[method].numerical
    assert run is not None
    start = time.perf_counter()
    run(SortedPair.from_samples(ref, cur))
    raw_seconds = time.perf_counter() - start
    ref_profile = NumericalProfile.from_values(ref, settings=settings)
    cur_profile = NumericalProfile.from_values(cur, settings=settings)
    start = time.perf_counter()
    summarized_numerical(method, summary_of(ref_profile), summary_of(cur_profile))
    return raw_seconds, time.perf_counter() - start


def print_tallies(title: str, tallies: dict[str, Tally]) -> None:
    print(f"\n### {title}\n")
    print(
        "| method | cases | exact | raw outside bounds | decisions agree | undecided "
        "| disagree | refused by one side only | median bound width (sketched) |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    total = Tally()
    for method, t in sorted(tallies.items(), key=lambda item: item[0] == DEFAULT_RULE):
        width = f"{np.median(t.widths):.4g}" if t.widths else "-"
        print(
            f"| {method} | {t.cases} | {t.exact} | {t.violations} | {t.agree} | {t.undecided} "
            f"| {t.disagree} | {t.errors} | {width} |"
        )
        if method == DEFAULT_RULE:
            continue
        for name in ("cases", "exact", "violations", "agree", "undecided", "disagree", "errors"):
            setattr(total, name, getattr(total, name) + getattr(t, name))
    print(
        f"| **all** | {total.cases} | {total.exact} | {total.violations} | {total.agree} "
        f"| {total.undecided} | {total.disagree} | {total.errors} | |"
    )


def synthetic(rows: int, settings: ProfileSettings, seed: int, timed: bool) -> None:
    tallies = {method: Tally() for method in NUMERICAL}
    times: dict[str, list[tuple[float, float]]] = collections.defaultdict(list)
    by_shift = {label: Tally() for label in SHIFTS}
    for d, (name, sample) in enumerate(DISTRIBUTIONS.items()):
        for s, (label, shift) in enumerate(SHIFTS.items()):
            rng = np.random.default_rng([seed, d, s])
            ref, cur = sample(rng, rows, 0.0), sample(rng, rows, shift)
            results = compare_case(ref, cur, settings, tallies, times if timed else None)
            default_rule(results, by_shift[label])
        print(f"  done: {name}", flush=True)
    cases = len(DISTRIBUTIONS) * len(SHIFTS)
    print_tallies(
        f"{rows:,}-row columns, {cases} cases, profiles with quantile_k={settings.quantile_k}, "
        f"max_exact_values={settings.max_exact_values}",
        tallies,
    )
    print("\nThe default rule by shift (7 distributions each):\n")
    print("| shift | exact | agree | undecided | disagree |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for label, t in by_shift.items():
        print(f"| {label} | {t.exact} | {t.agree} | {t.undecided} | {t.disagree} |")
    if timed:
        print(f"\n### Time per column ({rows:,} rows a side; median over {cases} cases)\n")
        print("| method | raw: sort + method, ms | from the two profiles, ms | speed-up |")
        print("| --- | ---: | ---: | ---: |")
        for method in TIMED:
            raw_ms = 1000 * float(np.median([r for r, _ in times[method]]))
            profile_ms = 1000 * float(np.median([p for _, p in times[method]]))
            print(f"| {method} | {raw_ms:.1f} | {profile_ms:.1f} | {raw_ms / profile_ms:.0f}x |")


def real_data(settings_list: list[ProfileSettings], splits: int) -> None:
    sets = {
        "breast_cancer": load_breast_cancer(),
        "wine": load_wine(),
        "diabetes": load_diabetes(),
    }
    for settings in settings_list:
        tallies = {kind: {method: Tally() for method in NUMERICAL} for kind in ("random", "target")}
        for name, bunch in sets.items():
            x, y = np.asarray(bunch.data, dtype=np.float64), np.asarray(bunch.target)
            by_target = y == y.min() if name != "diabetes" else y < np.median(y)
            for split in range(splits):
                rng = np.random.default_rng([split, len(name)])
                half = rng.permutation(x.shape[0]) < x.shape[0] // 2
                for column in range(x.shape[1]):
                    compare_case(x[half, column], x[~half, column], settings, tallies["random"])
            for column in range(x.shape[1]):
                compare_case(
                    x[by_target, column], x[~by_target, column], settings, tallies["target"]
                )
        label = f"quantile_k={settings.quantile_k}, max_exact_values={settings.max_exact_values}"
        print_tallies(f"Real data, random splits (not drifted), {label}", tallies["random"])
        print_tallies(f"Real data, split by target (drifted), {label}", tallies["target"])


def categorical(rows: int, seed: int) -> None:
    """Zipf-distributed labels over 3,000 categories (past `max_categories`, so the profiles keep
    frequent-items sketches): the reported categories plus one cell pooling the rest, each count
    within the sketch's `count_error` (the pooled cell within that times the cells reported)."""
    labels = np.array([f"c{i}" for i in range(3000)])
    weights = 1.0 / np.arange(1, labels.size + 1) ** 1.1
    tallies = {method: Tally() for method in ("chi2", "tv", "psi", "jensen_shannon")}
    for s, tilt in enumerate((0.0, 0.05, 0.5)):
        rng = np.random.default_rng([seed, 99, s])
        tilted = weights * np.exp(tilt * rng.standard_normal(labels.size))
        ref = rng.choice(labels, rows, p=weights / weights.sum())
        cur = rng.choice(labels, rows, p=tilted / tilted.sum())
        sides = [CategoricalProfile.from_values(x) for x in (ref, cur)]
        cells = sorted(set(sides[0].frequencies()) | set(sides[1].frequencies()))
        estimated, true, errors = [], [], []
        for profile, x in zip(sides, (ref, cur), strict=True):
            seen = profile.frequencies()
            counts = np.array([seen.get(c, 0) for c in cells], dtype=np.float64)
            other = max(profile.count - counts.sum(), 0.0)
            estimated.append(np.append(counts, other))
            error = np.full(len(cells) + 1, profile.count_error)
            error[-1] *= len(cells)
            errors.append(error)
            found, tally = np.unique(x, return_counts=True)
            exact = dict(zip(found.tolist(), tally.tolist(), strict=True))
            kept = np.array([exact.get(c, 0) for c in cells], dtype=np.float64)
            true.append(np.append(kept, x.size - kept.sum()))
        for method, tally_ in tallies.items():
            raw = RAW_CATEGORICAL[method](true[0], true[1])  # type: ignore[misc]
            got = summarized_categorical(
                method, *estimated, reference_error=errors[0], current_error=errors[1]
            )
            tally_.add(method, raw, got)
    print_tallies(
        f"{rows:,}-row categorical columns over 3,000 Zipf categories (frequent-items sketches), "
        "no drift, a small and a large tilt",
        tallies,
    )


def kll_error(trials: int, rows: int) -> None:
    """How far a KLL sketch's CDF strays from the data's, at every point at once, against the
    bound the summaries use (`histogram_error`)."""
    print(f"\n### KLL: largest CDF error over all points, {trials} sketches of {rows:,} values\n")
    print("| k | bound (histogram_error) | largest error seen | its share of the bound | over |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    for k in (32, 200, 2000):
        settings = ProfileSettings(quantile_k=k, max_exact_values=0)
        worst, over, bound = 0.0, 0, 0.0
        for trial in range(trials):
            x = np.sort(np.random.default_rng([trial, k]).normal(size=rows))
            profile = NumericalProfile.from_values(x, settings=settings)
            values, weights = profile.distribution()
            cumulative = np.concatenate([[0.0], np.cumsum(weights)]) / rows
            at = cumulative[np.searchsorted(values, x, side="right")]
            below = cumulative[np.searchsorted(values, x, side="left")]
            ranks = np.arange(1, rows + 1) / rows
            error = max(np.max(np.abs(at - ranks)), np.max(np.abs(below - ranks + 1 / rows)))
            bound = profile.histogram_error
            worst = max(worst, float(error))
            over += bool(error > bound)
        print(f"| {k} | {bound:.5f} | {worst:.5f} | {worst / bound:.2f} | {over} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--splits", type=int, default=5)
    parser.add_argument(
        "--quantile-k",
        type=int,
        default=2000,
        help="a second, larger KLL k for the synthetic columns (0: only the default)",
    )
    parser.add_argument("--quick", action="store_true", help="skip the second k and the timing")
    args = parser.parse_args()
    started = time.perf_counter()
    kll_error(20 if args.quick else 200, 100_000)
    synthetic(args.rows, ProfileSettings(), args.seed, timed=not args.quick)
    if args.quantile_k and not args.quick:
        synthetic(args.rows, ProfileSettings(quantile_k=args.quantile_k), args.seed, False)
    categorical(args.rows, args.seed)
    real_data([ProfileSettings(), ProfileSettings(quantile_k=64, max_exact_values=0)], args.splits)
    print(f"\n(total {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
