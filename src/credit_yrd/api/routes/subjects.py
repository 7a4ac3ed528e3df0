"""``/api/v1/subjects/{code}``: a subject's credit file (信用档案) for the caller's audience.

Who gets what (:mod:`credit_yrd.ledger.audiences`): anonymous callers and data sources the public
file; departments and credit offices the authority file, in their scope (province; a department
also its domain), with a required ``purpose`` (400 without) and a row in the access log; a market
institution the authorised file while the subject's authorisation is in force (logged with the
authorisation as purpose), else the public file; a subject account its own file (everything, plus
who read it), or the public file of any other subject. The file comes a page at a time (``limit``
records, ``cursor`` = the ``next_cursor`` of the page before).

The helpers here (the clock, the caller's access, documented errors) serve ``records``, ``me``
and ``audit`` too.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response
from sqlalchemy.engine import Connection, Engine

from credit_yrd.api.access import Role, allow
from credit_yrd.api.deps import clock_of, get_engine, optional_principal
from credit_yrd.api.routes.batches import Problem
from credit_yrd.auth.principal import Principal
from credit_yrd.clock import Clock
from credit_yrd.ledger import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    Access,
    CreditFile,
    Reader,
    access_for,
    credit_file,
)
from credit_yrd.ledger.audiences import AUTHORITY_ROLES
from credit_yrd.ledger.files import CURSOR_MAX_CHARS
from credit_yrd.standards.loader import get_standard
from credit_yrd.store.engine import transaction
from credit_yrd.store.subjects import find_subject

router = APIRouter(prefix="/subjects", tags=["信用档案 credit files"])

PURPOSE_MAX_CHARS = 500
#: Roles whose reads may be logged, so they read inside a transaction.
LOGGED_ROLES = AUTHORITY_ROLES | {Role.MARKET_INSTITUTION}

Store = Annotated[Engine, Depends(get_engine)]
MaybeCaller = Annotated[Principal | None, Depends(optional_principal)]
Purpose = Annotated[
    str | None,
    Query(
        max_length=PURPOSE_MAX_CHARS,
        description="读取目的；政务部门与信用办必填，记入访问日志；经授权的市场机构可选，附在授权"
        "用途之后 (purpose of the read; required for departments and credit offices, and logged; "
        "optional for an authorised market institution)",
    ),
]
Lang = Annotated[
    Literal["zh", "en"] | None,
    Query(description="错误信息语言 (language of error messages): zh / en"),
]
Limit = Annotated[
    int,
    Query(
        ge=1,
        le=MAX_PAGE_SIZE,
        description=f"每页记录数，默认 {DEFAULT_PAGE_SIZE}，最多 {MAX_PAGE_SIZE} "
        f"(records per page; default {DEFAULT_PAGE_SIZE}, at most {MAX_PAGE_SIZE})",
    ),
]
Cursor = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=CURSOR_MAX_CHARS,
        description="上一页返回的 next_cursor (the next_cursor of the page before)",
    ),
]


def problem_doc(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/problem+json": {"schema": Problem.model_json_schema()}},
    }


def reader_of(principal: Principal | None, purpose: str | None) -> Reader | None:
    """The reader to log for an authority caller; ``None`` for everyone else."""
    if principal is None or principal.role not in AUTHORITY_ROLES:
        return None
    return Reader.for_principal(principal, purpose)


def reads_in_transaction(principal: Principal | None) -> bool:
    """Whether the caller's reads may write the access log (then they run in a transaction)."""
    return principal is not None and principal.role in LOGGED_ROLES


def caller_access(
    conn: Connection,
    principal: Principal | None,
    subject_id: int | None,
    purpose: str | None,
    clock: Clock,
) -> Access:
    return access_for(conn, principal, subject_id=subject_id, purpose=purpose, at=clock.now())


FILE_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: problem_doc(
        "政务读取未说明目的，或 cursor 无效 (an authority read without a purpose, or a bad cursor)"
    ),
    401: problem_doc("API 密钥或会话无效 (the API key or session is invalid or revoked)"),
    404: problem_doc("代码未对应任何主体 (no subject has this code)"),
}


def subject_not_found() -> HTTPException:
    return HTTPException(
        status_code=404, detail="未找到该代码对应的主体 (no subject has this code)"
    )


@router.get(
    "/{code}",
    response_model=CreditFile,
    dependencies=[allow(Role.PUBLIC)],
    responses=FILE_RESPONSES,
    summary="主体信用档案 (a subject's credit file)",
    description="按统一社会信用代码或旧代码（组织机构代码、15 位工商注册号）查主体的信用档案，"
    "视图取决于调用者：匿名或数据来源——公众视图（公开字段、公示期内、未撤销，个人信息脱敏）；"
    "department / credit_office——政务视图（含共享字段、本省及本领域范围内的全部当前记录），须带 "
    "purpose，读取记入访问日志；market_institution——有主体授权时为授权视图（全部省份与领域的"
    "共享字段，记入日志），否则公众视图；subject——本主体为本人视图（全部记录与字段及访问记录 "
    "reads），其他主体为公众视图。档案分页：limit 条一页，用 next_cursor 取下一页；各栏目始终"
    "按报告顺序列出。\n\n"
    "The credit file of the subject with this USCC or legacy code (organisation code, 15-digit "
    "registration number), for the caller's audience: anonymous and data sources get the public "
    "view (public fields, inside the publication window, not withdrawn, personal data masked); "
    "departments and credit offices the authority view (shared fields, every current record in "
    "their province and, for a department, its domain) with a required `purpose`, logged; a "
    "market institution the authorised view while the subject's authorisation is in force "
    "(shared fields, every province and domain, logged), else the public view; a subject account "
    "its own file (every record and field, plus `reads`: who read it) or the public view of "
    "others. Paged: `limit` records a page, `cursor` = the previous page's `next_cursor`; every "
    "section is always listed, in report order.",
)
def subject_file(
    request: Request,
    code: Annotated[
        str,
        Path(
            min_length=1,
            max_length=64,
            description="统一社会信用代码或旧代码 (USCC or legacy code)",
        ),
    ],
    store: Store,
    principal: MaybeCaller,
    purpose: Purpose = None,
    limit: Limit = DEFAULT_PAGE_SIZE,
    cursor: Cursor = None,
    lang: Lang = None,
) -> Response:
    reader_of(principal, purpose)  # 400 before anything is read
    clock = clock_of(request)
    standard = get_standard()
    with transaction(store) if reads_in_transaction(principal) else store.connect() as conn:
        subject = find_subject(conn, code)
        if subject is None:
            raise subject_not_found()
        access = caller_access(conn, principal, int(subject.id), purpose, clock)
        file = credit_file(
            conn,
            subject,
            audience=access.audience,
            on=clock.today(),
            standard=standard,
            reader=access.reader,
            action=f"GET {request.url.path}",
            clock=clock,
            viewer_subject_id=access.viewer_subject_id,
            limit=limit,
            cursor=cursor,
        )
    # The ledger built a valid CreditFile: serialised once, not validated again by the framework
    # (a quarter of the work for a large file). The shape is still response_model's.
    return Response(file.model_dump_json(), media_type="application/json")


def today(request: Request) -> dt.date:
    return clock_of(request).today()
