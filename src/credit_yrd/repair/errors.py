"""Typed errors of credit repair, each with a Chinese and an English message.

Every error carries ``status``, the HTTP status the API answers with: 404 unknown (or not the
caller's to see), 403 not allowed, 409 wrong state or repair conditions not met, 400 bad input or
a document that breaks a rule.
"""

from __future__ import annotations

from collections.abc import Sequence

from credit_yrd.errors import CreditYrdError


class RepairError(CreditYrdError):
    """Base class of the repair errors."""

    status = 400


class NotFound(RepairError):
    """No such application, document, record or listing — or not one the caller may see (the
    answer is the same, so that ids cannot be probed)."""

    status = 404

    def __init__(self, what_zh: str, what_en: str) -> None:
        super().__init__(f"未找到{what_zh}", f"no {what_en}")


class NotAllowed(RepairError):
    """The caller may not take this step."""

    status = 403

    def __init__(self, message_zh: str, message_en: str) -> None:
        super().__init__(message_zh, message_en)


class WrongState(RepairError):
    """The application (or its target) is not in a state that allows this step."""

    status = 409

    def __init__(self, application_id: int, status: str, step_zh: str, step_en: str) -> None:
        self.application_id = application_id
        self.current = status
        super().__init__(
            f"修复申请 {application_id} 当前状态为 {status}，不能{step_zh}",
            f"repair application {application_id} is {status}: cannot {step_en}",
        )


class InvalidInput(RepairError):
    """A field of the request breaks a rule (names the field)."""

    def __init__(self, field: str, message_zh: str, message_en: str) -> None:
        self.field = field
        super().__init__(f"{field}：{message_zh}", f"{field}: {message_en}")


class InvalidDocument(RepairError):
    """An attached document breaks a rule (names the file and the rule)."""

    def __init__(self, filename: str, rule_zh: str, rule_en: str) -> None:
        self.filename = filename
        super().__init__(f"材料“{filename}”：{rule_zh}", f"document {filename!r}: {rule_en}")


class RepairConditionError(RepairError):
    """The repair conditions are not met: every failed condition is listed, nothing is written."""

    status = 409

    def __init__(self, failures: Sequence[tuple[str, str]]) -> None:
        self.failures: list[tuple[str, str]] = list(failures)
        zh = "；".join(f"{i}. {f[0]}" for i, f in enumerate(self.failures, 1))
        en = "; ".join(f"{i}. {f[1]}" for i, f in enumerate(self.failures, 1))
        super().__init__(f"不符合信用修复条件：{zh}", f"the repair conditions are not met: {en}")


class TargetChanged(WrongState):
    """The record or listing of an open application changed after it was applied for (withdrawn,
    corrected away, already repaired, no longer listed): it can no longer be approved."""

    def __init__(self, application_id: int, status: str, reason_zh: str, reason_en: str) -> None:
        self.application_id = application_id
        self.current = status
        RepairError.__init__(
            self,
            f"修复申请 {application_id} 不能准予修复：{reason_zh}",
            f"repair application {application_id} cannot be approved: {reason_en}",
        )
