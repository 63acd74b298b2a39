"""`driftscope estimate`: a model's performance on data whose labels have not arrived
(`driftscope.estimate`: CBPE for classifiers, DLE for regressors). `register` adds it to the
main app."""

from __future__ import annotations

from typing import Annotated

import typer

from driftscope._shorten import shown
from driftscope.cli._options import (
    Current,
    Delimiter,
    Encoding,
    Json,
    Prediction,
    Quiet,
    Reference,
    Seed,
    Target,
    _check_choice,
    _check_outputs,
    _metric_values,
    _split_columns,
    exit_codes_help,
    fail_if,
)

__all__ = ["register"]

CALIBRATIONS = ("auto", "isotonic", "features", "none")

ESTIMATE_EPILOG = """
\b
Examples:
  driftscope estimate train.parquet prod.parquet --target churn --prediction pred
  driftscope estimate ref.csv cur.csv --target y --prediction pred --proba-prefix proba_ \\
      --timestamp ts --period W --json estimate.json
  driftscope estimate ref.csv cur.csv --target price --prediction pred --task regression \\
      --window-size 5000 --fail-on alert

""" + exit_codes_help(
    " (and no window's estimate is at --fail-on or worse)",
    "a window's estimated primary metric is at --fail-on or worse",
    "no probabilities for a classifier, no target in the reference",
)


def estimate_command(
    reference: Reference,
    current: Current,
    target: Target = None,
    prediction: Prediction = None,
    proba_prefix: Annotated[
        str | None, typer.Option(help="Prefix of the probability columns, e.g. proba_.")
    ] = None,
    task: Annotated[
        str | None, typer.Option(help="binary, multiclass, classification or regression.")
    ] = None,
    timestamp: Annotated[str | None, typer.Option(help="Timestamp column.")] = None,
    features: Annotated[
        list[str] | None,
        typer.Option(help="Feature columns the estimator learns from (default: all)."),
    ] = None,
    period: Annotated[
        str | None, typer.Option(help="Windows by calendar period: D, W or M.")
    ] = None,
    window_size: Annotated[int | None, typer.Option(min=1, help="Windows of N rows.")] = None,
    windows: Annotated[
        int | None, typer.Option(min=1, help="Split current into N windows.")
    ] = None,
    min_window_rows: Annotated[
        int, typer.Option(min=1, help="Windows with fewer rows are shown, not judged.")
    ] = 100,
    metric: Annotated[
        list[str] | None,
        typer.Option(help="Metrics to estimate (comma-separated or repeated; default: all)."),
    ] = None,
    calibration: Annotated[
        str, typer.Option(help="auto, isotonic, features or none (classifiers).")
    ] = "auto",
    confidence: Annotated[
        float, typer.Option(min=0.5, max=0.999, help="Level of the bands.")
    ] = 0.95,
    benchmark: Annotated[
        list[str] | None,
        typer.Option(help="METRIC=VALUE baseline instead of the reference's realised value."),
    ] = None,
    fail_on: Annotated[
        str | None,
        typer.Option(help="Exit 1 when a window's status is this or worse: warning or alert."),
    ] = None,
    json_path: Json = None,
    seed: Seed = 0,
    encoding: Encoding = "utf-8",
    delimiter: Delimiter = None,
    quiet: Quiet = False,
) -> None:
    """Estimate the model's performance on CURRENT, whose labels have not arrived, learning on
    the labelled REFERENCE: each window's estimate with its band and status, and the realised
    value beside it where labels exist."""
    from rich.console import Console

    from driftscope.analyses.status import Status
    from driftscope.report._report import write_all
    from driftscope.report.estimation_terminal import render_estimate
    from driftscope.workflows.estimate import estimate

    _check_choice(calibration, CALIBRATIONS, "--calibration")
    _check_choice(fail_on, ("warning", "alert"), "--fail-on")
    if period is not None and period.upper() not in ("D", "W", "M"):
        raise typer.BadParameter(
            f"expected one of D, W, M; got {shown(period)}", param_hint="--period"
        )
    _check_outputs({"--json": json_path}, [reference, current])
    result = estimate(
        reference,
        current,
        target=target,
        prediction=prediction,
        proba_prefix=proba_prefix,
        task=task,
        timestamp=timestamp,
        features=_split_columns(features) if features else None,
        period=period,
        window_size=window_size,
        n_windows=windows,
        min_window_rows=min_window_rows,
        metrics=_split_columns(metric) if metric else None,
        calibration=calibration,
        confidence=confidence,
        benchmarks=_metric_values(benchmark or [], "--benchmark"),
        seed=seed,
        reference_name=str(reference),
        current_name=str(current),
        encoding=encoding,
        delimiter=delimiter,
    )
    data = result.to_dict()
    if json_path is not None:
        import json

        write_all([(json_path, json.dumps(data, indent=2, allow_nan=False))])
    if not quiet:
        out = Console()
        out.print(render_estimate(data))
        if json_path is not None:
            out.print(f"JSON: {json_path}")
    if fail_on is not None:
        fail_if(result.status.at_least(Status(fail_on)))


def register(app: typer.Typer) -> None:
    app.command("estimate", epilog=ESTIMATE_EPILOG)(estimate_command)
