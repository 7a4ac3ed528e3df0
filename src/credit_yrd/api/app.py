"""The FastAPI application: routers under ``/api/v1``, problem+json errors, access declared on
every route, request bodies bounded, callers authenticated by API key."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from credit_yrd import __version__
from credit_yrd.api import limits, problems
from credit_yrd.api.access import Role, allow, check_routes_declared
from credit_yrd.api.deps import dispose_engine, engine_of
from credit_yrd.api.limits import MAX_BODY_BYTES, BodyLimit
from credit_yrd.api.routes import audit, batches, ids, records, search, standard, subjects
from credit_yrd.settings import Settings, get_settings
from credit_yrd.web import routes as web_routes

API_PREFIX = "/api/v1"

DESCRIPTION = """信用长三角 区域公共信用信息平台 API。

Yangtze River Delta regional public-credit platform API. Every route states who may call it;
errors are `application/problem+json`.

非公开接口需要 API 密钥（`credit-yrd key add` 生成），放在 `Authorization: Bearer <key>` 或
`X-API-Key` 头中。Routes that are not public need an API key (made with `credit-yrd key add`), sent
as `Authorization: Bearer <key>` or in the `X-API-Key` header.
"""

__all__ = ["MAX_BODY_BYTES", "create_app"]


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    dispose_engine(app)


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
    # The store engine is made on first use (credit_yrd.api.deps.engine_of).
    app.state.engine = None
    app.state.store_engine = lambda: engine_of(app)  # for the portal pages
    app.state.max_batch_bytes = limits.MAX_BATCH_BYTES
    problems.install(app)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # As problems.install's handler, keeping the exception's headers (WWW-Authenticate).
        response = problems.problem(exc.status_code, str(exc.detail), request)
        for name, value in (exc.headers or {}).items():
            response.headers[name] = value
        return response

    app.add_middleware(
        BodyLimit,
        limit=MAX_BODY_BYTES,
        overrides={API_PREFIX + batches.UPLOAD_PATH: app.state.max_batch_bytes},
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
    v1.include_router(search.router)
    app.include_router(v1)
    app.include_router(web_routes.router)
    check_routes_declared(app, exempt=lambda path: not path.startswith("/api"))
    return app
