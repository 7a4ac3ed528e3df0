"""``/api/v1/standard``: the regional data standard as public JSON, and publication windows."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from credit_yrd.api.app import create_app

client = TestClient(create_app(), raise_server_exceptions=False)
BASE = "/api/v1/standard"
WINDOW = f"{BASE}/record-kinds/penalty/publication-window"
PROBLEM = "application/problem+json"


def test_overview_lists_kinds_code_lists_and_rule_tables() -> None:
    response = client.get(BASE)
    assert response.status_code == 200
    body = response.json()
    assert body["version"] == "v2026.1"
    assert "penalty" in {k["code"] for k in body["record_kinds"]}
    assert "penalty_type" in {c["code"] for c in body["code_lists"]}
    assert "penalty_publication" in {r["code"] for r in body["rule_tables"]}
    penalty = next(k for k in body["record_kinds"] if k["code"] == "penalty")
    assert penalty["label_zh"] == "行政处罚"


def test_penalty_kind_lists_cf_cflb_with_its_code_list() -> None:
    body = client.get(f"{BASE}/record-kinds/penalty").json()
    field = next(f for f in body["fields"] if f["code"] == "CF_CFLB")
    assert field["code_list"] == "penalty_type"
    assert field["required"] is True


def test_code_list_and_rule_table() -> None:
    codes = client.get(f"{BASE}/code-lists/penalty_type").json()
    assert "吊销许可证件" in {e["code"] for e in codes["entries"]}
    table = client.get(f"{BASE}/rule-tables/penalty_publication").json()
    ids = [r["id"] for r in table["rules"]]
    assert ids == ["ndrc-527-2019", "ndrc-order-58", "gov-2025-22", "ndrc-order-36"]


@pytest.mark.parametrize("kind", ["record-kinds", "code-lists", "rule-tables"])
@pytest.mark.parametrize("code", ["nope", "PENALTY", "penalty%20", "%E2%80%AEpenalty"])
def test_unknown_codes_are_404_problems(kind: str, code: str) -> None:
    response = client.get(f"{BASE}/{kind}/{code}")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == 404
    assert body["title"] == "未找到"


def test_unknown_code_in_english() -> None:
    for response in (
        client.get(f"{BASE}/record-kinds/nope", params={"lang": "en"}),
        client.get(f"{BASE}/record-kinds/nope", headers={"Accept-Language": "en-GB,en;q=0.9"}),
    ):
        assert response.status_code == 404
        assert response.json()["title"] == "Not found"


def test_window_2024_revocation_gives_order_58() -> None:
    response = client.post(
        WINDOW,
        params={"on": "2024-06-01"},
        json={"CF_CFLB": "吊销许可证件", "CF_JDRQ": "2024-05-01"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["rule_id"] == "ndrc-order-58"
    assert body["document_number"] == "国家发展改革委令第58号"
    assert body["class_code"] == "严重"
    assert (body["start"], body["min_end"], body["max_end"]) == (
        "2024-05-01",
        "2025-05-01",
        "2027-05-01",
    )


def test_window_2026_revocation_gives_order_36() -> None:
    response = client.post(
        WINDOW,
        params={"on": "2026-06-01"},
        json={"CF_CFLB": "吊销许可证件", "CF_JDRQ": "2026-05-01"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["rule_id"] == "ndrc-order-36"
    assert body["class_code"] == "严重"
    assert body["published_on"] is True


def test_window_of_an_unknown_kind_is_404() -> None:
    response = client.post(f"{BASE}/record-kinds/nope/publication-window", json={})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith(PROBLEM)


@pytest.mark.parametrize(
    "record",
    [
        {"CF_CFLB": "吊销许可证件", "CF_JDRQ": "not a date"},
        {"CF_CFLB": "吊销许可证件", "CF_JDRQ": "2024-05-01\x00"},
        {"CF_CFLB": "吊销许可证件"},
        {"CF_CFLB": "x" * 10_000, "CF_JDRQ": "2024-05-01"},
        {"CF_CFLB": 5, "CF_JDRQ": "2024-05-01"},
        {f"F{i}": "1" for i in range(500)},
    ],
)
def test_bad_records_are_4xx_problems(record: dict) -> None:
    response = client.post(WINDOW, params={"on": "2024-06-01"}, json=record)
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"].startswith(PROBLEM)


def test_bad_on_date_is_422() -> None:
    response = client.post(
        WINDOW, params={"on": "2024-13-01"}, json={"CF_CFLB": "罚款", "CF_JDRQ": "2024-05-01"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["query", "on"]


def test_domain_error_detail_follows_the_language() -> None:
    record = {"CF_CFLB": "吊销许可证件", "CF_JDRQ": "not a date"}
    zh = client.post(WINDOW, json=record).json()
    en = client.post(WINDOW, params={"lang": "en"}, json=record).json()
    assert zh["title"] == "请求无效" and en["title"] == "Bad request"
    assert zh["detail"] != en["detail"]
