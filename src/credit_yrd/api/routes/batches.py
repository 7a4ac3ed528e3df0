"""``/api/v1/sources/{source}/batches`` and ``/api/v1/batches``: sources push record files and
read their receipts and quarantines.

A data source (``data_source`` key) pushes and reads its own source's batches only; the credit
office (``credit_office`` key) any source's. The upload body is the file itself, streamed to a
temporary file under ``data_dir/incoming`` (never held in memory) and ingested as one atomic batch
in a worker thread; the temporary file is deleted afterwards. Uploads have their own body limit
(:data:`credit_yrd.api.limits.MAX_BATCH_BYTES`), not the app's 1 MiB.

Receipts served here name the quarantine by its download path
(``/api/v1/batches/{id}/quarantine``), never by the server's file path.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path as FilePath
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.engine import Engine

from credit_yrd.api import limits
from credit_yrd.api.access import Role, allow
from credit_yrd.api.deps import clock_of, current_principal, get_engine, settings_of
from credit_yrd.auth.api_keys import Principal
from credit_yrd.ingest import InputFileError, UnknownSourceError, context_for, ingest_file
from credit_yrd.ingest.pipeline import IngestContext
from credit_yrd.ledger.audit import Reader, log_read
from credit_yrd.store.engine import transaction
from credit_yrd.store.schema import batches, sources

QUARANTINE_PURPOSE = "批次拒收行核查 (reviewing a batch's rejected rows)"

router = APIRouter(tags=["批次 batches"])

#: The upload route's path below ``/api/v1`` (the app gives it the batch body limit).
UPLOAD_PATH = "/sources/{source}/batches"
#: Media types an upload may declare, and the source formats each fits.
UPLOAD_TYPES: dict[str, frozenset[str]] = {
    "text/csv": frozenset({"csv"}),
    "application/x-ndjson": frozenset({"jsonl"}),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": frozenset({"xlsx"}),
    "application/octet-stream": frozenset({"csv", "jsonl", "xlsx"}),
}
NDJSON = "application/x-ndjson"
#: Bytes gathered before one write to the temporary file (bounds memory per upload).
WRITE_BUFFER_BYTES = 1_048_576
FILE_NAME_MAX_CHARS = 255
DEFAULT_PAGE = 50
MAX_PAGE = 200

SourceCode = Annotated[
    str,
    Path(
        pattern=r"^[a-z][a-z0-9_]{0,31}$",
        description="来源代码，如 shanghai (source code, e.g. shanghai)",
    ),
]
BatchId = Annotated[int, Path(ge=1, le=2**63 - 1, description="批次编号 (batch id)")]
Caller = Annotated[Principal, Depends(current_principal)]
Store = Annotated[Engine, Depends(get_engine)]


class Problem(BaseModel):
    """RFC 9457 problem details, as every error of the API is answered."""

    type: str = Field(default="about:blank")
    title: str = Field(description="错误类别 (error class)")
    status: int = Field(description="HTTP 状态码 (HTTP status)")
    detail: str = Field(
        description="说明，中文在前、英文在括号中 (Chinese, then English in brackets)"
    )
    instance: str = Field(description="请求路径 (request path)")


def problem_doc(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/problem+json": {"schema": Problem.model_json_schema()}},
    }


AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: problem_doc("未提供 API 密钥，或密钥无效、已吊销 (no API key, or invalid or revoked)"),
    403: problem_doc(
        "角色不允许，或数据来源访问其他来源的批次 (role not allowed, or a data source reaching "
        "another source's batches)"
    ),
}


class BatchReceipt(BaseModel):
    """批次回执：每一行读入的数据的去向 (a batch receipt: what happened to every row read).

    ``accepted`` (= ``new`` + ``changed`` + ``unchanged``) plus ``rejected`` equals ``read``.
    Fields the pipeline adds later pass through unchanged.
    """

    model_config = ConfigDict(extra="allow")

    batch_id: int | None = Field(
        description="批次编号；重复提交时为空，见 duplicate_of (batch id; null for a duplicate)"
    )
    source: str = Field(description="来源代码 (source code)")
    file: str = Field(description="文件名 (file name as sent)")
    content_sha256: str = Field(description="文件内容的 SHA-256 (SHA-256 of the file's bytes)")
    status: str = Field(
        description="accepted：已入库；duplicate：同一内容此前已接收，返回当时的回执 "
        "(accepted: stored; duplicate: the same bytes were accepted before, their receipt is "
        "returned)"
    )
    read: int = Field(description="读入行数 (rows read)")
    accepted: int = Field(description="接收行数 = new + changed + unchanged (rows accepted)")
    new: int = Field(description="新记录 (new records)")
    changed: int = Field(description="有变更的记录（新版本）(changed records: a new version)")
    unchanged: int = Field(description="未变化的记录 (records seen before, unchanged)")
    rejected: int = Field(description="拒收行数，见隔离文件 (rows rejected; see the quarantine)")
    unresolved: int = Field(
        default=0, description="主体待人工确认的行数 (accepted rows whose subject awaits review)"
    )
    kinds: dict[str, int] = Field(
        default_factory=dict, description="各信息类别的行数 (rows per record kind)"
    )
    rejected_by_rule: dict[str, int] = Field(
        default_factory=dict, description="各规则拒收的问题数 (problems per rule broken)"
    )
    linked_by: dict[str, int] = Field(
        default_factory=dict, description="主体关联方式的计数 (rows per subject-linking method)"
    )
    quarantine: str | None = Field(
        default=None,
        description="隔离文件的下载路径；无拒收行时为空 (download path of the quarantine file; "
        "null when nothing was rejected)",
    )
    duplicate_of: int | None = Field(
        default=None, description="重复提交时，此前批次的编号 (for a duplicate, the earlier batch)"
    )


class BatchSummary(BaseModel):
    """批次列表中的一项 (one batch in a list)."""

    id: int = Field(description="批次编号 (batch id)")
    source: str = Field(description="来源代码 (source code)")
    file_name: str | None = Field(description="文件名 (file name)")
    status: str = Field(description="批次状态 (batch status)")
    received_at: dt.datetime = Field(description="接收时间 (received at)")
    completed_at: dt.datetime | None = Field(description="完成时间 (completed at)")
    content_sha256: str = Field(description="文件内容的 SHA-256 (SHA-256 of the file)")
    read: int | None = Field(description="读入行数 (rows read)")
    accepted: int | None = Field(description="接收行数 (rows accepted)")
    rejected: int | None = Field(description="拒收行数 (rows rejected)")
    quarantine: str | None = Field(
        description="隔离文件的下载路径 (download path of the quarantine file)"
    )


class BatchPage(BaseModel):
    """一页批次，新的在前 (one page of batches, newest first)."""

    items: list[BatchSummary]
    limit: int = Field(description="每页条数 (page size)")
    next_cursor: str | None = Field(
        description="下一页的游标，作为 cursor 传回；没有更多时为空 (cursor of the next page, pass "
        "it back as cursor; null at the end)"
    )


def _forbid_other_source(principal: Principal, source: str, engine: Engine) -> None:
    """A data source reaches only its own batches; a provincial credit office only those of its
    province's sources (and of the national source); the regional office every source."""
    if principal.role is Role.DATA_SOURCE and principal.source != source:
        raise HTTPException(
            status_code=403,
            detail=f"此密钥属于来源“{principal.source}”，不能访问来源“{source}”的批次 "
            f"(this key belongs to source {principal.source!r}, not {source!r})",
        )
    if principal.role is Role.CREDIT_OFFICE and principal.province is not None:
        with engine.connect() as conn:
            province = conn.execute(
                select(sources.c.province).where(sources.c.code == source)
            ).scalar()
        if province is not None and province != principal.province:
            raise HTTPException(
                status_code=403,
                detail=f"省级信用办只能访问本省（{principal.province}）来源的批次 "
                f"(a provincial credit office reaches only its province's sources)",
            )


