"""The applicant's pages of credit repair (信用修复).

- ``/repair`` (anyone): what repair is, its conditions, its deadlines in working days (from the
  settings and the working calendar) and a form to follow a case by its 查询码.
- ``/repair/progress`` (anyone, no login): a case's progress by its 查询码, sent as the POST of
  that form (which changes nothing, so it needs no token; a signed-in visitor's POST still
  carries the session's CSRF token and is checked). The code is a bearer secret, so the portal
  never puts it in a URL; a GET shows the form, and an old link's ``?code=`` is still answered,
  but every progress page is sent with ``Referrer-Policy: no-referrer`` and
  ``Cache-Control: no-store``. Either kind of code is accepted
  (``XF-`` repair, ``YY-`` objection). An unknown code and a malformed one get the same answer, a
  404 page with the form, so that codes cannot be probed by their shape.
- ``/me/repair/new?record=ID`` or ``?entry=ID`` (the subject's own account): the application form
  (what was corrected, the 信用承诺书 and the evidence, uploaded as ``multipart/form-data``); a
  refusal lists every condition that failed; on success the subject lands on ``/me/repairs`` with
  the 查询码 shown prominently.
- ``/me/repairs``: the subject's own applications with status, 查询码, deadlines and steps, and a
  withdraw button while a case is open.

Everything is decided by :mod:`credit_yrd.repair.applications`; these pages only read forms and
show answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from credit_yrd.errors import CreditYrdError
from credit_yrd.i18n import pick
from credit_yrd.ledger import Audience, RecordNotVisibleError, record_detail
from credit_yrd.lists.entries import entries_of_subject
from credit_yrd.repair import applications
from credit_yrd.repair.common import OBJECTION_PREFIX, working_calendar
from credit_yrd.repair.documents import KIND_LABELS as DOCUMENT_KIND_LABELS
from credit_yrd.repair.documents import MAX_DOCUMENTS, DocumentIn
from credit_yrd.repair.errors import InvalidInput, RepairConditionError
from credit_yrd.repair.objections import objection_progress
from credit_yrd.store.engine import transaction
from credit_yrd.web import case_views, cases, joint, present, state
from credit_yrd.web.errors import PageError, PageRedirect, not_found
from credit_yrd.web.page_helpers import (
    FormState,
    posted_fields,
    principal_of,
    status_of,
    subject_id_of,
    threaded,
    withdraw_case,
)
from credit_yrd.web.render import render
from credit_yrd.web.routing import PageRoute
from credit_yrd.web.session import (
    Access,
    Visitor,
    check_same_origin,
    check_session_csrf,
    form_fields,
    page_access,
)

router = APIRouter(route_class=PageRoute, include_in_schema=False)

Public = Annotated[Visitor, page_access(Access.PUBLIC)]
OwnSubject = Annotated[Visitor, page_access(Access.SUBJECT)]

#: The file inputs of the application form, in the order shown: the kind of each upload.
DOCUMENT_FIELDS = ("commitment", "payment", "rectification", "other")
_HINTS: dict[str, tuple[str, str]] = {
    "commitment": (
        "必须提交：本人（法定代表人）签署的信用承诺书。",
        "Required: the credit commitment signed by you (or your legal representative).",
    ),
    "payment": (
        "如罚款缴纳凭证、履行判决的证明。缴款凭证和整改材料至少提交一项。",
        "E.g. the receipt of the fine. Attach this or a proof of rectification.",
    ),
    "rectification": (
        "如整改报告、主管部门的整改确认。",
        "E.g. a rectification report, the department's confirmation.",
    ),
    "other": (
        "其他能证明已纠正失信行为的材料（可选）。",
        "Anything else that shows the conduct was corrected (optional).",
    ),
}
#: Headers of a page showing a case found by its 查询码 (which may have come in its URL).
PROGRESS_HEADERS = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}
DONE: dict[str, tuple[str, str]] = {
    "withdrawn": ("申请已撤回。", "The application has been withdrawn."),
}


@dataclass
class Target:
    """What an application is about, as the form shows it."""

    kind: str
    id: int
    title: str
    facts: list[tuple[str, str]]


# --- /repair -----------------------------------------------------------------------------------


@router.get("/repair", response_class=HTMLResponse)
def repair_intro(request: Request, visitor: Public) -> HTMLResponse:
    settings = state.settings(request)
    today = state.today(request)
    calendar = working_calendar(settings)
    horizon = calendar.add_working_days(today, settings.repair_decide_working_days)
    warning = calendar.warning(today, horizon)
    return render(
        request,
        "repair.html",
        title=pick("信用修复", "Credit repair", visitor.lang),
        accept_days=settings.repair_accept_working_days,
        decide_days=settings.repair_decide_working_days,
        objection_days=settings.objection_working_days,
        max_mib=max(1, settings.repair_document_max_bytes // (1024 * 1024)),
        max_documents=MAX_DOCUMENTS,
        calendar_warning=pick(*warning, visitor.lang) if warning else None,
        progress_action="/repair/progress",
        code_text="",
        not_found=False,
    )


# --- progress by 查询码 --------------------------------------------------------------------------


def progress_page(
    request: Request, visitor: Visitor, text: str | None, action: str
) -> HTMLResponse:
    """The progress of the case whose 查询码 is ``text`` (either kind), or the form alone."""
    lang = visitor.lang
    settings = state.settings(request)
    clock = state.clock(request)
    standard = state.standard(request)
    code = cases.read_code(text)
    view = None
    if code is not None:
        labels = present.Labels(standard, lang)
        calendar = working_calendar(settings)
        with state.engine(request).connect() as conn:
            if code.startswith(OBJECTION_PREFIX):
                found = objection_progress(
                    conn, code, clock=clock, settings=settings, standard=standard
                )
                view = (
                    case_views.objection_progress_view(
                        found,
                        code=code,
                        labels=labels,
                        today=clock.today(),
                        calendar=calendar,
                        lang=lang,
                    )
                    if found is not None
                    else None
                )
            else:
                progress = applications.progress(
                    conn, code, settings=settings, clock=clock, standard=standard
                )
                view = (
                    case_views.repair_progress_view(
                        progress, labels=labels, today=clock.today(), calendar=calendar, lang=lang
                    )
                    if progress is not None
                    else None
                )
    asked = text is not None and text.strip() != ""
    page = render(
        request,
        "case_progress.html",
        status=404 if asked and view is None else 200,
        title=pick("办理进度查询", "Case progress", lang),
        p=view,
        not_found=asked and view is None,
        code_text=(text or "").strip()[:64] if view is None else "",
        progress_action=action,
    )
    # The 查询码 is a bearer secret: neither sent on as a Referer nor kept in caches.
    page.headers.update(PROGRESS_HEADERS)
    return page


async def progress_form(request: Request, visitor: Visitor) -> str:
    """The code of a progress form's POST."""
    check_same_origin(request)
    fields = await form_fields(request)
    if visitor.signed_in:
        check_session_csrf(visitor, fields.get("csrf_token"))
    return fields.get("code", "")


