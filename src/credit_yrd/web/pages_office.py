"""The credit office's pages: the sources, their batches with the receipts, and one batch.

Only a logged-in credit office opens them (anonymous visitors are sent to the login page, other
roles see 403). A batch's quarantine (its rejected rows, as sent, with every reason) is not shown
on the page: raw rows may hold personal identifiers in clear. The page links to the API's download
(``/api/v1/batches/{id}/quarantine``), which reads the file with the API's own path checks and
accepts the portal session.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.routing import NoMatchFound

from credit_yrd.i18n import pick
from credit_yrd.web import office, state
from credit_yrd.web.errors import not_found
from credit_yrd.web.render import render
from credit_yrd.web.routing import PageRoute
from credit_yrd.web.session import Access, Visitor, page_access

router = APIRouter(route_class=PageRoute, include_in_schema=False, prefix="/office")

Office = Annotated[Visitor, page_access(Access.CREDIT_OFFICE)]
_SOURCE_SHAPE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
MAX_ID = 2**63 - 1


def _number(text: str | None) -> int | None:
    if text is None or not text.isascii() or not text.isdigit() or len(text) > 19:
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ID else None


def _quarantine_url(request: Request, batch_id: int) -> str | None:
    """The API's download of a batch's quarantine (the route named ``batch_quarantine``)."""
    try:
        return str(request.app.url_path_for("batch_quarantine", batch_id=str(batch_id)))
    except NoMatchFound:
        return None


@router.get("/sources", response_class=HTMLResponse)
def sources_page(request: Request, visitor: Office) -> HTMLResponse:
    with state.engine(request).connect() as conn:
        rows = office.source_rows(conn)
    return render(
        request,
        "office_sources.html",
        title=pick("数据来源", "Sources", visitor.lang),
        sources=rows,
    )


@router.get("/batches", response_class=HTMLResponse)
def batches_page(
    request: Request,
    visitor: Office,
    source: str | None = None,
    before: str | None = None,
) -> HTMLResponse:
    chosen = (source or "").strip() or None
    cursor = _number(before) if before else None
    if before and cursor is None:
        raise not_found("翻页参数无效", "invalid page parameter")
    with state.engine(request).connect() as conn:
        if chosen is not None and (
            not _SOURCE_SHAPE.match(chosen) or not office.source_exists(conn, chosen)
        ):
            raise not_found(f"没有来源“{chosen[:40]}”", f"no source {chosen[:40]!r}")
        rows, next_before, total = office.batch_page(conn, source=chosen, before=cursor)
        all_sources = office.source_rows(conn)
    return render(
        request,
        "office_batches.html",
        title=pick("批次与回执", "Batches and receipts", visitor.lang),
        batches=rows,
        source=chosen,
        sources=all_sources,
        next_before=next_before,
        total=total,
    )


@router.get("/batches/{batch_id}", response_class=HTMLResponse)
def batch_page(request: Request, visitor: Office, batch_id: str) -> HTMLResponse:
    number = _number(batch_id)
    if number is None:
        raise not_found("没有该批次", "no such batch")
    with state.engine(request).connect() as conn:
        found = office.one_batch(conn, number)
    if found is None:
        raise not_found(f"没有编号为 {number} 的批次", f"no batch {number}")
    return render(
        request,
        "office_batch.html",
        title=pick(f"批次 {number}", f"Batch {number}", visitor.lang),
        b=found,
        counters=office.COUNTERS,
        quarantine_url=_quarantine_url(request, number) if found.has_quarantine else None,
    )
