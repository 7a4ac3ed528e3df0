"""The FastAPI application: routers under ``/api/v1``, problem+json errors, access declared on
every route, request bodies bounded."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from credit_yrd import __version__
from credit_yrd.api import problems
from credit_yrd.api.access import Role, allow, check_routes_declared
from credit_yrd.api.limits import MAX_BODY_BYTES, BodyLimit
from credit_yrd.api.routes import ids, standard
from credit_yrd.settings import Settings, get_settings

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

    app.add_middleware(BodyLimit, limit=MAX_BODY_BYTES)

    v1 = APIRouter(prefix="/api/v1")

    @v1.get("/health", dependencies=[allow(Role.PUBLIC)], summary="服务状态 (service health)")
    def health() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    v1.include_router(ids.router)
    v1.include_router(standard.router)
    app.include_router(v1)
    check_routes_declared(app, exempt=lambda path: not path.startswith("/api"))
    return app
