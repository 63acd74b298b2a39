"""`driftscope images explain` and `images model-drift --explain`: a tiny ONNX model that looks
only at the left half of its images, on a folder and on tables; the terminal summary, the JSON,
the offline HTML page, and one-line errors with exit code 2."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from tests.onnx_models import flat_classifier, left_half_classifier

from driftscope import explain_images
from driftscope.analyses.image_explanation import OVERLAY_SIDE
from driftscope.cli import main
from driftscope.report._validate import validate_report

SIZE = 16


def _images(folder: Path, n: int, seed: int, side: int = SIZE) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    pixels = np.random.default_rng(seed).random((n, side, side))
    for i in range(n):
        Image.fromarray(np.rint(pixels[i] * 255).astype(np.uint8), mode="L").save(
            folder / f"{i}.png"
        )
    return folder


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    root = tmp_path_factory.mktemp("images_explain_cli")
    model = left_half_classifier(root / "left.onnx", SIZE)
    current = _images(root / "new", 3, seed=0, side=2 * SIZE)
    reference = _images(root / "base", 2, seed=1)
    return model, current, reference


FAST = ["--max-evals", "100", "--classes", "left,right"]


def test_a_folder_is_explained_printed_and_written(
    files: tuple[Path, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model, current, reference = files
    out, page = tmp_path / "e.json", tmp_path / "e.html"
    argv = ["images", "explain", str(model), str(current), "--reference", str(reference)]
    code = main([*argv, *FAST, "--json", str(out), "-o", str(page)])
    printed = capsys.readouterr().out
    assert code == 0
    data = json.loads(out.read_text())
    assert [i["source"] for i in data["images"]] == [str(current / f"{i}.png") for i in range(3)]
    assert len(data["reference"]["images"]) == 2
    # The JSON is `explain_images` with the same settings, overlays included.
    direct = explain_images(
        model, current, reference=reference, class_names=["left", "right"], max_evals=100
    ).to_dict(overlay_side=OVERLAY_SIDE)
    assert data == direct
    for image in [*data["images"], *data["reference"]["images"]]:
        assert all(r["box"][2] <= image["size"][0] // 2 for r in image["regions"])
    # The terminal: per image the class explained, its score and its top regions; the bounds.
    assert "IMAGE EXPLANATIONS" in printed
    assert "explained 3 of 3 current images, 2 of 2 reference images" in printed
    first = data["images"][0]
    assert first["class_name"] in printed
    assert f"{first['score']:.4g}" in printed
    box = first["regions"][0]["box"]
    assert f"[{', '.join(map(str, box))}]" in printed
    # The page: each image's overlay, offline.
    html = page.read_text()
    assert html.count("data:image/png;base64,") == 5
    assert f'src="{first["overlay"]}"' in html
    assert 'src="http' not in html
    assert "<link" not in html
    png = base64.b64decode(first["overlay"].split(",", 1)[1])
    assert png.startswith(b"\x89PNG")


def test_tables_lime_class_and_roots(
    files: tuple[Path, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model, current, _ = files
    table = current.parent / "new.csv"
    outside = tmp_path / "outside.png"
    Image.new("L", (SIZE, SIZE)).save(outside)
    pd.DataFrame({"path": ["new/0.png", "new/1.png", str(outside)]}).to_csv(table, index=False)
    out = tmp_path / "lime.json"
    argv = ["images", "explain", str(model), str(table), "--column", "path", "--method", "lime"]
    extra = ["--num-samples", "50", "--segments", "4", "--segmentation", "grid", "--class", "right"]
    assert main([*argv, *extra, *FAST[2:], "--json", str(out), "-q"]) == 0
    assert capsys.readouterr().out == ""
    data = json.loads(out.read_text())
    assert data["explainer"] == "lime"
    assert [i["source"] for i in data["images"]] == ["new/0.png", "new/1.png"]
    assert {i["class_name"] for i in data["images"]} == {"right"}
    assert [(p["row"], p["problem"]) for p in data["problems"]] == [(2, "outside allowed roots")]
    assert data["bounds"]["segments"] == 4
    # An allowed root takes the file in.
    argv += ["--allow-root", str(current.parent), "--allow-root", str(tmp_path)]
    assert main([*argv, *extra, *FAST[2:], "--json", str(out), "-q"]) == 0
    assert len(json.loads(out.read_text())["images"]) == 3


def test_bad_input_is_one_line_and_exit_2(
    files: tuple[Path, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model, current, _ = files
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "x.png").write_text("not an image")
    flat = tmp_path / "flat.onnx"
    flat_classifier(flat)
    cases = [
        ([str(tmp_path / "none.onnx"), str(current)], "none.onnx does not exist"),
        ([str(model), str(tmp_path / "nowhere")], "nowhere does not exist"),
        ([str(model), str(bad)], "none of the 1 images could be read"),
        ([str(flat), str(current)], "takes inputs of shape (batch, 64)"),
        ([str(model), str(current), "--method", "gradcam"], "--method"),
        ([str(model), str(current), "--class", "cat", *FAST[2:]], "'cat' is not one of"),
        ([str(model), str(current), "--classes", "a,b,c"], "3 names given"),
    ]
    for args, message in cases:
        assert main(["images", "explain", *args]) == 2, args
        err = capsys.readouterr().err
        assert message in " ".join(err.split()), (args, err)
        assert "Traceback" not in err


def test_model_drift_explain_option(
    files: tuple[Path, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model, current, reference = files
    tables = []
    for name, folder in (("base", reference), ("cur", current)):
        path = folder.parent / f"{name}_list.csv"
        pd.DataFrame(
            {"inputs": [f"{folder.name}/{p.name}" for p in sorted(folder.glob("*.png"))]}
        ).to_csv(path, index=False)
        tables.append(path)
    out = tmp_path / "r.json"
    argv = ["images", "model-drift", str(tables[0]), str(tables[1]), "--model", str(model)]
    assert main([*argv, "--explain", "2", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    data = json.loads(out.read_text())
    validate_report(data)
    section = data["explanations"]["images"]
    assert len(section["images"]) == len(section["reference"]["images"]) == 2
    assert section["bounds"]["evaluations_per_image"] == 200
    assert "IMAGE EXPLANATIONS" in printed
