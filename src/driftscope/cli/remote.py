"""The commands that talk to a running service through `driftscope.Client`: `driftscope models`
(add, add-version, list, show, promote, rollback), `runs` (upload, list, show), `alerts` (list,
show, ack, silence; `alerts rules` add, list, enable, disable, delete), `users add` and `tokens`
(create, list, revoke). Each takes --url and --token (``DRIFTSCOPE_URL``,
``DRIFTSCOPE_TOKEN``); they need the ``server`` extra (httpx). `register` adds them to the app."""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from driftscope._shorten import shown
from driftscope.cli._options import (
    EXIT_USAGE,
    TokenOption,
    Url,
    _check_choice,
    _metric_values,
    _pairs,
    _typed,
)
from driftscope.exceptions import DriftscopeError, ParameterError, SchemaError

if TYPE_CHECKING:
    from driftscope.client import Alert, AlertRule, AliasMove, Client, Model, Run, Token
    from driftscope.integrations.mlflow import MlflowTracking

__all__ = ["register"]

_USAGE = (
    "2 usage or input error (a one-line message names the option or setting), the service "
    "refused the request (the message names the field at fault) or could not be reached at --url"
)
_CTRL_C = '130 interrupted by Ctrl-C ("Aborted." is printed; a request the service took stands).'
REMOTE_EPILOG = f"Exit codes: 0 done; {_USAGE}; {_CTRL_C}"
UPLOAD_EPILOG = (
    "With --wait the command waits for the run's analysis and prints its verdict. "
    f"Exit codes: 0 done; {_USAGE}, or with --wait the analysis failed or outlasted --timeout; "
    f"{_CTRL_C}"
)

models_app = typer.Typer(
    help="The models of a driftscope service: add, list, show, promote, roll back.",
    no_args_is_help=True,
    epilog=REMOTE_EPILOG,
)
runs_app = typer.Typer(
    help="Production runs of a model on a driftscope service: upload, list, show.",
    no_args_is_help=True,
    epilog=REMOTE_EPILOG,
)
users_app = typer.Typer(
    help="Users of a driftscope service (admin).", no_args_is_help=True, epilog=REMOTE_EPILOG
)
alerts_app = typer.Typer(
    help="Alerts of a driftscope service: list, show, acknowledge, silence; and alert rules.",
    no_args_is_help=True,
    epilog=REMOTE_EPILOG,
)
rules_app = typer.Typer(
    help="Alert rules of a model: add, list, enable, disable, delete (docs/alerts.md).",
    no_args_is_help=True,
    epilog=REMOTE_EPILOG,
)
tokens_app = typer.Typer(
    help="API tokens of a driftscope service: create, list, revoke.",
    no_args_is_help=True,
    epilog=REMOTE_EPILOG,
)

AsJson = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
ModelName = Annotated[str, typer.Argument(help="The model's name.")]
Alias = Annotated[str, typer.Option(help="The alias: production or staging.")]
Offset = Annotated[int, typer.Option(min=0, help="Skip this many items.")]
#: The service's largest page (server/deps.py).
MAX_LIMIT = 1000
Limit = Annotated[
    int, typer.Option(min=1, max=MAX_LIMIT, help=f"At most this many items (at most {MAX_LIMIT}).")
]
PERIODS = ("hour", "day", "week")

# The options of `models add-version`.
Target = Annotated[str | None, typer.Option(help="Target (label) column of the baseline.")]
Prediction = Annotated[str | None, typer.Option(help="Prediction column.")]
ProbaPrefix = Annotated[
    str | None, typer.Option(help="Prefix of the class probability columns, e.g. proba_.")
]
Timestamp = Annotated[str | None, typer.Option(help="Timestamp column.")]
IdColumn = Annotated[
    str | None, typer.Option("--id", help="Id column, to join labels sent apart with runs.")
]
SchemaFile = Annotated[
    Path | None,
    typer.Option("--schema", help="YAML or JSON file of schema overrides (docs/schema.md)."),
]
Benchmarks = Annotated[
    list[str] | None,
    typer.Option("--benchmark", help="METRIC=VALUE the model must keep (repeatable)."),
]
ModelFile = Annotated[
    Path | None,
    typer.Option(
        "--model-file",
        help="The model file: ONNX (.onnx) or skops (.skops); pickle (.pkl, .pickle) or joblib "
        "(.joblib) only when the server runs with --allow-pickle.",
    ),
]
Preprocessor = Annotated[
    Path | None,
    typer.Option(
        help="A preprocessor applied before the model (needs --model-file): skops (.skops); "
        "pickle (.pkl, .pickle) or joblib (.joblib) only when the server runs with "
        "--allow-pickle.",
    ),
]


