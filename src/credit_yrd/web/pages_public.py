"""The public pages: home with search, search results, a subject's credit file and a record with
its history.

Anyone may open them; each shows the public view (:class:`credit_yrd.ledger.Audience`). A
department or credit office logged in may read the authority view of a file or record by stating
a purpose in a form (POST, with the session's CSRF token): the read is written to the access log.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.engine import Connection, Row

from credit_yrd.auth.roles import Role
from credit_yrd.i18n import pick
from credit_yrd.ids.masking import mask
from credit_yrd.ledger import (
    Audience,
    PurposeRequiredError,
    RecordNotVisibleError,
    credit_file,
    record_detail,
)
from credit_yrd.ledger.audiences import PUBLIC as PUBLIC_ACCESS
from credit_yrd.ledger.audiences import Access as ViewAccess
from credit_yrd.ledger.audiences import access_for
from credit_yrd.ledger.files import FileRecord, InvalidCursorError
from credit_yrd.lists.entries import entries_of_subject, list_counts
from credit_yrd.search.query import MAX_OFFSET, SearchError, search
from credit_yrd.standards.models import Standard
from credit_yrd.store.engine import transaction
from credit_yrd.store.schema import records, subjects
from credit_yrd.store.subjects import ORGANISATION_TYPES, find_subject
from credit_yrd.web import present, state
from credit_yrd.web.errors import PageError, not_found
from credit_yrd.web.figures import figures
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

PAGE_SIZE = 20
#: Records per page of a credit file.
FILE_PAGE_SIZE = 100
MAX_PAGE = MAX_OFFSET // PAGE_SIZE + 1
#: Longest value of a query parameter shown back in the form.
ECHO_CHARS = 200
MAX_ID = 2**63 - 1
_CODE_SHAPE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z\- ]{0,63}$")

Public = Annotated[Visitor, page_access(Access.PUBLIC)]


# --- search ------------------------------------------------------------------------------------


@dataclass
class SearchForm:
    q: str = ""
    province: str = ""
    city: str = ""
    type: str = ""
    kind: str = ""
    domain: str = ""

    def filters(self) -> dict[str, str]:
        return {
            k: v
            for k, v in (
                ("province", self.province),
                ("city", self.city),
                ("type", self.type),
                ("kind", self.kind),
                ("domain", self.domain),
            )
            if v
        }


@dataclass
class Outcome:
    total: int = 0
    #: False when the search stopped at its match cap: ``total`` is then a lower bound.
    total_exact: bool = True
    items: list[dict[str, Any]] = field(default_factory=list)
    first: int = 0
    last: int = 0
    matched_by: str = "name"
    prev_url: str | None = None
    next_url: str | None = None
    error: str | None = None


def _clip(value: str | None) -> str:
    return (value or "").strip()[:ECHO_CHARS]


def _options(labels: present.Labels) -> dict[str, list[tuple[str, str]]]:
    return {
        "provinces": labels.code_entries("province"),
        "cities": labels.code_entries("city"),
        "types": [(code, labels.subject_type(code)) for code in ORGANISATION_TYPES],
        "kinds": labels.kinds(),
        "domains": labels.code_entries("domain"),
    }


def subject_href(subject_id: int, uscc: str | None) -> str:
    """The link to a subject's file: by its USCC when the public may see it in clear, else by id."""
    if uscc and mask(uscc) == uscc:
        return f"/subjects/{uscc}"
    return f"/subjects/id/{subject_id}"


def _page_url(form: SearchForm, page: int) -> str:
    params = {"q": form.q, **form.filters()}
    if page > 1:
        params["page"] = str(page)
    return "/search?" + urlencode(params)


