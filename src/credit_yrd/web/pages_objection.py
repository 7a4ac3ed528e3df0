"""The applicant's pages of objections (异议).

- ``/me/objection/new?record=ID`` (the subject's own account): the form to dispute one of its
  records — the ground (content, period, or a repair decision with the application concerned) and
  the statement; on success the subject lands on ``/me/objections`` with the 查询码 shown.
- ``/objection/progress`` (anyone, no login): a case's progress by its 查询码, sent by the form's
  POST (a GET shows the form; an old link's ``?code=`` is still answered, never passed on as a
  Referer nor cached); the same page as ``/repair/progress``
  (:func:`credit_yrd.web.pages_repair.progress_page`).
- ``/me/objections``: the subject's own objections with status, 查询码, deadline and steps, and a
  withdraw button while an objection is open (a withdrawn objection leaves no mark).

Everything is decided by :mod:`credit_yrd.repair.objections`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from credit_yrd.errors import CreditYrdError
from credit_yrd.i18n import pick
from credit_yrd.repair import applications, objections
from credit_yrd.repair.common import working_calendar
from credit_yrd.store.engine import transaction
from credit_yrd.store.schema import OBJECTION_GROUNDS
from credit_yrd.web import case_views, cases, joint, present, state
from credit_yrd.web.errors import PageRedirect
from credit_yrd.web.page_helpers import (
    FormState,
    posted_fields,
    principal_of,
    refusal_on_form,
    status_of,
    subject_id_of,
    threaded,
    withdraw_case,
)
from credit_yrd.web.pages_repair import Target, progress_form, progress_page, record_target
from credit_yrd.web.render import render
from credit_yrd.web.routing import PageRoute
from credit_yrd.web.session import (
    Access,
    Visitor,
    page_access,
)

router = APIRouter(route_class=PageRoute, include_in_schema=False)

Public = Annotated[Visitor, page_access(Access.PUBLIC)]
OwnSubject = Annotated[Visitor, page_access(Access.SUBJECT)]
DONE: dict[str, tuple[str, str]] = {
    "withdrawn": (
        "异议已撤回，该信息不再标注“异议处理中”。",
        "The objection has been withdrawn; the record is no longer marked.",
    ),
}


@router.get("/objection/progress", response_class=HTMLResponse)
def objection_progress_page(
    request: Request, visitor: Public, code: str | None = None
) -> HTMLResponse:
    return progress_page(request, visitor, code, "/objection/progress")


@router.post("/objection/progress", response_class=HTMLResponse)
async def objection_progress_post(request: Request, visitor: Public) -> HTMLResponse:
    code = await progress_form(request, visitor)
    return await threaded(progress_page, request, visitor, code, "/objection/progress")


# --- file --------------------------------------------------------------------------------------


def _disputable_repairs(
    request: Request, visitor: Visitor, record_id: int
) -> list[tuple[int, str]]:
    """The subject's repair applications whose decision may be disputed in an objection to
    ``record_id``: exactly those :mod:`credit_yrd.repair.objections` accepts for the ground
    ``repair_decision`` (a refusal, about the record or about a listing resting on it), judged by
    the domain's own check rather than a copy of its rules."""
    lang = visitor.lang
    subject_id = subject_id_of(visitor)
    with state.engine(request).connect() as conn:
        found = applications.applications_of_subject(conn, subject_id)
        disputable = []
        for a in found:
            try:
                objections.refused_repair_about(conn, int(a.id), record_id, subject_id)
            except objections.ObjectionError:
                continue
            disputable.append(a)
    return [
        (
            int(a.id),
            f"{a.query_code} · {cases.label(cases.REPAIR_STATUS_LABELS, a.status, lang)}",
        )
        for a in disputable
    ]


def _form_page(
    request: Request,
    visitor: Visitor,
    target: Target,
    *,
    form: FormState | None = None,
    status: int = 200,
) -> HTMLResponse:
    lang = visitor.lang
    return render(
        request,
        "objection_new.html",
        status=status,
        trusted=True,
        title=pick("提出异议", "Object to a record", lang),
        target=target,
        form=form or FormState(),
        grounds=[(g, cases.label(cases.GROUND_LABELS, g, lang)) for g in OBJECTION_GROUNDS],
        repairs=_disputable_repairs(request, visitor, target.id),
        objection_days=state.settings(request).objection_working_days,
        text_max=cases.TEXT_MAX,
    )


