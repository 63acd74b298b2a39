"""What the commands share: exit codes and their help, option types, argument parsing, output
paths, presenting a report, and failing on a result (`--fail-on-drift`, `--fail-on`) once."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from driftscope._shorten import shown
from driftscope.exceptions import MetricNotComputedError, ParameterError

EXIT_OK = 0
EXIT_DRIFT = 1
EXIT_USAGE = 2
# The shell's convention for a run stopped by Ctrl-C (128 + SIGINT).
EXIT_INTERRUPTED = 130


def _input_size(value: str | None) -> tuple[int, int] | None:
    """--input-size ``HxW`` as (height, width); None when not given."""
    if value is None:
        return None
    parts = value.lower().split("x")
    if len(parts) != 2 or not all(p.isdigit() and int(p) > 0 for p in parts):
        raise ParameterError(
            f"--input-size must be HxW with positive integers, e.g. 224x224; got {value!r}."
        )
    return int(parts[0]), int(parts[1])


def exit_codes_help(ran: str, failed: str, usage: str = "") -> str:
    """The exit-code paragraph of a command's help. Every command's help is built with it, so
    all list the same four codes in the same words; each fills in what "ran" and "failed" mean
    for it (``ran`` is appended to "it ran", ``usage`` after "usage or input error, ").

    >>> exit_codes_help(" (no drift)", "dataset drift with --fail-on-drift")[:60]
    'Exit codes: 0 it ran (no drift); 1 dataset drift with --fail'
    """
    return (
        f"Exit codes: {EXIT_OK} it ran{ran}; {EXIT_DRIFT} {failed}; {EXIT_USAGE} usage or input "
        f"error{', ' + usage if usage else ''} (a one-line message names the option, file or "
        f"column); {EXIT_INTERRUPTED} "
        'interrupted by Ctrl-C ("Aborted." is printed and no output file is written).'
    )


#: The options of the commands that talk to a service (`driftscope models`, `alerts`, ...).
Url = Annotated[
    str | None,
    typer.Option(
        "--url",
        help="The service's address [env DRIFTSCOPE_URL; default http://127.0.0.1:8000].",
        show_default=False,
    ),
]
TokenOption = Annotated[
    str | None,
    typer.Option(
        "--token", help="An API token, dsk_... [env DRIFTSCOPE_TOKEN].", show_default=False
    ),
]


_err = Console(stderr=True)


def _pairs(values: list[str], option: str, key: str = "COLUMN") -> dict[str, str]:
    out: dict[str, str] = {}
    for item in values:
        name, sep, value = item.rpartition("=")
        if not sep or not name or not value:
            raise typer.BadParameter(f"expected {key}=VALUE, got {item!r}", param_hint=option)
        out[name] = value
    return out


_BOOLEANS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}


def _typed(detector: str, params: dict[str, str]) -> dict[str, Any]:
    """CLI parameter strings converted to the type of each parameter's default; a value that
    is not of that type is refused, naming the parameter and what it accepts."""
    import inspect

    from driftscope.streaming._registry import DETECTORS, make_detector

    cls = type(make_detector(detector)) if detector.lower().replace("-", "_") in DETECTORS else None
    defaults = {}
    if cls is not None:
        defaults = {
            name: p.default
            for name, p in inspect.signature(cls.__init__).parameters.items()
            if name != "self"
        }
    out: dict[str, Any] = {}
    for name, text in params.items():
        default = defaults.get(name)
        value = text.strip()
        if isinstance(default, bool):
            expected = "true or false (also yes/no, 1/0)"
        elif isinstance(default, int):
            expected = "an int" + (" or none" if name == "seed" else "")
        else:
            expected = "a number" + (" or none" if default is None else "")
        try:
            if isinstance(default, bool):
                out[name] = _BOOLEANS[value.lower()]
            elif (default is None or name == "seed") and value.lower() == "none":
                out[name] = None
            elif isinstance(default, int):
                # "2e9" is an int written as a float.
                number = float(value)
                if not number.is_integer():
                    raise ValueError(value)
                out[name] = int(value) if value.lstrip("+-").isdigit() else int(number)
            elif isinstance(default, float) or default is None:
                out[name] = float(value)
            else:
                out[name] = value
        except (KeyError, ValueError):
            raise typer.BadParameter(
                f"{name}={text[:80]!r}: expected {expected}", param_hint="--param"
            ) from None
    return out


def _split_columns(values: list[str]) -> list[str]:
    return [c.strip() for v in values for c in v.split(",") if c.strip()]


def _check_choice(value: str | None, allowed: tuple[str, ...], option: str) -> None:
    if value is not None and value not in allowed:
        raise typer.BadParameter(
            f"expected {' or '.join(allowed)}, got {value!r}", param_hint=option
        )


def _number(text: str, option: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise typer.BadParameter(f"{shown(text)} is not a number", param_hint=option) from None


def _numbers(values: list[str], option: str, key: str = "COLUMN") -> dict[str, float]:
    pairs = _pairs(values, option, key)
    return {name: _number(value, option) for name, value in pairs.items()}


def _metric_values(values: list[str], option: str) -> dict[str, float]:
    """METRIC=VALUE pairs, each value inside the range its metric can take."""
    from driftscope.workflows.monitor import metric_value_problem

    out = _numbers(values, option, "METRIC")
    for name, value in out.items():
        problem = metric_value_problem(name, value)
        if problem is not None:
            raise typer.BadParameter(f"{name}={value:g}: expected {problem}", param_hint=option)
    return out


def _metric_refusal(exc: MetricNotComputedError) -> str:
    """A `MetricNotComputedError` said for a command-line option: the metric, why, and the
    metrics that can take one."""
    return f"metric {shown(exc.metric)} {exc.reason}; expected {exc.expected}"


def _check_delimiter(value: str | None) -> str | None:
    if value is not None and len(value) != 1:
        raise typer.BadParameter(
            f"expected one character, such as ',' ';' '|' or a tab; got {shown(value)}",
            param_hint="--delimiter",
        )
    return value


def _check_share(value: float) -> float:
    if not 0 < value <= 1:
        raise typer.BadParameter(
            f"expected a share of columns in (0, 1]; got {value:g}", param_hint="--drift-share"
        )
    return value


def _same_file(a: str, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return a == os.path.realpath(b)


def _check_outputs(outputs: dict[str, Path | None], inputs: Sequence[Path | None]) -> None:
    """Refuse an output path that names an input, a folder, or another output's file.

    Checked before anything is computed, so a mistyped path costs nothing; symlinks are
    followed, so a link to an input is caught too.
    """
    seen: dict[str, str] = {}
    for option, path in outputs.items():
        if path is None:
            continue
        real = os.path.realpath(path)
        if os.path.isdir(real):
            raise typer.BadParameter(
                f"{shown(str(path))} is a folder; expected a file path", param_hint=option
            )
        for source in inputs:
            if source is not None and _same_file(real, source):
                raise typer.BadParameter(
                    f"{shown(str(path))} is the input file {shown(str(source))}; refusing to "
                    "overwrite an input. Choose another path",
                    param_hint=option,
                )
        if real in seen:
            raise typer.BadParameter(
                f"{seen[real]} and {option} name the same file {shown(str(path))}; give each "
                "report its own path",
                param_hint=option,
            )
        seen[real] = option


# Options shared by `drift` and `report`, declared once.
Reference = Annotated[Path, typer.Argument(help="Reference data: CSV, Parquet or JSON Lines.")]
Current = Annotated[Path, typer.Argument(help="Current data, same formats.")]
ReferenceOrProfile = Annotated[
    Path,
    typer.Argument(
        help="Reference data: CSV, Parquet or JSON Lines, or a profile (driftscope profile)."
    ),
]
SchemaFile = Annotated[
    Path | None, typer.Option("--schema", help="YAML file with column kinds, roles, methods.")
]
Target = Annotated[str | None, typer.Option(help="Target (label) column.")]
Prediction = Annotated[str | None, typer.Option(help="Prediction column.")]
Columns = Annotated[
    list[str] | None,
    typer.Option("--columns", help="Only these columns (comma-separated or repeated)."),
]
Methods = Annotated[
    list[str] | None, typer.Option("--method", help="COL=METHOD, e.g. age=psi (repeatable).")
]
Thresholds = Annotated[
    list[str] | None,
    typer.Option(
        "--threshold",
        help="VALUE: the significance level of every test, in (0, 1] (default 0.05). "
        "COL=VALUE: for one column, a significance level when its method is a test (drift when "
        "p < VALUE), the statistic's floor when it is a distance such as psi (drift when the "
        "distance >= VALUE); see docs/drift-decision.md.",
    ),
]
Kinds = Annotated[
    list[str] | None,
    typer.Option("--kind", help="COL=KIND to override an inferred kind (repeatable)."),
]
Correction = Annotated[
    str | None,
    typer.Option(help="Correction across columns: bonferroni or bh (Benjamini-Hochberg)."),
]
DriftShare = Annotated[
    float,
    typer.Option(
        help="Share of drifted columns that makes dataset drift, in (0, 1].",
        callback=_check_share,
    ),
]
Html = Annotated[Path | None, typer.Option("-o", "--html", help="Write an HTML report.")]
Json = Annotated[Path | None, typer.Option("--json", help="Write a JSON report.")]
Multivariate = Annotated[bool, typer.Option(help="Run the dataset-level MMD and classifier tests.")]
Seed = Annotated[
    int, typer.Option(min=0, max=2**32 - 1, help="Seed for every random step, 0 to 2**32-1.")
]
Encoding = Annotated[str, typer.Option(help="Text encoding of CSV/JSON files.")]
Delimiter = Annotated[
    str | None,
    typer.Option(
        help="CSV delimiter, one character (sniffed when not given).", callback=_check_delimiter
    ),
]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No terminal summary.")]


def _present(
    report: Any,
    html: Path | None,
    json_path: Path | None,
    quiet: bool,
    inputs: Sequence[Path | None] = (),
) -> None:
    """Write the reports asked for (both or neither), then print the summary."""
    metadata = getattr(report, "metadata", None)
    # The tables a report was made from are named in its metadata (their paths, for files).
    named = [getattr(metadata, side, None) for side in ("reference", "current")]
    sources = [*inputs, *(Path(n) for n in named if isinstance(n, str) and os.path.exists(n))]
    _check_outputs({"-o/--html": html, "--json": json_path}, sources)
    if html is not None or json_path is not None:
        report.save(html=html, json=json_path)
    if not quiet:
        out = Console()
        out.print(report)
        for label, path in (("HTML", html), ("JSON", json_path)):
            if path is not None:
                out.print(f"{label} report: {path}")


def write_explanation(
    data: Mapping[str, Any],
    html_path: Path | None,
    json_path: Path | None,
    quiet: bool,
    *,
    page: Callable[[], str],
    summary: Callable[[], Any],
    fail_on_change: float | None = None,
    risen: Callable[[float], list[str]] | None = None,
) -> None:
    """Write an explanation's HTML page (``page()``, made only when asked for) and its JSON
    (``data``), both or neither as `Report.save` writes them; then print ``summary()`` and the
    files written, unless ``quiet``. With ``fail_on_change``, exit 1 when
    ``risen(fail_on_change)`` names a feature or word (`driftscope explain`, `text explain`)."""
    import json

    from driftscope.report._report import write_all

    files: list[tuple[Path, str]] = []
    if html_path is not None:
        files.append((html_path, page()))
    if json_path is not None:
        files.append((json_path, json.dumps(data, indent=2, allow_nan=False)))
    write_all(files)
    if not quiet:
        out = Console()
        out.print(summary())
        if html_path is not None:
            out.print(f"HTML: {html_path}")
        if json_path is not None:
            out.print(f"JSON: {json_path}")
    if fail_on_change is not None and risen is not None:
        found = risen(fail_on_change)
        if found and not quiet:
            Console(stderr=True).print(
                f"importance rose by more than {fail_on_change:g} of the total: " + ", ".join(found)
            )
        fail_if(bool(found))


AllowRoot = Annotated[
    list[Path] | None,
    typer.Option(
        "--allow-root",
        help="Folder files may be read from (repeatable); default: each table's folder.",
    ),
]


def fail_if(failed: bool) -> None:
    """Exit with `EXIT_DRIFT` when the run found what ``--fail-on-drift`` or ``--fail-on`` asks
    to fail on: every command ends through here."""
    if failed:
        raise typer.Exit(EXIT_DRIFT)


def fail_on_verdict(verdict: Any, fail_on: str | None) -> None:
    """``--fail-on investigate|retrain``: exit with `EXIT_DRIFT` when the verdict is that bad or
    worse (a report without a verdict never fails)."""
    fail_if(fail_on is not None and verdict is not None and verdict.at_least(fail_on))


def refuse_options(given: Mapping[str, object], reason: str) -> None:
    """A usage error for the first option of ``given`` that was set: ``reason`` says why."""
    for option, value in given.items():
        if value:
            raise typer.BadParameter(reason, param_hint=option)


def schema_from_options(schema: Path | None, kind: list[str] | None) -> Any:
    """The schema of --schema (a YAML file) with each --kind COL=KIND applied."""
    from driftscope.data.schema import ColumnSpec, Schema

    found = Schema.from_yaml(schema) if schema is not None else Schema()
    for name, value in _pairs(kind or [], "--kind").items():
        found = found.with_column(ColumnSpec(name=name, kind=value))  # type: ignore[arg-type]
    return found
