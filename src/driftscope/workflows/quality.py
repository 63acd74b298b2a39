"""`quality_report`: the data-quality checks alone (`driftscope quality`), without a model."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from driftscope.analyses.quality import QualitySettings, run_quality
from driftscope.data.infer import infer_schema
from driftscope.data.schema import Schema
from driftscope.report import SCHEMA_VERSION
from driftscope.workflows.compare import _as_schema, check_arguments, read_pair

__all__ = ["quality_report"]


def quality_report(
    reference: Any,
    current: Any,
    schema: Schema | Mapping[str, Any] | str | Path | None = None,
    *,
    settings: QualitySettings | None = None,
    encoding: str = "utf-8",
    delimiter: str | None = None,
) -> dict[str, Any]:
    """Data quality alone (`driftscope quality`): JSON-ready data with the inputs and checks."""
    check_arguments(
        reference, current, seed=0, methods=None, thresholds=None, owner="quality_report"
    )
    ref_table, cur_table = read_pair(reference, current, encoding=encoding, delimiter=delimiter)
    full_schema, warnings = infer_schema(ref_table.frame, cur_table.frame, _as_schema(schema))
    result = run_quality(
        ref_table.frame, cur_table.frame, full_schema, settings or QualitySettings()
    )
    return {
        # The same version as the report JSON: `quality` here is that report's quality section.
        "schema_version": SCHEMA_VERSION,
        "reference": ref_table.name,
        "current": cur_table.name,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "warnings": [*ref_table.warnings, *cur_table.warnings, *warnings],
        "quality": result.to_dict(),
    }
