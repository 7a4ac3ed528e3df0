"""Objections (异议): a subject, or a party with standing, disputes a record's content, its period
of publication, or a repair decision; the record's deciding authority answers within
``objection_working_days`` working days.

Who may file (kept strict):

- a **subject account** about a record of its own subject (``party='subject'``);
- a **subject account of another subject named in the record** (``party='standing'``, with
  ``party_name``): named means the record's content carries that subject's unified social credit
  code, or — for a natural person — the keyed hash of its ID number (a legal representative, a
  shareholder). A name alone is not enough: names are not unique;
- a **credit office** (any province or the region: 长三角 cases are accepted anywhere) filing on
  someone's behalf (``party='standing'``, with ``party_name``, the person or body it files for).

Everyone else is refused. A record is open to objection while its current version is active; one
objection per record and party is open at a time (the subject; or a party with standing, by name).

Filing writes, in one transaction: the ``objections`` row (routed to the record's source province
and ``records.domain`` — 谁认定、谁修复; a record without a domain goes to the credit office only;
a national source's record to the subject's province), ``records.objection_open = true`` (the
异议处理中 mark wherever the record is shown), the case step ``filed`` and notices to the handlers and
to the subject. The due date is the received date plus the working days of the setting, counted
with the official holiday calendar (:mod:`credit_yrd.workdays`).

The filer may withdraw an open objection: it leaves no mark (the flag is recomputed from the
record's other open objections). A handler in scope (:func:`credit_yrd.repair.common.may_handle`)
decides, always with reasons:

- ``correct`` — for ``content`` and ``period``: ``corrected`` names the changed fields by field
  code of the record kind (``period``: only the date fields that drive the publication window);
  a new record version with the merged content is appended (status ``active``), history kept.
  For ``repair_decision``: the refused repair is approved through :mod:`credit_yrd.repair`'s
  applications and effects (publication ends, sharing stops, listings are lifted);
- ``withdraw_record`` — a new version with the same content and status ``withdrawn``: the record
  leaves the public file;
- ``uphold`` — the record stays as it is.

The subject is told the outcome; the handling time in working days is kept. Progress by query
code (:func:`objection_progress`) shows no identifiers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import case, exists, insert, select, update
from sqlalchemy.engine import Connection, Row

from credit_yrd.auth.principal import Principal
from credit_yrd.auth.roles import Role
from credit_yrd.clock import CHINA_TZ, Clock
from credit_yrd.errors import CreditYrdError
from credit_yrd.ids import business_reg_no, org_code, uscc
from credit_yrd.ids.divisions import province_name
from credit_yrd.ids.errors import InvalidIdentifier
from credit_yrd.ingest.normalise import decimal_text, normalise_text
from credit_yrd.ingest.validate import DEPARTMENT
from credit_yrd.ledger.files import mask_name, scrub_resident_ids
from credit_yrd.repair.applications import approve_refused, notify_handlers
from credit_yrd.repair.common import (
    OBJECTION_PREFIX,
    handler_filter,
    may_handle,
    new_query_code,
    normalise_query_code,
    notify,
    record_case_event,
    working_calendar,
)
from credit_yrd.settings import Settings
from credit_yrd.standards.errors import UnknownCodeError
from credit_yrd.standards.loader import get_standard
from credit_yrd.standards.models import FieldDef, RecordKind, Standard
from credit_yrd.standards.values import parse_date, parse_decimal, split_multiple
from credit_yrd.store.records import RecordItem, append_versions_bulk
from credit_yrd.store.schema import (
    OBJECTION_GROUNDS,
    OBJECTION_PARTIES,
    case_events,
    list_entries,
    objections,
    record_versions,
    records,
    repair_applications,
    sources,
    subjects,
)
from credit_yrd.text import one_line

STATEMENT_MAX = 4000
REASONS_MAX = 4000
PARTY_NAME_MAX = 200
VALUE_MAX = 4000
OUTCOMES = ("correct", "withdraw_record", "uphold")
Outcome = Literal["correct", "withdraw_record", "uphold"]
#: Outcome → the objection's final status and the case step written.
OUTCOME_STATUS = {"correct": "corrected", "withdraw_record": "withdrawn_record", "uphold": "upheld"}
LONG_TERM = dt.date(2099, 12, 31)
_MAX_NUMBER = Decimal(10) ** 15

GROUND_LABELS: dict[str, tuple[str, str]] = {
    "content": ("信息内容有误", "the content is wrong"),
    "period": ("公示期限有误", "the publication period is wrong"),
    "repair_decision": ("对信用修复决定有异议", "the repair decision is disputed"),
}
STATUS_LABELS: dict[str, tuple[str, str]] = {
    "open": ("异议处理中", "being handled"),
    "corrected": ("异议成立，已更正", "accepted: corrected"),
    "withdrawn_record": ("异议成立，已撤销该信息", "accepted: the record is withdrawn"),
    "upheld": ("异议不成立，维持原信息", "not accepted: the record stands"),
    "withdrawn": ("已撤回异议", "withdrawn by the filer"),
}
STEP_LABELS: dict[str, tuple[str, str]] = {
    "filed": ("提出异议", "objection filed"),
    "withdrawn": ("撤回异议", "objection withdrawn"),
    "corrected": ("更正信息", "record corrected"),
    "withdrawn_record": ("撤销信息", "record withdrawn"),
    "upheld": ("维持原信息", "record upheld"),
}


# --- errors ----------------------------------------------------------------------------------


class ObjectionError(CreditYrdError):
    """Base class of the objection errors; ``status`` is the HTTP status the API answers."""

    status = 400


class ObjectionInputError(ObjectionError):
    """A field of the request breaks a rule (which field, which rule)."""

    def __init__(self, field_name: str, zh: str, en: str) -> None:
        self.field = field_name
        super().__init__(f"{field_name}：{zh}", f"{field_name}: {en}")


class UnknownObjectionError(ObjectionError):
    """No such objection, or not one the caller may see (the two are not told apart)."""

    status = 404

    def __init__(self, objection_id: int) -> None:
        self.objection_id = objection_id
        super().__init__(
            f"没有编号为 {objection_id} 的异议，或您无权查看",
            f"no objection {objection_id}, or not one you may see",
        )


class UnknownRecordError(ObjectionError):
    """The record objected to does not exist."""

    status = 404

    def __init__(self, record_id: int) -> None:
        self.record_id = record_id
        super().__init__(f"未找到记录 {record_id}", f"record {record_id} not found")


class NoStandingError(ObjectionError):
    """The caller may not file this objection (not its record, not named in it, wrong role)."""

    status = 403


class ObjectionStateError(ObjectionError):
    """The objection or its record is not in a state that allows the step."""

    status = 409


class CorrectionError(ObjectionError):
    """``corrected`` breaks a rule: unknown field, wrong value, or a field the ground does not
    cover."""

    def __init__(self, field_code: str, zh: str, en: str) -> None:
        self.field = field_code
        super().__init__(f"corrected.{field_code}：{zh}", f"corrected.{field_code}: {en}")


# --- shapes ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseStep:
    """One dated step of the case (``case_events``)."""

    id: int
    event: str
    at: dt.datetime
    actor: str
    detail: dict[str, Any]


@dataclass(frozen=True)
class Objection:
    """An objection as stored, with its steps (oldest first)."""

    id: int
    query_code: str
    subject_id: int
    record_id: int
    repair_id: int | None
    ground: str
    party: str
    party_name: str | None
    statement: str
    filed_by: str
    filed_by_account_id: int | None
    province: str
    authority: str
    domain: str | None
    status: str
    received_at: dt.datetime
    due_on: dt.date
    decided_at: dt.datetime | None
    decided_by: str | None
    reasons: str | None
    new_version_id: int | None
    working_days: int | None
    updated_at: dt.datetime
    steps: list[CaseStep] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    @property
    def received_on(self) -> dt.date:
        return _day(self.received_at)

    @property
    def decided_on(self) -> dt.date | None:
        return _day(self.decided_at) if self.decided_at is not None else None

    def overdue(self, today: dt.date) -> bool:
        """Open past its due date, or answered after it (a withdrawal is never overdue)."""
        if self.is_open:
            return today > self.due_on
        decided = self.decided_on
        return self.status != "withdrawn" and decided is not None and decided > self.due_on

    def to_dict(self) -> dict[str, Any]:
        values = {k: v for k, v in vars(self).items() if k != "steps"}
        values["steps"] = [vars(s) for s in self.steps]
        return values


@dataclass(frozen=True)
class QueueItem:
    """An objection in a handler's queue, with the record it is about and its deadline."""

    objection: Objection
    record_kind: str
    kind_label_zh: str
    kind_label_en: str
    subject_name: str
    working_days_left: int | None
    overdue: bool
    warning: tuple[str, str] | None


