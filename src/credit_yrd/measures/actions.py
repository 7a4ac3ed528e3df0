"""Initiating (发起) and lifting joint actions, and reading them.

:func:`initiate_pending` follows the list changes (``list_events`` after the ``job_cursors`` row
``measures.actions``). A ``listed`` event initiates, for every measure the entry's list triggers
(``standard.measures_for(list_code)``) and every active subscription — in any of the four
provinces: the listing of one province applies across the region — whose domain implements the
measure and whose scenarios meet the measure's scenarios, one ``actions`` row (unique per entry,
measure, subscription and cycle — the how-manieth listing of the entry — so repeating is
harmless, and an entry listed again after its removal gets new actions) due for feedback
``feedback_due_days`` later, and one ``deliveries`` row ``action.initiated`` (the outbox the
dispatcher pushes, or the pull feed). A ``removed`` or ``withdrawn`` event lifts the entry's
actions of that listing and before (``lifted_at``) and queues ``action.lifted``. Everything of one
call happens in the caller's transaction; the cursor moves in it too, so a pass that fails leaves
nothing half done.

What a department receives about an entry (:func:`entry_summary`) has resident ID numbers in its
free text (reason, legal basis, decision number) masked, as the public view does; the subject's
name stays (departments are authorities).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.engine import Connection, RowMapping
from sqlalchemy.sql import Select

from credit_yrd.auth.principal import Principal
from credit_yrd.clock import Clock
from credit_yrd.ledger.files import scrub_resident_ids
from credit_yrd.measures.subscribers import Subscription, owned_by, require_department
from credit_yrd.settings import Settings
from credit_yrd.standards.models import Standard
from credit_yrd.store._sql import (
    TableBusyError,
    chunked,
    insert_ignoring,
    one_of,
    settled_max_id,
)
from credit_yrd.store.schema import (
    actions,
    deliveries,
    job_cursors,
    list_entries,
    list_events,
    subjects,
    subscriptions,
)

CURSOR = "measures.actions"
#: Events read per step of :func:`initiate_pending`.
EVENT_CHUNK = 1_000
LIFTING_EVENTS = ("removed", "withdrawn")
#: Filters of a department's actions.
ACTION_STATES = ("pending", "overdue", "lifted", "fed_back")
DEFAULT_LIMIT = 50
MAX_LIMIT = 500

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Sub:
    id: int
    province: str
    domain: str
    scenarios: frozenset[str]
    webhook: bool


def _subs(conn: Connection, only: int | None = None) -> list[_Sub]:
    query = select(
        subscriptions.c.id,
        subscriptions.c.province,
        subscriptions.c.domain,
        subscriptions.c.scenarios,
        subscriptions.c.webhook_url,
    ).where(subscriptions.c.disabled_at.is_(None))
    if only is not None:
        query = query.where(subscriptions.c.id == only)
    return [
        _Sub(
            id=int(r.id),
            province=r.province,
            domain=r.domain,
            scenarios=frozenset(r.scenarios or ()),
            webhook=bool(r.webhook_url),
        )
        for r in conn.execute(query)
    ]


def _read_cursor(conn: Connection, name: str, clock: Clock) -> int:
    """The cursor's position, locked for this transaction on PostgreSQL (made at 0 if new)."""
    query = select(job_cursors.c.position).where(job_cursors.c.name == name)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    found = conn.execute(query).scalar_one_or_none()
    if found is not None:
        return int(found)
    conn.execute(
        insert_ignoring(conn, job_cursors, ["name"]).values(
            name=name, position=0, updated_at=clock.now()
        )
    )
    return int(conn.execute(query).scalar_one())


def _write_cursor(conn: Connection, name: str, position: int, clock: Clock) -> None:
    conn.execute(
        update(job_cursors)
        .where(job_cursors.c.name == name)
        .values(position=position, updated_at=clock.now())
    )


# -- payloads ---------------------------------------------------------------------------------


def _joined() -> Any:
    return actions.join(list_entries, list_entries.c.id == actions.c.entry_id).join(
        subjects, subjects.c.id == list_entries.c.subject_id
    )


_ENTRY_COLUMNS = (
    list_entries.c.list_code,
    list_entries.c.subject_id,
    list_entries.c.subject_name,
    list_entries.c.status.label("entry_status"),
    list_entries.c.authority,
    list_entries.c.authority_uscc,
    list_entries.c.province.label("entry_province"),
    list_entries.c.decision_number,
    list_entries.c.reason,
    list_entries.c.legal_basis,
    list_entries.c.listed_on,
    list_entries.c.ends_on,
    list_entries.c.removed_on,
    list_entries.c.removal_reason,
    subjects.c.uscc.label("subject_uscc"),
    subjects.c.subject_type,
)


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _scrubbed(text: str | None) -> str | None:
    return scrub_resident_ids(text) if text else text


