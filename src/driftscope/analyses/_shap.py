"""The explanation libraries (extra ``[explain]``), imported on first use with a clear install
line when missing."""

from __future__ import annotations

import warnings
from typing import Any

from driftscope.exceptions import ExtraMissingError

__all__ = ["INSTALL", "import_lime", "import_shap"]

INSTALL = "pip install 'driftscope[explain]'"


def import_shap() -> Any:
    """The shap module. Importing it loads its plots, which make matplotlib (3.11) warn of a
    coming deprecation in shap's own colour maps: not the user's to act on, so it is silenced
    here, once, for that import only."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PendingDeprecationWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            import shap
    except ImportError:
        raise ExtraMissingError(
            f"Explanations need the shap library; install it with {INSTALL}."
        ) from None
    return shap


def import_lime(module: str) -> Any:
    """``lime.<module>`` (``lime_tabular``, ``lime_text``, ``lime_image``)."""
    import importlib

    try:
        return importlib.import_module(f"lime.{module}")
    except ImportError:
        raise ExtraMissingError(
            f"LIME explanations need the lime library; install it with {INSTALL}."
        ) from None
