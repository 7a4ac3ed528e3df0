"""Credit repair applications (信用修复申请): apply, add documents, accept, decide, withdraw; the
applicant's and the handlers' reads, and the public progress by query code.

::

    apply (subject) ─► submitted ─► accept (handler) ─► accepted ─► decide ─► approved ─► effects
                          │                                │                 └─► refused (reasons)
                          └────── withdraw (subject) ──────┘─► withdrawn

- **Who applies**: a subject account for a record of its own (``target='record'``) or a listing
  of its own (``target='listing'``). Another subject's record answers "not found", as one that
  does not exist.
- **Conditions** (checked at apply; every failed one is listed in one
  :class:`~credit_yrd.repair.errors.RepairConditionError`, nothing is written): for a record, its
  kind has a publication rule table, its window is repairable (not 特定严重), the minimum period is
  served, the record is neither withdrawn nor repaired; for a listing, it is listed and its list
  has an early-exit rule whose minimum time listed is served (lists without one are barred); for
  both, no open application for the same target, a ``commitment`` document (信用承诺书), at least
  one ``payment`` or ``rectification`` document, and a non-empty ``corrected`` statement.
- **Who decides** (谁认定、谁修复): the deciding authority — for a record its source's province and
  ``records.domain``, for a listing the entry's province and domain — through
  :func:`credit_yrd.repair.common.may_handle`: the departments of that province and domain and the
  credit office of the province or the region (the credit office alone when there is no domain).
- **Deadlines** in working days from the day received (:mod:`credit_yrd.workdays`):
  ``accept_due`` = + ``repair_accept_working_days``, ``decide_due`` = +
  ``repair_decide_working_days``. Handling time = working days from received to decided.
- Every step appends a ``case_events`` row; the subject gets a notice of every step a handler
  takes (acceptance, approval, refusal with the reasons), the handlers one of each new case.
  Steps that check a state and change it lock the row first (``SELECT … FOR UPDATE``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, RowMapping

from credit_yrd.auth.principal import Principal
from credit_yrd.auth.roles import Role
from credit_yrd.clock import Clock
from credit_yrd.errors import CreditYrdError
from credit_yrd.ledger.files import mask_name, scrub_resident_ids
from credit_yrd.repair.common import (
    REPAIR_PREFIX,
    handler_filter,
    may_handle,
    new_query_code,
    normalise_query_code,
    notify,
    record_case_event,
    working_calendar,
)
from credit_yrd.repair.documents import (
    KIND_LABELS,
    CheckedDocument,
    DocumentIn,
    check_documents,
)
from credit_yrd.repair.errors import (
    InvalidInput,
    NotAllowed,
    NotFound,
    RepairConditionError,
    TargetChanged,
    WrongState,
)
from credit_yrd.settings import Settings
from credit_yrd.standards.models import Standard, add_period
from credit_yrd.standards.publication import publication_window
from credit_yrd.store.records import latest_contents
from credit_yrd.store.schema import (
    REPAIR_TARGETS,
    case_events,
    list_entries,
    record_versions,
    records,
    repair_applications,
    repair_deliveries,
    repair_documents,
    sources,
    subjects,
)
from credit_yrd.text import is_clean

OPEN_STATUSES = ("submitted", "accepted")
DECIDED_STATUSES = ("approved", "refused")
CORRECTED_MAX = 4000
REASONS_MAX = 4000
QUEUE_MAX = 500

STATUS_LABELS: dict[str, tuple[str, str]] = {
    "submitted": ("已提交，待受理", "submitted, awaiting acceptance"),
    "accepted": ("已受理，办理中", "accepted, being decided"),
    "approved": ("准予修复", "repair approved"),
    "refused": ("不予修复", "repair refused"),
    "withdrawn": ("申请人已撤回", "withdrawn by the applicant"),
}
EVENT_LABELS: dict[str, tuple[str, str]] = {
    "submitted": ("提交申请", "application submitted"),
    "document_added": ("补充材料", "document added"),
    "accepted": ("受理", "accepted"),
    "approved": ("准予修复", "approved"),
    "refused": ("不予修复", "refused"),
    "withdrawn": ("撤回申请", "withdrawn"),
    "effects_applied": (
        "终止公示、停止共享、解除惩戒",
        "publication ended, sharing stopped, measures lifted",
    ),
    "delivered": ("已送达", "delivered"),
    "reminded": ("办理提醒", "reminder"),
}


# --- shapes ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentMeta:
    """A document of an application, without its bytes."""

    id: int
    application_id: int
    kind: str
    filename: str
    media_type: str
    size: int
    sha256: str
    uploaded_at: dt.datetime

    def to_dict(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["uploaded_at"] = self.uploaded_at.isoformat()
        data["kind_zh"], data["kind_en"] = KIND_LABELS[self.kind]
        return data


@dataclass(frozen=True)
class Step:
    """One step of the case (a ``case_events`` row)."""

    id: int
    event: str
    at: dt.datetime
    actor: str
    detail: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        zh, en = EVENT_LABELS.get(self.event, (self.event, self.event))
        return {
            "id": self.id,
            "event": self.event,
            "label_zh": zh,
            "label_en": en,
            "at": self.at.isoformat(),
            "actor": self.actor,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class Application:
    """A repair application (the ``repair_applications`` row) with its documents and steps."""

    id: int
    query_code: str
    subject_id: int
    target: str
    record_id: int | None
    entry_id: int | None
    authority: str
    province: str
    domain: str | None
    applicant: str
    applicant_account_id: int | None
    corrected: str
    conditions: dict[str, Any] | None
    status: str
    received_at: dt.datetime
    accept_due: dt.date
    decide_due: dt.date
    accepted_at: dt.datetime | None
    decided_at: dt.datetime | None
    decided_by: str | None
    reasons: str | None
    working_days: int | None
    updated_at: dt.datetime
    documents: list[DocumentMeta] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)

    @property
    def open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def received_on(self) -> dt.date:
        return self.received_at.date()

    @property
    def decided_on(self) -> dt.date | None:
        return self.decided_at.date() if self.decided_at else None

    @property
    def next_due(self) -> dt.date | None:
        """The deadline the case runs against now: acceptance while submitted, the decision
        while accepted; ``None`` once closed."""
        if self.status == "submitted":
            return self.accept_due
        if self.status == "accepted":
            return self.decide_due
        return None

    def overdue(self, today: dt.date) -> bool:
        """Open past its deadline, or decided after ``decide_due``."""
        due = self.next_due
        if due is not None:
            return today > due or today > self.decide_due
        return self.decided_on is not None and self.decided_on > self.decide_due

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "documents":
                value = [d.to_dict() for d in self.documents]
            elif f.name == "steps":
                value = [s.to_dict() for s in self.steps]
            elif isinstance(value, dt.date | dt.datetime):
                value = value.isoformat()
            data[f.name] = value
        data["status_zh"], data["status_en"] = STATUS_LABELS[self.status]
        return data


def _with_warning(shape: Any, warning: tuple[str, str] | None) -> dict[str, Any]:
    """A dataclass as JSON-ready data: dates in ISO form, the calendar warning as zh/en."""
    data: dict[str, Any] = {}
    for f in fields(shape):
        value = getattr(shape, f.name)
        data[f.name] = value.isoformat() if isinstance(value, dt.date) else value
    data["calendar_warning"] = {"zh": warning[0], "en": warning[1]} if warning else None
    return data


@dataclass(frozen=True)
class Progress:
    """What anyone holding the query code sees: no identifiers, documents or accounts."""

    kind: str
    query_code: str
    status: str
    status_zh: str
    status_en: str
    target: str
    record_kind_zh: str | None
    record_kind_en: str | None
    subject_name: str
    authority: str
    province: str
    received_on: dt.date
    accept_due: dt.date
    decide_due: dt.date
    decided_on: dt.date | None
    overdue: bool
    steps: list[dict[str, Any]]
    deliveries: dict[str, int]
    calendar_warning: tuple[str, str] | None
    reasons: str | None = None
    """The decision's reasons once decided (ID numbers masked): the applicant needs them."""

    def to_dict(self) -> dict[str, Any]:
        return _with_warning(self, self.calendar_warning)


