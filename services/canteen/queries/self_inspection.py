"""Reads of self-inspections (a campus's list, one, and whether the period's are done), from
the self-inspections projection."""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg

from services.canteen.common import READERS
from services.canteen.events import Cadence
from services.canteen.projections.self_inspections import SELF_INSPECTIONS
from services.canteen.self_inspection import period_of, self_inspection_id
from services.eventkit.auth import Principal
from services.eventkit.errors import NotFound
from services.eventkit.queries import Query

S = SELF_INSPECTIONS.schema

COLUMNS = (
    "inspection_id, district_id, school_id, campus_id, cadence, period_start, inspected_on, inspected_at, "
    "inspected_by, items, failed, hazards, failed_items, hazard_ids, uncovered"
)


def self_inspection_list(
    principal: Principal,
    campus_id: str | None,
    cadence: Cadence | None = None,
    from_: date | None = None,
    to: date | None = None,
) -> Query:
    """The self-inspections a list asks for (done from ``from_`` to ``to``), where the caller reads the canteen."""
    q = Query(f"SELECT {COLUMNS} FROM {S}.self_inspections", "inspection_id")
    q.scoped(principal, roles=READERS).filter("campus_id = {}", campus_id)
    q.filter("cadence = {}", cadence.value if cadence else None)
    return q.filter("inspected_on >= {}", from_).filter("inspected_on <= {}", to)


async def self_inspection(pool: asyncpg.Pool, principal: Principal, inspection_id: str) -> dict[str, Any]:
    """One self-inspection in the caller's scope, or a 404."""
    row = await self_inspection_list(principal, None).filter("inspection_id = {}", inspection_id).one(pool)
    if row is None:
        raise NotFound(f"self-inspection {inspection_id} not found")
    return row


async def periods_done(pool: asyncpg.Pool, campus_id: str, day: date) -> list[dict[str, Any]]:
    """Per cadence, the inspection of ``campus_id`` whose period holds ``day`` (the day's daily
    control, the week's sweep, the month's review) and whether it is done."""
    ids = {cadence: self_inspection_id(campus_id, cadence, day) for cadence in Cadence}
    rows = await pool.fetch(
        f"SELECT inspection_id, inspected_at, inspected_by, failed, hazards FROM {S}.self_inspections "
        "WHERE inspection_id = ANY($1::text[])",
        list(ids.values()),
    )
    found = {row["inspection_id"]: dict(row) for row in rows}
    answer: list[dict[str, Any]] = []
    for cadence, inspection_id in ids.items():
        row = found.get(inspection_id)
        answer.append(
            {
                "campus_id": campus_id,
                "cadence": cadence.value,
                "period_start": period_of(cadence, day),
                "inspection_id": inspection_id,
                "done": row is not None,
                "inspected_at": row["inspected_at"] if row else None,
                "inspected_by": row["inspected_by"] if row else None,
                "failed": row["failed"] if row else None,
                "hazards": row["hazards"] if row else None,
            }
        )
    return answer
