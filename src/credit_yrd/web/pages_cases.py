"""The handlers' consoles of credit repair and objections (谁认定、谁修复): a department (its
province and domain) or a credit office (its province, or the region).

- ``/console/repairs``: the repair applications the handler decides, the most urgent first, with
  the deadline, the working days left, overdue ones highlighted, and the working calendar's
  warning when a deadline falls in a year counted on weekends only; ``?status=`` shows closed ones.
- ``/console/repairs/{id}``: one application — what it concerns, what the subject says it
  corrected, the conditions checked at apply, the documents (links to the API's download, which
  accepts the portal session), the steps — with the forms to accept it and to approve or refuse it
  with reasons.
- ``/console/objections`` and ``/console/objections/{id}``: the objections the handler answers,
  and one of them with the record's current fields and the form to decide: uphold, correct (the
  changed fields) or withdraw the record, always with reasons.

The handler's reminders and notices (:mod:`credit_yrd.repair.notices_read`) are shown on both
queues. Showing a case writes one access-log row (its subject's non-public data is read). Every
decision is a POST with the session's CSRF token, decided by :mod:`credit_yrd.repair`; bad input
comes back on the page with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.engine import Connection

from credit_yrd.auth.principal import Principal
from credit_yrd.errors import CreditYrdError
from credit_yrd.i18n import pick
from credit_yrd.ledger.audit import Reader, log_read
from credit_yrd.repair import applications, notices_read, objections
from credit_yrd.repair.common import working_calendar
from credit_yrd.store.engine import transaction
from credit_yrd.store.records import history
from credit_yrd.store.schema import records, subjects
from credit_yrd.web import case_views, cases, present, state
from credit_yrd.web.errors import PageRedirect, not_found
from credit_yrd.web.page_helpers import (
    FormState,
    posted_fields,
    principal_of,
    refusal_on_form,
    status_of,
    threaded,
)
from credit_yrd.web.render import render
from credit_yrd.web.routing import PageRoute
from credit_yrd.web.session import (
    Access,
    Visitor,
    page_access,
)

router = APIRouter(route_class=PageRoute, include_in_schema=False, prefix="/console")

Handler = Annotated[Visitor, page_access(Access.HANDLER)]
CASE_PURPOSE = "信用修复与异议办理 (handling credit repair and objections)"
#: Field types a handler may correct through the form (identifiers and documents are not).
EDITABLE_TYPES = frozenset({"string", "text", "code", "date", "decimal"})
#: Rows of the correction form (field, new value).
CHANGE_ROWS = 3
DONE: dict[str, tuple[str, str]] = {
    "accepted": ("已受理。", "Accepted."),
    "approved": (
        "已决定予以修复：该信息停止公示、停止共享，相关名单移出，并推送至各省平台。",
        "Repair approved: publication and sharing have ended, listings resting on it are "
        "removed and the provinces are told.",
    ),
    "refused": ("已决定不予修复，理由已告知申请人。", "Repair refused; the applicant is told why."),
    "decided": ("异议已办结，结果已告知当事人。", "The objection is decided; the filer is told."),
}


@dataclass
class FieldRow:
    """One field of a record in the objection's correction form."""

    code: str
    label: str
    value: str


@dataclass
class Queue:
    items: list[Any] = field(default_factory=list)
    overdue: int = 0
    warning: str | None = None


def _log(
    conn: Connection,
    principal: Principal,
    request: Request,
    shown: dict[int, set[int]],
) -> None:
    reader = Reader.for_principal(principal, CASE_PURPOSE)
    for subject_id in sorted(shown):
        log_read(
            conn,
            reader,
            subject_id=subject_id,
            record_ids=shown[subject_id],
            action=f"portal {request.url.path}",
            clock=state.clock(request),
        )


def _notices(conn: Connection, principal: Principal, lang: str) -> list[dict[str, Any]]:
    return [
        {
            "title": pick(n.title_zh, n.title_en, lang),
            "body": pick(n.body_zh, n.body_en, lang),
            "at": n.created_at,
            "read": n.read_at is not None,
        }
        for n in notices_read.notices_for(conn, principal, limit=20)
    ]


def _status_filter(text: str | None, allowed: dict[str, tuple[str, str]]) -> str | None:
    if not text:
        return None
    if text not in allowed:
        raise not_found("没有该状态", "no such status")
    return text


# --- repairs -----------------------------------------------------------------------------------


