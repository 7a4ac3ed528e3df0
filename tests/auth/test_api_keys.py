"""API keys: shown once, stored as a hash only, checked in constant time, revocable."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from credit_yrd.api.access import Role
from credit_yrd.auth import (
    ApiKeyError,
    DepartmentScopeRequiredError,
    InvalidLabelError,
    InvalidProvinceError,
    InvalidRoleError,
    KeyNotFoundError,
    Principal,
    SourceNotAllowedError,
    SourceRequiredError,
    UnknownKeySourceError,
    authenticate,
    create_key,
    get_key,
    list_keys,
    revoke_key,
)
from credit_yrd.clock import FixedClock
from credit_yrd.store.engine import transaction
from credit_yrd.store.schema import api_keys

CLOCK = FixedClock(dt.datetime(2026, 3, 1, 9, 30))
LATER = FixedClock(dt.datetime(2026, 3, 2, 9, 30))
KEY_SHAPE = re.compile(r"^cyk_[0-9a-f]{12}_[A-Za-z0-9_\-]{43}$")


def make(engine: Engine, **kwargs: object) -> tuple[int, str]:
    kwargs.setdefault("label", "测试密钥")
    with transaction(engine) as conn:
        return create_key(conn, clock=CLOCK, **kwargs)  # type: ignore[arg-type]


def auth(engine: Engine, presented: str | None) -> Principal | None:
    with engine.connect() as conn:
        return authenticate(conn, presented)


def test_a_key_is_stored_as_its_hash_only(engine: Engine) -> None:
    key_id, plaintext = make(engine, role="data_source", source="jiangsu", label="江苏平台")
    assert KEY_SHAPE.match(plaintext), plaintext
    with engine.connect() as conn:
        row = conn.execute(select(api_keys).where(api_keys.c.id == key_id)).one()
    assert row.key_hash == hashlib.sha256(plaintext.encode()).hexdigest()
    assert plaintext.split("_")[1] == row.prefix
    secret = plaintext.split("_", 2)[2]
    for value in row:
        assert plaintext not in str(value)
        assert secret not in str(value)


def test_two_keys_differ(engine: Engine) -> None:
    (_, first), (_, second) = make(engine, role="credit_office"), make(engine, role="credit_office")
    assert first != second
    assert first.split("_")[1] != second.split("_")[1]


def test_a_data_source_key_takes_its_sources_province(engine: Engine) -> None:
    key_id, plaintext = make(engine, role="data_source", source="jiangsu", label="江苏平台")
    assert auth(engine, plaintext) == Principal(
        role=Role.DATA_SOURCE, key_id=key_id, label="江苏平台", source="jiangsu", province="32"
    )
    _, national = make(engine, role="data_source", source="national")
    principal = auth(engine, national)
    assert principal is not None
    assert (principal.source, principal.province) == ("national", None)


def test_other_roles(engine: Engine) -> None:
    key_id, plaintext = make(
        engine, role=Role.DEPARTMENT, province="33", domain="市场监管", label="浙江市场监管"
    )
    principal = auth(engine, plaintext)
    assert principal == Principal(
        role=Role.DEPARTMENT,
        key_id=key_id,
        label="浙江市场监管",
        source=None,
        province="33",
        domain="market_regulation",
    )
    _, office = make(engine, role="credit_office")
    assert auth(engine, office) is not None
    assert auth(engine, office).role is Role.CREDIT_OFFICE  # type: ignore[union-attr]


def test_a_key_with_spaces_around_it_still_holds(engine: Engine) -> None:
    _, plaintext = make(engine, role="credit_office")
    assert auth(engine, f"  {plaintext} ") is not None


@pytest.mark.parametrize(
    "presented",
    [
        None,
        "",
        "cyk_",
        "Bearer x",
        "cyk_000000000000_" + "A" * 43,
        "cyk_" + "a" * 300,
        "x" * 10_000,
    ],
)
def test_malformed_or_unknown_keys_are_refused(engine: Engine, presented: str | None) -> None:
    make(engine, role="credit_office")
    assert auth(engine, presented) is None


def test_a_changed_secret_is_refused(engine: Engine) -> None:
    _, plaintext = make(engine, role="credit_office")
    changed = plaintext[:-1] + ("A" if plaintext[-1] != "A" else "B")
    assert auth(engine, changed) is None
    other_prefix = plaintext.replace(plaintext.split("_")[1], "0" * 12, 1)
    assert auth(engine, other_prefix) is None


def test_a_revoked_key_is_refused(engine: Engine) -> None:
    key_id, plaintext = make(engine, role="data_source", source="anhui")
    assert auth(engine, plaintext) is not None
    with transaction(engine) as conn:
        assert revoke_key(conn, key_id, clock=LATER) is True
        assert revoke_key(conn, key_id, clock=LATER) is False  # already revoked: no change
    assert auth(engine, plaintext) is None
    with engine.connect() as conn:
        info = get_key(conn, key_id)
    assert info is not None
    assert info.revoked_at == LATER.now()
    assert not info.active


def test_revoking_an_unknown_key(engine: Engine) -> None:
    with transaction(engine) as conn, pytest.raises(KeyNotFoundError) as caught:
        revoke_key(conn, 4242, clock=CLOCK)
    assert "4242" in caught.value.message_zh and "no key" in caught.value.message_en


def test_list_keys_never_shows_the_hash(engine: Engine) -> None:
    first, _ = make(engine, role="data_source", source="shanghai", label="上海平台")
    second, _ = make(engine, role="market_institution", label="某银行")
    with transaction(engine) as conn:
        revoke_key(conn, first, clock=LATER)
    with engine.connect() as conn:
        every = list_keys(conn)
        active = list_keys(conn, include_revoked=False)
        hashes = set(conn.execute(select(api_keys.c.key_hash)).scalars())
    assert [k.id for k in every] == [first, second]
    assert [k.id for k in active] == [second]
    assert every[0].source == "shanghai" and every[0].province == "31"
    assert every[0].created_at == CLOCK.now()
    for info in every:
        shown = info.to_dict()
        assert "key_hash" not in shown and not hasattr(info, "key_hash")
        assert not hashes & {str(v) for v in shown.values()}
    assert every[0].to_dict()["active"] is False


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"role": "public"}, InvalidRoleError),
        ({"role": "subject"}, InvalidRoleError),
        ({"role": "admin"}, InvalidRoleError),
        ({"role": "data_source"}, SourceRequiredError),
        ({"role": "data_source", "source": "  "}, SourceRequiredError),
        ({"role": "data_source", "source": "fujian"}, UnknownKeySourceError),
        ({"role": "data_source", "source": "jiangsu", "province": "31"}, InvalidProvinceError),
        ({"role": "department", "source": "jiangsu"}, SourceNotAllowedError),
        ({"role": "department", "province": "99"}, InvalidProvinceError),
        ({"role": "department", "province": "3a"}, InvalidProvinceError),
        ({"role": "department", "province": "310000"}, InvalidProvinceError),
        ({"role": "department", "domain": "taxation"}, DepartmentScopeRequiredError),
        ({"role": "department", "province": "33"}, DepartmentScopeRequiredError),
        ({"role": "credit_office", "label": "   "}, InvalidLabelError),
        ({"role": "credit_office", "label": "长" * 201}, InvalidLabelError),
    ],
)
def test_invalid_requests_are_typed_bilingual_errors(
    engine: Engine, kwargs: dict[str, object], error: type[ApiKeyError]
) -> None:
    with pytest.raises(error) as caught:
        make(engine, **kwargs)
    message = caught.value
    assert re.search(r"[\u4e00-\u9fff]", message.message_zh)
    assert message.message_en != message.message_zh
    assert re.fullmatch(r"[\x20-\x7e]+", message.message_en.replace("长", "")), message.message_en
    with engine.connect() as conn:
        assert list_keys(conn) == []


def test_a_matching_province_is_accepted_for_a_data_source(engine: Engine) -> None:
    _, plaintext = make(engine, role="data_source", source="zhejiang", province="33")
    principal = auth(engine, plaintext)
    assert principal is not None and principal.province == "33"
