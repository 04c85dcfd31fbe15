"""The console's live tail: the events of every service as they happen, filtered, within the
operator's scope, newest on top (``GET /console/tail``, fed by server-sent events from
``GET /console/tail/stream``), and one event's envelope (``GET /console/events/{event_id}``).

The stream listens to the gateway's :class:`~gateway.events.EventHub` as the GraphQL
subscription does (the same scope check, the same redaction). With ``from`` it first sends the
events written since then: a one-off Kafka reader of every service's events topic, each
partition read from ``offsets_for_times`` up to its end offset at the start, at most
:data:`MAX_HISTORY` events merged by time; then it goes on live.

Every event a tail sees is kept in a bounded ring (:data:`RING_SIZE`, by event id) for the
envelope page; an event no longer (or never) there is "not among the recent events".
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import OrderedDict
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated
from urllib.parse import urlencode
from uuid import UUID, uuid4

from aiokafka import AIOKafkaConsumer, TopicPartition
from fastapi import HTTPException, Query, Request
from fastapi.responses import HTMLResponse, StreamingResponse
from starlette.datastructures import QueryParams

from gateway.clients import Caller, ServiceError, ServiceUnavailable
from gateway.common.live import expiry_of, may_see
from gateway.console.auth import ConsoleUser, User
from gateway.console.routes import page, router, templates
from gateway.events import EventHub
from gateway.settings import SERVICES, GatewaySettings
from services.eventkit.auth import Principal
from services.eventkit.envelope import Envelope
from services.eventkit.kafka import admin_client, stop_quietly
from services.eventkit.redaction import redact_data

MAX_FILTER = 200  # characters of a filter's value
MAX_HISTORY = 2000  # events sent from "from", at most
MAX_SCAN = 50_000  # records a history read looks at, at most
HISTORY_TIMEOUT_S = 15.0
RING_SIZE = 5000  # recent events kept for the envelope page
LOCAL_QUEUE = 1000  # live events waiting for one stream (the oldest dropped for a slow browser)
PING_S = 15.0
FOLLOW_BEFORE = timedelta(hours=1)

Filter = Annotated[str, Query(max_length=MAX_FILTER)]


@dataclass(frozen=True)
class TailFilter:
    service: str = ""
    type: str = ""
    campus: str = ""
    stream: str = ""
    actor: str = ""
    correlation: str = ""
    since: datetime | None = None

    def matches(self, service: str, env: Envelope) -> bool:
        return (
            (not self.service or service == self.service)
            and (not self.type or env.type == self.type)
            and (not self.campus or env.campus_id == self.campus)
            and (not self.stream or env.stream_id == self.stream)
            and (not self.actor or env.actor == self.actor)
            and (not self.correlation or env.correlation_id == self.correlation)
        )

    def query(self, *, with_since: bool = True) -> str:
        fields = {
            "service": self.service,
            "type": self.type,
            "campus": self.campus,
            "stream": self.stream,
            "actor": self.actor,
            "correlation": self.correlation,
        }
        if with_since and self.since is not None:
            fields["from"] = self.since.isoformat()
        return urlencode({k: v for k, v in fields.items() if v})


def parse_from(value: str) -> datetime | None:
    """``from``: an ISO date-time (a browser's ``datetime-local`` too; without a zone, UTC)."""
    value = value.strip()
    if not value:
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise HTTPException(
            422, detail=[{"field": "from", "reason": "not a date-time (e.g. 2024-05-01T08:30 or with +08:00)"}]
        ) from None
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def tail_filter(
    service: Filter = "",
    type: Filter = "",
    campus: Filter = "",
    stream: Filter = "",
    actor: Filter = "",
    correlation: Filter = "",
    from_: Annotated[str, Query(alias="from", max_length=64)] = "",
) -> TailFilter:
    return TailFilter(service.strip(), type.strip(), campus.strip(), stream.strip(), actor.strip(),
                      correlation.strip(), parse_from(from_))  # fmt: skip


class RecentEvents:
    """The last :data:`RING_SIZE` events the tail saw, by event id."""

    def __init__(self, size: int = RING_SIZE) -> None:
        self.size = size
        self._events: OrderedDict[UUID, tuple[str, Envelope]] = OrderedDict()
        self._rows: OrderedDict[UUID, bytes] = OrderedDict()

    def keep(self, service: str, env: Envelope) -> None:
        if env.event_id in self._events:
            return  # another open tail kept it already
        self._events[env.event_id] = (service, env)
        while len(self._events) > self.size:
            self._events.popitem(last=False)

    def row(self, service: str, env: Envelope) -> bytes:
        """The event's row as an SSE message, rendered once however many consoles are open: a row
        shows no payload, so it is the same for every viewer allowed to see the event."""
        message = self._rows.get(env.event_id)
        if message is None:
            message = self._rows[env.event_id] = sse("row", row_html(service, env))
            while len(self._rows) > self.size:
                self._rows.popitem(last=False)
        return message

    def get(self, event_id: UUID) -> tuple[str, Envelope] | None:
        return self._events.get(event_id)


def recent_of(request: Request) -> RecentEvents:
    state = request.app.state
    if getattr(state, "console_recent", None) is None:
        state.console_recent = RecentEvents()
    recent: RecentEvents = state.console_recent
    return recent


BATCH = 500  # rows a stream writes at once when events come faster than it writes


def _when(env: Envelope) -> datetime:
    return env.recorded_at or env.occurred_at


def row_html(service: str, env: Envelope) -> str:
    """One event as a table row, on one line (an SSE message's data)."""
    follow = ""
    if env.correlation_id:
        since = (_when(env) - FOLLOW_BEFORE).isoformat()
        follow = "/console/tail?" + urlencode({"correlation": env.correlation_id, "from": since})
    html = templates.get_template("tail_row.html").render(service=service, env=env, follow=follow)
    return " ".join(html.split("\n")).strip()


def sse(event: str, data: str) -> bytes:
    lines = "".join(f"data: {line}\n" for line in data.splitlines() or [""])
    return f"event: {event}\n{lines}\n".encode()


async def read_history(
    settings: GatewaySettings, since: datetime, wanted: TailFilter, principal: Principal
) -> list[tuple[str, Envelope]]:
    """The events (matching, visible) written since ``since``, up to each partition's end at the
    start; at most :data:`MAX_HISTORY`, the earliest first."""
    topics = {settings.topic_of(s): s for s in SERVICES if not wanted.service or s == wanted.service}
    found: list[tuple[str, Envelope]] = []
    async with admin_client(settings.kafka_bootstrap, 30) as admin:
        described = await admin.describe_topics(list(topics))
    partitions = [
        TopicPartition(d["topic"], p["partition"])
        for d in described
        if d.get("error_code") == 0 and d["topic"] in topics
        for p in sorted(d.get("partitions", []), key=lambda p: p["partition"])
    ]
    if not partitions:
        return []
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap,
        group_id=None,  # one-off: no group, nothing committed
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        isolation_level="read_uncommitted",
        fetch_max_wait_ms=100,
        metadata_max_age_ms=5_000,
    )
    await asyncio.wait_for(consumer.start(), 30)
    try:
        consumer.assign(partitions)
        ms = int(since.timestamp() * 1000)
        starts = await consumer.offsets_for_times(dict.fromkeys(partitions, ms))
        ends = await consumer.end_offsets(partitions)
        todo: dict[TopicPartition, int] = {}
        for tp in partitions:
            start = starts.get(tp)
            if start is None or start.offset >= ends[tp]:
                continue
            consumer.seek(tp, start.offset)
            todo[tp] = ends[tp]
        consumer.pause(*[tp for tp in partitions if tp not in todo])
        scanned = 0
        per_partition: dict[TopicPartition, int] = dict.fromkeys(todo, 0)
        deadline = time.monotonic() + HISTORY_TIMEOUT_S
        while todo and scanned < MAX_SCAN and time.monotonic() < deadline:
            batches = await consumer.getmany(*todo, timeout_ms=200, max_records=1000)
            for tp, records in batches.items():
                for record in records:
                    if tp not in todo:
                        break
                    if record.offset >= todo[tp]:
                        todo.pop(tp)
                        consumer.pause(tp)
                        break
                    scanned += 1
                    try:
                        env = Envelope.from_wire(record.value)
                    except Exception:
                        continue
                    service = topics[tp.topic]
                    if wanted.matches(service, env) and may_see(
                        principal, env.campus_id, env.school_id, env.district_id
                    ):
                        found.append((service, env))
                        per_partition[tp] += 1
                        if per_partition[tp] >= MAX_HISTORY:  # its later events cannot be among the first
                            todo.pop(tp)
            for tp in list(todo):
                if await consumer.position(tp) >= todo[tp]:
                    todo.pop(tp)
                    consumer.pause(tp)
    finally:
        await stop_quietly(consumer)
    found.sort(key=lambda item: _when(item[1]))
    return found[:MAX_HISTORY]


