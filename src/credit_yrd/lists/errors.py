"""Typed errors of the red and black lists, each with a Chinese and an English message.

Every error carries ``status``: the HTTP status the API answers with (404 unknown, 403 not allowed,
409 wrong state or too early, 400 bad input), so the faces need no table of their own.
"""

from __future__ import annotations

import datetime as dt

from credit_yrd.errors import CreditYrdError


class ListError(CreditYrdError):
    """Base class of the list errors."""

    status = 400


class UnknownListError(ListError):
    """The standard defines no list with this code."""

    status = 404

    def __init__(self, code: str, known: list[str]) -> None:
        self.code = code
        shown = ", ".join(known)
        super().__init__(
            f"标准中没有名单“{code}”；已有：{shown}",
            f"the standard has no list {code!r}; known: {shown}",
        )


class UnknownEntryError(ListError):
    """No list entry has this id (or the caller may not see it)."""

    status = 404

    def __init__(self, entry_id: int) -> None:
        self.entry_id = entry_id
        super().__init__(f"没有编号为 {entry_id} 的名单条目", f"no list entry has id {entry_id}")


class UnknownSubjectError(ListError):
    """The subject named in a proposal is not in the store."""

    status = 404

    def __init__(self, what: str) -> None:
        super().__init__(f"未找到主体 {what}", f"no subject {what}")


class NotAllowedError(ListError):
    """The caller may not take this step on this list or entry."""

    status = 403

    def __init__(self, message_zh: str, message_en: str) -> None:
        super().__init__(message_zh, message_en)


class WrongStateError(ListError):
    """The entry is not in a state that allows this step."""

    status = 409

    def __init__(self, entry_id: int, status: str, step: str, allowed: tuple[str, ...]) -> None:
        self.entry_id = entry_id
        self.entry_status = status
        want = "、".join(allowed)
        want_en = ", ".join(allowed)
        super().__init__(
            f"名单条目 {entry_id} 当前状态为 {status}，不能{STEP_ZH.get(step, step)}"
            f"（须为 {want}）",
            f"list entry {entry_id} is {status}: cannot {step} (it must be {want_en})",
        )


class RecordOriginError(ListError):
    """An entry fed by an ingested record changes only through its record."""

    status = 409

    def __init__(self, entry_id: int, step: str) -> None:
        super().__init__(
            f"名单条目 {entry_id} 来自归集记录，只能由数据来源报送新版本变更，不能在平台上"
            f"{STEP_ZH.get(step, step)}",
            f"list entry {entry_id} comes from an ingested record and changes only through a new "
            f"version of that record: cannot {step} it on the platform",
        )


class DuplicateEntryError(ListError):
    """The subject already has a live entry (proposed, objected or listed) on this list."""

    status = 409

    def __init__(self, list_code: str, entry_id: int, status: str) -> None:
        self.entry_id = entry_id
        super().__init__(
            f"该主体在名单 {list_code} 上已有条目 {entry_id}（状态 {status}），不能重复提出",
            f"the subject already has entry {entry_id} ({status}) on list {list_code}",
        )


class ObjectionWindowClosedError(ListError):
    """The objection window of the notice has passed."""

    status = 409

    def __init__(self, entry_id: int, until: dt.date | None) -> None:
        last = until.isoformat() if until else "-"
        super().__init__(
            f"名单条目 {entry_id} 的异议期已于 {last} 届满，不能再提出异议",
            f"the objection window of list entry {entry_id} ended on {last}",
        )


class EarlyExitError(ListError):
    """Early exit asked for without a rule, or with a rule the list does not have."""

    def __init__(self, message_zh: str, message_en: str) -> None:
        super().__init__(message_zh, message_en)


class EarlyExitTooSoonError(ListError):
    """The early-exit rule's minimum time listed has not been served yet."""

    status = 409

    def __init__(self, rule: str, after: str, listed_on: dt.date, allowed_from: dt.date) -> None:
        self.allowed_from = allowed_from
        super().__init__(
            f"提前移出规则 {rule} 要求在列满 {after}：自 {listed_on.isoformat()} 列入，"
            f"最早 {allowed_from.isoformat()} 方可提前移出",
            f"early-exit rule {rule} needs {after} listed first: listed on "
            f"{listed_on.isoformat()}, early exit allowed from {allowed_from.isoformat()}",
        )


class InvalidListInput(ListError):
    """A field of a request breaks a rule of the list (names the field)."""

    def __init__(self, field: str, message_zh: str, message_en: str) -> None:
        self.field = field
        super().__init__(f"{field}：{message_zh}", f"{field}: {message_en}")


STEP_ZH = {
    "object": "提出异议",
    "answer": "答复异议",
    "remove": "移出",
    "extend": "延期",
    "withdraw": "撤销",
}
