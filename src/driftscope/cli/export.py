"""`driftscope export`: files for the platforms a team already runs. `prometheus-rules` writes
Prometheus alert rules over the service's ``/metrics`` (seed 003's accuracy example and a drift
rule, with their thresholds and ``for`` as options); `grafana` a dashboard over the same series
and its provisioning files. `register` adds the group to the app."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from driftscope._shorten import shown
from driftscope.cli._options import (
    TokenOption,
    Url,
    _check_choice,
    _check_outputs,
    _number,
    exit_codes_help,
)

if TYPE_CHECKING:
    from driftscope.client import Client

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
    from_service: Annotated[
        bool,
        typer.Option(
            "--from-service",
            help="Map the service's stored alert rules (--url, --token; --model for one "
            "model's) instead of writing the template; rules /metrics cannot express are "
            "listed as skipped, in the file and on stderr.",
        ),
    ] = False,
    url: Url = None,
    token: TokenOption = None,
) -> None:
    """Write Prometheus alert rules for the service's /metrics: a version's accuracy below a
    threshold, and its share of drifted features at or above one, each for a set time; or, with
    --from-service, the service's own alert rules. Load the file with Prometheus' rule_files;
    check it with `promtool check rules`."""
    from dataclasses import replace

    from driftscope.integrations.prometheus import DEFAULT_RULES, rule_file

    _check_outputs({"--output": output}, [])
    template = {
        "--accuracy-below": (accuracy_below, "0.9"),
        "--drift-share-at-least": (drift_share_at_least, "0.5"),
        "--for": (for_, "1h"),
        "--alias": (alias, None),
    }
    if from_service:
        for option, (given, default) in template.items():
            if given != default:
                raise typer.BadParameter(
                    "sets the template's rules; --from-service maps the service's rules as they "
                    "are",
                    param_hint=option,
                )
        _write(output, _service_rules(url, token, model))
        return
    if url is not None or token is not None:
        which = "--url" if url is not None else "--token"
        raise typer.BadParameter("reads the service's rules: add --from-service", param_hint=which)
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
    _write(output, (rule_file(specs), len(specs)))


def _write(output: Path | None, file: tuple[str, int]) -> None:
    """The rule file on standard output, or written atomically to ``output``."""
    from driftscope.report._report import write_atomic

    text, count = file
    if output is None:
        typer.echo(text, nl=False)
        return
    write_atomic(output, text)
    typer.echo(f"wrote {count} rules to {output}", err=True)


def _service_rules(url: str | None, token: str | None, model: str | None) -> tuple[str, int]:
    """The service's stored rules (one model's, or every model's) as a rule file, and how many
    rules it holds; each skipped rule is also said on stderr."""
    from driftscope.client import Client
    from driftscope.integrations.service_rules import ServiceRule, map_rules, service_rule_file

    fields = set(ServiceRule.__dataclass_fields__) - {"model"}
    stored: list[ServiceRule] = []
    with Client(url, token) as client:
        names = [model] if model is not None else _model_names(client)
        for name in names:
            for rule in client.alert_rules(name):
                values = {key: getattr(rule, key) for key in fields}
                stored.append(ServiceRule(model=name, **values))
    specs, skipped = map_rules(stored)
    for skip in skipped:
        typer.echo(skip, err=True)
    return service_rule_file(specs, skipped), len(specs)


def _model_names(client: Client) -> list[str]:
    """Every model's name, a page at a time."""
    names: list[str] = []
    while True:
        page = client.models(offset=len(names), limit=100)
        names += [found.name for found in page.items]
        if not page.items or len(names) >= page.total:
            return names


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
