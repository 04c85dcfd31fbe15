"""The inventory's types: stock counts per campus and item, purchases and the procurement
pipeline, repairs and keys, the catalogue, room assets, compensation charges and stock-takes."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from gateway.common.campuses import CampusRef, campus_at_once, load_campus
from gateway.common.enums import (
    AssetStatus,
    ChargeAgainst,
    ChargeStatus,
    DamageCause,
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
from gateway.common.scalars import BigInt
from gateway.context import GatewayContext
from gateway.inventory.asset_links import AssetLinks, ChargeLinks
from gateway.inventory.registration_links import AssetRegistrationLink, PurchaseAssetsLink

Ctx = Info[GatewayContext, None]


@strawberry.type(description="The inventory count of an item on a campus")
class StockLine:
    campus_id: strawberry.ID
    item_id: strawberry.ID
    name: str
    unit: str
    category: str
    on_hand: BigInt = strawberry.field(description="How many are on the campus's shelves")
    received: BigInt = strawberry.field(description="How many were received, ever")
    issued: BigInt = strawberry.field(description="How many were issued, ever")
    adjusted: BigInt = strawberry.field(description="The sum of stock-take adjustments (negative: fewer than the book)")
    reorder_point: int
    below_reorder_point: bool = strawberry.field(description="At or below its reorder point: to be reordered")
    issued_this_month: BigInt = strawberry.field(description="Issued from the first of the month to the day asked")
    quota_used: BigInt = strawberry.field(
        description="Issued against the quotas of the term of the day asked about, every department's"
    )
    quota: BigInt | None = strawberry.field(
        description="The quotas of the term of the day asked about, every department's, summed (null: none set); "
        "per department: quotas"
    )
    term_id: strawberry.ID | None = strawberry.field(
        default=None, description="The term quotaUsed and quota are of (null: the day is in no term)"
    )

    @strawberry.field
    @campus_at_once
    def campus(self, info: Ctx) -> CampusRef | None:
        return load_campus(info, str(self.campus_id))

    @strawberry.field(description=HISTORY)
    def history(self, info: Ctx, first: int = 50) -> list[HistoryEntry]:
        return history_of(info, "inventory", f"stock-{self.campus_id}-{self.item_id}", first)


@strawberry.type(description="A purchase (采购): requested, decided, bought, accepted and settled")
class Purchase(PurchaseAssetsLink, Node):
    purchase_id: strawberry.ID
    campus_id: strawberry.ID
    category: PurchaseCategory = strawberry.field(
        description="Everyday supplies or a major purchase: it decides who signs the acceptance"
    )
    status: PurchaseStatus = strawberry.field(description="Where it stands in the pipeline")
    reason: str = strawberry.field(description="Why it is needed")
    requested_by: str = strawberry.field(description="Who requested it")
    requested_at: dt.datetime = strawberry.field(description="When it was requested")
    estimated_fen: BigInt = strawberry.field(
        description="The estimated total, in fen: each line's quantity times its estimated unit price, summed"
    )
    lines: JSON = strawberry.field(
        description="The lines requested (description, quantity, estimated unit price in fen)"
    )
    decided_by: str | None = strawberry.field(description="Who approved or rejected it")
    supplier: str | None = strawberry.field(description="Who it was bought from")
    total_fen: BigInt | None = strawberry.field(
        description="What was paid for it, in fen: each line bought, quantity times unit price, summed"
    )
    signers: list[str] = strawberry.field(description="Who signed its acceptance")
    accepted_at: dt.datetime | None = strawberry.field(description="When its acceptance was complete")
    invoice_ref: str | None = strawberry.field(description="The invoice's reference")
    settled_fen: int | None = strawberry.field(description="The amount settled, in fen")
    settled_on: dt.date | None = strawberry.field(description="The day it was settled")

    @strawberry.field
    @campus_at_once
    def campus(self, info: Ctx) -> CampusRef | None:
        return load_campus(info, str(self.campus_id))

    @strawberry.field(description=HISTORY)
    def history(self, info: Ctx, first: int = 50) -> list[HistoryEntry]:
        return history_of(info, "inventory", f"purchase-{self.purchase_id}", first)


@strawberry.type(description="How many purchases of a campus wait at one step of the procurement pipeline")
class PipelineStep:
    campus_id: strawberry.ID
    status: PurchaseStatus = strawberry.field(description="The step")
    purchases: int = strawberry.field(description="Purchases waiting at it")
    amount_fen: BigInt | None = strawberry.field(
        description="The amount of those purchases, in fen (what was paid, else the estimate), summed"
    )


@strawberry.type(description="A repair (维修): reported, assigned, done, verified")
class Repair(Node):
    repair_id: strawberry.ID
    campus_id: strawberry.ID
    place: str = strawberry.field(description="Where the repair is needed")
    description: str = strawberry.field(description="What is broken")
    source: RepairSource = strawberry.field(description="Reported from a place, or asked for by campus safety")
    hazard_id: strawberry.ID | None = strawberry.field(
        description="The hazard it rectifies (null: reported from a place)"
    )
    state: RepairStatus = strawberry.field(description="Where it stands")
    reported_by: str = strawberry.field(description="Who reported it")
    reported_at: dt.datetime = strawberry.field(description="When it was reported")
    assignee_id: str | None = strawberry.field(description="The technician it is assigned to")
    done_at: dt.datetime | None = strawberry.field(description="When it was done")
    verified_by: str | None = strawberry.field(description="Who verified it")
    verified_at: dt.datetime | None = strawberry.field(description="When it was verified")
    turnaround_hours: float | None = strawberry.field(description="Hours from its report to its being done")
    failed_verifications: int = strawberry.field(
        default=0, description="How many times it failed its verification (each sent it back to its assignee)"
    )
    failed_by: str | None = strawberry.field(default=None, description="Who failed its latest failed verification")
    failed_at: dt.datetime | None = strawberry.field(default=None, description="When its latest verification failed")
    failed_reason: str | None = strawberry.field(default=None, description="Why its latest verification failed")

    @strawberry.field
    @campus_at_once
    def campus(self, info: Ctx) -> CampusRef | None:
        return load_campus(info, str(self.campus_id))

    @strawberry.field(description=HISTORY)
    def history(self, info: Ctx, first: int = 50) -> list[HistoryEntry]:
        return history_of(info, "inventory", f"repair-{self.repair_id}", first)


@strawberry.type(description="A key (钥匙): who holds it, until when")
class Key(Node):
    key_id: strawberry.ID
    campus_id: strawberry.ID
    door: str = strawberry.field(description="The door it opens")
    state: KeyStatus = strawberry.field(description="Issued, returned or lost")
    holder_id: str | None = strawberry.field(description="Who holds it")
    issued_on: dt.date | None = strawberry.field(description="The day it was issued")
    due_on: dt.date | None = strawberry.field(description="The day it is due back")
    returned_on: dt.date | None = strawberry.field(description="The day it was returned")
    lost_on: dt.date | None = strawberry.field(description="The day it was reported lost")
    days_overdue: int | None = strawberry.field(
        default=None, description="Days past its due day (only on overdue keys)"
    )

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
    consumable: bool = strawberry.field(description="Used up and issued (true), or kept as an asset (false)")
    unit_price_fen: int
    reorder_point: int

    @strawberry.field(description=HISTORY)
    def history(self, info: Ctx, first: int = 50) -> list[HistoryEntry]:
        return history_of(info, "inventory", f"item-{self.item_id}", first)


@strawberry.type(description="A damage recorded on an asset, and what it was charged")
class AssetDamage:
    event_id: strawberry.ID = strawberry.field(description="The event that recorded the damage")
    room: str
    cause: DamageCause = strawberry.field(description="Wear and tear, or a person")
    by_kind: ChargeAgainst | None = strawberry.field(description="Who caused it, if a person: a person or a class")
    by_id: str | None = strawberry.field(description="The person or class that caused it (a directory id)")
    description: str = strawberry.field(description="What was damaged and how")
    damaged_on: dt.date = strawberry.field(description="The day it was damaged")
    recorded_by: str = strawberry.field(description="Who recorded the damage")
    charge_fen: int = strawberry.field(description="What was charged for it, in fen (0: nothing)")


@strawberry.type(description="A compensation charge raised for an asset, in short (the whole: `compensation`)")
class AssetCharge:
    charge_id: strawberry.ID
    against: ChargeAgainst
    against_id: str
    amount_fen: BigInt = strawberry.field(description="What is charged, in fen (quantity times unit price)")
    status: ChargeStatus = strawberry.field(description="Whether it is charged, paid or waived")
    damage_event_id: str | None = strawberry.field(description="The damage it was raised for (null: raised on its own)")


@strawberry.type(description="A room asset (固定资产): where it is, what it is worth, its damages and disposal")
class Asset(AssetLinks, AssetRegistrationLink, Node):
    asset_id: strawberry.ID
    campus_id: strawberry.ID
    tag: str = strawberry.field(description="The asset's tag (资产编号), as stuck on it")
    room: str
    item_id: strawberry.ID | None
    description: str = strawberry.field(description="What the asset is (projector, desk set...)")
    value_fen: int = strawberry.field(description="What the asset is worth, in fen")
    acquired_on: dt.date = strawberry.field(description="The day it was acquired")
    registered_by: str = strawberry.field(description="Who registered it")
    status: AssetStatus = strawberry.field(description="Where it stands: in use, damaged, or on its way to disposal")
    damaged: bool = strawberry.field(description="Damaged and not repaired since")
    damages: int = strawberry.field(description="How many times it was damaged")
    disposal_reason: str | None = strawberry.field(description="Why its disposal was requested")
    disposal_requested_by: str | None = strawberry.field(description="Who requested its disposal")
    disposal_approved_by: str | None = strawberry.field(description="Who approved its disposal")
    disposed_on: dt.date | None = strawberry.field(description="The day it was disposed of")
    disposal_refusals: int = strawberry.field(
        default=0, description="How many times a requested disposal of it was refused (it stayed in use)"
    )
    disposal_refused_by: str | None = strawberry.field(
        default=None, description="Who refused its latest refused disposal"
    )
    disposal_refused_on: dt.date | None = strawberry.field(
        default=None, description="The day its latest requested disposal was refused"
    )
    disposal_refusal_reason: str | None = strawberry.field(
        default=None, description="Why its latest requested disposal was refused"
    )
    damage_records: list[AssetDamage] = strawberry.field(description="Every damage recorded on it, oldest first")
    charges: list[AssetCharge] = strawberry.field(description="The compensation charges raised for it")

    @strawberry.field
    @campus_at_once
    def campus(self, info: Ctx) -> CampusRef | None:
        return load_campus(info, str(self.campus_id))

    @strawberry.field(description=HISTORY)
    def history(self, info: Ctx, first: int = 50) -> list[HistoryEntry]:
        return history_of(info, "inventory", f"asset-{self.asset_id}", first)


@strawberry.type(description="A compensation charge (照价赔偿) against a person or a class: charged, paid or waived")
class CompensationCharge(ChargeLinks, Node):
    charge_id: strawberry.ID
    campus_id: strawberry.ID
    against: ChargeAgainst
    against_id: str
    item_id: strawberry.ID | None = strawberry.field(description="The catalogue item charged for (null: an asset)")
    asset_id: strawberry.ID | None = strawberry.field(description="The asset charged for (null: an item)")
    quantity: int
    amount_fen: BigInt = strawberry.field(description="What is charged, in fen (quantity times unit price)")
    reason: str = strawberry.field(description="What was lost or damaged, and how")
    charged_by: str = strawberry.field(description="Who raised the charge")
    charged_at: dt.datetime = strawberry.field(description="When it was raised")
    damage_event_id: str | None = strawberry.field(
        description="The asset damage it was raised for (null: raised on its own)"
    )
    status: ChargeStatus = strawberry.field(description="Whether it is charged, paid or waived")
    paid_on: dt.date | None = strawberry.field(description="The day it was paid")
    receipt_ref: str | None = strawberry.field(description="The receipt's reference")
    waived_on: dt.date | None = strawberry.field(description="The day it was waived")
    waived_reason: str | None = strawberry.field(description="Why it was waived")
    closed_by: str | None = strawberry.field(description="Who recorded the payment or the waiver")

    @strawberry.field
    @campus_at_once
    def campus(self, info: Ctx) -> CampusRef | None:
        return load_campus(info, str(self.campus_id))

    @strawberry.field(description=HISTORY)
    def history(self, info: Ctx, first: int = 50) -> list[HistoryEntry]:
        return history_of(info, "inventory", f"compensation-{self.charge_id}", first)


@strawberry.type(description="An item counted in a stock-take; book and delta once it is closed")
class StockTakeCount:
    item_id: strawberry.ID
    counted: int = strawberry.field(description="How many were counted")
    counted_by: str = strawberry.field(description="Who counted")
    counted_at: dt.datetime | None = strawberry.field(
        default=None, description="When it was counted (null: a count recorded before counts carried their time)"
    )
    book_at_count: BigInt | None = strawberry.field(
        default=None, description="What the book said when it was counted: the count is compared with it"
    )
    difference: BigInt | None = strawberry.field(
        default=None, description="Counted minus the book at the count: what the closing adjusts by"
    )
    book: BigInt | None = strawberry.field(description="The book at the count, as booked once closed")
    delta: BigInt | None = strawberry.field(description="The adjustment booked once closed (counted minus book)")


@strawberry.type(description="An item whose count differed from the book when the stock-take closed")
class StockVariance:
    item_id: strawberry.ID
    book: BigInt = strawberry.field(description="How many the book said")
    counted: int = strawberry.field(description="How many were counted")
    delta: BigInt = strawberry.field(description="Counted minus book: the adjustment booked")
    counted_by: str = strawberry.field(description="Who counted")
    adjusted_at: dt.datetime = strawberry.field(description="When the adjustment was booked")


@strawberry.type(description="A stock-take (盘库) on a campus: its counts, and the variances booked when it closed")
class StockTake(Node):
    stocktake_id: strawberry.ID
    campus_id: strawberry.ID
    period: StockTakePeriod = strawberry.field(description="Monthly or at the end of a term")
    started_on: dt.date = strawberry.field(description="The day it started")
    started_by: str = strawberry.field(description="Who started it")
    status: StockTakeStatus = strawberry.field(description="Open or closed")
    closed_on: dt.date | None = strawberry.field(description="The day it closed")
    closed_by: str | None = strawberry.field(description="Who closed it")
    items: int | None = strawberry.field(description="Items counted (once closed)")
    variances: int | None = strawberry.field(description="Items whose count differed from the book (once closed)")
    counts: list[StockTakeCount] = strawberry.field(description="Each item counted")
    variance_lines: list[StockVariance] = strawberry.field(
        description="Each item whose count differed, as booked when it closed"
    )

    @strawberry.field
    @campus_at_once
    def campus(self, info: Ctx) -> CampusRef | None:
        return load_campus(info, str(self.campus_id))

    @strawberry.field(description=HISTORY)
    def history(self, info: Ctx, first: int = 50) -> list[HistoryEntry]:
        return history_of(info, "inventory", f"stocktake-{self.stocktake_id}", first)
