"""`driftscope.profile` vs whylogs 1.6 on the same Parquet files, in one run.

Run with driftscope's venv python:

    bash benchmarks/setup_whylogs.sh                      # once: whylogs' own venv (numpy < 2)
    .venv/bin/python benchmarks/profile_vs_whylogs.py     # 1M rows, 3 repeats each: ~5 min
    .venv/bin/python benchmarks/profile_vs_whylogs.py --rows 100000 --repeats 1   # quick check

What it does:

1. Generates (seeded numpy) one table of ``--rows`` rows and 25 columns: 7 float columns
   (normal, lognormal, uniform, exponential, beta, 5% missing, prices in cents: 500 distinct
   values), 5 integer ones (ages, Poisson counts, ratings 1-5, and two with about a million
   distinct values), 10 categorical ones (strings, 2 to 50,000 categories, Zipf weights, 2%
   missing in some), 2 boolean ones and a text column (3 to 12 words of a 5,000-word
   vocabulary). Writes it to Parquet, and its first 6 float columns alone to a second file:
   the issue's whylogs reference shape (1M x 6 numerical).
2. Alternates, ``--repeats`` times: whylogs in its own venv (``_run_whylogs.py``: one process
   per repeat, an untimed warm-up in it), then driftscope in this process, on the same files.
   Each tool is timed on the DataFrame it reads from the file (already in memory: pandas 2 for
   whylogs, pandas 3 here), and from the file (the read included): ``why.log(pandas=frame)``
   and ``driftscope.profile(frame, schema)`` / ``driftscope.profile(path, schema)``, with the
   kinds given (no inference). driftscope runs its default: columns on a thread pool of
   ``os.cpu_count()`` threads; whylogs profiles on one thread. In memory, each process's CPU
   time is recorded too (all its threads): on a shared machine it is the steadier measure of
   the work, where wall time includes waiting for a core. A last row times driftscope on one
   thread (leave it out with ``--no-one-thread-row``), so the ratio can be read per core too.
3. Prints the medians, their ratio, and the serialized sizes: the whole profile
   (``DatasetProfileView.serialize()`` and ``Profile.to_bytes()``), and the median and largest
   bytes per column of each kind (whylogs' ``ColumnProfileView.serialize()``; driftscope's
   column state as the file holds it: its JSON fields and binary blocks).

Targets (issue 16), at 1,000,000 rows: driftscope's median at least 20x faster than whylogs' on
the 25-column table, and the profile at most whylogs' size per column kind. ``--check`` exits
1 when one is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

import driftscope
import driftscope.data.profile as profile_module
from _bench_data import BENCH_DIR, DEFAULT_OUT, run_tool
from _bench_util import print_header, read_json, write_json

GENERATOR_VERSION = 1
WHYLOGS_PYTHON = BENCH_DIR / ".venv-whylogs" / "bin" / "python"
TARGET_ROWS = 1_000_000
TARGET_RATIO = 20.0
SIX = ["f_normal", "f_lognormal", "f_uniform", "f_exponential", "f_beta", "f_missing"]


# (driftscope's measure, its label, whylogs' measure it is set against)
ROWS = (
    ("in_memory", "in memory", "seconds_in_memory"),
    ("cpu_in_memory", "in memory, CPU", "cpu_seconds_in_memory"),
    ("from_file", "from the file", "seconds_from_file"),
    ("one_thread", "1 thread", "seconds_in_memory"),
)


def make_table(rows: int, seed: int = 0) -> tuple[pd.DataFrame, dict[str, str]]:
    """The 25-column table and each column's kind (driftscope's schema words)."""
    rng = np.random.default_rng(seed)
    data: dict[str, Any] = {}
    kinds: dict[str, str] = {}
    missing = rng.normal(0.0, 1.0, rows)
    missing[rng.random(rows) < 0.05] = np.nan
    floats = {
        "f_normal": rng.normal(50.0, 10.0, rows),
        "f_lognormal": rng.lognormal(3.0, 1.0, rows),
        "f_uniform": rng.uniform(0.0, 1.0, rows),
        "f_exponential": rng.exponential(2.0, rows),
        "f_beta": rng.beta(2.0, 5.0, rows),
        "f_missing": missing,
        "f_price": rng.integers(0, 500, rows) / 100.0,
    }
    ints = {
        "i_age": rng.integers(18, 91, rows),
        "i_count": rng.poisson(3.0, rows),
        "i_rating": rng.integers(1, 6, rows),
        "i_amount_cents": rng.integers(0, 10_000_000, rows),
        "i_duration_ms": np.round(rng.lognormal(8.0, 2.0, rows)).astype(np.int64),
    }
    for name, values in {**floats, **ints}.items():
        data[name], kinds[name] = values, "numerical"
    for i, levels in enumerate((2, 3, 5, 10, 20, 50, 200, 1000, 5000, 50_000)):
        names = np.array([f"c{i}_{j}" for j in range(levels)], dtype=object)
        weights = 1.0 / np.arange(1, levels + 1)
        labels = names[rng.choice(levels, rows, p=weights / weights.sum())]
        if i % 3 == 0:
            labels[rng.random(rows) < 0.02] = None
        data[f"cat_{i}"], kinds[f"cat_{i}"] = labels, "categorical"
    data["b_flag"], kinds["b_flag"] = rng.random(rows) < 0.3, "boolean"
    data["b_active"], kinds["b_active"] = rng.random(rows) < 0.8, "boolean"
    vocabulary = np.array([f"w{j}" for j in range(5000)], dtype=object)
    lengths = rng.integers(3, 13, rows)
    words = vocabulary[rng.zipf(1.3, int(lengths.sum())) % vocabulary.size]
    ends = np.cumsum(lengths)
    data["text"] = [" ".join(words[e - n : e]) for e, n in zip(ends, lengths, strict=True)]
    kinds["text"] = "text"
    return pd.DataFrame(data), kinds


def prepare(rows: int, seed: int, out_dir: Path) -> tuple[Path, dict[str, Any]]:
    """Write the two Parquet files and meta.json (reused while meta.json is unchanged)."""
    data_dir = out_dir / f"profile-{rows}"
    meta_path = data_dir / "meta.json"
    expected = {"generator": GENERATOR_VERSION, "rows": rows, "seed": seed}
    if meta_path.exists() and read_json(meta_path).get("key") == expected:
        return data_dir, read_json(meta_path)
    start = time.perf_counter()
    frame, kinds = make_table(rows, seed)
    data_dir.mkdir(parents=True, exist_ok=True)
    tables = {"25 columns": "table-25.parquet", "6 numerical": "table-6.parquet"}
    frame.to_parquet(data_dir / tables["25 columns"], index=False)
    frame[SIX].to_parquet(data_dir / tables["6 numerical"], index=False)
    meta = {"key": expected, "kinds": kinds, "tables": tables}
    write_json(meta_path, meta)
    print(f"data: {rows:,} rows written to {data_dir} in {time.perf_counter() - start:.1f} s")
    return data_dir, meta


def column_bytes(result: driftscope.Profile) -> dict[str, int]:
    """Each column's share of `Profile.to_bytes`: its JSON fields and its binary blocks."""
    sizes = {}
    for name, column in result.columns.items():
        state, blobs = column.to_state()
        text = json.dumps(state, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        sizes[name] = len(text) + sum(len(b) for b in blobs.values())
    return sizes


def time_driftscope(
    data_dir: Path, meta: dict[str, Any], results: dict[str, dict[str, Any]]
) -> None:
    """One repeat of driftscope on each table, in memory and from the file."""
    for name, file in meta["tables"].items():
        path = data_dir / file
        frame = pd.read_parquet(path)
        schema = {"columns": {c: meta["kinds"][c] for c in frame.columns}}
        entry = results.setdefault(name, {key: [] for key, _, _ in ROWS})
        start, cpu = time.perf_counter(), time.process_time()
        result = driftscope.profile(frame, schema)
        entry["in_memory"].append(time.perf_counter() - start)
        entry["cpu_in_memory"].append(time.process_time() - cpu)
        start = time.perf_counter()
        driftscope.profile(path, schema)
        entry["from_file"].append(time.perf_counter() - start)
        if meta.get("one_thread"):
            saved = profile_module._PARALLEL_ROWS
            profile_module._PARALLEL_ROWS = sys.maxsize  # below it, one thread
            try:
                start = time.perf_counter()
                driftscope.profile(frame, schema)
                entry["one_thread"].append(time.perf_counter() - start)
            finally:
                profile_module._PARALLEL_ROWS = saved
        entry["profile_bytes"] = len(result.to_bytes())
        entry["column_bytes"] = column_bytes(result)
        print(
            f"  driftscope {name}: {entry['in_memory'][-1]:.2f} s in memory, "
            f"{entry['from_file'][-1]:.2f} s from the file",
            flush=True,
        )


def kind_of(column: str, kinds: dict[str, str]) -> str:
    kind = kinds[column]
    if kind == "numerical":
        return "numerical (float)" if column.startswith("f_") else "numerical (int)"
    return kind


def print_tables(
    rows: int, meta: dict[str, Any], ours: dict[str, Any], theirs: list[dict[str, Any]] | None
) -> list[tuple[str, bool, str]]:
    med = statistics.median
    checks = []
    print(f"\n{rows:,} rows; median of {len(next(iter(ours.values()))['in_memory'])} repeats")
    header = (
        f"{'table':<12} {'timed':<15} {'whylogs s':>10} {'driftscope s':>13} {'ratio':>7} "
        f"{'whylogs bytes':>14} {'driftscope bytes':>17}"
    )
    print_header(header)
    for name in meta["tables"]:
        mine = ours[name]
        for what, label, key in ROWS:
            if not mine[what]:
                continue
            their_s = med([s for t in theirs for s in t["tables"][name][key]]) if theirs else None
            our_s = med(mine[what])
            their_b = theirs[0]["tables"][name]["profile_bytes"] if theirs else None
            ratio = their_s / our_s if their_s else None
            print(
                f"{name:<12} {label:<15} {_f(their_s, '.2f'):>10} {our_s:>13.2f} "
                f"{_f(ratio, '.1f'):>7} {_f(their_b, ',d'):>14} {mine['profile_bytes']:>17,}"
            )
            if name == "25 columns" and what == "in_memory" and ratio is not None:
                checks.append(
                    (
                        f"{TARGET_RATIO:g}x faster than whylogs",
                        ratio >= TARGET_RATIO,
                        f"{ratio:.1f}x",
                    )
                )
    print(f"\nbytes per column, over the columns of each kind ({rows:,} rows)")
    header = (
        f"{'kind':<20} {'columns':>8} {'whylogs median':>15} {'driftscope median':>18} "
        f"{'whylogs max':>12} {'driftscope max':>15}"
    )
    print_header(header)
    sizes = ours["25 columns"]["column_bytes"]
    their_sizes = theirs[0]["tables"]["25 columns"]["column_bytes"] if theirs else {}
    groups: dict[str, list[str]] = {}
    for column in sizes:
        groups.setdefault(kind_of(column, meta["kinds"]), []).append(column)
    for kind, columns in groups.items():
        our_b = med(sizes[c] for c in columns)
        their_b = med(their_sizes[c] for c in columns) if their_sizes else None
        their_max = max(their_sizes[c] for c in columns) if their_sizes else None
        print(
            f"{kind:<20} {len(columns):>8} {_f(their_b, ',.0f'):>15} {our_b:>18,.0f} "
            f"{_f(their_max, ',d'):>12} {max(sizes[c] for c in columns):>15,}"
        )
        if their_b is not None:
            checks.append(
                (
                    f"{kind} at most whylogs' size",
                    our_b <= their_b,
                    f"{our_b:,.0f} vs {their_b:,.0f} bytes",
                )
            )
    return checks


def _f(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=TARGET_ROWS)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out-dir", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--skip-whylogs", action="store_true")
    parser.add_argument("--no-one-thread-row", action="store_true")
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    data_dir, meta = prepare(args.rows, args.seed, args.out_dir)
    meta = {**meta, "one_thread": not args.no_one_thread_row}
    if not args.skip_whylogs and not WHYLOGS_PYTHON.exists():
        print(
            f"whylogs' venv is missing ({WHYLOGS_PYTHON}): run benchmarks/setup_whylogs.sh "
            "or pass --skip-whylogs."
        )
        return 2
    # Warm-up (imports, first calls), untimed, as the whylogs runner does.
    small = pd.read_parquet(data_dir / meta["tables"]["25 columns"]).head(1000)
    driftscope.profile(small, {"columns": meta["kinds"]})
    print(f"driftscope {driftscope.__version__}, {os.cpu_count()} CPUs", flush=True)
    ours: dict[str, dict[str, Any]] = {}
    theirs: list[dict[str, Any]] = []
    for repeat in range(args.repeats):
        if not args.skip_whylogs:
            out = args.out_dir / f"whylogs-{args.rows}-{repeat}.json"
            code = run_tool("whylogs", WHYLOGS_PYTHON, "_run_whylogs.py", data_dir, out, 1)
            if code != 0:
                print(f"whylogs' runner failed (exit {code}).")
                return 2
            theirs.append(read_json(out))
        time_driftscope(data_dir, meta, ours)
    checks = print_tables(args.rows, meta, ours, theirs or None)
    summary = data_dir / "summary.json"
    write_json(summary, {"driftscope": ours, "whylogs": theirs, "kinds": meta["kinds"]})
    print(f"\nEach repeat's seconds and each column's bytes: {summary}")
    if theirs:
        versions = theirs[0]["versions"]
        print("\nwhylogs side: " + ", ".join(f"{k} {v}" for k, v in versions.items()))
    failed = False
    for label, passed, measured in checks:
        print(f"{'PASS' if passed else 'MISS'}  {label}: {measured}")
        failed |= not passed
    return 1 if args.check and failed and args.rows >= TARGET_ROWS else 0


if __name__ == "__main__":
    raise SystemExit(main())