def _quarantine_url(request: Request, batch_id: int) -> str:
    return str(request.app.url_path_for("batch_quarantine", batch_id=str(batch_id)))


def _served_receipt(
    request: Request, receipt: dict[str, Any], quarantine_batch: int | None
) -> dict[str, Any]:
    """A receipt as the API shows it: the quarantine as a download path, not a server path."""
    shown = dict(receipt)
    has_quarantine = bool(receipt.get("quarantine"))
    shown["quarantine"] = (
        _quarantine_url(request, quarantine_batch)
        if has_quarantine and quarantine_batch is not None
        else None
    )
    return shown


def _check_file_name(file_name: str) -> str:
    name = file_name.strip()
    if not name or any(ch in name for ch in ("/", "\\", "\x00")) or name in (".", ".."):
        raise HTTPException(
            status_code=422,
            detail="file_name 须为不含路径的文件名 (file_name must be a bare file name, no path)",
        )
    return name


def _check_media_type(request: Request, fmt: str, source: str) -> None:
    declared = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    formats = UPLOAD_TYPES.get(declared)
    if formats is None:
        accepted = ", ".join(UPLOAD_TYPES)
        raise HTTPException(
            status_code=415,
            detail=f"不支持的 Content-Type“{declared or '（无）'}”；可用：{accepted} "
            f"(unsupported Content-Type {declared or '(none)'!r}; use one of {accepted})",
        )
    if fmt not in formats:
        raise HTTPException(
            status_code=415,
            detail=f"来源“{source}”发送 {fmt} 文件，与 Content-Type {declared} 不符 "
            f"(source {source!r} sends {fmt} files, which {declared} does not fit)",
        )