def _target(request: Request, visitor: Visitor, record: str | None) -> Target:
    number = cases.case_number(record, "您的档案中没有该信息", "your file holds no such record")
    with state.engine(request).connect() as conn:
        return record_target(request, visitor, conn, number)


@router.get("/me/objection/new", response_class=HTMLResponse)
def new_objection(request: Request, visitor: OwnSubject, record: str | None = None) -> HTMLResponse:
    return _form_page(request, visitor, _target(request, visitor, record))


def _file(request: Request, visitor: Visitor, fields: dict[str, str]) -> HTMLResponse:
    lang = visitor.lang
    target = _target(request, visitor, fields.get("record"))
    form = FormState(
        values={k: fields.get(k, "").strip() for k in ("ground", "statement", "repair_id")}
    )
    errors = joint.new_errors(lang)
    ground = form.values["ground"]
    if ground not in OBJECTION_GROUNDS:
        errors.add("ground", "请选择异议事项", "choose what is wrong")
    repair_text = form.values["repair_id"]
    repair_id: int | None = None
    if repair_text:
        if not repair_text.isdigit() or len(repair_text) > 19:
            errors.add("repair_id", "请选择所涉修复申请", "choose the repair application")
        else:
            repair_id = int(repair_text)
    if errors:
        form.errors = errors.by_field
        return _form_page(request, visitor, target, form=form, status=400)
    try:
        with transaction(state.engine(request)) as conn:
            made = objections.file_objection(
                conn,
                clock=state.clock(request),
                settings=state.settings(request),
                standard=state.standard(request),
                principal=principal_of(visitor),
                record_id=target.id,
                ground=ground,
                statement=form.values["statement"],
                repair_id=repair_id,
            )
    except CreditYrdError as exc:
        refusal_on_form(form, exc, lang, ("ground", "statement", "repair_id"))
        return _form_page(request, visitor, target, form=form, status=status_of(exc))
    raise PageRedirect(f"/me/objections?new={made.id}#objection-{made.id}")


@router.post("/me/objection/new", response_class=HTMLResponse)
async def submit_objection(request: Request, visitor: OwnSubject) -> HTMLResponse:
    fields = await posted_fields(request, visitor)
    return await threaded(_file, request, visitor, fields)


# --- own objections ----------------------------------------------------------------------------


def _mine(
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
    today = state.today(request)
    labels = present.Labels(standard, lang)
    calendar = working_calendar(state.settings(request))
    with state.engine(request).connect() as conn:
        found = objections.objections_of_subject(conn, subject_id_of(visitor))
        titles = case_views.Titles.load(conn, standard, lang, found)
    views = [
        case_views.objection_view(
            o, titles=titles, labels=labels, today=today, calendar=calendar, lang=lang
        )
        for o in found
    ]
    created = next((o for o in found if str(o.id) == new), None) if new else None
    done = request.query_params.get("done")
    if message is None and done in DONE:
        message = pick(*DONE[done], lang)
    return render(
        request,
        "my_objections.html",
        status=status,
        trusted=True,
        title=pick("我的异议", "My objections", lang),
        objections=views,
        created={"code": created.query_code, "due": created.due_on} if created else None,
        message=message,
        bad=bad,
    )


@router.get("/me/objections", response_class=HTMLResponse)
def my_objections(request: Request, visitor: OwnSubject, new: str | None = None) -> HTMLResponse:
    return _mine(request, visitor, new=new)


@router.post("/me/objections/{objection_id}/withdraw", response_class=HTMLResponse)
async def withdraw_objection(
    request: Request, visitor: OwnSubject, objection_id: str
) -> HTMLResponse:
    number = cases.case_number(objection_id, "没有该异议", "no such objection")
    await posted_fields(request, visitor)
    return await threaded(
        withdraw_case,
        request,
        visitor,
        withdraw=lambda conn, principal: objections.withdraw_objection(
            conn, clock=state.clock(request), principal=principal, objection_id=number
        ),
        own_cases=_mine,
        done_url=f"/me/objections?done=withdrawn#objection-{number}",
    )
