"""`driftscope compare-models`: two versions of a model compared on one table, as an A/B test
(``--arm``) or a shadow model (``--candidate``); `driftscope.ab_test` and
`driftscope.shadow_compare`. `register` adds it to the main app."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from driftscope.cli._options import (
    Delimiter,
    Encoding,
    Json,
    Quiet,
    Seed,
    _check_outputs,
    _split_columns,
    exit_codes_help,
    fail_if,
)

__all__ = ["register"]

COMPARE_EPILOG = """
\b
Examples:
  driftscope compare-models traffic.parquet --arm version --target y --prediction pred
  driftscope compare-models traffic.csv --arm version --arms v1,v2 --target y --prediction pred \\
      --proba-prefix proba_ --min-effect 0.01 --fail-on-worse
  driftscope compare-models scored.csv --prediction prod --candidate cand --target y \\
      --proba-prefix prod_proba_ --candidate-proba-prefix cand_proba_ --json shadow.json
  driftscope compare-models scored.csv --prediction prod --candidate cand --timestamp ts --period D

""" + exit_codes_help(
    " (printed: the verdict and the table)",
    "with --fail-on-worse, B (or the candidate) is significantly worse than A (production) on "
    "the primary metric",
    "a column the data lacks, one arm only or more than two without --arms",
)


def compare_models_command(
    data: Annotated[Path, typer.Argument(help="The scored rows: CSV, Parquet or JSON Lines.")],
    prediction: Annotated[
        str, typer.Option(help="Prediction column (A's, or production's in shadow mode).")
    ],
    arm: Annotated[
        str | None,
        typer.Option(help="A/B mode: the column naming the version that served each row."),
    ] = None,
    arms: Annotated[
        str | None,
        typer.Option(help="A/B mode: the two arm values to compare, baseline first: A,B."),
    ] = None,
    candidate: Annotated[
        str | None,
        typer.Option(help="Shadow mode: the candidate's prediction column (same rows)."),
    ] = None,
    prediction_b: Annotated[
        str | None,
        typer.Option(help="Paired A/B on the same rows: B's prediction column."),
    ] = None,
    target: Annotated[str | None, typer.Option(help="Target (label) column.")] = None,
    proba_prefix: Annotated[
        str | None, typer.Option(help="Prefix of A's (production's) probability columns.")
    ] = None,
    candidate_proba_prefix: Annotated[
        str | None,
        typer.Option(help="Prefix of the candidate's (or B's) probability columns."),
    ] = None,
    task: Annotated[
        str | None, typer.Option(help="binary, multiclass, classification or regression.")
    ] = None,
    id_column: Annotated[
        str | None,
        typer.Option("--id", help="A/B mode: id column; ids in both arms make the test paired."),
    ] = None,
    features: Annotated[
        list[str] | None,
        typer.Option(help="Feature columns (comma-separated or repeated); default: the others."),
    ] = None,
    timestamp: Annotated[str | None, typer.Option(help="Shadow mode: timestamp column.")] = None,
    period: Annotated[
        str | None, typer.Option(help="Shadow mode: windows by calendar period, D, W or M.")
    ] = None,
    window_size: Annotated[
        int | None, typer.Option(min=1, help="Shadow mode: windows of N rows.")
    ] = None,
    windows: Annotated[
        int | None, typer.Option(min=1, help="Shadow mode: N equal windows [default 5].")
    ] = None,
    min_window_rows: Annotated[
        int, typer.Option(min=1, help="Windows with fewer rows are marked, not tested.")
    ] = 30,
    tolerance: Annotated[
        float | None,
        typer.Option(
            min=0.0, help="Shadow, regression: largest difference that still agrees [0.1 sd]."
        ),
    ] = None,
    confidence: Annotated[float, typer.Option(help="Level of every interval.")] = 0.95,
    min_effect: Annotated[
        float | None,
        typer.Option(help="Smallest difference worth detecting [0.01, or 2% for errors]."),
    ] = None,
    power: Annotated[float, typer.Option(help="Power for the rows-needed estimate.")] = 0.8,
    expected_share_b: Annotated[
        float, typer.Option(help="A/B mode: share of traffic B should get.")
    ] = 0.5,
    primary_metric: Annotated[
        str | None, typer.Option(help="The metric the verdict is based on [accuracy, or mae].")
    ] = None,
    metric: Annotated[
        list[str] | None,
        typer.Option(
            "--metric", help="Only these metrics (comma-separated or repeated) [all the task's]."
        ),
    ] = None,
    n_resamples: Annotated[int, typer.Option(min=20, help="Bootstrap resamples.")] = 1000,
    fail_on_worse: Annotated[
        bool,
        typer.Option(
            "--fail-on-worse",
            help="Exit 1 when B (the candidate) is significantly worse on the primary metric.",
        ),
    ] = False,
    json_path: Json = None,
    seed: Seed = 0,
    encoding: Encoding = "utf-8",
    delimiter: Delimiter = None,
    quiet: Quiet = False,
) -> None:
    """Compare two versions of a model on DATA: an A/B test on split traffic (--arm), a paired
    test when both scored every row (--prediction-b), or a shadow candidate (--candidate):
    differences with intervals and p-values, rows still needed, and a plain verdict."""
    import json

    from rich.console import Console

    from driftscope.analyses.model_comparison import ABTestResult, ShadowResult
    from driftscope.report._report import write_all
    from driftscope.report.comparison_terminal import render_comparison
    from driftscope.workflows.compare_models import ab_test, shadow_compare

    modes = [name for name, value in (("--arm", arm), ("--candidate", candidate)) if value]
    if prediction_b is not None:
        modes.append("--prediction-b")
    if len(modes) != 1:
        raise typer.BadParameter(
            "give one of --arm (A/B on split traffic), --prediction-b (A/B on the same rows) "
            f"or --candidate (shadow model); got {', '.join(modes) or 'none'}",
            param_hint="--arm/--prediction-b/--candidate",
        )
    _check_outputs({"--json": json_path}, [data])
    chosen_arms = None
    if arms is not None:
        chosen_arms = _split_columns([arms])
        if len(chosen_arms) != 2:
            raise typer.BadParameter(f"expected two values A,B; got {arms!r}", param_hint="--arms")
    feature_names = _split_columns(features) if features else None
    metric_names = _split_columns(metric) if metric else None
    result: ABTestResult | ShadowResult
    if candidate is not None:
        result = shadow_compare(
            data,
            production=prediction,
            candidate=candidate,
            production_proba_prefix=proba_prefix,
            candidate_proba_prefix=candidate_proba_prefix,
            target=target,
            timestamp=timestamp,
            task=task,
            features=feature_names,
            tolerance=tolerance,
            min_effect=min_effect,
            power=power,
            primary_metric=primary_metric,
            metrics=metric_names,
            n_windows=windows if windows is not None else 5,
            window_size=window_size,
            period=period,
            min_window_rows=min_window_rows,
            confidence=confidence,
            n_resamples=n_resamples,
            seed=seed,
            encoding=encoding,
            delimiter=delimiter,
        )
        worse = result.candidate_worse
    else:
        if target is None:
            raise typer.BadParameter("an A/B test needs the target column", param_hint="--target")
        result = ab_test(
            data,
            target=target,
            prediction=prediction,
            arm=arm,
            arms=chosen_arms,
            prediction_b=prediction_b,
            proba_prefix=proba_prefix,
            proba_prefix_b=candidate_proba_prefix,
            id=id_column,
            task=task,
            features=feature_names,
            confidence=confidence,
            min_effect=min_effect,
            power=power,
            expected_share_b=expected_share_b,
            primary_metric=primary_metric,
            metrics=metric_names,
            n_resamples=n_resamples,
            seed=seed,
            encoding=encoding,
            delimiter=delimiter,
        )
        worse = result.b_worse
    payload = result.to_dict()
    if json_path is not None:
        write_all([(json_path, json.dumps(payload, indent=2, allow_nan=False))])
    if not quiet:
        out = Console()
        out.print(render_comparison(payload))
        if json_path is not None:
            out.print(f"JSON: {json_path}")
    fail_if(fail_on_worse and worse)


def register(app: typer.Typer) -> None:
    app.command("compare-models", epilog=COMPARE_EPILOG)(compare_models_command)
