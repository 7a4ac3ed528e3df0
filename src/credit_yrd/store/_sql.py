"""Small SQL helpers shared by the store modules (dialect-specific inserts, chunking, the
settled high-water mark of an id cursor)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any, TypeVar

from sqlalchemy import Table, any_, bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

T = TypeVar("T")

#: Keys per ``IN (...)`` lookup: well under SQLite's and PostgreSQL's bind-parameter limits.
LOOKUP_CHUNK = 2_000


def insert_ignoring(conn: Connection, table: Table, index_elements: Sequence[str]) -> Any:
    """``INSERT … ON CONFLICT (index_elements) DO NOTHING`` for the connection's dialect."""
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    return insert(table).on_conflict_do_nothing(index_elements=list(index_elements))


def chunked(items: Iterable[T], size: int = LOOKUP_CHUNK) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def one_of(conn: Connection, column: Any, values: Sequence[Any]) -> Any:
    """``column IN (values)`` in the form each backend handles best.

    On PostgreSQL ``column = ANY(:array)``: one parameter, so the statement text is the same for
    every chunk (the driver's prepared-statement cache works) and the planner uses the index. On
    SQLite the usual ``IN`` list.
    """
    if conn.dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(list(values))


#: How long :func:`settled_max_id` waits for the writers of a table (PostgreSQL).
SETTLE_TIMEOUT_MS = 2000


class TableBusyError(RuntimeError):
    """Writers held the table longer than :data:`SETTLE_TIMEOUT_MS`: try again later."""


def settled_max_id(conn: Connection, table: Table, timeout_ms: int = SETTLE_TIMEOUT_MS) -> int:
    """The highest ``table.id`` (0 when empty) below which no row can still appear.

    For readers that follow a table by id cursor. On PostgreSQL an id is taken when a row is
    written but seen when its transaction commits, so a row with a lower id may appear after a
    higher one; the reader must not move its cursor past such a row. Here, inside a savepoint,
    ``LOCK TABLE … IN SHARE MODE`` waits (at most ``timeout_ms``) for the transactions writing the
    table to commit, the highest id is read, and rolling back to the savepoint releases the lock at
    once (writers are held up only for that moment). Every row with an id up to the answer is then
    committed and visible to the later statements of ``conn`` (READ COMMITTED). Raises
    :class:`TableBusyError` on timeout. SQLite serialises writers: there it only reads the highest
    id.
    """
    top = select(func.max(table.c.id))
    if conn.dialect.name != "postgresql":
        return int(conn.execute(top).scalar() or 0)
    savepoint = conn.begin_nested()
    try:
        conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{int(timeout_ms)}ms'")
        conn.exec_driver_sql(f'LOCK TABLE "{table.name}" IN SHARE MODE')
        found = int(conn.execute(top).scalar() or 0)
    except DBAPIError as exc:
        savepoint.rollback()
        if getattr(exc.orig, "sqlstate", None) == "55P03":  # lock_not_available
            raise TableBusyError(table.name) from None
        raise
    savepoint.rollback()  # releases the lock (and the SET LOCAL) taken after the savepoint
    return found