@dataclass(frozen=True)
class ProgressStep:
    event: str
    label_zh: str
    label_en: str
    on: dt.date


@dataclass(frozen=True)
class Progress:
    """What anyone holding the query code sees: no identifiers, no account, no statement."""

    case_kind_zh: str
    case_kind_en: str
    ground: str
    ground_zh: str
    ground_en: str
    status: str
    status_zh: str
    status_en: str
    record_kind_zh: str
    record_kind_en: str
    subject_name: str
    authority: str
    authority_province: str | None
    received_on: dt.date
    due_on: dt.date
    decided_on: dt.date | None
    overdue: bool
    reasons: str | None
    steps: list[ProgressStep]
    warning: tuple[str, str] | None


# --- reading ---------------------------------------------------------------------------------


def _day(value: dt.datetime) -> dt.date:
    return value.astimezone(CHINA_TZ).date() if value.tzinfo is not None else value.date()


def _actor(principal: Principal) -> str:
    """How case steps name the caller: its key or account, or ``cli:<name>`` for the CLI."""
    if principal.key_id is None and principal.account_id is None:
        return f"cli:{principal.label}"[:200]
    return principal.actor


def _steps(conn: Connection, objection_ids: list[int]) -> dict[int, list[CaseStep]]:
    found: dict[int, list[CaseStep]] = {i: [] for i in objection_ids}
    if not objection_ids:
        return found
    rows = conn.execute(
        select(case_events)
        .where(case_events.c.objection_id.in_(objection_ids))
        .order_by(case_events.c.id)
    )
    for row in rows:
        found[int(row.objection_id)].append(
            CaseStep(
                id=int(row.id),
                event=row.event,
                at=row.at,
                actor=row.actor,
                detail=dict(row.detail or {}),
            )
        )
    return found


