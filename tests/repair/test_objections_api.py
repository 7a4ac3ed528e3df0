"""The objections API: a subject files and the public sees the mark; the handler's queue, reads
(logged) and decision; withdrawal leaves no mark; the public progress by query code; who may call
what and the status of each refusal."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.engine import Engine

from credit_yrd.api.app import create_app
from credit_yrd.api.routes.objections import DEFAULT_PURPOSE
from credit_yrd.auth.accounts import create_account, password_hasher
from credit_yrd.auth.api_keys import create_key
from credit_yrd.auth.roles import Role
from credit_yrd.clock import FixedClock
from credit_yrd.settings import Settings
from credit_yrd.store.engine import transaction
from credit_yrd.store.schema import access_log
from tests.repair.test_objections_world import TODAY, World, build_world

PASSWORD = "objection-api-2026"


@dataclass
class Api:
    client: TestClient
    keys: dict[str, str]
    world: World

    def at(self, day: dt.date) -> None:
        self.client.app.state.clock = FixedClock(day)  # type: ignore[attr-defined]

    def call(self, method: str, path: str, who: str | None = None, **kw):
        headers = dict(kw.pop("headers", {}))
        if who is not None:
            self.client.cookies.clear()
            headers["Authorization"] = f"Bearer {self.keys[who]}"
        return self.client.request(method, "/api/v1" + path, headers=headers, **kw)

    def login(self, username: str) -> dict[str, str]:
        self.client.cookies.clear()
        answer = self.client.post(
            "/api/v1/session", json={"username": username, "password": PASSWORD}
        )
        assert answer.status_code == 200, answer.text
        return {"X-CSRF-Token": answer.json()["csrf_token"]}

    def as_subject(self, method: str, path: str, username: str = "obj-company", **kw):
        headers = self.login(username)
        return self.client.request(method, "/api/v1" + path, headers=headers, **kw)

    def record(self, name: str = "penalty") -> int:
        return self.world.records[name]


@pytest.fixture
def api(engine: Engine, tmp_path: Path) -> Iterator[Api]:
    store_url = engine.url.render_as_string(hide_password=False)
    world = build_world(engine, tmp_path)
    keys: dict[str, str] = {}
    scopes = {
        "sh_amr": ("department", "31", "market_regulation"),
        "js_amr": ("department", "32", "market_regulation"),
        "sh_office": ("credit_office", "31", None),
        "bank": ("market_institution", None, None),
    }
    clock = FixedClock(TODAY)
    with transaction(engine) as conn:
        for name, (role, province, domain) in scopes.items():
            _, keys[name] = create_key(
                conn, role=role, label=f"{name} 测试", province=province, domain=domain, clock=clock
            )
        for username, subject_id in (("obj-company", world.company), ("obj-rep", world.rep)):
            create_account(
                conn,
                username=username,
                password=PASSWORD,
                role=Role.SUBJECT,
                display_name=username,
                subject_id=subject_id,
                clock=clock,
                hasher=password_hasher("fast"),
            )
    settings = Settings(data_dir=tmp_path, database_url=store_url, password_hash_cost="fast")
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        result = Api(client, keys, world)
        result.at(TODAY)
        yield result


def file(api: Api, **body) -> dict:
    body.setdefault("record_id", api.record())
    body.setdefault("ground", "content")
    body.setdefault("statement", "罚款金额登记有误")
    answer = api.as_subject("POST", "/objections", json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()


def public_marks(api: Api) -> list[str]:
    api.client.cookies.clear()
    answer = api.client.get(f"/api/v1/records/{api.record()}")
    assert answer.status_code == 200, answer.text
    return answer.json()["record"]["marks"]


def test_file_mark_queue_decide_correct(api: Api) -> None:
    assert public_marks(api) == []
    made = file(api)
    assert made["status"] == "open" and made["due_on"] == "2026-06-15"
    assert made["query_code"].startswith("YY-") and made["working_days_left"] == 10
    # the public record and the public file show 异议处理中
    assert public_marks(api) == ["objection"]
    subject_file = api.client.get(f"/api/v1/subjects/{api.world.company_uscc}").json()
    shown = {r["id"]: r for s in subject_file["sections"] for r in s["records"]}
    assert shown[api.record()]["marks"] == ["objection"]
    assert [m["label_zh"] for m in shown[api.record()]["mark_labels"]] == ["异议处理中"]

    # the department's queue and its read of the case are logged
    queue = api.call("GET", "/objections", "sh_amr")
    assert queue.status_code == 200, queue.text
    [item] = queue.json()["objections"]
    assert item["id"] == made["id"] and item["kind_label_zh"] == "行政处罚"
    assert item["working_days_left"] == 10 and item["overdue"] is False
    one = api.call("GET", f"/objections/{made['id']}", "sh_amr", params={"purpose": "核查异议"})
    assert one.status_code == 200 and one.json()["statement"] == "罚款金额登记有误"
    with api.world.engine.connect() as conn:
        logged = [
            tuple(row)
            for row in conn.execute(
                select(access_log.c.purpose, access_log.c.subject_id, access_log.c.action)
            )
        ]
    assert (DEFAULT_PURPOSE, api.world.company, "GET /api/v1/objections") in logged
    assert ("核查异议", api.world.company, f"GET /api/v1/objections/{made['id']}") in logged

    # another province's department neither sees nor decides it
    assert api.call("GET", f"/objections/{made['id']}", "js_amr").status_code == 404
    assert api.call("GET", "/objections", "js_amr").json()["objections"] == []
    decision = {"outcome": "correct", "reasons": "经核对更正", "corrected": {"CF_NR_FK": "30000"}}
    refused = api.call("POST", f"/objections/{made['id']}/decision", "js_amr", json=decision)
    assert refused.status_code == 404

    api.at(dt.date(2026, 6, 3))
    done = api.call("POST", f"/objections/{made['id']}/decision", "sh_amr", json=decision)
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "corrected" and done.json()["working_days"] == 2
    assert public_marks(api) == []
    versions = api.client.get(f"/api/v1/records/{api.record()}/versions").json()["versions"]
    assert [v["version"] for v in versions] == [1, 2]
    amounts = [next(f["value"] for f in v["fields"] if f["code"] == "CF_NR_FK") for v in versions]
    assert amounts == ["50000", "30000"]
    again = api.call("POST", f"/objections/{made['id']}/decision", "sh_amr", json=decision)
    assert again.status_code == 409


def test_withdrawal_leaves_no_mark(api: Api) -> None:
    made = file(api)
    assert public_marks(api) == ["objection"]
    # a department may not withdraw (role), the other subject account may not (not its case)
    assert api.call("POST", f"/objections/{made['id']}/withdraw", "sh_amr").status_code == 403
    other = api.as_subject("POST", f"/objections/{made['id']}/withdraw", "obj-rep")
    assert other.status_code == 404
    done = api.as_subject("POST", f"/objections/{made['id']}/withdraw")
    assert done.status_code == 200 and done.json()["status"] == "withdrawn"
    assert public_marks(api) == []
    mine = api.as_subject("GET", "/objections").json()["objections"]
    assert [o["status"] for o in mine] == ["withdrawn"]
    decision = {"outcome": "uphold", "reasons": "维持"}
    late = api.call("POST", f"/objections/{made['id']}/decision", "sh_amr", json=decision)
    assert late.status_code == 409


def test_progress_by_query_code_is_public_and_shows_no_identifiers(api: Api) -> None:
    made = file(api)
    api.client.cookies.clear()
    code = made["query_code"]
    answer = api.client.get(f"/api/v1/objections/progress/{code.lower()}")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["status"] == "open" and body["status_zh"] == "异议处理中"
    assert body["due_on"] == "2026-06-15" and body["authority_province"] == "上海市"
    assert [s["event"] for s in body["steps"]] == ["filed"]
    text = answer.text
    for secret in (api.world.company_uscc, code, "account:", "罚款金额登记有误", '"id"'):
        assert secret not in text
    unknown = api.client.get("/api/v1/objections/progress/YY-2222-3333-4444")
    malformed = api.client.get("/api/v1/objections/progress/not-a-code")
    assert unknown.status_code == malformed.status_code == 404
    assert unknown.json()["detail"] == malformed.json()["detail"]
    assert unknown.headers["content-type"].startswith("application/problem+json")


def test_refusals_answer_with_their_status(api: Api) -> None:
    # anonymous: 401; a department or market institution may not file: 403
    api.client.cookies.clear()
    body = {"record_id": api.record(), "ground": "content", "statement": "有误"}
    assert api.client.post("/api/v1/objections", json=body).status_code == 401
    assert api.call("POST", "/objections", "sh_amr", json=body).status_code == 403
    assert api.call("GET", "/objections", "bank").status_code == 403
    # another subject's record: 403; an unknown record: 404; schema breaks: 422
    js = {**body, "record_id": api.record("js_penalty")}
    assert api.as_subject("POST", "/objections", json=js).status_code == 403
    missing = {**body, "record_id": 10**9}
    assert api.as_subject("POST", "/objections", json=missing).status_code == 404
    for broken in ({**body, "ground": "mood"}, {**body, "statement": ""}, {"record_id": 0}):
        assert api.as_subject("POST", "/objections", json=broken).status_code == 422
    # a statement of control characters only: 400 naming the field
    blank = api.as_subject("POST", "/objections", json={**body, "statement": "\u200b\x00"})
    assert blank.status_code == 400 and "statement" in blank.json()["detail"]
    # the same party twice: 409
    file(api)
    twice = api.as_subject("POST", "/objections", json=body)
    assert twice.status_code == 409
    [made] = api.as_subject("GET", "/objections").json()["objections"]
    path = f"/objections/{made['id']}/decision"
    unknown_field = {"outcome": "correct", "reasons": "x", "corrected": {"NOPE": "1"}}
    bad = api.call("POST", path, "sh_amr", json=unknown_field)
    assert bad.status_code == 400 and "NOPE" in bad.json()["detail"]
    as_bool = {"outcome": "correct", "reasons": "x", "corrected": {"CF_NR_FK": True}}
    assert api.call("POST", path, "sh_amr", json=as_bool).status_code == 422
    assert api.call("POST", path, "sh_amr", json={"outcome": "uphold"}).status_code == 422
    english = api.call(
        "POST", path, "sh_amr", json={"outcome": "uphold", "reasons": " "}, params={"lang": "en"}
    )
    assert english.status_code == 400 and english.json()["detail"].startswith("reasons:")
    # a subject may not read another's objection or decide
    assert api.as_subject("GET", f"/objections/{made['id']}", "obj-rep").status_code == 404
    assert (
        api.as_subject("POST", path, json={"outcome": "uphold", "reasons": "x"}).status_code == 403
    )
    assert api.call("GET", "/objections/999999", "sh_office").status_code == 404
