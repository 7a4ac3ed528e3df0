"""Lists fixtures: a fresh store with a Shanghai company, a Jiangsu company and a person, and the
principals that act on their entries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from sqlalchemy import insert
from sqlalchemy.engine import Engine

from credit_yrd.auth.principal import Principal
from credit_yrd.auth.roles import Role
from credit_yrd.clock import FixedClock
from credit_yrd.standards.loader import get_standard
from credit_yrd.standards.models import Standard
from credit_yrd.store.engine import transaction
from credit_yrd.store.schema import subjects
from credit_yrd.store.subjects import normalise_name, upsert_legal_subject
from tests.ingest.builders import make_uscc

TODAY = dt.date(2026, 11, 27)
COMPANY = "上海名单测试科技有限公司"
JS_COMPANY = "苏州名单测试贸易有限公司"
PERSON = "王小明"


def department(n: int, province: str, domain: str, label: str | None = None) -> Principal:
    return Principal(
        role=Role.DEPARTMENT,
        key_id=n,
        label=label or f"{province}-{domain}",
        province=province,
        domain=domain,
    )


def office(n: int, province: str | None) -> Principal:
    return Principal(
        role=Role.CREDIT_OFFICE, key_id=n, label=f"信用办 {province}", province=province
    )


@dataclass
class World:
    engine: Engine
    standard: Standard
    company: int
    company_uscc: str
    js_company: int
    person: int
    sh_amr: Principal
    js_amr: Principal
    sh_hr: Principal
    sh_court: Principal
    sh_office: Principal
    js_office: Principal
    region_office: Principal

    def subject(self, subject_id: int) -> Principal:
        return Principal(
            role=Role.SUBJECT,
            key_id=None,
            account_id=900 + subject_id,
            label=f"subject-{subject_id}",
            subject_id=subject_id,
        )


def clock_on(day: dt.date) -> FixedClock:
    return FixedClock(day)


@pytest.fixture
def world(engine: Engine) -> World:
    clock = FixedClock(TODAY)
    uscc = make_uscc(501, division="310115")
    with transaction(engine) as conn:
        company = upsert_legal_subject(conn, uscc, COMPANY, division="310115", clock=clock)
        js = upsert_legal_subject(
            conn, make_uscc(502, division="320583"), JS_COMPANY, division="320583", clock=clock
        )
        person = conn.execute(
            insert(subjects)
            .values(
                subject_type="natural_person",
                person_hash="h-lists-person",
                name=PERSON,
                name_normalised=normalise_name(PERSON),
                province="31",
                division="310101",
                created_at=clock.now(),
            )
            .returning(subjects.c.id)
        ).scalar_one()
    return World(
        engine=engine,
        standard=get_standard(),
        company=company,
        company_uscc=uscc,
        js_company=js,
        person=int(person),
        sh_amr=department(1, "31", "market_regulation", "上海市市场监督管理局"),
        js_amr=department(2, "32", "market_regulation", "江苏省市场监督管理局"),
        sh_hr=department(3, "31", "human_resources", "上海市人力资源和社会保障局"),
        sh_court=department(4, "31", "court", "上海市第一中级人民法院"),
        sh_office=office(5, "31"),
        js_office=office(6, "32"),
        region_office=office(7, None),
    )