@router.get("/repair/progress", response_class=HTMLResponse)
def repair_progress(request: Request, visitor: Public, code: str | None = None) -> HTMLResponse:
    return progress_page(request, visitor, code, "/repair/progress")


@router.post("/repair/progress", response_class=HTMLResponse)
async def repair_progress_post(request: Request, visitor: Public) -> HTMLResponse:
    code = await progress_form(request, visitor)
    return await threaded(progress_page, request, visitor, code, "/repair/progress")


# --- apply -------------------------------------------------------------------------------------


def record_target(request: Request, visitor: Visitor, conn: Any, record_id: int) -> Target:
    standard = state.standard(request)
    clock = state.clock(request)
    lang = visitor.lang
    labels = present.Labels(standard, lang)
    try:
        detail = record_detail(
            conn,
            record_id,
            audience=Audience.SUBJECT,
            on=clock.today(),
            standard=standard,
            clock=clock,
            viewer_subject_id=subject_id_of(visitor),
        )
    except RecordNotVisibleError:
        raise not_found("您的档案中没有该信息", "your file holds no such record") from None
    record = detail.record
    window = record.publication or {}
    facts = [
        (pick("信息类别", "Kind", lang), labels.kind(record.kind)),
        (pick("认定部门", "Decided by", lang), record.department or "—"),
        (
            pick("信息来源", "Source", lang),
            f"{labels.province(record.source.province)} · {labels.source(record)}",
        ),
        (pick("决定日期", "Date", lang), record.date.isoformat() if record.date else "—"),
        (pick("公示截止期", "Publication ends", lang), present.publication_end(record, lang)),
    ]
    earliest = present.publication_earliest_end(record)
    if earliest:
        facts.append((pick("最短公示期届满", "Minimum period ends", lang), earliest))
    if window.get("repairable") is False:
        facts.append(
            (
                pick("可否修复", "Repairable", lang),
                pick("属于不得提前修复的情形", "may not be repaired early", lang),
            )
        )
    marks = [cases.label(cases.MARK_LABELS, m, lang) for m in getattr(record, "marks", [])]
    if marks:
        facts.append((pick("标注", "Marks", lang), "、".join(marks)))
    return Target("record", record_id, labels.kind(record.kind), facts)