@dataclass(frozen=True)
class QueueItem:
    """A case in a handler's queue with its deadline."""

    id: int
    status: str
    target: str
    record_id: int | None
    entry_id: int | None
    subject_id: int
    subject_name: str
    what_zh: str
    what_en: str
    province: str
    domain: str | None
    authority: str
    received_on: dt.date
    due: dt.date | None
    accept_due: dt.date
    decide_due: dt.date
    days_left: int | None
    overdue: bool
    calendar_warning: tuple[str, str] | None

    def to_dict(self) -> dict[str, Any]:
        return _with_warning(self, self.calendar_warning)


# --- reading ---------------------------------------------------------------------------------

_APP_FIELDS = [f.name for f in fields(Application) if f.name not in ("documents", "steps")]


def _application(conn: Connection, row: RowMapping, *, full: bool = True) -> Application:
    values = {name: row[name] for name in _APP_FIELDS}
    for key in ("id", "subject_id"):
        values[key] = int(values[key])
    for key in ("record_id", "entry_id", "applicant_account_id"):
        if values[key] is not None:
            values[key] = int(values[key])
    if not full:
        return Application(**values)
    app_id = values["id"]
    docs = [
        DocumentMeta(
            id=int(d.id),
            application_id=app_id,
            kind=d.kind,
            filename=d.filename,
            media_type=d.media_type,
            size=int(d.size),
            sha256=d.sha256,
            uploaded_at=d.uploaded_at,
        )
        for d in conn.execute(
            select(
                repair_documents.c.id,
                repair_documents.c.kind,
                repair_documents.c.filename,
                repair_documents.c.media_type,
                repair_documents.c.size,
                repair_documents.c.sha256,
                repair_documents.c.uploaded_at,
            )
            .where(repair_documents.c.application_id == app_id)
            .order_by(repair_documents.c.id)
        )
    ]
    steps = [
        Step(id=int(s.id), event=s.event, at=s.at, actor=s.actor, detail=dict(s.detail or {}))
        for s in conn.execute(
            select(case_events)
            .where(case_events.c.application_id == app_id)
            .order_by(case_events.c.id)
        )
    ]
    return Application(**values, documents=docs, steps=steps)


def get_application(conn: Connection, application_id: int) -> Application | None:
    """One application with its documents and steps, or ``None``."""
    row = (
        conn.execute(select(repair_applications).where(repair_applications.c.id == application_id))
        .mappings()
        .first()
    )
    return _application(conn, row) if row is not None else None


def applications_of_subject(conn: Connection, subject_id: int) -> list[Application]:
    """Every application of one subject, newest first (with documents and steps)."""
    rows = (
        conn.execute(
            select(repair_applications)
            .where(repair_applications.c.subject_id == subject_id)
            .order_by(repair_applications.c.id.desc())
        )
        .mappings()
        .all()
    )
    return [_application(conn, row) for row in rows]


def document(
    conn: Connection, application_id: int, document_id: int
) -> tuple[DocumentMeta, bytes] | None:
    """One document of an application with its bytes, or ``None``."""
    row = conn.execute(
        select(repair_documents).where(
            repair_documents.c.id == document_id,
            repair_documents.c.application_id == application_id,
        )
    ).first()
    if row is None:
        return None
    meta = DocumentMeta(
        id=int(row.id),
        application_id=int(row.application_id),
        kind=row.kind,
        filename=row.filename,
        media_type=row.media_type,
        size=int(row.size),
        sha256=row.sha256,
        uploaded_at=row.uploaded_at,
    )
    return meta, bytes(row.content)


