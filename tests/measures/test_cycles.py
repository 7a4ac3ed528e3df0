"""Each listing of an entry is a cycle of its own: an entry removed and listed again gets new
actions; its earlier actions stay lifted. What departments receive has resident ID numbers
masked. On PostgreSQL the cursors over ``list_events`` and ``deliveries`` never pass over a row
whose transaction commits late."""

from __future__ import annotations

import json
import threading
import time

import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, Engine

from credit_yrd.auth.principal import Principal
from credit_yrd.checks.engine import AppliedMeasure, IndexedEntry, SubjectResult
from credit_yrd.checks.log import mark_executed
from credit_yrd.measures import actions as acts
from credit_yrd.measures.delivery import pull
from credit_yrd.measures.errors import BusyError
from credit_yrd.measures.subscriptions import subscribe
from credit_yrd.standards.loader import get_standard
from credit_yrd.store.engine import transaction
from credit_yrd.store.schema import actions, deliveries, job_cursors, list_entries, list_events
from credit_yrd.web.console import take_pulled
from tests.conftest import backend_name
from tests.ingest.builders import make_resident_id
from tests.measures.conftest import (
    CLOCK,
    TODAY,
    add_entry,
    at,
    company,
    department,
    remove_entry,
    settings,
)

STD = get_standard()
SETTINGS = settings()
PG_ONLY = pytest.mark.skipif(
    backend_name() != "postgresql", reason="ids commit in order on SQLite (one writer at a time)"
)


def initiate(engine: Engine, clock=CLOCK) -> int:  # type: ignore[no-untyped-def]
    with transaction(engine) as conn:
        return acts.initiate_pending(conn, clock=clock, standard=STD, settings=SETTINGS)


def finance(engine: Engine, url: str | None = None) -> Principal:
    """A Zhejiang finance department subscribed to government procurement (the judgment
    defaulters' list triggers one measure there: ``procurement_exclusion``)."""
    with transaction(engine) as conn:
        who = department(conn, "33", "finance", "浙江省财政厅")
        subscribe(
            conn,
            clock=CLOCK,
            principal=who,
            scenarios=["government_procurement"],
            webhook_url=url,
            standard=STD,
            settings=SETTINGS,
        )
    return who


def relist(conn: Connection, entry_id: int, *, why: str | None = None) -> None:
    """The entry listed again (or, with ``why="record_corrected"``, a listed entry corrected)."""
    conn.execute(
        update(list_entries)
        .where(list_entries.c.id == entry_id)
        .values(status="listed", removed_on=None, removal_reason=None, updated_at=CLOCK.now())
    )
    conn.execute(
        insert(list_events).values(
            entry_id=entry_id,
            event="listed",
            at=CLOCK.now(),
            actor="test",
            detail={"why": why} if why else None,
        )
    )


def rows(engine: Engine, entry_id: int) -> list[tuple[int, bool]]:
    """(cycle, lifted) of the entry's actions, in order."""
    with engine.connect() as conn:
        return [
            (int(r.cycle), r.lifted_at is not None)
            for r in conn.execute(
                select(actions).where(actions.c.entry_id == entry_id).order_by(actions.c.id)
            )
        ]


def delivered_events(engine: Engine) -> list[tuple[int, str]]:
    with engine.connect() as conn:
        return [
            (int(r.action_id), r.event)
            for r in conn.execute(select(deliveries).order_by(deliveries.c.id))
        ]


def test_an_entry_listed_again_gets_new_actions(engine: Engine) -> None:
    finance(engine)
    with transaction(engine) as conn:
        entry = add_entry(conn, company(conn, 1))
    assert initiate(engine) == 1
    assert rows(engine, entry) == [(1, False)]
    with transaction(engine) as conn:
        remove_entry(conn, entry, clock=at(days=1))
    assert initiate(engine, at(days=1)) == 1
    assert rows(engine, entry) == [(1, True)]
    with transaction(engine) as conn:
        relist(conn, entry)
    assert initiate(engine, at(days=2)) == 1
    assert rows(engine, entry) == [(1, True), (2, False)]
    first, second = (i for i, _ in delivered_events(engine)[::2])
    assert [e for _, e in delivered_events(engine)] == [
        "action.initiated",
        "action.lifted",
        "action.initiated",
    ]
    assert first != second
    assert initiate(engine, at(days=2)) == 0
    # A listed entry corrected at its source (another ``listed`` step) stays in its cycle.
    with transaction(engine) as conn:
        relist(conn, entry, why="record_corrected")
    assert initiate(engine, at(days=3)) == 0
    assert rows(engine, entry) == [(1, True), (2, False)]
    # Withdrawn: only the open cycle is lifted (again one ``action.lifted``).
    with transaction(engine) as conn:
        remove_entry(conn, entry, clock=at(days=4), event="withdrawn")
    assert initiate(engine, at(days=4)) == 1
    assert rows(engine, entry) == [(1, True), (2, True)]
    assert len(delivered_events(engine)) == 4


