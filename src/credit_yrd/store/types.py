"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Integer
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from credit_yrd.clock import CHINA_TZ

#: JSON on SQLite, JSONB on PostgreSQL.
JSONType = JSON().with_variant(JSONB(), "postgresql")

#: 64-bit keys on PostgreSQL; on SQLite ``INTEGER PRIMARY KEY`` (the rowid, already 64-bit).
BigID = BigInteger().with_variant(Integer(), "sqlite")


class Timestamp(TypeDecorator[dt.datetime]):
    """An instant, stored in UTC, read back as an aware datetime in China Standard Time.

    PostgreSQL keeps ``timestamptz``; SQLite keeps the UTC wall time. A naive datetime given to the
    store is taken to be China Standard Time, the time every rule of the platform is written in.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if not isinstance(value, dt.datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        if value.tzinfo is None:
            value = value.replace(tzinfo=CHINA_TZ)
        value = value.astimezone(dt.UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(CHINA_TZ)
