"""What drives a model, as the app's model and run pages show it: the top features of a run's
explanations section (importance on the baseline and on the run, the change), or a text
classifier's top words, the explainer and what it was bounded to, in words; or why there is
nothing to show."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from driftscope.analyses.explanation import ExplainBounds, FeatureImportance
from driftscope.analyses.text_explanation import TextExplainBounds

__all__ = ["Drivers", "drivers"]

#: Features shown on a page; the report has them all.
TOP = 5


@dataclass(frozen=True)
class Drivers:
    """A run's explanations for a page: ``features`` the most important first (on the run, else
    the baseline), ``explainer``/``model``/``outputs`` what made them of what, ``bounds`` in
    words, ``error`` why the model could not be explained, ``images`` an image classifier's
    explanations in words (its overlays are in the report); ``unit`` names what ``features``
    are (a text classifier's are words)."""

    explainer: str | None
    model: str | None
    outputs: tuple[str, ...]
    features: tuple[FeatureImportance, ...]
    total: int
    bounds: str | None
    warnings: tuple[str, ...]
    error: str | None
    images: str | None = None
    unit: str = "features"


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
    text = section.get("text")
    if explanation is None and text is not None:
        return _words(text)
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


def _words(text: dict[str, Any]) -> Drivers:
    """A text classifier's top words on the run (docs/report-schema.md, text_explanation), as
    features.

    >>> item = {"token": "refund", "reference": 0.1, "current": 0.4, "change": 0.3,
    ...         "reference_texts": 3, "current_texts": 9, "reference_rank": 2, "current_rank": 1}
    >>> bounds = {"current_texts": 9, "current_total": 9, "reference_texts": 9,
    ...           "reference_total": 9, "samples_per_text": 100, "features_per_text": 10}
    >>> shown = _words({"explainer": "lime", "model": "m", "explained_class": None,
    ...                 "importance": [item], "bounds": bounds, "warnings": []})
    >>> shown.features[0].feature, shown.unit, shown.outputs
    ('refund', 'words', ("each text's predicted class",))
    """
    items = text.get("importance", [])
    ranked = sorted(items, key=lambda i: (i["current_rank"] is None, i["current_rank"] or 0))
    rows = tuple(
        FeatureImportance(
            i["token"],
            i["reference"],
            i["current"],
            i["change"],
            i["reference_rank"],
            i["current_rank"],
        )
        for i in ranked
    )
    explained = text.get("explained_class")
    bounds = text.get("bounds")
    return Drivers(
        explainer=str(text.get("explainer")),
        model=str(text.get("model")),
        outputs=(
            "each text's predicted class"
            if explained is None
            else f"the probability of class {explained!r}",
        ),
        features=rows[:TOP],
        total=len(rows),
        bounds=None if bounds is None else TextExplainBounds(**bounds).describe(),
        warnings=tuple(str(w) for w in text.get("warnings", [])),
        error=None,
        unit="words",
    )
