"""Bilingual text: Simplified Chinese first, English available.

Faces pick the language from the user's choice (``--lang``, the portal switch) or the ``lang``
setting; domain code carries both texts and never decides.
"""

from __future__ import annotations

LANGS = ("zh", "en")


def pick(zh: str, en: str, lang: str = "zh") -> str:
    """The text in ``lang`` (``zh`` or ``en``); anything else falls back to Chinese."""
    return en if lang == "en" else zh


def both(zh: str, en: str) -> str:
    """Both texts in one line, Chinese first: ``有效 (valid)``."""
    return zh if zh == en else f"{zh} ({en})"
