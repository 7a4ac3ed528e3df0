"""Errors are application/problem+json; odd or hostile input never makes a 5xx; bodies are bounded."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from credit_yrd.api.app import MAX_BODY_BYTES, create_app

client = TestClient(create_app(), raise_server_exceptions=False)
PROBLEM = "application/problem+json"
ODD = [
    "' OR '1'='1' --",
    "'; DROP TABLE legacy_codes; --",
    '"><script>alert(1)</script>',
    "<img src=x onerror=alert(1)>",
    "a\x00b",
    "\x00" * 20,
    "😀" * 18,
    "\u202e913205836000373417",
    "\u200f\u200e\u2066",
    "９１３２０５８３６０００３７３４１７",  # full-width digits
    "%00%27",
    "{{7*7}}",
    "../../etc/passwd",
    "",
    " ",
]


def assert_problem(response, status: int | None = None) -> dict:
    assert response.headers["content-type"].startswith(PROBLEM), response.headers
    body = response.json()
    assert {"type", "title", "status", "detail", "instance"} <= set(body)
    assert body["status"] == response.status_code
    if status is not None:
        assert response.status_code == status
    return body


def no_5xx(response) -> None:
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert_problem(response)
    else:
        json.loads(response.text)


@pytest.mark.parametrize("text", ODD)
def test_odd_codes_never_make_a_server_error(text: str) -> None:
    no_5xx(client.get("/api/v1/ids/check", params={"code": text}))
    no_5xx(client.post("/api/v1/ids/check", json={"codes": [text]}))


@pytest.mark.parametrize("text", ODD)
def test_odd_standard_paths_and_fields_never_make_a_server_error(text: str) -> None:
    for kind in ("record-kinds", "code-lists", "rule-tables"):
        no_5xx(client.get(f"/api/v1/standard/{kind}/{quote(text, safe='')}"))
    no_5xx(
        client.post(
            "/api/v1/standard/record-kinds/penalty/publication-window",
            params={"on": "2026-06-01"},
            json={"CF_CFLB": text, "CF_JDRQ": text, text or "x": text},
        )
    )


def test_ten_thousand_characters_are_refused_cleanly() -> None:
    long = "9" * 10_000
    assert_problem(client.get("/api/v1/ids/check", params={"code": long}), 422)
    assert_problem(client.post("/api/v1/ids/check", json={"codes": [long]}), 422)
    no_5xx(client.get(f"/api/v1/standard/record-kinds/{long}"))


def test_script_is_not_reflected_as_html() -> None:
    response = client.get("/api/v1/ids/check", params={"code": "<script>alert(1)</script>"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert "text/html" not in response.headers["content-type"]


@pytest.mark.parametrize(
    ("content", "ctype"),
    [
        (b"{not json", "application/json"),
        (b"\xff\xfe\x00", "application/json"),
        (b"codes=1", "application/x-www-form-urlencoded"),
        (b"null", "application/json"),
        (b'{"codes": null}', "application/json"),
        (b"[" * 5000 + b"]" * 5000, "application/json"),
    ],
)
def test_malformed_bodies_are_4xx_problems(content: bytes, ctype: str) -> None:
    response = client.post("/api/v1/ids/check", content=content, headers={"content-type": ctype})
    assert 400 <= response.status_code < 500, response.text
    assert_problem(response)


def test_body_over_one_mib_is_413() -> None:
    body = json.dumps({"codes": ["9" * 60] * 20_000}).encode()
    assert len(body) > MAX_BODY_BYTES
    response = client.post(
        "/api/v1/ids/check", content=body, headers={"content-type": "application/json"}
    )
    body = assert_problem(response, 413)
    assert body["instance"] == "/api/v1/ids/check"


def test_body_of_exactly_one_mib_is_not_413() -> None:
    payload = b'{"codes": ["913205836000373417"]}'
    body = payload + b" " * (MAX_BODY_BYTES - len(payload))
    response = client.post(
        "/api/v1/ids/check", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 200


def test_bogus_content_length_is_refused() -> None:
    response = client.post(
        "/api/v1/ids/check",
        content=b'{"codes": ["1"]}',
        headers={"content-type": "application/json", "content-length": "-1"},
    )
    assert response.status_code in (400, 413)


def test_chunked_body_over_one_mib_is_413() -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"codes": ["913205836000373417"]}'
        for _ in range(2 * 1024):
            yield b" " * 1024

    response = client.post(
        "/api/v1/ids/check", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


def test_batch_over_1000_codes_is_422_naming_the_field() -> None:
    body = assert_problem(client.post("/api/v1/ids/check", json={"codes": ["1"] * 1001}), 422)
    assert body["errors"][0]["loc"] == ["body", "codes"]


@pytest.mark.parametrize(
    ("method", "path", "status", "zh", "en"),
    [
        ("GET", "/api/v1/nope", 404, "未找到", "Not found"),
        ("DELETE", "/api/v1/health", 405, "方法不允许", "Method not allowed"),
        ("GET", "/api/v1/ids/check", 422, "请求参数不符合要求", "Unprocessable request"),
    ],
)
def test_problem_titles_follow_the_language(
    method: str, path: str, status: int, zh: str, en: str
) -> None:
    assert assert_problem(client.request(method, path), status)["title"] == zh
    assert (
        assert_problem(client.request(method, path, params={"lang": "en"}), status)["title"] == en
    )
    english = client.request(method, path, headers={"Accept-Language": "en-US,en;q=0.8"})
    assert assert_problem(english, status)["title"] == en
    # an explicit ?lang wins over the header
    chinese = client.request(
        method, path, params={"lang": "zh"}, headers={"Accept-Language": "en-US"}
    )
    assert assert_problem(chinese, status)["title"] == zh


def test_validation_problem_does_not_echo_the_input() -> None:
    secret = "11010519491231002X" * 4
    body = assert_problem(client.get("/api/v1/ids/check", params={"code": secret}), 422)
    assert "11010519491231002X" not in json.dumps(body)


def test_health() -> None:
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
