"""Request bodies are bounded: a declared ``Content-Length`` over the limit is refused at once, and
a body without one (chunked) is counted as it arrives and refused when it passes the limit."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_BYTES = 1_048_576


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


class BodyLimit:
    """ASGI middleware refusing request bodies over ``limit`` bytes with 413 problem+json."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await self._refuse(scope, send)
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
            if seen > self.limit:
                await self._refuse(scope, send)
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        await self.app(scope, _replay(chunks, None, receive), send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        body = _problem(self.limit, scope.get("path", ""))
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
