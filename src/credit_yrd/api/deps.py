"""Request dependencies: the settings, the store engine and the calling principal.

A caller presents an API key as ``Authorization: Bearer <key>`` or as ``X-API-Key: <key>`` (the
bearer header wins when both are sent). :func:`optional_principal` answers who calls (``None`` for
no key; 401 for a key that is malformed, unknown or revoked); :func:`current_principal` demands
one. The engine lives on ``app.state.engine`` and is made on first use, so an app whose routes are
all public never opens the store.
"""

from __future__ import annotations

import logging
import threading
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from credit_yrd.auth.api_keys import Principal, authenticate
from credit_yrd.settings import Settings, get_settings
from credit_yrd.store.engine import make_engine
from credit_yrd.store.errors import StoreError

AUTH_REALM = "credit-yrd"

bearer_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKeyBearer",
    bearerFormat="cyk_<prefix>_<secret>",
    description="API 密钥，放在 Authorization: Bearer 头中 (API key in the Authorization header)",
)
api_key_header = APIKeyHeader(
    name="X-API-Key",
    auto_error=False,
    scheme_name="ApiKeyHeader",
    description="API 密钥，放在 X-API-Key 头中 (API key in the X-API-Key header)",
)

_ENGINE_LOCK = threading.Lock()
_log = logging.getLogger(__name__)


def settings_of(app: FastAPI) -> Settings:
    settings = getattr(app.state, "settings", None)
    return settings if isinstance(settings, Settings) else get_settings()


def engine_of(app: FastAPI) -> Engine:
    """The app's store engine, made from its settings on first use (and kept on ``app.state``)."""
    engine = getattr(app.state, "engine", None)
    if isinstance(engine, Engine):
        return engine
    with _ENGINE_LOCK:
        engine = getattr(app.state, "engine", None)
        if not isinstance(engine, Engine):
            try:
                engine = make_engine(settings_of(app).resolved_database_url())
            except StoreError as exc:
                _log.error("store unavailable: %s", exc)
                raise store_unavailable() from None
            app.state.engine = engine
    return engine


def dispose_engine(app: FastAPI) -> None:
    engine = getattr(app.state, "engine", None)
    if isinstance(engine, Engine):
        engine.dispose()
    app.state.engine = None


def store_unavailable() -> HTTPException:
    return HTTPException(
        status_code=503,
        detail="存储暂不可用，请稍后再试 (the store is unavailable; try again later)",
    )


def get_engine(request: Request) -> Engine:
    return engine_of(request.app)


def unauthenticated(invalid: bool = False) -> HTTPException:
    """401 with the ``WWW-Authenticate`` challenge (RFC 6750)."""
    if invalid:
        return HTTPException(
            status_code=401,
            detail="API 密钥无效或已吊销 (the API key is invalid or revoked)",
            headers={"WWW-Authenticate": f'Bearer realm="{AUTH_REALM}", error="invalid_token"'},
        )
    return HTTPException(
        status_code=401,
        detail="需要登录或 API 密钥 (authentication required)",
        headers={"WWW-Authenticate": f'Bearer realm="{AUTH_REALM}"'},
    )


def optional_principal(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    header_key: Annotated[str | None, Depends(api_key_header)],
) -> Principal | None:
    """The caller, or ``None`` when no key is presented; 401 for a key that does not hold."""
    presented = bearer.credentials if bearer is not None else header_key
    if presented is None or not presented.strip():
        return None
    engine = engine_of(request.app)
    try:
        with engine.connect() as conn:
            principal = authenticate(conn, presented)
    except SQLAlchemyError as exc:
        _log.error("authentication failed on the store: %s", exc)
        raise store_unavailable() from None
    if principal is None:
        raise unauthenticated(invalid=True)
    return principal


def current_principal(
    principal: Annotated[Principal | None, Depends(optional_principal)],
) -> Principal:
    """The authenticated caller; 401 when there is none."""
    if principal is None:
        raise unauthenticated()
    return principal
