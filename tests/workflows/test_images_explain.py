"""`monitor_images(..., explain=N)`: an image classifier's explanations in the report, equal to
`explain_images` called directly, on the worst images first; the left-half model's top regions
lie in the left half; a failure is the section's error; HTML and terminal show them."""

from __future__ import annotations

import base64
import dataclasses
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from rich.console import Console
from tests.onnx_models import left_half_classifier

from driftscope import explain_images
from driftscope.analyses.image_explanation import OVERLAY_SIDE, ImageExplainSettings
from driftscope.models import load_model
from driftscope.report._validate import validate_report
from driftscope.report.html import render_html
from driftscope.workflows.images import monitor_images

SIZE = 16
NAMES = ["a", "b"]


def _scores(folder: Path, name: str, n: int, model: Path) -> np.ndarray:
    """The model's class scores on a set's images, read as monitor_images reads them."""
    small = []
    for i in range(n):
        with Image.open(folder / name / f"{i}.png") as image:
            resized = image.resize((SIZE, SIZE), Image.Resampling.BILINEAR)
            small.append(np.asarray(resized, dtype=np.float32) / 255)
    return np.asarray(load_model(model)(np.stack(small)[:, None]), dtype=np.float64)


def labelled_set(folder: Path, name: str, n: int, seed: int, model: Path, flip: list[int]) -> Path:
    """``n`` grey noise images (32 x 32: twice the model's size) in ``name``.csv, labelled with
    the model's own prediction except at the rows in ``flip``, which it gets wrong."""
    rng = np.random.default_rng(seed)
    (folder / name).mkdir(parents=True, exist_ok=True)
    pixels = rng.random((n, 2 * SIZE, 2 * SIZE))
    rows = []
    for i in range(n):
        Image.fromarray(np.rint(pixels[i] * 255).astype(np.uint8), mode="L").save(
            folder / name / f"{i}.png"
        )
        rows.append({"inputs": f"{name}/{i}.png"})
    table = pd.DataFrame(rows)
    predicted = _scores(folder, name, n, model).argmax(axis=1)
    table["labels"] = [NAMES[1 - p] if i in flip else NAMES[p] for i, p in enumerate(predicted)]
    path = folder / f"{name}.csv"
    table.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    folder = tmp_path_factory.mktemp("images_explain")
    model = left_half_classifier(folder / "left.onnx", SIZE)
    base = labelled_set(folder, "base", 12, 0, model, flip=[5])
    cur = labelled_set(folder, "cur", 12, 1, model, flip=[3, 9])
    return model, base, cur


SETTINGS = ImageExplainSettings(max_evals=100, seed=0)


@pytest.fixture(scope="module")
def report_and_data(case: tuple[Path, Path, Path]) -> tuple[object, dict]:
    model, base, cur = case
    report = monitor_images(
        base, cur, model, classes=NAMES, n_resamples=100, explain=3, explain_settings=SETTINGS
    )
    data = json.loads(report.to_json())
    validate_report(data)
    return report, data


def test_the_worst_images_are_explained_first(
    case: tuple[Path, Path, Path], report_and_data: tuple[object, dict]
) -> None:
    model, _, cur = case
    _, data = report_and_data
    images = data["explanations"]["images"]
    assert data["explanations"]["explanation"] is None
    assert data["explanations"]["error"] is None
    # The misclassified first (rows 3 and 9 of current, 5 of reference), then the least
    # confident, named as the tables wrote them.
    current = [i["source"] for i in images["images"]]
    reference = [i["source"] for i in images["reference"]["images"]]
    assert sorted(current[:2]) == ["cur/3.png", "cur/9.png"]
    assert reference[0] == "base/5.png"
    # Then the least confident of those the model gets right (the oracle: its own scores).
    confidence = _scores(cur.parent, "cur", 12, model).max(axis=1)
    right = [i for i in np.argsort(confidence, kind="stable") if i not in (3, 9)]
    assert current[2] == f"cur/{right[0]}.png"
    assert len(current) == len(reference) == 3
    assert images["bounds"]["images"] == 3
    # Explained of the images the model ran on, not of those handed to the explainer.
    assert images["bounds"]["images_total"] == images["reference"]["bounds"]["images_total"] == 12
    assert images["bounds"]["evaluations_per_image"] == 100


