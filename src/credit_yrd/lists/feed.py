"""Entries fed by ingested records (origin ``record``).

Each list whose definition has ``from_records`` takes the records of that kind (and, with
``when``, only those the condition holds for; ``serious_dishonesty_list`` records go to the
list of their domain ``YZ_LY``). :func:`sync_from_records` reads the record versions appended
since the last run (``job_cursors`` row ``lists.feed`` over ``record_versions.id``), takes each
touched record's latest version and brings its entry (linked by ``list_entries.record_id``) in
step with it: created, listed, removed (the record's removal date or status: reason ``source``; a
period ended: ``expiry``), withdrawn (the record's status, or a withdrawn or deleted version),
extended or corrected — each change with its ``list_events`` step.

Records without a linked subject are skipped. They are picked up when linked through the review
queue: every run also takes the records of the fed kinds whose review item is ``linked`` and that
have no entry yet. A record linked some other way without a new version (not done by the platform
today) waits for its next version.

The run is idempotent: a second run with nothing new changes nothing. Runs at the same time (two
servers' workers, the worker and ``credit-yrd lists``) take turns on the cursor's row. Versions are
read only up to the settled high-water mark of ``record_versions``
(:func:`credit_yrd.store._sql.settled_max_id`), so a batch that commits late is never passed
over; while batches hold the table longer than that waits, the run does nothing (the next takes
it up). An entry is changed only if its status is still the one compared (the lists' periodic
step may have expired it meanwhile).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection

from credit_yrd.clock import Clock
from credit_yrd.lists.lifecycle import record_step, step_values
from credit_yrd.standards.errors import RecordValueError
from credit_yrd.standards.joint_models import ListDef, RecordFeed
from credit_yrd.standards.models import RecordKind, Standard
from credit_yrd.standards.values import code_values, condition_holds, parse_date, raw_value
from credit_yrd.store._sql import (
    TableBusyError,
    chunked,
    insert_ignoring,
    one_of,
    settled_max_id,
)
from credit_yrd.store.schema import (
    job_cursors,
    list_entries,
    list_events,
    record_versions,
    records,
    review_items,
    sources,
    subjects,
)

CURSOR = "lists.feed"
FEED_ACTOR = "system:lists.feed"
PAGE = 2000
#: Version statuses that take a record (and so its entry) back.
WITHDRAWN_VERSIONS = ("withdrawn", "deleted")
_PROVINCES = {f"{n:02d}" for n in range(11, 83)}

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Desired:
    """What a record says its entry should be."""

    list_code: str
    status: str
    listed_on: dt.date
    ends_on: dt.date | None
    removed_on: dt.date | None
    removal_reason: str | None
    authority: str
    authority_uscc: str | None
    decision_number: str | None
    reason: str
    legal_basis: str
    #: False when the record gives no removal date and the day of the sync stood in for it.
    removed_on_dated: bool = True


def feeds(standard: Standard) -> dict[str, list[ListDef]]:
    """The lists fed by each record kind."""
    found: dict[str, list[ListDef]] = {}
    for list_def in standard.lists.values():
        if list_def.from_records is not None:
            found.setdefault(list_def.from_records.kind, []).append(list_def)
    return found


def _cursor(conn: Connection, clock: Clock) -> int:
    """The cursor's position, its row locked for this transaction (made at 0 if new): a second
    run at the same time waits for this one and then starts where it ended."""
    conn.execute(
        insert_ignoring(conn, job_cursors, ["name"]).values(
            name=CURSOR, position=0, updated_at=clock.now()
        )
    )
    query = select(job_cursors.c.position).where(job_cursors.c.name == CURSOR)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    return int(conn.execute(query).scalar_one())


def _set_cursor(conn: Connection, position: int, clock: Clock) -> None:
    conn.execute(
        update(job_cursors)
        .where(job_cursors.c.name == CURSOR)
        .values(position=position, updated_at=clock.now())
    )


def sync_from_records(conn: Connection, *, clock: Clock, standard: Standard) -> int:
    """Bring the record-fed entries in step with the records; returns the number of entries
    created or changed. Idempotent."""
    by_kind = feeds(standard)
    if not by_kind:
        return 0
    kinds = sorted(by_kind)
    start = _cursor(conn, clock)
    try:
        top = settled_max_id(conn, record_versions)
    except TableBusyError:
        _log.warning("record_versions busy: lists not fed from records in this pass")
        return 0
    changed = 0
    position = start
    while position < top:
        rows = conn.execute(
            select(record_versions.c.id, record_versions.c.record_id)
            .join(records, records.c.id == record_versions.c.record_id)
            .where(
                record_versions.c.id > position,
                record_versions.c.id <= top,
                records.c.kind.in_(kinds),
            )
            .order_by(record_versions.c.id)
            .limit(PAGE)
        ).all()
        if not rows:
            break
        changed += _sync_records(
            conn, {int(r.record_id) for r in rows}, by_kind, clock=clock, standard=standard
        )
        position = int(rows[-1].id)
    # Records linked through the review queue since they came in (no new version).
    relinked = conn.execute(
        select(review_items.c.record_id)
        .join(records, records.c.id == review_items.c.record_id)
        .outerjoin(list_entries, list_entries.c.record_id == review_items.c.record_id)
        .where(
            review_items.c.status == "linked",
            review_items.c.kind.in_(kinds),
            records.c.subject_id.is_not(None),
            list_entries.c.id.is_(None),
        )
    ).all()
    for chunk in chunked(sorted({int(r.record_id) for r in relinked}), PAGE):
        changed += _sync_records(conn, set(chunk), by_kind, clock=clock, standard=standard)
    if top != start:
        _set_cursor(conn, top, clock)
    return changed


def _latest(conn: Connection, record_ids: list[int]) -> list[Any]:
    newest = (
        select(func.max(record_versions.c.version))
        .where(record_versions.c.record_id == records.c.id)
        .correlate(records)
        .scalar_subquery()
    )
    return list(
        conn.execute(
            select(
                records.c.id.label("record_id"),
                records.c.kind,
                records.c.source,
                records.c.subject_id,
                records.c.domain,
                record_versions.c.content,
                record_versions.c.status,
                record_versions.c.department,
                sources.c.province.label("source_province"),
                subjects.c.name.label("subject_name"),
                subjects.c.province.label("subject_province"),
            )
            .join(
                record_versions,
                (record_versions.c.record_id == records.c.id)
                & (record_versions.c.version == newest),
            )
            .join(sources, sources.c.code == records.c.source)
            .outerjoin(subjects, subjects.c.id == records.c.subject_id)
            .where(one_of(conn, records.c.id, record_ids))
        )
    )


def _sync_records(
    conn: Connection,
    record_ids: Iterable[int],
    by_kind: Mapping[str, list[ListDef]],
    *,
    clock: Clock,
    standard: Standard,
) -> int:
    changed = 0
    today, now = clock.today(), clock.now()
    created: list[tuple[Any, Desired]] = []
    for chunk in chunked(sorted(record_ids), PAGE):
        latest = _latest(conn, chunk)
        existing = {
            int(row.record_id): row
            for row in conn.execute(
                select(list_entries).where(one_of(conn, list_entries.c.record_id, chunk))
            )
        }
        for row in latest:
            if row.subject_id is None:
                continue  # no subject yet: picked up when linked (see the module's note)
            kind = standard.record_kinds.get(row.kind)
            if kind is None:
                continue
            desired = desired_entry(row, kind, by_kind.get(row.kind, []), standard, today)
            current = existing.get(int(row.record_id))
            if current is None:
                if desired is not None:
                    created.append((row, desired))
            elif _update(conn, current, row, desired, now, today):
                changed += 1
        changed += _create_many(conn, created, now)
        created = []
    return changed


def _date(content: Mapping[str, Any], kind: RecordKind, code: str | None) -> dt.date | None:
    if code is None:
        return None
    try:
        value = raw_value(content, kind.field(code))
    except Exception:  # a field the kind lost: treated as absent
        return None
    return parse_date(value) if value is not None else None


def _str(content: Mapping[str, Any], kind: RecordKind, code: str | None, limit: int) -> str | None:
    if code is None:
        return None
    try:
        value = raw_value(content, kind.field(code))
    except Exception:
        return None
    if value is None:
        return None
    text = str(value).strip()
    return text[:limit] if text else None


def _matches(feed: RecordFeed, content: Mapping[str, Any], kind: RecordKind, std: Standard) -> bool:
    if feed.when is None:
        return True
    try:
        return condition_holds(feed.when, content, kind, std.code_lists)
    except (RecordValueError, KeyError, ValueError):
        return False


def desired_entry(
    row: Any, kind: RecordKind, lists: list[ListDef], standard: Standard, today: dt.date
) -> Desired | None:
    """The entry a record's latest version asks for, or ``None`` when it feeds no list (or has no
    usable listing date)."""
    content: Mapping[str, Any] = row.content or {}
    list_def = next(
        (
            d
            for d in lists
            if d.from_records is not None and _matches(d.from_records, content, kind, standard)
        ),
        None,
    )
    if list_def is None or list_def.from_records is None:
        return None
    feed = list_def.from_records
    f = feed.fields
    listed_on = _date(content, kind, f.get("listed_on"))
    if listed_on is None:
        return None
    ends_on = _date(content, kind, f.get("ends_on"))
    if ends_on is None:
        ends_on = list_def.default_end(listed_on)
    removed_on = _date(content, kind, f.get("removed_on"))
    status = "listed"
    status_code = f.get("status")
    mapped: str | None
    if status_code is not None:
        try:
            field = kind.field(status_code)
            values = (
                code_values(content, field, standard.code_lists[field.code_list])
                if field.code_list
                else [str(raw_value(content, field) or "").strip()]
            )
        except Exception:
            values = []
        mapped = next((feed.status_map[v] for v in values if v in feed.status_map), None)
    else:
        mapped = None
    if mapped is not None:
        status = mapped
    # A version's status follows the kind's publication rule (a red-list record that says
    # "removed" is "withdrawn" from publication): the record's own status field wins; without
    # one, a withdrawn version withdraws the entry. A deleted version always does.
    if row.status == "deleted" or (mapped is None and row.status in WITHDRAWN_VERSIONS):
        status = "withdrawn"
    reason: str | None = None
    if status == "listed" and removed_on is not None and removed_on <= today:
        status = "removed"
    dated = removed_on is not None
    if status == "removed":
        reason = "source"
        if removed_on is None and ends_on is not None and ends_on < today:
            reason, removed_on, dated = "expiry", ends_on + dt.timedelta(days=1), True
        removed_on = removed_on or today
    if status == "listed" and ends_on is not None and ends_on < today:
        status, reason, removed_on = "removed", "expiry", ends_on + dt.timedelta(days=1)
        dated = True
    if status == "listed":
        removed_on = None
    authority = (
        _str(content, kind, f.get("authority"), 200) or (row.department or "")[:200] or row.source
    )
    return Desired(
        list_code=list_def.code,
        status=status,
        listed_on=listed_on,
        ends_on=ends_on,
        removed_on=removed_on if status != "listed" else None,
        removal_reason=reason,
        authority=authority,
        authority_uscc=_str(content, kind, f.get("authority_uscc"), 18),
        decision_number=_str(content, kind, f.get("decision_number"), 128),
        reason=_str(content, kind, f.get("reason"), 4000) or list_def.label_zh,
        legal_basis=_str(content, kind, f.get("legal_basis"), 2000) or list_def.document_number,
        removed_on_dated=dated,
    )


def _province(row: Any, desired: Desired) -> str:
    """The deciding authority's province: its USCC's division, else the source's, else the
    subject's ("00" when nothing says)."""
    code = desired.authority_uscc or ""
    if len(code) == 18 and code[2:4] in _PROVINCES:
        return code[2:4]
    for value in (row.source_province, row.subject_province):
        if value and str(value) in _PROVINCES:
            return str(value)
    return "00"


