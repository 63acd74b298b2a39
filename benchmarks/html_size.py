"""Size of a 100-column HTML report, to show that plots built from summaries keep it small.

    .venv/bin/python benchmarks/html_size.py [--rows 100000] [--columns 100]

Prints a table: the standalone HTML size, the part that is Plotly's bundle (inlined once), the
part that is the report itself, the JSON size, and gzip sizes.
"""

from __future__ import annotations

import argparse
import gzip
import time

import numpy as np
import pandas as pd

import driftscope
from driftscope.report.html import plotly_js


def build(rows: int, columns: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    ref: dict[str, object] = {}
    cur: dict[str, object] = {}
    for j in range(columns):
        if j % 4 == 3:
            labels = np.array([f"cat_{k}" for k in range(5 + j % 40)], dtype=object)
            ref[f"c{j:03d}"] = rng.choice(labels, rows)
            cur[f"c{j:03d}"] = rng.choice(labels, rows)
        else:
            shift = 0.3 if j % 10 == 0 else 0.0
            ref[f"x{j:03d}"] = rng.normal(0, 1, rows)
            cur[f"x{j:03d}"] = rng.normal(shift, 1, rows)
    return pd.DataFrame(ref), pd.DataFrame(cur)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--columns", type=int, default=100)
    args = parser.parse_args()
    ref, cur = build(args.rows, args.columns)
    start = time.perf_counter()
    report = driftscope.compare(ref, cur)
    html = report.to_html()
    js = report.to_json()
    elapsed = time.perf_counter() - start
    plotly_bytes = len(plotly_js().encode())
    html_bytes = len(html.encode())
    rows = [
        ("columns", f"{args.columns}"),
        ("rows per side", f"{args.rows:,}"),
        ("HTML, standalone", f"{html_bytes:,} B"),
        ("  of which Plotly bundle (inlined once)", f"{plotly_bytes:,} B"),
        ("  of which the report itself", f"{html_bytes - plotly_bytes:,} B"),
        ("HTML, gzip", f"{len(gzip.compress(html.encode())):,} B"),
        ("JSON", f"{len(js.encode()):,} B"),
        ("compare + render time", f"{elapsed:.2f} s"),
    ]
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value:>16}")


if __name__ == "__main__":
    main()
