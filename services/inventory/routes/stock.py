"""Catalogue, stock, quotas and requisitions."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter

from services.campus.mirror import term_of
from services.campus.scoped import CampusCommandsDep
from services.eventkit.app import Context, CurrentPrincipal
from services.eventkit.commands import CommandResult
from services.eventkit.decider import Resolved
from services.eventkit.envelope import TenantPath
from services.eventkit.errors import InvalidInput, NotFound
from services.eventkit.queries import Page, Query
from services.eventkit.routes import After, Limit, command_route
from services.inventory.common import APPROVERS, MANAGERS, STAFF, school_tenant
from services.inventory.projections.inventory_counts import INVENTORY_COUNTS
from services.inventory.stock import (
    ApproveQuotaOverride,
    CatalogueItem,
    ChangeReorderPoint,
    ConsumeQuota,
    IssueFromStock,
    IssueRequisition,
    Item,
    ItemState,
    Quota,
    ReceiveStock,
    RepriceItem,
    Requisition,
    SetQuota,
    Stock,
    quota_id,
    stock_id,
)

router = APIRouter(tags=["stock"])
S = INVENTORY_COUNTS.schema


async def _item(commands: Any, item_id: str, school_id: str | None, field: str) -> ItemState:
    state, version = await commands.bus.load(Item, Item.stream_id(item_id))
    if version == 0:
        raise InvalidInput(f"item {item_id} is not catalogued", field=field)
    if school_id is not None:
        first = await commands.bus.store.read_stream(Item.stream_id(item_id))
        if first[0].school_id != school_id:
            raise InvalidInput(f"item {item_id} is catalogued by another school", field=field)
    item: ItemState = state
    return item


@command_route(router, "/items", "Catalogue an item of the school")
async def catalogue_item(cmd: CatalogueItem, ctx: Context, commands: CampusCommandsDep) -> CommandResult:
    tenant = await school_tenant(commands, ctx.principal, cmd.school_id, *MANAGERS)
    return await commands.bus.execute(Item, cmd.item_id, _resolved(cmd, tenant, cmd.item_id), ctx, tenant)


@command_route(router, "/items/{item_id}/price", "Change an item's price")
async def reprice_item(item_id: str, cmd: RepriceItem, ctx: Context, commands: CampusCommandsDep) -> CommandResult:
    tenant = await commands.tenant_of(Item, item_id, "item")
    await school_tenant(commands, ctx.principal, tenant.school_id or "", *MANAGERS)
    return await commands.bus.execute(Item, item_id, _resolved(cmd, tenant, item_id), ctx, tenant)


@command_route(router, "/items/{item_id}/reorder-point", "Change an item's reorder point")
async def change_reorder_point(
    item_id: str, cmd: ChangeReorderPoint, ctx: Context, commands: CampusCommandsDep
) -> CommandResult:
    tenant = await commands.tenant_of(Item, item_id, "item")
    await school_tenant(commands, ctx.principal, tenant.school_id or "", *MANAGERS)
    return await commands.bus.execute(Item, item_id, _resolved(cmd, tenant, item_id), ctx, tenant)


def _resolved(cmd: Any, tenant: TenantPath, entity_id: str) -> Resolved[Any]:
    return Resolved(cmd, tenant, entity_id)


@command_route(router, "/stock/receipts", "Receive goods by hand (not through a purchase), with a reason")
async def receive_stock(cmd: ReceiveStock, ctx: Context, commands: CampusCommandsDep) -> CommandResult:
    tenant = await commands.campus(cmd.campus_id)
    await _item(commands, cmd.item_id, tenant.school_id, "item_id")
    return await commands.run(Stock, stock_id(cmd.campus_id, cmd.item_id), cmd, ctx, tenant, MANAGERS)


@command_route(router, "/quotas", "Set a department's quota of an item for a term")
async def set_quota(cmd: SetQuota, ctx: Context, commands: CampusCommandsDep) -> CommandResult:
    tenant = await commands.campus(cmd.campus_id)
    await _item(commands, cmd.item_id, tenant.school_id, "item_id")
    qid = quota_id(cmd.campus_id, cmd.department_id, cmd.item_id, cmd.term_id)
    return await commands.run(Quota, qid, cmd, ctx, tenant, MANAGERS)


@command_route(router, "/quotas/overrides", "Approve issuing beyond a quota")
async def approve_quota_override(cmd: ApproveQuotaOverride, ctx: Context, commands: CampusCommandsDep) -> CommandResult:
    tenant = await commands.campus(cmd.campus_id)
    qid = quota_id(cmd.campus_id, cmd.department_id, cmd.item_id, cmd.term_id)
    return await commands.run(Quota, qid, cmd, ctx, tenant, APPROVERS)


@command_route(router, "/requisitions", "Issue goods against a requisition list (all lines or none)")
async def issue_requisition(cmd: IssueRequisition, ctx: Context, commands: CampusCommandsDep) -> CommandResult:
    tenant = await commands.campus(cmd.campus_id)
    ctx.principal.require(tenant, *MANAGERS)
    term_id = cmd.term_id
    if term_id is None:
        term = await term_of(commands.pool, tenant.school_id or "", datetime.now(UTC).date())
        if term is None:
            raise InvalidInput("today is in no term of the school calendar: name the term", field="term_id")
        term_id = term["term_id"]
    for i, line in enumerate(cmd.lines):
        await _item(commands, line.item_id, tenant.school_id, f"lines.{i}.item_id")
    facts = {"term_id": term_id}
    async with commands.pool.acquire() as conn, conn.transaction():
        result = await commands.run(Requisition, cmd.requisition_id, cmd, ctx, tenant, MANAGERS, facts=facts, conn=conn)
        if result.duplicate:
            return result
        inner = replace(ctx, command_id=None, expected_version=None)
        for i, line in enumerate(cmd.lines):
            issue = IssueFromStock(
                campus_id=cmd.campus_id,
                item_id=line.item_id,
                quantity=line.quantity,
                recipient_kind=cmd.recipient_kind,
                recipient_id=cmd.recipient_id,
                department_id=cmd.department_id,
                term_id=term_id,
                requisition_id=cmd.requisition_id,
                exchange=line.exchange,
                override_id=cmd.override_id,
                line=i,
            )
            await commands.run(Stock, stock_id(cmd.campus_id, line.item_id), issue, inner, tenant, MANAGERS, conn=conn)
            if not line.exchange:
                consume = ConsumeQuota(
                    quantity=line.quantity, requisition_id=cmd.requisition_id, override_id=cmd.override_id, line=i
                )
                qid = quota_id(cmd.campus_id, cmd.department_id, line.item_id, term_id)
                quota_facts = {"department_id": cmd.department_id, "item_id": line.item_id, "term_id": term_id}
                await commands.run(Quota, qid, consume, inner, tenant, MANAGERS, facts=quota_facts, conn=conn)
    return result


# -- queries -------------------------------------------------------------------------------


@router.get("/items", response_model=Page, summary="The catalogue of a school")
async def list_items(
    commands: CampusCommandsDep, principal: CurrentPrincipal, school_id: str, after: After = None, limit: Limit = 100
) -> Page:
    await school_tenant(commands, principal, school_id, *STAFF)
    q = Query(
        f"SELECT item_id, school_id, name, unit, category, consumable, unit_price_fen, reorder_point FROM {S}.items",
        "item_id",
    )
    return await q.filter("school_id = {}", school_id).page(commands.pool, after, limit)


STOCK_SQL = (
    "SELECT s.campus_id, s.item_id, i.name, i.unit, i.category, s.on_hand, s.received, s.issued, s.adjusted, "
    "i.reorder_point, s.on_hand < i.reorder_point AS below_reorder_point, "
    f"coalesce((SELECT sum(m.quantity) FROM {S}.issued_by_month m WHERE m.campus_id = s.campus_id "
    "AND m.item_id = s.item_id AND m.month = date_trunc('month', now() AT TIME ZONE 'Asia/Shanghai')::date), 0) "
    "AS issued_this_month, "
    f"coalesce((SELECT sum(q.used) FROM {S}.quotas q WHERE q.campus_id = s.campus_id AND q.item_id = s.item_id), 0) "
    "AS quota_used, "
    f"(SELECT sum(q.quota) FROM {S}.quotas q WHERE q.campus_id = s.campus_id AND q.item_id = s.item_id) AS quota "
    f"FROM {S}.stock s JOIN {S}.items i USING (item_id)"
)


@router.get("/stock", response_model=Page, summary="Stock per campus and item (the inventory counts)")
async def list_stock(
    commands: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    below_reorder_point: bool = False,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    principal.require_role(*STAFF)
    q = Query(
        f"SELECT * FROM (SELECT t.*, t.campus_id || '/' || t.item_id AS key, c.school_id, c.district_id "
        f"FROM ({STOCK_SQL}) t JOIN directory_campuses c USING (campus_id)) x",
        "x.key",
    ).scoped(principal, "x.")
    q.filter("x.campus_id = {}", campus_id)
    if below_reorder_point:
        q.where.append("x.below_reorder_point")
    return await q.page(commands.pool, after, limit)


@router.get("/quotas", response_model=Page, summary="Quotas with what was used")
async def list_quotas(
    commands: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    term_id: str | None = None,
    department_id: str | None = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    principal.require_role(*STAFF)
    q = Query(
        "SELECT * FROM (SELECT q.*, q.campus_id || '/' || q.department_id || '/' || q.item_id || '/' || q.term_id "
        f"AS key, c.school_id, c.district_id FROM {S}.quotas q JOIN directory_campuses c USING (campus_id)) x",
        "x.key",
    ).scoped(principal, "x.")
    q.filter("x.campus_id = {}", campus_id).filter("x.term_id = {}", term_id).filter(
        "x.department_id = {}", department_id
    )
    return await q.page(commands.pool, after, limit)


@router.get("/requisitions/{requisition_id}", summary="One requisition list")
async def get_requisition(
    requisition_id: str, commands: CampusCommandsDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    principal.require_role(*STAFF)
    events = await commands.bus.store.read_stream(Requisition.stream_id(requisition_id))
    if not events or not principal.covers(events[0].tenant):
        raise NotFound(f"requisition {requisition_id} not found")
    return events[0].data