def _values(row: Any, desired: Desired, now: dt.datetime) -> dict[str, Any]:
    return {
        "list_code": desired.list_code,
        "subject_id": int(row.subject_id),
        "subject_name": (row.subject_name or "")[:500],
        "status": desired.status,
        "authority": desired.authority,
        "authority_uscc": desired.authority_uscc,
        "province": _province(row, desired),
        "domain": row.domain,
        "decision_number": desired.decision_number,
        "reason": desired.reason,
        "legal_basis": desired.legal_basis,
        "listed_on": desired.listed_on,
        "ends_on": desired.ends_on,
        "removed_on": desired.removed_on,
        "removal_reason": desired.removal_reason,
        "updated_at": now,
    }


def _create_many(conn: Connection, created: list[tuple[Any, Desired]], now: dt.datetime) -> int:
    """Insert the new entries and their first steps, in two statements."""
    if not created:
        return 0
    params = [
        {"origin": "record", "record_id": int(row.record_id), **_values(row, desired, now)}
        for row, desired in created
    ]
    inserted = conn.execute(
        insert(list_entries).returning(
            list_entries.c.id, list_entries.c.record_id, sort_by_parameter_order=True
        ),
        params,
    ).all()
    ids = {int(r.record_id): int(r.id) for r in inserted}
    steps = []
    for row, desired in created:
        entry_id = ids[int(row.record_id)]
        actor = f"{FEED_ACTOR} record:{int(row.record_id)}"
        base = {"record_id": int(row.record_id), "source": row.source}
        if desired.status == "listed":
            step = step_values(
                entry_id,
                "listed",
                at=now,
                actor=actor,
                detail={**base, "listed_on": desired.listed_on, "ends_on": desired.ends_on},
            )
        elif desired.status == "removed":
            step = step_values(
                entry_id,
                "removed",
                at=now,
                actor=actor,
                detail={
                    **base,
                    "reason": desired.removal_reason,
                    "removed_on": desired.removed_on,
                    "first_seen": True,
                },
            )
        else:
            step = step_values(
                entry_id,
                "withdrawn",
                at=now,
                actor=actor,
                detail={**base, "was": None, "after_listing": False, "first_seen": True},
            )
        steps.append(step)
    conn.execute(insert(list_events), steps)
    return len(created)


