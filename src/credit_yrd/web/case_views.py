"""What the repair and objection pages show of a case, in the visitor's language: its title (the
record kind or list it concerns), status with its tone, the deciding authority, the deadlines with
the working days left (or overdue), the dated steps; built from the domain's shapes
(:mod:`credit_yrd.repair.applications`, :mod:`credit_yrd.repair.objections`) so that templates
read plain values.

A progress view (:func:`repair_progress_view`, :func:`objection_progress_view`) is for anyone
holding the 查询码: it carries only what the domain's public progress answer carries (never an
identifier, a document or the applicant's account)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from credit_yrd.i18n import pick
from credit_yrd.repair import applications, objections
from credit_yrd.standards.models import Standard
from credit_yrd.store._sql import chunked, one_of
from credit_yrd.store.schema import list_entries, records
from credit_yrd.web import cases
from credit_yrd.web.present import Labels
from credit_yrd.web.render import format_datetime
from credit_yrd.workdays import WorkingCalendar

#: Tone (CSS class of the status tag) per status.
TONES = {
    "approved": "active",
    "corrected": "active",
    "withdrawn_record": "active",
    "refused": "bad",
    "upheld": "bad",
}


@dataclass
class StepView:
    event: str
    when: str
    label: str


@dataclass
class Deadline:
    label: str
    due: dt.date
    overdue: bool = False
    note: str | None = None


@dataclass
class CaseView:
    """One case (a repair application or an objection) as a page shows it."""

    kind: str
    id: int
    code: str
    status: str
    status_label: str
    tone: str
    title: str
    authority: str
    received_at: dt.datetime
    deadlines: list[Deadline] = field(default_factory=list)
    steps: list[StepView] = field(default_factory=list)
    reasons: str | None = None
    documents: list[str] = field(default_factory=list)
    may_withdraw: bool = False
    ground: str | None = None
    statement: str | None = None


def authority_text(labels: Labels, authority: str | None, province: str | None) -> str:
    place = labels.province(province) if province else ""
    if authority and place:
        return f"{authority}{labels.t('（', ' (')}{place}{labels.t('）', ')')}"
    return authority or place or "—"


def steps_of(steps: Iterable[Any], table: dict[str, tuple[str, str]], lang: str) -> list[StepView]:
    """Dated steps of a case (``event`` and ``at``), labelled from the case kind's ``table``."""
    return [
        StepView(str(s.event), format_datetime(s.at), cases.label(table, str(s.event), lang))
        for s in steps
    ]


def deadline(
    label: str,
    due: dt.date,
    *,
    today: dt.date,
    calendar: WorkingCalendar,
    open_: bool,
    done_on: dt.date | None,
    lang: str,
) -> Deadline:
    """A deadline with the working days left while the case is open, or whether it was met."""
    if open_:
        left = calendar.working_days_left(today, due)
        return Deadline(label, due, left < 0, cases.working_days_words(left, lang))
    if done_on is not None and done_on > due:
        return Deadline(label, due, True, pick("逾期办结", "met late", lang))
    return Deadline(label, due)


def record_kinds(conn: Connection, record_ids: Iterable[int | None]) -> dict[int, str]:
    wanted = sorted({int(r) for r in record_ids if r is not None})
    found: dict[int, str] = {}
    for chunk in chunked(wanted):
        for row in conn.execute(
            select(records.c.id, records.c.kind).where(one_of(conn, records.c.id, chunk))
        ):
            found[int(row.id)] = str(row.kind)
    return found


def entry_lists(conn: Connection, entry_ids: Iterable[int | None]) -> dict[int, str]:
    wanted = sorted({int(e) for e in entry_ids if e is not None})
    found: dict[int, str] = {}
    for chunk in chunked(wanted):
        for row in conn.execute(
            select(list_entries.c.id, list_entries.c.list_code).where(
                one_of(conn, list_entries.c.id, chunk)
            )
        ):
            found[int(row.id)] = str(row.list_code)
    return found


