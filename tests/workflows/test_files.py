"""Images, audio and text through the drift core and the model analyses, from the CLI and the
Python API: generated files, a tiny ONNX model trained here, scikit-learn's bundled digits."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from tests.onnx_models import brightness_classifier, digits_classifier
from tests.workflows._sets import audio_set, image_set, mask_set, read_report

from driftscope.cli import main
from driftscope.exceptions import EmptyDataError, ParameterError, SchemaError
from driftscope.report._validate import validate_report
from driftscope.workflows.asr import monitor_asr
from driftscope.workflows.audio import compare_audio
from driftscope.workflows.images import compare_images, monitor_images
from driftscope.workflows.text import compare_text

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


# -- audio --------------------------------------------------------------------------------------


def test_audio_noise_is_found_and_bad_files_counted(tmp_path: Path) -> None:
    base = audio_set(tmp_path, "base", 30, 0.005, seed=0)
    same = audio_set(tmp_path, "same", 30, 0.005, seed=1)
    noisy = audio_set(tmp_path, "noisy", 30, 0.1, seed=2)
    (tmp_path / "noisy" / "bad.wav").write_text("not audio")
    table = pd.read_csv(noisy)
    pd.concat([table, pd.DataFrame({"inputs": ["noisy/bad.wav"]})]).to_csv(noisy, index=False)
    shifted = compare_audio(base, noisy)
    assert {"zero_crossing_rate", "spectral_centroid_hz"} <= set(shifted.drift.drifted_columns)
    data = shifted.to_dict()
    assert data["inputs"]["current"]["by_problem"] == {"unreadable": 1}
    assert data["inputs"]["embedding"]["drifted"]
    assert compare_audio(base, same).drift.drifted_columns == []
    validate_report(data)


def test_asr_cli_says_the_recognizer_degraded(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    words = [
        "the",
        "quick",
        "brown",
        "fox",
        "jumps",
        "over",
        "a",
        "lazy",
        "dog",
        "while",
        "birds",
        "sing",
    ]

    def add_text(table: Path, error_rate: float) -> None:
        frame = pd.read_csv(table)
        refs = [" ".join(rng.choice(words, 8)) for _ in range(len(frame))]
        frame["transcript"] = refs
        frame["asr"] = [
            " ".join(w if rng.random() > error_rate else "uh" for w in r.split()) for r in refs
        ]
        frame.to_csv(table, index=False)

    base = audio_set(tmp_path, "base", 60, 0.005, seed=0)
    new = audio_set(tmp_path, "new", 60, 0.08, seed=1)
    add_text(base, 0.05)
    add_text(new, 0.3)
    out = tmp_path / "asr.json"
    argv = [
        "asr",
        str(base),
        str(new),
        "--reference-text",
        "transcript",
        "--hypothesis-text",
        "asr",
    ]
    assert main([*argv, "--json", str(out), "-q", "--fail-on", "retrain"]) == 1
    data = read_report(out)
    assert data["verdict"]["decision"] == "retrain"
    assert data["inputs"]["modality"] == "audio"
    wer = next(m for m in data["performance"]["metrics"] if m["name"] == "wer")
    assert wer["current"] > wer["reference"]
    assert main([*argv[:5], "missing_col", "--hypothesis-text", "asr"]) == 2


# -- text ---------------------------------------------------------------------------------------


def test_text_drift_cli(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    old = ["refund", "invoice", "payment", "account", "order", "delivery"]
    new = ["crypto", "wallet", "token", "account", "order", "blockchain"]

    def table(name: str, vocab: list[str]) -> Path:
        texts = [f"my {rng.choice(vocab)} and {rng.choice(vocab)} please help" for _ in range(300)]
        path = tmp_path / f"{name}.csv"
        pd.DataFrame({"message": texts, "channel": "web"}).to_csv(path, index=False)
        return path

    base, same, moved = table("base", old), table("same", old), table("moved", new)
    out = tmp_path / "t.json"
    assert (
        main(
            [
                "text",
                "drift",
                str(base),
                str(moved),
                "--column",
                "message",
                "--json",
                str(out),
                "-q",
                "--fail-on-drift",
            ]
        )
        == 1
    )
    data = read_report(out)
    top = {t["term"] for t in data["inputs"]["terms"]["top_terms"][:6]}
    assert top & {"crypto", "wallet", "token", "blockchain"}
    assert data["inputs"]["terms"]["drifted"]
    assert main(["text", "drift", str(base), str(moved), "--column", "nope"]) == 2
    stable = compare_text(base, same, column="message")
    assert not stable.inputs.terms.drifted


def test_text_columns_inside_compare_become_text_features() -> None:
    import driftscope

    rng = np.random.default_rng(3)
    common = ["the", "service", "was", "quick", "and", "the", "staff", "were", "friendly"]
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    rare = ["".join(rng.choice(letters, 6)) for _ in range(400)]

    def reviews(n: int, extra: list[str]) -> list[str]:
        return [
            " ".join([*rng.choice(common, 6), *rng.choice(extra, 2)]).capitalize() for _ in range(n)
        ]

    ref = pd.DataFrame({"review": reviews(400, rare), "stars": rng.integers(1, 6, 400)})
    same = pd.DataFrame({"review": reviews(400, rare), "stars": rng.integers(1, 6, 400)})
    shouting = [r.upper() + " 100% SCAM!!!" for r in reviews(400, ["refund", "lawyer", "fraud"])]
    moved = pd.DataFrame({"review": shouting, "stars": rng.integers(1, 6, 400)})
    schema = {"columns": {"review": {"kind": "text"}}}
    stable = driftscope.compare(ref, same, schema, multivariate=False)
    assert "review.oov_rate" in [c.name for c in stable.drift.columns]
    assert stable.drift.drifted_columns == []
    shifted = driftscope.compare(ref, moved, schema, multivariate=False)
    assert {"review.uppercase_share", "review.digit_share", "review.punctuation_share"} <= set(
        shifted.drift.drifted_columns
    )
    spec = shifted.schema["review.oov_rate"]
    assert spec.note == "from text column 'review'"


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


def test_asr_windows_by_week(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    rows = []
    for week in range(4):
        error = 0.05 if week < 2 else 0.35
        for i in range(110):  # windows need 100 rows to be analysed
            ref = " ".join(rng.choice(["yes", "no", "maybe", "later", "now", "stop"], 6))
            hyp = " ".join(w if rng.random() > error else "uh" for w in ref.split())
            day = pd.Timestamp("2026-03-02") + pd.Timedelta(days=7 * week + i % 7)
            rows.append({"ref": ref, "hyp": hyp, "ts": day.isoformat()})
    frame = pd.DataFrame(rows)
    base, new = tmp_path / "base.csv", tmp_path / "new.csv"
    frame.iloc[:220].to_csv(base, index=False)
    frame.to_csv(new, index=False)
    out = tmp_path / "asr.json"
    argv = ["asr", str(base), str(new), "--reference-text", "ref", "--hypothesis-text", "hyp"]
    assert main([*argv, "--timestamp", "ts", "--period", "W", "--json", str(out), "-q"]) == 0
    data = read_report(out)
    windows = data["windows"]["windows"]
    assert len(windows) == 4
    wer = [w["metrics"]["wer"] for w in windows]
    assert max(wer[:2]) < 0.1 < 0.25 < min(wer[2:])
    assert data["inputs"] is None  # no audio column: transcripts only


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
        compare_images(base, cur, model=_flat_model(tmp_path))


def _flat_model(folder: Path) -> Path:
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["y"])],
        "flat",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 64])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 2])],
        [numpy_helper.from_array(np.ones((64, 2), np.float32), "w")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    path = folder / "flat.onnx"
    onnx.save(model, str(path))
    return path


def test_cli_refusals_name_the_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    base = audio_set(tmp_path, "base", 12, 0.01, seed=0)
    texts = tmp_path / "texts.csv"
    pd.DataFrame({"transcript": ["a b"] * 12, "asr": ["a b"] * 12}).to_csv(texts, index=False)
    with_text = pd.read_csv(base).assign(transcript="a b", asr="a b")
    with_text.to_csv(base, index=False)
    argv = ["asr", str(base), str(texts), "--reference-text", "transcript"]
    assert main([*argv, "--hypothesis-text", "asr"]) == 2
    assert "has no audio column 'inputs' while the other table has one" in capsys.readouterr().err
    assert main([*argv, "--hypothesis-text", "asr", "--benchmark-wer", "-1"]) == 2
    assert (
        main(["text", "drift", str(texts), str(texts), "--column", "asr", "--embedding", "w2v"])
        == 2
    )
    assert "--embedding must be one of tfidf-svd, minilm" in capsys.readouterr().err
    # A callable model in a module of the current folder, named as module:attribute.
    (tmp_path / "my_models.py").write_text(
        "import numpy as np\n\ndef embed(batch):\n    return batch.reshape(len(batch), -1)[:, :4]\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sys.path", list(__import__("sys").path))  # the loader adds the cwd
    images = image_set(tmp_path, "imgs", 24, 0.5, seed=0)
    out = tmp_path / "r.json"
    argv = ["images", "drift", str(images), str(images), "--model", "my_models:embed"]
    assert main([*argv, "--input-size", "8x8", "--json", str(out), "-q"]) == 0
    assert read_report(out)["inputs"]["embedding_source"] == "callable model my_models:embed"


# -- hostile paths ------------------------------------------------------------------------------


def _with_hostile_rows(table: Path, extra: dict[str, object]) -> tuple[Path, int]:
    """The table as JSON Lines with rows of paths that name no readable file added (a
    symbolic link loop, a NUL byte, a name and a path too long for the file system, a home
    folder of nobody, a folder, a pipe), and how many were added."""
    folder = table.parent
    os.symlink("loop2", folder / "loop1")
    os.symlink("loop1", folder / "loop2")
    (folder / "a_folder").mkdir()
    hostile = ["loop1", "a\x00b.png", "x" * 5000, "a/" * 3000 + "x", "~nobody_ds/x", "a_folder"]
    if hasattr(os, "mkfifo"):
        os.mkfifo(folder / "a_pipe")
        hostile.append("a_pipe")
    frame = pd.read_csv(table)
    rows = [*frame.to_dict("records"), *({**extra, "inputs": h} for h in hostile)]
    out = table.with_suffix(".jsonl")
    out.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return out, len(hostile)


def test_hostile_paths_are_counted_by_every_file_command(tmp_path: Path) -> None:
    images = tmp_path / "images"
    base = image_set(images, "base", 16, 0.5, seed=0)
    cur, n_bad = _with_hostile_rows(image_set(images, "cur", 16, 0.5, seed=1), {"camera": "a"})
    model = brightness_classifier(tmp_path / "model.onnx")
    sounds = tmp_path / "sounds"
    a_base, a_cur = (audio_set(sounds, n, 12, 0.01, seed=s) for n, s in (("base", 0), ("cur", 1)))
    for table in (a_base, a_cur):
        pd.read_csv(table).assign(transcript="a b c", asr="a b d").to_csv(table, index=False)
    a_cur, _ = _with_hostile_rows(a_cur, {"transcript": "a b", "asr": "a b"})
    out = tmp_path / "r.json"
    runs = {
        "images drift": ["images", "drift", str(base), str(cur)],
        "images model-drift": [
            *("images", "model-drift", str(base), str(cur)),
            *("--model", str(model)),
        ],
        "audio drift": ["audio", "drift", str(a_base), str(a_cur)],
        "asr": [
            *("asr", str(a_base), str(a_cur)),
            *("--reference-text", "transcript", "--hypothesis-text", "asr"),
        ],
    }
    for name, argv in runs.items():
        assert main([*argv, "--json", str(out), "-q"]) == 0, name
        current = read_report(out)["inputs"]["current"]
        assert current["n_failed"] == n_bad, name
        assert current["n_read"] == current["n_rows"] - n_bad, name
        assert set(current["by_problem"]) == {"unreadable", "missing"}, name
        assert all(len(p["path"]) <= 300 for p in current["examples"]), name


def test_a_path_with_a_lone_surrogate_is_read_and_shown_escaped(tmp_path: Path) -> None:
    # Python hands a file name that is not valid UTF-8 over as lone surrogates; such a name
    # in a DataFrame must still be read, and be shown where a report is written as UTF-8.
    base = image_set(tmp_path, "base", 12, 0.5, seed=0)
    odd = tmp_path / "base" / "odd\udcff.png"
    (tmp_path / "base" / "0.png").rename(odd)
    paths = [str(odd), *(str(tmp_path / "base" / f"{i}.png") for i in range(1, 12))]
    frame = pd.DataFrame({"inputs": pd.Series(np.array(paths, dtype=object), dtype=object)})
    report = compare_images(frame, base, allow_roots=[tmp_path])
    data = report.to_dict()
    assert data["inputs"]["reference"]["n_read"] == 12
    assert data["inputs"]["examples"]["reference"][0]["path"].endswith("odd\\udcff.png")
    report.to_html().encode("utf-8")


# -- forged headers, under a memory limit --------------------------------------------------------

_UNDER_LIMIT = """
import resource, sys