def _client(url: str | None, token: str | None) -> Client:
    from driftscope.client import Client

    return Client(url, token)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    return dict(value)


def _print_json(value: Any) -> None:
    typer.echo(json.dumps(value, indent=2, default=_jsonable, allow_nan=False))


def _table(title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    view = Table(title=title)
    for header in headers:
        view.add_column(header)
    for row in rows:
        view.add_row(*("-" if cell is None else str(cell) for cell in row))
    Console().print(view)


def _when(value: datetime | None) -> str | None:
    return None if value is None else value.strftime("%Y-%m-%d %H:%M")


def _schema_overrides(path: Path | None) -> dict[str, Any] | None:
    if path is None:
        return None
    import yaml

    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SchemaError(f"{shown(str(path))} is not YAML or JSON: {exc}") from None
    if not isinstance(loaded, dict):
        raise typer.BadParameter(
            f"{shown(str(path))} must hold a mapping; got {type(loaded).__name__}",
            param_hint="--schema",
        )
    return loaded


@models_app.command("add", epilog=REMOTE_EPILOG)
def models_add(
    name: ModelName,
    task: Annotated[
        str,
        typer.Option(
            help="binary_classification, multiclass_classification, regression or "
            "text_classification."
        ),
    ],
    description: Annotated[str, typer.Option(help="What the model does.")] = "",
    period: Annotated[
        str, typer.Option(help="How logged predictions are grouped into runs: hour, day or week.")
    ] = "day",
    url: Url = None,
    token: TokenOption = None,
) -> None:
    """Register a model (then `models add-version` gives it a baseline)."""
    _check_choice(period, PERIODS, "--period")
    with _client(url, token) as client:
        model = client.create_model(name, task, description, period)
    typer.echo(f"Added model {model.name!r} ({model.task}).")


@models_app.command("add-version", epilog=REMOTE_EPILOG)
def models_add_version(
    name: ModelName,
    baseline: Annotated[
        Path,
        typer.Argument(
            help="The reference data: CSV (.csv, .txt), TSV (.tsv), Parquet (.parquet, .pq) or "
            "JSON Lines (.jsonl, .ndjson, .json); a zip for image and audio models."
        ),
    ],
    target: Target = None,
    prediction: Prediction = None,
    proba_prefix: ProbaPrefix = None,
    timestamp: Timestamp = None,
    id_column: IdColumn = None,
    schema: SchemaFile = None,
    benchmark: Benchmarks = None,
    model_file: ModelFile = None,
    preprocessor: Preprocessor = None,
    url: Url = None,
    token: TokenOption = None,
) -> None:
    """Add a version of a model, numbered after the last, with its baseline."""
    overrides = _schema_overrides(schema)
    benchmarks = _metric_values(benchmark or [], "--benchmark") or None
    with _client(url, token) as client:
        version = client.add_version(
            name,
            baseline,
            target=target,
            prediction=prediction,
            proba_prefix=proba_prefix,
            timestamp=timestamp,
            id_column=id_column,
            schema=overrides,
            benchmarks=benchmarks,
            model_file=model_file,
            preprocessor=preprocessor,
        )
    typer.echo(
        f"Added version {version.number} of {name!r} ({version.n_baseline_rows:,} baseline rows)."
    )


def _model_row(model: Model) -> list[Any]:
    aliases = model.aliases
    return [
        model.name,
        model.task,
        model.n_versions,
        aliases.get("production"),
        aliases.get("staging"),
        _when(model.created_at),
    ]


_MODEL_HEADERS = ("name", "task", "versions", "production", "staging", "created")


@models_app.command("list", epilog=REMOTE_EPILOG)
def models_list(
    search: Annotated[str | None, typer.Option(help="Only names containing this.")] = None,
    offset: Offset = 0,
    limit: Limit = 100,
    as_json: AsJson = False,
    url: Url = None,
    token: TokenOption = None,
) -> None:
    """List the models by name."""
    with _client(url, token) as client:
        page = client.models(search, offset=offset, limit=limit)
    if as_json:
        _print_json(page)
        return
    title = f"{page.total} model(s)" + (
        f", {len(page.items)} shown" if page.total > len(page.items) else ""
    )
    _table(title, _MODEL_HEADERS, map(_model_row, page.items))


@models_app.command("show", epilog=REMOTE_EPILOG)
def models_show(
    name: ModelName, as_json: AsJson = False, url: Url = None, token: TokenOption = None
) -> None:
    """Show a model, its versions and the moves of its aliases."""
    with _client(url, token) as client:
        model = client.model(name)
        versions = client.versions(name)
        moves = client.alias_history(name)
    if as_json:
        _print_json({"model": model, "versions": versions, "alias_history": moves})
        return
    _table(f"Model {model.name!r}", _MODEL_HEADERS, [_model_row(model)])
    if model.description:
        typer.echo(model.description)
    _table(
        "Versions",
        ("version", "baseline rows", "target", "prediction", "benchmarks", "created", "by"),
        (
            [
                v.number,
                f"{v.n_baseline_rows:,}",
                v.target,
                v.prediction,
                ", ".join(f"{k}={x:g}" for k, x in v.benchmarks.items()) or None,
                _when(v.created_at),
                v.created_by,
            ]
            for v in versions
        ),
    )
    if moves:
        _table(
            "Alias moves",
            ("alias", "action", "from", "to", "by", "at"),
            (
                [m.alias, m.action, m.from_version, m.to_version, m.actor, _when(m.at)]
                for m in moves
            ),
        )


MlflowModel = Annotated[
    str | None,
    typer.Option(
        "--mlflow-model",
        help="Move the alias of this MLflow registered model too, to the MLflow version the "
        "driftscope version was imported from (`driftscope mlflow import`; needs the mlflow "
        "extra). Without it, the service moves the alias of the model's MLflow link when the "
        "link moves aliases (`driftscope mlflow link --move-aliases`).",
        show_default=False,
    ),
]
MlflowUriOption = Annotated[
    str | None,
    typer.Option(
        "--mlflow-uri",
        envvar="MLFLOW_TRACKING_URI",
        help="The MLflow tracking server of --mlflow-model [env MLFLOW_TRACKING_URI].",
        show_default=False,
    ),
]


def _mlflow_alias(registered: str | None, uri: str | None) -> tuple[MlflowTracking, str] | None:
    """The MLflow tracking server that --mlflow-model lives on, checked; None without one."""
    if registered is None:
        return None
    if not uri:
        raise typer.BadParameter(
            "--mlflow-model needs the MLflow tracking server: give --mlflow-uri or set "
            "MLFLOW_TRACKING_URI",
            param_hint="--mlflow-uri",
        )
    from driftscope.integrations.mlflow import MlflowTracking

    tracking = MlflowTracking(uri)
    tracking.check()
    return tracking, registered


@models_app.command("promote", epilog=REMOTE_EPILOG)
def models_promote(
    name: ModelName,
    version: Annotated[int, typer.Argument(min=1, help="The version number.")],
    alias: Alias = "production",
    mlflow_model: MlflowModel = None,
    mlflow_uri: MlflowUriOption = None,
    url: Url = None,
    token: TokenOption = None,
) -> None:
    """Point an alias (production by default) at a version; with --mlflow-model, the MLflow
    registered model's alias of the same name too."""
    mlflow = _mlflow_alias(mlflow_model, mlflow_uri)
    # Checked before anything moves: an MLflow alias that cannot follow stops the promotion.
    target = None if mlflow is None else mlflow[0].imported_version(mlflow[1], name, version)
    with _client(url, token) as client:
        move = client.promote(name, version, alias)
    was = move.from_version or "unset"
    typer.echo(f"{name}@{move.alias} is version {move.to_version} (was {was}).")
    if mlflow is not None:
        mlflow[0].move_alias(mlflow[1], alias, target)
        typer.echo(f"MLflow: {mlflow[1]}@{alias} is version {target}.")
    _linked_alias(move)


@models_app.command("rollback", epilog=REMOTE_EPILOG)
def models_rollback(
    name: ModelName,
    alias: Alias = "production",
    mlflow_model: MlflowModel = None,
    mlflow_uri: MlflowUriOption = None,
    url: Url = None,
    token: TokenOption = None,
) -> None:
    """Point an alias back at the version it held before its last promotion; with
    --mlflow-model, the MLflow registered model's alias of the same name follows."""
    mlflow = _mlflow_alias(mlflow_model, mlflow_uri)
    with _client(url, token) as client:
        move = client.rollback(name, alias)
    typer.echo(
        f"{name}@{move.alias} rolled back to version {move.to_version or 'unset'} "
        f"(was {move.from_version})."
    )
    if mlflow is not None:
        tracking, registered = mlflow
        target = (
            None
            if move.to_version is None
            else tracking.imported_version(registered, name, move.to_version)
        )
        tracking.move_alias(registered, alias, target)
        typer.echo(f"MLflow: {registered}@{alias} is version {target or 'unset'}.")
    _linked_alias(move)


def _linked_alias(move: AliasMove) -> None:
    """What the service did with the alias of the model's MLflow link; an alias that could not
    follow is an error (exit 2), driftscope's move standing."""
    if move.mlflow is None:
        return
    if move.mlflow_followed:
        typer.echo(move.mlflow)
        return
    Console(stderr=True, soft_wrap=True, highlight=False).print(move.mlflow)
    raise typer.Exit(EXIT_USAGE)


def _is_profile(path: Path) -> bool:
    """Whether the file is a driftscope profile (by its first bytes, whatever its name)."""
    from driftscope.data.profile import MAGIC

    try:
        with path.open("rb") as file:
            return file.read(len(MAGIC)) == MAGIC
    except OSError:  # missing or unreadable: the upload says so, naming the file
        return False


def _run_line(run: Run) -> str:
    line = (
        f"Run {run.id} of {run.model!r} (version {run.version}, {run.n_rows:,} rows): {run.status}"
    )
    if run.verdict is not None:
        line += f", verdict {run.verdict}"
    if run.drift_share is not None:
        line += f", drift share {run.drift_share:.0%}"
    return line + "."


def _echo_run(run: Run) -> None:
    """The run's line, then its notes (a schema change...), one a line."""
    typer.echo(_run_line(run))
    for note in run.notes:
        typer.echo(f"Note: {note}")


@runs_app.command("upload", epilog=UPLOAD_EPILOG)
def runs_upload(
    model: ModelName,
    data: Annotated[
        Path,
        typer.Argument(
            help="Production rows with the model's predictions: CSV, Parquet..., or their "
            "driftscope profile (a .profile file, made with the version's schema)."
        ),
    ],
    date: Annotated[
        datetime | None, typer.Option(help="When production saw the rows (default now).")
    ] = None,
    labels: Annotated[
        Path | None, typer.Option(help="Ground truth in a file of its own, joined by id.")
    ] = None,
    version: Annotated[
        int | None,
        typer.Option(min=1, help="Compare with this version (default: production, else latest)."),
    ] = None,
    wait: Annotated[
        bool, typer.Option("--wait", help="Wait for the analysis and print the verdict.")
    ] = False,
    timeout: Annotated[float, typer.Option(min=0, help="Seconds --wait waits at most.")] = 600.0,
    as_json: AsJson = False,
    url: Url = None,
    token: TokenOption = None,
) -> None:
    """Upload a production run of a model (its rows, or their profile); its analysis is queued
    on the service."""
    profiled = _is_profile(data)
    if profiled and labels is not None:
        raise ParameterError(
            f"--labels: {str(data)!r} is a profile, which carries its ground truth (confusion "
            "counts or regression sums); a labels file goes with a run's rows only."
        )
    with _client(url, token) as client:
        if profiled:
            run = client.upload_profile(model, data, date=date, version=version)
        else:
            run = client.upload_run(model, data, date=date, labels=labels, version=version)
        if wait:
            run = client.wait(model, run.id, timeout=timeout)
    if as_json:
        _print_json(run)
    else:
        _echo_run(run)
    if run.status == "failed":
        raise DriftscopeError(f"The analysis of run {run.id} failed: {run.error}")


@runs_app.command("list", epilog=REMOTE_EPILOG)
def runs_list(
    model: ModelName,
    since: Annotated[datetime | None, typer.Option(help="Only runs dated from then.")] = None,
    until: Annotated[datetime | None, typer.Option(help="Only runs dated before then.")] = None,
    offset: Offset = 0,
    limit: Limit = 100,
    as_json: AsJson = False,
    url: Url = None,
    token: TokenOption = None,
) -> None:
    """List a model's runs, newest data first."""
    with _client(url, token) as client:
        page = client.runs(model, since=since, until=until, offset=offset, limit=limit)
    if as_json:
        _print_json(page)
        return
    _table(
        f"{page.total} run(s) of {model!r}",
        ("run", "date", "version", "rows", "status", "verdict", "drift share"),
        (
            [
                r.id,
                _when(r.date),
                r.version,
                f"{r.n_rows:,}",
                r.status,
                r.verdict,
                None if r.drift_share is None else f"{r.drift_share:.0%}",
            ]
            for r in page.items
        ),
    )


@runs_app.command("show", epilog=REMOTE_EPILOG)
def runs_show(
    model: ModelName,
    run_id: Annotated[int, typer.Argument(help="The run's id.")],
    report: Annotated[
        Path | None, typer.Option("--report", help="Write the run's full JSON report here.")
    ] = None,
    as_json: AsJson = False,
    url: Url = None,
    token: TokenOption = None,
) -> None:
    """Show a run: its status, verdict and job; with --report, save its full report."""
    from driftscope.report._report import write_atomic

    with _client(url, token) as client:
        run = client.run(model, run_id)
        document = client.report(model, run_id) if report is not None else None
    if report is not None:
        write_atomic(report, json.dumps(document, indent=2, allow_nan=False))
    if as_json:
        _print_json(run)
        return
    _echo_run(run)
    if run.error:
        typer.echo(f"Error: {run.error}")
    if run.job is not None:
        typer.echo(
            f"Job {run.job.id}: {run.job.status}, attempt {run.job.attempts} of "
            f"{run.job.max_attempts}" + (f", {run.job.progress}" if run.job.progress else "")
        )
    if report is not None:
        typer.echo(f"JSON report: {report}")


@users_app.command("add", epilog=REMOTE_EPILOG)
def users_add(
    username: Annotated[str, typer.Argument(help="The new user's name.")],
    role: Annotated[str, typer.Option(help="viewer, editor or admin.")] = "viewer",
    password: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            envvar="DRIFTSCOPE_USER_PASSWORD",
            help="At least 12 characters [env DRIFTSCOPE_USER_PASSWORD; asked when not given].",
            show_default=False,
            show_envvar=False,
        ),
    ] = "",
    url: Url = None,
    token: TokenOption = None,
) -> None:
    """Add a user (needs an admin's token)."""
    with _client(url, token) as client:
        user = client.create_user(username, password, role)
    typer.echo(f"Added user {user.username!r} ({user.role}).")


