"""Repair fixtures: a Shanghai company with penalties, a listing that rests on one of them, the
departments and credit offices that handle them, a subscriber, and document bytes.

The listing goes through :mod:`credit_yrd.lists.lifecycle` (proposed, then listed by ``advance``
after its objection window), resting on the company's old penalty (``basis_record_id``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select
from sqlalchemy.engine import Connection, Engine

from credit_yrd.auth.api_keys import create_key
from credit_yrd.auth.principal import Principal
from credit_yrd.auth.roles import Role
from credit_yrd.clock import CHINA_TZ, FixedClock
from credit_yrd.lists import lifecycle
from credit_yrd.measures.subscriptions import subscribe
from credit_yrd.repair.documents import DocumentIn
from credit_yrd.settings import Settings
from credit_yrd.standards.loader import get_standard
from credit_yrd.standards.models import Standard
from credit_yrd.store.engine import transaction
from credit_yrd.store.records import append_version
from credit_yrd.store.schema import list_entries, subjects
from credit_yrd.store.subjects import normalise_name, upsert_legal_subject
from tests.ingest.builders import make_uscc
from tests.ledger.conftest import insert_account, penalty
from tests.measures.conftest import receiver as receiver  # the local webhook receiver fixture

#: Monday before the 2026 National Day holiday (10-01 … 10-07; Saturday 10-10 is worked).
TODAY = dt.date(2026, 9, 28)
T0 = dt.datetime(2026, 9, 28, 10, 0, tzinfo=CHINA_TZ)
CLOCK = FixedClock(T0)
COMPANY = "上海修复测试科技有限公司"
OTHER = "上海另一家测试有限公司"
PERSON = "李修复"

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def at(days: int = 0, hours: float = 0) -> FixedClock:
    return FixedClock(T0 + dt.timedelta(days=days, hours=hours))


def settings(tmp_path: Path | None = None, **changes: Any) -> Settings:
    values: dict[str, Any] = {
        "worker_interval_seconds": 0,
        "webhook_allow_private_hosts": True,
        "password_hash_cost": "fast",
    }
    if tmp_path is not None:
        values["data_dir"] = tmp_path
    values.update(changes)
    return Settings(**values)


def docs(*kinds: str) -> list[DocumentIn]:
    """One PDF document per kind (default: a commitment and a proof of payment)."""
    chosen = kinds or ("commitment", "payment")
    return [DocumentIn(kind, f"{kind}.pdf", "application/pdf", PDF) for kind in chosen]


def department(conn: Connection, province: str, domain: str) -> tuple[Principal, str]:
    label = f"{province}-{domain}"
    key_id, plain = create_key(
        conn, role=Role.DEPARTMENT, label=label, province=province, domain=domain, clock=CLOCK
    )
    return (
        Principal(
            role=Role.DEPARTMENT, key_id=key_id, label=label, province=province, domain=domain
        ),
        plain,
    )


def office(conn: Connection, province: str | None) -> tuple[Principal, str]:
    label = f"office-{province or 'region'}"
    key_id, plain = create_key(
        conn, role=Role.CREDIT_OFFICE, label=label, province=province, clock=CLOCK
    )
    return Principal(role=Role.CREDIT_OFFICE, key_id=key_id, label=label, province=province), plain


@dataclass
class World:
    engine: Engine
    standard: Standard
    settings: Settings
    company: int
    company_uscc: str
    other: int
    person: int
    #: record ids: old (repairable penalty), fresh (minimum period not served), license, other
    #: (another subject's penalty), person (a person's penalty)
    records: dict[str, int]
    #: the market_serious_violation listing resting on records["old"]
    entry: int
    principals: dict[str, Principal] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)
    accounts: dict[str, int] = field(default_factory=dict)

    def subject(self, name: str = "company") -> Principal:
        subject_id = {"company": self.company, "other": self.other, "person": self.person}[name]
        return Principal(
            role=Role.SUBJECT,
            key_id=None,
            label=f"subject-{name}",
            account_id=self.accounts[name],
            subject_id=subject_id,
        )

    def __getitem__(self, name: str) -> Principal:
        return self.principals[name]


def build_world(engine: Engine, conf: Settings) -> World:
    std = get_standard()
    uscc = make_uscc(611, division="310115")
    records: dict[str, int] = {}
    principals: dict[str, Principal] = {}
    keys: dict[str, str] = {}
    with transaction(engine) as conn:
        company = upsert_legal_subject(conn, uscc, COMPANY, division="310115", clock=CLOCK)
        other = upsert_legal_subject(
            conn, make_uscc(612, division="310115"), OTHER, division="310115", clock=CLOCK
        )
        person = int(
            conn.execute(
                insert(subjects)
                .values(
                    subject_type="natural_person",
                    person_hash="h-repair-person",
                    name=PERSON,
                    name_normalised=normalise_name(PERSON),
                    province="31",
                    division="310101",
                    created_at=CLOCK.now(),
                )
                .returning(subjects.c.id)
            ).scalar_one()
        )

        def add(
            name: str,
            subject_id: int,
            content: dict[str, Any],
            kind: str = "penalty",
            domain: str | None = "market_regulation",
        ) -> None:
            records[name] = append_version(
                conn,
                source="shanghai",
                kind=kind,
                source_key=f"repair-{name}",
                subject_id=subject_id,
                content=content,
                department="上海市市场监督管理局",
                domain=domain,
                clock=CLOCK,
            ).record_id

        add("old", company, penalty("101", "2026-03-01", CF_XDR_MC=COMPANY, CF_NR_FK="50"))
        add("fresh", company, penalty("102", "2026-08-01", CF_XDR_MC=COMPANY, CF_NR_FK="50"))
        add(
            "license",
            company,
            {
                "XK_XKWS": "食品经营许可证",
                "XK_WSH": "JY13101150001",
                "XK_XKLB": "普通",
                "XK_JDRQ": "2026-01-10",
                "XK_XKJG": "上海市市场监督管理局",
                "XK_XDR_MC": COMPANY,
                "XK_XDR_ZJLX": "身份证",
            },
            kind="license",
        )
        add("other", other, penalty("103", "2026-03-01", CF_XDR_MC=OTHER, CF_NR_FK="50"))
        add(
            "person",
            person,
            penalty("104", "2026-02-01", CF_XDR_MC=PERSON, CF_XDR_LB="自然人", CF_NR_FK="5"),
        )
        for name, (province, domain) in {
            "sh_amr": ("31", "market_regulation"),
            "js_amr": ("32", "market_regulation"),
            "sh_tax": ("31", "taxation"),
            "sh_science": ("31", "science_technology"),
            "ah_finance": ("34", "finance"),
        }.items():
            principals[name], keys[name] = department(conn, province, domain)
        for name, province in {"sh_office": "31", "js_office": "32", "region": None}.items():
            principals[name], keys[name] = office(conn, province)
        source_key, keys["sh_source"] = create_key(
            conn, role=Role.DATA_SOURCE, label="sh-source", source="shanghai", clock=CLOCK
        )
        principals["sh_source"] = Principal(
            role=Role.DATA_SOURCE,
            key_id=source_key,
            label="sh-source",
            source="shanghai",
            province="31",
        )
        accounts = {
            name: insert_account(conn, f"repair-{name}", "subject", subject_id=sid)
            for name, sid in (("company", company), ("other", other), ("person", person))
        }
        subscribe(
            conn,
            clock=CLOCK,
            principal=principals["ah_finance"],
            scenarios=["government_procurement"],
            standard=std,
            settings=conf,
        )
    # The listing: proposed on 09-01, listed by advance after its objection window.
    with transaction(engine) as conn:
        entry = lifecycle.propose(
            conn,
            standard=std,
            clock=FixedClock(dt.date(2026, 9, 1)),
            principal=principals["sh_amr"],
            list_code="market_serious_violation",
            subject_id=company,
            reason="严重违法失信行为",
            legal_basis="《市场监督管理严重违法失信名单管理办法》第二条",
            basis_record_id=records["old"],
        )
        assert entry.basis_record_id == records["old"]
    with transaction(engine) as conn:
        lifecycle.advance(conn, clock=FixedClock(dt.date(2026, 9, 20)), standard=std)
        status = conn.execute(
            select(list_entries.c.status).where(list_entries.c.id == entry.id)
        ).scalar()
        assert status == "listed"
    return World(
        engine=engine,
        standard=std,
        settings=conf,
        company=company,
        company_uscc=uscc,
        other=other,
        person=person,
        records=records,
        entry=entry.id,
        principals=principals,
        keys=keys,
        accounts=accounts,
    )


@pytest.fixture
def world(engine: Engine, tmp_path: Path) -> World:
    return build_world(engine, settings(tmp_path))
