"""Typed errors of the regional data standard.

:class:`StandardError` is raised when a data file of the standard is broken; it names the file
(relative to the version folder, e.g. ``record_kinds/penalty.yaml``), the path inside the file (e.g.
``fields[3].code_list``) and the rule broken, in Chinese first and English too. When a load finds
several problems, the first is raised and all of them are kept in ``problems``.
"""

from __future__ import annotations

from credit_yrd.errors import CreditYrdError


class StandardError(CreditYrdError):
    """A data file of the standard breaks a rule (raised when the standard is loaded)."""

    def __init__(
        self,
        message_zh: str,
        message_en: str | None = None,
        *,
        file: str | None = None,
        path: str | None = None,
    ) -> None:
        self.file = file
        self.path = path
        self.reason_zh = message_zh
        self.reason_en = message_en or message_zh
        self.problems: list[StandardError] = [self]
        where = ": ".join(part for part in (file, path) if part)
        prefix = f"{where}: " if where else ""
        super().__init__(f"{prefix}{message_zh}", f"{prefix}{self.reason_en}")


class UnknownItemError(CreditYrdError):
    """A record kind, code list or rule table that the standard does not define was asked for."""

    def __init__(self, what_zh: str, what_en: str, code: str, known: list[str]) -> None:
        self.code = code
        self.known = known
        shown = ", ".join(known[:20])
        super().__init__(
            f"标准中没有{what_zh}“{code}”；已有：{shown}",
            f"the standard has no {what_en} {code!r}; known: {shown}",
        )


class UnknownCodeError(CreditYrdError):
    """A value is neither a code, a label nor an alias of a code list."""

    def __init__(self, code_list: str, label_zh: str, value: object) -> None:
        self.code_list = code_list
        self.value = value
        super().__init__(
            f"“{value}”不是代码表“{label_zh}”（{code_list}）中的代码、名称或别名",
            f"{value!r} is not a code, label or alias of code list {code_list!r}",
        )


class RecordValueError(CreditYrdError):
    """A record value the publication rules need is missing or cannot be read."""

    def __init__(self, record_kind: str, field: str, message_zh: str, message_en: str) -> None:
        self.record_kind = record_kind
        self.field = field
        super().__init__(
            f"{record_kind}.{field}：{message_zh}", f"{record_kind}.{field}: {message_en}"
        )


class NoRuleError(CreditYrdError):
    """No rule of a rule table is in force on the date that selects the rule."""

    def __init__(self, table: str, on: object) -> None:
        self.table = table
        self.on = on
        super().__init__(
            f"规则表“{table}”在 {on} 没有生效的规则",
            f"rule table {table!r} has no rule in force on {on}",
        )