@dataclass
class Titles:
    """Names of what cases concern: record kinds and lists, by id."""

    standard: Standard
    lang: str
    kinds: dict[int, str] = field(default_factory=dict)
    lists: dict[int, str] = field(default_factory=dict)

    @classmethod
    def load(cls, conn: Connection, standard: Standard, lang: str, items: Sequence[Any]) -> Titles:
        return cls(
            standard,
            lang,
            record_kinds(conn, (getattr(i, "record_id", None) for i in items)),
            entry_lists(conn, (getattr(i, "entry_id", None) for i in items)),
        )

    def of(self, record_id: int | None, entry_id: int | None = None) -> str:
        labels = Labels(self.standard, self.lang)
        if entry_id is not None:
            code = self.lists.get(entry_id, "")
            found = self.standard.lists.get(code)
            name = found.label(self.lang) if found is not None else code
            return pick(f"名单条目：{name}", f"List entry: {name}", self.lang)
        kind = self.kinds.get(record_id or 0, "")
        return labels.kind(kind) if kind else pick("信用记录", "record", self.lang)


def application_view(
    app: Any,
    *,
    titles: Titles,
    labels: Labels,
    today: dt.date,
    calendar: WorkingCalendar,
    lang: str,
) -> CaseView:
    """A repair application (:class:`credit_yrd.repair.applications.Application`) for a page."""
    status = str(app.status)
    open_ = status in ("submitted", "accepted")
    accepted_on = app.accepted_at.date() if app.accepted_at is not None else None
    decided_on = app.decided_at.date() if app.decided_at is not None else None
    deadlines = []
    if status == "submitted" or accepted_on is not None:
        deadlines.append(
            deadline(
                pick("受理期限", "Accept by", lang),
                app.accept_due,
                today=today,
                calendar=calendar,
                open_=status == "submitted",
                done_on=accepted_on or decided_on,
                lang=lang,
            )
        )
    deadlines.append(
        deadline(
            pick("办结期限", "Decide by", lang),
            app.decide_due,
            today=today,
            calendar=calendar,
            open_=open_,
            done_on=decided_on,
            lang=lang,
        )
    )
    return CaseView(
        kind="repair",
        id=int(app.id),
        code=str(app.query_code),
        status=status,
        status_label=cases.label(cases.REPAIR_STATUS_LABELS, status, lang),
        tone=TONES.get(status, ""),
        title=titles.of(app.record_id, app.entry_id),
        authority=authority_text(labels, app.authority, app.province),
        received_at=app.received_at,
        deadlines=deadlines,
        steps=steps_of(app.steps, cases.REPAIR_EVENT_LABELS, lang),
        reasons=app.reasons,
        documents=[
            f"{cases.label(cases.DOCUMENT_KIND_LABELS, d.kind, lang)}{pick('：', ': ', lang)}"
            f"{d.filename}"
            for d in app.documents
        ],
        may_withdraw=open_,
    )


def objection_view(
    obj: Any,
    *,
    titles: Titles,
    labels: Labels,
    today: dt.date,
    calendar: WorkingCalendar,
    lang: str,
) -> CaseView:
    """An objection (:class:`credit_yrd.repair.objections.Objection`) for a page."""
    status = str(obj.status)
    open_ = status == "open"
    decided_on = obj.decided_at.date() if obj.decided_at is not None else None
    return CaseView(
        kind="objection",
        id=int(obj.id),
        code=str(obj.query_code),
        status=status,
        status_label=cases.label(cases.OBJECTION_STATUS_LABELS, status, lang),
        tone=TONES.get(status, ""),
        title=titles.of(obj.record_id),
        authority=authority_text(labels, obj.authority, obj.province),
        received_at=obj.received_at,
        deadlines=[
            deadline(
                pick("答复期限", "Answer by", lang),
                obj.due_on,
                today=today,
                calendar=calendar,
                open_=open_,
                done_on=decided_on,
                lang=lang,
            )
        ],
        steps=steps_of(obj.steps, cases.OBJECTION_EVENT_LABELS, lang),
        reasons=obj.reasons,
        may_withdraw=open_,
        ground=cases.label(cases.GROUND_LABELS, obj.ground, lang),
        statement=obj.statement,
    )


