"""Pooled HTTP clients to the services, forwarding the caller's token and correlation id.

A service that is down or slow gives a clear ``ServiceUnavailable`` (the rest of a
query's answer still comes back); every call is counted per request, which is how
the tests prove the dataloaders batch.

An id a client sends travels to a service as one percent-encoded path segment
(:func:`service_path`): ``/``, ``?``, ``#`` or ``..`` in an id never reach another route.
A command goes with an ``Idempotency-Key`` and is sent once more with it after a dropped
connection or a timeout (:meth:`Caller.command`).
"""

from __future__ import annotations

from collections import Counter
from typing import Any
from urllib.parse import quote, urlencode

import aiohttp
import httpx
import orjson
import yarl
from graphql import GraphQLError

from gateway.settings import SERVICES, GatewaySettings


class ServiceUnavailable(Exception):
    def __init__(self, service: str, reason: str) -> None:
        super().__init__(f"the {service} service is unavailable: {reason}")
        self.service = service
        self.reason = reason


class ServiceError(Exception):
    """A structured error answered by a service (4xx)."""

    def __init__(self, service: str, status: int, body: dict[str, Any]) -> None:
        super().__init__(f"{service} answered {status}: {body}")
        self.service = service
        self.status = status
        self.body = body


class InvalidId(GraphQLError):
    """An id that cannot name anything (empty): refused before any service is asked."""

    def __init__(self, name: str) -> None:
        super().__init__(f"{name} must not be empty", extensions={"code": "BAD_USER_INPUT", "field": name})
        self.name = name


def segment(value: str) -> str:
    """``value`` as one path segment: every character but the unreserved ones percent-encoded
    (``/``, ``?``, ``#``, ``%``...), and ``.`` or ``..`` too, which a URL would otherwise resolve."""
    encoded = quote(value, safe="")
    return encoded.replace(".", "%2E") if encoded in (".", "..") else encoded


def service_path(template: str, **ids: str) -> str:
    """A service's path from its template (``/hazards/{hazard_id}``) and ids a client sent, each
    as one encoded segment (:func:`segment`); an empty id is an :class:`InvalidId`."""
    for name, value in ids.items():
        if not value:
            raise InvalidId(name)
    return template.format(**{name: segment(value) for name, value in ids.items()})


Sent = tuple[int, bytes]
"""A service's answer as the gateway reads it: the status and the body."""


