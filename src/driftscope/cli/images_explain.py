"""`driftscope images explain`: which pixels drive an image model's score, image by image
(SHAP's partition explainer or LIME, `driftscope.explain_images`). `register` adds it to the
`images` group."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from driftscope.cli._options import (
    AllowRoot,
    Html,
    Json,
    Quiet,
    Seed,
    _check_choice,
    _check_outputs,
    _input_size,
    exit_codes_help,
    write_explanation,
)

__all__ = ["register"]

METHODS = ("partition", "lime")
SEGMENTATIONS = ("slic", "grid")

IMAGES_EXPLAIN_EPILOG = """
\b
Examples:
  driftscope images explain classifier.onnx new_images/ --classes cat,dog -o explained.html
  driftscope images explain classifier.onnx new.csv --reference baseline.csv --max-images 10
  driftscope images explain classifier.onnx new_images/ --method lime --class dog --json e.json

IMAGES and --reference are a folder of images, one image, or a table (CSV, Parquet, JSON Lines)
whose `inputs` column (--column) lists image paths relative to the table's folder; a table's
files are read only under --allow-root (default: the table's folder and below).

""" + exit_codes_help(
    "", "never: nothing is judged", "a model that does not load or take the images, no image read"
)


def _class(value: str | None) -> int | str | None:
    """--class as an index when it is a number, else a class name."""
    if value is None:
        return None
    return int(value) if value.isdigit() else value


def images_explain(
    model: Annotated[
        str,
        typer.Argument(
            help="Model: an .onnx, .pt2 or TorchScript file, or 'package.module:callable'."
        ),
    ],
    images: Annotated[
        Path, typer.Argument(help="Images: a folder, an image, or a table with a column of paths.")
    ],
    reference: Annotated[
        Path | None,
        typer.Option(help="Reference images (same forms), explained the same way beside IMAGES."),
    ] = None,
    method: Annotated[
        str, typer.Option(help="partition (SHAP values) or lime (superpixel weights).")
    ] = "partition",
    class_: Annotated[
        str | None,
        typer.Option(
            "--class", help="Class explained, by index or name (default: each image's predicted)."
        ),
    ] = None,
    classes: Annotated[
        str | None, typer.Option(help="Class names in the model's output order, comma-separated.")
    ] = None,
    max_images: Annotated[
        int, typer.Option(min=1, help="Images explained per side (a seeded sample of the rest).")
    ] = 20,
    max_evals: Annotated[int, typer.Option(min=10, help="partition: model calls per image.")] = 500,
    num_samples: Annotated[
        int, typer.Option(min=10, help="lime: perturbed images per image.")
    ] = 1000,
    segments: Annotated[int, typer.Option(min=2, help="lime: about this many superpixels.")] = 50,
    segmentation: Annotated[
        str, typer.Option(help="lime: slic (follows edges) or grid (equal rectangles).")
    ] = "slic",
    column: Annotated[str, typer.Option(help="A table's column of image paths.")] = "inputs",
    allow_root: AllowRoot = None,
    model_output: Annotated[
        str | None, typer.Option(help="ONNX output to use (default: the first).")
    ] = None,
    input_size: Annotated[
        str | None, typer.Option(help="Model input size HxW (default: the model's, or 224x224).")
    ] = None,
    html_path: Html = None,
    json_path: Json = None,
    seed: Seed = 0,
    quiet: Quiet = False,
) -> None:
    """Explain which pixels of each image drive MODEL's score for a class (SHAP's partition
    explainer or LIME), on IMAGES and, when given, on --reference: per image the class
    explained, its score and the regions holding the most attribution, with the bounds used."""

    from driftscope.analyses.image_explanation import (
        OVERLAY_SIDE,
        ImageExplainSettings,
        explain_images,
    )
    from driftscope.report.image_explanation_terminal import render_image_explanation

    _check_choice(method, METHODS, "--method")
    _check_choice(segmentation, SEGMENTATIONS, "--segmentation")
    model_file = Path(model) if ":" not in model else None
    _check_outputs({"-o/--html": html_path, "--json": json_path}, [images, reference, model_file])
    result = explain_images(
        model,
        images,
        reference=reference,
        column=column,
        allow_roots=allow_root,
        classes=_class(class_),
        class_names=[c.strip() for c in classes.split(",")] if classes else None,
        input_size=_input_size(input_size),
        model_output=model_output,
        settings=ImageExplainSettings(
            method=method,
            max_images=max_images,
            max_evals=max_evals,
            num_samples=num_samples,
            segments=segments,
            segmentation=segmentation,
            seed=seed,
        ),
    )
    data = result.to_dict(overlay_side=OVERLAY_SIDE)

    def page() -> str:
        from driftscope.report.html import render_image_explanation_html

        return render_image_explanation_html(
            data, str(images), None if reference is None else str(reference)
        )

    write_explanation(
        data,
        html_path,
        json_path,
        quiet,
        page=page,
        summary=lambda: render_image_explanation(data),
    )


def register(images_app: typer.Typer) -> None:
    """Add `explain` to the `images` group."""
    images_app.command("explain", epilog=IMAGES_EXPLAIN_EPILOG)(images_explain)
