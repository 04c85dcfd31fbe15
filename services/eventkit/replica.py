"""The query side's database: a read replica, a streaming standby of the primary.

With ``HOUQIN_READ_DATABASE_URL`` (or ``HOUQIN_PG_READ_HOST``/``HOUQIN_PG_READ_PORT``) a service
opens a second pool, on the replica, with the primary's bounds. A GET is served from it: its
routes' reads and the version wait of read-your-writes (``services.eventkit.read_after``) both,
so a read that asked for a version waits for the replica's own checkpoints, and is flagged
not reached rather than answered stale as fresh. Commands, the event store (its appends, and
a record's state a GET loads through it), the outbox relay, consumers, projections, ``/ops``,
``/history`` and migrations use the primary.

Which pool a request reads is chosen once, when it starts (:data:`SERVING`): every
``runtime.pool`` it reaches, through whatever dependency, is that one.

If the replica does not answer, reads fail over to the primary (a warning in the log,
``houqin_read_failovers_total``, ``houqin_read_replica_up`` 0): the district keeps working on
one server rather than answer 503 to every read. A read in flight when the replica fails is
served again from the primary. A check every ``HOUQIN_READ_CHECK_INTERVAL_S`` (1 s) brings the
reads back once the replica answers again.
"""

from __future__ import annotations

import asyncio
import logging
from contextvars import ContextVar
from typing import Any

import asyncpg

from services.eventkit.db import create_pool
from services.eventkit.metrics import READ_FAILOVERS, READ_REPLICA_LAG, READ_REPLICA_UP
from services.eventkit.settings import Settings

log = logging.getLogger(__name__)

SERVING: ContextVar[tuple[Any, asyncpg.Pool] | None] = ContextVar("houqin_serving_pool", default=None)
"""The runtime and the pool the current request reads (set for every request of a service)."""

CHECK_TIMEOUT_S = 2.0
# How far the replay is behind what the standby received: 0 when it replayed all of it (an idle
# primary sends nothing, and the last replayed transaction's age is then no lag at all).
CHECK_SQL = """
SELECT pg_is_in_recovery() AS standby,
       $1::text IS NULL OR NOT pg_is_in_recovery() OR pg_last_wal_replay_lsn() >= $1::text::pg_lsn AS caught_up,
       CASE WHEN NOT pg_is_in_recovery() OR pg_last_wal_receive_lsn() <= pg_last_wal_replay_lsn() THEN 0
            ELSE extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp()) END::float8 AS lag_s
"""


class ReadReplica:
    """The replica's pool and whether it answers now (``up``)."""

    def __init__(self, settings: Settings, dsn: str) -> None:
        self.settings = settings
        self.service = settings.service
        self.dsn = dsn
        self.pool: asyncpg.Pool | None = None
        self.primary: asyncpg.Pool | None = None
        self.up = False
        self._known: bool | None = None  # up at the last check (None: not checked yet)
        self.lag_s: float | None = None
        self._opening = asyncio.Lock()

    @property
    def application_name(self) -> str:
        return f"houqin-{self.service}-reads"

    async def open(self, primary: asyncpg.Pool) -> None:
        """Connects (a replica down at start-up is not fatal: reads use the primary meanwhile)."""
        self.primary = primary
        await self.check()

    async def _pool(self) -> asyncpg.Pool:
        async with self._opening:
            if self.pool is None:
                self.pool = await create_pool(
                    self.dsn,
                    min_size=self.settings.pool_min_size,
                    max_size=self.settings.pool_max_size,
                    command_timeout=self.settings.command_timeout_s,
                    application_name=self.application_name,
                )
            return self.pool

    async def check(self) -> bool:
        """Asks the replica whether it answers, and its replay lag; ``up`` follows. Reads come
        back to a replica that was down only once it has replayed what the primary had written
        when asked (else reads would go back in time while it catches up)."""
        target = None
        if not self.up and self.primary is not None:
            try:
                target = await asyncio.wait_for(self.primary.fetchval("SELECT pg_current_wal_lsn()::text"), 2)
            except Exception as exc:  # the primary does not answer: no telling how far behind the replica is
                log.debug("read replica check: the primary does not answer", extra={"error": repr(exc)})
                return self.up
        try:
            pool = await asyncio.wait_for(self._pool(), CHECK_TIMEOUT_S * 2)
            row = await asyncio.wait_for(pool.fetchrow(CHECK_SQL, target), CHECK_TIMEOUT_S)
        except Exception as exc:  # whatever the cause, the replica cannot serve reads now
            self.failed(exc)
            return False
        assert row is not None
        self.lag_s = row["lag_s"]
        READ_REPLICA_LAG.labels(self.service).set(self.lag_s or 0)
        if not row["caught_up"]:
            return False
        if not self.up:
            self.up = self._known = True
            READ_REPLICA_UP.labels(self.service).set(1)
            log.warning(
                "reads served by the read replica", extra={"replica_lag_s": self.lag_s, "standby": row["standby"]}
            )
        return True

    def failed(self, exc: BaseException) -> None:
        """The replica did not answer: reads fail over to the primary until a check succeeds."""
        if self._known is not False:  # it answered, or was never asked: say it once
            READ_FAILOVERS.labels(self.service).inc()
            log.warning("the read replica does not answer: reads fail over to the primary", extra={"error": repr(exc)})
        self.up = self._known = False
        READ_REPLICA_UP.labels(self.service).set(0)

    async def run(self, stop: asyncio.Event) -> None:
        """Checks the replica every ``read_check_interval_s`` until ``stop``."""
        while not stop.is_set():
            await self.check()
            try:
                await asyncio.wait_for(stop.wait(), self.settings.read_check_interval_s)
            except TimeoutError:
                pass

    async def close(self) -> None:
        if self.pool is not None:
            await self.pool.close()
            self.pool = None

    def state(self) -> dict[str, Any]:
        """What readiness reports of it (never fails readiness: reads fail over to the primary)."""
        return {"replica": "ok" if self.up else "unavailable", "replica_lag_s": self.lag_s if self.up else None}


def replica_failed(exc: BaseException) -> bool:
    """If the current request reads the replica, marks it failed (reads fail over to the
    primary, this one too) and answers True."""
    serving = SERVING.get()
    if serving is None:
        return False
    runtime, pool = serving
    replica: ReadReplica | None = runtime.replica
    if replica is None or pool is not replica.pool:
        return False
    replica.failed(exc)
    return True
