"""`workflows/images.py`: compare_images and monitor_images, from Python and from
`images drift` / `images model-drift`: generated images, tiny ONNX models trained here,
scikit-learn's bundled digits."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from tests.onnx_models import brightness_classifier, digits_classifier, flat_classifier
from tests.workflows._sets import image_set, mask_set, read_report

from driftscope.cli import main
from driftscope.exceptions import EmptyDataError, SchemaError
from driftscope.report._validate import validate_report
from driftscope.workflows.images import compare_images, monitor_images

# -- images: features --------------------------------------------------------------------------


def test_a_brightness_shift_is_found_and_a_same_source_sample_is_not(tmp_path: Path) -> None:
    base = image_set(tmp_path, "base", 80, 0.4, seed=0)
    same = image_set(tmp_path, "same", 80, 0.4, seed=1)
    brighter = image_set(tmp_path, "brighter", 80, 0.6, seed=2)
    shifted = compare_images(base, brighter)
    assert {"brightness", "mean_r", "mean_g", "mean_b"} <= set(shifted.drift.drifted_columns)
    assert "camera" not in shifted.drift.drifted_columns
    stable = compare_images(base, same)
    assert stable.drift.drifted_columns == []
    inputs = stable.to_dict()["inputs"]
    assert inputs["modality"] == "image"
    assert inputs["reference"]["n_read"] == inputs["current"]["n_read"] == 80
    assert all(
        e["preview"].startswith("data:image/png;base64,") for e in inputs["examples"]["current"]
    )
    validate_report(shifted.to_dict())


def test_blur_moves_sharpness(tmp_path: Path) -> None:
    base = image_set(tmp_path, "base", 60, 0.5, seed=0)
    blurred = image_set(tmp_path, "blurred", 60, 0.5, seed=1, blur=1.5)
    report = compare_images(base, blurred)
    assert {"sharpness", "noise"} <= set(report.drift.drifted_columns)
    from driftscope.modalities.images import image_features

    sharp = [image_features(tmp_path / d / "0.png")["sharpness"] for d in ("base", "blurred")]
    assert float(sharp[1]) < float(sharp[0]) / 4


def test_bad_files_are_counted_not_fatal(tmp_path: Path) -> None:
    base = image_set(tmp_path, "base", 30, 0.5, seed=0)
    cur = image_set(tmp_path, "cur", 30, 0.5, seed=1)
    (tmp_path / "cur" / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    (tmp_path / "cur" / "empty.png").write_bytes(b"")
    outside = tmp_path.parent / f"{tmp_path.name}-outside.png"
    Image.new("RGB", (8, 8)).save(outside)
    table = pd.read_csv(cur)
    extra = ["cur/corrupt.png", "cur/empty.png", "cur/nope.png", str(outside), None]
    table = pd.concat([table, pd.DataFrame({"inputs": extra, "camera": "a"})], ignore_index=True)
    table.to_csv(cur, index=False)
    report = compare_images(base, cur).to_dict()
    current = report["inputs"]["current"]
    assert current["n_rows"] == 35
    assert current["n_read"] == 30
    assert current["by_problem"] == {
        "empty": 1,
        "missing": 1,
        "no path": 1,
        "outside allowed roots": 1,
        "unreadable": 1,
    }
    assert {p["row"] for p in current["examples"]} == {30, 31, 32, 33, 34}
    assert any("5 of 35 inputs could not be used" in w for w in report["warnings"])
    # An allowed root admits the outside file.
    again = compare_images(base, cur, allow_roots=[tmp_path, outside.parent]).to_dict()
    assert again["inputs"]["current"]["n_read"] == 31


def test_nothing_readable_or_no_inputs_column_is_a_clear_error(tmp_path: Path) -> None:
    base = image_set(tmp_path, "base", 10, 0.5, seed=0)
    broken = tmp_path / "broken.csv"
    pd.DataFrame({"inputs": ["a.png", "b.png"]}).to_csv(broken, index=False)
    with pytest.raises(EmptyDataError, match=r"None of the 2 files in column 'inputs'"):
        compare_images(base, broken)
    wrong = tmp_path / "wrong.csv"
    pd.DataFrame({"path": ["a.png"]}).to_csv(wrong, index=False)
    with pytest.raises(SchemaError, match=r"wrong\.csv' has no column 'inputs' of file paths"):
        compare_images(base, wrong)


def test_images_drift_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = image_set(tmp_path, "base", 40, 0.35, seed=0)
    cur = image_set(tmp_path, "cur", 40, 0.65, seed=1)
    model = brightness_classifier(tmp_path / "model.onnx")
    out = tmp_path / "r.json"
    html = tmp_path / "r.html"
    argv = ["images", "drift", str(base), str(cur), "--model", str(model), "--json", str(out)]
    assert main([*argv, "-o", str(html), "-q", "--fail-on-drift", "--workers", "2"]) == 1
    data = read_report(out)
    assert data["inputs"]["embedding"]["drifted"]
    assert data["inputs"]["embedding_source"] == "onnx model model.onnx"
    page = html.read_text()
    assert 'data-section="inputs"' in page
    assert "data:image/png;base64," in page
    assert main(["images", "drift", str(base), str(tmp_path / "none.csv")]) == 2
    assert "none.csv" in capsys.readouterr().err
    assert main(["images", "drift", str(base), str(cur), "--input-size", "big"]) == 2
    assert "--input-size must be HxW" in capsys.readouterr().err


# -- images: a model on both sets --------------------------------------------------------------


def _digit_set(folder: Path, name: str, rotate: int, seed: int, n: int = 200) -> Path:
    from sklearn.datasets import load_digits

    digits = load_digits()
    rng = np.random.default_rng(seed)
    chosen = rng.choice(len(digits.images), n, replace=False)
    (folder / name).mkdir(parents=True, exist_ok=True)
    rows = []
    for k, i in enumerate(chosen):
        pixels = np.clip(np.rint(digits.images[i] * 255 / 16), 0, 255).astype(np.uint8)
        image = Image.fromarray(pixels, mode="L").rotate(rotate)
        image.save(folder / name / f"{k}.png")
        rows.append({"inputs": f"{name}/{k}.png", "labels": str(digits.target[i])})
    table = folder / f"{name}.csv"
    pd.DataFrame(rows).to_csv(table, index=False)
    return table


def test_digits_model_drift_retrain_on_rotation_and_ok_without(tmp_path: Path) -> None:
    model = digits_classifier(tmp_path / "digits.onnx")
    base = _digit_set(tmp_path, "base", 0, seed=0)
    same = _digit_set(tmp_path, "same", 0, seed=1)
    rotated = _digit_set(tmp_path, "rotated", 90, seed=2)
    classes = [str(d) for d in range(10)]
    bad = monitor_images(base, rotated, model, classes=classes, n_resamples=300)
    assert bad.verdict.decision == "retrain"
    accuracy = next(m for m in bad.performance.metrics if m.name == "accuracy")
    assert accuracy.reference > 0.9
    assert accuracy.current < 0.5
    good = monitor_images(base, same, model, classes=classes, n_resamples=300)
    assert good.verdict.decision == "ok", [r.message for r in good.verdict.reasons]
    validate_report(bad.to_dict())
    validate_report(good.to_dict())


def test_model_drift_cli_with_fail_on_and_without_labels(tmp_path: Path) -> None:
    model = digits_classifier(tmp_path / "digits.onnx")
    base = _digit_set(tmp_path, "base", 0, seed=0, n=120)
    rotated = _digit_set(tmp_path, "rotated", 90, seed=2, n=120)
    out = tmp_path / "r.json"
    argv = ["images", "model-drift", str(base), str(rotated), "--model", str(model)]
    assert main([*argv, "--json", str(out), "-q", "--fail-on", "retrain"]) == 1
    assert read_report(out)["verdict"]["decision"] == "retrain"
    unlabelled = tmp_path / "unlabelled.csv"
    pd.read_csv(rotated).drop(columns=["labels"]).to_csv(unlabelled, index=False)
    assert (
        main(
            [*argv[:2], str(base), str(unlabelled), "--model", str(model), "--json", str(out), "-q"]
        )
        == 0
    )
    data = read_report(out)
    assert data["performance"] is None
    assert data["verdict"]["decision"] in ("investigate", "retrain")
    assert any("No 'labels' column" in n for n in data["inputs"]["notes"])
    assert main([*argv, "--task", "detection"]) == 2


# -- images: what the model returns, and unusable inputs ----------------------------------------


def test_a_model_failing_on_some_images_is_reported_per_image(tmp_path: Path) -> None:
    base = image_set(tmp_path, "base", 40, 0.4, seed=0)
    cur = image_set(tmp_path, "cur", 40, 0.4, seed=1)
    bright = tmp_path / "cur" / "bright.png"
    Image.new("RGB", (32, 32), (255, 255, 255)).save(bright)
    table = pd.read_csv(cur)
    pd.concat([table, pd.DataFrame({"inputs": ["cur/bright.png"], "camera": ["a"]})]).to_csv(
        cur, index=False
    )

    def picky(batch: np.ndarray) -> np.ndarray:
        means = batch.reshape(len(batch), -1).mean(axis=1)
        if (means > 0.95).any():
            raise ValueError("saturated input")
        return np.stack([means, 1 - means], axis=1)

    report = monitor_images(base, cur, picky, classes=["dark", "light"], n_resamples=100)
    current = report.to_dict()["inputs"]["current"]
    failed = [p for p in current["examples"] if p["problem"] == "model failed"]
    assert [p["row"] for p in failed] == [40]
    assert "saturated input" in failed[0]["detail"]
    assert current["n_read"] == 40
    # In a monitoring report the unusable inputs are a data-quality check too.
    check = report.quality.get("unusable_inputs", "inputs")
    assert (check.count, check.status) == (1, "warning")
    assert check.examples == ("row 40: cur/bright.png (model failed)",)


def test_too_few_images_for_embedding_drift_say_so(tmp_path: Path) -> None:
    """Below 20 embedded inputs a side, every file workflow says why it ran no embedding drift
    (`monitor_images` used to say nothing)."""
    base = image_set(tmp_path, "base", 12, 0.4, seed=0)
    cur = image_set(tmp_path, "cur", 12, 0.4, seed=1)

    def means(batch: np.ndarray) -> np.ndarray:
        level = batch.reshape(len(batch), -1).mean(axis=1)
        return np.stack([level, 1 - level], axis=1)

    note = (
        "Embedding drift was not run: embedding_drift needs at least 20 rows in the reference "
        "embeddings. Got 12."
    )
    monitored = monitor_images(base, cur, means, classes=["dark", "light"], n_resamples=100)
    compared = compare_images(base, cur, model=means)
    for report in (monitored, compared):
        assert report.inputs.embedding is None
        assert note in report.inputs.notes
        assert note in report.warnings


def test_many_unusable_inputs_are_a_quality_alert_and_a_verdict_reason(tmp_path: Path) -> None:
    model = digits_classifier(tmp_path / "digits.onnx")
    base = _digit_set(tmp_path, "base", 0, seed=0, n=120)
    cur = _digit_set(tmp_path, "cur", 0, seed=1, n=120)
    table = pd.read_csv(cur)
    table.loc[:19, "inputs"] = [f"cur/gone{i}.png" for i in range(20)]
    table.to_csv(cur, index=False)
    report = monitor_images(base, cur, model, classes=[str(d) for d in range(10)], n_resamples=200)
    check = report.quality.get("unusable_inputs", "inputs")
    assert (check.count, check.status) == (20, "alert")
    assert report.verdict.decision == "investigate"
    assert any(r.source == "quality" and "20 of 120" in r.message for r in report.verdict.reasons)
    validate_report(report.to_dict())


def test_segmentation_masks_of_another_size_and_bad_masks(tmp_path: Path) -> None:
    from tests.onnx_models import brightness_segmenter

    model = brightness_segmenter(tmp_path / "seg.onnx")
    base = mask_set(tmp_path, "base", 40, 32, seed=0)
    cur = mask_set(tmp_path, "cur", 40, 64, seed=1)  # masks twice the model's size
    (tmp_path / "cur" / "3_mask.png").write_bytes(b"junk")
    Image.new("RGB", (64, 64), (255, 0, 0)).save(tmp_path / "cur" / "5_mask.png")
    # A mask whose link leads out of the table's folder: refused by the gate, as images are.
    outside = tmp_path.parent / f"{tmp_path.name}-outside_mask.png"
    shutil.copy(tmp_path / "cur" / "7_mask.png", outside)
    (tmp_path / "cur" / "7_mask.png").unlink()
    (tmp_path / "cur" / "7_mask.png").symlink_to(outside)
    report = monitor_images(base, cur, model, task="segmentation", n_resamples=200)
    iou = next(m for m in report.performance.metrics if m.name == "mean_iou")
    assert iou.reference > 0.99
    assert iou.current > 0.99  # predictions resized to the 64 x 64 masks
    problems = {p["row"]: p for p in report.to_dict()["inputs"]["current"]["examples"]}
    assert set(problems) == {3, 5, 7}
    assert "cur/3_mask.png" in problems[3]["path"]
    assert "single-channel mask" in problems[5]["detail"]
    assert problems[7]["problem"] == "outside allowed roots"
    assert str(outside) in problems[7]["detail"]
    assert report.performance.n_current_labelled == 37


def test_non_finite_model_outputs_are_per_image_problems(tmp_path: Path) -> None:
    base = image_set(tmp_path, "base", 30, 0.4, seed=0)
    cur = image_set(tmp_path, "cur", 30, 0.4, seed=1)

    def nan_on_bright(batch: np.ndarray) -> np.ndarray:
        means = batch.reshape(len(batch), -1).mean(axis=1)
        out = np.stack([means, 1 - means], axis=1)
        out[means > np.median(means)] = np.nan
        return out

    drift = compare_images(base, cur, model=nan_on_bright, input_size=(16, 16)).to_dict()
    failed = drift["inputs"]["current"]["by_problem"].get("model failed", 0)
    assert failed > 0
    assert drift["inputs"]["current"]["n_read"] == 30 - failed
    detail = drift["inputs"]["current"]["examples"][0]["detail"]
    assert "NaN or infinite" in detail

    def always_nan(batch: np.ndarray) -> np.ndarray:
        return np.full((len(batch), 2), np.nan)

    with pytest.raises(EmptyDataError, match="The model failed on every input of"):
        compare_images(base, cur, model=always_nan, input_size=(16, 16))


def test_model_input_rank_and_column_names_and_labels(tmp_path: Path) -> None:
    from driftscope.models._load import ModelError

    model = digits_classifier(tmp_path / "digits.onnx")
    base = _digit_set(tmp_path, "base", 0, seed=0, n=60)
    cur = _digit_set(tmp_path, "cur", 0, seed=1, n=60)
    # Table columns named like the model's outputs are kept as meta_<name>.
    for table in (base, cur):
        frame = pd.read_csv(table)
        frame["prediction"] = "x"
        frame["confidence"] = 0.5
        frame.to_csv(table, index=False)
    report = monitor_images(base, cur, model, n_resamples=100)
    assert "meta_prediction" in [c.name for c in report.drift.columns]
    # Labels that are not the model's class indices: a clear error naming --classes.
    frame = pd.read_csv(cur)
    frame["labels"] = "cat"
    frame.to_csv(cur, index=False)
    with pytest.raises(SchemaError, match="--classes"):
        monitor_images(base, cur, model, n_resamples=100)
    # With class names given, unknown labels are a note, not an error.
    names = [str(d) for d in range(10)]
    noted = monitor_images(base, cur, model, classes=names, n_resamples=100)
    assert any("not among the model's classes ('cat')" in n for n in noted.inputs.notes)
    with pytest.raises(SchemaError, match="no ground-truth column 'truth'"):
        monitor_images(base, cur, model, labels_column="truth")
    with pytest.raises(ModelError, match=r"takes inputs of shape \(batch, 64\)"):
        compare_images(base, cur, model=flat_classifier(tmp_path / "flat.onnx"))


def test_a_model_returning_text_stops_the_run_naming_the_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.models.onnx_labels import labelling_classifier

    images = image_set(tmp_path, "imgs", 12, 0.5, seed=0)
    (tmp_path / "text_models.py").write_text(
        "def labels(batch):\n    return ['cat'] * len(batch)\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sys.path", list(sys.path))  # the loader adds the cwd
    onnx_file = labelling_classifier(tmp_path / "labels.onnx")
    for command in (["images", "model-drift"], ["images", "drift"]):
        argv = [*command, str(images), str(images), "--input-size", "32x32"]
        assert main([*argv, "--model", "text_models:labels"]) == 2
        assert capsys.readouterr().err.startswith(
            "error: model text_models:labels returned text, such as 'cat'; expected numbers, one "
            "row per input: class scores or probabilities of shape (batch, classes)"
        )
        assert main([*argv, "--model", str(onnx_file)]) == 2
        err = " ".join(capsys.readouterr().err.split())
        assert f"error: {onnx_file}: output 'label' is tensor(string), not numbers;" in err
        assert "with --model-output (model_output= in Python): score." in err