import driftscope.cli.files, driftscope.workflows.images, driftscope.workflows.audio
import driftscope.workflows.asr, driftscope.modalities.audio
import driftscope.modalities.images
from driftscope.cli import main


def address_space() -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) * 1024 for line in status if line[:7] == "VmSize:")


limit = address_space() + int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
sys.exit(main(sys.argv[2:]))
"""
#: What a run may add to the address space of the interpreter with driftscope imported.
MEMORY_BUDGET = 3 << 29  # 1.5 GiB


def _under_memory_limit(argv: list[str]) -> subprocess.CompletedProcess[str]:
    """Run the CLI in a fresh interpreter whose address space is limited, as a user's machine
    would limit it, to what it has after its imports plus `MEMORY_BUDGET`."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(sys.path),
        # Thread pools and malloc arenas reserve address space they never use; kept small, so
        # that the limit measures the data.
        "MALLOC_ARENA_MAX": "2",
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
    }
    command = [sys.executable, "-c", _UNDER_LIMIT, str(MEMORY_BUDGET), *argv]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)


needs_proc = pytest.mark.skipif(
    not Path("/proc/self/status").exists(), reason="the limit is set from /proc/self/status"
)


@pytest.mark.slow
@needs_proc
def test_forged_wav_headers_are_per_file_problems_under_a_memory_limit(tmp_path: Path) -> None:
    from tests.modalities.forged import forged_wav

    base = audio_set(tmp_path, "base", 10, 0.01, seed=0)
    cur = audio_set(tmp_path, "cur", 10, 0.01, seed=1)
    forged = [forged_wav(tmp_path / f"{rate}.wav", rate) for rate in (10**8, 10**9)]
    frame = pd.concat([pd.read_csv(cur), pd.DataFrame({"inputs": [p.name for p in forged]})])
    for table in (base, cur):
        (frame if table == cur else pd.read_csv(base)).assign(
            transcript="a b c", asr="a b d"
        ).to_csv(table, index=False)
    out = tmp_path / "r.json"
    texts = ["--reference-text", "transcript", "--hypothesis-text", "asr"]
    for argv in (["audio", "drift", str(base), str(cur)], ["asr", str(base), str(cur), *texts]):
        run = _under_memory_limit([*argv, "--json", str(out), "-q"])
        assert run.returncode == 0, run.stderr
        current = read_report(out)["inputs"]["current"]
        assert (current["n_read"], current["by_problem"]) == (10, {"unreadable": 2})
        details = [p["detail"] for p in current["examples"]]
        assert "declares a sample rate of 100,000,000 Hz" in details[0]


