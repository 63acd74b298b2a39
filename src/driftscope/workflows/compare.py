"""`driftscope.compare`: the one call behind the notebook, the CLI and the server."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from numbers import Integral
from pathlib import Path
from typing import Any

import pandas as pd

from driftscope._shorten import shown
from driftscope.analyses.drift import (
    DriftSettings,
    ReferenceCache,
    decision_rules,
    require_tested,
    run_drift,
)
from driftscope.analyses.model import class_labels_as_categories, task_kinds
from driftscope.analyses.text_columns import (
    TextExpansion,
    expand_text_columns,
    expand_text_reference,
)
from driftscope.data.infer import infer_schema, schema_change_warnings
from driftscope.data.io import Table, read_table, table_type_problem
from driftscope.data.schema import (
    ColumnKind,
    ColumnRole,
    ColumnSpec,
    Schema,
    method_problem,
    threshold_problem,
)
from driftscope.exceptions import (
    ColumnError,
    EmptyDataError,
    InputTypeError,
    ParameterError,
    SchemaError,
    invalid_parameter,
)
from driftscope.report import Report, RunMetadata
from driftscope.workflows._settings import drift_settings as _drift_settings
from driftscope.workflows._settings import refuse_arguments
from driftscope.workflows.profiles import (
    check_not_prepared,
    compare_profiles,
    is_profile,
    refuse_with_profiles,
)

__all__ = ["Reference", "compare", "prepare"]

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
    profiles: bool = False,
) -> None:
    """Refuse, before any work, arguments that would fail later or deep inside numpy.

    Each message names the argument: the tables, the seed, a column's method or threshold.
    """
    for argument, value in (("reference", reference), ("current", current)):
        if argument == "reference" and isinstance(value, Reference):
            continue
        if profiles and is_profile(value):
            continue
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


class Reference:
    """A reference table prepared once, to compare many current tables with it.

    Made by `prepare`; pass it to `compare` in place of the reference table. It holds the
    reference rows, the schema inferred from them (kinds and roles are fixed here), and what every
    comparison would otherwise redo on the reference: each numerical column sorted, each
    categorical column's counts, and the whole-table tests' encoded reference rows, random
    features and bandwidth (per ``seed``: a seed not prepared is prepared on first use). A report
    from ``compare(reference, current)`` has the numbers of ``compare(table, current)`` whenever
    inference from both tables gives the schema inferred from the reference alone (it can differ
    only where current alone would change a kind: a pandas ``category`` dtype or raw bytes in
    current only, ids in the reference that repeat in current), without redoing that work.

    The table given to `prepare` is kept, not copied: do not modify it afterwards.
    """

    def __init__(
        self,
        table: Table,
        frame: pd.DataFrame,
        schema: Schema,
        columns: tuple[str, ...] | None,
        source_columns: tuple[str, ...],
        expansion: TextExpansion,
        cache: ReferenceCache,
    ) -> None:
        self._table = table
        self._frame = frame
        self._schema = schema
        self._columns = columns
        self._source_columns = source_columns
        self._expansion = expansion
        self._cache = cache

    @property
    def name(self) -> str:
        """The name reports show for the reference."""
        return self._table.name

    @property
    def schema(self) -> Schema:
        """Every reference column's kind and role, fixed when the reference was prepared."""
        return self._schema

    @property
    def n_rows(self) -> int:
        return len(self._frame)

    @property
    def warnings(self) -> tuple[str, ...]:
        """What reading the reference found (every report made with it repeats them)."""
        return self._table.warnings

    def __repr__(self) -> str:
        tested = sum(s.role is not ColumnRole.IGNORED for s in self._schema)
        return f"<Reference {self.name!r}: {self.n_rows} rows, {tested} columns>"

    def _current_frame(self, current: Table) -> tuple[pd.DataFrame, Schema]:
        """The current table's columns checked against the prepared schema, text features
        added; the schema of this run (ignored columns that current lacks left out)."""
        frame = current.frame
        if self._columns is not None:
            frame = frame[[c for c in self._columns if c in frame.columns]]
        present = set(frame.columns)
        missing = [
            s.name
            for s in self._schema
            if s.name in self._source_columns
            and s.name not in present
            and s.role is not ColumnRole.IGNORED
        ]
        if missing:
            raise SchemaError(
                f"Column(s) {', '.join(map(shown, missing[:10]))} of the prepared reference "
                f"{self.name!r} are missing from the current data {current.name!r}; expected "
                "every column the reference was prepared with (prepare it with columns= to "
                "compare fewer)."
            )
        ref_types, cur_types = self._frame.dtypes.to_dict(), frame.dtypes.to_dict()
        for spec in self._schema:
            if spec.name in present and spec.kind is ColumnKind.NUMERICAL:
                _check_numbers(
                    spec.name, ref_types[spec.name], cur_types[spec.name], frame, current.name
                )
        schema = Schema(
            tuple(
                s for s in self._schema if s.name in present or s.name not in self._source_columns
            )
        )
        return self._expansion.apply(frame), schema


