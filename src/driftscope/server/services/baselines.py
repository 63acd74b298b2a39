"""A version's baseline as a profile (`driftscope.Profile`), and runs sent as profiles.

Every version of a tabular model stores its baseline's profile, made with the version's schema
when the version is added. A model may keep no raw baseline (`Model.keep_raw_baseline` off):
its versions then store the profile alone, and the analyses that need the baseline's rows are
reported as not run. A version made before the store kept profiles gets its profile the first
time one is needed (`baseline_profile`), from its raw baseline.

A run may come as a profile of production data instead of its rows (a Spark job profiles a
table where it lies and sends the profile): `read_run_profile` checks it against the version.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

import pandas as pd

from driftscope.data.profile import MAGIC, Profile, profile
from driftscope.data.schema import Schema
from driftscope.exceptions import DriftscopeError
from driftscope.server import db
from driftscope.server.errors import Invalid, NotFound
from driftscope.server.models import Run, RunSource, Version
from driftscope.server.services.uploads import Upload, scratch, spool
from driftscope.server.state import State

__all__ = [
    "NOT_RUN",
    "NO_RAW_BASELINE",
    "PROFILED_RUN",
    "baseline_profile",
    "baseline_profile_bytes",
    "column_names",
    "not_run_notes",
    "profile_baseline",
    "read_run_profile",
    "run_profile",
    "shared_columns",
    "version_schema",
]

log = logging.getLogger("driftscope.server.baselines")

#: What a run's note says of the analyses that need rows a side does not have.
NOT_RUN = ": not run: "
#: Why they did not run.
NO_RAW_BASELINE = "this model keeps no raw baseline"
PROFILED_RUN = "the run came as a profile, without its rows"


def version_schema(version: Version) -> Schema:
    return Schema.from_dict(version.schema, source=f"version {version.number}'s schema")


def column_names(side: Any) -> list[Any]:
    """The columns of a side of an analysis: a table's, or a profile's schema's."""
    if isinstance(side, Profile):
        return list(side.schema.names)
    return list(side.columns)


def not_run_notes(
    version: Version, run: Run, *, explains: bool = False, estimates: bool = False
) -> list[str]:
    """The run's note on the analyses that need rows a side lacks (none when both have rows):
    multivariate and concept drift, the data-quality checks (a profile's missing shares and new
    categories are drift signals instead), and the version's explanations and estimated
    performance where the service would make them (``explains``, ``estimates``)."""
    reasons = []
    if version.baseline is None:
        reasons.append(NO_RAW_BASELINE)
    if run.source == RunSource.PROFILE:
        reasons.append(PROFILED_RUN)
    if not reasons:
        return []
    analyses = ["Multivariate drift", "concept drift", "data-quality checks"]
    if explains:
        analyses.append("explanations")
    if estimates:
        analyses.append("estimated performance")
    named = f"{', '.join(analyses[:-1])} and {analyses[-1]}"
    return [f"{named}{NOT_RUN}{'; '.join(reasons)}."]


def shared_columns(baseline: Profile, columns: Iterable[Any]) -> Profile:
    """The baseline's profile cut to the columns a run has (of those it profiles): a run
    lacking some of the baseline's columns is analysed on those both have. Without its target
    or prediction, the profile keeps no model counts."""
    present = set(columns)
    kept = {name: p for name, p in baseline.columns.items() if name in present}
    if len(kept) == len(baseline.columns):
        return baseline
    schema = Schema(tuple(s for s in baseline.schema if s.name in kept))
    model = baseline.model
    if model is not None and not {model.target, model.prediction} <= present:
        model = None
    return replace(baseline, schema=schema, columns=kept, model=model)


def run_profile(state: State, run: Run) -> Profile:
    """The profile a run came as."""
    data = state.artifacts.read_bytes(run.data)
    return Profile.from_bytes(data, source=f"run {run.id}'s profile")


