"""The `driftscope` command line. Parses, calls `compare`, presents; computes nothing itself."""

from __future__ import annotations

import math
import os
import signal
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from types import FrameType
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.text import Text

from driftscope._shorten import shown
from driftscope._version import __version__
from driftscope.analyses.status import Status
from driftscope.cli import (
    estimate,
    explain,
    export,
    feedback,
    files,
    notifiers,
    platforms,
    profiles,
    remote,
    service,
)
from driftscope.cli._options import (
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    AllowRoot,
    Columns,
    Correction,
    Current,
    Delimiter,
    DriftShare,
    Encoding,
    Html,
    Json,
    Kinds,
    Methods,
    Multivariate,
    Prediction,
    Quiet,
    Reference,
    ReferenceOrProfile,
    SchemaFile,
    Seed,
    Target,
    Thresholds,
    _check_choice,
    _check_outputs,
    _err,
    _metric_refusal,
    _metric_values,
    _number,
    _numbers,
    _pairs,
    _present,
    _split_columns,
    _typed,
    exit_codes_help,
    fail_if,
    fail_on_verdict,
    refuse_options,
    schema_from_options,
)
from driftscope.cli.compare_models import register as _register_compare_models
from driftscope.exceptions import DriftscopeError, MetricNotComputedError

__all__ = ["app", "main"]


ROOT_EPILOG = exit_codes_help("", "the run found what --fail-on-drift or --fail-on asks to fail on")

