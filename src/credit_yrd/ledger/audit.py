"""The access log: every read of non-public data, append-only.

Each row says who read (the actor: an API key or an account), in which role and for which
province, why (the stated purpose; for a market institution reading under a subject's
authorisation, the authorisation: ``授权#12: 贷款审批``), which subject and which records, what was
read (the action, e.g. the route) and when. The database refuses UPDATE and DELETE on
``access_log`` (triggers on both backends), so a read cannot be edited away. The subject sees the
reads of its file (:func:`reads_of_subject`); credit offices query the whole log
(:func:`query_log`). :class:`AccessLogEntry` and :class:`AccessLogPage` are the shapes every face
shows rows in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import insert, or_, select
from sqlalchemy.engine import Connection

from credit_yrd.auth.principal import ACTOR_MAX_CHARS, Principal, key_actor
from credit_yrd.auth.roles import Role
from credit_yrd.clock import CHINA_TZ, SYSTEM_CLOCK, Clock
from credit_yrd.errors import CreditYrdError
from credit_yrd.store.schema import access_log
from credit_yrd.text import one_line

PURPOSE_MAX_CHARS = 500
ACTION_MAX_CHARS = 200
DEFAULT_LIMIT = 50
MAX_LIMIT = 500


class PurposeRequiredError(CreditYrdError):
    """A read of non-public data was asked for without a usable purpose."""

    def __init__(self) -> None:
        super().__init__(
            f"读取非公开信息须说明目的（purpose，1 至 {PURPOSE_MAX_CHARS} 个字符）",
            f"reading non-public data needs a stated purpose (1 to {PURPOSE_MAX_CHARS} characters)",
        )


@dataclass(frozen=True)
class Reader:
    """Who reads non-public data, and why.

    ``actor`` names the reader as the log keeps it (``key:<id> <label>`` for an API key, see
    :meth:`for_key`; ``account:<id> <username>`` for an account); ``province`` is the reader's
    scope (two digits; ``None`` = the whole region); ``domain`` a department's domain (code list
    ``domain``; ``None`` = every domain). The log keeps the province, not the domain.
    """

    actor: str
    role: str
    purpose: str
    province: str | None = None
    domain: str | None = None

    @classmethod
    def for_key(
        cls, key_id: int, label: str, role: str, purpose: str | None, province: str | None
    ) -> Reader:
        """A reader presenting an API key; the purpose is required and trimmed."""
        return cls(
            actor=key_actor(key_id, label),
            role=role,
            purpose=checked_purpose(purpose),
            province=province,
        )

    @classmethod
    def for_principal(cls, principal: Principal, purpose: str | None) -> Reader:
        """The reader for an authenticated caller (key or account); the purpose is required.

        A credit office has no domain limit, whatever its key or account says.
        """
        return cls(
            actor=principal.actor,
            role=principal.role.value,
            purpose=checked_purpose(purpose),
            province=principal.province,
            domain=principal.domain if principal.role is Role.DEPARTMENT else None,
        )

    @classmethod
    def for_authorised(
        cls, principal: Principal, authorisation_purpose: str, purpose: str | None = None
    ) -> Reader:
        """A market institution reading under a subject's authorisation: the whole region, every
        domain; the log names the authorisation (``authorisation_purpose``, e.g. ``授权#12: 贷款
        审批``) and, when the caller states one, its own purpose after it."""
        stated = " ".join((purpose or "").split())
        text = f"{authorisation_purpose} / {stated}" if stated else authorisation_purpose
        return cls(
            actor=principal.actor,
            role=principal.role.value,
            purpose=checked_purpose(text[:PURPOSE_MAX_CHARS]),
            province=None,
            domain=None,
        )


class InvalidPeriodError(CreditYrdError):
    """``until`` is not after ``since``."""

    def __init__(self) -> None:
        super().__init__(
            "until 须晚于 since（since 含当时，until 不含）",
            "until must be after since (since is inclusive, until exclusive)",
        )


def instant(value: dt.date | dt.datetime | None) -> dt.datetime | None:
    """A bound of a period as an instant: a date is the start of that day in China Standard
    Time, a datetime without a zone is taken as China Standard Time."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        zoned = value if value.tzinfo is not None else value.replace(tzinfo=CHINA_TZ)
    else:
        zoned = dt.datetime.combine(value, dt.time(0, 0), tzinfo=CHINA_TZ)
    return _within_range(zoned)


#: Bounds outside this range mean "from the beginning" / "to the end"; clamping them keeps
#: instants such as 0001-01-01T00:00+14:00 from overflowing when converted for the store.
_EARLIEST = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
_LATEST = dt.datetime(9000, 1, 1, tzinfo=dt.UTC)


def _within_range(value: dt.datetime) -> dt.datetime:
    try:
        utc = value.astimezone(dt.UTC)
    except OverflowError:
        return _EARLIEST if value.year < 5000 else _LATEST
    return min(max(utc, _EARLIEST), _LATEST)