def may_read(principal: Principal | None, app: Application) -> bool:
    """The applicant subject, or a handler of the case's deciding authority."""
    if principal is None:
        return False
    if principal.role is Role.SUBJECT:
        return principal.subject_id == app.subject_id
    return may_handle(principal, app.province, app.domain)


def _what(
    conn: Connection, standard: Standard, app: Application | RowMapping
) -> tuple[str, str, str | None, str | None]:
    """(what zh, what en, record kind zh, record kind en) of an application's target."""
    record_id = app["record_id"] if isinstance(app, RowMapping) else app.record_id
    entry_id = app["entry_id"] if isinstance(app, RowMapping) else app.entry_id
    if record_id is not None:
        kind = conn.execute(select(records.c.kind).where(records.c.id == record_id)).scalar()
        found = standard.record_kinds.get(str(kind)) if kind else None
        zh = found.label_zh if found else str(kind)
        en = found.label_en if found else str(kind)
        return zh, en, zh, en
    code = conn.execute(
        select(list_entries.c.list_code).where(list_entries.c.id == entry_id)
    ).scalar()
    list_def = standard.lists.get(str(code)) if code else None
    zh = list_def.label_zh if list_def else str(code)
    en = list_def.label_en if list_def else str(code)
    return f"名单：{zh}", f"list: {en}", None, None


def _subject_name(conn: Connection, subject_id: int, *, public: bool) -> str:
    row = conn.execute(
        select(subjects.c.name, subjects.c.subject_type).where(subjects.c.id == subject_id)
    ).first()
    if row is None:
        return ""
    if public and row.subject_type == "natural_person":
        return mask_name(row.name)
    return scrub_resident_ids(str(row.name)) if public else str(row.name)


def progress(
    conn: Connection, query_code: str, *, settings: Settings, clock: Clock, standard: Standard
) -> Progress | None:
    """The public view of a case by its query code (``None`` for a code that is malformed or
    unknown: the same answer for both)."""
    code = normalise_query_code(query_code)
    if code is None or not code.startswith(REPAIR_PREFIX):
        return None
    row = (
        conn.execute(select(repair_applications).where(repair_applications.c.query_code == code))
        .mappings()
        .first()
    )
    if row is None:
        return None
    app = _application(conn, row)
    _, _, kind_zh, kind_en = _what(conn, standard, app)
    if app.target == "listing":
        code_row = conn.execute(
            select(list_entries.c.list_code).where(list_entries.c.id == app.entry_id)
        ).scalar()
        list_def = standard.lists.get(str(code_row)) if code_row else None
        kind_zh = list_def.label_zh if list_def else None
        kind_en = list_def.label_en if list_def else None
    steps = [
        {
            "event": s.event,
            "label_zh": EVENT_LABELS.get(s.event, (s.event, s.event))[0],
            "label_en": EVENT_LABELS.get(s.event, (s.event, s.event))[1],
            "on": s.at.date().isoformat(),
        }
        for s in app.steps
        if s.event not in ("delivered", "reminded")
    ]
    sent = conn.execute(
        select(repair_deliveries.c.delivered_at).where(repair_deliveries.c.application_id == app.id)
    ).all()
    calendar = working_calendar(settings)
    today = clock.today()
    return Progress(
        kind="repair",
        query_code=app.query_code,
        status=app.status,
        status_zh=STATUS_LABELS[app.status][0],
        status_en=STATUS_LABELS[app.status][1],
        target=app.target,
        record_kind_zh=kind_zh,
        record_kind_en=kind_en,
        subject_name=_subject_name(conn, app.subject_id, public=True),
        authority=scrub_resident_ids(app.authority),
        province=app.province,
        received_on=app.received_on,
        accept_due=app.accept_due,
        decide_due=app.decide_due,
        decided_on=app.decided_on,
        overdue=app.overdue(today),
        steps=steps,
        deliveries={
            "recipients": len(sent),
            "delivered": sum(1 for r in sent if r.delivered_at is not None),
        },
        calendar_warning=calendar.warning(app.received_on, app.decide_due),
        reasons=scrub_resident_ids(app.reasons)
        if app.reasons and app.status in ("approved", "refused")
        else None,
    )


