"""`driftscope.feedback`: thumbs up or down and comments, per window and joined to the
predictions they rate (the CLI's `driftscope feedback`): read, analyse, return the
`FeedbackResult`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from driftscope.analyses.feedback import (
    FeedbackColumns,
    FeedbackResult,
    FeedbackSettings,
    analyse_feedback,
)
from driftscope.analyses.windows import WindowSettings
from driftscope.data.io import read_table
from driftscope.exceptions import EmptyDataError, invalid_parameter

__all__ = ["feedback"]


def feedback(
    feedback: Any,
    predictions: Any = None,
    *,
    id: str = "id",
    value: str = "feedback",
    timestamp: str | None = None,
    comment: str | None = None,
    target: str | None = None,
    prediction: str | None = None,
    features: Sequence[str] | None = None,
    period: str | None = None,
    window_size: int | None = None,
    n_windows: int | None = None,
    baseline: float | str | None = None,
    confidence: float = 0.95,
    alpha: float = 0.05,
    min_increase: float = 0.0,
    min_rows: int = 30,
    min_segment_rows: int = 30,
    top_segments: int = 5,
    top_words: int = 10,
    tolerance: float | None = None,
    encoding: str = "utf-8",
    delimiter: str | None = None,
) -> FeedbackResult:
    """Feedback (thumbs up or down, comments) as a label proxy: the share of negative feedback
    per window with its interval, tested against a baseline, where it concentrates, and how it
    tracks the realised errors when the predictions carry labels.

    Parameters
    ----------
    feedback
        The feedback: a CSV, Parquet or JSON Lines file, or a DataFrame, with an ``id`` and a
        ``value`` column (1/0, +1/-1, up/down, thumbs_up/thumbs_down, positive/negative,
        true/false, 👍/👎), optionally a ``timestamp`` and a ``comment``.
    predictions
        The predictions the feedback rates (same formats), by ``id``: gives the coverage, the
        negative share by predicted class (``prediction``) and feature segment (``features``,
        default every other column), and with a ``target`` the comparison with the errors.
    period, window_size, n_windows
        Windows by calendar period on ``timestamp`` (D, W or M), of so many rows, or so many
        equal parts; none: one window.
    baseline
        A rate in (0, 1), a window's label (or "first"), or None: each window against the
        others pooled. ``alpha`` (Bonferroni across windows), ``min_increase`` and
        ``min_rows`` decide a window's status; see `FeedbackSettings`.
    tolerance
        For a regression model: a prediction is wrong when it misses by more than this.

    Examples
    --------
    >>> import pandas as pd
    >>> fb = pd.DataFrame({"id": [1, 2, 3, 3], "feedback": ["up", "down", "up", "down"]})
    >>> preds = pd.DataFrame({"id": [1, 2, 3, 4], "pred": ["a", "b", "a", "b"]})
    >>> result = feedback(fb, preds, prediction="pred", min_rows=1, min_segment_rows=1)
    >>> result.n_feedback, result.n_negative, result.coverage, result.n_duplicates
    (3, 2, 0.75, 1)
    """
    given = {"period": period, "window_size": window_size, "n_windows": n_windows}
    chosen = {k: v for k, v in given.items() if v is not None}
    if len(chosen) > 1:
        raise invalid_parameter(
            "feedback", "/".join(chosen), "given alone (one way to cut windows)", chosen
        )
    settings = FeedbackSettings(
        windows=WindowSettings(period=period, size=window_size, count=n_windows),
        baseline=baseline,
        confidence=confidence,
        alpha=alpha,
        min_increase=min_increase,
        min_rows=min_rows,
        min_segment_rows=min_segment_rows,
        top_segments=top_segments,
        top_words=top_words,
        tolerance=tolerance,
    )
    reading: dict[str, Any] = {"encoding": encoding, "delimiter": delimiter}
    columns = FeedbackColumns(
        id=id,
        value=value,
        timestamp=timestamp,
        comment=comment,
        target=target,
        prediction=prediction,
        features=tuple(features) if features is not None else None,
    )
    rated = read_table(feedback, name=_name(feedback, "feedback"), **reading)
    if len(rated.frame) == 0:
        raise EmptyDataError(f"{rated.name!r} has 0 rows: there is no feedback to analyse.")
    predicted = None
    if predictions is not None:
        predicted = read_table(predictions, name=_name(predictions, "predictions"), **reading)
        if len(predicted.frame) == 0:
            raise EmptyDataError(f"{predicted.name!r} has 0 rows: there is nothing to join.")
    result = analyse_feedback(
        rated.frame, None if predicted is None else predicted.frame, columns, settings
    )
    read_warnings = [*rated.warnings, *(predicted.warnings if predicted is not None else ())]
    if read_warnings:
        result = replace(result, warnings=(*read_warnings, *result.warnings))
    return result


def _name(source: Any, what: str) -> str | None:
    """A file is named by its path in messages; a frame by what it holds."""
    return None if isinstance(source, str | Path) else f"the {what} DataFrame"
