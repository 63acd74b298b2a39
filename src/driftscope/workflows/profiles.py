"""`compare` with a profile on either side: read the profiles, profile a side given as rows
with the profile's schema and settings, run the drift analysis from profiles, assemble the
report."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from driftscope._shorten import shown
from driftscope.analyses.drift import DriftSettings, decision_rules, require_tested
from driftscope.analyses.performance import PerformanceSettings
from driftscope.analyses.profiled import (
    ProfilesSection,
    check_profile_schema,
    not_run_lines,
    profile_drift,
    profile_performance,
    profile_quality,
    profile_side,
)
from driftscope.analyses.quality import QualitySettings
from driftscope.analyses.results import DriftResult
from driftscope.analyses.verdict import monitoring_verdict
from driftscope.data.io import read_table
from driftscope.data.profile import MAGIC, Profile, profile
from driftscope.data.schema import ColumnKind, ColumnRole, Schema
from driftscope.exceptions import EmptyDataError, InputTypeError, SchemaError
from driftscope.report import Report, RunMetadata
from driftscope.workflows._settings import describe_performance, refuse_arguments

__all__ = [
    "compare_profiles",
    "is_profile",
    "monitor_profiles",
    "read_profile",
    "refuse_with_profiles",
]

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


@dataclass
class _Sides:
    """Both sides as profiles (a side of rows profiled like the other), their names, whether
    each was given as a profile, what reading found, and how long each step took."""

    reference: Profile
    current: Profile
    reference_name: str
    current_name: str
    given: tuple[bool, bool]
    warnings: tuple[str, ...]
    timings: dict[str, float]
    started: float

    def metadata(self, settings: dict[str, Any]) -> RunMetadata:
        self.timings["total"] = time.perf_counter() - self.started
        return RunMetadata(
            reference=self.reference_name,
            current=self.current_name,
            n_reference_rows=self.reference.n_rows,
            n_current_rows=self.current.n_rows,
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            settings=settings,
            timings=self.timings,
        )

    def section(self, not_run: tuple[str, ...]) -> ProfilesSection:
        sides = (
            (self.reference, self.reference_name, self.given[0]),
            (self.current, self.current_name, self.given[1]),
        )
        reference, current = (profile_side(p, name) if given else None for p, name, given in sides)
        return ProfilesSection(reference, current, not_run)


def _sides(
    reference: Any,
    current: Any,
    names: tuple[str | None, str | None],
    encoding: str,
    delimiter: str | None,
) -> _Sides:
    reference_name, current_name = names
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
    given = (ref_profile is not None, cur_profile is not None)
    return _Sides(ref, cur, ref_name, cur_name, given, warnings, timings, started)


def _drift(sides: _Sides, settings: DriftSettings, *, required: bool) -> DriftResult:
    t0 = time.perf_counter()
    result = profile_drift(sides.reference, sides.current, settings)
    sides.timings["columns"] = time.perf_counter() - t0
    if required:
        require_tested(result, sides.reference_name, sides.current_name)
    warnings = (*sides.warnings, *result.warnings)
    return DriftResult(result.columns, result.dataset, result.multivariate, warnings)


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
    sides = _sides(reference, current, (reference_name, current_name), encoding, delimiter)
    result = _drift(sides, settings, required=True)
    return Report(
        drift=result,
        schema=sides.reference.schema,
        metadata=sides.metadata(settings.to_dict()),
        rules=decision_rules(settings),
        profiles=sides.section(not_run_lines(sides.reference.schema, settings)),
    )


#: What `monitor` runs on rows and not from profiles, one line each in the report.
MONITOR_NOT_RUN = (
    "Concept drift (importance-weighted test): not run, it needs rows.",
    "Estimated performance (CBPE, DLE): not run, it needs the rows' probabilities.",
)


def monitor_profiles(
    reference: Any,
    current: Any,
    drift_settings: DriftSettings,
    performance_settings: PerformanceSettings,
    quality_settings: QualitySettings | None,
    *,
    reference_name: str | None,
    current_name: str | None,
    encoding: str,
    delimiter: str | None,
) -> Report:
    """The monitoring report of two sides of which one at least is a profile: drift from the
    profiles, performance from their model columns, the data-quality checks that run from them
    (none when ``quality_settings`` is None), and the verdict on all three."""
    sides = _sides(reference, current, (reference_name, current_name), encoding, delimiter)
    t0 = time.perf_counter()
    performance, model, performance_warnings = profile_performance(
        sides.reference, sides.current, performance_settings
    )
    sides.timings["performance"] = time.perf_counter() - t0
    result = _drift(sides, drift_settings, required=performance is None)
    quality, quality_note = None, "Data-quality checks: not run (quality=False)."
    if quality_settings is not None:
        t0 = time.perf_counter()
        quality, quality_note = profile_quality(sides.reference, sides.current, quality_settings)
        sides.timings["quality"] = time.perf_counter() - t0
    verdict = monitoring_verdict(result, performance, None, quality, None, None, model)
    settings = {
        **drift_settings.to_dict(),
        "performance": describe_performance(performance_settings),
        "windows": None,
    }
    return Report(
        drift=result,
        schema=sides.reference.schema,
        metadata=sides.metadata(settings),
        rules=decision_rules(drift_settings),
        model=model,
        performance=performance,
        quality=quality,
        verdict=verdict,
        extra_warnings=tuple(performance_warnings),
        profiles=sides.section(
            (
                *not_run_lines(sides.reference.schema, drift_settings),
                *MONITOR_NOT_RUN,
                quality_note,
            )
        ),
    )


def check_not_prepared(reference: Any, current: Any, prepared: type) -> None:
    """A prepared reference holds rows; with a current profile, pass its table instead."""
    if isinstance(reference, prepared) and is_profile(current):
        raise InputTypeError(
            "compare takes a prepared Reference with a current table, not a current profile; "
            "pass the reference's table (it is profiled with the current profile's schema) or "
            "its profile."
        )
