"""``/office/repairs``: the credit office's figures of credit repair and objections — what the
city credit monitoring indicators score (:func:`credit_yrd.repair.figures.repair_figures`):
applications, approvals, refusals, withdrawn, pending, overdue, the average handling time in
working days, objections and objections per thousand published records, per province of the
deciding authority and for the region. A provincial credit office sees its province only. The
table needs no JavaScript."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from credit_yrd.i18n import pick
from credit_yrd.repair.figures import repair_figures
from credit_yrd.web import state
from credit_yrd.web.render import render
from credit_yrd.web.routing import PageRoute
from credit_yrd.web.session import Access, Visitor, page_access

router = APIRouter(route_class=PageRoute, include_in_schema=False, prefix="/office")

Office = Annotated[Visitor, page_access(Access.CREDIT_OFFICE)]
#: The columns of the table, in order, with their labels.
COLUMNS: dict[str, tuple[str, str]] = {
    "applications": ("修复申请", "applications"),
    "approvals": ("予以修复", "approved"),
    "refusals": ("不予修复", "refused"),
    "withdrawn": ("撤回", "withdrawn"),
    "pending": ("办理中", "pending"),
    "overdue": ("超期", "overdue"),
    "average_working_days": ("平均办理用时（工作日）", "average handling time (working days)"),
    "objections": ("异议", "objections"),
    "published_records": ("在公示信息", "published records"),
    "objections_per_thousand": ("每千条公示信息异议数", "objections per 1,000 published records"),
}


@router.get("/repairs", response_class=HTMLResponse)
def repair_figures_page(request: Request, visitor: Office) -> HTMLResponse:
    assert visitor.principal is not None
    lang = visitor.lang
    with state.engine(request).connect() as conn:
        figures = repair_figures(
            conn,
            clock=state.clock(request),
            settings=state.settings(request),
            province=visitor.principal.province,
        )
    return render(
        request,
        "office_repairs.html",
        title=pick("信用修复与异议统计", "Credit repair and objection figures", lang),
        figures=figures,
        columns=[(k, pick(zh, en, lang)) for k, (zh, en) in COLUMNS.items()],
    )
