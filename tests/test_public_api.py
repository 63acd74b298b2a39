"""The curated public surface: `driftscope.__all__`, and the exception hierarchy behind it."""

from __future__ import annotations

import importlib
import inspect

import pytest

import driftscope
from driftscope import exceptions

EXPECTED_ALL = [
    "Client",
    "ColumnError",
    "ColumnKind",
    "ColumnRole",
    "ColumnSpec",
    "DriftSettings",
    "DriftscopeError",
    "EmptyDataError",
    "Explanation",
    "ExtraMissingError",
    "FileFormatError",
    "ImageExplanation",
    "InputFileNotFoundError",
    "InputTypeError",
    "IntegrationError",
    "MetricNotComputedError",
    "OutputFileError",
    "ParameterError",
    "PerformanceEstimate",
    "Profile",
    "ProfileSettings",
    "Reference",
    "Report",
    "Schema",
    "SchemaError",
    "ServiceConnectionError",
    "ServiceRequestError",
    "ServiceTimeoutError",
    "TextExplanation",
    "__version__",
    "ab_test",
    "compare",
    "compare_audio",
    "compare_images",
    "compare_text",
    "estimate",
    "explain",
    "explain_images",
    "explain_text",
    "feedback",
    "monitor",
    "monitor_asr",
    "monitor_images",
    "prepare",
    "profile",
    "shadow_compare",
]

# Each public error and the built-in that `except` clauses written without driftscope catch.
EXPECTED_BUILTINS = {
    "ColumnError": ValueError,
    "EmptyDataError": ValueError,
    "ExtraMissingError": ImportError,
    "FileFormatError": ValueError,
    "InputFileNotFoundError": FileNotFoundError,
    "InputTypeError": TypeError,
    "IntegrationError": ConnectionError,
    "MetricNotComputedError": ValueError,
    "OutputFileError": OSError,
    "ParameterError": ValueError,
    "SchemaError": ValueError,
    "ServiceConnectionError": ConnectionError,
    "ServiceRequestError": OSError,
    "ServiceTimeoutError": TimeoutError,
}


def test_all_is_the_expected_list() -> None:
    """The exceptions come last in ``__all__``, taken from `driftscope.exceptions`."""
    assert sorted(driftscope.__all__) == EXPECTED_ALL
    assert len(set(driftscope.__all__)) == len(driftscope.__all__)
    assert sorted(EXPECTED_ALL) == EXPECTED_ALL


@pytest.mark.parametrize("name", EXPECTED_ALL)
def test_every_public_name_is_importable(name: str) -> None:
    module = importlib.import_module("driftscope")
    assert hasattr(module, name)
    namespace: dict[str, object] = {}
    exec(f"from driftscope import {name}", namespace)
    assert namespace[name] is getattr(driftscope, name)


def test_star_import_gives_exactly_all() -> None:
    namespace: dict[str, object] = {}
    exec("from driftscope import *", namespace)
    assert sorted(k for k in namespace if k != "__builtins__") == EXPECTED_ALL


def test_version_is_a_string() -> None:
    assert isinstance(driftscope.__version__, str)
    assert driftscope.__version__[0].isdigit()


def test_every_public_exception_is_exported_at_the_top_level() -> None:
    public_errors = sorted(
        name
        for name, obj in vars(exceptions).items()
        if inspect.isclass(obj) and issubclass(obj, BaseException) and not name.startswith("_")
    )
    assert public_errors == sorted(exceptions.__all__)
    assert set(public_errors) <= set(driftscope.__all__)
    assert sorted([*EXPECTED_BUILTINS, "DriftscopeError"]) == public_errors


def test_driftscope_error_is_an_exception() -> None:
    assert issubclass(driftscope.DriftscopeError, Exception)
    assert driftscope.DriftscopeError is exceptions.DriftscopeError


@pytest.mark.parametrize(("name", "builtin"), sorted(EXPECTED_BUILTINS.items()))
def test_public_exception_subclasses_base_and_builtin(name: str, builtin: type[Exception]) -> None:
    error = getattr(driftscope, name)
    assert error is getattr(exceptions, name)
    assert issubclass(error, driftscope.DriftscopeError)
    assert issubclass(error, builtin)
    with pytest.raises(builtin, match=r"^boom$"):
        raise error("boom")


def test_import_is_lazy_and_light() -> None:
    # `import driftscope` alone loads no statistics stack: the CLI and feature-extraction
    # workers start fast. Checked in a fresh interpreter.
    import subprocess
    import sys

    code = (
        "import sys, driftscope; "
        "print(sorted(m for m in ('scipy', 'pandas', 'sklearn') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = driftscope.nope  # type: ignore[attr-defined]
