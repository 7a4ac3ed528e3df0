"""The public pages of the red and black lists: ``/lists`` (the catalogue: each list's criteria,
period, exit conditions, the rule that sets it and how many entries are active today) and
``/lists/{code}`` (the active entries, page by page, with the deciding authority and its province,
the first and last day listed, linked to the subject's public file; 异议处理中 when the record the
listing rests on is under objection).

Anyone may open them. A listing decided by any province applies across the region, so the pages
show every province's entries together. Natural persons' names and ID numbers are masked and
their entries carry no link (their files are not public).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from credit_yrd.i18n import pick
from credit_yrd.lists.entries import list_counts, public_entries
from credit_yrd.web import joint, state
from credit_yrd.web.cases import entries_under_objection
from credit_yrd.web.errors import not_found
from credit_yrd.web.render import render
from credit_yrd.web.routing import PageRoute
from credit_yrd.web.session import Access, Visitor, page_access

router = APIRouter(route_class=PageRoute, include_in_schema=False)

Public = Annotated[Visitor, page_access(Access.PUBLIC)]
ENTRY_PAGE = 50
MAX_ID = 2**63 - 1


@router.get("/lists", response_class=HTMLResponse)
def lists_page(request: Request, visitor: Public) -> HTMLResponse:
    standard = state.standard(request)
    today = state.today(request)
    with state.engine(request).connect() as conn:
        counts = list_counts(conn, on=today)
    lists = sorted(standard.lists.values(), key=lambda d: (d.kind != "black", d.code))
    return render(
        request,
        "lists.html",
        title=pick("信用红黑名单", "Red and black lists", visitor.lang),
        lists=lists,
        counts=counts,
        period_words=lambda p: joint.period_words(p, visitor.lang),
        kind_label=lambda k: joint.label(joint.KIND_LABELS, k, visitor.lang),
    )


def _after(text: str | None) -> int | None:
    if text is None:
        return None
    if not text.isascii() or not text.isdigit() or len(text) > 19 or not 1 <= int(text) <= MAX_ID:
        raise not_found("翻页参数无效", "invalid page parameter")
    return int(text)


@router.get("/lists/{code}", response_class=HTMLResponse)
def list_page(
    request: Request, visitor: Public, code: str, after: str | None = None
) -> HTMLResponse:
    standard = state.standard(request)
    definition = standard.lists.get(code) if joint.valid_list_code(code) else None
    if definition is None:
        raise not_found(f"没有名单“{code[:40]}”", f"no list {code[:40]!r}")
    cursor = _after(after)
    today = state.today(request)
    with state.engine(request).connect() as conn:
        page = public_entries(conn, list_code=code, on=today, after=cursor, limit=ENTRY_PAGE)
        total = list_counts(conn, on=today).get(code, 0)
        disputed = entries_under_objection(conn, (e.id for e in page.entries))
    rows = [
        {
            "entry": e,
            "href": joint.public_href(e.uscc),
            "objection": e.id in disputed,
        }
        for e in page.entries
    ]
    return render(
        request,
        "list.html",
        title=definition.label(visitor.lang),
        definition=definition,
        rows=rows,
        total=total,
        first_page=cursor is None,
        next_after=page.next_after,
        period_words=lambda p: joint.period_words(p, visitor.lang),
        kind_label=lambda k: joint.label(joint.KIND_LABELS, k, visitor.lang),
    )
