"""The inventory's types: stock counts per campus and item, purchases and the procurement
pipeline, repairs and keys."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from gateway.common.campuses import CampusRef, load_campus
from gateway.common.history import HISTORY, HistoryEntry, history_of
from gateway.context import GatewayContext

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
    def campus(self, info: Ctx) -> CampusRef | None:
        return load_campus(info, str(self.campus_id))

    @strawberry.field(description=HISTORY)
    def history(self, info: Ctx, first: int = 50) -> list[HistoryEntry]:
        return history_of(info, "inventory", f"stock-{self.campus_id}-{self.item_id}", first)


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
    def campus(self, info: Ctx) -> CampusRef | None:
        return load_campus(info, str(self.campus_id))

    @strawberry.field(description=HISTORY)
    def history(self, info: Ctx, first: int = 50) -> list[HistoryEntry]:
        return history_of(info, "inventory", f"purchase-{self.purchase_id}", first)


@strawberry.type
class PipelineStep:
    campus_id: strawberry.ID
    status: str
    purchases: int
    amount_fen: int | None


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
    def campus(self, info: Ctx) -> CampusRef | None:
        return load_campus(info, str(self.campus_id))

    @strawberry.field(description=HISTORY)
    def history(self, info: Ctx, first: int = 50) -> list[HistoryEntry]:
        return history_of(info, "inventory", f"repair-{self.repair_id}", first)


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

    @strawberry.field(description=HISTORY)
    def history(self, info: Ctx, first: int = 50) -> list[HistoryEntry]:
        return history_of(info, "inventory", f"key-{self.key_id}", first)
