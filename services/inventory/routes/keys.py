"""Keys: issue, return, report lost; all keys, the outstanding ones, the overdue ones."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter

from services.campus.mirror import staff_member
from services.campus.scoped import CampusCommandsDep
from services.eventkit.app import Context, CurrentPrincipal
from services.eventkit.auth import Principal
from services.eventkit.commands import CommandResult
from services.eventkit.errors import InvalidInput, NotFound
from services.eventkit.queries import Page, Query
from services.eventkit.routes import After, Limit, command_route
from services.inventory.common import MANAGERS, STAFF
from services.inventory.keys import IssueKey, Key, KeyState, KeyStatus, ReportKeyLost, ReturnKey
from services.inventory.projections.keys_repairs import KEYS_REPAIRS

router = APIRouter(tags=["keys"])
S = KEYS_REPAIRS.schema


@command_route(router, "/keys", "Issue a key to a staff member, with the date it is due back (or issue it again)")
async def issue_key(cmd: IssueKey, ctx: Context, commands: CampusCommandsDep) -> CommandResult:
    tenant = await commands.campus(cmd.campus_id)
    ctx.principal.require(tenant, *MANAGERS)
    holder = await staff_member(commands.pool, cmd.holder_id, field="holder_id")
    if holder["school_id"] != tenant.school_id:
        raise InvalidInput(f"{holder['name']} does not work at this school", field="holder_id")
    return await commands.run(Key, cmd.key_id, cmd, ctx, tenant, MANAGERS)


@command_route(router, "/keys/{key_id}/return", "Take a key back")
async def return_key(key_id: str, cmd: ReturnKey, ctx: Context, commands: CampusCommandsDep) -> CommandResult:
    tenant = await commands.tenant_of(Key, key_id, "key")
    return await commands.run(Key, key_id, cmd, ctx, tenant, MANAGERS)


@command_route(router, "/keys/{key_id}/lost", "Report a key lost (a manager, or its holder)")
async def report_key_lost(key_id: str, cmd: ReportKeyLost, ctx: Context, commands: CampusCommandsDep) -> CommandResult:
    tenant = await commands.tenant_of(Key, key_id, "key")
    state: KeyState
    state, _ = await commands.bus.load(Key, Key.stream_id(key_id))
    roles = STAFF if state.holder_id == ctx.principal.subject else MANAGERS
    return await commands.run(Key, key_id, cmd, ctx, tenant, roles)


# -- queries -------------------------------------------------------------------------------

COLUMNS = (
    "key_id, district_id, school_id, campus_id, door, state, holder_id, issued_on, due_on, issued_by, "
    "returned_on, received_by, lost_on, lock_changed, note, loans"
)
TODAY = "(now() AT TIME ZONE 'Asia/Shanghai')::date"


def _keys(principal: Principal, campus_id: str | None, holder_id: str | None) -> Query:
    principal.require_role(*STAFF)
    q = Query(f"SELECT {COLUMNS} FROM {S}.keys", "key_id")
    return q.scoped(principal).filter("campus_id = {}", campus_id).filter("holder_id = {}", holder_id)


@router.get("/keys", response_model=Page, summary="Keys: who holds which, issued, returned or lost")
async def list_keys(
    commands: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    holder_id: str | None = None,
    state: KeyStatus | None = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    q = _keys(principal, campus_id, holder_id).filter("state = {}", state.value if state else None)
    return await q.page(commands.pool, after, limit)


@router.get("/keys/outstanding", response_model=Page, summary="Keys issued and not returned")
async def outstanding_keys(
    commands: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    holder_id: str | None = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    q = _keys(principal, campus_id, holder_id)
    q.where.append("state = 'issued'")
    return await q.page(commands.pool, after, limit)


@router.get("/keys/overdue", response_model=Page, summary="Outstanding keys past their due date, and by how many days")
async def overdue_keys(
    commands: CampusCommandsDep,
    principal: CurrentPrincipal,
    as_of: date | None = None,
    campus_id: str | None = None,
    holder_id: str | None = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    """``as_of`` defaults to today (in China Standard Time)."""
    q = Query("", "key_id")
    day = f"coalesce({q.param(as_of)}::date, {TODAY})"
    q.select_from = f"SELECT {COLUMNS}, {day} AS as_of, {day} - due_on AS days_overdue FROM {S}.keys"
    principal.require_role(*STAFF)
    q.scoped(principal).filter("campus_id = {}", campus_id).filter("holder_id = {}", holder_id)
    q.where += ["state = 'issued'", f"due_on < {day}"]
    return await q.page(commands.pool, after, limit)


@router.get("/keys/{key_id}", summary="One key, with every time it was issued")
async def get_key(key_id: str, commands: CampusCommandsDep, principal: CurrentPrincipal) -> dict[str, Any]:
    row = await _keys(principal, None, None).filter("key_id = {}", key_id).one(commands.pool)
    if row is None:
        raise NotFound(f"key {key_id} not found")
    loans = await commands.pool.fetch(
        f"SELECT loan, holder_id, door, issued_on, due_on, issued_by, ended, ended_on FROM {S}.key_loans "
        "WHERE key_id = $1 ORDER BY loan",
        key_id,
    )
    return row | {"history": [dict(r) for r in loans]}
