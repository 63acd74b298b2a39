"""Image feature extraction: images per second and peak memory, with 1 and 2 worker processes.

Run with driftscope's venv python:

    .venv/bin/python benchmarks/images.py                    # 2,000 and 500 images, 256x256
    .venv/bin/python benchmarks/images.py --n 400 --small-n 100   # quick check
    .venv/bin/python benchmarks/images.py --format png --workers 1 2

It writes ``--n`` seeded ``--size`` x ``--size`` RGB images (smooth colour gradients, a few
filled shapes, Gaussian noise of a random level; JPEG quality 90 by default) into a temporary
folder, then runs ``extract_image_features`` on the first ``--small-n`` and on all ``--n`` of
them, once per worker count. Each run is a fresh Python process, so its memory figures are its
own:

- **images/s**: files / wall time of the ``extract_image_features`` call. With workers this
  includes starting them: the fork server imports driftscope once (about 1-2 s), then each
  worker is a fork of it.
- **CPU time**: user + system CPU seconds of the runner (``getrusage``) and of every process
  under it (the fork server and the workers, read from ``/proc/<pid>/stat``), and
  **images/CPU-s**. On a shared machine wall time also counts the time other processes held
  the cores; CPU time does not.
- **peak RSS, tree** and **peak PSS, tree**: the largest sums of the resident set sizes, and of
  the proportional set sizes, of the runner and all processes under it, sampled from ``/proc``
  every 20 ms (PSS every 0.5 s: reading it costs milliseconds of kernel time; Linux only,
  "n/a" elsewhere). Forked workers share the fork server's pages (numpy, Pillow, pandas,
  driftscope), which RSS counts in full in every process and PSS splits between them, so PSS
  is closer to the memory the extraction really holds. PSS also splits the pages of
  shared libraries with every other process on the machine that maps them, so on a shared
  machine it moves by tens of MiB between runs; RSS is the steadier figure to compare runs.
- **main**: ``ru_maxrss`` of the runner; **largest other process**: the largest sampled RSS of
  a worker or of the fork server.
- **RSS before**: the runner's RSS after imports, before the call.

Peak memory should not grow with the number of images (files are read one at a time per
worker and only one row of numbers per image is kept); the table shows the 500 and 2,000 image
runs side by side.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _bench_util import MIB, current_rss_bytes, log, machine_info, module_versions

SAMPLE_SECONDS = 0.02
PSS_EVERY = 25  # samples: PSS every 0.5 s
PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def make_image(rng: np.random.Generator, size: int) -> Image.Image:
    """A smooth colour gradient, a few filled shapes and Gaussian noise."""
    y, x = np.mgrid[0:size, 0:size] / size
    angle = rng.uniform(0, 2 * np.pi)
    ramp = np.cos(angle) * x + np.sin(angle) * y
    base = rng.uniform(20, 200, 3)
    slope = rng.uniform(-60, 60, 3)
    pixels = base + slope * ramp[:, :, np.newaxis]
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(int(rng.integers(1, 6))):
        x0, y0 = rng.integers(0, size - 16, 2)
        w, h = rng.integers(8, size // 2, 2)
        box = (int(x0), int(y0), int(min(x0 + w, size - 1)), int(min(y0 + h, size - 1)))
        fill = tuple(int(v) for v in rng.integers(0, 256, 3))
        if rng.random() < 0.5:
            draw.ellipse(box, fill=fill)
        else:
            draw.rectangle(box, fill=fill)
    noisy = np.asarray(image, dtype=np.float64) + rng.normal(0, rng.uniform(0, 12), (size, size, 3))
    return Image.fromarray(np.clip(np.rint(noisy), 0, 255).astype(np.uint8))


def write_images(folder: Path, n: int, size: int, fmt: str, seed: int) -> list[Path]:
    rng = np.random.default_rng(seed)
    suffix = "jpg" if fmt == "jpeg" else fmt
    paths = []
    for i in range(n):
        path = folder / f"img{i:05d}.{suffix}"
        params = {"quality": 90} if fmt == "jpeg" else {}
        make_image(rng, size).save(path, **params)
        paths.append(path)
    return paths


# --- the runner: one measured extraction in this process ---------------------------------


def _children(pid: int) -> list[int]:
    """The child processes of ``pid`` (all its threads), from /proc."""
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as handle:
                found.extend(int(child) for child in handle.read().split())
        except OSError:
            continue  # the thread ended meanwhile
    return found


@dataclass
class _Process:
    rss: int = 0
    cpu_ticks: int = 0


def _read_process(pid: int, with_pss: bool) -> tuple[int, int, int] | None:
    """RSS, PSS (bytes; 0 unless ``with_pss``) and user + system CPU ticks of ``pid``, or None
    if it has ended."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        with open(f"/proc/{pid}/statm", encoding="ascii") as handle:
            rss = int(handle.read().split()[1]) * PAGE
        pss = 0
        if with_pss:
            # Several ms of kernel time per read (it walks the page tables): done rarely.
            with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as handle:
                for line in handle:
                    if line.startswith("Pss:"):
                        pss = int(line.split()[1]) * 1024
                        break
    except (OSError, IndexError, ValueError):
        return None
    # Fields 14 and 15 of stat (utime, stime); the split starts at field 3.
    return rss, pss, int(fields[11]) + int(fields[12])