def _entry_target(request: Request, visitor: Visitor, conn: Any, entry_id: int) -> Target:
    standard = state.standard(request)
    lang = visitor.lang
    labels = present.Labels(standard, lang)
    entry = next(
        (
            e
            for e in entries_of_subject(conn, subject_id_of(visitor), standard=standard)
            if e.id == entry_id
        ),
        None,
    )
    if entry is None:
        raise not_found("您没有该名单条目", "you have no such list entry")
    name = entry.list_def.label(lang) if entry.list_def else entry.list_code
    facts = [
        (pick("名单", "List", lang), name),
        (
            pick("认定部门", "Decided by", lang),
            f"{entry.authority}（{labels.province(entry.province)}）",
        ),
        (pick("状态", "Status", lang), joint.label(joint.ENTRY_STATUS_LABELS, entry.status, lang)),
        (
            pick("在列期间", "Listed", lang),
            f"{entry.listed_on or '—'} – {entry.ends_on or pick('未定', 'open', lang)}",
        ),
    ]
    if entry.list_def is not None:
        facts.append(
            (
                pick("移出条件", "Exit conditions", lang),
                pick(entry.list_def.exit_conditions_zh, entry.list_def.exit_conditions_en, lang),
            )
        )
    return Target(
        "listing", entry_id, pick(f"名单条目：{name}", f"List entry: {name}", lang), facts
    )


def _target(request: Request, visitor: Visitor, record: str | None, entry: str | None) -> Target:
    if (record is None) == (entry is None):
        raise PageError(
            400,
            "请从“我的档案”中选择要修复的一条信息或一个名单条目",
            "choose one record or one list entry to repair from “My file”",
        )
    with state.engine(request).connect() as conn:
        if record is not None:
            return record_target(
                request, visitor, conn, cases.case_number(record, "没有该信息", "no such record")
            )
        assert entry is not None
        return _entry_target(
            request, visitor, conn, cases.case_number(entry, "没有该名单条目", "no such list entry")
        )


