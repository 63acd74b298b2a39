"""Terminal output of a performance estimate (`driftscope estimate`): the headline, the method
and calibration, a table of windows (estimate, band, realised value, status) for the primary
metric and the others, the checks against realised values, and the assumption."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

__all__ = ["render_estimate"]

_STYLES = {"alert": "bold red", "warning": "yellow", "ok": "green", "skipped": "dim"}


def _number(value: object) -> str:
    return "-" if not isinstance(value, int | float) else f"{value:.4f}"


def _window_row(window: Mapping[str, Any], names: list[str]) -> list[RenderableType]:
    cells: list[RenderableType] = [str(window["label"]), f"{window['n_rows']:,}"]
    for name in names:
        m = window["metrics"].get(name)
        if m is None:
            cells.append("-")
            continue
        text = f"{_number(m['estimate'])} [{_number(m['low'])}, {_number(m['high'])}]"
        if m.get("realised") is not None:
            mark = "" if m.get("within_band") in (None, True) else " !"
            text += f"\nrealised {_number(m['realised'])}{mark}"
        cells.append(text)
    status = str(window["status"])
    cells.append(Text(status, style=_STYLES.get(status, "")))
    return cells


def render_estimate(data: Mapping[str, Any], max_metrics: int = 3) -> RenderableType:
    """The estimate's dict (`PerformanceEstimate.to_dict`) as Rich renderables: the primary
    metric first, then up to ``max_metrics`` - 1 others."""
    names = [data["primary"], *(m for m in data["metrics"] if m != data["primary"])]
    names = names[:max_metrics]
    labels = {name: data["reference"]["metrics"][name]["label"] for name in names}
    table = Table(show_edge=False)
    table.add_column("window")
    table.add_column("rows", justify="right")
    for name in names:
        table.add_column(f"{labels[name]}\nestimate [band]", justify="right")
    table.add_column("status")
    table.add_row(*_window_row(data["reference"], names), end_section=True)
    # Without windows (a monitoring report's default), current is judged as a whole.
    for window in data["windows"] or [data["overall"]]:
        table.add_row(*_window_row(window, names))
    calibration = data.get("calibration")
    method = (
        "confidence-based (CBPE)" if data["method"] == "cbpe" else "direct loss estimation (DLE)"
    )
    lines: list[RenderableType] = [
        Text(data["headline"], style="bold"),
        Text(f"Method: {method}, {data['confidence']:.0%} bands."),
    ]
    if calibration is not None:
        lines.append(Text(f"Calibration: {calibration['reason']}."))
    lines.append(table)
    lines += [Text(check["message"]) for check in data["checks"]]
    lines.append(Text(data["assumption"], style="dim"))
    lines += [Text(f"warning: {w}", style="yellow") for w in data["warnings"]]
    return Group(*lines)
