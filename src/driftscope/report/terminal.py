"""A compact terminal summary: the verdict, the drifted columns, and the warnings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

__all__ = ["render_terminal"]

_MAX_ROWS = 25
# Short labels so the table fits an 80-column terminal; the legend is printed below it.
_SHORT = {
    "wasserstein_normed": "W/sd",
    "cramers_v": "V",
    "distribution": "dist",
    "missing_share": "missing",
    "unseen_categories": "unseen",
}


def _num(value: Any, digits: int = 3) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        if value != 0 and abs(value) < 10 ** (-digits):
            return f"{value:.1e}"
        return f"{value:.{digits}f}"
    return str(value)


def render_terminal(report: Mapping[str, Any], max_rows: int = _MAX_ROWS) -> RenderableType:
    """Build the rich renderable for a report dict (as returned by `Report.to_dict`)."""
    dataset = report["dataset"]
    meta = report["metadata"]
    drifted = dataset["drifted"]
    verdict = Text()
    verdict.append(
        "DATASET DRIFT" if drifted else "NO DATASET DRIFT",
        style="bold red" if drifted else "bold green",
    )
    verdict.append(
        f"  {dataset['n_drifted']} of {dataset['n_columns']} columns drifted "
        f"({dataset['drift_share']:.0%}; threshold {dataset['drift_share_threshold']:.0%}"
        + (f", {dataset['correction']} correction" if dataset["correction"] else "")
        + ")"
    )
    for mv in report.get("multivariate", []):
        verdict.append(
            f"\n{mv['method']}: statistic {_num(mv['statistic'])}, p = {_num(mv['p_value'])}"
            + (" (drift)" if mv["drifted"] else "")
        )
    verdict.append(
        f"\nreference {meta['reference']} ({meta['n_reference_rows']:,} rows) vs "
        f"current {meta['current']} ({meta['n_current_rows']:,} rows)",
        style="dim",
    )
    parts: list[RenderableType] = [Panel(verdict, title="driftscope", expand=False)]

    drifted_cols = [c for c in report["columns"] if c["drifted"]]
    drifted_cols.sort(key=lambda c: -(c["effect_size"] or 0.0))
    if drifted_cols:
        table = Table(title="Drifted columns", title_justify="left")
        for header, justify in (
            ("column", "left"),
            ("method", "left"),
            ("statistic", "right"),
            ("p-value", "right"),
            ("effect", "right"),
            ("signals", "left"),
        ):
            table.add_column(header, justify=justify, overflow="fold")  # type: ignore[arg-type]
        for col in drifted_cols[:max_rows]:
            effect = _num(col["effect_size"])
            if col["effect_size_method"]:
                effect += f" {_SHORT.get(col['effect_size_method'], col['effect_size_method'])}"
            table.add_row(
                col["name"],
                col["method"],
                _num(col["statistic"]),
                _num(col["p_value"]),
                effect,
                ", ".join(_SHORT.get(s, s) for s in col["signals"]),
            )
        table.caption = "effect: W/sd = Wasserstein in reference sd, V = Cramér's V"
        if len(drifted_cols) > max_rows:
            table.caption += f"; ... and {len(drifted_cols) - max_rows} more"
        parts.append(table)
    warnings = report.get("warnings", [])
    if warnings:
        text = Text("Warnings\n", style="bold yellow")
        for w in warnings:
            text.append(f"- {w}\n")
        parts.append(text)
    return Group(*parts)
