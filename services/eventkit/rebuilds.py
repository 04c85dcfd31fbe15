"""Projections as operators see them, and their rebuilds started through the service's API.

``GET /ops/projections``: each projection's position (the events of the streams it follows
that it has applied) against the store's head (every event of those streams), how many it
is behind, whether a rebuild runs and, while one runs, how far it got and an estimate of
the time left. ``POST /ops/projections/{name}/rebuild`` (with a reason) starts the same
rebuild as the command line (into a shadow schema, then swap) in the service's process, in
the background, and answers 202 with who started it and when. One rebuild of a projection
at a time, across processes: the rebuild holds the projection's rebuild lock
(:func:`services.eventkit.projection.rebuild_lock`); a second is a 409.

Who started which rebuild is kept three times, in one transaction: an
``operations.ProjectionRebuildStarted`` event (stream ``operations-projection-<name>``), its
``operations_audit`` row (``projection.rebuild``), and the rebuild's own row in
``projection_rebuilds``, which the rebuild updates as it goes (its progress, every half second)
and when it ends (its report, or its error).

A projection holds every district's rows: only an operator over every district (a platform
admin) rebuilds one (403 for a district's operator, who still reads the status).

A projection's position and head are measured by reading every stream's last version (on
millions of events, longer than a request may take), while an operator's console asks every
second during a rebuild: :class:`PositionGauge` measures in the background, one at a time,
answers the last measure after a short wait, and reuses a slow one for four times as long as it
took (each answer says when it was measured).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import asyncpg
from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from services.eventkit.app import OPERATIONS, OPERATOR_ONLY, Operator, Runtime
from services.eventkit.auth import Principal
from services.eventkit.contract import ErrorResponse
from services.eventkit.db import Connection
from services.eventkit.envelope import TenantPath
from services.eventkit.errors import Forbidden, NotFound
from services.eventkit.operations import OperatorReason, _audit, operations_stream
from services.eventkit.projection import (
    OPERATIONS_PREFIX,
    Projection,
    RebuildRunning,
    rebuild,
    rebuild_lock,
    rebuild_running,
)
from services.eventkit.runtime import ServiceRuntime
from services.eventkit.store import EventStore

log = logging.getLogger(__name__)

PROGRESS_EVERY_S = 0.5
# A measure of a projection's position is reused while less than REUSE_FOR times its own
# duration has passed since it ended (so measuring takes at most a fifth of the database's time,
# however many operators watch); one quicker than REUSE_FROM_S is never reused.
REUSE_FOR = 4.0
REUSE_FROM_S = 0.05
MEASURE_WAIT_S = 2.0  # an asker waits this long for a measure, then is answered the last one (or none yet)
MEASURE_TIMEOUT_S = 900.0  # a measure's own limit (a request's is the pool's command timeout)
HISTORY = 20
ProjectionName = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[a-z0-9_]+$")]


class RebuildState(BaseModel):
    id: int
    projection: str
    started_by: str = Field(description="Who started it (the token's subject)")
    reason: str
    started_at: datetime
    state: Literal["running", "done", "failed", "interrupted"] = Field(
        description="interrupted: its process stopped before it ended"
    )
    replayed: int = Field(description="Events replayed so far")
    total: int = Field(description="Events to replay (those of the projection's types at the start)")
    eta_s: float | None = Field(description="Seconds left, estimated from the pace so far (while running)")
    finished_at: datetime | None
    events: int | None = Field(description="Events the rebuilt projection covers")
    caught_up: int | None = Field(description="Events committed during the replay, applied before the swap")
    seconds: float | None
    error: str | None


class ProjectionState(BaseModel):
    name: str
    position: int | None = Field(
        description="Events of the streams it follows that it has applied (null while first measured)"
    )
    head: int | None = Field(description="Events of the streams it follows in the store (null while first measured)")
    behind: int | None = Field(description="head - position")
    measured_at: datetime | None = Field(
        description="When position and head were read: on millions of events a measure takes seconds, runs in "
        "the background and is reused for a while"
    )
    rebuilding: bool = Field(description="A rebuild holds its lock now (in any process of the service)")
    rebuild: RebuildState | None = Field(description="The running rebuild, else the latest one")


class Projections(BaseModel):
    service: str
    projections: list[ProjectionState]
    history: list[RebuildState] = Field(description="The latest rebuilds started through the API, newest first")


class RebuildStarted(BaseModel):
    projection: str
    rebuild_id: int
    started_by: str
    started_at: datetime
    reason: str
    total: int
    audit_id: int


_REBUILD_COLUMNS = (
    "id, projection, started_by, reason, started_at, total, replayed, progressed_at, finished_at, events, "
    "caught_up, seconds, error, extract(epoch FROM (coalesce(progressed_at, now()) - started_at)) AS elapsed"
)


def _state(row: Any, running: bool) -> RebuildState:
    r = dict(row)
    if r["finished_at"] is not None:
        state = "failed" if r["error"] else "done"
    else:
        state = "running" if running else "interrupted"
    eta = None
    if state == "running" and r["replayed"] > 0 and r["elapsed"] is not None:
        eta = round(float(r["elapsed"]) * max(0, r["total"] - r["replayed"]) / r["replayed"], 1)
    return RebuildState(
        id=r["id"], projection=r["projection"], started_by=r["started_by"], reason=r["reason"],
        started_at=r["started_at"], state=state, replayed=r["replayed"], total=r["total"], eta_s=eta,
        finished_at=r["finished_at"], events=r["events"], caught_up=r["caught_up"], seconds=r["seconds"],
        error=r["error"],
    )  # fmt: skip


@dataclass(frozen=True)
class Measure:
    """A projection's position against the store's head, as read at ``at``."""

    position: int
    head: int
    at: datetime
    took_s: float
    ended: float  # time.monotonic() when it ended

    def fresh(self, now: float) -> bool:
        return self.took_s >= REUSE_FROM_S and now - self.ended < REUSE_FOR * self.took_s


async def measure(conn: Connection, projection: Projection) -> Measure:
    """Reads every followed stream's last version and what the projection applied of it."""
    prefixes = [f"{d.stream_prefix}-" for d in projection.streams] or None
    at, started = datetime.now(UTC), time.monotonic()
    row = await conn.fetchrow(
        "WITH heads AS (SELECT stream_id, max(version) AS v FROM events WHERE ($1::text[] IS NULL "
        "OR EXISTS (SELECT 1 FROM unnest($1::text[]) p WHERE starts_with(stream_id, p))) "
        f"AND NOT starts_with(stream_id, '{OPERATIONS_PREFIX}') GROUP BY stream_id) "
        "SELECT coalesce(sum(h.v), 0)::bigint AS head, coalesce(sum(least(s.version, h.v)), 0)::bigint AS position "
        f"FROM heads h LEFT JOIN {projection.schema}._streams s USING (stream_id)",
        prefixes,
        timeout=MEASURE_TIMEOUT_S,
    )
    assert row is not None
    ended = time.monotonic()
    return Measure(row["position"], row["head"], at, ended - started, ended)


