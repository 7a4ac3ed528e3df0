"""Search fixtures: a migrated store holding a handful of subjects (indexed), with records."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from sqlalchemy.engine import Engine

from credit_yrd.clock import FixedClock
from credit_yrd.privacy import PersonalDataVault
from credit_yrd.search.index import index_subjects
from credit_yrd.store.engine import transaction
from credit_yrd.store.legacy import add_legacy_codes
from credit_yrd.store.records import RecordItem, append_versions_bulk
from credit_yrd.store.subjects import upsert_legal_subject, upsert_person
from tests.ledger.conftest import penalty

TEST_KEY = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
CLOCK = FixedClock(dt.date(2026, 3, 1))

PENALTY_1 = penalty("1", "2026-01-05")
PENALTY_2 = penalty("2", "2026-02-05")
PENALTY_3 = penalty("3", "2026-02-10")
PENALTY_OLD = penalty("9", "2015-03-01")
LICENSE = {
    "XK_XKWS": "食品经营许可证",
    "XK_WSH": "JY13205830001",
    "XK_XKLB": "普通",
    "XK_JDRQ": "2026-01-10",
    "XK_XKJG": "苏州市市场监督管理局",
    "XK_XDR_MC": "苏州华信科技有限公司",
}
LICENSE_2 = {**LICENSE, "XK_WSH": "JY13301020002", "XK_XKJG": "杭州市市场监督管理局"}
SUZHOU_USCC = "913205836000373417"  # 江苏省苏州市昆山市; organisation code 60003734-1
PERSON_ID = "11010519491231002X"


@dataclass
class World:
    engine: Engine
    ids: dict[str, int]


def _uscc(n: int) -> str:
    # Form only (the store checks the form): 18 characters, letters keep it from reading as an ID.
    return f"91A{n:014d}Z"


SUBJECTS = [
    # key, name, type, division
    ("suzhou", "苏州华信科技有限公司", "legal_person", "320583"),
    ("shanghai", "华信（上海）贸易有限责任公司", "legal_person", "310115"),
    ("hangzhou", "杭州华信电子股份有限公司", "legal_person", "330106"),
    ("exact", "华信科技有限公司", "legal_person", "320106"),
    ("abc", "ＡＢＣ科技（南京）有限公司", "legal_person", "320105"),
    ("shop", "合肥华信五金店", "individual_business", "340102"),
    ("assoc", "安徽省华信行业协会", "organisation", "340104"),
]


@pytest.fixture
def world(engine: Engine) -> World:
    ids: dict[str, int] = {}
    vault = PersonalDataVault(TEST_KEY)
    with transaction(engine) as conn:
        for i, (key, name, stype, division) in enumerate(SUBJECTS):
            uscc = SUZHOU_USCC if key == "suzhou" else _uscc(i)
            ids[key] = upsert_legal_subject(conn, uscc, name, stype, division, clock=CLOCK)
        for i in range(25):
            ids[f"hengda{i}"] = upsert_legal_subject(
                conn,
                _uscc(100 + i),
                f"恒达{i:02d}号有限公司",
                "legal_person",
                "330102",
                clock=CLOCK,
            )
        ids["person"] = upsert_person(conn, vault, PERSON_ID, "王华信", clock=CLOCK)
        add_legacy_codes(conn, [{"legacy_code": "600037341", "uscc": SUZHOU_USCC}], clock=CLOCK)
        append_versions_bulk(
            conn,
            [
                RecordItem("jiangsu", "penalty", "P-1", PENALTY_1, subject_id=ids["suzhou"]),
                RecordItem("jiangsu", "penalty", "P-2", PENALTY_2, subject_id=ids["suzhou"]),
                RecordItem("jiangsu", "license", "L-1", LICENSE, subject_id=ids["suzhou"]),
                RecordItem("zhejiang", "license", "L-2", LICENSE_2, subject_id=ids["hangzhou"]),
                RecordItem("anhui", "penalty", "P-3", PENALTY_3, subject_id=ids["person"]),
                # Published years ago, its window closed: never counted, never matched.
                RecordItem("jiangsu", "penalty", "P-OLD", PENALTY_OLD, subject_id=ids["suzhou"]),
            ],
            clock=CLOCK,
        )
        # Withdrawn later: no longer public.
        append_versions_bulk(
            conn,
            [
                RecordItem(
                    "zhejiang",
                    "license",
                    "L-2",
                    LICENSE_2,
                    subject_id=ids["hangzhou"],
                    status="withdrawn",
                )
            ],
            clock=CLOCK,
        )
        index_subjects(conn, ids.values())
    return World(engine, ids)
