"""What the inventory's reads answer: the OpenAPI of each read route names its model here
(the columns of the queries beside it, with their types and which may be null)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from services.eventkit.queries import Row


class Tenant(Row):
    district_id: str | None
    school_id: str | None
    campus_id: str


class Item(Row):
    item_id: str
    school_id: str
    name: str
    unit: str
    category: str
    consumable: bool
    unit_price_fen: int
    reorder_point: int


class PurchaseStep(Row):
    """How many purchases of a campus are at one step, and for how much (the actual total once known)."""

    campus_id: str
    status: str
    purchases: int
    amount_fen: int | None


class Purchase(Tenant):
    purchase_id: str
    category: str
    status: str
    reason: str
    requested_by: str
    requested_at: datetime
    estimated_fen: int
    lines: list[dict[str, Any]]
    decided_by: str | None
    supplier: str | None
    total_fen: int | None
    signers: list[str]
    accepted_at: datetime | None
    invoice_ref: str | None
    settled_fen: int | None
    settled_on: date | None


class KeyLoan(Row):
    loan: int
    holder_id: str
    door: str
    issued_on: date
    due_on: date
    issued_by: str
    ended: str | None
    ended_on: date | None


class Key(Tenant):
    key_id: str
    door: str
    state: str
    holder_id: str
    issued_on: date
    due_on: date
    issued_by: str
    returned_on: date | None
    received_by: str | None
    lost_on: date | None
    lock_changed: bool | None
    note: str
    loans: int


class KeyFile(Key):
    """A key with every time it was issued."""

    history: list[KeyLoan]


class Repair(Tenant):
    repair_id: str
    place: str
    description: str
    source: str
    hazard_id: str | None
    state: str
    reported_by: str
    reported_at: datetime
    assignee_id: str | None
    assigned_by: str | None
    assigned_at: datetime | None
    done_by: str | None
    done_at: datetime | None
    note: str
    verified_by: str | None
    verified_at: datetime | None
    turnaround_hours: float | None
    failed_verifications: int = 0
    failed_by: str | None = None
    failed_at: datetime | None = None
    failed_reason: str | None = None


class Charge(Tenant):
    charge_id: str
    against: str
    against_id: str
    item_id: str | None
    asset_id: str | None
    quantity: int
    amount_fen: int
    reason: str
    charged_by: str
    charged_at: datetime
    damage_event_id: str | None
    status: str
    paid_on: date | None
    receipt_ref: str | None
    waived_on: date | None
    waived_reason: str | None
    closed_by: str | None


class StockTakeCount(Row):
    item_id: str
    counted: int
    counted_by: str
    counted_at: datetime | None = None
    book_at_count: int | None = None  # what the book said when it was counted
    difference: int | None = None  # counted minus the book at the count
    book: int | None
    delta: int | None


class VarianceLine(Row):
    item_id: str
    book: int
    counted: int
    delta: int
    counted_by: str
    adjusted_at: datetime


class StockTake(Tenant):
    stocktake_id: str
    period: str
    started_on: date
    started_by: str
    status: str
    closed_on: date | None
    closed_by: str | None
    items: int | None
    variances: int | None
    counts: list[StockTakeCount]
    variance_lines: list[VarianceLine]


class Room(Row):
    """A room's assets not disposed of, and what they are worth."""

    campus_id: str
    room: str
    assets: int
    value_fen: int
    damaged: int
    tags: list[str]


class Damage(Row):
    event_id: str
    room: str
    cause: str
    by_kind: str | None
    by_id: str | None
    description: str
    damaged_on: date
    recorded_by: str
    charge_fen: int


class AssetCharge(Row):
    charge_id: str
    against: str
    against_id: str
    amount_fen: int
    status: str
    damage_event_id: str | None


class Asset(Tenant):
    asset_id: str
    tag: str
    room: str
    item_id: str | None
    description: str
    value_fen: int
    acquired_on: date
    registered_by: str
    status: str
    damaged: bool
    damages: int
    disposal_reason: str | None
    disposal_requested_by: str | None
    disposal_approved_by: str | None
    disposed_on: date | None
    disposal_refusals: int = 0
    disposal_refused_by: str | None = None
    disposal_refused_on: date | None = None
    disposal_refusal_reason: str | None = None
    damage_records: list[Damage]
    charges: list[AssetCharge]


class Quota(Row):
    """A department's quota of an item for a term: set, overridden (approved beyond it), used,
    and left (set plus overridden minus used; null without a quota set)."""

    campus_id: str
    department_id: str
    item_id: str
    term_id: str
    quota: int | None
    overrides: int
    used: int
    left: int | None = None
    term_name: str | None = None
    current: bool | None = None  # the term of the day asked about (default today)
    key: str | None
    school_id: str | None
    district_id: str | None


class StockLevel(Row):
    """Stock of an item on a campus (the inventory counts), as of a day."""

    campus_id: str
    item_id: str
    name: str | None
    unit: str | None
    category: str | None
    on_hand: int | None
    received: int | None
    issued: int | None
    adjusted: int | None
    reorder_point: int | None
    below_reorder_point: bool | None
    as_of: date | None
    issued_this_month: int | None
    quota_used: int | None
    quota: int | None
    term_id: str | None = None  # the term quota_used and quota are of: that of as_of
    key: str | None
    school_id: str | None
    district_id: str | None


class KeyOnDay(Key):
    """An outstanding key on a day, and by how many days it is overdue then."""

    as_of: date | None
    days_overdue: int | None


class RepairOnDay(Repair):
    as_of: date | None


class OpenRepair(RepairOnDay):
    age_hours: float | None
    age_days: int | None


class RoomAudit(Tenant):
    audit_id: str
    room: str
    audited_on: date
    audited_by: str
    found_tags: list[str]
    missing: list[str]
    unregistered: list[str]


class RequisitionList(Tenant):
    """A requisition list (领用清单) as issued: to whom, for which department and term, its lines."""

    requisition_id: str
    department_id: str
    recipient_kind: str
    recipient_id: str
    term_id: str
    lines: list[dict[str, Any]]
    issued_by: str
    issued_at: datetime


class ClassDamage(Row):
    """Damage to assets by one class (or its students) in one month, for the class evaluation
    (善真中队评比): how many, and what was charged for them, paid and waived."""

    campus_id: str
    class_id: str
    class_name: str | None
    month: str
    damages: int
    assets: int
    charged_fen: int
    paid_fen: int
    waived_fen: int
    key: str | None
    school_id: str | None
    district_id: str | None


# -- asset registration 各室财产登记 ----------------------------------------------------------


class RegistrationAsset(Tenant):
    """An asset in the registration's count: received from an accepted purchase and waiting to be
    registered to a room, or registered to one."""

    asset_id: str
    status: str  # waiting | registered | disposed
    item_id: str | None
    description: str
    value_fen: int
    purchase_id: str | None
    line: int | None
    unit: int | None
    accepted_on: date | None
    for_room: str | None
    room: str | None
    tag: str | None
    acquired_on: date | None
    registered_by: str | None


class RoomRegistration(Tenant):
    """A room's registration: assets registered to it, and those bought for it still waiting
    (``room`` empty: bought for no room named). Complete when none waits."""

    room: str
    room_key: str
    registered: int
    waiting: int
    waiting_fen: int
    complete: bool


class CampusRegistration(Tenant):
    """A campus's registration: its rooms, how many are complete, assets registered and waiting."""

    rooms: int
    rooms_complete: int
    registered: int
    waiting: int
    waiting_fen: int
    complete: bool
