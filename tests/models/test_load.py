"""Loading user models: ONNX through onnxruntime, Python callables, and clear refusals."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from tests.models.onnx_labels import labelling_classifier
from tests.onnx_models import brightness_classifier, brightness_segmenter

from driftscope.models import Model, load_model
from driftscope.models._load import ModelError, ModelOutputError


def _batch(levels: list[float], size: int = 32) -> np.ndarray:
    return np.stack([np.full((3, size, size), v, np.float32) for v in levels])


def test_onnx_classifier_runs_and_declares_its_input(tmp_path: Path) -> None:
    model = load_model(brightness_classifier(tmp_path / "clf.onnx"))
    assert model.kind == "onnx"
    assert model.input_shape == (3, 32, 32)
    probabilities = model(_batch([0.05, 0.5, 0.95]))
    assert probabilities.shape == (3, 3)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-6)
    assert probabilities.argmax(axis=1).tolist() == [0, 1, 2]
    # The same numbers by hand: logits = w * brightness + b, then softmax.
    logits = np.array([[-30.0, 0.0, 30.0]]).T @ np.array([[0.05, 0.5, 0.95]])
    logits = logits.T + np.array([10.0, 0.0, -20.0])
    expected = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(probabilities, expected, rtol=1e-4, atol=1e-6)


def test_onnx_segmenter_gives_per_pixel_probabilities(tmp_path: Path) -> None:
    model = load_model(brightness_segmenter(tmp_path / "seg.onnx"))
    batch = _batch([0.2, 0.8])
    batch[0, :, :16, :] = 0.9  # the top half of the first image is bright
    out = model(batch)
    assert out.shape == (2, 2, 32, 32)
    masks = out.argmax(axis=1)
    assert masks[0, :16].all()
    assert not masks[0, 16:].any()
    assert masks[1].all()


def test_callables_and_import_strings(tmp_path: Path) -> None:
    model = load_model(lambda b: b.reshape(len(b), -1)[:, :2])
    assert model.kind == "callable"
    assert model(_batch([0.25, 0.75], size=2)).tolist() == [[0.25, 0.25], [0.75, 0.75]]
    imported = load_model("numpy:atleast_2d")
    assert imported.kind == "callable"
    assert imported(np.zeros((2, 3), np.float32)).shape == (2, 3)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("missing.onnx", "does not exist"),
        ("model.pkl", "pickle, which runs code"),
        ("numpy:no_such_function", "could not be imported"),
        ("no_such_module_xyz:f", "could not be imported"),
        ("model.bin", "expected an .onnx, torch.export"),
    ],
)
def test_refusals_name_the_model(spec: str, message: str) -> None:
    with pytest.raises(ModelError, match=message):
        load_model(spec)


def test_corrupt_onnx_and_wrong_output_name(tmp_path: Path) -> None:
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not a model")
    with pytest.raises(ModelError, match=r"bad\.onnx could not be loaded as an ONNX model"):
        load_model(bad)
    with pytest.raises(ModelError, match="has no output 'logits'"):
        load_model(brightness_classifier(tmp_path / "clf.onnx"), output="logits")


def test_a_failing_or_misshaped_model_is_reported() -> None:
    def broken(batch: np.ndarray) -> np.ndarray:
        raise RuntimeError("boom")

    with pytest.raises(ModelError, match="model broken failed: RuntimeError: boom"):
        load_model(broken)(_batch([0.1], size=2))
    with pytest.raises(ModelError, match="one output row per input"):
        load_model(lambda b: np.zeros(5))(_batch([0.1, 0.2], size=2))


def test_torchscript_file_torch_module_and_import_string(tmp_path: Path) -> None:
    import torch

    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Conv2d(3, 4, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.AdaptiveAvgPool2d(1),
        torch.nn.Flatten(),
        torch.nn.Linear(4, 2),
    )
    batch = _batch([0.1, 0.9], size=8)
    with torch.no_grad():
        expected = net(torch.from_numpy(batch)).numpy()
    path = tmp_path / "net.pt"
    with warnings.catch_warnings():  # TorchScript is deprecated in PyTorch 2.13, still loadable
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.jit.script(net).save(str(path))
    from_file = load_model(path)
    assert from_file.kind == "torchscript"
    np.testing.assert_allclose(from_file(batch), expected, rtol=1e-5, atol=1e-6)
    exported = torch.export.export(
        net, (torch.from_numpy(batch),), dynamic_shapes={"input": {0: torch.export.Dim("batch")}}
    )
    torch.export.save(exported, str(tmp_path / "net.pt2"))
    program = load_model(tmp_path / "net.pt2")
    assert program.kind == "torch.export"
    np.testing.assert_allclose(
        program(np.concatenate([batch] * 3)), np.concatenate([expected] * 3), rtol=1e-5, atol=1e-6
    )
    direct = load_model(net)
    assert direct.kind == "torch"
    np.testing.assert_allclose(direct(batch), expected, rtol=1e-5, atol=1e-6)
    broken = tmp_path / "broken.pt"
    broken.write_bytes(b"not a torchscript archive")
    with pytest.raises(ModelError, match=r"broken\.pt could not be loaded as a TorchScript model"):
        load_model(broken)


@pytest.mark.parametrize(
    ("returned", "message"),
    [
        (lambda b: np.array(["cat"] * len(b)), r"returned text, such as 'cat'"),
        (lambda b: ["cat"] * len(b), r"returned text, such as 'cat'"),
        (lambda b: [b"x"] * len(b), r"returned bytes, such as b'x'"),
        (lambda b: {"scores": b}, r"returned a dictionary \(keys 'scores'\)"),
        (lambda b: [[0.1], [0.2, 0.3]], "returned rows of different shapes"),
        (lambda b: [{"cat": 0.1}] * len(b), r"returned Python objects, such as \{'cat': 0\.1\}"),
        (lambda b: np.ones(len(b), complex), "returned complex numbers"),
    ],
)
def test_a_model_returning_no_numbers_is_named_with_what_was_expected(
    returned: object, message: str
) -> None:
    model = Model("labels", "callable", returned)  # type: ignore[arg-type]
    with pytest.raises(ModelOutputError, match=message) as caught:
        model(_batch([0.1, 0.9], size=2))
    text = str(caught.value)
    assert text.startswith("model labels returned")
    assert "expected numbers, one row per input" in text


def test_numbers_as_python_objects_are_numbers() -> None:
    model = load_model(lambda b: [[0.25, 0.75]] * len(b))
    assert model(_batch([0.1, 0.9], size=2)).tolist() == [[0.25, 0.75], [0.25, 0.75]]


def test_an_onnx_output_of_text_is_refused_at_load_naming_the_file_and_the_numeric_ones(
    tmp_path: Path,
) -> None:
    path = labelling_classifier(tmp_path / "labels.onnx")
    with pytest.raises(ModelOutputError) as caught:
        load_model(path)
    assert str(caught.value) == (
        f"{path}: output 'label' is tensor(string), not numbers; expected numbers, one row per "
        "input: class scores or probabilities of shape (batch, classes), per-pixel scores "
        "(batch, classes, height, width), or an embedding (batch, ...); choose one of its "
        "numeric outputs with --model-output (model_output= in Python): score."
    )
    scores = load_model(path, output="score")(_batch([0.2, 0.7]))
    np.testing.assert_allclose(scores, [[0.2], [0.7]], rtol=1e-5)  # float32 means
