"""The verdict: ``ok``, ``investigate`` or ``retrain``, with ranked reasons in plain words.

Rules (docs/verdict.md):

- **retrain** when a performance metric is in alert (below its floor, or a significant drop of at
  least the alert size), or when concept drift is found together with a performance drop.
- **investigate** when a metric is in warning, concept drift is found without a significant
  drop, the dataset drifted, the target (label drift) or the predictions drifted, a multivariate
  test found drift, a data-quality check is in alert, or time windows broke their learnt bands.
- **ok** otherwise.

Reasons are ranked by severity (retrain-level first), then by size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Reason", "Verdict", "decide"]

OK = "ok"
INVESTIGATE = "investigate"
RETRAIN = "retrain"
_ORDER = {OK: 0, INVESTIGATE: 1, RETRAIN: 2}


@dataclass(frozen=True)
class Reason:
    """One reason for the verdict: which analysis, how severe, and a sentence with the numbers."""

    source: str
    severity: str
    message: str
    score: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "severity": self.severity, "message": self.message}


@dataclass(frozen=True)
class Verdict:
    decision: str
    reasons: tuple[Reason, ...] = field(default=())
    summary: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "decision": self.decision,
            "summary": self.summary,
            "reasons": [r.to_dict() for r in self.reasons],
        }

    def at_least(self, level: str) -> bool:
        """Whether the decision is ``level`` or worse (``--fail-on``)."""
        return _ORDER[self.decision] >= _ORDER[level]


def decide(reasons: Sequence[Reason], note: str | None = None) -> Verdict:
    """Rank the reasons and take the most severe as the decision.

    ``note`` is added to an ``ok`` summary: what the details show that is not a reason (a
    column drifted on its own test, no more than chance explains across many columns).

    >>> v = decide([Reason("drift", INVESTIGATE, "3 of 10 features drifted", 0.3),
    ...             Reason("performance", RETRAIN, "F1 fell from 0.91 to 0.78", 0.14)])
    >>> v.decision, [r.source for r in v.reasons]
    ('retrain', ['performance', 'drift'])
    """
    ranked = sorted(reasons, key=lambda r: (-_ORDER[r.severity], -r.score))
    decision = ranked[0].severity if ranked else OK
    if decision == RETRAIN:
        summary = "Retrain: the model's performance has dropped. " + ranked[0].message
    elif decision == INVESTIGATE:
        summary = "Investigate: something moved, but performance has not clearly dropped. " + (
            ranked[0].message
        )
    else:
        summary = "OK: no performance drop, drift or data-quality alert." + (
            f" {note[0].upper()}{note[1:]}" if note else ""
        )
    return Verdict(decision, tuple(ranked), summary)
