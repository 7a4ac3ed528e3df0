"""Market institutions over the API: the public file without an authorisation, the authorised
file with one (logged, naming the authorisation), the public file again after revoke or expiry."""

from __future__ import annotations

import datetime as dt

from credit_yrd.clock import FixedClock
from tests.api.audience_world import World, auth, world_fixture  # noqa: F401
from tests.ledger.conftest import CLOCK, REP_ID

NOW = CLOCK.now()


def record_ids(body: dict) -> set[int]:
    return {r["id"] for s in body["sections"] for r in s["records"]}


def audit(world: World, **params: str) -> list[dict]:
    world.as_caller(None)
    response = world.client.get("/api/v1/audit", params=params, headers=auth(world.keys["office"]))
    assert response.status_code == 200, response.text
    return response.json()["entries"]


def grant(world: World, days: int = 30, **body: object) -> int:
    world.as_caller(world.subject())
    payload: dict[str, object] = {
        "username": "bank-sh",
        "purpose": "贷款审批",
        "expires_at": (NOW + dt.timedelta(days=days)).isoformat(),
    }
    payload.update(body)
    response = world.client.post(
        "/api/v1/me/authorisations", json={k: v for k, v in payload.items() if v is not None}
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def test_an_institution_without_authorisation_reads_the_public_file(world: World) -> None:
    client, region = world.client, world.region
    world.as_caller(world.bank())
    response = client.get(f"/api/v1/subjects/{region.uscc}")
    assert response.status_code == 200
    body = response.json()
    assert body["audience"] == "public" and not body["access_logged"]
    assert record_ids(body) == {region.records["shown"], region.records["jiangsu_license"]}
    assert client.get(f"/api/v1/records/{region.records['withdrawn']}").status_code == 404
    assert audit(world) == []


def test_with_an_authorisation_it_reads_the_shared_file_and_is_logged(world: World) -> None:
    client, region = world.client, world.region
    granted = grant(world)
    world.as_caller(world.bank())
    response = client.get(f"/api/v1/subjects/{region.uscc}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["audience"] == "authorised" and body["access_logged"]
    ids = record_ids(body)
    for name in ("shown", "withdrawn", "old", "corrected", "jiangsu_license"):
        assert region.records[name] in ids
    assert "CF_GSZT" in response.text and REP_ID not in response.text
    (entry,) = audit(world, subject=region.uscc)
    assert entry["role"] == "market_institution" and entry["province"] is None
    assert entry["purpose"] == f"授权#{granted}: 贷款审批"
    assert entry["actor"] == f"account:{world.accounts['bank']} bank-sh"
    assert set(entry["record_ids"]) == ids
    # records too, and a stated purpose joins the authorisation's
    world.as_caller(world.bank())
    withdrawn = region.records["withdrawn"]
    detail = client.get(f"/api/v1/records/{withdrawn}/versions", params={"purpose": "复核"})
    assert detail.status_code == 200 and detail.json()["audience"] == "authorised"
    assert audit(world)[0]["purpose"] == f"授权#{granted}: 贷款审批 / 复核"
    # the authorisation covers this subject only
    world.as_caller(world.bank())
    person = client.get(f"/api/v1/records/{region.records['person_penalty']}")
    assert person.json()["audience"] == "public"
    # and this institution only
    world.as_caller(world.bank("bank2"))
    assert client.get(f"/api/v1/subjects/{region.uscc}").json()["audience"] == "public"


def test_after_revoke_or_expiry_the_public_file_again(world: World) -> None:
    client, region = world.client, world.region
    granted = grant(world)
    world.as_caller(world.subject())
    assert client.delete(f"/api/v1/me/authorisations/{granted}").status_code == 200
    world.as_caller(world.bank())
    assert client.get(f"/api/v1/subjects/{region.uscc}").json()["audience"] == "public"
    grant(world, days=2)
    world.as_caller(world.bank())
    assert client.get(f"/api/v1/subjects/{region.uscc}").json()["audience"] == "authorised"
    world.app.state.clock = FixedClock(NOW + dt.timedelta(days=3))
    world.as_caller(world.bank())
    body = client.get(f"/api/v1/subjects/{region.uscc}").json()
    assert body["audience"] == "public" and not body["access_logged"]
    assert len(audit(world)) == 1


def test_an_institution_key_reads_under_an_authorisation_to_its_key(world: World) -> None:
    client, region = world.client, world.region
    key = auth(world.keys["bank_key"])
    assert client.get(f"/api/v1/subjects/{region.uscc}", headers=key).json()["audience"] == (
        "public"
    )
    granted = grant(world, username=None, key_id=world.key_ids["bank_key"], purpose="保险核保")
    world.as_caller(None)
    body = client.get(f"/api/v1/subjects/{region.uscc}", headers=key).json()
    assert body["audience"] == "authorised"
    assert audit(world)[0]["purpose"] == f"授权#{granted}: 保险核保"
    listed = client.get("/api/v1/authorisations", headers=key)
    assert listed.status_code == 200
    assert [a["id"] for a in listed.json()["authorisations"]] == [granted]


def test_the_institution_lists_what_it_was_granted_active_first(world: World) -> None:
    client = world.client
    expired = grant(world, days=1)
    active = grant(world, days=60, purpose="授信")
    revoked = grant(world, days=60, purpose="旧授权")
    world.as_caller(world.subject())
    client.delete(f"/api/v1/me/authorisations/{revoked}")
    world.app.state.clock = FixedClock(NOW + dt.timedelta(days=2))
    world.as_caller(world.bank())
    listed = client.get("/api/v1/authorisations").json()["authorisations"]
    assert [(a["id"], a["status"]) for a in listed] == [
        (active, "active"),
        (revoked, "revoked"),
        (expired, "expired"),
    ]
    assert listed[0]["subject_name"] == "上海测试信用科技有限公司"
    world.as_caller(world.bank("bank2"))
    assert client.get("/api/v1/authorisations").json()["authorisations"] == []
    world.as_caller(world.subject())
    assert client.get("/api/v1/authorisations").status_code == 403
    world.as_caller(None)
    assert client.get("/api/v1/authorisations").status_code == 401
    assert client.get("/api/v1/authorisations", headers=auth(world.keys["office"])).status_code == (
        403
    )
