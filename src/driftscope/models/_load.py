"""Load a user's model into one calling convention: a float32 batch in, a numpy array out."""

from __future__ import annotations

import importlib
import os
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from driftscope.exceptions import DriftscopeError

__all__ = ["Model", "ModelError", "ModelOutputError", "load_model"]

_TORCH_SUFFIXES = (".pt", ".pth", ".ts", ".torchscript")
#: What a model must return, said in every message about an output that is not that.
_EXPECTED_OUTPUT = (
    "expected numbers, one row per input: class scores or probabilities of shape (batch, "
    "classes), per-pixel scores (batch, classes, height, width), or an embedding (batch, ...)"
)
#: ONNX element types that are numbers (``tensor(<type>)``).
_ONNX_NUMERIC = frozenset(
    f"tensor({t})"
    for t in (
        "float",
        "double",
        "float16",
        "bfloat16",
        "int8",
        "int16",
        "int32",
        "int64",
        "uint8",
        "uint16",
        "uint32",
        "uint64",
        "bool",
    )
)


class ModelError(DriftscopeError, ValueError):
    """A model that cannot be loaded, or that fails on its input."""


class ModelOutputError(ModelError):
    """A model whose output is not numbers (text labels, a dictionary, ragged arrays): the same
    for every input, so a run stops at the first batch instead of failing input by input."""


@dataclass(frozen=True)
class Model:
    """A loaded model: ``model(batch)`` returns one output array with the batch's first axis.

    ``input_shape`` is the shape the model declares for one item (without the batch axis), with
    None where it is free; ``kind`` says where it came from (``onnx``, ``torchscript``,
    ``torch``, ``callable``).
    """

    name: str
    kind: str
    run: Callable[[NDArray[np.float32]], Any]
    input_shape: tuple[int | None, ...] | None = None

    def __call__(self, batch: NDArray[np.float32]) -> NDArray[np.float64]:
        try:
            out = self.run(np.ascontiguousarray(batch, dtype=np.float32))
        except Exception as exc:  # the user's code: any failure is the model's
            raise ModelError(f"model {self.name} failed: {type(exc).__name__}: {exc}") from exc
        arr = _as_array(out, self.name)
        if arr.ndim == 0 or arr.shape[0] != batch.shape[0]:
            raise ModelError(
                f"model {self.name} returned shape {arr.shape} for a batch of {batch.shape[0]}; "
                "expected one output row per input."
            )
        return arr


def _described(values: NDArray[Any]) -> str:
    """What an array that is not numbers holds, with its first value (cut short)."""
    from driftscope._shorten import printable

    kind = {"U": "text", "S": "bytes", "O": "Python objects", "c": "complex numbers"}.get(
        values.dtype.kind, f"values of type {values.dtype}"
    )
    value = values.flat[0] if values.size else None
    if isinstance(value, np.generic):
        value = value.item()
    first = f", such as {printable(repr(value), 60)}" if values.size else ""
    return f"{kind}{first}"


def _as_array(out: Any, name: str) -> NDArray[np.float64]:
    """The model's output as float64, or a `ModelOutputError` naming the model, what it
    returned and what was expected."""
    if isinstance(out, list | tuple) and out and hasattr(out[0], "shape"):
        out = out[0]  # the first of several outputs (a torch module returning a tuple)
    if hasattr(out, "detach"):  # a torch tensor
        out = out.detach().cpu().numpy()
    if isinstance(out, dict):
        raise ModelOutputError(
            f"model {name} returned a dictionary (keys {_shown_keys(out)}); {_EXPECTED_OUTPUT}."
        )
    try:
        values = np.asarray(out)
    except ValueError as exc:  # numpy refuses ragged lists
        raise ModelOutputError(
            f"model {name} returned rows of different shapes ({exc}); {_EXPECTED_OUTPUT}."
        ) from None
    if values.dtype.kind in "biuf":
        return values.astype(np.float64, copy=False)
    if values.dtype.kind == "O":
        try:
            return values.astype(np.float64)
        except (TypeError, ValueError):
            pass
    raise ModelOutputError(f"model {name} returned {_described(values)}; {_EXPECTED_OUTPUT}.")


def _shown_keys(mapping: dict[Any, Any]) -> str:
    """The first few keys of ``mapping``, for a message."""
    keys = [repr(k) for k in list(mapping)[:5]]
    return ", ".join(keys) + (", ..." if len(mapping) > 5 else "")


def _onnx(path: Path, output: str | None) -> Model:
    try:
        import onnxruntime as ort
    except ImportError:
        raise ModelError(
            f"{path} is an ONNX model; install onnxruntime (pip install 'driftscope[onnx]')."
        ) from None
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.log_severity_level = 3
    try:
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as exc:
        raise ModelError(f"{path} could not be loaded as an ONNX model: {exc}") from None
    first = session.get_inputs()[0]
    names = [o.name for o in session.get_outputs()]
    if output is not None and output not in names:
        raise ModelError(f"{path} has no output {output!r}; its outputs are {names}.")
    wanted = [output or names[0]]
    types = {o.name: o.type for o in session.get_outputs()}
    if types[wanted[0]] not in _ONNX_NUMERIC:
        numeric = [n for n in names if types[n] in _ONNX_NUMERIC]
        choice = (
            f"choose one of its numeric outputs with --model-output (model_output= in "
            f"Python): {', '.join(numeric)}"
            if numeric
            else "it has no numeric output"
        )
        raise ModelOutputError(
            f"{path}: output {wanted[0]!r} is {types[wanted[0]]}, not numbers; "
            f"{_EXPECTED_OUTPUT}; {choice}."
        )
    shape = tuple(d if isinstance(d, int) else None for d in first.shape[1:])

    def run(batch: NDArray[np.float32]) -> Any:
        return session.run(wanted, {first.name: batch})[0]

    return Model(path.name, "onnx", run, shape)


