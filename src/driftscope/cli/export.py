"""`driftscope export`: files for the platforms a team already runs. `prometheus-rules` writes
Prometheus alert rules over the service's ``/metrics`` (seed 003's accuracy example and a drift
rule, with their thresholds and ``for`` as options); `grafana` a dashboard over the same series
and its provisioning files. `register` adds the group to the app."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer

from driftscope._shorten import shown
from driftscope.cli._options import _check_choice, _check_outputs, _number, exit_codes_help

__all__ = ["register"]

EXPORT_EPILOG = exit_codes_help(" (the file is written)", "never: nothing is judged")

export_app = typer.Typer(
    help="Write files for Prometheus and Grafana.", no_args_is_help=True, epilog=EXPORT_EPILOG
)

_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)?")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, None: 1.0}


def _seconds(text: str, option: str) -> float:
    """A duration as Prometheus writes one (``1h``, ``30m``, ``90s``) or plain seconds."""
    match = _DURATION.fullmatch(text.strip())
    if match is None:
        raise typer.BadParameter(
            f"{shown(text)} is not a duration; expected seconds or a number with ms, s, m, h "
            "or d (1h, 30m)",
            param_hint=option,
        )
    return float(match.group(1)) * _UNITS[match.group(2)]


def _ratio(text: str, option: str) -> float:
    value = _number(text, option)
    if not 0 <= value <= 1:
        raise typer.BadParameter(f"{shown(text)} is not in [0, 1]", param_hint=option)
    return value


@export_app.command("prometheus-rules", epilog=EXPORT_EPILOG)
def prometheus_rules(
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="The rule file to write (default: standard output)."),
    ] = None,
    accuracy_below: Annotated[
        str, typer.Option("--accuracy-below", help="Alert when a version's accuracy is below.")
    ] = "0.9",
    drift_share_at_least: Annotated[
        str,
        typer.Option(
            "--drift-share-at-least", help="Alert when this share of features drifted (0-1)."
        ),
    ] = "0.5",
    for_: Annotated[
        str,
        typer.Option(
            "--for", help="How long a condition must hold before its alert fires (1h, 30m, 90s)."
        ),
    ] = "1h",
    model: Annotated[
        str | None, typer.Option("--model", help="Only this model's series (default: every model).")
    ] = None,
    alias: Annotated[
        str | None,
        typer.Option(
            "--alias",
            help="Only the versions this alias points at, e.g. production (default: every "
            "version, a retired one included).",
        ),
    ] = None,
) -> None:
    """Write Prometheus alert rules for the service's /metrics: a version's accuracy below a
    threshold, and its share of drifted features at or above one, each for a set time. Load the
    file with Prometheus' rule_files; check it with `promtool check rules`."""
    from dataclasses import replace

    from driftscope.integrations.prometheus import DEFAULT_RULES, rule_file
    from driftscope.report._report import write_atomic

    _check_outputs({"--output": output}, [])
    # The service's aliases (server.services.registry.ALIASES; the command needs no server).
    _check_choice(alias, ("production", "staging"), "--alias")
    seconds = _seconds(for_, "--for")
    accuracy, drift = DEFAULT_RULES
    specs = [
        replace(
            accuracy,
            threshold=_ratio(accuracy_below, "--accuracy-below"),
            for_seconds=seconds,
            model=model,
            alias=alias,
        ),
        replace(
            drift,
            threshold=_ratio(drift_share_at_least, "--drift-share-at-least"),
            for_seconds=seconds,
            model=model,
            alias=alias,
        ),
    ]
    text = rule_file(specs)
    if output is None:
        typer.echo(text, nl=False)
        return
    write_atomic(output, text)
    typer.echo(f"wrote {len(specs)} rules to {output}", err=True)


@export_app.command("grafana", epilog=EXPORT_EPILOG)
def grafana(
    folder: Annotated[
        Path, typer.Argument(help="The folder to write the dashboard and provisioning files in.")
    ],
    prometheus_url: Annotated[
        str, typer.Option("--prometheus-url", help="Prometheus as Grafana reaches it.")
    ] = "http://127.0.0.1:9090",
    dashboards_path: Annotated[
        str | None,
        typer.Option(
            "--dashboards-path",
            help="Where Grafana will read the dashboard from (default: FOLDER, absolute).",
        ),
    ] = None,
) -> None:
    """Write a Grafana dashboard over the service's Prometheus series
    (driftscope-dashboard.json: id null, a ${datasource} variable, so it provisions and
    imports as is) and the provisioning files that load it and a Prometheus data source
    (driftscope-dashboards.yml for provisioning/dashboards/, driftscope-datasource.yml for
    provisioning/datasources/)."""
    import json

    from driftscope.integrations.grafana import dashboard, dashboard_provider, datasource
    from driftscope.report._report import write_all

    if not prometheus_url.startswith(("http://", "https://")):
        raise typer.BadParameter(
            f"{shown(prometheus_url)} is not an http:// or https:// URL",
            param_hint="--prometheus-url",
        )
    if folder.exists() and not folder.is_dir():
        raise typer.BadParameter(f"{shown(str(folder))} is not a folder", param_hint="FOLDER")
    folder.mkdir(parents=True, exist_ok=True)
    files = [
        (folder / "driftscope-dashboard.json", json.dumps(dashboard(), indent=2) + "\n"),
        (
            folder / "driftscope-dashboards.yml",
            dashboard_provider(dashboards_path or str(folder.resolve())),
        ),
        (folder / "driftscope-datasource.yml", datasource(prometheus_url)),
    ]
    write_all(files)
    for path, _ in files:
        typer.echo(f"wrote {path}", err=True)


def register(app: typer.Typer) -> None:
    app.add_typer(export_app, name="export")