def handler_queue(
    conn: Connection,
    principal: Principal,
    *,
    clock: Clock,
    settings: Settings,
    status: str | None = None,
    limit: int = 100,
    standard: Standard | None = None,
) -> list[QueueItem]:
    """The cases the caller handles (open ones by default, or those of ``status``), the most
    urgent first, with working days left, the overdue flag and the calendar's warning."""
    scope = handler_filter(principal)
    if scope is None:
        raise NotAllowed(
            "只有认定部门（带省份和领域）或信用办可以查看修复办理队列",
            "only a deciding department (with province and domain) or a credit office has a "
            "repair queue",
        )
    if status is not None and status not in STATUS_LABELS:
        raise InvalidInput(
            "status",
            f"状态“{status}”无效，可选：{'、'.join(STATUS_LABELS)}",
            f"status {status!r} is not one of {', '.join(STATUS_LABELS)}",
        )
    from credit_yrd.standards.loader import get_standard

    std = standard or get_standard(settings.standard_version)
    province, domain = scope
    query = select(repair_applications)
    if province is not None:
        query = query.where(repair_applications.c.province == province)
    if domain is not None:
        query = query.where(repair_applications.c.domain == domain)
    statuses = (status,) if status else OPEN_STATUSES
    query = query.where(repair_applications.c.status.in_(statuses))
    query = query.order_by(repair_applications.c.decide_due, repair_applications.c.id).limit(
        max(1, min(int(limit), QUEUE_MAX))
    )
    calendar = working_calendar(settings)
    today = clock.today()
    items: list[QueueItem] = []
    for row in conn.execute(query).mappings().all():
        app = _application(conn, row, full=False)
        what_zh, what_en, _, _ = _what(conn, std, row)
        due = app.next_due
        items.append(
            QueueItem(
                id=app.id,
                status=app.status,
                target=app.target,
                record_id=app.record_id,
                entry_id=app.entry_id,
                subject_id=app.subject_id,
                subject_name=_subject_name(conn, app.subject_id, public=False),
                what_zh=what_zh,
                what_en=what_en,
                province=app.province,
                domain=app.domain,
                authority=app.authority,
                received_on=app.received_on,
                due=due,
                accept_due=app.accept_due,
                decide_due=app.decide_due,
                days_left=calendar.working_days_left(today, due) if due else None,
                overdue=app.overdue(today),
                calendar_warning=calendar.warning(today, due or app.decide_due),
            )
        )
    items.sort(key=lambda i: (i.due or dt.date.max, i.id))
    return items


# --- checks ----------------------------------------------------------------------------------


def checked_text(field_name: str, value: str | None, limit: int, *, required: bool) -> str:
    """Free text of a request: no control or format characters (line breaks and tabs apart),
    trimmed, within ``limit``; refused when empty and ``required``."""
    raw = value or ""
    if not is_clean(raw.replace("\n", "").replace("\r", "").replace("\t", "")):
        raise InvalidInput(
            field_name,
            "不能含控制字符或格式字符（如 NUL、方向控制符），换行和制表符除外",
            "must not hold control or format characters (such as NUL or direction marks), "
            "line breaks and tabs apart",
        )
    text = raw.strip()
    if required and not text:
        raise InvalidInput(field_name, "不能为空", "must not be empty")
    if len(text) > limit:
        raise InvalidInput(
            field_name, f"不能超过 {limit} 个字符", f"must be at most {limit} characters"
        )
    return text


def _require_subject(principal: Principal) -> int:
    if principal.role is not Role.SUBJECT or principal.subject_id is None:
        raise NotAllowed(
            "只有信用主体本人（主体账户）可以申请信用修复",
            "only the subject itself (a subject account) may apply for credit repair",
        )
    return principal.subject_id


def _open_application(
    conn: Connection, *, record_id: int | None, entry_id: int | None
) -> int | None:
    column = (
        repair_applications.c.record_id if record_id is not None else repair_applications.c.entry_id
    )
    found = conn.execute(
        select(repair_applications.c.id).where(
            column == (record_id if record_id is not None else entry_id),
            repair_applications.c.status.in_(OPEN_STATUSES),
        )
    ).scalar()
    return int(found) if found is not None else None


@dataclass
class _Target:
    subject_id: int
    authority: str
    province: str | None
    domain: str | None
    conditions: dict[str, Any]
    failures: list[tuple[str, str]]


def _record_target(
    conn: Connection, record_id: int, subject_id: int, standard: Standard, today: dt.date
) -> _Target:
    query = (
        select(
            records.c.id,
            records.c.kind,
            records.c.subject_id,
            records.c.domain,
            records.c.repaired_on,
            records.c.public_state,
            sources.c.province,
            sources.c.name_zh,
        )
        .select_from(records.join(sources, sources.c.code == records.c.source))
        .where(records.c.id == record_id)
    )
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(of=records)  # two applications for one record: one waits
    row = conn.execute(query).first()
    if row is None or row.subject_id is None or int(row.subject_id) != subject_id:
        raise NotFound(
            f"本主体编号为 {record_id} 的信用记录", f"record {record_id} of this subject"
        )
    latest = conn.execute(
        select(record_versions.c.status, record_versions.c.department)
        .where(record_versions.c.record_id == record_id)
        .order_by(record_versions.c.version.desc())
        .limit(1)
    ).first()
    content = latest_contents(conn, [record_id]).get(record_id, {})
    failures: list[tuple[str, str]] = []
    conditions: dict[str, Any] = {"record_kind": row.kind}
    province = row.province
    if province is None:
        province = conn.execute(
            select(subjects.c.province).where(subjects.c.id == subject_id)
        ).scalar()
    if province is None:
        failures.append(
            (
                "无法确定该记录的认定单位所在省份，请向信用中国申请",
                "the deciding authority's province of this record is unknown: apply to Credit "
                "China",
            )
        )
    if row.repaired_on is not None:
        failures.append(
            (
                f"该记录已于 {row.repaired_on.isoformat()} 修复",
                f"the record was repaired on {row.repaired_on.isoformat()}",
            )
        )
    status = latest.status if latest is not None else "active"
    if status != "active":
        failures.append(
            (
                f"该记录当前状态为 {status}（已撤销或更正），无需修复",
                f"the record is {status} (withdrawn or corrected): nothing to repair",
            )
        )
    kind = standard.record_kinds.get(row.kind)
    if kind is None or kind.publication.rule_table is None:
        failures.append(
            (
                "该类信息没有公示期限规则，不属于可申请信用修复的失信信息",
                "this kind of record has no publication rule table: it is not dishonesty "
                "information that can be repaired",
            )
        )
    else:
        try:
            window = publication_window(row.kind, content, on=today, standard=standard)
        except CreditYrdError as exc:
            failures.append(
                (
                    f"无法确定该记录的公示期限：{exc.message_zh}",
                    f"the record's publication window cannot be worked out: {exc.message_en}",
                )
            )
        else:
            conditions["window"] = window.to_dict(today)
            if not window.repairable:
                failures.append(
                    (
                        f"该记录属特定严重失信信息（{window.class_code or '-'}，"
                        f"{window.document_number or '-'}），不得提前修复",
                        f"the record is specially serious ({window.class_code or '-'}, "
                        f"{window.document_number or '-'}): it may not be repaired early",
                    )
                )
            elif not window.may_end_by_repair(today):
                assert window.min_end is not None
                first = window.min_end + dt.timedelta(days=1)
                failures.append(
                    (
                        f"最短公示期未满：{window.class_code or ''}失信信息最短公示至 "
                        f"{window.min_end.isoformat()}，{first.isoformat()} 起方可申请修复",
                        f"the minimum publication period is not served: it runs to "
                        f"{window.min_end.isoformat()}; apply from {first.isoformat()}",
                    )
                )
    authority = (latest.department if latest is not None else None) or row.name_zh
    return _Target(
        subject_id=subject_id,
        authority=str(authority)[:200],
        province=province,
        domain=row.domain,
        conditions=conditions,
        failures=failures,
    )