class PositionGauge:
    """Each projection's last measure, so that asking never waits long or scans often.

    A measure runs in the background, one at a time per process, with no request's timeout (on
    millions of events it takes longer than a request may). An asker waits for it at most
    :data:`MEASURE_WAIT_S`, then is answered the last measure (its ``at`` says how old), or none
    while the first is still being made; askers at the same time share one measure, and a slow
    one is reused for :data:`REUSE_FOR` times its duration."""

    def __init__(self, pool_of: Callable[[], asyncpg.Pool]) -> None:
        self.pool_of = pool_of
        self.measures = 0  # how many were started (read by the tests)
        self._last: dict[str, Measure] = {}
        self._running: dict[str, asyncio.Task[None]] = {}
        self._one_at_a_time = asyncio.Lock()

    async def latest(
        self, projections: Sequence[Projection], wait_s: float = MEASURE_WAIT_S
    ) -> dict[str, Measure | None]:
        now = time.monotonic()
        waiting: list[asyncio.Task[None]] = []
        for projection in projections:
            last = self._last.get(projection.name)
            if last is not None and last.fresh(now):
                continue
            running = self._running.get(projection.name)
            if running is None:
                running = asyncio.create_task(self._measure(projection), name=f"measure {projection.name}")
                self._running[projection.name] = running
            waiting.append(running)
        if waiting:  # an asker that gives up or goes away leaves the measure running
            await asyncio.wait(waiting, timeout=wait_s)
        return {p.name: self._last.get(p.name) for p in projections}

    async def _measure(self, projection: Projection) -> None:
        try:
            async with self._one_at_a_time:
                self.measures += 1
                # the pool of the asking request (the read replica's for a GET, when one serves)
                async with self.pool_of().acquire() as conn:
                    self._last[projection.name] = await measure(conn, projection)
        except Exception as exc:  # the last measure stays; the next asker tries again
            log.warning(
                "measuring a projection's position failed", extra={"projection": projection.name, "error": repr(exc)}
            )
        finally:
            self._running.pop(projection.name, None)


