"""Terminal output of a model comparison (`driftscope compare-models`): the A/B test's metrics
and verdict, or the shadow comparison's agreement, divergence, segments and who was right.
Renders the result's `to_dict()`; computes nothing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

__all__ = ["render_comparison"]


def _number(value: object, spec: str = ".4g") -> str:
    return "-" if not isinstance(value, int | float) else format(value, spec)


def _p(value: object) -> str:
    if not isinstance(value, int | float):
        return "-"
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def _metrics_table(result: Mapping[str, Any]) -> Table:
    a, b = result["arms"]
    level = f"{result['confidence']:.0%} CI"
    table = Table(title=f"Metrics, B - A ({a} -> {b})", title_justify="left")
    for name, justify in (
        ("metric", "left"),
        ("A", "right"),
        ("B", "right"),
        ("B - A", "right"),
        (level, "right"),
        ("p", "right"),
        ("better", "left"),
        ("rows/arm", "right"),
    ):
        table.add_column(name, justify=justify, overflow="fold")  # type: ignore[arg-type]
    tests: dict[str, None] = {}
    for m in result["metrics"]:
        ci = (
            "-"
            if m["low"] is None or m["high"] is None
            else f"[{_number(m['low'], '.3g')}, {_number(m['high'], '.3g')}]"
        )
        better = m["better"] or ""
        style = "green" if better == "B" else "red" if better == "A" else ""
        label = m["label"] + (" *" if m["primary"] else "")
        needed = m["rows_needed_per_arm"]
        tests[m["test"]] = None
        table.add_row(
            label,
            _number(m["value_a"]),
            _number(m["value_b"]),
            _number(m["difference"], "+.3g"),
            ci,
            _p(m["p_value"]),
            Text(better, style=style),
            "-" if needed is None else f"{needed:,}",
        )
    table.caption = (
        "* primary metric (the verdict's); rows/arm: rows each arm needs to detect the minimum "
        f"effect; tests: {', '.join(t for t in tests if t != 'none')}"
    )
    return table


def _render_ab(result: Mapping[str, Any]) -> list[RenderableType]:
    head = Text()
    head.append("A/B TEST", style="bold")
    head.append(
        f"  {result['task']}, {result['design']}; A = {result['arms'][0]} "
        f"({result['n_labelled_a']:,} labelled rows), B = {result['arms'][1]} "
        f"({result['n_labelled_b']:,})"
    )
    parts: list[RenderableType] = [head, _metrics_table(result)]
    split = result["split"]
    if split is not None:
        style = "red" if split["unbalanced"] else "dim"
        parts.append(
            Text(
                f"split: B got {split['share_b']:.1%} of {split['n_a'] + split['n_b']:,} rows "
                f"({split['expected_share_b']:.0%} expected), binomial p = {_p(split['p_value'])}",
                style=style,
            )
        )
    if result["discordant"] is not None:
        only_a, only_b = result["discordant"]
        parts.append(Text(f"rows only A got right: {only_a:,}; only B: {only_b:,}", style="dim"))
    return parts


def _render_shadow(result: Mapping[str, Any]) -> list[RenderableType]:
    head = Text()
    head.append("SHADOW MODEL", style="bold")
    agreement = result["agreement"]
    head.append(
        f"  {result['task']}; production {result['production']!r}, candidate "
        f"{result['candidate']!r}, {result['n_rows']:,} rows; agreement "
        f"{agreement['rate']:.1%} [{agreement['low']:.1%}, {agreement['high']:.1%}]"
    )
    parts: list[RenderableType] = [head]
    if result["mean_abs_difference"] is not None:
        parts.append(
            Text(
                f"mean |production - candidate| {_number(result['mean_abs_difference'])}, "
                f"correlation {_number(result['correlation'], '.4f')}, agreement within "
                f"{_number(result['tolerance'])}",
                style="dim",
            )
        )
    divergence = Table(title="Divergence of the outputs", title_justify="left")
    for name in ("output", "test", "statistic", "p", "distance", "value"):
        divergence.add_column(name, overflow="fold")
    for d in result["divergence"]:
        divergence.add_row(
            d["output"],
            d["method"],
            _number(d["statistic"]),
            _p(d["p_value"]),
            d["distance_method"],
            _number(d["distance"]),
        )
    parts.append(divergence)
    if result["windows"]:
        windows = Table(title="Agreement over time", title_justify="left")
        for name in ("window", "rows", "agreement", "interval", "largest distance"):
            windows.add_column(name, overflow="fold")
        for w in result["windows"]:
            a = w["agreement"]
            distance = max((d["distance"] for d in w["divergence"]), default=None)
            windows.add_row(
                w["label"],
                f"{w['n_rows']:,}",
                "-" if a is None else f"{a['rate']:.1%}",
                "-" if a is None else f"[{a['low']:.1%}, {a['high']:.1%}]",
                "too small" if w["too_small"] else _number(distance),
            )
        parts.append(windows)
    if result["segments"]:
        segments = Table(title="Where they disagree most", title_justify="left")
        for name in ("feature", "segment", "rows", "disagreement", "interval", "lift"):
            segments.add_column(name, overflow="fold")
        for s in result["segments"]:
            segments.add_row(
                s["feature"],
                s["segment"],
                f"{s['n_rows']:,}",
                f"{s['disagreement']:.1%}",
                f"[{s['low']:.1%}, {s['high']:.1%}]",
                _number(s["lift"], ".2f"),
            )
        parts.append(segments)
    who = result["who_was_right"]
    if who is not None:
        parts.append(_metrics_table(who["comparison"]))
        if who["only_candidate"] is not None:
            parts.append(
                Text(
                    f"both right {who['both_right']:,}; only production {who['only_production']:,}"
                    f"; only candidate {who['only_candidate']:,}; neither {who['neither']:,}",
                    style="dim",
                )
            )
    return parts


def render_comparison(result: Mapping[str, Any]) -> RenderableType:
    """Render `ABTestResult.to_dict()` or `ShadowResult.to_dict()`."""
    parts = _render_ab(result) if result["kind"] == "ab_test" else _render_shadow(result)
    for warning in result["warnings"]:
        parts.append(Text(f"warning: {warning}", style="yellow"))
    parts.append(Text(result["verdict"], style="bold"))
    return Group(*parts)
