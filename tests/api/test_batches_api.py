"""Batch uploads and receipts over the API: who may push and read, what a receipt says, what is
stored, the quarantine, duplicates, and the batch body limit."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from credit_yrd.api import limits
from credit_yrd.api.app import create_app
from credit_yrd.settings import Settings
from credit_yrd.store.engine import make_engine
from credit_yrd.store.schema import batches, record_versions, records
from tests.api.conftest import MakeKey
from tests.api.penalty_csv import FILE_NAME, penalty_csv, penalty_row, sample_file

PROBLEM = "application/problem+json"
CSV = {"Content-Type": "text/csv"}
UPLOAD = "/api/v1/sources/{source}/batches"


def bearer(key: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}", **extra}


def push(
    client: TestClient,
    key: str | None,
    body: bytes | Iterator[bytes],
    *,
    source: str = "shanghai",
    file_name: str = FILE_NAME,
    content_type: str = "text/csv",
):
    headers = {"Content-Type": content_type}
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    return client.post(
        UPLOAD.format(source=source),
        params={"file_name": file_name},
        content=body,
        headers=headers,
    )


def store_counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return {
                table.name: int(conn.execute(select(func.count()).select_from(table)).scalar_one())
                for table in (batches, records, record_versions)
            }
    finally:
        engine.dispose()


def incoming(settings: Settings) -> list[Path]:
    folder = settings.data_dir / "incoming"
    return sorted(folder.iterdir()) if folder.is_dir() else []


# --------------------------------------------------------------------------------------------
# who may call


def test_push_without_a_key_is_401_with_a_bearer_challenge(api: TestClient) -> None:
    response = push(api, None, sample_file())
    assert response.status_code == 401
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert "API 密钥" in response.json()["detail"]


@pytest.mark.parametrize(
    "key",
    [
        "cyk_000000000000_" + "A" * 43,  # well formed, unknown
        "not-a-key",
        "cyk_" + "x" * 300,
    ],
)
def test_an_unknown_or_malformed_key_is_401(api: TestClient, key: str) -> None:
    response = push(api, key, sample_file())
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


def test_a_tampered_key_is_401(api: TestClient, make_key: MakeKey) -> None:
    key = make_key("data_source", "shanghai")
    tampered = key[:-1] + ("A" if key[-1] != "A" else "B")
    assert push(api, tampered, sample_file()).status_code == 401
    assert push(api, key, sample_file()).status_code == 201


def test_a_revoked_key_is_refused(api: TestClient, make_key: MakeKey) -> None:
    key = make_key("data_source", "shanghai", revoked=True)
    response = push(api, key, sample_file())
    assert response.status_code == 401
    assert "吊销" in response.json()["detail"]


@pytest.mark.parametrize("role", ["department", "market_institution"])
def test_a_role_not_allowed_is_403(api: TestClient, make_key: MakeKey, role: str) -> None:
    key = make_key(role)
    response = push(api, key, sample_file())
    assert response.status_code == 403
    assert response.headers["content-type"].startswith(PROBLEM)
    assert api.get("/api/v1/sources/shanghai/batches", headers=bearer(key)).status_code == 403


def test_a_jiangsu_key_cannot_push_to_or_read_shanghai(
    api: TestClient, make_key: MakeKey, store_url: str
) -> None:
    jiangsu = make_key("data_source", "jiangsu")
    before = store_counts(store_url)
    response = push(api, jiangsu, sample_file())
    assert response.status_code == 403
    assert "jiangsu" in response.json()["detail"]
    assert store_counts(store_url) == before

    shanghai = make_key("data_source", "shanghai")
    batch_id = push(api, shanghai, sample_file()).json()["batch_id"]
    for path in (
        "/api/v1/sources/shanghai/batches",
        f"/api/v1/batches/{batch_id}",
        f"/api/v1/batches/{batch_id}/quarantine",
    ):
        assert api.get(path, headers=bearer(jiangsu)).status_code == 403, path
        assert api.get(path, headers=bearer(shanghai)).status_code == 200, path


def test_the_x_api_key_header_works_too(api: TestClient, make_key: MakeKey) -> None:
    office = make_key("credit_office")
    response = api.post(
        UPLOAD.format(source="shanghai"),
        params={"file_name": FILE_NAME},
        content=sample_file(),
        headers={"X-API-Key": office, **CSV},
    )
    assert response.status_code == 201, response.text


# --------------------------------------------------------------------------------------------
# a push and its receipt


def test_push_a_shanghai_file(
    api: TestClient, make_key: MakeKey, store_url: str, api_settings: Settings
) -> None:
    key = make_key("data_source", "shanghai")
    response = push(api, key, sample_file(good=2, bad=1))
    assert response.status_code == 201, response.text
    receipt = response.json()
    assert receipt["status"] == "accepted"
    assert receipt["source"] == "shanghai"
    assert receipt["file"] == FILE_NAME
    assert (receipt["read"], receipt["accepted"], receipt["rejected"]) == (3, 2, 1)
    assert receipt["new"] == 2
    assert receipt["kinds"] == {"penalty": 3}
    assert receipt["rejected_by_rule"] == {"check_character": 1}
    batch_id = receipt["batch_id"]
    assert receipt["quarantine"] == f"/api/v1/batches/{batch_id}/quarantine"
    assert str(api_settings.data_dir) not in response.text  # no server paths

    assert store_counts(store_url) == {"batches": 1, "records": 2, "record_versions": 2}
    assert incoming(api_settings) == []  # the upload's temporary file is gone

    quarantine = api.get(receipt["quarantine"], headers=bearer(key))
    assert quarantine.status_code == 200
    assert quarantine.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in quarantine.text.splitlines()]
    assert len(lines) == 1
    assert lines[0]["row"] == 4
    assert lines[0]["file"] == FILE_NAME
    assert lines[0]["kind"] == "penalty"
    assert [r["rule"] for r in lines[0]["reasons"]] == ["check_character"]
    assert lines[0]["reasons"][0]["message_zh"] and lines[0]["reasons"][0]["message_en"]

    stored = api.get(f"/api/v1/batches/{batch_id}", headers=bearer(key))
    assert stored.status_code == 200
    assert stored.json() == receipt


def test_the_same_bytes_again_are_a_duplicate_and_write_nothing(
    api: TestClient, make_key: MakeKey, store_url: str
) -> None:
    key = make_key("data_source", "shanghai")
    body = sample_file()
    first = push(api, key, body)
    assert first.status_code == 201
    before = store_counts(store_url)

    again = push(api, key, body, file_name="2025_行政处罚_重发.csv")
    assert again.status_code == 200, again.text
    receipt = again.json()
    assert receipt["status"] == "duplicate"
    assert receipt["batch_id"] is None
    assert receipt["duplicate_of"] == first.json()["batch_id"]
    assert (receipt["read"], receipt["accepted"], receipt["rejected"]) == (3, 2, 1)
    assert receipt["quarantine"] == first.json()["quarantine"]
    assert store_counts(store_url) == before


def test_a_file_without_rejected_rows_has_no_quarantine(api: TestClient, make_key: MakeKey) -> None:
    key = make_key("credit_office")
    receipt = push(api, key, sample_file(bad=0)).json()
    assert receipt["rejected"] == 0
    assert receipt["quarantine"] is None
    response = api.get(f"/api/v1/batches/{receipt['batch_id']}/quarantine", headers=bearer(key))
    assert response.status_code == 404
    assert response.headers["content-type"].startswith(PROBLEM)


def test_a_file_name_matching_nothing_is_422(
    api: TestClient, make_key: MakeKey, store_url: str
) -> None:
    key = make_key("data_source", "shanghai")
    before = store_counts(store_url)
    response = push(api, key, sample_file(), file_name="2025_不认识的文件.csv")
    assert response.status_code == 422
    assert response.headers["content-type"].startswith(PROBLEM)
    detail = response.json()["detail"]
    assert "文件名" in detail and "file name" in detail  # Chinese first, then English
    assert store_counts(store_url) == before


def test_a_file_the_pipeline_refuses_whole_is_422(
    api: TestClient, make_key: MakeKey, store_url: str, api_settings: Settings
) -> None:
    key = make_key("data_source", "shanghai")
    response = push(api, key, "不认识的列,另一列\n1,2\n".encode())
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert FILE_NAME in detail
    assert store_counts(store_url)["batches"] == 0
    assert incoming(api_settings) == []


def test_a_path_in_the_file_name_is_422(api: TestClient, make_key: MakeKey) -> None:
    key = make_key("data_source", "shanghai")
    response = push(api, key, sample_file(), file_name="../2025_行政处罚.csv")
    assert response.status_code == 422


def test_file_name_is_required(api: TestClient, make_key: MakeKey) -> None:
    key = make_key("data_source", "shanghai")
    response = api.post(
        UPLOAD.format(source="shanghai"), content=sample_file(), headers=bearer(key, **CSV)
    )
    assert response.status_code == 422


def test_an_unknown_source_is_404(api: TestClient, make_key: MakeKey) -> None:
    key = make_key("credit_office")
    response = push(api, key, sample_file(), source="nowhere")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith(PROBLEM)
    listing = api.get("/api/v1/sources/nowhere/batches", headers=bearer(key))
    assert listing.status_code == 404


@pytest.mark.parametrize(
    "content_type", ["application/json", "text/plain", "application/x-ndjson", ""]
)
def test_a_content_type_that_does_not_fit_is_415(
    api: TestClient, make_key: MakeKey, content_type: str
) -> None:
    key = make_key("data_source", "shanghai")
    response = push(api, key, sample_file(), content_type=content_type)
    assert response.status_code == 415
    assert response.headers["content-type"].startswith(PROBLEM)


@pytest.mark.parametrize("content_type", ["application/octet-stream", "text/csv; charset=utf-8"])
def test_octet_stream_and_parameters_are_accepted(
    api: TestClient, make_key: MakeKey, content_type: str
) -> None:
    key = make_key("data_source", "shanghai")
    assert push(api, key, sample_file(), content_type=content_type).status_code == 201


def test_an_unknown_batch_is_404(api: TestClient, make_key: MakeKey) -> None:
    key = make_key("credit_office")
    for path in ("/api/v1/batches/999", "/api/v1/batches/999/quarantine"):
        response = api.get(path, headers=bearer(key))
        assert response.status_code == 404
        assert response.headers["content-type"].startswith(PROBLEM)


# --------------------------------------------------------------------------------------------
# body limits


def test_the_batch_route_takes_bodies_over_the_global_limit(
    api: TestClient, make_key: MakeKey
) -> None:
    key = make_key("data_source", "shanghai")
    # One cell over the reader's cell limit: that row is rejected, the file is taken.
    long_remark = "备" * (limits.MAX_BODY_BYTES // 3 + 10)
    huge = {**penalty_row(9), "BZ": long_remark}
    body = penalty_csv([penalty_row(1), penalty_row(2), huge])
    assert len(body) > limits.MAX_BODY_BYTES
    response = push(api, key, body)
    assert response.status_code == 201, response.text
    assert (response.json()["read"], response.json()["rejected"]) == (3, 1)
    # everywhere else the global limit holds
    other = api.post("/api/v1/ids/check", content=b" " * (limits.MAX_BODY_BYTES + 1))
    assert other.status_code == 413


@pytest.fixture
def small_limit_api(
    monkeypatch: pytest.MonkeyPatch, api_settings: Settings
) -> Iterator[TestClient]:
    monkeypatch.setattr(limits, "MAX_BATCH_BYTES", 2_000)
    with TestClient(create_app(api_settings)) as client:
        yield client


def test_a_declared_body_over_the_batch_limit_is_413(
    small_limit_api: TestClient, make_key: MakeKey, store_url: str, api_settings: Settings
) -> None:
    key = make_key("data_source", "shanghai")
    body = sample_file(good=10, bad=0)
    assert len(body) > 2_000
    response = push(small_limit_api, key, body)
    assert response.status_code == 413
    assert response.headers["content-type"].startswith(PROBLEM)
    assert "2000" in response.json()["detail"]
    assert store_counts(store_url)["batches"] == 0
    assert incoming(api_settings) == []
    # a file within the limit still goes through
    assert push(small_limit_api, key, sample_file(good=1, bad=0)).status_code == 201


def test_a_chunked_body_over_the_batch_limit_is_413(
    small_limit_api: TestClient, make_key: MakeKey, store_url: str, api_settings: Settings
) -> None:
    key = make_key("data_source", "shanghai")
    body = sample_file(good=10, bad=0)

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 500):
            yield body[start : start + 500]

    response = push(small_limit_api, key, chunks())
    assert response.status_code == 413
    assert response.headers["content-type"].startswith(PROBLEM)
    assert store_counts(store_url)["batches"] == 0
    assert incoming(api_settings) == []


def test_a_chunked_body_within_the_limit_is_taken(api: TestClient, make_key: MakeKey) -> None:
    key = make_key("data_source", "shanghai")
    body = sample_file()

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 100):
            yield body[start : start + 100]

    response = push(api, key, chunks())
    assert response.status_code == 201, response.text
    assert response.json()["read"] == 3


# --------------------------------------------------------------------------------------------
# lists


def test_list_batches_pages_newest_first(api: TestClient, make_key: MakeKey) -> None:
    key = make_key("data_source", "shanghai")
    ids = [push(api, key, sample_file(first=10 * i + 1)).json()["batch_id"] for i in range(3)]
    url = "/api/v1/sources/shanghai/batches"
    first = api.get(url, params={"limit": 2}, headers=bearer(key)).json()
    assert [item["id"] for item in first["items"]] == [ids[2], ids[1]]
    assert first["limit"] == 2
    assert first["next_cursor"]
    item = first["items"][0]
    assert item["source"] == "shanghai"
    assert item["file_name"] == FILE_NAME
    assert (item["read"], item["accepted"], item["rejected"]) == (3, 2, 1)
    assert item["quarantine"] == f"/api/v1/batches/{ids[2]}/quarantine"

    second = api.get(
        url, params={"limit": 2, "cursor": first["next_cursor"]}, headers=bearer(key)
    ).json()
    assert [item["id"] for item in second["items"]] == [ids[0]]
    assert second["next_cursor"] is None

    by_offset = api.get(url, params={"limit": 1, "offset": 1}, headers=bearer(key)).json()
    assert [item["id"] for item in by_offset["items"]] == [ids[1]]
    assert api.get(url, headers=bearer(key)).json()["limit"] == 50

    # other sources' lists hold none of these
    office = make_key("credit_office")
    assert api.get("/api/v1/sources/jiangsu/batches", headers=bearer(office)).json()["items"] == []


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 201},
        {"cursor": "abc"},
        {"offset": -1},
        {"cursor": "5", "offset": 1},
    ],
)
def test_list_parameters_are_checked(
    api: TestClient, make_key: MakeKey, params: dict[str, object]
) -> None:
    key = make_key("credit_office")
    response = api.get("/api/v1/sources/shanghai/batches", params=params, headers=bearer(key))
    assert response.status_code == 422
    assert response.headers["content-type"].startswith(PROBLEM)


def test_the_routes_are_documented(api: TestClient) -> None:
    spec = api.get("/openapi.json").json()
    upload = spec["paths"]["/api/v1/sources/{source}/batches"]["post"]
    assert "text/csv" in upload["requestBody"]["content"]
    assert {"201", "200", "401", "403", "404", "413", "422"} <= set(upload["responses"])
    assert "/api/v1/batches/{batch_id}" in spec["paths"]
    assert "/api/v1/batches/{batch_id}/quarantine" in spec["paths"]
    schemes = spec["components"]["securitySchemes"]
    assert schemes["ApiKeyBearer"]["scheme"] == "bearer"
    assert schemes["ApiKeyHeader"]["name"] == "X-API-Key"
    receipt = spec["components"]["schemas"]["BatchReceipt"]["properties"]
    assert "拒收" in receipt["rejected"]["description"]


def test_the_quarantine_route_serves_nothing_outside_the_quarantine_folder(
    api: TestClient, make_key: MakeKey, store_url: str
) -> None:
    from sqlalchemy import update

    from credit_yrd.store.engine import make_engine
    from credit_yrd.store.schema import batches

    key = make_key("credit_office")
    receipt = push(api, key, sample_file(bad=1)).json()
    url = f"/api/v1/batches/{receipt['batch_id']}/quarantine"
    assert api.get(url, headers=bearer(key)).status_code == 200
    engine = make_engine(store_url)
    try:
        with engine.begin() as conn:  # a tampered or stale row pointing elsewhere
            conn.execute(
                update(batches)
                .where(batches.c.id == receipt["batch_id"])
                .values(quarantine_path="/etc/passwd")
            )
    finally:
        engine.dispose()
    response = api.get(url, headers=bearer(key))
    assert response.status_code == 404
    assert "root:" not in response.text


def test_a_provincial_credit_office_reaches_its_own_provinces_batches_and_downloads_are_logged(
    api: TestClient, make_key: MakeKey, store_url: str
) -> None:
    from credit_yrd.auth.api_keys import create_key
    from credit_yrd.clock import SYSTEM_CLOCK
    from credit_yrd.store.engine import transaction
    from credit_yrd.store.schema import access_log

    receipt = push(api, make_key("data_source", "shanghai"), sample_file(good=1, bad=1)).json()
    engine = make_engine(store_url)
    try:
        with transaction(engine) as conn:
            _, shanghai = create_key(
                conn, role="credit_office", province="31", label="上海信用办", clock=SYSTEM_CLOCK
            )
            _, jiangsu = create_key(
                conn, role="credit_office", province="32", label="江苏信用办", clock=SYSTEM_CLOCK
            )
        for path in (receipt["quarantine"], f"/api/v1/batches/{receipt['batch_id']}"):
            assert api.get(path, headers=bearer(jiangsu)).status_code == 403, path
        assert (
            api.get("/api/v1/sources/shanghai/batches", headers=bearer(jiangsu)).status_code == 403
        )
        assert api.get(receipt["quarantine"], headers=bearer(shanghai)).status_code == 200
        with engine.connect() as conn:
            rows = list(conn.execute(select(access_log)))
    finally:
        engine.dispose()
    assert len(rows) == 1
    assert rows[0].actor.endswith("上海信用办") and rows[0].role == "credit_office"
    assert rows[0].action == receipt["quarantine"].join(["GET ", ""])
