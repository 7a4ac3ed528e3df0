"""Bad input is inert: injection attempts, odd Unicode, oversized and malformed requests.

Every hostile value goes into every query and path parameter a caller controls (the API and the
portal pages), on a store holding ingested records. Whatever comes back is never a server error,
never runs the value as SQL (the store's row counts are the same afterwards, and ``%``/``_`` do not
act as wildcards), and never carries ``<script>`` unescaped in an HTML page. Bodies over the app's
limit and uploads over the batch limit are refused with 413 problem+json; malformed JSON bodies
are refused with a problem naming what is wrong.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from credit_yrd.api.app import create_app
from credit_yrd.api.limits import MAX_BODY_BYTES
from credit_yrd.api.problems import PROBLEM
from credit_yrd.auth.api_keys import create_key
from credit_yrd.clock import FixedClock
from credit_yrd.settings import Settings
from credit_yrd.store.engine import make_engine, transaction
from credit_yrd.store.migrate import init_store
from credit_yrd.store.schema import (
    access_log,
    api_keys,
    batches,
    record_versions,
    records,
    subject_terms,
    subjects,
)
from tests.api.test_schema_fuzz import ingest_world
from tests.ingest.builders import TEST_KEY, TODAY

SCRIPT = "<script>alert(1)</script>"
#: Raw query-string / path text (already percent-encoded where it must be).
HOSTILE = {
    "sql_or": quote("' OR '1'='1"),
    "sql_drop": quote("x'; DROP TABLE subjects; --"),
    "percent": quote("%"),
    "underscore": quote("_"),
    "backslash": quote("\\"),
    "like_escape": quote("%\\_%"),
    "html": quote(SCRIPT),
    "long": "a" * 10_000,
    "long_cjk": quote("测" * 6_000),  # 54,000 characters encoded (httpx allows 65,536)
    "lone_surrogate": "%ED%A0%80",
    "nul": "a%00b",
    "rtl_override": quote("\u202eamC\u202c公司"),
    "emoji": quote("🏦💰公司"),
    "combining": quote("e\u0301\u0308\u20dd上海"),
    "full_width": quote("ＳＥＬＥＣＴ＊ＦＲＯＭ"),
    "bad_utf8": "%FF%FE",
}
TABLES = (subjects, records, record_versions, subject_terms, api_keys, batches, access_log)
_RAW_SCRIPT = re.compile(r"<script>alert\(1\)</script>", re.IGNORECASE)


def _counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return {
                t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one())
                for t in TABLES
            }
    finally:
        engine.dispose()


@pytest.fixture
def world(tmp_path: Path, database_url: str) -> Iterator[tuple[TestClient, str, str, list[str]]]:
    """(client, database URL, a credit office key, the organisations' USCCs)."""
    settings = Settings(data_dir=tmp_path / "data", database_url=database_url, secret_key=TEST_KEY)
    engine = init_store(database_url)
    clock = FixedClock(TODAY)
    try:
        codes = ingest_world(engine, settings, clock, tmp_path / "in")
        with transaction(engine) as conn:
            _, key = create_key(conn, role="credit_office", label="信用办 bad input", clock=clock)
    finally:
        engine.dispose()
    app = create_app(settings)
    app.state.clock = clock
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, database_url, key, codes


def _targets(value: str) -> list[str]:
    """Every place a caller puts text: API query and path parameters, portal pages."""
    return [template.format(value) for template in TARGETS]


TARGETS = [
    "/api/v1/search?q={}",
    "/api/v1/search?q=公司&province={}",
    "/api/v1/search?q=公司&city={}",
    "/api/v1/search?q=公司&record_kind={}",
    "/api/v1/subjects/{}",
    "/api/v1/records/{}",
    "/api/v1/records/{}/versions",
    "/api/v1/ids/check?code={}",
    "/api/v1/standard/record-kinds/{}",
    "/api/v1/standard/code-lists/{}",
    "/api/v1/sources/{}/batches",
    "/api/v1/audit?subject={}",
    "/api/v1/audit?actor={}",
    "/search?q={}",
    "/subjects/{}",
    "/records/{}",
]


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_text_is_inert_everywhere(world, name: str) -> None:
    client, url, key, _ = world
    before = _counts(url)
    for target in _targets(HOSTILE[name]):
        for headers in ({}, {"X-API-Key": key}):
            response = client.get(target, headers=headers)
            where = f"{target[:120]} {headers and 'credit_office'}"
            assert response.status_code < 500, (where, response.status_code, response.text[:300])
            assert response.status_code in (200, 400, 401, 404, 413, 414, 422), where
            if response.headers.get("content-type", "").startswith("text/html"):
                assert not _RAW_SCRIPT.search(response.text), where
            if response.status_code >= 400 and target.startswith("/api/"):
                assert response.headers["content-type"].startswith(PROBLEM), where
                assert response.json()["status"] == response.status_code
    assert _counts(url) == before


def test_sql_text_in_search_matches_nothing(world) -> None:
    client, *_ = world
    for name in ("sql_or", "sql_drop", "percent", "underscore", "backslash", "like_escape"):
        response = client.get(f"/api/v1/search?q={HOSTILE[name]}")
        assert response.status_code in (200, 422), (name, response.text[:300])
        if response.status_code == 200:
            assert response.json()["total"] == 0, name
            assert response.json()["items"] == [], name


def test_search_still_finds_by_name_and_code(world) -> None:
    """The fixture's data answers ordinary queries (so the empty results above mean inert)."""
    client, _, _, codes = world
    by_name = client.get("/api/v1/search", params={"q": "恒达精密"}).json()
    assert [hit["uscc"] for hit in by_name["items"]] == [codes[1]]
    by_code = client.get("/api/v1/search", params={"q": codes[0]}).json()
    assert by_code["matched_by"] == "code" and by_code["total"] == 1


def test_problem_details_never_carry_raw_script(world) -> None:
    client, *_ = world
    echoed = []
    for target in _targets(HOSTILE["html"]):
        response = client.get(target)
        if response.status_code >= 400 and _RAW_SCRIPT.search(response.text):
            echoed.append(target)
    assert echoed == []


# --------------------------------------------------------------------------------------------
# long URLs and headers


def test_very_long_url_and_header_are_refused_without_a_server_error(world) -> None:
    client, _, key, codes = world
    # httpx (the test client) caps a URL component at 65,536 characters.
    long_path = client.get("/api/v1/subjects/" + "9" * 60_000)
    assert long_path.status_code == 422
    assert long_path.headers["content-type"].startswith(PROBLEM)
    long_query = client.get("/api/v1/search?q=" + "q" * 30_000 + "&x=" + "y" * 30_000)
    assert long_query.status_code == 422
    long_key = client.get("/api/v1/audit", headers={"X-API-Key": "cyk_" + "a" * 60_000})
    assert long_key.status_code == 401
    long_other = client.get(f"/api/v1/subjects/{codes[0]}", headers={"X-Junk": "j" * 60_000})
    assert long_other.status_code == 200
    assert client.get("/api/v1/audit", headers={"X-API-Key": key}).status_code == 200


# --------------------------------------------------------------------------------------------
# oversized bodies


def test_body_over_the_app_limit_is_refused_with_413(world) -> None:
    client, url, *_ = world
    before = _counts(url)
    body = json.dumps({"codes": ["9" * 18] * 1000, "pad": "x" * (MAX_BODY_BYTES + 1)})
    response = client.post(
        "/api/v1/ids/check", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.headers["content-type"].startswith(PROBLEM)
    problem = response.json()
    assert problem["status"] == 413 and str(MAX_BODY_BYTES) in problem["detail"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        for _ in range(MAX_BODY_BYTES // 65_536 + 2):
            yield b" " * 65_536

    chunked = client.post(
        "/api/v1/ids/check", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert chunked.status_code == 413
    assert chunked.headers["content-type"].startswith(PROBLEM)
    assert _counts(url) == before


def test_upload_over_the_batch_limit_is_refused_with_413(world) -> None:
    client, url, key, _ = world
    client.app.state.max_batch_bytes = 4_096
    before = _counts(url)
    target = "/api/v1/sources/shanghai/batches?file_name=行政处罚_大.csv"
    headers = {"X-API-Key": key, "Content-Type": "text/csv"}
    response = client.post(target, content=b"a,b\r\n" * 2_000, headers=headers)
    assert response.status_code == 413
    assert response.headers["content-type"].startswith(PROBLEM)
    assert "4096" in response.json()["detail"]
    # Over the app's own 1 MiB limit but under the batch limit: the upload path is not bound by
    # the app limit (the file is then read, and refused for its content, not its size).
    client.app.state.max_batch_bytes = 4 * MAX_BODY_BYTES
    big = b"\xef\xbb\xbf" + b"x" * (MAX_BODY_BYTES + 10)
    response = client.post(target, content=big, headers=headers)
    assert response.status_code != 413 and response.status_code < 500, response.text[:300]
    assert _counts(url)["record_versions"] == before["record_versions"]
    assert not list((Path(client.app.state.settings.data_dir) / "incoming").glob("*"))


# --------------------------------------------------------------------------------------------
# malformed JSON


def test_wrong_json_shapes_name_the_field(world) -> None:
    client, *_ = world
    for body, field in (
        ({"codes": "91310115000000019M"}, "codes"),
        ({"codes": []}, "codes"),
        ({"codes": ["x" * 65]}, "codes"),
        ({}, "codes"),
    ):
        response = client.post("/api/v1/ids/check", json=body)
        assert response.status_code == 422, body
        assert response.headers["content-type"].startswith(PROBLEM)
        locs = [error["loc"] for error in response.json()["errors"]]
        assert any(field in loc for loc in locs), (body, locs)


def test_unparsable_json_is_a_client_error(world) -> None:
    client, *_ = world
    for raw in (b'{"codes": [', b'{"codes": NaN}', b"[" * 5_000, b"\xff\xfe{"):
        response = client.post(
            "/api/v1/ids/check", content=raw, headers={"Content-Type": "application/json"}
        )
        assert response.status_code in (400, 422), (raw[:20], response.status_code)
        assert response.headers["content-type"].startswith(PROBLEM)
    truncated = client.post(
        "/api/v1/ids/check", content=b'{"codes": [', headers={"Content-Type": "application/json"}
    )
    assert truncated.status_code == 422
    assert truncated.json()["errors"][0]["loc"][0] == "body"  # where the JSON broke


def test_body_that_is_not_utf8_answers_a_bilingual_problem(world) -> None:
    client, *_ = world
    response = client.post(
        "/api/v1/ids/check", content=b"\xff\xfe{", headers={"Content-Type": "application/json"}
    )
    detail = response.json()["detail"]
    assert re.search(r"[\u4e00-\u9fff]", detail), detail
    assert response.json().get("errors"), response.text


def test_nul_and_extreme_dates_in_logged_reads_never_reach_the_store_as_errors(world) -> None:
    """A purpose with NUL is kept without it (PostgreSQL cannot store NUL); a login name with
    NUL is simply unknown; audit bounds far outside any log are clamped, not overflowed."""
    client, _, key, codes = world
    headers = {"X-API-Key": key}
    read = client.get(f"/api/v1/subjects/{codes[0]}?purpose=抽查%00核对", headers=headers)
    assert read.status_code == 200, read.text[:300]
    log = client.get("/api/v1/audit?limit=1", headers=headers).json()["entries"][0]
    assert log["purpose"] == "抽查核对"
    login = client.post("/api/v1/session", json={"username": "ba\u0000nk", "password": "x" * 12})
    assert login.status_code == 401
    for bound in (
        "since=0001-01-01T00:00:00%2B14:00",
        "until=9999-12-31T23:59:59-14:00",
        "since=0001-01-01",
    ):
        answer = client.get(f"/api/v1/audit?{bound}", headers=headers)
        assert answer.status_code == 200, (bound, answer.text[:300])
