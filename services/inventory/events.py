"""The inventory service's events: the contract published on ``houqin.inventory.events``.

Money is in fen (分, integer cents of a yuan) and quantities in whole units of
the item, so that sums are exact.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import Field

from services.eventkit.envelope import DomainEvent, EventRegistry, Value

INVENTORY_EVENTS = EventRegistry()
event = INVENTORY_EVENTS.register


# -- vocabularies ------------------------------------------------------------------------


class PurchaseCategory(StrEnum):
    EVERYDAY = "everyday"  # 一般日常用品: the campus's vice principal signs acceptance
    MAJOR = "major"  # 重大采购及维修: the acceptance team signs


class RecipientKind(StrEnum):
    PERSON = "person"
    DEPARTMENT = "department"


class ChargeAgainst(StrEnum):
    PERSON = "person"
    CLASS = "class"


class DamageCause(StrEnum):
    WEAR = "wear"
    PERSON = "person"


class StockTakePeriod(StrEnum):
    MONTHLY = "monthly"
    TERM_END = "term_end"


class RepairSource(StrEnum):
    REPORTED = "reported"  # by a cleaner, guard or manager from a place
    HAZARD = "hazard"  # asked for by the safety service


class ReturnedCondition(StrEnum):
    """The state of what was handed back for old-for-new (以旧换新)."""

    WORN = "worn"  # used up: worn out by its ordinary use
    BROKEN = "broken"  # broken in use (a person's doing is charged at price instead)


class ReturnedOutcome(StrEnum):
    """What becomes of what was handed back."""

    DISPOSED = "disposed"  # thrown away or disposed of (报废)
    REPAIRED = "repaired"  # sent for repair, and back on the shelf once fixed


class ReturnedItem(Value):
    """What was handed back in an old-for-new exchange (以旧换新): the exchange's proof."""

    description: str
    condition: ReturnedCondition
    outcome: ReturnedOutcome
    item_id: str | None = None  # the catalogue item it is, if it is one


# -- catalogue ---------------------------------------------------------------------------


@event("inventory.ItemCatalogued")
class ItemCatalogued(DomainEvent):
    item_id: str
    school_id: str
    name: str
    unit: str
    category: str
    consumable: bool
    unit_price_fen: int
    reorder_point: int


@event("inventory.ItemRepriced")
class ItemRepriced(DomainEvent):
    item_id: str
    unit_price_fen: int


@event("inventory.ReorderPointChanged")
class ReorderPointChanged(DomainEvent):
    item_id: str
    reorder_point: int


# -- stock of an item on a campus (stream stock-<campus>-<item>) -------------------------


@event("inventory.StockReceived")
class StockReceived(DomainEvent):
    campus_id: str
    item_id: str
    quantity: int
    received_by: str
    received_at: datetime
    purchase_id: str | None = None  # from an accepted purchase
    reason: str = ""  # for a receipt by hand


@event("inventory.StockIssued")
class StockIssued(DomainEvent):
    campus_id: str
    item_id: str
    quantity: int
    recipient_kind: RecipientKind
    recipient_id: str
    department_id: str
    term_id: str
    requisition_id: str
    issued_by: str
    issued_at: datetime
    exchange: bool = False  # old for new (以旧换新): uses no quota
    override_id: str | None = None  # the approved override that let it pass the quota
    returned: ReturnedItem | None = None  # old for new: what was handed back (none in events before it was kept)


@event("inventory.StockAdjusted")
class StockAdjusted(DomainEvent):
    """A stock-take's variance (or a correction): the book follows the count."""

    campus_id: str
    item_id: str
    delta: int
    book: int
    counted: int
    counted_by: str
    stocktake_id: str
    adjusted_at: datetime
    counted_at: datetime | None = None  # when it was counted: ``book`` is the book then (absent: at the closing)


# -- quotas (stream quota-<campus>-<department>-<item>-<term>) --------------------------


@event("inventory.QuotaSet")
class QuotaSet(DomainEvent):
    campus_id: str
    department_id: str
    item_id: str
    term_id: str
    quantity: int


@event("inventory.QuotaOverrideApproved")
class QuotaOverrideApproved(DomainEvent):
    campus_id: str
    department_id: str
    item_id: str
    term_id: str
    override_id: str
    extra: int
    reason: str
    approved_by: str


@event("inventory.QuotaConsumed")
class QuotaConsumed(DomainEvent):
    campus_id: str
    department_id: str
    item_id: str
    term_id: str
    quantity: int
    requisition_id: str
    override_id: str | None = None


# -- requisitions 领用清单 -------------------------------------------------------------------


class RequisitionLine(Value):
    item_id: str
    quantity: int
    exchange: bool = False


