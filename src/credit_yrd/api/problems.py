"""Errors as ``application/problem+json`` (RFC 9457), in the caller's language."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from credit_yrd.errors import CreditYrdError

PROBLEM = "application/problem+json"

TITLES = {
    400: ("请求无效", "Bad request"),
    401: ("未认证", "Unauthorized"),
    403: ("无权访问", "Forbidden"),
    404: ("未找到", "Not found"),
    405: ("方法不允许", "Method not allowed"),
    413: ("请求过大", "Payload too large"),
    422: ("请求参数不符合要求", "Unprocessable request"),
    500: ("服务器内部错误", "Internal server error"),
}


def lang_of(request: Request) -> str:
    explicit = request.query_params.get("lang")
    if explicit in ("zh", "en"):
        return explicit
    accept = request.headers.get("accept-language", "")
    return "en" if accept.lower().startswith("en") else "zh"


class ProblemResponse(JSONResponse):
    """problem+json whose text never carries a raw ``<``, ``>`` or ``&``: a problem may quote what
    the caller sent (the path in ``instance``, a refused value in ``detail``), and escaped as
    ``\u003c`` … it stays the same JSON but cannot become markup wherever it is shown."""

    media_type = PROBLEM

    def render(self, content: Any) -> bytes:
        text = json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        for char, escaped in _MARKUP_ESCAPES:
            text = text.replace(char, escaped)
        return text.encode("utf-8")


_MARKUP_ESCAPES = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"))

#: What Starlette says when a JSON body cannot be decoded at all (not UTF-8, say).
_UNPARSABLE_BODY = "There was an error parsing the body"


def problem(status: int, detail: str, request: Request, **extra: Any) -> JSONResponse:
    zh, en = TITLES.get(status, ("错误", "Error"))
    body = {
        "type": "about:blank",
        "title": en if lang_of(request) == "en" else zh,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        **extra,
    }
    return ProblemResponse(body, status_code=status)


@contextmanager
def domain_errors(request: Request) -> Iterator[None]:
    """Domain errors raised in the block as HTTP problems with their own ``status`` (list,
    repair and objection errors carry one; 400 otherwise), in the caller's language."""
    try:
        yield
    except CreditYrdError as exc:
        status = int(getattr(exc, "status", 400))
        raise HTTPException(status_code=status, detail=exc.message(lang_of(request))) from None


def install(app: FastAPI) -> None:
    @app.exception_handler(CreditYrdError)
    async def _domain(request: Request, exc: CreditYrdError) -> JSONResponse:
        return problem(400, exc.message(lang_of(request)), request)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return http_problem(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "loc": [str(p) for p in e.get("loc", ())],
                "msg": e.get("msg", ""),
                "type": e.get("type"),
            }
            for e in exc.errors()
        ]
        return problem(
            422, "请求参数不符合要求 (request does not match the schema)", request, errors=errors
        )


def unparsable_body(request: Request) -> JSONResponse:
    """422 for a body that cannot be decoded (FastAPI's own answer is an English-only 400)."""
    msg = "请求体无法解析：须为 UTF-8 编码的 JSON (the body must be JSON encoded as UTF-8)"
    return problem(
        422, msg, request, errors=[{"loc": ["body"], "msg": msg, "type": "json_invalid"}]
    )


def http_problem(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    """An HTTP exception as problem+json, keeping its headers (``WWW-Authenticate``, ``Retry-After``)."""
    if exc.status_code == 400 and exc.detail == _UNPARSABLE_BODY:
        return unparsable_body(request)
    response = problem(exc.status_code, str(exc.detail), request)
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    return response


def document_problems(schema: dict[str, Any]) -> dict[str, Any]:
    """Say in an OpenAPI schema what the app really answers: every 422 is problem+json."""
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict):
                continue
            answer = operation.get("responses", {}).get("422")
            if answer is None:
                continue
            content = answer.setdefault("content", {})
            content.pop("application/json", None)
            content[PROBLEM] = {"schema": {"$ref": "#/components/schemas/Problem"}}
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault("Problem", PROBLEM_SCHEMA)
    return schema


PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 问题详情 (problem details)",
    "type": "object",
    "required": ["type", "title", "status", "detail", "instance"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "每个不符合要求的参数 (each parameter that does not match)",
            "items": {
                "type": "object",
                "required": ["loc", "msg"],
                "properties": {
                    "loc": {"type": "array", "items": {"type": "string"}},
                    "msg": {"type": "string"},
                    "type": {"type": ["string", "null"]},
                },
            },
        },
    },
}
