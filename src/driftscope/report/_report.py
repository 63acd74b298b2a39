"""The `Report`: all results of one run, with the schema, settings, timings and warnings."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from driftscope._atomic import write_all, write_atomic
from driftscope._version import __version__
from driftscope.analyses.results import DriftResult
from driftscope.data.schema import Schema

if TYPE_CHECKING:
    from driftscope.analyses.change_points import ChangePoints
    from driftscope.analyses.concept import ConceptDrift
    from driftscope.analyses.estimation import PerformanceEstimate
    from driftscope.analyses.explanation import ExplanationsSection
    from driftscope.analyses.feedback import FeedbackResult
    from driftscope.analyses.inputs import InputsSection
    from driftscope.analyses.model import ModelColumns
    from driftscope.analyses.model_comparison import ABTestResult, ShadowResult
    from driftscope.analyses.performance import PerformanceResult
    from driftscope.analyses.profiled import ProfilesSection
    from driftscope.analyses.quality import QualityResult
    from driftscope.analyses.verdict import Verdict
    from driftscope.analyses.windows import WindowsResult

__all__ = ["SCHEMA_VERSION", "Report", "RunMetadata", "write_all", "write_atomic"]

# Bump the major part on any change that can break a reader; see docs/report-schema.md.
SCHEMA_VERSION = "1.7"


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
    model: ModelColumns | None = None
    performance: PerformanceResult | None = None
    concept_drift: ConceptDrift | None = None
    quality: QualityResult | None = None
    windows: WindowsResult | None = None
    change_points: ChangePoints | None = None
    verdict: Verdict | None = None
    # The model's attributions (`monitor(..., explain_model=...)`).
    explanations: ExplanationsSection | None = None
    # Files or texts behind the features, if any.
    inputs: InputsSection | None = None
    # Performance estimated where current's labels have not arrived (`monitor`).
    estimated_performance: PerformanceEstimate | None = None
    # Feedback joined to current, a shadow model beside production, an A/B test of the arms
    # (`monitor(..., feedback=..., shadow_prediction=..., arm=...)`).
    feedback: FeedbackResult | None = None
    shadow: ShadowResult | None = None
    ab_test: ABTestResult | None = None
    extra_warnings: tuple[str, ...] = ()
    # The sides given as profiles, and what needs rows and was not run (`compare` on profiles).
    profiles: ProfilesSection | None = None

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
            "explanations": None if self.explanations is None else self.explanations.to_dict(),
            "estimated_performance": (
                None if self.estimated_performance is None else self.estimated_performance.to_dict()
            ),
            "feedback": None if self.feedback is None else self.feedback.to_dict(),
            "shadow": None if self.shadow is None else self.shadow.to_dict(),
            "ab_test": None if self.ab_test is None else self.ab_test.to_dict(),
            "profiles": None if self.profiles is None else self.profiles.to_dict(),
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

    def save(self, html: str | Path | None = None, json: str | Path | None = None) -> None:
        """Write the HTML and the JSON report, both or neither: both are rendered and written
        to temporary files first, then renamed into place."""
        files = []
        if html is not None:
            files.append((Path(html), self.to_html()))
        if json is not None:
            files.append((Path(json), self.to_json()))
        write_all(files)

    def _repr_html_(self) -> str:
        from driftscope.report.html import render_html

        return render_html(self.to_dict(), standalone=False)

    def __rich__(self) -> Any:
        from driftscope.report.terminal import render_terminal

        return render_terminal(self.to_dict())
