"""The public change feed of the lists: what the public may see, as it happens.

Steps are read by cursor over ``list_events.id``: pass the ``next_after`` of one page as ``after``
of the next. Only public steps are shown — ``listed``, ``extended``, ``removed`` and ``withdrawn``
of an entry that had been listed — never proposals, objections or their answers, nor a removal or
withdrawal of an entry first seen that way (a record that came in already off its list). A natural
person's name is masked and no code is shown for it.

No gaps: on PostgreSQL a step written by a transaction that commits after a later one would
otherwise be skipped by a poller whose cursor has moved past it; :func:`lock_for_cursor_read`
(called by :func:`changes`) makes the read wait, at most ``LOCK_TIMEOUT_MS``, for the steps being
written. SQLite serialises writers, so ids commit in order there.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.engine import Connection

from credit_yrd.lists.entries import public_subject
from credit_yrd.store.schema import list_entries, list_events, subjects

PUBLIC_EVENTS = ("listed", "extended", "removed", "withdrawn")
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
LOCK_TIMEOUT_MS = 2000


def lock_for_cursor_read(conn: Connection) -> None:
    """Before reading ``list_events`` by id cursor: on PostgreSQL wait (in this transaction, at
    most ``LOCK_TIMEOUT_MS``) until the transactions writing steps have committed, so that no
    step with a lower id appears after the read. Raises ``sqlalchemy.exc.OperationalError`` on
    timeout (ask again later with the same cursor). A no-op on SQLite."""
    if conn.dialect.name != "postgresql":
        return
    conn.execute(text(f"SET LOCAL lock_timeout = {LOCK_TIMEOUT_MS}"))
    conn.execute(text("LOCK TABLE list_events IN SHARE MODE"))


@dataclass(frozen=True)
class Change:
    id: int
    event: str
    at: dt.datetime
    entry_id: int
    list_code: str
    subject_name: str
    subject_type: str
    uscc: str | None
    authority: str
    province: str
    listed_on: dt.date | None
    ends_on: dt.date | None
    removed_on: dt.date | None
    removal_reason: str | None


@dataclass(frozen=True)
class ChangePage:
    changes: list[Change]
    #: The cursor for the next call (the last step looked at; the same when nothing is new).
    next_after: int


def is_public(event: str, detail: dict[str, Any] | None) -> bool:
    """Whether the public may see a step."""
    detail = detail or {}
    if event not in PUBLIC_EVENTS or detail.get("first_seen"):
        return False
    if event == "withdrawn":
        return bool(detail.get("after_listing"))
    return True


def _day(value: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def changes(
    conn: Connection,
    *,
    after: int = 0,
    limit: int = DEFAULT_LIMIT,
    list_code: str | None = None,
) -> ChangePage:
    """The public steps with ``list_events.id > after``, oldest first, at most ``limit``.

    The dates are those of the step (what it set), not the entry's current ones.
    """
    limit = max(1, min(limit, MAX_LIMIT))
    position = max(0, after)
    lock_for_cursor_read(conn)
    found: list[Change] = []
    while len(found) < limit:
        query = (
            select(
                list_events.c.id,
                list_events.c.event,
                list_events.c.at,
                list_events.c.detail,
                list_entries.c.id.label("entry_id"),
                list_entries.c.list_code,
                list_entries.c.subject_name,
                list_entries.c.authority,
                list_entries.c.province,
                list_entries.c.listed_on,
                list_entries.c.ends_on,
                subjects.c.subject_type,
                subjects.c.uscc,
            )
            .join(list_entries, list_entries.c.id == list_events.c.entry_id)
            .join(subjects, subjects.c.id == list_entries.c.subject_id)
            .where(list_events.c.id > position, list_events.c.event.in_(PUBLIC_EVENTS))
            .order_by(list_events.c.id)
            .limit(limit * 2)
        )
        if list_code is not None:
            query = query.where(list_entries.c.list_code == list_code)
        rows = conn.execute(query).all()
        if not rows:
            break
        for row in rows:
            position = int(row.id)
            detail = dict(row.detail or {})
            if not is_public(row.event, detail):
                continue
            name, code = public_subject(row.subject_name, row.subject_type, row.uscc)
            listed_on = _day(detail.get("listed_on")) or row.listed_on
            found.append(
                Change(
                    id=int(row.id),
                    event=row.event,
                    at=row.at,
                    entry_id=int(row.entry_id),
                    list_code=row.list_code,
                    subject_name=name,
                    subject_type=row.subject_type,
                    uscc=code,
                    authority=row.authority,
                    province=row.province,
                    listed_on=listed_on,
                    ends_on=_day(detail.get("ends_on")) if "ends_on" in detail else row.ends_on,
                    removed_on=_day(detail.get("removed_on")),
                    removal_reason=detail.get("reason") if row.event == "removed" else None,
                )
            )
            if len(found) >= limit:
                break
    return ChangePage(changes=found, next_after=position)
