"""`driftscope feedback`: thumbs up or down and comments as a label proxy, per window and joined
to the predictions (`driftscope.feedback`). `register` adds it to the main app."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from driftscope.cli._options import (
    Delimiter,
    Encoding,
    Json,
    Quiet,
    _check_choice,
    _check_outputs,
    _split_columns,
    exit_codes_help,
    fail_if,
)

__all__ = ["parse_baseline", "register"]

FEEDBACK_EPILOG = """
\b
Examples:
  driftscope feedback feedback.csv --id request_id --value thumbs
  driftscope feedback feedback.csv predictions.parquet --timestamp ts --period D
  driftscope feedback fb.jsonl preds.csv --prediction pred --target label --period W
  driftscope feedback fb.csv preds.csv --timestamp ts --period D --baseline 0.1 --fail-on-alert
  driftscope feedback fb.csv preds.csv --comment text --json feedback.json

""" + exit_codes_help(
    " (and no window's negative share is significantly up, with --fail-on-alert)",
    "a window's negative share is significantly above the baseline, with --fail-on-alert",
    "a missing column, feedback values that are not thumbs up or down, ids that match no "
    "prediction",
)


def parse_baseline(text: str | None, option: str = "--baseline") -> float | str | None:
    """A number is a rate; anything else a window's label."""
    if text is None:
        return None
    try:
        rate = float(text)
    except ValueError:
        return text
    if not 0 < rate < 1:
        raise typer.BadParameter(
            f"expected a rate in (0, 1), a window's label or 'first'; got {text!r}",
            param_hint=option,
        )
    return rate


def feedback_command(
    feedback: Annotated[
        Path,
        typer.Argument(
            help="Feedback: CSV, Parquet or JSON Lines with an id and a thumbs up/down column."
        ),
    ],
    predictions: Annotated[
        Path | None,
        typer.Argument(help="The predictions it rates, by id (optional), same formats."),
    ] = None,
    id: Annotated[str, typer.Option("--id", help="Id column, in both tables.")] = "id",
    value: Annotated[
        str,
        typer.Option(
            "--value",
            help="Feedback column: 1/0, +1/-1, up/down, thumbs_up/thumbs_down, "
            "positive/negative, true/false or 👍/👎.",
        ),
    ] = "feedback",
    timestamp: Annotated[
        str | None,
        typer.Option(help="Timestamp column (the predictions', else the feedback's)."),
    ] = None,
    comment: Annotated[str | None, typer.Option(help="Comment column of the feedback.")] = None,
    prediction: Annotated[str | None, typer.Option(help="Prediction column.")] = None,
    target: Annotated[
        str | None, typer.Option(help="Target (label) column: compares feedback with errors.")
    ] = None,
    features: Annotated[
        list[str] | None,
        typer.Option(help="Feature columns to segment on (comma-separated or repeated)."),
    ] = None,
    period: Annotated[
        str | None, typer.Option(help="Windows by calendar period on --timestamp: D, W or M.")
    ] = None,
    window_size: Annotated[int | None, typer.Option(min=1, help="Windows of N rows.")] = None,
    windows: Annotated[int | None, typer.Option(min=1, help="Split into N windows.")] = None,
    baseline: Annotated[
        str | None,
        typer.Option(
            help="What a window is held to: a rate in (0, 1), a window's label or 'first'; "
            "default: the other windows pooled."
        ),
    ] = None,
    confidence: Annotated[
        float, typer.Option(min=0.5, max=0.999, help="Confidence of the intervals.")
    ] = 0.95,
    alpha: Annotated[
        float,
        typer.Option(
            min=0.0001, max=0.5, help="Significance level, Bonferroni-corrected over windows."
        ),
    ] = 0.05,
    min_increase: Annotated[
        float,
        typer.Option(
            min=0.0,
            max=1.0,
            help="Least rise over the baseline's share that can alert (0.02: 2 points).",
        ),
    ] = 0.0,
    min_rows: Annotated[
        int, typer.Option(min=1, help="Feedback rows a window needs to be tested.")
    ] = 30,
    min_segment_rows: Annotated[
        int, typer.Option(min=1, help="Feedback rows a class or segment needs.")
    ] = 30,
    tolerance: Annotated[
        float | None,
        typer.Option(min=0.0, help="Regression: a prediction is wrong beyond this error."),
    ] = None,
    fail_on_alert: Annotated[
        bool,
        typer.Option(
            "--fail-on-alert",
            help="Exit 1 when a window's negative share is significantly above the baseline.",
        ),
    ] = False,
    json_path: Json = None,
    encoding: Encoding = "utf-8",
    delimiter: Delimiter = None,
    quiet: Quiet = False,
) -> None:
    """Analyse FEEDBACK (thumbs up or down, comments), joined to PREDICTIONS when given: the
    negative share per window with its interval and its test against the baseline, the
    coverage, the classes and segments users complain about, and how feedback tracks the
    errors when the predictions carry labels."""
    from rich.console import Console

    from driftscope.report._report import write_all
    from driftscope.report.feedback_terminal import render_feedback
    from driftscope.workflows.feedback import feedback as analyse

    _check_choice(period.upper() if period else None, ("D", "W", "M"), "--period")
    _check_outputs({"--json": json_path}, [feedback, predictions])
    chosen = [f"--{n}" for n, v in (("period", period), ("window-size", window_size),
                                   ("windows", windows)) if v is not None]  # fmt: skip
    if len(chosen) > 1:
        raise typer.BadParameter(
            f"give one way to cut windows; got {' and '.join(chosen)}", param_hint=chosen[0]
        )
    result = analyse(
        feedback,
        predictions,
        id=id,
        value=value,
        timestamp=timestamp,
        comment=comment,
        target=target,
        prediction=prediction,
        features=_split_columns(features) if features else None,
        period=period,
        window_size=window_size,
        n_windows=windows,
        baseline=parse_baseline(baseline),
        confidence=confidence,
        alpha=alpha,
        min_increase=min_increase,
        min_rows=min_rows,
        min_segment_rows=min_segment_rows,
        tolerance=tolerance,
        encoding=encoding,
        delimiter=delimiter,
    )
    data = result.to_dict()
    if json_path is not None:
        import json

        write_all([(json_path, json.dumps(data, indent=2, allow_nan=False, ensure_ascii=False))])
    if not quiet:
        out = Console()
        out.print(render_feedback(data))
        if json_path is not None:
            out.print(f"JSON: {json_path}")
    if fail_on_alert:
        if result.alerts and not quiet:
            Console(stderr=True).print(
                "negative feedback significantly up in: " + ", ".join(result.alerts)
            )
        fail_if(bool(result.alerts))


def register(app: typer.Typer) -> None:
    app.command("feedback", epilog=FEEDBACK_EPILOG)(feedback_command)
