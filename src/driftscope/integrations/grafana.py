"""Grafana: a dashboard over the service's Prometheus series (`dashboard`), and the provisioning
files that load it and its data source from disk (`dashboard_provider`, `datasource`).

The dashboard is Grafana's raw JSON model, ready for provisioning and for import alike: ``id``
is null, its ``uid`` is fixed, and every panel names its data source through a ``${datasource}``
variable (a data-source picker of type Prometheus) instead of an exported ``__inputs`` entry or
a uid of the machine it was made on, the cause of the "datasource not found" errors users hit
when a dashboard moves between Grafanas.
"""

from __future__ import annotations

from typing import Any

import yaml

__all__ = ["DASHBOARD_UID", "dashboard", "dashboard_provider", "datasource", "panel_queries"]

DASHBOARD_UID = "driftscope"
_SOURCE = {"type": "prometheus", "uid": "${datasource}"}
_MODEL = 'model=~"$model"'


def _panel(
    title: str,
    kind: str,
    queries: list[tuple[str, str]],
    at: tuple[int, int, int, int],
    unit: str | None = None,
    description: str = "",
) -> dict[str, Any]:
    x, y, w, h = at
    defaults: dict[str, Any] = {}
    if unit is not None:
        defaults["unit"] = unit
    return {
        "type": kind,
        "title": title,
        "description": description,
        "datasource": _SOURCE,
        "gridPos": {"x": x, "y": y, "w": w, "h": h},
        "fieldConfig": {"defaults": defaults, "overrides": []},
        "options": {},
        "targets": [
            {
                "refId": chr(ord("A") + i),
                "datasource": _SOURCE,
                "expr": expr,
                "legendFormat": legend,
            }
            for i, (expr, legend) in enumerate(queries)
        ],
    }


def _variable(name: str, label: str, query: str) -> dict[str, Any]:
    return {
        "name": name,
        "label": label,
        "type": "query",
        "datasource": _SOURCE,
        "query": {"query": query, "refId": f"{name}-variable"},
        "definition": query,
        "includeAll": True,
        "allValue": ".*",
        "multi": True,
        "refresh": 2,
        "sort": 1,
        "current": {"selected": True, "text": ["All"], "value": ["$__all"]},
    }


def dashboard(title: str = "driftscope") -> dict[str, Any]:
    """The dashboard's JSON model: per model version the verdict, performance with its
    interval, drift share, the most drifted columns; per model rows and ingestion lag; the jobs
    and the alerts firing."""
    version = f'{_MODEL},version=~"$version"'
    panels = [
        _panel(
            "Verdict",
            "table",
            [(f"driftscope_verdict{{{version}}} == 1", "{{model}} v{{version}}: {{verdict}}")],
            (0, 0, 8, 8),
            description="The latest analysed run's verdict of each model version.",
        ),
        _panel(
            "Accuracy with its confidence interval",
            "timeseries",
            [
                (f"driftscope_model_accuracy{{{version}}}", "{{model}} v{{version}}"),
                (f"driftscope_model_accuracy_lower{{{version}}}", "{{model}} v{{version}} lower"),
                (f"driftscope_model_accuracy_upper{{{version}}}", "{{model}} v{{version}} upper"),
            ],
            (8, 0, 16, 8),
            unit="percentunit",
        ),
        _panel(
            "Drift share",
            "timeseries",
            [(f"driftscope_drift_share{{{version}}}", "{{model}} v{{version}}")],
            (0, 8, 12, 8),
            unit="percentunit",
            description="Share of features drifted in the latest analysed run.",
        ),
        _panel(
            "Most drifted columns",
            "table",
            [
                (
                    f"topk(20, driftscope_feature_drift_score{{{version}}} "
                    f"and on (model, version, feature) "
                    f"driftscope_feature_drifted{{{version}}} == 1)",
                    "{{model}} v{{version}} {{feature}} ({{method}})",
                )
            ],
            (12, 8, 12, 8),
            description="Drifted columns' test statistics (each on its method's scale).",
        ),
        _panel(
            "Rows ingested per hour",
            "timeseries",
            [(f"increase(driftscope_rows_ingested_total{{{_MODEL}}}[1h])", "{{model}}")],
            (0, 16, 8, 8),
            unit="short",
        ),
        _panel(
            "Ingestion lag",
            "timeseries",
            [(f"driftscope_ingestion_lag_seconds{{{_MODEL}}}", "{{model}}")],
            (8, 16, 8, 8),
            unit="s",
        ),
        _panel(
            "Jobs and alerts",
            "timeseries",
            [
                ("driftscope_jobs", "jobs {{status}}"),
                (f"driftscope_alerts_firing{{{_MODEL}}}", "alerts {{model}} {{severity}}"),
            ],
            (16, 16, 8, 8),
            unit="short",
        ),
    ]
    for number, panel in enumerate(panels, 1):
        panel["id"] = number
    return {
        "id": None,
        "uid": DASHBOARD_UID,
        "title": title,
        "tags": ["driftscope", "ml-monitoring"],
        "timezone": "browser",
        "editable": True,
        "schemaVersion": 39,
        "version": 1,
        "refresh": "1m",
        "time": {"from": "now-7d", "to": "now"},
        "annotations": {"list": []},
        "templating": {
            "list": [
                {
                    "name": "datasource",
                    "label": "Prometheus",
                    "type": "datasource",
                    "query": "prometheus",
                    "current": {},
                    "hide": 0,
                },
                _variable("model", "Model", "label_values(driftscope_drift_share, model)"),
                _variable(
                    "version",
                    "Version",
                    'label_values(driftscope_drift_share{model=~"$model"}, version)',
                ),
            ]
        },
        "panels": panels,
    }


def panel_queries(model: dict[str, Any]) -> list[str]:
    """Every PromQL query of a dashboard's panels."""
    return [target["expr"] for panel in model["panels"] for target in panel["targets"]]


def dashboard_provider(path: str, folder: str = "driftscope") -> str:
    """Grafana's dashboard provisioning file (``provisioning/dashboards/``): load the dashboards
    in ``path`` into ``folder``."""
    document = {
        "apiVersion": 1,
        "providers": [
            {
                "name": "driftscope",
                "folder": folder,
                "type": "file",
                "disableDeletion": False,
                "allowUiUpdates": False,
                "updateIntervalSeconds": 60,
                "options": {"path": path, "foldersFromFilesStructure": False},
            }
        ],
    }
    return yaml.safe_dump(document, sort_keys=False)


def datasource(url: str, name: str = "Prometheus") -> str:
    """Grafana's data-source provisioning file (``provisioning/datasources/``): Prometheus at
    ``url``, the default source (the dashboard's ``${datasource}`` picks it)."""
    document = {
        "apiVersion": 1,
        "datasources": [
            {"name": name, "type": "prometheus", "access": "proxy", "url": url, "isDefault": True}
        ],
    }
    return yaml.safe_dump(document, sort_keys=False)
