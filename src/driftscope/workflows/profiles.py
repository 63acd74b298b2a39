"""`compare` with a profile on either side: read the profiles, profile a side given as rows
with the profile's schema and settings, run the drift analysis from profiles, assemble the
report."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from driftscope._shorten import shown
from driftscope.analyses.drift import DriftSettings, decision_rules, require_tested
from driftscope.analyses.profiled import (
    ProfilesSection,
    check_profile_schema,
    not_run_lines,
    profile_drift,
    profile_side,
)
from driftscope.data.io import read_table
from driftscope.data.profile import MAGIC, Profile, profile
from driftscope.data.schema import ColumnKind, ColumnRole, Schema
from driftscope.exceptions import EmptyDataError, InputTypeError, SchemaError
from driftscope.report import Report, RunMetadata
from driftscope.workflows._settings import refuse_arguments

__all__ = ["compare_profiles", "is_profile", "read_profile", "refuse_with_profiles"]

#: The suffix `driftscope profile` writes; a file is a profile by its first bytes whatever its
#: name, and a file with this suffix is read as one (so a damaged one says so).
SUFFIX = ".profile"


def is_profile(value: Any) -> bool:
    """Whether ``value`` is a `Profile`, or the path of a profile file (by its first bytes, or
    its ``.profile`` suffix)."""
    if isinstance(value, Profile):
        return True
    if not isinstance(value, str | Path):
        return False
    path = Path(value)
    if path.suffix.lower() == SUFFIX:
        return True
    try:
        with path.open("rb") as handle:
            return handle.read(len(MAGIC)) == MAGIC
    except OSError:  # not a file (yet): `read_table` says what is wrong with it
        return False


def read_profile(value: Any, name: str | None = None) -> tuple[Profile, str]:
    """A profile and the name reports show it under: ``name``, or its path, or "profile"."""
    if isinstance(value, Profile):
        return value, name or "profile"
    return Profile.load(value), name or str(value)


def refuse_with_profiles(owner: str, **given: object) -> None:
    """With a profile on either side, the schema is the profile's: the arguments that would
    shape it are refused, naming each."""
    refuse_arguments(
        owner,
        "a side is a profile",
        "the profile's schema fixes every column's kind and role (profile the data with it "
        "instead)",
        **given,
    )


def profile_like(
    data: Any,
    like: Profile,
    like_name: str,
    *,
    name: str | None,
    encoding: str,
    delimiter: str | None,
) -> tuple[Profile, str, tuple[str, ...]]:
    """Profile the rows ``data`` with the schema and settings of profile ``like``; the profile,
    the name of the rows and what reading them found."""
    table = read_table(data, name=name, encoding=encoding, delimiter=delimiter)
    frame = table.frame
    if len(frame) == 0:
        raise EmptyDataError(f"{table.name!r} has 0 rows: there is nothing to compare.")
    needed = [
        s.name
        for s in like.schema
        if s.role is not ColumnRole.IGNORED and s.kind is not ColumnKind.BINARY
    ]
    missing = [n for n in needed if n not in frame.columns]
    if missing:
        raise SchemaError(
            f"Column(s) {', '.join(map(shown, missing[:10]))} of the profile {like_name!r} are "
            f"missing from {table.name!r}; expected every column the profile holds."
        )
    schema = Schema(tuple(s for s in like.schema if s.name in frame.columns))
    frame = frame[[s.name for s in schema]]
    return profile(frame, schema, settings=like.settings), table.name, table.warnings


def compare_profiles(
    reference: Any,
    current: Any,
    settings: DriftSettings,
    *,
    reference_name: str | None,
    current_name: str | None,
    encoding: str,
    delimiter: str | None,
) -> Report:
    """The drift report of two sides of which one at least is a profile (`is_profile`)."""
    started = time.perf_counter()
    timings: dict[str, float] = {}
    warnings: tuple[str, ...] = ()
    ref_profile = read_profile(reference, reference_name) if is_profile(reference) else None
    cur_profile = read_profile(current, current_name) if is_profile(current) else None
    timings["read"] = time.perf_counter() - started
    t0 = time.perf_counter()
    if ref_profile is not None and cur_profile is not None:
        (ref, ref_name), (cur, cur_name) = ref_profile, cur_profile
    elif cur_profile is not None:
        cur, cur_name = cur_profile
        ref, ref_name, warnings = profile_like(
            reference, cur, cur_name, name=reference_name, encoding=encoding, delimiter=delimiter
        )
    else:
        assert ref_profile is not None
        ref, ref_name = ref_profile
        cur, cur_name, warnings = profile_like(
            current, ref, ref_name, name=current_name, encoding=encoding, delimiter=delimiter
        )
    timings["profile"] = time.perf_counter() - t0
    check_profile_schema(ref.schema, cur.schema, ref_name, cur_name)
    t0 = time.perf_counter()
    result = profile_drift(ref, cur, settings)
    timings["columns"] = time.perf_counter() - t0
    require_tested(result, ref_name, cur_name)
    result = type(result)(
        result.columns, result.dataset, result.multivariate, (*warnings, *result.warnings)
    )
    timings["total"] = time.perf_counter() - started
    metadata = RunMetadata(
        reference=ref_name,
        current=cur_name,
        n_reference_rows=ref.n_rows,
        n_current_rows=cur.n_rows,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        settings=settings.to_dict(),
        timings=timings,
    )
    section = ProfilesSection(
        None if ref_profile is None else profile_side(ref, ref_name),
        None if cur_profile is None else profile_side(cur, cur_name),
        not_run_lines(ref.schema, settings),
    )
    return Report(
        drift=result,
        schema=ref.schema,
        metadata=metadata,
        rules=decision_rules(settings),
        profiles=section,
    )


def check_not_prepared(reference: Any, current: Any, prepared: type) -> None:
    """A prepared reference holds rows; with a current profile, pass its table instead."""
    if isinstance(reference, prepared) and is_profile(current):
        raise InputTypeError(
            "compare takes a prepared Reference with a current table, not a current profile; "
            "pass the reference's table (it is profiled with the current profile's schema) or "
            "its profile."
        )
