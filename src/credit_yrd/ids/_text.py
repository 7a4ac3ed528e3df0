"""Normalisation shared by every identifier's ``compact``."""

from __future__ import annotations

import unicodedata

# Dashes people (and word processors) put between groups of an identifier.
_DASHES = frozenset("-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d")
# Invisible characters that are not ``str.isspace()`` but turn up in pasted data: every format
# character (Unicode category Cf: zero-width spaces and joiners, BOM, bidirectional marks and
# embeddings such as U+200E, U+202A, U+2066 pasted from right-to-left interfaces).
_FORMAT = "Cf"


def compact_text(value: str) -> str:
    """Full-width ASCII (U+FF01–U+FF5E) to half-width, drop whitespace (incl. U+3000),
    dashes and invisible format characters, then uppercase."""
    if not isinstance(value, str):
        raise TypeError(f"expected str, got {type(value).__name__}")
    if value.isascii() and value.isalnum():
        return value.upper()  # the common case: nothing to drop or widen
    out = []
    for ch in value:
        code = ord(ch)
        if 0xFF01 <= code <= 0xFF5E:
            ch = chr(code - 0xFEE0)
        if ch.isspace() or ch in _DASHES or unicodedata.category(ch) == _FORMAT:
            continue
        out.append(ch)
    return "".join(out).upper()


def show(ch: str) -> str:
    """A character as it may be printed inside a message (control characters escaped)."""
    return ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii")
