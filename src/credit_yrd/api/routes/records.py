"""``/api/v1/records/{record_id}`` and ``…/versions``: one record and its version history.

The audience follows the caller and the record's subject, as for credit files: the public sees a
record only while its current version is active and inside its publication window, with the
public fields of each version, and a record it may not see answers 404 exactly as a missing one;
a department or credit office sees shared fields of records in its scope (province, and a
department's domain), states a ``purpose``, and the read is logged; a market institution holding
the subject's authorisation sees shared fields of any of the subject's records, logged; a subject
account sees its own records' full history, every field, unlogged.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Request
from pydantic import BaseModel, Field

from credit_yrd.api.access import Role, allow
from credit_yrd.api.routes.subjects import (
    FILE_RESPONSES,
    Lang,
    MaybeCaller,
    Purpose,
    Store,
    caller_access,
    clock_of,
    problem_doc,
    reader_of,
    reads_in_transaction,
)
from credit_yrd.ledger import (
    Audience,
    FileRecord,
    RecordNotVisibleError,
    record_detail,
    record_subject_id,
)
from credit_yrd.ledger.files import AUDIENCE_DESCRIPTION, RecordDetail, VersionView
from credit_yrd.standards.loader import get_standard
from credit_yrd.store.engine import transaction

router = APIRouter(prefix="/records", tags=["信用记录 records"])

RecordId = Annotated[int, Path(ge=1, le=2**63 - 1, description="记录编号 (record id)")]
RESPONSES = {
    **FILE_RESPONSES,
    404: problem_doc("记录不存在，或不向调用者公开 (no such record, or not open to the caller)"),
}


class RecordView(BaseModel):
    """一条记录的当前版本 (a record's current version)."""

    audience: Audience = Field(description=AUDIENCE_DESCRIPTION)
    on: dt.date = Field(description="以该日判断公示期 (the day publication is judged on)")
    subject_id: int | None = Field(description="所属主体编号 (subject id)")
    subject_name: str | None = Field(description="主体名称；自然人公开时脱敏 (subject name)")
    record: FileRecord
    access_logged: bool = Field(description="本次读取已记入访问日志 (this read was logged)")


class RecordVersions(BaseModel):
    """一条记录的全部版本，旧在前 (every version of a record, oldest first)."""

    audience: Audience
    on: dt.date
    record_id: int
    kind: str = Field(description="信息类别代码 (record kind)")
    versions: list[VersionView]
    access_logged: bool = Field(description="本次读取已记入访问日志 (this read was logged)")


def _detail(
    request: Request,
    record_id: int,
    store: Store,
    principal: MaybeCaller,
    purpose: str | None,
) -> RecordDetail:
    reader_of(principal, purpose)  # 400 before anything is read
    clock = clock_of(request)
    try:
        with transaction(store) if reads_in_transaction(principal) else store.connect() as conn:
            subject_id = record_subject_id(conn, record_id)
            access = caller_access(conn, principal, subject_id, purpose, clock)
            return record_detail(
                conn,
                record_id,
                audience=access.audience,
                on=clock.today(),
                standard=get_standard(),
                reader=access.reader,
                action=f"GET {request.url.path}",
                clock=clock,
                viewer_subject_id=access.viewer_subject_id,
            )
    except RecordNotVisibleError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None


@router.get(
    "/{record_id}",
    response_model=RecordView,
    dependencies=[allow(Role.PUBLIC)],
    responses=RESPONSES,
    summary="一条信用记录 (one credit record)",
    description="记录的当前版本：公众仅见公示期内、未撤销记录的公开字段；政务视图须带 purpose，"
    "读取记入访问日志；经主体授权的市场机构见共享字段（记入日志）；主体本人见自己的全部记录。\n\n"
    "The record's current version: the public sees public fields of records published now; the "
    "authority view needs `purpose` and is logged; an authorised market institution sees shared "
    "fields (logged); a subject sees all of its own records.",
)
def get_record(
    request: Request,
    record_id: RecordId,
    store: Store,
    principal: MaybeCaller,
    purpose: Purpose = None,
    lang: Lang = None,
) -> RecordView:
    detail = _detail(request, record_id, store, principal, purpose)
    return RecordView(
        audience=detail.audience,
        on=detail.on,
        subject_id=detail.subject_id,
        subject_name=detail.subject_name,
        record=detail.record,
        access_logged=detail.access_logged,
    )


@router.get(
    "/{record_id}/versions",
    response_model=RecordVersions,
    dependencies=[allow(Role.PUBLIC)],
    responses=RESPONSES,
    summary="信用记录的版本历史 (a record's version history)",
    description="记录的全部版本及其来源（来源、部门、接收时间），字段按调用者视图显示。\n\n"
    "Every version of the record with its provenance (source, department, time received), "
    "fields as the caller's audience may see them.",
)
def get_record_versions(
    request: Request,
    record_id: RecordId,
    store: Store,
    principal: MaybeCaller,
    purpose: Purpose = None,
    lang: Lang = None,
) -> RecordVersions:
    detail = _detail(request, record_id, store, principal, purpose)
    return RecordVersions(
        audience=detail.audience,
        on=detail.on,
        record_id=detail.record.id,
        kind=detail.record.kind,
        versions=detail.versions,
        access_logged=detail.access_logged,
    )
