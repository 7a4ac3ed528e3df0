"""Typed errors of ingestion: a mapping file that breaks a rule, or an input that cannot be read."""

from __future__ import annotations

from credit_yrd.errors import CreditYrdError


class MappingError(CreditYrdError):
    """A source mapping file is broken; the message names the file, the path inside it and the rule."""

    def __init__(self, file: str, path: str, message_zh: str, message_en: str) -> None:
        self.file = file
        self.path = path
        where = ": ".join(part for part in (file, path) if part)
        super().__init__(f"{where}: {message_zh}", f"{where}: {message_en}")


class UnknownSourceError(CreditYrdError):
    """No mapping file describes the named source."""


class InputFileError(CreditYrdError):
    """A whole input file cannot be read (wrong encoding, not a workbook, no header …).

    Row-level problems are not errors: they go to the quarantine with their reasons.
    """

    def __init__(self, file: str, message_zh: str, message_en: str) -> None:
        self.file = file
        super().__init__(f"{file}: {message_zh}", f"{file}: {message_en}")
