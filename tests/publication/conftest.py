"""Publication fixtures: a store with records on both sides of their windows.

The ledger's small region (:func:`tests.ledger.conftest.build_region`) plus a licence of one
summer (published 2026-07-01 to 2026-08-31), so that one record goes scheduled → published →
ended as the clock moves.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from credit_yrd.clock import FixedClock
from credit_yrd.store.engine import transaction
from credit_yrd.store.schema import records
from tests.ledger.conftest import CLOCK, COMPANY_NAME, TODAY, Region, add_record, build_region

__all__ = [
    "CLOCK",
    "SUMMER",
    "TODAY",
    "Region",
    "add_record",
    "clock_on",
    "licence",
    "set_record",
    "state",
]

#: The window of the summer licence.
SUMMER = (dt.date(2026, 7, 1), dt.date(2026, 8, 31))


def licence(number: str, decided: str, valid_until: str) -> dict[str, Any]:
    return {
        "XK_XKWS": "食品经营许可证",
        "XK_WSH": f"JY1310115{number}",
        "XK_XKLB": "普通",
        "XK_JDRQ": decided,
        "XK_YXQZI": valid_until,
        "XK_XKJG": "上海市浦东新区市场监督管理局",
        "XK_XDR_MC": COMPANY_NAME,
        "XK_XDR_ZJLX": "身份证",
    }


def clock_on(day: dt.date) -> FixedClock:
    return FixedClock(day)


def set_record(engine: Engine, record_id: int, **values: Any) -> None:
    with transaction(engine) as conn:
        conn.execute(update(records).where(records.c.id == record_id).values(**values))


def state(engine: Engine, record_id: int) -> str | None:
    with engine.connect() as conn:
        return conn.execute(
            select(records.c.public_state).where(records.c.id == record_id)
        ).scalar_one()


@pytest.fixture
def store(engine: Engine) -> Engine:
    return engine


@pytest.fixture
def region(store: Engine) -> Region:
    region = build_region(store)
    with transaction(store) as conn:
        region.records["summer"] = add_record(
            conn,
            "summer",
            subject_id=region.company_id,
            kind="license",
            content=licence("0001", SUMMER[0].isoformat(), SUMMER[1].isoformat()),
        )
    return region
