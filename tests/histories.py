"""Histories of acts recorded out of order in time, through the real event store and rebuild.

An office enters much of its work afterwards: a hazard closed last week is typed in today,
after a key issued yesterday. A :class:`History` holds the events of several streams, each
stream's steps in order and dated by its act (the envelope's ``occurred_at``, and the
payload's own times); :meth:`History.recorded` lists them in one order of recording (the
streams interleaved, each stream's steps still in order), :func:`record` appends them to
the store in that order, and :func:`rebuild_from_store` replays the store into the
projections as a rebuild does. What a read model computes from time must then be what the
acts' times say, whatever the order they were recorded in.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime

import asyncpg
import pytest_asyncio
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from services.eventkit.auth import Principal, Role
from services.eventkit.db import KIT_MIGRATIONS, create_pool, migrate
from services.eventkit.envelope import DomainEvent, Envelope, TenantPath, new_envelope
from services.eventkit.projection import Projection, rebuild
from services.eventkit.store import EventStore
from services.safety.service import SAFETY
from tests.conftest import DatabaseFactory

START = datetime(2020, 9, 1, 8, 0, tzinfo=UTC)
ADMIN = Principal(subject="admin", roles=frozenset({Role.PLATFORM_ADMIN}))
HISTORY_SETTINGS = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
"""The settings of a property over histories (each example rebuilds projections on PostgreSQL)."""


class History:
    """The events of several streams, each numbered in its stream and dated by its act."""

    def __init__(self, tenant: TenantPath) -> None:
        self.tenant = tenant
        self.streams: dict[str, list[Envelope]] = {}

    def add(self, stream_id: str, event: DomainEvent, at: datetime) -> None:
        """The next step of ``stream_id``, done at ``at``."""
        steps = self.streams.setdefault(stream_id, [])
        steps.append(
            new_envelope(event, stream_id=stream_id, version=len(steps) + 1, tenant=self.tenant, occurred_at=at)
        )

    def recorded(self, picks: Sequence[int]) -> list[Envelope]:
        """Every event, in the order of recording ``picks`` says: each pick chooses (modulo) the
        stream among those with steps left whose next step is recorded next; when picks run out,
        the latest act goes first. Each stream's steps stay in order."""
        left = {stream: list(steps) for stream, steps in self.streams.items() if steps}
        out: list[Envelope] = []
        picks = list(picks)
        while left:
            streams = sorted(left)
            if picks:
                stream = streams[picks.pop(0) % len(streams)]
            else:
                stream = max(streams, key=lambda s: left[s][0].occurred_at)
            out.append(left[stream].pop(0))
            if not left[stream]:
                del left[stream]
        return out


def picks() -> st.SearchStrategy[list[int]]:
    """An order of recording (see :meth:`History.recorded`)."""
    return st.lists(st.integers(0, 50), max_size=200)


async def record(store: EventStore, events: Sequence[Envelope]) -> None:
    """Appends each event on its own, in the order given (as commands arriving one by one)."""
    for env in events:
        await store.append(env.stream_id, env.version - 1, [env])


async def rebuild_from_store(pool: asyncpg.Pool, store: EventStore, projections: Sequence[Projection]) -> None:
    """Replays the store into each projection, as a rebuild does (in the order of recording)."""
    for projection in projections:
        await rebuild(pool, store, projection)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def history_pool(new_database: DatabaseFactory) -> AsyncIterator[asyncpg.Pool]:
    """A database with the event store and the directory mirror (the safety and inventory
    services' schema, which is the same), shared by the examples of a module: each example
    uses campuses of its own."""
    dsn = await new_database("histories")
    pool = await create_pool(dsn, min_size=1, max_size=4)
    async with pool.acquire() as conn:
        assert SAFETY.migrations is not None
        await migrate(conn, KIT_MIGRATIONS, SAFETY.migrations)
    yield pool
    await pool.close()
