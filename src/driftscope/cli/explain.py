"""`driftscope explain`: which features drive a model, on the baseline and on new data (SHAP or
LIME, `driftscope.explain`). `register` adds it to the main app."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from driftscope.cli._options import (
    Delimiter,
    Encoding,
    Html,
    Json,
    Quiet,
    Seed,
    Target,
    _check_choice,
    _check_outputs,
    _split_columns,
    exit_codes_help,
    write_explanation,
)

__all__ = ["register"]

METHODS = ("auto", "tree", "linear", "permutation", "lime")

ModelFile = Annotated[
    Path,
    typer.Option(
        "--model",
        help="The model: a scikit-learn model saved with skops (.skops) or an ONNX file (.onnx); "
        "pickle (.pkl, .joblib) only with --allow-pickle.",
    ),
]
AllowPickle = Annotated[
    bool,
    typer.Option(
        "--allow-pickle", help="Load a pickle or joblib model file (it runs code when loaded)."
    ),
]
ExplainMethod = Annotated[
    str, typer.Option("--method", help="auto, tree, linear, permutation or lime.")
]
MaxRows = Annotated[int, typer.Option(min=1, help="Rows explained per side (a seeded sample).")]
Background = Annotated[
    int, typer.Option(min=1, help="Reference rows standing for 'feature unknown'.")
]
Rows = Annotated[int, typer.Option(min=0, help="Rows explained one by one, worst errors first.")]
Top = Annotated[int, typer.Option(min=0, help="Features given dependence points.")]

EXPLAIN_EPILOG = """
\b
Examples:
  driftscope explain train.parquet --model model.skops --target churn
  driftscope explain train.parquet prod.parquet --model model.onnx --target y --json expl.json
  driftscope explain ref.csv cur.csv --model model.skops --method lime --max-rows 100
  driftscope explain ref.csv cur.csv --model model.skops -o explanation.html
  driftscope explain ref.csv cur.csv --model model.skops --fail-on-change 0.1

""" + exit_codes_help(
    " (and no feature's importance rose by more than --fail-on-change)",
    "a feature's importance rose by more than --fail-on-change",
    "a model that does not load, a feature the data lacks",
)


def explain_command(
    reference: Annotated[Path, typer.Argument(help="Reference data: CSV, Parquet or JSON Lines.")],
    current: Annotated[
        Path | None, typer.Argument(help="Current data, same formats (optional).")
    ] = None,
    model: ModelFile = ...,  # type: ignore[assignment]
    target: Target = None,
    features: Annotated[
        list[str] | None,
        typer.Option(help="Feature columns (comma-separated or repeated); default: the model's."),
    ] = None,
    method: ExplainMethod = "auto",
    max_rows: MaxRows = 1000,
    background: Background = 100,
    rows: Rows = 5,
    top: Top = 5,
    allow_pickle: AllowPickle = False,
    fail_on_change: Annotated[
        float | None,
        typer.Option(
            min=0.0,
            help="Exit 1 when a feature's importance on CURRENT rose by more than this share of "
            "the reference's total importance (e.g. 0.1).",
        ),
    ] = None,
    html_path: Html = None,
    json_path: Json = None,
    seed: Seed = 0,
    encoding: Encoding = "utf-8",
    delimiter: Delimiter = None,
    quiet: Quiet = False,
) -> None:
    """Explain MODEL on REFERENCE and, when given, on CURRENT: each feature's importance on both
    sides and its change, the worst rows explained, with the bounds used."""
    from driftscope.analyses.explanation import ExplainSettings
    from driftscope.report.explanation_terminal import render_explanation
    from driftscope.report.html import render_explanation_html
    from driftscope.workflows.explain import explain_tables

    _check_choice(method, METHODS, "--method")
    _check_outputs({"-o/--html": html_path, "--json": json_path}, [reference, current, model])
    result = explain_tables(
        reference,
        current,
        model=model,
        target=target,
        features=_split_columns(features) if features else None,
        allow_pickle=allow_pickle,
        settings=ExplainSettings(
            method=method,
            max_rows=max_rows,
            background=background,
            rows=rows,
            top=top,
            seed=seed,
        ),
        encoding=encoding,
        delimiter=delimiter,
    )
    data = result.to_dict()

    def page() -> str:
        return render_explanation_html(
            data, reference.name, current.name if current is not None else None
        )

    write_explanation(
        data,
        html_path,
        json_path,
        quiet,
        page=page,
        summary=lambda: render_explanation(data),
        fail_on_change=fail_on_change,
        risen=result.risen,
    )


def register(app: typer.Typer) -> None:
    app.command("explain", epilog=EXPLAIN_EPILOG)(explain_command)
