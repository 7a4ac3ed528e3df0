"""Who sees a record once its window is over, once it is repaired, and while it is under
objection: the credit file and record detail of every audience, public search, the change feed
and the public API."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.engine import Engine

from credit_yrd.api.app import create_app
from credit_yrd.clock import FixedClock
from credit_yrd.ledger import Audience, Reader, RecordNotVisibleError, credit_file, record_detail
from credit_yrd.ledger.changes import change_page
from credit_yrd.ledger.files import CreditFile, FileRecord
from credit_yrd.search.query import record_counts, search
from credit_yrd.settings import Settings
from credit_yrd.standards.loader import get_standard
from credit_yrd.store.engine import transaction
from credit_yrd.store.schema import subjects
from tests.publication.conftest import CLOCK, SUMMER, TODAY, Region, set_record

STANDARD = get_standard()
DEPARTMENT = Reader("key:1 上海市场监管", "department", "行政许可审查", "31", "market_regulation")
CREDIT_OFFICE = Reader("key:2 上海信用办", "credit_office", "信用修复复核", "31")
BANK = Reader("key:3 银行", "market_institution", "授权#1: 贷款审批")


def read(
    store: Engine,
    region: Region,
    audience: Audience,
    reader: Reader | None = None,
    on: dt.date = TODAY,
) -> CreditFile:
    with transaction(store) as conn:
        row = conn.execute(select(subjects).where(subjects.c.id == region.company_id)).one()
        return credit_file(
            conn,
            row,
            audience=audience,
            on=on,
            standard=STANDARD,
            reader=reader,
            clock=CLOCK,
            viewer_subject_id=region.company_id if audience is Audience.SUBJECT else None,
        )


def records_of(file: CreditFile) -> dict[int, FileRecord]:
    return {r.id: r for s in file.sections for r in s.records}


def detail(
    store: Engine, record_id: int, audience: Audience, reader: Reader | None = None
) -> FileRecord:
    with transaction(store) as conn:
        return record_detail(
            conn,
            record_id,
            audience=audience,
            on=TODAY,
            standard=STANDARD,
            reader=reader,
            clock=CLOCK,
            viewer_subject_id=None,
        ).record


def test_the_public_no_longer_sees_a_repaired_record(store: Engine, region: Region) -> None:
    shown = region.records["shown"]
    assert shown in records_of(read(store, region, Audience.PUBLIC))
    set_record(store, shown, repaired_on=TODAY + dt.timedelta(days=1))
    assert shown in records_of(read(store, region, Audience.PUBLIC))  # not yet
    set_record(store, shown, repaired_on=TODAY)
    public = read(store, region, Audience.PUBLIC)
    assert shown not in records_of(public)
    assert public.record_count == 1  # the Jiangsu licence is left
    with pytest.raises(RecordNotVisibleError):
        detail(store, shown, Audience.PUBLIC)


def test_departments_and_institutions_no_longer_get_a_repaired_record(
    store: Engine, region: Region
) -> None:
    shown = region.records["shown"]
    assert shown in records_of(read(store, region, Audience.AUTHORITY, DEPARTMENT))
    assert shown in records_of(read(store, region, Audience.AUTHORISED, BANK))
    set_record(store, shown, repaired_on=TODAY)
    assert shown not in records_of(read(store, region, Audience.AUTHORITY, DEPARTMENT))
    assert shown not in records_of(read(store, region, Audience.AUTHORISED, BANK))
    with pytest.raises(RecordNotVisibleError):
        detail(store, shown, Audience.AUTHORITY, DEPARTMENT)
    with pytest.raises(RecordNotVisibleError):
        detail(store, shown, Audience.AUTHORISED, BANK)


def test_the_credit_office_and_the_subject_still_see_it_marked(
    store: Engine, region: Region
) -> None:
    shown = region.records["shown"]
    set_record(store, shown, repaired_on=TODAY)
    office = records_of(read(store, region, Audience.AUTHORITY, CREDIT_OFFICE))[shown]
    assert office.marks == ["repaired"]
    assert [(m.code, m.label_zh) for m in office.mark_labels] == [("repaired", "已信用修复")]
    own = records_of(read(store, region, Audience.SUBJECT))[shown]
    assert own.marks == ["repaired"]
    assert detail(store, shown, Audience.AUTHORITY, CREDIT_OFFICE).marks == ["repaired"]


def test_after_its_window_a_record_leaves_public_view_and_is_marked_ended(
    store: Engine, region: Region
) -> None:
    summer = region.records["summer"]
    assert summer not in records_of(read(store, region, Audience.PUBLIC))  # not yet
    inside = read(store, region, Audience.PUBLIC, on=dt.date(2026, 7, 15))
    assert records_of(inside)[summer].marks == []
    after = SUMMER[1] + dt.timedelta(days=1)
    assert summer not in records_of(read(store, region, Audience.PUBLIC, on=after))
    authority = records_of(read(store, region, Audience.AUTHORITY, DEPARTMENT, on=after))
    assert authority[summer].marks == ["ended"]
    old = records_of(read(store, region, Audience.AUTHORITY, DEPARTMENT))[region.records["old"]]
    assert old.marks == ["ended"]
    current = records_of(read(store, region, Audience.AUTHORITY, DEPARTMENT))
    assert current[region.records["shown"]].marks == []


def test_a_record_under_objection_is_marked_for_everyone(store: Engine, region: Region) -> None:
    shown = region.records["shown"]
    set_record(store, shown, objection_open=True)
    public = records_of(read(store, region, Audience.PUBLIC))[shown]
    assert public.marks == ["objection"]
    assert public.mark_labels[0].label_zh == "异议处理中"
    assert "异议处理中" in read(store, region, Audience.PUBLIC).model_dump_json()
    assert detail(store, shown, Audience.PUBLIC).marks == ["objection"]
    assert records_of(read(store, region, Audience.AUTHORITY, DEPARTMENT))[shown].marks == [
        "objection"
    ]
    set_record(store, shown, objection_open=False)  # withdrawn: no mark left anywhere
    assert records_of(read(store, region, Audience.PUBLIC))[shown].marks == []
    assert "异议处理中" not in read(store, region, Audience.PUBLIC).model_dump_json()


def test_public_search_counts_and_filters_leave_out_repaired_records(
    store: Engine, region: Region
) -> None:
    with store.connect() as conn:
        assert record_counts(conn, [region.company_id], TODAY)[region.company_id] == {
            "license": 1,
            "penalty": 1,
        }
        found = search(conn, region.uscc, record_kind="penalty", on=TODAY, standard=STANDARD)
        assert found.total == 1
    set_record(store, region.records["shown"], repaired_on=TODAY)
    with store.connect() as conn:
        assert record_counts(conn, [region.company_id], TODAY)[region.company_id] == {"license": 1}
        found = search(conn, region.uscc, record_kind="penalty", on=TODAY, standard=STANDARD)
        assert found.total == 0
        yesterday = TODAY - dt.timedelta(days=1)
        assert record_counts(conn, [region.company_id], yesterday)[region.company_id] == {
            "license": 1,
            "penalty": 1,
        }


def test_the_change_feed_skips_repaired_records(store: Engine, region: Region) -> None:
    def served() -> set[int]:
        with transaction(store) as conn:
            page = change_page(
                conn,
                province="31",
                cursor=0,
                limit=100,
                reader=CREDIT_OFFICE,
                standard=STANDARD,
                clock=CLOCK,
            )
        return {item.record_id for item in page.items}

    shown = region.records["shown"]
    assert shown in served()
    set_record(store, shown, repaired_on=TODAY)
    left = served()
    assert shown not in left
    assert region.records["corrected"] in left


# --- the public API --------------------------------------------------------------------------


@pytest.fixture
def client(region: Region, database_url: str, tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(Settings(data_dir=tmp_path, database_url=database_url))
    app.state.clock = CLOCK
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def api_ids(client: TestClient, uscc: str) -> dict[int, dict[str, object]]:
    response = client.get(f"/api/v1/subjects/{uscc}")
    assert response.status_code == 200, response.text
    return {r["id"]: r for s in response.json()["sections"] for r in s["records"]}


def test_the_public_api_follows_windows_repairs_and_objections(
    client: TestClient, store: Engine, region: Region
) -> None:
    shown, summer = region.records["shown"], region.records["summer"]
    assert summer not in api_ids(client, region.uscc)
    client.app.state.clock = FixedClock(dt.date(2026, 7, 15))  # type: ignore[attr-defined]
    assert summer in api_ids(client, region.uscc)
    client.app.state.clock = FixedClock(dt.date(2026, 9, 1))  # type: ignore[attr-defined]
    assert summer not in api_ids(client, region.uscc)
    assert client.get(f"/api/v1/records/{summer}").status_code == 404
    client.app.state.clock = CLOCK  # type: ignore[attr-defined]

    set_record(store, shown, objection_open=True)
    record = api_ids(client, region.uscc)[shown]
    assert record["marks"] == ["objection"]
    assert record["mark_labels"] == [
        {"code": "objection", "label_zh": "异议处理中", "label_en": "objection being handled"}
    ]
    single = client.get(f"/api/v1/records/{shown}").json()
    assert single["record"]["marks"] == ["objection"]

    set_record(store, shown, repaired_on=TODAY)
    assert shown not in api_ids(client, region.uscc)
    assert client.get(f"/api/v1/records/{shown}").status_code == 404
    counts = client.get("/api/v1/search", params={"q": region.uscc}).json()["items"][0]
    assert counts["records"] == {"license": 1}
