"""Request bodies are bounded: a declared ``Content-Length`` over the limit is refused at once, and
a body without one (chunked) is counted as it arrives and refused when it passes the limit.

One limit holds for the whole app (:data:`MAX_BODY_BYTES`); paths that take files (batch uploads,
:data:`MAX_BATCH_BYTES`) get their own limit through ``overrides``. On those paths the body is not
buffered: it is counted as the route reads it, and refused the moment it passes the limit.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Mapping

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_BYTES = 1_048_576
#: Largest batch file a source may upload in one request (512 MiB).
MAX_BATCH_BYTES = 512 * 1_048_576

_PARAM = re.compile(r"\{[^/{}]+\}")

#: Another answer to a refused body for some paths (the portal's HTML error page): given the
#: scope and the limit, a response, or None for the default problem+json.
Refusal = Callable[[Scope, int], Awaitable[Response | None]]


def _problem(limit: int, path: str) -> bytes:
    return json.dumps(
        {
            "type": "about:blank",
            "title": "请求过大 (Payload too large)",
            "status": 413,
            "detail": f"请求体超过 {limit} 字节 (request body over {limit} bytes)",
            "instance": path,
        },
        ensure_ascii=False,
    ).encode("utf-8")


def path_pattern(prefix: str) -> re.Pattern[str]:
    """A path prefix as a pattern; ``{name}`` segments match any one path segment.

    ``/api/v1/sources/{source}/batches`` matches ``/api/v1/sources/shanghai/batches`` and the paths
    under it, but not ``/api/v1/sources/shanghai/batchesx`` or ``/api/v1/sources/a/b/batches``.
    """
    pieces = _PARAM.split(prefix.rstrip("/"))
    body = "[^/]+".join(re.escape(piece) for piece in pieces)
    return re.compile(f"^{body}(?:/|$)")


class _TooLarge(Exception):
    """Raised into the app when a streamed body passes its limit (after 413 was sent)."""


class BodyLimit:
    """ASGI middleware refusing request bodies over ``limit`` bytes with 413 problem+json.

    ``overrides`` maps path prefixes (``{param}`` segments allowed, see :func:`path_pattern`) to
    their own limits; the first matching prefix wins. ``refusal`` may answer some paths
    otherwise (see :data:`Refusal`).
    """

    def __init__(
        self,
        app: ASGIApp,
        limit: int = MAX_BODY_BYTES,
        overrides: Mapping[str, int] | None = None,
        refusal: Refusal | None = None,
    ) -> None:
        self.app = app
        self.limit = limit
        self.refusal = refusal
        self.overrides = [
            (path_pattern(prefix), int(value)) for prefix, value in (overrides or {}).items()
        ]

    def limit_for(self, path: str) -> tuple[int, bool]:
        """The limit for a path, and whether it is an override (streamed, not buffered)."""
        for pattern, value in self.overrides:
            if pattern.match(path):
                return value, True
        return self.limit, False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit, streamed = self.limit_for(scope.get("path", ""))
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await self._refuse(scope, send, limit)
            return
        if streamed:
            await self._streamed(scope, receive, send, limit)
            return

        if declared is not None:
            await self.app(scope, receive, send)
            return
        # No declared length (chunked): read up to the limit before the app sees anything, then
        # replay what was read. FastAPI turns errors raised while it reads a body into 400, so the
        # count cannot happen inside the app's own read.
        chunks: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([], message, receive), send)
                return
            body = message.get("body", b"")
            seen += len(body)
            if seen > limit:
                await self._refuse(scope, send, limit)
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        await self.app(scope, _replay(chunks, None, receive), send)

    async def _streamed(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        """Pass the body through as the app reads it, counting; past the limit answer 413 and
        stop the app's read (for routes that stream their body, such as file uploads)."""
        seen = 0
        started = False
        refused = False

        async def counted() -> Message:
            nonlocal seen, refused
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    if not started and not refused:
                        refused = True
                        await self._refuse(scope, send, limit)
                    raise _TooLarge
            return message

        async def guarded(message: Message) -> None:
            nonlocal started
            if refused:
                return  # 413 went out already; whatever the app answers now is dropped
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, guarded)
        except Exception:
            # After the 413, whatever the aborted read raised inside the app ends here.
            if not refused:
                raise

    async def _refuse(self, scope: Scope, send: Send, limit: int | None = None) -> None:
        limit = self.limit if limit is None else limit
        answer = await self.refusal(scope, limit) if self.refusal is not None else None
        if answer is not None:
            answer.headers["connection"] = "close"
            await answer(scope, _no_body, send)
            return
        body = _problem(limit, scope.get("path", ""))
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/problem+json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


async def _no_body() -> Message:
    return {"type": "http.disconnect"}


def _replay(chunks: list[bytes], pending: Message | None, receive: Receive) -> Receive:
    """A receive callable that first gives the buffered body as one message, then defers."""
    queue: list[Message] = []
    if pending is not None:
        queue.append(pending)
    else:
        queue.append({"type": "http.request", "body": b"".join(chunks), "more_body": False})

    async def replay() -> Message:
        if queue:
            return queue.pop(0)
        return await receive()

    return replay
