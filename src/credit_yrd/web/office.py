"""What the credit office's pages read: the sources with what each has sent, a source's batches
page by page, and one batch with its receipt."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from credit_yrd.store.schema import batches, sources

BATCH_PAGE = 50
#: Receipt counters shown for a batch, in this order, with their labels.
COUNTERS: dict[str, tuple[str, str]] = {
    "read": ("读取行", "rows read"),
    "accepted": ("接收", "accepted"),
    "new": ("新增", "new"),
    "changed": ("变更", "changed"),
    "unchanged": ("未变化", "unchanged"),
    "rejected": ("拒收", "rejected"),
    "unresolved": ("主体待复核", "subject awaiting review"),
}


@dataclass
class SourceRow:
    code: str
    name_zh: str
    name_en: str
    province: str | None
    batches: int = 0
    read: int = 0
    accepted: int = 0
    rejected: int = 0
    last_completed: dt.datetime | None = None


@dataclass
class BatchRow:
    id: int
    source: str
    file_name: str | None
    status: str
    received_at: dt.datetime
    completed_at: dt.datetime | None
    content_sha256: str
    has_quarantine: bool
    counts: dict[str, Any] = field(default_factory=dict)

    def count(self, name: str) -> int | None:
        value = self.counts.get(name)
        return int(value) if isinstance(value, int | float) else None

    def table(self, name: str) -> list[tuple[str, int]]:
        """A receipt's breakdown (kinds, rejected_by_rule, linked_by, wrong_codes) as rows."""
        value = self.counts.get(name)
        if not isinstance(value, dict):
            return []
        return sorted(((str(k), int(v)) for k, v in value.items()), key=lambda kv: (-kv[1], kv[0]))


def source_rows(conn: Connection) -> list[SourceRow]:
    """Every source, with its completed batches and the rows they read, accepted and rejected."""
    found = {
        row.code: SourceRow(row.code, row.name_zh, row.name_en, row.province)
        for row in conn.execute(select(sources).order_by(sources.c.code))
    }
    for row in conn.execute(
        select(batches.c.source, batches.c.counts, batches.c.completed_at).where(
            batches.c.status == "accepted"
        )
    ):
        entry = found.get(row.source)
        if entry is None:
            continue
        counts = row.counts or {}
        entry.batches += 1
        entry.read += int(counts.get("read", 0))
        entry.accepted += int(counts.get("accepted", 0))
        entry.rejected += int(counts.get("rejected", 0))
        if row.completed_at is not None and (
            entry.last_completed is None or row.completed_at > entry.last_completed
        ):
            entry.last_completed = row.completed_at
    return list(found.values())


def source_exists(conn: Connection, code: str) -> bool:
    return conn.execute(select(sources.c.code).where(sources.c.code == code)).first() is not None


def _batch(row: Any) -> BatchRow:
    return BatchRow(
        id=int(row.id),
        source=row.source,
        file_name=row.file_name,
        status=row.status,
        received_at=row.received_at,
        completed_at=row.completed_at,
        content_sha256=row.content_sha256,
        has_quarantine=bool(row.quarantine_path),
        counts=dict(row.counts) if row.counts else {},
    )


def batch_page(
    conn: Connection, *, source: str | None, before: int | None, limit: int = BATCH_PAGE
) -> tuple[list[BatchRow], int | None, int]:
    """Batches newest first (of one source, or all), those with an id below ``before``; returns
    the page, the ``before`` of the next page (``None`` at the end) and how many there are."""
    query = select(batches).order_by(batches.c.id.desc()).limit(limit + 1)
    total = select(func.count()).select_from(batches)
    if source is not None:
        query = query.where(batches.c.source == source)
        total = total.where(batches.c.source == source)
    if before is not None:
        query = query.where(batches.c.id < before)
    rows = [_batch(row) for row in conn.execute(query)]
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].id if more and rows else None), int(conn.execute(total).scalar_one())


def one_batch(conn: Connection, batch_id: int) -> BatchRow | None:
    row = conn.execute(select(batches).where(batches.c.id == batch_id)).first()
    return _batch(row) if row is not None else None