def _token_rows(tokens: Iterable[Token]) -> Iterable[list[Any]]:
    for t in tokens:
        yield [
            t.id,
            t.name,
            t.prefix + "...",
            t.role,
            _when(t.created_at),
            _when(t.last_used_at),
            _when(t.revoked_at),
        ]


_TOKEN_HEADERS = ("id", "name", "token", "role", "created", "last used", "revoked")


@tokens_app.command("create", epilog=REMOTE_EPILOG)
def tokens_create(
    name: Annotated[str, typer.Argument(help="What the token is for, e.g. 'nightly upload'.")],
    role: Annotated[
        str, typer.Option(help="viewer, editor or admin; at most one's own role.")
    ] = "viewer",
    username: Annotated[
        str | None,
        typer.Option(
            help="Log in as this user with a password instead of a token (to make the first "
            "token); the password is read from DRIFTSCOPE_PASSWORD or asked.",
        ),
    ] = None,
    as_json: AsJson = False,
    url: Url = None,
    token: TokenOption = None,
) -> None:
    """Create an API token; its secret is printed this once and never again."""
    with _client(url, None if username else token) as client:
        if username is not None:
            password = os.environ.get("DRIFTSCOPE_PASSWORD") or typer.prompt(
                f"Password of {username}", hide_input=True, err=True
            )
            client.log_in(username, password)
        created = client.create_token(name, role)
    if as_json:
        _print_json(created)
        return
    typer.echo(created.token)
    Console(stderr=True).print(
        f"Token {created.id} {created.name!r} ({created.role}): keep it now, it is not shown again."
    )


