"""The command line: `driftscope drift`, `report`, `quality`, `stream` and the `images`, `audio`,
`text` and `asr` commands. ``main`` is the console script's entry point."""

from driftscope.cli.app import app, main

__all__ = ["app", "main"]
