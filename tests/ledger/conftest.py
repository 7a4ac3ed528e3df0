"""Ledger fixtures: a small region written straight into a fresh store.

``Region`` holds one Shanghai company (with a legacy organisation code) and one natural person,
and records chosen to test every rule of the public and authority views on :data:`TODAY`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import insert
from sqlalchemy.engine import Connection, Engine

from credit_yrd.clock import FixedClock
from credit_yrd.store.engine import transaction
from credit_yrd.store.legacy import add_legacy_codes
from credit_yrd.store.records import append_version
from credit_yrd.store.schema import accounts, subjects
from credit_yrd.store.subjects import normalise_name, upsert_legal_subject
from tests.ingest.builders import make_org_code, make_resident_id, make_uscc

TODAY = dt.date(2026, 6, 1)
CLOCK = FixedClock(TODAY)
COMPANY_NAME = "上海测试信用科技有限公司"
PERSON_NAME = "张三丰"
PERSON_ID = make_resident_id(7)
PERSON_MASKED = PERSON_ID[:4] + "*" * 10 + PERSON_ID[-4:]
REP_ID = make_resident_id(8)
REP_MASKED = REP_ID[:4] + "*" * 10 + REP_ID[-4:]


@dataclass
class Region:
    uscc: str
    org_code: str
    company_id: int
    person_id: int
    #: record ids by name: shown, withdrawn, old, jiangsu_license, corrected, person_penalty
    records: dict[str, int] = field(default_factory=dict)


def penalty(number: str, decided: str, **extra: Any) -> dict[str, Any]:
    content: dict[str, Any] = {
        "CF_WSH": f"沪市监罚〔2026〕{number}号",
        "CF_XDR_MC": COMPANY_NAME,
        "CF_CFLB": ["罚款"],
        "CF_NR_FK": "50000",
        "CF_JDRQ": decided,
        "CF_CFJG": "上海市市场监督管理局",
        "CF_FRDB": "李四",
        "CF_FR_ZJHM": {"hash": "h-rep", "masked": REP_MASKED},
        "CF_XDR_ZJLX": "身份证",
        "CF_GSZT": "正常",
        "CF_WFXW": "未按规定公示年度报告",
    }
    content.update(extra)
    return content


def build_region(engine: Engine) -> Region:
    uscc = make_uscc(41, division="310115")
    org = make_org_code(41)
    with transaction(engine) as conn:
        company = upsert_legal_subject(conn, uscc, COMPANY_NAME, division="310115", clock=CLOCK)
        add_legacy_codes(conn, [{"legacy_code": org, "uscc": uscc}], clock=CLOCK)
        person = conn.execute(
            insert(subjects)
            .values(
                subject_type="natural_person",
                person_hash="h-person",
                name=PERSON_NAME,
                name_normalised=normalise_name(PERSON_NAME),
                province="31",
                division="310101",
                created_at=CLOCK.now(),
            )
            .returning(subjects.c.id)
        ).scalar_one()
        region = Region(uscc, org, company, int(person))

        def add(name: str, source: str, kind: str, content: dict[str, Any], **kw: Any) -> None:
            result = append_version(
                conn,
                source=source,
                kind=kind,
                source_key=name,
                subject_id=kw.pop("subject_id", company),
                content=content,
                department=kw.pop("department", "上海市市场监督管理局"),
                clock=CLOCK,
                **kw,
            )
            region.records[name] = result.record_id

        add("shown", "shanghai", "penalty", penalty("1", "2026-03-01"))
        add("withdrawn", "shanghai", "penalty", penalty("2", "2026-02-01"))
        add("withdrawn", "shanghai", "penalty", penalty("2", "2026-02-01"), status="withdrawn")
        add("old", "shanghai", "penalty", penalty("3", "2015-03-01"))
        add(
            "jiangsu_license",
            "jiangsu",
            "license",
            {
                "XK_XKWS": "食品经营许可证",
                "XK_WSH": "JY13205830001",
                "XK_XKLB": "普通",
                "XK_JDRQ": "2026-01-10",
                "XK_XKJG": "苏州市市场监督管理局",
                "XK_XDR_MC": COMPANY_NAME,
                "XK_XDR_ZJLX": "身份证",
            },
            department="苏州市市场监督管理局",
        )
        add("corrected", "shanghai", "penalty", penalty("4", "2026-04-01", CF_NR_FK="60000"))
        add(
            "corrected",
            "shanghai",
            "penalty",
            penalty("4", "2026-04-01", CF_NR_FK="70000"),
            status="corrected",
        )
        add(
            "person_penalty",
            "shanghai",
            "penalty",
            penalty(
                "5",
                "2026-03-15",
                CF_XDR_MC=PERSON_NAME,
                CF_XDR_LB="自然人",
                CF_XDR_ZJHM={"hash": "h-person", "masked": PERSON_MASKED},
                CF_WFXW=f"当事人（身份证号 {PERSON_ID}）无证经营",
            ),
            subject_id=region.person_id,
        )
    return region


@pytest.fixture
def store(engine: Engine) -> Engine:
    """The migrated store (the shared ``engine`` fixture of tests/conftest.py)."""
    return engine


@pytest.fixture
def region(store: Engine) -> Region:
    return build_region(store)


def insert_account(
    conn: Connection,
    username: str,
    role: str,
    *,
    subject_id: int | None = None,
    disabled: bool = False,
) -> int:
    """An account row written straight into the store (its password hash is never checked here)."""
    return int(
        conn.execute(
            insert(accounts)
            .values(
                username=username,
                password_hash="$argon2id$not-a-real-hash",
                role=role,
                display_name=username,
                subject_id=subject_id,
                created_at=CLOCK.now(),
                disabled_at=CLOCK.now() if disabled else None,
            )
            .returning(accounts.c.id)
        ).scalar_one()
    )


def add_record(
    conn: Connection,
    name: str,
    *,
    subject_id: int,
    source: str = "shanghai",
    kind: str = "penalty",
    content: dict[str, Any] | None = None,
    domain: str | None = None,
    **kw: Any,
) -> int:
    """One record (its first or next version) for ``subject_id``; returns the record id."""
    result = append_version(
        conn,
        source=source,
        kind=kind,
        source_key=name,
        subject_id=subject_id,
        content=content if content is not None else penalty(name, "2026-03-01"),
        department=kw.pop("department", "上海市市场监督管理局"),
        domain=domain,
        clock=kw.pop("clock", CLOCK),
        **kw,
    )
    return result.record_id