_COMPARED = (
    "list_code",
    "subject_id",
    "subject_name",
    "status",
    "authority",
    "authority_uscc",
    "province",
    "domain",
    "decision_number",
    "reason",
    "legal_basis",
    "listed_on",
    "ends_on",
    "removed_on",
    "removal_reason",
)


def _update(
    conn: Connection,
    current: Any,
    row: Any,
    desired: Desired | None,
    now: dt.datetime,
    today: dt.date,
) -> bool:
    """Bring an existing entry in step; True when it changed."""
    if desired is None:
        # The record no longer feeds any list (its domain changed, its date went): withdrawn.
        if current.status == "withdrawn":
            return False
        values: dict[str, Any] = {
            "status": "withdrawn",
            "removed_on": today if current.status == "listed" else current.removed_on,
            "updated_at": now,
        }
    else:
        values = _values(row, desired, now)
        if (
            current.status == "removed"
            and current.removal_reason == "repair"
            and values["status"] != "withdrawn"
        ):
            # Repaired (信用修复): a later version of the record does not put the subject back on
            # the list; only the source withdrawing the record moves the entry on.
            return False
        if not desired.removed_on_dated and current.status == values["status"] == "removed":
            values["removed_on"] = current.removed_on  # the first day seen removed stands
        if all(getattr(current, key) == values[key] for key in _COMPARED):
            return False
    done = conn.execute(
        update(list_entries)
        .where(list_entries.c.id == current.id, list_entries.c.status == current.status)
        .values(**values)
    )
    if done.rowcount == 0:
        return False  # changed meanwhile (the lists' periodic step): the next run compares again
    entry_id = int(current.id)
    actor = f"{FEED_ACTOR} record:{int(row.record_id)}"
    base = {"record_id": int(row.record_id), "source": row.source}
    new_status = values["status"]
    if new_status == current.status == "listed":
        if values["ends_on"] != current.ends_on:
            record_step(
                conn,
                entry_id,
                "extended",
                at=now,
                actor=actor,
                detail={**base, "from": current.ends_on, "ends_on": values["ends_on"]},
            )
        else:
            record_step(
                conn,
                entry_id,
                "listed",
                at=now,
                actor=actor,
                detail={
                    **base,
                    "listed_on": values["listed_on"],
                    "ends_on": values["ends_on"],
                    "why": "record_corrected",
                },
            )
    elif new_status == "listed":
        record_step(
            conn,
            entry_id,
            "listed",
            at=now,
            actor=actor,
            detail={
                **base,
                "listed_on": values["listed_on"],
                "ends_on": values["ends_on"],
                "why": f"record_relisted_from_{current.status}",
            },
        )
    elif new_status == "removed":
        record_step(
            conn,
            entry_id,
            "removed",
            at=now,
            actor=actor,
            detail={
                **base,
                "reason": values.get("removal_reason"),
                "removed_on": values.get("removed_on"),
                "first_seen": current.status != "listed",
            },
        )
    else:
        record_step(
            conn,
            entry_id,
            "withdrawn",
            at=now,
            actor=actor,
            detail={
                **base,
                "was": current.status,
                "after_listing": current.status == "listed",
            },
        )
    return True