@pytest.mark.slow
@needs_proc
def test_forged_image_headers_are_per_file_problems_under_a_memory_limit(tmp_path: Path) -> None:
    from tests.modalities.forged import forged_jpeg, forged_png, forged_tiff
    from tests.onnx_models import brightness_segmenter

    # Just past Pillow's limit of 89.5 million pixels (refused, not warned about), far past it,
    # and just under it (declared, not in the file: the decode fails on the missing data).
    images = tmp_path / "cur"
    images.mkdir()
    forged = [
        forged_png(images / "over.png", 9000, 10000),
        forged_png(images / "huge.png", 30000, 30000),
        forged_jpeg(images / "over.jpg", 9500, 9500),
        forged_tiff(images / "over.tif", 9500, 9500),
        forged_png(images / "under.png", 9400, 9500),
        forged_tiff(images / "under.tif", 9400, 9500),
    ]
    base = mask_set(tmp_path, "base", 12, 32, seed=0)
    cur = mask_set(tmp_path, "cur", 12, 32, seed=1)
    # A mask within Pillow's limit that compresses to 90 kB and would be 700 MB as int64.
    Image.fromarray(np.zeros((9500, 9400), np.uint8)).save(images / "zeros_mask.png")
    masks = [forged_png(images / "over_mask.png", 9000, 10000, "L"), images / "zeros_mask.png"]
    frame = pd.read_csv(cur)
    frame.loc[[0, 1], "masks"] = [f"cur/{m.name}" for m in masks]
    extra = pd.DataFrame({"inputs": [f"cur/{p.name}" for p in forged], "masks": "cur/0_mask.png"})
    pd.concat([frame, extra]).to_csv(cur, index=False)
    model = brightness_segmenter(tmp_path / "seg.onnx")
    out = tmp_path / "r.json"
    runs = (
        ["images", "drift", str(base), str(cur), "--model", str(model)],
        ["images", "model-drift", str(base), str(cur), "--model", str(model)],
    )
    for argv in runs:
        argv += ["--task", "segmentation"] if "model-drift" in argv else []
        run = _under_memory_limit([*argv, "--json", str(out), "-q"])
        assert run.returncode == 0, run.stderr
        current = read_report(out)["inputs"]["current"]
        assert current["n_read"] == 12
        problems = {p["path"]: p["detail"] for p in current["examples"]}
        assert {f"cur/{p.name}" for p in forged} <= set(problems)
        assert "exceeds limit of 89478485 pixels" in problems["cur/over.tif"]
    assert "exceeds limit" in problems["cur/over_mask.png"]
    assert "a mask may have at most 16,777,216 pixels" in problems["cur/zeros_mask.png"]


