"""``/api/v1/repairs``: credit repair (信用修复) — apply, add documents, follow by query code,
accept, decide, withdraw; the credit offices' figures; the deliveries of approved repairs to the
provinces and subscribers (``/repair-deliveries``, ``/platforms/{province}/endpoint``); and the
notices of subjects and handlers (``/notices``).

Who may call what:

- ``POST /repairs`` (multipart/form-data), ``POST /repairs/{id}/documents``,
  ``POST /repairs/{id}/withdraw``: the subject itself (a subject account);
- ``POST /repairs/{id}/accept``, ``POST /repairs/{id}/decision``: the deciding authority —
  departments of the case's province and domain — and the credit office of that province or of
  the region (403 for another handler);
- ``GET /repairs``, ``GET /repairs/{id}``, ``GET /repairs/{id}/documents/{doc}``: the applicant
  (its own) and the handlers (their scope); handlers' reads are written to the access log;
- ``GET /repairs/progress/{query_code}``: anyone holding the code, no login; a malformed and an
  unknown code get the same 404;
- ``GET /repairs/figures``: credit offices (a provincial one its province);
- ``GET /repair-deliveries``: province platforms (data sources) and departments pull theirs;
- ``PUT|GET /platforms/{province}/endpoint``: credit offices (a provincial one its province);
- ``GET /notices``, ``POST /notices/{id}/read``: subjects, departments, credit offices.

The application form: ``target`` (``record`` | ``listing``), ``record_id`` or ``entry_id``,
``corrected`` (what was corrected, ≤ 4000 characters), the file ``commitment`` (the signed
信用承诺书) and the files ``evidence`` (one or more), each with its kind in ``evidence_kind`` — the
same number of ``evidence_kind`` fields as ``evidence`` files, in the same order, each
``payment``, ``rectification`` or ``other``. Files must be PDF, PNG or JPEG (judged by their
bytes).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, HTTPException, Path, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy.engine import Connection, Engine

from credit_yrd.api.access import Role, allow
from credit_yrd.api.deps import clock_of, current_principal
from credit_yrd.api.limits import MAX_BODY_BYTES
from credit_yrd.api.problems import domain_errors
from credit_yrd.api.routes.subjects import Lang, Store, problem_doc
from credit_yrd.auth.principal import Principal
from credit_yrd.clock import Clock
from credit_yrd.ledger.audit import Reader, log_read
from credit_yrd.repair import applications as apps
from credit_yrd.repair import deliveries, figures, notices_read
from credit_yrd.repair.documents import MAX_DOCUMENTS, DocumentIn
from credit_yrd.repair.errors import NotFound
from credit_yrd.settings import Settings, get_settings
from credit_yrd.standards.loader import get_standard
from credit_yrd.standards.models import Standard
from credit_yrd.store.engine import transaction

router = APIRouter(tags=["信用修复 credit repair"])

Caller = Annotated[Principal, Depends(current_principal)]
ID_MAX = 2**63 - 1
READ_PURPOSE = "信用修复办理 (handling credit repair)"
HANDLERS = (Role.DEPARTMENT, Role.CREDIT_OFFICE)
APPLY_PATH = "/repairs"

AppId = Annotated[int, Path(ge=1, le=ID_MAX, description="修复申请编号 (application id)")]
AUTH: dict[int | str, dict[str, Any]] = {
    401: problem_doc("未认证 (not authenticated)"),
    403: problem_doc(
        "角色不允许，或不是该案件的办理单位 (role not allowed, or not this case's handler)"
    ),
}
NOT_FOUND = problem_doc("没有该申请，或不是调用者可见的 (no such application, or not yours)")
BAD = problem_doc("字段或材料不符合规则 (a field or a document breaks a rule)")
STATE = problem_doc(
    "申请状态不允许该操作，或不符合修复条件（逐条列明）(wrong state, or the repair "
    "conditions are not met: each one listed)"
)
TOO_LARGE = problem_doc("请求体过大 (the body is too large)")


def upload_limit(settings: Settings) -> int:
    """The largest application body: every document at the largest size, and the form."""
    return MAX_DOCUMENTS * settings.repair_document_max_bytes + MAX_BODY_BYTES


def body_limits(prefix: str, settings: Settings) -> dict[str, int]:
    """Body-limit overrides for :class:`credit_yrd.api.limits.BodyLimit`, in order (the first
    match wins): the JSON steps keep the usual limit, the uploads get :func:`upload_limit`."""
    small = {
        f"{prefix}/repairs/{{id}}/{step}": MAX_BODY_BYTES
        for step in ("decision", "accept", "withdraw")
    }
    return {**small, f"{prefix}{APPLY_PATH}": upload_limit(settings)}


def _standard(request: Request) -> Standard:
    return get_standard(_settings(request).standard_version)


def _settings(request: Request) -> Settings:
    settings = getattr(request.app.state, "settings", None)
    return settings if isinstance(settings, Settings) else get_settings()


def _log(
    conn: Connection,
    principal: Principal,
    subject_ids: Iterable[int],
    record_ids: list[int],
    clock: Clock,
    action: str,
) -> None:
    if principal.role not in HANDLERS:
        return
    reader = Reader.for_principal(principal, READ_PURPOSE)
    for subject_id in sorted(set(subject_ids)):
        log_read(
            conn, reader, subject_id=subject_id, record_ids=record_ids, action=action, clock=clock
        )


# --- shapes ----------------------------------------------------------------------------------


class DocumentView(BaseModel):
    id: int
    application_id: int
    kind: Literal["payment", "rectification", "commitment", "other"]
    kind_zh: str
    kind_en: str
    filename: str
    media_type: str
    size: int
    sha256: str
    uploaded_at: str


class StepView(BaseModel):
    id: int
    event: str
    label_zh: str
    label_en: str
    at: str
    actor: str
    detail: dict[str, Any]


class ApplicationView(BaseModel):
    """信用修复申请 (a repair application)."""

    id: int
    query_code: str | None = Field(
        description="查询码：只返回给申请人 (query code: shown to the applicant only)"
    )
    subject_id: int
    target: Literal["record", "listing"]
    record_id: int | None
    entry_id: int | None
    authority: str = Field(description="认定单位：谁认定、谁修复 (deciding authority)")
    province: str
    domain: str | None
    applicant: str
    corrected: str
    conditions: dict[str, Any] | None = Field(description="申请时核对的修复条件 (conditions)")
    status: Literal["submitted", "accepted", "approved", "refused", "withdrawn"]
    status_zh: str
    status_en: str
    received_at: str
    accept_due: str = Field(description="受理期限（工作日计）(acceptance deadline)")
    decide_due: str = Field(description="办结期限（工作日计）(decision deadline)")
    accepted_at: str | None
    decided_at: str | None
    decided_by: str | None
    reasons: str | None
    working_days: int | None = Field(description="办理用时（工作日）(handling time)")
    updated_at: str
    documents: list[DocumentView]
    steps: list[StepView]
    deliveries: list[dict[str, Any]] = Field(
        default_factory=list,
        description="准予后向各省平台和订阅部门的送达情况 (deliveries after approval)",
    )


class QueueItemView(BaseModel):
    """办理队列中的一件 (a case in a handler's queue)."""

    id: int
    status: str
    target: str
    record_id: int | None
    entry_id: int | None
    subject_id: int
    subject_name: str
    what_zh: str
    what_en: str
    province: str
    domain: str | None
    authority: str
    received_on: str
    due: str | None = Field(description="当前期限 (the deadline the case runs against)")
    accept_due: str
    decide_due: str
    days_left: int | None = Field(description="剩余工作日，逾期为负 (working days left)")
    overdue: bool
    calendar_warning: dict[str, str] | None


class RepairList(BaseModel):
    applications: list[ApplicationView] = Field(
        default_factory=list, description="主体本人的申请 (the subject's own applications)"
    )
    queue: list[QueueItemView] = Field(
        default_factory=list, description="办理单位的队列 (a handler's queue)"
    )


class ProgressView(BaseModel):
    """凭查询码查看的办理进度：不含任何证件号、材料或账户 (progress by query code)."""

    kind: Literal["repair"]
    query_code: str
    status: str
    status_zh: str
    status_en: str
    target: str
    record_kind_zh: str | None
    record_kind_en: str | None
    subject_name: str = Field(description="主体名称；自然人脱敏 (name; persons masked)")
    authority: str
    province: str
    received_on: str
    accept_due: str
    decide_due: str
    decided_on: str | None
    overdue: bool
    steps: list[dict[str, Any]]
    deliveries: dict[str, int]
    calendar_warning: dict[str, str] | None


class DecisionRequest(BaseModel):
    """修复决定 (the decision)."""

    approve: bool = Field(description="true 准予修复 / false 不予修复")
    reasons: str = Field(
        default="",
        max_length=apps.REASONS_MAX,
        description="理由；不予修复必填 (reasons; required for a refusal)",
    )


class FiguresView(BaseModel):
    """信用修复与异议统计 (repair and objection figures)."""

    on: str
    province: str | None
    rows: list[dict[str, Any]] = Field(
        description="各省：applications 申请、approvals 准予、refusals 不予、withdrawn 撤回、"
        "pending 办理中、overdue 逾期、average_working_days 平均办理工作日、objections 异议、"
        "published_records 公示中记录、objections_per_thousand 每千条公示记录异议数"
    )
    region: dict[str, Any]


class DeliveryFeed(BaseModel):
    events: list[dict[str, Any]] = Field(
        description="与推送请求体相同的事件，旧在前 (events as pushed, oldest first)"
    )
    next_after: int = Field(description="下次调用的 after (the cursor to pass next)")


class EndpointView(BaseModel):
    province: str
    url: str | None
    has_secret: bool
    delivery: Literal["push", "pull"]
    updated_at: str | None
    updated_by: str | None


class EndpointRequest(BaseModel):
    """省级平台推送地址；url 为空则改为拉取 (push URL; none: pull)."""

    url: str | None = Field(default=None, max_length=1000)
    secret: str | None = Field(
        default=None,
        max_length=deliveries.SECRET_MAX,
        description=f"签名密钥，{deliveries.SECRET_MIN}-{deliveries.SECRET_MAX} 个可打印 ASCII "
        "字符；有 url 时必填 (signing secret; required with a url)",
    )


class NoticeView(BaseModel):
    id: int
    kind: str
    ref: str
    title_zh: str
    title_en: str
    body_zh: str
    body_en: str
    created_at: str
    read_at: str | None


class NoticeList(BaseModel):
    notices: list[NoticeView]


def _view(conn: Connection, app: apps.Application, principal: Principal) -> ApplicationView:
    data = app.to_dict()
    data.pop("applicant_account_id", None)
    if principal.role is not Role.SUBJECT:
        data["query_code"] = None
    data["deliveries"] = deliveries.delivery_status(conn, app.id)
    return ApplicationView(**data)


def _readable(conn: Connection, principal: Principal, application_id: int) -> apps.Application:
    found = apps.get_application(conn, application_id)
    if found is None or not apps.may_read(principal, found):
        raise NotFound(
            f"编号为 {application_id} 的修复申请", f"repair application {application_id}"
        )
    return found


# --- applying --------------------------------------------------------------------------------


def _read_upload(upload: UploadFile, kind: str, settings: Settings) -> DocumentIn:
    content = upload.file.read(settings.repair_document_max_bytes + 1)
    return DocumentIn(
        kind=kind,
        filename=upload.filename or "document",
        media_type=upload.content_type or "",
        content=content,
    )


@router.post(
    APPLY_PATH,
    response_model=ApplicationView,
    status_code=201,
    dependencies=[allow(Role.SUBJECT)],
    responses={**AUTH, 400: BAD, 404: NOT_FOUND, 409: STATE, 413: TOO_LARGE},
    summary="申请信用修复 (apply for credit repair)",
    description="主体本人在线申请修复一条信用记录（target=record，record_id）或一个名单条目"
    "（target=listing，entry_id）：说明纠正情况（corrected），附信用承诺书（文件 commitment）和"
    "履行义务的证明（文件 evidence，可多份，每份在 evidence_kind 中按顺序写明 payment 缴款、"
    "rectification 整改或 other 其他）。文件限 PDF、PNG、JPEG（按内容判断）。不符合条件的逐条列明，"
    "不写入任何内容。返回申请及查询码。\n\n"
    "The subject applies online to repair one of its records (target=record, record_id) or "
    "listings (target=listing, entry_id): what was corrected, the signed credit commitment (file "
    "commitment) and proof that the duties were performed (files evidence, one or more, each "
    "with its kind in evidence_kind, in the same order: payment, rectification or other). PDF, "
    "PNG or JPEG only, judged by the bytes. Every failed condition is listed and nothing is "
    "written. Answers the application with its query code.",
)
def apply_for_repair(
    request: Request,
    store: Store,
    principal: Caller,
    target: Annotated[Literal["record", "listing"], Form(description="record 或 listing")],
    corrected: Annotated[
        str, Form(max_length=apps.CORRECTED_MAX, description="纠正失信行为、履行义务的情况")
    ],
    record_id: Annotated[int | None, Form(ge=1, le=ID_MAX)] = None,
    entry_id: Annotated[int | None, Form(ge=1, le=ID_MAX)] = None,
    commitment: Annotated[
        UploadFile | None, File(description="信用承诺书 (the signed credit commitment)")
    ] = None,
    evidence: Annotated[
        list[UploadFile] | None, File(description="履行义务的证明，可多份 (proof, one or more)")
    ] = None,
    evidence_kind: Annotated[
        list[Literal["payment", "rectification", "other"]] | None,
        Form(description="每份 evidence 的类别，顺序相同 (the kind of each evidence file)"),
    ] = None,
    lang: Lang = None,
) -> ApplicationView:
    settings = _settings(request)
    files = list(evidence or [])
    kinds = list(evidence_kind or [])
    if len(kinds) != len(files):
        raise HTTPException(
            status_code=400,
            detail=f"evidence_kind：须为每份 evidence 文件写明类别（{len(files)} 份文件，"
            f"{len(kinds)} 个类别）(evidence_kind: give one kind per evidence file: "
            f"{len(files)} files, {len(kinds)} kinds)",
        )
    if len(files) + (commitment is not None) > MAX_DOCUMENTS:
        raise HTTPException(
            status_code=400,
            detail=f"每份申请最多 {MAX_DOCUMENTS} 份材料 (at most {MAX_DOCUMENTS} documents)",
        )
    documents: list[DocumentIn] = []
    if commitment is not None:
        documents.append(_read_upload(commitment, "commitment", settings))
    documents.extend(_read_upload(f, k, settings) for f, k in zip(files, kinds, strict=True))
    with domain_errors(request), transaction(store) as conn:
        made = apps.apply(
            conn,
            clock=clock_of(request),
            settings=settings,
            standard=_standard(request),
            principal=principal,
            target=target,
            record_id=record_id,
            entry_id=entry_id,
            corrected=corrected,
            documents=documents,
        )
        return _view(conn, made, principal)


@router.get(
    "/repairs/progress/{query_code}",
    response_model=ProgressView,
    dependencies=[allow(Role.PUBLIC)],
    responses={404: problem_doc("没有该查询码的申请 (no application has this query code)")},
    summary="凭查询码查看办理进度 (progress by query code)",
    description="无需登录：办理状态、各步骤日期、期限、认定单位、信息类别和主体名称（自然人脱敏）；"
    "不显示任何证件号、材料或申请账户。格式不对的查询码与不存在的查询码回答相同。\n\n"
    "No login: status, steps with dates, deadlines, the deciding authority, the kind of record "
    "and the subject's name (natural persons masked); never identifiers, documents or the "
    "applicant's account. A malformed code gets the same answer as an unknown one.",
)
def repair_progress(
    request: Request, store: Store, query_code: Annotated[str, Path()], lang: Lang = None
) -> ProgressView:
    with store.connect() as conn:
        found = apps.progress(
            conn,
            query_code,
            settings=_settings(request),
            clock=clock_of(request),
            standard=_standard(request),
        )
    if found is None:
        raise HTTPException(
            status_code=404,
            detail="没有该查询码的申请，请核对后重试 (no application has this query code)",
        )
    return ProgressView(**found.to_dict())


@router.get(
    "/repairs/figures",
    response_model=FiguresView,
    dependencies=[allow(Role.CREDIT_OFFICE)],
    responses={
        400: problem_doc("省份无效 (bad province)"),
        401: problem_doc("未认证 (not authenticated)"),
        403: problem_doc("仅限信用办；省级信用办只能看本省 (credit offices; a province its own)"),
    },
    summary="信用修复与异议统计 (repair and objection figures)",
    description="各省及全区域：申请、准予、不予、撤回、办理中、逾期、平均办理工作日、异议数、每千条公示"
    "记录的异议数。省级信用办只看本省。\n\n"
    "Per province and for the region: applications, approvals, refusals, withdrawn, pending, "
    "overdue, average handling time in working days, objections, objections per thousand "
    "published records. A provincial credit office sees its own province.",
)
def repair_figures(
    request: Request,
    store: Store,
    principal: Caller,
    province: Annotated[
        str | None, Query(pattern=r"^(31|32|33|34)$", description="省份 31 32 33 34")
    ] = None,
    lang: Lang = None,
) -> FiguresView:
    own = principal.province
    if own is not None and province is not None and province != own:
        raise HTTPException(
            status_code=403,
            detail=f"省级信用办只能查看本省（{own}）的统计 (a provincial credit office sees its "
            f"own province, {own}, only)",
        )
    with domain_errors(request), store.connect() as conn:
        found = figures.repair_figures(
            conn, clock=clock_of(request), settings=_settings(request), province=own or province
        )
    return FiguresView(**found)


@router.get(
    "/repairs",
    response_model=RepairList,
    dependencies=[allow(Role.SUBJECT, *HANDLERS)],
    responses={**AUTH, 400: problem_doc("参数无效 (bad parameter)")},
    summary="我的修复申请；办理队列 (my applications; the handler's queue)",
    description="主体：本人的全部申请，新在前。部门和信用办：本单位办理的案件（缺省为办理中的），"
    "最紧急的在前，含剩余工作日、是否逾期和日历告警；读取记入访问日志。\n\n"
    "A subject: its own applications, newest first. Departments and credit offices: the cases "
    "they handle (open ones by default), the most urgent first, with working days left, overdue "
    "and the calendar warning; the read is logged.",
)
def list_repairs(
    request: Request,
    store: Store,
    principal: Caller,
    status: Annotated[
        Literal["submitted", "accepted", "approved", "refused", "withdrawn"] | None,
        Query(description="状态筛选（办理队列）(status filter, handlers)"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=apps.QUEUE_MAX)] = 100,
    lang: Lang = None,
) -> RepairList:
    clock = clock_of(request)
    with domain_errors(request), transaction(store) as conn:
        if principal.role is Role.SUBJECT:
            own = apps.applications_of_subject(conn, principal.subject_id or 0)
            if status:
                own = [a for a in own if a.status == status]
            return RepairList(applications=[_view(conn, a, principal) for a in own[:limit]])
        queue = apps.handler_queue(
            conn,
            principal,
            clock=clock,
            settings=_settings(request),
            status=status,
            limit=limit,
            standard=_standard(request),
        )
        _log(conn, principal, (i.subject_id for i in queue), [], clock, "repair.queue")
    return RepairList(queue=[QueueItemView(**i.to_dict()) for i in queue])


@router.get(
    "/repairs/{application_id}",
    response_model=ApplicationView,
    dependencies=[allow(Role.SUBJECT, *HANDLERS)],
    responses={**AUTH, 404: NOT_FOUND},
    summary="一份修复申请 (one repair application)",
    description="申请人或办理单位查看申请、材料清单、各步骤和送达情况；办理单位的读取记入访问日志。\n\n"
    "The applicant or a handler reads the application, its documents, steps and deliveries; "
    "handlers' reads are logged.",
)
def one_repair(
    request: Request, application_id: AppId, store: Store, principal: Caller, lang: Lang = None
) -> ApplicationView:
    clock = clock_of(request)
    with domain_errors(request), transaction(store) as conn:
        found = _readable(conn, principal, application_id)
        _log(
            conn,
            principal,
            [found.subject_id],
            [found.record_id] if found.record_id else [],
            clock,
            "repair.read",
        )
        return _view(conn, found, principal)


DocId = Annotated[int, Path(ge=1, le=ID_MAX, description="材料编号 (document id)")]


@router.get(
    "/repairs/{application_id}/documents/{document_id}",
    response_class=Response,
    dependencies=[allow(Role.SUBJECT, *HANDLERS)],
    responses={
        **AUTH,
        404: NOT_FOUND,
        200: {
            "description": "材料文件 (the document)",
            "content": {"application/pdf": {}, "image/png": {}, "image/jpeg": {}},
        },
    },
    summary="下载申请材料 (download a document)",
    description="申请人或办理单位下载材料（作为附件，不在浏览器中打开）；办理单位的读取记入访问日志。"
    "\n\nThe applicant or a handler downloads a document (as an attachment); handlers' reads are "
    "logged.",
)
def repair_document(
    request: Request,
    application_id: AppId,
    document_id: DocId,
    store: Store,
    principal: Caller,
    lang: Lang = None,
) -> Response:
    clock = clock_of(request)
    with domain_errors(request), transaction(store) as conn:
        found = _readable(conn, principal, application_id)
        got = apps.document(conn, application_id, document_id)
        if got is None:
            raise NotFound(f"编号为 {document_id} 的材料", f"document {document_id}")
        _log(
            conn,
            principal,
            [found.subject_id],
            [found.record_id] if found.record_id else [],
            clock,
            "repair.document",
        )
    meta, content = got
    ascii_name = (
        meta.filename.encode("ascii", "replace").decode().replace('"', "_").replace("?", "_")
    )
    return Response(
        content,
        media_type=meta.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{ascii_name}"; '
            f"filename*=UTF-8''{quote(meta.filename)}",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )


class DocumentAdded(BaseModel):
    document_id: int
    application: ApplicationView


@router.post(
    "/repairs/{application_id}/documents",
    response_model=DocumentAdded,
    status_code=201,
    dependencies=[allow(Role.SUBJECT)],
    responses={**AUTH, 400: BAD, 404: NOT_FOUND, 409: STATE, 413: TOO_LARGE},
    summary="补充材料 (add a document)",
    description="申请人在受理前或办理中补充一份材料（file，类别 kind）。\n\n"
    "The applicant adds one document (file, of kind kind) while the case is open.",
)
def add_repair_document(
    request: Request,
    application_id: AppId,
    store: Store,
    principal: Caller,
    kind: Annotated[Literal["payment", "rectification", "commitment", "other"], Form()],
    file: Annotated[UploadFile, File(description="PDF、PNG 或 JPEG")],
    lang: Lang = None,
) -> DocumentAdded:
    settings = _settings(request)
    document = _read_upload(file, kind, settings)
    with domain_errors(request), transaction(store) as conn:
        doc_id = apps.add_document(
            conn,
            clock=clock_of(request),
            settings=settings,
            principal=principal,
            application_id=application_id,
            document=document,
        )
        found = _readable(conn, principal, application_id)
        return DocumentAdded(document_id=doc_id, application=_view(conn, found, principal))


def _case_step(
    request: Request,
    store: Engine,
    principal: Principal,
    application_id: int,
    step: Callable[..., apps.Application],
) -> ApplicationView:
    """Take a step that needs nothing but the caller (accept, withdraw) and show the case."""
    with domain_errors(request), transaction(store) as conn:
        found = step(
            conn, clock=clock_of(request), principal=principal, application_id=application_id
        )
        return _view(conn, found, principal)


@router.post(
    "/repairs/{application_id}/accept",
    response_model=ApplicationView,
    dependencies=[allow(*HANDLERS)],
    responses={**AUTH, 404: NOT_FOUND, 409: STATE},
    summary="受理 (accept for handling)",
    description="认定单位或信用办受理申请；申请人收到通知。\n\nThe deciding authority or the "
    "credit office accepts the application; the subject is told.",
)
def accept_repair(
    request: Request, application_id: AppId, store: Store, principal: Caller, lang: Lang = None
) -> ApplicationView:
    return _case_step(request, store, principal, application_id, apps.accept)


@router.post(
    "/repairs/{application_id}/decision",
    response_model=ApplicationView,
    dependencies=[allow(*HANDLERS)],
    responses={**AUTH, 400: BAD, 404: NOT_FOUND, 409: STATE},
    summary="作出修复决定 (decide)",
    description="准予（approve=true）：同一事务中终止公示、停止共享、移出相关名单条目（联合惩戒随之"
    "解除），并向四省平台和全部订阅部门送达；不予（approve=false）须说明理由，其他一概不变。申请人"
    "均收到通知。\n\n"
    "Approve: in the same transaction publication ends, sharing stops, the listings resting on "
    "the record are removed (their joint measures lifted) and deliveries to the four provinces "
    "and every subscriber are queued. Refuse: reasons required, nothing else changes. The "
    "subject is told either way.",
)
def decide_repair(
    request: Request,
    application_id: AppId,
    body: DecisionRequest,
    store: Store,
    principal: Caller,
    lang: Lang = None,
) -> ApplicationView:
    with domain_errors(request), transaction(store) as conn:
        found = apps.decide(
            conn,
            clock=clock_of(request),
            settings=_settings(request),
            standard=_standard(request),
            principal=principal,
            application_id=application_id,
            approve=body.approve,
            reasons=body.reasons,
        )
        return _view(conn, found, principal)


@router.post(
    "/repairs/{application_id}/withdraw",
    response_model=ApplicationView,
    dependencies=[allow(Role.SUBJECT)],
    responses={**AUTH, 404: NOT_FOUND, 409: STATE},
    summary="撤回申请 (withdraw)",
    description="申请人在决定前撤回申请。\n\nThe applicant withdraws before the decision.",
)
def withdraw_repair(
    request: Request, application_id: AppId, store: Store, principal: Caller, lang: Lang = None
) -> ApplicationView:
    return _case_step(request, store, principal, application_id, apps.withdraw)


# --- deliveries and endpoints ----------------------------------------------------------------


@router.get(
    "/repair-deliveries",
    response_model=DeliveryFeed,
    dependencies=[allow(Role.DATA_SOURCE, Role.DEPARTMENT)],
    responses={**AUTH, 503: problem_doc("正在写入，请稍后重试 (busy; try again)")},
    summary="拉取修复结果 (pull repair deliveries)",
    description="没有推送地址的省级平台（数据来源）取本省的修复结果，部门取本部门订阅的修复结果："
    "编号大于 after 的事件（与推送请求体相同），旧在前；读取即视为送达。\n\n"
    "Province platforms (data sources) without a push URL read their province's repairs, "
    "departments their subscriptions': the events after after (each the same as a pushed body), "
    "oldest first; reading them counts as delivered.",
)
def pull_repair_deliveries(
    request: Request,
    store: Store,
    principal: Caller,
    after: Annotated[int, Query(ge=0, le=ID_MAX, description="游标 (cursor)")] = 0,
    limit: Annotated[int, Query(ge=1, le=deliveries.PULL_MAX_LIMIT)] = 100,
    lang: Lang = None,
) -> DeliveryFeed:
    with domain_errors(request), transaction(store) as conn:
        found = deliveries.pull(conn, principal, after=after, limit=limit, clock=clock_of(request))
    return DeliveryFeed(**found)


Province = Annotated[str, Path(pattern=r"^(31|32|33|34)$", description="省份 31 32 33 34")]


def _own_province(principal: Principal, province: str) -> None:
    if principal.province is not None and principal.province != province:
        raise HTTPException(
            status_code=403,
            detail=f"省级信用办只能管理本省（{principal.province}）的推送地址 (a provincial credit "
            f"office manages its own province's address, {principal.province}, only)",
        )


@router.get(
    "/platforms/{province}/endpoint",
    response_model=EndpointView,
    dependencies=[allow(Role.CREDIT_OFFICE)],
    responses=AUTH,
    summary="省级平台推送地址 (a province platform's push address)",
    description="推送地址与方式（push 推送 / pull 拉取）；从不返回签名密钥。\n\n"
    "The push address and mode; the signing secret is never returned.",
)
def get_endpoint(
    province: Province, store: Store, principal: Caller, lang: Lang = None
) -> EndpointView:
    _own_province(principal, province)
    with store.connect() as conn:
        found = next(e for e in deliveries.list_endpoints(conn) if e.province == province)
    return EndpointView(**found.to_dict())


@router.put(
    "/platforms/{province}/endpoint",
    response_model=EndpointView,
    dependencies=[allow(Role.CREDIT_OFFICE)],
    responses={**AUTH, 400: problem_doc("地址或密钥无效 (bad URL or secret)")},
    summary="设置省级平台推送地址 (set a province platform's push address)",
    description="设置推送地址和签名密钥（HMAC-SHA256，与联合奖惩推送相同）；url 为空则改为拉取。"
    "该省未送达的修复结果随即按新方式送达。\n\n"
    "Set the push URL and signing secret (HMAC-SHA256, as for joint actions); no url: pull. The "
    "province's undelivered repairs follow the new mode at once.",
)
def put_endpoint(
    request: Request,
    province: Province,
    body: EndpointRequest,
    store: Store,
    principal: Caller,
    lang: Lang = None,
) -> EndpointView:
    _own_province(principal, province)
    with domain_errors(request), transaction(store) as conn:
        found = deliveries.set_endpoint(
            conn,
            clock=clock_of(request),
            principal=principal,
            province=province,
            url=body.url,
            secret=body.secret,
            settings=_settings(request),
        )
    return EndpointView(**found.to_dict())


# --- notices -----------------------------------------------------------------------------------

NOTICE_ROLES = (Role.SUBJECT, Role.DEPARTMENT, Role.CREDIT_OFFICE)


@router.get(
    "/notices",
    response_model=NoticeList,
    dependencies=[allow(*NOTICE_ROLES)],
    responses=AUTH,
    summary="我的通知 (my notices)",
    description="主体收到的告知（受理、准予、不予及理由），部门和信用办收到的新案件与期限提醒，新在前。"
    "\n\nNotices to the subject (accepted, approved, refused with reasons) and to handlers (new "
    "cases, deadline reminders), newest first.",
)
def my_notices(
    store: Store,
    principal: Caller,
    unread: Annotated[bool, Query(description="只看未读 (unread only)")] = False,
    limit: Annotated[int, Query(ge=1, le=notices_read.MAX_LIMIT)] = 50,
    lang: Lang = None,
) -> NoticeList:
    with store.connect() as conn:
        found = notices_read.notices_for(conn, principal, limit=limit, unread_only=unread)
    return NoticeList(notices=[NoticeView(**n.to_dict()) for n in found])


NoticeId = Annotated[int, Path(ge=1, le=ID_MAX, description="通知编号 (notice id)")]


@router.post(
    "/notices/{notice_id}/read",
    response_model=NoticeView,
    dependencies=[allow(*NOTICE_ROLES)],
    responses={**AUTH, 404: problem_doc("没有该通知 (no such notice of yours)")},
    summary="标记已读 (mark read)",
    description="将本人的一条通知标记为已读。\n\nMark one of your notices read.",
)
def read_notice(
    request: Request, notice_id: NoticeId, store: Store, principal: Caller, lang: Lang = None
) -> NoticeView:
    with domain_errors(request), transaction(store) as conn:
        found = notices_read.mark_read(conn, principal, notice_id, clock=clock_of(request))
    return NoticeView(**found.to_dict())
