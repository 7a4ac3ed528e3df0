"""Typed errors of the identifier modules.

Every error names the identifier kind (``kind``: "uscc", "org_code", "business_reg_no",
"resident_id") and the part that is wrong (``part``: a short, stable machine key such as
"length", "charset", "authority", "authority_category", "division", "org_code",
"check_character", "birth_date", "region"), with a Chinese message first and an English one.
"""

from __future__ import annotations

from collections.abc import Callable

from credit_yrd.errors import CreditYrdError


class InvalidIdentifier(CreditYrdError, ValueError):
    """An identifier that does not satisfy its standard."""

    def __init__(self, kind: str, part: str, message_zh: str, message_en: str) -> None:
        self.kind = kind
        self.part = part
        super().__init__(message_zh, message_en)

    def to_dict(self) -> dict[str, str]:
        return {
            "kind": self.kind,
            "part": self.part,
            "error": type(self).__name__,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
        }


class InvalidLength(InvalidIdentifier):
    """The identifier has the wrong number of characters."""


class InvalidFormat(InvalidIdentifier):
    """A character is not allowed at its position."""


class InvalidChecksum(InvalidIdentifier):
    """A check character does not match."""


class InvalidComponent(InvalidIdentifier):
    """A part is well formed but names something that does not exist (a date, a code)."""


class InvalidDataFile(CreditYrdError):
    """A maintained data file under ``credit_yrd/ids/data`` is malformed."""


def check_character(kind: str, code: str, position: int, expected: str) -> None:
    """Raise :class:`InvalidChecksum` unless ``code`` has ``expected`` at 1-based ``position``."""
    actual = code[position - 1]
    if actual == expected:
        return
    shown = actual if actual.isprintable() and not actual.isspace() else f"U+{ord(actual):04X}"
    raise InvalidChecksum(
        kind,
        "check_character",
        f"第{position}位校验码应为 {expected}，实为 {shown}",
        f"check character {position} should be {expected}, is {shown}",
    )


def passes(validate: Callable[[str], object], s: str) -> bool:
    """``is_valid`` for any module: whether ``validate`` accepts ``s``."""
    try:
        validate(s)
    except (ValueError, TypeError):
        return False
    return True
