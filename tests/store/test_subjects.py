"""Subjects: get-or-create by USCC or by the keyed hash of an ID number; lookup via legacy codes."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from credit_yrd.privacy import PersonalDataVault, TamperedDataError
from credit_yrd.store.engine import transaction
from credit_yrd.store.errors import StoreError
from credit_yrd.store.legacy import add_legacy_codes
from credit_yrd.store.schema import subjects
from credit_yrd.store.subjects import (
    find_person,
    find_subject,
    normalise_name,
    reveal_resident_id,
    upsert_legal_subject,
    upsert_person,
)

USCC = "91310115MA1K3YJ12X"
RESIDENT_ID = "11010519491231002X"
OTHER_ID = "310101199001011234"


def test_legal_subject_is_created_once(engine, clock) -> None:
    with transaction(engine) as conn:
        first = upsert_legal_subject(
            conn, USCC, "上海浦江科技有限公司", "legal_person", "310115", clock=clock
        )
        again = upsert_legal_subject(
            conn, f" {USCC.lower()} ", "上海浦江科技（集团）有限公司", "legal_person", "310115"
        )
    assert first == again
    with engine.connect() as conn:
        row = conn.execute(select(subjects).where(subjects.c.id == first)).one()
        count = conn.execute(select(func.count()).select_from(subjects)).scalar()
    assert count == 1
    assert row.name == "上海浦江科技有限公司"  # the first name is kept; later names are record data
    assert (row.province, row.division, row.subject_type) == ("31", "310115", "legal_person")
    assert row.created_at == clock.now()
    assert row.person_hash is None and row.person_id_enc is None


@pytest.mark.parametrize(
    ("uscc", "subject_type", "division"),
    [
        ("9131011", "legal_person", None),
        (USCC, "natural_person", None),
        (USCC, "company", None),
        (USCC, "legal_person", "3101"),
    ],
)
def test_legal_subject_input_is_checked(engine, uscc, subject_type, division) -> None:
    with pytest.raises(StoreError), transaction(engine) as conn:
        upsert_legal_subject(conn, uscc, "某公司", subject_type, division)


def test_person_is_found_by_hash_and_number_is_stored_encrypted(engine, vault, clock) -> None:
    with transaction(engine) as conn:
        person = upsert_person(conn, vault, RESIDENT_ID, "张三", clock=clock)
        same = upsert_person(conn, vault, "11010519491231002x", "张三")
        other = upsert_person(conn, vault, OTHER_ID, "李四")
    assert person == same != other
    with engine.connect() as conn:
        row = conn.execute(select(subjects).where(subjects.c.id == person)).one()
        assert find_person(conn, vault, RESIDENT_ID).id == person
        assert find_person(conn, vault, "110105194912310021") is None
    assert row.subject_type == "natural_person"
    assert row.person_hash == vault.hash_id(RESIDENT_ID)
    assert RESIDENT_ID.encode() not in bytes(row.person_id_enc)
    assert RESIDENT_ID not in row.person_hash
    assert row.uscc is None


def test_reveal_resident_id(engine, vault) -> None:
    with transaction(engine) as conn:
        person = upsert_person(conn, vault, RESIDENT_ID, "张三")
        company = upsert_legal_subject(conn, USCC, "某公司")
    with engine.connect() as conn:
        assert reveal_resident_id(conn, vault, person) == RESIDENT_ID
        with pytest.raises(StoreError):
            reveal_resident_id(conn, vault, company)
        with pytest.raises(StoreError):
            reveal_resident_id(conn, vault, 999_999)
        other_key = PersonalDataVault("ab" * 32)
        with pytest.raises(TamperedDataError):
            reveal_resident_id(conn, other_key, person)


def test_reveal_refuses_a_number_moved_from_another_person(engine, vault) -> None:
    with transaction(engine) as conn:
        zhang = upsert_person(conn, vault, RESIDENT_ID, "张三")
        li = upsert_person(conn, vault, OTHER_ID, "李四")
        blob = conn.execute(
            select(subjects.c.person_id_enc).where(subjects.c.id == li)
        ).scalar_one()
        conn.execute(update(subjects).where(subjects.c.id == zhang).values(person_id_enc=blob))
    with engine.connect() as conn, pytest.raises(TamperedDataError):
        reveal_resident_id(conn, vault, zhang)


def test_find_subject_by_uscc_and_by_legacy_codes(engine, clock) -> None:
    with transaction(engine) as conn:
        subject_id = upsert_legal_subject(conn, USCC, "上海浦江科技有限公司", division="310115")
        add_legacy_codes(
            conn,
            [
                {"legacy_code": "MA1K3YJ1-2", "uscc": USCC, "source": "shanghai"},
                {"legacy_code": "310115000123456", "uscc": USCC},
            ],
            clock=clock,
        )
    with engine.connect() as conn:
        assert find_subject(conn, USCC).id == subject_id
        assert find_subject(conn, USCC.lower()).id == subject_id
        assert find_subject(conn, "MA1K3YJ1-2").id == subject_id
        assert find_subject(conn, "ma1k3yj12").id == subject_id
        assert find_subject(conn, "310115000123456").id == subject_id
        assert find_subject(conn, "310115000999999") is None
        assert find_subject(conn, "91320000MA1XXXXX0X") is None
        assert find_subject(conn, "") is None


def test_normalise_name() -> None:
    assert normalise_name("上海浦江科技（集团） 有限公司") == "上海浦江科技(集团)有限公司"
    assert normalise_name("ＡＢＣ Trading Co.") == "abctradingco."
