"""The root of the project's typed domain errors.

Every error a user can meet carries a Chinese message first and an English one; faces (CLI, API)
print ``str(error)``, which joins both, or pick one by the user's language.
"""

from __future__ import annotations


class CreditYrdError(Exception):
    """Base class of every domain error the platform raises on purpose."""

    def __init__(self, message_zh: str, message_en: str | None = None) -> None:
        self.message_zh = message_zh
        self.message_en = message_en or message_zh
        super().__init__(self.__str__())

    def message(self, lang: str = "zh") -> str:
        return self.message_en if lang == "en" else self.message_zh

    def __str__(self) -> str:
        if self.message_en and self.message_en != self.message_zh:
            return f"{self.message_zh} ({self.message_en})"
        return self.message_zh
