"""The subject's own file, who read it, and its authorisations, over the API."""

from __future__ import annotations

import datetime as dt

from tests.api.audience_world import PROBLEM, World, auth, world_fixture  # noqa: F401
from tests.ledger.conftest import CLOCK, REP_ID, REP_MASKED

NOW = CLOCK.now()


def record_ids(body: dict) -> set[int]:
    return {r["id"] for s in body["sections"] for r in s["records"]}


def test_me_routes_are_for_subject_accounts_only(world: World) -> None:
    client = world.client
    for path in ("/api/v1/me/file", "/api/v1/me/access-log", "/api/v1/me/authorisations"):
        assert client.get(path).status_code == 401
        assert client.get(path, headers=auth(world.keys["office"])).status_code == 403
        world.as_caller(world.bank())
        assert client.get(path).status_code == 403
        world.as_caller(None)


def test_my_file_holds_everything_and_who_read_it(world: World) -> None:
    client, region = world.client, world.region
    code = region.uscc
    read = client.get(
        f"/api/v1/subjects/{code}",
        params={"purpose": "执法检查"},
        headers=auth(world.keys["office_sh"]),
    )
    assert read.status_code == 200 and read.json()["access_logged"]
    world.as_caller(world.subject())
    response = client.get("/api/v1/me/file")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["audience"] == "subject" and not body["access_logged"]
    ids = record_ids(body)
    for name in ("shown", "withdrawn", "old", "corrected", "jiangsu_license"):
        assert region.records[name] in ids, name
    assert REP_ID not in response.text and REP_MASKED in response.text
    (entry,) = body["reads"]["entries"]
    assert entry["purpose"] == "执法检查" and entry["role"] == "credit_office"
    assert entry["province"] == "31" and entry["actor"].startswith("key:")
    assert set(entry["record_ids"]) == record_ids(read.json())
    # The same file through /subjects/{code}: the subject's own view, and neither is logged.
    same = client.get(f"/api/v1/subjects/{code}")
    assert same.json()["audience"] == "subject" and record_ids(same.json()) == ids
    log = client.get("/api/v1/me/access-log").json()
    assert [e["purpose"] for e in log["entries"]] == ["执法检查"]


def test_a_subject_sees_others_publicly(world: World) -> None:
    client, region = world.client, world.region
    world.as_caller(world.subject("person"))
    body = client.get(f"/api/v1/subjects/{region.uscc}").json()
    assert body["audience"] == "public" and body["reads"] is None
    assert region.records["withdrawn"] not in record_ids(body)
    withdrawn = region.records["withdrawn"]
    assert client.get(f"/api/v1/records/{withdrawn}").status_code == 404
    world.as_caller(world.subject())
    history = client.get(f"/api/v1/records/{withdrawn}/versions")
    assert history.status_code == 200, history.text
    assert [v["status"] for v in history.json()["versions"]] == ["active", "withdrawn"]
    assert history.json()["audience"] == "subject" and not history.json()["access_logged"]


def test_my_access_log_pages_and_filters_by_time(world: World) -> None:
    client, region = world.client, world.region
    for purpose in ("一", "二", "三"):
        client.get(
            f"/api/v1/subjects/{region.uscc}",
            params={"purpose": purpose},
            headers=auth(world.keys["office"]),
        )
    world.as_caller(world.subject())
    first = client.get("/api/v1/me/access-log", params={"limit": 2}).json()
    assert [e["purpose"] for e in first["entries"]] == ["三", "二"]
    rest = client.get(
        "/api/v1/me/access-log", params={"limit": 2, "cursor": first["next_cursor"]}
    ).json()
    assert [e["purpose"] for e in rest["entries"]] == ["一"] and rest["next_cursor"] is None
    today = NOW.date()
    tomorrow = today + dt.timedelta(days=1)
    assert len(client.get("/api/v1/me/access-log", params={"since": today}).json()["entries"]) == 3
    assert client.get("/api/v1/me/access-log", params={"since": tomorrow}).json()["entries"] == []
    assert client.get("/api/v1/me/access-log", params={"until": today}).json()["entries"] == []
    bad = client.get("/api/v1/me/access-log", params={"since": tomorrow, "until": today})
    assert bad.status_code == 400 and bad.headers["content-type"].startswith(PROBLEM)
    assert client.get("/api/v1/me/access-log", params={"since": "yesterday"}).status_code == 422
    # the person's own log holds none of the company's reads
    world.as_caller(world.subject("person"))
    assert client.get("/api/v1/me/access-log").json()["entries"] == []


