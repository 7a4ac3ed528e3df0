"""The FastAPI application: routers under ``/api/v1``, problem+json errors, access declared on
every route, request bodies bounded."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import APIRouter, FastAPI, Request, Response

from credit_yrd import __version__
from credit_yrd.api import problems
from credit_yrd.api.access import Role, allow, check_routes_declared
from credit_yrd.api.routes import ids, standard
from credit_yrd.settings import Settings, get_settings

MAX_BODY_BYTES = 1_048_576

DESCRIPTION = """信用长三角 区域公共信用信息平台 API。

Yangtze River Delta regional public-credit platform API. Every route states who may call it;
errors are `application/problem+json`.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(
        title="credit-yrd",
        version=__version__,
        description=DESCRIPTION,
        docs_url="/docs",
        openapi_url="/openapi.json",
        redoc_url=None,
    )
    app.state.settings = settings
    problems.install(app)

    @app.middleware("http")
    async def bound_body(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
            return problems.problem(
                413,
                f"请求体超过 {MAX_BODY_BYTES} 字节 (request body over {MAX_BODY_BYTES} bytes)",
                request,
            )
        return await call_next(request)

    v1 = APIRouter(prefix="/api/v1")

    @v1.get("/health", dependencies=[allow(Role.PUBLIC)], summary="服务状态 (service health)")
    def health() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    v1.include_router(ids.router)
    v1.include_router(standard.router)
    app.include_router(v1)
    check_routes_declared(app, exempt=lambda path: not path.startswith("/api"))
    return app
