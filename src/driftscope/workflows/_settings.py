"""The flat keyword shortcuts of `compare` and `monitor`, mapped onto the settings objects in one
place: a caller gives either a settings object or keywords, and messages name the function the
user called."""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

from driftscope._shorten import shown
from driftscope.analyses.drift import DriftSettings
from driftscope.analyses.performance import PerformanceSettings
from driftscope.exceptions import ParameterError

__all__ = ["describe_performance", "drift_settings", "performance_settings", "refuse_arguments"]

_S = TypeVar("_S", DriftSettings, PerformanceSettings)


def _defaults(cls: type[Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.default is not dataclasses.MISSING:
            out[f.name] = f.default
        elif f.default_factory is not dataclasses.MISSING:
            out[f.name] = f.default_factory()
    return out


def _settings(
    cls: type[_S], owner: str, argument: str, given: _S | None, keywords: dict[str, Any]
) -> _S:
    if given is None:
        return cls(**keywords, owner=owner)
    if not isinstance(given, cls):
        raise ParameterError(
            f"The {argument!r} parameter of {owner} must be a {cls.__name__} or None. "
            f"Got {type(given).__name__}."
        )
    defaults = _defaults(cls)
    # A keyword left at its default, or equal to the object's value, says nothing new.
    changed = [
        name
        for name, value in keywords.items()
        if value != defaults.get(name, value) and value != getattr(given, name, value)
    ]
    if changed:
        raise ParameterError(
            f"{owner}: give the {cls.__name__} either as {argument}= or as keywords, not both; "
            f"got {argument}= and {', '.join(f'{n}=' for n in changed)}."
        )
    return given


def drift_settings(owner: str, given: DriftSettings | None, **keywords: Any) -> DriftSettings:
    """``given``, or a `DriftSettings` from the keyword shortcuts (checked in ``owner``'s name).

    >>> drift_settings("compare", None, alpha=0.01).alpha
    0.01
    >>> drift_settings("monitor", None, alpha=2)
    Traceback (most recent call last):
    ...
    driftscope.exceptions.ParameterError: The 'alpha' parameter of monitor must be a float in \
(0, 1]. Got 2.
    """
    return _settings(DriftSettings, owner, "drift_settings", given, keywords)


def performance_settings(
    owner: str, given: PerformanceSettings | None, **keywords: Any
) -> PerformanceSettings:
    """``given``, or a `PerformanceSettings` from the keyword shortcuts."""
    return _settings(PerformanceSettings, owner, "performance_settings", given, keywords)


def refuse_arguments(owner: str, when: str, why: str, **given: object) -> None:
    """Refuse each argument of ``given`` that is not None: "The 'schema' argument of compare
    must be left out when <when>: <why>. Got ..."."""
    for argument, value in given.items():
        if value is not None:
            raise ParameterError(
                f"The {argument!r} argument of {owner} must be left out when {when}: {why}. "
                f"Got {shown(value)}."
            )


def describe_performance(settings: PerformanceSettings) -> dict[str, Any]:
    """The performance settings a report's metadata records."""
    return {
        "confidence": settings.confidence,
        "n_resamples": settings.n_resamples,
        "warning_drop": settings.warning_drop,
        "alert_drop": settings.alert_drop,
        "benchmarks": dict(settings.benchmarks),
        "floors": dict(settings.floors),
    }
