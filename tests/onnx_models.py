"""Tiny ONNX models built in code for the tests: no weights are downloaded."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import onnx
from numpy.typing import NDArray
from onnx import TensorProto, helper, numpy_helper


def _save(graph: onnx.GraphProto, path: Path) -> Path:
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def brightness_classifier(path: Path, size: int = 32) -> Path:
    """A small convolutional classifier: 3 classes by mean brightness (dark, mid, bright).

    Conv (3 -> 1 channel, the channel mean) -> GlobalAveragePool -> Flatten -> Gemm (1 -> 3)
    -> Softmax. The logits are ``w * b + c`` with the brightness ``b`` in [0, 1], so class 0
    wins below ~1/3, class 2 above ~2/3.
    """
    weight = np.full((1, 3, 1, 1), 1.0 / 3.0, np.float32)
    gemm_w = np.array([[-30.0, 0.0, 30.0]], np.float32)
    gemm_b = np.array([10.0, 0.0, -20.0], np.float32)
    nodes = [
        helper.make_node("Conv", ["image", "w"], ["luma"]),
        helper.make_node("GlobalAveragePool", ["luma"], ["pooled"]),
        helper.make_node("Flatten", ["pooled"], ["flat"]),
        helper.make_node("Gemm", ["flat", "gw", "gb"], ["logits"]),
        helper.make_node("Softmax", ["logits"], ["probabilities"], axis=1),
    ]
    graph = helper.make_graph(
        nodes,
        "brightness_classifier",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["batch", 3, size, size])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["batch", 3])],
        [
            numpy_helper.from_array(weight, "w"),
            numpy_helper.from_array(gemm_w, "gw"),
            numpy_helper.from_array(gemm_b, "gb"),
        ],
    )
    return _save(graph, path)


def brightness_segmenter(path: Path, size: int = 32) -> Path:
    """A per-pixel 2-class segmenter: class 1 where the pixel's mean channel value > 0.5.

    Conv 1x1 (3 -> 2 channels) -> Softmax over the channel axis: probabilities of shape
    (batch, 2, size, size).
    """
    weight = np.zeros((2, 3, 1, 1), np.float32)
    weight[1] = 40.0 / 3.0
    bias = np.array([0.0, -20.0], np.float32)
    nodes = [
        helper.make_node("Conv", ["image", "w", "b"], ["logits"]),
        helper.make_node("Softmax", ["logits"], ["probabilities"], axis=1),
    ]
    graph = helper.make_graph(
        nodes,
        "brightness_segmenter",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["batch", 3, size, size])],
        [
            helper.make_tensor_value_info(
                "probabilities", TensorProto.FLOAT, ["batch", 2, size, size]
            )
        ],
        [numpy_helper.from_array(weight, "w"), numpy_helper.from_array(bias, "b")],
    )
    return _save(graph, path)


@functools.cache
def _digits_weights() -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """The digits model's weights and biases, trained once per test session."""
    from sklearn.datasets import load_digits
    from sklearn.linear_model import LogisticRegression

    digits = load_digits()
    model = LogisticRegression(max_iter=2000).fit(digits.data / 16.0, digits.target)
    return model.coef_.astype(np.float32), model.intercept_.astype(np.float32)


def digits_classifier(path: Path, size: int = 8) -> Path:
    """A logistic regression on scikit-learn's bundled 8x8 digits, as an ONNX graph: a grey
    (1, 8, 8) image in [0, 1] -> Flatten -> Gemm -> Softmax over the 10 digits. Trained here,
    in a second, on pixels scaled as ``value / 16``. With ``size`` a multiple of 8, it takes
    (1, size, size) images and averages them down to 8x8 first (AveragePool)."""
    weight, bias = _digits_weights()
    nodes = [
        helper.make_node("Flatten", ["pooled"], ["flat"]),
        helper.make_node("Gemm", ["flat", "w", "b"], ["logits"], transB=1),
        helper.make_node("Softmax", ["logits"], ["probabilities"], axis=1),
    ]
    factor = size // 8
    if size % 8 or factor < 1:
        raise ValueError(f"size must be a multiple of 8, got {size}")
    pool = helper.make_node(
        "AveragePool",
        ["image"],
        ["pooled"],
        kernel_shape=[factor, factor],
        strides=[factor, factor],
    )
    graph = helper.make_graph(
        [pool, *nodes],
        "digits_classifier",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["batch", 1, size, size])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["batch", 10])],
        [
            numpy_helper.from_array(weight, "w"),
            numpy_helper.from_array(bias, "b"),
        ],
    )
    return _save(graph, path)


def flat_classifier(path: Path, features: int = 64) -> Path:
    """A model of flat (batch, features) inputs, not images: MatMul to 2 scores."""
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["y"])],
        "flat",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", features])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 2])],
        [numpy_helper.from_array(np.ones((features, 2), np.float32), "w")],
    )
    return _save(graph, path)


def left_half_weights(size: int = 16, classes: int = 2) -> NDArray[np.float32]:
    """Seeded per-pixel weights (classes, size, size) of `left_half_classifier`: zero on the
    right half, so the model cannot see it."""
    # Small weights keep the softmax away from saturation: close to linear, as LIME assumes.
    weights = np.random.default_rng(3).normal(0.0, 0.2, (classes, size, size)).astype(np.float32)
    weights[:, :, size // 2 :] = 0.0
    return weights


def left_half_classifier(path: Path, size: int = 16, classes: int = 2) -> Path:
    """A linear classifier of grey (1, size, size) images that looks only at their left half:
    Flatten -> Gemm with `left_half_weights` -> Softmax."""
    weight = left_half_weights(size, classes).reshape(classes, -1)
    nodes = [
        helper.make_node("Flatten", ["image"], ["flat"]),
        helper.make_node("Gemm", ["flat", "w", "b"], ["logits"], transB=1),
        helper.make_node("Softmax", ["logits"], ["probabilities"], axis=1),
    ]
    graph = helper.make_graph(
        nodes,
        "left_half_classifier",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["batch", 1, size, size])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["batch", classes])],
        [
            numpy_helper.from_array(weight, "w"),
            numpy_helper.from_array(np.zeros(classes, np.float32), "b"),
        ],
    )
    return _save(graph, path)
