"""Subjects' authorisations of market institutions: recorded, time-limited, revocable."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from credit_yrd.auth.api_keys import create_key, revoke_key
from credit_yrd.auth.authorisations import (
    AuthorisationNotFoundError,
    InvalidAuthorisationPurposeError,
    InvalidExpiryError,
    InvalidGranteeError,
    UnknownSubjectError,
    active_for,
    find_institution,
    grant,
    list_for_grantee,
    list_for_subject,
    one_year_after,
    revoke,
)
from credit_yrd.auth.principal import Principal
from credit_yrd.auth.roles import Role
from credit_yrd.clock import FixedClock
from credit_yrd.store.engine import transaction
from credit_yrd.store.schema import authorisations
from tests.ledger.conftest import CLOCK, Region, build_region, insert_account

NOW = CLOCK.now()


@pytest.fixture
def world(engine: Engine) -> tuple[Engine, Region, dict[str, int]]:
    region = build_region(engine)
    with transaction(engine) as conn:
        ids = {
            "bank": insert_account(conn, "bank-sh", "market_institution"),
            "closed": insert_account(conn, "bank-closed", "market_institution", disabled=True),
            "dept": insert_account(conn, "dept-sh", "department"),
            "own": insert_account(conn, "own", "subject", subject_id=region.company_id),
        }
        ids["key"], _ = create_key(conn, role="market_institution", label="某银行", clock=CLOCK)
        ids["old_key"], _ = create_key(conn, role="market_institution", label="旧", clock=CLOCK)
        revoke_key(conn, ids["old_key"], clock=CLOCK)
        ids["office_key"], _ = create_key(conn, role="credit_office", label="信用办", clock=CLOCK)
    return engine, region, ids


def bank(account_id: int) -> Principal:
    return Principal(
        role=Role.MARKET_INSTITUTION, key_id=None, label="bank-sh", account_id=account_id
    )


def make(engine: Engine, subject_id: int, **kw: object) -> int:
    values: dict[str, object] = {
        "purpose": "贷款审批",
        "expires_at": NOW + dt.timedelta(days=90),
        "granted_by": "account:4 own",
        "clock": CLOCK,
    }
    values.update(kw)
    with transaction(engine) as conn:
        return grant(conn, subject_id=subject_id, **values)  # type: ignore[arg-type]


def test_grant_records_who_whom_why_and_until_when(world) -> None:
    engine, region, ids = world
    made = make(engine, region.company_id, grantee_account_id=ids["bank"], purpose="  贷款  审批 ")
    with engine.connect() as conn:
        found = active_for(conn, subject_id=region.company_id, principal=bank(ids["bank"]), at=NOW)
        assert found is not None and found.id == made
        assert found.purpose == "贷款 审批" and found.granted_by == "account:4 own"
        assert found.granted_at == NOW and found.expires_at == NOW + dt.timedelta(days=90)
        assert found.grantee == f"account:{ids['bank']} bank-sh"
        assert found.subject_name == "上海测试信用科技有限公司"
        assert found.log_purpose == f"授权#{made}: 贷款 审批"
        assert found.status(NOW) == "active"


@pytest.mark.parametrize(
    ("grantee", "message"),
    [
        ({}, "exactly one"),
        ({"grantee_account_id": "bank", "grantee_key_id": "key"}, "exactly one"),
        ({"grantee_account_id": 10**6}, "not an active market institution"),
        ({"grantee_key_id": 10**6}, "not an active market institution"),
        ({"grantee_account_id": "dept"}, "not an active market institution"),
        ({"grantee_account_id": "own"}, "not an active market institution"),
        ({"grantee_key_id": "office_key"}, "not an active market institution"),
        ({"grantee_account_id": "closed"}, "not an active market institution"),
        ({"grantee_key_id": "old_key"}, "not an active market institution"),
    ],
)
def test_only_an_active_market_institution_can_be_authorised(
    world, grantee: dict[str, object], message: str
) -> None:
    engine, region, ids = world
    named = {k: ids[v] if isinstance(v, str) else v for k, v in grantee.items()}
    with pytest.raises(InvalidGranteeError, match=message):
        make(engine, region.company_id, **named)
    with engine.connect() as conn:
        assert list(conn.execute(select(authorisations))) == []


@pytest.mark.parametrize(
    ("expires_at", "message"),
    [
        (NOW, "future"),
        (NOW - dt.timedelta(days=1), "future"),
        (one_year_after(NOW) + dt.timedelta(seconds=1), "one year"),
        (NOW.replace(tzinfo=None) + dt.timedelta(days=1), "time zone"),
    ],
)
def test_the_expiry_is_ahead_and_within_a_year(world, expires_at, message: str) -> None:
    engine, region, ids = world
    with pytest.raises(InvalidExpiryError, match=message):
        make(engine, region.company_id, grantee_account_id=ids["bank"], expires_at=expires_at)
    # exactly one year is allowed
    make(engine, region.company_id, grantee_account_id=ids["bank"], expires_at=one_year_after(NOW))


@pytest.mark.parametrize("purpose", ["", "   ", "x" * 501])
def test_the_purpose_is_required_and_bounded(world, purpose: str) -> None:
    engine, region, ids = world
    with pytest.raises(InvalidAuthorisationPurposeError):
        make(engine, region.company_id, grantee_account_id=ids["bank"], purpose=purpose)


def test_an_unknown_subject_cannot_grant(world) -> None:
    engine, _, ids = world
    with pytest.raises(UnknownSubjectError):
        make(engine, 10**6, grantee_account_id=ids["bank"])


def test_one_year_after_a_leap_day() -> None:
    leap = dt.datetime(2028, 2, 29, 12, tzinfo=dt.UTC)
    assert one_year_after(leap) == dt.datetime(2029, 2, 28, 12, tzinfo=dt.UTC)


def test_revoke_ends_it_and_only_the_subject_can(world) -> None:
    engine, region, ids = world
    made = make(engine, region.company_id, grantee_account_id=ids["bank"])
    later = FixedClock(NOW + dt.timedelta(hours=1))
    with transaction(engine) as conn:
        with pytest.raises(AuthorisationNotFoundError):
            revoke(conn, made, subject_id=region.person_id, clock=later)
        with pytest.raises(AuthorisationNotFoundError):
            revoke(conn, 10**6, subject_id=region.company_id, clock=later)
        assert active_for(conn, subject_id=region.company_id, principal=bank(ids["bank"]), at=NOW)
        assert revoke(conn, made, subject_id=region.company_id, clock=later) is True
        assert revoke(conn, made, subject_id=region.company_id, clock=later) is False
    with engine.connect() as conn:
        at = later.now() + dt.timedelta(seconds=1)
        who = bank(ids["bank"])
        assert active_for(conn, subject_id=region.company_id, principal=who, at=at) is None
        (kept,) = list_for_subject(conn, region.company_id)
        assert kept.revoked_at == later.now() and kept.status(at) == "revoked"


def test_active_for_matches_the_grantee_the_subject_and_the_time(world) -> None:
    engine, region, ids = world
    make(engine, region.company_id, grantee_key_id=ids["key"], expires_at=NOW + dt.timedelta(1))
    by_key = Principal(role=Role.MARKET_INSTITUTION, key_id=ids["key"], label="某银行")
    as_office = Principal(role=Role.CREDIT_OFFICE, key_id=ids["key"], label="x")
    with engine.connect() as conn:
        cid = region.company_id
        assert active_for(conn, subject_id=cid, principal=by_key, at=NOW) is not None
        assert active_for(conn, subject_id=region.person_id, principal=by_key, at=NOW) is None
        assert active_for(conn, subject_id=cid, principal=bank(ids["bank"]), at=NOW) is None
        assert active_for(conn, subject_id=cid, principal=as_office, at=NOW) is None
        assert active_for(conn, subject_id=cid, principal=None, at=NOW) is None
        expiry = NOW + dt.timedelta(days=1)
        assert active_for(conn, subject_id=cid, principal=by_key, at=expiry) is None
        before = NOW - dt.timedelta(seconds=1)
        assert active_for(conn, subject_id=cid, principal=by_key, at=before) is None


def test_lists_for_the_subject_and_for_the_grantee(world) -> None:
    engine, region, ids = world
    first = make(engine, region.company_id, grantee_account_id=ids["bank"])
    short = make(
        engine,
        region.person_id,
        grantee_account_id=ids["bank"],
        expires_at=NOW + dt.timedelta(hours=1),
    )
    third = make(engine, region.company_id, grantee_key_id=ids["key"])
    newest = make(engine, region.person_id, grantee_account_id=ids["bank"])
    with transaction(engine) as conn:
        conn.execute(
            update(authorisations)
            .where(authorisations.c.id == newest)
            .values(revoked_at=NOW + dt.timedelta(minutes=1))
        )
    at = NOW + dt.timedelta(hours=2)
    with engine.connect() as conn:
        assert [a.id for a in list_for_subject(conn, region.company_id)] == [third, first]
        mine = list_for_grantee(conn, bank(ids["bank"]), at=at)
        # in force first (first), then the others newest first (newest: revoked; short: expired)
        assert [a.id for a in mine] == [first, newest, short]
        assert [a.status(at) for a in mine] == ["active", "revoked", "expired"]
        assert (
            list_for_grantee(conn, Principal(role=Role.SUBJECT, key_id=None, label="x"), at=at)
            == []
        )


def test_find_institution(world) -> None:
    engine, _, ids = world
    with engine.connect() as conn:
        assert find_institution(conn, username="bank-sh") == (ids["bank"], None)
        assert find_institution(conn, key_id=ids["key"]) == (None, ids["key"])
        with pytest.raises(InvalidGranteeError):
            find_institution(conn, username="nobody")
        with pytest.raises(InvalidGranteeError):
            find_institution(conn)


def test_the_answer_does_not_tell_which_accounts_exist(world) -> None:
    """A subject naming an institution learns only that it cannot be authorised, not whether the
    account exists, holds another role or was disabled."""
    from credit_yrd.auth.authorisations import find_institution

    engine, region, ids = world
    answers = []
    with engine.connect() as conn:
        with pytest.raises(InvalidGranteeError) as unknown:
            find_institution(conn, username="no-such-bank")
        answers.append(unknown.value.message_en.split(" is ", 1)[1])
    for name in ("dept", "closed"):
        with pytest.raises(InvalidGranteeError) as caught:
            make(engine, region.company_id, grantee_account_id=ids[name])
        answers.append(caught.value.message_en.split(" is ", 1)[1])
    assert len(set(answers)) == 1, answers
