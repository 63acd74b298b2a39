"""Terminal output of a feedback analysis (`driftscope feedback`): the headline, the windows
with their negative share, interval, coverage, error rate and status, the classes and segments
with the most negative feedback, the comparison with the errors, and the words of negative
comments."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

__all__ = ["render_feedback"]

_STYLES = {"alert": "bold red", "warning": "yellow", "ok": "green", "skipped": "dim"}


def _share(value: object) -> str:
    return "-" if not isinstance(value, int | float) else f"{value:.1%}"


def _interval(low: object, high: object) -> str:
    if not isinstance(low, int | float) or not isinstance(high, int | float):
        return "-"
    return f"{low:.1%}-{high:.1%}"


def _p(value: object) -> str:
    return "-" if not isinstance(value, int | float) else f"{value:.2g}"


def _segments(title: str, rows: Sequence[Mapping[str, Any]]) -> Table:
    table = Table(title=title, title_justify="left", show_edge=False)
    for name in ("column", "segment", "rated", "neg.", "CI", "lift", "p"):
        table.add_column(
            name,
            justify="right" if name not in ("column", "segment") else "left",
            no_wrap=name == "CI",
        )
    for s in rows:
        lift = s["lift"]
        table.add_row(
            s["column"],
            s["segment"],
            f"{s['n_feedback']:,}",
            _share(s["negative_share"]),
            _interval(s["ci_low"], s["ci_high"]),
            "-" if lift is None else f"{lift:.2f}x",
            Text(_p(s["p_value"]), style="bold red" if s["significant"] else ""),
        )
    return table


def render_feedback(result: Mapping[str, Any], max_windows: int = 60) -> RenderableType:
    """Render `FeedbackResult.to_dict()`."""
    head = Text()
    head.append("FEEDBACK", style="bold")
    head.append(f"  {result['summary']}")
    parts: list[RenderableType] = [head]
    if result["coverage"] is not None:
        parts.append(
            Text(
                f"{result['n_feedback']:,} of {result['n_predictions']:,} predictions rated "
                f"(coverage {_share(result['coverage'])}); windows: {result['windows_by']}; "
                f"baseline: {result['baseline']}",
                style="dim",
            )
        )
    else:
        parts.append(
            Text(f"windows: {result['windows_by']}; baseline: {result['baseline']}", style="dim")
        )
    windows = result["windows"]
    with_errors = any(w["error_rate"] is not None for w in windows)
    with_coverage = any(w["coverage"] is not None for w in windows)
    table = Table(show_edge=False)
    table.add_column("window")
    table.add_column("rated", justify="right")
    table.add_column("neg.", justify="right")
    table.add_column(f"{result['confidence']:.0%} CI", justify="right", no_wrap=True)
    if with_coverage:
        table.add_column("cover", justify="right")
    if with_errors:
        table.add_column("errors", justify="right")
    table.add_column("base", justify="right")
    table.add_column("p", justify="right")
    table.add_column("status")
    for w in windows[:max_windows]:
        row = [
            w["label"],
            f"{w['n_feedback']:,}",
            _share(w["negative_share"]),
            _interval(w["ci_low"], w["ci_high"]),
        ]
        if with_coverage:
            row.append(_share(w["coverage"]))
        if with_errors:
            row.append(_share(w["error_rate"]))
        row += [_share(w["baseline_share"]), _p(w["p_value"])]
        table.add_row(*row, Text(w["status"], style=_STYLES.get(w["status"], "")))
    parts.append(table)
    parts.append(Text(f"rule: {result['rule']}", style="dim"))
    if len(windows) > max_windows:
        parts.append(Text(f"... {len(windows) - max_windows} more windows in the JSON", "dim"))
    if result["by_class"]:
        parts.append(_segments("By predicted class", result["by_class"]))
    if result["segments"]:
        parts.append(_segments("Segments with the most negative feedback", result["segments"]))
    proxy = result["proxy"]
    if proxy is not None:
        parts.append(Text("Feedback and errors: ", style="bold") + Text(proxy["summary"]))
    if result["negative_words"]:
        words = ", ".join(f"{w['word']} ({w['count']})" for w in result["negative_words"])
        parts.append(Text("Words in negative comments: ", style="bold") + Text(words))
    for warning in result["warnings"]:
        parts.append(Text("warning: ", style="yellow") + Text(warning))
    return Group(*parts)
