"""``/api/v1/search``: public search of subjects by USCC, legacy code or part of the name.

Natural persons are never returned; record counts cover only records whose latest version is
active. See :mod:`credit_yrd.search.query` for what is matched and how results are ranked.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from credit_yrd.api.access import Role, allow
from credit_yrd.api.deps import clock_of, get_engine, store_unavailable
from credit_yrd.api.routes.subjects import problem_doc
from credit_yrd.search.query import (
    MATCH_CAP,
    MAX_LIMIT,
    MAX_OFFSET,
    MAX_QUERY_CHARS,
    search,
)

router = APIRouter(tags=["检索 search"])
_log = logging.getLogger(__name__)

#: Raw query length the route accepts at all (the normalised query is at most MAX_QUERY_CHARS).
MAX_Q_PARAM = 2 * MAX_QUERY_CHARS

OrganisationType = Literal["legal_person", "individual_business", "organisation", "public_body"]


class SubjectHit(BaseModel):
    id: int = Field(description="主体编号 (subject id)")
    name: str = Field(description="主体名称（首次登记的名称）(the subject's name as first seen)")
    subject_type: str = Field(
        description="主体类型 legal_person / individual_business / organisation / public_body"
    )
    uscc: str | None = Field(description="统一社会信用代码 (unified social credit code)")
    province: str | None = Field(description="省级区划代码前两位 (province, 2 digits)")
    division: str | None = Field(description="县级行政区划代码 (6-digit division)")
    city: str | None = Field(
        description="所在城市，标准 city 代码表中的代码 (city, a code of the standard's city list)"
    )
    records: dict[str, int] = Field(
        description="按信息类别统计的公开有效记录数 (active public records per record kind)"
    )


class SearchPage(BaseModel):
    total: int = Field(
        description="符合条件的主体总数；total_exact 为 false 时为下限 (how many subjects match; a "
        "lower bound when total_exact is false)"
    )
    total_exact: bool = Field(
        description="总数是否精确；匹配过多时为 false，请缩小查询 (false when more subjects matched "
        "than one search gathers: narrow the query to see them all)"
    )
    limit: int = Field(description="每页条数 (page size)")
    offset: int = Field(description="偏移量 (how many were skipped)")
    query: str = Field(description="规范化后的查询 (the query as normalised)")
    matched_by: Literal["code", "name"] = Field(
        description="按代码精确匹配或按名称匹配 (matched by code or by name)"
    )
    items: list[SubjectHit]


@router.get(
    "/search",
    response_model=SearchPage,
    dependencies=[allow(Role.PUBLIC)],
    responses={
        400: problem_doc(
            "检索词为空或过长，或筛选值不在代码表中 (an empty or too long query, or a filter "
            "value the standard does not know)"
        )
    },
    summary="检索主体：统一社会信用代码、旧代码或名称 (search subjects by code or name)",
    description=(
        "按统一社会信用代码、组织机构代码、工商注册号精确查找，或按名称（可部分，至少 1 个字；"
        "全角半角、括号、有限公司/有限责任公司、繁体字写法均可）检索；不返回自然人。\n\n"
        "Exact look-up by USCC, organisation code or 15-digit registration number, or search by "
        "(part of) the name, tolerant of full- and half-width forms, bracket variants and "
        "有限公司 / 有限责任公司, and traditional characters (華信 finds 华信). Natural persons are "
        "never returned. Ranked: exact name, then names starting with the query, then shorter "
        f"names. At most {MATCH_CAP} matches are gathered per query; beyond that total is a lower "
        "bound and total_exact is false."
    ),
)
def search_subjects(
    request: Request,
    engine: Annotated[Engine, Depends(get_engine)],
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=MAX_Q_PARAM,
            description=f"代码或名称（规范化后至多 {MAX_QUERY_CHARS} 字）(code or name)",
        ),
    ],
    province: Annotated[
        str | None,
        Query(max_length=20, description="省份：代码或名称，如 32 或 江苏 (province)"),
    ] = None,
    city: Annotated[
        str | None,
        Query(max_length=20, description="城市：代码或名称，如 320500 或 苏州 (city)"),
    ] = None,
    subject_type: Annotated[
        OrganisationType | None, Query(description="主体类型 (subject type)")
    ] = None,
    record_kind: Annotated[
        str | None,
        Query(
            max_length=64,
            description="有该类公开有效记录的主体，如 penalty (has an active record of this kind)",
        ),
    ] = None,
    domain: Annotated[
        str | None,
        Query(
            max_length=64,
            description="有该领域有效记录的主体，代码表 domain 的代码，如 market_regulation "
            "(has an active record of this domain, a code of code list domain)",
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="每页条数 (page size)")] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="偏移量 (offset)")] = 0,
) -> dict[str, Any]:
    try:
        with engine.connect() as conn:
            result = search(
                conn,
                q,
                province=province,
                city=city,
                subject_type=subject_type,
                record_kind=record_kind,
                domain=domain,
                limit=limit,
                offset=offset,
                on=clock_of(request).today(),
            )
    except SQLAlchemyError as exc:
        _log.error("search failed on the store: %s", exc)
        raise store_unavailable() from None
    return {**result.to_dict(), "limit": limit, "offset": offset}