def test_my_file_is_paged(world: World) -> None:
    client = world.client
    world.as_caller(world.subject())
    whole = client.get("/api/v1/me/file", params={"limit": 1000}).json()
    order = [r["id"] for s in whole["sections"] for r in s["records"]]
    walked: list[int] = []
    params: dict[str, str | int] = {"limit": 2}
    while True:
        page = client.get("/api/v1/me/file", params=params).json()
        assert page["record_count"] == len(order)
        walked.extend(r["id"] for s in page["sections"] for r in s["records"])
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]
    assert walked == order and len(order) == 5
    bad = client.get("/api/v1/me/file", params={"cursor": "not-a-cursor"})
    assert bad.status_code == 400 and "cursor" in bad.json()["detail"]
    assert client.get("/api/v1/me/file", params={"limit": 1001}).status_code == 422


def grant_body(**kw: object) -> dict[str, object]:
    body: dict[str, object] = {
        "username": "bank-sh",
        "purpose": "贷款审批",
        "expires_at": (NOW + dt.timedelta(days=30)).isoformat(),
    }
    body.update(kw)
    return {k: v for k, v in body.items() if v is not None}


def test_grant_list_and_revoke_my_authorisations(world: World) -> None:
    client = world.client
    world.as_caller(world.subject())
    made = client.post("/api/v1/me/authorisations", json=grant_body())
    assert made.status_code == 201, made.text
    view = made.json()
    assert (
        view["status"] == "active"
        and view["grantee"] == f"account:{world.accounts['bank']} bank-sh"
    )
    assert view["granted_by"] == f"account:{world.accounts['own']} own"
    by_key = client.post(
        "/api/v1/me/authorisations",
        json=grant_body(username=None, key_id=world.key_ids["bank_key"], purpose="保险核保"),
    )
    assert by_key.status_code == 201, by_key.text
    listed = client.get("/api/v1/me/authorisations").json()["authorisations"]
    assert [a["id"] for a in listed] == [by_key.json()["id"], view["id"]]
    gone = client.delete(f"/api/v1/me/authorisations/{view['id']}")
    assert gone.status_code == 200 and gone.json()["status"] == "revoked"
    again = client.delete(f"/api/v1/me/authorisations/{view['id']}")
    assert again.status_code == 200 and again.json()["revoked_at"] == gone.json()["revoked_at"]
    # another subject can neither see nor revoke it
    world.as_caller(world.subject("person"))
    assert client.get("/api/v1/me/authorisations").json()["authorisations"] == []
    assert client.delete(f"/api/v1/me/authorisations/{by_key.json()['id']}").status_code == 404


def test_bad_grants_are_refused_with_reasons(world: World) -> None:
    client = world.client
    world.as_caller(world.subject())
    cases = [
        (grant_body(username="nobody"), 400, "nobody"),
        (grant_body(username="own"), 400, "market institution"),
        (grant_body(username=None, key_id=world.key_ids["office"]), 400, "market institution"),
        (grant_body(expires_at=(NOW - dt.timedelta(days=1)).isoformat()), 400, "future"),
        (grant_body(expires_at=(NOW + dt.timedelta(days=400)).isoformat()), 400, "one year"),
        (grant_body(expires_at="2026-07-01T00:00:00"), 400, "time zone"),
        (grant_body(purpose="   "), 400, "purpose"),
        (grant_body(key_id=world.key_ids["bank_key"]), 422, ""),
        (grant_body(username=None), 422, ""),
        (grant_body(purpose="x" * 501), 422, ""),
    ]
    for body, status, reason in cases:
        response = client.post("/api/v1/me/authorisations", json=body, params={"lang": "en"})
        assert response.status_code == status, (body, response.text)
        assert response.headers["content-type"].startswith(PROBLEM)
        assert reason in response.text
    assert client.get("/api/v1/me/authorisations").json()["authorisations"] == []