def checked_period(
    since: dt.date | dt.datetime | None, until: dt.date | dt.datetime | None
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """``(since, until)`` as instants; :class:`InvalidPeriodError` when ``until <= since``."""
    start, end = instant(since), instant(until)
    if start is not None and end is not None and end <= start:
        raise InvalidPeriodError()
    return start, end


def checked_purpose(purpose: str | None) -> str:
    text = one_line(purpose)
    if not text or len(text) > PURPOSE_MAX_CHARS:
        raise PurposeRequiredError()
    return text


@dataclass(frozen=True)
class AccessEntry:
    """One row of the access log."""

    id: int
    at: dt.datetime
    actor: str
    role: str
    province: str | None
    purpose: str
    subject_id: int | None
    record_ids: list[int]
    action: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "actor": self.actor,
            "role": self.role,
            "province": self.province,
            "purpose": self.purpose,
            "subject_id": self.subject_id,
            "record_ids": list(self.record_ids),
            "action": self.action,
        }


class AccessLogEntry(BaseModel):
    """访问日志的一行 (one row of the access log)."""

    id: int = Field(description="日志编号 (log row id)")
    at: dt.datetime = Field(description="读取时间 (when)")
    actor: str = Field(
        description="读取者，如 key:3 某局、account:5 zhangsan (who read, e.g. key:3 label)"
    )
    role: str = Field(description="读取者角色 (the reader's role)")
    province: str | None = Field(description="读取者所属省份；全区域为空 (reader's province)")
    purpose: str = Field(description="读取目的；经授权读取时为授权编号及用途 (stated purpose)")
    subject_id: int | None = Field(description="被读取的主体 (subject read)")
    record_ids: list[int] = Field(description="读取的记录 (records read)")
    action: str = Field(description="接口或操作 (route or action)")


class AccessLogPage(BaseModel):
    """访问日志的一页，新在前 (a page of the log, newest first)."""

    entries: list[AccessLogEntry]
    next_cursor: int | None = Field(
        description="下一页的 cursor；为空表示没有更多 (cursor of the next page; null at the end)"
    )


@dataclass(frozen=True)
class LogPage:
    """A page of the log, newest first; ``next_cursor`` continues it (``None``: no more)."""

    entries: list[AccessEntry]
    next_cursor: int | None

    def shape(self) -> AccessLogPage:
        """The page in its published shape."""
        return AccessLogPage(
            entries=[AccessLogEntry(**entry.to_dict()) for entry in self.entries],
            next_cursor=self.next_cursor,
        )


def log_read(
    conn: Connection,
    reader: Reader,
    *,
    subject_id: int | None,
    record_ids: Iterable[int],
    action: str,
    clock: Clock = SYSTEM_CLOCK,
) -> int:
    """Append one row for a read of non-public data; returns its id.

    Call it in the transaction that reads, so that no read is served without its row.
    """
    purpose = checked_purpose(reader.purpose)
    inserted = conn.execute(
        insert(access_log)
        .values(
            at=clock.now(),
            actor=reader.actor[:ACTOR_MAX_CHARS],
            role=reader.role,
            province=reader.province,
            purpose=purpose,
            subject_id=subject_id,
            record_ids=sorted({int(r) for r in record_ids}),
            action=action[:ACTION_MAX_CHARS],
        )
        .returning(access_log.c.id)
    ).scalar_one()
    return int(inserted)


def reads_of_subject(
    conn: Connection,
    subject_id: int,
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    limit: int = DEFAULT_LIMIT,
    cursor: int | None = None,
) -> LogPage:
    """The reads of one subject's non-public data, newest first (``since`` inclusive, ``until``
    exclusive)."""
    return query_log(
        conn, subject_id=subject_id, since=since, until=until, limit=limit, cursor=cursor
    )


def query_log(
    conn: Connection,
    *,
    subject_id: int | None = None,
    actor: str | None = None,
    role: str | None = None,
    province: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    limit: int = DEFAULT_LIMIT,
    cursor: int | None = None,
) -> LogPage:
    """Log rows matching every filter given, newest first, ``limit`` at a time.

    ``actor`` matches the whole actor or its first word (``key:7`` finds ``key:7 某局``);
    ``since`` is inclusive, ``until`` exclusive (:class:`InvalidPeriodError` when ``until <=
    since``; a date is the start of that day, China Standard Time); ``cursor`` is the
    ``next_cursor`` of the page before (rows with a smaller id).
    """
    since, until = checked_period(since, until)
    limit = max(1, min(int(limit), MAX_LIMIT))
    if actor and "\x00" in actor:  # no actor holds NUL (and PostgreSQL text cannot bind it)
        return LogPage([], None)
    query = select(access_log)
    if subject_id is not None:
        query = query.where(access_log.c.subject_id == subject_id)
    if actor:
        pattern = actor.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + " %"
        query = query.where(
            or_(access_log.c.actor == actor, access_log.c.actor.like(pattern, escape="\\"))
        )
    if role:
        query = query.where(access_log.c.role == role)
    if province:
        query = query.where(access_log.c.province == province)
    if since is not None:
        query = query.where(access_log.c.at >= since)
    if until is not None:
        query = query.where(access_log.c.at < until)
    if cursor is not None:
        query = query.where(access_log.c.id < cursor)
    rows = list(conn.execute(query.order_by(access_log.c.id.desc()).limit(limit + 1)))
    entries = [_entry(row) for row in rows[:limit]]
    next_cursor = entries[-1].id if len(rows) > limit else None
    return LogPage(entries, next_cursor)


def _entry(row: Any) -> AccessEntry:
    return AccessEntry(
        id=int(row.id),
        at=row.at,
        actor=row.actor,
        role=row.role,
        province=row.province,
        purpose=row.purpose,
        subject_id=int(row.subject_id) if row.subject_id is not None else None,
        record_ids=[int(r) for r in (row.record_ids or [])],
        action=row.action,
    )
