"""The daily publication job: records move across their windows, every move is logged, a rerun
moves nothing, the worker runs it once per day, and a run that stopped half-way is completed."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.engine import Engine

from credit_yrd.publication import job
from credit_yrd.publication.job import (
    RunSummary,
    moves_of,
    recent_runs,
    run,
    run_if_due,
    state_of,
)
from credit_yrd.settings import Settings
from credit_yrd.standards.loader import get_standard
from credit_yrd.standards.models import Standard
from credit_yrd.store.engine import transaction
from credit_yrd.store.schema import publication_moves, publication_runs, record_versions, records
from tests.ledger.conftest import penalty
from tests.publication.conftest import (
    SUMMER,
    Region,
    add_record,
    clock_on,
    set_record,
    state,
)

STANDARD = get_standard()
JUNE = dt.date(2026, 6, 1)


def judge(store: Engine, day: dt.date, standard: Standard = STANDARD) -> RunSummary:
    return run(store, on=day, clock=clock_on(day), standard=standard, actor="test")


def states(store: Engine, region: Region) -> dict[str, str | None]:
    return {name: state(store, rid) for name, rid in region.records.items()}


def by_evaluation_date() -> Standard:
    """The shipped standard with the penalty table picking its rule by the day judged."""
    table = STANDARD.rule_tables["penalty_publication"].model_copy(
        update={"select_rule_by": "evaluation_date"}
    )
    return STANDARD.model_copy(
        update={"rule_tables": {**STANDARD.rule_tables, "penalty_publication": table}}
    )


# --- state_of --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("public_from", "public_until", "repaired_on", "status", "expected"),
    [
        (dt.date(2026, 7, 1), dt.date(2026, 8, 31), None, "active", "scheduled"),
        (dt.date(2026, 5, 1), dt.date(2026, 8, 31), None, "active", "published"),
        (dt.date(2026, 5, 1), dt.date(2026, 6, 1), None, "active", "published"),  # last day
        (dt.date(2026, 6, 1), None, None, "active", "published"),  # first day, no end
        (dt.date(2026, 1, 1), dt.date(2026, 5, 31), None, "active", "ended"),
        (None, None, None, "active", "not_published"),
        (dt.date(2026, 5, 1), None, JUNE, "active", "repaired"),  # from the repair day
        (dt.date(2026, 5, 1), None, dt.date(2026, 6, 2), "active", "published"),
        (dt.date(2026, 1, 1), dt.date(2026, 5, 31), dt.date(2026, 3, 1), "active", "repaired"),
        (dt.date(2026, 5, 1), None, None, "withdrawn", "withdrawn"),
        (dt.date(2026, 5, 1), None, None, "deleted", "withdrawn"),
        (dt.date(2026, 5, 1), None, JUNE, "withdrawn", "withdrawn"),
        (dt.date(2026, 5, 1), None, None, "corrected", "not_published"),
    ],
)
def test_state_of(
    public_from: dt.date | None,
    public_until: dt.date | None,
    repaired_on: dt.date | None,
    status: str,
    expected: str,
) -> None:
    assert state_of(public_from, public_until, repaired_on, status, JUNE) == expected


# --- runs ------------------------------------------------------------------------------------


def test_records_move_across_their_windows_and_every_move_is_logged(
    store: Engine, region: Region
) -> None:
    first = judge(store, JUNE)
    assert first.examined == len(region.records)
    assert states(store, region) == {
        "shown": "published",
        "withdrawn": "withdrawn",
        "old": "ended",
        "jiangsu_license": "published",
        "corrected": "not_published",
        "person_penalty": "published",
        "summer": "scheduled",
    }
    assert first.counts == {
        "none->published": 3,
        "none->withdrawn": 1,
        "none->ended": 1,
        "none->not_published": 1,
        "none->scheduled": 1,
    }
    assert first.moved == 7

    july = judge(store, dt.date(2026, 7, 15))
    assert july.counts == {"scheduled->published": 1} and july.moved == 1
    september = judge(store, dt.date(2026, 9, 1))
    assert september.counts == {"published->ended": 1}
    assert state(store, region.records["summer"]) == "ended"

    with store.connect() as conn:
        moves = moves_of(conn, region.records["summer"])
        shown = moves_of(conn, region.records["shown"])
    assert [(m.from_state, m.to_state, m.run_on) for m in moves] == [
        (None, "scheduled", JUNE),
        ("scheduled", "published", dt.date(2026, 7, 15)),
        ("published", "ended", dt.date(2026, 9, 1)),
    ]
    assert all((m.public_from, m.public_until) == SUMMER for m in moves)
    assert moves[0].rule_id is None  # licences have no rule table: their window is their dates
    # a penalty's move names the rule that set its window (in force on the decision date)
    [decided] = shown
    assert decided.rule_id == "gov-2025-22"
    assert decided.public_from == dt.date(2026, 3, 1)
    with store.connect() as conn:
        old = moves_of(conn, region.records["old"])
    assert old[0].rule_id == "ndrc-527-2019"  # before the first rule: the earliest


def test_the_stored_state_is_state_of_for_every_record(store: Engine, region: Region) -> None:
    set_record(store, region.records["shown"], repaired_on=dt.date(2026, 5, 20))
    for day in (JUNE, dt.date(2026, 7, 1), dt.date(2026, 9, 1), dt.date(2030, 1, 1)):
        judge(store, day)
        with store.connect() as conn:
            newest = (
                select(func.max(record_versions.c.version))
                .where(record_versions.c.record_id == records.c.id)
                .correlate(records)
                .scalar_subquery()
            )
            rows = conn.execute(
                select(
                    records.c.public_from,
                    records.c.public_until,
                    records.c.repaired_on,
                    records.c.public_state,
                    record_versions.c.status,
                ).join(
                    record_versions,
                    (record_versions.c.record_id == records.c.id)
                    & (record_versions.c.version == newest),
                )
            ).all()
        for r in rows:
            assert r.public_state == state_of(
                r.public_from, r.public_until, r.repaired_on, r.status, day
            ), (day, r)


def test_a_rerun_the_same_day_moves_nothing(store: Engine, region: Region) -> None:
    judge(store, JUNE)
    again = judge(store, JUNE)
    assert again.moved == 0 and again.counts == {}
    assert again.examined == len(region.records)
    with store.connect() as conn:
        moves = conn.execute(
            select(func.count()).where(publication_moves.c.run_id == again.run_id)
        ).scalar_one()
    assert moves == 0


def test_a_repair_ends_publication_at_the_next_run(store: Engine, region: Region) -> None:
    judge(store, JUNE)
    set_record(store, region.records["shown"], repaired_on=dt.date(2026, 6, 2))
    assert judge(store, JUNE).moved == 0  # the day before the repair takes effect
    assert judge(store, dt.date(2026, 6, 2)).counts == {"published->repaired": 1}


def test_the_run_is_recorded_and_logged(
    store: Engine, region: Region, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="credit_yrd.publication.job"):
        summary = judge(store, JUNE)
    assert any(
        f"publication run {summary.run_id}" in r.getMessage() and "7 moved" in r.getMessage()
        for r in caplog.records
    )
    with store.connect() as conn:
        [latest] = recent_runs(conn, 1)
        row = conn.execute(
            select(publication_runs).where(publication_runs.c.id == summary.run_id)
        ).one()
    assert latest == summary
    assert (row.run_on, row.examined, row.moved, row.actor) == (JUNE, 7, 7, "test")
    assert row.counts == summary.counts
    assert row.standard_version == STANDARD.version
    assert row.finished_at is not None


def test_windows_that_depend_on_the_day_are_recomputed(store: Engine, region: Region) -> None:
    # Decided 2023-03-01 with a fine of 50,000: under 527号 (in force that day) one year, to
    # 2024-03-01; under Order 58 (in force 2025-03-10) a serious case of three years.
    with transaction(store) as conn:
        rid = add_record(
            conn, "early", subject_id=region.company_id, content=penalty("9", "2023-03-01")
        )
    with store.connect() as conn:
        stored = conn.execute(
            select(records.c.public_from, records.c.public_until).where(records.c.id == rid)
        ).one()
    assert tuple(stored) == (dt.date(2023, 3, 1), dt.date(2024, 3, 1))

    judge(store, dt.date(2025, 3, 10))  # the shipped table: by the record's date
    assert state(store, rid) == "ended"
    summary = judge(store, dt.date(2025, 3, 10), by_evaluation_date())
    # the 2015 penalty's window changes too (one year under Order 58), but it stays ended
    assert summary.counts == {"ended->published": 1, "ended->ended": 1}
    with store.connect() as conn:
        stored = conn.execute(
            select(records.c.public_from, records.c.public_until).where(records.c.id == rid)
        ).one()
        [*_, move] = moves_of(conn, rid)
    assert tuple(stored) == (dt.date(2023, 3, 1), dt.date(2026, 3, 1))
    assert (move.rule_id, move.public_until) == ("ndrc-order-58", dt.date(2026, 3, 1))


def test_a_window_change_without_a_state_change_is_logged_too(
    store: Engine, region: Region
) -> None:
    with transaction(store) as conn:
        rid = add_record(
            conn, "early", subject_id=region.company_id, content=penalty("9", "2023-03-01")
        )
    judge(store, dt.date(2023, 6, 1))  # published until 2024-03-01 under 527号
    summary = judge(store, dt.date(2023, 6, 2), by_evaluation_date())  # Order 58: to 2026
    assert summary.counts == {"published->published": 1, "ended->ended": 1}  # and the 2015 one
    assert summary.moved == 0 and summary.windows_changed == 2
    with store.connect() as conn:
        [*_, move] = moves_of(conn, rid)
    assert (move.from_state, move.to_state, move.public_until) == (
        "published",
        "published",
        dt.date(2026, 3, 1),
    )
    assert judge(store, dt.date(2023, 6, 2), by_evaluation_date()).counts == {}


def test_run_if_due_runs_once_per_clock_day(store: Engine, region: Region) -> None:
    settings = Settings()
    first = run_if_due(store, clock=clock_on(JUNE), standard=STANDARD, settings=settings)
    assert first is not None and first.moved == 7 and first.actor == "worker"
    assert run_if_due(store, clock=clock_on(JUNE), standard=STANDARD, settings=settings) is None
    nxt = run_if_due(
        store, clock=clock_on(dt.date(2026, 7, 2)), standard=STANDARD, settings=settings
    )
    assert nxt is not None and nxt.counts == {"scheduled->published": 1}
    with store.connect() as conn:
        assert len(recent_runs(conn)) == 2


def test_run_if_due_waits_for_a_running_run_but_not_for_a_stopped_one(
    store: Engine, region: Region
) -> None:
    clock = clock_on(JUNE)
    with transaction(store) as conn:
        conn.execute(
            insert(publication_runs).values(
                run_on=JUNE,
                started_at=clock.now() - dt.timedelta(minutes=10),
                actor="worker",
                standard_version=STANDARD.version,
            )
        )
    settings = Settings()
    assert run_if_due(store, clock=clock, standard=STANDARD, settings=settings) is None
    later = clock_on(dt.datetime(2026, 6, 1, 14, 0))  # two hours on: that run has stopped
    done = run_if_due(store, clock=later, standard=STANDARD, settings=settings)
    assert done is not None and done.moved == 7


def test_a_run_that_stops_half_way_is_completed_by_the_next(
    store: Engine, region: Region, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(job, "CHUNK", 3)
    real = job._move_chunk
    calls = {"n": 0}

    def failing(*args: object, **kwargs: object) -> dict[str, int]:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("the machine went down")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(job, "_move_chunk", failing)
    with pytest.raises(RuntimeError):
        judge(store, JUNE)
    with store.connect() as conn:
        [stopped] = recent_runs(conn)
        judged = conn.execute(
            select(func.count()).where(records.c.public_state.is_not(None))
        ).scalar_one()
    assert stopped.finished_at is None
    assert stopped.examined == 3 and judged == 3  # the first chunk, and only it, committed

    monkeypatch.setattr(job, "_move_chunk", real)
    completed = judge(store, JUNE)
    assert completed.examined == 7 and completed.moved == 4
    assert None not in states(store, region).values()
    with store.connect() as conn:
        per_record = conn.execute(
            select(publication_moves.c.record_id, func.count()).group_by(
                publication_moves.c.record_id
            )
        ).all()
    assert sorted(n for _, n in per_record) == [1] * 7  # nobody moved twice
