"""Free text from callers, made safe to keep: one line, no control, format or surrogate
characters (NUL among them, which PostgreSQL cannot store in text), whitespace collapsed."""

from __future__ import annotations

import unicodedata

_DROPPED = frozenset(("Cc", "Cf", "Cs"))


def one_line(text: str | None) -> str:
    """``text`` without control, format and surrogate characters, whitespace runs as one space,
    trimmed (``None`` is ``""``)."""
    if not text:
        return ""
    if text.isprintable():  # the common case: nothing to drop but maybe spaces to collapse
        return " ".join(text.split())
    kept = "".join(
        " " if ch.isspace() else ch
        for ch in text
        if unicodedata.category(ch) not in _DROPPED or ch.isspace()
    )
    return " ".join(kept.split())


def is_clean(text: str) -> bool:
    """True when ``text`` holds no control, format or surrogate character."""
    return text.isprintable() or all(unicodedata.category(ch) not in _DROPPED for ch in text)
