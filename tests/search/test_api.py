"""``GET /api/v1/search``: public, shaped, bounded; bad input is a problem+json 400 or 422."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from credit_yrd.api.app import create_app
from credit_yrd.settings import Settings
from tests.search.conftest import CLOCK, SUZHOU_USCC, World


@pytest.fixture
def client(world: World, database_url: str, tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(Settings(data_dir=tmp_path, database_url=database_url))
    app.state.clock = CLOCK
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def test_search_answers_the_public(client: TestClient, world: World) -> None:
    response = client.get("/api/v1/search", params={"q": "华信科技", "limit": 1})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == 2
    assert (body["limit"], body["offset"], body["matched_by"]) == (1, 0, "name")
    assert body["query"] == "华信科技"
    [item] = body["items"]
    assert item["id"] == world.ids["exact"]
    assert body["total_exact"] is True
    assert set(item) == {
        "id",
        "name",
        "subject_type",
        "uscc",
        "province",
        "division",
        "city",
        "records",
    }


def test_search_by_code_and_filters(client: TestClient, world: World) -> None:
    body = client.get("/api/v1/search", params={"q": SUZHOU_USCC}).json()
    assert body["matched_by"] == "code"
    assert body["items"][0]["records"] == {"license": 1, "penalty": 2}
    body = client.get(
        "/api/v1/search",
        params={
            "q": "华信",
            "city": "苏州",
            "record_kind": "penalty",
            "subject_type": "legal_person",
        },
    ).json()
    assert [i["id"] for i in body["items"]] == [world.ids["suzhou"]]


def test_the_route_is_documented(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/api/v1/search"]["get"]
    params = {p["name"] for p in operation["parameters"]}
    assert params == {
        "q",
        "province",
        "city",
        "subject_type",
        "record_kind",
        "domain",
        "limit",
        "offset",
    }


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({}, 422),
        ({"q": ""}, 422),
        ({"q": "x" * 10_000}, 422),
        ({"q": "x" * 150}, 400),
        ({"q": "华信", "limit": 0}, 422),
        ({"q": "华信", "limit": 101}, 422),
        ({"q": "华信", "offset": -1}, 422),
        ({"q": "华信", "offset": 10_001}, 422),
        ({"q": "华信", "subject_type": "natural_person"}, 422),
        ({"q": "华信", "province": "99"}, 400),
        ({"q": "华信", "record_kind": "gossip"}, 400),
        ({"q": "华信", "domain": "gossip"}, 400),
        ({"q": "华信", "domain": "x" * 65}, 422),
        ({"q": "\u0000"}, 400),
    ],
)
def test_bad_input_is_a_problem(client: TestClient, params: dict, status: int) -> None:
    response = client.get("/api/v1/search", params=params)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    "q", ["' OR 1=1 --", "<script>alert(1)</script>", "%", "_", "华\u0000信", "'; DROP TABLE x"]
)
def test_injection_attempts_are_inert(client: TestClient, world: World, q: str) -> None:
    response = client.get("/api/v1/search", params={"q": q})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    for item in response.json()["items"]:
        assert item["subject_type"] != "natural_person"
    assert client.get("/api/v1/search", params={"q": "华信"}).json()["total"] == 6


def test_traditional_and_width_variants_through_the_api(client: TestClient, world: World) -> None:
    for q in ("華信科技", "华信科技有限責任公司", "华信科技"):
        body = client.get("/api/v1/search", params={"q": q}).json()
        assert {i["id"] for i in body["items"]} == {world.ids["suzhou"], world.ids["exact"]}, q


@pytest.mark.parametrize(
    "raw",
    [
        "q=%ED%A0%80%E5%8D%8E%E4%BF%A1",  # a UTF-8-encoded lone surrogate, then 华信
        "q=%FF%FE",  # not UTF-8 at all
        "q=%00",
        "q=%25",
        "q=_",
        "q=%E5%8D%8E%E4%BF%A1&domain=%00",
    ],
)
def test_undecodable_or_odd_queries_never_fail(client: TestClient, raw: str) -> None:
    response = client.get(f"/api/v1/search?{raw}")
    assert response.status_code in (200, 400, 422), response.text
    assert response.status_code == 200 or response.headers["content-type"].startswith(
        "application/problem+json"
    )