def entry_summary(row: RowMapping, standard: Standard) -> dict[str, Any]:
    """The list entry behind an action, as pushed and shown to the department (resident ID
    numbers in the free text masked)."""
    list_def = standard.lists.get(row["list_code"])
    return {
        "id": int(row["entry_id"]),
        "list_code": row["list_code"],
        "list_label_zh": list_def.label_zh if list_def else row["list_code"],
        "list_label_en": list_def.label_en if list_def else row["list_code"],
        "list_kind": list_def.kind if list_def else None,
        "status": row["entry_status"],
        "subject_id": int(row["subject_id"]),
        "subject_name": row["subject_name"],
        "subject_code": row["subject_uscc"],
        "subject_type": row["subject_type"],
        "authority": row["authority"],
        "authority_uscc": row["authority_uscc"],
        "province": row["entry_province"],
        "decision_number": _scrubbed(row["decision_number"]),
        "reason": _scrubbed(row["reason"]),
        "legal_basis": _scrubbed(row["legal_basis"]),
        "listed_on": _iso(row["listed_on"]),
        "ends_on": _iso(row["ends_on"]),
        "removed_on": _iso(row["removed_on"]),
        "removal_reason": row["removal_reason"],
    }


def measure_summary(code: str, standard: Standard) -> dict[str, Any]:
    found = standard.measures.get(code)
    if found is None:  # a measure a later standard dropped: the action keeps its code
        return {"code": code, "label_zh": code, "label_en": code}
    return {
        "code": found.code,
        "label_zh": found.label_zh,
        "label_en": found.label_en,
        "nature": found.nature,
        "legal_basis_zh": found.legal_basis_zh,
        "legal_basis_en": found.legal_basis_en,
        "scenarios": list(found.scenarios),
        "memorandum": found.memorandum,
    }


def _payload(row: RowMapping, standard: Standard) -> dict[str, Any]:
    return {
        "action_id": int(row["id"]),
        "subscription_id": int(row["subscription_id"]),
        "province": row["province"],
        "initiated_at": _iso(row["initiated_at"]),
        "due_on": _iso(row["due_on"]),
        "lifted_at": _iso(row["lifted_at"]),
        "measure": measure_summary(row["measure_code"], standard),
        "entry": entry_summary(row, standard),
    }


def _queue(
    conn: Connection,
    *,
    action_ids: Sequence[int],
    event: str,
    now: dt.datetime,
    standard: Standard,
) -> int:
    """One delivery of ``event`` per action (repeats ignored); pushed at once when the
    subscription has a webhook, else left for the pull feed."""
    made = 0
    for chunk in chunked(action_ids):
        rows = (
            conn.execute(
                select(actions, subscriptions.c.webhook_url, *_ENTRY_COLUMNS)
                .select_from(
                    _joined().join(subscriptions, subscriptions.c.id == actions.c.subscription_id)
                )
                .where(one_of(conn, actions.c.id, chunk))
                .where(
                    ~exists().where(
                        and_(deliveries.c.action_id == actions.c.id, deliveries.c.event == event)
                    )
                )
                .order_by(actions.c.id)
            )
            .mappings()
            .all()
        )
        values = [
            {
                "subscription_id": int(r["subscription_id"]),
                "action_id": int(r["id"]),
                "event": event,
                "payload": _payload(r, standard),
                "created_at": now,
                "attempts": 0,
                "next_attempt_at": now if r["webhook_url"] else None,
            }
            for r in rows
        ]
        if values:
            conn.execute(insert_ignoring(conn, deliveries, ["action_id", "event"]), values)
            made += len(values)
    return made


# -- initiating and lifting -------------------------------------------------------------------


