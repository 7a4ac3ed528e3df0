"""API fixtures: a migrated store, an app on it, and API keys made in it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from credit_yrd.api.app import create_app
from credit_yrd.auth.api_keys import create_key, revoke_key
from credit_yrd.clock import SYSTEM_CLOCK
from credit_yrd.settings import Settings
from credit_yrd.store.engine import transaction
from credit_yrd.store.migrate import init_store


@pytest.fixture
def store_url(database_url: str) -> str:
    init_store(database_url).dispose()
    return database_url


@pytest.fixture
def api_settings(tmp_path: Path, store_url: str) -> Settings:
    return Settings(data_dir=tmp_path, database_url=store_url)


@pytest.fixture
def api(api_settings: Settings) -> Iterator[TestClient]:
    """A client of an app on a fresh store (the lifespan runs, so the engine is disposed)."""
    with TestClient(create_app(api_settings)) as client:
        yield client


MakeKey = Callable[..., str]


@pytest.fixture
def make_key(store_url: str) -> Iterator[MakeKey]:
    """make_key(role, source=None, revoked=False) → the plaintext of a new key."""
    engine = init_store(store_url)

    def make(role: str, source: str | None = None, *, revoked: bool = False) -> str:
        with transaction(engine) as conn:
            scope = (
                {"province": "31", "domain": "market_regulation"} if role == "department" else {}
            )
            key_id, plaintext = create_key(
                conn, role=role, label=f"测试 {role}", source=source, clock=SYSTEM_CLOCK, **scope
            )
            if revoked:
                revoke_key(conn, key_id, clock=SYSTEM_CLOCK)
        return plaintext

    yield make
    engine.dispose()
