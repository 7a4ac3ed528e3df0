"""``/api/v1/lists`` (public) and ``/api/v1/listings`` (departments, credit offices), plus the
subject's ``/api/v1/me/listings``: the red and black lists and the 49号文 procedure.

- Public: the catalogue of lists (criteria, period, exit conditions, early-exit rules, document
  number, number of active entries), the active entries of a list (a natural person's name masked,
  no personal ID number) and the change feed of public steps. Proposals and objections are never
  public.
- Department: propose an entry for a list its domain may decide (province and domain are the
  department's); list its own entries (proposals and objections to answer first); read one with its
  dated steps; answer an objection, remove, extend, withdraw. A credit office does the same for its
  province (the regional office for all), except proposing.
- Subject: its notices and entries with the notice text and objection deadline; object within the
  window.

Every read of entries by a department or credit office is written to the access log. Domain errors
(:mod:`credit_yrd.lists.errors`) answer problem+json with their status: 404 unknown, 403 not
allowed, 409 wrong state, window closed or too early, 400 a field that breaks a rule.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError

from credit_yrd.api.access import Role, allow
from credit_yrd.api.deps import current_principal
from credit_yrd.api.problems import domain_errors
from credit_yrd.api.routes.subjects import Lang, Store, clock_of, problem_doc
from credit_yrd.auth.principal import Principal
from credit_yrd.ledger.audit import PURPOSE_MAX_CHARS, Reader, log_read
from credit_yrd.lists import events as list_events_feed
from credit_yrd.lists import lifecycle
from credit_yrd.lists.entries import (
    Entry,
    Step,
    entries_for_department,
    entries_of_subject,
    get_entry,
    list_counts,
    public_entries,
    steps_of,
)
from credit_yrd.lists.errors import UnknownEntryError, UnknownListError
from credit_yrd.standards.joint_models import ListDef
from credit_yrd.standards.loader import get_standard
from credit_yrd.store.engine import transaction
from credit_yrd.store.schema import subjects
from credit_yrd.store.subjects import find_subject

router = APIRouter(tags=["红黑名单 lists"])
me_router = APIRouter(prefix="/me", tags=["主体本人 the subject itself"])

ID_MAX = 2**63 - 1
DEFAULT_PURPOSE = "名单认定与管理 (list work)"
MANAGERS = (Role.DEPARTMENT, Role.CREDIT_OFFICE)

EntryId = Annotated[int, Path(ge=1, le=ID_MAX, description="名单条目编号 (list entry id)")]
ListCode = Annotated[
    str, Path(min_length=1, max_length=64, description="名单代码，如 judgment_defaulter")
]
After = Annotated[
    int | None,
    Query(
        ge=0, le=ID_MAX, description="上一页返回的 next_after (the next_after of the page before)"
    ),
]
On = Annotated[
    dt.date | None, Query(description="查询日期，默认今天 (the day to look at; default today)")
]
Purpose = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=PURPOSE_MAX_CHARS,
        description="读取目的，记入访问日志；默认“名单认定与管理” (purpose, logged)",
    ),
]
Caller = Annotated[Principal, Depends(current_principal)]

NOT_FOUND = problem_doc("没有该名单或条目 (no such list or entry)")
BAD_PURPOSE = problem_doc("读取目的不合规则，如只有空白或含控制字符 (the purpose breaks a rule)")
AUTH: dict[int | str, dict[str, Any]] = {
    401: problem_doc("未认证 (not authenticated)"),
    403: problem_doc("角色不允许，或无权处理该名单 (role not allowed, or not this list's decider)"),
}
STEP_ERRORS: dict[int | str, dict[str, Any]] = {
    **AUTH,
    400: problem_doc("字段不符合名单规则 (a field breaks a rule of the list)"),
    404: NOT_FOUND,
    409: problem_doc(
        "条目状态不允许该操作、异议期已过或提前移出为时过早 (wrong state, window closed, too early)"
    ),
}


# --- shapes ----------------------------------------------------------------------------------


class EarlyExitView(BaseModel):
    code: str
    label_zh: str
    label_en: str
    after: str = Field(description="最短在列期限 (minimum time listed first)")
    requires_zh: str
    requires_en: str
    deadline_working_days: int | None


class ListView(BaseModel):
    """一个红名单或黑名单 (one red or black list)."""

    code: str
    kind: Literal["black", "red"]
    label_zh: str
    label_en: str
    list_domain: str | None
    deciding_domains: list[str] = Field(description="可认定的部门领域 (deciding domains)")
    document_number: str = Field(description="认定依据文件 (the rule that sets the list)")
    criteria_zh: str
    criteria_en: str
    period: str | None = Field(description="在列期限；空为逐条确定 (period; null: per decision)")
    extension: dict[str, str] | None = Field(description="可延长的范围 {min, max}")
    exit_conditions_zh: str
    exit_conditions_en: str
    early_exit: list[EarlyExitView]
    notice_required: bool = Field(description="列入前须告知并留异议期 (notice and objection first)")
    objection_period: str | None = Field(description="异议期 (objection window), e.g. P10D")
    active_entries: int = Field(description="当日有效条目数 (entries active on the day)")

    @classmethod
    def of(cls, d: ListDef, active: int) -> ListView:
        return cls(
            code=d.code,
            kind=d.kind,
            label_zh=d.label_zh,
            label_en=d.label_en,
            list_domain=d.list_domain,
            deciding_domains=list(d.deciding_domains),
            document_number=d.document_number,
            criteria_zh=d.criteria_zh,
            criteria_en=d.criteria_en,
            period=d.period,
            extension={"min": d.extension.min, "max": d.extension.max} if d.extension else None,
            exit_conditions_zh=d.exit_conditions_zh,
            exit_conditions_en=d.exit_conditions_en,
            early_exit=[EarlyExitView(**rule.model_dump()) for rule in d.early_exit],
            notice_required=d.notice_required,
            objection_period=d.objection_period if d.notice_required else None,
            active_entries=active,
        )


class ListCatalogue(BaseModel):
    on: dt.date
    lists: list[ListView]


class PublicEntryView(BaseModel):
    """公开的名单条目：自然人姓名脱敏、不显示证件号 (an active entry as the public sees it)."""

    id: int
    list_code: str
    subject_name: str
    subject_type: str
    uscc: str | None
    authority: str = Field(description="认定部门 (deciding authority)")
    province: str = Field(description="认定部门所在省份 (deciding province)")
    decision_number: str | None
    reason: str
    legal_basis: str
    listed_on: dt.date | None
    ends_on: dt.date | None


class PublicEntryPage(BaseModel):
    list_code: str
    on: dt.date
    entries: list[PublicEntryView]
    next_after: int | None = Field(
        description="下一页的 after；最后一页为空 (cursor of the next page)"
    )


class ListDetail(BaseModel):
    list: ListView


class ChangeView(BaseModel):
    id: int = Field(description="步骤编号，即游标 (step id: the cursor)")
    event: Literal["listed", "extended", "removed", "withdrawn"]
    at: dt.datetime
    entry_id: int
    list_code: str
    subject_name: str
    subject_type: str
    uscc: str | None
    authority: str
    province: str
    listed_on: dt.date | None
    ends_on: dt.date | None
    removed_on: dt.date | None
    removal_reason: str | None


class ChangeFeed(BaseModel):
    changes: list[ChangeView]
    next_after: int = Field(
        description="下次调用的 after；无新变更时不变 (the cursor to pass next)"
    )


class StepView(BaseModel):
    id: int
    event: str
    at: dt.datetime
    actor: str = Field(description="操作者 (who took the step)")
    detail: dict[str, Any]

    @classmethod
    def of(cls, step: Step) -> StepView:
        return cls(id=step.id, event=step.event, at=step.at, actor=step.actor, detail=step.detail)


class EntryView(BaseModel):
    """名单条目（政务与本人视图）(a list entry, for its deciders and its subject)."""

    id: int
    list_code: str
    list_label_zh: str | None
    list_label_en: str | None
    subject_id: int
    subject_name: str
    uscc: str | None
    status: Literal["proposed", "objected", "listed", "removed", "withdrawn"]
    origin: Literal["platform", "record"]
    record_id: int | None
    basis_record_id: int | None = Field(
        default=None, description="认定所依据的记录 (the record the listing rests on)"
    )
    authority: str
    authority_uscc: str | None
    province: str
    domain: str | None
    decision_number: str | None
    reason: str
    legal_basis: str
    proposed_by: str | None
    proposed_at: dt.datetime | None
    objection_until: dt.date | None
    listed_on: dt.date | None
    ends_on: dt.date | None
    removed_on: dt.date | None
    removal_reason: str | None
    updated_at: dt.datetime
    active: bool = Field(description="今日是否有效 (active today)")

    @classmethod
    def of(cls, entry: Entry, uscc: str | None, today: dt.date) -> EntryView:
        values = entry.to_dict()
        return cls(
            **values,
            list_label_zh=entry.list_def.label_zh if entry.list_def else None,
            list_label_en=entry.list_def.label_en if entry.list_def else None,
            uscc=uscc,
            active=entry.active_on(today),
        )


class EntryDetail(BaseModel):
    entry: EntryView
    steps: list[StepView]


class EntryList(BaseModel):
    entries: list[EntryView]
    next_after: int | None = Field(
        description="下一页传入 after（取编号更小的条目）(pass as after for the next, older page)"
    )


class NoticeView(BaseModel):
    """49号文告知：事由、依据、权利与异议期限 (the notice: reasons, basis, rights, deadline)."""

    text_zh: str
    text_en: str
    reason: str
    legal_basis: str
    document_number: str | None
    rights_zh: str
    rights_en: str
    objection_until: dt.date | None


class MyListing(BaseModel):
    entry: EntryView
    notice: NoticeView | None
    can_object: bool = Field(description="现在可否提出异议 (whether an objection is open now)")
    steps: list[StepView]


class MyListings(BaseModel):
    listings: list[MyListing]


class ProposeRequest(BaseModel):
    """提出列入名单 (propose a listing)."""

    list_code: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$", description="名单代码 (list code)")
    subject: str = Field(
        min_length=1,
        max_length=64,
        description="主体的统一社会信用代码或旧代码 (the subject's USCC or legacy code)",
    )
    reason: str = Field(min_length=1, max_length=lifecycle.REASON_MAX, description="列入事由")
    legal_basis: str = Field(min_length=1, max_length=lifecycle.BASIS_MAX, description="认定依据")
    decision_number: str | None = Field(
        default=None, max_length=lifecycle.DECISION_NUMBER_MAX, description="认定文书号"
    )
    ends_on: dt.date | None = Field(
        default=None,
        description="在列最后一日；无统一期限的名单必填 (last day listed; required when the list "
        "has no set period)",
    )
    basis_record_id: int | None = Field(
        default=None,
        ge=1,
        le=2**62,
        description="认定所依据的该主体记录（如行政处罚决定）；该记录信用修复后条目随之移出 (the "
        "subject's record the listing rests on, e.g. the penalty decision: repairing it removes "
        "the entry)",
    )


class AnswerRequest(BaseModel):
    upheld: bool = Field(
        description="true：维持认定、列入（异议不成立）；false：异议成立、撤销 (true: the decision "
        "stands and the subject is listed; false: the objection is accepted, the proposal "
        "withdrawn)"
    )
    reply: str = Field(min_length=1, max_length=lifecycle.NOTE_MAX, description="答复 (reply)")


class RemoveRequest(BaseModel):
    reason: Literal["early_exit", "performance", "repair", "court_deletion"] = Field(
        description="移出原因；期满由平台自动移出 (removal reason; expiry is automatic)"
    )
    note: str = Field(default="", max_length=lifecycle.NOTE_MAX)
    early_exit: str | None = Field(
        default=None, max_length=64, description="提前移出依据的规则代码 (the early-exit rule)"
    )


class ExtendRequest(BaseModel):
    new_ends_on: dt.date = Field(description="新的在列最后一日 (the new last day listed)")
    note: str = Field(default="", max_length=lifecycle.NOTE_MAX)


class WithdrawRequest(BaseModel):
    note: str = Field(min_length=1, max_length=lifecycle.NOTE_MAX, description="撤销理由")


class ObjectionRequest(BaseModel):
    reason: str = Field(
        min_length=1, max_length=lifecycle.REASON_MAX, description="异议理由与证据 (reasons)"
    )


# --- helpers ---------------------------------------------------------------------------------


def _uscc_of(conn: Connection, subject_id: int) -> str | None:
    return conn.execute(select(subjects.c.uscc).where(subjects.c.id == subject_id)).scalar()


def _view(conn: Connection, entry: Entry, today: dt.date) -> EntryView:
    return EntryView.of(entry, _uscc_of(conn, entry.subject_id), today)


def _log(
    conn: Connection,
    request: Request,
    principal: Principal,
    purpose: str | None,
    entries: list[Entry],
) -> None:
    """One access-log row per subject whose entries the department or office read."""
    reader = Reader.for_principal(principal, purpose or DEFAULT_PURPOSE)
    by_subject: dict[int, list[int]] = {}
    for entry in entries:
        ids = by_subject.setdefault(entry.subject_id, [])
        if entry.record_id is not None:
            ids.append(entry.record_id)
    action = f"{request.method} {request.url.path}"
    for subject_id, record_ids in by_subject.items():
        log_read(
            conn,
            reader,
            subject_id=subject_id,
            record_ids=record_ids,
            action=action,
            clock=clock_of(request),
        )


def _managed_entry(conn: Connection, principal: Principal, entry_id: int) -> Entry:
    entry = get_entry(conn, entry_id)
    if entry is None or not lifecycle.may_manage(principal, entry):
        raise UnknownEntryError(entry_id)
    return entry


# --- public ----------------------------------------------------------------------------------


@router.get(
    "/lists",
    response_model=ListCatalogue,
    dependencies=[allow(Role.PUBLIC)],
    summary="名单目录 (the catalogue of lists)",
    description="标准中的每个红名单、黑名单：认定标准、在列期限、移出条件与提前移出规则、依据文件、"
    "当日有效条目数。区域互认：任何一省认定的条目在全区域有效。\n\n"
    "Every red and black list of the standard: criteria, period, exit conditions and early-exit "
    "rules, document number, and the number of entries active on the day. Mutual recognition: an "
    "entry decided in any province is active region-wide.",
)
def catalogue(request: Request, store: Store, on: On = None, lang: Lang = None) -> ListCatalogue:
    day = on or clock_of(request).today()
    with store.connect() as conn:
        counts = list_counts(conn, on=day)
    std = get_standard()
    return ListCatalogue(
        on=day, lists=[ListView.of(d, counts.get(code, 0)) for code, d in std.lists.items()]
    )


@router.get(
    "/lists/changes",
    response_model=ChangeFeed,
    dependencies=[allow(Role.PUBLIC)],
    responses={503: problem_doc("步骤正在写入，稍后再取 (steps being written; retry shortly)")},
    summary="名单变更订阅 (the public change feed of the lists)",
    description="按游标（步骤编号）拉取公开的名单步骤：列入、延期、移出、列入后撤销；拟列入、异议及"
    "答复不公开。自然人姓名脱敏。无新变更时返回相同的 next_after。\n\n"
    "The public steps of the lists by cursor (the step id): listed, extended, removed, withdrawn "
    "after listing; never proposals, objections or answers. Persons' names masked. With nothing "
    "new, `next_after` stays the same.",
)
def list_changes(
    store: Store,
    after: Annotated[int, Query(ge=0, le=ID_MAX, description="游标 (cursor)")] = 0,
    limit: Annotated[int, Query(ge=1, le=list_events_feed.MAX_LIMIT)] = 100,
    list_code: Annotated[
        str | None,
        Query(pattern=r"^[a-z][a-z0-9_]{0,63}$", description="名单代码 (list code)"),
    ] = None,
    lang: Lang = None,
) -> ChangeFeed:
    try:
        with store.connect() as conn:
            page = list_events_feed.changes(conn, after=after, limit=limit, list_code=list_code)
    except OperationalError:
        raise HTTPException(
            status_code=503,
            detail="名单步骤正在写入，请稍后用同一游标再取 (steps are being written; ask again "
            "with the same cursor)",
            headers={"Retry-After": "2"},
        ) from None
    return ChangeFeed(
        changes=[ChangeView(**vars(c)) for c in page.changes], next_after=page.next_after
    )


def _list_def(request: Request, code: str) -> ListDef:
    std = get_standard()
    with domain_errors(request):
        found = std.lists.get(code)
        if found is None:
            raise UnknownListError(code, sorted(std.lists))
    return found


@router.get(
    "/lists/{code}",
    response_model=ListDetail,
    dependencies=[allow(Role.PUBLIC)],
    responses={404: NOT_FOUND},
    summary="一个名单 (one list)",
    description="名单的定义与当日有效条目数。\n\nThe list's definition and its active entries "
    "count.",
)
def one_list(
    request: Request, store: Store, code: ListCode, on: On = None, lang: Lang = None
) -> ListDetail:
    found = _list_def(request, code)
    day = on or clock_of(request).today()
    with store.connect() as conn:
        count = list_counts(conn, on=day).get(code, 0)
    return ListDetail(list=ListView.of(found, count))


@router.get(
    "/lists/{code}/entries",
    response_model=PublicEntryPage,
    dependencies=[allow(Role.PUBLIC)],
    responses={404: NOT_FOUND},
    summary="名单的有效条目 (the active entries of a list)",
    description="当日有效的条目：主体名称（自然人脱敏）、统一社会信用代码、认定部门、省份、列入日期、"
    "在列最后一日；按编号分页（after）。\n\n"
    "The entries active on the day: subject name (persons masked), USCC, deciding authority, "
    "province, listed on, last day listed; paged by id (`after`).",
)
def list_entries_page(
    request: Request,
    store: Store,
    code: ListCode,
    on: On = None,
    after: After = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    lang: Lang = None,
) -> PublicEntryPage:
    _list_def(request, code)
    day = on or clock_of(request).today()
    with store.connect() as conn:
        page = public_entries(conn, list_code=code, on=day, after=after, limit=limit)
    return PublicEntryPage(
        list_code=code,
        on=day,
        entries=[PublicEntryView(**vars(e)) for e in page.entries],
        next_after=page.next_after,
    )


# --- departments and credit offices ----------------------------------------------------------


@router.post(
    "/listings",
    response_model=EntryDetail,
    status_code=201,
    dependencies=[allow(Role.DEPARTMENT)],
    responses=STEP_ERRORS,
    summary="提出列入名单 (propose a listing)",
    description="政务部门对其领域可认定的名单提出列入：条目的省份、领域与认定部门取自调用者。"
    "须告知的名单先向主体送达告知（事由、依据、权利、异议期限），异议期届满后列入；无须告知的名单"
    "即时列入。无统一期限的名单须写明 ends_on。\n\n"
    "A department proposes an entry for a list its domain may decide; the entry's province, "
    "domain and authority are the caller's. Lists with notice serve it (reasons, basis, rights, "
    "deadline) and list once the objection window has passed; lists without notice list at once. "
    "Lists without a set period need `ends_on`.",
)
def propose_listing(
    request: Request, body: ProposeRequest, store: Store, principal: Caller, lang: Lang = None
) -> EntryDetail:
    clock = clock_of(request)
    with transaction(store) as conn, domain_errors(request):
        subject = find_subject(conn, body.subject)
        if subject is None:
            raise HTTPException(
                status_code=404,
                detail="subject：未找到该代码对应的主体 (subject: no subject has this code)",
            )
        made = lifecycle.propose(
            conn,
            standard=get_standard(),
            clock=clock,
            principal=principal,
            list_code=body.list_code,
            subject_id=int(subject.id),
            reason=body.reason,
            legal_basis=body.legal_basis,
            decision_number=body.decision_number,
            ends_on=body.ends_on,
            basis_record_id=body.basis_record_id,
        )
        return EntryDetail(
            entry=_view(conn, made, clock.today()),
            steps=[StepView.of(s) for s in steps_of(conn, made.id)],
        )


@router.get(
    "/listings",
    response_model=EntryList,
    dependencies=[allow(*MANAGERS)],
    responses={**AUTH, 400: BAD_PURPOSE},
    summary="本部门的名单条目 (the entries I answer for)",
    description="部门：本省本领域的全部条目（含拟列入与待答复的异议，异议在前）；省级信用办：本省；"
    "区域信用办：全部。新在前，按 after 翻页。读取记入访问日志。\n\n"
    "A department: every entry of its province and domain (proposals and objections to answer "
    "first); a provincial credit office: its province; the regional office: all. Newest first, "
    "paged by `after`. Logged.",
)
def my_department_listings(
    request: Request,
    store: Store,
    principal: Caller,
    status: Annotated[
        Literal["proposed", "objected", "listed", "removed", "withdrawn"] | None,
        Query(description="只看该状态 (only entries in this state)"),
    ] = None,
    after: After = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    purpose: Purpose = None,
    lang: Lang = None,
) -> EntryList:
    clock = clock_of(request)
    with transaction(store) as conn:
        found = entries_for_department(conn, principal, status, limit=limit, after=after)
        _log(conn, request, principal, purpose, found)
        views = [_view(conn, e, clock.today()) for e in found]
    more = len(found) == limit
    return EntryList(entries=views, next_after=min(e.id for e in found) if more else None)


@router.get(
    "/listings/{entry_id}",
    response_model=EntryDetail,
    dependencies=[allow(*MANAGERS)],
    responses={**AUTH, 400: BAD_PURPOSE, 404: NOT_FOUND},
    summary="一个名单条目及其步骤 (an entry and its dated steps)",
    description="认定部门、该省信用办或区域信用办可读；每一步的时间、操作者与详情。读取记入访问日志。"
    "\n\nFor the deciding department, the province's credit office or the regional office: the "
    "entry and each step with its time, actor and detail. Logged.",
)
def one_listing(
    request: Request,
    entry_id: EntryId,
    store: Store,
    principal: Caller,
    purpose: Purpose = None,
    lang: Lang = None,
) -> EntryDetail:
    clock = clock_of(request)
    with transaction(store) as conn, domain_errors(request):
        entry = _managed_entry(conn, principal, entry_id)
        _log(conn, request, principal, purpose, [entry])
        return EntryDetail(
            entry=_view(conn, entry, clock.today()),
            steps=[StepView.of(s) for s in steps_of(conn, entry.id)],
        )


def _step_answer(conn: Connection, entry: Entry, today: dt.date) -> EntryDetail:
    return EntryDetail(
        entry=_view(conn, entry, today), steps=[StepView.of(s) for s in steps_of(conn, entry.id)]
    )


@router.post(
    "/listings/{entry_id}/answer",
    response_model=EntryDetail,
    dependencies=[allow(*MANAGERS)],
    responses=STEP_ERRORS,
    summary="答复异议 (answer an objection)",
    description="upheld=true 维持认定，条目自当日列入；upheld=false 异议成立，撤销。\n\n"
    "`upheld=true`: the decision stands and the entry is listed from today; `false`: the "
    "objection is accepted and the proposal withdrawn.",
)
def answer(
    request: Request,
    entry_id: EntryId,
    body: AnswerRequest,
    store: Store,
    principal: Caller,
    lang: Lang = None,
) -> EntryDetail:
    clock = clock_of(request)
    with transaction(store) as conn, domain_errors(request):
        done = lifecycle.answer_objection(
            conn,
            clock=clock,
            principal=principal,
            entry_id=entry_id,
            upheld=body.upheld,
            reply=body.reply,
        )
        return _step_answer(conn, done, clock.today())


@router.post(
    "/listings/{entry_id}/remove",
    response_model=EntryDetail,
    dependencies=[allow(*MANAGERS)],
    responses=STEP_ERRORS,
    summary="移出名单 (remove from the list)",
    description="自当日移出。提前移出（early_exit）须写明名单的提前移出规则，且须在列满规则要求的期限。"
    "\n\nRemoved from today. An early exit names one of the list's early-exit rules and is refused "
    "before its minimum time listed has been served.",
)
def remove(
    request: Request,
    entry_id: EntryId,
    body: RemoveRequest,
    store: Store,
    principal: Caller,
    lang: Lang = None,
) -> EntryDetail:
    clock = clock_of(request)
    with transaction(store) as conn, domain_errors(request):
        done = lifecycle.remove(
            conn,
            clock=clock,
            principal=principal,
            entry_id=entry_id,
            reason=body.reason,
            note=body.note,
            early_exit=body.early_exit,
        )
        return _step_answer(conn, done, clock.today())


@router.post(
    "/listings/{entry_id}/extend",
    response_model=EntryDetail,
    dependencies=[allow(*MANAGERS)],
    responses=STEP_ERRORS,
    summary="延长在列期限 (extend a listing)",
    description="仅限规则允许延期的名单（如失信被执行人可延长一至三年），自原定最后一日起算。\n\n"
    "Only for lists whose rules allow it (judgment defaulters: one to three years), counted from "
    "the last day first set.",
)
def extend(
    request: Request,
    entry_id: EntryId,
    body: ExtendRequest,
    store: Store,
    principal: Caller,
    lang: Lang = None,
) -> EntryDetail:
    clock = clock_of(request)
    with transaction(store) as conn, domain_errors(request):
        done = lifecycle.extend(
            conn,
            clock=clock,
            principal=principal,
            entry_id=entry_id,
            new_ends_on=body.new_ends_on,
            note=body.note,
        )
        return _step_answer(conn, done, clock.today())


@router.post(
    "/listings/{entry_id}/withdraw",
    response_model=EntryDetail,
    dependencies=[allow(*MANAGERS)],
    responses=STEP_ERRORS,
    summary="撤销 (withdraw a proposal or a listing)",
    description="撤销拟列入或错误的列入：视为自始未列入。\n\n"
    "Withdraw a proposal or a listing made in error: it never applied.",
)
def withdraw(
    request: Request,
    entry_id: EntryId,
    body: WithdrawRequest,
    store: Store,
    principal: Caller,
    lang: Lang = None,
) -> EntryDetail:
    clock = clock_of(request)
    with transaction(store) as conn, domain_errors(request):
        done = lifecycle.withdraw(
            conn, clock=clock, principal=principal, entry_id=entry_id, note=body.note
        )
        return _step_answer(conn, done, clock.today())


# --- the subject ---------------------------------------------------------------------------


def _notice_of(steps: list[Step]) -> NoticeView | None:
    for step in steps:
        served = step.detail.get("notice") if step.event == "proposed" else None
        if served:
            until = served.get("objection_until")
            return NoticeView(
                text_zh=served.get("text_zh", ""),
                text_en=served.get("text_en", ""),
                reason=served.get("reason", ""),
                legal_basis=served.get("legal_basis", ""),
                document_number=served.get("document_number"),
                rights_zh=served.get("rights_zh", ""),
                rights_en=served.get("rights_en", ""),
                objection_until=dt.date.fromisoformat(until) if until else None,
            )
    return None


def _own_subject_id(principal: Principal) -> int:
    if principal.subject_id is None:
        raise HTTPException(
            status_code=404, detail="本账户未关联任何主体 (this account speaks for no subject)"
        )
    return principal.subject_id


def _my_listing(conn: Connection, entry: Entry, today: dt.date) -> MyListing:
    steps = steps_of(conn, entry.id)
    return MyListing(
        entry=_view(conn, entry, today),
        notice=_notice_of(steps),
        can_object=entry.status == "proposed"
        and entry.objection_until is not None
        and today <= entry.objection_until,
        steps=[StepView.of(s) for s in steps],
    )


@me_router.get(
    "/listings",
    response_model=MyListings,
    dependencies=[allow(Role.SUBJECT)],
    responses={**AUTH, 404: problem_doc("本账户未关联主体 (no subject)")},
    summary="我的名单告知与条目 (my notices and list entries)",
    description="本主体的全部名单条目（含拟列入告知）：告知全文、事由、依据、权利与异议期限、各步骤。"
    "\n\nEvery list entry of this subject, notices included: the notice text, reasons, basis, "
    "rights and objection deadline, and each step.",
)
def my_listings(request: Request, store: Store, principal: Caller, lang: Lang = None) -> MyListings:
    subject_id = _own_subject_id(principal)
    today = clock_of(request).today()
    with store.connect() as conn:
        return MyListings(
            listings=[_my_listing(conn, e, today) for e in entries_of_subject(conn, subject_id)]
        )


@me_router.post(
    "/listings/{entry_id}/objection",
    response_model=MyListing,
    dependencies=[allow(Role.SUBJECT)],
    responses=STEP_ERRORS,
    summary="提出异议 (object to a proposed listing)",
    description="在异议期内（含最后一日）对拟列入提出异议；认定部门答复前不会列入。\n\n"
    "Object to a proposed listing within the window (its last day included); it is not listed "
    "before the department answers.",
)
def object_to(
    request: Request,
    entry_id: EntryId,
    body: ObjectionRequest,
    store: Store,
    principal: Caller,
    lang: Lang = None,
) -> MyListing:
    _own_subject_id(principal)
    clock = clock_of(request)
    with transaction(store) as conn, domain_errors(request):
        done = lifecycle.object_to(
            conn, clock=clock, principal=principal, entry_id=entry_id, reason=body.reason
        )
        return _my_listing(conn, done, clock.today())


__all__ = ["me_router", "router"]