def _check_numbers(
    column: str, reference: Any, current: Any, frame: pd.DataFrame, name: str
) -> None:
    """Refuse a column the reference holds as numbers (dtype ``reference``) and current as
    something else (dtype ``current``), unless current has no values in it at all."""
    numeric = pd.api.types.is_numeric_dtype
    if not numeric(reference) or numeric(current) or frame[column].isna().all():
        return
    raise ColumnError(
        f"Column {shown(column)} holds numbers ({reference}) in the prepared reference but "
        f"{current} values in the current data {name!r}; expected numbers. Convert the "
        "column, or prepare the reference with a schema that gives it another kind."
    )


def prepare(
    reference: Any,
    schema: Schema | Mapping[str, Any] | str | Path | None = None,
    *,
    target: str | None = None,
    prediction: str | None = None,
    task: str | None = None,
    columns: Sequence[str] | None = None,
    multivariate: bool = True,
    seed: int = 0,
    reference_name: str | None = None,
    encoding: str = "utf-8",
    delimiter: str | None = None,
) -> Reference:
    """Read and prepare a reference once, for `compare` with many current tables.

    ``reference`` is what `compare` takes (a file path, a pandas or polars DataFrame, a pyarrow
    Table). The schema is inferred from the reference alone (``schema``, ``target``,
    ``prediction``, ``task`` and ``columns`` as in `compare`) and fixed: `compare` refuses
    those arguments with a prepared reference. ``multivariate`` and ``seed`` say which
    whole-table tests to prepare for; another seed is prepared on its first use. Tests,
    thresholds and every other setting stay free per comparison.

    Each `compare` then refuses a current table that lacks a column of the prepared reference
    (`SchemaError`) or holds something other than numbers in a column prepared as numbers
    (`ColumnError`).

    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> ref = pd.DataFrame({"x": rng.normal(size=5000), "c": rng.choice(["a", "b"], 5000)})
    >>> prepared = prepare(ref)
    >>> chunks = [pd.DataFrame({"x": rng.normal(shift, size=500), "c": rng.choice(["a", "b"], 500)})
    ...           for shift in (0.0, 0.5)]
    >>> [compare(prepared, chunk).drift.drifted_columns for chunk in chunks]
    [[], ['x']]
    >>> # The same numbers as with the table itself, without redoing the reference's share:
    >>> compare(prepared, chunks[1]).drift.columns == compare(ref, chunks[1]).drift.columns
    True
    """
    if isinstance(reference, Reference):
        raise InputTypeError(
            "The 'reference' argument of prepare must be a table or a file path; "
            "got a Reference, which is already prepared."
        )
    user_schema = _as_schema(schema)
    check_arguments(
        reference,
        reference,
        seed=seed,
        methods=None,
        thresholds=None,
        schema=user_schema,
        owner="prepare",
    )
    for name, role in ((target, ColumnRole.TARGET), (prediction, ColumnRole.PREDICTION)):
        if name is not None:
            user_schema = user_schema.with_column(ColumnSpec(name=name, role=role))
    table = read_table(reference, name=reference_name, encoding=encoding, delimiter=delimiter)
    if len(table.frame) == 0:
        raise EmptyDataError(f"{table.name!r} has 0 rows: there is nothing to compare with.")
    frame = table.frame
    keep = None
    if columns is not None:
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise SchemaError(
                f"Column(s) {', '.join(map(shown, missing[:10]))} were asked for but are not in "
                f"{table.name!r}."
            )
        keep = tuple(dict.fromkeys([*columns, *(c for c in (target, prediction) if c)]))
        frame = frame[[c for c in keep if c in frame.columns]]
    full_schema, _ = infer_schema(frame, frame, user_schema, role_kinds=task_kinds(task))
    source_columns = tuple(frame.columns)
    frame, full_schema, expansion = expand_text_reference(frame, full_schema, source_columns)
    full_schema = class_labels_as_categories(
        full_schema, frame, frame, target=target, prediction=prediction, task=task
    )
    if not any(s.role is not ColumnRole.IGNORED for s in full_schema):
        raise EmptyDataError(f"{table.name!r} has no column to compare.")
    cache = ReferenceCache()
    cache.fill(
        frame, full_schema, DriftSettings(multivariate=multivariate, seed=seed, owner="prepare")
    )
    return Reference(table, frame, full_schema, keep, source_columns, expansion, cache)


