"""The `driftscope` command line. Parses, calls `compare`, presents; computes nothing itself."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from driftscope._version import __version__
from driftscope.exceptions import DriftscopeError

__all__ = ["app", "main"]

EXIT_OK = 0
EXIT_DRIFT = 1
EXIT_USAGE = 2

app = typer.Typer(
    name="driftscope",
    help="Watch machine-learning models after they ship: find data drift and say what moved.",
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
_err = Console(stderr=True)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"driftscope {__version__}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """driftscope: data drift, clearly explained."""


def _pairs(values: list[str], option: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in values:
        name, sep, value = item.rpartition("=")
        if not sep or not name or not value:
            raise typer.BadParameter(f"expected COLUMN=VALUE, got {item!r}", param_hint=option)
        out[name] = value
    return out


def _split_columns(values: list[str]) -> list[str]:
    return [c.strip() for v in values for c in v.split(",") if c.strip()]


EPILOG = """
\b
Examples:
  driftscope drift train.parquet today.parquet -o report.html --json report.json
  driftscope drift ref.csv cur.csv --target churn --prediction score --correction bh
  driftscope drift ref.csv cur.csv --method age=psi --threshold age=0.1 --fail-on-drift
  driftscope drift ref.csv cur.csv --schema schema.yaml --kind zip=categorical

Exit codes: 0 it ran (no drift, or drift without --fail-on-drift); 1 dataset drift with
--fail-on-drift; 2 usage or input error.
"""


@app.command(epilog=EPILOG)
def drift(
    reference: Annotated[Path, typer.Argument(help="Reference data: CSV, Parquet or JSON Lines.")],
    current: Annotated[Path, typer.Argument(help="Current data, same formats.")],
    schema: Annotated[
        Path | None, typer.Option("--schema", help="YAML file with column kinds, roles, methods.")
    ] = None,
    target: Annotated[str | None, typer.Option(help="Target (label) column.")] = None,
    prediction: Annotated[str | None, typer.Option(help="Prediction column.")] = None,
    columns: Annotated[
        list[str] | None,
        typer.Option("--columns", help="Only these columns (comma-separated or repeated)."),
    ] = None,
    method: Annotated[
        list[str] | None,
        typer.Option("--method", help="COL=METHOD, e.g. age=psi (repeatable)."),
    ] = None,
    threshold: Annotated[
        list[str] | None,
        typer.Option(
            "--threshold",
            help="VALUE (significance level for all tests) or COL=VALUE for one column.",
        ),
    ] = None,
    kind: Annotated[
        list[str] | None,
        typer.Option("--kind", help="COL=KIND to override an inferred kind (repeatable)."),
    ] = None,
    correction: Annotated[
        str | None,
        typer.Option(help="Correction across columns: bonferroni or bh (Benjamini-Hochberg)."),
    ] = None,
    drift_share: Annotated[
        float, typer.Option(help="Share of drifted columns that makes dataset drift.")
    ] = 0.5,
    html: Annotated[Path | None, typer.Option("-o", "--html", help="Write an HTML report.")] = None,
    json_path: Annotated[Path | None, typer.Option("--json", help="Write a JSON report.")] = None,
    fail_on_drift: Annotated[
        bool, typer.Option("--fail-on-drift", help="Exit 1 when the dataset drifted.")
    ] = False,
    multivariate: Annotated[
        bool, typer.Option(help="Run the dataset-level MMD and classifier tests.")
    ] = True,
    seed: Annotated[int, typer.Option(help="Seed for every random step.")] = 0,
    encoding: Annotated[str, typer.Option(help="Text encoding of CSV/JSON files.")] = "utf-8",
    delimiter: Annotated[
        str | None, typer.Option(help="CSV delimiter (sniffed when not given).")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No terminal summary.")] = False,
) -> None:
    """Compare CURRENT with REFERENCE column by column and report what drifted."""
    from driftscope._api import compare
    from driftscope.data.schema import ColumnSpec, Schema

    if correction is not None and correction not in ("bonferroni", "bh"):
        raise typer.BadParameter(
            f"expected bonferroni or bh, got {correction!r}", param_hint="--correction"
        )
    alpha = 0.05
    per_column: dict[str, float] = {}
    for item in threshold or []:
        if "=" in item:
            for name, value in _pairs([item], "--threshold").items():
                try:
                    per_column[name] = float(value)
                except ValueError:
                    raise typer.BadParameter(
                        f"{value!r} is not a number", param_hint="--threshold"
                    ) from None
        else:
            try:
                alpha = float(item)
            except ValueError:
                raise typer.BadParameter(
                    f"{item!r} is not a number", param_hint="--threshold"
                ) from None
    user_schema = Schema.from_yaml(schema) if schema is not None else Schema()
    for name, value in _pairs(kind or [], "--kind").items():
        user_schema = user_schema.with_column(ColumnSpec(name=name, kind=value))  # type: ignore[arg-type]
    report = compare(
        reference,
        current,
        user_schema,
        target=target,
        prediction=prediction,
        columns=_split_columns(columns) if columns else None,
        methods=_pairs(method or [], "--method"),
        thresholds=per_column,
        alpha=alpha,
        drift_share=drift_share,
        correction=correction,
        multivariate=multivariate,
        seed=seed,
        encoding=encoding,
        delimiter=delimiter,
    )
    if html is not None:
        report.save_html(html)
    if json_path is not None:
        report.save_json(json_path)
    if not quiet:
        out = Console()
        out.print(report)
        for label, path in (("HTML", html), ("JSON", json_path)):
            if path is not None:
                out.print(f"{label} report: {path}")
    if fail_on_drift and report.drifted:
        raise typer.Exit(EXIT_DRIFT)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; turn every error into a clear message and exit code 2, never a traceback."""
    try:
        # Outside standalone mode click returns an Exit's code instead of raising it.
        rc = app(args=argv, prog_name="driftscope", standalone_mode=False)
    except typer.Exit as exc:
        return int(exc.exit_code)
    except SystemExit as exc:  # pragma: no cover - click may still raise it
        return int(exc.code or 0)
    except (typer.Abort, KeyboardInterrupt):
        _err.print("Aborted.")
        return EXIT_USAGE
    except Exception as exc:
        show = getattr(exc, "show", None)
        if isinstance(exc, typer.TyperException) and callable(show):
            # Usage errors: click-style message with the usage line, exit 2.
            show()
            return EXIT_USAGE
        if os.environ.get("DRIFTSCOPE_DEBUG"):
            raise
        if isinstance(exc, DriftscopeError | OSError | ValueError):
            _err.print(Text("error: ", style="bold red") + Text(str(exc)), soft_wrap=True)
        else:
            _err.print(
                Text("internal error: ", style="bold red")
                + Text(f"{type(exc).__name__}: {exc}\n")
                + Text("Set DRIFTSCOPE_DEBUG=1 for the traceback and please report it."),
                highlight=False,
            )
        return EXIT_USAGE
    return rc if isinstance(rc, int) else EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
