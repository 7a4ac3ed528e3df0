"""``POST /api/v1/checks`` and ``GET /api/v1/checks/{id}``: roles, scenarios, limits, evidence."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from credit_yrd.api.app import create_app
from credit_yrd.auth.api_keys import create_key
from credit_yrd.settings import Settings
from credit_yrd.store.engine import transaction
from credit_yrd.store.schema import actions
from tests.checks.conftest import CLOCK, VAULT_KEY, World, build_world
from tests.checks.test_log import add_action, add_subscription


@dataclass
class Api:
    client: TestClient
    world: World
    keys: dict[str, str]
    key_ids: dict[str, int]

    def post(self, who: str | None, body: object, **kwargs: object):
        headers = {"Authorization": f"Bearer {self.keys[who]}"} if who else {}
        return self.client.post("/api/v1/checks", json=body, headers=headers, **kwargs)

    def get(self, who: str, check_id: int):
        headers = {"Authorization": f"Bearer {self.keys[who]}"}
        return self.client.get(f"/api/v1/checks/{check_id}", headers=headers)


KEYS = {
    "finance_js": {"role": "department", "province": "32", "domain": "finance"},
    "finance_zj": {"role": "department", "province": "33", "domain": "finance"},
    "office": {"role": "credit_office"},
    "office_zj": {"role": "credit_office", "province": "33"},
    "bank": {"role": "market_institution"},
    "source": {"role": "data_source", "source": "shanghai"},
}


@pytest.fixture
def api(engine, database_url: str, tmp_path: Path) -> Iterator[Api]:
    world = build_world(engine)
    keys: dict[str, str] = {}
    key_ids: dict[str, int] = {}
    with transaction(engine) as conn:
        for name, scope in KEYS.items():
            key_ids[name], keys[name] = create_key(conn, label=name, clock=CLOCK, **scope)
    app = create_app(Settings(data_dir=tmp_path, database_url=database_url, secret_key=VAULT_KEY))
    app.state.clock = CLOCK
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(client, world, keys, key_ids)


def test_a_department_checks_a_batch_and_gets_measures_why_and_until(api: Api) -> None:
    w = api.world
    response = api.post(
        "finance_js",
        {
            "codes": [w.black_uscc, w.clean_uscc, "bad", w.red_uscc],
            "scenario": "government_procurement",
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["scenario"] == "government_procurement" and body["on"] == "2026-11-27"
    assert body["codes"] == 4 and body["hits"] == 1 and body["check_id"] >= 1
    black, clean, bad, red = body["results"]
    assert black["found"] and black["subject_name"] == "苏州污染化工有限公司"
    (measure,) = black["measures"]
    assert measure["measure"] == "procurement_exclusion" and measure["until"] == "2028-12-31"
    assert measure["why"]["authority"] == "江苏省生态环境厅"
    assert measure["why"]["entry_id"] == w.black_entry
    assert clean["found"] and clean["measures"] == []
    assert not bad["found"] and bad["status"] == "invalid" and bad["reason"]
    assert red["found"] and red["measures"] == []


def test_one_code_may_be_sent_alone(api: Api) -> None:
    response = api.post("office", {"code": api.world.red_uscc, "scenario": "green_channel"})
    assert response.status_code == 200, response.text
    (result,) = response.json()["results"]
    assert [m["measure"] for m in result["measures"]] == ["green_channel"]


def test_a_market_institution_checks_in_financing_credit_only(api: Api) -> None:
    w = api.world
    refused = api.post("bank", {"code": w.black_uscc, "scenario": "government_procurement"})
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "financing_credit" in refused.json()["detail"]
    allowed = api.post("bank", {"code": w.black_uscc, "scenario": "financing_credit"})
    assert allowed.status_code == 200
    (result,) = allowed.json()["results"]
    assert [m["measure"] for m in result["measures"]] == ["financing_scrutiny"]


def test_other_callers_may_not_check(api: Api) -> None:
    body = {"code": api.world.black_uscc, "scenario": "financing_credit"}
    assert api.post(None, body).status_code == 401
    assert api.post("source", body).status_code == 403


def test_a_bad_check_is_refused_as_a_whole_with_a_reason(api: Api) -> None:
    w = api.world
    too_many = api.post("office", {"codes": [w.clean_uscc] * 10_001, "scenario": "fiscal_funds"})
    assert too_many.status_code == 400
    assert "10000" in too_many.json()["detail"]
    unknown = api.post("office", {"codes": [w.clean_uscc], "scenario": "lottery"})
    assert unknown.status_code == 400 and "lottery" in unknown.json()["detail"]
    for body in (
        {"scenario": "fiscal_funds"},
        {"code": w.clean_uscc, "codes": [w.clean_uscc], "scenario": "fiscal_funds"},
        {"codes": [], "scenario": "fiscal_funds"},
        {"codes": "913", "scenario": "fiscal_funds"},
        {"code": "9" * 65, "scenario": "fiscal_funds"},  # no code is that long
        {"codes": [w.clean_uscc, "A" * 100_000], "scenario": "fiscal_funds"},
    ):
        response = api.post("office", body)
        assert response.status_code == 422, body
        assert response.headers["content-type"].startswith("application/problem+json")


def test_a_person_is_checked_by_id_number_never_echoed(api: Api) -> None:
    w = api.world
    response = api.post("office", {"code": w.person_id, "scenario": "high_consumption"})
    assert response.status_code == 200, response.text
    assert w.person_id not in response.text
    (result,) = response.json()["results"]
    assert result["found"] and result["subject_id"] == w.person
    assert [m["measure"] for m in result["measures"]] == ["high_consumption_ban"]
    evidence = api.get("office", response.json()["check_id"])
    assert evidence.status_code == 200 and w.person_id not in evidence.text


def test_the_evidence_is_read_by_its_checker_and_credit_offices(api: Api) -> None:
    response = api.post("finance_js", {"code": api.world.black_uscc, "scenario": "fiscal_funds"})
    check_id = response.json()["check_id"]
    own = api.get("finance_js", check_id)
    assert own.status_code == 200
    evidence = own.json()
    assert evidence["actor"] == f"key:{api.key_ids['finance_js']} finance_js"
    assert evidence["results"][0]["measures"] == [
        [api.world.black_entry, "fiscal_funds_restriction"]
    ]
    assert api.get("office", check_id).status_code == 200
    assert api.get("finance_zj", check_id).status_code == 404
    assert api.get("office_zj", check_id).status_code == 404
    assert api.get("office", 999_999).status_code == 404


def test_a_check_marks_the_callers_pushed_action_executed(api: Api) -> None:
    w = api.world
    with transaction(w.engine) as conn:
        subscription = add_subscription(conn, api.key_ids["finance_js"], ["government_procurement"])
        action = add_action(conn, w.black_entry, "procurement_exclusion", subscription)
    api.post("finance_zj", {"code": w.black_uscc, "scenario": "government_procurement"})
    with w.engine.connect() as conn:
        assert (
            conn.execute(select(actions.c.executed_at).where(actions.c.id == action)).scalar_one()
            is None
        )
    api.post("finance_js", {"code": w.black_uscc, "scenario": "government_procurement"})
    with w.engine.connect() as conn:
        executed = conn.execute(
            select(actions.c.executed_at).where(actions.c.id == action)
        ).scalar_one()
    assert executed == CLOCK.now()
