"""The commands that connect a running service to the platforms teams already run:
`driftscope mlflow log` sends a model's analysed runs (metrics, verdict, report) to MLflow
tracking, and `driftscope mlflow import` makes the versions of an MLflow registered model
driftscope versions, with their model files and aliases. `driftscope mlflow link` stores a
model's MLflow settings on the service, which then logs each analysed run by itself, and which
the other commands use when --mlflow-uri, --mlflow-model or --experiment is not given. They
talk to the service through `driftscope.Client` (--url, --token); all but link, unlink and
status need the ``mlflow`` extra; `register` adds them to the app."""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from driftscope.cli._options import EXIT_DRIFT, TokenOption, Url, _metric_values
from driftscope.cli.remote import (
    _CTRL_C,
    _USAGE,
    AsJson,
    Benchmarks,
    IdColumn,
    Prediction,
    ProbaPrefix,
    Target,
    Timestamp,
    _client,
    _print_json,
    _table,
    _when,
)
from driftscope.exceptions import ServiceRequestError

if TYPE_CHECKING:
    from driftscope.client import Client, MlflowLink, Run
    from driftscope.integrations.mlflow import AnalysedRun, MlflowTracking, RegisteredVersion

__all__ = ["register"]

_MLFLOW_DOWN = (
    "or MLflow could not be reached at --mlflow-uri or refused (what was done before stays done; "
    "run the command again for the rest)"
)
MLFLOW_EPILOG = (
    f"Exit codes: 0 done (also when there was nothing new to log); {_USAGE}, {_MLFLOW_DOWN}; "
    f"{_CTRL_C}"
)

mlflow_app = typer.Typer(
    help="MLflow: log a model's analysed runs to MLflow tracking; import a registered model's "
    "versions; link a model to MLflow so that the service logs each analysed run itself.",
    no_args_is_help=True,
    epilog=MLFLOW_EPILOG,
)

MlflowUri = Annotated[
    str | None,
    typer.Option(
        "--mlflow-uri",
        envvar="MLFLOW_TRACKING_URI",
        help="The MLflow tracking server, e.g. http://127.0.0.1:5000 [env MLFLOW_TRACKING_URI; "
        "default: the model's MLflow link].",
        show_default=False,
    ),
]


def _analysed(client: Client, run: Run) -> AnalysedRun:
    from driftscope.integrations.mlflow import AnalysedRun, MetricValue

    return AnalysedRun(
        model=run.model,
        run_id=run.id,
        version=run.version,
        date=run.date,
        verdict=run.verdict,
        drift_share=run.drift_share,
        dataset_drifted=run.dataset_drifted,
        n_rows=run.n_rows,
        quality_warnings=run.quality_warnings,
        quality_alerts=run.quality_alerts,
        source=run.source,
        metrics={m.name: MetricValue(m.value, m.lower, m.upper) for m in run.metrics},
        report=client.report(run.model, run.id),
    )


def _analysed_ids(client: Client, model: str) -> list[int]:
    """The ids of the model's analysed runs, oldest data first."""
    ids: list[int] = []
    offset = 0
    while True:
        page = client.runs(model, offset=offset, limit=1000)
        ids.extend(r.id for r in page.items if r.status == "analysed")
        offset += len(page.items)
        if not page.items or offset >= page.total:
            return ids[::-1]


ModelOption = Annotated[str, typer.Option("--model", help="The driftscope model's name.")]
Experiment = Annotated[
    str | None,
    typer.Option(
        help="The MLflow experiment [default: the model's MLflow link's, else the model's name].",
        show_default=False,
    ),
]
MlflowModel = Annotated[
    str | None,
    typer.Option(
        "--mlflow-model",
        help="The MLflow registered model's name [default: the model's MLflow link's].",
        show_default=False,
    ),
]
Task = Annotated[
    str | None,
    typer.Option(
        help="The task, to register the driftscope model when it does not exist yet: "
        "binary_classification, multiclass_classification, regression or text_classification.",
        show_default=False,
    ),
]
Baseline = Annotated[
    Path | None,
    typer.Option(
        help="The reference data of every version imported (CSV, TSV, Parquet, JSON Lines); "
        "default: the artifact --baseline-artifact of the MLflow run that made each version.",
        show_default=False,
    ),
]
BaselineArtifact = Annotated[
    str, typer.Option(help="The artifact of each version's MLflow run that holds its baseline.")
]


