"""The feedback, shadow-model and A/B sections of a monitoring run (`driftscope.monitor`).

Feedback rows (id, thumbs up or down, optional comment) are joined to current by the monitor's
``id`` column and analysed as `driftscope.feedback` does, in the monitor's windows; a candidate
model's outputs on current (``shadow_prediction``) are compared with production's as
`driftscope.shadow_compare` does; an ``arm`` column splits current for an A/B test as
`driftscope.ab_test` does. The columns these read are bookkeeping: they get the ignored role,
with a note, so the drift analysis does not test them as features.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from driftscope._shorten import shown
from driftscope.analyses.feedback import (
    FeedbackColumns,
    FeedbackResult,
    FeedbackSettings,
    analyse_feedback,
)
from driftscope.analyses.model import ModelColumns, Task
from driftscope.analyses.model_comparison import (
    ABTestResult,
    ComparisonSettings,
    ShadowResult,
    compare_arms,
    compare_shadow,
    second_model_columns,
)
from driftscope.analyses.windows import WindowSettings
from driftscope.data.io import read_table
from driftscope.data.schema import ColumnRole, ColumnSpec, Schema
from driftscope.exceptions import ColumnError, EmptyDataError, ParameterError, invalid_parameter
from driftscope.workflows.compare_models import segment_features

__all__ = [
    "SectionRequest",
    "Sections",
    "bookkeeping_columns",
    "run_sections",
    "section_columns",
    "set_aside",
]

_OWNER = "monitor"


@dataclass(frozen=True)
class SectionRequest:
    """What a monitoring run was asked to add beside its own analyses: ``feedback`` (a file or
    a table, read with ``feedback_value`` and ``feedback_comment``), the candidate's
    ``shadow_prediction`` column (and its ``shadow_proba_prefix``), the ``arm`` column (and the
    two ``arms`` to compare). Checked at construction; messages name `monitor`'s arguments
    and the CLI's options."""

    feedback: Any = None
    feedback_settings: FeedbackSettings | None = None
    feedback_value: str = "feedback"
    feedback_comment: str | None = None
    shadow_prediction: str | None = None
    shadow_proba_prefix: str | None = None
    arm: str | None = None
    arms: Sequence[str] | None = None
    comparison_settings: ComparisonSettings | None = None
    id: str | None = None

    @property
    def asked(self) -> bool:
        """Whether any section was asked for."""
        return any(x is not None for x in (self.feedback, self.shadow_prediction, self.arm))

    def __post_init__(self) -> None:
        for name in ("feedback_value", "feedback_comment", "shadow_prediction", "arm"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, str) or not value):
                raise invalid_parameter(_OWNER, name, "a column name (a non-empty str)", value)
        if self.shadow_proba_prefix is not None and (
            not isinstance(self.shadow_proba_prefix, str) or not self.shadow_proba_prefix
        ):
            raise invalid_parameter(
                _OWNER, "shadow_proba_prefix", "a non-empty str", self.shadow_proba_prefix
            )
        if self.shadow_proba_prefix is not None and self.shadow_prediction is None:
            raise ParameterError(
                "shadow_proba_prefix= (--shadow-proba-prefix) names the candidate's probability "
                "columns: give its prediction column too, shadow_prediction= "
                f"(--shadow-prediction). Got the prefix {shown(self.shadow_proba_prefix)} alone."
            )
        if self.feedback_settings is not None and not isinstance(
            self.feedback_settings, FeedbackSettings
        ):
            raise invalid_parameter(
                _OWNER, "feedback_settings", "a FeedbackSettings", self.feedback_settings
            )
        if self.comparison_settings is not None and not isinstance(
            self.comparison_settings, ComparisonSettings
        ):
            raise invalid_parameter(
                _OWNER, "comparison_settings", "a ComparisonSettings", self.comparison_settings
            )
        if self.arms is not None:
            if (
                isinstance(self.arms, str)
                or not isinstance(self.arms, Sequence)
                or len(self.arms) != 2
                or len({str(a) for a in self.arms}) != 2
            ):
                raise invalid_parameter(
                    _OWNER, "arms", "two different arm values (A, B)", self.arms
                )
            if self.arm is None:
                raise ParameterError(
                    "arms= (--arms) chooses two values of the arm column: give the column too, "
                    f"arm= (--arm). Got arms={list(self.arms)!r} alone."
                )
            object.__setattr__(self, "arms", (str(self.arms[0]), str(self.arms[1])))
        if self.feedback is not None and self.id is None:
            raise ParameterError(
                "feedback= (--feedback) is joined to the current rows by their id: give the id "
                "column, id= (--id). Got no id column."
            )
        if self.feedback_settings is not None and self.feedback is None:
            raise ParameterError(
                "feedback_settings= shapes the feedback section: give the feedback too, "
                "feedback= (--feedback)."
            )
        named = [c for c in (self.shadow_prediction, self.arm, self.id) if c is not None]
        if len(set(named)) < len(named):
            raise ParameterError(
                "shadow_prediction=, arm= and id= must name different columns. Got "
                f"shadow_prediction={self.shadow_prediction!r}, arm={self.arm!r}, id={self.id!r}."
            )


