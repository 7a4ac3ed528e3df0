"""Entries fed by ingested records: a serious-dishonesty record ingested through a provincial
source becomes an entry of its domain's list, follows its later versions, and the sync is
idempotent; records without a subject wait until they are linked."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from credit_yrd.clock import FixedClock
from credit_yrd.ingest import context_for, ingest_file
from credit_yrd.lists import lifecycle
from credit_yrd.lists.entries import steps_of
from credit_yrd.lists.errors import RecordOriginError
from credit_yrd.lists.events import changes
from credit_yrd.lists.feed import sync_from_records
from credit_yrd.resolve.review import link_item, list_items
from credit_yrd.settings import Settings
from credit_yrd.standards.loader import get_standard
from credit_yrd.store.engine import transaction
from credit_yrd.store.schema import job_cursors, list_entries
from credit_yrd.store.subjects import upsert_legal_subject
from tests.ingest.builders import TEST_KEY, make_uscc, write_source_file
from tests.lists.conftest import office

TODAY = dt.date(2026, 11, 27)
AUTHORITY = "杭州市市场监督管理局"
AUTHORITY_USCC = make_uscc(9001, prefix="11", division="330100")


def dishonesty_row(n: int, **over: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "YZ_LY": "market_serious_violation",
        "YZ_MC": f"杭州名单{n}科技有限公司",
        "YZ_LB": "法人及非法人组织",
        "YZ_SHXYM": make_uscc(600 + n, division="330106"),
        "YZ_LRYY": "生产销售不合格产品，受到较重行政处罚",
        "YZ_RDYJ": "《市场监督管理严重违法失信名单管理办法》第九条",
        "YZ_RDWH": f"杭市监信〔2026〕{n}号",
        "YZ_RDBM": AUTHORITY,
        "YZ_RDBMDM": AUTHORITY_USCC,
        "YZ_BMLY": "market_regulation",
        "YZ_LRRQ": "2026-03-01",
        "YZ_YXQZ": "2029-02-28",
        "YZ_ZT": "listed",
    }
    row.update(over)
    return {k: v for k, v in row.items() if v is not None}


def ingest(engine: Engine, tmp_path: Path, name: str, rows: list[dict[str, Any]]) -> None:
    settings = Settings(
        data_dir=tmp_path / "data", database_url=str(engine.url), secret_key=TEST_KEY
    )
    ctx = context_for(engine, "zhejiang", settings=settings, clock=FixedClock(TODAY))
    path = write_source_file(
        tmp_path / f"serious_dishonesty_list-{name}.jsonl",
        "zhejiang",
        "serious_dishonesty_list",
        rows,
    )
    receipt = ingest_file(ctx, path)
    assert receipt.status == "accepted", receipt


def sync(engine: Engine, day: dt.date = TODAY) -> int:
    with transaction(engine) as conn:
        return sync_from_records(conn, clock=FixedClock(day), standard=get_standard())


def entries(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(select(list_entries).order_by(list_entries.c.id)))


def test_an_ingested_record_becomes_an_entry_and_follows_its_versions(
    engine: Engine, tmp_path: Path
) -> None:
    ingest(
        engine,
        tmp_path,
        "1",
        [dishonesty_row(1), dishonesty_row(2, YZ_LY="wage_arrears", YZ_BMLY="human_resources")],
    )
    assert sync(engine) == 2
    first, second = entries(engine)
    assert (first.list_code, first.status, first.origin) == (
        "market_serious_violation",
        "listed",
        "record",
    )
    assert first.record_id is not None and first.subject_name == "杭州名单1科技有限公司"
    assert first.listed_on == dt.date(2026, 3, 1) and first.ends_on == dt.date(2029, 2, 28)
    assert (first.authority, first.authority_uscc) == (AUTHORITY, AUTHORITY_USCC)
    assert first.province == "33" and first.domain == "market_regulation"
    assert first.decision_number == "杭市监信〔2026〕1号"
    assert second.list_code == "wage_arrears" and second.domain == "human_resources"
    with engine.connect() as conn:
        assert [s.event for s in steps_of(conn, int(first.id))] == ["listed"]
        cursor = conn.execute(
            select(job_cursors.c.position).where(job_cursors.c.name == "lists.feed")
        ).scalar_one()
        assert cursor > 0

    # Idempotent: nothing new, nothing changes.
    assert sync(engine) == 0
    assert sync(engine, TODAY + dt.timedelta(days=1)) == 0
    before = entries(engine)

    # Entries from records change only through their records.
    with transaction(engine) as conn, pytest.raises(RecordOriginError) as refused:
        lifecycle.withdraw(
            conn,
            clock=FixedClock(TODAY),
            principal=office(1, None),
            entry_id=int(first.id),
            note="x",
        )
    assert "ingested record" in str(refused.value)

    # A later version removes it: the entry follows, once.
    ingest(engine, tmp_path, "2", [dishonesty_row(1, YZ_ZT="removed", YZ_YCRQ="2026-11-20")])
    assert sync(engine) == 1
    assert sync(engine) == 0
    after = entries(engine)
    assert after[1] == before[1]
    gone = after[0]
    assert gone.status == "removed" and gone.removal_reason == "source"
    assert gone.removed_on == dt.date(2026, 11, 20)
    with engine.connect() as conn:
        assert [s.event for s in steps_of(conn, int(gone.id))] == ["listed", "removed"]
        feed = changes(conn, after=0)
    assert [(c.event, c.entry_id) for c in feed.changes] == [
        ("listed", int(first.id)),
        ("listed", int(second.id)),
        ("removed", int(first.id)),
    ]
    assert feed.changes[-1].removed_on == dt.date(2026, 11, 20)

    # A withdrawn record withdraws the entry; an extension shows as one.
    ingest(
        engine,
        tmp_path,
        "3",
        [dishonesty_row(2, YZ_LY="wage_arrears", YZ_BMLY="human_resources", YZ_ZT="withdrawn")],
    )
    assert sync(engine) == 1
    assert entries(engine)[1].status == "withdrawn"
    ingest(engine, tmp_path, "4", [dishonesty_row(3)])
    sync(engine)
    ingest(engine, tmp_path, "5", [dishonesty_row(3, YZ_YXQZ="2030-02-28")])
    assert sync(engine) == 1
    third = entries(engine)[2]
    assert third.ends_on == dt.date(2030, 2, 28)
    with engine.connect() as conn:
        assert [s.event for s in steps_of(conn, int(third.id))] == ["listed", "extended"]


def test_a_record_past_its_period_comes_in_removed_for_expiry(
    engine: Engine, tmp_path: Path
) -> None:
    ingest(engine, tmp_path, "old", [dishonesty_row(4, YZ_LRRQ="2020-01-01", YZ_YXQZ="2022-12-31")])
    assert sync(engine) == 1
    (old,) = entries(engine)
    assert old.status == "removed" and old.removal_reason == "expiry"
    assert old.removed_on == dt.date(2023, 1, 1)
    with engine.connect() as conn:
        assert changes(conn, after=0).changes == []  # never listed here: nothing for the public


def test_an_unlinked_record_is_picked_up_when_linked(engine: Engine, tmp_path: Path) -> None:
    # A person known only by a passport: never guessed, the record waits in the review queue.
    row = dishonesty_row(
        5,
        YZ_LY="wage_arrears",
        YZ_BMLY="human_resources",
        YZ_MC="约翰",
        YZ_LB="自然人",
        YZ_SHXYM=None,
        YZ_ZJLX="护照",
        YZ_ZJHM="E12345678",
    )
    settings = Settings(
        data_dir=tmp_path / "data", database_url=str(engine.url), secret_key=TEST_KEY
    )
    ctx = context_for(engine, "zhejiang", settings=settings, clock=FixedClock(TODAY))
    path = write_source_file(
        tmp_path / "serious_dishonesty_list-u.jsonl", "zhejiang", "serious_dishonesty_list", [row]
    )
    receipt = ingest_file(ctx, path)
    assert receipt.status == "accepted" and receipt.unresolved == 1, receipt
    assert sync(engine) == 0
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(list_entries)).scalar_one() == 0
    with transaction(engine) as conn:
        subject = upsert_legal_subject(conn, make_uscc(605, division="330106"), "约翰咨询有限公司")
        (item,) = list_items(conn)
        link_item(conn, item["id"], str(subject), decided_by="reviewer", clock=FixedClock(TODAY))
    assert sync(engine) == 1
    assert sync(engine) == 0
    (made,) = entries(engine)
    assert made.subject_id == subject and made.status == "listed"
    assert made.list_code == "wage_arrears"


def red_row(n: int, **over: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "HM_MDMC": "纳税信用A级纳税人",
        "HM_LY": "taxation",
        "HM_MC": f"杭州红名单{n}有限公司",
        "HM_LB": "法人及非法人组织",
        "HM_SHXYM": make_uscc(700 + n, division="330106"),
        "HM_RDYJ": "《纳税信用管理办法》",
        "HM_RDBM": "国家税务总局浙江省税务局",
        "HM_RDBMDM": make_uscc(9002, prefix="11", division="330000"),
        "HM_RDRQ": "2026-04-01",
        "HM_YXQZ": "2027-03-31",
        "HM_ZT": "listed",
    }
    row.update(over)
    return row


def test_a_red_list_record_that_says_removed_is_removed_not_withdrawn(
    engine: Engine, tmp_path: Path
) -> None:
    """Publication takes a removed red-list record back (its version is 'withdrawn'); the list
    entry follows the record's own status: removed."""
    settings = Settings(
        data_dir=tmp_path / "data", database_url=str(engine.url), secret_key=TEST_KEY
    )
    ctx = context_for(engine, "zhejiang", settings=settings, clock=FixedClock(TODAY))

    def send(name: str, rows: list[dict[str, Any]]) -> None:
        path = write_source_file(tmp_path / f"red_list-{name}.jsonl", "zhejiang", "red_list", rows)
        assert ingest_file(ctx, path).status == "accepted"

    send("1", [red_row(1), red_row(2, HM_ZT="withdrawn")])
    assert sync(engine) == 2
    listed, withdrawn = entries(engine)
    assert (listed.list_code, listed.status, listed.province) == ("red_list", "listed", "33")
    assert withdrawn.status == "withdrawn"
    send("2", [red_row(1, HM_ZT="removed")])
    assert sync(engine) == 1
    removed = entries(engine)[0]
    assert removed.status == "removed" and removed.removal_reason == "source"
    assert removed.removed_on == TODAY
    assert sync(engine, TODAY + dt.timedelta(days=3)) == 0


def test_a_repaired_entry_is_not_listed_again_by_a_later_version(
    engine: Engine, tmp_path: Path
) -> None:
    """信用修复 removed the entry: the source re-sending the record (an extension, say) does not put
    the subject back on the list; withdrawing the record still withdraws the entry."""
    ingest(engine, tmp_path, "1", [dishonesty_row(1)])
    assert sync(engine) == 1
    (entry,) = entries(engine)
    with transaction(engine) as conn:
        lifecycle.remove_for_repair(
            conn,
            clock=FixedClock(TODAY),
            entry_id=int(entry.id),
            actor="repair:1",
            note="准予信用修复",
            standard=get_standard(),
        )
    ingest(engine, tmp_path, "2", [dishonesty_row(1, YZ_YXQZ="2030-02-28")])
    assert sync(engine) == 0
    (kept,) = entries(engine)
    assert (kept.status, kept.removal_reason) == ("removed", "repair")
    assert kept.ends_on == entry.ends_on
    ingest(engine, tmp_path, "3", [dishonesty_row(1, YZ_ZT="withdrawn")])
    assert sync(engine) == 1
    assert entries(engine)[0].status == "withdrawn"