async def tail_stream(
    request: Request, hub: EventHub, wanted: TailFilter, principal: Principal, token: str
) -> AsyncIterator[bytes]:
    recent = recent_of(request)
    queue: asyncio.Queue[tuple[str, Envelope]] = asyncio.Queue(LOCAL_QUEUE)

    async def pump() -> None:
        async for item in hub.subscribe():
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(item)

    task = asyncio.create_task(pump(), name="console-tail")
    expires_at = expiry_of(token)
    try:
        await asyncio.sleep(0)  # the pump's queue is the hub's subscriber from here
        await asyncio.wait_for(hub.live.wait(), 30)
        sent: set[UUID] = set()
        if wanted.since is not None:
            history = await read_history(hub.settings, wanted.since, wanted, principal)
            for service, env in history:
                recent.keep(service, env)
                sent.add(env.event_id)
                yield sse("row", row_html(service, env))
            yield sse(
                "status",
                f'<span id="tail-state" class="ok">live · {len(history)} since {wanted.since:%Y-%m-%d %H:%M}</span>',
            )
        else:
            yield sse("status", '<span id="tail-state" class="ok">live</span>')
        while True:
            remaining = expires_at - time.time()
            if remaining <= 0:
                yield sse("status", '<span id="tail-state" class="stuck">token expired: sign in again</span>')
                return
            try:
                first = await asyncio.wait_for(queue.get(), min(PING_S, remaining))
            except TimeoutError:
                yield b": ping\n\n"
                continue
            batch = [first]  # and whatever else is waiting: one write for them all, not one an event
            while len(batch) < BATCH and not queue.empty():
                batch.append(queue.get_nowait())
            rows = []
            for service, env in batch:
                recent.keep(service, env)
                if env.event_id in sent:
                    continue  # already sent with the history
                if wanted.matches(service, env) and may_see(principal, env.campus_id, env.school_id, env.district_id):
                    rows.append(recent.row(service, env))
            if rows:
                yield b"".join(rows)
    finally:
        task.cancel()
        try:
            await task
        except (asyncio.CancelledError, Exception):
            pass


