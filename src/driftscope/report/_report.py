"""The `Report`: all results of one run, with the schema, settings, timings and warnings."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from driftscope._version import __version__
from driftscope.analyses.results import DriftResult
from driftscope.data.schema import Schema

__all__ = ["SCHEMA_VERSION", "Report", "RunMetadata", "write_atomic"]

# Bump the major part on any change that can break a reader; see docs/report-schema.md.
SCHEMA_VERSION = "1.3"


def write_atomic(path: str | Path, text: str) -> None:
    """Write a file so that readers see either the old content or the new, never half of it."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    # mkstemp creates the file private (0600); give it the mode a plain open() would.
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class RunMetadata:
    reference: str
    current: str
    n_reference_rows: int
    n_current_rows: int
    created_at: str
    settings: dict[str, Any]
    timings: dict[str, float] = field(default_factory=dict)
    driftscope_version: str = __version__

    def to_dict(self) -> dict[str, Any]:
        return {
            "driftscope_version": self.driftscope_version,
            "created_at": self.created_at,
            "reference": self.reference,
            "current": self.current,
            "n_reference_rows": self.n_reference_rows,
            "n_current_rows": self.n_current_rows,
            "settings": self.settings,
            "timings": {k: round(v, 6) for k, v in self.timings.items()},
        }


@dataclass(frozen=True)
class Report:
    """The outcome of `driftscope.compare`: save it as JSON or HTML, or print it."""

    drift: DriftResult
    schema: Schema
    metadata: RunMetadata
    rules: dict[str, str]
    # Sections of a model-monitoring report (`driftscope.monitor`); None in a drift-only one.
    model: Any = None
    performance: Any = None
    concept_drift: Any = None
    quality: Any = None
    windows: Any = None
    change_points: Any = None
    verdict: Any = None
    # Files or texts behind the features (`driftscope.analyses.inputs.InputsSection`), if any.
    inputs: Any = None
    extra_warnings: tuple[str, ...] = ()

    @property
    def drifted(self) -> bool:
        """Whether the dataset as a whole drifted, by the dataset rule."""
        return self.drift.dataset.drifted

    @property
    def warnings(self) -> tuple[str, ...]:
        return (*self.drift.warnings, *self.extra_warnings)

    def to_dict(self) -> dict[str, Any]:
        """The report as plain JSON-ready data, in the shape documented in docs/report-schema.md."""
        return {
            "schema_version": SCHEMA_VERSION,
            "metadata": self.metadata.to_dict(),
            "schema": self.schema.to_dict(),
            "rules": dict(self.rules),
            "columns": [c.to_dict() for c in self.drift.columns],
            "dataset": self.drift.dataset.to_dict(),
            "multivariate": [m.to_dict() for m in self.drift.multivariate],
            "warnings": list(self.warnings),
            "model": None if self.model is None else self.model.to_dict(),
            "performance": None if self.performance is None else self.performance.to_dict(),
            "concept_drift": None if self.concept_drift is None else self.concept_drift.to_dict(),
            "quality": None if self.quality is None else self.quality.to_dict(),
            "windows": None if self.windows is None else self.windows.to_dict(),
            "change_points": None if self.change_points is None else self.change_points.to_dict(),
            "verdict": None if self.verdict is None else self.verdict.to_dict(),
            "inputs": None if self.inputs is None else self.inputs.to_dict(),
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)

    def save_json(self, path: str | Path) -> Path:
        write_atomic(path, self.to_json())
        return Path(path)

    def to_html(self) -> str:
        from driftscope.report.html import render_html

        return render_html(self.to_dict())

    def save_html(self, path: str | Path) -> Path:
        write_atomic(path, self.to_html())
        return Path(path)

    def _repr_html_(self) -> str:
        from driftscope.report.html import render_html

        return render_html(self.to_dict(), standalone=False)

    def __rich__(self) -> Any:
        from driftscope.report.terminal import render_terminal

        return render_terminal(self.to_dict())
