"""``/api/v1/sources``: the registered data sources (数据来源单位: the provincial platforms and any
national one), public; credit offices also see what each has sent.

Anyone sees each source's code, names and province. A credit office (``credit_office`` key or
account) also gets ``counts``: batches accepted and rejected, records held and the time of the last
batch received. The list is paged by ``cursor`` (the ``next_cursor`` of the page before: sources
come in order of code).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from credit_yrd.api.access import Role, allow
from credit_yrd.api.deps import get_engine, optional_principal, store_unavailable
from credit_yrd.api.routes.batches import problem_doc
from credit_yrd.auth.principal import Principal
from credit_yrd.store._sql import one_of
from credit_yrd.store.schema import batches, records, sources

router = APIRouter(prefix="/sources", tags=["来源 sources"])

DEFAULT_PAGE = 50
MAX_PAGE = 200
CODE_PATTERN = r"^[a-z][a-z0-9_]{0,31}$"

Store = Annotated[Engine, Depends(get_engine)]
MaybeCaller = Annotated[Principal | None, Depends(optional_principal)]


class SourceCounts(BaseModel):
    """来源报送情况，仅信用办可见 (what a source has sent; credit offices only)."""

    batches_accepted: int = Field(description="已接收的批次数 (batches accepted)")
    batches_rejected: int = Field(description="整体拒收的批次数 (batches rejected as a whole)")
    records: int = Field(description="该来源的记录数 (records held from this source)")
    last_batch_at: dt.datetime | None = Field(
        description="最近一次收到批次的时间 (when the last batch was received)"
    )


class SourceItem(BaseModel):
    """一个数据来源单位 (one data source)."""

    code: str = Field(description="来源代码，如 jiangsu (source code)")
    name_zh: str = Field(description="中文名称 (Chinese name)")
    name_en: str = Field(description="英文名称 (English name)")
    province: str | None = Field(description="省级区划代码前两位；全国来源为空 (province)")
    counts: SourceCounts | None = Field(
        description="报送情况，仅信用办可见，其他调用者为空 (counts; null unless a credit office)"
    )


class SourcePage(BaseModel):
    """一页来源，按代码排序 (one page of sources, by code)."""

    items: list[SourceItem]
    limit: int = Field(description="每页条数 (page size)")
    next_cursor: str | None = Field(
        description="下一页的游标，作为 cursor 传回；没有更多时为空 (cursor of the next page; null "
        "at the end)"
    )


def _counts(conn: Connection, codes: Sequence[str]) -> dict[str, SourceCounts]:
    """Per source: batches by status, records, the last batch's time (one query each)."""
    if not codes:
        return {}
    tallies: dict[str, dict[str, Any]] = {
        code: {"accepted": 0, "rejected": 0, "records": 0, "last": None} for code in codes
    }
    for source, status, n, last in conn.execute(
        select(batches.c.source, batches.c.status, func.count(), func.max(batches.c.received_at))
        .where(one_of(conn, batches.c.source, list(codes)))
        .group_by(batches.c.source, batches.c.status)
    ):
        tally = tallies[source]
        if status in ("accepted", "rejected"):
            tally[status] = int(n)
        if last is not None and (tally["last"] is None or last > tally["last"]):
            tally["last"] = last
    for source, n in conn.execute(
        select(records.c.source, func.count())
        .where(one_of(conn, records.c.source, list(codes)))
        .group_by(records.c.source)
    ):
        tallies[source]["records"] = int(n)
    return {
        code: SourceCounts(
            batches_accepted=t["accepted"],
            batches_rejected=t["rejected"],
            records=t["records"],
            last_batch_at=t["last"],
        )
        for code, t in tallies.items()
    }


def _items(conn: Connection, rows: Sequence[Any], with_counts: bool) -> list[SourceItem]:
    counts = _counts(conn, [row.code for row in rows]) if with_counts else {}
    return [
        SourceItem(
            code=row.code,
            name_zh=row.name_zh,
            name_en=row.name_en,
            province=row.province,
            counts=counts.get(row.code),
        )
        for row in rows
    ]


def _is_office(principal: Principal | None) -> bool:
    return principal is not None and principal.role is Role.CREDIT_OFFICE


@router.get(
    "",
    response_model=SourcePage,
    dependencies=[allow(Role.PUBLIC)],
    summary="数据来源单位列表 (the registered data sources)",
    description=(
        "公开：来源代码、名称与省份；信用办另见各来源的批次数、记录数与最近批次时间。\n\n"
        "Public: each source's code, names and province; a credit office also gets counts "
        "(batches accepted and rejected, records, last batch time). Paged by cursor, by code."
    ),
    responses={401: problem_doc("API 密钥或会话无效 (the API key or session is invalid)")},
)
def list_sources(
    engine: Store,
    principal: MaybeCaller,
    limit: Annotated[
        int, Query(ge=1, le=MAX_PAGE, description="每页条数 1–200 (page size)")
    ] = DEFAULT_PAGE,
    cursor: Annotated[
        str | None,
        Query(
            pattern=CODE_PATTERN, description="上一页的 next_cursor (next_cursor of the last page)"
        ),
    ] = None,
) -> dict[str, Any]:
    query = select(sources).order_by(sources.c.code).limit(limit + 1)
    if cursor is not None:
        query = query.where(sources.c.code > cursor)
    try:
        with engine.connect() as conn:
            rows = list(conn.execute(query))
            more = len(rows) > limit
            rows = rows[:limit]
            items = _items(conn, rows, _is_office(principal))
    except SQLAlchemyError:
        raise store_unavailable() from None
    return {
        "items": items,
        "limit": limit,
        "next_cursor": rows[-1].code if more and rows else None,
    }


@router.get(
    "/{code}",
    response_model=SourceItem,
    dependencies=[allow(Role.PUBLIC)],
    summary="一个数据来源单位 (one data source)",
    description=(
        "公开：来源代码、名称与省份；信用办另见报送情况。\n\n"
        "Public: the source's code, names and province; a credit office also gets its counts."
    ),
    responses={
        401: problem_doc("API 密钥或会话无效 (the API key or session is invalid)"),
        404: problem_doc("没有该来源 (no such source)"),
    },
)
def get_source(
    engine: Store,
    principal: MaybeCaller,
    code: Annotated[
        str, Path(pattern=CODE_PATTERN, description="来源代码，如 jiangsu (source code)")
    ],
) -> SourceItem:
    try:
        with engine.connect() as conn:
            row = conn.execute(select(sources).where(sources.c.code == code)).first()
            items = _items(conn, [row], _is_office(principal)) if row is not None else []
    except SQLAlchemyError:
        raise store_unavailable() from None
    if not items:
        raise HTTPException(status_code=404, detail=f"没有来源“{code}” (no source {code!r})")
    return items[0]
