"""Terminal output of an explanation (`driftscope explain`, and the explanations of
`driftscope report --model`): the features by importance on both sides, the bounds, the worst
row."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

__all__ = ["render_explanation"]


def _number(value: object) -> str:
    return "-" if not isinstance(value, int | float) else f"{value:.4g}"


def _signed(value: object) -> str:
    return "-" if not isinstance(value, int | float) else f"{value:+.4g}"


def render_explanation(explanation: Mapping[str, Any], max_features: int = 15) -> RenderableType:
    """Render `Explanation.to_dict()`."""
    head = Text()
    head.append("EXPLANATIONS", style="bold")
    head.append(
        f"  {explanation['explainer']} explainer on {explanation['model']}; "
        f"explained: {', '.join(explanation['outputs'])}"
    )
    bounds = explanation["bounds"]
    sides = [f"{bounds['reference_rows']:,} of {bounds['reference_total']:,} reference rows"]
    if bounds["current_total"]:
        sides.append(f"{bounds['current_rows']:,} of {bounds['current_total']:,} current rows")
    sides.append(f"background {bounds['background_rows']:,} rows")
    if bounds["evaluations_per_row"] is not None:
        sides.append(f"{bounds['evaluations_per_row']:,} evaluations per row")
    parts: list[RenderableType] = [head, Text("bounds: " + ", ".join(sides), style="dim")]
    has_current = bool(bounds["current_total"])
    table = Table(title="Importance (mean |attribution|)", title_justify="left")
    table.add_column("feature", overflow="fold")
    table.add_column("reference", justify="right")
    table.add_column("rank", justify="right")
    if has_current:
        table.add_column("current", justify="right")
        table.add_column("rank", justify="right")
        table.add_column("change", justify="right")
    importance = explanation["importance"]
    for item in importance[:max_features]:
        row = [item["feature"], _number(item["reference"]), str(item["reference_rank"] or "-")]
        if has_current:
            change = item["change"]
            style = "red" if isinstance(change, float) and change > 0 else ""
            row += [
                _number(item["current"]),
                str(item["current_rank"] or "-"),
                Text(_signed(change), style=style),
            ]
        table.add_row(*row)
    if len(importance) > max_features:
        table.caption = f"... and {len(importance) - max_features} more features"
    parts.append(table)
    if explanation["rows"]:
        row = explanation["rows"][0]
        top = ", ".join(
            f"{c['feature']}={c['value']} ({_signed(c['contribution'])})"
            for c in row["contributions"][:4]
        )
        loss = "" if row["loss"] is None else f", loss {_number(row['loss'])}"
        parts.append(
            Text(
                f"worst {row['side']} row {row['row']}: predicted {row['prediction']}, "
                f"actual {row['actual']}{loss}; {row['output']} {_number(row['value'])} from "
                f"base {_number(row['base_value'])}: {top}"
            )
        )
    if explanation["additivity"] is not None:
        parts.append(
            Text(
                f"additivity: base value + attributions = output within "
                f"{explanation['additivity']:.1e}",
                style="dim",
            )
        )
    for warning in explanation["warnings"]:
        parts.append(Text(f"- {warning}", style="yellow"))
    return Group(*parts)