def _queue_page(
    request: Request,
    visitor: Visitor,
    status: str | None,
    *,
    status_labels: dict[str, tuple[str, str]],
    load: Callable[[Connection, Principal, str | None], list[Any]],
    shown_of: Callable[[Any], tuple[int, int | None]],
    open_of: Callable[[Any], bool],
    warning_of: Callable[[Any], tuple[str, str] | None],
    template: str,
    title: tuple[str, str],
    **context: Any,
) -> HTMLResponse:
    """A handler's queue (``load``): its cases, the overdue ones among the open, the calendar's
    warnings, its notices; one access-log row per subject shown (``shown_of``: the subject and
    the record of a case)."""
    lang = visitor.lang
    principal = principal_of(visitor)
    chosen = _status_filter(status, status_labels)
    with transaction(state.engine(request)) as conn:
        items = load(conn, principal, chosen)
        shown: dict[int, set[int]] = {}
        for i in items:
            subject_id, record_id = shown_of(i)
            ids = shown.setdefault(subject_id, set())
            if record_id is not None:
                ids.add(record_id)
        _log(conn, principal, request, shown)
        notices = _notices(conn, principal, lang)
    warnings = {pick(*w, lang) for i in items if open_of(i) and (w := warning_of(i))}
    return render(
        request,
        template,
        trusted=True,
        title=pick(*title, lang),
        queue=Queue(
            items,
            sum(1 for i in items if i.overdue and open_of(i)),
            "；".join(sorted(warnings)) or None,
        ),
        chosen=chosen,
        statuses=[(c, cases.label(status_labels, c, lang)) for c in status_labels],
        status_label=cases.labeller(status_labels, lang),
        days_words=lambda n: cases.working_days_words(n, lang) if n is not None else "—",
        notices=notices,
        principal=principal,
        **context,
    )


@router.get("/repairs", response_class=HTMLResponse)
def repair_queue(request: Request, visitor: Handler, status: str | None = None) -> HTMLResponse:
    return _queue_page(
        request,
        visitor,
        status,
        status_labels=cases.REPAIR_STATUS_LABELS,
        load=lambda conn, principal, chosen: applications.handler_queue(
            conn,
            principal,
            clock=state.clock(request),
            settings=state.settings(request),
            status=chosen,
            standard=state.standard(request),
        ),
        shown_of=lambda i: (i.subject_id, i.record_id),
        open_of=lambda i: True,
        warning_of=lambda i: i.calendar_warning,
        template="cases_repairs.html",
        title=("信用修复办理", "Credit repair cases"),
    )


def _repair_page(
    request: Request,
    visitor: Visitor,
    application_id: int,
    *,
    form: FormState | None = None,
    status: int = 200,
) -> HTMLResponse:
    lang = visitor.lang
    principal = principal_of(visitor)
    standard = state.standard(request)
    labels = present.Labels(standard, lang)
    today = state.today(request)
    calendar = working_calendar(state.settings(request))
    with transaction(state.engine(request)) as conn:
        app = applications.get_application(conn, application_id)
        if app is None or not applications.may_read(principal, app):
            raise not_found("没有该修复申请", "no such repair application")
        titles = case_views.Titles.load(conn, standard, lang, [app])
        subject = conn.execute(
            select(subjects.c.name, subjects.c.uscc).where(subjects.c.id == app.subject_id)
        ).first()
        _log(
            conn,
            principal,
            request,
            {app.subject_id: {app.record_id} if app.record_id is not None else set()},
        )
    view = case_views.application_view(
        app, titles=titles, labels=labels, today=today, calendar=calendar, lang=lang
    )
    done = request.query_params.get("done")
    return render(
        request,
        "case_repair.html",
        status=status,
        trusted=True,
        title=pick("修复申请 ", "Repair application ", lang) + str(app.id),
        a=view,
        app=app,
        subject_name=subject.name if subject is not None else "—",
        subject_code=subject.uscc if subject is not None else None,
        documents=[
            {
                "label": cases.label(cases.DOCUMENT_KIND_LABELS, d.kind, lang),
                "filename": d.filename,
                "size": d.size,
                "href": f"/api/v1/repairs/{app.id}/documents/{d.id}",
            }
            for d in app.documents
        ],
        conditions=_conditions(app.conditions),
        form=form or FormState(),
        done=pick(*DONE[done], lang) if done in DONE else None,
    )


def _conditions(found: dict[str, Any] | None) -> list[tuple[str, str]]:
    """The conditions checked at apply, as ``(name, value)`` rows."""
    rows = []
    for key, value in (found or {}).items():
        if isinstance(value, dict | list):
            continue
        rows.append((str(key), "—" if value is None else str(value)))
    return rows


@router.get("/repairs/{application_id}", response_class=HTMLResponse)
def repair_case(request: Request, visitor: Handler, application_id: str) -> HTMLResponse:
    number = cases.case_number(application_id, "没有该修复申请", "no such repair application")
    return _repair_page(request, visitor, number)