def _objection(row: Row[Any], steps: list[CaseStep] | None = None) -> Objection:
    return Objection(
        id=int(row.id),
        query_code=row.query_code,
        subject_id=int(row.subject_id),
        record_id=int(row.record_id),
        repair_id=int(row.repair_id) if row.repair_id is not None else None,
        ground=row.ground,
        party=row.party,
        party_name=row.party_name,
        statement=row.statement,
        filed_by=row.filed_by,
        filed_by_account_id=(
            int(row.filed_by_account_id) if row.filed_by_account_id is not None else None
        ),
        province=row.province,
        authority=row.authority,
        domain=row.domain,
        status=row.status,
        received_at=row.received_at,
        due_on=row.due_on,
        decided_at=row.decided_at,
        decided_by=row.decided_by,
        reasons=row.reasons,
        new_version_id=int(row.new_version_id) if row.new_version_id is not None else None,
        working_days=int(row.working_days) if row.working_days is not None else None,
        updated_at=row.updated_at,
        steps=steps or [],
    )


def _with_steps(conn: Connection, rows: list[Row[Any]]) -> list[Objection]:
    steps = _steps(conn, [int(r.id) for r in rows])
    return [_objection(r, steps[int(r.id)]) for r in rows]


def get_objection(conn: Connection, objection_id: int) -> Objection | None:
    """One objection with its steps, or None (callers decide who may see it: :func:`may_read`)."""
    row = conn.execute(select(objections).where(objections.c.id == objection_id)).first()
    return _with_steps(conn, [row])[0] if row is not None else None


def objections_of_subject(conn: Connection, subject_id: int) -> list[Objection]:
    """Every objection about a subject's records, newest first, with steps."""
    rows = list(
        conn.execute(
            select(objections)
            .where(objections.c.subject_id == subject_id)
            .order_by(objections.c.id.desc())
        )
    )
    return _with_steps(conn, rows)


def objections_for_filer(conn: Connection, principal: Principal) -> list[Objection]:
    """The objections a caller may follow as their filer, newest first: a subject account's own
    subject's objections and those it filed as a party with standing; anyone else's own filings."""
    filed = objections.c.filed_by == _actor(principal)
    if principal.role is Role.SUBJECT and principal.subject_id is not None:
        own = (objections.c.party == "subject") & (objections.c.subject_id == principal.subject_id)
        filed = filed | own
    rows = list(conn.execute(select(objections).where(filed).order_by(objections.c.id.desc())))
    return _with_steps(conn, rows)


def is_filer(principal: Principal, objection: Objection) -> bool:
    """Whether ``principal`` filed the objection (or, for the subject's own objection, speaks for
    that subject)."""
    if _actor(principal) == objection.filed_by:
        return True
    return (
        objection.party == "subject"
        and principal.role is Role.SUBJECT
        and principal.subject_id is not None
        and principal.subject_id == objection.subject_id
    )


def may_read(principal: Principal, objection: Objection) -> bool:
    """The filer and the handlers of the case may read it; nobody else."""
    return is_filer(principal, objection) or may_handle(
        principal, objection.province, objection.domain
    )


def readable_objection(conn: Connection, principal: Principal, objection_id: int) -> Objection:
    """The objection for a caller who may read it; :class:`UnknownObjectionError` otherwise."""
    found = get_objection(conn, objection_id)
    if found is None or not may_read(principal, found):
        raise UnknownObjectionError(objection_id)
    return found


# --- filing ----------------------------------------------------------------------------------


def _clean_text(name: str, value: str | None, limit: int, *, required: bool = True) -> str | None:
    text = one_line(value)
    if not text:
        if required:
            raise ObjectionInputError(name, "不能为空", "must not be empty")
        return None
    if len(text) > limit:
        raise ObjectionInputError(
            name, f"长度 {len(text)} 超过上限 {limit}", f"length {len(text)} exceeds {limit}"
        )
    return text


def _named_in(content: Mapping[str, Any], subject: Row[Any]) -> bool:
    """Whether a record's content names ``subject`` by USCC or (persons) by ID-number hash."""
    wanted_code = subject.uscc
    wanted_hash = subject.person_hash
    for value in content.values():
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, str) and wanted_code and item.strip().upper() == wanted_code:
                return True
            if isinstance(item, dict) and wanted_hash and item.get("hash") == wanted_hash:
                return True
    return False


def _locked_record(conn: Connection, record_id: int) -> Row[Any]:
    row = conn.execute(select(records).where(records.c.id == record_id).with_for_update()).first()
    if row is None:
        raise UnknownRecordError(record_id)
    return row


def _latest_version(conn: Connection, record_id: int) -> Row[Any]:
    row = conn.execute(
        select(record_versions)
        .where(record_versions.c.record_id == record_id)
        .order_by(record_versions.c.version.desc())
        .limit(1)
    ).first()
    if row is None:
        raise UnknownRecordError(record_id)
    return row


def _authority(
    conn: Connection, record: Row[Any], latest: Row[Any], kind: RecordKind
) -> tuple[str, str, str | None]:
    """``(province, authority name, domain)`` an objection about ``record`` goes to."""
    source = conn.execute(select(sources).where(sources.c.code == record.source)).first()
    province = source.province if source is not None else None
    if province is None and record.subject_id is not None:  # a national source's record
        province = conn.execute(
            select(subjects.c.province).where(subjects.c.id == record.subject_id)
        ).scalar()
    if not province:
        raise ObjectionStateError(
            f"记录 {record.id} 的来源无省份、主体也无所在省份，无法确定受理部门",
            f"record {record.id} has no source province and its subject none: no authority "
            "to send the objection to",
        )
    name = latest.department or (source.name_zh if source is not None else record.source)
    domain = record.domain or kind.domain_of(dict(latest.content))
    return province, str(name)[:200], domain


