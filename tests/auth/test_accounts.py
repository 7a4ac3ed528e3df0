"""Accounts: who may have one, what each role must and must not name, and the password's fate."""

from __future__ import annotations

import datetime as dt

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, text
from sqlalchemy.engine import Engine

from credit_yrd.auth import (
    AccountNotFoundError,
    AccountScopeError,
    ApiKeyError,
    InvalidAccountRoleError,
    InvalidDisplayNameError,
    InvalidDomainError,
    InvalidProvinceError,
    InvalidUsernameError,
    UsernameTakenError,
    WeakPasswordError,
    create_account,
    disable_account,
    get_account,
    list_accounts,
    password_hasher,
    principal_of,
    set_password,
    start_session,
    verify_login,
)
from credit_yrd.auth.roles import Role
from credit_yrd.clock import FixedClock
from credit_yrd.store.engine import transaction
from credit_yrd.store.schema import accounts
from credit_yrd.store.subjects import upsert_legal_subject

CLOCK = FixedClock(dt.datetime(2026, 6, 1, 9, 0))
FAST = password_hasher("fast")
PASSWORD = "梧桐-Plane-2026!"
USCC = "913205836000373417"


def add(conn, **kwargs) -> int:
    values = {
        "username": "zhang.wei",
        "password": PASSWORD,
        "role": "market_institution",
        "display_name": "某银行 张伟",
        "clock": CLOCK,
        "hasher": FAST,
    }
    values.update(kwargs)
    return create_account(conn, **values)


def test_an_account_is_made_with_an_argon2id_hash_and_never_the_password(engine: Engine) -> None:
    with transaction(engine) as conn:
        account_id = add(conn)
        stored = conn.execute(select(accounts).where(accounts.c.id == account_id)).one()
        dump = " ".join(str(v) for v in stored)
    assert stored.password_hash.startswith("$argon2id$")
    assert PASSWORD not in dump
    with engine.connect() as conn:
        info = get_account(conn, "zhang.wei")
    assert info is not None
    assert (info.id, info.role, info.display_name) == (
        account_id,
        "market_institution",
        "某银行 张伟",
    )
    assert info.created_at == CLOCK.now()
    assert "password_hash" not in info.to_dict()
    assert PASSWORD not in str(info.to_dict())


def test_the_right_password_logs_in_and_anything_else_does_not(engine: Engine) -> None:
    with transaction(engine) as conn:
        add(conn)
    with engine.connect() as conn:
        ok = verify_login(conn, "zhang.wei", PASSWORD, clock=CLOCK, hasher=FAST)
        assert ok is not None and ok.username == "zhang.wei"
        assert verify_login(conn, "zhang.wei", PASSWORD + "x", clock=CLOCK, hasher=FAST) is None
        assert verify_login(conn, "zhang.wei", "", clock=CLOCK, hasher=FAST) is None
        assert verify_login(conn, "li.na", PASSWORD, clock=CLOCK, hasher=FAST) is None
        assert verify_login(conn, "", PASSWORD, clock=CLOCK, hasher=FAST) is None
        assert verify_login(conn, "x" * 10_000, "y" * 10_000, clock=CLOCK, hasher=FAST) is None


def test_an_unknown_user_still_costs_one_argon2_verification(engine: Engine) -> None:
    class Counting(PasswordHasher):
        calls = 0

        def verify(self, hash, password):  # type: ignore[no-untyped-def]
            Counting.calls += 1
            return super().verify(hash, password)

    counting = Counting(time_cost=1, memory_cost=1024, parallelism=1)
    with engine.connect() as conn:
        assert (
            verify_login(conn, "nobody", "whatever-password", clock=CLOCK, hasher=counting) is None
        )
    assert Counting.calls == 1