def _form_page(
    request: Request,
    visitor: Visitor,
    target: Target,
    *,
    form: FormState | None = None,
    failures: list[str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    lang = visitor.lang
    settings = state.settings(request)
    return render(
        request,
        "repair_new.html",
        status=status,
        trusted=True,
        title=pick("申请信用修复", "Apply for credit repair", lang),
        target=target,
        form=form or FormState(),
        failures=failures or [],
        text_max=cases.TEXT_MAX,
        max_mib=max(1, settings.repair_document_max_bytes // (1024 * 1024)),
        max_documents=MAX_DOCUMENTS,
        document_slots=[
            (k, cases.label(DOCUMENT_KIND_LABELS, k, lang), pick(*_HINTS[k], lang))
            for k in DOCUMENT_FIELDS
        ],
    )


@router.get("/me/repair/new", response_class=HTMLResponse)
def new_repair(
    request: Request, visitor: OwnSubject, record: str | None = None, entry: str | None = None
) -> HTMLResponse:
    return _form_page(request, visitor, _target(request, visitor, record, entry))


def _apply(request: Request, visitor: Visitor, form: cases.MultipartForm) -> HTMLResponse:
    lang = visitor.lang
    fields = form.fields
    record = fields.get("record") or None
    entry = fields.get("entry") or None
    target = _target(request, visitor, record, entry)
    state_ = FormState(values={"corrected": fields.get("corrected", "")[: cases.TEXT_MAX * 2]})
    documents = [
        DocumentIn(kind=u.field, filename=u.filename, media_type=u.media_type, content=u.content)
        for u in form.uploads
    ]
    try:
        with transaction(state.engine(request)) as conn:
            made = applications.apply(
                conn,
                clock=state.clock(request),
                settings=state.settings(request),
                standard=state.standard(request),
                principal=principal_of(visitor),
                target="record" if target.kind == "record" else "listing",
                record_id=target.id if target.kind == "record" else None,
                entry_id=target.id if target.kind == "listing" else None,
                corrected=fields.get("corrected", ""),
                documents=documents,
            )
    except RepairConditionError as exc:
        failures = [pick(zh, en, lang) for zh, en in exc.failures]
        return _form_page(
            request, visitor, target, form=state_, failures=failures, status=status_of(exc)
        )
    except InvalidInput as exc:
        state_.errors = {exc.field: exc.message(lang)}
        return _form_page(request, visitor, target, form=state_, status=status_of(exc))
    except CreditYrdError as exc:
        state_.message = exc.message(lang)
        return _form_page(request, visitor, target, form=state_, status=status_of(exc))
    raise PageRedirect(f"/me/repairs?new={made.id}#repair-{made.id}")


@router.post("/me/repair/new", response_class=HTMLResponse)
async def submit_repair(request: Request, visitor: OwnSubject) -> HTMLResponse:
    check_same_origin(request)
    form = await cases.multipart_form(
        request,
        document_max_bytes=state.settings(request).repair_document_max_bytes,
        file_fields=DOCUMENT_FIELDS,
    )
    check_session_csrf(visitor, form.fields.get("csrf_token"))
    return await threaded(_apply, request, visitor, form)


# --- own applications --------------------------------------------------------------------------


def _my_repairs(
    request: Request,
    visitor: Visitor,
    *,
    new: str | None = None,
    message: str | None = None,
    bad: bool = False,
    status: int = 200,
) -> HTMLResponse:
    lang = visitor.lang
    standard = state.standard(request)
    settings = state.settings(request)
    today = state.today(request)
    labels = present.Labels(standard, lang)
    calendar = working_calendar(settings)
    with state.engine(request).connect() as conn:
        found = applications.applications_of_subject(conn, subject_id_of(visitor))
        titles = case_views.Titles.load(conn, standard, lang, found)
    views = [
        case_views.application_view(
            a, titles=titles, labels=labels, today=today, calendar=calendar, lang=lang
        )
        for a in found
    ]
    created = None
    if new is not None:
        created = next((a for a in found if str(a.id) == new), None)
    done = request.query_params.get("done")
    if message is None and done in DONE:
        message = pick(*DONE[done], lang)
    return render(
        request,
        "my_repairs.html",
        status=status,
        trusted=True,
        title=pick("我的信用修复申请", "My credit repair applications", lang),
        applications=views,
        created={
            "code": created.query_code,
            "accept_due": created.accept_due,
            "decide_due": created.decide_due,
        }
        if created is not None
        else None,
        message=message,
        bad=bad,
    )


@router.get("/me/repairs", response_class=HTMLResponse)
def my_repairs(request: Request, visitor: OwnSubject, new: str | None = None) -> HTMLResponse:
    return _my_repairs(request, visitor, new=new)


@router.post("/me/repairs/{application_id}/withdraw", response_class=HTMLResponse)
async def withdraw_repair(
    request: Request, visitor: OwnSubject, application_id: str
) -> HTMLResponse:
    number = cases.case_number(application_id, "没有该修复申请", "no such repair application")
    await posted_fields(request, visitor)
    return await threaded(
        withdraw_case,
        request,
        visitor,
        withdraw=lambda conn, principal: applications.withdraw(
            conn, clock=state.clock(request), principal=principal, application_id=number
        ),
        own_cases=_my_repairs,
        done_url=f"/me/repairs?done=withdrawn#repair-{number}",
    )
