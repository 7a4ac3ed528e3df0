"""Errors as ``application/problem+json`` (RFC 9457), in the caller's language."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
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
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


def install(app: FastAPI) -> None:
    @app.exception_handler(CreditYrdError)
    async def _domain(request: Request, exc: CreditYrdError) -> JSONResponse:
        return problem(400, exc.message(lang_of(request)), request)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem(exc.status_code, str(exc.detail), request)

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
