"""Compensation routes (照价赔偿): charge a person or a class at price, record the payment, or waive it."""

from __future__ import annotations

from fastapi import APIRouter

from services.campus.scoped import CampusCommands, CampusCommandsDep
from services.eventkit.app import Context, CurrentPrincipal
from services.eventkit.commands import CommandResult
from services.eventkit.envelope import TenantPath
from services.eventkit.errors import InvalidInput
from services.eventkit.queries import Page, Query
from services.eventkit.routes import After, Limit, command_route
from services.inventory.assets import Asset, AssetState
from services.inventory.common import APPROVERS, MANAGERS, STAFF
from services.inventory.compensation import (
    ChargeCompensation,
    ChargeStatus,
    Compensation,
    PayCompensation,
    WaiveCompensation,
)
from services.inventory.events import ChargeAgainst
from services.inventory.projections.assets import ASSETS
from services.inventory.queries.stock import catalogued_item as _item

router = APIRouter(tags=["compensation"])
S = ASSETS.schema


async def _party(commands: CampusCommands, tenant: TenantPath, kind: ChargeAgainst, party_id: str, field: str) -> None:
    """A student or member of staff of the school (person), or a class of the campus, or a 422 naming the field."""
    if kind is ChargeAgainst.CLASS:
        found = await commands.pool.fetchval(
            "SELECT 1 FROM directory_classes WHERE class_id = $1 AND campus_id = $2", party_id, tenant.campus_id
        )
        if not found:
            raise InvalidInput(f"class {party_id} is no class of campus {tenant.campus_id}", field=field)
        return
    found = await commands.pool.fetchval(
        "SELECT 1 FROM directory_students WHERE student_id = $1 AND school_id = $2 AND active "
        "UNION ALL SELECT 1 FROM directory_staff WHERE staff_id = $1 AND school_id = $2 AND active",
        party_id,
        tenant.school_id,
    )
    if not found:
        raise InvalidInput(f"{party_id} is no student or member of staff of the school", field=field)


@command_route(router, "/compensations", "Charge a person or a class for a damaged item or asset, at price")
async def charge_compensation(cmd: ChargeCompensation, ctx: Context, commands: CampusCommandsDep) -> CommandResult:
    tenant = await commands.campus(cmd.campus_id)
    ctx.principal.require(tenant, *MANAGERS)
    if cmd.item_id is None and cmd.asset_id is None:
        raise InvalidInput("name the damaged item or asset", field="item_id")
    if cmd.item_id is not None and cmd.asset_id is not None:
        raise InvalidInput("name the damaged item or the damaged asset, not both", field="asset_id")
    await _party(commands, tenant, cmd.against, cmd.against_id, "against_id")
    if cmd.item_id is not None:
        item = await _item(commands.bus, cmd.item_id, tenant.school_id, "item_id")
        amount = cmd.quantity * item.unit_price_fen
    else:
        asset: AssetState
        asset, version = await commands.bus.load(Asset, Asset.stream_id(cmd.asset_id or ""))
        if version == 0 or asset.campus_id != cmd.campus_id:
            raise InvalidInput(f"asset {cmd.asset_id} is not registered on campus {cmd.campus_id}", field="asset_id")
        if cmd.quantity != 1:
            raise InvalidInput("an asset is charged once, at its value", field="quantity")
        amount = asset.value_fen
    facts = {"amount_fen": str(amount)}
    return await commands.run(Compensation, cmd.charge_id, cmd, ctx, tenant, MANAGERS, facts=facts)


@command_route(router, "/compensations/{charge_id}/pay", "Record that a charge is paid, with its receipt")
async def pay_compensation(
    charge_id: str, cmd: PayCompensation, ctx: Context, commands: CampusCommandsDep
) -> CommandResult:
    tenant = await commands.tenant_of(Compensation, charge_id, "charge")
    return await commands.run(Compensation, charge_id, cmd, ctx, tenant, MANAGERS)


@command_route(router, "/compensations/{charge_id}/waive", "Waive a charge, saying why")
async def waive_compensation(
    charge_id: str, cmd: WaiveCompensation, ctx: Context, commands: CampusCommandsDep
) -> CommandResult:
    tenant = await commands.tenant_of(Compensation, charge_id, "charge")
    return await commands.run(Compensation, charge_id, cmd, ctx, tenant, APPROVERS)


CHARGE_COLUMNS = (
    "charge_id, district_id, school_id, campus_id, against, against_id, item_id, asset_id, quantity, amount_fen, "
    "reason, charged_by, charged_at, damage_event_id, status, paid_on, receipt_ref, waived_on, waived_reason, closed_by"
)


@router.get("/compensations", response_model=Page, summary="Compensation charges and their status")
async def list_compensations(
    commands: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    status: ChargeStatus | None = None,
    against_id: str | None = None,
    asset_id: str | None = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    principal.require_role(*STAFF)
    q = Query(f"SELECT {CHARGE_COLUMNS} FROM {S}.charges", "charge_id").scoped(principal)
    q.filter("campus_id = {}", campus_id).filter("status = {}", status.value if status else None)
    q.filter("against_id = {}", against_id).filter("asset_id = {}", asset_id)
    return await q.page(commands.pool, after, limit)
