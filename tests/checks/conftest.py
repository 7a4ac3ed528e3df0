"""A small world for the check tests: subjects and list entries written straight into the store.

Entries are inserted as rows (``list_entries`` and their ``list_events``), not through
``credit_yrd.lists``: the check reads the table, whoever wrote it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import insert, update
from sqlalchemy.engine import Connection, Engine

from credit_yrd.clock import FixedClock
from credit_yrd.ids import resident_id
from credit_yrd.privacy import PersonalDataVault
from credit_yrd.standards.loader import get_standard
from credit_yrd.standards.models import Standard
from credit_yrd.store.engine import transaction
from credit_yrd.store.legacy import add_legacy_codes
from credit_yrd.store.schema import list_entries, list_events
from credit_yrd.store.subjects import upsert_legal_subject, upsert_person
from tests.ingest.builders import make_org_code, make_uscc

TODAY = dt.date(2026, 11, 27)
CLOCK = FixedClock(dt.datetime(2026, 11, 27, 10, 0))
VAULT_KEY = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"


def make_resident_id(first17: str = "32010219800101123") -> str:
    return first17 + resident_id.calc_check_character(first17)


def add_entry(
    conn: Connection,
    subject_id: int,
    list_code: str,
    *,
    status: str = "listed",
    listed_on: dt.date | None = dt.date(2026, 1, 1),
    ends_on: dt.date | None = dt.date(2028, 12, 31),
    province: str = "32",
    authority: str = "江苏省生态环境厅",
    decision_number: str | None = "苏环罚〔2026〕1号",
    legal_basis: str = "《企业环境信用评价办法》",
    subject_name: str = "某主体",
    at: dt.datetime | None = None,
) -> int:
    """One entry and its ``listed`` (or ``proposed``) event."""
    now = at or CLOCK.now()
    entry_id = conn.execute(
        insert(list_entries)
        .values(
            list_code=list_code,
            subject_id=subject_id,
            subject_name=subject_name,
            status=status,
            origin="platform",
            authority=authority,
            authority_uscc=None,
            province=province,
            domain="ecology_environment",
            decision_number=decision_number,
            reason="严重失信行为",
            legal_basis=legal_basis,
            proposed_by="test",
            proposed_at=now,
            listed_on=listed_on,
            ends_on=ends_on,
            updated_at=now,
        )
        .returning(list_entries.c.id)
    ).scalar_one()
    conn.execute(
        insert(list_events).values(
            entry_id=entry_id,
            event="listed" if status == "listed" else "proposed",
            at=now,
            actor="test",
        )
    )
    return int(entry_id)


def set_status(conn: Connection, entry_id: int, status: str, **values: Any) -> None:
    """Change an entry as the lists module does: the row, its ``updated_at`` and an event."""
    now = values.pop("at", None) or CLOCK.now()
    conn.execute(
        update(list_entries)
        .where(list_entries.c.id == entry_id)
        .values(status=status, updated_at=now, **values)
    )
    event = {"listed": "listed", "removed": "removed", "withdrawn": "withdrawn"}[status]
    conn.execute(insert(list_events).values(entry_id=entry_id, event=event, at=now, actor="test"))


@dataclass
class World:
    engine: Engine
    standard: Standard
    vault: PersonalDataVault
    black: int  # on the ecology list (black)
    black_uscc: str
    black_org_code: str
    red: int  # on the red list
    red_uscc: str
    clean: int  # no entries
    clean_uscc: str
    person: int  # a natural person on the judgment-defaulter list
    person_id: str
    black_entry: int
    red_entry: int
    person_entry: int


def build_world(engine: Engine) -> World:
    standard = get_standard()
    vault = PersonalDataVault(VAULT_KEY)
    black_uscc, red_uscc, clean_uscc = make_uscc(101), make_uscc(102), make_uscc(103)
    person_id = make_resident_id()
    with transaction(engine) as conn:
        black = upsert_legal_subject(conn, black_uscc, "苏州污染化工有限公司", clock=CLOCK)
        red = upsert_legal_subject(conn, red_uscc, "杭州守信科技有限公司", clock=CLOCK)
        clean = upsert_legal_subject(conn, clean_uscc, "合肥平常贸易有限公司", clock=CLOCK)
        person = upsert_person(conn, vault, person_id, "张三", clock=CLOCK)
        add_legacy_codes(conn, [{"legacy_code": make_org_code(101), "uscc": black_uscc}])
        black_entry = add_entry(conn, black, "ecology_environment", subject_name="苏州污染化工")
        red_entry = add_entry(
            conn,
            red,
            "red_list",
            province="33",
            authority="浙江省发展和改革委员会",
            ends_on=None,
            legal_basis="浙江省守信激励办法",
        )
        person_entry = add_entry(
            conn,
            person,
            "judgment_defaulter",
            province="31",
            authority="上海市第一中级人民法院",
            decision_number="（2026）沪01执1号",
            legal_basis="《最高人民法院关于公布失信被执行人名单信息的若干规定》",
        )
    return World(
        engine=engine,
        standard=standard,
        vault=vault,
        black=black,
        black_uscc=black_uscc,
        black_org_code=make_org_code(101),
        red=red,
        red_uscc=red_uscc,
        clean=clean,
        clean_uscc=clean_uscc,
        person=person,
        person_id=person_id,
        black_entry=black_entry,
        red_entry=red_entry,
        person_entry=person_entry,
    )


@pytest.fixture
def world(engine: Engine) -> Iterator[World]:
    yield build_world(engine)