@tokens_app.command("list", epilog=REMOTE_EPILOG)
def tokens_list(as_json: AsJson = False, url: Url = None, token: TokenOption = None) -> None:
    """List one's tokens (an admin's: every token), without their secrets."""
    with _client(url, token) as client:
        tokens = client.tokens()
    if as_json:
        _print_json(tokens)
        return
    _table(f"{len(tokens)} token(s)", _TOKEN_HEADERS, _token_rows(tokens))


@tokens_app.command("revoke", epilog=REMOTE_EPILOG)
def tokens_revoke(
    token_id: Annotated[int, typer.Argument(help="The token's id (see `tokens list`).")],
    url: Url = None,
    token: TokenOption = None,
) -> None:
    """Revoke a token: the service refuses it from now on."""
    with _client(url, token) as client:
        revoked = client.revoke_token(token_id)
    typer.echo(f"Revoked token {revoked.id} {revoked.name!r}.")


_SIGNALS = (
    "metric",
    "metric_drop",
    "drift_share",
    "feature_drift",
    "prediction_drift",
    "label_drift",
    "quality_check",
    "verdict",
    "freshness",
    "change_points",
)
_COMPARATORS = ("<", "<=", ">", ">=", "==", "!=")
_SEVERITIES = ("info", "warning", "critical")
_RULE_HEADERS = ("id", "name", "condition", "for", "severity", "enabled", "error")