def listing_cycles(
    conn: Connection, entry_ids: Sequence[int], upto: int | None = None
) -> tuple[dict[int, int], dict[int, int]]:
    """Which listing (cycle 1, 2 …) of its entry each ``listed``, ``removed`` and ``withdrawn``
    step of ``entry_ids`` (ids up to ``upto``, all when ``None``) belongs to.

    A ``listed`` step while the entry is off its list opens the next cycle; a ``listed`` step
    while it is on it (a record corrected at its source) stays in the open one; ``removed`` or
    ``withdrawn`` closes it. Returns (cycle of each step id, the latest cycle of each entry; 0 for
    an entry never listed)."""
    of_step: dict[int, int] = {}
    latest: dict[int, int] = {}
    for chunk in chunked(sorted(set(entry_ids))):
        query = (
            select(list_events.c.id, list_events.c.entry_id, list_events.c.event)
            .where(one_of(conn, list_events.c.entry_id, chunk))
            .where(list_events.c.event.in_(("listed", *LIFTING_EVENTS)))
            .order_by(list_events.c.id)
        )
        if upto is not None:
            query = query.where(list_events.c.id <= upto)
        open_: set[int] = set()
        for row in conn.execute(query):
            entry_id = int(row.entry_id)
            cycle = latest.get(entry_id, 0)
            if row.event == "listed":
                if entry_id not in open_:
                    cycle += 1
                    open_.add(entry_id)
            else:
                open_.discard(entry_id)
            latest[entry_id] = cycle
            of_step[int(row.id)] = cycle
    return of_step, latest


def _initiate(
    conn: Connection,
    *,
    clock: Clock,
    standard: Standard,
    settings: Settings,
    entries: Iterable[tuple[int, str, int]],
    subs: Sequence[_Sub],
) -> int:
    """Actions (and their ``action.initiated`` deliveries) for ``entries`` (id, list code,
    cycle) and the matching subscriptions; returns how many were new."""
    now = clock.now()
    due = clock.today() + dt.timedelta(days=settings.feedback_due_days)
    rows: list[dict[str, Any]] = []
    entry_ids: set[int] = set()
    for entry_id, list_code, cycle in entries:
        entry_ids.add(entry_id)
        for measure in standard.measures_for(list_code):
            wanted = set(measure.scenarios)
            for sub in subs:
                if sub.domain in measure.implementing_domains and sub.scenarios & wanted:
                    rows.append(
                        {
                            "entry_id": entry_id,
                            "measure_code": measure.code,
                            "subscription_id": sub.id,
                            "cycle": cycle,
                            "province": sub.province,
                            "initiated_at": now,
                            "due_on": due,
                        }
                    )
    if not rows:
        return 0
    for chunk in chunked(rows):
        conn.execute(
            insert_ignoring(
                conn, actions, ["entry_id", "measure_code", "subscription_id", "cycle"]
            ),
            chunk,
        )
    sub_ids = sorted({s.id for s in subs})
    new_ids: list[int] = []
    for ids in chunked(sorted(entry_ids)):
        new_ids.extend(
            int(i)
            for i in conn.execute(
                select(actions.c.id)
                .where(one_of(conn, actions.c.entry_id, ids))
                .where(one_of(conn, actions.c.subscription_id, sub_ids))
                .where(
                    ~exists().where(
                        and_(
                            deliveries.c.action_id == actions.c.id,
                            deliveries.c.event == "action.initiated",
                        )
                    )
                )
            ).scalars()
        )
    return _queue(
        conn, action_ids=sorted(new_ids), event="action.initiated", now=now, standard=standard
    )


def _lift(conn: Connection, *, clock: Clock, standard: Standard, closed: Mapping[int, int]) -> int:
    """Lift the open actions of each entry in ``closed`` whose cycle is at most the one that
    ended (a later listing's actions stay)."""
    now = clock.now()
    lifted: list[int] = []
    by_cycle: dict[int, list[int]] = {}
    for entry_id, cycle in closed.items():
        by_cycle.setdefault(cycle, []).append(entry_id)
    for cycle, entry_ids in sorted(by_cycle.items()):
        for chunk in chunked(sorted(entry_ids)):
            lifted.extend(
                int(i)
                for i in conn.execute(
                    update(actions)
                    .where(one_of(conn, actions.c.entry_id, chunk))
                    .where(actions.c.cycle <= cycle)
                    .where(actions.c.lifted_at.is_(None))
                    .values(lifted_at=now)
                    .returning(actions.c.id)
                ).scalars()
            )
    return _queue(
        conn, action_ids=sorted(lifted), event="action.lifted", now=now, standard=standard
    )


