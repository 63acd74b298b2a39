"""The commands that connect a running service to the platforms teams already run:
`driftscope mlflow log` sends a model's analysed runs (metrics, verdict, report) to MLflow
tracking. It reads the runs through `driftscope.Client` (--url, --token) and needs the ``mlflow``
extra; `register` adds it to the app."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from driftscope.cli.remote import TokenOption, Url, _client

if TYPE_CHECKING:
    from driftscope.client import Client, Run
    from driftscope.integrations.mlflow import AnalysedRun

__all__ = ["register"]

MLFLOW_EPILOG = (
    "Exit codes: 0 done (also when there was nothing new to log); 2 usage or input error, the "
    "driftscope service refused or could not be reached at --url, or MLflow could not be "
    "reached at --mlflow-uri or refused (runs logged before the failure stay logged; run the "
    "command again to log the rest); 130 interrupted by Ctrl-C."
)

mlflow_app = typer.Typer(
    help="MLflow: log a model's analysed runs to MLflow tracking.",
    no_args_is_help=True,
    epilog=MLFLOW_EPILOG,
)

MlflowUri = Annotated[
    str,
    typer.Option(
        "--mlflow-uri",
        envvar="MLFLOW_TRACKING_URI",
        help="The MLflow tracking server, e.g. http://127.0.0.1:5000 [env MLFLOW_TRACKING_URI].",
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


@mlflow_app.command("log", epilog=MLFLOW_EPILOG)
def mlflow_log(
    model: Annotated[str, typer.Option("--model", help="The driftscope model's name.")],
    mlflow_uri: MlflowUri,
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
    experiment: Annotated[
        str | None,
        typer.Option(help="The MLflow experiment [default: the model's name].", show_default=False),
    ] = None,
    url: Url = None,
    token: TokenOption = None,
) -> None:
    """Log analysed runs to MLflow: their metrics, drift share and verdict, and the report as
    JSON and HTML artifacts, one MLflow run each. A run logged already is left alone."""
    if bool(run) == all_new:
        raise typer.BadParameter(
            "give either --run ID (repeatable) or --all-new", param_hint="--run"
        )
    from driftscope.integrations.mlflow import MlflowTracking

    tracking = MlflowTracking(mlflow_uri)
    tracking.check()
    name = experiment or model
    with _client(url, token) as client:
        client.model(model)  # a model that does not exist is said before MLflow is touched
        if all_new:
            done = tracking.logged_runs(name, model)
            wanted = [i for i in _analysed_ids(client, model) if i not in done]
        else:
            wanted = list(dict.fromkeys(run or []))
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


def register(app: typer.Typer) -> None:
    """Add the `mlflow` group to ``app``."""
    app.add_typer(mlflow_app, name="mlflow")