def _precheck_name(ctx: IngestContext, name: str) -> None:
    """Refuse before the upload when the file name cannot match the mapping (CSV, JSON Lines);
    the pipeline would refuse the same file after it was received."""
    mapping = ctx.mapping
    if mapping.format != "xlsx" and mapping.kind_for_file(name) is None:
        raise InputFileError(
            name,
            f"文件名与映射文件（{mapping.code}）中任何信息类别的文件名模式都不匹配",
            f"the file name matches no record kind's pattern in the mapping of {mapping.code}",
        )


async def _receive_to(request: Request, target: FilePath, limit: int) -> int:
    """Stream the request body into ``target``; 413 past ``limit`` bytes. Returns the size."""
    size = 0
    buffer = bytearray()
    with target.open("wb") as handle:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise HTTPException(
                    status_code=413,
                    detail=f"请求体超过 {limit} 字节 (request body over {limit} bytes)",
                )
            buffer += chunk
            if len(buffer) >= WRITE_BUFFER_BYTES:
                await run_in_threadpool(handle.write, bytes(buffer))
                buffer.clear()
        if buffer:
            await run_in_threadpool(handle.write, bytes(buffer))
    return size


def _unprocessable(exc: InputFileError) -> HTTPException:
    return HTTPException(status_code=422, detail=str(exc))


UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "description": "文件原始字节 (the file's raw bytes)",
        "content": {
            media_type: {"schema": {"type": "string", "format": "binary"}}
            for media_type in UPLOAD_TYPES
        },
    }
}