class IssuedLine(RequisitionLine):
    """A line of a requisition as issued: an old-for-new line says what was handed back."""

    returned: ReturnedItem | None = None


@event("inventory.RequisitionFulfilled")
class RequisitionFulfilled(DomainEvent):
    requisition_id: str
    campus_id: str
    department_id: str
    recipient_kind: RecipientKind
    recipient_id: str
    term_id: str
    lines: list[IssuedLine]
    issued_by: str
    issued_at: datetime


# -- procurement 采购 -----------------------------------------------------------------------


class PurchaseLine(Value):
    description: str
    quantity: int
    estimated_unit_price_fen: int
    item_id: str | None = None  # a catalogued item: goes into stock when accepted, if consumable
    room: str | None = None  # equipment: the room its assets are for


class BoughtLine(Value):
    line: int  # index into the request's lines
    quantity: int
    unit_price_fen: int


@event("inventory.PurchaseRequested")
class PurchaseRequested(DomainEvent):
    purchase_id: str
    campus_id: str
    category: PurchaseCategory
    lines: list[PurchaseLine]
    reason: str
    requested_by: str
    requested_at: datetime


@event("inventory.PurchaseApproved")
class PurchaseApproved(DomainEvent):
    purchase_id: str
    approved_by: str
    approved_at: datetime
    note: str = ""


@event("inventory.PurchaseRejected")
class PurchaseRejected(DomainEvent):
    purchase_id: str
    rejected_by: str
    rejected_at: datetime
    reason: str


@event("inventory.PurchaseMade")
class PurchaseMade(DomainEvent):
    purchase_id: str
    supplier: str
    bought: list[BoughtLine]
    total_fen: int
    bought_by: str
    bought_on: date


@event("inventory.AcceptanceSigned")
class AcceptanceSigned(DomainEvent):
    purchase_id: str
    signed_by: str
    as_role: str  # vice_principal | acceptance_member
    signed_at: datetime
    note: str = ""


class AcceptedEquipment(Value):
    """A bought line of catalogued equipment (a non-consumable item): each unit becomes an asset
    waiting to be registered to a room."""

    line: int  # index into the request's lines
    item_id: str
    description: str
    quantity: int
    unit_price_fen: int
    room: str | None = None  # the room it is for, if the request said


@event("inventory.PurchaseAccepted")
class PurchaseAccepted(DomainEvent):
    """Enough acceptance signatures: the goods are the school's. Consumables go into stock."""

    purchase_id: str
    campus_id: str
    accepted_at: datetime
    signers: list[str]
    into_stock: list[RequisitionLine] = Field(default_factory=list)  # catalogued consumables and quantities
    equipment: list[AcceptedEquipment] = Field(default_factory=list)  # catalogued non-consumables: assets


@event("inventory.PurchaseSettled")
class PurchaseSettled(DomainEvent):
    purchase_id: str
    invoice_ref: str
    amount_fen: int
    settled_by: str
    settled_on: date


# -- damage compensation 照价赔偿 -------------------------------------------------------------


@event("inventory.CompensationCharged")
class CompensationCharged(DomainEvent):
    charge_id: str
    campus_id: str
    against: ChargeAgainst
    against_id: str
    item_id: str | None
    asset_id: str | None
    quantity: int
    amount_fen: int
    reason: str
    charged_by: str
    charged_at: datetime


@event("inventory.CompensationPaid")
class CompensationPaid(DomainEvent):
    charge_id: str
    paid_on: date
    receipt_ref: str
    recorded_by: str


@event("inventory.CompensationWaived")
class CompensationWaived(DomainEvent):
    charge_id: str
    reason: str
    waived_by: str
    waived_on: date


# -- stock-taking 盘库 ----------------------------------------------------------------------


@event("inventory.StockTakeStarted")
class StockTakeStarted(DomainEvent):
    stocktake_id: str
    campus_id: str
    period: StockTakePeriod
    started_on: date
    started_by: str


@event("inventory.StockCounted")
class StockCounted(DomainEvent):
    stocktake_id: str
    item_id: str
    counted: int
    counted_by: str
    counted_at: datetime | None = None  # when it was counted (absent in counts recorded before it was kept)
    book: int | None = None  # what the book said when it was counted; the closing adjusts by counted - book


@event("inventory.StockTakeClosed")
class StockTakeClosed(DomainEvent):
    stocktake_id: str
    closed_on: date
    closed_by: str
    items: int
    variances: int


# -- room assets 各室资产 --------------------------------------------------------------------


@event("inventory.AssetRegistered")
class AssetRegistered(DomainEvent):
    asset_id: str
    tag: str
    campus_id: str
    room: str
    item_id: str | None
    description: str
    value_fen: int
    acquired_on: date
    registered_by: str


