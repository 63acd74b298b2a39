"""`driftscope.compare`: the one call behind the notebook, the CLI and the server."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from numbers import Integral
from pathlib import Path
from typing import Any

from driftscope._shorten import shown
from driftscope.analyses.drift import DriftSettings, decision_rules, require_tested, run_drift
from driftscope.analyses.model import class_labels_as_categories
from driftscope.analyses.text_columns import expand_text_columns
from driftscope.data.infer import infer_schema
from driftscope.data.io import Table, read_table, table_type_problem
from driftscope.data.schema import (
    ColumnRole,
    ColumnSpec,
    Schema,
    method_problem,
    threshold_problem,
)
from driftscope.exceptions import (
    EmptyDataError,
    InputTypeError,
    ParameterError,
    SchemaError,
    invalid_parameter,
)
from driftscope.report import Report, RunMetadata

__all__ = ["compare"]

# numpy's and scikit-learn's seeds are unsigned 32-bit integers.
MAX_SEED = 2**32 - 1


def check_arguments(
    reference: Any,
    current: Any,
    *,
    seed: object,
    methods: Mapping[str, str] | None,
    thresholds: Mapping[str, float] | None,
    schema: Schema | None = None,
    owner: str = "compare",
) -> None:
    """Refuse, before any work, arguments that would fail later or deep inside numpy.

    Each message names the argument: the tables, the seed, a column's method or threshold.
    """
    for argument, value in (("reference", reference), ("current", current)):
        problem = table_type_problem(value)
        if problem is not None:
            raise InputTypeError(
                f"The {argument!r} argument of {owner} must be {problem}. "
                f"Got {type(value).__name__}."
            )
    if isinstance(seed, bool) or not isinstance(seed, Integral) or not 0 <= int(seed) <= MAX_SEED:
        raise invalid_parameter(owner, "seed", "an int in [0, 2**32 - 1]", seed)
    if not isinstance(methods, Mapping | None) or not isinstance(thresholds, Mapping | None):
        raise ParameterError(
            f"The 'methods' and 'thresholds' arguments of {owner} must be mappings of column "
            "name to value."
        )
    for column, method in (methods or {}).items():
        expected = method_problem(method)
        if expected is not None:
            raise ParameterError(
                f"The method for column {shown(column)} (methods=) must be {expected}. "
                f"Got {shown(method)}."
            )
    # A schema's own thresholds (a ColumnSpec built in Python) are held to the same ranges.
    given = [(s.name, s.threshold, "schema") for s in schema or () if s.threshold is not None]
    given += [(c, t, "thresholds=") for c, t in (thresholds or {}).items()]
    for column, threshold, where in given:
        spec = schema.get(column) if schema is not None else None
        chosen = (methods or {}).get(column) or (spec.method if spec is not None else None)
        expected = threshold_problem(threshold, chosen)
        if expected is not None:
            raise ParameterError(
                f"The threshold for column {shown(column)} ({where}) must be {expected}. "
                f"Got {shown(threshold)}."
            )


def _as_schema(schema: Schema | Mapping[str, Any] | str | Path | None) -> Schema:
    if schema is None:
        return Schema()
    if isinstance(schema, Schema):
        return schema
    if isinstance(schema, str | Path):
        return Schema.from_yaml(schema)
    if isinstance(schema, Mapping):
        return Schema.from_dict(schema)
    raise SchemaError(
        f"schema must be a Schema, a mapping, or a YAML file path. Got {type(schema).__name__}."
    )


def read_pair(
    reference: Any,
    current: Any,
    reference_name: str | None = None,
    current_name: str | None = None,
    *,
    encoding: str = "utf-8",
    delimiter: str | None = None,
) -> tuple[Table, Table]:
    """Read both inputs; either one without rows is an error, since nothing can be compared."""
    tables = (
        read_table(reference, name=reference_name, encoding=encoding, delimiter=delimiter),
        read_table(current, name=current_name, encoding=encoding, delimiter=delimiter),
    )
    for table in tables:
        if len(table.frame) == 0:
            raise EmptyDataError(f"{table.name!r} has 0 rows: there is nothing to compare.")
    return tables


def check_columns(
    reference: Table,
    current: Table,
    columns: Sequence[str] | None,
    methods: Mapping[str, str] | None,
    thresholds: Mapping[str, float] | None,
) -> None:
    """Refuse column names, given to pick columns or set a method or threshold, that are in
    neither table (a typo would otherwise be silently ignored)."""
    known = set(reference.frame.columns) | set(current.frame.columns)
    missing = [c for c in columns or () if c not in known]
    if missing:
        raise SchemaError(
            f"Column(s) {', '.join(map(shown, missing[:10]))} were asked for but are in neither "
            f"{reference.name!r} nor {current.name!r}."
        )
    for name in [*(methods or {}), *(thresholds or {})]:
        if name not in known:
            raise SchemaError(f"A method or threshold is set for unknown column {shown(name)}.")


def compare(
    reference: Any,
    current: Any,
    schema: Schema | Mapping[str, Any] | str | Path | None = None,
    *,
    target: str | None = None,
    prediction: str | None = None,
    task: str | None = None,
    columns: Sequence[str] | None = None,
    methods: Mapping[str, str] | None = None,
    thresholds: Mapping[str, float] | None = None,
    alpha: float = 0.05,
    numerical_effect_threshold: float = 0.1,
    categorical_effect_threshold: float = 0.05,
    drift_share: float = 0.5,
    correction: str | None = None,
    multivariate: bool = True,
    max_categories: int = 10_000,
    seed: int = 0,
    n_jobs: int | None = None,
    reference_name: str | None = None,
    current_name: str | None = None,
    encoding: str = "utf-8",
    delimiter: str | None = None,
) -> Report:
    """Compare a current dataset with a reference, column by column and as a whole.

    ``reference`` and ``current`` are file paths (CSV, Parquet, JSON Lines), pandas or polars
    DataFrames, or pyarrow Tables. ``schema`` overrides inferred kinds and roles; ``columns``
    limits the comparison; ``methods`` and ``thresholds`` pick a drift method and threshold per
    column (see `driftscope.stats.METHODS`). The default rule is in docs/drift-decision.md.
    ``target`` and ``prediction`` are compared too (label and prediction drift), as categories
    when they hold class labels: ``task`` says so (``"classification"``, ``"binary"``,
    ``"multiclass"``; ``"regression"`` keeps numbers numbers), or, without it, integers with at
    most 50 distinct values in the reference are taken for class ids, as `monitor` does.

    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> ref = pd.DataFrame({"x": rng.normal(size=2000), "c": rng.choice(["a", "b"], 2000)})
    >>> cur = pd.DataFrame({"x": rng.normal(0.5, size=2000), "c": rng.choice(["a", "b"], 2000)})
    >>> report = compare(ref, cur, multivariate=False)
    >>> report.drift.drifted_columns, report.drifted
    (['x'], True)
    """
    started = time.perf_counter()
    timings: dict[str, float] = {}
    user_schema = _as_schema(schema)
    check_arguments(
        reference, current, seed=seed, methods=methods, thresholds=thresholds, schema=user_schema
    )
    settings = DriftSettings(
        alpha=alpha,
        numerical_effect_threshold=numerical_effect_threshold,
        categorical_effect_threshold=categorical_effect_threshold,
        drift_share=drift_share,
        correction=correction,
        methods=dict(methods or {}),
        thresholds=dict(thresholds or {}),
        multivariate=multivariate,
        max_categories=max_categories,
        seed=seed,
        n_jobs=n_jobs,
    )
    for name, role in ((target, ColumnRole.TARGET), (prediction, ColumnRole.PREDICTION)):
        if name is not None:
            user_schema = user_schema.with_column(ColumnSpec(name=name, role=role))

    t0 = time.perf_counter()
    ref_table, cur_table = read_pair(
        reference, current, reference_name, current_name, encoding=encoding, delimiter=delimiter
    )
    timings["read"] = time.perf_counter() - t0
    ref_frame, cur_frame = ref_table.frame, cur_table.frame
    check_columns(ref_table, cur_table, columns, settings.methods, settings.thresholds)
    if columns is not None:
        # The target and prediction, when named, are compared too (label and prediction drift).
        keep = list(dict.fromkeys([*columns, *(c for c in (target, prediction) if c)]))
        ref_frame = ref_frame[[c for c in keep if c in ref_frame.columns]]
        cur_frame = cur_frame[[c for c in keep if c in cur_frame.columns]]

    t0 = time.perf_counter()
    full_schema, schema_warnings = infer_schema(ref_frame, cur_frame, user_schema)
    ref_frame, cur_frame, full_schema = expand_text_columns(ref_frame, cur_frame, full_schema)
    full_schema = class_labels_as_categories(
        full_schema, ref_frame, cur_frame, target=target, prediction=prediction, task=task
    )
    timings["schema"] = time.perf_counter() - t0
    if not any(s.role is not ColumnRole.IGNORED for s in full_schema):
        raise EmptyDataError(
            f"{ref_table.name!r} and {cur_table.name!r} share no columns: nothing to compare. "
            f"Reference columns: {', '.join(map(repr, list(ref_frame.columns)[:10]))}; "
            f"current columns: {', '.join(map(repr, list(cur_frame.columns)[:10]))}."
        )

    result, drift_timings = run_drift(ref_frame, cur_frame, full_schema, settings)
    require_tested(result, ref_table.name, cur_table.name)
    timings.update(drift_timings)
    warnings = (*ref_table.warnings, *cur_table.warnings, *schema_warnings, *result.warnings)
    result = type(result)(result.columns, result.dataset, result.multivariate, warnings)
    timings["total"] = time.perf_counter() - started
    metadata = RunMetadata(
        reference=ref_table.name,
        current=cur_table.name,
        n_reference_rows=len(ref_frame),
        n_current_rows=len(cur_frame),
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        settings=settings.to_dict(),
        timings=timings,
    )
    return Report(
        drift=result, schema=full_schema, metadata=metadata, rules=decision_rules(settings)
    )