def _run_search(
    request: Request, form: SearchForm, page_text: str | None, lang: str
) -> tuple[Outcome | None, int]:
    if not form.q:
        if form.filters() or page_text:
            return Outcome(error=pick("请输入查询内容", "enter a query", lang)), 400
        return None, 200
    try:
        page = int(page_text) if page_text else 1
    except ValueError:
        page = 0
    if not 1 <= page <= MAX_PAGE:
        return Outcome(
            error=pick(
                f"页码应为 1 到 {MAX_PAGE} 之间的整数",
                f"the page must be a whole number from 1 to {MAX_PAGE}",
                lang,
            )
        ), 400
    offset = (page - 1) * PAGE_SIZE
    try:
        with state.engine(request).connect() as conn:
            result = search(
                conn,
                form.q,
                province=form.province or None,
                city=form.city or None,
                subject_type=form.type or None,
                record_kind=form.kind or None,
                domain=form.domain or None,
                limit=PAGE_SIZE,
                offset=offset,
                standard=state.standard(request),
                on=state.today(request),
            )
    except SearchError as exc:
        return Outcome(error=exc.message(lang)), 400
    items = [
        {
            "name": item.name,
            "uscc": item.uscc,
            "province": item.province,
            "subject_type": item.subject_type,
            "records": item.records,
            "href": subject_href(item.id, item.uscc),
        }
        for item in result.items
    ]
    outcome = Outcome(
        total=result.total,
        total_exact=result.total_exact,
        items=items,
        first=offset + 1 if items else 0,
        last=offset + len(items),
        matched_by=result.matched_by,
    )
    if page > 1:
        outcome.prev_url = _page_url(form, min(page - 1, max(1, -(-result.total // PAGE_SIZE))))
    if offset + len(items) < result.total and page < MAX_PAGE:
        outcome.next_url = _page_url(form, page + 1)
    return outcome, 200


@router.get("/", response_class=HTMLResponse)
def home(request: Request, visitor: Public) -> HTMLResponse:
    with state.engine(request).connect() as conn:
        data = figures(conn)
        listed = sum(list_counts(conn, on=state.today(request)).values())
    labels = present.Labels(state.standard(request), visitor.lang)
    return render(
        request,
        "home.html",
        listed=listed,
        form=SearchForm(),
        options=_options(labels),
        f=data,
        total_subjects=sum(data.subjects.values()),
    )


@router.get("/search", response_class=HTMLResponse)
def search_page(
    request: Request,
    visitor: Public,
    q: str | None = None,
    province: str | None = None,
    city: str | None = None,
    type: str | None = None,
    kind: str | None = None,
    domain: str | None = None,
    page: str | None = None,
) -> HTMLResponse:
    form = SearchForm(
        q=_clip(q),
        province=_clip(province),
        city=_clip(city),
        type=_clip(type),
        kind=_clip(kind),
        domain=_clip(domain),
    )
    if q is not None and len(q) > ECHO_CHARS:
        form.q = q  # let search() refuse it with its own message
    outcome, status = _run_search(request, form, page, visitor.lang)
    form.q = _clip(form.q)
    labels = present.Labels(state.standard(request), visitor.lang)
    title = pick("信用查询", "Search", visitor.lang)
    return render(
        request,
        "search.html",
        status=status,
        title=f"{form.q} · {title}" if form.q else title,
        form=form,
        options=_options(labels),
        outcome=outcome,
    )


# --- credit files ------------------------------------------------------------------------------


def _subject_by_code(conn: Connection, code: str) -> Row[Any]:
    if not _CODE_SHAPE.match(code):
        raise not_found("未找到该代码对应的主体", "no subject has this code")
    row = find_subject(conn, code)
    if row is None:
        raise not_found("未找到该代码对应的主体", "no subject has this code")
    return row


def _subject_by_id(conn: Connection, subject_id: str, visitor: Visitor) -> Row[Any]:
    number = _record_number(subject_id, "未找到该主体", "no such subject")
    row = conn.execute(select(subjects).where(subjects.c.id == number)).first()
    # Natural persons are not publicly searchable: only authorities open them by id.
    if row is None or (row.subject_type == "natural_person" and not visitor.is_authority):
        raise not_found("未找到该主体", "no such subject")
    return row


def _record_number(text: str, zh: str, en: str) -> int:
    if not text.isascii() or not text.isdigit() or len(text) > 19:
        raise not_found(zh, en)
    number = int(text)
    if not 1 <= number <= MAX_ID:
        raise not_found(zh, en)
    return number


def _helpers(standard: Standard, lang: str) -> dict[str, Any]:
    return {
        "key_fields": lambda record: present.key_fields(record, standard),
        "publication_end": lambda record: present.publication_end(record, lang),
    }


def _access(
    conn: Connection,
    request: Request,
    visitor: Visitor,
    subject_id: int | None,
    purpose: str | None,
) -> ViewAccess:
    """The view this visitor gets of a subject's data (:func:`credit_yrd.ledger.audiences.access_for`).

    A department or credit office gets the public view until it states a purpose (POST); a
    subject reads its own data in the subject view, a market institution under an authorisation
    in the authorised view; everyone else the public view.
    """
    if purpose is None:
        if visitor.is_authority:
            return PUBLIC_ACCESS
    elif not visitor.is_authority:
        raise PageError(
            403,
            "只有政务部门和信用办账户可以读取政务视图",
            "only department and credit office accounts may read the authority view",
        )
    return access_for(
        conn,
        visitor.principal,
        subject_id=subject_id,
        purpose=purpose,
        at=state.clock(request).now(),
    )


def _may_log(visitor: Visitor, purpose: str | None) -> bool:
    """Whether this visit may write the access log (and so needs a write transaction)."""
    return purpose is not None or visitor.role is Role.MARKET_INSTITUTION


async def _authority_form(request: Request, visitor: Visitor) -> tuple[str, str | None]:
    check_same_origin(request)
    fields = await form_fields(request)
    check_session_csrf(visitor, fields.get("csrf_token"))
    return fields.get("purpose", ""), fields.get("cursor") or None


def _file_page(
    request: Request,
    visitor: Visitor,
    find: Any,
    purpose: str | None = None,
    cursor: str | None = None,
) -> HTMLResponse:
    standard = state.standard(request)
    clock = state.clock(request)
    purpose_error = None
    engine = state.engine(request)
    with transaction(engine) if _may_log(visitor, purpose) else engine.connect() as conn:
        row = find(conn)
        try:
            access = _access(conn, request, visitor, int(row.id), purpose)
        except PurposeRequiredError as exc:
            purpose_error, access = exc.message(visitor.lang), PUBLIC_ACCESS
        try:
            file = credit_file(
                conn,
                row,
                audience=access.audience,
                on=clock.today(),
                standard=standard,
                reader=access.reader,
                action=f"portal {request.url.path}",
                clock=clock,
                viewer_subject_id=access.viewer_subject_id,
                limit=FILE_PAGE_SIZE,
                cursor=cursor,
            )
        except InvalidCursorError as exc:
            raise PageError(400, exc.message_zh, exc.message_en) from None
        today = clock.today()
        active_entries = [
            e
            for e in entries_of_subject(conn, int(row.id), standard=standard)
            if e.active_on(today)
        ]
    public = file.audience is Audience.PUBLIC
    uscc = file.subject.uscc
    return render(
        request,
        "subject.html",
        status=400 if purpose_error else 200,
        trusted=not public,
        title=file.subject.name,
        file=file,
        uscc=mask(uscc) if public and uscc else uscc,
        purpose_action=request.url.path if visitor.is_authority and public else None,
        purpose=access.reader.purpose if access.reader is not None else None,
        purpose_error=purpose_error,
        reads=file.reads.entries if file.reads is not None else None,
        own_file=file.audience is Audience.SUBJECT,
        active_entries=active_entries,
        **_helpers(standard, visitor.lang),
    )


@router.get("/subjects/id/{subject_id}", response_class=HTMLResponse)
def subject_by_id(
    request: Request, visitor: Public, subject_id: str, cursor: str | None = None
) -> HTMLResponse:
    return _file_page(
        request, visitor, lambda conn: _subject_by_id(conn, subject_id, visitor), None, cursor
    )


@router.post("/subjects/id/{subject_id}", response_class=HTMLResponse)
async def subject_by_id_as_authority(
    request: Request, visitor: Public, subject_id: str
) -> HTMLResponse:
    purpose, cursor = await _authority_form(request, visitor)
    return await _threaded(
        _file_page,
        request,
        visitor,
        lambda conn: _subject_by_id(conn, subject_id, visitor),
        purpose,
        cursor,
    )


@router.get("/subjects/{code}", response_class=HTMLResponse)
def subject_page(
    request: Request, visitor: Public, code: str, cursor: str | None = None
) -> HTMLResponse:
    return _file_page(request, visitor, lambda conn: _subject_by_code(conn, code), None, cursor)


@router.post("/subjects/{code}", response_class=HTMLResponse)
async def subject_as_authority(request: Request, visitor: Public, code: str) -> HTMLResponse:
    purpose, cursor = await _authority_form(request, visitor)
    return await _threaded(
        _file_page, request, visitor, lambda conn: _subject_by_code(conn, code), purpose, cursor
    )


# --- records -----------------------------------------------------------------------------------


def _record_subject_href(conn: Connection, subject_id: int | None, visitor: Visitor) -> str | None:
    if subject_id is None:
        return None
    row = conn.execute(
        select(subjects.c.id, subjects.c.uscc, subjects.c.subject_type).where(
            subjects.c.id == subject_id
        )
    ).first()
    if row is None or (row.subject_type == "natural_person" and not visitor.is_authority):
        return None
    return subject_href(int(row.id), row.uscc)


def _record_page(
    request: Request, visitor: Visitor, record_id: str, purpose: str | None = None
) -> HTMLResponse:
    number = _record_number(record_id, "未找到该记录", "no such record")
    standard = state.standard(request)
    clock = state.clock(request)
    purpose_error = None
    engine = state.engine(request)
    with transaction(engine) if _may_log(visitor, purpose) else engine.connect() as conn:
        owner = conn.execute(select(records.c.subject_id).where(records.c.id == number)).first()
        subject_id = int(owner.subject_id) if owner and owner.subject_id is not None else None
        try:
            access = _access(conn, request, visitor, subject_id, purpose)
        except PurposeRequiredError as exc:
            purpose_error, access = exc.message(visitor.lang), PUBLIC_ACCESS
        try:
            detail = record_detail(
                conn,
                number,
                audience=access.audience,
                on=clock.today(),
                standard=standard,
                reader=access.reader,
                action=f"portal {request.url.path}",
                clock=clock,
                viewer_subject_id=access.viewer_subject_id,
            )
        except RecordNotVisibleError as exc:
            raise not_found(exc.message_zh, exc.message_en) from None
        href = _record_subject_href(conn, detail.subject_id, visitor)
    record: FileRecord = detail.record
    public = detail.audience is Audience.PUBLIC
    return render(
        request,
        "record.html",
        status=400 if purpose_error else 200,
        trusted=not public,
        title=present.Labels(standard, visitor.lang).kind(record.kind),
        detail=detail,
        subject_href=href,
        earliest_end=present.publication_earliest_end(record),
        purpose_action=request.url.path if visitor.is_authority and public else None,
        purpose_error=purpose_error,
        **_helpers(standard, visitor.lang),
    )


@router.get("/records/{record_id}", response_class=HTMLResponse)
def record_page(request: Request, visitor: Public, record_id: str) -> HTMLResponse:
    return _record_page(request, visitor, record_id)


@router.post("/records/{record_id}", response_class=HTMLResponse)
async def record_as_authority(request: Request, visitor: Public, record_id: str) -> HTMLResponse:
    purpose, _ = await _authority_form(request, visitor)
    return await _threaded(_record_page, request, visitor, record_id, purpose)


async def _threaded(func: Any, *args: Any) -> HTMLResponse:
    result: HTMLResponse = await run_in_threadpool(func, *args)
    return result