def _listing_target(
    conn: Connection, entry_id: int, subject_id: int, standard: Standard, today: dt.date
) -> _Target:
    query = select(list_entries).where(list_entries.c.id == entry_id)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).first()
    if row is None or int(row.subject_id) != subject_id:
        raise NotFound(
            f"本主体编号为 {entry_id} 的名单条目", f"list entry {entry_id} of this subject"
        )
    failures: list[tuple[str, str]] = []
    conditions: dict[str, Any] = {"list_code": row.list_code}
    if row.status != "listed":
        failures.append(
            (
                f"该名单条目当前状态为 {row.status}，只有在列的条目可以申请修复",
                f"the list entry is {row.status}: only listed entries can be repaired",
            )
        )
    list_def = standard.lists.get(row.list_code)
    rules = list_def.early_exit if list_def is not None else []
    if not rules:
        failures.append(
            (
                f"名单 {row.list_code} 没有提前移出规则，不得提前修复，只能期满移出",
                f"list {row.list_code} has no early-exit rule: it cannot be repaired early, only "
                "at expiry",
            )
        )
    elif row.listed_on is not None and row.status == "listed":
        served = [r for r in rules if today >= add_period(row.listed_on, r.after)]
        conditions["early_exit"] = [r.code for r in served]
        if not served:
            first = min(add_period(row.listed_on, r.after) for r in rules)
            failures.append(
                (
                    f"在列时间未满提前移出的最短期限：自 {row.listed_on.isoformat()} 列入，"
                    f"{first.isoformat()} 起方可申请",
                    f"the minimum time listed for early exit is not served: listed on "
                    f"{row.listed_on.isoformat()}, apply from {first.isoformat()}",
                )
            )
    return _Target(
        subject_id=subject_id,
        authority=str(row.authority)[:200],
        province=row.province,
        domain=row.domain,
        conditions=conditions,
        failures=failures,
    )


def _document_failures(kinds: Sequence[str]) -> list[tuple[str, str]]:
    failures: list[tuple[str, str]] = []
    if "commitment" not in kinds:
        failures.append(
            (
                "缺少信用承诺书（材料类别 commitment）",
                "the signed credit commitment is missing (document kind commitment)",
            )
        )
    if "payment" not in kinds and "rectification" not in kinds:
        failures.append(
            (
                "缺少履行法定义务的证明（缴款凭证 payment 或整改材料 rectification，至少一份）",
                "proof that the legal duties were performed is missing (at least one payment or "
                "rectification document)",
            )
        )
    return failures


def _store_documents(
    conn: Connection, application_id: int, docs: Sequence[CheckedDocument], at: dt.datetime
) -> list[int]:
    ids: list[int] = []
    for doc in docs:
        ids.append(
            int(
                conn.execute(
                    insert(repair_documents)
                    .values(
                        application_id=application_id,
                        kind=doc.kind,
                        filename=doc.filename,
                        media_type=doc.media_type,
                        size=doc.size,
                        sha256=doc.sha256,
                        content=doc.content,
                        uploaded_at=at,
                    )
                    .returning(repair_documents.c.id)
                ).scalar_one()
            )
        )
    return ids


def notify_handlers(
    conn: Connection,
    *,
    clock: Clock,
    kind: str,
    ref: str,
    province: str,
    domain: str | None,
    title: tuple[str, str],
    body: tuple[str, str],
    dedupe: str | None = None,
) -> int:
    """A notice to the deciding departments (when there is a domain) and to the credit office."""
    written = 0
    roles = [Role.CREDIT_OFFICE] if domain is None else [Role.DEPARTMENT, Role.CREDIT_OFFICE]
    for role in roles:
        made = notify(
            conn,
            clock=clock,
            kind=kind,
            ref=ref,
            title=title,
            body=body,
            role=role,
            province=province,
            domain=domain if role is Role.DEPARTMENT else None,
            dedupe_key=f"{dedupe}:{role.value}" if dedupe else None,
        )
        written += made is not None
    return written


# --- the steps -------------------------------------------------------------------------------