def test_report_equals_explain_images_called_directly(
    case: tuple[Path, Path, Path], report_and_data: tuple[object, dict]
) -> None:
    model, base, _ = case
    _, data = report_and_data
    section = data["explanations"]["images"]
    folder = base.parent
    current = [folder / i["source"] for i in section["images"]]
    reference = [folder / i["source"] for i in section["reference"]["images"]]
    direct = explain_images(
        model,
        current,
        reference=reference,
        class_names=NAMES,
        settings=dataclasses.replace(SETTINGS, max_images=3),
    ).to_dict(overlay_side=OVERLAY_SIDE)
    for side, other in ((section, direct), (section["reference"], direct["reference"])):
        assert side["mask"] == other["mask"]
        for mine, theirs in zip(side["images"], other["images"], strict=True):
            assert mine["map"] == theirs["map"]
            assert mine["overlay"] == theirs["overlay"]
            assert mine["regions"] == theirs["regions"]
            assert (mine["score"], mine["base_value"]) == (theirs["score"], theirs["base_value"])
            assert mine["class_name"] == theirs["class_name"]


def test_top_regions_lie_in_the_left_half(report_and_data: tuple[object, dict]) -> None:
    _, data = report_and_data
    section = data["explanations"]["images"]
    for image in [*section["images"], *section["reference"]["images"]]:
        width = image["size"][0]
        assert image["regions"], image["source"]
        assert all(r["box"][2] <= width // 2 for r in image["regions"])
        # The map's right half carries nothing: the model cannot see it.
        small = np.array(image["map"])
        assert np.abs(small[:, small.shape[1] // 2 :]).sum() < 1e-9
        with Image.open(io.BytesIO(base64.b64decode(image["overlay"].split(",", 1)[1]))) as png:
            assert png.size == (32, 32)  # the image's own size, under OVERLAY_SIDE


def test_html_and_terminal_show_the_overlays(report_and_data: tuple[object, dict]) -> None:
    report, data = report_and_data
    page = render_html(data)
    overlays = [i["overlay"] for i in data["explanations"]["images"]["images"]]
    assert all(f'src="{o}"' in page for o in overlays)
    assert 'data-side="reference"' in page
    assert "6 images explained" in page
    console = Console(width=160, record=True)
    console.print(report)
    text = console.export_text()
    assert "IMAGE EXPLANATIONS" in text
    assert "cur/3.png" in text


def test_unlabelled_images_are_a_seeded_sample_and_no_explain_means_no_section(
    case: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    model, base, cur = case
    unlabelled = base.parent / "cur_unlabelled.csv"
    pd.read_csv(cur).drop(columns=["labels"]).to_csv(unlabelled, index=False)
    runs = [
        monitor_images(
            base,
            unlabelled,
            model,
            classes=NAMES,
            n_resamples=100,
            explain=2,
            explain_settings=SETTINGS,
        ).to_dict()["explanations"]["images"]
        for _ in range(2)
    ]
    assert [i["source"] for i in runs[0]["images"]] == [i["source"] for i in runs[1]["images"]]
    assert len(runs[0]["images"]) == 2
    plain = monitor_images(base, cur, model, classes=NAMES, n_resamples=100)
    assert plain.explanations is None


def test_a_failure_is_the_sections_error_and_segmentation_is_not_explained(
    case: tuple[Path, Path, Path],
) -> None:
    model, base, cur = case
    # A model that fails when explained: the report stands, the section says why.
    calls = {"n": 0}
    loaded = load_model(model)

    def flaky(batch: np.ndarray) -> np.ndarray:  # right on both sides, NaN when explained
        calls["n"] += 1
        out = loaded(np.ascontiguousarray(batch[:, :1]))  # a callable is fed RGB
        return out if calls["n"] <= 2 else np.full_like(out, np.nan)

    report = monitor_images(
        base, cur, flaky, classes=NAMES, n_resamples=100, explain=1, input_size=(SIZE, SIZE)
    )
    data = report.to_dict()
    validate_report(json.loads(report.to_json()))
    assert data["explanations"]["images"] is None
    assert "NaN or infinite" in data["explanations"]["error"]
    assert any(w.startswith("explanations: ") for w in data["warnings"])
    assert data["verdict"] is not None
    assert "could not be explained" in render_html(data)


def test_segmentation_says_it_is_not_explained(tmp_path: Path) -> None:
    from tests.onnx_models import brightness_segmenter
    from tests.workflows._sets import mask_set

    model = brightness_segmenter(tmp_path / "seg.onnx")
    base = mask_set(tmp_path, "base", 10, 32, seed=0)
    cur = mask_set(tmp_path, "cur", 10, 32, seed=1)
    report = monitor_images(base, cur, model, task="segmentation", n_resamples=100, explain=2)
    section = report.to_dict()["explanations"]
    assert section["images"] is None
    assert section["error"].startswith("segmentation models are not explained")
    validate_report(json.loads(report.to_json()))