def initiate_pending(
    conn: Connection, *, clock: Clock, standard: Standard, settings: Settings
) -> int:
    """Follow ``list_events`` from the cursor: initiate on ``listed``, lift on ``removed`` and
    ``withdrawn``. Returns the number of actions initiated or lifted (0 when nothing is new; a
    second call right after the first always gives 0).

    Each listing of an entry is a cycle of its own (:func:`listing_cycles`): an entry removed and
    listed again gets new actions. Only steps up to the settled high-water mark of
    ``list_events`` are read (:func:`credit_yrd.store._sql.settled_max_id`), so a step whose
    transaction commits late is never passed over; while writers hold the table longer than that
    waits, the pass does nothing (the next one takes it up)."""
    position = _read_cursor(conn, CURSOR, clock)
    try:
        top = settled_max_id(conn, list_events)
    except TableBusyError:
        _log.warning("list_events busy: actions not initiated in this pass")
        return 0
    start = position
    subs = _subs(conn)
    changed = 0
    while position < top:
        events = conn.execute(
            select(list_events.c.id, list_events.c.entry_id, list_events.c.event)
            .where(list_events.c.id > position, list_events.c.id <= top)
            .order_by(list_events.c.id)
            .limit(EVENT_CHUNK)
        ).all()
        if not events:
            break
        touched = [
            int(e.entry_id) for e in events if e.event == "listed" or e.event in LIFTING_EVENTS
        ]
        cycle_of, _ = listing_cycles(conn, touched, upto=top) if touched else ({}, {})
        listed = sorted(
            {(int(e.entry_id), cycle_of[int(e.id)]) for e in events if e.event == "listed"}
        )
        closed: dict[int, int] = {}
        for e in events:
            if e.event in LIFTING_EVENTS:
                entry_id = int(e.entry_id)
                closed[entry_id] = max(closed.get(entry_id, 0), cycle_of[int(e.id)])
        if listed and subs:
            codes: dict[int, str] = {}
            for chunk in chunked(sorted({entry_id for entry_id, _ in listed})):
                codes.update(
                    (int(r.id), r.list_code)
                    for r in conn.execute(
                        select(list_entries.c.id, list_entries.c.list_code).where(
                            one_of(conn, list_entries.c.id, chunk)
                        )
                    )
                )
            changed += _initiate(
                conn,
                clock=clock,
                standard=standard,
                settings=settings,
                entries=[(e, codes[e], cycle) for e, cycle in listed if e in codes],
                subs=subs,
            )
        if closed:
            changed += _lift(conn, clock=clock, standard=standard, closed=closed)
        position = int(events[-1].id)
    if position != start:
        _write_cursor(conn, CURSOR, position, clock)
    return changed


def active_entry_condition(on: dt.date) -> Any:
    """Entries ACTIVE on ``on``: listed, listed_on <= on, and ends_on unset or not passed."""
    return and_(
        list_entries.c.status == "listed",
        list_entries.c.listed_on <= on,
        or_(list_entries.c.ends_on.is_(None), list_entries.c.ends_on >= on),
    )


def initiate_for_subscription(
    conn: Connection,
    *,
    clock: Clock,
    standard: Standard,
    settings: Settings,
    subscription: Subscription,
) -> int:
    """Catch a (new or widened) subscription up: actions for every entry active today whose
    list triggers a measure it matches. Returns how many actions were new.

    Takes the row of the ``measures.actions`` cursor first (held to the end of the caller's
    transaction): a pass of :func:`initiate_pending` running meanwhile either ends before the
    entries are read here, or starts after the subscription is committed and so sees it — a
    listing is never missed by both."""
    _read_cursor(conn, CURSOR, clock)
    subs = _subs(conn, only=subscription.id)
    if not subs:
        return 0
    sub = subs[0]
    lists = sorted(
        {
            code
            for m in standard.measures.values()
            if sub.domain in m.implementing_domains and sub.scenarios & set(m.scenarios)
            for code in m.lists
        }
    )
    if not lists:
        return 0
    entries = conn.execute(
        select(list_entries.c.id, list_entries.c.list_code)
        .where(active_entry_condition(clock.today()))
        .where(one_of(conn, list_entries.c.list_code, lists))
        .order_by(list_entries.c.id)
    ).all()
    made = 0
    for chunk in chunked([(int(r.id), str(r.list_code)) for r in entries]):
        _, cycles = listing_cycles(conn, [entry_id for entry_id, _ in chunk])
        made += _initiate(
            conn,
            clock=clock,
            standard=standard,
            settings=settings,
            entries=[(e, code, cycles.get(e, 1) or 1) for e, code in chunk],
            subs=subs,
        )
    return made


