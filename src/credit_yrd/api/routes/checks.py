"""``/api/v1/checks``: the embedded check (嵌入式核查) a department's business system calls at
the moment of its decision, and the evidence it leaves.

``POST /api/v1/checks`` takes one code (``code``) or up to 10,000 (``codes``) and a business
scenario, and answers for each code the joint measures that apply today, with why and until when
(:mod:`credit_yrd.checks.engine`). Departments and credit offices may check in every scenario, a
market institution only in ``financing_credit`` (融资信贷). Every check is logged in ``checks``
before it is answered (:mod:`credit_yrd.checks.log`) and marks the caller's pushed actions of the
returned measures executed. ``GET /api/v1/checks/{check_id}`` reads a logged check back: the
caller's own, or, for a credit office, any check of its province (all, when it is regional).

The hot path is lean: the listed entries come from the app's :class:`ActiveIndex` (refreshed at
most every half second), codes are resolved in batch queries, the log is one insert, and the
answer is serialised once (its shape is still documented by ``response_model``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import threading
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Path, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field, model_validator
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from credit_yrd.api.access import Role, allow
from credit_yrd.api.deps import clock_of, current_principal, settings_of, store_unavailable
from credit_yrd.api.routes.subjects import Lang, Store, problem_doc
from credit_yrd.auth.principal import Principal
from credit_yrd.checks.engine import (
    MAX_CODES,
    ActiveIndex,
    SubjectResult,
    check_codes,
    check_request,
    gc_paused,
)
from credit_yrd.checks.log import get_check, may_read
from credit_yrd.checks.writer import WAIT_SECONDS, CheckLogWriter
from credit_yrd.errors import CreditYrdError
from credit_yrd.privacy import PersonalDataVault
from credit_yrd.standards.loader import get_standard

router = APIRouter(prefix="/checks", tags=["核查 checks"])

#: The one scenario a market institution may check in.
MARKET_SCENARIO = "financing_credit"

_STATE_LOCK = threading.Lock()
#: Checks of at most this many codes run on the event loop; more go to the thread pool.
INLINE_CODES = 20
_log = logging.getLogger(__name__)


#: No code is longer, even written with spaces and hyphens; a longer string is refused (422).
CODE_MAX_CHARS = 64


class CheckRequest(BaseModel):
    """核查请求：一个代码（code）或一批代码（codes），以及业务场景 (one code or many, and the
    business scenario)."""

    code: str | None = Field(
        default=None,
        description="一个主体代码：统一社会信用代码、组织机构代码、注册号或身份证号 (one code)",
        examples=["913205836000373417"],
        max_length=CODE_MAX_CHARS,
    )
    codes: list[Annotated[str, Field(max_length=CODE_MAX_CHARS)]] | None = Field(
        default=None,
        description=f"1 至 {MAX_CODES} 个主体代码 (1 to {MAX_CODES} codes)",
    )
    scenario: str = Field(
        description="业务场景，代码表 scenario，如 government_procurement "
        "(business scenario, code list scenario)",
        examples=["government_procurement"],
        max_length=64,
    )

    @model_validator(mode="after")
    def _one_or_many(self) -> CheckRequest:
        if (self.code is None) == (self.codes is None):
            raise ValueError(
                "须给出 code（一个代码）或 codes（一批代码），二者取一 "
                "(give either code, one code, or codes, a list; not both, not neither)"
            )
        if self.codes is not None and not self.codes:
            raise ValueError("codes 不能为空 (codes must not be empty)")
        return self

    def code_list(self) -> list[str]:
        return [self.code] if self.code is not None else list(self.codes or [])


class EntryWhy(BaseModel):
    """措施适用的原因：名单条目 (why: the list entry)."""

    entry_id: int
    list_code: str
    list_label_zh: str
    list_label_en: str
    list_kind: str | None = Field(description="black 黑名单 / red 红名单")
    authority: str = Field(description="认定部门 (deciding authority)")
    authority_uscc: str | None
    province: str = Field(description="认定部门所在省份 (deciding province)")
    domain: str | None
    decision_number: str | None = Field(description="认定文书号 (decision number)")
    listing_basis: str = Field(description="列入依据 (legal basis of the listing)")
    listed_on: str | None
    ends_on: str | None


class MeasureAnswer(BaseModel):
    """适用的一项措施 (one measure that applies)."""

    measure: str = Field(description="措施代码 (measure code)")
    label_zh: str
    label_en: str
    nature: str = Field(description="punishment 惩戒 / reward 激励")
    memorandum: str | None = Field(description="合作备忘录 (memorandum)")
    legal_basis_zh: str = Field(description="措施依据 (legal basis of the measure)")
    legal_basis_en: str
    implementer_zh: str
    implementer_en: str
    until: str | None = Field(description="适用至（含）；空为未定期限 (last day; null: open)")
    why: EntryWhy


class CodeAnswer(BaseModel):
    """一个代码的核查结果 (the answer for one code)."""

    code: str = Field(description="核查的代码；身份证号脱敏 (the code; ID numbers masked)")
    found: bool
    status: str = Field(description="found 已找到 / unknown 无此主体 / invalid 代码无效")
    subject_id: int | None
    subject_name: str | None
    subject_type: str | None
    uscc: str | None
    via: str | None = Field(description="按何种代码找到 (uscc, org_code, business_reg_no, …)")
    reason: str | None = Field(default=None, description="未找到或无效的原因 (why not found)")
    measures: list[MeasureAnswer] = Field(description="适用的措施；无则为空 (empty: none)")


class CheckAnswer(BaseModel):
    """核查结果，已记入核查日志 (the check's answer; it is logged)."""

    check_id: int = Field(description="核查日志编号：执行留痕 (the check's log id)")
    scenario: str
    on: str = Field(description="核查日期 (the day checked)")
    codes: int
    hits: int = Field(description="有适用措施的代码数 (codes with measures)")
    results: list[CodeAnswer]


class CheckRecordView(BaseModel):
    """核查日志中的一次核查 (a logged check)."""

    check_id: int
    at: str
    on: str
    actor: str
    role: str
    province: str | None
    domain: str | None
    scenario: str
    codes: int
    hits: int
    results: list[dict[str, Any]] = Field(
        description="每个代码：主体编号、返回的名单条目和 [条目, 措施] (per code: subject, "
        "entries and [entry, measure] pairs returned)"
    )


def check_index(app: FastAPI) -> ActiveIndex:
    """The app's index of listed entries (made on first use)."""
    index = getattr(app.state, "check_index", None)
    standard = get_standard()
    if isinstance(index, ActiveIndex) and index.standard is standard:
        return index
    with _STATE_LOCK:
        index = getattr(app.state, "check_index", None)
        if not isinstance(index, ActiveIndex) or index.standard is not standard:
            index = ActiveIndex(standard)
            app.state.check_index = index
    return index


_NO_VAULT = object()


def check_vault(app: FastAPI) -> PersonalDataVault | None:
    """The vault that hashes resident ID numbers (``None`` when the key cannot be had: checks by
    ID number then say so per code)."""
    vault = getattr(app.state, "check_vault", None)
    if isinstance(vault, PersonalDataVault):
        return vault
    if vault is _NO_VAULT:
        return None
    with _STATE_LOCK:
        try:
            made: Any = PersonalDataVault.from_settings(settings_of(app))
        except (CreditYrdError, OSError) as exc:
            _log.error("no personal-data key for checks by ID number: %s", exc)
            made = _NO_VAULT
        app.state.check_vault = made
    return made if isinstance(made, PersonalDataVault) else None


def log_writer(app: FastAPI, store: Engine) -> CheckLogWriter:
    """The app's check-log writer (one per app, made on first use)."""
    writer = getattr(app.state, "check_log_writer", None)
    if isinstance(writer, CheckLogWriter) and writer.engine is store:
        return writer
    with _STATE_LOCK:
        writer = getattr(app.state, "check_log_writer", None)
        if not isinstance(writer, CheckLogWriter) or writer.engine is not store:
            writer = CheckLogWriter(store)
            app.state.check_log_writer = writer
    return writer


def scenario_refused(scenario: str) -> HTTPException:
    return HTTPException(
        status_code=403,
        detail=f"市场机构只能在融资信贷场景（{MARKET_SCENARIO}）核查，不能在 {scenario} 场景核查 "
        f"(a market institution may check in the {MARKET_SCENARIO} scenario only, "
        f"not in {scenario})",
    )


@router.post(
    "",
    response_model=CheckAnswer,
    dependencies=[allow(Role.DEPARTMENT, Role.CREDIT_OFFICE, Role.MARKET_INSTITUTION)],
    responses={
        400: problem_doc(
            "未知的业务场景，或代码超过 10000 个 (unknown scenario, or over 10,000 codes)"
        ),
        401: problem_doc("未认证 (not authenticated)"),
        403: problem_doc(
            "无权核查，或市场机构在融资信贷以外的场景核查 (not allowed, or a market "
            "institution outside financing_credit)"
        ),
    },
    summary="嵌入式核查 (check subjects for the measures that apply)",
    description="部门办理业务时核查主体：对每个代码给出在该业务场景下今日适用的联合奖惩措施、"
    "原因（名单条目、认定部门及省份、文书号、列入依据和措施依据）及适用期限；无措施的主体返回空列表；"
    "无效或未知的代码逐个说明原因，不影响其他代码。每次核查记入核查日志（执行留痕），并将调用者"
    "订阅收到的相应行动标记为已执行。政务部门和信用办可在全部场景核查，市场机构仅限融资信贷"
    "（financing_credit）。身份证号在结果中脱敏。\n\n"
    "Check subjects at business time: for each code, the joint measures that apply today in the "
    "scenario, why (the list entry, deciding authority and province, decision number, legal "
    "basis of the listing and of the measure) and until when; an empty list for a subject with "
    "none; invalid or unknown codes each get a reason without failing the others. Every check is "
    "logged (the evidence that the measures were considered) and marks the caller's pushed "
    "actions of the returned measures executed. Departments and credit offices may check in "
    "every scenario, market institutions in financing_credit only. Resident ID numbers are "
    "masked in the answer.",
)
async def post_check(
    request: Request,
    body: CheckRequest,
    store: Store,
    principal: Annotated[Principal, Depends(current_principal)],
    lang: Lang = None,
) -> Response:
    # async: a check of a few codes answers from memory on the event loop, which saves the thread
    # hops that cost more than the check; bigger checks and index reloads go to the thread pool.
    standard = get_standard()
    codes = body.code_list()
    check_request(codes, body.scenario, standard)  # 400 before anything is read
    if principal.role is Role.MARKET_INSTITUTION and body.scenario != MARKET_SCENARIO:
        raise scenario_refused(body.scenario)
    clock = clock_of(request)
    on = clock.today()
    app = request.app
    index = check_index(app)
    vault = check_vault(app) if any(len(c) >= 18 for c in codes) else None

    def run() -> list[SubjectResult]:
        if index.stale():
            with store.connect() as conn:
                index.snapshot(conn)
        with store.connect() as conn:
            return check_codes(
                conn,
                codes=codes,
                scenario=body.scenario,
                on=on,
                standard=standard,
                index=index,
                vault=vault,
            )

    small = len(codes) <= INLINE_CODES
    results = run() if small and not index.stale() else await run_in_threadpool(run)
    try:
        # Answered only once its log is committed, together with the other checks waiting.
        pending = log_writer(app, store).enqueue(principal, body.scenario, results, clock=clock)
        check_id = await asyncio.wait_for(asyncio.wrap_future(pending), WAIT_SECONDS)
    except (SQLAlchemyError, TimeoutError) as exc:
        _log.error("check log not written: %s", exc)
        raise store_unavailable() from None
    if small:
        return _answer(check_id, body.scenario, on, results)
    return await run_in_threadpool(_answer, check_id, body.scenario, on, results)


def _answer(check_id: int, scenario: str, on: dt.date, results: list[SubjectResult]) -> Response:
    with gc_paused(len(results)):
        answer = {
            "check_id": check_id,
            "scenario": scenario,
            "on": on.isoformat(),
            "codes": len(results),
            "hits": sum(1 for r in results if r.measures),
            "results": [r.to_dict() for r in results],
        }
        text = json.dumps(answer, ensure_ascii=False, separators=(",", ":"))
    return Response(text, media_type="application/json")


@router.get(
    "/{check_id}",
    response_model=CheckRecordView,
    dependencies=[allow(Role.DEPARTMENT, Role.CREDIT_OFFICE, Role.MARKET_INSTITUTION)],
    responses={
        401: problem_doc("未认证 (not authenticated)"),
        403: problem_doc("无权访问 (not allowed)"),
        404: problem_doc("无此核查，或不是调用者的核查 (no such check, or not the caller's)"),
    },
    summary="一次核查的留痕 (the evidence of one check)",
    description="读取核查日志中的一次核查：调用者本人的核查；信用办可读本省的全部核查（区域信用办"
    "可读全部）。\n\nOne logged check: the caller's own; a credit office reads every check of its "
    "province (a regional one, all).",
)
def get_one_check(
    check_id: Annotated[int, Path(ge=1, le=2**63 - 1, description="核查编号 (check id)")],
    store: Store,
    principal: Annotated[Principal, Depends(current_principal)],
    lang: Lang = None,
) -> Response:
    with store.connect() as conn:
        found = get_check(conn, check_id)
    if found is None or not may_read(principal, found):
        raise HTTPException(
            status_code=404,
            detail="没有这次核查，或它不是调用者的 (no such check, or not the caller's)",
        )
    return Response(
        json.dumps(found.to_dict(), ensure_ascii=False, separators=(",", ":")),
        media_type="application/json",
    )
