"""What the department console reads: the lists the department may decide, its proposals and
entries with their dated steps, and the actions pushed to it (those of its own subscriptions),
split into what awaits feedback (overdue first) and what it has answered."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from credit_yrd.auth.principal import Principal
from credit_yrd.clock import Clock
from credit_yrd.lists.entries import Entry, Step, entries_for_department, steps_of
from credit_yrd.standards.joint_models import ListDef
from credit_yrd.standards.models import Standard
from credit_yrd.store._sql import chunked, one_of
from credit_yrd.store.schema import actions, deliveries, list_entries, subjects, subscriptions

#: Most entries and actions the console shows at once (newest first).
CONSOLE_ROWS = 100


@dataclass
class EntryView:
    entry: Entry
    steps: list[Step] = field(default_factory=list)


@dataclass
class ActionView:
    id: int
    measure_code: str
    entry_id: int
    list_code: str
    subject_name: str
    subject_type: str
    uscc: str | None
    authority: str
    entry_province: str
    listed_on: dt.date | None
    ends_on: dt.date | None
    initiated_at: dt.datetime
    due_on: dt.date
    pushed_at: dt.datetime | None
    executed_at: dt.datetime | None
    lifted_at: dt.datetime | None
    feedback: str | None
    feedback_reason: str | None
    feedback_at: dt.datetime | None
    overdue: bool


@dataclass
class ConsoleData:
    decidable: list[ListDef]
    entries: list[EntryView]
    pending: list[ActionView]
    answered: list[ActionView]
    subscriptions: list[dict[str, Any]]

    @property
    def objections(self) -> list[EntryView]:
        return [v for v in self.entries if v.entry.status == "objected"]

    @property
    def overdue(self) -> int:
        return sum(1 for a in self.pending if a.overdue)


def decidable_lists(standard: Standard, domain: str | None) -> list[ListDef]:
    """The lists a department of ``domain`` may propose entries on."""
    if not domain:
        return []
    return sorted(
        (d for d in standard.lists.values() if domain in d.deciding_domains),
        key=lambda d: (d.kind != "black", d.code),
    )


def owner_condition(principal: Principal) -> Any | None:
    """The department's own subscriptions (its account's, or its key's), or None."""
    if principal.account_id is not None:
        return subscriptions.c.account_id == principal.account_id
    if principal.key_id is not None:
        return subscriptions.c.key_id == principal.key_id
    return None


def own_actions(conn: Connection, principal: Principal, today: dt.date) -> list[ActionView]:
    """The actions of the department's own subscriptions, newest first."""
    owner = owner_condition(principal)
    if owner is None:
        return []
    a, e, s = actions.c, list_entries.c, subjects.c
    rows = conn.execute(
        select(
            a.id,
            a.measure_code,
            a.entry_id,
            a.initiated_at,
            a.due_on,
            a.pushed_at,
            a.executed_at,
            a.lifted_at,
            a.feedback,
            a.feedback_reason,
            a.feedback_at,
            e.list_code,
            e.subject_name,
            e.authority,
            e.province.label("entry_province"),
            e.listed_on,
            e.ends_on,
            s.subject_type,
            s.uscc,
        )
        .select_from(
            actions.join(subscriptions, subscriptions.c.id == a.subscription_id)
            .join(list_entries, list_entries.c.id == a.entry_id)
            .join(subjects, subjects.c.id == e.subject_id)
        )
        .where(owner)
        .order_by(a.id.desc())
        .limit(CONSOLE_ROWS * 2)
    )
    found = []
    for row in rows:
        pending = row.feedback is None and row.lifted_at is None
        found.append(
            ActionView(
                id=int(row.id),
                measure_code=row.measure_code,
                entry_id=int(row.entry_id),
                list_code=row.list_code,
                subject_name=row.subject_name,
                subject_type=row.subject_type,
                uscc=row.uscc,
                authority=row.authority,
                entry_province=row.entry_province,
                listed_on=row.listed_on,
                ends_on=row.ends_on,
                initiated_at=row.initiated_at,
                due_on=row.due_on,
                pushed_at=row.pushed_at,
                executed_at=row.executed_at,
                lifted_at=row.lifted_at,
                feedback=row.feedback,
                feedback_reason=row.feedback_reason,
                feedback_at=row.feedback_at,
                overdue=pending and row.due_on < today,
            )
        )
    return found


def own_subscriptions(conn: Connection, principal: Principal) -> list[dict[str, Any]]:
    if principal.account_id is None:
        return []
    rows = conn.execute(
        select(subscriptions)
        .where(subscriptions.c.account_id == principal.account_id)
        .order_by(subscriptions.c.id)
    )
    return [
        {
            "id": int(row.id),
            "scenarios": list(row.scenarios or []),
            "webhook": bool(row.webhook_url),
            "disabled": row.disabled_at is not None,
        }
        for row in rows
    ]


def shown_actions(acts: list[ActionView]) -> tuple[list[ActionView], list[ActionView]]:
    """What the console shows of ``acts``: (awaiting feedback, overdue first; answered or
    lifted), at most ``CONSOLE_ROWS`` each."""
    pending = sorted(
        (x for x in acts if x.feedback is None and x.lifted_at is None),
        key=lambda x: (not x.overdue, x.due_on, -x.id),
    )[:CONSOLE_ROWS]
    answered = [x for x in acts if x.feedback is not None or x.lifted_at is not None][:CONSOLE_ROWS]
    return pending, answered


def take_pulled(conn: Connection, principal: Principal, clock: Clock) -> int:
    """Deliver to a department what its console shows: the actions on the page of its
    pull-mode subscriptions (no webhook; webhooks are pushed by the dispatcher) are marked
    pushed, and their deliveries delivered. By action id, so it holds however many deliveries the
    department has, and a department that also reads the pull feed (``/api/v1/me/actions?after=``)
    still gets every event there. Returns how many deliveries it marked."""
    owner = owner_condition(principal)
    pending, answered = shown_actions(own_actions(conn, principal, clock.today()))
    shown = [a.id for a in (*pending, *answered)]
    if owner is None or not shown:
        return 0
    pulled = (
        select(subscriptions.c.id)
        .where(owner, subscriptions.c.webhook_url.is_(None))
        .scalar_subquery()
    )
    now = clock.now()
    marked = 0
    for chunk in chunked(sorted(set(shown))):
        marked += conn.execute(
            update(deliveries)
            .where(
                one_of(conn, deliveries.c.action_id, chunk),
                deliveries.c.subscription_id.in_(pulled),
                deliveries.c.delivered_at.is_(None),
            )
            .values(delivered_at=now)
        ).rowcount
        conn.execute(
            update(actions)
            .where(
                one_of(conn, actions.c.id, chunk),
                actions.c.subscription_id.in_(pulled),
                actions.c.pushed_at.is_(None),
            )
            .values(pushed_at=now)
        )
    return marked


def console_data(
    conn: Connection, principal: Principal, standard: Standard, today: dt.date
) -> ConsoleData:
    entries = entries_for_department(conn, principal, limit=CONSOLE_ROWS, standard=standard)
    views = [EntryView(e, steps_of(conn, e.id)) for e in entries]
    pending, answered = shown_actions(own_actions(conn, principal, today))
    return ConsoleData(
        decidable=decidable_lists(standard, principal.domain),
        entries=views,
        pending=pending,
        answered=answered,
        subscriptions=own_subscriptions(conn, principal),
    )
