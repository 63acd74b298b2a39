"""driftscope: watch machine-learning models after they ship."""

from driftscope._api import compare
from driftscope._monitor import monitor
from driftscope._version import __version__
from driftscope.analyses.drift import DriftSettings
from driftscope.data.schema import ColumnKind, ColumnRole, ColumnSpec, Schema
from driftscope.exceptions import (
    ColumnError,
    DriftscopeError,
    EmptyDataError,
    FileFormatError,
    InputFileNotFoundError,
    ParameterError,
    SchemaError,
)
from driftscope.report import Report

__all__ = [
    "ColumnError",
    "ColumnKind",
    "ColumnRole",
    "ColumnSpec",
    "DriftSettings",
    "DriftscopeError",
    "EmptyDataError",
    "FileFormatError",
    "InputFileNotFoundError",
    "ParameterError",
    "Report",
    "Schema",
    "SchemaError",
    "__version__",
    "compare",
    "monitor",
]
