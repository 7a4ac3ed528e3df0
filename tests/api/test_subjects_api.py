"""Credit files, records and the audit log over the API, on both backends."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from credit_yrd.api.app import create_app
from credit_yrd.auth.api_keys import create_key
from credit_yrd.clock import FixedClock
from credit_yrd.ids import resident_id
from credit_yrd.settings import Settings
from credit_yrd.store.engine import make_engine, transaction
from credit_yrd.store.migrate import init_store
from credit_yrd.store.schema import access_log, subjects
from tests.ledger.conftest import CLOCK, PERSON_ID, REP_ID, Region, build_region

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