def _check_standing(
    conn: Connection,
    principal: Principal,
    record: Row[Any],
    content: Mapping[str, Any],
    party: str,
) -> None:
    if principal.role is Role.SUBJECT:
        if principal.subject_id is None:
            raise NoStandingError(
                "本账户未关联任何主体，不能提出异议",
                "this account speaks for no subject: it cannot object",
            )
        if party == "subject":
            if record.subject_id != principal.subject_id:
                raise NoStandingError(
                    f"记录 {record.id} 不是本主体的信息；利害关系人异议请用 party=standing",
                    f"record {record.id} is not about your subject; a party with standing files "
                    "with party=standing",
                )
            return
        if record.subject_id == principal.subject_id:
            raise ObjectionInputError(
                "party",
                "本主体自己的信息请用 party=subject",
                "your own subject's record: file with party=subject",
            )
        own = conn.execute(select(subjects).where(subjects.c.id == principal.subject_id)).first()
        if own is None or not _named_in(content, own):
            raise NoStandingError(
                f"记录 {record.id} 的内容未载明本主体（统一社会信用代码或身份证件），"
                "不是利害关系人",
                f"record {record.id} does not name your subject (by USCC or ID document): "
                "no standing",
            )
        return
    if principal.role is Role.CREDIT_OFFICE:
        if party != "standing":
            raise ObjectionInputError(
                "party",
                "信用办代为提出异议时须为 standing，并写明 party_name",
                "a credit office files on someone's behalf: party=standing with party_name",
            )
        return
    raise NoStandingError(
        "仅主体本人、记录载明的利害关系人或信用办（代为）可以提出异议",
        "only the subject, a party the record names, or a credit office on someone's behalf "
        "may object",
    )


def refused_repair_about(
    conn: Connection, repair_id: int | None, record_id: int, subject_id: int
) -> int:
    """``repair_id`` when it names a refused application of ``subject_id`` about ``record_id`` (or
    a listing that comes from or rests on it) — the only repair decisions one may object to;
    otherwise an :class:`ObjectionError` saying why."""
    if repair_id is None:
        raise ObjectionInputError(
            "repair_id",
            "对修复决定的异议须写明修复申请编号",
            "an objection to a repair decision names the repair application",
        )
    row = conn.execute(
        select(repair_applications).where(repair_applications.c.id == repair_id)
    ).first()
    if row is None or int(row.subject_id) != subject_id:
        raise ObjectionInputError(
            "repair_id",
            f"没有本主体的修复申请 {repair_id}",
            f"no repair application {repair_id} of this subject",
        )
    about = row.record_id
    if about is None and row.entry_id is not None:
        entry = conn.execute(
            select(list_entries.c.record_id, list_entries.c.basis_record_id).where(
                list_entries.c.id == row.entry_id
            )
        ).first()
        if entry is not None and record_id in (entry.record_id, entry.basis_record_id):
            about = record_id
    if about is None or int(about) != record_id:
        raise ObjectionInputError(
            "repair_id",
            f"修复申请 {repair_id} 与记录 {record_id} 无关",
            f"repair application {repair_id} is not about record {record_id}",
        )
    if row.status != "refused":
        raise ObjectionStateError(
            f"修复申请 {repair_id} 的状态为 {row.status}：只能对不予修复的决定提出异议",
            f"repair application {repair_id} is {row.status}: only a refusal can be disputed",
        )
    return repair_id


def _open_exists(conn: Connection, record_id: int, party: str, party_name: str | None) -> bool:
    query = select(objections.c.id).where(
        objections.c.record_id == record_id,
        objections.c.status == "open",
        objections.c.party == party,
    )
    if party == "standing":
        query = query.where(objections.c.party_name == party_name)
    return conn.execute(query.limit(1)).first() is not None


def _sync_mark(conn: Connection, record_id: int) -> bool:
    """``records.objection_open`` = whether any objection about the record is open now."""
    still_open = conn.execute(
        select(exists().where(objections.c.record_id == record_id, objections.c.status == "open"))
    ).scalar_one()
    conn.execute(
        update(records).where(records.c.id == record_id).values(objection_open=bool(still_open))
    )
    return bool(still_open)


def _notify_handlers(
    conn: Connection,
    clock: Clock,
    objection_id: int,
    province: str,
    domain: str | None,
    title: tuple[str, str],
    body: tuple[str, str],
    event: str,
) -> None:
    ref = f"objection:{objection_id}"
    notify_handlers(
        conn,
        clock=clock,
        kind="objection",
        ref=ref,
        province=province,
        domain=domain,
        title=title,
        body=body,
        dedupe=f"{ref}:{event}",
    )