@mlflow_app.command("log", epilog=MLFLOW_EPILOG)
def mlflow_log(
    model: ModelOption,
    run: Annotated[
        list[int] | None,
        typer.Option("--run", help="Log this analysed run (repeatable).", show_default=False),
    ] = None,
    all_new: Annotated[
        bool,
        typer.Option(
            "--all-new", help="Log every analysed run of the model not yet logged to MLflow."
        ),
    ] = False,
    experiment: Experiment = None,
    mlflow_uri: MlflowUri = None,
    url: Url = None,
    token: TokenOption = None,
) -> None:
    """Log analysed runs to MLflow: their metrics, drift share and verdict, and the report as
    JSON and HTML artifacts, one MLflow run each. A run logged already is left alone."""
    if bool(run) == all_new:
        raise typer.BadParameter(
            "give either --run ID (repeatable) or --all-new", param_hint="--run"
        )
    given = _given(mlflow_uri)
    with _client(url, token) as client:
        client.model(model)  # a model that does not exist is said before MLflow is touched
        where = _where(client, model, given, None, experiment, needs_registered=False)
        _log_runs(client, where.tracking, model, where.experiment, None if all_new else run)


def _tracking(uri: str) -> MlflowTracking:
    from driftscope.integrations.mlflow import MlflowTracking

    tracking = MlflowTracking(uri)
    tracking.check()
    return tracking


@dataclasses.dataclass(frozen=True)
class _Where:
    """Where in MLflow a command works: the tracking server (checked), the registered model
    (None when the command needs none) and the experiment."""

    tracking: MlflowTracking
    registered: str | None
    experiment: str


def _given(uri: str | None) -> MlflowTracking | None:
    """The tracking server given by --mlflow-uri, checked before the service is asked (an
    MLflow that is down, or a missing extra, is said first); None when not given."""
    return _tracking(uri) if uri else None


def _where(
    client: Client,
    model: str,
    given: MlflowTracking | None,
    registered: str | None,
    experiment: str | None,
    *,
    needs_registered: bool,
) -> _Where:
    """The options given, and for those not given the model's MLflow link (stored on the
    service by `driftscope mlflow link`); the experiment is the model's name without either."""
    link = None
    if given is None or experiment is None or (needs_registered and registered is None):
        link = _stored_link(client, model)
    if given is None and link is None:
        raise typer.BadParameter(
            f"give the MLflow tracking server (or set MLFLOW_TRACKING_URI), or link {model!r} "
            "to MLflow with `driftscope mlflow link`",
            param_hint="--mlflow-uri",
        )
    if given is None and link is not None:
        given = _tracking(link.tracking_uri)
    assert given is not None  # given, or the link's
    registered = registered or (link.registered_model if link else None)
    if needs_registered and not registered:
        raise typer.BadParameter(
            f"give the MLflow registered model; the MLflow link of {model!r} names none"
            if link
            else f"give the MLflow registered model, or link {model!r} to one with "
            "`driftscope mlflow link --mlflow-model`",
            param_hint="--mlflow-model",
        )
    return _Where(given, registered, experiment or (link.experiment if link else model))


def _stored_link(client: Client, model: str) -> MlflowLink | None:
    """The model's MLflow link; None when it has none, or does not exist yet (`import` may
    register it)."""
    try:
        return client.mlflow_link(model)
    except ServiceRequestError as exc:
        if exc.status != 404:
            raise
        return None


def _log_runs(
    client: Client, tracking: MlflowTracking, model: str, name: str, given: list[int] | None
) -> None:
    """Log the runs ``given``, or (None) every analysed run not logged to ``name`` yet."""
    if given is None:
        done = tracking.logged_runs(name, model)
        wanted = [i for i in _analysed_ids(client, model) if i not in done]
    else:
        wanted = list(dict.fromkeys(given))
    runs = []
    for run_id in wanted:
        found = client.run(model, run_id)
        if found.status != "analysed":
            raise typer.BadParameter(
                f"run {run_id} of {model!r} is {found.status}; only analysed runs are logged",
                param_hint="--run",
            )
        runs.append(found)
    logged = 0
    for found in runs:
        result = tracking.log_run(_analysed(client, found), name)
        logged += result.logged_now
        how = "logged" if result.logged_now else "already logged"
        typer.echo(
            f"Run {found.id} of {model!r} {how}: MLflow run {result.mlflow_run_id} in "
            f"experiment {name!r}."
        )
    if not runs:
        typer.echo(f"Nothing new to log: every analysed run of {model!r} is in {name!r}.")
    elif logged != len(runs):
        typer.echo(f"{logged} of {len(runs)} run(s) logged now; the others were logged before.")


