"""The lists API: the public catalogue, entries and change feed; a department's proposal through
notice, objection, answer and removal; who may call what; no proposal or personal data in public."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, select

from credit_yrd.api.app import create_app
from credit_yrd.api.routes.lists import DEFAULT_PURPOSE
from credit_yrd.auth.accounts import create_account, password_hasher
from credit_yrd.auth.api_keys import create_key
from credit_yrd.auth.principal import Principal
from credit_yrd.auth.roles import Role
from credit_yrd.clock import FixedClock
from credit_yrd.lists import lifecycle
from credit_yrd.settings import Settings
from credit_yrd.standards.loader import get_standard
from credit_yrd.store.engine import make_engine, transaction
from credit_yrd.store.schema import access_log, subjects
from credit_yrd.store.subjects import normalise_name, upsert_legal_subject
from tests.ingest.builders import make_resident_id, make_uscc

TODAY = dt.date(2026, 11, 27)
USCC = make_uscc(777, division="310115")
JS_USCC = make_uscc(778, division="320583")
PASSWORD = "lists-api-2026"
PERSON_ID = make_resident_id(4242)


@dataclass
class Api:
    client: TestClient
    keys: dict[str, str]
    person: int
    url: str

    def at(self, day: dt.date) -> None:
        self.client.app.state.clock = FixedClock(day)  # type: ignore[attr-defined]

    def call(self, method: str, path: str, who: str | None = None, **kw):
        headers = {"Authorization": f"Bearer {self.keys[who]}"} if who else {}
        return self.client.request(method, "/api/v1" + path, headers=headers, **kw)

    def subject_session(self) -> dict[str, str]:
        self.client.cookies.clear()
        login = self.client.post(
            "/api/v1/session", json={"username": "lists-subject", "password": PASSWORD}
        )
        assert login.status_code == 200, login.text
        return {"X-CSRF-Token": login.json()["csrf_token"]}


@pytest.fixture
def api(store_url: str, tmp_path: Path) -> Iterator[Api]:
    engine = make_engine(store_url)
    keys: dict[str, str] = {}
    scopes = {
        "sh_amr": ("department", "31", "market_regulation"),
        "js_amr": ("department", "32", "market_regulation"),
        "sh_hr": ("department", "31", "human_resources"),
        "sci": ("department", "34", "science_technology"),
        "sh_office": ("credit_office", "31", None),
        "js_office": ("credit_office", "32", None),
        "bank": ("market_institution", None, None),
    }
    with transaction(engine) as conn:
        company = upsert_legal_subject(conn, USCC, "上海接口名单测试有限公司", division="310115")
        upsert_legal_subject(conn, JS_USCC, "苏州接口名单测试有限公司", division="320583")
        person = conn.execute(
            insert(subjects)
            .values(
                subject_type="natural_person",
                person_hash="h-api-person",
                name="赵大宝",
                name_normalised=normalise_name("赵大宝"),
                province="31",
                created_at=FixedClock(TODAY).now(),
            )
            .returning(subjects.c.id)
        ).scalar_one()
        for name, (role, province, domain) in scopes.items():
            _, keys[name] = create_key(
                conn,
                role=role,
                label=f"{name} 测试",
                province=province,
                domain=domain,
                clock=FixedClock(TODAY),
            )
        create_account(
            conn,
            username="lists-subject",
            password=PASSWORD,
            role=Role.SUBJECT,
            display_name="上海接口名单测试有限公司",
            subject_id=company,
            clock=FixedClock(TODAY),
            hasher=password_hasher("fast"),
        )
    engine.dispose()
    settings = Settings(data_dir=tmp_path, database_url=store_url, password_hash_cost="fast")
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as client:
        result = Api(client, keys, int(person), store_url)
        result.at(TODAY)
        yield result


def propose(api: Api, who: str = "sh_amr", **kw):
    body = {
        "list_code": "market_serious_violation",
        "subject": USCC,
        "reason": "销售不合格特种设备，受到较重行政处罚",
        "legal_basis": "《市场监督管理严重违法失信名单管理办法》第二条",
        "decision_number": "沪市监信〔2026〕1号",
        **kw,
    }
    return api.call("POST", "/listings", who, json=body)


def test_propose_notice_objection_answer_and_removal(api: Api) -> None:
    made = propose(api)
    assert made.status_code == 201, made.text
    entry = made.json()["entry"]
    entry_id = entry["id"]
    assert entry["status"] == "proposed" and entry["objection_until"] == "2026-12-07"
    assert entry["province"] == "31" and entry["authority"] == "sh_amr 测试"
    assert made.json()["steps"][0]["event"] == "proposed"

    # Nothing public yet.
    assert api.call("GET", "/lists/market_serious_violation/entries").json()["entries"] == []
    assert api.call("GET", "/lists/changes").json() == {"changes": [], "next_after": 0}
    catalogue = {x["code"]: x for x in api.call("GET", "/lists").json()["lists"]}
    assert len(catalogue) == 11 and catalogue["market_serious_violation"]["active_entries"] == 0
    assert catalogue["wage_arrears"]["early_exit"][0]["after"] == "P6M"
    assert catalogue["judgment_defaulter"]["extension"] == {"min": "P1Y", "max": "P3Y"}
    assert catalogue["research_integrity"]["period"] is None

    # The subject reads its notice and objects.
    csrf = api.subject_session()
    mine = api.client.get("/api/v1/me/listings").json()["listings"]
    assert len(mine) == 1 and mine[0]["can_object"] is True
    assert mine[0]["notice"]["objection_until"] == "2026-12-07"
    assert "2026-12-07" in mine[0]["notice"]["text_zh"] and mine[0]["notice"]["rights_zh"]
    objected = api.client.post(
        f"/api/v1/me/listings/{entry_id}/objection", json={"reason": "已整改"}, headers=csrf
    )
    assert objected.status_code == 200, objected.text
    assert objected.json()["entry"]["status"] == "objected"
    assert objected.json()["can_object"] is False
    api.client.cookies.clear()

    # The department sees the objection to answer and answers it: the decision stands.
    listed_ones = api.call("GET", "/listings", "sh_amr").json()["entries"]
    assert [e["status"] for e in listed_ones] == ["objected"]
    assert api.call("GET", "/listings", "js_amr").json()["entries"] == []
    api.at(TODAY + dt.timedelta(days=2))
    answered = api.call(
        "POST", f"/listings/{entry_id}/answer", "sh_amr", json={"upheld": True, "reply": "维持"}
    )
    assert answered.status_code == 200, answered.text
    assert answered.json()["entry"]["status"] == "listed"
    assert answered.json()["entry"]["listed_on"] == "2026-11-29"
    events = [s["event"] for s in answered.json()["steps"]]
    assert events == ["proposed", "objected", "objection_answered", "listed"]

    public = api.call("GET", "/lists/market_serious_violation/entries").json()
    assert [e["id"] for e in public["entries"]] == [entry_id]
    assert public["entries"][0]["uscc"] == USCC
    assert public["entries"][0]["listed_on"] == "2026-11-29"
    assert api.call("GET", "/lists/market_serious_violation").json()["list"]["active_entries"] == 1
    feed = api.call("GET", "/lists/changes").json()
    assert [c["event"] for c in feed["changes"]] == ["listed"]
    cursor = feed["next_after"]
    assert api.call("GET", "/lists/changes", params={"after": cursor}).json() == {
        "changes": [],
        "next_after": cursor,
    }

    # Early exit before a year is refused with the first allowed day, in either language.
    early = api.call(
        "POST",
        f"/listings/{entry_id}/remove",
        "sh_amr",
        json={"reason": "early_exit", "early_exit": "one_year_no_repeat", "note": "已整改"},
    )
    assert early.status_code == 409
    assert early.headers["content-type"].startswith("application/problem+json")
    assert "2027-11-29" in early.json()["detail"] and "提前移出" in early.json()["detail"]
    english = api.call(
        "POST",
        f"/listings/{entry_id}/remove",
        "sh_amr",
        params={"lang": "en"},
        json={"reason": "early_exit", "early_exit": "one_year_no_repeat", "note": "x"},
    )
    assert english.json()["detail"].startswith("early-exit rule one_year_no_repeat")

    # Another province's department may not act; its credit office does not even see it.
    other = api.call(
        "POST", f"/listings/{entry_id}/remove", "js_amr", json={"reason": "repair", "note": "x"}
    )
    assert other.status_code == 403
    assert api.call("GET", f"/listings/{entry_id}", "js_office").status_code == 404
    detail = api.call("GET", f"/listings/{entry_id}", "sh_office", params={"purpose": "核查"})
    assert detail.status_code == 200 and len(detail.json()["steps"]) == 4

    api.at(dt.date(2027, 11, 29))
    done = api.call(
        "POST",
        f"/listings/{entry_id}/remove",
        "sh_office",
        json={"reason": "early_exit", "early_exit": "one_year_no_repeat", "note": "满一年"},
    )
    assert done.status_code == 200, done.text
    assert done.json()["entry"]["status"] == "removed"
    assert api.call("GET", "/lists/market_serious_violation/entries").json()["entries"] == []
    feed = api.call("GET", "/lists/changes").json()["changes"]
    assert [(c["event"], c["removal_reason"]) for c in feed] == [
        ("listed", None),
        ("removed", "early_exit"),
    ]

    # Reads by departments and offices are in the access log, with the stated purpose.
    engine = make_engine(api.url)
    with engine.connect() as conn:
        purposes = set(conn.execute(select(access_log.c.purpose)).scalars())
    engine.dispose()
    assert "核查" in purposes and DEFAULT_PURPOSE in purposes


def test_refusals_name_the_rule(api: Api) -> None:
    wrong_domain = propose(api, who="sh_hr")
    assert wrong_domain.status_code == 403
    assert "human_resources" in wrong_domain.json()["detail"]
    assert propose(api, list_code="nope").status_code == 404
    unknown = propose(api, subject="913100000000000000")
    assert unknown.status_code == 404 and "subject" in unknown.json()["detail"]
    no_end = propose(api, who="sci", list_code="research_integrity")
    assert no_end.status_code == 400 and no_end.json()["detail"].startswith("ends_on")
    assert (
        propose(api, who="sci", list_code="research_integrity", ends_on="2030-01-01").status_code
        == 201
    )
    bad_reason = api.call(
        "POST", "/listings/1/remove", "sh_amr", json={"reason": "expiry", "note": "x"}
    )
    assert bad_reason.status_code == 422
    assert propose(api).status_code == 201
    assert propose(api).status_code == 409  # a live entry already
    assert api.call("POST", "/listings", "sh_office", json={}).status_code == 403
    assert api.call("GET", "/listings", "bank").status_code == 403
    assert api.call("GET", "/me/listings", "sh_amr").status_code == 403
    assert api.call("GET", "/lists/nope").status_code == 404
    assert api.call("GET", "/lists/nope/entries").status_code == 404


def test_public_output_masks_persons_and_never_shows_proposals(api: Api) -> None:
    hr = Principal(
        role=Role.DEPARTMENT, key_id=99, label="上海人社", province="31", domain="human_resources"
    )
    engine = make_engine(api.url)
    with transaction(engine) as conn:
        for subject_id in (api.person,):
            lifecycle.propose(
                conn,
                standard=get_standard(),
                clock=FixedClock(TODAY),
                principal=hr,
                list_code="wage_arrears",
                subject_id=subject_id,
                reason=f"赵大宝（身份证号 {PERSON_ID}）拖欠农民工工资",
                legal_basis="人社部令第45号",
            )
        js = upsert_legal_subject(conn, JS_USCC, "苏州接口名单测试有限公司")
        lifecycle.propose(
            conn,
            standard=get_standard(),
            clock=FixedClock(TODAY),
            principal=hr,
            list_code="wage_arrears",
            subject_id=js,
            reason="拖欠工资",
            legal_basis="人社部令第45号",
        )
    with transaction(engine) as conn:
        lifecycle.advance(conn, clock=FixedClock(dt.date(2026, 12, 8)), standard=get_standard())
    with transaction(engine) as conn:  # a third proposal stays a proposal
        lifecycle.propose(
            conn,
            standard=get_standard(),
            clock=FixedClock(dt.date(2026, 12, 8)),
            principal=hr,
            list_code="wage_arrears",
            subject_id=upsert_legal_subject(conn, USCC, "上海接口名单测试有限公司"),
            reason="拟列入",
            legal_basis="人社部令第45号",
        )
    engine.dispose()
    api.at(dt.date(2026, 12, 9))
    page = api.call("GET", "/lists/wage_arrears/entries", params={"limit": 1})
    body = page.json()
    assert len(body["entries"]) == 1 and body["next_after"] is not None
    rest = api.call(
        "GET", "/lists/wage_arrears/entries", params={"after": body["next_after"]}
    ).json()
    shown = body["entries"] + rest["entries"]
    assert len(shown) == 2 and rest["next_after"] is None
    person = next(e for e in shown if e["subject_type"] == "natural_person")
    assert person["subject_name"] == "赵**" and person["uscc"] is None
    assert "赵大宝" not in person["reason"]
    everything = page.text + api.call("GET", "/lists/wage_arrears/entries").text
    everything += api.call("GET", "/lists/changes").text
    assert "赵大宝" not in everything and "拟列入" not in everything
    assert PERSON_ID not in everything and PERSON_ID[:4] + "*" * 10 in person["reason"]
    assert USCC not in everything  # the proposal's subject never shows
    changes = api.call("GET", "/lists/changes", params={"limit": 1}).json()
    assert len(changes["changes"]) == 1
    more = api.call("GET", "/lists/changes", params={"after": changes["next_after"]}).json()
    assert len(more["changes"]) == 1
