"""``/api/v1/changes``: the change feed per province (按需共享), pulled by cursor.

A data source (a province's platform) reads the feed of its own province only; a credit office
that of its province, or of any province when it is the regional office. Any other province is
403. What is in the feed, its order and its cursor: :mod:`credit_yrd.ledger.changes`. Every page
that serves versions is written to the access log with the stated purpose.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from credit_yrd.api.access import Role, allow
from credit_yrd.api.deps import current_principal, get_engine, store_unavailable
from credit_yrd.api.routes.batches import problem_doc
from credit_yrd.api.routes.subjects import clock_of
from credit_yrd.auth.principal import Principal
from credit_yrd.ledger.audit import PURPOSE_MAX_CHARS, Reader
from credit_yrd.ledger.changes import (
    DEFAULT_LIMIT,
    LOCK_TIMEOUT_MS,
    MAX_CURSOR,
    MAX_LIMIT,
    ChangePage,
    ChangesBusyError,
    FeedScope,
    change_page,
    checked_province,
    in_scope,
)
from credit_yrd.standards.loader import get_standard
from credit_yrd.store.engine import transaction

router = APIRouter(tags=["变更订阅 change feed"])

#: The purpose logged when the caller states none.
DEFAULT_PURPOSE = "按需共享变更订阅 (change feed)"
#: Seconds a poller should wait after a 503 (batches being written).
RETRY_AFTER_SECONDS = 5


def _scope(principal: Principal) -> FeedScope:
    if principal.role is Role.DATA_SOURCE and principal.province is None:
        raise HTTPException(
            status_code=403,
            detail="此数据来源不属于任何省份，无变更可取 (this data source belongs to no province)",
        )
    return FeedScope(province=principal.province)


@router.get(
    "/changes",
    response_model=ChangePage,
    dependencies=[allow(Role.DATA_SOURCE, Role.CREDIT_OFFICE)],
    summary="按省份拉取记录变更 (the change feed of a province)",
    description=(
        "按游标拉取与某省相关的每个记录版本，按入库顺序（游标即版本编号，严格递增）。相关：版本来自"
        "该省的来源，或主体属于该省，或主体有来自该省的任何记录。数据来源只能取本省；省级信用办取"
        "本省，区域信用办可取任何省。没有新变更时返回相同的游标。内容按政务视图（受限字段脱敏）。"
        "每页读取记入访问日志。\n\n"
        "Every record version that concerns the province, in the order stored (the cursor is the "
        "version id, strictly increasing). A version concerns the province when it came from a "
        "source of the province, or its subject is of the province, or its subject has any record "
        "from the province. A data source reads its own province only; a provincial credit office "
        "its province; the regional office any. An empty page gives back the same cursor. Content "
        "as the authority view shows it (restricted fields masked). Each page read is logged."
    ),
    responses={
        400: problem_doc("省份未知或缺少 (unknown or missing province)"),
        401: problem_doc("未提供 API 密钥，或密钥无效 (no API key, or an invalid one)"),
        403: problem_doc("角色不允许，或请求了其他省份 (role not allowed, or another province)"),
        503: problem_doc("数据正在写入，稍后再取 (batches are being written; retry shortly)"),
    },
)
def get_changes(
    request: Request,
    principal: Annotated[Principal, Depends(current_principal)],
    engine: Annotated[Engine, Depends(get_engine)],
    province: Annotated[
        str | None,
        Query(
            max_length=20,
            description="省份代码或名称，如 32 或 江苏；缺省为调用者所属省份 (province; defaults "
            "to the caller's)",
        ),
    ] = None,
    cursor: Annotated[
        int,
        Query(
            ge=0,
            le=MAX_CURSOR,
            description="上一页的 next_cursor；从头取时为 0 (next_cursor of the page before; 0 "
            "from the start)",
        ),
    ] = 0,
    limit: Annotated[
        int,
        Query(ge=1, le=MAX_LIMIT, description=f"每页条数 1–{MAX_LIMIT} (page size)"),
    ] = DEFAULT_LIMIT,
    purpose: Annotated[
        str | None,
        Query(
            max_length=PURPOSE_MAX_CHARS,
            description=f"读取目的，记入访问日志；缺省为“{DEFAULT_PURPOSE}” (purpose, logged)",
        ),
    ] = None,
) -> ChangePage:
    standard = get_standard()
    scope = _scope(principal)
    wanted = checked_province(standard, province, scope)
    if not in_scope(scope, wanted):
        raise HTTPException(
            status_code=403,
            detail=f"只能拉取本省（{scope.province}）的变更，不能拉取 {wanted} 的 "
            f"(you may pull the changes of province {scope.province} only, not {wanted})",
        )
    reader = Reader.for_principal(
        principal, purpose if purpose and purpose.strip() else DEFAULT_PURPOSE
    )
    try:
        with transaction(engine) as conn:
            return change_page(
                conn,
                province=wanted,
                cursor=cursor,
                limit=limit,
                reader=reader,
                standard=standard,
                show_person_names=principal.role is Role.CREDIT_OFFICE,
                clock=clock_of(request),
            )
    except ChangesBusyError as exc:
        raise HTTPException(
            status_code=503,
            detail=f"{exc} (waited {LOCK_TIMEOUT_MS} ms)",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        ) from None
    except SQLAlchemyError:
        raise store_unavailable() from None