@dataclass(frozen=True)
class Sections:
    """The sections a run made (None where not asked, or where they could not run), and why a
    section asked for was not made; each section carries its own warnings."""

    feedback: FeedbackResult | None = None
    shadow: ShadowResult | None = None
    ab_test: ABTestResult | None = None
    warnings: tuple[str, ...] = field(default=())


def _missing(
    column: str, argument: str, option: str, what: str, frame: pd.DataFrame
) -> ColumnError:
    listed = ", ".join(shown(str(c), 40) for c in list(frame.columns)[:20])
    more = " ..." if frame.shape[1] > 20 else ""
    return ColumnError(
        f"The {what} column {shown(column)} ({argument} / {option}) is not in the current data; "
        f"its columns are {listed}{more}."
    )


def _prefixed(frame: pd.DataFrame, prefix: str) -> list[str]:
    return [
        str(c) for c in frame.columns if str(c).startswith(prefix) and len(str(c)) > len(prefix)
    ]


def bookkeeping_columns(current: pd.DataFrame, request: SectionRequest) -> list[ColumnSpec]:
    """The shadow and arm columns as ignored columns, each with a note saying why it is not
    drift-tested; a column current lacks is an error naming the argument and the option."""
    specs: list[ColumnSpec] = []
    if request.shadow_prediction is not None:
        if request.shadow_prediction not in current.columns:
            raise _missing(
                request.shadow_prediction,
                "shadow_prediction=",
                "--shadow-prediction",
                "shadow prediction",
                current,
            )
        names = [request.shadow_prediction]
        if request.shadow_proba_prefix is not None:
            found = _prefixed(current, request.shadow_proba_prefix)
            if not found:
                raise ColumnError(
                    f"No current column starts with the shadow probability prefix "
                    f"{shown(request.shadow_proba_prefix)} (shadow_proba_prefix= / "
                    f"--shadow-proba-prefix); columns are "
                    f"{', '.join(shown(str(c), 40) for c in list(current.columns)[:20])}."
                )
            names += found
        specs += [
            ColumnSpec(
                name=name,
                role=ColumnRole.IGNORED,
                note="shadow model's output: compared with production in the shadow section, "
                "not drift-tested",
            )
            for name in names
        ]
    if request.arm is not None:
        if request.arm not in current.columns:
            raise _missing(request.arm, "arm=", "--arm", "arm", current)
        specs.append(
            ColumnSpec(
                name=request.arm,
                role=ColumnRole.IGNORED,
                note="A/B arm: splits current for the A/B test section, not drift-tested",
            )
        )
    return specs


def section_columns(current: pd.DataFrame, request: SectionRequest) -> list[ColumnSpec]:
    """`bookkeeping_columns` of current as read, whose id column must be there when the
    feedback is joined by it (a labels join may take it out later)."""
    if request.feedback is not None and request.id is not None and request.id not in current:
        raise _missing(request.id, "id=", "--id", "id", current)
    return bookkeeping_columns(current, request)