IMPORT_EPILOG = (
    "Exit codes: 0 every MLflow version is imported (now or before); 1 some could not be (each "
    "is said with why; the others are imported, and running the command again imports only what "
    f"is missing); {_USAGE}, {_MLFLOW_DOWN}; {_CTRL_C}"
)


@mlflow_app.command("import", epilog=IMPORT_EPILOG)
def mlflow_import(
    model: ModelOption,
    mlflow_model: MlflowModel = None,
    mlflow_uri: MlflowUri = None,
    task: Task = None,
    baseline: Baseline = None,
    baseline_artifact: BaselineArtifact = "baseline.parquet",
    target: Target = None,
    prediction: Prediction = None,
    proba_prefix: ProbaPrefix = None,
    timestamp: Timestamp = None,
    id_column: IdColumn = None,
    benchmark: Benchmarks = None,
    url: Url = None,
    token: TokenOption = None,
) -> None:
    """Import the versions of an MLflow registered model as driftscope versions, oldest first,
    each with its baseline and its model file (ONNX, or scikit-learn saved as skops), and
    mirror its production and staging aliases. Versions imported before are left alone."""
    fields = _version_fields(target, prediction, proba_prefix, timestamp, id_column, benchmark)
    given = _given(mlflow_uri)
    with _client(url, token) as client:
        where = _where(client, model, given, mlflow_model, model, needs_registered=True)
        skipped = _import_versions(client, where, model, task, baseline, baseline_artifact, fields)
    _fail_if_skipped(skipped)


SYNC_EPILOG = (
    "Exit codes: 0 done; 1 some MLflow versions could not be imported (each is said with why; "
    f"the runs are logged all the same); {_USAGE}, {_MLFLOW_DOWN}; {_CTRL_C}"
)


@mlflow_app.command("sync", epilog=SYNC_EPILOG)
def mlflow_sync(
    model: ModelOption,
    mlflow_model: MlflowModel = None,
    mlflow_uri: MlflowUri = None,
    experiment: Experiment = None,
    task: Task = None,
    baseline: Baseline = None,
    baseline_artifact: BaselineArtifact = "baseline.parquet",
    target: Target = None,
    prediction: Prediction = None,
    proba_prefix: ProbaPrefix = None,
    timestamp: Timestamp = None,
    id_column: IdColumn = None,
    benchmark: Benchmarks = None,
    url: Url = None,
    token: TokenOption = None,
) -> None:
    """Both ways at once, for a schedule: import the registered model's versions not imported
    yet (with their aliases), then log every analysed run not logged yet."""
    fields = _version_fields(target, prediction, proba_prefix, timestamp, id_column, benchmark)
    given = _given(mlflow_uri)
    with _client(url, token) as client:
        where = _where(client, model, given, mlflow_model, experiment, needs_registered=True)
        skipped = _import_versions(client, where, model, task, baseline, baseline_artifact, fields)
        _log_runs(client, where.tracking, model, where.experiment, None)
    _fail_if_skipped(skipped)


def _version_fields(
    target: str | None,
    prediction: str | None,
    proba_prefix: str | None,
    timestamp: str | None,
    id_column: str | None,
    benchmark: list[str] | None,
) -> dict[str, Any]:
    """The columns and benchmarks every imported version is added with."""
    return {
        "target": target,
        "prediction": prediction,
        "proba_prefix": proba_prefix,
        "timestamp": timestamp,
        "id_column": id_column,
        "benchmarks": _metric_values(benchmark or [], "--benchmark") or None,
    }


def _fail_if_skipped(skipped: list[str]) -> None:
    if skipped:
        err = Console(stderr=True, soft_wrap=True, highlight=False)
        for line in skipped:
            err.print(line)
        raise typer.Exit(EXIT_DRIFT)