def file_objection(
    conn: Connection,
    *,
    clock: Clock,
    settings: Settings,
    standard: Standard,
    principal: Principal,
    record_id: int,
    ground: str,
    statement: str,
    repair_id: int | None = None,
    party: str = "subject",
    party_name: str | None = None,
) -> Objection:
    """File an objection about ``record_id`` (see the module's rules); run it in a transaction."""
    if ground not in OBJECTION_GROUNDS:
        raise ObjectionInputError(
            "ground",
            f"“{ground}”无效（可选：{'、'.join(OBJECTION_GROUNDS)}）",
            f"{ground!r} is not one of {', '.join(OBJECTION_GROUNDS)}",
        )
    if party not in OBJECTION_PARTIES:
        raise ObjectionInputError(
            "party",
            f"“{party}”无效（可选：{'、'.join(OBJECTION_PARTIES)}）",
            f"{party!r} is not one of {', '.join(OBJECTION_PARTIES)}",
        )
    text = _clean_text("statement", statement, STATEMENT_MAX)
    assert text is not None
    name = _clean_text("party_name", party_name, PARTY_NAME_MAX, required=party == "standing")
    if party == "subject" and name is not None:
        raise ObjectionInputError(
            "party_name",
            "主体本人提出异议时不填 party_name",
            "party_name is for a party with standing only",
        )
    if ground != "repair_decision" and repair_id is not None:
        raise ObjectionInputError(
            "repair_id",
            "仅对修复决定的异议（ground=repair_decision）填写",
            "only for ground=repair_decision",
        )

    record = _locked_record(conn, record_id)  # serialises filings about the same record
    latest = _latest_version(conn, record_id)
    content = dict(latest.content)
    kind = standard.record_kinds.get(record.kind)
    if kind is None:
        raise ObjectionStateError(
            f"标准中没有记录 {record_id} 的信息类别 {record.kind}",
            f"the standard has no record kind {record.kind!r} for record {record_id}",
        )
    if record.subject_id is None:
        raise ObjectionStateError(
            f"记录 {record_id} 尚未关联主体，不能提出异议",
            f"record {record_id} is not linked to a subject: it cannot be objected to",
        )
    _check_standing(conn, principal, record, content, party)
    if latest.status != "active":
        raise ObjectionStateError(
            f"记录 {record_id} 的当前版本状态为 {latest.status}，不能提出异议",
            f"record {record_id} is {latest.status}: it cannot be objected to",
        )
    subject_id = int(record.subject_id)
    if ground == "repair_decision":
        repair_id = refused_repair_about(conn, repair_id, record_id, subject_id)
    if _open_exists(conn, record_id, party, name):
        raise ObjectionStateError(
            f"记录 {record_id} 已有一件由同一异议人提出、正在处理的异议",
            f"record {record_id} already has an open objection by the same party",
        )

    province, authority, domain = _authority(conn, record, latest, kind)
    now = clock.now()
    today = clock.today()
    calendar = working_calendar(settings)
    due = calendar.add_working_days(today, settings.objection_working_days)
    objection_id = int(
        conn.execute(
            insert(objections)
            .values(
                query_code=new_query_code(OBJECTION_PREFIX),
                subject_id=subject_id,
                record_id=record_id,
                repair_id=repair_id,
                ground=ground,
                party=party,
                party_name=name,
                statement=text,
                filed_by=_actor(principal),
                filed_by_account_id=principal.account_id,
                province=province,
                authority=authority,
                domain=domain,
                status="open",
                received_at=now,
                due_on=due,
                updated_at=now,
            )
            .returning(objections.c.id)
        ).scalar_one()
    )
    conn.execute(update(records).where(records.c.id == record_id).values(objection_open=True))
    record_case_event(
        conn,
        clock=clock,
        event="filed",
        actor=_actor(principal),
        objection_id=objection_id,
        detail={"ground": ground, "party": party, "due_on": due, "repair_id": repair_id},
    )
    ground_zh, ground_en = GROUND_LABELS[ground]
    label = f"{kind.label_zh}（记录 {record_id}）"
    label_en = f"{kind.label_en} (record {record_id})"
    _notify_handlers(
        conn,
        clock,
        objection_id,
        province,
        domain,
        (f"新异议：{label}", f"new objection: {label_en}"),
        (
            f"异议事项：{ground_zh}。请于 {due.isoformat()} 前答复（{settings.objection_working_days} "
            "个工作日）。",
            f"Ground: {ground_en}. Answer by {due.isoformat()} "
            f"({settings.objection_working_days} working days).",
        ),
        "filed",
    )
    notify(
        conn,
        clock=clock,
        kind="objection",
        ref=f"objection:{objection_id}",
        title=(f"异议已受理：{kind.label_zh}", f"objection received: {kind.label_en}"),
        body=(
            f"异议事项：{ground_zh}；答复期限 {due.isoformat()}。处理期间该信息标注“异议处理中”。",
            f"Ground: {ground_en}; answer due by {due.isoformat()}. While it is handled the "
            "record is marked 'objection being handled'.",
        ),
        subject_id=subject_id,
    )
    found = get_objection(conn, objection_id)
    assert found is not None
    return found


# --- withdrawal ------------------------------------------------------------------------------


def _locked_objection(conn: Connection, objection_id: int) -> Row[Any]:
    row = conn.execute(
        select(objections).where(objections.c.id == objection_id).with_for_update()
    ).first()
    if row is None:
        raise UnknownObjectionError(objection_id)
    return row


def _lock_case(conn: Connection, objection_id: int) -> Row[Any]:
    """Lock the objection's record, then the objection (always in this order)."""
    found = conn.execute(
        select(objections.c.record_id).where(objections.c.id == objection_id)
    ).first()
    if found is None:
        raise UnknownObjectionError(objection_id)
    _locked_record(conn, int(found.record_id))
    return _locked_objection(conn, objection_id)


def _not_open(objection_id: int, status: str, step_zh: str, step_en: str) -> ObjectionStateError:
    zh, en = STATUS_LABELS.get(status, (status, status))
    return ObjectionStateError(
        f"异议 {objection_id} 当前为“{zh}”，不能{step_zh}（须为处理中）",
        f"objection {objection_id} is {status} ({en}): cannot {step_en} (it must be open)",
    )


