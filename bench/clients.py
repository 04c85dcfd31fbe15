"""HTTP clients for loads on 127.0.0.1 (a raw keep-alive client, a pool of independent
clients), and the tokens a benchmark sends."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx

from bench.databases import LOCAL_HOSTS
from services.eventkit.auth import Principal, Role, mint_token
from services.eventkit.settings import Settings


class RawHTTPClient:
    """A minimal HTTP/1.1 keep-alive client on one connection, one request at a time.

    For loads where httpx itself would take most of the CPU of a small machine: a
    request costs it a few tens of microseconds. Fixed-length answers only (uvicorn
    sends Content-Length for JSON).
    """

    def __init__(self, host: str, port: int, headers: dict[str, str]) -> None:
        if host not in LOCAL_HOSTS:
            raise ValueError("loads target 127.0.0.1 only")
        self.host, self.port = host, port
        self._fixed = "".join(f"{k}: {v}\r\n" for k, v in ({"Host": f"{host}:{port}"} | headers).items()).encode()
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._reader is None or self._writer is None or self._writer.is_closing():
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        return self._reader, self._writer

    async def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        """One request; ``headers``: this request's own (an ``Idempotency-Key``), after the fixed ones."""
        reader, writer = await self._connect()
        head = f"{method} {path} HTTP/1.1\r\n".encode() + self._fixed
        if headers:
            head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()).encode()
        if body is not None:
            head += b"Content-Type: application/json\r\nContent-Length: " + str(len(body)).encode() + b"\r\n"
        writer.write(head + b"\r\n" + (body or b""))
        try:
            return await self._answer(reader)
        except BaseException:
            # Cancelled or failed half way: the answer may still come, and must not be read as the next one's.
            await self.aclose()
            raise

    @staticmethod
    async def _answer(reader: asyncio.StreamReader) -> tuple[int, bytes]:
        status_line = await reader.readline()
        status = int(status_line.split(b" ", 2)[1])
        length = 0
        while True:
            line = await reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        content = await reader.readexactly(length) if length else b""
        return status, content

    async def aclose(self) -> None:
        writer, self._reader, self._writer = self._writer, None, None
        if writer is not None:
            writer.close()


class ClientPool:
    """N independent clients (each its own connection): a request takes one, then gives it back.

    One httpx.AsyncClient shared by dozens of concurrent requests spends most of its time
    managing its own connection pool; N clients of one connection each behave like N users.
    """

    def __init__(self, kind: str, url: str, headers: dict[str, str], size: int) -> None:
        self.kind = kind
        self.clients: asyncio.Queue[Any] = asyncio.Queue()
        host, port = url.removeprefix("http://").split(":")
        for _ in range(size):
            if kind == "raw":
                self.clients.put_nowait(RawHTTPClient(host, int(port), headers))
            else:
                self.clients.put_nowait(
                    httpx.AsyncClient(base_url=url, headers=headers, timeout=30, limits=httpx.Limits(max_connections=1))
                )

    async def post(self, path: str, payload: Any, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        """POSTs ``payload`` as JSON; ``headers``: this request's own, besides the pool's."""
        client = await self.clients.get()
        try:
            if self.kind == "raw":
                return await client.request("POST", path, json.dumps(payload).encode(), headers)  # type: ignore[no-any-return]
            r = await client.post(path, json=payload, headers=headers)
            return r.status_code, r.content
        finally:
            self.clients.put_nowait(client)

    async def get(self, path: str) -> tuple[int, bytes]:
        client = await self.clients.get()
        try:
            if self.kind == "raw":
                return await client.request("GET", path)  # type: ignore[no-any-return]
            r = await client.get(path)
            return r.status_code, r.content
        finally:
            self.clients.put_nowait(client)

    async def aclose(self) -> None:
        while not self.clients.empty():
            await self.clients.get_nowait().aclose()


def district_admin_headers(settings: Settings, district_id: str) -> dict[str, str]:
    principal = Principal(
        subject="bench-admin", roles=frozenset([Role.DISTRICT_ADMIN]), districts=frozenset([district_id])
    )
    return {"Authorization": f"Bearer {mint_token(settings, principal)}"}


def platform_headers(settings: Settings) -> dict[str, str]:
    principal = Principal(subject="platform-admin", roles=frozenset([Role.PLATFORM_ADMIN]))
    return {"Authorization": f"Bearer {mint_token(settings, principal)}"}
