"""Rendering a page: the Jinja2 environment (autoescape on), what every page shows (language switch,
the visitor, the data date in the footer), and the headers every page carries (a strict
Content-Security-Policy: everything comes from this server).

Public pages are rendered with :data:`_PUBLIC_ENV`, whose ``finalize`` passes every value a
template prints through :func:`credit_yrd.ledger.files.scrub_resident_ids`: the ledger's public
view already masks personal identifiers, and this second net masks any valid 18-character resident
ID number that still reaches a public page in free text. Only pages showing a non-public view to
its authorised reader (an authority with a stated purpose, a subject's own file) use the trusted
environment.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException

from credit_yrd import __version__
from credit_yrd.clock import CHINA_TZ
from credit_yrd.i18n import pick
from credit_yrd.ledger.files import scrub_resident_ids
from credit_yrd.web import present, state
from credit_yrd.web.figures import data_date
from credit_yrd.web.lang import LANG_COOKIE, LANG_COOKIE_MAX_AGE, chosen_lang, html_lang, switch_url
from credit_yrd.web.session import Visitor

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}

_log = logging.getLogger(__name__)


def format_datetime(value: dt.datetime | None) -> str:
    """A time as people in the region read it (China Standard Time), to the minute."""
    if value is None:
        return "—"
    if value.tzinfo is not None:
        value = value.astimezone(CHINA_TZ)
    return value.strftime("%Y-%m-%d %H:%M")


def _scrub(value: Any) -> Any:
    if isinstance(value, Markup):
        return Markup(scrub_resident_ids(str(value)))
    if isinstance(value, str):
        return scrub_resident_ids(value)
    return value


def _environment(finalize: Any = None) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=finalize,
    )
    env.filters["num"] = lambda n: f"{int(n):,}" if n is not None else "—"
    env.filters["when"] = format_datetime
    env.filters["day"] = lambda d: d.isoformat() if d is not None else "—"
    return env


_PUBLIC_ENV = _environment(_scrub)
_TRUSTED_ENV = _environment()


def _data_date(request: Request) -> dt.date | None:
    try:
        with state.engine(request).connect() as conn:
            return data_date(conn)
    except (SQLAlchemyError, HTTPException) as exc:
        _log.warning("data date unavailable: %s", exc)
        return None


def render(
    request: Request,
    template: str,
    *,
    status: int = 200,
    trusted: bool = False,
    title: str | None = None,
    **context: Any,
) -> HTMLResponse:
    """The page ``template`` for this request's visitor.

    ``trusted`` pages (a non-public view for its authorised reader) skip the resident-ID net.
    """
    lang, from_query = chosen_lang(request)
    known = getattr(request.state, "visitor", None)
    visitor = known if isinstance(known, Visitor) else Visitor(lang)
    standard = state.standard(request)

    def t(zh: str, en: str) -> str:
        return pick(zh, en, lang)

    env = _TRUSTED_ENV if trusted else _PUBLIC_ENV
    html = env.get_template(template).render(
        lang=lang,
        html_lang=html_lang(lang),
        t=t,
        title=title,
        visitor=visitor,
        switch_url=switch_url(request, "en" if lang == "zh" else "zh"),
        path=request.url.path,
        data_date=_data_date(request),
        today=state.today(request),
        version=__version__,
        standard_version=standard.version,
        labels=present.Labels(standard, lang),
        **context,
    )
    response = HTMLResponse(html, status_code=status)
    for name, value in PAGE_HEADERS.items():
        response.headers[name] = value
    if visitor.signed_in:
        response.headers["Cache-Control"] = "no-store"
    if from_query:
        response.set_cookie(
            LANG_COOKIE,
            lang,
            max_age=LANG_COOKIE_MAX_AGE,
            httponly=True,
            samesite="lax",
            secure=state.settings(request).cookie_secure,
        )
    return response


def error_page(request: Request, status: int, message_zh: str, message_en: str) -> HTMLResponse:
    lang, _ = chosen_lang(request)
    return render(
        request,
        "error.html",
        status=status,
        title=pick(message_zh, message_en, lang),
        status_code=status,
        message=pick(message_zh, message_en, lang),
    )