def withdraw_objection(
    conn: Connection, *, clock: Clock, principal: Principal, objection_id: int
) -> Objection:
    """The filer withdraws an open objection; the record keeps no mark of it."""
    row = _lock_case(conn, objection_id)
    current = _objection(row)
    if not is_filer(principal, current):
        raise UnknownObjectionError(objection_id)
    if not current.is_open:
        raise _not_open(objection_id, current.status, "撤回", "withdraw")
    now = clock.now()
    conn.execute(
        update(objections)
        .where(objections.c.id == objection_id)
        .values(status="withdrawn", updated_at=now)
    )
    _sync_mark(conn, current.record_id)
    record_case_event(
        conn, clock=clock, event="withdrawn", actor=_actor(principal), objection_id=objection_id
    )
    _notify_handlers(
        conn,
        clock,
        objection_id,
        current.province,
        current.domain,
        (
            f"异议已撤回：记录 {current.record_id}",
            f"objection withdrawn: record {current.record_id}",
        ),
        ("异议人已撤回异议，无须答复。", "The filer withdrew the objection: no answer is needed."),
        "withdrawn",
    )
    found = get_objection(conn, objection_id)
    assert found is not None
    return found


# --- decision --------------------------------------------------------------------------------


def _window_fields(kind: RecordKind) -> set[str]:
    spec = kind.publication
    codes = {kind.field(spec.start_field).code}
    if spec.end_field is not None:
        codes.add(kind.field(spec.end_field).code)
    return codes


def _checked_value(standard: Standard, definition: FieldDef, value: Any) -> Any:
    code = definition.code
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise CorrectionError(code, "值须为文本或数字", "the value must be text or a number")
    if definition.sensitivity == "restricted" or definition.identifier_kind == "person_document_no":
        raise CorrectionError(
            code,
            "个人证件号码等受限字段不能通过异议更正，请由来源单位重新报送",
            "restricted fields (personal document numbers) are not corrected through an "
            "objection: the source sends them again",
        )
    text = normalise_text(one_line(str(value)))
    if not text:
        raise CorrectionError(code, "不能为空", "must not be empty")
    if definition.type == "date":
        day = parse_date(text)
        if day is None or day.year < 1900 or day > LONG_TERM:
            raise CorrectionError(
                code,
                f"“{text[:40]}”不是有效日期（1900-01-01 至 2099-12-31）",
                f"{text[:40]!r} is not a valid date (1900-01-01 to 2099-12-31)",
            )
        return day.isoformat()
    if definition.type in ("decimal", "integer"):
        number = parse_decimal(value if not isinstance(value, str) else text)
        if number is None or not number.is_finite() or number < 0 or number >= _MAX_NUMBER:
            raise CorrectionError(
                code,
                f"“{text[:40]}”不是有效数字（0 至 10^15）",
                f"{text[:40]!r} is not a valid number (0 to 10^15)",
            )
        if definition.type == "integer":
            if number != number.to_integral_value():
                raise CorrectionError(code, "须为整数", "must be a whole number")
            return int(number)
        return decimal_text(number)
    if definition.type == "code":
        assert definition.code_list is not None
        code_list = standard.code_lists[definition.code_list]
        items = split_multiple(text) if definition.multiple else [text]
        try:
            codes = [code_list.normalise(item) for item in items]
        except UnknownCodeError:
            raise CorrectionError(
                code,
                f"“{text[:40]}”不是代码表“{code_list.label_zh}”中的值",
                f"{text[:40]!r} is not a value of code list {definition.code_list!r}",
            ) from None
        return list(dict.fromkeys(codes)) if definition.multiple else codes[0]
    if definition.type == "identifier":
        validators = {"uscc": uscc.validate, "org_code": org_code.validate}
        validators["business_reg_no"] = business_reg_no.validate
        validate = validators.get(definition.identifier_kind or "")
        if validate is not None:
            try:
                text = validate(text)
            except InvalidIdentifier as exc:
                raise CorrectionError(code, exc.message_zh, exc.message_en) from None
    if definition.max_length is not None and len(text) > definition.max_length:
        raise CorrectionError(
            code,
            f"长度 {len(text)} 超过上限 {definition.max_length}",
            f"length {len(text)} exceeds {definition.max_length}",
        )
    if len(text) > VALUE_MAX:
        raise CorrectionError(code, f"长度超过 {VALUE_MAX}", f"longer than {VALUE_MAX}")
    return text


def checked_correction(
    standard: Standard, kind: RecordKind, ground: str, corrected: Mapping[str, Any] | None
) -> dict[str, Any]:
    """``corrected`` checked against the record kind and the ground, values in stored form."""
    if not corrected:
        raise ObjectionInputError(
            "corrected",
            "更正须写明要改的字段（字段代码 → 新值）",
            "a correction names the changed fields (field code → new value)",
        )
    allowed = _window_fields(kind) if ground == "period" else None
    known = {f.code: f for f in kind.fields}
    checked: dict[str, Any] = {}
    for key, value in corrected.items():
        definition = known.get(str(key))
        if definition is None:
            raise CorrectionError(
                str(key)[:64],
                f"{kind.label_zh}没有该字段代码（可选：{', '.join(known)}）",
                f"{kind.code} has no such field code (one of {', '.join(known)})",
            )
        if allowed is not None and definition.code not in allowed:
            raise CorrectionError(
                definition.code,
                f"期限异议只能更正决定公示期的日期字段（{', '.join(sorted(allowed))}）",
                "a period objection corrects only the date fields of the publication window "
                f"({', '.join(sorted(allowed))})",
            )
        checked[definition.code] = _checked_value(standard, definition, value)
    return checked


def _department_of(
    kind: RecordKind, content: Mapping[str, Any], fallback: str | None
) -> str | None:
    for name in DEPARTMENT:
        if kind.has_field(name):
            value = content.get(kind.field(name).code)
            if isinstance(value, str) and value:
                return value
    return fallback


