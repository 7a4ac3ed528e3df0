"""What an approved repair does, in the transaction of the decision (一处修复、处处修复).

- The record — the target record, or the record a record-fed listing comes from — gets
  ``records.repaired_on = today`` and ``public_state = 'repaired'``: from today it is neither
  published nor shared (the content stays as it was: the facts are still true; the decision
  history is the application and its case steps).
- Every entry that comes from that record (``record_id``) or rests on it (``basis_record_id``),
  and the target entry of a listing repair, is taken off with reason ``repair``
  (:func:`credit_yrd.lists.lifecycle.remove_for_repair`): a ``listed`` one is removed, a pending
  one (``proposed`` or ``objected``) withdrawn so that it is never listed. The joint actions of
  removed entries are lifted by the worker that follows the list steps, and the check API's index
  sees the removal within a second.
- One ``repair_deliveries`` row per province platform (``province:31`` … ``province:34``) and per
  enabled subscription (``subscription:7``): the outbox :mod:`credit_yrd.repair.deliveries`
  pushes or the recipients pull. A row whose recipient has a push URL is due at once.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.engine import Connection

from credit_yrd.clock import Clock
from credit_yrd.ledger.files import scrub_resident_ids
from credit_yrd.lists.lifecycle import REPAIR_STATUSES, remove_for_repair
from credit_yrd.repair.errors import NotFound, WrongState
from credit_yrd.standards.models import Standard
from credit_yrd.store._sql import insert_ignoring
from credit_yrd.store.schema import (
    list_entries,
    platform_endpoints,
    records,
    repair_applications,
    repair_deliveries,
    subjects,
    subscriptions,
)

PROVINCES = ("31", "32", "33", "34")
EVENT = "repair.approved"


def payload(
    conn: Connection,
    application: Any,
    *,
    repaired_on: str,
    record_id: int | None,
    entries: list[int],
) -> dict[str, Any]:
    """What every recipient receives: the decision, the subject, the record and the entries
    removed (no documents, no query code, no resident ID number)."""
    subject = conn.execute(
        select(subjects.c.id, subjects.c.name, subjects.c.uscc, subjects.c.subject_type).where(
            subjects.c.id == application.subject_id
        )
    ).first()
    record: dict[str, Any] | None = None
    if record_id is not None:
        row = conn.execute(
            select(records.c.id, records.c.source, records.c.kind, records.c.source_key).where(
                records.c.id == record_id
            )
        ).first()
        if row is not None:
            record = {
                "id": int(row.id),
                "source": row.source,
                "kind": row.kind,
                "source_key": scrub_resident_ids(row.source_key),
            }
    return {
        "application_id": int(application.id),
        "target": application.target,
        "decision": "approved",
        "decided_at": application.decided_at.isoformat() if application.decided_at else None,
        "repaired_on": repaired_on,
        "authority": application.authority,
        "province": application.province,
        "domain": application.domain,
        "subject": {
            "id": int(subject.id) if subject else application.subject_id,
            "name": scrub_resident_ids(subject.name) if subject else None,
            "uscc": subject.uscc if subject else None,
            "subject_type": subject.subject_type if subject else None,
        },
        "record": record,
        "entries_removed": entries,
        "effects_zh": "终止公示、停止共享和使用、解除联合惩戒措施，请同步更新",
        "effects_en": "end publication, stop sharing and use, lift joint measures; update in step",
    }


def apply_approval(
    conn: Connection, *, clock: Clock, standard: Standard, application_id: int, actor: str
) -> dict[str, Any]:
    """The effects of approving ``application_id`` (its row already says ``approved``); returns
    what was done: ``record_id``, ``entries_removed``, ``deliveries``."""
    app = conn.execute(
        select(repair_applications).where(repair_applications.c.id == application_id)
    ).first()
    if app is None:
        raise NotFound(
            f"编号为 {application_id} 的修复申请", f"repair application {application_id}"
        )
    today, now = clock.today(), clock.now()
    record_id: int | None = int(app.record_id) if app.record_id is not None else None
    if app.entry_id is not None:
        fed_by = conn.execute(
            select(list_entries.c.record_id).where(list_entries.c.id == app.entry_id)
        ).scalar()
        record_id = int(fed_by) if fed_by is not None else None
    if record_id is not None:
        done = conn.execute(
            update(records)
            .where(records.c.id == record_id, records.c.repaired_on.is_(None))
            .values(repaired_on=today, public_state="repaired")
        )
        if done.rowcount != 1 and app.target == "record":
            raise WrongState(
                application_id, "repaired", "修复已修复的记录", "repair a record already repaired"
            )
    wanted: set[int] = set()
    if app.entry_id is not None:
        wanted.add(int(app.entry_id))
    if record_id is not None:
        wanted.update(
            int(i)
            for i in conn.execute(
                select(list_entries.c.id).where(
                    list_entries.c.status.in_(REPAIR_STATUSES),
                    or_(
                        list_entries.c.record_id == record_id,
                        list_entries.c.basis_record_id == record_id,
                    ),
                )
            ).scalars()
        )
    removed: list[int] = []
    note = f"信用修复申请 {application_id} 准予修复 (repair application {application_id} approved)"
    for entry_id in sorted(wanted):
        status = conn.execute(
            select(list_entries.c.status).where(list_entries.c.id == entry_id)
        ).scalar()
        if entry_id == app.entry_id and status != "listed":
            raise WrongState(
                application_id,
                f"entry {status}",
                "修复未在列的条目",
                "repair an entry that is not listed",
            )
        if status not in REPAIR_STATUSES:
            continue
        remove_for_repair(
            conn, clock=clock, entry_id=entry_id, actor=actor, note=note, standard=standard
        )
        removed.append(entry_id)
    body = payload(conn, app, repaired_on=today.isoformat(), record_id=record_id, entries=removed)
    pushed = {
        str(p): bool(u)
        for p, u in conn.execute(select(platform_endpoints.c.province, platform_endpoints.c.url))
    }
    rows: list[dict[str, Any]] = [
        {
            "application_id": application_id,
            "event": EVENT,
            "recipient": f"province:{province}",
            "province": province,
            "subscription_id": None,
            "payload": body,
            "created_at": now,
            "attempts": 0,
            "next_attempt_at": now if pushed.get(province) else None,
        }
        for province in PROVINCES
    ]
    for sub in conn.execute(
        select(subscriptions.c.id, subscriptions.c.webhook_url)
        .where(subscriptions.c.disabled_at.is_(None))
        .order_by(subscriptions.c.id)
    ):
        rows.append(
            {
                "application_id": application_id,
                "event": EVENT,
                "recipient": f"subscription:{int(sub.id)}",
                "province": None,
                "subscription_id": int(sub.id),
                "payload": body,
                "created_at": now,
                "attempts": 0,
                "next_attempt_at": now if sub.webhook_url else None,
            }
        )
    conn.execute(
        insert_ignoring(conn, repair_deliveries, ["application_id", "event", "recipient"]), rows
    )
    return {"record_id": record_id, "entries_removed": removed, "deliveries": len(rows)}
