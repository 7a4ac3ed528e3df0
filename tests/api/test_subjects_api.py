"""Credit files, records and the audit log over the API, on both backends."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from credit_yrd.api.app import create_app
from credit_yrd.api.deps import optional_principal
from credit_yrd.auth.api_keys import create_key
from credit_yrd.auth.principal import Principal
from credit_yrd.auth.roles import Role
from credit_yrd.clock import FixedClock
from credit_yrd.ids import resident_id
from credit_yrd.settings import Settings
from credit_yrd.store.engine import make_engine, transaction
from credit_yrd.store.migrate import init_store
from credit_yrd.store.schema import access_log, subjects
from tests.ledger.conftest import (
    CLOCK,
    PERSON_ID,
    REP_ID,
    Region,
    add_record,
    build_region,
    penalty,
)

PROBLEM = "application/problem+json"


@pytest.fixture
def setup(database_url: str, tmp_path: Path) -> Iterator[tuple[TestClient, Region, dict[str, str]]]:
    engine = init_store(database_url)
    region = build_region(engine)
    keys: dict[str, str] = {}
    with transaction(engine) as conn:
        for name, role, province in (
            ("department_sh", "department", "31"),
            ("office", "credit_office", None),
            ("office_sh", "credit_office", "31"),
            ("source", "data_source", None),
        ):
            _, keys[name] = create_key(
                conn,
                role=role,
                label=f"测试 {name}",
                source="shanghai" if role == "data_source" else None,
                province=province,
                domain="market_regulation" if role == "department" else None,
                clock=CLOCK,
            )
    engine.dispose()
    app = create_app(Settings(data_dir=tmp_path, database_url=database_url))
    app.state.clock = CLOCK
    with TestClient(app) as client:
        yield client, region, keys


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def record_ids(body: dict) -> set[int]:
    return {r["id"] for s in body["sections"] for r in s["records"]}


def log_rows(client: TestClient, key: str, **params: str) -> list[dict]:
    response = client.get("/api/v1/audit", params=params, headers=auth(key))
    assert response.status_code == 200, response.text
    return response.json()["entries"]


def test_public_file_without_a_key(setup) -> None:
    client, region, keys = setup
    response = client.get(f"/api/v1/subjects/{region.uscc}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["audience"] == "public"
    assert record_ids(body) == {region.records["shown"], region.records["jiangsu_license"]}
    assert "CF_GSZT" not in response.text and REP_ID not in response.text
    assert not body["access_logged"]
    # A data source's key reads the public file too, and nothing is logged.
    other = client.get(f"/api/v1/subjects/{region.uscc}", headers=auth(keys["source"]))
    assert other.json()["audience"] == "public"
    assert log_rows(client, keys["office"]) == []


def test_legacy_code_and_unknown_code(setup) -> None:
    client, region, _ = setup
    by_org = client.get(f"/api/v1/subjects/{region.org_code}")
    assert by_org.status_code == 200
    assert by_org.json()["subject"]["id"] == region.company_id
    missing = client.get("/api/v1/subjects/91310000MA1FL0000X", params={"lang": "en"})
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith(PROBLEM)
    assert missing.json()["title"] == "Not found"


def test_authority_needs_a_purpose_and_is_logged(setup) -> None:
    client, region, keys = setup
    url = f"/api/v1/subjects/{region.uscc}"
    refused = client.get(url, headers=auth(keys["department_sh"]))
    assert refused.status_code == 400
    assert refused.headers["content-type"].startswith(PROBLEM)
    assert "purpose" in refused.json()["detail"]
    assert log_rows(client, keys["office"]) == []

    response = client.get(url, params={"purpose": "执法检查"}, headers=auth(keys["department_sh"]))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["audience"] == "authority" and body["access_logged"]
    assert "CF_GSZT" in response.text
    ids = record_ids(body)
    assert region.records["withdrawn"] in ids and region.records["old"] in ids
    assert region.records["jiangsu_license"] not in ids  # outside Shanghai's scope
    (entry,) = log_rows(client, keys["office"], subject=region.uscc)
    assert entry["purpose"] == "执法检查"
    assert entry["role"] == "department" and entry["province"] == "31"
    assert entry["actor"].startswith("key:")
    assert set(entry["record_ids"]) == ids
    assert entry["action"] == f"GET {url}"


def test_records_public_and_authority(setup) -> None:
    client, region, keys = setup
    shown = region.records["shown"]
    assert client.get(f"/api/v1/records/{shown}").json()["record"]["id"] == shown
    versions = client.get(f"/api/v1/records/{shown}/versions").json()
    assert [v["version"] for v in versions["versions"]] == [1]
    for hidden in ("withdrawn", "old", "corrected"):
        rid = region.records[hidden]
        assert client.get(f"/api/v1/records/{rid}").status_code == 404
        assert client.get(f"/api/v1/records/{rid}/versions").status_code == 404
    assert client.get("/api/v1/records/999999").status_code == 404

    corrected = region.records["corrected"]
    office = auth(keys["office"])
    assert client.get(f"/api/v1/records/{corrected}", headers=office).status_code == 400
    answer = client.get(
        f"/api/v1/records/{corrected}/versions", params={"purpose": "复核"}, headers=office
    )
    assert answer.status_code == 200, answer.text
    assert [v["status"] for v in answer.json()["versions"]] == ["active", "corrected"]
    assert "CF_GSZT" in answer.text
    license_id = region.records["jiangsu_license"]
    out_of_scope = client.get(
        f"/api/v1/records/{license_id}",
        params={"purpose": "复核"},
        headers=auth(keys["department_sh"]),
    )
    assert out_of_scope.status_code == 404
    entries = log_rows(client, keys["office"])
    assert [e["record_ids"] for e in entries] == [[corrected]]


def test_audit_is_for_credit_offices_and_scoped(setup) -> None:
    client, region, keys = setup
    assert client.get("/api/v1/audit").status_code == 401
    assert client.get("/api/v1/audit", headers=auth(keys["department_sh"])).status_code == 403
    client.get(
        f"/api/v1/subjects/{region.uscc}",
        params={"purpose": "区域核查"},
        headers=auth(keys["office"]),
    )
    client.get(
        f"/api/v1/subjects/{region.uscc}",
        params={"purpose": "本省核查"},
        headers=auth(keys["department_sh"]),
    )
    assert len(log_rows(client, keys["office"])) == 2
    assert [e["purpose"] for e in log_rows(client, keys["office_sh"])] == ["本省核查"]
    assert [e["purpose"] for e in log_rows(client, keys["office"], role="credit_office")] == [
        "区域核查"
    ]
    page = log_rows(client, keys["office"], limit="1")
    assert len(page) == 1
    unknown = client.get(
        "/api/v1/audit", params={"subject": "91310000MA1FL0000X"}, headers=auth(keys["office"])
    )
    assert unknown.status_code == 404


def test_a_natural_persons_record_is_masked_publicly(setup) -> None:
    client, region, _ = setup
    response = client.get(f"/api/v1/records/{region.records['person_penalty']}/versions")
    assert response.status_code == 200
    assert PERSON_ID not in response.text and "张三丰" not in response.text


def test_openapi_documents_the_shapes(setup) -> None:
    client, _, _ = setup
    schema = client.get("/openapi.json").json()
    for path in (
        "/api/v1/subjects/{code}",
        "/api/v1/records/{record_id}",
        "/api/v1/records/{record_id}/versions",
        "/api/v1/audit",
    ):
        assert path in schema["paths"], path
    components = schema["components"]["schemas"]
    assert "CreditFile" in components and "AccessLogPage" in components
    assert components["CreditFile"]["properties"]["record_count"]["description"]


# --------------------------------------------------------------------------------------------
# a generated world: no public subject response holds a resident ID number

_ID_SHAPE = re.compile(r"(?<![0-9A-Z])[1-6][0-9]{16}[0-9X](?![0-9A-Z])")


def test_no_public_file_of_a_generated_world_holds_a_resident_id(
    database_url: str, tmp_path: Path
) -> None:
    from credit_yrd.demo import GenerateOptions, generate
    from credit_yrd.ingest import context_for, expand_inputs, ingest_file
    from tests.ingest.builders import TEST_KEY

    world = tmp_path / "world"
    generate(world, GenerateOptions(subjects=300, seed=3))
    settings = Settings(data_dir=tmp_path / "data", database_url=database_url, secret_key=TEST_KEY)
    engine = init_store(database_url)
    clock = FixedClock(CLOCK.today())
    for source in ("shanghai", "jiangsu", "zhejiang", "anhui"):
        ctx = context_for(engine, source, settings=settings, clock=clock)
        files, _ = expand_inputs([world / source], ctx.mapping)
        for path in files:
            ingest_file(ctx, path)
    with engine.connect() as conn:
        codes = [row.uscc for row in conn.execute(select(subjects.c.uscc)) if row.uscc]
    engine.dispose()
    assert len(codes) > 100
    app = create_app(settings)
    app.state.clock = clock
    seen_records = 0
    with TestClient(app) as client:
        for code in codes:
            response = client.get(f"/api/v1/subjects/{code}")
            assert response.status_code == 200
            found = [m for m in _ID_SHAPE.findall(response.text) if resident_id.is_valid(m)]
            assert not found, (code, found)
            seen_records += response.json()["record_count"]
    assert seen_records > 100
    check = make_engine(database_url)
    with check.connect() as conn:
        assert conn.execute(select(func.count()).select_from(access_log)).scalar_one() == 0
    check.dispose()


# --------------------------------------------------------------------------------------------
# audiences: department domains, paging, the audit period


def add_records(database_url: str, region: Region, items: list[tuple[str, dict, str | None]]):
    engine = make_engine(database_url)
    made = {}
    with transaction(engine) as conn:
        for name, content, domain in items:
            made[name] = add_record(
                conn, name, subject_id=region.company_id, content=content, domain=domain
            )
    engine.dispose()
    return made


def test_a_department_reads_its_domain_only(setup, database_url: str) -> None:
    client, region, _ = setup
    made = add_records(
        database_url,
        region,
        [
            (
                "eco",
                penalty("31", "2026-03-02", CF_SSLY="ecology_environment"),
                "ecology_environment",
            ),
            (
                "market",
                penalty("32", "2026-03-03", CF_SSLY="market_regulation"),
                "market_regulation",
            ),
        ],
    )
    principal = Principal(
        role=Role.DEPARTMENT,
        key_id=None,
        label="sh-eco",
        province="31",
        domain="ecology_environment",
        account_id=50,
    )
    client.app.dependency_overrides[optional_principal] = lambda: principal
    try:
        url = f"/api/v1/subjects/{region.uscc}"
        assert client.get(url).status_code == 400  # a purpose is still required
        body = client.get(url, params={"purpose": "环境执法"}).json()
        ids = record_ids(body)
        assert body["audience"] == "authority"
        assert made["eco"] in ids and region.records["shown"] in ids  # its domain; cross-domain
        assert made["market"] not in ids and region.records["jiangsu_license"] not in ids
        hidden = client.get(f"/api/v1/records/{made['market']}", params={"purpose": "环境执法"})
        assert hidden.status_code == 404
        shown = client.get(f"/api/v1/records/{made['eco']}", params={"purpose": "环境执法"})
        assert shown.status_code == 200 and shown.json()["access_logged"]
    finally:
        client.app.dependency_overrides.clear()


def test_a_large_file_is_walked_page_by_page(setup, database_url: str) -> None:
    client, region, keys = setup
    add_records(
        database_url,
        region,
        [
            (f"bulk{i}", penalty(str(200 + i), f"2026-0{1 + i % 5}-1{i % 9}"), None)
            for i in range(30)
        ],
    )
    url = f"/api/v1/subjects/{region.uscc}"
    whole = client.get(url, params={"limit": 1000}).json()
    order = [r["id"] for s in whole["sections"] for r in s["records"]]
    assert len(order) == whole["record_count"] == 32 and whole["next_cursor"] is None
    first = client.get(url).json()
    assert first["limit"] == 200 and first["returned"] == 32
    walked: list[int] = []
    cursor = None
    while True:
        params = {"limit": "7", **({"cursor": cursor} if cursor else {})}
        page = client.get(url, params=params).json()
        assert [s["code"] for s in page["sections"]] == [s["code"] for s in whole["sections"]]
        assert page["returned"] <= 7 and page["record_count"] == 32
        walked.extend(r["id"] for s in page["sections"] for r in s["records"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert walked == order
    assert client.get(url, params={"limit": "0"}).status_code == 422
    assert client.get(url, params={"limit": "1001"}).status_code == 422
    bad = client.get(url, params={"cursor": "eyJ4Ijoi"})
    assert bad.status_code == 400 and bad.headers["content-type"].startswith(PROBLEM)
    # an authority's page is logged with the records of that page
    office = client.get(
        url, params={"limit": "5", "purpose": "抽查"}, headers=auth(keys["office"])
    ).json()
    (entry,) = log_rows(client, keys["office"])
    assert set(entry["record_ids"]) == record_ids(office) and len(entry["record_ids"]) == 5


def test_audit_since_and_until(setup) -> None:
    client, region, keys = setup
    url = f"/api/v1/subjects/{region.uscc}"
    for clock, purpose in (
        (FixedClock(dt.datetime(2026, 5, 30, 10)), "五月三十日"),
        (FixedClock(dt.datetime(2026, 5, 31, 23, 59)), "五月卅一日"),
        (FixedClock(dt.datetime(2026, 6, 1, 0, 0)), "六月一日"),
    ):
        client.app.state.clock = clock
        assert client.get(url, params={"purpose": purpose}, headers=auth(keys["office"])).json()[
            "access_logged"
        ]
    client.app.state.clock = CLOCK

    def purposes(**params: str) -> list[str]:
        return [e["purpose"] for e in log_rows(client, keys["office"], **params)]

    assert purposes(since="2026-05-31") == ["六月一日", "五月卅一日"]
    assert purposes(until="2026-06-01") == ["五月卅一日", "五月三十日"]  # until is exclusive
    assert purposes(since="2026-05-31", until="2026-06-01") == ["五月卅一日"]
    assert purposes(since="2026-05-31T23:59:00+08:00") == ["六月一日", "五月卅一日"]
    assert purposes(until="2026-05-31T15:59:00Z") == ["五月三十日"]  # 23:59 CST, exclusive
    assert purposes(since="2026-05-31T16:00:00Z", subject=region.uscc) == ["六月一日"]
    for since, until in (("2026-06-01", "2026-06-01"), ("2026-06-02", "2026-06-01")):
        refused = client.get(
            "/api/v1/audit",
            params={"since": since, "until": until, "lang": "en"},
            headers=auth(keys["office"]),
        )
        assert refused.status_code == 400, refused.text
        assert "until must be after since" in refused.json()["detail"]
    odd = client.get("/api/v1/audit", params={"since": "31/05/2026"}, headers=auth(keys["office"]))
    assert odd.status_code == 422


def test_a_natural_person_party_is_masked_in_an_organisations_public_file(
    setup, database_url: str
) -> None:
    client, region, _ = setup
    made = add_records(
        database_url,
        region,
        [("party", penalty("41", "2026-03-05", CF_XDR_MC="赵六一", CF_XDR_LB="自然人"), None)],
    )
    response = client.get(f"/api/v1/subjects/{region.uscc}")
    assert made["party"] in record_ids(response.json())
    assert "赵六一" not in response.text and "赵**" in response.text
    detail = client.get(f"/api/v1/records/{made['party']}/versions")
    assert "赵六一" not in detail.text
