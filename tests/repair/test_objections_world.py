"""The small region the objection tests stand on (no tests here; imported by test_objections*).

A Shanghai company with a market-regulation penalty (``penalty``) whose legal representative is a
natural person of the store (named by the keyed hash of his ID number), a registration-like record
without a domain (``cross``, Shanghai licence: credit office only), and a Jiangsu company with a
penalty of its own; the handlers of both provinces.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection, Engine

from credit_yrd.auth.principal import Principal
from credit_yrd.auth.roles import Role
from credit_yrd.clock import FixedClock
from credit_yrd.settings import Settings
from credit_yrd.standards.loader import get_standard
from credit_yrd.standards.models import Standard
from credit_yrd.store.engine import transaction
from credit_yrd.store.records import append_version
from credit_yrd.store.schema import list_entries, repair_applications, subjects
from credit_yrd.store.subjects import normalise_name, upsert_legal_subject
from tests.ingest.builders import make_resident_id, make_uscc
from tests.ledger.conftest import insert_account, penalty

TODAY = dt.date(2026, 6, 1)
COMPANY = "上海测试信用科技有限公司"
JS_COMPANY = "苏州异议测试贸易有限公司"
REP_NAME = "李四光"
REP_ID = make_resident_id(31)
REP_HASH = "h-objection-rep"
AMR_NAME = "上海市市场监督管理局"


def department(n: int, province: str, domain: str) -> Principal:
    return Principal(
        role=Role.DEPARTMENT,
        key_id=n,
        label=f"dept {province}-{domain}",
        province=province,
        domain=domain,
    )


def office(n: int, province: str | None) -> Principal:
    return Principal(
        role=Role.CREDIT_OFFICE, key_id=n, label=f"office {province}", province=province
    )


def subject_principal(subject_id: int, account_id: int) -> Principal:
    return Principal(
        role=Role.SUBJECT,
        key_id=None,
        account_id=account_id,
        label=f"subject-{subject_id}",
        subject_id=subject_id,
    )


@dataclass
class World:
    engine: Engine
    standard: Standard
    settings: Settings
    company: int
    company_uscc: str
    js_company: int
    rep: int
    #: account ids by subject id (a second account of the company under key -1)
    accounts: dict[int, int] = field(default_factory=dict)
    records: dict[str, int] = field(default_factory=dict)
    sh_amr: Principal = field(default_factory=lambda: department(1, "31", "market_regulation"))
    js_amr: Principal = field(default_factory=lambda: department(2, "32", "market_regulation"))
    sh_hr: Principal = field(default_factory=lambda: department(3, "31", "human_resources"))
    sh_office: Principal = field(default_factory=lambda: office(4, "31"))
    js_office: Principal = field(default_factory=lambda: office(5, "32"))
    region_office: Principal = field(default_factory=lambda: office(6, None))

    @property
    def me(self) -> Principal:
        return subject_principal(self.company, self.accounts[self.company])

    @property
    def me_again(self) -> Principal:
        """Another account of the same company."""
        return subject_principal(self.company, self.accounts[-1])

    @property
    def js_me(self) -> Principal:
        return subject_principal(self.js_company, self.accounts[self.js_company])

    @property
    def rep_me(self) -> Principal:
        return subject_principal(self.rep, self.accounts[self.rep])


def company_penalty(number: str, decided: str, **extra: Any) -> dict[str, Any]:
    content = penalty(number, decided, **extra)
    content.update(
        CF_SSLY="market_regulation",
        CF_CFJG=AMR_NAME,
        CF_FRDB=REP_NAME,
        CF_FR_ZJHM={"hash": REP_HASH, "masked": REP_ID[:4] + "*" * 10 + REP_ID[-4:]},
    )
    content.update(extra)
    return content


def build_world(engine: Engine, tmp_path: Path) -> World:
    clock = FixedClock(TODAY)
    uscc = make_uscc(61, division="310115")
    with transaction(engine) as conn:
        company = upsert_legal_subject(conn, uscc, COMPANY, division="310115", clock=clock)
        js = upsert_legal_subject(
            conn, make_uscc(62, division="320583"), JS_COMPANY, division="320583", clock=clock
        )
        rep = conn.execute(
            insert(subjects)
            .values(
                subject_type="natural_person",
                person_hash=REP_HASH,
                name=REP_NAME,
                name_normalised=normalise_name(REP_NAME),
                province="31",
                division="310101",
                created_at=clock.now(),
            )
            .returning(subjects.c.id)
        ).scalar_one()
        world = World(
            engine=engine,
            standard=get_standard(),
            settings=Settings(data_dir=tmp_path, database_url=str(engine.url)),
            company=company,
            company_uscc=uscc,
            js_company=js,
            rep=int(rep),
        )
        for sid in (company, js, int(rep)):
            world.accounts[sid] = insert_account(conn, f"subject-{sid}", "subject", subject_id=sid)
        world.accounts[-1] = insert_account(conn, "subject-again", "subject", subject_id=company)

        def add(name: str, source: str, kind: str, content: dict[str, Any], sid: int) -> None:
            world.records[name] = append_version(
                conn,
                source=source,
                kind=kind,
                source_key=name,
                subject_id=sid,
                content=content,
                department=AMR_NAME if source == "shanghai" else "苏州市市场监督管理局",
                clock=clock,
            ).record_id

        add("penalty", "shanghai", "penalty", company_penalty("61", "2026-03-01"), company)
        add(
            "cross",
            "shanghai",
            "license",
            {
                "XK_XKWS": "食品经营许可证",
                "XK_WSH": "JY13101150061",
                "XK_XKLB": "普通",
                "XK_JDRQ": "2026-01-10",
                "XK_XKJG": "上海市浦东新区市场监督管理局",
                "XK_XDR_MC": COMPANY,
                "XK_XDR_SHXYM": uscc,
            },
            company,
        )
        add(
            "js_penalty",
            "jiangsu",
            "penalty",
            penalty("62", "2026-03-01", CF_XDR_MC=JS_COMPANY, CF_SSLY="market_regulation"),
            js,
        )
    return world


def refused_application(
    conn: Connection, world: World, record_id: int, status: str = "refused"
) -> int:
    """A repair application about ``record_id`` already decided (written as the repair code
    leaves it, so the objection tests do not depend on the repair conditions)."""
    now = FixedClock(TODAY).now()
    return int(
        conn.execute(
            insert(repair_applications)
            .values(
                query_code=f"XF-TEST-{record_id:04d}-{status[:4].upper()}",
                subject_id=world.company,
                target="record",
                record_id=record_id,
                authority=AMR_NAME,
                province="31",
                domain="market_regulation",
                applicant=world.me.actor,
                corrected="已缴清罚款并完成整改",
                status=status,
                received_at=now,
                accept_due=dt.date(2026, 6, 4),
                decide_due=dt.date(2026, 6, 15),
                accepted_at=now,
                decided_at=now if status in ("refused", "approved") else None,
                decided_by="key:1 dept 31-market_regulation",
                reasons="最短公示期未满" if status == "refused" else None,
                working_days=0,
                updated_at=now,
            )
            .returning(repair_applications.c.id)
        ).scalar_one()
    )


def listed_on_basis(conn: Connection, world: World, record_id: int) -> int:
    """A listed entry that rests on ``record_id`` (its basis record)."""
    now = FixedClock(TODAY).now()
    return int(
        conn.execute(
            insert(list_entries)
            .values(
                list_code="market_serious_violation",
                subject_id=world.company,
                subject_name=COMPANY,
                status="listed",
                origin="platform",
                basis_record_id=record_id,
                authority=AMR_NAME,
                province="31",
                domain="market_regulation",
                reason="严重违法",
                legal_basis="总局令第44号",
                listed_on=dt.date(2026, 5, 1),
                ends_on=dt.date(2029, 4, 30),
                updated_at=now,
            )
            .returning(list_entries.c.id)
        ).scalar_one()
    )


def entry_status(conn: Connection, entry_id: int) -> tuple[str, str | None]:
    row = conn.execute(
        select(list_entries.c.status, list_entries.c.removal_reason).where(
            list_entries.c.id == entry_id
        )
    ).one()
    return row.status, row.removal_reason
