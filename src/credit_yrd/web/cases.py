"""What the pages of credit repair (信用修复) and objections (异议) share: the labels of statuses,
steps, grounds, outcomes, document kinds and record marks in the visitor's language, the reading of
a 查询码 typed by a person, the multipart form of an application with its uploaded documents
(bounded in size and count before anything is parsed), and the list entries that rest on a record
under objection."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from sqlalchemy import select
from sqlalchemy.engine import Connection
from starlette.datastructures import UploadFile
from starlette.requests import Request as StarletteRequest
from starlette.types import Message

from credit_yrd.i18n import pick
from credit_yrd.ledger.files import MARKS
from credit_yrd.repair import applications, documents, objections
from credit_yrd.repair.common import normalise_query_code
from credit_yrd.repair.documents import MAX_DOCUMENTS
from credit_yrd.store._sql import chunked, one_of
from credit_yrd.store.schema import list_entries, records
from credit_yrd.web.errors import PageError, not_found

MAX_ID = 2**63 - 1
#: Longest statement (what was corrected, the objection's statement, reasons) a form takes.
TEXT_MAX = 4000
#: Room in a multipart body for its text fields and part headers: the app's usual body limit,
#: so that the form takes what the API's upload takes (``api.routes.repairs.upload_limit``, the
#: app's body limit on ``/me/repair/new``).
FORM_OVERHEAD_BYTES = 1_048_576

#: The domain's own labels (one wording wherever a status or step is shown).
REPAIR_STATUS_LABELS = applications.STATUS_LABELS
REPAIR_EVENT_LABELS = applications.EVENT_LABELS
OBJECTION_STATUS_LABELS = objections.STATUS_LABELS
OBJECTION_EVENT_LABELS = objections.STEP_LABELS
GROUND_LABELS = objections.GROUND_LABELS
DOCUMENT_KIND_LABELS = documents.KIND_LABELS
OUTCOME_LABELS: dict[str, tuple[str, str]] = {
    "correct": ("异议成立：更正信息", "accept: correct the record"),
    "withdraw_record": ("异议成立：撤销该信息", "accept: withdraw the record"),
    "uphold": ("异议不成立：维持原信息", "reject: the record stands"),
}
MARK_LABELS = MARKS


def label(table: dict[str, tuple[str, str]], code: str | None, lang: str) -> str:
    if not code:
        return "—"
    zh, en = table.get(code, (code, code))
    return pick(zh, en, lang)


def labeller(table: dict[str, tuple[str, str]], lang: str) -> Any:
    """``label`` for one table and language, for a template."""
    return lambda code: label(table, code, lang)


def case_number(text: str | None, zh: str = "没有该事项", en: str = "no such case") -> int:
    """A case or record id from a path or query; 404 for anything that cannot be one."""
    if text is None or not text.isascii() or not text.isdigit() or len(text) > 19:
        raise not_found(zh, en)
    number = int(text)
    if not 1 <= number <= MAX_ID:
        raise not_found(zh, en)
    return number


def read_code(text: str | None) -> str | None:
    """The stored form of a 查询码 typed by a person, or None when it cannot be one."""
    if not text or len(text) > 64:
        return None
    return normalise_query_code(text)


def working_days_words(days: int, lang: str) -> str:
    if days < 0:
        return pick(f"已超期 {-days} 个工作日", f"{-days} working days overdue", lang)
    return pick(f"剩 {days} 个工作日", f"{days} working days left", lang)


def day_text(day: dt.date | None) -> str:
    return day.isoformat() if day is not None else "—"


# --- multipart forms ----------------------------------------------------------------------------


@dataclass
class Upload:
    """One file a form carried: the form field it came in (its kind), its name, type and bytes."""

    field: str
    filename: str
    media_type: str
    content: bytes


@dataclass
class MultipartForm:
    fields: dict[str, str] = field(default_factory=dict)
    uploads: list[Upload] = field(default_factory=list)


def too_large(limit: int) -> PageError:
    """The refusal of a form whose body is over ``limit`` bytes."""
    mib = max(1, limit // (1024 * 1024))
    return PageError(
        413,
        f"上传内容过大：整张表单不能超过约 {mib} MiB",
        f"the upload is too large: the whole form must stay under about {mib} MiB",
    )


async def multipart_form(
    request: Request, *, document_max_bytes: int, file_fields: Iterable[str]
) -> MultipartForm:
    """The text fields and uploaded files of a ``multipart/form-data`` POST.

    The body is counted as it arrives and refused (413) past ``MAX_DOCUMENTS`` documents of
    ``document_max_bytes`` each plus room for the text fields, before it is all read; a declared
    ``Content-Length`` over that is refused at once. Files come only from ``file_fields``; a file
    input left empty (no name, no bytes) is skipped. Everything else is for the domain to judge
    (:func:`credit_yrd.repair.documents.check_document`: type by magic bytes, size, name).
    """
    declared = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if declared != "multipart/form-data":
        raise PageError(
            415,
            "表单格式不受支持：请使用页面上的表单上传材料",
            "unsupported form encoding: use the page's form to upload documents",
        )
    limit = MAX_DOCUMENTS * document_max_bytes + FORM_OVERHEAD_BYTES
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        raise too_large(limit)
    seen = 0

    async def receive() -> Message:
        nonlocal seen
        message = await request.receive()
        if message.get("type") == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise too_large(limit)
        return message

    counted = StarletteRequest(request.scope, receive)
    wanted = set(file_fields)
    try:
        form = await counted.form(
            max_files=MAX_DOCUMENTS + len(wanted),
            max_fields=40,
            max_part_size=TEXT_MAX * 4 + 1024,
        )
    except PageError:
        raise
    except Exception as exc:  # the parser's own refusals: too many parts, a broken body
        status = getattr(exc, "status_code", 400)
        raise PageError(
            status if isinstance(status, int) and 400 <= status < 500 else 400,
            "无法读取上传的表单（内容不完整或文件过多）",
            "the uploaded form cannot be read (incomplete, or too many files)",
        ) from None
    result = MultipartForm()
    try:
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                if key not in wanted:
                    continue
                content = await value.read()
                name = value.filename or ""
                if not name and not content:
                    continue
                result.uploads.append(
                    Upload(
                        field=key,
                        filename=name,
                        media_type=value.content_type or "application/octet-stream",
                        content=content,
                    )
                )
            else:
                result.fields.setdefault(key, str(value).replace("\x00", ""))
    finally:
        await form.close()
    return result


# --- marks --------------------------------------------------------------------------------------


def entries_under_objection(conn: Connection, entry_ids: Iterable[int]) -> set[int]:
    """Which of the list entries ``entry_ids`` rest on a record (``record_id`` or
    ``basis_record_id``) marked 异议处理中."""
    wanted = sorted({int(e) for e in entry_ids})
    found: set[int] = set()
    e, r = list_entries.c, records.c
    for chunk in chunked(wanted):
        for column in (e.record_id, e.basis_record_id):
            found.update(
                int(i)
                for i in conn.execute(
                    select(e.id)
                    .join(records, r.id == column)
                    .where(one_of(conn, e.id, chunk), r.objection_open.is_(True))
                ).scalars()
            )
    return found
