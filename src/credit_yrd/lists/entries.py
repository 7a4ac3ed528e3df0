"""List entries (名单条目) as the rest of the platform reads them.

An :class:`Entry` is one row of ``list_entries`` with the :class:`ListDef` of its list. An entry is
ACTIVE on day D when its status is ``listed``, ``listed_on <= D`` and (``ends_on`` is empty or
``D <= ends_on``). Mutual recognition (互认): an entry decided by any province's authority is
active across the whole region, so nothing here filters active entries by province.

The public sees only active entries (:func:`public_entries`): a natural person's name is masked and
no personal ID number is shown; proposals and objections are never public.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.engine import Connection, Row
from sqlalchemy.sql.elements import ColumnElement

from credit_yrd.auth.principal import Principal
from credit_yrd.auth.roles import Role
from credit_yrd.ledger.files import mask_name, scrub_resident_ids
from credit_yrd.standards.joint_models import ListDef
from credit_yrd.standards.loader import get_standard
from credit_yrd.standards.models import Standard
from credit_yrd.store.schema import list_entries, list_events, subjects

#: Statuses of an entry still on its way to the list or on it.
LIVE_STATUSES = ("proposed", "objected", "listed")
DEFAULT_LIMIT = 50
MAX_LIMIT = 500


@dataclass(frozen=True)
class Entry:
    """One ``list_entries`` row and the definition of its list (``None`` if the standard in use
    no longer defines the list)."""

    id: int
    list_code: str
    subject_id: int
    subject_name: str
    status: str
    origin: str
    record_id: int | None
    authority: str
    authority_uscc: str | None
    province: str
    domain: str | None
    decision_number: str | None
    reason: str
    legal_basis: str
    proposed_by: str | None
    proposed_at: dt.datetime | None
    objection_until: dt.date | None
    listed_on: dt.date | None
    ends_on: dt.date | None
    removed_on: dt.date | None
    removal_reason: str | None
    updated_at: dt.datetime
    basis_record_id: int | None = None
    list_def: ListDef | None = field(default=None, compare=False, repr=False)

    @classmethod
    def of(cls, row: Row[Any] | Any, standard: Standard | None = None) -> Entry:
        std = standard or get_standard()
        values = {f.name: getattr(row, f.name) for f in fields(cls) if f.name != "list_def"}
        values["id"] = int(values["id"])
        values["subject_id"] = int(values["subject_id"])
        for key in ("record_id", "basis_record_id"):
            if values[key] is not None:
                values[key] = int(values[key])
        return cls(**values, list_def=std.lists.get(values["list_code"]))

    def active_on(self, day: dt.date) -> bool:
        return active_on(self, day)

    def to_dict(self) -> dict[str, Any]:
        """The entry's columns (dates as dates), without the list definition."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "list_def"}


@dataclass(frozen=True)
class Step:
    """One dated, attributed step of an entry (a ``list_events`` row)."""

    id: int
    entry_id: int
    event: str
    at: dt.datetime
    actor: str
    detail: dict[str, Any]


@dataclass(frozen=True)
class PublicEntry:
    """An active entry as the public sees it: a natural person's name masked, no ID number."""

    id: int
    list_code: str
    subject_name: str
    subject_type: str
    uscc: str | None
    authority: str
    province: str
    decision_number: str | None
    reason: str
    legal_basis: str
    listed_on: dt.date | None
    ends_on: dt.date | None


@dataclass(frozen=True)
class PublicPage:
    entries: list[PublicEntry]
    #: Pass as ``after`` for the next page; ``None`` on the last page.
    next_after: int | None


def active_on(entry: Entry, day: dt.date) -> bool:
    """Whether the entry is in force on ``day`` (listed, started, not ended)."""
    return (
        entry.status == "listed"
        and entry.listed_on is not None
        and entry.listed_on <= day
        and (entry.ends_on is None or day <= entry.ends_on)
    )


def active_clause(day: dt.date) -> ColumnElement[bool]:
    """SQL for "active on ``day``" over ``list_entries``."""
    return and_(
        list_entries.c.status == "listed",
        list_entries.c.listed_on <= day,
        or_(list_entries.c.ends_on.is_(None), list_entries.c.ends_on >= day),
    )


def get_entry(conn: Connection, entry_id: int, *, standard: Standard | None = None) -> Entry | None:
    row = conn.execute(select(list_entries).where(list_entries.c.id == entry_id)).first()
    return Entry.of(row, standard) if row is not None else None


def entries_of_subject(
    conn: Connection, subject_id: int, *, standard: Standard | None = None
) -> list[Entry]:
    """Every entry of one subject, in any state, newest first."""
    rows = conn.execute(
        select(list_entries)
        .where(list_entries.c.subject_id == subject_id)
        .order_by(list_entries.c.id.desc())
    )
    std = standard or get_standard()
    return [Entry.of(row, std) for row in rows]


