"""``/api/v1/audit``: the access log, for credit offices.

Every read of non-public data is a row: who (``key:<id> <label>`` or ``account:<id> <username>``),
role, province, purpose, subject, records, action, time. A regional credit office (no province)
queries the whole log; a provincial one the reads made by callers of its province. Newest first,
by cursor; ``since`` (inclusive) and ``until`` (exclusive) bound the time. The period parameters
serve ``/api/v1/me/access-log`` too.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query

from credit_yrd.api.access import Role, allow
from credit_yrd.api.deps import current_principal
from credit_yrd.api.routes.subjects import Lang, Store, problem_doc
from credit_yrd.auth.principal import Principal
from credit_yrd.ledger.audit import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    AccessLogEntry,
    AccessLogPage,
    checked_period,
    query_log,
)
from credit_yrd.store.subjects import find_subject

router = APIRouter(prefix="/audit", tags=["访问日志 audit"])

__all__ = ["AccessLogEntry", "AccessLogPage", "router"]

Since = Annotated[
    dt.date | dt.datetime | None,
    Query(
        description="起始时间（含），日期或带时区的时间；日期指当日 0 时（北京时间）"
        "(from, inclusive: a date, i.e. its start in China Standard Time, or a datetime)",
    ),
]
Until = Annotated[
    dt.date | dt.datetime | None,
    Query(description="截止时间（不含），须晚于 since (until, exclusive; after since)"),
]
LogLimit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="每页行数 (rows per page)")]
LogCursor = Annotated[int | None, Query(ge=1, le=2**63 - 1, description="上一页的 next_cursor")]
PERIOD_PROBLEM = problem_doc("until 不晚于 since (until is not after since)")


@router.get(
    "",
    response_model=AccessLogPage,
    dependencies=[allow(Role.CREDIT_OFFICE)],
    responses={
        400: PERIOD_PROBLEM,
        401: problem_doc("未提供 API 密钥，或密钥无效 (no API key, or an invalid one)"),
        403: problem_doc("仅限信用办 (credit offices only)"),
        404: problem_doc("subject 代码未对应任何主体 (no subject has the code)"),
    },
    summary="查询访问日志 (query the access log)",
    description="按主体（统一社会信用代码或旧代码）、读取者、角色、时间（since 含、until 不含）"
    "筛选，按 cursor 分页；省级信用办只见本省读取者的记录。\n\n"
    "Filter by subject (USCC or legacy code), actor (`key:<id>`, `account:<id>` or the whole "
    "actor), role and time (`since` inclusive, `until` exclusive); page with `cursor`. A "
    "provincial credit office sees the reads of its province's callers only.",
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
    since: Since = None,
    until: Until = None,
    limit: LogLimit = DEFAULT_LIMIT,
    cursor: LogCursor = None,
    lang: Lang = None,
) -> AccessLogPage:
    start, end = checked_period(since, until)  # 400 before anything is read
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
            since=start,
            until=end,
            limit=limit,
            cursor=cursor,
        )
    return page.shape()