def _read_and_infer(
    reference: Any,
    current: Any,
    user_schema: Schema,
    settings: DriftSettings,
    *,
    target: str | None,
    prediction: str | None,
    task: str | None,
    columns: Sequence[str] | None,
    reference_name: str | None,
    current_name: str | None,
    encoding: str,
    delimiter: str | None,
    timings: dict[str, float],
) -> tuple[Table, Table, pd.DataFrame, pd.DataFrame, Schema, list[str]]:
    """Both tables read, the columns picked, the schema inferred from both sides."""
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
    full_schema, schema_warnings = infer_schema(
        ref_frame, cur_frame, user_schema, role_kinds=task_kinds(task)
    )
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

    return ref_table, cur_table, ref_frame, cur_frame, full_schema, schema_warnings


def _refuse_fixed(**given: object) -> None:
    """With a prepared reference, the arguments that shape the reference's side are fixed."""
    refuse_arguments(
        "compare",
        "the reference is prepared",
        "it was fixed by driftscope.prepare (pass it there)",
        **given,
    )


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
    drift_settings: DriftSettings | None = None,
) -> Report:
    """Compare a current dataset with a reference, column by column and as a whole.

    ``reference`` and ``current`` are file paths (CSV, Parquet, JSON Lines), pandas or polars
    DataFrames, or pyarrow Tables; ``reference`` may also be a `Reference` from `prepare`, which
    does the reference's share of the work once for many current tables (its schema is then
    fixed: ``schema``, ``target``, ``prediction``, ``columns`` and ``reference_name`` must be
    left out). ``schema`` overrides inferred kinds and roles; ``columns``
    limits the comparison; ``methods`` and ``thresholds`` pick a drift method and threshold per
    column (see `driftscope.stats.METHODS`). The default rule is in docs/drift-decision.md.
    ``drift_settings`` gives every setting at once as a `DriftSettings` (the keywords ``alpha`` to
    ``n_jobs`` are its shortcuts; give one or the other).
    Either side, or both, may be a `driftscope.Profile` or the path of a saved profile (known by
    its first bytes): a side given as rows is then profiled with the profile's schema and
    settings (``schema``, ``target``, ``prediction``, ``task`` and ``columns`` must be left out),
    every column is tested from the profiles, exactly where they hold the data and with bounds
    where a side is sketched, and what needs rows (the whole-table tests) is not run; the
    report's ``profiles`` section says which (docs/profiles.md, "Comparing profiles").
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
    drift_settings_given = drift_settings
    profiled = is_profile(reference) or is_profile(current)
    if profiled:
        check_not_prepared(reference, current, Reference)
        refuse_with_profiles(
            "compare",
            schema=schema,
            target=target,
            prediction=prediction,
            task=task,
            columns=columns,
        )
    user_schema = _as_schema(schema)
    check_arguments(
        reference,
        current,
        seed=seed,
        methods=methods,
        thresholds=thresholds,
        schema=user_schema,
        profiles=profiled,
    )
    settings = _drift_settings(
        "compare",
        drift_settings_given,
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
    if profiled:
        return compare_profiles(
            reference,
            current,
            settings,
            reference_name=reference_name,
            current_name=current_name,
            encoding=encoding,
            delimiter=delimiter,
        )
    if isinstance(reference, Reference):
        _refuse_fixed(
            schema=schema,
            target=target,
            prediction=prediction,
            task=task,
            columns=columns,
            reference_name=reference_name,
        )
        t0 = time.perf_counter()
        cur_table = read_table(current, name=current_name, encoding=encoding, delimiter=delimiter)
        if len(cur_table.frame) == 0:
            raise EmptyDataError(f"{cur_table.name!r} has 0 rows: there is nothing to compare.")
        timings["read"] = time.perf_counter() - t0
        ref_table = Table(reference._frame, reference.name, reference.warnings)
        check_columns(ref_table, cur_table, None, settings.methods, settings.thresholds)
        t0 = time.perf_counter()
        cur_frame, full_schema = reference._current_frame(cur_table)
        picked = list(cur_table.frame.columns)
        if reference._columns is not None:
            picked = [c for c in reference._columns if c in cur_table.frame.columns]
        schema_warnings = schema_change_warnings(reference._source_columns, picked)
        ref_frame = reference._frame
        cache: ReferenceCache | None = reference._cache
        timings["schema"] = time.perf_counter() - t0
    else:
        ref_table, cur_table, ref_frame, cur_frame, full_schema, schema_warnings = _read_and_infer(
            reference,
            current,
            user_schema,
            settings,
            target=target,
            prediction=prediction,
            task=task,
            columns=columns,
            reference_name=reference_name,
            current_name=current_name,
            encoding=encoding,
            delimiter=delimiter,
            timings=timings,
        )
        cache = None

    result, drift_timings = run_drift(ref_frame, cur_frame, full_schema, settings, cache)
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
