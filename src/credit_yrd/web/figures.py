"""The figures the portal's home page shows: what each provincial platform has sent and what the
region holds (subjects by type, records by kind, batches and their receipts)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from credit_yrd.clock import CHINA_TZ
from credit_yrd.store.schema import batches, records, review_items, sources, subjects


@dataclass
class SourceFigures:
    code: str
    name_zh: str
    name_en: str
    batches: int = 0
    read: int = 0
    accepted: int = 0
    rejected: int = 0
    records: dict[str, int] = field(default_factory=dict)


@dataclass
class Figures:
    subjects: dict[str, int]
    sources: list[SourceFigures]
    open_reviews: int
    recent_batches: list[dict[str, Any]]

    @property
    def total_records(self) -> int:
        return sum(sum(s.records.values()) for s in self.sources)


def figures(conn: Connection, *, recent: int = 10) -> Figures:
    subject_counts = {
        kind: int(n)
        for kind, n in conn.execute(
            select(subjects.c.subject_type, func.count()).group_by(subjects.c.subject_type)
        )
    }
    by_source = {
        row.code: SourceFigures(row.code, row.name_zh, row.name_en)
        for row in conn.execute(select(sources).order_by(sources.c.code))
    }
    for source, kind, n in conn.execute(
        select(records.c.source, records.c.kind, func.count()).group_by(
            records.c.source, records.c.kind
        )
    ):
        by_source[source].records[kind] = int(n)
    recent_rows: list[dict[str, Any]] = []
    for row in conn.execute(
        select(batches).where(batches.c.status == "accepted").order_by(batches.c.id.desc())
    ):
        counts = row.counts or {}
        entry = by_source[row.source]
        entry.batches += 1
        entry.read += int(counts.get("read", 0))
        entry.accepted += int(counts.get("accepted", 0))
        entry.rejected += int(counts.get("rejected", 0))
        if len(recent_rows) < recent:
            recent_rows.append(
                {
                    "id": row.id,
                    "source": row.source,
                    "file": row.file_name,
                    "completed_at": row.completed_at,
                    **{k: counts.get(k, 0) for k in ("read", "accepted", "rejected", "unresolved")},
                }
            )
    open_reviews = int(
        conn.execute(
            select(func.count()).select_from(review_items).where(review_items.c.status == "open")
        ).scalar_one()
    )
    active = [s for s in by_source.values() if s.batches or s.records]
    return Figures(subject_counts, active, open_reviews, recent_rows)


def data_date(conn: Connection) -> dt.date | None:
    """The day (China Standard Time) the latest accepted batch was completed: how fresh the
    region's data is. ``None`` before anything is ingested."""
    latest = conn.execute(
        select(func.max(batches.c.completed_at)).where(batches.c.status == "accepted")
    ).scalar()
    if latest is None:
        return None
    if isinstance(latest, str):  # SQLite without type information in an aggregate
        latest = dt.datetime.fromisoformat(latest)
    if latest.tzinfo is None:
        latest = latest.replace(tzinfo=dt.UTC)
    return latest.astimezone(CHINA_TZ).date()
