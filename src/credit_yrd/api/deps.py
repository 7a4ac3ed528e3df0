"""Request dependencies: the settings, the store engine and the calling principal.

A system presents an API key as ``Authorization: Bearer <key>`` or as ``X-API-Key: <key>`` (the
bearer header wins when both are sent); a person logged in to the portal presents the session
cookie ``cyrd_session``. A key header wins over the cookie. :func:`optional_principal` answers who
calls (``None`` for no credentials or a session that is unknown, expired or ended; 401 for a key
that is malformed, unknown or revoked); :func:`current_principal` demands one.

A caller authenticated by its cookie must send the session's CSRF token in ``X-CSRF-Token`` with
every unsafe request (POST, PUT, PATCH, DELETE) to ``/api`` (403 otherwise): a browser attaches the
cookie to requests another site makes it send, but only the portal knows the token. Key callers
send no cookie and need no token. The engine lives on ``app.state.engine`` and is made on first use,
so an app whose routes are all public never opens the store.

The dependencies that read nothing from the store are ``async`` (FastAPI runs a plain ``def``
dependency in its thread pool, a thread hop per dependency per request); the store is read in the
thread pool. A key that authenticated is remembered for :data:`KEY_CACHE_SECONDS` (by its SHA-256,
never in clear), so a busy caller costs one look-up every few seconds instead of one per request:
a key revoked while the server runs stops working within that time.
"""

from __future__ import annotations

import hmac
import logging
import threading
import time
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.security import APIKeyCookie, APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from credit_yrd.auth.api_keys import MAX_PRESENTED_CHARS, Principal, authenticate, hash_key
from credit_yrd.auth.sessions import SESSION_COOKIE, SessionInfo, lookup_session
from credit_yrd.clock import SYSTEM_CLOCK, Clock
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

session_cookie = APIKeyCookie(
    name=SESSION_COOKIE,
    auto_error=False,
    scheme_name="SessionCookie",
    description="门户登录会话 Cookie（POST /api/v1/session 登录获得）；不安全的请求须带 X-CSRF-Token 头 "
    "(portal session cookie from POST /api/v1/session; unsafe requests need the X-CSRF-Token header)",
)

#: The header that carries the session's CSRF token on unsafe requests of cookie callers.
CSRF_HEADER = "X-CSRF-Token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

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


async def get_engine(request: Request) -> Engine:
    return engine_of(request.app)


def clock_of(request: Request) -> Clock:
    """The app's clock (``app.state.clock`` when set, e.g. by tests; the system clock otherwise)."""
    clock = getattr(request.app.state, "clock", None)
    return clock if clock is not None else SYSTEM_CLOCK


_NO_SESSION = object()


def session_of(request: Request) -> SessionInfo | None:
    """The live portal session of the request's cookie, or ``None`` (looked up once per request).

    This says nothing about API keys: a request may carry both, and then the key is the caller.
    """
    cached = getattr(request.state, "credit_yrd_session", _NO_SESSION)
    if cached is not _NO_SESSION:
        return cached if isinstance(cached, SessionInfo) else None
    token = request.cookies.get(SESSION_COOKIE)
    found: SessionInfo | None = None
    if token:
        try:
            with engine_of(request.app).connect() as conn:
                found = lookup_session(conn, token, clock=clock_of(request))
        except SQLAlchemyError as exc:
            _log.error("session lookup failed on the store: %s", exc)
            raise store_unavailable() from None
    request.state.credit_yrd_session = found
    return found


def csrf_of(request: Request) -> str | None:
    """The CSRF token of the request's portal session (for forms and pages), or ``None``."""
    found = session_of(request)
    return found.csrf_token if found is not None else None


def csrf_refused() -> HTTPException:
    return HTTPException(
        status_code=403,
        detail=f"缺少或错误的防伪令牌：以会话登录时，修改类请求须在 {CSRF_HEADER} 头中带上登录时"
        f"得到的 csrf_token (missing or wrong CSRF token: with a session cookie, unsafe requests "
        f"must send the csrf_token from login in the {CSRF_HEADER} header)",
    )


def check_csrf(request: Request, found: SessionInfo) -> None:
    """403 unless an unsafe request to ``/api`` carries the session's CSRF token."""
    if request.method.upper() not in UNSAFE_METHODS or not request.url.path.startswith("/api"):
        return
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent or not hmac.compare_digest(
        sent.encode("utf-8", "replace"), found.csrf_token.encode("utf-8")
    ):
        raise csrf_refused()


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


#: How long an authenticated key is remembered (seconds): the longest a revoked key keeps working
#: in a running server.
KEY_CACHE_SECONDS = 5.0
_KEY_CACHE_MAX = 10_000


class KeyCache:
    """Principals of keys that authenticated, by the key's SHA-256, for a few seconds."""

    def __init__(self, seconds: float = KEY_CACHE_SECONDS) -> None:
        self.seconds = seconds
        self._found: dict[str, tuple[float, Principal]] = {}
        self._lock = threading.Lock()

    def get(self, digest: str) -> Principal | None:
        hit = self._found.get(digest)
        if hit is None or hit[0] < time.monotonic():
            return None
        return hit[1]

    def put(self, digest: str, principal: Principal) -> None:
        with self._lock:
            if len(self._found) >= _KEY_CACHE_MAX:
                self._found.clear()
            self._found[digest] = (time.monotonic() + self.seconds, principal)

    def clear(self) -> None:
        with self._lock:
            self._found.clear()


def key_cache_of(app: FastAPI) -> KeyCache:
    cache = getattr(app.state, "key_cache", None)
    if not isinstance(cache, KeyCache):
        cache = KeyCache()
        app.state.key_cache = cache
    return cache


def _authenticate_key(app: FastAPI, presented: str) -> Principal | None:
    try:
        with engine_of(app).connect() as conn:
            return authenticate(conn, presented)
    except SQLAlchemyError as exc:
        _log.error("authentication failed on the store: %s", exc)
        raise store_unavailable() from None


def _session_principal(request: Request) -> Principal | None:
    found = session_of(request)
    if found is None:
        return None
    check_csrf(request, found)
    return found.principal


async def optional_principal(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    header_key: Annotated[str | None, Depends(api_key_header)],
    cookie: Annotated[str | None, Depends(session_cookie)],
) -> Principal | None:
    """The caller, or ``None`` when there is none; 401 for a key that does not hold, 403 for a
    cookie caller's unsafe request without the session's CSRF token."""
    presented = bearer.credentials if bearer is not None else header_key
    if presented is None or not presented.strip():
        if not cookie:
            return None
        return await run_in_threadpool(_session_principal, request)
    cache = key_cache_of(request.app)
    digest = hash_key(presented.strip()[:MAX_PRESENTED_CHARS])
    principal = cache.get(digest) if len(presented) <= MAX_PRESENTED_CHARS else None
    if principal is not None:
        return principal
    principal = await run_in_threadpool(_authenticate_key, request.app, presented)
    if principal is None:
        raise unauthenticated(invalid=True)
    cache.put(digest, principal)
    return principal


async def current_principal(
    principal: Annotated[Principal | None, Depends(optional_principal)],
) -> Principal:
    """The authenticated caller; 401 when there is none."""
    if principal is None:
        raise unauthenticated()
    return principal