def profile_baseline(frame: pd.DataFrame, schema: Schema, keep_raw: bool) -> bytes | None:
    """The baseline's profile in its binary format. When it cannot be made (a column no profile
    holds): refused for a model that keeps no raw baseline (the profile is all it would keep),
    else None, and the version keeps its raw baseline alone."""
    try:
        return profile(frame, schema).to_bytes()
    except DriftscopeError as exc:
        if not keep_raw:
            raise Invalid(
                f"The baseline could not be profiled, and this model keeps no raw baseline, "
                f"so the profile is all it would keep: {exc}",
                field="baseline",
            ) from None
        log.warning("baseline not profiled, its raw rows are kept alone: %s", exc)
        return None


def baseline_profile(state: State, version: Version) -> Profile:
    """The version's baseline profile (made now, once, for a version from before the store
    kept profiles: `baseline_profile_bytes`)."""
    data = baseline_profile_bytes(state, version)
    return Profile.from_bytes(data, source=f"version {version.number}'s baseline profile")


def baseline_profile_bytes(state: State, version: Version) -> bytes:
    """The version's baseline profile in its binary format. A version made before the store
    kept profiles has none yet: it is made from the raw baseline now, stored, and named on the
    version (in a transaction of its own), so it is made once."""
    if version.baseline_profile is not None:
        return state.artifacts.read_bytes(version.baseline_profile)
    if version.baseline is None or not version.schema:
        raise NotFound(
            f"Version {version.number} has no baseline profile: its baseline is files (an image "
            "or audio model), which a profile does not hold."
        )
    made = profile(state.artifacts.read_frame(version.baseline), version_schema(version))
    data = made.to_bytes()
    key = state.artifacts.put_bytes(data)
    with db.transaction(state.writers) as session:
        stored = session.get(Version, version.id)
        if stored is not None and stored.baseline_profile is None:
            stored.baseline_profile = key
    version.baseline_profile = key
    return data


def read_run_profile(state: State, upload: Upload, version: Version) -> tuple[bytes, Profile]:
    """A run's profile as uploaded, checked: within the size limit, a profile file (magic,
    format version, checksum), and of the version's schema (each column of the same kind and
    role, none missing and none more). Its bytes, to store as they came, and the profile."""
    field = upload.field
    with scratch(state) as folder:
        data = spool(state, upload, folder).read_bytes()
    if not data:
        raise Invalid(f"{field!r} ({upload.filename!r}) is empty.", field=field)
    if not data.startswith(MAGIC):
        raise Invalid(
            f"{field!r} ({upload.filename!r}) is not a driftscope profile: it starts with "
            f"{data[:8]!r}, expected {MAGIC!r} (made by driftscope.profile(...).save or "
            "`driftscope profile`).",
            field=field,
        )
    try:
        made = Profile.from_bytes(data, source=f"{field!r} ({upload.filename!r})")
    except DriftscopeError as exc:
        raise Invalid(str(exc), field=field) from None
    if made.n_rows == 0:
        raise Invalid(f"{field!r} ({upload.filename!r}) is a profile of no rows.", field=field)
    _same_schema(made.schema, version_schema(version), version.number, field)
    return data, made


def _same_schema(got: Schema, expected: Schema, number: int, field: str) -> None:
    """A run's profile must have the version's columns (those a profile holds), each of its
    kind and role."""
    found = expected.mismatch(got)
    if found is None:
        return
    if found.what == "only_first":
        raise Invalid(
            f"{field!r}: the profile has no column {found.column!r}, which version {number}'s "
            f"schema has ({found.count} missing). Profile the run with the version's schema "
            f"(GET /api/v1/models/{{name}}/versions/{number} gives it).",
            field=field,
        )
    if found.what == "only_second":
        raise Invalid(
            f"{field!r}: the profile has column {found.column!r}, which version {number}'s schema "
            f"does not have ({found.count} more). Profile the run with the version's schema.",
            field=field,
        )
    raise Invalid(
        f"{field!r}: column {found.column!r} has {found.what} {found.second!r} in the profile and "
        f"{found.first!r} in version {number}'s schema. Profile the run with the "
        "version's schema.",
        field=field,
    )
