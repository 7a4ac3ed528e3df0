"""The portal's pages (server-rendered, readable without JavaScript). For now: the home page with
the region's figures; search and credit files come with the credit-file work."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from credit_yrd import __version__
from credit_yrd.i18n import pick
from credit_yrd.standards.loader import get_standard
from credit_yrd.web.figures import figures

TEMPLATES = Path(__file__).parent / "templates"
_env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))

SUBJECT_TYPES = {
    "legal_person": ("企业法人", "enterprise"),
    "individual_business": ("个体工商户", "individual business"),
    "organisation": ("社会组织", "social organisation"),
    "public_body": ("机关事业单位", "public body"),
    "natural_person": ("自然人", "natural person"),
}

router = APIRouter(include_in_schema=False)


def _engine(request: Request) -> Any:
    # The app that mounts these pages says how to reach the store (app.state.store_engine).
    return request.app.state.store_engine()


@router.get("/", response_class=HTMLResponse)
def home(request: Request, lang: str | None = Query(default=None, pattern="^(zh|en)$")) -> str:
    settings = request.app.state.settings
    chosen = lang or settings.lang
    standard = get_standard(settings.standard_version)
    with _engine(request).connect() as conn:
        data = figures(conn)

    def t(zh: str, en: str) -> str:
        return pick(zh, en, chosen)

    def kind_label(kind: str) -> str:
        if kind in standard.record_kinds:
            return standard.record_kinds[kind].label(chosen)
        return kind

    def subject_label(kind: str) -> str:
        return t(*SUBJECT_TYPES.get(kind, (kind, kind)))

    return _env.get_template("home.html").render(
        lang=chosen,
        t=t,
        f=data,
        total_subjects=sum(data.subjects.values()),
        kind_label=kind_label,
        subject_label=subject_label,
        version=__version__,
        standard_version=standard.version,
    )