def test_a_disabled_account_cannot_log_in_and_its_sessions_end(engine: Engine) -> None:
    with transaction(engine) as conn:
        account_id = add(conn)
        start_session(conn, account_id, clock=CLOCK, ttl=dt.timedelta(hours=1))
        assert disable_account(conn, "zhang.wei", clock=CLOCK) is True
        assert disable_account(conn, "zhang.wei", clock=CLOCK) is False
        open_sessions = conn.execute(
            text("SELECT count(*) FROM sessions WHERE revoked_at IS NULL")
        ).scalar_one()
    assert open_sessions == 0
    with engine.connect() as conn:
        assert verify_login(conn, "zhang.wei", PASSWORD, clock=CLOCK, hasher=FAST) is None
        info = get_account(conn, account_id)
        assert info is not None and not info.active
        assert [a.username for a in list_accounts(conn, include_disabled=False)] == []
        assert [a.username for a in list_accounts(conn)] == ["zhang.wei"]


def test_a_new_password_replaces_the_old_one_and_ends_sessions(engine: Engine) -> None:
    with transaction(engine) as conn:
        account_id = add(conn)
        start_session(conn, account_id, clock=CLOCK, ttl=dt.timedelta(hours=1))
        set_password(conn, "zhang.wei", "另一个口令-Second-1", clock=CLOCK, hasher=FAST)
        open_sessions = conn.execute(
            text("SELECT count(*) FROM sessions WHERE revoked_at IS NULL")
        ).scalar_one()
    assert open_sessions == 0
    with engine.connect() as conn:
        assert verify_login(conn, "zhang.wei", PASSWORD, clock=CLOCK, hasher=FAST) is None
        assert verify_login(conn, "zhang.wei", "另一个口令-Second-1", clock=CLOCK, hasher=FAST)
    with transaction(engine) as conn, pytest.raises(AccountNotFoundError):
        set_password(conn, "nobody", "another-password", clock=CLOCK, hasher=FAST)


def test_a_hash_made_with_weaker_parameters_is_upgraded_at_login(engine: Engine) -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=512, parallelism=1)
    with transaction(engine) as conn:
        add(conn, hasher=weak)
    with transaction(engine) as conn:
        assert verify_login(conn, "zhang.wei", PASSWORD, clock=CLOCK, hasher=FAST) is not None
        stored = conn.execute(select(accounts.c.password_hash)).scalar_one()
    assert not FAST.check_needs_rehash(stored)
    assert "m=1024" in stored


@pytest.mark.parametrize("username", ["ab", "x" * 65, "张伟", "zhang wei", "a/b", "", "   "])
def test_usernames_are_3_to_64_plain_characters(engine: Engine, username: str) -> None:
    with transaction(engine) as conn, pytest.raises(InvalidUsernameError):
        add(conn, username=username)


