"""An ONNX classifier whose first output is text, built in code (no weights downloaded)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def labelling_classifier(path: Path, size: int = 32) -> Path:
    """A classifier whose first output is text, as scikit-learn's exported classifiers have:
    ``label`` ("dark" or "bright" by mean brightness, strings of shape (batch,)), then
    ``score`` (the brightness, float of shape (batch, 1))."""
    nodes = [
        helper.make_node("ReduceMean", ["image"], ["mean"], axes=[1, 2, 3], keepdims=0),
        helper.make_node("Greater", ["mean", "half"], ["bright"]),
        helper.make_node("Cast", ["bright"], ["index"], to=TensorProto.INT64),
        helper.make_node(
            "LabelEncoder",
            ["index"],
            ["label"],
            domain="ai.onnx.ml",
            keys_int64s=[0, 1],
            values_strings=["dark", "bright"],
        ),
        helper.make_node("Unsqueeze", ["mean", "axis"], ["score"]),
    ]
    graph = helper.make_graph(
        nodes,
        "labelling_classifier",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["batch", 3, size, size])],
        [
            helper.make_tensor_value_info("label", TensorProto.STRING, ["batch"]),
            helper.make_tensor_value_info("score", TensorProto.FLOAT, ["batch", 1]),
        ],
        [
            numpy_helper.from_array(np.array(0.5, np.float32), "half"),
            numpy_helper.from_array(np.array([1], np.int64), "axis"),
        ],
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("ai.onnx.ml", 3)],
    )
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path
