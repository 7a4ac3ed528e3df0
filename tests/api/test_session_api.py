"""Logging in over the API: the cookie, the CSRF token, the one 401, logout and ``/me``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from credit_yrd.api.app import create_app
from credit_yrd.auth import create_account, disable_account, password_hasher
from credit_yrd.auth.sessions import SESSION_COOKIE
from credit_yrd.clock import FixedClock
from credit_yrd.settings import Settings
from credit_yrd.store.engine import make_engine, transaction
from credit_yrd.store.schema import accounts, sessions
from credit_yrd.store.subjects import upsert_legal_subject
from tests.api.conftest import MakeKey

NOW = dt.datetime(2026, 6, 1, 9, 0)
PASSWORD = "长三角-Credit-2026"
USCC = "913205836000373417"
LOGIN = "/api/v1/session"


def settings_for(tmp_path: Path, url: str, **extra) -> Settings:
    return Settings(data_dir=tmp_path, database_url=url, password_hash_cost="fast", **extra)


def add_account(url: str, username: str, role: str, **scope) -> int:
    engine = make_engine(url)
    try:
        with transaction(engine) as conn:
            if role == "subject":
                scope["subject_id"] = upsert_legal_subject(conn, USCC, "苏州华信科技有限公司")
            return create_account(
                conn,
                username=username,
                password=PASSWORD,
                role=role,
                display_name=f"测试 {username}",
                clock=FixedClock(NOW),
                hasher=password_hasher("fast"),
                **scope,
            )
    finally:
        engine.dispose()


@pytest.fixture
def app_settings(tmp_path: Path, store_url: str) -> Settings:
    return settings_for(tmp_path, store_url)


@pytest.fixture
def client(app_settings: Settings) -> Iterator[TestClient]:
    app = create_app(app_settings)
    app.state.clock = FixedClock(NOW)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def login(client: TestClient, username: str, password: str = PASSWORD):
    return client.post(LOGIN, json={"username": username, "password": password})


def test_login_sets_a_locked_down_cookie_and_answers_the_account(
    client: TestClient, store_url: str
) -> None:
    add_account(store_url, "office", "credit_office", province="32")
    response = login(client, "office")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["account"]["username"] == "office"
    assert body["account"]["role"] == "credit_office"
    assert body["account"]["province"] == "32"
    assert "password_hash" not in body["account"] and PASSWORD not in response.text
    assert body["csrf_token"]
    assert dt.datetime.fromisoformat(body["expires_at"]) == FixedClock(NOW).now() + dt.timedelta(
        minutes=480
    )
    cookie = response.headers["set-cookie"]
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert {"httponly", "path", "max-age", "samesite"} <= attributes
    assert "secure" not in attributes
    assert "samesite=lax" in cookie.lower() and "path=/" in cookie.lower()
    assert "max-age=28800" in cookie.lower()
    assert response.headers["cache-control"] == "no-store"


def test_the_cookie_is_secure_when_the_setting_says_so(tmp_path: Path, store_url: str) -> None:
    add_account(store_url, "office", "credit_office")
    settings = settings_for(tmp_path, store_url, cookie_secure=True, session_ttl_minutes=30)
    with TestClient(create_app(settings), base_url="https://testserver") as secure:
        response = login(secure, "office")
    assert response.status_code == 200
    cookie = response.headers["set-cookie"].lower()
    assert "; secure" in cookie
    assert "max-age=1800" in cookie


def test_unknown_user_wrong_password_and_disabled_account_get_the_same_401(
    client: TestClient, store_url: str
) -> None:
    add_account(store_url, "bank", "market_institution")
    add_account(store_url, "gone", "market_institution")
    engine = make_engine(store_url)
    with transaction(engine) as conn:
        disable_account(conn, "gone", clock=FixedClock(NOW))
    engine.dispose()
    answers = [
        login(client, "nobody"),
        login(client, "bank", PASSWORD + "!"),
        login(client, "gone"),
        login(client, "BANK"),
    ]
    assert [a.status_code for a in answers] == [401] * 4
    assert len({a.json()["detail"] for a in answers}) == 1
    assert all(a.headers["content-type"].startswith("application/problem+json") for a in answers)
    assert all("set-cookie" not in a.headers for a in answers)
    assert PASSWORD not in "".join(a.text for a in answers)
    assert client.get("/api/v1/me").status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"username": "bank"},
        {"username": "", "password": ""},
        {"username": "a", "password": "x" * 5000},
    ],
)
def test_malformed_login_bodies_are_refused_without_echoing_them(
    client: TestClient, body: dict
) -> None:
    response = client.post(LOGIN, json=body)
    assert response.status_code == 422
    assert "x" * 100 not in response.text


def test_me_tells_a_session_caller_who_it_is(client: TestClient, store_url: str) -> None:
    account_id = add_account(store_url, "huaxin", "subject")
    assert login(client, "huaxin").status_code == 200
    me = client.get("/api/v1/me")
    assert me.status_code == 200, me.text
    body = me.json()
    assert body["role"] == "subject"
    assert body["via"] == "session"
    assert body["actor"] == f"account:{account_id} huaxin"
    assert body["display_name"] == "测试 huaxin"
    assert body["subject"]["uscc"] == USCC
    assert body["subject"]["name"] == "苏州华信科技有限公司"


def test_me_tells_a_key_caller_who_it_is(client: TestClient, make_key: MakeKey) -> None:
    key = make_key("data_source", "anhui")
    body = client.get("/api/v1/me", headers={"X-API-Key": key}).json()
    assert (body["role"], body["via"], body["source"], body["province"]) == (
        "data_source",
        "api_key",
        "anhui",
        "34",
    )
    assert body["actor"].startswith("key:")
    assert body["subject"] is None


def test_a_department_session_carries_its_province_and_domain(
    client: TestClient, store_url: str
) -> None:
    add_account(store_url, "dept", "department", province="33", domain="taxation")
    login(client, "dept")
    body = client.get("/api/v1/me").json()
    assert (body["role"], body["province"], body["domain"]) == ("department", "33", "taxation")


def test_logout_needs_the_csrf_token_and_ends_the_session(
    client: TestClient, store_url: str
) -> None:
    add_account(store_url, "office", "credit_office")
    csrf = login(client, "office").json()["csrf_token"]
    token = client.cookies.get(SESSION_COOKIE)
    assert client.delete(LOGIN).status_code == 403
    assert client.delete(LOGIN, headers={"X-CSRF-Token": "wrong"}).status_code == 403
    assert client.get("/api/v1/me").status_code == 200  # still logged in
    response = client.delete(LOGIN, headers={"X-CSRF-Token": csrf})
    assert response.status_code == 204
    cleared = response.headers["set-cookie"].lower()
    assert cleared.startswith(f"{SESSION_COOKIE}=") and "max-age=0" in cleared
    assert client.get("/api/v1/me").status_code == 401
    # The old token no longer holds even if a client kept it.
    client.cookies.set(SESSION_COOKIE, token or "")
    assert client.get("/api/v1/me").status_code == 401
    engine = make_engine(store_url)
    with engine.connect() as conn:
        revoked = conn.execute(select(sessions.c.revoked_at)).scalar_one()
    engine.dispose()
    assert revoked is not None


def test_a_session_expires(app_settings: Settings, store_url: str) -> None:
    add_account(store_url, "office", "credit_office")
    app = create_app(app_settings)
    app.state.clock = FixedClock(NOW)
    with TestClient(app) as client:
        assert login(client, "office").status_code == 200
        assert client.get("/api/v1/me").status_code == 200
        app.state.clock = FixedClock(NOW + dt.timedelta(minutes=479))
        assert client.get("/api/v1/me").status_code == 200
        app.state.clock = FixedClock(NOW + dt.timedelta(minutes=480))
        assert client.get("/api/v1/me").status_code == 401


def test_csrf_guards_cookie_posts_but_not_key_callers(
    client: TestClient, store_url: str, make_key: MakeKey
) -> None:
    """An unsafe request made with the cookie needs the token; the same request with a key does
    not, and a key header wins over a cookie."""
    add_account(store_url, "platform", "data_source", source="shanghai")
    csrf = login(client, "platform").json()["csrf_token"]
    upload = "/api/v1/sources/shanghai/batches"
    sample = {"params": {"file_name": "sample.csv"}, "content": b"a,b\n1,2\n"}
    refused = client.post(upload, **sample)
    assert refused.status_code == 403
    assert "X-CSRF-Token" in refused.json()["detail"]
    allowed = client.post(upload, headers={"X-CSRF-Token": csrf}, **sample)
    assert allowed.status_code not in (401, 403), allowed.text
    key = make_key("data_source", "shanghai")
    client.cookies.clear()
    by_key = client.post(upload, headers={"Authorization": f"Bearer {key}"}, **sample)
    assert by_key.status_code == allowed.status_code
    # A key with a stale or foreign cookie alongside: the key is the caller, no token needed.
    client.cookies.set(SESSION_COOKIE, "A" * 43)
    assert client.post(upload, headers={"X-API-Key": key}, **sample).status_code == (
        allowed.status_code
    )
    assert client.get("/api/v1/me", headers={"X-API-Key": key}).json()["via"] == "api_key"


def test_safe_requests_with_the_cookie_need_no_token(client: TestClient, store_url: str) -> None:
    add_account(store_url, "office", "credit_office")
    login(client, "office")
    assert client.get("/api/v1/audit").status_code == 200


def test_a_stale_cookie_is_no_login(client: TestClient) -> None:
    client.cookies.set(SESSION_COOKIE, "B" * 43)
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/health").status_code == 200
    assert client.get("/api/v1/standard").status_code == 200


def test_a_disabled_account_is_logged_out_at_once(client: TestClient, store_url: str) -> None:
    add_account(store_url, "office", "credit_office")
    login(client, "office")
    engine = make_engine(store_url)
    with transaction(engine) as conn:
        disable_account(conn, "office", clock=FixedClock(NOW))
    engine.dispose()
    assert client.get("/api/v1/me").status_code == 401


def test_the_password_is_never_stored(client: TestClient, store_url: str) -> None:
    add_account(store_url, "office", "credit_office")
    login(client, "office")
    engine = make_engine(store_url)
    with engine.connect() as conn:
        rows = [
            *conn.execute(select(accounts)).all(),
            *conn.execute(select(sessions)).all(),
            *conn.execute(text("SELECT * FROM access_log")).all(),
        ]
    engine.dispose()
    assert PASSWORD not in repr(rows)


def test_repeated_failed_logins_are_throttled_and_the_owner_can_still_log_in_later(
    client: TestClient, store_url: str
) -> None:
    add_account(store_url, "bank", "market_institution")
    answers = [login(client, "bank", f"guess-{i}-wrong-password") for i in range(6)]
    assert [a.status_code for a in answers] == [401] * 5 + [429]
    locked = answers[-1]
    assert locked.headers["content-type"].startswith("application/problem+json")
    assert 0 < int(locked.headers["retry-after"]) <= 15 * 60
    assert "登录失败次数过多" in locked.json()["detail"]
    # Even the right password waits for the lockout to pass; then it works.
    assert login(client, "bank").status_code == 429
    client.app.state.clock = FixedClock(NOW + dt.timedelta(minutes=16))
    assert login(client, "bank").status_code == 200