# -- messages and help ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        ["images", "drift"],
        ["images", "model-drift"],
        ["audio", "drift"],
        ["text", "drift"],
        ["asr"],
    ],
)
def test_every_files_command_has_examples_and_exit_codes_in_its_help(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*command, "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())  # as wrapped for any terminal width
    assert f"Examples: driftscope {' '.join(command)} " in out
    assert "Exit codes: 0 it ran" in out
    assert "2 usage or input error" in out


def test_text_drift_help_speaks_of_text_columns_not_paths(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["text", "drift", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "path" not in out.replace("<path>", "")
    assert "with a text column" in out
    assert "--column <str> The column of texts, in both tables." in out


def test_the_same_column_as_reference_and_hypothesis_is_refused_naming_both(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    texts = tmp_path / "texts.csv"
    pd.DataFrame({"transcript": ["a b"] * 4, "asr": ["a b"] * 4}).to_csv(texts, index=False)
    options = ["--reference-text", "transcript", "--hypothesis-text", "transcript"]
    assert main(["asr", str(texts), str(texts), *options]) == 2
    assert capsys.readouterr().err.startswith(
        "error: --reference-text and --hypothesis-text both name the column 'transcript'; "
        "expected the reference transcripts and the recognizer's output in two columns."
    )
    with pytest.raises(ParameterError, match=r"^reference_text and hypothesis_text both name"):
        monitor_asr(texts, texts, reference_text="asr", hypothesis_text="asr")


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


# -- columns of paths beside the inputs -----------------------------------------------------------


def test_a_column_of_mask_paths_is_listed_not_tested_on_a_split_without_drift(
    tmp_path: Path,
) -> None:
    # Two samples of one source, each image with its mask path: a classifier's run (the masks
    # are not its ground truth) and the image features must not drift because every row has its
    # own mask path.
    base = mask_set(tmp_path, "base", 60, 32, seed=0)
    cur = mask_set(tmp_path, "cur", 60, 32, seed=1)
    model = brightness_classifier(tmp_path / "clf.onnx")
    monitored = monitor_images(base, cur, model, n_resamples=200).to_dict()
    compared = compare_images(base, cur).to_dict()
    assert monitored["verdict"]["decision"] == "ok", monitored["verdict"]["reasons"]
    for data in (monitored, compared):
        (masks,) = (c for c in data["columns"] if c["name"] == "masks")
        assert (masks["kind"], masks["skipped"], masks["drifted"]) == ("id", True, False)
        assert masks["note"] == "file paths, one per input: excluded from drift"
        assert all("masks" not in test["columns"] for test in data["multivariate"])
        assert not any(test["drifted"] for test in data["multivariate"])
    assert compared["dataset"]["drifted"] is False


def test_a_file_that_may_not_be_read_is_unreadable_and_the_run_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Root reads any file, so the refusal a user would meet is simulated where the file is
    # opened: by Pillow (Python's open) and by libsndfile (soundfile.SoundFile).
    import builtins

    import soundfile

    images = image_set(tmp_path, "imgs", 12, 0.5, seed=0)
    sounds = audio_set(tmp_path, "wavs", 12, 0.01, seed=0)
    opened, sound_file = builtins.open, soundfile.SoundFile

    def refuse(path: object) -> None:
        if Path(str(path)).name in ("3.png", "3.wav"):
            raise PermissionError(13, "Permission denied", str(path))

    def guarded_open(file: object, *args: object, **kwargs: object) -> object:
        refuse(file)
        return opened(file, *args, **kwargs)  # type: ignore[call-overload]

    def guarded_sound(file: object, *args: object, **kwargs: object) -> object:
        refuse(file)
        return sound_file(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", guarded_open)
    monkeypatch.setattr(soundfile, "SoundFile", guarded_sound)
    for report in (compare_images(images, images), compare_audio(sounds, sounds)):
        current = report.to_dict()["inputs"]["current"]
        (problem,) = current["examples"]
        assert (current["n_read"], problem["row"], problem["problem"]) == (11, 3, "unreadable")
        assert "Permission denied" in problem["detail"]


def test_a_side_of_only_hostile_paths_is_a_short_error_naming_the_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = image_set(tmp_path, "base", 10, 0.5, seed=0)
    hostile = tmp_path / "hostile.jsonl"
    cells = ["x" * 5000, "a\x00b.png", "y" * 100_000, "z" * 100_000]
    hostile.write_text("".join(json.dumps({"inputs": c}) + "\n" for c in cells))
    assert main(["images", "drift", str(base), str(hostile)]) == 2
    err = capsys.readouterr().err
    bare = "".join(err.split())  # as wrapped for any terminal width
    expected = f"None of the 4 files in column 'inputs' of '{hostile}' could be read"
    assert "".join(expected.split()) in bare
    assert "NUL byte" in err
    assert len(err) < 2000
