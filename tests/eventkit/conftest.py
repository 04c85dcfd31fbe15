from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest_asyncio

from services.eventkit.db import KIT_MIGRATIONS, create_pool, migrate
from services.eventkit.store import EventStore
from tests.conftest import DatabaseFactory


@pytest_asyncio.fixture
async def pool(new_database: DatabaseFactory) -> AsyncIterator[asyncpg.Pool]:
    """A fresh, migrated event store database for one test."""
    dsn = await new_database("store")
    pool = await create_pool(dsn, min_size=2, max_size=10)
    async with pool.acquire() as conn:
        await migrate(conn, KIT_MIGRATIONS)
    yield pool
    await pool.close()


@pytest_asyncio.fixture
async def store(pool: asyncpg.Pool) -> EventStore:
    return EventStore(pool)
