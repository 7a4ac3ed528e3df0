"""The route class of every page: whatever a page raises becomes an HTML answer, never a 500 page
of JSON — error pages for :class:`~credit_yrd.web.errors.PageError`, bad parameters and an
unavailable store, 303 redirects for :class:`~credit_yrd.web.errors.PageRedirect`."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException

from credit_yrd.web.errors import PageError, PageRedirect
from credit_yrd.web.render import error_page

_log = logging.getLogger(__name__)


class PageRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page(request: Request) -> Response:
            try:
                return await handler(request)
            except PageRedirect as redirect:
                return RedirectResponse(redirect.url, status_code=303)
            except PageError as exc:
                return error_page(request, exc.status, exc.message_zh, exc.message_en)
            except RequestValidationError:
                return error_page(
                    request, 400, "请求参数无效", "the request's parameters are not valid"
                )
            except SQLAlchemyError as exc:
                _log.error("page %s failed on the store: %s", request.url.path, exc)
                return error_page(
                    request, 503, "存储暂不可用，请稍后再试", "the store is unavailable; try later"
                )
            except HTTPException as exc:
                text = str(exc.detail)
                return error_page(request, exc.status_code, text, text)

        return page