@router.post(
    UPLOAD_PATH,
    status_code=201,
    response_model=BatchReceipt,
    dependencies=[allow(Role.DATA_SOURCE, Role.CREDIT_OFFICE)],
    summary="推送一个批次文件 (push one batch file)",
    description=(
        "请求体即文件本身（CSV、JSON Lines 或 XLSX）。整份文件作为一个批次原子入库；逐行问题进入"
        "隔离文件。相同内容再次推送时返回此前的回执（200，status = duplicate），不写入任何数据。"
        "数据来源密钥只能推送本来源。\n\n"
        "The body is the file itself (CSV, JSON Lines or XLSX). The whole file is one atomic "
        "batch; rows with problems go to the quarantine. Sending the same bytes again returns the earlier "
        "receipt (200, status duplicate) and writes nothing. A data_source key may push only its "
        f"own source. Bodies up to {limits.MAX_BATCH_BYTES} bytes."
    ),
    openapi_extra=UPLOAD_BODY,
    responses={
        200: {
            "model": BatchReceipt,
            "description": "重复提交：此前的回执 (duplicate: the earlier receipt)",
        },
        **AUTH_RESPONSES,
        404: problem_doc("没有该来源 (no such source)"),
        413: problem_doc("文件超过批次上限 (file over the batch limit)"),
        415: problem_doc("Content-Type 不支持或与来源格式不符 (unsupported Content-Type)"),
        422: problem_doc(
            "文件名与来源映射不符，或文件整体无法读取 (file name not in the source's mapping, "
            "or the file cannot be read as a whole)"
        ),
    },
)
async def push_batch(
    request: Request,
    response: Response,
    source: SourceCode,
    file_name: Annotated[
        str,
        Query(
            min_length=1,
            max_length=FILE_NAME_MAX_CHARS,
            description="原文件名，须与来源映射的文件名模式相符，如 2025_行政处罚.csv "
            "(the file's name; must match the source mapping's patterns)",
        ),
    ],
    principal: Caller,
    engine: Store,
) -> dict[str, Any]:
    await run_in_threadpool(_forbid_other_source, principal, source, engine)
    name = _check_file_name(file_name)
    settings = settings_of(request.app)
    try:
        ctx = await run_in_threadpool(context_for, engine, source, settings=settings)
    except UnknownSourceError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    _check_media_type(request, ctx.mapping.format, source)
    try:
        _precheck_name(ctx, name)
    except InputFileError as exc:
        raise _unprocessable(exc) from None

    limit = getattr(request.app.state, "max_batch_bytes", limits.MAX_BATCH_BYTES)
    incoming = settings.data_dir / "incoming"
    incoming.mkdir(parents=True, exist_ok=True)
    suffix = FilePath(name).suffix.lower()
    fd, raw_path = tempfile.mkstemp(
        dir=incoming, prefix="upload-", suffix=suffix if suffix.isascii() else ""
    )
    os.close(fd)
    path = FilePath(raw_path)
    try:
        await _receive_to(request, path, limit)
        try:
            receipt = await run_in_threadpool(ingest_file, ctx, path, name)
        except InputFileError as exc:
            raise _unprocessable(exc) from None
    finally:
        path.unlink(missing_ok=True)

    data = receipt.to_dict()
    if receipt.status == "duplicate":
        response.status_code = 200
        return _served_receipt(request, data, receipt.duplicate_of)
    return _served_receipt(request, data, receipt.batch_id)


def _source_exists(engine: Engine, source: str) -> bool:
    with engine.connect() as conn:
        found = conn.execute(select(sources.c.code).where(sources.c.code == source)).first()
    return found is not None


def _counts(row: Any) -> dict[str, Any]:
    return dict(row.counts) if row.counts else {}


@router.get(
    UPLOAD_PATH,
    response_model=BatchPage,
    dependencies=[allow(Role.DATA_SOURCE, Role.CREDIT_OFFICE)],
    summary="来源的批次，新的在前 (a source's batches, newest first)",
    description=(
        "按游标（cursor，取上一页的 next_cursor）或偏移（offset）翻页，二者不能同时使用。\n\n"
        "Page with cursor (the previous page's next_cursor) or with offset, not both."
    ),
    responses={**AUTH_RESPONSES, 404: problem_doc("没有该来源 (no such source)")},
)
def list_batches(
    request: Request,
    source: SourceCode,
    principal: Caller,
    engine: Store,
    limit: Annotated[
        int, Query(ge=1, le=MAX_PAGE, description="每页条数 1–200 (page size)")
    ] = DEFAULT_PAGE,
    cursor: Annotated[
        str | None,
        Query(
            pattern=r"^[0-9]{1,19}$",
            description="上一页的 next_cursor (next_cursor of the last page)",
        ),
    ] = None,
    offset: Annotated[
        int | None, Query(ge=0, le=10_000_000, description="跳过的条数 (items to skip)")
    ] = None,
) -> dict[str, Any]:
    _forbid_other_source(principal, source, engine)
    if cursor is not None and offset is not None:
        raise HTTPException(
            status_code=422,
            detail="cursor 与 offset 不能同时使用 (use cursor or offset, not both)",
        )
    if not _source_exists(engine, source):
        raise HTTPException(status_code=404, detail=f"没有来源“{source}” (no source {source!r})")
    query = (
        select(batches)
        .where(batches.c.source == source)
        .order_by(batches.c.id.desc())
        .limit(limit + 1)
    )
    if cursor is not None:
        query = query.where(batches.c.id < int(cursor))
    elif offset:
        query = query.offset(offset)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    more = len(rows) > limit
    rows = rows[:limit]
    items = []
    for row in rows:
        counts = _counts(row)
        items.append(
            {
                "id": int(row.id),
                "source": row.source,
                "file_name": row.file_name,
                "status": row.status,
                "received_at": row.received_at,
                "completed_at": row.completed_at,
                "content_sha256": row.content_sha256,
                "read": counts.get("read"),
                "accepted": counts.get("accepted"),
                "rejected": counts.get("rejected"),
                "quarantine": _quarantine_url(request, int(row.id))
                if row.quarantine_path
                else None,
            }
        )
    return {
        "items": items,
        "limit": limit,
        "next_cursor": str(int(rows[-1].id)) if more and rows else None,
    }


