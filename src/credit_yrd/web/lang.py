"""The visitor's language: ``?lang=zh|en`` on any page chooses it (and the page keeps it in the
``cyrd_lang`` cookie); otherwise the cookie; otherwise the ``lang`` setting (Chinese by default)."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import Request

from credit_yrd.i18n import LANGS
from credit_yrd.web import state

LANG_COOKIE = "cyrd_lang"
LANG_COOKIE_MAX_AGE = 365 * 24 * 3600


def chosen_lang(request: Request) -> tuple[str, bool]:
    """The language of this request, and whether the query chose it (to be kept in the cookie)."""
    asked = request.query_params.get("lang")
    if asked in LANGS:
        return asked, True
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie in LANGS:
        return cookie, False
    fallback = state.settings(request).lang
    return (fallback if fallback in LANGS else "zh"), False


def switch_url(request: Request, lang: str) -> str:
    """This page in ``lang``: its path and query with ``lang`` replaced."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    params.append(("lang", lang))
    return request.url.path + "?" + urlencode(params)


def html_lang(lang: str) -> str:
    return "en" if lang == "en" else "zh-CN"
