"""The inventory's types: stock counts per campus and item, purchases and the procurement
pipeline, repairs and keys, the catalogue, room assets, compensation charges and stock-takes."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from gateway.common.campuses import CampusRef, load_campus
from gateway.common.enums import (
    AssetStatus,
    ChargeAgainst,
    ChargeStatus,
    KeyStatus,
    PurchaseCategory,
    PurchaseStatus,
    RepairSource,
    RepairStatus,
    StockTakePeriod,
    StockTakeStatus,
)
from gateway.common.history import HISTORY, HistoryEntry, history_of
from gateway.common.nodes import Node
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
class Purchase(Node):
    purchase_id: strawberry.ID
    campus_id: strawberry.ID
    category: PurchaseCategory
    status: PurchaseStatus
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
    status: PurchaseStatus
    purchases: int
    amount_fen: int | None


@strawberry.type(description="A repair (维修): reported, assigned, done, verified")
class Repair(Node):
    repair_id: strawberry.ID
    campus_id: strawberry.ID
    place: str
    description: str
    source: RepairSource
    hazard_id: strawberry.ID | None
    state: RepairStatus
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
    state: KeyStatus
    holder_id: str | None
    issued_on: dt.date | None
    due_on: dt.date | None
    returned_on: dt.date | None
    lost_on: dt.date | None
    days_overdue: int | None = None

    @strawberry.field(description=HISTORY)
    def history(self, info: Ctx, first: int = 50) -> list[HistoryEntry]:
        return history_of(info, "inventory", f"key-{self.key_id}", first)


@strawberry.type(description="An item of a school's catalogue (物品目录): what stock, purchases and charges name")
class CatalogueItem(Node):
    item_id: strawberry.ID
    school_id: strawberry.ID
    name: str
    unit: str
    category: str
    consumable: bool
    unit_price_fen: int
    reorder_point: int

    @strawberry.field(description=HISTORY)
    def history(self, info: Ctx, first: int = 50) -> list[HistoryEntry]:
        return history_of(info, "inventory", f"item-{self.item_id}", first)


@strawberry.type(description="A damage recorded on an asset, and what it was charged")
class AssetDamage:
    event_id: strawberry.ID
    room: str
    cause: str
    by_kind: str | None
    by_id: str | None
    description: str
    damaged_on: dt.date
    recorded_by: str
    charge_fen: int


@strawberry.type(description="A compensation charge raised for an asset, in short (the whole: `compensation`)")
class AssetCharge:
    charge_id: strawberry.ID
    against: ChargeAgainst
    against_id: str
    amount_fen: int
    status: ChargeStatus
    damage_event_id: str | None


@strawberry.type(description="A room asset (固定资产): where it is, what it is worth, its damages and disposal")
class Asset(Node):
    asset_id: strawberry.ID
    campus_id: strawberry.ID
    tag: str
    room: str
    item_id: strawberry.ID | None
    description: str
    value_fen: int
    acquired_on: dt.date
    registered_by: str
    status: AssetStatus
    damaged: bool
    damages: int
    disposal_reason: str | None
    disposal_requested_by: str | None
    disposal_approved_by: str | None
    disposed_on: dt.date | None
    damage_records: list[AssetDamage]
    charges: list[AssetCharge]

    @strawberry.field
    def campus(self, info: Ctx) -> CampusRef | None:
        return load_campus(info, str(self.campus_id))

    @strawberry.field(description=HISTORY)
    def history(self, info: Ctx, first: int = 50) -> list[HistoryEntry]:
        return history_of(info, "inventory", f"asset-{self.asset_id}", first)


@strawberry.type(description="A compensation charge (照价赔偿) against a person or a class: charged, paid or waived")
class CompensationCharge(Node):
    charge_id: strawberry.ID
    campus_id: strawberry.ID
    against: ChargeAgainst
    against_id: str
    item_id: strawberry.ID | None
    asset_id: strawberry.ID | None
    quantity: int
    amount_fen: int
    reason: str
    charged_by: str
    charged_at: dt.datetime
    damage_event_id: str | None
    status: ChargeStatus
    paid_on: dt.date | None
    receipt_ref: str | None
    waived_on: dt.date | None
    waived_reason: str | None
    closed_by: str | None

    @strawberry.field
    def campus(self, info: Ctx) -> CampusRef | None:
        return load_campus(info, str(self.campus_id))

    @strawberry.field(description=HISTORY)
    def history(self, info: Ctx, first: int = 50) -> list[HistoryEntry]:
        return history_of(info, "inventory", f"compensation-{self.charge_id}", first)


@strawberry.type(description="An item counted in a stock-take; book and delta once it is closed")
class StockTakeCount:
    item_id: strawberry.ID
    counted: int
    counted_by: str
    book: int | None
    delta: int | None


@strawberry.type(description="An item whose count differed from the book when the stock-take closed")
class StockVariance:
    item_id: strawberry.ID
    book: int
    counted: int
    delta: int
    counted_by: str
    adjusted_at: dt.datetime


@strawberry.type(description="A stock-take (盘库) on a campus: its counts, and the variances booked when it closed")
class StockTake(Node):
    stocktake_id: strawberry.ID
    campus_id: strawberry.ID
    period: StockTakePeriod
    started_on: dt.date
    started_by: str
    status: StockTakeStatus
    closed_on: dt.date | None
    closed_by: str | None
    items: int | None
    variances: int | None
    counts: list[StockTakeCount]
    variance_lines: list[StockVariance]

    @strawberry.field
    def campus(self, info: Ctx) -> CampusRef | None:
        return load_campus(info, str(self.campus_id))

    @strawberry.field(description=HISTORY)
    def history(self, info: Ctx, first: int = 50) -> list[HistoryEntry]:
        return history_of(info, "inventory", f"stocktake-{self.stocktake_id}", first)
