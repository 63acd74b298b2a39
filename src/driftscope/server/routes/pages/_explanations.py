"""What drives a model, as the app's model and run pages show it: the top features of a run's
explanations section (importance on the baseline and on the run, the change), the explainer
and what it was bounded to, in words; or why there is nothing to show."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from driftscope.analyses.explanation import ExplainBounds, FeatureImportance

__all__ = ["Drivers", "drivers"]

#: Features shown on a page; the report has them all.
TOP = 5


@dataclass(frozen=True)
class Drivers:
    """A run's explanations for a page: ``features`` the most important first (on the run, else
    the baseline), ``explainer``/``model``/``outputs`` what made them of what, ``bounds`` in
    words, ``error`` why the model could not be explained, ``images`` an image classifier's
    explanations in words (its overlays are in the report)."""

    explainer: str | None
    model: str | None
    outputs: tuple[str, ...]
    features: tuple[FeatureImportance, ...]
    total: int
    bounds: str | None
    warnings: tuple[str, ...]
    error: str | None
    images: str | None = None


def drivers(section: dict[str, Any]) -> Drivers:
    """The page's view of a report's ``explanations`` section (docs/report-schema.md).

    >>> section = {"explanation": None, "error": "The model could not be loaded."}
    >>> drivers(section).error
    'The model could not be loaded.'
    """
    explanation = section.get("explanation")
    images = section.get("images")
    if explanation is None and images is not None:
        return Drivers(None, None, (), (), 0, None, (), None, images=_images_words(images))
    if explanation is None:
        return Drivers(None, None, (), (), 0, None, (), str(section.get("error") or "unknown"))
    rows = tuple(FeatureImportance(**item) for item in explanation.get("importance", []))
    bounds = explanation.get("bounds")
    return Drivers(
        explainer=str(explanation.get("explainer")),
        model=str(explanation.get("model")),
        outputs=tuple(str(o) for o in explanation.get("outputs", [])),
        features=rows[:TOP],
        total=len(rows),
        bounds=None if bounds is None else ExplainBounds(**bounds).describe(),
        warnings=tuple(str(w) for w in explanation.get("warnings", [])),
        error=None,
    )


def _images_words(images: dict[str, Any]) -> str:
    """An image explanation in one sentence.

    >>> bounds = {"images": 4, "images_total": 40, "unreadable": 0}
    >>> _images_words({"explainer": "partition", "model": "m.onnx", "bounds": bounds,
    ...                "reference": {"bounds": bounds}})
    'partition explainer on m.onnx: 4 of 40 run images and 4 of 40 baseline images explained'
    """
    sides = [(images, "run"), (images.get("reference"), "baseline")]
    counts = " and ".join(
        f"{side['bounds']['images']:,} of {side['bounds']['images_total']:,} {name} images"
        for side, name in sides
        if side is not None
    )
    return f"{images.get('explainer')} explainer on {images.get('model')}: {counts} explained"
