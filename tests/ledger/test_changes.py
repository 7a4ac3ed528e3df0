"""The change feed per province: which versions concern a province, their order, the cursor, the
view of their content, and the access log. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import threading
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from credit_yrd.clock import FixedClock
from credit_yrd.ledger.audit import Reader
from credit_yrd.ledger.changes import (
    ChangesBusyError,
    ChangesError,
    FeedScope,
    change_page,
    checked_province,
    in_scope,
)
from credit_yrd.standards.loader import get_standard
from credit_yrd.store.engine import transaction
from credit_yrd.store.records import RecordItem, append_versions_bulk
from credit_yrd.store.schema import access_log
from credit_yrd.store.subjects import upsert_legal_subject
from tests.conftest import backend_name
from tests.ingest.builders import make_uscc
from tests.ledger.conftest import REP_MASKED, penalty

CLOCK = FixedClock(dt.date(2026, 6, 1))
READER = Reader(actor="key:9 江苏平台", role="data_source", purpose="按需共享", province="32")
STANDARD = get_standard()


@dataclass
class Feed:
    engine: Engine
    subjects: dict[str, int]


def _versions(source: str, key: str, subject_id: int | None, n: int = 1, **kw: object):
    content = penalty(key, "2026-05-01")
    return [
        RecordItem(source, "penalty", key, {**content, "CF_NR_FK": str(1000 + i)}, subject_id, **kw)  # type: ignore[arg-type]
        for i in range(n)
    ]


def add(engine: Engine, items: list[RecordItem]) -> None:
    with transaction(engine) as conn:
        append_versions_bulk(conn, items, clock=CLOCK)


@pytest.fixture
def feed(engine: Engine) -> Feed:
    ids: dict[str, int] = {}
    with transaction(engine) as conn:
        for i, (key, division) in enumerate(
            [("sh", "310115"), ("js", "320583"), ("zj", "330106"), ("sh_with_js", "310104")]
        ):
            ids[key] = upsert_legal_subject(
                conn,
                make_uscc(60 + i, division=division),
                f"测试{key}公司",
                division=division,
                clock=CLOCK,
            )
    add(engine, _versions("shanghai", "SH-1", ids["sh"]))  # not Jiangsu's
    add(engine, _versions("shanghai", "SH-2", ids["js"]))  # subject of Jiangsu
    add(engine, _versions("jiangsu", "JS-1", ids["sh_with_js"]))  # from Jiangsu
    add(engine, _versions("zhejiang", "ZJ-1", ids["sh_with_js"]))  # subject Jiangsu has records of
    add(engine, _versions("jiangsu", "JS-2", None))  # unlinked, from Jiangsu
    add(engine, _versions("zhejiang", "ZJ-2", ids["zj"]))  # not Jiangsu's
    return Feed(engine, ids)


def page(engine: Engine, cursor: int = 0, limit: int = 100, province: str = "32", **kw: object):
    with transaction(engine) as conn:
        return change_page(
            conn,
            province=province,
            cursor=cursor,
            limit=limit,
            reader=READER,
            standard=STANDARD,
            clock=CLOCK,
            **kw,  # type: ignore[arg-type]
        )


def test_the_versions_that_concern_a_province(feed: Feed) -> None:
    result = page(feed.engine)
    keys = [(item.source, item.subject.id if item.subject else None) for item in result.items]
    assert keys == [
        ("shanghai", feed.subjects["js"]),
        ("jiangsu", feed.subjects["sh_with_js"]),
        ("zhejiang", feed.subjects["sh_with_js"]),
        ("jiangsu", None),
    ]
    ids = [item.version_id for item in result.items]
    assert ids == sorted(ids) and len(set(ids)) == 4
    assert result.next_cursor == ids[-1] and not result.has_more
    shanghai = [i.subject.id for i in page(feed.engine, province="31").items if i.subject]
    assert feed.subjects["sh"] in shanghai and feed.subjects["js"] in shanghai
    assert feed.subjects["zj"] not in shanghai


def test_items_show_the_authority_view(feed: Feed) -> None:
    item = page(feed.engine).items[0]
    assert (item.kind, item.status, item.version, item.department) == ("penalty", "active", 1, None)
    assert item.subject is not None and item.subject.uscc and item.subject.province == "32"
    by_code = {f.code: f for f in item.fields}
    assert by_code["CF_FR_ZJHM"].value == REP_MASKED and by_code["CF_FR_ZJHM"].masked
    assert by_code["CF_GSZT"].sensitivity == "shared"  # shared fields in clear
    text = json.dumps(page(feed.engine).model_dump(mode="json"), ensure_ascii=False)
    assert "h-rep" not in text  # the document's hash never leaves the ledger


def test_cursor_resumes_without_gaps_or_repeats(feed: Feed) -> None:
    seen: list[int] = []
    cursor = 0
    while True:
        result = page(feed.engine, cursor=cursor, limit=1)
        seen.extend(item.version_id for item in result.items)
        assert result.cursor == cursor
        cursor = result.next_cursor
        if not result.has_more:
            break
    assert seen == [item.version_id for item in page(feed.engine).items]
    # Nothing new: the same cursor back, nothing logged.
    empty = page(feed.engine, cursor=cursor)
    assert (empty.items, empty.next_cursor, empty.has_more) == ([], cursor, False)
    assert not empty.access_logged
    # A later batch: its versions come after the cursor, a new version of an old record too.
    add(feed.engine, _versions("jiangsu", "JS-1", feed.subjects["sh_with_js"], status="withdrawn"))
    add(feed.engine, _versions("shanghai", "SH-3", feed.subjects["sh"]))  # not Jiangsu's
    later = page(feed.engine, cursor=cursor)
    assert [(i.version, i.status) for i in later.items] == [(2, "withdrawn")]
    assert later.items[0].version_id > cursor


def test_a_window_without_the_provinces_changes_moves_the_cursor(
    feed: Feed, monkeypatch: pytest.MonkeyPatch
) -> None:
    import credit_yrd.ledger.changes as changes

    expected = [i.version_id for i in page(feed.engine).items]
    monkeypatch.setattr(changes, "SCAN_WINDOW", 1)
    first = page(feed.engine)  # the window holds Shanghai's SH-1 only
    assert first.items == [] and first.has_more and first.next_cursor > 0
    seen = []
    cursor = 0
    for _ in range(20):
        result = page(feed.engine, cursor=cursor)
        seen.extend(i.version_id for i in result.items)
        cursor = result.next_cursor
        if not result.has_more:
            break
    assert seen == expected


def test_every_page_read_is_logged_per_subject(feed: Feed) -> None:
    result = page(feed.engine)
    assert result.access_logged
    with feed.engine.connect() as conn:
        rows = conn.execute(select(access_log).order_by(access_log.c.id)).all()
    assert {(r.subject_id, r.action, r.purpose, r.actor) for r in rows} == {
        (feed.subjects["js"], "change_feed", "按需共享", "key:9 江苏平台"),
        (feed.subjects["sh_with_js"], "change_feed", "按需共享", "key:9 江苏平台"),
        (None, "change_feed", "按需共享", "key:9 江苏平台"),
    }
    logged = sorted(r for row in rows for r in row.record_ids)
    assert logged == sorted(item.record_id for item in result.items)


def test_person_names_are_masked_unless_shown(engine: Engine) -> None:
    from sqlalchemy import insert

    from credit_yrd.store.schema import subjects

    with transaction(engine) as conn:
        person = conn.execute(
            insert(subjects)
            .values(
                subject_type="natural_person",
                person_hash="h-p",
                name="张三丰",
                name_normalised="张三丰",
                province="32",
                division="320583",
                created_at=CLOCK.now(),
            )
            .returning(subjects.c.id)
        ).scalar_one()
    content = {**penalty("P-1", "2026-05-01"), "CF_XDR_MC": "张三丰", "CF_XDR_LB": "自然人"}
    add(engine, [RecordItem("jiangsu", "penalty", "P-1", content, int(person))])
    hidden = page(engine).items[0]
    assert hidden.subject.name == "张**"  # type: ignore[union-attr]
    party = {f.code: f.value for f in hidden.fields}["CF_XDR_MC"]
    assert party == "张**"  # the party named in the content too, not only the subject
    shown = page(engine, show_person_names=True).items[0]
    assert shown.subject is not None and shown.subject.name == "张三丰"
    assert {f.code: f.value for f in shown.fields}["CF_XDR_MC"] == "张三丰"


def test_scope_and_bad_requests() -> None:
    assert checked_province(STANDARD, "江苏", FeedScope("32")) == "32"
    assert checked_province(STANDARD, None, FeedScope("33")) == "33"
    with pytest.raises(ChangesError):
        checked_province(STANDARD, None, FeedScope(None))
    with pytest.raises(ChangesError):
        checked_province(STANDARD, "11", FeedScope(None))
    assert in_scope(FeedScope(None), "34") and not in_scope(FeedScope("31"), "32")


@pytest.mark.parametrize("kw", [{"limit": 0}, {"limit": 501}, {"cursor": -1}])
def test_bounds_are_refused(feed: Feed, kw: dict[str, int]) -> None:
    with pytest.raises(ChangesError):
        page(feed.engine, **kw)  # type: ignore[arg-type]


@pytest.mark.skipif(backend_name() != "postgresql", reason="PostgreSQL writers run concurrently")
def test_a_batch_still_being_written_is_never_skipped(
    feed: Feed, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch that took lower ids but commits after a later one: the feed waits for it (or
    answers busy), so the cursor never passes versions that are not yet visible."""
    import credit_yrd.ledger.changes as changes

    monkeypatch.setattr(changes, "LOCK_TIMEOUT_MS", 200)
    start = page(feed.engine).next_cursor
    slow = feed.engine.connect()
    slow_tx = slow.begin()
    append_versions_bulk(slow, _versions("jiangsu", "SLOW", feed.subjects["js"]), clock=CLOCK)
    done = threading.Event()

    def later_batch() -> None:
        add(feed.engine, _versions("jiangsu", "FAST", feed.subjects["js"]))
        done.set()

    thread = threading.Thread(target=later_batch)
    thread.start()
    done.wait(2)  # the later batch commits (ids above SLOW's) while SLOW is open
    with pytest.raises(ChangesBusyError):
        page(feed.engine, cursor=start)
    slow_tx.commit()
    slow.close()
    thread.join()
    result = page(feed.engine, cursor=start)
    assert [i.subject.id for i in result.items] == [feed.subjects["js"]] * 2  # type: ignore[union-attr]
    assert [i.version_id for i in result.items] == sorted(i.version_id for i in result.items)
    with feed.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(access_log)).scalar_one() >= 2
