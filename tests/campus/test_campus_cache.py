"""The campus rows a service keeps in process: trusted for their TTL, never for a campus unknown."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest
import pytest_asyncio

from services.campus.mirror import MIRROR_MIGRATIONS, CampusCache
from services.eventkit.db import KIT_MIGRATIONS, create_pool, migrate
from services.eventkit.errors import InvalidInput
from tests.conftest import SettingsFactory


@pytest_asyncio.fixture
async def mirror(make_settings: SettingsFactory) -> AsyncIterator[asyncpg.Pool]:
    settings = await make_settings("campuscache")
    pool = await create_pool(settings.dsn)
    async with pool.acquire() as conn:
        await migrate(conn, KIT_MIGRATIONS, MIRROR_MIGRATIONS)
    await add_campus(pool, "aoyuan", "奥园")
    yield pool
    await pool.close()


async def add_campus(pool: asyncpg.Pool, campus_id: str, name: str) -> None:
    await pool.execute(
        "INSERT INTO directory_campuses (campus_id, school_id, district_id, name) VALUES ($1, 'sch', 'dist', $2)",
        campus_id,
        name,
    )


def detail_field(error: InvalidInput) -> object:
    """The field the error body names."""
    detail = error.to_dict()["detail"]
    assert isinstance(detail, list)
    return detail[0]["field"]


async def close(pool: asyncpg.Pool, campus_id: str) -> None:
    await pool.execute("UPDATE directory_campuses SET closed = true WHERE campus_id = $1", campus_id)


async def test_a_campus_is_trusted_for_the_ttl_then_read_again(mirror: asyncpg.Pool) -> None:
    cache = CampusCache(ttl_s=0.3)
    tenant = await cache.tenant(mirror, "aoyuan")
    assert (tenant.district_id, tenant.school_id, tenant.campus_id) == ("dist", "sch", "aoyuan")
    await close(mirror, "aoyuan")
    assert await cache.tenant(mirror, "aoyuan") == tenant  # within the TTL: the row as read
    await asyncio.sleep(0.35)
    with pytest.raises(InvalidInput, match="closed") as refused:
        await cache.tenant(mirror, "aoyuan")
    assert detail_field(refused.value) == "campus_id"


async def test_without_a_ttl_every_call_reads_the_mirror(mirror: asyncpg.Pool) -> None:
    cache = CampusCache(ttl_s=0)
    await cache.tenant(mirror, "aoyuan")
    await close(mirror, "aoyuan")
    with pytest.raises(InvalidInput, match="closed"):
        await cache.tenant(mirror, "aoyuan")


async def test_a_campus_the_mirror_does_not_know_is_not_remembered(mirror: asyncpg.Pool) -> None:
    cache = CampusCache(ttl_s=3600)
    with pytest.raises(InvalidInput, match="does not exist") as refused:
        await cache.tenant(mirror, "xinyuan", field="campus")
    assert detail_field(refused.value) == "campus"
    await add_campus(mirror, "xinyuan", "新园")
    assert (await cache.tenant(mirror, "xinyuan")).campus_id == "xinyuan"  # usable as soon as the mirror has it
