"""Terminal output of `driftscope quality`: the checks that are not ok, worst first."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from driftscope.analyses.status import Status

__all__ = ["render_quality"]

_STYLE = {"alert": "bold red", "warning": "yellow", "ok": "green"}
# Worst first.
_RANK = {status: -status.rank for status in Status}


def render_quality(data: Mapping[str, Any], max_rows: int = 30) -> RenderableType:
    """Render the dict returned by `driftscope.workflows.quality.quality_report`."""
    quality = data["quality"]
    head = Text()
    head.append(f"DATA QUALITY: {quality['status'].upper()}", style=_STYLE[quality["status"]])
    head.append(
        f"  {quality['n_alerts']} alert(s), {quality['n_warnings']} warning(s); "
        f"current {data['current']} ({quality['n_current_rows']:,} rows) vs reference "
        f"{data['reference']} ({quality['n_reference_rows']:,} rows)"
    )
    parts: list[RenderableType] = [head]
    flagged = sorted(
        (c for c in quality["checks"] if c["status"] != "ok"), key=lambda c: _RANK[c["status"]]
    )
    if flagged:
        table = Table(show_lines=False)
        for header in ("status", "check", "column", "share", "message"):
            table.add_column(header, overflow="fold")
        for check in flagged[:max_rows]:
            table.add_row(
                Text(check["status"], style=_STYLE[check["status"]]),
                check["check"],
                check["column"] or "-",
                "-" if check["share"] is None else f"{check['share']:.2%}",
                check["message"],
            )
        if len(flagged) > max_rows:
            table.caption = f"... and {len(flagged) - max_rows} more"
        parts.append(table)
    for warning in data.get("warnings", []):
        parts.append(Text(f"- {warning}", style="yellow"))
    return Group(*parts)