def _accept(request: Request, visitor: Visitor, application_id: int) -> HTMLResponse:
    try:
        with transaction(state.engine(request)) as conn:
            applications.accept(
                conn,
                clock=state.clock(request),
                principal=principal_of(visitor),
                application_id=application_id,
            )
    except CreditYrdError as exc:
        form = FormState(message=exc.message(visitor.lang))
        return _repair_page(request, visitor, application_id, form=form, status=status_of(exc))
    raise PageRedirect(f"/console/repairs/{application_id}?done=accepted")


@router.post("/repairs/{application_id}/accept", response_class=HTMLResponse)
async def accept_repair(request: Request, visitor: Handler, application_id: str) -> HTMLResponse:
    number = cases.case_number(application_id, "没有该修复申请", "no such repair application")
    await posted_fields(request, visitor)
    return await threaded(_accept, request, visitor, number)


def _decide(
    request: Request, visitor: Visitor, application_id: int, fields: dict[str, str]
) -> HTMLResponse:
    lang = visitor.lang
    form = FormState(values={k: fields.get(k, "").strip() for k in ("decision", "reasons")})
    decision = form.values["decision"]
    if decision not in ("approve", "refuse"):
        form.errors = {
            "decision": pick("请选择予以修复或不予修复", "choose approve or refuse", lang)
        }
        return _repair_page(request, visitor, application_id, form=form, status=400)
    try:
        with transaction(state.engine(request)) as conn:
            applications.decide(
                conn,
                clock=state.clock(request),
                settings=state.settings(request),
                standard=state.standard(request),
                principal=principal_of(visitor),
                application_id=application_id,
                approve=decision == "approve",
                reasons=form.values["reasons"],
            )
    except CreditYrdError as exc:
        refusal_on_form(form, exc, lang, ("reasons",))
        return _repair_page(request, visitor, application_id, form=form, status=status_of(exc))
    done = "approved" if decision == "approve" else "refused"
    raise PageRedirect(f"/console/repairs/{application_id}?done={done}")


@router.post("/repairs/{application_id}/decide", response_class=HTMLResponse)
async def decide_repair(request: Request, visitor: Handler, application_id: str) -> HTMLResponse:
    number = cases.case_number(application_id, "没有该修复申请", "no such repair application")
    fields = await posted_fields(request, visitor)
    return await threaded(_decide, request, visitor, number, fields)


# --- objections --------------------------------------------------------------------------------


@router.get("/objections", response_class=HTMLResponse)
def objection_queue(request: Request, visitor: Handler, status: str | None = None) -> HTMLResponse:
    return _queue_page(
        request,
        visitor,
        status,
        status_labels=cases.OBJECTION_STATUS_LABELS,
        load=lambda conn, principal, chosen: objections.objection_queue(
            conn,
            principal,
            clock=state.clock(request),
            settings=state.settings(request),
            status=chosen,
            standard=state.standard(request),
        ),
        shown_of=lambda i: (i.objection.subject_id, i.objection.record_id),
        open_of=lambda i: bool(i.objection.is_open),
        warning_of=lambda i: i.warning,
        template="cases_objections.html",
        title=("异议办理", "Objections"),
        ground_label=cases.labeller(cases.GROUND_LABELS, visitor.lang),
    )


def _record_fields(
    conn: Connection, request: Request, record_id: int, lang: str
) -> tuple[str, list[FieldRow]]:
    """The record's kind and its current fields a handler may correct (text values as stored)."""
    standard = state.standard(request)
    kind_code = conn.execute(select(records.c.kind).where(records.c.id == record_id)).scalar()
    kind = standard.record_kinds.get(str(kind_code)) if kind_code else None
    versions = history(conn, record_id)
    if kind is None or not versions:
        return str(kind_code or ""), []
    content = dict(versions[-1].content)
    rows = []
    for f in kind.fields:
        if f.type not in EDITABLE_TYPES:
            continue
        value = content.get(f.code)
        if isinstance(value, dict):
            continue
        text = (
            "、".join(str(v) for v in value)
            if isinstance(value, list)
            else ("" if value is None else str(value))
        )
        rows.append(FieldRow(f.code, pick(f.label_zh, f.label_en, lang), text))
    return str(kind_code), rows


