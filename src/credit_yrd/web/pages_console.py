"""``/console``: the department console of the joint-action loop (部门控制台).

A logged-in department (its province and domain) sees here:

- a form to propose a listing on a list its domain may decide (the subject is then notified and
  has the objection window before the listing takes effect);
- its proposals and entries with their status and every dated step, and the objections it must
  answer (uphold or accept, with a reply);
- the actions pushed to it (its own subscriptions): what awaits feedback, overdue first, with a
  feedback form (applied, not applicable, exempted — with a reason);
- a check form (subject codes and a business scenario) answering with the measures that apply and
  why. A check made here is logged like one through the API: it is the evidence that the measure
  was considered (执行).

Every state change is a POST carrying the session's CSRF token; bad input comes back on the page
with the field named and the rule broken (status 400), never as an error page. Showing the console
writes one row to the access log (it shows proposals and objections, which are not public).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.engine import Connection

from credit_yrd.auth.principal import Principal
from credit_yrd.checks.engine import ActiveIndex, CheckRequestError, SubjectResult, check_codes
from credit_yrd.checks.log import record_check
from credit_yrd.clock import Clock
from credit_yrd.errors import CreditYrdError
from credit_yrd.i18n import pick
from credit_yrd.ledger.audit import Reader, log_read
from credit_yrd.lists import lifecycle
from credit_yrd.measures.feedback import record_feedback
from credit_yrd.privacy import PersonalDataVault
from credit_yrd.store.engine import transaction
from credit_yrd.store.schema import list_entries
from credit_yrd.store.subjects import find_subject
from credit_yrd.web import console, joint, state
from credit_yrd.web.errors import PageRedirect, not_found
from credit_yrd.web.page_helpers import (
    FormState,
    posted_fields,
    principal_of,
    status_of,
    threaded,
)
from credit_yrd.web.render import render
from credit_yrd.web.routing import PageRoute
from credit_yrd.web.session import (
    Access,
    Visitor,
    page_access,
)

router = APIRouter(route_class=PageRoute, include_in_schema=False)

Department = Annotated[Visitor, page_access(Access.DEPARTMENT)]
CONSOLE_PURPOSE = "部门控制台：本部门的名单提议、异议和待执行措施 (department console)"
#: Most codes the console's check form takes (the API takes 10,000).
CONSOLE_CHECK_CODES = 200
MAX_ID = 2**63 - 1
_SPLIT = re.compile(r"[\s,，;；、]+")
#: What a successful POST says on the console it returns to (``?done=``).
DONE: dict[str, tuple[str, str]] = {
    "proposed": (
        "已提出列入并告知主体；异议期届满后生效。",
        "Proposed and notified: the listing takes effect when the objection window has passed.",
    ),
    "answered": ("已答复异议。", "The objection has been answered."),
    "feedback": ("已记录反馈。", "The feedback has been recorded."),
}


@dataclass
class CheckOutcome:
    scenario: str
    results: list[SubjectResult]
    check_id: int


def _number(text: str) -> int:
    if not text.isascii() or not text.isdigit() or len(text) > 19 or not 1 <= int(text) <= MAX_ID:
        raise not_found("没有该条目", "no such item")
    return int(text)


def _scenarios(request: Request, lang: str) -> list[tuple[str, str]]:
    return present_codes(request, "scenario", lang)


def present_codes(request: Request, code_list: str, lang: str) -> list[tuple[str, str]]:
    found = state.standard(request).code_lists.get(code_list)
    if found is None:
        return []
    return [(e.code, pick(e.label_zh, e.label_en, lang)) for e in found.ordered()]


def _page(
    request: Request,
    visitor: Visitor,
    *,
    status: int = 200,
    propose: FormState | None = None,
    answer: FormState | None = None,
    feedback: FormState | None = None,
    check: FormState | None = None,
    outcome: CheckOutcome | None = None,
) -> HTMLResponse:
    principal = principal_of(visitor)
    standard = state.standard(request)
    clock = state.clock(request)
    today = clock.today()
    with transaction(state.engine(request)) as conn:
        console.take_pulled(conn, principal, clock)
        data = console.console_data(conn, principal, standard, today)
        _log_shown(conn, principal, data, action=f"portal {request.url.path}", clock=clock)
    done = request.query_params.get("done")
    lang = visitor.lang
    return render(
        request,
        "console.html",
        status=status,
        title=pick("部门控制台", "Department console", lang),
        data=data,
        principal=principal,
        propose=propose or FormState(),
        answer=answer or FormState(),
        feedback=feedback or FormState(),
        check=check or FormState(values={"scenario": "government_procurement"}),
        outcome=outcome,
        done=pick(*DONE[done], lang) if done in DONE else None,
        scenarios=_scenarios(request, lang),
        domain_label=dict(present_codes(request, "domain", lang)).get(
            principal.domain or "", principal.domain or "—"
        ),
        status_label=lambda c: joint.label(joint.ENTRY_STATUS_LABELS, c, lang),
        event_label=lambda c: joint.label(joint.EVENT_LABELS, c, lang),
        removal_label=lambda c: joint.label(joint.REMOVAL_LABELS, c, lang),
        feedback_label=lambda c: joint.label(joint.FEEDBACK_LABELS, c, lang),
        nature_label=lambda c: joint.label(joint.NATURE_LABELS, c, lang),
        list_label=lambda c: _list_label(request, c, lang),
        measure_label=lambda c: _measure_label(request, c, lang),
        period_words=lambda p: joint.period_words(p, lang),
    )


def _log_shown(
    conn: Connection,
    principal: Principal,
    data: console.ConsoleData,
    *,
    action: str,
    clock: Clock,
) -> None:
    """One access-log row per subject the console shows (its entries and its actions), with the
    records behind them, so that each subject sees that the department read its entry."""
    shown: dict[int, set[int]] = {}
    for view in data.entries:
        ids = shown.setdefault(view.entry.subject_id, set())
        if view.entry.record_id is not None:
            ids.add(view.entry.record_id)
    entry_ids = sorted({a.entry_id for a in (*data.pending, *data.answered)})
    if entry_ids:
        rows = conn.execute(
            select(list_entries.c.subject_id, list_entries.c.record_id).where(
                list_entries.c.id.in_(entry_ids)
            )
        )
        for row in rows:
            ids = shown.setdefault(int(row.subject_id), set())
            if row.record_id is not None:
                ids.add(int(row.record_id))
    reader = Reader.for_principal(principal, CONSOLE_PURPOSE)
    for subject_id in sorted(shown):
        log_read(
            conn,
            reader,
            subject_id=subject_id,
            record_ids=shown[subject_id],
            action=action,
            clock=clock,
        )


def _list_label(request: Request, code: str, lang: str) -> str:
    found = state.standard(request).lists.get(code)
    return found.label(lang) if found is not None else code


def _measure_label(request: Request, code: str, lang: str) -> str:
    found = state.standard(request).measures.get(code)
    return found.label(lang) if found is not None else code


@router.get("/console", response_class=HTMLResponse)
def console_page(request: Request, visitor: Department) -> HTMLResponse:
    return _page(request, visitor)


# --- propose -----------------------------------------------------------------------------------


def _propose(request: Request, visitor: Visitor, fields: dict[str, str]) -> HTMLResponse:
    lang = visitor.lang
    principal = principal_of(visitor)
    standard = state.standard(request)
    form = FormState(
        values={
            k: fields.get(k, "").strip()
            for k in ("list_code", "subject", "reason", "legal_basis", "decision_number", "ends_on")
        }
    )
    errors = joint.new_errors(lang)
    code = form.values["list_code"]
    definition = standard.lists.get(code) if joint.valid_list_code(code) else None
    if not code:
        errors.add("list_code", "请选择名单", "choose a list")
    elif definition is None:
        errors.add("list_code", f"没有名单“{code[:40]}”", f"no list {code[:40]!r}")
    elif principal.domain not in definition.deciding_domains:
        errors.add(
            "list_code",
            "本部门所在领域不能认定该名单",
            "your department's domain may not decide this list",
        )
    subject_code = form.values["subject"].replace(" ", "")
    if not subject_code:
        errors.add("subject", "请填写主体的统一社会信用代码", "enter the subject's USCC")
    elif not joint.valid_subject_code(subject_code):
        errors.add(
            "subject",
            "统一社会信用代码只能含数字和字母",
            "a USCC has only digits and letters",
        )
    reason = joint.required_text(errors, form.values, "reason", "列入事由", "the reason", 4000)
    basis = joint.required_text(
        errors, form.values, "legal_basis", "认定依据", "the legal basis", 2000
    )
    decision = form.values["decision_number"]
    if len(decision) > 128:
        errors.add(
            "decision_number",
            "认定文书号不能超过 128 个字符",
            "the decision number must be at most 128 characters",
        )
    ends_text = form.values["ends_on"]
    ends_on = joint.parse_day(ends_text)
    if ends_text and ends_on is None:
        errors.add(
            "ends_on",
            "在列截止日期应为 YYYY-MM-DD 形式的日期",
            "the last day listed must be a date written YYYY-MM-DD",
        )
    if definition is not None and definition.period is None and ends_on is None and not ends_text:
        errors.add(
            "ends_on",
            "该名单没有统一的在列期限，请填写在列截止日期",
            "this list has no set period: enter the last day listed",
        )
    if errors:
        form.errors = errors.by_field
        return _page(request, visitor, status=400, propose=form)
    clock = state.clock(request)
    entry_id: int | None = None
    try:
        with transaction(state.engine(request)) as conn:
            subject = find_subject(conn, subject_code)
            if subject is not None:
                entry_id = lifecycle.propose(
                    conn,
                    standard=standard,
                    clock=clock,
                    principal=principal,
                    list_code=code,
                    subject_id=int(subject.id),
                    reason=reason,
                    legal_basis=basis,
                    decision_number=decision or None,
                    ends_on=ends_on,
                ).id
    except CreditYrdError as exc:
        form.message = exc.message(lang)
        return _page(request, visitor, status=status_of(exc), propose=form)
    if entry_id is None:
        form.errors = {
            "subject": pick(
                f"平台上没有代码为 {subject_code[:40]} 的主体",
                f"no subject has the code {subject_code[:40]}",
                lang,
            )
        }
        return _page(request, visitor, status=400, propose=form)
    raise PageRedirect(f"/console?done=proposed#entry-{entry_id}")


@router.post("/console/proposals", response_class=HTMLResponse)
async def propose_page(request: Request, visitor: Department) -> HTMLResponse:
    fields = await posted_fields(request, visitor)
    return await threaded(_propose, request, visitor, fields)


# --- answer an objection -----------------------------------------------------------------------


def _answer(
    request: Request, visitor: Visitor, entry_id: int, fields: dict[str, str]
) -> HTMLResponse:
    lang = visitor.lang
    form = FormState(
        values={k: fields.get(k, "").strip() for k in ("decision", "reply")},
        target=entry_id,
    )
    errors = joint.new_errors(lang)
    decision = form.values["decision"]
    if decision not in ("uphold", "accept"):
        errors.add(
            "decision",
            "请选择维持列入或采纳异议",
            "choose whether to uphold the listing or accept the objection",
        )
    reply = joint.required_text(errors, form.values, "reply", "答复意见", "the reply", 2000)
    if errors:
        form.errors = errors.by_field
        return _page(request, visitor, status=400, answer=form)
    try:
        with transaction(state.engine(request)) as conn:
            lifecycle.answer_objection(
                conn,
                clock=state.clock(request),
                principal=principal_of(visitor),
                entry_id=entry_id,
                upheld=decision == "uphold",
                reply=reply,
            )
    except CreditYrdError as exc:
        form.message = exc.message(lang)
        return _page(request, visitor, status=status_of(exc), answer=form)
    raise PageRedirect(f"/console?done=answered#entry-{entry_id}")


@router.post("/console/entries/{entry_id}/answer", response_class=HTMLResponse)
async def answer_page(request: Request, visitor: Department, entry_id: str) -> HTMLResponse:
    number = _number(entry_id)
    fields = await posted_fields(request, visitor)
    return await threaded(_answer, request, visitor, number, fields)


# --- feedback on an action ---------------------------------------------------------------------


def _feedback(
    request: Request, visitor: Visitor, action_id: int, fields: dict[str, str]
) -> HTMLResponse:
    lang = visitor.lang
    form = FormState(
        values={k: fields.get(k, "").strip() for k in ("outcome", "reason")},
        target=action_id,
    )
    errors = joint.new_errors(lang)
    outcome = form.values["outcome"]
    if outcome not in joint.FEEDBACK_LABELS:
        errors.add(
            "outcome",
            "请选择反馈结果：已实施、不适用或依法豁免",
            "choose an outcome: applied, not applicable or exempted",
        )
    reason = form.values["reason"]
    if outcome in ("not_applicable", "exempted") and not reason:
        errors.add(
            "reason",
            "选择不适用或依法豁免时须说明理由",
            "a reason is required when the measure is not applicable or exempted",
        )
    if errors:
        form.errors = errors.by_field
        return _page(request, visitor, status=400, feedback=form)
    try:
        with transaction(state.engine(request)) as conn:
            record_feedback(
                conn,
                clock=state.clock(request),
                principal=principal_of(visitor),
                action_id=action_id,
                outcome=outcome,
                reason=reason or None,
            )
    except CreditYrdError as exc:
        form.message = exc.message(lang)
        return _page(request, visitor, status=status_of(exc), feedback=form)
    raise PageRedirect(f"/console?done=feedback#action-{action_id}")


@router.post("/console/actions/{action_id}/feedback", response_class=HTMLResponse)
async def feedback_page(request: Request, visitor: Department, action_id: str) -> HTMLResponse:
    number = _number(action_id)
    fields = await posted_fields(request, visitor)
    return await threaded(_feedback, request, visitor, number, fields)


# --- check -------------------------------------------------------------------------------------


def _vault(request: Request) -> PersonalDataVault | None:
    try:
        return PersonalDataVault.from_settings(state.settings(request))
    except (CreditYrdError, ValueError, OSError):
        return None


def _shared_index(request: Request) -> ActiveIndex | None:
    """The app's in-memory index of listed entries when the API has made one for this standard
    (the console's checks are small: without one they read the entries afresh)."""
    found = getattr(request.app.state, "check_index", None)
    if isinstance(found, ActiveIndex) and found.standard is state.standard(request):
        return found
    return None


def _check(request: Request, visitor: Visitor, fields: dict[str, str]) -> HTMLResponse:
    lang = visitor.lang
    form = FormState(values={k: fields.get(k, "").strip()[:8000] for k in ("codes", "scenario")})
    errors = joint.new_errors(lang)
    codes = [c for c in _SPLIT.split(form.values["codes"]) if c]
    scenario = form.values["scenario"]
    if not codes:
        errors.add("codes", "请填写至少一个主体代码", "enter at least one subject code")
    elif len(codes) > CONSOLE_CHECK_CODES:
        errors.add(
            "codes",
            f"此处一次最多核查 {CONSOLE_CHECK_CODES} 个代码（批量请用核查接口），收到 {len(codes)} 个",
            f"at most {CONSOLE_CHECK_CODES} codes here (use the check API for batches); "
            f"got {len(codes)}",
        )
    known = dict(_scenarios(request, lang))
    if scenario not in known:
        errors.add("scenario", "请选择业务场景", "choose a business scenario")
    if errors:
        form.errors = errors.by_field
        return _page(request, visitor, status=400, check=form)
    clock = state.clock(request)
    principal = principal_of(visitor)
    try:
        with transaction(state.engine(request)) as conn:
            results = check_codes(
                conn,
                codes=codes,
                scenario=scenario,
                on=clock.today(),
                standard=state.standard(request),
                index=_shared_index(request),
                vault=_vault(request),
            )
            check_id = record_check(
                conn, clock=clock, principal=principal, scenario=scenario, results=results
            )
    except CheckRequestError as exc:
        form.errors = {"codes": exc.message(lang)}
        return _page(request, visitor, status=400, check=form)
    form.values["codes"] = "\n".join(r.code for r in results if r.code)
    return _page(
        request,
        visitor,
        check=form,
        outcome=CheckOutcome(scenario=scenario, results=results, check_id=int(check_id)),
    )


@router.post("/console/check", response_class=HTMLResponse)
async def check_page(request: Request, visitor: Department) -> HTMLResponse:
    fields = await posted_fields(request, visitor)
    return await threaded(_check, request, visitor, fields)
