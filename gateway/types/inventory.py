"""Inventory in GraphQL: stock counts per campus and item, and the procurement pipeline
(and, as the inventory grows, room assets, keys and repairs)."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from gateway.context import GatewayContext
from gateway.types.common import Connection, get, one, page
from gateway.types.directory import Campus, load_campus, with_campuses

Ctx = Info[GatewayContext, None]


@strawberry.type(description="The inventory count of an item on a campus")
class StockLine:
    campus_id: strawberry.ID
    item_id: strawberry.ID
    name: str
    unit: str
    category: str
    on_hand: int
    received: int
    issued: int
    adjusted: int
    reorder_point: int
    below_reorder_point: bool
    issued_this_month: int
    quota_used: int
    quota: int | None

    @strawberry.field
    def campus(self, info: Ctx) -> Campus | None:
        return load_campus(info, str(self.campus_id))


@strawberry.type
class Purchase:
    purchase_id: strawberry.ID
    campus_id: strawberry.ID
    category: str
    status: str
    reason: str
    requested_by: str
    requested_at: dt.datetime
    estimated_fen: int
    lines: JSON
    decided_by: str | None
    supplier: str | None
    total_fen: int | None
    signers: list[str]
    accepted_at: dt.datetime | None
    invoice_ref: str | None
    settled_fen: int | None
    settled_on: dt.date | None

    @strawberry.field
    def campus(self, info: Ctx) -> Campus | None:
        return load_campus(info, str(self.campus_id))


@strawberry.type
class PipelineStep:
    campus_id: strawberry.ID
    status: str
    purchases: int
    amount_fen: int | None


async def stock_page(
    context: GatewayContext, campus_id: str | None, below_reorder_point: bool, first: int, after: str | None
) -> Connection[StockLine] | None:
    return await page(
        context,
        "inventory",
        "/stock",
        StockLine,
        lambda i: f"{i['campus_id']}/{i['item_id']}",
        first,
        after,
        campus_id=campus_id,
        below_reorder_point=below_reorder_point or None,
    )


@strawberry.type
class InventoryQuery:
    @strawberry.field(description="Inventory counts per campus and item")
    async def inventory_counts(
        self,
        info: Ctx,
        campus_id: strawberry.ID | None = None,
        below_reorder_point: bool = False,
        first: int = 100,
        after: str | None = None,
    ) -> Connection[StockLine] | None:
        return await stock_page(info.context, campus_id, below_reorder_point, first, after)

    @strawberry.field
    async def purchases(
        self,
        info: Ctx,
        campus_id: strawberry.ID | None = None,
        status: str | None = None,
        category: str | None = None,
        first: int = 100,
        after: str | None = None,
    ) -> Connection[Purchase] | None:
        return await page(
            info.context,
            "inventory",
            "/purchases",
            Purchase,
            "purchase_id",
            first,
            after,
            campus_id=campus_id,
            status=status,
            category=category,
            then=with_campuses(info),
        )

    @strawberry.field
    async def purchase(self, info: Ctx, purchase_id: strawberry.ID) -> Purchase | None:
        return await one(info.context, "inventory", f"/purchases/{purchase_id}", Purchase)

    @strawberry.field(description="How many purchases wait at each step, per campus")
    async def procurement_pipeline(
        self, info: Ctx, campus_id: strawberry.ID | None = None
    ) -> list[PipelineStep] | None:
        info.context.require()
        rows = await get(info.context, "inventory", "/purchases/pipeline", campus_id=campus_id)
        return [PipelineStep(**r) for r in rows]


@strawberry.type(description="A repair (维修): reported, assigned, done, verified")
class Repair:
    repair_id: strawberry.ID
    campus_id: strawberry.ID
    place: str
    description: str
    source: str
    hazard_id: strawberry.ID | None
    state: str
    reported_by: str
    reported_at: dt.datetime
    assignee_id: str | None
    done_at: dt.datetime | None
    verified_by: str | None
    verified_at: dt.datetime | None
    turnaround_hours: float | None

    @strawberry.field
    def campus(self, info: Ctx) -> Campus | None:
        return load_campus(info, str(self.campus_id))


@strawberry.type(description="A key (钥匙): who holds it, until when")
class Key:
    key_id: strawberry.ID
    campus_id: strawberry.ID
    door: str
    state: str
    holder_id: str | None
    issued_on: dt.date | None
    due_on: dt.date | None
    returned_on: dt.date | None
    lost_on: dt.date | None
    days_overdue: int | None = None


@strawberry.type
class InventoryLists:
    @strawberry.field
    async def repairs(
        self,
        info: Ctx,
        campus_id: strawberry.ID | None = None,
        state: str | None = None,
        hazard_id: strawberry.ID | None = None,
        first: int = 100,
        after: str | None = None,
    ) -> Connection[Repair] | None:
        return await page(
            info.context,
            "inventory",
            "/repairs",
            Repair,
            "repair_id",
            first,
            after,
            campus_id=campus_id,
            state=state,
            hazard_id=hazard_id,
            then=with_campuses(info),
        )

    @strawberry.field(description="Keys issued and not returned; overdue ones carry daysOverdue")
    async def keys_outstanding(
        self,
        info: Ctx,
        campus_id: strawberry.ID | None = None,
        overdue_only: bool = False,
        first: int = 100,
        after: str | None = None,
    ) -> Connection[Key] | None:
        path = "/keys/overdue" if overdue_only else "/keys/outstanding"
        return await page(info.context, "inventory", path, Key, "key_id", first, after, campus_id=campus_id)
