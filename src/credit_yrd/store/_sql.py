"""Small SQL helpers shared by the store modules (dialect-specific inserts, chunking)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any, TypeVar

from sqlalchemy import Table, any_, bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection

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
