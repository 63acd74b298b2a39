"""`quality_report`: the data-quality checks alone (`driftscope quality`), without a model."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from driftscope.analyses.quality import QualityResult, QualitySettings, run_quality
from driftscope.data.infer import infer_schema
from driftscope.data.schema import Schema
from driftscope.report import SCHEMA_VERSION
from driftscope.workflows.compare import _as_schema, check_arguments, read_pair

__all__ = ["QualityReport", "quality_report"]


@dataclass(frozen=True)
class QualityReport:
    """What `quality_report` returns: the two tables' names, when, the warnings of reading them,
    and the quality checks. ``to_dict`` is the JSON of ``driftscope quality --json``
    (``quality_report`` in docs/report-schema.md)."""

    reference: str
    current: str
    created_at: str
    warnings: tuple[str, ...]
    quality: QualityResult

    @property
    def status(self) -> str:
        """The worst status of any check: ``ok``, ``warning`` or ``alert``."""
        return self.quality.status

    def to_dict(self) -> dict[str, Any]:
        return {
            # The report JSON's version: `quality` here is that report's quality section.
            "schema_version": SCHEMA_VERSION,
            "reference": self.reference,
            "current": self.current,
            "created_at": self.created_at,
            "warnings": list(self.warnings),
            "quality": self.quality.to_dict(),
        }


def quality_report(
    reference: Any,
    current: Any,
    schema: Schema | Mapping[str, Any] | str | Path | None = None,
    *,
    settings: QualitySettings | None = None,
    encoding: str = "utf-8",
    delimiter: str | None = None,
) -> QualityReport:
    """Data quality alone (`driftscope quality`): the inputs and the checks, typed."""
    check_arguments(
        reference, current, seed=0, methods=None, thresholds=None, owner="quality_report"
    )
    ref_table, cur_table = read_pair(reference, current, encoding=encoding, delimiter=delimiter)
    full_schema, warnings = infer_schema(ref_table.frame, cur_table.frame, _as_schema(schema))
    result = run_quality(
        ref_table.frame, cur_table.frame, full_schema, settings or QualitySettings()
    )
    return QualityReport(
        reference=ref_table.name,
        current=cur_table.name,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        warnings=(*ref_table.warnings, *cur_table.warnings, *warnings),
        quality=result,
    )
