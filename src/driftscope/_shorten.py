"""Bound the length of a value that a report or a message quotes.

A report quotes data values (quality examples, unseen categories, values that could not be
read); one 50 MB cell must not become a 100 MB report. Every such quote goes through one of
these: `shorten` keeps the start, `shown` quotes a value as its repr, and `printable` (for paths
and file details, whose two ends both matter) escapes what cannot be printed and cuts the middle.
"""

from __future__ import annotations

__all__ = ["MAX_QUOTED_CHARS", "printable", "shorten", "shown"]

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


def printable(text: str, limit: int = MAX_QUOTED_CHARS) -> str:
    """``text`` as a report or a message may show it: characters that cannot be printed (NUL,
    control characters, lone surrogates) escaped as in a Python string literal, and, past
    ``limit`` characters, the middle cut out with the full length noted. The result is at most
    ``limit`` characters long, so showing it again leaves it unchanged.

    >>> printable("a\\x00b.png")
    'a\\\\x00b.png'
    >>> printable("x" * 5000, limit=40)
    'xxxxxxxxxxxxxx…xxxxxxx (5000 characters)'
    """
    length = len(text)
    if length > 2 * limit:  # escaping never shortens: this much is enough to fill the limit
        text = text[:limit] + text[-limit:]
    if not text.isprintable():
        text = "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)
    if len(text) <= limit and length <= 2 * limit:
        return text
    note = f" ({length} characters)"
    keep = max(limit - len(note) - 1, 2)
    head = keep * 2 // 3
    return f"{text[:head]}…{text[len(text) - (keep - head) :]}{note}"
