"""The daily publication job: moves records across their publication windows and logs what it did.

Every record has a *public state* on a day (:data:`~credit_yrd.store.schema.PUBLIC_STATES`), given
by :func:`state_of` from what ``records`` keeps — the window ``public_from`` / ``public_until``
(written by the store from the standard's rule tables), ``repaired_on`` (set by an approved
repair) — and the status of the current version:

============== ========================================================================
withdrawn      the current version is withdrawn or deleted
not_published  the current version is not active (corrected), or the record is not published
               at all (no window: a class not published by default, a withdrawn class …)
repaired       ``repaired_on`` is on or before the day: publication ended by credit repair
scheduled      the window starts after the day
ended          the window ended before the day
published      inside the window
============== ========================================================================

:func:`run` judges every record on a day ``on``, a keyset chunk of :data:`CHUNK` records at a
time, each chunk in one transaction:

1. records of kinds whose rule table picks its rule by the *evaluation date* (``select_rule_by:
   evaluation_date``) get their window recomputed from the current version's content
   (:func:`credit_yrd.store.records.public_window`), since a rule coming into force changes it;
   the other kinds' windows depend on their content alone and are not read again;
2. the state of each record on ``on`` is computed in SQL (a ``CASE`` over the stored dates and
   the current version's status); each record whose state changed — or whose window changed in
   step 1 — gets an append-only ``publication_moves`` row (from, to, the window, the rule when it
   is known: for ``record_date`` tables the rule in force on the window's start, for
   ``evaluation_date`` tables the rule in force on ``on``), written with ``INSERT … SELECT``, and
   ``records.public_state`` is set from those rows with one ``UPDATE``;
3. the run's ``publication_runs`` row adds the chunk's counts (per ``from->to``; ``from`` is
   ``none`` for a record never judged), records examined and moved.

The chunk's rows are locked (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite serialises writers),
so two runs at once never log the same move twice. A run that stops half-way leaves every chunk
it finished consistent and its row without ``finished_at``; the next run moves only what is left.
:func:`run_if_due` runs once per clock day (the worker calls it every pass).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    and_,
    bindparam,
    case,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql.elements import ColumnElement

from credit_yrd.clock import Clock
from credit_yrd.settings import Settings
from credit_yrd.standards.models import RuleTable, Standard
from credit_yrd.store._sql import insert_ignoring
from credit_yrd.store.engine import transaction
from credit_yrd.store.records import _newest_version, public_window
from credit_yrd.store.schema import (
    PUBLIC_STATES,
    job_cursors,
    publication_moves,
    publication_runs,
    record_versions,
    records,
)

log = logging.getLogger(__name__)

#: Records judged per transaction.
CHUNK = 5_000
#: An unfinished run younger than this is taken to be still running (run_if_due waits for it);
#: an older one has stopped, and the next run completes its work.
STALE_RUN = dt.timedelta(hours=1)
#: ``from`` of a move for a record the job had never judged.
NEVER = "none"
#: The ``job_cursors`` row that serialises the decision to start a run.
LOCK_ROW = "publication.job"

#: The actor of the runs the background worker starts.
WORKER = "worker"
#: Most runs :func:`recent_runs` answers.
MAX_RUNS = 500

#: Version statuses that withdraw a record (state ``withdrawn``).
WITHDRAWN_STATUSES = ("withdrawn", "deleted")

STATE_LABELS: dict[str, tuple[str, str]] = {
    "scheduled": ("待公示", "scheduled"),
    "published": ("公示中", "published"),
    "ended": ("公示期满", "ended"),
    "not_published": ("不公示", "not published"),
    "repaired": ("已修复", "repaired"),
    "withdrawn": ("已撤销", "withdrawn"),
    NEVER: ("未判定", "never judged"),
}
assert set(PUBLIC_STATES) <= set(STATE_LABELS)


@dataclass(frozen=True)
class RunSummary:
    """One run of the job: the day judged, what it examined and moved, per ``from->to``.

    ``counts`` holds every move of the run by ``"from->to"``; a key whose two states are the
    same (``"published->published"``) counts records whose window changed while their state did
    not (an evaluation-date rule came into force)."""

    run_id: int
    run_on: dt.date
    examined: int
    moved: int
    counts: dict[str, int] = field(default_factory=dict)
    actor: str = ""
    standard_version: str = ""
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None

    @property
    def windows_changed(self) -> int:
        """Records whose window changed but not their state."""
        total = 0
        for key, n in self.counts.items():
            before, _, after = key.partition("->")
            if before == after:
                total += n
        return total

    @property
    def finished(self) -> bool:
        return self.finished_at is not None

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "run_on": self.run_on.isoformat(),
            "examined": self.examined,
            "moved": self.moved,
            "windows_changed": self.windows_changed,
            "counts": dict(sorted(self.counts.items())),
            "actor": self.actor,
            "standard_version": self.standard_version,
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
        }


@dataclass(frozen=True)
class Move:
    """One logged move of one record (a ``publication_moves`` row and its run's day)."""

    run_id: int
    run_on: dt.date
    record_id: int
    from_state: str | None
    to_state: str
    public_from: dt.date | None
    public_until: dt.date | None
    rule_id: str | None


def state_of(
    public_from: dt.date | None,
    public_until: dt.date | None,
    repaired_on: dt.date | None,
    status: str | None,
    on: dt.date,
) -> str:
    """The public state of a record on ``on`` (one of ``PUBLIC_STATES``); :func:`state_case`
    is the same rule in SQL."""
    if status is None or status != "active":
        return "withdrawn" if status in WITHDRAWN_STATUSES else "not_published"
    if repaired_on is not None and repaired_on <= on:
        return "repaired"
    if public_from is None:
        return "not_published"
    if on < public_from:
        return "scheduled"
    if public_until is not None and public_until < on:
        return "ended"
    return "published"


def state_case(status: Any, on: dt.date) -> ColumnElement[str]:
    """:func:`state_of` as a SQL ``CASE`` over ``records`` and the current version's ``status``."""
    return case(
        (status.in_(WITHDRAWN_STATUSES), literal("withdrawn")),
        (or_(status.is_(None), status != "active"), literal("not_published")),
        (
            and_(records.c.repaired_on.is_not(None), records.c.repaired_on <= on),
            literal("repaired"),
        ),
        (records.c.public_from.is_(None), literal("not_published")),
        (records.c.public_from > on, literal("scheduled")),
        (
            and_(records.c.public_until.is_not(None), records.c.public_until < on),
            literal("ended"),
        ),
        else_=literal("published"),
    )


def _tables_by_kind(standard: Standard) -> dict[str, RuleTable]:
    found: dict[str, RuleTable] = {}
    for code, kind in standard.record_kinds.items():
        table_id = kind.publication.rule_table
        if table_id is not None:
            found[code] = standard.rule_table(table_id)
    return found


def evaluation_date_kinds(standard: Standard) -> list[str]:
    """The record kinds whose window depends on the day judged (rule picked by evaluation date)."""
    return sorted(
        code
        for code, table in _tables_by_kind(standard).items()
        if table.select_rule_by == "evaluation_date"
    )


def rule_case(standard: Standard, on: dt.date) -> ColumnElement[Any]:
    """The id of the rule behind a record's window, in SQL: for tables that pick the rule by the
    record's date, the rule in force on ``public_from`` (the window's start); for tables that pick
    it by the evaluation date, the rule in force on ``on``; NULL for a record not published or a
    kind without a rule table."""
    whens: list[tuple[ColumnElement[bool], Any]] = []
    start = records.c.public_from
    for kind, table in sorted(_tables_by_kind(standard).items()):
        if table.select_rule_by == "evaluation_date":
            rule = table.rule_on(on)
            if rule is not None:
                whens.append((and_(records.c.kind == kind, start.is_not(None)), literal(rule.id)))
            continue
        for rule in table.rules:
            test = [records.c.kind == kind, start >= rule.effective_from]
            if rule.effective_to is not None:
                test.append(start <= rule.effective_to)
            whens.append((and_(*test), literal(rule.id)))
        if table.before_first_rule == "earliest":
            earliest = min(table.rules, key=lambda r: r.effective_from)
            whens.append(
                (
                    and_(records.c.kind == kind, start < earliest.effective_from),
                    literal(earliest.id),
                )
            )
    if not whens:
        return null()
    return case(*whens, else_=null())


# --- the run ---------------------------------------------------------------------------------


def _start_run(
    conn: Connection, *, on: dt.date, clock: Clock, standard: Standard, actor: str
) -> int:
    return int(
        conn.execute(
            insert(publication_runs)
            .values(
                run_on=on,
                started_at=clock.now(),
                actor=actor[:200],
                standard_version=standard.version,
                examined=0,
                moved=0,
                counts={},
            )
            .returning(publication_runs.c.id)
        ).scalar_one()
    )


def _chunk_ids(conn: Connection, after: int) -> list[int]:
    """The ids of the next chunk after ``after``, locked for this transaction (PostgreSQL)."""
    query = (
        select(records.c.id)
        .where(records.c.id > after)
        .order_by(records.c.id)
        .limit(CHUNK)
        .with_for_update()
    )
    return [int(i) for i in conn.execute(query).scalars()]


def _recompute_windows(
    conn: Connection,
    kinds: list[str],
    first: int,
    last: int,
    on: dt.date,
    standard: Standard,
) -> list[int]:
    """Step 1 for one chunk: the windows of evaluation-date kinds from their current content;
    returns the ids of the records whose window changed."""
    if not kinds:
        return []
    rows = conn.execute(
        select(
            records.c.id,
            records.c.kind,
            records.c.public_from,
            records.c.public_until,
            record_versions.c.content,
            record_versions.c.status,
        )
        .join(
            record_versions,
            and_(
                record_versions.c.record_id == records.c.id,
                record_versions.c.version == _newest_version(),
            ),
        )
        .where(records.c.id >= first, records.c.id <= last, records.c.kind.in_(kinds))
    )
    changed: list[dict[str, Any]] = []
    for row in rows:
        content = row.content if isinstance(row.content, Mapping) else {}
        start, end = public_window(row.kind, content, row.status, on, standard)
        if (start, end) != (row.public_from, row.public_until):
            changed.append({"rid": int(row.id), "pfrom": start, "puntil": end})
    if changed:
        conn.execute(
            update(records)
            .where(records.c.id == bindparam("rid"))
            .values(public_from=bindparam("pfrom"), public_until=bindparam("puntil")),
            changed,
        )
    return [c["rid"] for c in changed]


def _move_chunk(
    conn: Connection,
    *,
    run_id: int,
    first: int,
    last: int,
    on: dt.date,
    rules: ColumnElement[Any],
    window_changed: list[int],
) -> dict[str, int]:
    """Step 2 for one chunk, in SQL: the moves, then ``records.public_state`` from them; returns
    the chunk's counts per ``from->to``."""
    status = record_versions.c.status
    new_state = state_case(status, on)
    differs = or_(records.c.public_state.is_(None), records.c.public_state != new_state)
    if window_changed:
        differs = or_(differs, records.c.id.in_(window_changed))
    source = (
        select(
            literal(run_id),
            records.c.id,
            records.c.public_state,
            new_state,
            records.c.public_from,
            records.c.public_until,
            rules,
        )
        .select_from(records)
        .join(
            record_versions,
            and_(
                record_versions.c.record_id == records.c.id,
                record_versions.c.version == _newest_version(),
            ),
        )
        .where(records.c.id >= first, records.c.id <= last, differs)
    )
    conn.execute(
        insert(publication_moves).from_select(
            [
                "run_id",
                "record_id",
                "from_state",
                "to_state",
                "public_from",
                "public_until",
                "rule_id",
            ],
            source,
        )
    )
    in_chunk = and_(
        publication_moves.c.run_id == run_id,
        publication_moves.c.record_id >= first,
        publication_moves.c.record_id <= last,
    )
    moved_to = (
        select(publication_moves.c.to_state)
        .where(publication_moves.c.run_id == run_id, publication_moves.c.record_id == records.c.id)
        .scalar_subquery()
    )
    conn.execute(
        update(records)
        .where(records.c.id.in_(select(publication_moves.c.record_id).where(in_chunk)))
        .values(public_state=moved_to)
    )
    counts: dict[str, int] = {}
    for before, after, n in conn.execute(
        select(publication_moves.c.from_state, publication_moves.c.to_state, func.count())
        .where(in_chunk)
        .group_by(publication_moves.c.from_state, publication_moves.c.to_state)
    ):
        counts[f"{before or NEVER}->{after}"] = int(n)
    return counts


def _moved(counts: Mapping[str, int]) -> int:
    return sum(n for key, n in counts.items() if key.partition("->")[0] != key.partition("->")[2])


def run(
    engine: Engine,
    *,
    on: dt.date,
    clock: Clock,
    standard: Standard,
    actor: str,
) -> RunSummary:
    """Judge every record on ``on``: recompute the windows that depend on the day, log every
    move, set ``records.public_state``; one ``publication_runs`` row for the run (see the module
    doc). Safe to repeat: a second run on the same day moves nothing."""
    with transaction(engine) as conn:
        run_id = _start_run(conn, on=on, clock=clock, standard=standard, actor=actor)
    return _work(engine, run_id=run_id, on=on, clock=clock, standard=standard, actor=actor)


def _work(
    engine: Engine,
    *,
    run_id: int,
    on: dt.date,
    clock: Clock,
    standard: Standard,
    actor: str,
) -> RunSummary:
    log.info("publication run %d for %s started by %s", run_id, on, actor)
    kinds = evaluation_date_kinds(standard)
    rules = rule_case(standard, on)
    counts: dict[str, int] = {}
    examined = 0
    after = 0
    while True:
        with transaction(engine) as conn:
            ids = _chunk_ids(conn, after)
            if not ids:
                break
            first, last = ids[0], ids[-1]
            changed = _recompute_windows(conn, kinds, first, last, on, standard)
            chunk = _move_chunk(
                conn,
                run_id=run_id,
                first=first,
                last=last,
                on=on,
                rules=rules,
                window_changed=changed,
            )
            for key, n in chunk.items():
                counts[key] = counts.get(key, 0) + n
            examined += len(ids)
            conn.execute(
                update(publication_runs)
                .where(publication_runs.c.id == run_id)
                .values(examined=examined, moved=_moved(counts), counts=dict(counts))
            )
        log.debug("publication run %d: records %d to %d judged: %s", run_id, first, last, chunk)
        after = last
    finished = clock.now()
    with transaction(engine) as conn:
        conn.execute(
            update(publication_runs)
            .where(publication_runs.c.id == run_id)
            .values(
                finished_at=finished, examined=examined, moved=_moved(counts), counts=dict(counts)
            )
        )
        row = conn.execute(select(publication_runs).where(publication_runs.c.id == run_id)).one()
    summary = _summary(row)
    log.info(
        "publication run %d for %s: %d records examined, %d moved, %d windows changed (%s)",
        run_id,
        on,
        summary.examined,
        summary.moved,
        summary.windows_changed,
        ", ".join(f"{k}: {n}" for k, n in sorted(counts.items())) or "no moves",
    )
    return summary


def _due(conn: Connection, today: dt.date, now: dt.datetime) -> bool:
    """No finished run today, and none still running (started less than :data:`STALE_RUN` ago)."""
    rows = conn.execute(
        select(publication_runs.c.finished_at, publication_runs.c.started_at).where(
            publication_runs.c.run_on == today
        )
    ).all()
    for finished_at, started_at in rows:
        if finished_at is not None:
            return False
        if started_at is not None and now - started_at < STALE_RUN:
            return False
    return True


def _take_lock(conn: Connection, now: dt.datetime) -> None:
    """Serialise the decision to start a run across processes (the ``job_cursors`` row)."""
    conn.execute(
        insert_ignoring(conn, job_cursors, ["name"]).values(
            name=LOCK_ROW, position=0, updated_at=now
        )
    )
    conn.execute(
        select(job_cursors.c.name).where(job_cursors.c.name == LOCK_ROW).with_for_update()
    ).first()


def run_if_due(
    engine: Engine, *, clock: Clock, standard: Standard, settings: Settings
) -> RunSummary | None:
    """Run the job for the clock's day unless a run of that day finished (or is still running:
    started less than :data:`STALE_RUN` ago); None when not due. The background worker calls
    this every pass. ``settings`` is the platform's, as for the worker's other steps (nothing of
    the job depends on a setting)."""
    del settings
    today = clock.today()
    now = clock.now()
    with transaction(engine) as conn:
        _take_lock(conn, now)
        if not _due(conn, today, now):
            return None
        run_id = _start_run(conn, on=today, clock=clock, standard=standard, actor=WORKER)
    return _work(engine, run_id=run_id, on=today, clock=clock, standard=standard, actor=WORKER)


def _summary(row: Any) -> RunSummary:
    counts = row.counts if isinstance(row.counts, Mapping) else {}
    return RunSummary(
        run_id=int(row.id),
        run_on=row.run_on,
        examined=int(row.examined or 0),
        moved=int(row.moved or 0),
        counts={str(k): int(v) for k, v in counts.items()},
        actor=row.actor,
        standard_version=row.standard_version,
        started_at=row.started_at,
        finished_at=row.finished_at,
    )


def recent_runs(conn: Connection, limit: int = 20) -> list[RunSummary]:
    """The latest runs, newest first (at most ``limit``, 1 to :data:`MAX_RUNS`)."""
    limit = max(1, min(int(limit), MAX_RUNS))
    rows = conn.execute(
        select(publication_runs).order_by(publication_runs.c.id.desc()).limit(limit)
    )
    return [_summary(row) for row in rows]


def moves_of(conn: Connection, record_id: int) -> list[Move]:
    """Every move of one record, oldest first (its publication history)."""
    rows = conn.execute(
        select(publication_moves, publication_runs.c.run_on)
        .join(publication_runs, publication_runs.c.id == publication_moves.c.run_id)
        .where(publication_moves.c.record_id == record_id)
        .order_by(publication_moves.c.id)
    )
    return [
        Move(
            run_id=int(r.run_id),
            run_on=r.run_on,
            record_id=int(r.record_id),
            from_state=r.from_state,
            to_state=r.to_state,
            public_from=r.public_from,
            public_until=r.public_until,
            rule_id=r.rule_id,
        )
        for r in rows
    ]