class TreeSampler:
    """Samples this process and all its descendants (workers, a fork server and its children)
    from /proc every `SAMPLE_SECONDS` in a thread: the peak sums of RSS and (every `PSS_EVERY`
    samples) PSS, each process's peak RSS, and each descendant's CPU time."""

    def __init__(self) -> None:
        self.peak_rss: int | None = None
        self.peak_pss: int | None = None
        self.processes: dict[int, _Process] = {}
        self._count = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> None:
        with_pss = self._count % PSS_EVERY == 0
        self._count += 1
        root = os.getpid()
        total_rss = total_pss = 0
        todo, seen = [root], False
        while todo:
            pid = todo.pop()
            read = _read_process(pid, with_pss)
            if read is None:
                continue  # ended meanwhile
            seen = True
            rss, pss, ticks = read
            total_rss += rss
            total_pss += pss
            process = self.processes.setdefault(pid, _Process())
            process.rss = max(process.rss, rss)
            process.cpu_ticks = max(process.cpu_ticks, ticks)
            todo.extend(_children(pid))
        if seen:
            self.peak_rss = max(self.peak_rss or 0, total_rss)
            if with_pss:
                self.peak_pss = max(self.peak_pss or 0, total_pss)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(SAMPLE_SECONDS)

    def __enter__(self) -> TreeSampler:
        self.sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._count = 0
        self.sample()  # a last PSS reading, with the workers (if any) gone

    def descendants_cpu_seconds(self) -> float:
        ticks = sum(p.cpu_ticks for pid, p in self.processes.items() if pid != os.getpid())
        return ticks / os.sysconf("SC_CLK_TCK")


def run_one(folder: Path, n: int, workers: int, chunksize: int) -> dict[str, object]:
    from driftscope.modalities.images import extract_image_features

    paths = sorted(folder.iterdir())[:n]
    rows = list(range(len(paths)))
    rss_before = current_rss_bytes()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = usage.ru_utime + usage.ru_stime
    with TreeSampler() as sampler:
        start = time.perf_counter()
        table, problems = extract_image_features(paths, rows, workers=workers, chunksize=chunksize)
        seconds = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime - cpu_before + sampler.descendants_cpu_seconds()
    others = [p.rss for pid, p in sampler.processes.items() if pid != os.getpid()]
    kib = 1 if sys.platform == "darwin" else 1024
    return {
        "n": len(paths),
        "workers": workers,
        "seconds": seconds,
        "images_per_second": len(paths) / seconds,
        "cpu_seconds": cpu,
        "rows": len(table),
        "problems": len(problems),
        "rss_before_bytes": rss_before,
        "peak_tree_rss_bytes": sampler.peak_rss,
        "peak_tree_pss_bytes": sampler.peak_pss,
        "peak_main_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * kib,
        "peak_largest_other_bytes": max(others, default=None),
        "other_processes": len(others),
        "brightness_mean": float(table["brightness"].mean()),
    }


