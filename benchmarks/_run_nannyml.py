"""NannyML side of multivariate_vs_nannyml.py. Runs ONLY in benchmarks/.venv-nannyml
(setup_nannyml.sh); NannyML is never a dependency of driftscope.

    benchmarks/.venv-nannyml/bin/python benchmarks/_run_nannyml.py \
        --data-dir benchmarks/out/multivariate-10num-5cat --out benchmarks/out/mv-nml.json

Timed, per calculator: ``calculator.fit(reference)`` then ``calculator.calculate(current)``
with ``chunk_size`` equal to the benchmark's chunk size, so NannyML splits current into the same
chunks driftscope compares one by one; the median of ``--repeats`` runs after one untimed
warm-up. Calculators, all with their defaults otherwise:

- ``UnivariateDriftCalculator`` (Jensen-Shannon on every column, the categorical ones named);
- ``DataReconstructionDriftCalculator`` (PCA reconstruction error);
- ``DomainClassifierCalculator`` (LightGBM, 5-fold cross-validated AUC per chunk) only with
  ``--domain-classifier``: it takes minutes, so it runs once, without warm-up.

Also records, per chunk, whether each calculator raised an alert (any column for the univariate
one). Usage statistics are switched off: the benchmark must not touch the network.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _bench_util import Stopwatch, log, machine_info, median, module_versions, read_json, write_json

os.environ["NML_DISABLE_USAGE_LOGGING"] = "1"


def _alerts(result: Any) -> list[bool]:
    """Per analysis chunk: whether any alert column is True."""
    frame = result.filter(period="analysis").to_df()
    alert_columns = [c for c in frame.columns if c[-1] == "alert"]
    return [bool(v) for v in frame[alert_columns].any(axis=1)]


def _values(result: Any, metric: str) -> list[float]:
    frame = result.filter(period="analysis").to_df()
    return [float(v) for v in frame[(metric, "value")]]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--domain-classifier", action="store_true")
    args = parser.parse_args()

    import logging

    import nannyml as nml
    import pandas as pd

    logging.getLogger("nannyml").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")
    meta = read_json(args.data_dir / "meta.json")
    reference = pd.read_parquet(args.data_dir / "reference.parquet")
    current = pd.read_parquet(args.data_dir / "current.parquet")
    columns = list(meta["numerical"]) + list(meta["categorical"])
    categorical = list(meta["categorical"])
    size = int(meta["chunk_rows"])

    calculators: dict[str, Callable[[], Any]] = {
        "univariate": lambda: nml.UnivariateDriftCalculator(
            column_names=columns, treat_as_categorical=categorical or None, chunk_size=size
        ),
        "data_reconstruction": lambda: nml.DataReconstructionDriftCalculator(
            column_names=columns, chunk_size=size
        ),
    }
    if args.domain_classifier:
        calculators["domain_classifier"] = lambda: nml.DomainClassifierCalculator(
            feature_column_names=columns,
            treat_as_categorical=categorical or None,
            chunk_size=size,
        )

    variants: dict[str, Any] = {}
    for name, make in calculators.items():
        repeats = 1 if name == "domain_classifier" else args.repeats
        if name != "domain_classifier":
            make().fit(reference).calculate(current)  # warm-up
        seconds: list[float] = []
        result: Any = None
        for i in range(repeats):
            with Stopwatch() as sw:
                result = make().fit(reference).calculate(current)
            seconds.append(sw.seconds)
            log(f"{name} run {i + 1}/{repeats}: {sw.seconds:.2f}s")
        entry: dict[str, Any] = {
            "seconds": seconds,
            "median_seconds": median(seconds),
            "flagged": _alerts(result),
        }
        if name == "data_reconstruction":
            entry["statistic"] = _values(result, "reconstruction_error")
        if name == "domain_classifier":
            entry["statistic"] = _values(result, "domain_classifier_auroc")
        variants[name] = entry
    write_json(
        args.out,
        {
            "tool": "nannyml",
            "versions": module_versions("nannyml", "numpy", "pandas", "sklearn", "lightgbm"),
            "machine": machine_info(),
            "variants": variants,
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
