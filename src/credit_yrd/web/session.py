"""Who visits a page, and what each page lets in.

Page routes are not under ``/api``, so the API's access declarations do not cover them: every page
declares its own audience with :func:`page_access` (a test walks the portal's routes and refuses
any that does not). The visitor comes from the session cookie (:mod:`credit_yrd.auth.sessions`);
an anonymous visitor asking for a page that needs a login is sent to ``/login``, a logged-in one
without the role sees a 403 page.

CSRF: forms after login carry the session's CSRF token (:func:`check_session_csrf`); the login form
has no session yet and carries a random token that must match the ``cyrd_login`` cookie (double
submit, :func:`new_login_token` / :func:`check_login_token`). Every form POST must also come from
this origin when the browser says where it comes from (:func:`check_same_origin`).
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

from fastapi import Depends, Request
from fastapi.routing import APIRoute

from credit_yrd.auth.principal import Principal
from credit_yrd.auth.roles import Role
from credit_yrd.auth.sessions import SESSION_COOKIE, lookup_session
from credit_yrd.web import state
from credit_yrd.web.errors import PageError, PageRedirect
from credit_yrd.web.lang import chosen_lang

ACCESS_ATTR = "__credit_yrd_page_access__"
LOGIN_CSRF_COOKIE = "cyrd_login"
#: Longest form body a page reads (the login form is a few hundred bytes).
MAX_FORM_BYTES = 16_384
MAX_FORM_FIELDS = 20
#: Roles that read the authority view of files (with a stated purpose, logged).
AUTHORITY_ROLES = frozenset({Role.DEPARTMENT, Role.CREDIT_OFFICE})


class Access(StrEnum):
    """Who may open a page."""

    PUBLIC = "public"
    SIGNED_IN = "signed_in"
    CREDIT_OFFICE = "credit_office"
    SUBJECT = "subject"
    DEPARTMENT = "department"
    #: The handlers of repair and objection cases: a department (with its province and domain)
    #: or a credit office.
    HANDLER = "handler"


@dataclass(frozen=True)
class Visitor:
    """The person looking at a page: the language, and the session's principal if logged in."""

    lang: str
    principal: Principal | None = None
    csrf_token: str | None = None

    @property
    def signed_in(self) -> bool:
        return self.principal is not None

    @property
    def role(self) -> Role:
        return self.principal.role if self.principal is not None else Role.PUBLIC

    @property
    def is_authority(self) -> bool:
        return self.role in AUTHORITY_ROLES

    @property
    def name(self) -> str:
        return self.principal.label if self.principal is not None else ""


def current_visitor(request: Request) -> Visitor:
    """The visitor of this request (cached on ``request.state``)."""
    known = getattr(request.state, "visitor", None)
    if isinstance(known, Visitor):
        return known
    lang, _ = chosen_lang(request)
    visitor = Visitor(lang)
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        with state.engine(request).connect() as conn:
            info = lookup_session(conn, token, clock=state.clock(request))
        if info is not None:
            visitor = Visitor(lang, info.principal, info.csrf_token)
    request.state.visitor = visitor
    return visitor


def login_url(request: Request) -> str:
    target = request.url.path
    if request.url.query:
        target += "?" + request.url.query
    return "/login?next=" + quote(target, safe="")


def _check(access: Access, visitor: Visitor, request: Request) -> None:
    if access is Access.PUBLIC:
        return
    if visitor.principal is None:
        raise PageRedirect(login_url(request))
    if access is Access.CREDIT_OFFICE and visitor.role is not Role.CREDIT_OFFICE:
        raise PageError(
            403, "此页面仅限信用办账户访问", "only credit office accounts may open this page"
        )
    if access is Access.DEPARTMENT and (
        visitor.role is not Role.DEPARTMENT
        or not visitor.principal.province
        or not visitor.principal.domain
    ):
        raise PageError(
            403,
            "此页面仅限政务部门账户访问",
            "only department accounts may open this page",
        )
    if access is Access.HANDLER and not (
        visitor.role is Role.CREDIT_OFFICE
        or (
            visitor.role is Role.DEPARTMENT
            and bool(visitor.principal.province)
            and bool(visitor.principal.domain)
        )
    ):
        raise PageError(
            403,
            "此页面仅限政务部门和信用办账户访问",
            "only department and credit office accounts may open this page",
        )
    if access is Access.SUBJECT and (
        visitor.role is not Role.SUBJECT or visitor.principal.subject_id is None
    ):
        raise PageError(
            403,
            "此页面仅限信用主体本人的账户访问",
            "only a subject's own account may open this page",
        )


def page_access(access: Access) -> Any:
    """The dependency every page declares: checks the visitor against ``access`` and returns it."""

    def guard(request: Request) -> Visitor:
        visitor = current_visitor(request)
        _check(access, visitor, request)
        return visitor

    setattr(guard, ACCESS_ATTR, access)
    return Depends(guard)


def route_access(route: APIRoute) -> Access | None:
    """The audience a page route declares, or ``None`` when it declares none."""
    for dep in route.dependant.dependencies:
        found = getattr(dep.call, ACCESS_ATTR, None)
        if found is not None:
            return Access(found)
    return None


# --- forms -------------------------------------------------------------------------------------


async def form_fields(request: Request) -> dict[str, str]:
    """The fields of a URL-encoded form POST (first value of each); 400/415 for anything else."""
    declared = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if declared != "application/x-www-form-urlencoded":
        raise PageError(415, "表单格式不受支持", "unsupported form encoding")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise PageError(413, "表单内容过长", "the form is too large")
    try:
        pairs = parse_qsl(
            body.decode("utf-8"),
            keep_blank_values=True,
            strict_parsing=False,
            max_num_fields=MAX_FORM_FIELDS,
        )
    except (UnicodeDecodeError, ValueError):
        raise PageError(400, "无法读取表单", "the form cannot be read") from None
    fields: dict[str, str] = {}
    for key, value in pairs:
        fields.setdefault(key, value.replace("\x00", ""))
    return fields


def check_same_origin(request: Request) -> None:
    """Refuse a POST whose Origin (or Referer) names another site."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    if not origin or origin == "null":
        return
    parts = urlsplit(origin)
    host = request.headers.get("host", "")
    if parts.netloc != host:
        raise PageError(
            403,
            "请求来源与本站不符，已拒绝",
            "the request comes from another site and was refused",
        )


def _same(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


def check_session_csrf(visitor: Visitor, submitted: str | None) -> None:
    if visitor.csrf_token is None or not _same(visitor.csrf_token, submitted):
        raise PageError(
            403,
            "表单已失效，请返回页面后重试",
            "the form has expired; go back, reload the page and try again",
        )


def new_login_token() -> str:
    return secrets.token_urlsafe(32)


def check_login_token(request: Request, submitted: str | None) -> None:
    if not _same(request.cookies.get(LOGIN_CSRF_COOKIE), submitted):
        raise PageError(
            403,
            "登录表单已失效，请刷新页面后重试",
            "the login form has expired; reload the page and try again",
        )


def safe_next(target: str | None) -> str | None:
    """A local path to go to after login, or ``None`` for anything that could leave the site."""
    if not target or len(target) > 2000:
        return None
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(ord(ch) < 32 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