def _append(
    conn: Connection,
    *,
    clock: Clock,
    standard: Standard,
    record: Row[Any],
    latest: Row[Any],
    kind: RecordKind,
    content: Mapping[str, Any],
    status: str,
    changed: set[str],
) -> int:
    domain_field = kind.domain.field if kind.domain is not None else None
    keep_domain = domain_field is None or domain_field not in changed
    result = append_versions_bulk(
        conn,
        [
            RecordItem(
                source=record.source,
                kind=record.kind,
                source_key=record.source_key,
                content=content,
                subject_id=record.subject_id,
                status=status,
                department=_department_of(kind, content, latest.department),
                valid_from=latest.valid_from,
                domain=record.domain if keep_domain else None,
            )
        ],
        clock=clock,
        standard=standard,
    )[0]
    return int(
        conn.execute(
            select(record_versions.c.id).where(
                record_versions.c.record_id == record.id,
                record_versions.c.version == result.version,
            )
        ).scalar_one()
    )


def decide_objection(
    conn: Connection,
    *,
    clock: Clock,
    settings: Settings,
    standard: Standard,
    principal: Principal,
    objection_id: int,
    outcome: str,
    reasons: str,
    corrected: Mapping[str, Any] | None = None,
) -> Objection:
    """A handler in scope answers an open objection (see the module's rules)."""
    if outcome not in OUTCOMES:
        raise ObjectionInputError(
            "outcome",
            f"“{outcome}”无效（可选：{'、'.join(OUTCOMES)}）",
            f"{outcome!r} is not one of {', '.join(OUTCOMES)}",
        )
    text = _clean_text("reasons", reasons, REASONS_MAX)
    assert text is not None
    row = _lock_case(conn, objection_id)
    current = _objection(row)
    if not may_handle(principal, current.province, current.domain):
        raise UnknownObjectionError(objection_id)
    if not current.is_open:
        raise _not_open(objection_id, current.status, "答复", "decide")
    record = _locked_record(conn, current.record_id)
    latest = _latest_version(conn, current.record_id)
    kind = standard.record_kinds.get(record.kind)
    if kind is None:
        raise ObjectionStateError(
            f"标准中没有信息类别 {record.kind}", f"the standard has no record kind {record.kind!r}"
        )
    content = dict(latest.content)
    new_version_id: int | None = None
    detail: dict[str, Any] = {"outcome": outcome}
    if outcome == "correct" and current.ground == "repair_decision":
        if corrected:
            raise ObjectionInputError(
                "corrected",
                "对修复决定的异议成立即予以修复，不更正记录内容",
                "accepting an objection to a repair decision approves the repair; it corrects "
                "no content",
            )
        assert current.repair_id is not None
        effects = approve_refused(
            conn,
            clock=clock,
            settings=settings,
            standard=standard,
            actor=_actor(principal),
            application_id=current.repair_id,
            objection_id=objection_id,
            reasons=text,
        )
        detail["repair_id"] = current.repair_id
        detail["entries_removed"] = effects.get("entries_removed", [])
    elif outcome == "correct":
        changes = checked_correction(standard, kind, current.ground, corrected)
        merged = {**content, **changes}
        if merged == content:
            raise ObjectionInputError(
                "corrected",
                "所填新值与现有内容相同，没有可更正之处",
                "the new values equal the current content: nothing to correct",
            )
        if latest.status != "active":
            raise ObjectionStateError(
                f"记录 {record.id} 当前为 {latest.status}，不能更正",
                f"record {record.id} is {latest.status}: it cannot be corrected",
            )
        new_version_id = _append(
            conn,
            clock=clock,
            standard=standard,
            record=record,
            latest=latest,
            kind=kind,
            content=merged,
            status="active",
            changed=set(changes),
        )
        detail["fields"] = sorted(code for code in changes if content.get(code) != changes[code])
    elif outcome == "withdraw_record":
        if corrected:
            raise ObjectionInputError(
                "corrected", "撤销信息时不填 corrected", "corrected is for outcome correct only"
            )
        if latest.status in ("withdrawn", "deleted"):
            raise ObjectionStateError(
                f"记录 {record.id} 已是 {latest.status}",
                f"record {record.id} is already {latest.status}",
            )
        new_version_id = _append(
            conn,
            clock=clock,
            standard=standard,
            record=record,
            latest=latest,
            kind=kind,
            content=content,
            status="withdrawn",
            changed=set(),
        )
    elif corrected:
        raise ObjectionInputError(
            "corrected", "维持原信息时不填 corrected", "corrected is for outcome correct only"
        )

    now = clock.now()
    calendar = working_calendar(settings)
    days = calendar.working_days_between(current.received_on, _day(now))
    status = OUTCOME_STATUS[outcome]
    conn.execute(
        update(objections)
        .where(objections.c.id == objection_id)
        .values(
            status=status,
            decided_at=now,
            decided_by=_actor(principal),
            reasons=text,
            new_version_id=new_version_id,
            working_days=days,
            updated_at=now,
        )
    )
    _sync_mark(conn, current.record_id)
    if new_version_id is not None:
        detail["new_version_id"] = new_version_id
    record_case_event(
        conn,
        clock=clock,
        event=status,
        actor=_actor(principal),
        objection_id=objection_id,
        detail=detail,
    )
    status_zh, status_en = STATUS_LABELS[status]
    notify(
        conn,
        clock=clock,
        kind="objection",
        ref=f"objection:{objection_id}",
        title=(f"异议答复：{status_zh}", f"objection answered: {status_en}"),
        body=(
            f"{kind.label_zh}：{status_zh}。理由：{text}",
            f"{kind.label_en}: {status_en}. Reasons: {text}",
        ),
        subject_id=current.subject_id,
    )
    found = get_objection(conn, objection_id)
    assert found is not None
    return found


