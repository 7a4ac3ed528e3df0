"""``GET /api/v1/changes``: a province's platform and the credit offices pull the changes that
concern a province, by cursor; other provinces are 403; every page served is logged."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, select

from credit_yrd.api.app import create_app
from credit_yrd.auth.api_keys import create_key
from credit_yrd.clock import SYSTEM_CLOCK, FixedClock
from credit_yrd.settings import Settings
from credit_yrd.store.engine import transaction
from credit_yrd.store.migrate import init_store
from credit_yrd.store.records import RecordItem, append_versions_bulk
from credit_yrd.store.schema import access_log, subjects
from credit_yrd.store.subjects import upsert_legal_subject
from tests.ingest.builders import make_uscc
from tests.ledger.conftest import REP_MASKED, penalty

CLOCK = FixedClock(dt.date(2026, 6, 1))
URL = "/api/v1/changes"


@dataclass
class Setup:
    client: TestClient
    url: str
    keys: dict[str, str]
    ids: dict[str, int]


def _add(url: str, items: list[RecordItem]) -> None:
    engine = init_store(url)
    try:
        with transaction(engine) as conn:
            append_versions_bulk(conn, items, clock=CLOCK)
    finally:
        engine.dispose()


def _item(source: str, key: str, subject_id: int) -> RecordItem:
    return RecordItem(source, "penalty", key, penalty(key, "2026-05-01"), subject_id)


@pytest.fixture
def setup(store_url: str, tmp_path: Path) -> Iterator[Setup]:
    engine = init_store(store_url)
    keys: dict[str, str] = {}
    ids: dict[str, int] = {}
    with transaction(engine) as conn:
        for name, role, source, province in [
            ("jiangsu", "data_source", "jiangsu", None),
            ("national", "data_source", "national", None),
            ("office_sh", "credit_office", None, "31"),
            ("office_region", "credit_office", None, None),
            ("department", "department", None, "32"),
            ("bank", "market_institution", None, None),
        ]:
            _, keys[name] = create_key(
                conn,
                role=role,
                label=name,
                source=source,
                province=province,
                domain="market_regulation" if role == "department" else None,
                clock=SYSTEM_CLOCK,
            )
        ids["js"] = upsert_legal_subject(
            conn, make_uscc(71, division="320583"), "苏州变更测试有限公司", clock=CLOCK
        )
        ids["sh"] = upsert_legal_subject(
            conn, make_uscc(72, division="310115"), "上海变更测试有限公司", clock=CLOCK
        )
        ids["person"] = int(
            conn.execute(
                insert(subjects)
                .values(
                    subject_type="natural_person",
                    person_hash="h-person",
                    name="李小龙",
                    name_normalised="李小龙",
                    province="32",
                    division="320583",
                    created_at=CLOCK.now(),
                )
                .returning(subjects.c.id)
            ).scalar_one()
        )
    engine.dispose()
    _add(store_url, [_item("jiangsu", "J-1", ids["js"]), _item("shanghai", "S-1", ids["sh"])])
    _add(store_url, [_item("jiangsu", "J-2", ids["person"])])
    app = create_app(Settings(data_dir=tmp_path, database_url=store_url))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Setup(client, store_url, keys, ids)


def get(setup: Setup, who: str | None, **params: object):  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {setup.keys[who]}"} if who else {}
    return setup.client.get(URL, params=params, headers=headers)


def test_a_province_pulls_its_changes(setup: Setup) -> None:
    response = get(setup, "jiangsu")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["province"] == "32" and body["cursor"] == 0 and body["access_logged"]
    assert [i["subject"]["id"] for i in body["items"]] == [setup.ids["js"], setup.ids["person"]]
    item = body["items"][0]
    assert set(item) >= {
        "version_id",
        "record_id",
        "version",
        "kind",
        "status",
        "subject",
        "source",
        "department",
        "received_at",
        "fields",
    }
    fields = {f["code"]: f for f in item["fields"]}
    assert fields["CF_FR_ZJHM"]["value"] == REP_MASKED and fields["CF_FR_ZJHM"]["masked"]
    assert "h-rep" not in response.text
    # A data source sees natural persons' names masked; the credit office in clear.
    assert body["items"][1]["subject"]["name"] == "李**"
    office = get(setup, "office_region", province="江苏").json()
    assert office["items"][1]["subject"]["name"] == "李小龙"


def test_cursor_resume_and_an_empty_page_keeps_the_cursor(setup: Setup) -> None:
    first = get(setup, "jiangsu", limit=1).json()
    assert len(first["items"]) == 1 and first["has_more"]
    second = get(setup, "jiangsu", limit=1, cursor=first["next_cursor"]).json()
    assert second["items"][0]["version_id"] > first["items"][0]["version_id"]
    end = get(setup, "jiangsu", cursor=second["next_cursor"]).json()
    assert end["items"] == [] and not end["has_more"]
    assert end["next_cursor"] == second["next_cursor"] and not end["access_logged"]
    _add(setup.url, [_item("jiangsu", "J-3", setup.ids["sh"])])
    later = get(setup, "jiangsu", cursor=end["next_cursor"]).json()
    assert [i["subject"]["id"] for i in later["items"]] == [setup.ids["sh"]]
    assert later["items"][0]["version_id"] > end["next_cursor"]


@pytest.mark.parametrize(
    ("who", "params", "status"),
    [
        ("jiangsu", {"province": "31"}, 403),
        ("jiangsu", {"province": "32"}, 200),
        ("national", {}, 403),
        ("office_sh", {"province": "32"}, 403),
        ("office_sh", {}, 200),
        ("office_region", {}, 400),
        ("office_region", {"province": "34"}, 200),
        ("office_region", {"province": "11"}, 400),
        ("department", {"province": "32"}, 403),
        ("bank", {"province": "32"}, 403),
        (None, {"province": "32"}, 401),
        ("jiangsu", {"cursor": -1}, 422),
        ("jiangsu", {"cursor": "abc"}, 422),
        ("jiangsu", {"limit": 0}, 422),
        ("jiangsu", {"limit": 501}, 422),
        ("jiangsu", {"purpose": "x" * 501}, 422),
        ("jiangsu", {"province": "\u0000' OR 1=1 --"}, 400),
        ("jiangsu", {"province": "x" * 21}, 422),
    ],
)
def test_scope_and_bad_requests(setup: Setup, who: str | None, params: dict, status: int) -> None:
    response = get(setup, who, **params)
    assert response.status_code == status, response.text
    if status != 200:
        assert response.headers["content-type"].startswith("application/problem+json")


def test_each_page_is_logged_with_its_purpose(setup: Setup) -> None:
    get(setup, "jiangsu")
    get(setup, "office_region", province="32", purpose="核查联合惩戒对象")
    engine = init_store(setup.url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(access_log).order_by(access_log.c.id)).all()
    finally:
        engine.dispose()
    assert [(r.role, r.purpose, r.subject_id) for r in rows] == [
        ("data_source", "按需共享变更订阅 (change feed)", setup.ids["js"]),
        ("data_source", "按需共享变更订阅 (change feed)", setup.ids["person"]),
        ("credit_office", "核查联合惩戒对象", setup.ids["js"]),
        ("credit_office", "核查联合惩戒对象", setup.ids["person"]),
    ]
    assert all(r.action == "change_feed" and r.record_ids for r in rows)
    assert rows[0].province == "32" and rows[2].province is None


def test_the_route_is_documented(setup: Setup) -> None:
    operation = setup.client.get("/openapi.json").json()["paths"][URL]["get"]
    assert {p["name"] for p in operation["parameters"]} == {
        "province",
        "cursor",
        "limit",
        "purpose",
    }
    assert {"400", "401", "403", "503"} <= set(operation["responses"])
