"""Image explanations: SHAP's partition explainer and LIME on built models (a classifier that
sees only the left half of its images, scikit-learn's digits) with shap's additivity as the
oracle, the same model as ONNX and torch, and clear errors for bad input."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray
from PIL import Image
from tests.onnx_models import digits_classifier, left_half_classifier, left_half_weights

from driftscope import explain_images
from driftscope.analyses.image_explanation import ImageExplainSettings
from driftscope.exceptions import (
    EmptyDataError,
    InputFileNotFoundError,
    InputTypeError,
    ParameterError,
)
from driftscope.models import load_model
from driftscope.models._load import ModelError, ModelOutputError

SIZE = 16


def _noise(n: int, seed: int = 0) -> NDArray[np.float32]:
    return np.random.default_rng(seed).random((n, 1, SIZE, SIZE)).astype(np.float32)


def _left_share(values: NDArray[np.float64]) -> float:
    magnitude = np.abs(values)
    return float(magnitude[:, : SIZE // 2].sum() / magnitude.sum())


@pytest.fixture(scope="module")
def left_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return left_half_classifier(tmp_path_factory.mktemp("models") / "left.onnx", SIZE)


def test_partition_values_add_up_to_score_minus_fully_masked(left_model: Path) -> None:
    images = _noise(3)
    result = explain_images(left_model, images, max_evals=300)
    model = load_model(left_model)
    scores = model(images)
    # The oracle: the model's score with every pixel hidden (the channel mean over the images).
    masked = np.full_like(images[:1], images.mean())
    for i, explained in enumerate(result.images):
        k = explained.class_index
        assert k == int(scores[i].argmax())
        assert explained.score == pytest.approx(scores[i, k], abs=1e-6)
        assert explained.base_value == pytest.approx(float(model(masked)[0, k]), abs=1e-5)
        total = explained.base_value + explained.attributions.sum()
        assert abs(total - scores[i, k]) < 1e-4
        assert explained.additivity is not None
        assert explained.additivity < 1e-4
    assert result.explainer == "partition"
    assert "mean" in result.mask


@pytest.mark.parametrize("method", ["partition", "lime"])
def test_a_model_that_sees_the_left_half_is_explained_by_the_left_half(
    left_model: Path, method: str
) -> None:
    # A grid of 4 x 4 superpixels: none straddles the middle, so LIME's weight of a superpixel
    # spread over its pixels stays on its side.
    result = explain_images(
        left_model, _noise(3, seed=1), method=method, segmentation="grid", segments=16
    )
    for explained in result.images:
        assert _left_share(explained.attributions) > 0.95
        assert all(r.right <= SIZE // 2 for r in explained.regions)


def _digits(n: int, seed: int) -> tuple[NDArray[np.float32], NDArray[np.int64]]:
    from sklearn.datasets import load_digits

    digits = load_digits()
    chosen = np.random.default_rng(seed).choice(len(digits.images), n, replace=False)
    return (digits.images[chosen] / 16.0).astype(np.float32)[:, None], digits.target[chosen]


@pytest.mark.parametrize("method", ["partition", "lime"])
def test_digits_attribution_sits_on_the_strokes(tmp_path: Path, method: str) -> None:
    """The digits as 32x32 PNG files (each pixel 4 x 4), read and resized to the model's 8x8:
    the explained class is the prediction, and the strokes carry more attribution per pixel
    than the background."""
    model = digits_classifier(tmp_path / "digits.onnx")
    images, _ = _digits(4, seed=0)
    folder = tmp_path / "digits"
    folder.mkdir()
    for i, image in enumerate(images):
        pixels = np.kron(np.rint(image[0] * 255), np.ones((4, 4))).astype(np.uint8)
        Image.fromarray(pixels, mode="L").save(folder / f"{i}.png")
    result = explain_images(model, folder, method=method, segmentation="grid", segments=16)
    predictions = load_model(model)(images).argmax(axis=1)
    assert [e.class_index for e in result.images] == predictions.tolist()
    for explained in result.images:
        assert explained.size == (32, 32)
        seen = explained.pixels[..., 0]
        stroke = seen > 0.25
        magnitude = np.abs(explained.attributions)
        assert magnitude[stroke].mean() > magnitude[~stroke].mean()
    assert result.bounds.images == result.bounds.images_total == 4


def test_lime_is_seeded(left_model: Path) -> None:
    images = _noise(1, seed=2)

    def run(seed: int) -> NDArray[np.float64]:
        return (
            explain_images(left_model, images, method="lime", seed=seed, num_samples=200)
            .images[0]
            .attributions
        )

    first = run(0)
    np.testing.assert_array_equal(first, run(0))
    assert not np.array_equal(first, run(1))


def test_torch_module_matches_its_onnx_twin(left_model: Path) -> None:
    import torch

    weights = torch.from_numpy(left_half_weights(SIZE).reshape(2, -1))

    class LeftHalf(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.softmax(x.flatten(1) @ weights.T, dim=1)

    images = _noise(2, seed=4)
    for method in ("partition", "lime"):
        twin = explain_images(left_model, images, method=method, num_samples=300)
        torch_run = explain_images(LeftHalf(), images, method=method, num_samples=300)
        for a, b in zip(twin.images, torch_run.images, strict=True):
            assert a.class_index == b.class_index
            np.testing.assert_allclose(a.attributions, b.attributions, atol=1e-5)


def test_classes_by_index_and_name(left_model: Path) -> None:
    images = _noise(2)
    by_index = explain_images(left_model, images, classes=1, max_evals=100)
    by_name = explain_images(
        left_model, images, classes="right", class_names=["left", "right"], max_evals=100
    )
    assert [e.class_index for e in by_index.images] == [1, 1]
    assert [e.class_name for e in by_name.images] == ["right", "right"]
    np.testing.assert_allclose(by_index.images[0].attributions, by_name.images[0].attributions)


def test_bounds_sample_and_to_dict(left_model: Path) -> None:
    result = explain_images(left_model, _noise(5), max_images=2, max_evals=100)
    assert result.bounds.images == 2
    assert result.bounds.images_total == 5
    assert result.bounds.describe() == (
        "explained 2 of 5 images, at most 100 model calls per image"
    )
    as_json = json.loads(json.dumps(result.to_dict(cells=4)))
    assert len(as_json["images"]) == 2
    small = np.array(as_json["images"][0]["map"])
    assert small.shape == (4, 4)
    # Block means: the small map's mean is the full map's.
    assert small.mean() == pytest.approx(result.images[0].attributions.mean(), abs=1e-6)


def test_overlay_png_has_the_image_size(tmp_path: Path, left_model: Path) -> None:
    pixels = np.kron(_noise(1)[0, 0], np.ones((3, 3)))  # a 48x48 file for a 16x16 model
    path = tmp_path / "one.png"
    Image.fromarray(np.rint(pixels * 255).astype(np.uint8), mode="L").save(path)
    result = explain_images(left_model, [path], max_evals=100)
    out = tmp_path / "overlay.png"
    data = result.images[0].overlay(out)
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == (48, 48)
        assert image.format == "PNG"
    assert out.read_bytes() == data
    # One file alone, and a list of single images (H, W), are taken too.
    assert explain_images(left_model, path, max_evals=100).images[0].source == str(path)
    from_array = explain_images(left_model, list(_noise(1)[:, 0]), max_evals=100).images[0]
    with Image.open(io.BytesIO(from_array.overlay())) as image:
        assert image.size == (SIZE, SIZE)


def test_unreadable_files_are_problems_not_failures(tmp_path: Path, left_model: Path) -> None:
    good = tmp_path / "good.png"
    Image.fromarray(np.zeros((SIZE, SIZE), np.uint8), mode="L").save(good)
    bad = tmp_path / "bad.png"
    bad.write_text("not an image")
    result = explain_images(left_model, [good, bad, tmp_path / "gone.png"], max_evals=100)
    assert [e.source for e in result.images] == [str(good)]
    assert [(p.row, p.problem) for p in result.problems] == [(1, "unreadable"), (2, "missing")]
    assert "cannot be read as an image" in result.problems[0].detail
    assert result.bounds.unreadable == 2
    with pytest.raises(EmptyDataError, match="none of the 1 images could be read"):
        explain_images(left_model, [bad])


def test_bad_input_gets_clear_errors(tmp_path: Path, left_model: Path) -> None:
    images = _noise(1)
    with pytest.raises(ModelError, match=r"model file .*missing\.onnx does not exist"):
        explain_images(tmp_path / "missing.onnx", images)
    broken = tmp_path / "broken.onnx"
    broken.write_text("not a model")
    with pytest.raises(ModelError, match=r"broken\.onnx could not be loaded as an ONNX model"):
        explain_images(broken, images)
    # An object without a way to call it, in memory or named as module:attribute.
    with pytest.raises(ModelError, match=r"expected an \.onnx.* or 'package\.module:attribute'"):
        explain_images(object(), images)
    with pytest.raises(ModelError, match=r"model 'json:__version__' is not callable"):
        explain_images("json:__version__", images)
    with pytest.raises(ModelOutputError, match="returned text"):
        explain_images(lambda batch: np.array(["cat"] * len(batch)), images)
    with pytest.raises(ModelError, match=r"takes inputs of shape \(batch, 1, 16, 16\)"):
        explain_images(left_model, np.zeros((1, 1, 8, 8), np.float32))
    with pytest.raises(EmptyDataError, match="images is empty"):
        explain_images(left_model, [])
    with pytest.raises(EmptyDataError, match="images is empty"):
        explain_images(left_model, np.zeros((0, 1, SIZE, SIZE), np.float32))
    with pytest.raises(EmptyDataError, match="holds no image files"):
        explain_images(left_model, tmp_path)
    with pytest.raises(InputFileNotFoundError, match=r"images: .*nowhere does not exist"):
        explain_images(left_model, tmp_path / "nowhere")
    with pytest.raises(InputTypeError, match="expected a folder, a table of image paths, a list"):
        explain_images(left_model, 3)
    with pytest.raises(ParameterError, match="'method' parameter of explain_images"):
        explain_images(left_model, images, method="gradcam")
    with pytest.raises(ParameterError, match="'max_images' parameter of explain_images"):
        explain_images(left_model, images, max_images=0)
    with pytest.raises(ParameterError, match="'classes' parameter of explain_images"):
        explain_images(left_model, images, classes=5)
    with pytest.raises(ParameterError, match="'cat' is not one of the model's classes"):
        explain_images(left_model, images, classes="cat")
    with pytest.raises(ParameterError, match="3 names given for a model with 2 outputs"):
        explain_images(left_model, images, class_names=["a", "b", "c"])
    with pytest.raises(InputTypeError, match=r"reference: its images are .* \(1, 8, 8\)"):
        explain_images(lambda b: b.mean(axis=(1, 2, 3)), images, reference=np.zeros((1, 1, 8, 8)))
    with pytest.raises(EmptyDataError, match="reference is empty"):
        explain_images(left_model, images, reference=[])
    with pytest.raises(ParameterError, match="'mask_value' parameter"):
        ImageExplainSettings(mask_value=float("nan"))


def test_reference_images_are_explained_the_same_way(left_model: Path) -> None:
    current, reference = _noise(2, seed=4), _noise(3, seed=5)
    result = explain_images(left_model, current, reference=reference, max_evals=100)
    assert result.reference is not None
    assert [e.source for e in result.reference.images] == [f"reference[{i}]" for i in range(3)]
    assert result.reference.bounds.images_total == 3
    assert result.reference.mask == result.mask
    # The mask is each channel's mean over both sides; the oracle: the base value is the
    # model's score on the image all of that value.
    both = float(np.concatenate([current, reference]).mean())
    model = load_model(left_model)
    masked = np.full_like(current[:1], both)
    for explained in (*result.images, *result.reference.images):
        k = explained.class_index
        assert explained.base_value == pytest.approx(float(model(masked)[0, k]), abs=1e-5)
    # The same as explaining the reference alone with that constant mask.
    alone = explain_images(left_model, reference, max_evals=100, mask_value=both)
    for mine, theirs in zip(result.reference.images, alone.images, strict=True):
        np.testing.assert_allclose(mine.attributions, theirs.attributions, atol=1e-6)
    as_json = json.loads(json.dumps(result.to_dict(cells=4)))
    assert as_json["reference"]["reference"] is None
    assert as_json["images"][0]["overlay"] is None
    assert explain_images(left_model, current, max_evals=100).reference is None
