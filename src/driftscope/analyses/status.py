"""The words a result is judged in, defined once and ordered: a check's or a metric's `Status`,
and a run's `Decision`. Both are `StrEnum`s, so they read, compare, print and serialise as the
plain strings the reports have always carried ("ok", "alert", "retrain")."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Decision", "Status"]


class Status(StrEnum):
    """ok < warning < alert; ``skipped``: not measured, ranked below ok.

    >>> Status.ALERT.at_least("warning"), Status("ok").rank < Status.WARNING.rank
    (True, True)
    """

    SKIPPED = "skipped"
    OK = "ok"
    WARNING = "warning"
    ALERT = "alert"

    def __repr__(self) -> str:
        return repr(self.value)

    @property
    def rank(self) -> int:
        return list(Status).index(self)

    def at_least(self, level: str) -> bool:
        return self.rank >= Status(level).rank


class Decision(StrEnum):
    """The verdict of a run: ok < investigate < retrain.

    >>> Decision.RETRAIN.at_least("investigate"), max(Decision, key=lambda d: d.rank)
    (True, 'retrain')
    """

    OK = "ok"
    INVESTIGATE = "investigate"
    RETRAIN = "retrain"

    def __repr__(self) -> str:
        return repr(self.value)

    @property
    def rank(self) -> int:
        return list(Decision).index(self)

    def at_least(self, level: str) -> bool:
        return self.rank >= Decision(level).rank
