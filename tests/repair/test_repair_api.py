"""Credit repair end to end through the API: a repaired penalty disappears from the public file
and from the check API, the listing resting on it leaves its list and its joint action is lifted,
and the repair reaches all four provinces — one of them unreachable at first — and the
subscriber; a refused repair leaves everything as it was; the public progress by query code;
handlers' reads logged; documents served as attachments."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from credit_yrd.api.app import create_app
from credit_yrd.api.deps import optional_principal
from credit_yrd.auth.principal import Principal
from credit_yrd.clock import FixedClock
from credit_yrd.jobs import run_once
from credit_yrd.measures.delivery import verify_signature
from credit_yrd.repair.deliveries import dispatch_due
from credit_yrd.store.migrate import init_store
from credit_yrd.store.schema import (
    access_log,
    actions,
    list_entries,
    list_events,
    records,
    repair_deliveries,
)
from tests.repair.conftest import PDF, PNG, T0, World, at, build_world, settings

PROVINCES = ("31", "32", "33", "34")
SECRET = "s3cret-of-the-provinces-2026"


@dataclass
class Api:
    client: TestClient
    app: FastAPI
    world: World

    def as_(self, who: Principal | None) -> None:
        if who is None:
            self.app.dependency_overrides.pop(optional_principal, None)
        else:
            self.app.dependency_overrides[optional_principal] = lambda: who

    def key(self, name: str) -> dict[str, str]:
        self.as_(None)
        return {"Authorization": f"Bearer {self.world.keys[name]}"}

    def clock(self, clock: FixedClock) -> None:
        self.app.state.clock = clock


@pytest.fixture
def api(database_url: str, tmp_path: Path) -> Iterator[Api]:
    engine = init_store(database_url)
    conf = settings(tmp_path, database_url=database_url)
    world = build_world(engine, conf)
    app = create_app(conf)
    with TestClient(app, raise_server_exceptions=False) as client:
        app.state.clock = FixedClock(T0)
        yield Api(client, app, world)
    engine.dispose()


def apply_form(api: Api, record: str = "old", **extra: Any) -> Any:
    api.as_(api.world.subject())
    return api.client.post(
        "/api/v1/repairs",
        data={
            "target": "record",
            "record_id": str(api.world.records[record]),
            "corrected": "罚款已于 2026-04-01 缴清，已完成整改",
            "evidence_kind": ["payment", "rectification"],
            **extra,
        },
        files=[
            ("commitment", ("承诺书.pdf", PDF, "application/pdf")),
            ("evidence", ("缴款凭证.png", PNG, "image/png")),
            ("evidence", ("整改报告.pdf", PDF, "application/pdf")),
        ],
    )


def public_record_ids(api: Api) -> set[int]:
    api.as_(None)
    answer = api.client.get(f"/api/v1/subjects/{api.world.company_uscc}")
    assert answer.status_code == 200, answer.text
    return {r["id"] for s in answer.json()["sections"] for r in s["records"]}


def measures_found(api: Api) -> list[str]:
    answer = api.client.post(
        "/api/v1/checks",
        json={"code": api.world.company_uscc, "scenario": "government_procurement"},
        headers=api.key("js_amr"),
    )
    assert answer.status_code == 200, answer.text
    [result] = answer.json()["results"]
    return [m["measure"] for m in result["measures"]]


def state(engine: Engine) -> dict[str, Any]:
    with engine.connect() as conn:
        return {
            "records": [tuple(r) for r in conn.execute(select(records).order_by(records.c.id))],
            "entries": [
                tuple(r) for r in conn.execute(select(list_entries).order_by(list_entries.c.id))
            ],
            "steps": int(conn.execute(select(func.count()).select_from(list_events)).scalar_one()),
            "actions": [tuple(r) for r in conn.execute(select(actions).order_by(actions.c.id))],
            "deliveries": int(
                conn.execute(select(func.count()).select_from(repair_deliveries)).scalar_one()
            ),
        }


class FakeProvinces:
    """Stands in for the province platforms and checks every signature; province 34 refuses
    the connection the first time."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.down = {"34"}

    def __call__(self, url: str, body: bytes, headers: Mapping[str, str]) -> int:
        province = url.split("platform-")[1][:2]
        assert verify_signature(
            SECRET, headers["X-Credit-YRD-Timestamp"], body, headers["X-Credit-YRD-Signature"]
        )
        assert headers["X-Credit-YRD-Event"] == "repair.approved"
        assert headers["X-Credit-YRD-Delivery"].startswith("repair-")
        if province in self.down:
            self.down.discard(province)
            raise ConnectionError("connection refused")
        self.calls.append((province, json.loads(body)))
        return 200


