"""The check log: every check leaves one ``checks`` row, the evidence that the measures were
considered (执行留痕).

:func:`record_check` writes the row (append-only: the store refuses UPDATE and DELETE) with, per
code, the subject found (or null), the entries and the (entry, measure) pairs returned; resident
ID numbers appear only masked, as the check showed them. It also marks the actions (发起的联合奖惩
行动) of the returned pairs whose subscription belongs to the checker as executed
(``actions.executed_at``, first time only): a department that checked a subject in its business
system has executed the measure. :func:`get_check` and :func:`list_checks` read the log back; who
may read which check is :func:`may_read`.
"""

from __future__ import annotations

import datetime as dt
import getpass
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, insert, select, update
from sqlalchemy.engine import Connection

from credit_yrd.auth.principal import ACTOR_MAX_CHARS, Principal
from credit_yrd.auth.roles import Role
from credit_yrd.checks.engine import STATUS_FOUND, SubjectResult
from credit_yrd.clock import Clock
from credit_yrd.store._sql import chunked
from credit_yrd.store.schema import actions, checks, subscriptions

#: The role the log names for checks made from the command line.
CLI_ROLE = "cli"
DEFAULT_LIMIT = 50
MAX_LIMIT = 500


@dataclass(frozen=True)
class Checker:
    """Who checked, when it is not an API caller: the command line (``cli:<user>``)."""

    actor: str
    role: str = CLI_ROLE
    province: str | None = None
    domain: str | None = None
    key_id: int | None = None
    account_id: int | None = None

    @classmethod
    def cli(cls, name: str | None = None) -> Checker:
        try:
            user = name or getpass.getuser()
        except (KeyError, OSError):  # pragma: no cover - no user name in the environment
            user = "unknown"
        return cls(actor=f"cli:{user}"[:ACTOR_MAX_CHARS])


@dataclass(frozen=True)
class CheckRecord:
    """One row of the check log."""

    id: int
    at: dt.datetime
    actor: str
    role: str
    province: str | None
    domain: str | None
    scenario: str
    codes: int
    hits: int
    results: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "check_id": self.id,
            "at": self.at.isoformat(),
            "on": self.at.date().isoformat(),
            "actor": self.actor,
            "role": self.role,
            "province": self.province,
            "domain": self.domain,
            "scenario": self.scenario,
            "codes": self.codes,
            "hits": self.hits,
            "results": self.results,
        }


def _logged(result: SubjectResult) -> dict[str, Any]:
    """One code's evidence: ``code``, ``subject_id`` (null when none was found), ``status`` when
    not found, and ``entries`` and ``measures`` ([entry, measure] pairs) when any was returned —
    omitted when empty, so that a 10,000-code check of subjects with no measures stays small."""
    logged: dict[str, Any] = {"code": result.code, "subject_id": result.subject_id}
    if result.status != STATUS_FOUND:
        logged["status"] = result.status
    if result.measures:
        entries: list[int] = []
        pairs: list[list[Any]] = []
        for applied in result.measures:
            entry_id = applied.entry.id
            if entry_id not in entries:
                entries.append(entry_id)
            pairs.append([entry_id, applied.measure.code])
        logged["entries"] = entries
        logged["measures"] = pairs
    return logged


def record_check(
    conn: Connection,
    *,
    clock: Clock,
    principal: Principal | Checker,
    scenario: str,
    results: Sequence[SubjectResult],
) -> int:
    """Log one check and mark the checker's actions of the returned pairs executed; its id."""
    now = clock.now()
    logged = [_logged(r) for r in results]
    hits = sum(1 for r in results if r.measures)
    check_id = conn.execute(
        insert(checks)
        .values(
            at=now,
            actor=principal.actor[:ACTOR_MAX_CHARS],
            role=str(principal.role),
            province=principal.province,
            domain=principal.domain,
            scenario=scenario,
            codes=len(results),
            hits=hits,
            results=logged,
        )
        .returning(checks.c.id)
    ).scalar_one()
    if hits:
        mark_executed(conn, now=now, principal=principal, results=results)
    return int(check_id)


def mark_executed(
    conn: Connection,
    *,
    now: dt.datetime,
    principal: Principal | Checker,
    results: Sequence[SubjectResult],
) -> int:
    """Set ``executed_at`` (when still empty) on the actions of the returned (entry, measure)
    pairs whose subscription is the checker's (its API key or its account); how many. Only open
    actions count: a check returns active entries, whose actions are those of the current listing
    (those of an earlier listing of the same entry were lifted when it ended).

    The pairs of one check share one scenario, and the measures of an entry in a scenario depend
    on its list only, so "entry among the returned entries and measure among the returned
    measures" selects exactly the returned pairs.
    """
    if principal.key_id is not None:
        owner = subscriptions.c.key_id == principal.key_id
    elif principal.account_id is not None:
        owner = subscriptions.c.account_id == principal.account_id
    else:
        return 0
    entry_ids = sorted({a.entry.id for r in results for a in r.measures})
    measure_codes = sorted({a.measure.code for r in results for a in r.measures})
    mine = select(subscriptions.c.id).where(owner).scalar_subquery()
    marked = 0
    for chunk in chunked(entry_ids):
        marked += conn.execute(
            update(actions)
            .where(
                and_(
                    actions.c.executed_at.is_(None),
                    actions.c.lifted_at.is_(None),
                    actions.c.subscription_id.in_(mine),
                    actions.c.entry_id.in_(chunk),
                    actions.c.measure_code.in_(measure_codes),
                )
            )
            .values(executed_at=now)
        ).rowcount
    return marked


def _record(row: Any) -> CheckRecord:
    return CheckRecord(
        id=int(row.id),
        at=row.at,
        actor=row.actor,
        role=row.role,
        province=row.province,
        domain=row.domain,
        scenario=row.scenario,
        codes=int(row.codes),
        hits=int(row.hits),
        results=list(row.results or []),
    )


def get_check(conn: Connection, check_id: int) -> CheckRecord | None:
    row = conn.execute(select(checks).where(checks.c.id == check_id)).first()
    return _record(row) if row is not None else None


def may_read(principal: Principal, record: CheckRecord) -> bool:
    """A caller reads its own checks; a credit office those of its province (all when it is
    regional)."""
    if record.actor == principal.actor:
        return True
    if principal.role is Role.CREDIT_OFFICE:
        return principal.province is None or principal.province == record.province
    return False


def list_checks(
    conn: Connection,
    *,
    actor: str | None = None,
    province: str | None = None,
    scenario: str | None = None,
    before: int | None = None,
    limit: int = DEFAULT_LIMIT,
) -> list[CheckRecord]:
    """Checks, newest first: of one checker (``actor``), of one province, of one scenario;
    ``before`` an id to page back from."""
    query = select(checks)
    if actor is not None:
        query = query.where(checks.c.actor == actor)
    if province is not None:
        query = query.where(checks.c.province == province)
    if scenario is not None:
        query = query.where(checks.c.scenario == scenario)
    if before is not None:
        query = query.where(checks.c.id < before)
    limit = max(1, min(limit, MAX_LIMIT))
    return [_record(row) for row in conn.execute(query.order_by(checks.c.id.desc()).limit(limit))]


__all__ = [
    "CLI_ROLE",
    "CheckRecord",
    "Checker",
    "get_check",
    "list_checks",
    "mark_executed",
    "may_read",
    "record_check",
]
