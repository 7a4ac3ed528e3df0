"""A running server remembers a key that authenticated for a few seconds (by its SHA-256): a busy
caller costs one look-up every few seconds, and a key revoked meanwhile stops working once that
time has passed — never later."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import update

from credit_yrd.api import deps
from credit_yrd.api.deps import KEY_CACHE_SECONDS, KeyCache, key_cache_of
from credit_yrd.clock import SYSTEM_CLOCK
from credit_yrd.store.engine import make_engine, transaction
from credit_yrd.store.schema import api_keys
from tests.api.conftest import MakeKey


def test_a_revoked_key_stops_working_once_the_cache_time_has_passed(
    api: TestClient, make_key: MakeKey, store_url: str, monkeypatch
) -> None:
    key = make_key("credit_office")
    headers = {"Authorization": f"Bearer {key}"}
    assert api.get("/api/v1/audit", headers=headers).status_code == 200
    engine = make_engine(store_url)
    with transaction(engine) as conn:  # revoked behind the server's back (another process)
        conn.execute(update(api_keys).values(revoked_at=SYSTEM_CLOCK.now()))
    engine.dispose()
    # still remembered: the documented delay, at most KEY_CACHE_SECONDS
    assert api.get("/api/v1/audit", headers=headers).status_code == 200
    later = deps.time.monotonic() + KEY_CACHE_SECONDS + 0.1
    monkeypatch.setattr(deps.time, "monotonic", lambda: later)
    refused = api.get("/api/v1/audit", headers=headers)
    assert refused.status_code == 401
    # and a refusal is never remembered: the next request asks the store again
    assert key_cache_of(api.app).get(deps.hash_key(key)) is None


def test_only_keys_that_authenticated_are_remembered(api: TestClient, make_key: MakeKey) -> None:
    revoked = make_key("credit_office", revoked=True)
    assert api.get("/api/v1/audit", headers={"X-API-Key": revoked}).status_code == 401
    assert key_cache_of(api.app).get(deps.hash_key(revoked)) is None
    too_long = "cyk_" + "a" * 10_000
    assert api.get("/api/v1/audit", headers={"X-API-Key": too_long}).status_code == 401


def test_the_cache_forgets_after_its_time_and_stays_bounded(monkeypatch) -> None:
    cache = KeyCache(seconds=5)
    now = [100.0]
    monkeypatch.setattr(deps.time, "monotonic", lambda: now[0])
    principal = object()
    cache.put("d1", principal)  # type: ignore[arg-type]
    assert cache.get("d1") is principal
    now[0] += 5.5
    assert cache.get("d1") is None
    monkeypatch.setattr(deps, "_KEY_CACHE_MAX", 3)
    for i in range(5):
        cache.put(f"k{i}", principal)  # type: ignore[arg-type]
    assert len(cache._found) <= 3
