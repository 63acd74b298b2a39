"""Bound the length of a value that a report or a message quotes.

A report quotes data values (quality examples, unseen categories, values that could not be
read); one 50 MB cell must not become a 100 MB report. Every such quote goes through `shorten`.
"""

from __future__ import annotations

__all__ = ["MAX_QUOTED_CHARS", "shorten", "shown"]

# Long enough for a real category, a path or a sentence; short enough to read in a table.
MAX_QUOTED_CHARS = 200


def shorten(text: str, limit: int = MAX_QUOTED_CHARS) -> str:
    """``text`` cut to ``limit`` characters, with a visible note saying how long it was.

    >>> shorten("abc")
    'abc'
    >>> shorten("x" * 50_000, limit=5)
    'xxxxx... (50,000 characters, truncated)'
    """
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text):,} characters, truncated)"


def shown(value: object, limit: int = MAX_QUOTED_CHARS) -> str:
    """``repr(value)`` for a message, bounded like `shorten` (the repr of a huge value is not
    built: only its first ``limit`` characters are quoted).

    >>> shown("age")
    "'age'"
    >>> shown("y" * 1000, limit=3)
    "'yyy... (1,000 characters, truncated)'"
    """
    if isinstance(value, str):
        if len(value) <= limit:
            return repr(value)
        return repr(shorten(value, limit))
    if isinstance(value, bytes | bytearray) and len(value) > limit:
        return f"{bytes(value[:limit])!r}... ({len(value):,} bytes, truncated)"
    text = repr(value)
    return shorten(text, limit)
