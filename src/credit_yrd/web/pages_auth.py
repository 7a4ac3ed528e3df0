"""``/login`` and ``/logout``: portal sessions for people with an account.

The login form is protected by a double-submit token (a random value in the form and in the
``cyrd_login`` cookie, which only this site can set); a successful login ends any session the
browser already had, starts a new one (:func:`credit_yrd.auth.sessions.start_session`) and puts its
token in the ``cyrd_session`` cookie (HttpOnly, SameSite=Lax, Secure when ``cookie_secure``).
Logout is a POST carrying the session's CSRF token.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse

from credit_yrd.auth.accounts import password_hasher, verify_login
from credit_yrd.auth.roles import Role
from credit_yrd.auth.sessions import SESSION_COOKIE, NewSession, end_session, start_session
from credit_yrd.auth.throttle import LoginThrottle, LoginThrottledError, throttle_of
from credit_yrd.i18n import pick
from credit_yrd.store.engine import transaction
from credit_yrd.web import state
from credit_yrd.web.render import render
from credit_yrd.web.routing import PageRoute
from credit_yrd.web.session import (
    LOGIN_CSRF_COOKIE,
    Access,
    Visitor,
    check_login_token,
    check_same_origin,
    check_session_csrf,
    form_fields,
    new_login_token,
    page_access,
    safe_next,
)

router = APIRouter(route_class=PageRoute, include_in_schema=False)

LOGIN_TOKEN_MAX_AGE = 3600
MAX_USERNAME_ECHO = 64

Public = Annotated[Visitor, page_access(Access.PUBLIC)]


def home_of(role: Role) -> str:
    """Where a login lands when no page was asked for."""
    if role is Role.CREDIT_OFFICE:
        return "/office/sources"
    if role is Role.SUBJECT:
        return "/me"
    if role is Role.DEPARTMENT:
        return "/console"
    return "/"


def _login_form(
    request: Request,
    *,
    status: int = 200,
    username: str = "",
    error: str | None = None,
    next_url: str | None = None,
) -> HTMLResponse:
    token = new_login_token()
    lang = request.state.visitor.lang
    response = render(
        request,
        "login.html",
        status=status,
        title=pick("登录", "Log in", lang),
        login_token=token,
        username=username[:MAX_USERNAME_ECHO],
        error=error,
        next_url=next_url or "",
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        max_age=LOGIN_TOKEN_MAX_AGE,
        path="/login",
        httponly=True,
        samesite="strict",
        secure=state.settings(request).cookie_secure,
    )
    return response


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, visitor: Public, next: str | None = None) -> HTMLResponse:
    return _login_form(request, next_url=safe_next(next))


def _login(
    request: Request, username: str, password: str, old_token: str | None
) -> tuple[Role, NewSession] | None:
    settings = state.settings(request)
    clock = state.clock(request)
    with transaction(state.engine(request)) as conn:
        account = verify_login(
            conn,
            username,
            password,
            clock=clock,
            hasher=password_hasher(settings.password_hash_cost),
        )
        if account is None:
            return None
        if old_token:
            end_session(conn, old_token, clock=clock)
        session = start_session(
            conn,
            account.id,
            clock=clock,
            ttl=dt.timedelta(minutes=settings.session_ttl_minutes),
        )
    return Role(account.role), session


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request, visitor: Public) -> Response:
    check_same_origin(request)
    fields = await form_fields(request)
    check_login_token(request, fields.get("login_token"))
    username = fields.get("username", "").strip()
    password = fields.get("password", "")
    next_url = safe_next(fields.get("next"))
    found = None
    throttle = throttle_of(request.app)
    attempt = LoginThrottle.key(username, request.client.host if request.client else None)
    now = state.clock(request).now()
    try:
        throttle.attempt(attempt, now)
    except LoginThrottledError as exc:
        return _login_form(
            request,
            status=429,
            username=username,
            error=exc.message(visitor.lang),
            next_url=next_url,
        )
    if username and password:
        found = await run_in_threadpool(
            _login, request, username, password, request.cookies.get(SESSION_COOKIE)
        )
        if found is not None:
            throttle.succeeded(attempt)
    if found is None:
        return _login_form(
            request,
            status=401,
            username=username,
            error=pick(
                "用户名或密码不正确，或账户已停用",
                "wrong username or password, or the account is disabled",
                visitor.lang,
            ),
            next_url=next_url,
        )
    role, session = found
    settings = state.settings(request)
    response = RedirectResponse(next_url or home_of(role), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        session.token,
        max_age=settings.session_ttl_minutes * 60,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


def _logout(request: Request, token: str) -> None:
    with transaction(state.engine(request)) as conn:
        end_session(conn, token, clock=state.clock(request))


@router.post("/logout", response_class=HTMLResponse)
async def logout(request: Request, visitor: Public) -> Response:
    check_same_origin(request)
    fields = await form_fields(request)
    token = request.cookies.get(SESSION_COOKIE)
    if visitor.signed_in and token:
        check_session_csrf(visitor, fields.get("csrf_token"))
        await run_in_threadpool(_logout, request, token)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(
        SESSION_COOKIE,
        path="/",
        httponly=True,
        samesite="lax",
        secure=state.settings(request).cookie_secure,
    )
    return response
