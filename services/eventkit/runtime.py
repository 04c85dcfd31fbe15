"""A service's moving parts and their lifecycle.

By default one process runs the API, the outbox relay and the consumers; a
deployment can run each as its own process (``--mode api|relay|consumers``) and
scale them apart. Shutdown asks every worker to finish what it has in hand (a
relay round, a consumer batch and its offset commit) before closing the pool.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import asyncpg
from fastapi import APIRouter

from services.eventkit.auth import TokenVerifier
from services.eventkit.commands import AggregateStates, CommandBus
from services.eventkit.consumer import ConsumerRunner, Reaction
from services.eventkit.db import KIT_MIGRATIONS, create_pool, migrate
from services.eventkit.envelope import EventRegistry
from services.eventkit.history import HistoryPolicy
from services.eventkit.loopwatch import LoopWatch, time_collections
from services.eventkit.metrics import KAFKA_UP, serve_metrics
from services.eventkit.projection import Projection, ensure_projection, projections_runner, rebuild
from services.eventkit.relay import OutboxRelay
from services.eventkit.replica import SERVING, ReadReplica
from services.eventkit.settings import Settings
from services.eventkit.store import EventStore
from services.eventkit.wake import OutboxWaker

log = logging.getLogger(__name__)


class Mode(StrEnum):
    ALL = "all"
    API = "api"
    RELAY = "relay"
    CONSUMERS = "consumers"
    WORKERS = "workers"

    @property
    def runs_relay(self) -> bool:
        return self in (Mode.ALL, Mode.RELAY, Mode.WORKERS)

    @property
    def runs_consumers(self) -> bool:
        return self in (Mode.ALL, Mode.CONSUMERS, Mode.WORKERS)


@dataclass(frozen=True)
class ReactionSpec:
    """A reaction and the services whose events it listens to (its own or others')."""

    reaction: Reaction
    sources: Sequence[str]


@dataclass
class ServiceDefinition:
    name: str
    title: str
    description: str
    registry: EventRegistry
    routers: Sequence[APIRouter] = ()
    migrations: Path | None = None
    projections: Sequence[Projection] = ()
    reactions: Sequence[ReactionSpec] = ()
    openapi_tags: list[dict[str, Any]] = field(default_factory=list)
    history: HistoryPolicy = field(default_factory=HistoryPolicy)  # what GET /history shows of its records


class ServiceRuntime:
    def __init__(self, definition: ServiceDefinition, settings: Settings) -> None:
        self.definition = definition
        self.settings = settings
        self.verifier = TokenVerifier(settings)
        self._pool: asyncpg.Pool | None = None
        read_dsn = settings.read_dsn
        self.replica = ReadReplica(settings, read_dsn) if read_dsn else None  # the query side's database
        self.stop_event = asyncio.Event()
        self.tasks: list[asyncio.Task[None]] = []
        self.background: set[asyncio.Task[Any]] = set()  # work an operator started (a projection's rebuild)
        self.relay: OutboxRelay | None = None
        self.runners: list[ConsumerRunner] = []
        self.loop_watch = LoopWatch()
        self.caches: dict[str, Any] = {}  # what a service keeps in process (e.g. the directory's campuses)
        self.states = AggregateStates()  # the latest state of the aggregates commands worked on lately
        self.waker = OutboxWaker(settings.dsn, lambda: self.relay, application_name=f"houqin-{definition.name}-waker")

    @property
    def pool(self) -> asyncpg.Pool:
        """The pool of what runs now: a GET's reads are served from the read pool chosen when the
        request started (services.eventkit.replica), everything else from the primary's."""
        serving = SERVING.get()
        if serving is not None and serving[0] is self:
            return serving[1]
        return self.primary_pool

    @property
    def opened(self) -> bool:
        return self._pool is not None

    @property
    def primary_pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise RuntimeError("runtime not opened")
        return self._pool

    @property
    def read_pool(self) -> asyncpg.Pool:
        """Where a read starts now: the replica's pool if one is configured and answers, else the primary's."""
        replica = self.replica
        if replica is not None and replica.up and replica.pool is not None:
            return replica.pool
        return self.primary_pool

    @property
    def store(self) -> EventStore:
        """The event store, on the primary whatever the request: a GET that loads a record's
        state through it (``bus.load``) reads it as exact as the command just answered."""
        return EventStore(self.primary_pool, waker=self.waker, max_event_bytes=self.settings.max_event_bytes)

    @property
    def bus(self) -> CommandBus:
        return CommandBus(self.definition.name, self.store, self.definition.registry, states=self.states)

    def projection(self, name: str) -> Projection:
        for p in self.definition.projections:
            if p.name == name:
                return p
        raise KeyError(name)

    async def open(self, *, reads: bool = True) -> None:
        """Connects, migrates and creates missing projection schemas; with ``reads`` (a process
        that serves the API), connects to the read replica too, if there is one."""
        self._pool = await create_pool(
            self.settings.dsn,
            min_size=self.settings.pool_min_size,
            max_size=self.settings.pool_max_size,
            command_timeout=self.settings.command_timeout_s,
        )
        dirs = [KIT_MIGRATIONS] + ([self.definition.migrations] if self.definition.migrations else [])
        primary = self.primary_pool
        async with primary.acquire() as conn:
            await migrate(conn, *dirs)
        for projection in self.definition.projections:
            if await ensure_projection(primary, projection):
                # this release changed the projection's tables: replay the store into the new shape
                log.warning("projection %s changed shape: rebuilding it from the store", projection.name)
                report = await rebuild(primary, EventStore(primary), projection)
                log.warning("projection %s rebuilt: %d events in %.1fs", projection.name, report.events, report.seconds)
        if not reads:
            self.replica = None  # a process of workers only serves no reads
        if self.replica is not None:
            await self.replica.open(primary)

    def start_workers(self, mode: Mode) -> None:
        if self.settings.loop_watch:
            self._spawn("loop-watch", self.loop_watch.run)
        if self.replica is not None and mode in (Mode.ALL, Mode.API):
            self._spawn("read-replica", self.replica.run)
        if mode.runs_relay:
            self.relay = OutboxRelay(self.settings)
            self._spawn("relay", self.relay.run)
        if mode.runs_consumers:
            if self.definition.projections:
                runner = projections_runner(self.settings, self.primary_pool, self.definition.projections)
                self.runners.append(runner)
                self._spawn("projections", runner.run)
            for spec in self.definition.reactions:
                topics = [self.settings.topic_of(source) for source in spec.sources]
                runner = ConsumerRunner(self.settings, self.primary_pool, [spec.reaction], topics)
                self.runners.append(runner)
                self._spawn(f"reaction:{spec.reaction.name}", runner.run)

    def _spawn(self, name: str, run: Callable[[asyncio.Event], Any]) -> None:
        self.tasks.append(asyncio.create_task(run(self.stop_event), name=name))

    async def close(self, timeout_s: float = 30.0) -> None:
        self.stop_event.set()
        for task in self.background:  # a rebuild stopped halfway leaves only its shadow schema
            task.cancel()
        await asyncio.gather(*self.background, return_exceptions=True)
        if self.tasks:
            _done, pending = await asyncio.wait(self.tasks, timeout=timeout_s)
            for task in pending:
                log.warning("worker did not stop in time; cancelling", extra={"worker": task.get_name()})
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        await self.waker.close()
        if self.replica is not None:
            await self.replica.close()
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    async def readiness(self) -> dict[str, Any]:
        """Whether the database and Kafka answer now: ``ok`` or ``unavailable`` each (the cause is
        logged, never answered). Kafka is also the ``houqin_kafka_up`` gauge. With a read replica,
        its state and replay lag too: a replica down fails no readiness (reads use the primary)."""
        checks: dict[str, Any] = {}
        try:
            await asyncio.wait_for(self.primary_pool.fetchval("SELECT 1"), 2)
            checks["database"] = "ok"
        except Exception as exc:
            log.warning("readiness: the database does not answer", extra={"error": repr(exc)})
            checks["database"] = "unavailable"
        host, _, port = self.settings.kafka_bootstrap.split(",")[0].rpartition(":")
        try:
            _, writer = await asyncio.wait_for(asyncio.open_connection(host, int(port)), 2)
            writer.close()
            await writer.wait_closed()
            checks["kafka"] = "ok"
        except Exception as exc:
            log.warning("readiness: Kafka does not answer", extra={"error": repr(exc)})
            checks["kafka"] = "unavailable"
        KAFKA_UP.labels(self.settings.service).set(1 if checks["kafka"] == "ok" else 0)
        if self.replica is not None:
            await self.replica.check()
            checks |= self.replica.state()
        return checks

    async def run_until_stopped(self, mode: Mode) -> None:
        """For worker-only processes: runs until SIGINT/SIGTERM, then shuts down cleanly."""
        import signal

        self.settings.refuse_unsafe()
        await self.open(reads=False)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self.stop_event.set)
        self.start_workers(mode)
        stop_metrics = serve_metrics(self.settings, workers=True)
        freeze_startup_heap()
        log.info("workers running", extra={"mode": mode.value})
        await self.stop_event.wait()
        if stop_metrics is not None:
            await stop_metrics()
        await self.close()


# Collection thresholds of a served process (Python's are 700, 10, 10). A full collection
# walks every live object, and a service falling behind holds thousands of requests in
# flight: at the defaults, full collections freeing nothing came twice a second at 80 ms
# each under 1,500 commands/s, and the service never caught up again. Young objects are
# still collected every 10,000 allocations; requests make little cyclic garbage.
SERVED_GC_THRESHOLDS = (10_000, 20, 100)


def freeze_startup_heap() -> None:
    """Moves everything alive once a process has started (modules, schemas, routes, pools)
    out of the garbage collector's sight, and makes full collections rarer
    (:data:`SERVED_GC_THRESHOLDS`). A full collection then scans only what requests
    create: its pauses drop from tens of milliseconds, which showed in the p99 of every
    benchmark, to a few. For long-running processes only (frozen cycles are never freed).
    Collections are timed from then on (``houqin_gc_pause_seconds``)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*SERVED_GC_THRESHOLDS)
    time_collections()