def scope_clause(principal: Principal) -> ColumnElement[bool] | None:
    """The entries a department or credit office answers for, as SQL; ``None`` for every entry
    (the regional credit office). Other roles answer for none (raises ``ValueError``)."""
    if principal.role is Role.DEPARTMENT:
        if principal.province is None or principal.domain is None:
            return list_entries.c.id.is_(None)  # a department without a scope answers for nothing
        return and_(
            list_entries.c.province == principal.province,
            list_entries.c.domain == principal.domain,
        )
    if principal.role is Role.CREDIT_OFFICE:
        if principal.province is None:
            return None
        return list_entries.c.province == principal.province
    raise ValueError(f"role {principal.role} answers for no list entries")


def entries_for_department(
    conn: Connection,
    principal: Principal,
    status: str | None = None,
    *,
    limit: int = MAX_LIMIT,
    after: int | None = None,
    standard: Standard | None = None,
) -> list[Entry]:
    """The entries a department (its province and domain) or a credit office (its province; the
    regional office all) answers for, proposals and objections included; objections to answer
    first, then newest first. ``after``: only entries with a smaller id (paging)."""
    if principal.role not in (Role.DEPARTMENT, Role.CREDIT_OFFICE):
        return []
    query = select(list_entries)
    scope = scope_clause(principal)
    if scope is not None:
        query = query.where(scope)
    if status is not None:
        query = query.where(list_entries.c.status == status)
    if after is not None:
        query = query.where(list_entries.c.id < after)
    query = query.order_by(list_entries.c.id.desc()).limit(limit)
    std = standard or get_standard()
    found = [Entry.of(row, std) for row in conn.execute(query)]
    return sorted(found, key=lambda e: e.status != "objected")


def steps_of(conn: Connection, entry_id: int) -> list[Step]:
    """The dated steps of an entry, oldest first."""
    rows = conn.execute(
        select(list_events).where(list_events.c.entry_id == entry_id).order_by(list_events.c.id)
    )
    return [
        Step(
            id=int(row.id),
            entry_id=int(row.entry_id),
            event=row.event,
            at=row.at,
            actor=row.actor,
            detail=dict(row.detail or {}),
        )
        for row in rows
    ]


def list_counts(conn: Connection, *, on: dt.date) -> dict[str, int]:
    """The number of active entries on ``on`` per list code (every list of the standard, zero
    included)."""
    counts = {code: 0 for code in get_standard().lists}
    rows = conn.execute(
        select(list_entries.c.list_code, func.count())
        .where(active_clause(on))
        .group_by(list_entries.c.list_code)
    )
    for code, count in rows:
        counts[code] = int(count)
    return counts


def public_subject(name: str, subject_type: str, uscc: str | None) -> tuple[str, str | None]:
    """(name, code) fit for the public: a natural person's name masked and no code."""
    if subject_type == "natural_person":
        return mask_name(name), None
    return name, uscc


def public_entries(
    conn: Connection,
    *,
    list_code: str,
    on: dt.date,
    after: int | None = None,
    limit: int = DEFAULT_LIMIT,
) -> PublicPage:
    """The entries of one list active on ``on``, by id, ``limit`` a page after the id ``after``."""
    limit = max(1, min(limit, MAX_LIMIT))
    query = (
        select(
            list_entries,
            subjects.c.subject_type,
            subjects.c.uscc,
        )
        .join(subjects, subjects.c.id == list_entries.c.subject_id)
        .where(list_entries.c.list_code == list_code, active_clause(on))
        .order_by(list_entries.c.id)
        .limit(limit + 1)
    )
    if after is not None:
        query = query.where(list_entries.c.id > after)
    rows = list(conn.execute(query))
    more = len(rows) > limit
    rows = rows[:limit]
    shown = [public_entry(row) for row in rows]
    return PublicPage(entries=shown, next_after=shown[-1].id if more and shown else None)


def public_entry(row: Any) -> PublicEntry:
    """A joined ``list_entries`` + ``subjects`` row as the public sees it."""
    name, code = public_subject(row.subject_name, row.subject_type, row.uscc)

    def scrub(text: str) -> str:
        text = scrub_resident_ids(text)
        if row.subject_type == "natural_person" and row.subject_name.strip():
            text = text.replace(row.subject_name.strip(), name)  # the person's name in the text
        return text

    return PublicEntry(
        id=int(row.id),
        list_code=row.list_code,
        subject_name=name,
        subject_type=row.subject_type,
        uscc=code,
        authority=row.authority,
        province=row.province,
        decision_number=scrub(row.decision_number) if row.decision_number else None,
        reason=scrub(row.reason),
        legal_basis=scrub(row.legal_basis),
        listed_on=row.listed_on,
        ends_on=row.ends_on,
    )
