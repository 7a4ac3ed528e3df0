"""Reading notices (告知与提醒): a subject reads its own; a department those of its province and
domain; a credit office those of its province (the regional office all credit-office notices).
Marking one read is the reader's own business (``read_at``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import and_, false, select, update
from sqlalchemy.engine import Connection

from credit_yrd.auth.principal import Principal
from credit_yrd.auth.roles import Role
from credit_yrd.clock import SYSTEM_CLOCK, Clock
from credit_yrd.repair.errors import NotFound
from credit_yrd.store.schema import notices

MAX_LIMIT = 200


@dataclass(frozen=True)
class Notice:
    id: int
    kind: str
    ref: str
    title_zh: str
    title_en: str
    body_zh: str
    body_en: str
    created_at: dt.datetime
    read_at: dt.datetime | None

    def to_dict(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["created_at"] = self.created_at.isoformat()
        data["read_at"] = self.read_at.isoformat() if self.read_at else None
        return data


def _mine(principal: Principal) -> Any:
    if principal.role is Role.SUBJECT:
        if principal.subject_id is None:
            return false()
        return notices.c.subject_id == principal.subject_id
    if principal.role is Role.DEPARTMENT:
        if not principal.province or not principal.domain:
            return false()
        return and_(
            notices.c.role == Role.DEPARTMENT.value,
            notices.c.province == principal.province,
            notices.c.domain == principal.domain,
        )
    if principal.role is Role.CREDIT_OFFICE:
        mine = notices.c.role == Role.CREDIT_OFFICE.value
        if principal.province is not None:
            mine = and_(mine, notices.c.province == principal.province)
        return mine
    return false()


def _notice(row: Any) -> Notice:
    return Notice(**{f.name: getattr(row, f.name) for f in fields(Notice)})


def notices_for(
    conn: Connection, principal: Principal, *, limit: int = 50, unread_only: bool = False
) -> list[Notice]:
    """The caller's notices, newest first."""
    query = select(notices).where(_mine(principal))
    if unread_only:
        query = query.where(notices.c.read_at.is_(None))
    query = query.order_by(notices.c.id.desc()).limit(max(1, min(int(limit), MAX_LIMIT)))
    return [_notice(row) for row in conn.execute(query)]


def mark_read(
    conn: Connection, principal: Principal, notice_id: int, *, clock: Clock = SYSTEM_CLOCK
) -> Notice:
    """Mark one of the caller's notices read (once; reading again changes nothing)."""
    row = conn.execute(select(notices).where(notices.c.id == notice_id, _mine(principal))).first()
    if row is None:
        raise NotFound(f"编号为 {notice_id} 的通知", f"notice {notice_id}")
    if row.read_at is None:
        conn.execute(
            update(notices)
            .where(notices.c.id == notice_id, notices.c.read_at.is_(None))
            .values(read_at=clock.now())
        )
        row = conn.execute(select(notices).where(notices.c.id == notice_id)).first()
    return _notice(row)