def _import_versions(
    client: Client,
    where: _Where,
    model: str,
    task: str | None,
    baseline: Path | None,
    baseline_artifact: str,
    fields: dict[str, Any],
) -> list[str]:
    """Import the versions of the registered model not imported yet and mirror its aliases; a
    line for each version that could not be imported, saying why."""
    tracking, mlflow_model = where.tracking, str(where.registered)
    versions = tracking.registered_versions(mlflow_model)
    skipped: list[str] = []
    _ensure_model(client, model, task)
    imported = {v.version: n for v in versions if (n := v.imported_as(model)) is not None}
    for version in versions:
        label = f"MLflow version {version.version} of {mlflow_model!r}"
        if version.version in imported:
            typer.echo(f"{label}: imported before as version {imported[version.version]}.")
            continue
        with tempfile.TemporaryDirectory(prefix="driftscope-mlflow-") as folder:
            said = _import_one(
                client, tracking, version, model, Path(folder), baseline, baseline_artifact, fields
            )
        if isinstance(said, str):
            skipped.append(f"{label} not imported: {said}")
            continue
        number, how = said
        imported[version.version] = number
        typer.echo(f"{label} imported as version {number} of {model!r} ({how}).")
    _mirror_aliases(client, model, versions, imported)
    return skipped


def _ensure_model(client: Client, model: str, task: str | None) -> None:
    try:
        client.model(model)
    except ServiceRequestError as exc:
        if exc.status != 404:
            raise
        if task is None:
            raise typer.BadParameter(
                f"the driftscope model {model!r} does not exist; give its --task to register it",
                param_hint="--task",
            ) from None
        client.create_model(model, task, "Imported from MLflow")
        typer.echo(f"Added model {model!r} ({task}).")


def _import_one(
    client: Client,
    tracking: MlflowTracking,
    version: RegisteredVersion,
    model: str,
    folder: Path,
    baseline: Path | None,
    baseline_artifact: str,
    fields: dict[str, Any],
) -> tuple[int, str] | str:
    """Import one MLflow version: the driftscope version's number and what its model is, or
    why it was not imported."""
    data = baseline or tracking.download_baseline(version, baseline_artifact, folder / "baseline")
    if data is None:
        where = (
            "it was registered without a run"
            if version.run_id is None
            else (f"its run {version.run_id} has no artifact {baseline_artifact!r}")
        )
        return f"no baseline: {where}; give --baseline-artifact or --baseline"
    found = tracking.download_model(version, folder / "model")
    if found.path is None and fields["prediction"] is None:
        return (
            f"no model driftscope can load: {found.reason}. Without a model file the baseline "
            "must hold the model's predictions: give --prediction"
        )
    try:
        added = client.add_version(model, data, model_file=found.path, **fields)
    except ServiceRequestError as exc:
        return f"the driftscope service refused it: {exc}"
    tracking.mark_imported(version, model, added.number)
    how = f"model file: {found.reason}" if found.path else f"no model file: {found.reason}"
    return added.number, how


def _mirror_aliases(
    client: Client, model: str, versions: list[RegisteredVersion], imported: dict[int, int]
) -> None:
    """Point driftscope's production and staging aliases where MLflow's point."""
    from driftscope.integrations.mlflow import ALIASES

    held = dict(client.model(model).aliases)
    for version in versions:
        for alias in version.aliases:
            number = imported.get(version.version)
            if alias not in ALIASES or number is None or held.get(alias) == number:
                continue
            client.promote(model, number, alias)
            held[alias] = number
            typer.echo(f"Alias {alias} of {model!r} -> version {number} (as in MLflow).")


LINK_EPILOG = (
    "The service checks the link before storing it. Exit codes: 0 done; "
    f"{_USAGE}, or MLflow could not be reached at --mlflow-uri by the service or has no "
    f"--mlflow-model (nothing is stored; --no-check links anyway); {_CTRL_C}"
)
LINKED_EPILOG = f"Exit codes: 0 done; {_USAGE}; {_CTRL_C}"

LinkUri = Annotated[
    str | None,
    typer.Option(
        "--mlflow-uri",
        envvar="MLFLOW_TRACKING_URI",
        help="The MLflow tracking server, as the service reaches it: http(s)://host:port, no "
        "credentials in it [env MLFLOW_TRACKING_URI].",
        show_default=False,
    ),
]
LinkModel = Annotated[
    str | None,
    typer.Option(
        "--mlflow-model",
        help="The MLflow registered model the model's versions come from (needed to move "
        "aliases, and by import and sync).",
        show_default=False,
    ),
]
LinkExperiment = Annotated[
    str | None,
    typer.Option(
        help="The MLflow experiment runs are logged to [default: the model's name].",
        show_default=False,
    ),
]