def _condition(rule: AlertRule) -> str:
    what = rule.signal + (f" {rule.subject}" if rule.subject else "")
    what += f" ({rule.measure})" if rule.measure else ""
    what += "".join(f" {name}={value}" for name, value in (rule.parameters or {}).items())
    return f"{what} {rule.comparator} {rule.threshold:g}"


def _rule_rows(rules: Iterable[AlertRule]) -> Iterable[list[Any]]:
    for rule in rules:
        lasting = f"{rule.for_runs} run(s)"
        lasting += f", {rule.for_seconds} s" if rule.for_seconds else ""
        yield [
            rule.id,
            rule.name,
            _condition(rule),
            lasting,
            rule.severity,
            rule.enabled,
            rule.error,
        ]


@rules_app.command("add", epilog=REMOTE_EPILOG)
def rules_add(
    model: ModelName,
    name: Annotated[str, typer.Argument(help="The rule's name (unique in the model).")],
    signal: Annotated[str, typer.Option(help=f"What it watches: {', '.join(_SIGNALS)}.")],
    comparator: Annotated[str, typer.Option(help=f"One of {' '.join(_COMPARATORS)}.")],
    threshold: Annotated[float, typer.Option(help="The value compared with.")],
    subject: Annotated[
        str | None,
        typer.Option(
            help="The metric, column or data-quality check watched; change_points: the detector "
            "(page_hinkley, adwin, kswin, cusum, ddm, ...)."
        ),
    ] = None,
    measure: Annotated[
        str | None,
        typer.Option(
            help="metric_drop: reference or benchmark; a drift: drifted, statistic, p_value or "
            "effect_size; quality_check: status, share or columns; freshness: data or labels; "
            "change_points: prediction, probability or error."
        ),
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option(help="change_points: NAME=VALUE detector parameter (repeatable)."),
    ] = None,
    relative: Annotated[
        bool, typer.Option(help="metric_drop: the drop as a share of the baseline.")
    ] = False,
    interval_excludes: Annotated[
        bool,
        typer.Option(help="metric_drop: only when the confidence interval excludes the baseline."),
    ] = False,
    for_runs: Annotated[int, typer.Option(min=1, help="Consecutive runs it must hold on.")] = 1,
    for_seconds: Annotated[
        int | None, typer.Option(min=0, help="And for this long, by the runs' dates.")
    ] = None,
    severity: Annotated[str, typer.Option(help="info, warning or critical.")] = "warning",
    min_labelled_share: Annotated[
        float | None,
        typer.Option(min=0.0, max=1.0, help="Label policy: skip runs with fewer labels."),
    ] = None,
    min_label_age: Annotated[
        int | None, typer.Option(min=0, help="Label policy: skip runs younger (seconds).")
    ] = None,
    renotify: Annotated[
        int | None, typer.Option(min=0, help="Notify a firing alert again after (seconds).")
    ] = None,
    url: Url = None,
    token: TokenOption = None,
) -> None:
    """Add an alert rule to a model; it is evaluated at once over the analysed runs."""
    _check_choice(signal, _SIGNALS, "--signal")
    _check_choice(comparator, _COMPARATORS, "--comparator")
    _check_choice(severity, _SEVERITIES, "--severity")
    optional: dict[str, Any] = {
        "subject": subject,
        "measure": measure,
        "for_seconds": for_seconds,
        "min_labelled_share": min_labelled_share,
        "min_label_age_seconds": min_label_age,
        "renotify_seconds": renotify,
    }
    fields = {key: value for key, value in optional.items() if value is not None}
    if param:
        detector = subject or "page_hinkley"
        fields["parameters"] = _typed(detector, _pairs(param, "--param", "NAME"))
    with _client(url, token) as client:
        rule = client.add_alert_rule(
            model,
            name,
            signal,
            comparator,
            threshold,
            relative=relative,
            interval_excludes=interval_excludes,
            for_runs=for_runs,
            severity=severity,
            **fields,
        )
    typer.echo(f"Added alert rule {rule.id} {rule.name!r}: {_condition(rule)}.")
    if rule.error:
        typer.echo(f"It could not be evaluated: {rule.error}")


