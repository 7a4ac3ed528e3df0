"""Typed errors of the store: every one names what went wrong in Chinese first, English too."""

from __future__ import annotations

from credit_yrd.errors import CreditYrdError


class StoreError(CreditYrdError):
    """The store cannot do what was asked (bad URL, unreachable server, invalid input)."""


class LegacyCodeConflictError(StoreError):
    """A legacy code is already mapped to a different USCC (or twice in one batch)."""

    def __init__(self, conflicts: list[tuple[str, str, str]]) -> None:
        # conflicts: (legacy_code, uscc already known, uscc now offered)
        self.conflicts = conflicts
        shown = "; ".join(f"{code}: {old} ≠ {new}" for code, old, new in conflicts[:5])
        more = f" …(+{len(conflicts) - 5})" if len(conflicts) > 5 else ""
        super().__init__(
            f"旧代码已对应另一个统一社会信用代码：{shown}{more}",
            f"legacy code already mapped to a different USCC: {shown}{more}",
        )


class RecordSubjectConflictError(StoreError):
    """A record is already linked to another subject; relinking is not done silently."""

    def __init__(self, source: str, kind: str, source_key: str, linked: int, offered: int) -> None:
        self.key = (source, kind, source_key)
        super().__init__(
            f"记录 {source}/{kind}/{source_key} 已关联主体 {linked}，不能改为 {offered}",
            f"record {source}/{kind}/{source_key} is linked to subject {linked}, not {offered}",
        )
