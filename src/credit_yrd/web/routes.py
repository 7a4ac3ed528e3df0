"""The portal (server-rendered pages, readable without JavaScript): one router the app includes,
made of the public pages, login and logout, the subject's own file and the credit office's pages,
with the static files (style sheet, htmx) under ``/static``.

Every page declares who may open it (:func:`credit_yrd.web.session.page_access`); the app's
access check covers ``/api`` only, so :func:`undeclared_pages` lets a test refuse any page that
does not.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles

from credit_yrd.web import (
    cases,
    pages_auth,
    pages_cases,
    pages_console,
    pages_joint,
    pages_lists,
    pages_me,
    pages_objection,
    pages_office,
    pages_public,
    pages_repair,
    pages_repair_figures,
)
from credit_yrd.web.render import STATIC, error_page
from credit_yrd.web.session import route_access

STATIC_PATH = "/static"
#: The page that takes uploads (the repair application form): the app gives it the upload
#: limit of the API's application instead of its usual body limit.
UPLOAD_PAGE_PATH = "/me/repair/new"

router = APIRouter(include_in_schema=False)
router.include_router(pages_public.router)
router.include_router(pages_lists.router)
router.include_router(pages_auth.router)
router.include_router(pages_me.router)
router.include_router(pages_office.router)
router.include_router(pages_console.router)
router.include_router(pages_joint.router)
router.include_router(pages_repair.router)
router.include_router(pages_objection.router)
router.include_router(pages_cases.router)
router.include_router(pages_repair_figures.router)
router.mount(STATIC_PATH, StaticFiles(directory=STATIC), name="static")

PAGE_ROUTERS = (
    pages_public.router,
    pages_lists.router,
    pages_auth.router,
    pages_me.router,
    pages_office.router,
    pages_console.router,
    pages_joint.router,
    pages_repair.router,
    pages_objection.router,
    pages_cases.router,
    pages_repair_figures.router,
)


def page_routes() -> list[APIRoute]:
    return [r for sub in PAGE_ROUTERS for r in sub.routes if isinstance(r, APIRoute)]


def undeclared_pages() -> list[str]:
    """Pages that declare no audience (there must be none)."""
    return [f"{sorted(r.methods or ())} {r.path}" for r in page_routes() if route_access(r) is None]


async def too_large_page(request: Request, limit: int) -> HTMLResponse:
    """The portal's 413 page for a body over ``limit`` bytes (the app's body limit refuses a
    page's request with it instead of problem+json)."""
    refused = cases.too_large(limit)
    page: HTMLResponse = await run_in_threadpool(
        error_page, request, refused.status, refused.message_zh, refused.message_en
    )
    return page
