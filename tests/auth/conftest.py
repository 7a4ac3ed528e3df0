"""Auth fixtures: a migrated store."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine

from credit_yrd.store.migrate import init_store


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = init_store(database_url)
    try:
        yield engine
    finally:
        engine.dispose()