def test_removed_and_listed_again_within_one_pass(engine: Engine) -> None:
    finance(engine)
    with transaction(engine) as conn:
        entry = add_entry(conn, company(conn, 1))
        remove_entry(conn, entry, clock=CLOCK)
        relist(conn, entry)
    initiate(engine)
    # The first listing was initiated and lifted; the current one stays open.
    assert rows(engine, entry) == [(1, True), (2, False)]


def test_a_late_subscriber_gets_the_current_listing(engine: Engine) -> None:
    with transaction(engine) as conn:
        entry = add_entry(conn, company(conn, 1))
        remove_entry(conn, entry, clock=CLOCK)
        relist(conn, entry)
    assert initiate(engine) == 0  # nobody subscribed yet
    finance(engine)  # catches up on the entry's current (second) listing
    assert rows(engine, entry) == [(2, False)]
    assert initiate(engine) == 0


def test_a_check_marks_only_the_open_action_executed(engine: Engine) -> None:
    who = finance(engine)
    with transaction(engine) as conn:
        entry = add_entry(conn, company(conn, 1))
    initiate(engine)
    with transaction(engine) as conn:
        remove_entry(conn, entry, clock=CLOCK)
        relist(conn, entry)
    initiate(engine)
    applied = AppliedMeasure(
        measure=STD.measures["procurement_exclusion"],
        entry=IndexedEntry(
            id=entry,
            list_code="judgment_defaulter",
            subject_id=1,
            listed_on=TODAY,
            ends_on=None,
            authority="苏州市中级人民法院",
            authority_uscc=None,
            province="32",
            domain="court",
            decision_number=None,
            legal_basis="-",
            list_def=STD.list_def("judgment_defaulter"),
        ),
    )
    result = SubjectResult(code="X", status="found", subject_id=1, measures=(applied,))
    with transaction(engine) as conn:
        assert mark_executed(conn, now=CLOCK.now(), principal=who, results=[result]) == 1
    with engine.connect() as conn:
        executed = [
            (int(r.cycle), r.executed_at is not None)
            for r in conn.execute(select(actions).order_by(actions.c.id))
        ]
    assert executed == [(1, False), (2, True)]


def test_departments_never_receive_a_resident_id_number(engine: Engine) -> None:
    who = finance(engine)
    pid = make_resident_id(4243)
    with transaction(engine) as conn:
        entry = add_entry(conn, company(conn, 1))
        conn.execute(
            update(list_entries)
            .where(list_entries.c.id == entry)
            .values(
                reason=f"法定代表人李四（身份证号{pid}）拒不履行",
                legal_basis=f"依据 {pid} 的执行裁定",
                decision_number=f"(2026)苏05执{pid}号",
            )
        )
    initiate(engine)
    masked = f"{pid[:4]}**********{pid[-4:]}"
    with transaction(engine) as conn:
        payloads = [r.payload for r in conn.execute(select(deliveries.c.payload))]
        fed = pull(conn, who, 0, 10, clock=CLOCK)
        listed = acts.department_actions(conn, who, standard=STD, on=TODAY)
    shown = json.dumps([payloads, fed, [a.to_dict(TODAY) for a in listed]], ensure_ascii=False)
    assert pid not in shown
    entry_view = payloads[0]["entry"]
    assert masked in entry_view["reason"] and masked in entry_view["decision_number"]
    assert entry_view["reason"].startswith("法定代表人李四")  # the rest of the text stays


def test_the_console_marks_what_it_shows_by_action_id(engine: Engine) -> None:
    who = finance(engine)
    with transaction(engine) as conn:
        for n in range(3):
            add_entry(conn, company(conn, n))
    initiate(engine)
    with transaction(engine) as conn:
        assert take_pulled(conn, who, CLOCK) == 3
        assert take_pulled(conn, who, CLOCK) == 0
    with engine.connect() as conn:
        assert all(r.pushed_at is not None for r in conn.execute(select(actions)))
        assert all(r.delivered_at is not None for r in conn.execute(select(deliveries)))
    # The department's own pull feed still has every event.
    with transaction(engine) as conn:
        assert len(pull(conn, who, 0, 10, clock=CLOCK)["events"]) == 3