def apply(
    conn: Connection,
    *,
    clock: Clock,
    settings: Settings,
    standard: Standard,
    principal: Principal,
    target: str,
    record_id: int | None = None,
    entry_id: int | None = None,
    corrected: str,
    documents: Sequence[DocumentIn],
) -> Application:
    """A subject applies for the repair of one of its records or listings. Every failed condition
    is listed in one :class:`RepairConditionError`; nothing is written then."""
    subject_id = _require_subject(principal)
    if target not in REPAIR_TARGETS:
        raise InvalidInput(
            "target",
            f"修复对象“{target}”无效，可选：record（信用记录）、listing（名单条目）",
            f"target {target!r} is not record or listing",
        )
    if target == "record" and (record_id is None or entry_id is not None):
        raise InvalidInput(
            "record_id",
            "修复信用记录须给出 record_id（且不给 entry_id）",
            "a record repair needs record_id (and no entry_id)",
        )
    if target == "listing" and (entry_id is None or record_id is not None):
        raise InvalidInput(
            "entry_id",
            "修复名单条目须给出 entry_id（且不给 record_id）",
            "a listing repair needs entry_id (and no record_id)",
        )
    checked = check_documents(documents, settings)
    today, now = clock.today(), clock.now()
    if target == "record":
        assert record_id is not None
        found = _record_target(conn, record_id, subject_id, standard, today)
    else:
        assert entry_id is not None
        found = _listing_target(conn, entry_id, subject_id, standard, today)
    failures = list(found.failures)
    open_id = _open_application(conn, record_id=record_id, entry_id=entry_id)
    if open_id is not None:
        failures.append(
            (
                f"同一对象已有办理中的修复申请 {open_id}，不能重复申请",
                f"application {open_id} for the same target is still open: no second one",
            )
        )
    failures.extend(_document_failures([d.kind for d in checked]))
    try:
        text = checked_text("corrected", corrected, CORRECTED_MAX, required=True)
    except InvalidInput as exc:
        failures.append(
            (
                f"须说明纠正失信行为、履行义务的情况（{exc.message_zh}）",
                f"say how the conduct was corrected and the duties performed ({exc.message_en})",
            )
        )
        text = ""
    if failures:
        raise RepairConditionError(failures)
    assert found.province is not None
    calendar = working_calendar(settings)
    accept_due = calendar.add_working_days(today, settings.repair_accept_working_days)
    decide_due = calendar.add_working_days(today, settings.repair_decide_working_days)
    code = new_query_code(REPAIR_PREFIX)
    while conn.execute(
        select(repair_applications.c.id).where(repair_applications.c.query_code == code)
    ).first():
        code = new_query_code(REPAIR_PREFIX)  # 60 random bits: practically never
    conditions = {**found.conditions, "checked_on": today.isoformat(), "met": True}
    app_id = int(
        conn.execute(
            insert(repair_applications)
            .values(
                query_code=code,
                subject_id=subject_id,
                target=target,
                record_id=record_id,
                entry_id=entry_id,
                authority=found.authority,
                province=found.province,
                domain=found.domain,
                applicant=principal.actor[:200],
                applicant_account_id=principal.account_id,
                corrected=text,
                conditions=conditions,
                status="submitted",
                received_at=now,
                accept_due=accept_due,
                decide_due=decide_due,
                updated_at=now,
            )
            .returning(repair_applications.c.id)
        ).scalar_one()
    )
    doc_ids = _store_documents(conn, app_id, checked, now)
    record_case_event(
        conn,
        clock=clock,
        event="submitted",
        actor=principal.actor,
        application_id=app_id,
        detail={"documents": doc_ids, "accept_due": accept_due, "decide_due": decide_due},
    )
    ref = f"repair:{app_id}"
    notify(
        conn,
        clock=clock,
        kind="repair.submitted",
        ref=ref,
        subject_id=subject_id,
        title=("信用修复申请已提交", "repair application submitted"),
        body=(
            f"申请编号 {app_id}，查询码 {code}。受理期限 {accept_due.isoformat()}，办结期限 "
            f"{decide_due.isoformat()}（工作日计）。",
            f"Application {app_id}, query code {code}. To be accepted by "
            f"{accept_due.isoformat()} and decided by {decide_due.isoformat()} (working days).",
        ),
    )
    notify_handlers(
        conn,
        clock=clock,
        kind="repair.submitted",
        ref=ref,
        province=found.province,
        domain=found.domain,
        title=("新的信用修复申请", "new repair application"),
        body=(
            f"修复申请 {app_id} 待受理：受理期限 {accept_due.isoformat()}，办结期限 "
            f"{decide_due.isoformat()}。",
            f"Repair application {app_id} awaits acceptance by {accept_due.isoformat()}; decide "
            f"by {decide_due.isoformat()}.",
        ),
        dedupe=f"{ref}:submitted",
    )
    found_app = get_application(conn, app_id)
    assert found_app is not None
    return found_app


def _locked(conn: Connection, application_id: int) -> Application:
    query = select(repair_applications).where(repair_applications.c.id == application_id)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).mappings().first()
    if row is None:
        raise NotFound(
            f"编号为 {application_id} 的修复申请", f"repair application {application_id}"
        )
    return _application(conn, row, full=False)


def _handled(conn: Connection, principal: Principal, application_id: int) -> Application:
    app = _locked(conn, application_id)
    if not may_handle(principal, app.province, app.domain):
        if principal.role in (Role.DEPARTMENT, Role.CREDIT_OFFICE):
            raise NotAllowed(
                f"修复申请 {application_id} 由认定单位（省份 {app.province}、领域 "
                f"{app.domain or '-'}）或该省信用办、区域信用办办理",
                f"repair application {application_id} is handled by its deciding authority "
                f"(province {app.province}, domain {app.domain or '-'}), that province's credit "
                "office or the regional one",
            )
        raise NotFound(
            f"编号为 {application_id} 的修复申请", f"repair application {application_id}"
        )
    return app


def _owned(conn: Connection, principal: Principal, application_id: int) -> Application:
    app = _locked(conn, application_id)
    if principal.role is not Role.SUBJECT or principal.subject_id != app.subject_id:
        raise NotFound(
            f"编号为 {application_id} 的修复申请", f"repair application {application_id}"
        )
    return app


