"""``GET /api/v1/sources`` and ``/sources/{code}``: public names and provinces; counts of what
each source sent for credit offices only; paged by cursor."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert

from credit_yrd.auth.api_keys import create_key
from credit_yrd.clock import SYSTEM_CLOCK, FixedClock
from credit_yrd.store.engine import transaction
from credit_yrd.store.migrate import init_store
from credit_yrd.store.records import RecordItem, append_versions_bulk
from credit_yrd.store.schema import batches
from tests.api.conftest import MakeKey

CLOCK = FixedClock(dt.date(2026, 6, 1))
REGION = ["anhui", "jiangsu", "national", "shanghai", "zhejiang"]


def _fill(url: str) -> None:
    engine = init_store(url)
    try:
        with transaction(engine) as conn:
            for i, (source, status, day) in enumerate(
                [
                    ("jiangsu", "accepted", 1),
                    ("jiangsu", "accepted", 3),
                    ("jiangsu", "rejected", 5),
                    ("shanghai", "accepted", 2),
                ]
            ):
                conn.execute(
                    insert(batches).values(
                        source=source,
                        received_at=dt.datetime(2026, 5, day, 9, 0, tzinfo=dt.UTC),
                        content_sha256=f"{i:064d}",
                        status=status,
                    )
                )
            append_versions_bulk(
                conn,
                [RecordItem("jiangsu", "penalty", f"K-{i}", {"n": i}) for i in range(3)],
                clock=CLOCK,
            )
    finally:
        engine.dispose()


def office_key(url: str) -> str:
    engine = init_store(url)
    try:
        with transaction(engine) as conn:
            return create_key(
                conn, role="credit_office", label="信用办", province="32", clock=SYSTEM_CLOCK
            )[1]
    finally:
        engine.dispose()


def test_the_public_sees_names_and_provinces(api: TestClient) -> None:
    response = api.get("/api/v1/sources")
    assert response.status_code == 200, response.text
    body = response.json()
    assert [s["code"] for s in body["items"]] == REGION
    jiangsu = next(s for s in body["items"] if s["code"] == "jiangsu")
    assert jiangsu == {
        "code": "jiangsu",
        "name_zh": "江苏省公共信用信息平台",
        "name_en": "Jiangsu public credit information platform",
        "province": "32",
        "counts": None,
    }
    assert body["next_cursor"] is None
    assert api.get("/api/v1/sources/national").json()["province"] is None


def test_credit_offices_see_counts(api: TestClient, store_url: str, make_key: MakeKey) -> None:
    _fill(store_url)
    key = office_key(store_url)
    body = api.get("/api/v1/sources", headers={"Authorization": f"Bearer {key}"}).json()
    counts = {s["code"]: s["counts"] for s in body["items"]}
    assert counts["jiangsu"]["batches_accepted"] == 2
    assert counts["jiangsu"]["batches_rejected"] == 1
    assert counts["jiangsu"]["records"] == 3
    assert dt.datetime.fromisoformat(counts["jiangsu"]["last_batch_at"]) == dt.datetime(
        2026, 5, 5, 9, 0, tzinfo=dt.UTC
    )
    assert counts["anhui"] == {
        "batches_accepted": 0,
        "batches_rejected": 0,
        "records": 0,
        "last_batch_at": None,
    }
    one = api.get("/api/v1/sources/shanghai", headers={"Authorization": f"Bearer {key}"}).json()
    assert one["counts"]["batches_accepted"] == 1
    # Anyone else: no counts, not even with a key of another role.
    source_key = make_key("data_source", "jiangsu")
    other = api.get("/api/v1/sources/jiangsu", headers={"Authorization": f"Bearer {source_key}"})
    assert other.status_code == 200 and other.json()["counts"] is None
    assert api.get("/api/v1/sources/jiangsu").json()["counts"] is None


def test_pages_by_cursor_without_overlap(api: TestClient) -> None:
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        body = api.get("/api/v1/sources", params=params).json()
        seen.extend(s["code"] for s in body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == REGION


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/v1/sources/nowhere", 404),
        ("/api/v1/sources/Shanghai", 422),
        ("/api/v1/sources/x'%20OR%201=1", 422),
        ("/api/v1/sources?limit=0", 422),
        ("/api/v1/sources?limit=201", 422),
        ("/api/v1/sources?cursor=%00", 422),
    ],
)
def test_bad_requests_are_problems(api: TestClient, path: str, status: int) -> None:
    response = api.get(path)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


def test_an_invalid_key_is_refused(api: TestClient) -> None:
    response = api.get("/api/v1/sources", headers={"Authorization": "Bearer cyk_nope"})
    assert response.status_code == 401