app = typer.Typer(
    name="driftscope",
    help="Watch machine-learning models after they ship: find data drift and say what moved.",
    epilog=ROOT_EPILOG,
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


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


def _drift_options(
    schema: Path | None,
    kind: list[str] | None,
    threshold: list[str] | None,
    correction: str | None,
    method: list[str] | None = None,
) -> tuple[Any, float, dict[str, float], dict[str, str]]:
    """The user schema, alpha, per-column thresholds and methods from the shared drift options,
    each value checked here so that a message names the option it came from."""
    from driftscope.data.schema import method_problem, threshold_problem

    _check_choice(correction, ("bonferroni", "bh"), "--correction")
    methods = _pairs(method or [], "--method")
    for name, value in methods.items():
        expected = method_problem(value)
        if expected is not None:
            raise typer.BadParameter(
                f"Unknown drift method {shown(value)} for column {shown(name)}; expected "
                f"{expected}",
                param_hint="--method",
            )
    schema_given = schema_from_options(schema, kind)
    alpha = 0.05
    for item in [item for item in threshold or [] if "=" not in item]:
        alpha = _number(item, "--threshold")
        if not (math.isfinite(alpha) and 0 < alpha <= 1):
            raise typer.BadParameter(
                f"{shown(item)}: a threshold without a column is the significance level of "
                "every test, expected in (0, 1] (COL=VALUE sets one column's threshold)",
                param_hint="--threshold",
            )
    per_column = _numbers([i for i in threshold or [] if "=" in i], "--threshold")
    for column, limit in per_column.items():
        spec = schema_given.get(column)
        column_method = methods.get(column) or (spec.method if spec is not None else None)
        expected = threshold_problem(limit, column_method)
        if expected is not None:
            raise typer.BadParameter(
                f"{column}={limit:g}: expected {expected}", param_hint="--threshold"
            )
    return schema_given, alpha, per_column, methods


def _with_profiles(
    reference: Path, current: Path, fixed: Mapping[str, object], rows: Mapping[str, object]
) -> bool:
    """Whether REFERENCE or CURRENT is a profile; if so, refuse the options of ``fixed`` (the
    profile's schema decides them) and of ``rows`` (they need rows), naming the first given."""
    from driftscope.workflows.profiles import is_profile

    if not (is_profile(reference) or is_profile(current)):
        return False
    refuse_options(
        fixed,
        "a profile fixes every column's kind and role: leave it out when REFERENCE or CURRENT "
        "is a profile (give it to `driftscope profile` instead)",
    )
    refuse_options(
        rows, "it needs rows, which a profile does not keep: leave it out with a profile"
    )
    return True


DRIFT_EPILOG = """
\b
Examples:
  driftscope drift train.parquet today.parquet -o report.html --json report.json
  driftscope drift ref.csv cur.csv --target churn --prediction score --correction bh
  driftscope drift ref.csv cur.csv --method age=psi --threshold age=0.1 --fail-on-drift
  driftscope drift ref.csv cur.csv --schema schema.yaml --kind zip=categorical
  driftscope drift ref.profile cur.parquet -o report.html

""" + exit_codes_help(
    " (no drift, or drift without --fail-on-drift)", "dataset drift with --fail-on-drift"
)


#: Version of the `stream --json` document (docs/streaming.md, "The JSON of `stream`"): the
#: minor number grows with added fields, the major one with changed or removed ones.
STREAM_SCHEMA_VERSION = "1.0"


@app.command(epilog=DRIFT_EPILOG)
def drift(
    reference: ReferenceOrProfile,
    current: Current,
    schema: SchemaFile = None,
    target: Target = None,
    prediction: Prediction = None,
    task: Annotated[
        str | None,
        typer.Option(
            help="classification, binary or multiclass: --target/--prediction hold class labels "
            "and are compared as categories; regression: as numbers. Inferred when not given."
        ),
    ] = None,
    columns: Columns = None,
    method: Methods = None,
    threshold: Thresholds = None,
    kind: Kinds = None,
    correction: Correction = None,
    drift_share: DriftShare = 0.5,
    html: Html = None,
    json_path: Json = None,
    fail_on_drift: Annotated[
        bool, typer.Option("--fail-on-drift", help="Exit 1 when the dataset drifted.")
    ] = False,
    multivariate: Multivariate = True,
    seed: Seed = 0,
    encoding: Encoding = "utf-8",
    delimiter: Delimiter = None,
    quiet: Quiet = False,
) -> None:
    """Compare CURRENT with REFERENCE column by column and report what drifted."""
    from driftscope.workflows.compare import compare

    inputs = (reference, current, schema)
    _check_outputs({"-o/--html": html, "--json": json_path}, inputs)
    drift_schema, alpha, per_column, methods = _drift_options(
        schema, kind, threshold, correction, method
    )
    fixed = {
        "--schema": schema,
        "--kind": kind,
        "--target": target,
        "--prediction": prediction,
        "--task": task,
        "--columns": columns,
    }
    if _with_profiles(reference, current, fixed, {}):
        drift_schema = None
    report = compare(
        reference,
        current,
        drift_schema,
        target=target,
        prediction=prediction,
        task=task,
        columns=_split_columns(columns) if columns else None,
        methods=methods,
        thresholds=per_column,
        alpha=alpha,
        drift_share=drift_share,
        correction=correction,
        multivariate=multivariate,
        seed=seed,
        encoding=encoding,
        delimiter=delimiter,
    )
    _present(report, html, json_path, quiet, inputs)
    fail_if(fail_on_drift and report.drifted)


REPORT_EPILOG = """
\b
Examples:
  driftscope report train.parquet prod.parquet --target churn --prediction pred -o report.html
  driftscope report ref.csv cur.csv --target y --prediction p --proba-prefix proba_ \\
      --timestamp ts --period W --benchmark accuracy=0.92 --fail-on retrain
  driftscope report ref.csv cur.csv --target y --prediction p --id request_id \\
      --labels labels.csv --floor f1_macro=0.8
  driftscope report ref.csv cur.csv --target y --prediction p --id request_id --windows 7 \\
      --feedback thumbs.csv --feedback-value thumb --shadow-prediction candidate --arm version
  driftscope report ref.profile prod.parquet -o report.html

""" + exit_codes_help(" (and the verdict is below --fail-on)", "the verdict is --fail-on or worse")


@app.command(epilog=REPORT_EPILOG)
def report(
    reference: ReferenceOrProfile,
    current: Current,
    target: Target = None,
    prediction: Prediction = None,
    proba_prefix: Annotated[
        str | None, typer.Option(help="Prefix of the probability columns, e.g. proba_.")
    ] = None,
    task: Annotated[
        str | None,
        typer.Option(help="binary, multiclass, classification, regression, asr, segmentation."),
    ] = None,
    timestamp: Annotated[str | None, typer.Option(help="Timestamp column.")] = None,
    id_column: Annotated[
        str | None, typer.Option("--id", help="Id column, to join --labels that arrive later.")
    ] = None,
    labels: Annotated[
        Path | None, typer.Option(help="File with the id and target columns (late labels).")
    ] = None,
    period: Annotated[
        str | None, typer.Option(help="Time windows by calendar period: D, W or M.")
    ] = None,
    window_size: Annotated[int | None, typer.Option(min=1, help="Time windows of N rows.")] = None,
    windows: Annotated[
        int | None, typer.Option(min=1, help="Split current into N windows.")
    ] = None,
    min_window_rows: Annotated[
        int, typer.Option(min=1, help="Windows with fewer rows are marked, not analysed.")
    ] = 100,
    benchmark: Annotated[
        list[str] | None,
        typer.Option(help="METRIC=VALUE baseline instead of the reference's (repeatable)."),
    ] = None,
    floor: Annotated[
        list[str] | None,
        typer.Option(help="METRIC=VALUE absolute floor: worse is an alert (repeatable)."),
    ] = None,
    fail_on: Annotated[
        str | None,
        typer.Option(help="Exit 1 when the verdict is this or worse: retrain or investigate."),
    ] = None,
    schema: SchemaFile = None,
    columns: Columns = None,
    method: Methods = None,
    threshold: Thresholds = None,
    kind: Kinds = None,
    correction: Correction = None,
    drift_share: DriftShare = 0.5,
    html: Html = None,
    json_path: Json = None,
    multivariate: Multivariate = True,
    quality: Annotated[bool, typer.Option(help="Run the data-quality checks.")] = True,
    seed: Seed = 0,
    encoding: Encoding = "utf-8",
    delimiter: Delimiter = None,
    allow_root: AllowRoot = None,
    model: Annotated[
        Path | None,
        typer.Option(
            "--model",
            help="Explain this model on reference and current (SHAP; .skops or .onnx, pickle "
            "with --allow-pickle): adds an Explanations section.",
        ),
    ] = None,
    explain_rows: Annotated[
        int, typer.Option(min=1, help="With --model: rows explained per side (a seeded sample).")
    ] = 200,
    allow_pickle: Annotated[
        bool,
        typer.Option("--allow-pickle", help="With --model: load a pickle or joblib model file."),
    ] = False,
    estimate: Annotated[
        bool | None,
        typer.Option(
            "--estimate/--no-estimate",
            help="Estimate performance without labels (CBPE, DLE) [default: where current's "
            "labels have not all arrived].",
            show_default=False,
        ),
    ] = None,
    feedback_file: Annotated[
        Path | None,
        typer.Option(
            "--feedback",
            help="Feedback (thumbs up or down) by --id: adds a Feedback section; a window "
            "significantly more negative makes the verdict investigate.",
        ),
    ] = None,
    feedback_value: Annotated[
        str, typer.Option(help="With --feedback: its thumbs up/down column.")
    ] = "feedback",
    feedback_comment: Annotated[
        str | None, typer.Option(help="With --feedback: its comment column.")
    ] = None,
    feedback_baseline: Annotated[
        str | None,
        typer.Option(
            help="With --feedback: a rate in (0, 1), a window's label or 'first'; "
            "default: the other windows pooled."
        ),
    ] = None,
    shadow_prediction: Annotated[
        str | None,
        typer.Option(
            help="A candidate model's prediction column in current: adds a Shadow model section."
        ),
    ] = None,
    shadow_proba_prefix: Annotated[
        str | None, typer.Option(help="Prefix of the candidate's probability columns.")
    ] = None,
    arm: Annotated[
        str | None,
        typer.Option(help="Column naming the version that served each row: adds an A/B section."),
    ] = None,
    arms: Annotated[
        str | None,
        typer.Option(help="With --arm: the two arm values to compare, baseline first: A,B."),
    ] = None,
    quiet: Quiet = False,
) -> None:
    """Monitor a model: drift, performance, concept drift, quality, windows and a verdict.

    With --task segmentation, mask files named in the target and prediction columns are read
    only under the allowed roots (--allow-root), as the images commands read files."""
    from driftscope.analyses.explanation import ExplainSettings
    from driftscope.workflows.monitor import monitor

    _check_choice(fail_on, ("retrain", "investigate"), "--fail-on")
    sections = _section_options(feedback_file, feedback_baseline, id_column, arm, arms)
    if period is not None and period.upper() not in ("D", "W", "M"):
        raise typer.BadParameter(
            f"expected one of D, W, M; got {shown(period)}", param_hint="--period"
        )
    inputs = (reference, current, schema, labels, model, feedback_file)
    _check_outputs({"-o/--html": html, "--json": json_path}, inputs)
    user_schema, alpha, per_column, methods = _drift_options(
        schema, kind, threshold, correction, method
    )
    fixed = {
        "--schema": schema,
        "--kind": kind,
        "--target": target,
        "--prediction": prediction,
        "--proba-prefix": proba_prefix,
        "--task": task,
        "--timestamp": timestamp,
        "--id": id_column,
        "--columns": columns,
    }
    needs_rows = {
        "--labels": labels,
        "--period": period,
        "--window-size": window_size,
        "--windows": windows,
        "--model": model,
        "--estimate": estimate,
        "--feedback": feedback_file,
        "--shadow-prediction": shadow_prediction,
        "--arm": arm,
    }
    if _with_profiles(reference, current, fixed, needs_rows):
        user_schema = None
    benchmarks = _metric_values(benchmark or [], "--benchmark")
    floors = _metric_values(floor or [], "--floor")
    try:
        result = monitor(
            reference,
            current,
            user_schema,
            target=target,
            prediction=prediction,
            proba_prefix=proba_prefix,
            task=task,
            timestamp=timestamp,
            id=id_column,
            labels=labels,
            period=period,
            window_size=window_size,
            n_windows=windows,
            min_window_rows=min_window_rows,
            benchmarks=benchmarks,
            floors=floors,
            columns=_split_columns(columns) if columns else None,
            methods=methods,
            thresholds=per_column,
            alpha=alpha,
            drift_share=drift_share,
            correction=correction,
            multivariate=multivariate,
            quality=quality,
            seed=seed,
            encoding=encoding,
            delimiter=delimiter,
            allow_roots=allow_root,
            explain_model=model,
            explain_settings=ExplainSettings(max_rows=explain_rows, seed=seed),
            allow_pickle=allow_pickle,
            estimate=estimate,
            feedback=feedback_file,
            feedback_value=feedback_value,
            feedback_comment=feedback_comment,
            shadow_prediction=shadow_prediction,
            shadow_proba_prefix=shadow_proba_prefix,
            arm=arm,
            **sections,
        )
    except MetricNotComputedError as exc:
        # The task is known only once the data is read: the refusal names the option.
        option = {"benchmarks": "--benchmark", "floors": "--floor"}.get(exc.argument)
        if option is None:
            raise
        raise typer.BadParameter(_metric_refusal(exc), param_hint=option) from None
    _present(result, html, json_path, quiet, inputs)
    fail_on_verdict(result.verdict, fail_on)


def _section_options(
    feedback_file: Path | None,
    feedback_baseline: str | None,
    id_column: str | None,
    arm: str | None,
    arms: str | None,
) -> dict[str, Any]:
    """The feedback settings and the arms of `driftscope report`, checked under their options."""
    from driftscope.analyses.feedback import FeedbackSettings
    from driftscope.cli.feedback import parse_baseline

    chosen: dict[str, Any] = {}
    if feedback_file is not None and id_column is None:
        raise typer.BadParameter(
            "the feedback is joined to the current rows by their id: give --id COLUMN",
            param_hint="--feedback",
        )
    if feedback_baseline is not None:
        if feedback_file is None:
            raise typer.BadParameter("needs --feedback", param_hint="--feedback-baseline")
        baseline = parse_baseline(feedback_baseline, "--feedback-baseline")
        chosen["feedback_settings"] = FeedbackSettings(baseline=baseline)
    if arms is not None:
        if arm is None:
            raise typer.BadParameter("needs --arm (the arm column)", param_hint="--arms")
        values = _split_columns([arms])
        if len(values) != 2 or values[0] == values[1]:
            raise typer.BadParameter(
                f"expected two different values A,B; got {shown(arms)}", param_hint="--arms"
            )
        chosen["arms"] = (values[0], values[1])
    return chosen


QUALITY_EPILOG = """
\b
Examples:
  driftscope quality train.parquet today.parquet -o quality.html --json quality.json
  driftscope quality ref.csv cur.csv --schema schema.yaml --fail-on alert

""" + exit_codes_help(" (no check at --fail-on or worse)", "a check is at --fail-on or worse")


def _quality_html(result: dict[str, Any]) -> str:
    """The data-quality section as a standalone HTML page, in the monitoring report's layout."""
    from driftscope.report.html import render_html

    quality = result["quality"]
    metadata = {
        "reference": result["reference"],
        "current": result["current"],
        "created_at": result["created_at"],
        "n_reference_rows": quality.get("n_reference_rows"),
        "n_current_rows": quality.get("n_current_rows"),
        "driftscope_version": __version__,
    }
    return render_html(
        {
            "schema_version": result["schema_version"],
            "metadata": metadata,
            "quality": quality,
            "warnings": result["warnings"],
        }
    )


@app.command("quality", epilog=QUALITY_EPILOG)
def quality_command(
    reference: Reference,
    current: Current,
    schema: SchemaFile = None,
    kind: Kinds = None,
    html: Html = None,
    json_path: Json = None,
    fail_on: Annotated[
        str | None,
        typer.Option(help="Exit 1 when any check is at this status or worse: warning or alert."),
    ] = None,
    encoding: Encoding = "utf-8",
    delimiter: Delimiter = None,
    quiet: Quiet = False,
) -> None:
    """Check the data quality of CURRENT against REFERENCE (missing values, ranges, types...)."""
    import json

    from driftscope.report._report import write_all
    from driftscope.report.quality_terminal import render_quality
    from driftscope.workflows.quality import quality_report

    _check_choice(fail_on, ("warning", "alert"), "--fail-on")
    _check_outputs({"-o/--html": html, "--json": json_path}, (reference, current, schema))
    user_schema, _, _, _ = _drift_options(schema, kind, None, None)
    found = quality_report(reference, current, user_schema, encoding=encoding, delimiter=delimiter)
    result = found.to_dict()
    files = []
    if html is not None:
        files.append((html, _quality_html(result)))
    if json_path is not None:
        files.append((json_path, json.dumps(result, indent=2, allow_nan=False)))
    write_all(files)
    if not quiet:
        out = Console()
        out.print(render_quality(result))
        for label, path in (("HTML", html), ("JSON", json_path)):
            if path is not None:
                out.print(f"{label} report: {path}")
    fail_if(fail_on is not None and Status(found.status).at_least(fail_on))


STREAM_EPILOG = """
\b
Examples:
  driftscope stream errors.csv --column error --detector ddm
  driftscope stream latency.parquet --column ms --detector adwin --param delta=0.0001 \\
      --timestamp ts --json detections.json

""" + exit_codes_help("", "a drift was found with --fail-on-drift")


@app.command(epilog=STREAM_EPILOG)
def stream(
    file: Annotated[Path, typer.Argument(help="The stream: CSV, Parquet or JSON Lines, in order.")],
    column: Annotated[str, typer.Option(help="Column to watch (an error stream or a feature).")],
    detector: Annotated[str, typer.Option(help="adwin, ddm, eddm, hddm_a, hddm_w, ...")] = "adwin",
    param: Annotated[
        list[str] | None, typer.Option(help="NAME=VALUE detector parameter (repeatable).")
    ] = None,
    timestamp: Annotated[str | None, typer.Option(help="Timestamp column to report.")] = None,
    json_path: Json = None,
    fail_on_drift: Annotated[
        bool, typer.Option("--fail-on-drift", help="Exit 1 when a drift is detected.")
    ] = False,
    calibrate_on: Annotated[
        int | None,
        typer.Option(
            "--calibrate-on",
            min=1,
            help="Tune the detector's threshold on the first ROWS rows (known to be stable) "
            "before the run; the JSON and the summary say whether the target was met.",
        ),
    ] = None,
    target_false_alarms: Annotated[
        float,
        typer.Option(
            "--target-false-alarms",
            help="False alarms per 10,000 rows that --calibrate-on aims at.",
        ),
    ] = 1.0,
    encoding: Encoding = "utf-8",
    delimiter: Delimiter = None,
    quiet: Quiet = False,
) -> None:
    """Replay a stream through a drift detector and list each warning and drift."""
    import json
    import math

    import pandas as pd
    from rich.table import Table

    from driftscope.data.io import read_table
    from driftscope.exceptions import ColumnError, SchemaError
    from driftscope.report._report import write_atomic
    from driftscope.streaming._registry import make_detector
    from driftscope.streaming.replay import replay

    if not 0 < target_false_alarms < math.inf:
        raise typer.BadParameter(
            f"expected a number in (0, inf), got {target_false_alarms!r}",
            param_hint="--target-false-alarms",
        )
    _check_outputs({"--json": json_path}, [file])
    table = read_table(file, encoding=encoding, delimiter=delimiter)
    frame = table.frame
    for name in (column, timestamp):
        if name is not None and name not in frame.columns:
            raise SchemaError(
                f"Column {name!r} is not in {table.name!r}; columns are "
                f"{', '.join(map(repr, list(frame.columns)[:20]))}."
            )
    if len(frame) == 0:
        raise ColumnError(f"{table.name!r} has no rows: the stream is empty.")
    raw = frame[column]
    values = pd.to_numeric(raw, errors="coerce")
    bad = values.isna()
    if bad.any():
        first = int(bad.to_numpy().argmax())
        raise ColumnError(
            f"Column {column!r} of {table.name!r}: row {first} holds {raw.iloc[first]!r}; "
            f"expected numbers ({int(bad.sum())} row(s) are missing or not numeric)."
        )
    params = _typed(detector, _pairs(param or [], "--param", "NAME"))
    array = values.to_numpy(dtype=float)
    if calibrate_on is not None and calibrate_on > len(array):
        raise typer.BadParameter(
            f"expected at most the {len(array):,} rows of {table.name!r}, got {calibrate_on}",
            param_hint="--calibrate-on",
        )
    run = replay(
        make_detector(detector, params),
        array,
        calibrate_on=calibrate_on,
        target_false_alarms_per_10k=target_false_alarms,
    )
    watcher, found, calibration, events = run.detector, run.detections, run.calibration, run.events
    times = frame[timestamp].astype(str).tolist() if timestamp is not None else None
    detections = [
        {"index": i, "kind": kind, "timestamp": None if times is None else times[i]}
        for i, kind in events
    ]
    if json_path is not None:
        payload = {
            "schema_version": STREAM_SCHEMA_VERSION,
            "file": table.name,
            "column": column,
            "detector": type(watcher).__name__,
            "params": watcher.get_params(),
            "n_items": len(frame),
            "calibration": None if calibration is None else calibration.to_dict(),
            "detections": detections,
        }
        write_atomic(json_path, json.dumps(payload, indent=2, allow_nan=False))
    if not quiet:
        out = Console()
        view = Table(title=f"{watcher!r} on {column!r}: {len(found.drifts)} drift(s)")
        for header in ("row", "kind", "timestamp"):
            view.add_column(header)
        for item in detections:
            view.add_row(str(item["index"]), str(item["kind"]), str(item["timestamp"] or "-"))
        out.print(view)
        if calibration is not None and calibration.met:
            out.print(
                f"Calibrated {calibration.parameter}={calibration.value:.4g} on the first "
                f"{calibration.n_items:,} rows: {calibration.n_false_alarms} false alarm(s), "
                f"at most {calibration.upper_bound_per_10k:.3g} per 10k "
                f"({calibration.confidence:.0%} bound; target {target_false_alarms:g})."
            )
    if calibration is not None and not calibration.met:
        # Shown even with --quiet: the threshold in use is not shown to meet the target.
        _err.print(
            Text(f"note: calibration {calibration.status}: ", style="bold yellow")
            + Text(calibration.message),
            soft_wrap=True,
        )
    fail_if(fail_on_drift and found.drifts.size > 0)


class _Interrupted(BaseException):
    """Ctrl-C, raised instead of KeyboardInterrupt: typer turns a KeyboardInterrupt into a silent
    exit 130, and this one passes through it to `main`, which says what happened."""


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise _Interrupted


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; turn every error into a clear message and exit code 2, never a traceback.

    Ctrl-C prints "Aborted." and returns 130, the shell's code for a run stopped by SIGINT.
    """
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, _interrupt) if in_main_thread else None
    try:
        return _run(argv)
    except (_Interrupted, KeyboardInterrupt):
        _err.print("Aborted.")
        return EXIT_INTERRUPTED
    finally:
        # None: the previous handler was not installed from Python; nothing to put back.
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


def _run(argv: list[str] | None) -> int:
    try:
        # Outside standalone mode click returns an Exit's code instead of raising it.
        rc = app(args=argv, prog_name="driftscope", standalone_mode=False)
    except typer.Exit as exc:
        return int(exc.exit_code)
    except SystemExit as exc:  # pragma: no cover - click may still raise it
        return int(exc.code or 0)
    except typer.Abort:
        _err.print("Aborted.")
        return EXIT_INTERRUPTED
    except Exception as exc:
        show = getattr(exc, "show", None)
        if isinstance(exc, typer.TyperException) and callable(show):
            # Usage errors: click-style message with the usage line, exit 2.
            show()
            return EXIT_USAGE
        if os.environ.get("DRIFTSCOPE_DEBUG"):
            raise
        if isinstance(exc, DriftscopeError | OSError | ValueError | ImportError):
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


# The image, audio and text commands, the service's, and those that talk to a running service
# live in their own modules, added here explicitly.
files.register(app)
service.register(app)
remote.register(app)
notifiers.register(app)
export.register(app)
estimate.register(app)
explain.register(app)
feedback.register(app)
platforms.register(app)
profiles.register(app)
_register_compare_models(app)

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
