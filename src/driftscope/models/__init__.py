"""Models given by the user, loaded to run on images, text or audio: ONNX files (onnxruntime),
TorchScript files or torch modules (optional torch), and plain Python callables."""

from driftscope.models._load import Model, load_model

__all__ = ["Model", "load_model"]
