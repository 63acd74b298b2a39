"""What a run over files (images, audio) or texts read, could not read, and found beyond the
per-feature drift: embedding drift, term drift, example inputs."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from driftscope.analyses.quality import QualityCheck, QualityResult
from driftscope.analyses.status import Decision, Status
from driftscope.analyses.verdict import Reason, Verdict, decide
from driftscope.data.paths import FileProblem

__all__ = [
    "UNUSABLE_ALERT",
    "Example",
    "InputFiles",
    "InputsSection",
    "unusable_inputs",
    "with_unusable_inputs",
]

#: Problems listed by name in a report, per side; the rest are counted.
MAX_LISTED_PROBLEMS = 20


@dataclass(frozen=True)
class InputFiles:
    """One side's inputs: rows in the table, inputs read, and the problems of the others."""

    table: str
    n_rows: int
    n_read: int
    problems: tuple[FileProblem, ...] = ()

    @property
    def n_failed(self) -> int:
        return len(self.problems)

    def summary(self) -> str:
        """E.g. ``"3 of 120 inputs could not be used (2 missing, 1 unreadable)"``."""
        counts = Counter(p.problem for p in self.problems)
        parts = ", ".join(f"{n} {problem}" for problem, n in counts.most_common())
        return f"{self.n_failed} of {self.n_rows} inputs could not be used ({parts})"

    def to_dict(self) -> dict[str, Any]:
        counts = Counter(p.problem for p in self.problems)
        return {
            "table": self.table,
            "n_rows": self.n_rows,
            "n_read": self.n_read,
            "n_failed": self.n_failed,
            "by_problem": dict(sorted(counts.items())),
            "examples": [p.to_dict() for p in self.problems[:MAX_LISTED_PROBLEMS]],
        }


@dataclass(frozen=True)
class Example:
    """An input shown in the report: its row, its path, and a small preview (a data: URI
    thumbnail for an image, or None)."""

    row: int
    path: str
    preview: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "path": self.path, "preview": self.preview}


@dataclass(frozen=True)
class InputsSection:
    """The ``inputs`` section of a report on images, audio or text.

    ``features`` are the per-input feature columns handed to the drift core (their results are
    in the report's ``columns``); ``embedding`` is the embedding drift (`EmbeddingDrift`) when
    embeddings were computed, with ``embedding_source`` saying from what; ``terms`` is the term
    drift (`TermDrift`) of a text column.
    """

    modality: str
    column: str
    reference: InputFiles
    current: InputFiles
    features: tuple[str, ...]
    embedding: Any = None
    embedding_source: str | None = None
    terms: Any = None
    examples: dict[str, tuple[Example, ...]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "modality": self.modality,
            "column": self.column,
            "reference": self.reference.to_dict(),
            "current": self.current.to_dict(),
            "features": list(self.features),
            "embedding": None if self.embedding is None else self.embedding.to_dict(),
            "embedding_source": self.embedding_source,
            "terms": None if self.terms is None else self.terms.to_dict(),
            "examples": {
                side: [e.to_dict() for e in items] for side, items in self.examples.items()
            },
            "notes": list(self.notes),
        }


#: Increase of the share of current inputs that could not be used, over the reference's, at
#: which the ``unusable_inputs`` quality check is an alert (any unusable input is a warning).
UNUSABLE_ALERT = 0.05


def unusable_inputs(section: InputsSection) -> QualityCheck:
    """The ``unusable_inputs`` data-quality check of a monitoring run over files: a warning when
    any current input could not be used, an alert when their share rose by `UNUSABLE_ALERT` or
    more over the reference's."""
    cur, ref = section.current, section.reference
    share = cur.n_failed / cur.n_rows if cur.n_rows else 0.0
    ref_share = ref.n_failed / ref.n_rows if ref.n_rows else 0.0
    status = (
        Status.ALERT
        if share - ref_share >= UNUSABLE_ALERT
        else Status.WARNING
        if cur.n_failed
        else Status.OK
    )
    message = (
        f"{section.column}: {cur.summary()} (reference {ref.n_failed} of {ref.n_rows})."
        if cur.n_failed
        else f"{section.column}: every current input could be used."
    )
    return QualityCheck(
        check="unusable_inputs",
        column=section.column,
        count=cur.n_failed,
        share=share,
        reference_share=ref_share,
        examples=tuple(
            f"row {p.row}: {p.path or '(empty)'} ({p.problem})" for p in cur.problems[:5]
        ),
        threshold=0.0,
        alert_threshold=UNUSABLE_ALERT,
        status=status,
        message=message,
    )


def with_unusable_inputs(
    quality: QualityResult, verdict: Verdict, section: InputsSection
) -> tuple[QualityResult, Verdict]:
    """The quality checks with `unusable_inputs` added, and the verdict with it as a reason
    ("investigate") when it is an alert."""
    check = unusable_inputs(section)
    quality = QualityResult.from_checks(
        (*quality.checks, check), quality.n_reference_rows, quality.n_current_rows
    )
    if check.status == Status.ALERT:
        reason = Reason("quality", Decision.INVESTIGATE, check.message, check.share)
        verdict = decide((*verdict.reasons, reason))
    return quality, verdict
