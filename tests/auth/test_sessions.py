"""Portal sessions: a token for the cookie, kept as a hash, valid until it expires or ends."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from credit_yrd.auth import (
    SESSION_COOKIE,
    create_account,
    disable_account,
    end_session,
    end_sessions_of,
    lookup_session,
    password_hasher,
    start_session,
)
from credit_yrd.auth.roles import Role
from credit_yrd.auth.sessions import hash_token
from credit_yrd.clock import FixedClock
from credit_yrd.store.engine import transaction
from credit_yrd.store.schema import sessions

START = dt.datetime(2026, 6, 1, 9, 0)
AT_START = FixedClock(START)
HOUR = dt.timedelta(hours=1)


@pytest.fixture
def account_id(engine: Engine) -> int:
    with transaction(engine) as conn:
        return create_account(
            conn,
            username="wang.fang",
            password="江南-Delta-2026",
            role="department",
            display_name="上海市市场监督管理局 王芳",
            province="31",
            domain="market_regulation",
            clock=AT_START,
            hasher=password_hasher("fast"),
        )


def test_a_session_is_stored_as_a_hash_and_looked_up_by_its_token(
    engine: Engine, account_id: int
) -> None:
    with transaction(engine) as conn:
        new = start_session(conn, account_id, clock=AT_START, ttl=HOUR)
    assert SESSION_COOKIE == "cyrd_session"
    assert len(new.token) >= 43 and new.csrf_token and new.token != new.csrf_token
    assert new.expires_at == AT_START.now() + HOUR
    with engine.connect() as conn:
        row = conn.execute(select(sessions)).one()
        found = lookup_session(conn, new.token, clock=AT_START)
    assert new.token not in " ".join(str(v) for v in row)
    assert row.token_hash == hash_token(new.token)
    assert found is not None
    principal = found.principal
    assert principal.role is Role.DEPARTMENT
    assert (principal.account_id, principal.session_id) == (account_id, new.session_id)
    assert (principal.province, principal.domain, principal.label) == (
        "31",
        "market_regulation",
        "wang.fang",
    )
    assert principal.via_session and principal.key_id is None
    assert found.csrf_token == new.csrf_token
    assert found.expires_at == new.expires_at


def test_a_session_expires_at_its_time(engine: Engine, account_id: int) -> None:
    with transaction(engine) as conn:
        new = start_session(conn, account_id, clock=AT_START, ttl=HOUR)
    with engine.connect() as conn:
        just_before = FixedClock(START + HOUR - dt.timedelta(seconds=1))
        assert lookup_session(conn, new.token, clock=just_before) is not None
        assert lookup_session(conn, new.token, clock=FixedClock(START + HOUR)) is None
        assert lookup_session(conn, new.token, clock=FixedClock(START + 2 * HOUR)) is None


def test_an_ended_session_is_gone(engine: Engine, account_id: int) -> None:
    with transaction(engine) as conn:
        first = start_session(conn, account_id, clock=AT_START, ttl=HOUR)
        second = start_session(conn, account_id, clock=AT_START, ttl=HOUR)
    with transaction(engine) as conn:
        assert end_session(conn, first.token, clock=AT_START) is True
        assert end_session(conn, first.token, clock=AT_START) is False
        assert lookup_session(conn, first.token, clock=AT_START) is None
        assert lookup_session(conn, second.token, clock=AT_START) is not None
        assert end_sessions_of(conn, account_id, clock=AT_START) == 1
        assert lookup_session(conn, second.token, clock=AT_START) is None


def test_a_disabled_accounts_session_no_longer_holds(engine: Engine, account_id: int) -> None:
    with transaction(engine) as conn:
        new = start_session(conn, account_id, clock=AT_START, ttl=HOUR)
        disable_account(conn, account_id, clock=AT_START)
        assert lookup_session(conn, new.token, clock=AT_START) is None


@pytest.mark.parametrize(
    "token",
    [
        None,
        "",
        "short",
        "x" * 129,
        "a" * 40 + "'; DROP TABLE sessions; --",
        "令牌" * 20,
        "\x00" * 50,
    ],
)
def test_malformed_tokens_find_nothing(engine: Engine, account_id: int, token: str | None) -> None:
    with transaction(engine) as conn:
        start_session(conn, account_id, clock=AT_START, ttl=HOUR)
        assert lookup_session(conn, token, clock=AT_START) is None
        assert end_session(conn, token, clock=AT_START) is False


def test_an_unknown_well_formed_token_finds_nothing(engine: Engine, account_id: int) -> None:
    with engine.connect() as conn:
        assert lookup_session(conn, "A" * 43, clock=AT_START) is None


def test_a_session_lasts_a_positive_time(engine: Engine, account_id: int) -> None:
    with transaction(engine) as conn, pytest.raises(ValueError):
        start_session(conn, account_id, clock=AT_START, ttl=dt.timedelta(0))