@router.get("/tail", response_class=HTMLResponse)
async def tail_page(request: Request, user: User) -> HTMLResponse:
    params = request.query_params
    try:
        wanted = tail_filter(**_filter_args(params))
    except HTTPException as exc:
        return page(request, "tail.html", user=user, wanted=TailFilter(), values=_values(params),
                    error=_reason(exc), stream_url="", live_url="", status_code=422)  # fmt: skip
    return page(
        request,
        "tail.html",
        user=user,
        wanted=wanted,
        values=_values(params),
        error="",
        services=SERVICES,
        stream_url="/console/tail/stream?" + wanted.query(),
        live_url="/console/tail/stream?" + wanted.query(with_since=False),
    )


def _filter_args(params: QueryParams) -> dict[str, str]:
    args: dict[str, str] = {}
    for name in ("service", "type", "campus", "stream", "actor", "correlation"):
        value = params.get(name, "")
        if len(value) > MAX_FILTER:
            raise HTTPException(422, detail=[{"field": name, "reason": f"at most {MAX_FILTER} characters"}])
        args[name] = value
    value = params.get("from", "")
    if len(value) > 64:
        raise HTTPException(422, detail=[{"field": "from", "reason": "at most 64 characters"}])
    args["from_"] = value
    return args


def _values(params: QueryParams) -> dict[str, str]:
    return {
        k: params.get(k, "")[:MAX_FILTER]
        for k in ("service", "type", "campus", "stream", "actor", "correlation", "from")
    }


def _reason(exc: HTTPException) -> str:
    detail = exc.detail
    if isinstance(detail, list) and detail and isinstance(detail[0], dict):
        return f"{detail[0]['field']}: {detail[0]['reason']}"
    return str(detail)


@router.get("/tail/stream")
async def tail_events(
    request: Request,
    user: User,
    service: Filter = "",
    type: Filter = "",
    campus: Filter = "",
    stream: Filter = "",
    actor: Filter = "",
    correlation: Filter = "",
    from_: Annotated[str, Query(alias="from", max_length=64)] = "",
) -> StreamingResponse:
    wanted = tail_filter(service, type, campus, stream, actor, correlation, from_)
    hub: EventHub = request.app.state.gateway["hub"]
    return StreamingResponse(
        tail_stream(request, hub, wanted, user.principal, user.token),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


async def stored_event(request: Request, user: ConsoleUser, event_id: UUID) -> tuple[str, Envelope] | None:
    """An event the tail has not seen (older, or before the gateway started), from the store of
    the service that has it: asked of every service at once with the user's own token (its
    ``/ops/events/{id}``: operators only, within their scope, sensitive fields withheld)."""
    if not user.can_act():
        return None
    caller = Caller(request.app.state.gateway["clients"], user.authorization, f"console-{uuid4().hex[:16]}")

    async def ask(service: str) -> tuple[str, Envelope] | None:
        try:
            body = await caller.get(service, f"/ops/events/{event_id}")
        except (ServiceError, ServiceUnavailable):
            return None
        return service, Envelope.model_validate(body)

    found = [answer for answer in await asyncio.gather(*(ask(s) for s in SERVICES)) if answer is not None]
    return found[0] if found else None


@router.get("/events/{event_id}", response_class=HTMLResponse)
async def event_page(request: Request, event_id: UUID, user: User) -> HTMLResponse:
    kept = recent_of(request).get(event_id) or await stored_event(request, user, event_id)
    if kept is None or not may_see(user.principal, kept[1].campus_id, kept[1].school_id, kept[1].district_id):
        return page(request, "event.html", user=user, event_id=event_id, env=None, status_code=404)
    service, env = kept
    payload = json.dumps(redact_data(env.type, env.data, user.principal), ensure_ascii=False, indent=2, default=str)
    return page(request, "event.html", user=user, event_id=event_id, env=env, service=service, payload=payload,
                tenant=_tenant(env), follow_from=(_when(env) - FOLLOW_BEFORE).isoformat())  # fmt: skip


def _tenant(env: Envelope) -> str:
    return " / ".join(x for x in (env.district_id, env.school_id, env.campus_id) if x) or "—"
