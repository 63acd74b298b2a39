"""Formatting only: results to JSON, self-contained HTML and the terminal."""

from driftscope.report._report import SCHEMA_VERSION, Report, RunMetadata

__all__ = ["SCHEMA_VERSION", "Report", "RunMetadata"]
