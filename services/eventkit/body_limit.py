"""The request body limit: a body larger than the limit is a 413, answered before the app reads any of it.

One ASGI middleware, the outermost of every service (so it holds for the command lane, which
reads the body itself) and of the gateway:

- a ``Content-Length`` above the limit is answered at once, and the body is never read;
- a body without one (``Transfer-Encoding: chunked``) is read here, its bytes counted, and the
  reading stops as soon as the count passes the limit (413); a body within it is handed on to the
  app as it came.

A body within its ``Content-Length`` is handed on untouched: the HTTP server reads exactly that
many bytes of it, no more. A request with neither header has no body (HTTP/1.1) and goes on as it is.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.eventkit.errors import PayloadTooLarge

DEFAULT_MAX_BODY_BYTES = 256 * 1024


def replay(messages: list[Message], receive: Receive) -> Receive:
    """``receive`` giving ``messages`` first, then what the client sends next: as if nothing
    had been read from it yet."""
    pending = list(messages)

    async def again() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return again


class BodyLimit:
    """ASGI middleware: see the module's docstring."""

    def __init__(self, app: ASGIApp, limit: int = DEFAULT_MAX_BODY_BYTES) -> None:
        if limit < 0:
            raise ValueError("the body limit is a number of bytes, 0 or more")
        self.app = app
        self.limit = limit
        error = PayloadTooLarge(f"the request body is larger than {limit} bytes", limit=limit)
        self.answer = json.dumps(error.to_dict()).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = None
        chunked = False
        for name, value in scope["headers"]:
            if name == b"content-length":
                declared = value
            elif name == b"transfer-encoding":
                chunked = True
        if declared is None and not chunked:  # no body (HTTP/1.1 sends one only with either header)
            await self.app(scope, receive, send)
            return
        if declared is not None and declared.isdigit():
            if int(declared) > self.limit:
                await self._refuse(send)
                return
            await self.app(scope, receive, send)
            return
        # no length given (or none that reads as one): count while reading, stop past the limit
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":  # the client went away: the app hears it
                break
            size += len(message.get("body", b""))
            if size > self.limit:
                await self._refuse(send)
                return
            if not message.get("more_body", False):
                break
        await self.app(scope, replay(messages, receive), send)

    async def _refuse(self, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(self.answer)).encode()),
                    (b"connection", b"close"),  # the rest of the body is not read
                ],
            }
        )
        await send({"type": "http.response.body", "body": self.answer})