@rules_app.command("list", epilog=REMOTE_EPILOG)
def rules_list(
    model: ModelName, as_json: AsJson = False, url: Url = None, token: TokenOption = None
) -> None:
    """List a model's alert rules."""
    with _client(url, token) as client:
        rules = client.alert_rules(model)
    if as_json:
        _print_json(rules)
        return
    _table(f"{len(rules)} alert rule(s) of {model!r}", _RULE_HEADERS, _rule_rows(rules))


RuleId = Annotated[int, typer.Argument(help="The rule's id (see `alerts rules list`).")]


def _set_enabled(
    model: str, rule_id: int, enabled: bool, url: str | None, token: str | None
) -> None:
    with _client(url, token) as client:
        rule = client.update_alert_rule(model, rule_id, enabled=enabled)
    typer.echo(f"Alert rule {rule.id} {rule.name!r} is {'enabled' if enabled else 'disabled'}.")


@rules_app.command("enable", epilog=REMOTE_EPILOG)
def rules_enable(
    model: ModelName, rule_id: RuleId, url: Url = None, token: TokenOption = None
) -> None:
    """Enable a rule (it is evaluated again at once)."""
    _set_enabled(model, rule_id, True, url, token)


@rules_app.command("disable", epilog=REMOTE_EPILOG)
def rules_disable(
    model: ModelName, rule_id: RuleId, url: Url = None, token: TokenOption = None
) -> None:
    """Disable a rule: its firing alerts are resolved."""
    _set_enabled(model, rule_id, False, url, token)


