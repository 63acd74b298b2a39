"""Terminal output of an explanation (`driftscope explain`, and the explanations of
`driftscope report --model`): the features by importance on both sides, the bounds, the worst
row; and of a text classifier's (`driftscope text explain`, `driftscope text drift --model`):
the words by importance on both sides, those whose importance rose most, the bounds, one text
with its strongest words."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

__all__ = ["render_explanation", "render_text_explanation"]


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
            row += _other_side(item, "current")
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


def _other_side(item: Mapping[str, Any], side: str) -> list[Any]:
    """An importance row's cells for its second side: the value, its rank, and the change (red
    when the importance rose)."""
    change = item["change"]
    style = "red" if isinstance(change, float) and change > 0 else ""
    return [
        _number(item[side]),
        str(item[f"{side}_rank"] or "-"),
        Text(_signed(change), style=style),
    ]


def _text_bounds(bounds: Mapping[str, Any]) -> str:
    parts = [f"{bounds['current_texts']:,} of {bounds['current_total']:,} texts"]
    if bounds["reference_total"]:
        parts.append(
            f"{bounds['reference_texts']:,} of {bounds['reference_total']:,} reference texts"
        )
    parts.append(f"at most {bounds['samples_per_text']:,} model calls per text")
    if bounds["features_per_text"] is not None:
        parts.append(f"the {bounds['features_per_text']:,} strongest words of each text")
    return "explained " + ", ".join(parts)


def _ranked(importance: list[Mapping[str, Any]], side: str, n: int) -> list[str]:
    """The ``n`` words of ``side`` by rank (1 first)."""
    ranked = sorted(
        (i for i in importance if i[f"{side}_rank"] is not None), key=lambda i: i[f"{side}_rank"]
    )
    return [str(i["token"]) for i in ranked[:n]]


def render_text_explanation(explanation: Mapping[str, Any], max_tokens: int = 15) -> RenderableType:
    """Render `TextExplanation.to_dict()`: the top words of each side, the words whose
    importance rose most, the bounds, and the first explained text's strongest words."""
    head = Text()
    head.append("EXPLANATIONS", style="bold")
    explained = explanation["explained_class"]
    head.append(
        f"  {explanation['explainer']} on {explanation['model']} (text); explained: "
        + (
            f"probability of class {explained!r}"
            if explained is not None
            else "each text's predicted class"
        )
    )
    bounds = explanation["bounds"]
    has_reference = bool(bounds["reference_total"])
    parts: list[RenderableType] = [head, Text("bounds: " + _text_bounds(bounds), style="dim")]
    importance = list(explanation["importance"])
    shown = sorted(importance, key=lambda i: (i["current_rank"] is None, i["current_rank"] or 0))
    table = Table(title="Word importance (mean |weight|)", title_justify="left")
    table.add_column("word", overflow="fold")
    table.add_column("current", justify="right")
    table.add_column("rank", justify="right")
    table.add_column("texts", justify="right")
    if has_reference:
        table.add_column("reference", justify="right")
        table.add_column("rank", justify="right")
        table.add_column("change", justify="right")
    for item in shown[:max_tokens]:
        row: list[Any] = [
            item["token"],
            _number(item["current"]),
            str(item["current_rank"] or "-"),
            str(item["current_texts"]),
        ]
        if has_reference:
            row += _other_side(item, "reference")
        table.add_row(*row)
    if len(shown) > max_tokens:
        table.caption = f"... and {len(shown) - max_tokens} more words"
    parts.append(table)
    parts.append(Text("top words on current: " + ", ".join(_ranked(importance, "current", 5))))
    if has_reference:
        parts.append(
            Text("top words on reference: " + ", ".join(_ranked(importance, "reference", 5)))
        )
        rose = [
            f"{i['token']} ({_signed(i['change'])})"
            for i in importance
            if isinstance(i["change"], int | float) and i["change"] > 0
        ][:5]
        parts.append(Text("rose most: " + (", ".join(rose) if rose else "no word"), style="red"))
    if explanation["texts"]:
        first = explanation["texts"][0]
        words = ", ".join(f"{w['token']} ({_signed(w['weight'])})" for w in first["weights"][:5])
        parts.append(
            Text(
                f"current text {first['index']}: {first['explained_class']} "
                f"{_number(first['probability'])} (predicted {first['predicted_class']}); "
                f"strongest words: {words or 'none'}"
            )
        )
    if explanation["additivity"] is not None:
        parts.append(
            Text(
                f"additivity: base value + weights = probability within "
                f"{explanation['additivity']:.1e}",
                style="dim",
            )
        )
    for warning in explanation["warnings"]:
        parts.append(Text(f"- {warning}", style="yellow"))
    return Group(*parts)
