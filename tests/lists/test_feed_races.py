"""The feed from records under concurrency: a version whose batch commits late is not passed
over (PostgreSQL), two runs at once apply a change once, and an entry changed between reading
and writing is left for the next run."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine

from credit_yrd.clock import FixedClock
from credit_yrd.lists import feed
from credit_yrd.standards.loader import get_standard
from credit_yrd.store.engine import transaction
from credit_yrd.store.schema import list_entries, list_events, record_versions
from tests.conftest import backend_name
from tests.lists.test_feed import TODAY, dishonesty_row, entries, ingest, sync

PG_ONLY = pytest.mark.skipif(
    backend_name() != "postgresql", reason="SQLite has one writer at a time"
)


def events_of(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(
            conn.execute(select(list_events.c.event).order_by(list_events.c.id)).scalars().all()
        )


def wait_until_blocked(engine: Engine) -> None:
    """Until some transaction of this database waits for a lock (the other thread got there)."""
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


def test_an_entry_changed_meanwhile_is_left_for_the_next_run(
    engine: Engine, tmp_path: Path
) -> None:
    ingest(engine, tmp_path, "1", [dishonesty_row(1)])
    assert sync(engine) == 1
    (stale,) = entries(engine)
    ingest(engine, tmp_path, "2", [dishonesty_row(1, YZ_ZT="removed", YZ_YCRQ="2026-11-20")])
    with transaction(engine) as conn:
        # Someone else (the periodic step) removed it after the run read it as listed.
        conn.execute(
            update(list_entries)
            .where(list_entries.c.id == stale.id)
            .values(status="removed", removed_on=TODAY, removal_reason="expiry")
        )
        (latest,) = feed._latest(conn, [int(stale.record_id)])
        wanted = feed.desired_entry(
            latest,
            get_standard().record_kinds[latest.kind],
            feed.feeds(get_standard())[latest.kind],
            get_standard(),
            TODAY,
        )
        now = FixedClock(TODAY).now()
        assert feed._update(conn, stale, latest, wanted, now, TODAY) is False
    assert events_of(engine) == ["listed"]  # no second removal step
    # The next run compares again with what is there now and brings it in step, once.
    assert sync(engine) == 1
    assert sync(engine) == 0
    (entry,) = entries(engine)
    assert (entry.status, entry.removal_reason) == ("removed", "source")
    assert events_of(engine) == ["listed", "removed"]


@PG_ONLY
def test_a_version_committed_late_is_not_passed_over(engine: Engine, tmp_path: Path) -> None:
    ingest(engine, tmp_path, "1", [dishonesty_row(1)])
    assert sync(engine) == 1
    with engine.connect() as conn:
        first = conn.execute(select(record_versions).order_by(record_versions.c.id)).mappings()
        v1 = dict(first.one())
    values = {k: v for k, v in v1.items() if k != "id"}
    values.update(
        version=2,
        content={**v1["content"], "YZ_ZT": "withdrawn"},
        content_hash="f" * 64,
    )
    slow = engine.connect()
    try:
        slow_tx = slow.begin()
        slow.execute(insert(record_versions).values(**values))  # the lower id, committed last
        ingest(engine, tmp_path, "2", [dishonesty_row(2)])  # a higher id, committed first
        assert sync(engine) == 0  # waits for the batch being written, then leaves it all
        slow_tx.commit()
    finally:
        slow.close()
    assert sync(engine) == 2
    one, two = entries(engine)
    assert one.status == "withdrawn" and two.status == "listed"
    assert sync(engine) == 0


@PG_ONLY
def test_two_runs_at_once_apply_a_change_once(engine: Engine, tmp_path: Path) -> None:
    ingest(engine, tmp_path, "1", [dishonesty_row(1)])
    sync(engine)
    ingest(engine, tmp_path, "2", [dishonesty_row(1, YZ_ZT="removed", YZ_YCRQ="2026-11-20")])
    clock, std = FixedClock(TODAY), get_standard()
    first = engine.connect()
    second: list[int] = []

    def other() -> None:
        with transaction(engine) as conn:
            second.append(feed.sync_from_records(conn, clock=clock, standard=std))

    try:
        first_tx = first.begin()
        assert feed.sync_from_records(first, clock=clock, standard=std) == 1
        thread = threading.Thread(target=other)
        thread.start()
        wait_until_blocked(engine)  # the second run waits for the first's cursor
        first_tx.commit()
        thread.join()
    finally:
        first.close()
    assert second == [0]
    assert events_of(engine) == ["listed", "removed"]