@rules_app.command("delete", epilog=REMOTE_EPILOG)
def rules_delete(
    model: ModelName, rule_id: RuleId, url: Url = None, token: TokenOption = None
) -> None:
    """Delete a rule with its alerts and their history."""
    with _client(url, token) as client:
        client.delete_alert_rule(model, rule_id)
    typer.echo(f"Deleted alert rule {rule_id} of {model!r}.")


def _alert_row(alert: Alert) -> list[Any]:
    value = None if alert.value is None else f"{alert.value:.4g}"
    quiet = "acknowledged" if alert.acknowledged_at else None
    if alert.silenced_until is not None:
        quiet = f"silenced until {_when(alert.silenced_until)}"
    return [
        alert.id,
        alert.model,
        alert.rule,
        alert.key or None,
        alert.state,
        alert.severity,
        _when(alert.started_at),
        _when(alert.resolved_at),
        alert.run_id,
        value,
        quiet,
    ]


_ALERT_HEADERS = (
    "id",
    "model",
    "rule",
    "key",
    "state",
    "severity",
    "since",
    "resolved",
    "run",
    "value",
    "",
)
AlertId = Annotated[int, typer.Argument(help="The alert's id (see `alerts list`).")]


@alerts_app.command("list", epilog=REMOTE_EPILOG)
def alerts_list(
    model: Annotated[str | None, typer.Option(help="Only this model's alerts.")] = None,
    state: Annotated[str | None, typer.Option(help="firing or resolved.")] = None,
    rule: Annotated[int | None, typer.Option(min=1, help="Only this rule's (an id).")] = None,
    severity: Annotated[str | None, typer.Option(help="info, warning or critical.")] = None,
    offset: Offset = 0,
    limit: Limit = 100,
    as_json: AsJson = False,
    url: Url = None,
    token: TokenOption = None,
) -> None:
    """List alerts, newest first."""
    if state is not None:
        _check_choice(state, ("firing", "resolved"), "--state")
    if severity is not None:
        _check_choice(severity, _SEVERITIES, "--severity")
    with _client(url, token) as client:
        page = client.alerts(
            model, state=state, rule=rule, severity=severity, offset=offset, limit=limit
        )
    if as_json:
        _print_json(page)
        return
    _table(f"{page.total} alert(s)", _ALERT_HEADERS, (_alert_row(a) for a in page.items))