@event("inventory.AssetMoved")
class AssetMoved(DomainEvent):
    asset_id: str
    from_room: str
    to_room: str
    moved_on: date
    moved_by: str


@event("inventory.AssetDamaged")
class AssetDamaged(DomainEvent):
    asset_id: str
    cause: DamageCause
    description: str
    damaged_on: date
    recorded_by: str
    by_kind: ChargeAgainst | None = None  # who caused it, if a person
    by_id: str | None = None
    charge_fen: int = 0  # what the person pays, priced from the asset


@event("inventory.AssetRepaired")
class AssetRepaired(DomainEvent):
    asset_id: str
    repaired_on: date
    repaired_by: str
    note: str = ""


@event("inventory.AssetDisposalRequested")
class AssetDisposalRequested(DomainEvent):
    asset_id: str
    reason: str
    requested_by: str
    requested_on: date


@event("inventory.AssetDisposalApproved")
class AssetDisposalApproved(DomainEvent):
    asset_id: str
    approved_by: str
    approved_on: date


@event("inventory.AssetDisposed")
class AssetDisposed(DomainEvent):
    asset_id: str
    disposed_on: date
    disposed_by: str


@event("inventory.RoomAudited")
class RoomAudited(DomainEvent):
    audit_id: str
    campus_id: str
    room: str
    audited_on: date
    audited_by: str
    found_tags: list[str]
    missing: list[str]  # registered to the room, not found
    unregistered: list[str]  # found, not registered to the room


# -- keys 钥匙 -----------------------------------------------------------------------------


@event("inventory.KeyIssued")
class KeyIssued(DomainEvent):
    key_id: str
    campus_id: str
    door: str
    holder_id: str
    issued_on: date
    due_on: date
    issued_by: str


@event("inventory.KeyReturned")
class KeyReturned(DomainEvent):
    key_id: str
    returned_on: date
    received_by: str


@event("inventory.KeyLost")
class KeyLost(DomainEvent):
    key_id: str
    reported_on: date
    lock_changed: bool
    note: str = ""


# -- repairs 维修 --------------------------------------------------------------------------


@event("inventory.RepairReported")
class RepairReported(DomainEvent):
    repair_id: str
    campus_id: str
    place: str
    description: str
    reported_by: str
    reported_at: datetime
    source: RepairSource = RepairSource.REPORTED
    hazard_id: str | None = None  # the safety hazard it fixes
    assignee_id: str | None = None


@event("inventory.RepairAssigned")
class RepairAssigned(DomainEvent):
    repair_id: str
    assignee_id: str
    assigned_by: str
    assigned_at: datetime


@event("inventory.RepairDone")
class RepairDone(DomainEvent):
    repair_id: str
    done_by: str
    done_at: datetime
    note: str = ""


@event("inventory.RepairVerified")
class RepairVerified(DomainEvent):
    """A repair checked by a manager other than whoever did it.

    Contract read by the safety service (by wire name and payload, never by this class): a
    verified repair of a hazard (``hazard_id`` set) rectifies that hazard, and who did the repair
    (``done_by``, ``assignee_id``) may not verify the hazard. These fields are optional: a
    verification recorded before they were carried has none, and rectifies nothing."""

    repair_id: str
    verified_by: str
    verified_at: datetime
    hazard_id: str | None = None  # the safety hazard the repair fixes
    campus_id: str | None = None
    done_by: str | None = None  # who recorded the repair done
    done_at: datetime | None = None
    assignee_id: str | None = None  # to whom the repair was assigned when it was done
    note: str = ""  # what was done (the note of its completion)


# -- refusals that are facts of the school ---------------------------------------------------


@event("inventory.RepairVerificationFailed")
class RepairVerificationFailed(DomainEvent):
    """A repair checked and not accepted: it goes back to its assignee to be done again."""

    repair_id: str
    verified_by: str
    verified_at: datetime
    reason: str


@event("inventory.AssetDisposalRefused")
class AssetDisposalRefused(DomainEvent):
    """A requested disposal (报废) refused: the asset stays in use, and may be asked for again."""

    asset_id: str
    reason: str
    refused_by: str
    refused_on: date


# -- assets from accepted purchases 验收入账 -----------------------------------------------


@event("inventory.AssetReceived")
class AssetReceived(DomainEvent):
    """One unit of accepted equipment: an asset of the campus, waiting to be registered to a room
    (its tag and room, :class:`AssetRegistered`). Received once per purchase, line and unit."""

    asset_id: str
    campus_id: str
    item_id: str
    description: str
    value_fen: int
    purchase_id: str
    line: int
    unit: int  # 0-based, of the line's quantity
    accepted_on: date
    for_room: str | None = None  # the room the purchase said it is for
