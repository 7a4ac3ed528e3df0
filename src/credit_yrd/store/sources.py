"""The registered data sources (the provincial platforms and the national feed)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.engine import Connection

from credit_yrd.store.errors import StoreError
from credit_yrd.store.schema import sources


def source_codes(conn: Connection) -> list[str]:
    return list(conn.execute(select(sources.c.code).order_by(sources.c.code)).scalars())


def check_sources(conn: Connection, codes: Iterable[str]) -> None:
    """Raise :class:`StoreError` naming every code in ``codes`` that is not a registered source."""
    wanted = set(codes)
    if not wanted:
        return
    known = set(
        conn.execute(select(sources.c.code).where(sources.c.code.in_(sorted(wanted)))).scalars()
    )
    unknown = sorted(wanted - known)
    if unknown:
        registered = ", ".join(source_codes(conn))
        raise StoreError(
            f"未登记的数据来源：{', '.join(unknown)}（已登记：{registered}）",
            f"unknown source: {', '.join(unknown)} (registered: {registered})",
        )
