"""Terminal output of an image explanation (`driftscope images explain`, and the explanations of
`driftscope images model-drift --explain`): per image the class explained, its score and the
regions holding the most attribution; the bounds used."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

__all__ = ["render_image_explanation"]


def _regions(regions: Sequence[Mapping[str, Any]]) -> str:
    """``[left, top, right, bottom] share%`` of each region, largest first."""
    return "; ".join(
        f"[{', '.join(str(v) for v in r['box'])}] {100 * float(r['share']):.0f}%" for r in regions
    )


def _bounds(bounds: Mapping[str, Any], side: str) -> str:
    text = f"{bounds['images']:,} of {bounds['images_total']:,} {side} images"
    if bounds["unreadable"]:
        text += f" ({bounds['unreadable']:,} unreadable)"
    return text


def _side_table(explanation: Mapping[str, Any], side: str, max_images: int) -> Table:
    table = Table(title=f"{side} images", title_justify="left")
    table.add_column("image", overflow="fold")
    table.add_column("class explained", overflow="fold")
    table.add_column("score", justify="right")
    table.add_column("top regions [left, top, right, bottom] share", overflow="fold")
    images = explanation["images"]
    for image in images[:max_images]:
        table.add_row(
            image["source"],
            f"{image['class_name']} ({image['class_index']})",
            f"{image['score']:.4g}",
            _regions(image["regions"]) or "-",
        )
    if len(images) > max_images:
        table.caption = f"and {len(images) - max_images:,} more images"
    return table


def render_image_explanation(
    explanation: Mapping[str, Any], max_images: int = 20
) -> RenderableType:
    """Render `ImageExplanation.to_dict()`: the current images (and the reference's, when
    explained), at most ``max_images`` rows a side.

    >>> import io
    >>> from rich.console import Console
    >>> image = {"source": "cat.png", "class_name": "cat", "class_index": 0, "score": 0.9,
    ...          "regions": [{"box": [0, 0, 8, 8], "attribution": 0.4, "share": 0.5}]}
    >>> bounds = {"images": 1, "images_total": 3, "unreadable": 0,
    ...           "evaluations_per_image": 200, "segments": None}
    >>> data = {"explainer": "partition", "model": "m.onnx", "mask": "constant 0",
    ...         "images": [image], "bounds": bounds, "problems": [], "reference": None}
    >>> console = Console(width=100, record=True, file=io.StringIO())
    >>> console.print(render_image_explanation(data))
    >>> "[0, 0, 8, 8] 50%" in console.export_text()
    True
    """
    head = Text()
    head.append("IMAGE EXPLANATIONS", style="bold")
    explainer = "SHAP partition" if explanation["explainer"] == "partition" else "LIME"
    head.append(f"  {explainer} explainer on {explanation['model']}")
    reference = explanation.get("reference")
    bounds = explanation["bounds"]
    sides = [_bounds(bounds, "current")]
    if reference is not None:
        sides.append(_bounds(reference["bounds"], "reference"))
    sides.append(f"at most {bounds['evaluations_per_image']:,} model calls per image")
    if bounds["segments"] is not None:
        sides.append(f"about {bounds['segments']:,} superpixels each")
    parts: list[RenderableType] = [
        head,
        Text("bounds: explained " + ", ".join(sides), style="dim"),
        Text(f"hidden pixels: {explanation['mask']}", style="dim"),
        _side_table(explanation, "current", max_images),
    ]
    if reference is not None:
        parts.append(_side_table(reference, "reference", max_images))
    problems = [*explanation["problems"], *(reference or {}).get("problems", [])]
    if problems:
        shown = "; ".join(f"{p['path']}: {p['detail']}" for p in problems[:3])
        parts.append(Text(f"{len(problems):,} images not read: {shown}", style="yellow"))
    return Group(*parts)
