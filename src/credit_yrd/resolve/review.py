"""The review queue: records that could not be linked to a subject for sure.

Ingestion opens an item per unlinked record with the reason and, for name matches, the candidate
subjects. A reviewer links the record to a subject (``link``: the record gets ``link_method =
'review'``) or rejects the item (the record stays unlinked and the decision is kept). Every decision
names who made it and when.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection

from credit_yrd.clock import SYSTEM_CLOCK, Clock
from credit_yrd.errors import CreditYrdError
from credit_yrd.store._sql import chunked, insert_ignoring, one_of
from credit_yrd.store.schema import legacy_codes, records, review_items, subjects
from credit_yrd.store.subjects import find_subject


class ReviewError(CreditYrdError):
    """A review decision that cannot be made (unknown item, already decided, unknown subject)."""


@dataclass(frozen=True)
class Pending:
    record_id: int
    kind: str
    reason: str
    party: dict[str, Any]
    candidates: tuple[int, ...]


def open_items(
    conn: Connection,
    pending: Sequence[Pending],
    *,
    source: str,
    batch_id: int | None,
    clock: Clock = SYSTEM_CLOCK,
) -> int:
    """Open review items for the records among ``pending`` that still have no subject; returns how
    many records are unlinked (an item already open for a record is kept, not duplicated)."""
    if not pending:
        return 0
    unlinked: set[int] = set()
    for chunk in chunked(sorted({p.record_id for p in pending})):
        unlinked.update(
            int(r)
            for r in conn.execute(
                select(records.c.id).where(
                    one_of(conn, records.c.id, chunk), records.c.subject_id.is_(None)
                )
            ).scalars()
        )
    now = clock.now()
    rows = {
        p.record_id: {
            "record_id": p.record_id,
            "batch_id": batch_id,
            "source": source,
            "kind": p.kind,
            "reason": p.reason,
            "party": p.party,
            "candidates": list(p.candidates) or None,
            "status": "open",
            "created_at": now,
        }
        for p in pending
        if p.record_id in unlinked
    }
    if rows:
        conn.execute(insert_ignoring(conn, review_items, ["record_id"]), list(rows.values()))
    return len(rows)


def relink_by_legacy_map(conn: Connection, *, clock: Clock = SYSTEM_CLOCK) -> int:
    """Link the open ``unknown_legacy_code`` items whose code the legacy map now knows (a
    registration record arrived later); returns how many were linked. Decided by ``system``."""
    items = list(
        conn.execute(
            select(review_items.c.id, review_items.c.record_id, review_items.c.party).where(
                review_items.c.status == "open",
                review_items.c.reason == "unknown_legacy_code",
            )
        )
    )
    if not items:
        return 0
    wanted: dict[str, str] = {}
    for item in items:
        party = item.party or {}
        for kind in ("org_code", "business_reg_no"):
            if party.get(kind):
                wanted[party[kind]] = kind
    known: dict[str, str] = {}
    for chunk in chunked(sorted(wanted)):
        known.update(
            (code, uscc)
            for code, uscc in conn.execute(
                select(legacy_codes.c.legacy_code, legacy_codes.c.uscc).where(
                    one_of(conn, legacy_codes.c.legacy_code, chunk)
                )
            )
        )
    usccs: dict[str, int] = {}
    for chunk in chunked(sorted(set(known.values()))):
        usccs.update(
            (code, int(subject_id))
            for code, subject_id in conn.execute(
                select(subjects.c.uscc, subjects.c.id).where(one_of(conn, subjects.c.uscc, chunk))
            )
        )
    now = clock.now()
    linked = 0
    for item in items:
        party = item.party or {}
        for kind in ("org_code", "business_reg_no"):
            code = party.get(kind)
            subject_id = usccs.get(known.get(code, "")) if code else None
            if subject_id is None:
                continue
            conn.execute(
                update(records)
                .where(records.c.id == item.record_id, records.c.subject_id.is_(None))
                .values(subject_id=subject_id, link_method=kind, linked_at=now)
            )
            conn.execute(
                update(review_items)
                .where(review_items.c.id == item.id)
                .values(
                    status="linked",
                    subject_id=subject_id,
                    decided_by="system",
                    decided_at=now,
                    note="换码对照表已收录该旧代码 (the legacy map now holds the code)",
                )
            )
            linked += 1
            break
    return linked


def close_linked_items(
    conn: Connection, record_ids: Sequence[int], *, clock: Clock = SYSTEM_CLOCK
) -> int:
    """Close the open items of records that have a subject now (a later batch linked them);
    decided by ``system``. Returns how many were closed."""
    closed = 0
    now = clock.now()
    for chunk in chunked(sorted(set(record_ids))):
        rows = list(
            conn.execute(
                select(review_items.c.id, records.c.subject_id, records.c.link_method)
                .join(records, records.c.id == review_items.c.record_id)
                .where(
                    review_items.c.status == "open",
                    one_of(conn, review_items.c.record_id, chunk),
                    records.c.subject_id.is_not(None),
                )
            )
        )
        for row in rows:
            conn.execute(
                update(review_items)
                .where(review_items.c.id == row.id)
                .values(
                    status="linked",
                    subject_id=row.subject_id,
                    decided_by="system",
                    decided_at=now,
                    note=f"后续批次已关联（{row.link_method}）(linked by a later batch)",
                )
            )
        closed += len(rows)
    return closed


def list_items(
    conn: Connection,
    *,
    status: str | None = "open",
    source: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[dict[str, Any]]:
    query = select(review_items).order_by(review_items.c.id).limit(limit).offset(offset)
    if status:
        query = query.where(review_items.c.status == status)
    if source:
        query = query.where(review_items.c.source == source)
    return [dict(row._mapping) for row in conn.execute(query)]


def count_items(conn: Connection, *, status: str | None = "open") -> dict[str, int]:
    query = select(review_items.c.reason, func.count()).group_by(review_items.c.reason)
    if status:
        query = query.where(review_items.c.status == status)
    return {reason: int(n) for reason, n in conn.execute(query)}


def _open_item(conn: Connection, item_id: int) -> Any:
    item = conn.execute(select(review_items).where(review_items.c.id == item_id)).first()
    if item is None:
        raise ReviewError(f"没有复核事项 {item_id}", f"no review item {item_id}")
    if item.status != "open":
        raise ReviewError(
            f"复核事项 {item_id} 已处理（{item.status}）",
            f"review item {item_id} is already decided ({item.status})",
        )
    return item


def link_item(
    conn: Connection,
    item_id: int,
    subject_code: str,
    *,
    decided_by: str,
    note: str | None = None,
    clock: Clock = SYSTEM_CLOCK,
) -> int:
    """Link the item's record to the subject with this USCC or legacy code; returns its id."""
    item = _open_item(conn, item_id)
    subject = find_subject(conn, subject_code)
    if subject is None and subject_code.isdigit():
        subject = conn.execute(select(subjects).where(subjects.c.id == int(subject_code))).first()
    if subject is None:
        raise ReviewError(
            f"找不到主体“{subject_code}”", f"no subject with code or id {subject_code!r}"
        )
    now = clock.now()
    done = conn.execute(
        update(records)
        .where(records.c.id == item.record_id, records.c.subject_id.is_(None))
        .values(subject_id=subject.id, link_method="review", linked_at=now)
    )
    if done.rowcount != 1:
        current = conn.execute(
            select(records.c.subject_id).where(records.c.id == item.record_id)
        ).scalar()
        raise ReviewError(
            f"复核事项 {item_id} 的记录已关联主体 {current}，不能再关联",
            f"the record of review item {item_id} is already linked to subject {current}",
        )
    conn.execute(
        update(review_items)
        .where(review_items.c.id == item_id)
        .values(
            status="linked", subject_id=subject.id, decided_by=decided_by, decided_at=now, note=note
        )
    )
    return int(subject.id)


def reject_item(
    conn: Connection,
    item_id: int,
    *,
    decided_by: str,
    note: str,
    clock: Clock = SYSTEM_CLOCK,
) -> None:
    """Close the item without a link; the record stays unlinked, the reason is kept."""
    _open_item(conn, item_id)
    conn.execute(
        update(review_items)
        .where(review_items.c.id == item_id)
        .values(status="rejected", decided_by=decided_by, decided_at=clock.now(), note=note)
    )
