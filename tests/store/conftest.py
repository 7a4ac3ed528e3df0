"""Store fixtures: a migrated, seeded store per test on the backend the suite runs against."""

from __future__ import annotations

import datetime as dt

import pytest

from credit_yrd.clock import CHINA_TZ, FixedClock
from credit_yrd.privacy import PersonalDataVault

TEST_KEY = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(dt.datetime(2025, 3, 14, 9, 30, tzinfo=CHINA_TZ))


@pytest.fixture
def vault() -> PersonalDataVault:
    return PersonalDataVault(TEST_KEY)
