"""`driftscope profile`: profile a table into a `.profile` file (docs/profiles.md), or merge
saved profiles into one. `driftscope drift` reads the files it writes; `register` adds the
command to the app."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from driftscope._shorten import shown
from driftscope.cli._options import (
    Delimiter,
    Encoding,
    Kinds,
    Prediction,
    Quiet,
    SchemaFile,
    Target,
    _check_outputs,
    exit_codes_help,
    refuse_options,
    schema_from_options,
)

__all__ = ["register"]

PROFILE_EPILOG = """
\b
Examples:
  driftscope profile train.parquet -o train.profile
  driftscope profile train.csv -o train.profile --schema schema.yaml --target churn
  driftscope profile --merge monday.profile tuesday.profile -o week.profile
  driftscope drift train.profile today.parquet -o report.html

""" + exit_codes_help(" (the profile is written)", "never: nothing is judged")


def profile_command(
    data: Annotated[
        list[Path],
        typer.Argument(
            help="The table to profile (CSV, Parquet or JSON Lines); with --merge, the "
            "profiles to merge.",
            show_default=False,
        ),
    ],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="The profile file to write (e.g. ref.profile).")
    ],
    merge: Annotated[
        bool,
        typer.Option("--merge", help="Merge the saved profiles given as DATA into one."),
    ] = False,
    schema: SchemaFile = None,
    kind: Kinds = None,
    target: Target = None,
    prediction: Prediction = None,
    quantile_k: Annotated[
        int,
        typer.Option(
            min=8, max=65535, help="k of each quantile sketch: its rank error falls as 1/k."
        ),
    ] = 1000,
    max_exact_values: Annotated[
        int,
        typer.Option(
            min=0,
            max=1_000_000,
            help="A numerical column keeps its values exactly while it has at most this many "
            "distinct ones.",
        ),
    ] = 1000,
    max_categories: Annotated[
        int,
        typer.Option(
            min=1,
            max=1_000_000,
            help="A categorical column keeps exact counts up to this many categories.",
        ),
    ] = 1000,
    encoding: Encoding = "utf-8",
    delimiter: Delimiter = None,
    quiet: Quiet = False,
) -> None:
    """Profile DATA into a small, mergeable summary per column, to compare with later
    (`driftscope drift ref.profile cur.parquet`) without keeping the rows."""
    from driftscope.data.io import read_table
    from driftscope.data.profile import Profile, profile
    from driftscope.data.schema import ColumnRole, ColumnSpec
    from driftscope.profiles import ProfileSettings

    _check_outputs({"-o/--output": output}, [*data, schema])
    if merge:
        refuse_options(
            {"--schema": schema, "--kind": kind, "--target": target, "--prediction": prediction},
            "the merged profiles keep their own schema; leave it out with --merge",
        )
        if len(data) < 2:
            raise typer.BadParameter(
                f"--merge takes two profiles or more; got {len(data)}", param_hint="DATA"
            )
        result = _merged([(path, Profile.load(path)) for path in data])
    else:
        if len(data) != 1:
            raise typer.BadParameter(
                f"expected one table to profile (or --merge with profiles); got {len(data)}: "
                f"{', '.join(shown(str(p)) for p in data[:5])}",
                param_hint="DATA",
            )
        given_schema = schema_from_options(schema, kind)
        for column, role in ((target, ColumnRole.TARGET), (prediction, ColumnRole.PREDICTION)):
            if column is not None:
                given_schema = given_schema.with_column(ColumnSpec(name=column, role=role))
        settings = ProfileSettings(
            quantile_k=quantile_k,
            max_exact_values=max_exact_values,
            max_categories=max_categories,
        )
        table = read_table(data[0], encoding=encoding, delimiter=delimiter)
        result = profile(table.frame, given_schema, settings=settings)
    result.save(output)
    if not quiet:
        _summary(result, output, Console())


def _merged(profiles: list[tuple[Path, Any]]) -> Any:
    """The profiles merged in order, a failure naming the file that would not merge."""
    from driftscope.exceptions import ParameterError, SchemaError

    first, result = profiles[0]
    for path, p in profiles[1:]:
        try:
            result = result.merge(p)
        except (SchemaError, ParameterError) as exc:
            raise type(exc)(f"{path} does not merge with {first}: {exc}") from None
    return result


def _summary(result: object, output: Path, out: Console) -> None:
    from driftscope.analyses.profiled import profile_side
    from driftscope.data.profile import Profile

    assert isinstance(result, Profile)
    side = profile_side(result, str(output))
    size = output.stat().st_size
    held = (
        "every tested column exact"
        if side.exact
        else f"rank error up to {side.rank_error:.2%} (99% confidence, every quantile at once)"
    )
    out.print(
        f"Profile {output}: {result.n_rows:,} rows, {len(result.columns)} columns, "
        f"{size:,} bytes; {held}.",
        soft_wrap=True,
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    app.command("profile", epilog=PROFILE_EPILOG)(profile_command)
