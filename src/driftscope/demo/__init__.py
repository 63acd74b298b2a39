"""The demo: the digits classifier's report (`build_demo`, ``python -m driftscope.demo``), and
what `make run` serves (``python -m driftscope.demo demo --serve``): a store holding five models,
each with six weekly runs that tell a story (docs/demo.md)."""

from __future__ import annotations

from driftscope.demo.digits import build_demo
from driftscope.demo.launch import main

__all__ = ["build_demo", "main"]
