"""Read your writes: a read that waits until the read models have seen a command's events.

A command answers the stream it appended to and the stream's version after it; its answer's
``read_after`` is that pair as a token, ``<service>:<stream id>@<version>``. A read sent with the
header ``Houqin-Read-After: <token>[,<token>...]`` waits, up to a bound, until every read model of
that service which follows the stream has applied it up to that version (each projection keeps a
checkpoint per stream: ``proj_<name>._streams``). The answer then says whether it did:

- REST: every GET of a service honours the header for its own tokens (others are ignored) and
  answers ``Houqin-Read-Reached: true|false``;
- GraphQL: the gateway waits before it runs the operation and answers
  ``extensions.readAfter {reached, behind, waitedMs}``;
- ``GET /read-models/seen?stream_id=&version=&wait_ms=`` asks a service directly (``read_after_routes``).

``Houqin-Read-Wait-Ms`` sets the bound (default 2,000 ms, at most 10,000). A read that does not
reach the version in time is still answered, with what the read models hold, and flagged as not
reached: the client may ask again rather than poll blindly.

With a read replica (``services.eventkit.replica``) a GET is served from the replica, and waits
for the replica's checkpoints: what it answers as reached, the replica has.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.eventkit.db import CONNECTION_ERRORS
from services.eventkit.errors import InvalidInput
from services.eventkit.metrics import READS_SERVED
from services.eventkit.projection import Projection
from services.eventkit.replica import SERVING

READ_AFTER_HEADER = "Houqin-Read-After"
READ_WAIT_HEADER = "Houqin-Read-Wait-Ms"
REACHED_HEADER = "Houqin-Read-Reached"
MAX_TOKENS = 16
MAX_HEADER_CHARS = 4096
DEFAULT_WAIT_MS = 2000
MAX_WAIT_MS = 10_000
MAX_VERSION = 2**31 - 1
POLL_S = 0.02


@dataclass(frozen=True)
class ReadToken:
    """A service's stream at a version: what a command's answer hands back as ``read_after``."""

    service: str
    stream_id: str
    version: int

    def __str__(self) -> str:
        return f"{self.service}:{self.stream_id}@{self.version}"


def read_token(service: str, stream_id: str, version: int) -> str:
    return str(ReadToken(service, stream_id, version))


def parse_read_after(value: str, *, services: Sequence[str] | None = None) -> list[ReadToken]:
    """The tokens of a ``Houqin-Read-After`` header; a 422 naming the header for any that is not one."""
    if len(value) > MAX_HEADER_CHARS:
        raise InvalidInput(f"at most {MAX_HEADER_CHARS} characters", field=READ_AFTER_HEADER)
    parts = [p.strip() for p in value.split(",") if p.strip()]
    if len(parts) > MAX_TOKENS:
        raise InvalidInput(f"at most {MAX_TOKENS} tokens", field=READ_AFTER_HEADER)
    tokens = []
    for part in parts:
        service, colon, rest = part.partition(":")
        stream_id, at, version = rest.rpartition("@")
        if not colon or not at or not service or not stream_id or not version.isdigit():
            raise InvalidInput(
                f"{part!r} is not a token <service>:<stream id>@<version> (a command's readAfter)",
                field=READ_AFTER_HEADER,
            )
        if services is not None and service not in services:
            raise InvalidInput(f"{service!r} is not a service (one of: {', '.join(services)})", field=READ_AFTER_HEADER)
        if int(version) > MAX_VERSION:
            raise InvalidInput(f"a version is at most {MAX_VERSION}", field=READ_AFTER_HEADER)
        tokens.append(ReadToken(service, stream_id, int(version)))
    return tokens


def parse_wait_ms(value: str | None) -> int:
    """The ``Houqin-Read-Wait-Ms`` header: how long a read may wait (default 2,000 ms)."""
    if value is None or value == "":
        return DEFAULT_WAIT_MS
    if not value.strip().isdigit() or int(value) > MAX_WAIT_MS:
        raise InvalidInput(f"milliseconds from 0 to {MAX_WAIT_MS}", field=READ_WAIT_HEADER)
    return int(value)


STORE = "events"
"""In ``behind`` on a read replica: the event store itself, not replayed up to the version yet."""


async def behind(
    pool: asyncpg.Pool, projections: Sequence[Projection], stream_id: str, version: int, *, store: bool = False
) -> list[str]:
    """The read models following ``stream_id`` that have not applied it up to ``version`` yet; with
    ``store`` (a read replica's pool), also :data:`STORE` if the replica's event store has not
    (what reads the store, a record's tenant or its history, is then behind too)."""
    following = [p for p in projections if p.follows(stream_id)]
    if not following and not store:
        return []
    parts = [
        f"SELECT ${i + 3}::text AS name, coalesce((SELECT version FROM {p.schema}._streams WHERE stream_id = $1), 0) "
        "AS version"
        for i, p in enumerate(following)
    ]
    if store:
        parts.append(
            f"SELECT '{STORE}'::text AS name, coalesce((SELECT max(version) FROM events WHERE stream_id = $1), 0)"
        )
    rows = await pool.fetch(
        f"SELECT name FROM ({' UNION ALL '.join(parts)}) s WHERE version < $2",
        stream_id,
        version,
        *[p.name for p in following],
    )
    return [r["name"] for r in rows]


async def wait_until_seen(
    pool: asyncpg.Pool,
    projections: Sequence[Projection],
    tokens: Sequence[ReadToken],
    wait_ms: int,
    *,
    store: bool = False,
) -> dict[str, list[str]]:
    """Waits until the read models have seen every token, or ``wait_ms`` passed; answers each
    token still not seen with the read models behind it (empty: all reached). ``store``: see
    :func:`behind`."""
    deadline = time.monotonic() + wait_ms / 1000
    pending = list(tokens)
    while True:
        left: dict[str, list[str]] = {}
        for token in pending:
            if names := await behind(pool, projections, token.stream_id, token.version, store=store):
                left[str(token)] = names
        pending = [t for t in pending if str(t) in left]
        if not pending or time.monotonic() >= deadline:
            return left
        await asyncio.sleep(min(POLL_S, max(0.0, deadline - time.monotonic())))


PRIMARY_PATHS = ("/ops/", "/healthz", "/readyz", "/metrics", "/history")
"""GETs that read the primary even with a read replica: what operators see is what their acts
change; a record's history is the event store's, as exact as the command that was just answered."""


class ReadAfterMiddleware:
    """Every request of the service: chooses the database it reads (:data:`SERVING`). A GET reads
    the read pool (the replica's, or the primary's if there is none or it is down); anything else
    the primary. With ``Houqin-Read-After``, a GET waits for the tokens of this service (others
    are not its to wait for) on the database it will be served from, and answers
    ``Houqin-Read-Reached``. A GET that the replica fails before anything was answered is served
    again from the primary."""

    def __init__(self, app: ASGIApp, *, service: str, runtime: Any) -> None:
        self.app = app
        self.service = service
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if (
            scope["method"] not in ("GET", "HEAD")
            or scope["path"].startswith(PRIMARY_PATHS)
            or not self.runtime.opened  # (an app whose lifespan has not run: /openapi.json of a test)
        ):
            serving = SERVING.set(None)  # the primary (not a pool an enclosing request chose)
            try:
                await self.app(scope, receive, send)
            finally:
                SERVING.reset(serving)
            return
        headers = {k.lower(): v for k, v in scope["headers"]}
        raw = headers.get(READ_AFTER_HEADER.lower().encode())
        tokens: list[ReadToken] | None = None
        wait_ms = 0
        if raw is not None:
            try:
                tokens = [t for t in parse_read_after(raw.decode("latin-1")) if t.service == self.service]
                wait_ms = parse_wait_ms(
                    headers[READ_WAIT_HEADER.lower().encode()].decode("latin-1")
                    if READ_WAIT_HEADER.lower().encode() in headers
                    else None
                )
            except InvalidInput as exc:
                await _refuse(send, exc)
                return
        primary = self.runtime.primary_pool
        pool = self.runtime.read_pool
        if pool is primary:
            await self._read(scope, receive, send, primary, tokens, wait_ms, replica=False)
            return
        body: list[Message] = []  # what the replica's serving read of the request, for the primary's

        async def recording() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                body.append(message)
            return message

        async def replaying() -> Message:
            return body.pop(0) if body else await receive()

        if not await self._read(scope, recording, send, pool, tokens, wait_ms, replica=True):
            await self._read(scope, replaying, send, primary, tokens, wait_ms, replica=False)

    async def _read(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        pool: asyncpg.Pool,
        tokens: list[ReadToken] | None,
        wait_ms: int,
        *,
        replica: bool,
    ) -> bool:
        """Serves the GET from ``pool``; False (nothing answered) if the replica failed under it."""
        serving = SERVING.set((self.runtime, pool))
        try:
            reached: bytes | None = None
            if tokens is not None:
                try:
                    projections = self.runtime.definition.projections
                    left = await wait_until_seen(pool, projections, tokens, wait_ms, store=replica)
                except CONNECTION_ERRORS as exc:
                    if not replica:
                        raise
                    self.runtime.replica.failed(exc)
                    return False
                reached = b"false" if left else b"true"
            held: list[Message] = []  # a 503 from the replica: held until it is known whether it failed

            async def respond(message: Message) -> None:
                if message["type"] == "http.response.start":
                    if reached is not None:
                        message = {
                            **message,
                            "headers": [*message.get("headers", []), (REACHED_HEADER.lower().encode(), reached)],
                        }
                    if replica and message["status"] == 503:
                        held.append(message)
                        return
                elif held:
                    held.append(message)
                    return
                await send(message)

            await self.app(scope, receive, respond)
            if held and not self.runtime.replica.up:  # the error handler saw the replica fail
                return False
            for message in held:
                await send(message)
            READS_SERVED.labels(self.service, "replica" if replica else "primary").inc()
            return True
        finally:
            SERVING.reset(serving)


async def _refuse(send: Send, exc: InvalidInput) -> None:
    import orjson

    body = orjson.dumps(exc.to_dict())
    await send(
        {
            "type": "http.response.start",
            "status": 422,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