class TransportFailure(Exception):
    """The call did not get an answer (refused, dropped, timed out): the service may or may not
    have handled it."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def query_string(params: dict[str, Any]) -> str:
    """``params`` as a URL's query, encoded as httpx encodes them: ``true``/``false`` for booleans,
    a list as the name repeated; None is left out."""
    pairs: list[tuple[str, str]] = []
    for name, value in params.items():
        for one in value if isinstance(value, list | tuple) else (value,):
            if one is None:
                continue
            pairs.append((name, ("true" if one else "false") if isinstance(one, bool) else str(one)))
    return urlencode(pairs, quote_via=quote)


class ServiceClients:
    """One pooled connection set per service for the whole process.

    Over the network the calls go straight through an aiohttp session (its C parser, plain
    asyncio sockets and no request object of ours to build): httpx's own HTTP/1.1 stack was 40%
    of the gateway's time under load, and httpx's ``Request`` over aiohttp still parsed each URL
    three times a call. Tests pass an httpx transport of their own (the services in process),
    which the calls then go through."""

    def __init__(self, settings: GatewaySettings, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.urls = {name: settings.url_of(name).rstrip("/") for name in SERVICES}
        self.in_process: dict[str, httpx.AsyncClient] = {}
        self.session: aiohttp.ClientSession | None = None
        if transport is not None:
            timeout = httpx.Timeout(settings.service_timeout_s, connect=2.0)
            self.in_process = {
                name: httpx.AsyncClient(base_url=self.urls[name], timeout=timeout, transport=transport)
                for name in SERVICES
            }
        else:
            self.timeout = aiohttp.ClientTimeout(total=None, sock_connect=2.0, sock_read=settings.service_timeout_s)
            self.session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=200, limit_per_host=0),
                timeout=self.timeout,
                auto_decompress=False,
                skip_auto_headers=("User-Agent",),
            )

    async def send(
        self,
        service: str,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout_s: float | None = None,
    ) -> Sent:
        """One call to a service: its status and body, or :class:`TransportFailure`.

        ``path`` is sent as it is (its ids already encoded by :func:`service_path`: a ``%2E%2E``
        must not become a ``..`` on the way)."""
        query = query_string(params or {})
        url = f"{self.urls[service]}{path}?{query}" if query else f"{self.urls[service]}{path}"
        sent_headers = dict(headers or {})
        if content is not None:
            sent_headers["Content-Type"] = "application/json"
        if self.session is None:
            return await self._send_in_process(service, method, url, content, sent_headers, timeout_s)
        timeout = self.timeout if timeout_s is None else aiohttp.ClientTimeout(total=timeout_s)
        try:
            async with self.session.request(
                method, yarl.URL(url, encoded=True), data=content, headers=sent_headers, timeout=timeout
            ) as response:
                return response.status, await response.read()
        except TimeoutError:
            raise TransportFailure("timed out") from None
        except aiohttp.ClientError as exc:
            raise TransportFailure(type(exc).__name__) from None

    async def _send_in_process(
        self,
        service: str,
        method: str,
        url: str,
        content: bytes | None,
        headers: dict[str, str],
        timeout_s: float | None,
    ) -> Sent:
        client = self.in_process[service]
        try:
            response = await client.request(
                method, url, content=content, headers=headers, timeout=timeout_s or httpx.USE_CLIENT_DEFAULT
            )
        except httpx.TransportError as exc:
            raise TransportFailure(
                "timed out" if isinstance(exc, httpx.TimeoutException) else type(exc).__name__
            ) from None
        return response.status_code, response.content

    async def aclose(self) -> None:
        for client in self.in_process.values():
            await client.aclose()
        if self.session is not None:
            await self.session.close()


class Caller:
    """The services as one request's caller sees them."""

    def __init__(self, clients: ServiceClients, authorization: str | None, correlation_id: str) -> None:
        self.clients = clients
        self.authorization = authorization
        self.headers = {"X-Correlation-ID": correlation_id}
        if authorization:
            self.headers["Authorization"] = authorization
        self.calls: Counter[str] = Counter()

    async def request(
        self,
        service: str,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
        attempts: int = 1,
    ) -> Any:
        """One call (``attempts`` > 1: sent again after a transport error, for a command whose
        Idempotency-Key makes a second delivery answer the first result)."""
        content = None if json is None else orjson.dumps(json)
        sent_headers = self.headers | headers if headers else self.headers
        for attempt in range(1, attempts + 1):
            self.calls[service] += 1
            try:
                status, answer = await self.clients.send(
                    service, method, path, params=params, content=content, headers=sent_headers
                )
                break
            except TransportFailure as failure:  # timeouts included: the service may have handled it
                if attempt < attempts:
                    continue
                raise ServiceUnavailable(service, failure.reason) from None
        if status >= 500:
            raise ServiceUnavailable(service, f"answered {status}")
        body = orjson.loads(answer) if answer else None
        if status >= 400:
            raise ServiceError(service, status, body if isinstance(body, dict) else {"reason": str(body)})
        return body

    async def get(self, service: str, path: str, **params: Any) -> Any:
        return await self.request(service, "GET", path, params=params)

    async def command(self, service: str, path: str, body: Any, key: str) -> Any:
        """POSTs a command with its ``Idempotency-Key``. A dropped connection or a timeout before
        the answer leaves unknown whether the service applied it: it is sent once more with the
        same key, and the service answers the first result instead of applying it twice."""
        return await self.request(service, "POST", path, json=body, headers={"Idempotency-Key": key}, attempts=2)
