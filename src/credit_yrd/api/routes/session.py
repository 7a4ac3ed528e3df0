"""``/api/v1/session`` and ``/api/v1/me``: logging in to the portal, logging out, who am I.

``POST /session`` checks a username and password (argon2id) and opens a session: the token goes
into the ``cyrd_session`` cookie (HttpOnly, SameSite=Lax, Path=/, Secure when the setting
``cookie_secure`` is on), the CSRF token into the answer, for the ``X-CSRF-Token`` header of later
unsafe requests. Wrong credentials, unknown users and disabled accounts get the same 401.
``DELETE /session`` ends the caller's session and clears the cookie. ``GET /me`` tells any
authenticated caller, key or account, who it is and what it stands for.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from credit_yrd.api.access import Role, allow
from credit_yrd.api.deps import AUTH_REALM, clock_of, current_principal, settings_of
from credit_yrd.api.routes.subjects import Store, problem_doc
from credit_yrd.auth.accounts import (
    PASSWORD_MAX_CHARS,
    AccountInfo,
    get_account,
    password_hasher,
    verify_login,
)
from credit_yrd.auth.principal import Principal
from credit_yrd.auth.sessions import SESSION_COOKIE, end_session, start_session
from credit_yrd.auth.throttle import LoginThrottle, LoginThrottledError, throttle_of
from credit_yrd.store.engine import transaction
from credit_yrd.store.schema import subjects

router = APIRouter(tags=["登录与身份 session"])
_log = logging.getLogger(__name__)

#: Every role that authenticates: all but the public.
AUTHENTICATED = tuple(role for role in Role if role is not Role.PUBLIC)

LOGIN_REFUSED = (
    "用户名或口令错误，或账户已停用 (wrong username or password, or the account is disabled)"
)


class Credentials(BaseModel):
    """登录凭据 (login credentials)."""

    username: str = Field(min_length=1, max_length=200, description="用户名 (username)")
    password: str = Field(
        min_length=1, max_length=PASSWORD_MAX_CHARS, description="口令 (password)"
    )


class Account(BaseModel):
    """账户（不含口令散列）(an account, without its password hash)."""

    id: int
    username: str
    role: Role
    display_name: str = Field(description="显示名 (display name)")
    province: str | None = Field(description="省级区划代码；为空表示全区域或不适用 (province)")
    domain: str | None = Field(description="政务部门的领域 (a department's domain)")
    source: str | None = Field(description="数据来源账户的来源 (a data source account's source)")
    subject_id: int | None = Field(description="主体账户所代表的主体 (a subject account's subject)")

    @classmethod
    def of(cls, info: AccountInfo) -> Account:
        return cls(
            id=info.id,
            username=info.username,
            role=Role(info.role),
            display_name=info.display_name,
            province=info.province,
            domain=info.domain,
            source=info.source,
            subject_id=info.subject_id,
        )


class LoginAnswer(BaseModel):
    """登录成功：账户、防伪令牌与会话到期时间 (logged in: the account, the CSRF token, expiry)."""

    account: Account
    csrf_token: str = Field(
        description="之后的修改类请求（POST/PUT/PATCH/DELETE）须放在 X-CSRF-Token 头中 (send it in "
        "the X-CSRF-Token header of later unsafe requests)"
    )
    expires_at: dt.datetime = Field(description="会话到期时间 (when the session expires)")


class SubjectRef(BaseModel):
    """账户所代表的主体 (the subject an account speaks for)."""

    id: int
    name: str
    uscc: str | None


class Me(BaseModel):
    """调用者是谁、代表什么范围 (who the caller is and what it stands for)."""

    role: Role
    actor: str = Field(description="访问日志中的名字 (the caller as the access log names it)")
    via: Literal["api_key", "session"] = Field(description="凭据类型 (kind of credentials)")
    label: str = Field(description="密钥名称或用户名 (key label or username)")
    display_name: str | None = Field(description="账户显示名；密钥为空 (account display name)")
    province: str | None = Field(description="省份；为空表示全区域或不适用 (province)")
    domain: str | None = Field(description="领域 (domain)")
    source: str | None = Field(description="数据来源 (source)")
    subject: SubjectRef | None = Field(description="主体账户的主体 (a subject account's subject)")


def _login_refused() -> HTTPException:
    return HTTPException(
        status_code=401,
        detail=LOGIN_REFUSED,
        headers={"WWW-Authenticate": f'Bearer realm="{AUTH_REALM}"'},
    )


@router.post(
    "/session",
    response_model=LoginAnswer,
    dependencies=[allow(Role.PUBLIC)],
    responses={
        401: problem_doc(LOGIN_REFUSED),
        429: problem_doc("登录失败次数过多，稍后再试 (too many failed logins; see Retry-After)"),
        422: problem_doc("请求体不符合要求 (the body does not match the schema)"),
    },
    summary="登录 (log in)",
    description="以用户名和口令登录门户。成功时设置会话 Cookie `cyrd_session`（HttpOnly、SameSite=Lax），"
    "并返回 csrf_token：之后以 Cookie 发出的修改类请求须在 `X-CSRF-Token` 头中带上它。"
    "用户名不存在、口令错误、账户停用，一律答 401 且说法相同。\n\n"
    "Log in with a username and password. On success the session cookie `cyrd_session` is set "
    "(HttpOnly, SameSite=Lax) and the answer carries `csrf_token`, to send in the `X-CSRF-Token` "
    "header of later unsafe requests made with the cookie. An unknown user, a wrong password and "
    "a disabled account all get the same 401.",
)
def login(
    request: Request, response: Response, credentials: Credentials, store: Store
) -> LoginAnswer:
    settings = settings_of(request.app)
    clock = clock_of(request)
    hasher = password_hasher(settings.password_hash_cost)
    throttle = throttle_of(request.app)
    client = request.client.host if request.client else None
    attempt = LoginThrottle.key(credentials.username, client)
    try:
        throttle.attempt(attempt, clock.now())
    except LoginThrottledError as exc:
        raise HTTPException(
            status_code=429, detail=str(exc), headers={"Retry-After": str(exc.retry_after)}
        ) from None
    # Checked outside the write transaction: argon2 takes its time, SQLite's write lock should not.
    with store.connect() as conn:
        info = verify_login(
            conn, credentials.username, credentials.password, clock=clock, hasher=hasher
        )
        conn.commit()  # a rehash of an older hash
    if info is None:
        _log.info("login refused for username %r", credentials.username[:64])
        raise _login_refused()
    throttle.succeeded(attempt)
    ttl = dt.timedelta(minutes=settings.session_ttl_minutes)
    with transaction(store) as conn:
        new = start_session(conn, info.id, clock=clock, ttl=ttl)
    response.set_cookie(
        SESSION_COOKIE,
        new.token,
        max_age=int(ttl.total_seconds()),
        path="/",
        secure=settings.cookie_secure,
        httponly=True,
        samesite="lax",
    )
    response.headers["Cache-Control"] = "no-store"
    return LoginAnswer(
        account=Account.of(info), csrf_token=new.csrf_token, expires_at=new.expires_at
    )


@router.delete(
    "/session",
    status_code=204,
    response_class=Response,
    dependencies=[allow(*AUTHENTICATED)],
    responses={
        400: problem_doc("调用者以 API 密钥认证，没有会话 (an API key caller has no session)"),
        401: problem_doc("未登录 (not logged in)"),
        403: problem_doc("缺少 X-CSRF-Token 或不匹配 (missing or wrong X-CSRF-Token)"),
    },
    summary="退出登录 (log out)",
    description="结束调用者的会话并清除 Cookie；须带 `X-CSRF-Token` 头。\n\n"
    "End the caller's session and clear the cookie; needs the `X-CSRF-Token` header.",
)
def logout(
    request: Request,
    store: Store,
    principal: Annotated[Principal, Depends(current_principal)],
) -> Response:
    if principal.session_id is None:
        raise HTTPException(
            status_code=400,
            detail="以 API 密钥调用时没有会话可结束；吊销密钥请用 credit-yrd key revoke (an API key "
            "caller has no session to end; revoke keys with credit-yrd key revoke)",
        )
    with transaction(store) as conn:
        end_session(conn, request.cookies.get(SESSION_COOKIE), clock=clock_of(request))
    answer = Response(status_code=204)
    answer.delete_cookie(
        SESSION_COOKIE,
        path="/",
        secure=settings_of(request.app).cookie_secure,
        httponly=True,
        samesite="lax",
    )
    return answer


@router.get(
    "/me",
    response_model=Me,
    dependencies=[allow(*AUTHENTICATED)],
    responses={401: problem_doc("未登录且未提供有效的 API 密钥 (no session and no valid API key)")},
    summary="我是谁 (who am I)",
    description="调用者的角色、在访问日志中的名字与所代表的范围（省份、领域、来源、主体），"
    "API 密钥与登录账户皆可。\n\n"
    "The caller's role, its name in the access log and the scope it stands for (province, "
    "domain, source, subject); for API keys and accounts alike.",
)
def me(store: Store, principal: Annotated[Principal, Depends(current_principal)]) -> Me:
    display_name: str | None = None
    subject: SubjectRef | None = None
    if principal.account_id is not None or principal.subject_id is not None:
        with store.connect() as conn:
            if principal.account_id is not None:
                info = get_account(conn, principal.account_id)
                display_name = info.display_name if info is not None else None
            if principal.subject_id is not None:
                row: Any = conn.execute(
                    select(subjects.c.id, subjects.c.name, subjects.c.uscc).where(
                        subjects.c.id == principal.subject_id
                    )
                ).first()
                if row is not None:
                    subject = SubjectRef(id=int(row.id), name=row.name, uscc=row.uscc)
    return Me(
        role=principal.role,
        actor=principal.actor,
        via="api_key" if principal.key_id is not None else "session",
        label=principal.label,
        display_name=display_name,
        province=principal.province,
        domain=principal.domain,
        source=principal.source,
        subject=subject,
    )
