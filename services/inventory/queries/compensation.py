"""Reads of compensation charges (all, one), from the assets projection; and who a charge may be raised
against (a person of the school or a class of the campus, from the directory mirror)."""

from __future__ import annotations

from typing import Any

import asyncpg

from services.eventkit.auth import Principal
from services.eventkit.envelope import TenantPath
from services.eventkit.errors import InvalidInput, NotFound
from services.eventkit.queries import Query
from services.inventory.compensation import ChargeStatus
from services.inventory.events import ChargeAgainst
from services.inventory.projections.assets import ASSETS

S = ASSETS.schema

CHARGE_COLUMNS = (
    "charge_id, district_id, school_id, campus_id, against, against_id, item_id, asset_id, quantity, amount_fen, "
    "reason, charged_by, charged_at, damage_event_id, status, paid_on, receipt_ref, waived_on, waived_reason, closed_by"
)


async def chargeable_party(
    pool: asyncpg.Pool, tenant: TenantPath, kind: ChargeAgainst, party_id: str, field: str
) -> None:
    """A student or member of staff of the school (person), or a class of the campus, or a 422 naming the field."""
    if kind is ChargeAgainst.CLASS:
        found = await pool.fetchval(
            "SELECT 1 FROM directory_classes WHERE class_id = $1 AND campus_id = $2", party_id, tenant.campus_id
        )
        if not found:
            raise InvalidInput(f"class {party_id} is no class of campus {tenant.campus_id}", field=field)
        return
    found = await pool.fetchval(
        "SELECT 1 FROM directory_students WHERE student_id = $1 AND school_id = $2 AND active "
        "UNION ALL SELECT 1 FROM directory_staff WHERE staff_id = $1 AND school_id = $2 AND active",
        party_id,
        tenant.school_id,
    )
    if not found:
        raise InvalidInput(f"{party_id} is no student or member of staff of the school", field=field)


def charge_list(
    principal: Principal,
    campus_id: str | None,
    status: ChargeStatus | None,
    against_id: str | None,
    asset_id: str | None,
    class_id: str | None = None,
    asset_ids: list[str] | None = None,
    ids: list[str] | None = None,
) -> Query:
    """The charges a list asks for, in the caller's scope: ``class_id``, those against the class or
    against a pupil in it now (the directory mirror's); ``asset_ids``, ``ids``: batch lookups."""
    q = Query(f"SELECT {CHARGE_COLUMNS} FROM {S}.charges", "charge_id").scoped(principal)
    q.filter("campus_id = {}", campus_id).filter("status = {}", status.value if status else None)
    q.filter("against_id = {}", against_id).filter("asset_id = {}", asset_id)
    q.filter(
        "(against = 'class' AND against_id = {0} OR against = 'person' AND against_id IN "
        "(SELECT s.student_id FROM directory_students s WHERE s.class_id = {0}))",
        class_id,
    )
    return q.filter("asset_id = ANY({}::text[])", asset_ids).filter("charge_id = ANY({}::text[])", ids)


async def charge(pool: asyncpg.Pool, principal: Principal, charge_id: str) -> dict[str, Any]:
    """One charge in the caller's scope, or a 404."""
    q = Query(f"SELECT {CHARGE_COLUMNS} FROM {S}.charges", "charge_id").scoped(principal)
    row = await q.filter("charge_id = {}", charge_id).one(pool)
    if row is None:
        raise NotFound(f"compensation charge {charge_id} not found")
    return row
