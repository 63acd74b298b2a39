"""driftscope: watch machine-learning models after they ship.

The names below are imported on first use (PEP 562), so ``import driftscope`` and the command
line start quickly, and worker processes that need only a feature extractor do not load the
statistics stack.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from driftscope import exceptions
from driftscope._version import __version__
from driftscope.exceptions import *  # noqa: F403  (the exceptions are part of the public API)

if TYPE_CHECKING:
    from driftscope.analyses.drift import DriftSettings
    from driftscope.analyses.estimation import PerformanceEstimate
    from driftscope.analyses.explanation import Explanation, explain
    from driftscope.analyses.image_explanation import ImageExplanation, explain_images
    from driftscope.analyses.text_explanation import TextExplanation, explain_text
    from driftscope.client import Client
    from driftscope.data.profile import Profile, profile
    from driftscope.data.schema import ColumnKind, ColumnRole, ColumnSpec, Schema
    from driftscope.profiles import ProfileSettings
    from driftscope.report import Report
    from driftscope.workflows.asr import monitor_asr
    from driftscope.workflows.audio import compare_audio
    from driftscope.workflows.compare import Reference, compare, prepare
    from driftscope.workflows.compare_models import ab_test, shadow_compare
    from driftscope.workflows.estimate import estimate
    from driftscope.workflows.feedback import feedback
    from driftscope.workflows.images import compare_images, monitor_images
    from driftscope.workflows.monitor import monitor
    from driftscope.workflows.text import compare_text

_LAZY = {
    "Client": "driftscope.client",
    "compare": "driftscope.workflows.compare",
    "prepare": "driftscope.workflows.compare",
    "Reference": "driftscope.workflows.compare",
    "monitor": "driftscope.workflows.monitor",
    "feedback": "driftscope.workflows.feedback",
    "ab_test": "driftscope.workflows.compare_models",
    "estimate": "driftscope.workflows.estimate",
    "PerformanceEstimate": "driftscope.analyses.estimation",
    "shadow_compare": "driftscope.workflows.compare_models",
    "compare_images": "driftscope.workflows.images",
    "compare_audio": "driftscope.workflows.audio",
    "compare_text": "driftscope.workflows.text",
    "monitor_images": "driftscope.workflows.images",
    "monitor_asr": "driftscope.workflows.asr",
    "DriftSettings": "driftscope.analyses.drift",
    "Explanation": "driftscope.analyses.explanation",
    "explain": "driftscope.analyses.explanation",
    "TextExplanation": "driftscope.analyses.text_explanation",
    "explain_text": "driftscope.analyses.text_explanation",
    "ImageExplanation": "driftscope.analyses.image_explanation",
    "explain_images": "driftscope.analyses.image_explanation",
    "ColumnKind": "driftscope.data.schema",
    "ColumnRole": "driftscope.data.schema",
    "ColumnSpec": "driftscope.data.schema",
    "Schema": "driftscope.data.schema",
    "Report": "driftscope.report",
    "Profile": "driftscope.data.profile",
    "profile": "driftscope.data.profile",
    "ProfileSettings": "driftscope.profiles",
}

__all__ = [  # the exceptions last, as `driftscope.exceptions` lists them
    "Client",
    "ColumnKind",
    "ColumnRole",
    "ColumnSpec",
    "DriftSettings",
    "PerformanceEstimate",
    "Explanation",
    "Profile",
    "ProfileSettings",
    "ImageExplanation",
    "Reference",
    "Report",
    "Schema",
    "TextExplanation",
    "__version__",
    "ab_test",
    "compare",
    "compare_audio",
    "compare_images",
    "compare_text",
    "estimate",
    "explain",
    "explain_images",
    "explain_text",
    "feedback",
    "monitor",
    "monitor_asr",
    "monitor_images",
    "prepare",
    "profile",
    "shadow_compare",
    *exceptions.__all__,
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'driftscope' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
