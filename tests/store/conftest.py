"""Store fixtures: a migrated, seeded store per test on the backend the suite runs against."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine

from credit_yrd.clock import CHINA_TZ, FixedClock
from credit_yrd.privacy import PersonalDataVault
from credit_yrd.store.migrate import init_store

TEST_KEY = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = init_store(database_url)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(dt.datetime(2025, 3, 14, 9, 30, tzinfo=CHINA_TZ))


@pytest.fixture
def vault() -> PersonalDataVault:
    return PersonalDataVault(TEST_KEY)