def test_a_webhook_department_is_not_marked_by_the_console(engine: Engine) -> None:
    who = finance(engine, url="https://hooks.example.gov.cn/credit")
    with transaction(engine) as conn:
        add_entry(conn, company(conn, 1))
    initiate(engine)
    with transaction(engine) as conn:
        assert take_pulled(conn, who, CLOCK) == 0
    with engine.connect() as conn:
        assert all(r.pushed_at is None for r in conn.execute(select(actions)))


# -- PostgreSQL: late commits -----------------------------------------------------------------


@PG_ONLY
def test_a_listing_committed_late_is_initiated(engine: Engine) -> None:
    finance(engine)
    with transaction(engine) as conn:
        early, late = company(conn, 1), company(conn, 2)
    slow = engine.connect()
    try:
        slow_tx = slow.begin()
        first = add_entry(slow, early)  # the lower event id, committed last
        with transaction(engine) as conn:
            second = add_entry(conn, late)
        # While the step is being written the pass waits, then leaves the cursor alone.
        assert initiate(engine) == 0
        slow_tx.commit()
    finally:
        slow.close()
    assert initiate(engine) == 2
    assert rows(engine, first) == [(1, False)] and rows(engine, second) == [(1, False)]
    with engine.connect() as conn:
        position = conn.execute(
            select(job_cursors.c.position).where(job_cursors.c.name == acts.CURSOR)
        ).scalar_one()
        top = conn.execute(select(list_events.c.id).order_by(list_events.c.id.desc())).first()
    assert top is not None and position == top.id


def wait_until_blocked(engine: Engine) -> None:
    """Until some transaction waits for a lock (the other thread got there)."""
    for _ in range(400):
        with engine.connect() as conn:
            waiting = conn.exec_driver_sql(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            ).scalar()
            if waiting:
                return
        time.sleep(0.05)
    raise AssertionError("the other transaction never waited for the lock")


@PG_ONLY
def test_the_pull_feed_never_skips_a_delivery_committed_late(engine: Engine) -> None:
    who = finance(engine)
    with transaction(engine) as conn:
        first = add_entry(conn, company(conn, 1))
    initiate(engine)
    with transaction(engine) as conn:
        after = pull(conn, who, 0, 100, clock=CLOCK)["next_after"]
        action_id = conn.execute(select(actions.c.id)).scalar_one()
    slow = engine.connect()
    try:
        slow_tx = slow.begin()
        with transaction(engine) as conn:
            add_entry(conn, company(conn, 2))
        # A pass that takes its time: its delivery (the lower id) commits last.
        acts.initiate_pending(slow, clock=CLOCK, standard=STD, settings=SETTINGS)
        with transaction(engine) as conn:  # a delivery written meanwhile, committed first
            conn.execute(
                insert(deliveries).values(
                    subscription_id=1,
                    action_id=action_id,
                    event="action.lifted",
                    payload={"entry": {"id": first}},
                    created_at=CLOCK.now(),
                    attempts=0,
                )
            )
        with pytest.raises(BusyError) as refused, transaction(engine) as conn:
            pull(conn, who, after, 100, clock=CLOCK)
        assert refused.value.status == 503
        slow_tx.commit()
    finally:
        slow.close()
    with transaction(engine) as conn:
        page = pull(conn, who, after, 100, clock=CLOCK)
    assert [e["event"] for e in page["events"]] == ["action.initiated", "action.lifted"]
    with transaction(engine) as conn:
        assert pull(conn, who, page["next_after"], 100, clock=CLOCK)["events"] == []


@PG_ONLY
def test_a_subscription_made_during_a_pass_misses_no_listing(engine: Engine) -> None:
    who = finance(engine)
    with transaction(engine) as conn:
        add_entry(conn, company(conn, 1))
    initiate(engine)
    slow = engine.connect()
    try:
        slow_tx = slow.begin()
        # A second subscription, caught up on entry 1, not committed yet.
        subscribe(
            slow,
            clock=CLOCK,
            principal=who,
            scenarios=["fiscal_funds"],
            standard=STD,
            settings=SETTINGS,
        )
        with transaction(engine) as conn:
            second = add_entry(conn, company(conn, 2))
        done: list[int] = []
        worker = threading.Thread(target=lambda: done.append(initiate(engine)))
        worker.start()
        wait_until_blocked(engine)  # the pass waits for the subscription
        slow_tx.commit()
        worker.join()
    finally:
        slow.close()
    with engine.connect() as conn:
        measures = sorted(
            conn.execute(select(actions.c.measure_code).where(actions.c.entry_id == second))
            .scalars()
            .all()
        )
    assert measures == ["fiscal_funds_restriction", "procurement_exclusion"]
