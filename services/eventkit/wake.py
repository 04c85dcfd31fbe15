"""Waking the outbox relay once an append has committed, without a NOTIFY in the append.

A transaction that sends NOTIFY takes one database-wide lock from just before its commit
until after the commit is flushed to disk, so that notifications queue in commit order.
Commits that notify are therefore flushed one after another, never together as a group:
16 writers on this machine commit 8,500 notifying appends a second against 20,000 plain
ones, at a p50 of 1.9 ms against 0.7 ms, and any slow flush holds every writer behind it.

So a service's own appends commit without NOTIFY, and the store tells an
:class:`OutboxWaker` afterwards:

- the relay of this very process, when it holds the relay lock, is woken directly;
- otherwise (API processes apart from the workers, or another replica's relay leads) one
  NOTIFY goes out on a connection of the waker's own, which commits without waiting for the
  disk. Appends that come while one is in flight add one more NOTIFY, not one each.

A wake-up lost to a crash or a dropped connection costs at most the relay's poll interval
(``relay_poll_interval_s``): the outbox rows are committed, and the relay's poll finds them.
Appends made inside a caller's transaction (reactions) still NOTIFY at that commit, as do
bulk imports that publish (``EventStore.import_events``): both are rare.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Protocol

import asyncpg

from services.eventkit.store import OUTBOX_CHANNEL

log = logging.getLogger(__name__)


class LocalRelay(Protocol):
    is_leader: bool

    def wake(self) -> None: ...


class OutboxWaker:
    def __init__(self, dsn: str, local_relay: Callable[[], LocalRelay | None], *, application_name: str = "") -> None:
        self.dsn = dsn
        self.local_relay = local_relay
        self.application_name = application_name or "houqin-outbox-waker"
        self.notified = 0  # NOTIFYs sent (tests and benchmarks read it)
        self._pending = False
        self._sender: asyncio.Task[None] | None = None
        self._conn: asyncpg.Connection | None = None

    def appended(self) -> None:
        """An append committed: its outbox rows wait for the relay."""
        relay = self.local_relay()
        if relay is not None and relay.is_leader:
            relay.wake()
            return
        self._pending = True
        if self._sender is None or self._sender.done():
            self._sender = asyncio.create_task(self._notify(), name="outbox-waker")

    async def _notify(self) -> None:
        while self._pending:
            self._pending = False
            try:
                if self._conn is None or self._conn.is_closed():
                    self._conn = await asyncpg.connect(
                        self.dsn,
                        server_settings={"synchronous_commit": "off", "application_name": self.application_name},
                    )
                await self._conn.execute(f"NOTIFY {OUTBOX_CHANNEL}")
                self.notified += 1
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                # the relay's poll finds the rows; the next append tries a fresh connection
                log.warning("could not wake the relay; it will poll", extra={"error": repr(exc)})
                self._drop_connection()
                return

    def _drop_connection(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            conn.terminate()

    async def close(self) -> None:
        if self._sender is not None and not self._sender.done():
            try:
                await asyncio.wait_for(asyncio.shield(self._sender), 5)
            except (TimeoutError, asyncio.CancelledError):
                self._sender.cancel()
        if self._conn is not None and not self._conn.is_closed():
            await self._conn.close(timeout=5)
        self._conn = None
