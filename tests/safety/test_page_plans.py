"""A campus's page of hazards or inspections reads its index in key order: no sort of the
campus's whole list (a campus of a real term has hundreds, and every page sorted them all),
counted or not (``count=true`` adds a count of the list beside the page, not a window over it)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest
import pytest_asyncio

from services.eventkit.auth import Principal, Role
from services.eventkit.db import KIT_MIGRATIONS, create_pool, migrate
from services.eventkit.projection import create_schema
from services.eventkit.queries import Query
from services.safety.projections.inspection_status import INSPECTION_STATUS
from services.safety.queries.hazards import hazard_list
from services.safety.queries.inspections import inspection_list
from services.safety.service import SAFETY
from tests.conftest import DatabaseFactory

S = INSPECTION_STATUS.schema
ADMIN = Principal(subject="admin", roles=frozenset([Role.DISTRICT_ADMIN]), districts=frozenset(["xinbei"]))
AT = datetime(2020, 10, 12, 8, 30, tzinfo=UTC)


@pytest_asyncio.fixture
async def pool(new_database: DatabaseFactory) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(await new_database("page_plans"), min_size=1, max_size=2)
    async with pool.acquire() as conn:
        assert SAFETY.migrations is not None
        await migrate(conn, KIT_MIGRATIONS, SAFETY.migrations)
        await create_schema(conn, INSPECTION_STATUS, S)
        campuses = [f"campus-{c:02d}" for c in range(30)]
        await conn.executemany(
            f"INSERT INTO {S}.hazards (hazard_id, district_id, school_id, campus_id, area, description, severity, "
            "status, reported_by, reported_at) VALUES ($1, 'xinbei', 'school', $2, '操场', '窨井盖下沉', 'high', "
            "'reported', 'someone', $3)",
            [(f"hazard-{c}-{i:04d}", c, AT) for c in campuses for i in range(400)],
        )
        await conn.executemany(
            f"INSERT INTO {S}.inspections (inspection_id, district_id, school_id, campus_id, kind, inspector_id, "
            "started_at, areas, checklist) VALUES ($1, 'xinbei', 'school', $2, 'daily_patrol', 'someone', $3, "
            "'{教学楼}', '{消防通道}')",
            [(f"insp-{c}-{i:04d}", c, AT) for c in campuses for i in range(400)],
        )
        await conn.execute(f"ANALYZE {S}.hazards; ANALYZE {S}.inspections")
    yield pool
    await pool.close()


def nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [plan, *(n for child in plan.get("Plans", []) for n in nodes(child))]


async def plan_of(pool: asyncpg.Pool, query: Query, after: str | None, count: bool) -> list[dict[str, Any]]:
    sql, params = query.page_sql(after, 100, count)
    explained = await pool.fetchval(f"EXPLAIN (FORMAT JSON) {sql}", *params)  # the pool decodes json
    return nodes(explained[0]["Plan"])


@pytest.mark.parametrize("count", [False, True], ids=["page", "counted"])
@pytest.mark.parametrize("after", [None, "{key}-campus-07-0199"])
@pytest.mark.parametrize(
    ("query", "table", "key"),
    [
        (hazard_list(ADMIN, "campus-07", None, None, False), "hazards", "hazard"),
        (inspection_list(ADMIN, "campus-07", None, None), "inspections", "insp"),
    ],
)
async def test_a_campus_page_reads_its_index_in_order(
    pool: asyncpg.Pool, query: Query, table: str, key: str, after: str | None, count: bool
) -> None:
    plan = await plan_of(pool, query, after.format(key=key) if after else None, count)
    kinds = [n["Node Type"] for n in plan]
    sorts = [n for n in plan if n["Node Type"] == "Sort"]
    if count:  # the page's own rows are put in order once more, at most a page of them
        assert [n["Plan Rows"] <= 101 for n in sorts] == [True], kinds
    else:
        assert not sorts, kinds
    limits = [n for n in plan if n["Node Type"] == "Limit"]
    assert len(limits) == 1, kinds
    scans = [n for n in nodes(limits[0]) if n["Node Type"] in ("Index Scan", "Index Only Scan")]
    assert scans, kinds
    index = await pool.fetchval("SELECT indexdef FROM pg_indexes WHERE indexname = $1", scans[0]["Index Name"])
    assert f"(campus_id, {key if key == 'hazard' else 'inspection'}_id)" in index