# --- the driver --------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    n: int
    workers: int
    data: dict[str, object]


def _mib(value: object) -> str:
    return "n/a" if not isinstance(value, int) or value == 0 else f"{value / MIB:,.0f} MiB"


def measure(folder: Path, n: int, workers: int, chunksize: int) -> Result:
    command = [
        sys.executable,
        __file__,
        "--run-one",
        str(folder),
        "--n",
        str(n),
        "--workers",
        str(workers),
        "--chunksize",
        str(chunksize),
    ]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    data = json.loads(done.stdout)
    log(f"{n} images, {workers} worker(s): {data['seconds']:.2f}s")
    return Result(n, workers, data)


def print_table(results: list[Result], args: argparse.Namespace) -> None:
    print(
        f"\nImage features: {args.size}x{args.size} RGB {args.format.upper()}, "
        f"chunksize {args.chunksize}, {machine_info()['cpu_count']} CPUs, "
        f"Pillow {module_versions('PIL')['PIL']}, numpy {np.__version__}\n"
    )
    print(
        "| images | workers | time | images/s | CPU time | images/CPU-s | peak RSS, tree "
        "| peak PSS, tree | main | largest other process | RSS before | rows / problems |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        d = r.data
        print(
            f"| {r.n:,} | {r.workers} | {d['seconds']:.2f} s | {d['images_per_second']:,.0f} "
            f"| {d['cpu_seconds']:.2f} s | {r.n / d['cpu_seconds']:,.0f} "
            f"| {_mib(d['peak_tree_rss_bytes'])} | {_mib(d['peak_tree_pss_bytes'])} "
            f"| {_mib(d['peak_main_bytes'])} | {_mib(d['peak_largest_other_bytes'])} "
            f"| {_mib(d['rss_before_bytes'])} | {d['rows']} / {d['problems']} |"
        )
    by_workers: dict[int, list[Result]] = {}
    for r in results:
        by_workers.setdefault(r.workers, []).append(r)
    for workers, rows in by_workers.items():
        if len(rows) < 2:
            continue
        small, large = min(rows, key=lambda r: r.n), max(rows, key=lambda r: r.n)
        growth = []
        for key, label in (("peak_tree_rss_bytes", "RSS"), ("peak_tree_pss_bytes", "PSS")):
            low, high = small.data[key], large.data[key]
            if isinstance(low, int) and isinstance(high, int):
                growth.append(f"{label} {(high - low) / MIB:+,.1f} MiB")
        if growth:
            print(
                f"\n{workers} worker(s), peak of the tree at {large.n:,} images minus at "
                f"{small.n:,}: {', '.join(growth)}"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--n", type=int, default=2000, help="images in the large run")
    parser.add_argument("--small-n", type=int, default=500, help="images in the small run")
    parser.add_argument("--size", type=int, default=256, help="image width and height")
    parser.add_argument("--format", choices=["jpeg", "png"], default="jpeg")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--chunksize", type=int, default=16)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--run-one", type=Path, metavar="FOLDER", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.run_one is not None:
        print(json.dumps(run_one(args.run_one, args.n, args.workers[0], args.chunksize)))
        return 0
    if min(args.n, args.small_n, args.size, args.chunksize, *args.workers) < 1:
        parser.error("--n, --small-n, --size, --chunksize and --workers must be positive")

    with tempfile.TemporaryDirectory(prefix="driftscope-images-") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        write_images(folder, args.n, args.size, args.format, args.seed)
        log(f"wrote {args.n} images in {time.perf_counter() - started:.1f}s")
        results = [
            measure(folder, n, workers, args.chunksize)
            for workers in args.workers
            for n in sorted({args.small_n, args.n})
        ]
    print_table(results, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