def _set(
    conn: Connection, app: Application, expect: Sequence[str], step: tuple[str, str], **values: Any
) -> None:
    result = conn.execute(
        update(repair_applications)
        .where(
            repair_applications.c.id == app.id,
            repair_applications.c.status.in_(list(expect)),
        )
        .values(**values)
    )
    if result.rowcount != 1:
        current = conn.execute(
            select(repair_applications.c.status).where(repair_applications.c.id == app.id)
        ).scalar()
        raise WrongState(app.id, str(current), *step)


def add_document(
    conn: Connection,
    *,
    clock: Clock,
    settings: Settings,
    principal: Principal,
    application_id: int,
    document: DocumentIn,
) -> int:
    """The applicant adds a document while the case is open; returns the document's id."""
    app = _owned(conn, principal, application_id)
    if not app.open:
        raise WrongState(app.id, app.status, "补充材料", "add a document")
    held = len(
        conn.execute(
            select(repair_documents.c.id).where(repair_documents.c.application_id == app.id)
        ).all()
    )
    [checked] = check_documents([document], settings, already=held)
    now = clock.now()
    _set(conn, app, OPEN_STATUSES, ("补充材料", "add a document"), updated_at=now)
    [doc_id] = _store_documents(conn, app.id, [checked], now)
    record_case_event(
        conn,
        clock=clock,
        event="document_added",
        actor=principal.actor,
        application_id=app.id,
        detail={"document_id": doc_id, "kind": checked.kind},
    )
    return doc_id


def accept(
    conn: Connection, *, clock: Clock, principal: Principal, application_id: int
) -> Application:
    """A handler accepts the application for handling (受理)."""
    app = _handled(conn, principal, application_id)
    if app.status != "submitted":
        raise WrongState(app.id, app.status, "受理", "accept")
    now = clock.now()
    _set(
        conn,
        app,
        ("submitted",),
        ("受理", "accept"),
        status="accepted",
        accepted_at=now,
        updated_at=now,
    )
    record_case_event(
        conn, clock=clock, event="accepted", actor=principal.actor, application_id=app.id
    )
    notify(
        conn,
        clock=clock,
        kind="repair.accepted",
        ref=f"repair:{app.id}",
        subject_id=app.subject_id,
        title=("信用修复申请已受理", "repair application accepted"),
        body=(
            f"修复申请 {app.id} 已由{app.authority}受理，办结期限 {app.decide_due.isoformat()}。",
            f"Repair application {app.id} was accepted by {app.authority}; it is to be decided "
            f"by {app.decide_due.isoformat()}.",
        ),
    )
    found = get_application(conn, app.id)
    assert found is not None
    return found


def _check_target(conn: Connection, app: Application) -> None:
    """Re-read the target under lock before an approval: the record must still be active and not
    repaired, the listing still listed (it may have been withdrawn, corrected away or repaired
    since the application)."""
    if app.target == "listing" and app.entry_id is not None:
        query = select(list_entries.c.status).where(list_entries.c.id == app.entry_id)
        if conn.dialect.name == "postgresql":
            query = query.with_for_update()
        status = conn.execute(query).scalar()
        if status != "listed":
            raise TargetChanged(
                app.id,
                f"entry {status}",
                f"名单条目 {app.entry_id} 当前状态为 {status}，已不在列",
                f"list entry {app.entry_id} is {status}, no longer listed",
            )
        return
    if app.record_id is None:
        return
    query = select(records.c.repaired_on).where(records.c.id == app.record_id)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    repaired_on = conn.execute(query).scalar()
    if repaired_on is not None:
        raise TargetChanged(
            app.id,
            "record repaired",
            f"记录 {app.record_id} 已于 {repaired_on.isoformat()} 修复",
            f"record {app.record_id} was repaired on {repaired_on.isoformat()}",
        )
    status = conn.execute(
        select(record_versions.c.status)
        .where(record_versions.c.record_id == app.record_id)
        .order_by(record_versions.c.version.desc())
        .limit(1)
    ).scalar()
    if status not in (None, "active"):
        raise TargetChanged(
            app.id,
            f"record {status}",
            f"记录 {app.record_id} 当前状态为 {status}（已撤销或更正），无需修复",
            f"record {app.record_id} is {status} (withdrawn or corrected): nothing to repair",
        )


def _decision_values(
    app: Application,
    *,
    status: str,
    clock: Clock,
    settings: Settings,
    actor: str,
    reasons: str | None,
) -> dict[str, Any]:
    """The columns a decision sets (handling time in working days from received to today)."""
    now = clock.now()
    return {
        "status": status,
        "decided_at": now,
        "decided_by": actor[:200],
        "reasons": reasons[:REASONS_MAX] if reasons else None,
        "working_days": working_calendar(settings).working_days_between(
            app.received_on, clock.today()
        ),
        "updated_at": now,
    }


def _take_effect(
    conn: Connection,
    *,
    clock: Clock,
    standard: Standard,
    app: Application,
    actor: str,
    title: tuple[str, str],
    body: tuple[str, str],
) -> dict[str, Any]:
    """The effects of an approval (:func:`credit_yrd.repair.effects.apply_approval`), the
    ``effects_applied`` step and the notice to the subject."""
    from credit_yrd.repair.effects import apply_approval

    effects = apply_approval(
        conn, clock=clock, standard=standard, application_id=app.id, actor=actor
    )
    record_case_event(
        conn,
        clock=clock,
        event="effects_applied",
        actor=actor,
        application_id=app.id,
        detail=effects,
    )
    notify(
        conn,
        clock=clock,
        kind="repair.approved",
        ref=f"repair:{app.id}",
        subject_id=app.subject_id,
        title=title,
        body=body,
    )
    return effects