def gauge_of(runtime: ServiceRuntime) -> PositionGauge:
    gauge: PositionGauge | None = runtime.caches.get("projection_positions")
    if gauge is None:  # made once per process, on first ask
        gauge = runtime.caches["projection_positions"] = PositionGauge(lambda: runtime.pool)
    return gauge


async def projection_state(conn: Connection, projection: Projection, measured: Measure | None) -> ProjectionState:
    running = await rebuild_running(conn, projection)
    latest = await conn.fetchrow(
        f"SELECT {_REBUILD_COLUMNS} FROM projection_rebuilds WHERE projection = $1 ORDER BY id DESC LIMIT 1",
        projection.name,
    )
    return ProjectionState(
        name=projection.name,
        position=measured.position if measured else None,
        head=measured.head if measured else None,
        behind=measured.head - measured.position if measured else None,
        measured_at=measured.at if measured else None,
        rebuilding=running,
        rebuild=_state(latest, running) if latest is not None else None,
    )


async def projections_of(runtime: ServiceRuntime) -> Projections:
    gauge = gauge_of(runtime)
    # measured before a connection is taken: a measure takes one of its own
    projections = runtime.definition.projections
    measures = await gauge.latest(projections)
    async with runtime.pool.acquire() as conn:
        states = [await projection_state(conn, p, measures[p.name]) for p in projections]
        running = {s.name for s in states if s.rebuilding}
        latest = {s.rebuild.id for s in states if s.rebuild is not None}
        rows = await conn.fetch(f"SELECT {_REBUILD_COLUMNS} FROM projection_rebuilds ORDER BY id DESC LIMIT {HISTORY}")
    history = [_state(r, r["projection"] in running and r["id"] in latest) for r in rows]
    return Projections(service=runtime.definition.name, projections=states, history=history)


def find_projection(runtime: ServiceRuntime, name: str) -> Projection:
    try:
        return runtime.projection(name)
    except KeyError:
        known = ", ".join(p.name for p in runtime.definition.projections) or "none"
        raise NotFound(f"no projection {name!r} in this service (it has: {known})") from None


async def start_rebuild(runtime: ServiceRuntime, projection: Projection, *, actor: str, reason: str) -> RebuildStarted:
    """Starts the rebuild in the background once it holds the lock; answers when it started
    (or raises :class:`RebuildRunning`, before anything was written)."""
    jobs: dict[str, asyncio.Task[None]] = runtime.caches.setdefault("projection_rebuilds", {})
    job = jobs.get(projection.name)
    if job is not None and not job.done():
        raise RebuildRunning(f"a rebuild of {projection.name} is running already; wait for it to finish")
    started: asyncio.Future[RebuildStarted] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(_run(runtime, projection, actor, reason, started), name=f"rebuild:{projection.name}")
    jobs[projection.name] = task
    runtime.background.add(task)
    task.add_done_callback(runtime.background.discard)
    return await started


async def _run(
    runtime: ServiceRuntime, projection: Projection, actor: str, reason: str, started: asyncio.Future[RebuildStarted]
) -> None:
    pool = runtime.pool
    try:
        async with rebuild_lock(pool, projection):
            async with pool.acquire() as conn, conn.transaction():
                types = sorted(projection.event_types) or None
                total = await conn.fetchval(
                    "SELECT count(*) FROM events WHERE $1::text[] IS NULL OR type = ANY($1)", types
                )
                row = await conn.fetchrow(
                    "INSERT INTO projection_rebuilds (projection, started_by, reason, total) VALUES ($1, $2, $3, $4) "
                    "RETURNING id, started_at",
                    projection.name, actor, reason, total,
                )  # fmt: skip
                assert row is not None
                answer = RebuildStarted(
                    projection=projection.name, rebuild_id=row["id"], started_by=actor, started_at=row["started_at"],
                    reason=reason, total=total, audit_id=0,
                )  # fmt: skip
                answer.audit_id = await _audit(
                    conn, actor, "projection.rebuild", f"projection/{projection.name}", reason, answer,
                    stream=operations_stream("projection", projection.name),
                )  # fmt: skip
                await conn.execute(
                    "UPDATE projection_rebuilds SET audit_id = $2 WHERE id = $1", row["id"], answer.audit_id
                )
            started.set_result(answer)
            await _rebuild_recorded(runtime, projection, answer.rebuild_id)
    except BaseException as exc:
        if not started.done():
            started.set_exception(exc if isinstance(exc, Exception) else RuntimeError("stopped"))
        if not isinstance(exc, Exception):
            raise


