"""Procurement routes: request, approve or reject, record the purchase, sign acceptance, settle."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from services.campus.scoped import CampusCommandsDep
from services.eventkit.app import Context, CurrentPrincipal
from services.eventkit.auth import Role
from services.eventkit.commands import CommandResult
from services.eventkit.errors import Forbidden, NotFound
from services.eventkit.queries import Page, Query
from services.eventkit.routes import After, Limit, command_route
from services.inventory.common import APPROVERS, MANAGERS, STAFF
from services.inventory.events import PurchaseCategory
from services.inventory.procurement import (
    ApprovePurchase,
    Purchase,
    PurchaseState,
    RecordPurchase,
    RejectPurchase,
    RequestPurchase,
    SettlePurchase,
    SignAcceptance,
)
from services.inventory.projections.inventory_counts import INVENTORY_COUNTS
from services.inventory.queries.stock import catalogued_item as _item

router = APIRouter(tags=["procurement"])
S = INVENTORY_COUNTS.schema


@command_route(router, "/purchases", "Ask for a purchase (declared in advance)")
async def request_purchase(cmd: RequestPurchase, ctx: Context, commands: CampusCommandsDep) -> CommandResult:
    tenant = await commands.campus(cmd.campus_id)
    for i, line in enumerate(cmd.lines):
        if line.item_id is not None:
            await _item(commands.bus, line.item_id, tenant.school_id, f"lines.{i}.item_id")
    return await commands.run(Purchase, cmd.purchase_id, cmd, ctx, tenant, STAFF)


@command_route(router, "/purchases/{purchase_id}/approve", "Approve a purchase")
async def approve_purchase(
    purchase_id: str, cmd: ApprovePurchase, ctx: Context, commands: CampusCommandsDep
) -> CommandResult:
    tenant = await commands.tenant_of(Purchase, purchase_id, "purchase")
    return await commands.run(Purchase, purchase_id, cmd, ctx, tenant, APPROVERS)


@command_route(router, "/purchases/{purchase_id}/reject", "Reject a purchase, saying why")
async def reject_purchase(
    purchase_id: str, cmd: RejectPurchase, ctx: Context, commands: CampusCommandsDep
) -> CommandResult:
    tenant = await commands.tenant_of(Purchase, purchase_id, "purchase")
    return await commands.run(Purchase, purchase_id, cmd, ctx, tenant, APPROVERS)


@command_route(router, "/purchases/{purchase_id}/bought", "Record what was bought, from whom, at what price")
async def record_purchase(
    purchase_id: str, cmd: RecordPurchase, ctx: Context, commands: CampusCommandsDep
) -> CommandResult:
    tenant = await commands.tenant_of(Purchase, purchase_id, "purchase")
    return await commands.run(Purchase, purchase_id, cmd, ctx, tenant, MANAGERS)


@command_route(
    router,
    "/purchases/{purchase_id}/acceptance",
    "Sign the acceptance: the campus's vice principal (everyday) or acceptance team members (major)",
)
async def sign_acceptance(
    purchase_id: str, cmd: SignAcceptance, ctx: Context, commands: CampusCommandsDep
) -> CommandResult:
    tenant = await commands.tenant_of(Purchase, purchase_id, "purchase")
    state: PurchaseState
    state, _ = await commands.bus.load(Purchase, Purchase.stream_id(purchase_id))
    role = Role.VICE_PRINCIPAL if state.category is PurchaseCategory.EVERYDAY else Role.ACCEPTANCE_MEMBER
    if not ctx.principal.has_role(role):
        raise Forbidden(f"a {state.category.value} purchase is accepted by the {role.value.replace('_', ' ')}")
    consumables = []
    for line in state.lines:
        if line.item_id is not None:
            item = await _item(commands.bus, line.item_id, None, "item_id")
            if item.consumable:
                consumables.append(line.item_id)
    facts = {
        "as_role": role.value,
        "quorum": str(commands.runtime.settings.acceptance_quorum),
        "consumables": ",".join(consumables),
    }
    return await commands.run(Purchase, purchase_id, cmd, ctx, tenant, (role,), facts=facts)


@command_route(router, "/purchases/{purchase_id}/settle", "Settle an accepted purchase with its invoice")
async def settle_purchase(
    purchase_id: str, cmd: SettlePurchase, ctx: Context, commands: CampusCommandsDep
) -> CommandResult:
    tenant = await commands.tenant_of(Purchase, purchase_id, "purchase")
    return await commands.run(Purchase, purchase_id, cmd, ctx, tenant, MANAGERS)


COLUMNS = (
    "purchase_id, district_id, school_id, campus_id, category, status, reason, requested_by, requested_at, "
    "estimated_fen, lines, decided_by, supplier, total_fen, signers, accepted_at, invoice_ref, settled_fen, settled_on"
)


@router.get("/purchases", response_model=Page, summary="Purchases (the procurement pipeline)")
async def list_purchases(
    commands: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    status: str | None = None,
    category: PurchaseCategory | None = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    principal.require_role(*STAFF)
    q = Query(f"SELECT {COLUMNS} FROM {S}.purchases", "purchase_id").scoped(principal)
    q.filter("campus_id = {}", campus_id).filter("status = {}", status)
    q.filter("category = {}", category.value if category else None)
    return await q.page(commands.pool, after, limit)


@router.get("/purchases/pipeline", summary="How many purchases are at each step, per campus")
async def pipeline(
    commands: CampusCommandsDep, principal: CurrentPrincipal, campus_id: str | None = None
) -> list[dict[str, Any]]:
    principal.require_role(*STAFF)
    q = Query(
        f"SELECT campus_id, status, count(*) AS purchases, sum(coalesce(total_fen, estimated_fen)) AS amount_fen "
        f"FROM {S}.purchases",
        "campus_id",
    ).scoped(principal)
    q.filter("campus_id = {}", campus_id)
    sql = q.select_from + " WHERE " + " AND ".join(q.where) + " GROUP BY campus_id, status ORDER BY campus_id, status"
    return [dict(r) for r in await commands.pool.fetch(sql, *q.params)]


@router.get("/purchases/{purchase_id}", summary="One purchase")
async def get_purchase(purchase_id: str, commands: CampusCommandsDep, principal: CurrentPrincipal) -> dict[str, Any]:
    principal.require_role(*STAFF)
    q = Query(f"SELECT {COLUMNS} FROM {S}.purchases", "purchase_id").scoped(principal)
    row = await q.filter("purchase_id = {}", purchase_id).one(commands.pool)
    if row is None:
        raise NotFound(f"purchase {purchase_id} not found")
    return row