# --- queue and progress ----------------------------------------------------------------------


def objection_queue(
    conn: Connection,
    principal: Principal,
    *,
    clock: Clock,
    settings: Settings,
    status: str | None = None,
    limit: int = 100,
    standard: Standard | None = None,
) -> list[QueueItem]:
    """The objections a handler answers for: open ones first by due date, then the rest newest
    first; each with its working days left (open) and whether it is overdue. Empty for callers
    who handle nothing."""
    scope = handler_filter(principal)
    if scope is None:
        return []
    province, domain = scope
    query = select(objections)
    if province is not None:
        query = query.where(objections.c.province == province)
    if domain is not None:
        query = query.where(objections.c.domain == domain)
    if status is not None:
        query = query.where(objections.c.status == status)
    is_open = case((objections.c.status == "open", 0), else_=1)
    query = query.order_by(
        is_open,
        case((objections.c.status == "open", objections.c.due_on), else_=None),
        # open: oldest first; decided: newest first
        case((objections.c.status == "open", objections.c.id), else_=-objections.c.id),
    ).limit(max(1, min(int(limit), 500)))
    rows = list(conn.execute(query))
    found = _with_steps(conn, rows)
    std = standard or get_standard(settings.standard_version)
    return _queue_items(conn, found, clock=clock, settings=settings, standard=std)


def _queue_items(
    conn: Connection,
    found: list[Objection],
    *,
    clock: Clock,
    settings: Settings,
    standard: Standard,
) -> list[QueueItem]:
    if not found:
        return []
    kinds = {
        int(r.id): str(r.kind)
        for r in conn.execute(
            select(records.c.id, records.c.kind).where(
                records.c.id.in_(sorted({o.record_id for o in found}))
            )
        )
    }
    names = {
        int(r.id): str(r.name)
        for r in conn.execute(
            select(subjects.c.id, subjects.c.name).where(
                subjects.c.id.in_(sorted({o.subject_id for o in found}))
            )
        )
    }
    calendar = working_calendar(settings)
    today = clock.today()
    items = []
    for o in found:
        code = kinds.get(o.record_id, "")
        kind = standard.record_kinds.get(code)
        items.append(
            QueueItem(
                objection=o,
                record_kind=code,
                kind_label_zh=kind.label_zh if kind else code,
                kind_label_en=kind.label_en if kind else code,
                subject_name=names.get(o.subject_id, ""),
                working_days_left=(
                    calendar.working_days_left(today, o.due_on) if o.is_open else None
                ),
                overdue=o.overdue(today),
                warning=calendar.warning(o.received_on, o.due_on),
            )
        )
    return items


def objection_progress(
    conn: Connection,
    query_code: str,
    *,
    clock: Clock,
    settings: Settings,
    standard: Standard,
) -> Progress | None:
    """The public progress of the objection with this query code (as a person may type it), or
    None for an unknown or malformed code."""
    code = normalise_query_code(query_code)
    if code is None or not code.startswith(OBJECTION_PREFIX):
        return None
    row = conn.execute(select(objections).where(objections.c.query_code == code)).first()
    if row is None:
        return None
    objection = _with_steps(conn, [row])[0]
    record = conn.execute(select(records.c.kind).where(records.c.id == objection.record_id)).first()
    kind = standard.record_kinds.get(record.kind) if record is not None else None
    subject = conn.execute(
        select(subjects.c.name, subjects.c.subject_type).where(
            subjects.c.id == objection.subject_id
        )
    ).first()
    name = ""
    if subject is not None:
        name = mask_name(subject.name) if subject.subject_type == "natural_person" else subject.name
    status_zh, status_en = STATUS_LABELS[objection.status]
    ground_zh, ground_en = GROUND_LABELS[objection.ground]
    steps = [
        ProgressStep(
            event=s.event,
            label_zh=STEP_LABELS.get(s.event, (s.event, s.event))[0],
            label_en=STEP_LABELS.get(s.event, (s.event, s.event))[1],
            on=_day(s.at),
        )
        for s in objection.steps
    ]
    calendar = working_calendar(settings)
    return Progress(
        case_kind_zh="异议",
        case_kind_en="objection",
        ground=objection.ground,
        ground_zh=ground_zh,
        ground_en=ground_en,
        status=objection.status,
        status_zh=status_zh,
        status_en=status_en,
        record_kind_zh=kind.label_zh if kind else "",
        record_kind_en=kind.label_en if kind else "",
        subject_name=scrub_resident_ids(name),
        authority=scrub_resident_ids(objection.authority),
        authority_province=province_name(objection.province),
        received_on=objection.received_on,
        due_on=objection.due_on,
        decided_on=objection.decided_on,
        overdue=objection.overdue(clock.today()),
        reasons=scrub_resident_ids(objection.reasons) if objection.reasons else None,
        steps=steps,
        warning=calendar.warning(objection.received_on, objection.due_on),
    )


__all__ = [
    "OUTCOMES",
    "CaseStep",
    "CorrectionError",
    "NoStandingError",
    "Objection",
    "ObjectionError",
    "ObjectionInputError",
    "ObjectionStateError",
    "Progress",
    "ProgressStep",
    "QueueItem",
    "UnknownObjectionError",
    "UnknownRecordError",
    "checked_correction",
    "decide_objection",
    "file_objection",
    "get_objection",
    "is_filer",
    "may_read",
    "objection_progress",
    "objection_queue",
    "objections_for_filer",
    "objections_of_subject",
    "readable_objection",
    "withdraw_objection",
]