def test_a_username_is_taken_once_whatever_its_case(engine: Engine) -> None:
    with transaction(engine) as conn:
        add(conn)
    with transaction(engine) as conn, pytest.raises(UsernameTakenError, match=r"zhang\.wei"):
        add(conn)
    with transaction(engine) as conn, pytest.raises(UsernameTakenError):
        add(conn, username="Zhang.Wei")


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("short-1", "至少 10"),
        ("my-zhang.wei-pass", "用户名"),
        ("MY-ZHANG.WEI-PASS", "用户名"),
        ("aaaaaaaaaaaa", "同一个字符"),
        ("x" * 2000, "不得超过"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(
    engine: Engine, password: str, why: str
) -> None:
    with transaction(engine) as conn, pytest.raises(WeakPasswordError, match=why):
        add(conn, password=password)


def test_public_is_not_an_account_role(engine: Engine) -> None:
    with transaction(engine) as conn, pytest.raises(InvalidAccountRoleError, match="public"):
        add(conn, role="public")
    with transaction(engine) as conn, pytest.raises(InvalidDisplayNameError):
        add(conn, display_name="  ")


def test_a_department_needs_a_province_and_a_domain_of_the_standard(engine: Engine) -> None:
    with transaction(engine) as conn:
        account_id = add(
            conn, role="department", province="31", domain="市场监管", display_name="上海市场监管"
        )
        info = get_account(conn, account_id)
    assert info is not None
    assert (info.province, info.domain) == ("31", "market_regulation")
    principal = principal_of(info, session_id=7)
    assert principal.role is Role.DEPARTMENT
    assert (principal.province, principal.domain, principal.session_id) == (
        "31",
        "market_regulation",
        7,
    )
    assert principal.actor == f"account:{account_id} zhang.wei"
    assert principal.key_id is None
    for missing in ({"province": "31"}, {"domain": "taxation"}):
        with transaction(engine) as conn, pytest.raises(AccountScopeError):
            add(conn, username="dept2", role="department", **missing)
    with transaction(engine) as conn, pytest.raises(InvalidDomainError, match="market_regulation"):
        add(conn, username="dept3", role="department", province="31", domain="fishing")
    with transaction(engine) as conn, pytest.raises(InvalidProvinceError):
        add(conn, username="dept4", role="department", province="11x", domain="taxation")
    with transaction(engine) as conn, pytest.raises(AccountScopeError, match="source"):
        add(
            conn,
            username="dept5",
            role="department",
            province="31",
            domain="taxation",
            source="shanghai",
        )


def test_a_credit_office_covers_a_province_or_the_whole_region(engine: Engine) -> None:
    with transaction(engine) as conn:
        regional = add(conn, username="office", role="credit_office")
        provincial = add(conn, username="office-32", role="credit_office", province="32")
        infos = {a.id: a for a in list_accounts(conn)}
    assert infos[regional].province is None
    assert infos[provincial].province == "32"
    with transaction(engine) as conn, pytest.raises(AccountScopeError, match="domain"):
        add(conn, username="office-x", role="credit_office", domain="taxation")
    with transaction(engine) as conn, pytest.raises(ApiKeyError):
        add(conn, username="office-y", role="credit_office", province="99")


def test_a_data_source_account_takes_its_sources_province(engine: Engine) -> None:
    with transaction(engine) as conn:
        account_id = add(conn, role="data_source", source="jiangsu")
        info = get_account(conn, account_id)
    assert info is not None and (info.source, info.province) == ("jiangsu", "32")
    with transaction(engine) as conn, pytest.raises(AccountScopeError, match="shanghai"):
        add(conn, username="src2", role="data_source", source="nowhere")
    with transaction(engine) as conn, pytest.raises(AccountScopeError, match="source"):
        add(conn, username="src3", role="data_source")
    with transaction(engine) as conn, pytest.raises(AccountScopeError, match="province"):
        add(conn, username="src4", role="data_source", source="jiangsu", province="32")


def test_a_subject_account_speaks_for_an_existing_subject(engine: Engine) -> None:
    with transaction(engine) as conn:
        subject_id = upsert_legal_subject(conn, USCC, "苏州华信科技有限公司", clock=CLOCK)
        account_id = add(conn, role="subject", subject_id=subject_id)
        info = get_account(conn, account_id)
    assert info is not None and info.subject_id == subject_id
    assert principal_of(info).subject_id == subject_id
    with transaction(engine) as conn, pytest.raises(AccountScopeError, match="subject"):
        add(conn, username="subj2", role="subject")
    with transaction(engine) as conn, pytest.raises(AccountScopeError, match="999999"):
        add(conn, username="subj3", role="subject", subject_id=999_999)
    with transaction(engine) as conn, pytest.raises(AccountScopeError, match="province"):
        add(conn, username="subj4", role="subject", subject_id=subject_id, province="32")


def test_a_market_institution_names_no_scope(engine: Engine) -> None:
    with transaction(engine) as conn, pytest.raises(AccountScopeError, match="province"):
        add(conn, province="31")
    with transaction(engine) as conn, pytest.raises(AccountScopeError, match="subject"):
        add(conn, subject_id=1)


def test_the_standard_hasher_is_argon2id_with_library_defaults() -> None:
    standard = password_hasher("standard")
    assert standard.time_cost == PasswordHasher().time_cost
    assert standard.memory_cost == PasswordHasher().memory_cost
    assert password_hasher("fast").memory_cost < standard.memory_cost
