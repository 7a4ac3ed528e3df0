"""Reading the store back in tests: row counts, records, versions, review items."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from credit_yrd.store.schema import (
    batches,
    legacy_codes,
    record_versions,
    records,
    review_items,
    sources,
    subjects,
)

TABLES = {
    "sources": sources,
    "subjects": subjects,
    "legacy_codes": legacy_codes,
    "batches": batches,
    "records": records,
    "record_versions": record_versions,
    "review_items": review_items,
}


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            name: int(conn.execute(select(func.count()).select_from(table)).scalar_one())
            for name, table in TABLES.items()
        }


def rows(engine: Engine, table: str, order_by: str = "id") -> list[dict[str, Any]]:
    t = TABLES[table]
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(t).order_by(t.c[order_by]))]


def versions(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        query = (
            select(
                record_versions,
                records.c.source_key,
                records.c.kind,
                records.c.subject_id,
                records.c.link_method,
            )
            .join(records, records.c.id == record_versions.c.record_id)
            .order_by(record_versions.c.id)
        )
        return [dict(r._mapping) for r in conn.execute(query)]
