"""``/me``: a subject's own file, as the subject account sees it (every record about it, whatever
its status or window, restricted fields in clear) and who read its non-public data, when and why."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from credit_yrd.i18n import pick
from credit_yrd.ledger import Audience, credit_file
from credit_yrd.ledger.files import InvalidCursorError
from credit_yrd.store.schema import subjects
from credit_yrd.web import present, state
from credit_yrd.web.errors import PageError, not_found
from credit_yrd.web.render import render
from credit_yrd.web.routing import PageRoute
from credit_yrd.web.session import Access, Visitor, page_access

router = APIRouter(route_class=PageRoute, include_in_schema=False)

OwnSubject = Annotated[Visitor, page_access(Access.SUBJECT)]
FILE_PAGE_SIZE = 100


@router.get("/me", response_class=HTMLResponse)
def my_file(request: Request, visitor: OwnSubject, cursor: str | None = None) -> HTMLResponse:
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
    return render(
        request,
        "subject.html",
        trusted=True,
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
