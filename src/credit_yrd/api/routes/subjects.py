"""``/api/v1/subjects/{code}``: a subject's credit file (信用档案) for the caller's audience.

Anyone may read the public file, without a key. A caller with a ``department`` or
``credit_office`` key reads the authority file instead: shared fields, every current record of
sources in its province scope; it must state a ``purpose`` (400 without one) and the read is
written to the access log. Other keys (data sources, market institutions) read the public file.
The helpers here (audience of a caller, the clock, documented errors) serve ``records`` and
``audit`` too.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from sqlalchemy.engine import Engine

from credit_yrd.api.access import Role, allow
from credit_yrd.api.deps import get_engine, optional_principal
from credit_yrd.api.routes.batches import Problem
from credit_yrd.auth.api_keys import Principal
from credit_yrd.clock import SYSTEM_CLOCK, Clock
from credit_yrd.ledger import Audience, CreditFile, Reader, credit_file
from credit_yrd.standards.loader import get_standard
from credit_yrd.store.engine import transaction
from credit_yrd.store.subjects import find_subject

router = APIRouter(prefix="/subjects", tags=["信用档案 credit files"])

#: Key roles that read the authority view (with a purpose, logged).
AUTHORITY_ROLES = frozenset({Role.DEPARTMENT, Role.CREDIT_OFFICE})
PURPOSE_MAX_CHARS = 500

Store = Annotated[Engine, Depends(get_engine)]
MaybeCaller = Annotated[Principal | None, Depends(optional_principal)]
Purpose = Annotated[
    str | None,
    Query(
        max_length=PURPOSE_MAX_CHARS,
        description="读取目的；政务部门与信用办必填，记入访问日志 (purpose of the read; required "
        "for departments and credit offices, and logged)",
    ),
]
Lang = Annotated[
    Literal["zh", "en"] | None,
    Query(description="错误信息语言 (language of error messages): zh / en"),
]


def problem_doc(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/problem+json": {"schema": Problem.model_json_schema()}},
    }


def clock_of(request: Request) -> Clock:
    """The app's clock (``app.state.clock`` when set, e.g. by tests; the system clock otherwise)."""
    clock = getattr(request.app.state, "clock", None)
    return clock if clock is not None else SYSTEM_CLOCK


def reader_of(principal: Principal | None, purpose: str | None) -> Reader | None:
    """The reader to log for an authority caller; ``None`` for the public view."""
    if principal is None or principal.role not in AUTHORITY_ROLES:
        return None
    return Reader.for_principal(principal, purpose)


FILE_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: problem_doc("政务读取未说明目的 (an authority read without a purpose)"),
    401: problem_doc("API 密钥无效或已吊销 (the API key is invalid or revoked)"),
    404: problem_doc("代码未对应任何主体 (no subject has this code)"),
}


@router.get(
    "/{code}",
    response_model=CreditFile,
    dependencies=[allow(Role.PUBLIC)],
    responses=FILE_RESPONSES,
    summary="主体信用档案 (a subject's credit file)",
    description="按统一社会信用代码或旧代码（组织机构代码、15 位工商注册号）查主体的信用档案。"
    "无密钥：公众视图（公开字段、公示期内、未撤销，个人信息脱敏）；department / credit_office "
    "密钥：政务视图（含共享字段、本省范围内的全部当前记录），须带 purpose，读取记入访问日志。\n\n"
    "The credit file of the subject with this USCC or legacy code (organisation code, 15-digit "
    "registration number). Without a key: the public view (public fields, inside the publication "
    "window, not withdrawn, personal data masked). With a department or credit_office key: the "
    "authority view (shared fields too, every current record of sources in the caller's province "
    "scope); `purpose` is required and the read is logged.",
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
    lang: Lang = None,
) -> CreditFile:
    reader = reader_of(principal, purpose)  # 400 before anything is read
    clock = clock_of(request)
    standard = get_standard()
    with transaction(store) if reader is not None else store.connect() as conn:
        subject = find_subject(conn, code)
        if subject is None:
            raise HTTPException(
                status_code=404,
                detail="未找到该代码对应的主体 (no subject has this code)",
            )
        return credit_file(
            conn,
            subject,
            audience=Audience.AUTHORITY if reader is not None else Audience.PUBLIC,
            on=clock.today(),
            standard=standard,
            reader=reader,
            action=f"GET {request.url.path}",
            clock=clock,
        )


def today(request: Request) -> dt.date:
    return clock_of(request).today()