@alerts_app.command("show", epilog=REMOTE_EPILOG)
def alerts_show(
    alert_id: AlertId, as_json: AsJson = False, url: Url = None, token: TokenOption = None
) -> None:
    """Show an alert's history: each firing and resolution with its run and value."""
    with _client(url, token) as client:
        events = client.alert_history(alert_id)
    if as_json:
        _print_json(events)
        return
    rows = (
        [
            _when(e.at),
            e.kind,
            e.run_id,
            _when(e.run_date),
            None if e.value is None else f"{e.value:.4g}",
            e.actor,
            e.message,
        ]
        for e in events
    )
    headers = ("at", "event", "run", "run date", "value", "by", "message")
    _table(f"History of alert {alert_id}", headers, rows)


@alerts_app.command("ack", epilog=REMOTE_EPILOG)
def alerts_ack(alert_id: AlertId, url: Url = None, token: TokenOption = None) -> None:
    """Acknowledge an alert: it is not notified again."""
    with _client(url, token) as client:
        alert = client.acknowledge_alert(alert_id)
    typer.echo(f"Alert {alert.id} acknowledged by {alert.acknowledged_by}.")


@alerts_app.command("silence", epilog=REMOTE_EPILOG)
def alerts_silence(
    alert_id: AlertId,
    until: Annotated[
        datetime | None,
        typer.Option(help="Silence until this time (UTC); without it, the silence is lifted."),
    ] = None,
    url: Url = None,
    token: TokenOption = None,
) -> None:
    """Silence an alert's notifications until a time."""
    with _client(url, token) as client:
        alert = client.silence_alert(alert_id, until)
    shown_until = _when(alert.silenced_until)
    typer.echo(
        f"Alert {alert.id} silenced until {shown_until}."
        if shown_until
        else f"Alert {alert.id} is no longer silenced."
    )


def register(app: typer.Typer) -> None:
    """Add the `models`, `runs`, `alerts`, `users` and `tokens` groups to ``app``."""
    app.add_typer(models_app, name="models")
    app.add_typer(runs_app, name="runs")
    alerts_app.add_typer(rules_app, name="rules")
    app.add_typer(alerts_app, name="alerts")
    app.add_typer(users_app, name="users")
    app.add_typer(tokens_app, name="tokens")