def set_aside(
    frames: tuple[pd.DataFrame, pd.DataFrame],
    schema: Schema,
    request: SectionRequest,
    ids: pd.Series | None,
) -> tuple[tuple[pd.DataFrame, pd.DataFrame], Schema, pd.DataFrame | None]:
    """The shadow and arm columns that only current has, taken out of current and of the
    schema (they are the sections', not a column the reference lacks), and kept aside with
    current's ``ids`` (the id column a labels join took out) for `run_sections`."""
    reference, current = frames
    names = [
        spec.name
        for spec in bookkeeping_columns(current, request)
        if spec.name not in reference.columns
    ]
    if (
        ids is None
        and request.feedback is not None
        and request.id is not None
        and request.id in current.columns
        and request.id not in reference.columns
    ):
        # As after a labels join: an id only current has is there to join the feedback.
        ids = current[request.id]
        current = current.drop(columns=[request.id])
        schema = Schema(tuple(c for c in schema if c.name != request.id))
    aside = current[names].reset_index(drop=True) if names else None
    if ids is not None and request.id is not None:
        ids_frame = pd.DataFrame({request.id: ids.to_numpy()})
        aside = ids_frame if aside is None else pd.concat([aside, ids_frame], axis=1)
    if not names:
        return (reference, current), schema, aside
    kept = Schema(tuple(c for c in schema if c.name not in names))
    return (reference, current.drop(columns=names)), kept, aside


def _windows(windows: WindowSettings, dated: str | None) -> WindowSettings | None:
    """The monitor's windows where another analysis can cut the same ones (by period only with
    a readable timestamp), else None."""
    if not windows.active or (windows.period is not None and dated is None):
        return None
    return windows


def _feedback(
    current: pd.DataFrame,
    schema: Schema,
    model: ModelColumns,
    windows: WindowSettings | None,
    request: SectionRequest,
    reading: dict[str, Any],
) -> FeedbackResult:
    assert request.id is not None
    name = None if isinstance(request.feedback, str | Path) else "the feedback DataFrame"
    rated = read_table(request.feedback, name=name, **reading)
    if len(rated.frame) == 0:
        raise EmptyDataError(
            f"{rated.name!r} (feedback= / --feedback) has 0 rows: there is no feedback to join."
        )
    if request.id not in rated.frame.columns:
        listed = ", ".join(shown(str(c), 40) for c in list(rated.frame.columns)[:20])
        raise ColumnError(
            f"The id column {shown(request.id)} (id= / --id) is not in the feedback "
            f"{rated.name!r} (feedback= / --feedback); its columns are {listed}. The feedback "
            "is joined to the current rows by the monitor's id column."
        )
    if request.feedback_value not in rated.frame.columns:
        listed = ", ".join(shown(str(c), 40) for c in list(rated.frame.columns)[:20])
        raise ColumnError(
            f"The feedback value column {shown(request.feedback_value)} (feedback_value= / "
            f"--feedback-value) is not in the feedback {rated.name!r}; its columns are {listed}."
        )
    predictions = current
    settings = request.feedback_settings or FeedbackSettings()
    if not settings.windows.active and windows is not None:
        settings = replace(
            settings,
            windows=WindowSettings(period=windows.period, size=windows.size, count=windows.count),
        )
    # Realised errors need a label per row: a class, or a regression target with a tolerance.
    has_labels = (
        model.target is not None
        and model.prediction is not None
        and model.target in predictions.columns
        and bool(predictions[model.target].notna().any())
    )
    untolerated = has_labels and model.task is Task.REGRESSION and settings.tolerance is None
    labelled = has_labels and not untolerated
    taken = {request.id, model.prediction, model.target, model.timestamp}
    features = tuple(c for c in segment_features(schema) if c in predictions and c not in taken)
    columns = FeedbackColumns(
        id=request.id,
        value=request.feedback_value,
        timestamp=model.timestamp,
        comment=request.feedback_comment,
        prediction=model.prediction,
        target=model.target if labelled else None,
        features=features,
    )
    result = analyse_feedback(rated.frame, predictions, columns, settings)
    notes = list(rated.warnings)
    if untolerated:
        notes.append(
            "Feedback is not compared with the realised errors: for a regression model, give "
            "feedback_settings=FeedbackSettings(tolerance=...) (a prediction is wrong when it "
            "misses by more)."
        )
    if notes:
        result = replace(result, warnings=(*notes, *result.warnings))
    return result