def _objection_page(
    request: Request,
    visitor: Visitor,
    objection_id: int,
    *,
    form: FormState | None = None,
    status: int = 200,
) -> HTMLResponse:
    lang = visitor.lang
    principal = principal_of(visitor)
    standard = state.standard(request)
    labels = present.Labels(standard, lang)
    calendar = working_calendar(state.settings(request))
    with transaction(state.engine(request)) as conn:
        obj = objections.get_objection(conn, objection_id)
        if obj is None or not objections.may_read(principal, obj) or not _handles(principal, obj):
            raise not_found("没有该异议", "no such objection")
        titles = case_views.Titles.load(conn, standard, lang, [obj])
        kind, rows = _record_fields(conn, request, obj.record_id, lang)
        subject = conn.execute(
            select(subjects.c.name, subjects.c.uscc).where(subjects.c.id == obj.subject_id)
        ).first()
        _log(conn, principal, request, {obj.subject_id: {obj.record_id}})
    view = case_views.objection_view(
        obj, titles=titles, labels=labels, today=state.today(request), calendar=calendar, lang=lang
    )
    done = request.query_params.get("done")
    return render(
        request,
        "case_objection.html",
        status=status,
        trusted=True,
        title=pick("异议 ", "Objection ", lang) + str(obj.id),
        o=view,
        obj=obj,
        record_kind=labels.kind(kind) if kind else "—",
        subject_name=subject.name if subject is not None else "—",
        subject_code=subject.uscc if subject is not None else None,
        party_label=pick("主体本人", "the subject itself", lang)
        if obj.party == "subject"
        else pick("利害关系人：", "party with standing: ", lang) + (obj.party_name or "—"),
        rows=rows,
        outcomes=[(c, cases.label(cases.OUTCOME_LABELS, c, lang)) for c in objections.OUTCOMES],
        form=form or FormState(),
        done=pick(*DONE[done], lang) if done in DONE else None,
    )


def _handles(principal: Principal, obj: objections.Objection) -> bool:
    from credit_yrd.repair.common import may_handle

    return may_handle(principal, obj.province, obj.domain)


@router.get("/objections/{objection_id}", response_class=HTMLResponse)
def objection_case(request: Request, visitor: Handler, objection_id: str) -> HTMLResponse:
    number = cases.case_number(objection_id, "没有该异议", "no such objection")
    return _objection_page(request, visitor, number)


def _corrections(
    request: Request, objection_id: int, fields: dict[str, str], lang: str
) -> tuple[dict[str, Any], dict[str, str]]:
    """The changes a handler asks for (``change_N`` names a field code, ``value_N`` its new
    value), and what is wrong with them by form field."""
    with state.engine(request).connect() as conn:
        obj = objections.get_objection(conn, objection_id)
        rows = _record_fields(conn, request, obj.record_id, lang)[1] if obj is not None else []
    known = {r.code for r in rows}
    changed: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for n in range(1, CHANGE_ROWS + 1):
        code = fields.get(f"change_{n}", "").strip()
        value = fields.get(f"value_{n}", "").strip()
        if not code:
            if value:
                errors[f"change_{n}"] = pick("请选择要更正的字段", "choose the field", lang)
            continue
        if code not in known:
            errors[f"change_{n}"] = pick(
                "该字段不能在此更正", "this field cannot be corrected here", lang
            )
        elif code in changed:
            errors[f"change_{n}"] = pick(
                "同一字段只能更正一次", "a field can be changed once", lang
            )
        else:
            changed[code] = value
    if not changed and not errors:
        errors["change_1"] = pick(
            "更正信息时请至少填写一个字段的更正值", "name at least one field to correct", lang
        )
    return changed, errors


def _decide_objection(
    request: Request, visitor: Visitor, objection_id: int, fields: dict[str, str]
) -> HTMLResponse:
    lang = visitor.lang
    form = FormState(
        values={k: v.strip() for k, v in fields.items() if k != "csrf_token"},
    )
    outcome = form.values.get("outcome", "")
    if outcome not in objections.OUTCOMES:
        form.errors = {"outcome": pick("请选择办理结果", "choose an outcome", lang)}
        return _objection_page(request, visitor, objection_id, form=form, status=400)
    corrected = None
    if outcome == "correct":
        corrected, errors = _corrections(request, objection_id, fields, lang)
        if errors:
            form.errors = errors
            return _objection_page(request, visitor, objection_id, form=form, status=400)
    try:
        with transaction(state.engine(request)) as conn:
            objections.decide_objection(
                conn,
                clock=state.clock(request),
                settings=state.settings(request),
                standard=state.standard(request),
                principal=principal_of(visitor),
                objection_id=objection_id,
                outcome=outcome,
                reasons=form.values.get("reasons", ""),
                corrected=corrected,
            )
    except CreditYrdError as exc:
        refusal_on_form(form, exc, lang, ("reasons",))
        return _objection_page(request, visitor, objection_id, form=form, status=status_of(exc))
    raise PageRedirect(f"/console/objections/{objection_id}?done=decided")


@router.post("/objections/{objection_id}/decide", response_class=HTMLResponse)
async def decide_objection(request: Request, visitor: Handler, objection_id: str) -> HTMLResponse:
    number = cases.case_number(objection_id, "没有该异议", "no such objection")
    fields = await posted_fields(request, visitor)
    return await threaded(_decide_objection, request, visitor, number, fields)
