"""``/api/v1/standard``: the regional data standard, public so every source can build to it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request

from credit_yrd.api.access import Role, allow
from credit_yrd.api.routes.subjects import problem_doc
from credit_yrd.clock import SYSTEM_CLOCK
from credit_yrd.standards import Standard, get_standard, publication_window

router = APIRouter(prefix="/standard", tags=["数据标准 standard"])

MAX_FIELD_VALUE = 256
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: problem_doc("标准中没有该代码 (the standard has no such code)")
}


def _std(request: Request) -> Standard:
    return get_standard(request.app.state.settings.standard_version)


def _summary(item: Any, code: str) -> dict[str, str]:
    return {"code": code, "label_zh": item.label_zh, "label_en": item.label_en}


def _dump(model: Any) -> Any:
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


@router.get("", dependencies=[allow(Role.PUBLIC)], summary="标准概览 (the standard in force)")
def overview(request: Request) -> dict[str, Any]:
    std = _std(request)
    return {
        "version": std.version,
        "title_zh": std.meta.title_zh,
        "title_en": std.meta.title_en,
        "effective_from": std.meta.effective_from.isoformat(),
        "record_kinds": [_summary(k, k.code) for k in std.list_record_kinds()],
        "code_lists": [_summary(c, c.code) for c in std.list_code_lists()],
        "rule_tables": [_summary(r, r.id) for r in std.publication_rules()],
    }


def _found(items: Mapping[str, Any], code: str, what_zh: str, what_en: str) -> Any:
    item = items.get(code)
    if item is None:
        raise HTTPException(404, f"没有{what_zh} {code!r} (no {what_en} {code!r})")
    return _dump(item)


@router.get(
    "/record-kinds/{code}",
    dependencies=[allow(Role.PUBLIC)],
    responses=NOT_FOUND,
    summary="记录类型及其字段 (a record kind with its fields)",
)
def record_kind(code: str, request: Request) -> Any:
    return _found(_std(request).record_kinds, code, "记录类型", "record kind")


@router.get(
    "/code-lists/{code}",
    dependencies=[allow(Role.PUBLIC)],
    responses=NOT_FOUND,
    summary="代码表 (a code list)",
)
def code_list(code: str, request: Request) -> Any:
    return _found(_std(request).code_lists, code, "代码表", "code list")


@router.get(
    "/rule-tables/{code}",
    dependencies=[allow(Role.PUBLIC)],
    responses=NOT_FOUND,
    summary="公示期规则表 (a publication rule table)",
)
def rule_table(code: str, request: Request) -> Any:
    return _found(_std(request).rule_tables, code, "规则表", "rule table")


@router.post(
    "/record-kinds/{code}/publication-window",
    dependencies=[allow(Role.PUBLIC)],
    responses={
        **NOT_FOUND,
        400: problem_doc("记录内容无法判断公示期 (the record's content cannot be judged)"),
    },
    summary="一条记录适用的公示规则与公示期 (the publication rule and window for a record)",
)
def window(
    code: str,
    request: Request,
    record: dict[str, Annotated[str, Query(max_length=MAX_FIELD_VALUE)]],
    on: dt.date | None = None,
) -> dict[str, Any]:
    std = _std(request)
    if code not in std.record_kinds:
        raise HTTPException(404, f"没有记录类型 {code!r} (no record kind {code!r})")
    if len(record) > len(std.record_kinds[code].fields) + 8:
        raise HTTPException(422, "字段过多 (too many fields)")
    result = publication_window(code, record, on=on, standard=std)
    return result.to_dict(on or SYSTEM_CLOCK.today())
