"""``/api/v1/objections``: objections (异议) to a record's content, its publication period or a
repair decision (:mod:`credit_yrd.repair.objections`).

- A subject account files about its own records (``party=subject``), or about another subject's
  record that names it (``party=standing`` with ``party_name``); a credit office files on
  someone's behalf (``party=standing``). The answer carries the 查询码 to follow the case.
- The filer lists and reads its objections and may withdraw an open one.
- Handlers — the departments of the record's province and domain, and the credit office of that
  province or of the region — see their queue (open first, by due date, with working days left and
  whether it is overdue), read one case and decide it with reasons. Every handler read is written
  to the access log.
- ``GET /objections/progress/{query_code}`` is public: status, steps with dates, due date and the
  deciding authority, without identifiers; an unknown code and a malformed one answer the same 404.

Domain errors answer problem+json with their own status: 404 unknown (or not the caller's to
see), 403 no standing, 409 wrong state (already decided, an objection already open, a repair not
refused), 400 a field that breaks a rule.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from pydantic import BaseModel, Field, StrictFloat, StrictInt, StringConstraints, field_validator
from sqlalchemy.engine import Connection

from credit_yrd.api.access import Role, allow
from credit_yrd.api.deps import current_principal, settings_of
from credit_yrd.api.problems import domain_errors
from credit_yrd.api.routes.subjects import Lang, Store, clock_of, problem_doc
from credit_yrd.auth.principal import Principal
from credit_yrd.ledger.audit import PURPOSE_MAX_CHARS, Reader, log_read
from credit_yrd.repair import objections as domain
from credit_yrd.repair.common import working_calendar
from credit_yrd.repair.objections import Objection, Progress, QueueItem
from credit_yrd.settings import Settings
from credit_yrd.standards.loader import get_standard
from credit_yrd.standards.models import Standard
from credit_yrd.store.engine import transaction
from credit_yrd.store.schema import OBJECTION_STATUSES
from credit_yrd.workdays import WorkingCalendar

router = APIRouter(prefix="/objections", tags=["异议 objections"])

ID_MAX = 2**63 - 1
DEFAULT_PURPOSE = "异议处理 (objection handling)"
FILERS = (Role.SUBJECT, Role.CREDIT_OFFICE)
HANDLERS = (Role.DEPARTMENT, Role.CREDIT_OFFICE)
MAX_CORRECTED_FIELDS = 50

ObjectionId = Annotated[int, Path(ge=1, le=ID_MAX, description="异议编号 (objection id)")]
Caller = Annotated[Principal, Depends(current_principal)]
Purpose = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=PURPOSE_MAX_CHARS,
        description="读取目的，记入访问日志；默认“异议处理” (purpose of a handler's read, logged)",
    ),
]
ObjectionStatus = Literal["open", "corrected", "withdrawn_record", "upheld", "withdrawn"]

AUTH: dict[int | str, dict[str, Any]] = {
    401: problem_doc("未认证 (not authenticated)"),
    403: problem_doc("角色不允许，或无权提出该异议 (role not allowed, or no standing)"),
}
NOT_FOUND = problem_doc("没有该异议或记录，或不向调用者公开 (no such objection or record)")
STEP_ERRORS: dict[int | str, dict[str, Any]] = {
    **AUTH,
    400: problem_doc("字段不符合规则 (a field breaks a rule)"),
    404: NOT_FOUND,
    409: problem_doc(
        "状态不允许：已答复、已有处理中的异议、修复申请未被拒绝 (wrong state: already decided, an "
        "objection already open, the repair was not refused)"
    ),
}
READ_ERRORS: dict[int | str, dict[str, Any]] = {
    **AUTH,
    400: problem_doc("读取目的不合规则 (the purpose breaks a rule)"),
    404: NOT_FOUND,
}


# --- shapes ----------------------------------------------------------------------------------


class StepView(BaseModel):
    event: str = Field(description="filed / withdrawn / corrected / withdrawn_record / upheld")
    at: dt.datetime
    actor: str = Field(description="操作者 (who took the step)")
    detail: dict[str, Any]


class ObjectionView(BaseModel):
    """一件异议（异议人与办理部门视图）(an objection, for its filer and its handlers)."""

    id: int
    query_code: str = Field(description="查询码：不登录查询进度 (query code to follow progress)")
    subject_id: int = Field(description="信息所属主体 (the subject the record is about)")
    record_id: int
    repair_id: int | None = Field(description="所异议的修复申请 (the disputed repair application)")
    ground: Literal["content", "period", "repair_decision"]
    party: Literal["subject", "standing"]
    party_name: str | None
    statement: str = Field(description="异议理由 (the statement)")
    filed_by: str
    province: str = Field(description="受理省份：信息来源省份 (province of the record's source)")
    authority: str = Field(description="信息提供部门 (the authority that provided the record)")
    domain: str | None = Field(description="受理领域；空则由信用办办理 (null: credit office)")
    status: ObjectionStatus
    received_at: dt.datetime
    due_on: dt.date = Field(description="答复期限（工作日计）(answer due by, in working days)")
    decided_at: dt.datetime | None
    decided_by: str | None
    reasons: str | None
    new_version_id: int | None = Field(description="更正或撤销形成的新版本 (the new version)")
    working_days: int | None = Field(description="办理用时（工作日）(handling time)")
    overdue: bool = Field(description="是否超期 (past the due date)")
    working_days_left: int | None = Field(
        default=None, description="剩余工作日，处理中才有；负数为已超期 (working days left)"
    )
    record_kind: str | None = None
    kind_label_zh: str | None = None
    kind_label_en: str | None = None
    subject_name: str | None = None
    warning_zh: str | None = Field(
        default=None, description="日历数据缺失的告警 (calendar warning)"
    )
    warning_en: str | None = None
    steps: list[StepView]

    @classmethod
    def of(
        cls, o: Objection, today: dt.date, calendar: WorkingCalendar, item: QueueItem | None = None
    ) -> ObjectionView:
        warning = calendar.warning(o.received_on, o.due_on)
        return cls(
            id=o.id,
            query_code=o.query_code,
            subject_id=o.subject_id,
            record_id=o.record_id,
            repair_id=o.repair_id,
            ground=o.ground,  # type: ignore[arg-type]
            party=o.party,  # type: ignore[arg-type]
            party_name=o.party_name,
            statement=o.statement,
            filed_by=o.filed_by,
            province=o.province,
            authority=o.authority,
            domain=o.domain,
            status=o.status,  # type: ignore[arg-type]
            received_at=o.received_at,
            due_on=o.due_on,
            decided_at=o.decided_at,
            decided_by=o.decided_by,
            reasons=o.reasons,
            new_version_id=o.new_version_id,
            working_days=o.working_days,
            overdue=o.overdue(today),
            working_days_left=calendar.working_days_left(today, o.due_on) if o.is_open else None,
            record_kind=item.record_kind if item else None,
            kind_label_zh=item.kind_label_zh if item else None,
            kind_label_en=item.kind_label_en if item else None,
            subject_name=item.subject_name if item else None,
            warning_zh=warning[0] if warning else None,
            warning_en=warning[1] if warning else None,
            steps=[StepView(**vars(s)) for s in o.steps],
        )


class ObjectionList(BaseModel):
    objections: list[ObjectionView]


class FileRequest(BaseModel):
    """提出异议 (file an objection)."""

    record_id: int = Field(ge=1, le=ID_MAX, description="所异议的记录 (the record disputed)")
    ground: Literal["content", "period", "repair_decision"] = Field(
        description="content 内容有误 / period 公示期限有误 / repair_decision 对修复决定有异议"
    )
    statement: str = Field(
        min_length=1,
        max_length=domain.STATEMENT_MAX,
        description="异议理由与依据 (what is wrong and why)",
    )
    repair_id: int | None = Field(
        default=None,
        ge=1,
        le=ID_MAX,
        description="ground=repair_decision 时必填：被拒绝的修复申请 (the refused application)",
    )
    party: Literal["subject", "standing"] = Field(
        default="subject",
        description="subject 主体本人 / standing 利害关系人（须写 party_name）",
    )
    party_name: str | None = Field(
        default=None,
        max_length=domain.PARTY_NAME_MAX,
        description="利害关系人名称 (name of the party with standing)",
    )


CorrectedValue = (
    Annotated[str, StringConstraints(max_length=domain.VALUE_MAX)] | StrictInt | StrictFloat
)


class DecisionRequest(BaseModel):
    """答复异议 (decide an objection)."""

    outcome: Literal["correct", "withdraw_record", "uphold"] = Field(
        description="correct 更正（对修复决定：予以修复）/ withdraw_record 撤销信息 / uphold 维持"
    )
    reasons: str = Field(
        min_length=1, max_length=domain.REASONS_MAX, description="理由，必填 (reasons)"
    )
    corrected: dict[str, CorrectedValue] | None = Field(
        default=None,
        description="更正的字段：字段代码 → 新值（仅 correct；期限异议只能改公示期日期字段） "
        "(changed fields by field code; for correct only)",
    )

    @field_validator("corrected")
    @classmethod
    def _bounded(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None and len(value) > MAX_CORRECTED_FIELDS:
            raise ValueError(f"at most {MAX_CORRECTED_FIELDS} fields")
        return value


class ProgressStepView(BaseModel):
    event: str
    label_zh: str
    label_en: str
    on: dt.date


class ProgressView(BaseModel):
    """凭查询码查看的进度：不含任何证件号码、账户或编号 (progress by query code: no identifiers)."""

    case_kind_zh: str
    case_kind_en: str
    ground: str
    ground_zh: str
    ground_en: str
    status: str
    status_zh: str
    status_en: str
    record_kind_zh: str
    record_kind_en: str
    subject_name: str = Field(description="主体名称；自然人脱敏 (persons masked)")
    authority: str = Field(description="信息提供部门 (the authority)")
    authority_province: str | None
    received_on: dt.date
    due_on: dt.date
    decided_on: dt.date | None
    overdue: bool
    reasons: str | None
    steps: list[ProgressStepView]
    warning_zh: str | None
    warning_en: str | None

    @classmethod
    def of(cls, p: Progress) -> ProgressView:
        values = {k: v for k, v in vars(p).items() if k not in ("steps", "warning")}
        return cls(
            **values,
            steps=[ProgressStepView(**vars(s)) for s in p.steps],
            warning_zh=p.warning[0] if p.warning else None,
            warning_en=p.warning[1] if p.warning else None,
        )


# --- helpers ---------------------------------------------------------------------------------


def _settings(request: Request) -> Settings:
    return settings_of(request.app)


def _standard(request: Request) -> Standard:
    return get_standard(_settings(request).standard_version)


def _calendar(request: Request) -> WorkingCalendar:
    return working_calendar(_settings(request))


def _log(
    conn: Connection,
    request: Request,
    principal: Principal,
    purpose: str | None,
    found: list[Objection],
) -> None:
    """One access-log row per subject whose objections a department or credit office read."""
    if principal.role not in HANDLERS or not found:
        return
    reader = Reader.for_principal(principal, purpose or DEFAULT_PURPOSE)
    by_subject: dict[int, set[int]] = {}
    for o in found:
        by_subject.setdefault(o.subject_id, set()).add(o.record_id)
    for subject_id, record_ids in by_subject.items():
        log_read(
            conn,
            reader,
            subject_id=subject_id,
            record_ids=record_ids,
            action=f"{request.method} {request.url.path}",
            clock=clock_of(request),
        )


# --- routes ----------------------------------------------------------------------------------


@router.post(
    "",
    response_model=ObjectionView,
    status_code=201,
    dependencies=[allow(*FILERS)],
    responses=STEP_ERRORS,
    summary="提出异议 (file an objection)",
    description="主体对本主体的信息提出异议（party=subject）；记录载明的其他主体作为利害关系人"
    "（party=standing，写明 party_name）；信用办可代为提出（party=standing）。自提出时起该信息标注"
    "“异议处理中”，转信息来源省份的认定部门办理，答复期限按工作日计；返回查询码。\n\n"
    "A subject objects to its own record (`party=subject`); another subject the record names as a "
    "party with standing (`party=standing` with `party_name`); a credit office may file on "
    "someone's behalf. From then on the record is marked 异议处理中; the case goes to the deciding "
    "authority of the record's source province, due in working days; the answer carries the query "
    "code.",
)
def file_objection(
    request: Request, body: FileRequest, store: Store, principal: Caller, lang: Lang = None
) -> ObjectionView:
    clock = clock_of(request)
    with transaction(store) as conn, domain_errors(request):
        made = domain.file_objection(
            conn,
            clock=clock,
            settings=_settings(request),
            standard=_standard(request),
            principal=principal,
            record_id=body.record_id,
            ground=body.ground,
            statement=body.statement,
            repair_id=body.repair_id,
            party=body.party,
            party_name=body.party_name,
        )
    return ObjectionView.of(made, clock.today(), _calendar(request))


@router.get(
    "",
    response_model=ObjectionList,
    dependencies=[allow(Role.SUBJECT, *HANDLERS)],
    responses=READ_ERRORS,
    summary="我的异议或待办异议 (my objections, or my queue)",
    description="主体账户：本主体的异议及本账户作为利害关系人提出的异议，新在前。部门与信用办："
    "本省本领域（信用办：本省，区域信用办：全部）的异议，处理中的在前、按期限排序，含剩余工作日与"
    "是否超期；读取记入访问日志。\n\n"
    "A subject account: its subject's objections and those it filed with standing, newest first. "
    "Departments and credit offices: their queue (open first, by due date) with working days left "
    "and overdue flags; logged.",
)
def list_objections(
    request: Request,
    store: Store,
    principal: Caller,
    status: Annotated[
        ObjectionStatus | None, Query(description="只看该状态 (only this status)")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    purpose: Purpose = None,
    lang: Lang = None,
) -> ObjectionList:
    assert status is None or status in OBJECTION_STATUSES
    clock = clock_of(request)
    calendar = _calendar(request)
    today = clock.today()
    with transaction(store) as conn, domain_errors(request):
        if principal.role is Role.SUBJECT:
            mine = domain.objections_for_filer(conn, principal)
            mine = [o for o in mine if status is None or o.status == status][:limit]
            return ObjectionList(objections=[ObjectionView.of(o, today, calendar) for o in mine])
        items = domain.objection_queue(
            conn,
            principal,
            clock=clock,
            settings=_settings(request),
            status=status,
            limit=limit,
            standard=_standard(request),
        )
        _log(conn, request, principal, purpose, [i.objection for i in items])
        return ObjectionList(
            objections=[ObjectionView.of(i.objection, today, calendar, i) for i in items]
        )


@router.get(
    "/progress/{query_code}",
    response_model=ProgressView,
    dependencies=[allow(Role.PUBLIC)],
    responses={404: problem_doc("查询码无效或不存在 (unknown or malformed query code)")},
    summary="凭查询码查询异议进度 (an objection's progress by query code)",
    description="无须登录：异议事项、状态、各步骤日期、答复期限、信息提供部门、信息类别与主体名称"
    "（自然人脱敏），不含任何编号、证件号码或账户。无效与不存在的查询码答复相同的 404。\n\n"
    "No login: ground, status, dated steps, due date, the authority, the record kind and the "
    "subject's name (persons masked) — no ids, ID numbers or accounts. Unknown and malformed codes "
    "answer the same 404.",
)
def objection_progress(
    request: Request,
    query_code: Annotated[str, Path(description="查询码，如 YY-7K2M-9QXA-4TPB (query code)")],
    store: Store,
    lang: Lang = None,
) -> ProgressView:
    clock = clock_of(request)
    with store.connect() as conn:
        found = domain.objection_progress(
            conn,
            query_code,
            clock=clock,
            settings=_settings(request),
            standard=_standard(request),
        )
    if found is None:
        raise HTTPException(
            status_code=404, detail="查询码无效或不存在 (no objection has this query code)"
        )
    return ProgressView.of(found)


@router.get(
    "/{objection_id}",
    response_model=ObjectionView,
    dependencies=[allow(Role.SUBJECT, *HANDLERS)],
    responses=READ_ERRORS,
    summary="一件异议及其步骤 (an objection and its steps)",
    description="异议人或办理部门（本省本领域部门、本省或区域信用办）可读；部门与信用办的读取记入"
    "访问日志。\n\nFor the filer and the handlers of the case; handlers' reads are logged.",
)
def get_objection(
    request: Request,
    objection_id: ObjectionId,
    store: Store,
    principal: Caller,
    purpose: Purpose = None,
    lang: Lang = None,
) -> ObjectionView:
    clock = clock_of(request)
    with transaction(store) as conn, domain_errors(request):
        found = domain.readable_objection(conn, principal, objection_id)
        _log(conn, request, principal, purpose, [found])
    return ObjectionView.of(found, clock.today(), _calendar(request))


@router.post(
    "/{objection_id}/withdraw",
    response_model=ObjectionView,
    dependencies=[allow(*FILERS)],
    responses=STEP_ERRORS,
    summary="撤回异议 (withdraw an objection)",
    description="异议人撤回处理中的异议：该信息不再标注“异议处理中”（除非另有异议），不留痕迹。\n\n"
    "The filer withdraws an open objection; the record keeps no mark of it (unless another "
    "objection is open).",
)
def withdraw_objection(
    request: Request,
    objection_id: ObjectionId,
    store: Store,
    principal: Caller,
    lang: Lang = None,
) -> ObjectionView:
    clock = clock_of(request)
    with transaction(store) as conn, domain_errors(request):
        done = domain.withdraw_objection(
            conn, clock=clock, principal=principal, objection_id=objection_id
        )
    return ObjectionView.of(done, clock.today(), _calendar(request))


@router.post(
    "/{objection_id}/decision",
    response_model=ObjectionView,
    dependencies=[allow(*HANDLERS)],
    responses=STEP_ERRORS,
    summary="答复异议 (decide an objection)",
    description="办理部门答复，须说明理由：correct 更正（corrected 写明字段代码与新值，形成新版本、"
    "保留历史；对修复决定的异议则予以修复）、withdraw_record 撤销该信息（新版本，状态撤销）、"
    "uphold 维持。告知主体；记录办理用时（工作日）。\n\n"
    "The handler answers, always with reasons: `correct` (with `corrected`: field code → new "
    "value; a new version, history kept; for a repair decision: the repair is approved), "
    "`withdraw_record` (a new version with status withdrawn) or `uphold`. The subject is told; "
    "the handling time in working days is kept.",
)
def decide_objection(
    request: Request,
    objection_id: ObjectionId,
    body: DecisionRequest,
    store: Store,
    principal: Caller,
    lang: Lang = None,
) -> ObjectionView:
    clock = clock_of(request)
    with transaction(store) as conn, domain_errors(request):
        done = domain.decide_objection(
            conn,
            clock=clock,
            settings=_settings(request),
            standard=_standard(request),
            principal=principal,
            objection_id=objection_id,
            outcome=body.outcome,
            reasons=body.reasons,
            corrected=body.corrected,
        )
    return ObjectionView.of(done, clock.today(), _calendar(request))


__all__ = ["router"]