# -- reading ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionView:
    """One action with its measure, its list entry and its department."""

    id: int
    subscription_id: int
    department: str
    domain: str
    province: str
    account_id: int | None
    key_id: int | None
    measure_code: str
    initiated_at: dt.datetime
    due_on: dt.date
    pushed_at: dt.datetime | None
    executed_at: dt.datetime | None
    lifted_at: dt.datetime | None
    feedback: str | None
    feedback_reason: str | None
    feedback_by: str | None
    feedback_at: dt.datetime | None
    measure: dict[str, Any]
    entry: dict[str, Any]

    def state(self, on: dt.date) -> str:
        """``fed_back``, ``lifted``, ``overdue`` (no feedback after ``due_on``) or ``pending``."""
        if self.feedback is not None:
            return "fed_back"
        if self.lifted_at is not None:
            return "lifted"
        if self.due_on < on:
            return "overdue"
        return "pending"

    def owned_by(self, principal: Principal) -> bool:
        if principal.account_id is not None:
            return self.account_id == principal.account_id
        return principal.key_id is not None and self.key_id == principal.key_id

    def to_dict(self, on: dt.date) -> dict[str, Any]:
        return {
            "id": self.id,
            "state": self.state(on),
            "subscription_id": self.subscription_id,
            "department": self.department,
            "domain": self.domain,
            "province": self.province,
            "measure_code": self.measure_code,
            "initiated_at": _iso(self.initiated_at),
            "due_on": _iso(self.due_on),
            "pushed_at": _iso(self.pushed_at),
            "executed_at": _iso(self.executed_at),
            "lifted_at": _iso(self.lifted_at),
            "feedback": self.feedback,
            "feedback_reason": self.feedback_reason,
            "feedback_by": self.feedback_by,
            "feedback_at": _iso(self.feedback_at),
            "measure": self.measure,
            "entry": self.entry,
        }


def _view_select() -> Select[Any]:
    return select(
        actions,
        subscriptions.c.department,
        subscriptions.c.domain,
        subscriptions.c.account_id,
        subscriptions.c.key_id,
        *_ENTRY_COLUMNS,
    ).select_from(_joined().join(subscriptions, subscriptions.c.id == actions.c.subscription_id))


def _view(row: RowMapping, standard: Standard) -> ActionView:
    return ActionView(
        id=int(row["id"]),
        subscription_id=int(row["subscription_id"]),
        department=row["department"],
        domain=row["domain"],
        province=row["province"],
        account_id=row["account_id"],
        key_id=row["key_id"],
        measure_code=row["measure_code"],
        initiated_at=row["initiated_at"],
        due_on=row["due_on"],
        pushed_at=row["pushed_at"],
        executed_at=row["executed_at"],
        lifted_at=row["lifted_at"],
        feedback=row["feedback"],
        feedback_reason=row["feedback_reason"],
        feedback_by=row["feedback_by"],
        feedback_at=row["feedback_at"],
        measure=measure_summary(row["measure_code"], standard),
        entry=entry_summary(row, standard),
    )


def get_action(conn: Connection, action_id: int, *, standard: Standard) -> ActionView | None:
    row = conn.execute(_view_select().where(actions.c.id == action_id)).mappings().first()
    return _view(row, standard) if row is not None else None


def state_condition(state: str, on: dt.date) -> Any:
    open_ = and_(actions.c.feedback.is_(None), actions.c.lifted_at.is_(None))
    if state == "pending":
        return open_
    if state == "overdue":
        return and_(open_, actions.c.due_on < on)
    if state == "lifted":
        return actions.c.lifted_at.is_not(None)
    if state == "fed_back":
        return actions.c.feedback.is_not(None)
    raise ValueError(state)


def department_actions(
    conn: Connection,
    principal: Principal,
    *,
    standard: Standard,
    on: dt.date,
    state: str | None = None,
    before: int | None = None,
    limit: int = DEFAULT_LIMIT,
) -> list[ActionView]:
    """The caller's actions, newest first (``before``: ids below this one, for the next page).

    ``state``: ``pending`` (no feedback yet, not lifted — overdue ones included), ``overdue``
    (pending and past ``due_on``), ``lifted``, ``fed_back``; ``None`` for all.
    """
    from credit_yrd.measures.errors import MeasuresError

    require_department(principal)
    if state is not None and state not in ACTION_STATES:
        raise MeasuresError(
            f"state：须为 {'、'.join(ACTION_STATES)} 之一",
            f"state: must be one of {', '.join(ACTION_STATES)}",
        )
    query = _view_select().where(owned_by(principal))
    if state is not None:
        query = query.where(state_condition(state, on))
    if before is not None:
        query = query.where(actions.c.id < before)
    query = query.order_by(actions.c.id.desc()).limit(max(1, min(limit, MAX_LIMIT)))
    return [_view(row, standard) for row in conn.execute(query).mappings()]


def count_actions(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(actions)).scalar_one())


__all__ = [
    "ACTION_STATES",
    "CURSOR",
    "ActionView",
    "active_entry_condition",
    "department_actions",
    "get_action",
    "initiate_for_subscription",
    "initiate_pending",
]
