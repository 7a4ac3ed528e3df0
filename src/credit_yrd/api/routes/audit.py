"""``/api/v1/audit``: the access log, for credit offices.

Every read of non-public data is a row: who (``key:<id> <label>``), role, province, purpose,
subject, records, action, time. A regional credit office (key without a province) queries the
whole log; a provincial one the reads made by callers of its province. Newest first, by cursor.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, Field

from credit_yrd.api.access import Role, allow
from credit_yrd.api.deps import current_principal
from credit_yrd.api.routes.subjects import Lang, Store, problem_doc
from credit_yrd.auth.api_keys import Principal
from credit_yrd.ledger.audit import DEFAULT_LIMIT, MAX_LIMIT, query_log
from credit_yrd.store.subjects import find_subject

router = APIRouter(prefix="/audit", tags=["访问日志 audit"])


class AccessLogEntry(BaseModel):
    """访问日志的一行 (one row of the access log)."""

    id: int = Field(description="日志编号 (log row id)")
    at: dt.datetime = Field(description="读取时间 (when)")
    actor: str = Field(description="读取者，如 key:3 某局 (who read, e.g. key:3 label)")
    role: str = Field(description="读取者角色 (the reader's role)")
    province: str | None = Field(description="读取者所属省份；全区域为空 (reader's province)")
    purpose: str = Field(description="读取目的 (stated purpose)")
    subject_id: int | None = Field(description="被读取的主体 (subject read)")
    record_ids: list[int] = Field(description="读取的记录 (records read)")
    action: str = Field(description="接口或操作 (route or action)")


class AccessLogPage(BaseModel):
    """访问日志的一页，新在前 (a page of the log, newest first)."""

    entries: list[AccessLogEntry]
    next_cursor: int | None = Field(
        description="下一页的 cursor；为空表示没有更多 (cursor of the next page; null at the end)"
    )


@router.get(
    "",
    response_model=AccessLogPage,
    dependencies=[allow(Role.CREDIT_OFFICE)],
    responses={
        401: problem_doc("未提供 API 密钥，或密钥无效 (no API key, or an invalid one)"),
        403: problem_doc("仅限信用办 (credit offices only)"),
        404: problem_doc("subject 代码未对应任何主体 (no subject has the code)"),
    },
    summary="查询访问日志 (query the access log)",
    description="按主体（统一社会信用代码或旧代码）、读取者、角色筛选，按 cursor 分页。\n\n"
    "Filter by subject (USCC or legacy code), actor (`key:<id>` or the whole actor) and role; "
    "page with `cursor`.",
)
def get_audit(
    store: Store,
    principal: Annotated[Principal, Depends(current_principal)],
    subject: Annotated[
        str | None,
        Query(max_length=64, description="主体代码 (USCC or legacy code)"),
    ] = None,
    actor: Annotated[
        str | None, Query(max_length=200, description="读取者，如 key:3 (actor, e.g. key:3)")
    ] = None,
    role: Annotated[Role | None, Query(description="读取者角色 (the reader's role)")] = None,
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description="每页行数 (rows per page)")
    ] = DEFAULT_LIMIT,
    cursor: Annotated[
        int | None, Query(ge=1, le=2**63 - 1, description="上一页的 next_cursor")
    ] = None,
    lang: Lang = None,
) -> AccessLogPage:
    with store.connect() as conn:
        subject_id = None
        if subject is not None:
            found = find_subject(conn, subject)
            if found is None:
                raise HTTPException(
                    status_code=404, detail="未找到该代码对应的主体 (no subject has this code)"
                )
            subject_id = int(found.id)
        page = query_log(
            conn,
            subject_id=subject_id,
            actor=actor,
            role=role.value if role is not None else None,
            province=principal.province,
            limit=limit,
            cursor=cursor,
        )
    return AccessLogPage(
        entries=[AccessLogEntry(**entry.to_dict()) for entry in page.entries],
        next_cursor=page.next_cursor,
    )
