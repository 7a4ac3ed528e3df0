"""The access log: every read of non-public data, append-only.

Each row says who read (the actor: an API key or, later, an account), in which role and for which
province, why (the stated purpose), which subject and which records, what was read (the action,
e.g. the route) and when. The database refuses UPDATE and DELETE on ``access_log`` (triggers on
both backends), so a read cannot be edited away. The subject will see the reads of its file
(:func:`reads_of_subject`); credit offices query the whole log (:func:`query_log`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, or_, select
from sqlalchemy.engine import Connection

from credit_yrd.auth.principal import ACTOR_MAX_CHARS, Principal, key_actor
from credit_yrd.clock import SYSTEM_CLOCK, Clock
from credit_yrd.errors import CreditYrdError
from credit_yrd.store.schema import access_log

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
    :meth:`for_key`); ``province`` is the reader's scope (two digits; ``None`` = the whole region).
    """

    actor: str
    role: str
    purpose: str
    province: str | None = None

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
        """The reader for an authenticated caller (key or account); the purpose is required."""
        return cls(
            actor=principal.actor,
            role=principal.role.value,
            purpose=checked_purpose(purpose),
            province=principal.province,
        )


def checked_purpose(purpose: str | None) -> str:
    text = " ".join((purpose or "").split())
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


@dataclass(frozen=True)
class LogPage:
    """A page of the log, newest first; ``next_cursor`` continues it (``None``: no more)."""

    entries: list[AccessEntry]
    next_cursor: int | None


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
    conn: Connection, subject_id: int, *, limit: int = DEFAULT_LIMIT, cursor: int | None = None
) -> LogPage:
    """The reads of one subject's non-public data, newest first."""
    return query_log(conn, subject_id=subject_id, limit=limit, cursor=cursor)


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
    ``since`` is inclusive, ``until`` exclusive; ``cursor`` is the ``next_cursor`` of the page
    before (rows with a smaller id).
    """
    limit = max(1, min(int(limit), MAX_LIMIT))
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