def _batch_row(engine: Engine, batch_id: int, principal: Principal) -> Any:
    with engine.connect() as conn:
        row = conn.execute(select(batches).where(batches.c.id == batch_id)).first()
    if row is None:
        raise HTTPException(
            status_code=404, detail=f"没有编号为 {batch_id} 的批次 (no batch {batch_id})"
        )
    _forbid_other_source(principal, row.source, engine)
    return row


@router.get(
    "/batches/{batch_id}",
    response_model=BatchReceipt,
    dependencies=[allow(Role.DATA_SOURCE, Role.CREDIT_OFFICE)],
    summary="一个批次的回执 (the receipt of one batch)",
    responses={**AUTH_RESPONSES, 404: problem_doc("没有该批次 (no such batch)")},
)
def get_batch(request: Request, batch_id: BatchId, principal: Caller, engine: Store) -> Any:
    row = _batch_row(engine, batch_id, principal)
    receipt = _counts(row)
    if not receipt:  # a batch that never completed has no receipt yet
        receipt = {
            "source": row.source,
            "file": row.file_name or "",
            "content_sha256": row.content_sha256,
            "read": 0,
            "accepted": 0,
            "new": 0,
            "changed": 0,
            "unchanged": 0,
            "rejected": 0,
        }
    receipt.update(
        batch_id=int(row.id),
        status=row.status,
        quarantine=row.quarantine_path,
        duplicate_of=receipt.get("duplicate_of"),
    )
    return _served_receipt(request, receipt, int(row.id))


@router.get(
    "/batches/{batch_id}/quarantine",
    name="batch_quarantine",
    response_class=FileResponse,
    dependencies=[allow(Role.DATA_SOURCE, Role.CREDIT_OFFICE)],
    summary="一个批次的隔离文件 (the quarantine file of one batch)",
    description=(
        "JSON Lines：每行一条拒收的原始行及其原因 (file, sheet, row, kind, raw, reasons)。\n\n"
        "JSON Lines: one rejected row per line, as it came, with every reason."
    ),
    responses={
        200: {
            "description": "隔离文件 (the quarantine file)",
            "content": {NDJSON: {"schema": {"type": "string"}}},
        },
        **AUTH_RESPONSES,
        404: problem_doc("没有该批次或该批次没有拒收行 (no such batch, or nothing rejected)"),
    },
)
def get_quarantine(
    request: Request, batch_id: BatchId, principal: Caller, engine: Store
) -> FileResponse:
    row = _batch_row(engine, batch_id, principal)
    path = FilePath(row.quarantine_path).resolve() if row.quarantine_path else None
    folder = settings_of(request.app).quarantine_dir().resolve()
    # Serve only files inside the quarantine folder, whatever the batches table says.
    if path is None or not path.is_relative_to(folder) or not path.is_file():
        raise HTTPException(
            status_code=404,
            detail=f"批次 {batch_id} 没有隔离文件 (batch {batch_id} has no quarantine file)",
        )
    # Rejected rows are raw input (they may hold personal data): the download is a logged read.
    with transaction(engine) as conn:
        log_read(
            conn,
            Reader.for_principal(principal, QUARANTINE_PURPOSE),
            subject_id=None,
            record_ids=[],
            action=f"GET {request.url.path}",
            clock=clock_of(request),
        )
    return FileResponse(
        path,
        media_type=NDJSON,
        filename=f"batch-{batch_id:06d}-quarantine.jsonl",
    )