def _torch_module(module: Any, name: str, kind: str) -> Model:
    import torch

    module.eval()

    def run(batch: NDArray[np.float32]) -> Any:
        with torch.no_grad():
            return module(torch.from_numpy(batch))

    return Model(name, kind, run)


def _torchscript(path: Path) -> Model:
    try:
        import torch
    except ImportError:
        raise ModelError(
            f"{path} is a TorchScript model; install PyTorch (pip install torch==2.13.0)."
        ) from None
    try:
        with warnings.catch_warnings():
            # PyTorch 2.13 deprecates TorchScript in favour of torch.export (.pt2); existing
            # TorchScript files still load.
            warnings.simplefilter("ignore", DeprecationWarning)
            module = torch.jit.load(str(path), map_location="cpu")  # type: ignore[no-untyped-call]
    except Exception as exc:
        raise ModelError(f"{path} could not be loaded as a TorchScript model: {exc}") from None
    return _torch_module(module, path.name, "torchscript")


def _exported(path: Path) -> Model:
    try:
        import torch
    except ImportError:
        raise ModelError(
            f"{path} is a torch.export program; install PyTorch (pip install torch==2.13.0)."
        ) from None
    try:
        module = torch.export.load(str(path)).module()
    except Exception as exc:
        raise ModelError(f"{path} could not be loaded as a torch.export program: {exc}") from None

    def run(batch: NDArray[np.float32]) -> Any:
        with torch.no_grad():
            return module(torch.from_numpy(batch))

    return Model(path.name, "torch.export", run)


def _from_import(spec: str) -> Model:
    module_name, _, attr = spec.partition(":")
    # As `python -m` does, a module in the current folder can be named.
    if os.getcwd() not in sys.path and "" not in sys.path:
        sys.path.append(os.getcwd())
    try:
        target: Any = importlib.import_module(module_name)
        for part in attr.split("."):
            target = getattr(target, part)
    except (ImportError, AttributeError) as exc:
        raise ModelError(f"model {spec!r} could not be imported: {exc}") from None
    return _wrap_object(target, spec)


def _wrap_object(target: Any, name: str) -> Model:
    if type(target).__module__.startswith("torch") or _is_torch_module(target):
        return _torch_module(target, name, "torch")
    if not callable(target):
        raise ModelError(f"model {name!r} is not callable.")
    return Model(name, "callable", target)


def _is_torch_module(target: Any) -> bool:
    return any(
        cls.__module__.startswith("torch.nn") and cls.__name__ == "Module"
        for cls in type(target).__mro__
    )


def load_model(model: str | Path | Callable[..., Any], *, output: str | None = None) -> Model:
    """Load ``model``: a path to an ``.onnx`` file, a ``torch.export`` program (``.pt2``) or a
    TorchScript file (``.pt``, ``.pth``, ``.ts``), ``"package.module:attribute"`` naming a
    callable or torch module, or the callable itself. A callable takes a float32 batch (numpy)
    and returns an array (or a torch tensor) with one row per item. ``output`` picks an ONNX
    output by name (default: the first).

    Pickled models are not loaded: they run code on load. Export to ONNX or ``torch.export``.

    >>> import numpy as np
    >>> m = load_model(lambda batch: batch.mean(axis=(1, 2, 3)))
    >>> m(np.ones((2, 3, 4, 4), np.float32)).tolist()
    [1.0, 1.0]
    """
    if isinstance(model, Model):
        return model
    if callable(model) and not isinstance(model, str | Path):
        return _wrap_object(model, getattr(model, "__name__", type(model).__name__))
    text = str(model)
    path = Path(text)
    if path.suffix.lower() == ".onnx":
        if not path.is_file():
            raise ModelError(f"model file {path} does not exist.")
        return _onnx(path, output)
    if path.suffix.lower() in _TORCH_SUFFIXES:
        if not path.is_file():
            raise ModelError(f"model file {path} does not exist.")
        return _torchscript(path)
    if path.suffix.lower() == ".pt2":
        if not path.is_file():
            raise ModelError(f"model file {path} does not exist.")
        return _exported(path)
    if path.suffix.lower() in (".pkl", ".pickle", ".joblib"):
        raise ModelError(
            f"{path} is a pickle, which runs code when loaded; export the model to ONNX or "
            "TorchScript, or pass a Python callable as 'module:attribute'."
        )
    if ":" in text and not path.exists():
        return _from_import(text)
    raise ModelError(
        f"model {text!r}: expected an .onnx, torch.export (.pt2) or TorchScript (.pt, .pth, "
        ".ts) file, or "
        "'package.module:attribute' naming a callable."
    )
