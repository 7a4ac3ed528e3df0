"""The access log: written by reads, queried by filters and cursor, append-only in the database."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from credit_yrd.ledger import Reader, log_read, query_log, reads_of_subject
from credit_yrd.ledger.audit import key_actor
from credit_yrd.store.engine import transaction
from credit_yrd.store.schema import access_log
from tests.ledger.conftest import CLOCK, Region


def write(engine: Engine, region: Region, n: int) -> list[int]:
    made = []
    with transaction(engine) as conn:
        for i in range(n):
            reader = Reader.for_key(
                i % 2 + 1, f"reader {i % 2}", "department", f"目的 {i}", "31" if i % 2 else None
            )
            made.append(
                log_read(
                    conn,
                    reader,
                    subject_id=region.company_id if i < 3 else region.person_id,
                    record_ids=[3, 1, 3],
                    action="test",
                    clock=CLOCK,
                )
            )
    return made


def test_query_filters_and_pages(store: Engine, region: Region) -> None:
    made = write(store, region, 5)
    with store.connect() as conn:
        everything = query_log(conn)
        assert [e.id for e in everything.entries] == sorted(made, reverse=True)
        assert everything.next_cursor is None
        assert everything.entries[0].record_ids == [1, 3]
        first = query_log(conn, limit=2)
        second = query_log(conn, limit=2, cursor=first.next_cursor)
        third = query_log(conn, limit=2, cursor=second.next_cursor)
        paged = [e.id for p in (first, second, third) for e in p.entries]
        assert paged == sorted(made, reverse=True) and third.next_cursor is None
        assert len(reads_of_subject(conn, region.company_id).entries) == 3
        assert {e.actor for e in query_log(conn, actor="key:1").entries} == {
            key_actor(1, "reader 0")
        }
        assert len(query_log(conn, actor=key_actor(2, "reader 1")).entries) == 2
        assert query_log(conn, actor="key:").entries == []
        assert len(query_log(conn, province="31").entries) == 2


@pytest.mark.parametrize("change", ["update", "delete"])
def test_the_log_is_append_only(store: Engine, region: Region, change: str) -> None:
    write(store, region, 1)
    statement = (
        update(access_log).values(purpose="涂改") if change == "update" else delete(access_log)
    )
    with pytest.raises(DBAPIError, match="append-only"), transaction(store) as conn:
        conn.execute(statement)
    with store.connect() as conn:
        assert [row.purpose for row in conn.execute(text("SELECT purpose FROM access_log"))] == [
            "目的 0"
        ]
