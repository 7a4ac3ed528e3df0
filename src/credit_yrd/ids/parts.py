"""One explained part of an identifier (what ``explain()`` returns)."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Part:
    name: str  # machine key, e.g. "authority", "division", "check_character"
    label_zh: str  # e.g. "登记管理部门码"
    value: str  # the characters of this part, as found in the compact form
    meaning_zh: str
    meaning_en: str
    note_zh: str | None = None
    note_en: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        return asdict(self)
