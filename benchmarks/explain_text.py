"""Text explanations: seconds for 1,000 explained texts on a TF-IDF + logistic regression model.

Run with driftscope's venv python:

    .venv/bin/python benchmarks/explain_text.py                 # 100 texts, LIME and shap
    .venv/bin/python benchmarks/explain_text.py --texts 1000    # measure 1,000 directly
    .venv/bin/python benchmarks/explain_text.py --methods lime --texts 20 --repeats 1   # quick
    .venv/bin/python benchmarks/explain_text.py --methods lime --samples 500 100   # the service's

A seeded corpus of 3,000 review-like texts (about 20 words each, from a vocabulary of 2,000 words
where 40 carry sentiment) trains ``TfidfVectorizer`` + ``LogisticRegression``. Then
``explain_text`` explains ``--texts`` other texts (``num_samples`` model calls per text, each of
``--samples``, default 500; ``num_features=10``), ``--repeats`` times; the table gives the median
wall and CPU time (CPU time of this process: steadier than wall time on a shared machine) and the
seconds for 1,000 texts extrapolated linearly from them (the work is per text, one explainer call
each, so it scales linearly; "measured" when ``--texts`` is 1,000). shap is run once on a few
texts before timing: its first call compiles numba code (about 30 s), once per process.
"""

from __future__ import annotations

import argparse
import sys
import time
from importlib import metadata
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _bench_util import log, machine_info, median, module_versions

WORDS_PER_TEXT = 20


def corpus(n: int, seed: int) -> tuple[list[str], list[int]]:
    rng = np.random.default_rng(seed)
    vocabulary = [f"w{i}" for i in range(2000)]
    weights = np.zeros(len(vocabulary))
    weights[:20] = rng.uniform(1.0, 3.0, 20)
    weights[20:40] = -rng.uniform(1.0, 3.0, 20)
    zipf = 1.0 / np.arange(1, len(vocabulary) + 1)
    zipf /= zipf.sum()
    texts, labels = [], []
    for _ in range(n):
        idx = rng.choice(len(vocabulary), size=WORDS_PER_TEXT, p=zipf)
        texts.append(" ".join(vocabulary[i] for i in idx))
        labels.append(int(weights[idx].sum() + rng.normal() > 0))
    return texts, labels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--methods", nargs="+", default=["lime", "shap"])
    parser.add_argument("--samples", type=int, nargs="+", default=[500])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from driftscope import explain_text

    train, labels = corpus(3000, args.seed)
    model = make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(train, labels)
    texts, _ = corpus(args.texts, args.seed + 1)
    print(f"machine: {machine_info()}")
    versions = module_versions("shap", "sklearn", "numpy")
    versions["lime"] = metadata.version("lime")  # lime has no __version__
    print(f"versions: {versions}")
    print(
        f"model: TfidfVectorizer + LogisticRegression on 3,000 texts; {args.texts} texts of "
        f"{WORDS_PER_TEXT} words explained, median of {args.repeats}\n"
    )
    rows = []
    for method in args.methods:
        if method == "shap":
            log("warming shap up (numba compiles on the first call)")
            explain_text(model, texts[:2], method="shap")
        for samples in args.samples:
            times, cpu = [], []
            for repeat in range(args.repeats):
                start, start_cpu = time.perf_counter(), time.process_time()
                result = explain_text(
                    model, texts, method=method, max_texts=args.texts, num_samples=samples
                )
                times.append(time.perf_counter() - start)
                cpu.append(time.process_time() - start_cpu)
                took = f"{times[-1]:.2f} s, CPU {cpu[-1]:.2f} s"
                log(f"{method} {samples} repeat {repeat + 1}: {took}")
            assert result.bounds.current_texts == args.texts
            rows.append((method, samples, median(times), median(cpu)))
    kind = "measured" if args.texts == 1000 else f"extrapolated from {args.texts:,}"
    print(
        "| method | samples per text | texts | median time | median CPU time | per text "
        f"| 1,000 texts ({kind}) | CPU, 1,000 texts |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for method, samples, seconds, cpu_seconds in rows:
        print(
            f"| {method} | {samples} | {args.texts:,} | {seconds:.2f} s | {cpu_seconds:.2f} s | "
            f"{seconds / args.texts * 1000:.0f} ms | {seconds / args.texts * 1000:.0f} s | "
            f"{cpu_seconds / args.texts * 1000:.0f} s |"
        )


if __name__ == "__main__":
    main()
