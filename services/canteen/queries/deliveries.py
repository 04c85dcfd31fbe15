"""Reads of deliveries (a campus's, one with its lines), of pesticide quick tests, and of the
certificates about to expire, from the deliveries projection. Only the canteen's readers read
them (a parent reads the ledger, not these)."""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg

from services.canteen.common import READERS
from services.canteen.projections.deliveries import DELIVERIES
from services.eventkit.auth import Principal
from services.eventkit.errors import NotFound
from services.eventkit.queries import Query

S = DELIVERIES.schema

DELIVERY_COLUMNS = (
    "delivery_id, district_id, school_id, campus_id, supplier_id, supplier_name, certificates, received_by, "
    "received_at, received_on, state, line_count, lines_accepted, lines_rejected, pesticide_tests, "
    "pesticide_failures, inspectors, signed_by, signed_at"
)
TEST_COLUMNS = (
    "test_key, delivery_id, test_id, line_no, district_id, school_id, campus_id, supplier_id, supplier_name, "
    "item, category, batch, verdict, failed, inhibition_permille, tested_by, tested_at, tested_on"
)
LINE_COLUMNS = (
    "line_no, item, category, batch, produced_on, shelf_life_days, declared_grams, chilled, certificates, "
    "inspections, weighed_grams, temperature_c10, decision, accepted_grams, override_reason, reason, "
    "decided_by, decided_at"
)


def delivery_list(
    principal: Principal,
    campus_id: str | None,
    from_day: date | None = None,
    to_day: date | None = None,
    supplier_id: str | None = None,
    state: str | None = None,
) -> Query:
    """The deliveries a list asks for (received from ``from_day`` to ``to_day``), in the caller's scope."""
    q = Query(f"SELECT {DELIVERY_COLUMNS} FROM {S}.deliveries", "delivery_id")
    q.scoped(principal, roles=READERS).filter("campus_id = {}", campus_id)
    q.filter("received_on >= {}", from_day).filter("received_on <= {}", to_day)
    return q.filter("supplier_id = {}", supplier_id).filter("state = {}", state)


async def delivery(pool: asyncpg.Pool, principal: Principal, delivery_id: str) -> dict[str, Any]:
    """One delivery in the caller's scope with its lines and tests, or a 404."""
    row = await delivery_list(principal, None).filter("delivery_id = {}", delivery_id).one(pool)
    if row is None:
        raise NotFound(f"delivery {delivery_id} not found")
    lines = await pool.fetch(
        f"SELECT {LINE_COLUMNS} FROM {S}.delivery_lines WHERE delivery_id = $1 ORDER BY line_no", delivery_id
    )
    tests = await pool.fetch(
        f"SELECT {TEST_COLUMNS} FROM {S}.pesticide_tests WHERE delivery_id = $1 ORDER BY tested_at, test_id",
        delivery_id,
    )
    return row | {"lines": [dict(r) for r in lines], "tests": [dict(r) for r in tests]}


def pesticide_test_list(
    principal: Principal,
    campus_id: str | None,
    from_day: date | None = None,
    to_day: date | None = None,
    failed: bool | None = None,
) -> Query:
    """The pesticide quick tests a list asks for (tested from ``from_day`` to ``to_day``; only the
    failed ones, or only the passed), in the caller's scope."""
    q = Query(f"SELECT {TEST_COLUMNS} FROM {S}.pesticide_tests", "test_key")
    q.scoped(principal, roles=READERS).filter("campus_id = {}", campus_id)
    q.filter("tested_on >= {}", from_day).filter("tested_on <= {}", to_day)
    return q.filter("failed = {}", failed)


def expiring_certificate_list(principal: Principal, campus_id: str, as_of: date, within_days: int) -> Query:
    """The certificates expiring within ``within_days`` of ``as_of`` (or expired already): of each
    supplier and kind, the latest seen with a delivery of the campus that had a line accepted."""
    q = Query("", "certificate_key")
    day = f"{q.param(as_of)}::date"
    q.select_from = (
        "SELECT * FROM (SELECT DISTINCT ON (campus_id, supplier_id, kind) "
        "campus_id || '/' || supplier_id || '/' || kind AS certificate_key, district_id, school_id, campus_id, "
        "supplier_id, supplier_name, kind, number, expires_on, "
        f"(expires_on - {day}) AS days_left, expires_on < {day} AS expired, delivery_id, "
        "nullif(line_no, 0) AS line_no, item, received_at "
        f"FROM {S}.delivery_certificates WHERE accepted AND received_on <= {day} "
        "ORDER BY campus_id, supplier_id, kind, received_at DESC, expires_on DESC NULLS FIRST) c"
    )
    q.scoped(principal, roles=READERS).filter("campus_id = {}", campus_id)
    q.where.append("expires_on IS NOT NULL")
    q.filter("days_left <= {}", within_days)
    return q
