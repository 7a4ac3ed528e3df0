"""The FastAPI application: routers under ``/api/v1``, problem+json errors, access declared on
every route, request bodies bounded, callers authenticated by API key."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Scope

from credit_yrd import __version__
from credit_yrd.api import limits, problems
from credit_yrd.api.access import Role, allow, check_routes_declared
from credit_yrd.api.deps import dispose_engine, engine_of, settings_of
from credit_yrd.api.limits import MAX_BODY_BYTES, BodyLimit
from credit_yrd.api.routes import audit, batches, ids, records, search, standard, subjects
from credit_yrd.api.routes.authorisations import router as authorisations_router
from credit_yrd.api.routes.changes import router as changes_router
from credit_yrd.api.routes.checks import router as checks_router
from credit_yrd.api.routes.joint import router as joint_router
from credit_yrd.api.routes.lists import me_router as me_lists_router
from credit_yrd.api.routes.lists import router as lists_router
from credit_yrd.api.routes.me import router as me_router
from credit_yrd.api.routes.objections import router as objections_router
from credit_yrd.api.routes.publication import router as publication_router
from credit_yrd.api.routes.repairs import body_limits as repair_body_limits
from credit_yrd.api.routes.repairs import router as repairs_router
from credit_yrd.api.routes.repairs import upload_limit as repair_upload_limit
from credit_yrd.api.routes.session import router as session_router
from credit_yrd.api.routes.sources import router as sources_router
from credit_yrd.auth.throttle import LoginThrottle
from credit_yrd.clock import clock_from
from credit_yrd.jobs import background_worker
from credit_yrd.settings import Settings, get_settings
from credit_yrd.standards.loader import get_standard
from credit_yrd.web import routes as web_routes
from credit_yrd.web.render import error_page

API_PREFIX = "/api/v1"

DESCRIPTION = """信用长三角 区域公共信用信息平台 API。

Yangtze River Delta regional public-credit platform API. Every route states who may call it;
errors are `application/problem+json`.

非公开接口需要凭据：系统使用 API 密钥（`credit-yrd key add` 生成），放在 `Authorization: Bearer <key>`
或 `X-API-Key` 头中；人员以账户登录（`POST /api/v1/session`，账户由 `credit-yrd user add` 创建），
之后以会话 Cookie 调用，修改类请求须带 `X-CSRF-Token` 头。Routes that are not public need
credentials: systems send an API key (made with `credit-yrd key add`) as `Authorization: Bearer
<key>` or in the `X-API-Key` header; people log in with an account (`POST /api/v1/session`;
accounts are made with `credit-yrd user add`) and call with the session cookie, sending the
`X-CSRF-Token` header on unsafe requests.
"""

__all__ = ["MAX_BODY_BYTES", "create_app"]


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    # The background worker (credit_yrd.jobs: list expiry, actions, webhook pushes, the daily
    # publication job, repair deliveries and reminders); None when disabled.
    worker = background_worker(
        engine=lambda: engine_of(app),
        clock=lambda: app.state.clock,
        standard=lambda: get_standard(settings_of(app).standard_version),
        settings=settings_of(app),
    )
    try:
        yield
    finally:
        if worker is not None:
            worker.stop()
    dispose_engine(app)


def _is_page_path(path: str) -> bool:
    """A path of the portal (not the API, its schema or its documentation)."""
    return not path.startswith(("/api/", "/openapi.json", "/docs", "/static/")) and path != "/api"


async def _page_too_large(scope: Scope, limit: int) -> Response | None:
    """A page's body over its limit gets the portal's HTML error page; the API's, problem+json."""
    if not _is_page_path(scope.get("path", "")):
        return None
    return await web_routes.too_large_page(Request(scope), limit)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(
        title="credit-yrd",
        version=__version__,
        description=DESCRIPTION,
        docs_url="/docs",
        openapi_url="/openapi.json",
        redoc_url=None,
        lifespan=_lifespan,
    )
    app.state.settings = settings
    app.state.clock = clock_from(settings.clock_file)
    # The store engine is made on first use (credit_yrd.api.deps.engine_of).
    app.state.engine = None
    app.state.store_engine = lambda: engine_of(app)  # for the portal pages
    app.state.max_batch_bytes = limits.MAX_BATCH_BYTES
    app.state.login_throttle = LoginThrottle()  # shared by the API's login and the portal's
    problems.install(app)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code in (404, 405) and _is_page_path(request.url.path):
            # A path no page or API route has (/nowhere, POST /search): a portal error page.
            if exc.status_code == 404:
                return error_page(request, 404, "未找到该页面", "page not found")
            return error_page(request, 405, "不支持该请求方法", "method not allowed")
        return problems.http_problem(request, exc)

    app.add_middleware(
        BodyLimit,
        limit=MAX_BODY_BYTES,
        overrides={
            API_PREFIX + batches.UPLOAD_PATH: app.state.max_batch_bytes,
            **repair_body_limits(API_PREFIX, settings),
            web_routes.UPLOAD_PAGE_PATH: repair_upload_limit(settings),
        },
        refusal=_page_too_large,
    )

    v1 = APIRouter(prefix=API_PREFIX)

    @v1.get("/health", dependencies=[allow(Role.PUBLIC)], summary="服务状态 (service health)")
    def health() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    v1.include_router(ids.router)
    v1.include_router(standard.router)
    v1.include_router(batches.router)
    v1.include_router(subjects.router)
    v1.include_router(records.router)
    v1.include_router(audit.router)
    v1.include_router(me_router)
    v1.include_router(me_lists_router)
    v1.include_router(lists_router)
    v1.include_router(authorisations_router)
    v1.include_router(search.router)
    v1.include_router(sources_router)
    v1.include_router(changes_router)
    v1.include_router(session_router)
    v1.include_router(checks_router)
    v1.include_router(joint_router)
    v1.include_router(repairs_router)
    v1.include_router(objections_router)
    v1.include_router(publication_router)
    app.include_router(v1)
    app.include_router(web_routes.router)
    check_routes_declared(app, exempt=lambda path: not path.startswith("/api"))
    _document_problems(app)
    return app


def _document_problems(app: FastAPI) -> None:
    """The OpenAPI schema says that errors, 422 included, are problem+json."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = problems.document_problems(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
