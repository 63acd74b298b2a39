"""Reading inputs and describing their columns."""

from driftscope.data.infer import infer_schema
from driftscope.data.io import Table, read_table
from driftscope.data.schema import ColumnKind, ColumnRole, ColumnSpec, Schema

__all__ = [
    "ColumnKind",
    "ColumnRole",
    "ColumnSpec",
    "Schema",
    "Table",
    "infer_schema",
    "read_table",
]