@dataclass
class ProgressView:
    """A case as anyone holding its 查询码 sees it (what the domain's progress answer carries)."""

    code: str
    status: str
    status_label: str
    tone: str
    title: str
    subject_name: str
    concerning: str
    authority: str
    received: dt.date
    deadlines: list[Deadline]
    steps: list[StepView]
    reasons: str | None = None
    calendar_warning: str | None = None


def _progress_steps(steps: Iterable[Any], lang: str) -> list[StepView]:
    found = []
    for s in steps:
        if isinstance(s, dict):
            found.append(
                StepView(str(s["event"]), str(s["on"]), pick(s["label_zh"], s["label_en"], lang))
            )
        else:
            found.append(StepView(s.event, s.on.isoformat(), pick(s.label_zh, s.label_en, lang)))
    return found


def _progress_deadline(
    label: str,
    due: dt.date,
    *,
    open_: bool,
    overdue: bool,
    today: dt.date,
    calendar: WorkingCalendar,
    lang: str,
) -> Deadline:
    if open_:
        left = calendar.working_days_left(today, due)
        return Deadline(label, due, left < 0, cases.working_days_words(left, lang))
    if overdue:
        return Deadline(label, due, True, pick("逾期办结", "met late", lang))
    return Deadline(label, due)


def repair_progress_view(
    p: applications.Progress,
    *,
    labels: Labels,
    today: dt.date,
    calendar: WorkingCalendar,
    lang: str,
) -> ProgressView:
    """The public progress of a repair application."""
    open_ = p.status in applications.OPEN_STATUSES
    kind = pick(p.record_kind_zh or "", p.record_kind_en or "", lang) or "—"
    concerning = (
        pick(f"名单条目：{kind}", f"List entry: {kind}", lang) if p.target == "listing" else kind
    )
    deadlines = []
    if p.status == "submitted":
        deadlines.append(
            _progress_deadline(
                pick("受理期限", "Accept by", lang),
                p.accept_due,
                open_=True,
                overdue=p.overdue,
                today=today,
                calendar=calendar,
                lang=lang,
            )
        )
    deadlines.append(
        _progress_deadline(
            pick("办结期限", "Decide by", lang),
            p.decide_due,
            open_=open_,
            overdue=p.overdue,
            today=today,
            calendar=calendar,
            lang=lang,
        )
    )
    return ProgressView(
        code=p.query_code,
        status=p.status,
        status_label=pick(p.status_zh, p.status_en, lang),
        tone=TONES.get(p.status, ""),
        title=pick("信用修复申请", "Credit repair application", lang),
        subject_name=p.subject_name,
        concerning=concerning,
        authority=authority_text(labels, p.authority, p.province),
        received=p.received_on,
        deadlines=deadlines,
        steps=_progress_steps(p.steps, lang),
        reasons=p.reasons,
        calendar_warning=pick(*p.calendar_warning, lang) if p.calendar_warning else None,
    )


def objection_progress_view(
    p: objections.Progress,
    *,
    code: str,
    labels: Labels,
    today: dt.date,
    calendar: WorkingCalendar,
    lang: str,
) -> ProgressView:
    """The public progress of an objection."""
    ground = pick(p.ground_zh, p.ground_en, lang)
    kind = pick(p.record_kind_zh, p.record_kind_en, lang) or "—"
    authority = p.authority
    if p.authority_province:
        authority = (
            f"{authority}{pick('（', ' (', lang)}{p.authority_province}{pick('）', ')', lang)}"
        )
    return ProgressView(
        code=code,
        status=p.status,
        status_label=pick(p.status_zh, p.status_en, lang),
        tone=TONES.get(p.status, ""),
        title=pick(f"异议：{ground}", f"Objection: {ground}", lang),
        subject_name=p.subject_name,
        concerning=kind,
        authority=authority,
        received=p.received_on,
        deadlines=[
            _progress_deadline(
                pick("答复期限", "Answer by", lang),
                p.due_on,
                open_=p.status == "open",
                overdue=p.overdue,
                today=today,
                calendar=calendar,
                lang=lang,
            )
        ],
        steps=_progress_steps(p.steps, lang),
        reasons=p.reasons,
        calendar_warning=pick(*p.warning, lang) if p.warning else None,
    )