def decide(
    conn: Connection,
    *,
    clock: Clock,
    settings: Settings,
    standard: Standard,
    principal: Principal,
    application_id: int,
    approve: bool,
    reasons: str,
) -> Application:
    """Approve (the effects follow in the same transaction) or refuse (reasons required) an open
    application; the subject is told either way. An approval re-reads the target under lock and
    is refused (:class:`~credit_yrd.repair.errors.TargetChanged`, 409) when the record is no
    longer active or already repaired, or the listing no longer listed (refusing stays possible)."""
    app = _handled(conn, principal, application_id)
    if not app.open:
        raise WrongState(app.id, app.status, "作出决定", "decide")
    text = checked_text("reasons", reasons, REASONS_MAX, required=not approve)
    now, today = clock.now(), clock.today()
    if approve:
        _check_target(conn, app)
    status = "approved" if approve else "refused"
    values = _decision_values(
        app, status=status, clock=clock, settings=settings, actor=principal.actor, reasons=text
    )
    if app.accepted_at is None:
        values["accepted_at"] = now
    _set(conn, app, OPEN_STATUSES, ("作出决定", "decide"), **values)
    if app.accepted_at is None:
        record_case_event(
            conn,
            clock=clock,
            event="accepted",
            actor=principal.actor,
            application_id=app.id,
            detail={"with_decision": True},
        )
    record_case_event(
        conn,
        clock=clock,
        event=status,
        actor=principal.actor,
        application_id=app.id,
        detail={"reasons": text} if text else None,
    )
    if approve:
        _take_effect(
            conn,
            clock=clock,
            standard=standard,
            app=app,
            actor=principal.actor,
            title=("信用修复申请已准予", "repair approved"),
            body=(
                f"修复申请 {app.id} 已准予：自 {today.isoformat()} 起终止公示、停止共享，相关惩戒措施"
                f"解除，并已通知长三角各省平台。{text}",
                f"Repair application {app.id} was approved: from {today.isoformat()} the "
                f"information is no longer published or shared, the related measures are lifted "
                f"and every province of the region is told. {text}".strip(),
            ),
        )
    else:
        notify(
            conn,
            clock=clock,
            kind="repair.refused",
            ref=f"repair:{app.id}",
            subject_id=app.subject_id,
            title=("信用修复申请不予准予", "repair refused"),
            body=(
                f"修复申请 {app.id} 不予修复。理由：{text}。对决定有异议的，可提出异议。",
                f"Repair application {app.id} was refused. Reasons: {text}. You may object to the "
                "decision.",
            ),
        )
    found = get_application(conn, app.id)
    assert found is not None
    return found


def approve_refused(
    conn: Connection,
    *,
    clock: Clock,
    settings: Settings,
    standard: Standard,
    actor: str,
    application_id: int,
    objection_id: int,
    reasons: str,
) -> dict[str, Any]:
    """Reverse a refusal because an objection to it was accepted (异议成立): the application
    becomes ``approved`` through the same path as :func:`decide` — the target re-read under lock,
    every effect of an approval (publication ends, sharing stops, listings are taken off, every
    province is told), the steps ``approved`` and ``effects_applied`` and a notice to the
    subject. The caller (:mod:`credit_yrd.repair.objections`) has checked its handler's scope.
    Returns what the effects did."""
    app = _locked(conn, application_id)
    if app.status != "refused":
        raise WrongState(
            app.id, app.status, "依异议改为准予修复", "turn a refusal into an approval"
        )
    _check_target(conn, app)
    decided = f"异议成立，撤销不予修复决定（objection {objection_id}）：{reasons}"
    values = _decision_values(
        app, status="approved", clock=clock, settings=settings, actor=actor, reasons=decided
    )
    _set(
        conn, app, ("refused",), ("依异议改为准予修复", "turn a refusal into an approval"), **values
    )
    record_case_event(
        conn,
        clock=clock,
        event="approved",
        actor=actor,
        application_id=app.id,
        detail={"objection_id": objection_id, "reasons": reasons},
    )
    today = clock.today().isoformat()
    return _take_effect(
        conn,
        clock=clock,
        standard=standard,
        app=app,
        actor=actor,
        title=("异议成立：信用修复已准予", "objection accepted: repair approved"),
        body=(
            f"对修复申请 {app.id} 不予修复决定的异议成立，予以修复：自 {today} 起终止公示、"
            "停止共享，相关惩戒措施解除，并已通知长三角各省平台。",
            f"The objection to the refusal of repair application {app.id} was accepted and the "
            f"repair approved: from {today} the information is no longer published or shared, the "
            "related measures are lifted and every province of the region is told.",
        ),
    )


def withdraw(
    conn: Connection, *, clock: Clock, principal: Principal, application_id: int
) -> Application:
    """The applicant withdraws its open application."""
    app = _owned(conn, principal, application_id)
    if not app.open:
        raise WrongState(app.id, app.status, "撤回", "withdraw")
    now = clock.now()
    _set(conn, app, OPEN_STATUSES, ("撤回", "withdraw"), status="withdrawn", updated_at=now)
    record_case_event(
        conn, clock=clock, event="withdrawn", actor=principal.actor, application_id=app.id
    )
    found = get_application(conn, app.id)
    assert found is not None
    return found


def open_cases_condition() -> Any:
    """SQL for "open" over ``repair_applications`` (used by reminders and figures)."""
    return repair_applications.c.status.in_(OPEN_STATUSES)


__all__ = [
    "Application",
    "DocumentMeta",
    "Progress",
    "QueueItem",
    "Step",
    "accept",
    "add_document",
    "applications_of_subject",
    "apply",
    "approve_refused",
    "decide",
    "document",
    "get_application",
    "handler_queue",
    "may_read",
    "progress",
    "withdraw",
]