def _comparison_settings(
    request: SectionRequest, windows: WindowSettings | None, seed: int, n_resamples: int
) -> ComparisonSettings:
    if request.comparison_settings is not None:
        return request.comparison_settings
    if windows is None:
        return ComparisonSettings(seed=seed, n_resamples=n_resamples, owner=_OWNER)
    return ComparisonSettings(seed=seed, n_resamples=n_resamples, windows=windows, owner=_OWNER)


def _shadow(
    current: pd.DataFrame,
    schema: Schema,
    model: ModelColumns,
    request: SectionRequest,
    settings: ComparisonSettings,
) -> ShadowResult:
    assert request.shadow_prediction is not None
    if model.prediction is None:
        raise ParameterError(
            f"shadow_prediction= (--shadow-prediction) {shown(request.shadow_prediction)} is "
            "compared with production's predictions: give the prediction column too, "
            "prediction= (--prediction)."
        )
    candidate = second_model_columns(
        [str(c) for c in current.columns],
        model,
        request.shadow_prediction,
        request.shadow_proba_prefix,
    )
    return compare_shadow(
        current,
        model,
        candidate,
        schema=schema,
        features=segment_features(schema),
        settings=settings,
    )


def _ab_test(
    current: pd.DataFrame,
    schema: Schema,
    model: ModelColumns,
    request: SectionRequest,
    settings: ComparisonSettings,
    warnings: list[str],
) -> ABTestResult | None:
    assert request.arm is not None
    if model.target is None or model.prediction is None:
        raise ParameterError(
            f"arm= (--arm) {shown(request.arm)} compares the arms' performance: give the target "
            "and prediction columns, target= and prediction= (--target, --prediction)"
            + (", or late labels, labels= (--labels)." if model.target is None else ".")
        )
    if model.target not in current.columns or current[model.target].isna().all():
        warnings.append(
            f"ab_test: no current row has a label in {shown(model.target)} yet; the A/B test "
            f"of arm column {shown(request.arm)} needs labels and was not run."
        )
        return None
    return compare_arms(
        current,
        model,
        arm=request.arm,
        arms=request.arms,
        schema=schema,
        features=segment_features(schema),
        settings=settings,
    )


def run_sections(
    current: pd.DataFrame,
    aside: pd.DataFrame | None,
    schema: Schema,
    model: ModelColumns,
    windows: WindowSettings,
    request: SectionRequest,
    *,
    seed: int,
    n_resamples: int,
    encoding: str,
    delimiter: str | None,
) -> Sections:
    """The sections ``request`` asks for, on ``current`` as the monitor prepared it with the
    columns `set_aside` took out of it, in the monitor's ``windows`` where the section can cut
    them. ``model`` is the monitor's, its timestamp None when
    current's dates cannot be read."""
    warnings: list[str] = []
    if aside is not None:
        current = current.reset_index(drop=True)
        current = current.assign(**{str(c): aside[c].to_numpy() for c in aside.columns})
    aligned = _windows(windows, model.timestamp)
    feedback = None
    if request.feedback is not None:
        reading = {"encoding": encoding, "delimiter": delimiter}
        feedback = _feedback(current, schema, model, aligned, request, reading)
    shadow = ab = None
    if request.shadow_prediction is not None or request.arm is not None:
        settings = _comparison_settings(request, aligned, seed, n_resamples)
        if request.shadow_prediction is not None:
            shadow = _shadow(current, schema, model, request, settings)
        if request.arm is not None:
            ab = _ab_test(current, schema, model, request, settings, warnings)
    return Sections(feedback, shadow, ab, tuple(warnings))
