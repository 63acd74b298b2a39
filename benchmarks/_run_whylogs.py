"""whylogs side of profile_vs_whylogs.py. Runs ONLY in benchmarks/.venv-whylogs
(setup_whylogs.sh); whylogs is never a dependency of driftscope.

    benchmarks/.venv-whylogs/bin/python benchmarks/_run_whylogs.py \
        --data-dir benchmarks/out/profile-1000000 --out benchmarks/out/whylogs-1.json

Reads ``meta.json`` from ``--data-dir``: the tables to profile, each a Parquet file there. After
an untimed warm-up on the first 1,000 rows, times, for each table,
``why.log(pandas=frame).view()`` on the DataFrame already in memory (read once by
``pandas.read_parquet``; wall and this process's CPU time), and the same preceded by
``pandas.read_parquet`` of the file (the "from the file" time), ``--repeats`` times each.
Writes JSON: the seconds of each repeat, and the size of the serialized profile
(``DatasetProfileView.serialize()``) in all and per column (``ColumnProfileView.serialize()``),
so that the caller can group them by kind.
whylogs' usage statistics are switched off: the benchmark must not touch the network.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _bench_util import Stopwatch, log, machine_info, module_versions, read_json, write_json

os.environ["WHYLOGS_NO_ANALYTICS"] = "True"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()

    import pandas as pd
    import whylogs as why

    warnings.filterwarnings("ignore")
    meta = read_json(args.data_dir / "meta.json")
    tables: dict[str, str] = meta["tables"]
    results: dict[str, Any] = {}
    for i, (name, file) in enumerate(tables.items()):
        path = args.data_dir / file
        part = pd.read_parquet(path)
        columns = list(part.columns)
        if i == 0:
            why.log(pandas=part.head(1000)).view()  # warm-up: imports and first-call set-up
        in_memory: list[float] = []
        cpu: list[float] = []
        from_file: list[float] = []
        view: Any = None
        for _ in range(args.repeats):
            start = time.process_time()
            with Stopwatch() as sw:
                view = why.log(pandas=part).view()
            in_memory.append(sw.seconds)
            cpu.append(time.process_time() - start)
            with Stopwatch() as sw:
                why.log(pandas=pd.read_parquet(path)).view()
            from_file.append(sw.seconds)
            log(f"{name}: {in_memory[-1]:.2f}s in memory, {from_file[-1]:.2f}s from the file")
        results[name] = {
            "seconds_in_memory": in_memory,
            "cpu_seconds_in_memory": cpu,
            "seconds_from_file": from_file,
            "profile_bytes": len(view.serialize()),
            "column_bytes": {c: len(view.get_column(c).serialize()) for c in columns},
            "dtypes": {c: str(part[c].dtype) for c in columns},
        }
    write_json(
        args.out,
        {
            "tool": "whylogs",
            "versions": module_versions("whylogs", "numpy", "pandas", "pyarrow"),
            "machine": machine_info(),
            "tables": results,
        },
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
