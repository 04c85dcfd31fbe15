"""The body limit on its own: a 413 before the app is called, and no more of the body read than it takes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from starlette.types import Message, Receive, Scope, Send

from services.eventkit.body_limit import DEFAULT_MAX_BODY_BYTES, BodyLimit
from services.eventkit.settings import Settings


class Echo:
    """An app that reads the whole body and answers its length."""

    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.calls += 1
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": str(len(body)).encode()})


class Client:
    """Sends ``chunks`` as the body's messages and counts how many of them were read."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks
        self.read = 0
        self.sent: list[Message] = []

    async def receive(self) -> Message:
        if self.read >= len(self.chunks):
            return {"type": "http.disconnect"}
        self.read += 1
        return {"type": "http.request", "body": self.chunks[self.read - 1], "more_body": self.read < len(self.chunks)}

    async def send(self, message: Message) -> None:
        self.sent.append(message)

    @property
    def status(self) -> int:
        return int(self.sent[0]["status"])

    @property
    def body(self) -> Any:
        return json.loads(b"".join(m.get("body", b"") for m in self.sent[1:]))


def scope(headers: list[tuple[bytes, bytes]]) -> Scope:
    return {"type": "http", "method": "POST", "path": "/stock/receipts", "headers": headers}


async def test_a_declared_length_above_the_limit_is_refused_before_anything_is_read() -> None:
    app = Echo()
    client = Client([b"x" * 600])
    await BodyLimit(app, limit=500)(scope([(b"content-length", b"600")]), client.receive, client.send)
    assert client.status == 413
    assert client.body == {
        "error": "payload_too_large",
        "reason": "the request body is larger than 500 bytes",
        "limit": 500,
    }
    assert dict(client.sent[0]["headers"])[b"connection"] == b"close"
    assert app.calls == 0 and client.read == 0


async def test_a_chunked_body_is_counted_and_reading_stops_past_the_limit() -> None:
    app = Echo()
    client = Client([b"x" * 200] * 10)  # 2,000 bytes, no Content-Length
    await BodyLimit(app, limit=500)(scope([(b"transfer-encoding", b"chunked")]), client.receive, client.send)
    assert client.status == 413 and client.body["limit"] == 500
    assert app.calls == 0 and client.read == 3  # 600 bytes: the third chunk passed the limit


@pytest.mark.parametrize(
    ("headers", "chunks"),
    [
        ([(b"content-length", b"500")], [b"x" * 500]),
        ([(b"transfer-encoding", b"chunked")], [b"x" * 250, b"x" * 250]),
        ([], [b""]),
    ],
)
async def test_a_body_within_the_limit_reaches_the_app_whole(
    headers: list[tuple[bytes, bytes]], chunks: list[bytes]
) -> None:
    app = Echo()
    client = Client(chunks)
    await BodyLimit(app, limit=500)(scope(headers), client.receive, client.send)
    assert client.status == 200 and client.sent[1]["body"] == str(sum(map(len, chunks))).encode()
    assert app.calls == 1 and client.read == len(chunks)


async def test_a_client_gone_while_the_body_is_counted_is_the_apps_to_hear() -> None:
    heard: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        heard.extend([(await receive())["type"], (await receive())["type"]])

    client = Client([])
    sent: list[Message] = [{"type": "http.request", "body": b"x" * 100, "more_body": True}, {"type": "http.disconnect"}]
    messages = iter(sent)

    async def receive() -> Message:
        return next(messages)

    await BodyLimit(app, limit=500)(scope([(b"transfer-encoding", b"chunked")]), receive, client.send)
    assert heard == ["http.request", "http.disconnect"] and client.sent == []


def test_the_limit_is_a_setting_with_a_default(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().max_body_bytes == DEFAULT_MAX_BODY_BYTES == 256 * 1024
    monkeypatch.setenv("HOUQIN_MAX_BODY_BYTES", "1024")
    assert Settings().max_body_bytes == 1024
    with pytest.raises(ValueError, match="bytes"):
        BodyLimit(Echo(), limit=-1)