async def _rebuild_recorded(runtime: ServiceRuntime, projection: Projection, rebuild_id: int) -> None:
    """The rebuild, its progress written every :data:`PROGRESS_EVERY_S` and its end recorded."""
    pool = runtime.pool
    replayed = 0
    done = asyncio.Event()

    def progress(n: int) -> None:
        nonlocal replayed
        replayed = n

    async def write_progress() -> None:
        written = -1
        while not done.is_set():
            try:
                await asyncio.wait_for(done.wait(), PROGRESS_EVERY_S)
            except TimeoutError:
                pass
            if replayed != written and not done.is_set():
                written = replayed
                await pool.execute(
                    "UPDATE projection_rebuilds SET replayed = $2, progressed_at = now() WHERE id = $1",
                    rebuild_id,
                    written,
                )

    writer = asyncio.create_task(write_progress())
    began = time.perf_counter()
    try:
        report = await rebuild(pool, EventStore(pool), projection, progress=progress, locked=True)
    except Exception as exc:
        log.exception("projection rebuild failed", extra={"projection": projection.name})
        done.set()
        await asyncio.gather(writer, return_exceptions=True)
        await pool.execute(
            "UPDATE projection_rebuilds SET replayed = $2, progressed_at = now(), finished_at = now(), "
            "seconds = $3, error = $4 WHERE id = $1",
            rebuild_id, replayed, time.perf_counter() - began, f"{type(exc).__name__}: {exc}"[:500],
        )  # fmt: skip
        return
    finally:
        done.set()
        await asyncio.gather(writer, return_exceptions=True)
    await pool.execute(
        "UPDATE projection_rebuilds SET replayed = $2, total = greatest(total, $2), progressed_at = now(), "
        "finished_at = now(), events = $3, caught_up = $4, seconds = $5 WHERE id = $1",
        rebuild_id, report.replayed, report.events, report.caught_up, report.seconds,
    )  # fmt: skip


def require_every_district(principal: Principal, why: str) -> None:
    """403 unless the principal operates over every district (a platform admin)."""
    if not principal.holds(TenantPath(), *OPERATIONS):
        raise Forbidden(f"{principal.subject} may not {why} (platform admins only)")


@functools.cache
def projections_router() -> APIRouter:
    """``/ops/projections`` routes: operators only."""
    router = APIRouter(prefix="/ops/projections", tags=["operations"])
    named = OPERATOR_ONLY | {404: {"description": "No such projection", "model": ErrorResponse}}

    @router.get(
        "", response_model=Projections, summary="Projections: position vs head, rebuilds", responses=OPERATOR_ONLY
    )
    async def list_projections(_: Operator, runtime: Runtime) -> Projections:
        return await projections_of(runtime)

    @router.get("/{name}", response_model=ProjectionState, summary="One projection (operators)", responses=named)
    async def one(name: ProjectionName, _: Operator, runtime: Runtime) -> ProjectionState:
        projection = find_projection(runtime, name)
        measured = await gauge_of(runtime).latest([projection])
        async with runtime.pool.acquire() as conn:
            return await projection_state(conn, projection, measured[projection.name])

    @router.post(
        "/{name}/rebuild",
        status_code=202,
        response_model=RebuildStarted,
        summary="Rebuild a projection in the background: shadow, then swap (operators)",
        responses=named | {409: {"description": "A rebuild of it is running already", "model": ErrorResponse}},
    )
    async def start(
        name: ProjectionName, body: OperatorReason, principal: Operator, runtime: Runtime
    ) -> RebuildStarted:
        projection = find_projection(runtime, name)
        require_every_district(principal, f"rebuild {name}: its table holds every district's rows")
        return await start_rebuild(runtime, projection, actor=principal.subject, reason=body.reason)

    return router
