"""``/office/joint``: the credit office's dashboard of the joint-action loop (发起 → 推送 → 执行 →
反馈).

Per province of the implementing department, per department and per measure: how many actions
were initiated, pushed (delivered by webhook or pulled), executed (returned by a check), fed back
(and how: applied, not applicable, exempted), lifted, overdue, and deliveries given up
(:func:`credit_yrd.measures.figures.joint_figures`). A provincial credit office sees its province
only; the regional office the whole region.

The tables carry every number and need no JavaScript. The charts (Apache ECharts, served from
``/static``) read the same numbers from a JSON block (``<script type="application/json">``, which
the browser never runs) through a static script, so the page keeps the strict
``default-src 'self'`` policy with no inline script.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from credit_yrd.i18n import pick
from credit_yrd.measures.figures import COUNTS, joint_figures
from credit_yrd.web import joint, state
from credit_yrd.web.errors import PageError
from credit_yrd.web.render import render
from credit_yrd.web.routing import PageRoute
from credit_yrd.web.session import Access, Visitor, page_access

router = APIRouter(route_class=PageRoute, include_in_schema=False, prefix="/office")

Office = Annotated[Visitor, page_access(Access.CREDIT_OFFICE)]
#: The stages the charts draw, in the loop's order, with their labels.
STAGES: dict[str, tuple[str, str]] = {
    "initiated": ("发起", "initiated"),
    "pushed": ("推送", "pushed"),
    "executed": ("执行", "executed"),
    "fed_back": ("反馈", "fed back"),
    "overdue": ("逾期未反馈", "overdue"),
}
#: Every column the tables show, with its label.
COLUMNS: dict[str, tuple[str, str]] = {
    **STAGES,
    "applied": ("已实施", "applied"),
    "not_applicable": ("不适用", "not applicable"),
    "exempted": ("豁免", "exempted"),
    "lifted": ("已解除", "lifted"),
    "given_up": ("推送失败", "delivery given up"),
}
#: How far back the ``on`` parameter may go.
EARLIEST = dt.date(2000, 1, 1)


def _sum(rows: list[dict[str, Any]], keys: tuple[str, ...]) -> list[dict[str, Any]]:
    """Rows added up per ``keys`` (a department over its measures, a measure over provinces)."""
    grouped: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        key = tuple(row[k] for k in keys)
        slot = grouped.setdefault(key, {**{k: row[k] for k in keys}, **dict.fromkeys(COUNTS, 0)})
        for name in COUNTS:
            slot[name] += int(row[name])
    return [grouped[k] for k in sorted(grouped)]


def chart_json(data: dict[str, Any]) -> Markup:
    """JSON for a ``<script type="application/json">`` block: ``<``, ``>`` and ``&`` escaped so
    that no text in it can end the block."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


def _on(text: str | None, today: dt.date) -> dt.date:
    if not text:
        return today
    day = joint.parse_day(text)
    if day is None or not EARLIEST <= day <= today:
        raise PageError(
            400,
            f"on 应为 {EARLIEST.isoformat()} 至今天之间 YYYY-MM-DD 形式的日期",
            f"on must be a date written YYYY-MM-DD between {EARLIEST.isoformat()} and today",
        )
    return day


@router.get("/joint", response_class=HTMLResponse)
def joint_dashboard(request: Request, visitor: Office, on: str | None = None) -> HTMLResponse:
    assert visitor.principal is not None
    lang = visitor.lang
    standard = state.standard(request)
    day = _on(on, state.today(request))
    province = visitor.principal.province
    with state.engine(request).connect() as conn:
        figures = joint_figures(conn, on=day, province=province, standard=standard)
        rows: list[dict[str, Any]] = figures["rows"]
    labels_of = {code: m.label(lang) for code, m in standard.measures.items()}
    by_department = _sum(rows, ("province", "department", "domain"))
    by_measure = _sum(rows, ("measure_code",))
    province_labels = {
        p["province"]: _province(request, p["province"], lang) for p in figures["by_province"]
    }
    stage_names = [pick(zh, en, lang) for zh, en in STAGES.values()]
    charts = {
        "stages": list(STAGES),
        "stageLabels": stage_names,
        "funnel": {
            "labels": stage_names[:4],
            "values": [figures["totals"][k] for k in list(STAGES)[:4]],
            "title": pick("联合奖惩闭环", "The joint-action loop", lang),
        },
        "byProvince": {
            "title": pick(
                "各省（实施部门所在地）", "Per province (of the implementing department)", lang
            ),
            "categories": [province_labels[p["province"]] for p in figures["by_province"]],
            "series": {k: [p[k] for p in figures["by_province"]] for k in STAGES},
        },
        "byMeasure": {
            "title": pick("各项措施", "Per measure", lang),
            "categories": [labels_of.get(m["measure_code"], m["measure_code"]) for m in by_measure],
            "series": {k: [m[k] for m in by_measure] for k in STAGES},
        },
    }
    return render(
        request,
        "office_joint.html",
        title=pick("联合奖惩工作台", "Joint rewards and punishments", lang),
        figures=figures,
        day=day,
        scope=_province(request, province, lang)
        if province
        else pick("全区域", "whole region", lang),
        rows=rows,
        by_department=by_department,
        by_measure=by_measure,
        province_labels=province_labels,
        measure_label=lambda c: labels_of.get(c, c),
        domain_label=lambda c: _domain(request, c, lang),
        columns=[(k, pick(zh, en, lang)) for k, (zh, en) in COLUMNS.items()],
        chart_data=chart_json(charts),
    )


def _province(request: Request, code: str | None, lang: str) -> str:
    from credit_yrd.web.present import Labels

    return Labels(state.standard(request), lang).province(code)


def _domain(request: Request, code: str | None, lang: str) -> str:
    found = state.standard(request).code_lists.get("domain")
    if code and found is not None and found.is_valid(code):
        entry = found.entry(code)
        return pick(entry.label_zh, entry.label_en, lang)
    return code or "—"