def test_a_repaired_penalty_disappears_everywhere_and_reaches_every_province(api: Api) -> None:
    world = api.world
    penalty_id = world.records["old"]
    # The listing that rests on the penalty has its joint action (Anhui finance subscribes).
    first = run_once(
        world.engine, clock=FixedClock(T0), standard=world.standard, settings=world.settings
    )
    assert first["errors"] == []
    with world.engine.connect() as conn:
        [action] = conn.execute(select(actions)).all()
    assert action.lifted_at is None
    assert penalty_id in public_record_ids(api)
    assert "procurement_exclusion" in measures_found(api)
    # The region's credit office gives every province a push address.
    for province in PROVINCES:
        made = api.client.put(
            f"/api/v1/platforms/{province}/endpoint",
            json={"url": f"http://platform-{province}.example/repairs", "secret": SECRET},
            headers=api.key("region"),
        )
        assert made.status_code == 200, made.text
        assert made.json()["delivery"] == "push" and "secret" not in made.json()

    applied = apply_form(api)
    assert applied.status_code == 201, applied.text
    case = applied.json()
    code = case["query_code"]
    assert case["decide_due"] == "2026-10-16"
    assert sorted(d["kind"] for d in case["documents"]) == [
        "commitment",
        "payment",
        "rectification",
    ]
    # Anyone with the code follows the case, without login and without identifiers.
    api.as_(None)
    shown = api.client.get(f"/api/v1/repairs/progress/{code.lower()}")
    assert shown.status_code == 200, shown.text
    assert shown.json()["status"] == "submitted"
    assert str(world.company_uscc) not in shown.text and "承诺书" not in shown.text
    for bad in ("XF-2222-2222-2222", "not-a-code", "x" * 300):
        missing = api.client.get(f"/api/v1/repairs/progress/{bad}")
        assert missing.status_code == 404
        assert (
            missing.json()["detail"]
            == api.client.get("/api/v1/repairs/progress/XF-3333-3333-3333").json()["detail"]
        )

    # The handler's queue and reads are logged; documents come as attachments.
    queue = api.client.get("/api/v1/repairs", headers=api.key("sh_amr"))
    assert [i["id"] for i in queue.json()["queue"]] == [case["id"]]
    assert api.client.get("/api/v1/repairs", headers=api.key("js_amr")).json()["queue"] == []
    denied = api.client.post(f"/api/v1/repairs/{case['id']}/accept", headers=api.key("js_amr"))
    assert denied.status_code == 403
    read = api.client.get(f"/api/v1/repairs/{case['id']}", headers=api.key("sh_amr"))
    assert read.status_code == 200 and read.json()["query_code"] is None
    doc = case["documents"][0]
    got = api.client.get(
        f"/api/v1/repairs/{case['id']}/documents/{doc['id']}", headers=api.key("sh_amr")
    )
    assert got.status_code == 200 and got.content in (PDF, PNG)
    assert got.headers["content-disposition"].startswith("attachment;")
    assert got.headers["x-content-type-options"] == "nosniff"
    with world.engine.connect() as conn:
        logged = (
            conn.execute(
                select(access_log.c.action).where(access_log.c.subject_id == world.company)
            )
            .scalars()
            .all()
        )
    assert {"repair.queue", "repair.read", "repair.document"} <= set(logged)

    # Accept and approve.
    api.clock(at(days=1))
    assert (
        api.client.post(
            f"/api/v1/repairs/{case['id']}/accept", headers=api.key("sh_amr")
        ).status_code
        == 200
    )
    api.clock(at(days=2))
    decided = api.client.post(
        f"/api/v1/repairs/{case['id']}/decision",
        json={"approve": True, "reasons": "已履行处罚决定并完成整改"},
        headers=api.key("sh_amr"),
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "approved"
    assert decided.json()["working_days"] == 2

    # Publication ends and sharing stops at once; the listing resting on it is removed.
    with world.engine.connect() as conn:
        row = conn.execute(select(records).where(records.c.id == penalty_id)).one()
        entry = conn.execute(select(list_entries).where(list_entries.c.id == world.entry)).one()
    assert row.repaired_on == dt.date(2026, 9, 30) and row.public_state == "repaired"
    assert entry.status == "removed" and entry.removal_reason == "repair"
    assert penalty_id not in public_record_ids(api)
    deadline = time.monotonic() + 1.0
    while "procurement_exclusion" in measures_found(api):
        assert time.monotonic() < deadline, "the check API still answers the lifted measure"
        time.sleep(0.05)

    # Deliveries: the four provinces, Anhui unreachable at first, and the subscriber (pull).
    with world.engine.connect() as conn:
        recipients = sorted(conn.execute(select(repair_deliveries.c.recipient)).scalars().all())
    assert recipients == [*(f"province:{p}" for p in PROVINCES), "subscription:1"]
    provinces = FakeProvinces()
    now = at(days=2, hours=1)
    first_pass = dispatch_due(world.engine, clock=now, settings=world.settings, post=provinces)
    assert first_pass["delivered"] == 3 and first_pass["failed"] == 1
    assert sorted(p for p, _ in provinces.calls) == ["31", "32", "33"]
    assert (
        dispatch_due(world.engine, clock=now, settings=world.settings, post=provinces)["attempted"]
        == 0
    )  # not due yet: backoff
    later = at(days=2, hours=1.01)  # 36 s later: past the 30 s backoff
    assert (
        dispatch_due(world.engine, clock=later, settings=world.settings, post=provinces)[
            "delivered"
        ]
        == 1
    )
    assert sorted(p for p, _ in provinces.calls) == list(PROVINCES)
    body = provinces.calls[0][1]
    assert body["event"] == "repair.approved"
    assert body["data"]["record"]["id"] == penalty_id
    assert body["data"]["entries_removed"] == [world.entry]
    assert "query_code" not in json.dumps(body)
    pulled = api.client.get(
        "/api/v1/repair-deliveries", params={"after": 0}, headers=api.key("ah_finance")
    )
    assert pulled.status_code == 200, pulled.text
    assert [e["recipient"] for e in pulled.json()["events"]] == ["subscription:1"]
    nothing = api.client.get("/api/v1/repair-deliveries", headers=api.key("sh_source"))
    assert [e["recipient"] for e in nothing.json()["events"]] == ["province:31"]
    with world.engine.connect() as conn:
        undelivered = conn.execute(
            select(func.count())
            .select_from(repair_deliveries)
            .where(repair_deliveries.c.delivered_at.is_(None))
        ).scalar_one()
    assert undelivered == 0

    # The worker lifts the joint action of the removed listing.
    result = run_once(
        world.engine, clock=at(days=2, hours=2), standard=world.standard, settings=world.settings
    )
    assert result["errors"] == []
    with world.engine.connect() as conn:
        [action] = conn.execute(select(actions)).all()
    assert action.lifted_at is not None

    # The subject is told, and the progress page shows the decision and the deliveries.
    api.as_(world.subject())
    told = api.client.get("/api/v1/notices").json()["notices"]
    assert "repair.approved" in [n["kind"] for n in told]
    marked = api.client.post(f"/api/v1/notices/{told[0]['id']}/read")
    assert marked.status_code == 200 and marked.json()["read_at"] is not None
    api.as_(None)
    final = api.client.get(f"/api/v1/repairs/progress/{code}").json()
    assert final["status"] == "approved"
    assert final["deliveries"] == {"recipients": 5, "delivered": 5}
    assert [s["event"] for s in final["steps"]] == [
        "submitted",
        "accepted",
        "approved",
        "effects_applied",
    ]


def test_a_refused_repair_leaves_everything_as_it_was(api: Api) -> None:
    world = api.world
    run_once(world.engine, clock=FixedClock(T0), standard=world.standard, settings=world.settings)
    applied = apply_form(api)
    assert applied.status_code == 201, applied.text
    before_public = public_record_ids(api)
    before_measures = measures_found(api)
    before = state(world.engine)
    missing_reasons = api.client.post(
        f"/api/v1/repairs/{applied.json()['id']}/decision",
        json={"approve": False},
        headers=api.key("sh_office"),
    )
    assert missing_reasons.status_code == 400
    assert "reasons" in missing_reasons.json()["detail"]
    refused = api.client.post(
        f"/api/v1/repairs/{applied.json()['id']}/decision",
        json={"approve": False, "reasons": "整改尚未完成"},
        headers=api.key("sh_office"),
    )
    assert refused.status_code == 200, refused.text
    assert refused.json()["status"] == "refused"
    run_once(world.engine, clock=at(hours=1), standard=world.standard, settings=world.settings)
    assert state(world.engine) == before
    assert public_record_ids(api) == before_public
    assert measures_found(api) == before_measures
    api.as_(world.subject())
    told = api.client.get("/api/v1/notices").json()["notices"]
    assert any("整改尚未完成" in n["body_zh"] for n in told)


def test_applications_are_refused_with_reasons_over_the_api(api: Api) -> None:
    too_soon = apply_form(api, record="fresh")
    assert too_soon.status_code == 409
    assert "最短公示期未满" in too_soon.json()["detail"]
    other = apply_form(api, record="other")
    assert other.status_code == 404
    api.as_(api.world.subject())
    mismatch = api.client.post(
        "/api/v1/repairs",
        data={
            "target": "record",
            "record_id": str(api.world.records["old"]),
            "corrected": "x",
            "evidence_kind": ["payment"],
        },
        files=[
            ("evidence", ("a.pdf", PDF, "application/pdf")),
            ("evidence", ("b.pdf", PDF, "application/pdf")),
        ],
    )
    assert mismatch.status_code == 400 and "evidence_kind" in mismatch.json()["detail"]
    no_commitment = api.client.post(
        "/api/v1/repairs",
        data={
            "target": "record",
            "record_id": str(api.world.records["old"]),
            "corrected": "x",
            "evidence_kind": ["payment"],
        },
        files=[("evidence", ("a.pdf", PDF, "application/pdf"))],
    )
    assert no_commitment.status_code == 409 and "信用承诺书" in no_commitment.json()["detail"]
    fake = api.client.post(
        "/api/v1/repairs",
        data={
            "target": "record",
            "record_id": str(api.world.records["old"]),
            "corrected": "x",
            "evidence_kind": ["payment"],
        },
        files=[
            ("commitment", ("承诺书.pdf", b"<script>", "application/pdf")),
            ("evidence", ("a.pdf", PDF, "application/pdf")),
        ],
    )
    assert fake.status_code == 400 and "承诺书.pdf" in fake.json()["detail"]
    api.as_(None)
    refused = api.client.put(
        "/api/v1/platforms/31/endpoint",
        json={"url": "ftp://x.example/", "secret": SECRET},
        headers=api.key("region"),
    )
    assert refused.status_code == 400
    other_province = api.client.put(
        "/api/v1/platforms/32/endpoint",
        json={"url": None},
        headers=api.key("sh_office"),
    )
    assert other_province.status_code == 403
