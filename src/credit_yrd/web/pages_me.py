"""``/me``: a subject's own file, as the subject account sees it (every record about it, whatever
its status or window, restricted fields in clear) and who read its non-public data, when and why; the notices (告知) of its repair applications and
objections, with links to apply for repair of or object to each record;
and its list notices (名单告知): for each proposal or listing, the reasons, the basis, its rights
and the last day to object, with a form to object while the window is open (a POST carrying the
session's CSRF token; :func:`credit_yrd.lists.lifecycle.object_to`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from credit_yrd.errors import CreditYrdError
from credit_yrd.i18n import pick
from credit_yrd.ledger import Audience, credit_file
from credit_yrd.ledger.files import InvalidCursorError
from credit_yrd.lists import lifecycle
from credit_yrd.lists.entries import Entry, Step, entries_of_subject, steps_of
from credit_yrd.repair.notices_read import notices_for
from credit_yrd.store.engine import transaction
from credit_yrd.store.schema import subjects
from credit_yrd.web import joint, present, state
from credit_yrd.web.errors import PageError, PageRedirect, not_found
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

OwnSubject = Annotated[Visitor, page_access(Access.SUBJECT)]
FILE_PAGE_SIZE = 100
MAX_ID = 2**63 - 1
OBJECTION_MAX = 4000
#: Most notices (告知: repair and objection steps) the file page shows, newest first.
NOTICE_ROWS = 20


@dataclass
class Notice:
    """One of the subject's list entries as its notice: the entry, its steps, whether it may
    still object (and until when)."""

    entry: Entry
    steps: list[Step]
    may_object: bool

    @property
    def replies(self) -> list[Step]:
        return [s for s in self.steps if s.event == "objection_answered"]

    @property
    def objections(self) -> list[Step]:
        return [s for s in self.steps if s.event == "objected"]


@dataclass
class ObjectionForm:
    entry_id: int | None = None
    reason: str = ""
    error: str | None = None


def notices_of(conn: Any, subject_id: int, today: dt.date, standard: Any) -> list[Notice]:
    found = []
    for entry in entries_of_subject(conn, subject_id, standard=standard):
        may = (
            entry.status == "proposed"
            and entry.objection_until is not None
            and today <= entry.objection_until
        )
        found.append(Notice(entry, steps_of(conn, entry.id), may))
    return found


@router.get("/me", response_class=HTMLResponse)
def my_file(request: Request, visitor: OwnSubject, cursor: str | None = None) -> HTMLResponse:
    return _my_file(request, visitor, cursor)


def _my_file(
    request: Request,
    visitor: Visitor,
    cursor: str | None = None,
    objection: ObjectionForm | None = None,
    status: int = 200,
) -> HTMLResponse:
    assert visitor.principal is not None and visitor.principal.subject_id is not None
    subject_id = visitor.principal.subject_id
    standard = state.standard(request)
    clock = state.clock(request)
    with state.engine(request).connect() as conn:
        row = conn.execute(select(subjects).where(subjects.c.id == subject_id)).first()
        if row is None:
            raise not_found("账户关联的主体不存在", "the account's subject does not exist")
        try:
            file = credit_file(
                conn,
                row,
                audience=Audience.SUBJECT,
                on=clock.today(),
                standard=standard,
                clock=clock,
                viewer_subject_id=subject_id,
                limit=FILE_PAGE_SIZE,
                cursor=cursor,
            )
        except InvalidCursorError as exc:
            raise PageError(400, exc.message_zh, exc.message_en) from None
        notices = notices_of(conn, subject_id, clock.today(), standard)
        told = notices_for(conn, visitor.principal, limit=NOTICE_ROWS)
    lang = visitor.lang
    return render(
        request,
        "subject.html",
        status=status,
        trusted=True,
        notices=notices,
        case_notices=[
            {
                "title": pick(n.title_zh, n.title_en, lang),
                "body": pick(n.body_zh, n.body_en, lang),
                "at": n.created_at,
                "read": n.read_at is not None,
            }
            for n in told
        ],
        objection=objection or ObjectionForm(),
        entry_status=lambda c: joint.label(joint.ENTRY_STATUS_LABELS, c, lang),
        removal_label=lambda c: joint.label(joint.REMOVAL_LABELS, c, lang),
        event_label=lambda c: joint.label(joint.EVENT_LABELS, c, lang),
        title=pick("我的信用档案", "My credit file", visitor.lang),
        file=file,
        uscc=file.subject.uscc,
        purpose_action=None,
        purpose=None,
        purpose_error=None,
        reads=file.reads.entries if file.reads is not None else [],
        own_file=True,
        key_fields=lambda record: present.key_fields(record, standard),
        publication_end=lambda record: present.publication_end(record, visitor.lang),
    )


def _object(
    request: Request, visitor: Visitor, entry_id: int, fields: dict[str, str]
) -> HTMLResponse:
    lang = visitor.lang
    reason = fields.get("reason", "").strip()
    form = ObjectionForm(entry_id=entry_id, reason=reason[:OBJECTION_MAX])
    if not reason:
        form.error = pick("请写明异议理由", "write the reasons for your objection", lang)
    elif len(reason) > OBJECTION_MAX:
        form.error = pick(
            f"异议理由不能超过 {OBJECTION_MAX} 个字符",
            f"the reasons must be at most {OBJECTION_MAX} characters",
            lang,
        )
    if form.error:
        return _my_file(request, visitor, objection=form, status=400)
    assert visitor.principal is not None
    try:
        with transaction(state.engine(request)) as conn:
            lifecycle.object_to(
                conn,
                clock=state.clock(request),
                principal=visitor.principal,
                entry_id=entry_id,
                reason=reason,
                standard=state.standard(request),
            )
    except CreditYrdError as exc:
        form.error = exc.message(lang)
        status = getattr(exc, "status", 400)
        code = status if isinstance(status, int) and 400 <= status < 500 else 400
        return _my_file(request, visitor, objection=form, status=code)
    raise PageRedirect(f"/me#notice-{entry_id}")


@router.post("/me/entries/{entry_id}/objection", response_class=HTMLResponse)
async def object_page(request: Request, visitor: OwnSubject, entry_id: str) -> HTMLResponse:
    if not entry_id.isascii() or not entry_id.isdigit() or len(entry_id) > 19:
        raise not_found("没有该名单告知", "no such list notice")
    number = int(entry_id)
    if not 1 <= number <= MAX_ID:
        raise not_found("没有该名单告知", "no such list notice")
    check_same_origin(request)
    fields = await form_fields(request)
    check_session_csrf(visitor, fields.get("csrf_token"))
    result: HTMLResponse = await run_in_threadpool(_object, request, visitor, number, fields)
    return result
