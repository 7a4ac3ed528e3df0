"""Normal forms of the values sources send: text, names, identifiers, dates, amounts.

Sources write the same thing in many ways — full-width letters and digits (ＡＢＣ１２３), half-width
brackets in Chinese names, stray spaces, ``2024/3/5`` or ``2024年3月5日``, fines in 元 or 万元. The
standard keeps one form: half-width letters and digits, full-width brackets （）in names, single
spaces, ISO dates, amounts in 万元 as decimal text. Normalising never changes meaning; anything
that cannot be read is a problem for the validator, not a guess.
"""

from __future__ import annotations

import re
from decimal import Decimal

# Full-width ASCII (U+FF01–U+FF5E) → ASCII, and the ideographic space → space; brackets are
# handled separately so that names keep their full-width form.
_WIDE_TO_ASCII = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_WIDE_TO_ASCII[0x3000] = 0x20
_SPACES = re.compile(r"\s+")
_CJK = r"\u3400-\u9fff\uf900-\ufaff（）【】《》、，。：；"
_SPACE_NEAR_CJK = re.compile(rf"(?<=[{_CJK}])\s+|\s+(?=[{_CJK}])")
_ZERO_WIDTH = re.compile("[\u200b-\u200f\u2060\ufeff]")
_NAME_BRACKETS = str.maketrans({"(": "（", ")": "）", "[": "【", "]": "】"})


#: Anything normalise_text would change inside a text (the common text has none of it).
_NEEDS_WORK = re.compile("[\uff01-\uff5e\u3000\u200b-\u200f\u2060\ufeff\t\n\r\f\v]|  ")
#: Anything normalise_name would change beyond normalise_text.
_NAME_WORK = re.compile(r"[()\[\]\s]")


def normalise_text(value: str) -> str:
    """Half-width letters and digits, no zero-width characters, single spaces, trimmed."""
    if not _NEEDS_WORK.search(value):
        return value.strip()
    text = _ZERO_WIDTH.sub("", value.translate(_WIDE_TO_ASCII))
    return _SPACES.sub(" ", text).strip()


def normalise_name(value: str) -> str:
    """A subject or authority name in the standard's form: like :func:`normalise_text`, with
    brackets full-width（）and no spaces next to Chinese characters (上海 华信 → 上海华信)."""
    text = normalise_text(value)
    if not _NAME_WORK.search(text):
        return text
    return _SPACE_NEAR_CJK.sub("", text.translate(_NAME_BRACKETS))


def normalise_code(value: str) -> str:
    """An identifier's compact form: half-width, upper case, no spaces or hyphens."""
    return re.sub(r"[\s\-_]", "", normalise_text(value)).upper()


def decimal_text(value: Decimal) -> str:
    """A decimal as plain text without exponent or trailing zeros (``1.50E+3`` → ``1500``)."""
    text = format(value.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"