@mlflow_app.command("link", epilog=LINK_EPILOG)
def mlflow_link(
    model: ModelOption,
    mlflow_uri: LinkUri = None,
    mlflow_model: LinkModel = None,
    experiment: LinkExperiment = None,
    log_runs: Annotated[
        bool,
        typer.Option(
            "--log-runs/--no-log-runs",
            help="The service logs each analysed run to MLflow by itself, as `mlflow log` does.",
        ),
    ] = True,
    move_aliases: Annotated[
        bool,
        typer.Option(
            "--move-aliases/--no-move-aliases",
            help="Promoting or rolling back a version (CLI, API or app) moves the alias of "
            "--mlflow-model too, to the MLflow version it was imported from.",
        ),
    ] = False,
    check: Annotated[
        bool,
        typer.Option(
            "--check/--no-check",
            help="Refuse the link unless the service reaches the tracking server and it holds "
            "--mlflow-model (--no-check: store it as given, e.g. before MLflow is up).",
        ),
    ] = True,
    url: Url = None,
    token: TokenOption = None,
) -> None:
    """Link a model to MLflow, or change its link: the service then logs each analysed run to
    the experiment by itself, moves the registered model's aliases with driftscope's if asked,
    and the other mlflow commands use the link when not given --mlflow-uri, --mlflow-model or
    --experiment. MLflow's credentials are the service's environment's
    (MLFLOW_TRACKING_USERNAME, MLFLOW_TRACKING_PASSWORD or MLFLOW_TRACKING_TOKEN)."""
    if not mlflow_uri:
        raise typer.BadParameter(
            "give the MLflow tracking server (or set MLFLOW_TRACKING_URI)",
            param_hint="--mlflow-uri",
        )
    with _client(url, token) as client:
        link = client.link_mlflow(
            model,
            mlflow_uri,
            registered_model=mlflow_model,
            experiment=experiment,
            log_runs=log_runs,
            move_aliases=move_aliases,
            check=check,
        )
    typer.echo(f"Linked {model!r} to MLflow at {link.tracking_uri}.")
    _print_link(link)


@mlflow_app.command("unlink", epilog=LINKED_EPILOG)
def mlflow_unlink(model: ModelOption, url: Url = None, token: TokenOption = None) -> None:
    """Remove a model's link to MLflow: the service logs and moves nothing there from now on.
    What MLflow holds stays."""
    with _client(url, token) as client:
        client.unlink_mlflow(model)
    typer.echo(f"Unlinked {model!r} from MLflow; what MLflow holds stays.")


@mlflow_app.command("status", epilog=LINKED_EPILOG)
def mlflow_status(
    model: ModelOption, as_json: AsJson = False, url: Url = None, token: TokenOption = None
) -> None:
    """Show a model's link to MLflow and how it last went: the last run logged, the last
    error (a logging or an alias move that MLflow refused or could not take)."""
    with _client(url, token) as client:
        link = client.mlflow_link(model)
    if as_json:
        _print_json({"model": model, "link": link})
        return
    if link is None:
        typer.echo(f"{model!r} is not linked to MLflow (`driftscope mlflow link` links it).")
        return
    _print_link(link)


def _print_link(link: MlflowLink) -> None:
    logged = (
        f"run {link.last_logged_run} at {_when(link.last_logged_at)}"
        if link.last_logged_run is not None
        else None
    )
    failed = f"{_when(link.last_error_at)}: {link.last_error}" if link.last_error else None
    _table(
        f"MLflow link of {link.model!r}",
        ("what", "value"),
        [
            ["tracking server", link.tracking_uri],
            ["registered model", link.registered_model],
            ["experiment", link.experiment],
            ["logs each analysed run", "yes" if link.log_runs else "no"],
            ["moves aliases", "yes" if link.move_aliases else "no"],
            ["last logged", logged],
            ["last error", failed],
            ["set by", f"{link.created_by}, changed {_when(link.updated_at)}"],
        ],
    )


def register(app: typer.Typer) -> None:
    """Add the `mlflow` group (log, import, sync, link, unlink, status) to ``app``."""
    app.add_typer(mlflow_app, name="mlflow")
