"""Profiling a Spark DataFrame: `driftscope.spark.profile` on 100M rows x 25 columns, local[2].

Run with driftscope's venv python (pyspark installed: the ``spark`` extra; Java 17):

    .venv/bin/python benchmarks/spark_profile.py                      # 100,000,000 rows
    .venv/bin/python benchmarks/spark_profile.py --rows 2000000 --partitions 4   # quick check
    .venv/bin/python benchmarks/spark_profile.py --rows 10000000 --partitions 10 --baseline

The rows are generated inside Spark (``spark.range`` and column expressions: 15 numerical
columns, normal, exponential, uniform, small integer counts, some with 2% missing, and 10
categorical string columns of 3 to 20,000 categories), never collected. One profile is built
through ``mapInArrow`` per partition and merged on the executors; the driver receives the
merged profile's bytes.

While it runs, a thread samples every ``--every`` seconds the resident memory (RSS, from
/proc) of the driver's Python process, of the JVM (in local mode the driver and the executors
share it), and of the Python workers, together with Spark's count of finished tasks: each task
is one partition of ``rows / partitions`` rows, so the table shows the memory reached when 10%,
50% and 100% of the rows have been profiled. Flat means the driver's memory does not grow
with the rows profiled. Rows per second per core divides by the 2 cores of local[2]; on a
shared machine the CPU seconds used by this process, the JVM and the Python workers (from
/proc) give rows per CPU second, the number to size a cluster by.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MIB = 1024 * 1024


@dataclass
class Sample:
    seconds: float
    tasks_done: int
    driver_python: int
    jvm: int
    workers: int


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _cpu_seconds(pid: int) -> float:
    """User and system CPU seconds of a process and of its waited-for children."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    # utime, stime, cutime, cstime: fields 14 to 17 of proc(5), after the command in brackets.
    return sum(int(v) for v in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def _descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        for child in _children(todo.pop()):
            out.append(child)
            todo.append(child)
    return out


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _processes() -> tuple[list[int], list[int]]:
    """The JVM's pids and the Python workers' pids, among this process's descendants."""
    jvm, workers = [], []
    for pid in _descendants(os.getpid()):
        command = _command(pid)
        if "java" in command.split(" ")[0]:
            jvm.append(pid)
        elif "python" in command.split(" ")[0]:
            workers.append(pid)
    return jvm, workers


def _tree_cpu() -> float:
    """CPU seconds of this process, the JVM and the Python workers (read live: Spark reuses
    its workers between tasks, and reaped ones count in their parent's children's time)."""
    jvm, workers = _processes()
    return sum(_cpu_seconds(p) for p in [os.getpid(), *jvm, *workers])


def make_frame(spark: Any, rows: int, partitions: int) -> Any:
    from pyspark.sql import functions as F

    columns = []
    for i in range(15):
        kind = i % 5
        if kind == 0:
            column = F.randn(i) * (1 + i) + i
        elif kind == 1:
            column = -F.log(F.rand(i) + F.lit(1e-12))
        elif kind == 2:
            column = F.rand(i) * (2 * i + 1) - i
        elif kind == 3:
            column = F.floor(F.rand(i) * (6 + i))  # few distinct values: kept exactly
        else:
            column = F.when(F.rand(100 + i) < 0.02, None).otherwise(F.randn(i))
        columns.append(column.alias(f"num_{i}"))
    for i, levels in enumerate((3, 5, 10, 20, 50, 100, 500, 1000, 5000, 20000)):
        # A Zipf-like skew: the square of a uniform puts more rows on the first categories.
        code = F.floor(F.pow(F.rand(200 + i), 2) * levels).cast("int")
        column = F.concat(F.lit(f"c{i}_"), code.cast("string"))
        if i % 3 == 0:
            column = F.when(F.rand(300 + i) < 0.02, None).otherwise(column)
        columns.append(column.alias(f"cat_{i}"))
    return spark.range(0, rows, numPartitions=partitions).select(*columns)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000_000)
    parser.add_argument("--partitions", type=int, default=100)
    parser.add_argument("--every", type=float, default=0.5, help="seconds between RSS samples")
    parser.add_argument("--driver-memory", default="2g")
    parser.add_argument(
        "--baseline",
        action="store_true",
        help="also time Spark generating the same rows alone (a no-op write), before profiling",
    )
    args = parser.parse_args()

    os.environ["PYSPARK_PYTHON"] = sys.executable
    from pyspark.sql import SparkSession

    import driftscope
    import driftscope.spark as ds

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")
        spark = (
            SparkSession.builder.master("local[2]")
            .appName("driftscope-benchmark")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.memory", args.driver_memory)
            .getOrCreate()
        )
    spark.sparkContext.setLogLevel("ERROR")
    tracker = spark.sparkContext.statusTracker()
    frame = make_frame(spark, args.rows, args.partitions)
    # The schema is fixed first (it reads 10,000 rows), so that the sampled run is the profile.
    start = time.perf_counter()
    schema = ds.infer_schema(frame)
    schema_seconds = time.perf_counter() - start

    if args.baseline:
        # What Spark spends making the rows, which the profile's time and CPU include.
        cpu_before = _tree_cpu()
        start = time.perf_counter()
        frame.write.format("noop").mode("overwrite").save()
        seconds = time.perf_counter() - start
        cpu = _tree_cpu() - cpu_before
        print(f"Generating the rows alone (no-op write): {seconds:.1f} s wall, {cpu:.0f} CPU s")

    samples: list[Sample] = []
    done = threading.Event()

    def tasks_done() -> int:
        total = 0
        for stage in tracker.getActiveStageIds():
            info = tracker.getStageInfo(stage)
            if info is not None and info.numTasks == args.partitions:
                total = max(total, info.numCompletedTasks)
        return total

    def sample() -> None:
        begin = time.perf_counter()
        finished = 0
        while not done.is_set():
            jvm, workers = _processes()
            finished = max(finished, tasks_done())
            samples.append(
                Sample(
                    time.perf_counter() - begin,
                    finished,
                    _rss(os.getpid()),
                    sum(_rss(p) for p in jvm),
                    sum(_rss(p) for p in workers),
                )
            )
            done.wait(args.every)

    print(f"Load average (1, 5, 15 min) at the start: {os.getloadavg()}")
    sampler = threading.Thread(target=sample, daemon=True)
    cpu_before = _tree_cpu()
    start = time.perf_counter()
    sampler.start()
    result = ds.profile(frame, schema)
    seconds = time.perf_counter() - start
    cpu = _tree_cpu() - cpu_before
    done.set()
    sampler.join()
    size = len(result.to_bytes())
    assert result.n_rows == args.rows, (result.n_rows, args.rows)

    rows_per_task = args.rows / args.partitions
    print(
        f"driftscope {driftscope.__version__}, Spark {spark.version}, local[2], "
        f"{args.rows:,} rows x {len(frame.columns)} columns in {args.partitions} partitions"
    )
    print(
        "\n| rows | wall s | rows/s | rows/s/core (wall) | CPU s | rows per CPU s | "
        "profile bytes | schema (10,000-row sample) s |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    print(
        f"| {args.rows:,} | {seconds:.1f} | {args.rows / seconds:,.0f} | "
        f"{args.rows / seconds / 2:,.0f} | {cpu:,.0f} | {args.rows / cpu:,.0f} | {size:,} | "
        f"{schema_seconds:.1f} |"
    )
    print("\nResident memory (MiB) by rows profiled (peak of the samples up to that point):\n")
    print("| rows profiled | at s | driver Python | JVM (driver + executors) | Python workers |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    for share in (0.1, 0.5, 1.0):
        target = round(share * args.partitions)
        reached = next((s for s in samples if s.tasks_done >= target), samples[-1])
        upto = [s for s in samples if s.seconds <= reached.seconds]
        print(
            f"| {target * rows_per_task:,.0f} | {reached.seconds:.0f} | "
            f"{max(s.driver_python for s in upto) / MIB:,.0f} | "
            f"{max(s.jvm for s in upto) / MIB:,.0f} | "
            f"{max(s.workers for s in upto) / MIB:,.0f} |"
        )
    print(f"\nLoad average (1, 5, 15 min) at the end: {os.getloadavg()}")
    spark.stop()


if __name__ == "__main__":
    main()
