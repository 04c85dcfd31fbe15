"""The catalogue, the stock of each item on each campus, and quotas per department and term.

Stock lives in one stream per campus and item, so "never below zero" is decided
on the one state that counts. A requisition (领用清单) issues several lines at
once: each line is an issue on its stock stream and, unless it is an old-for-new
exchange (以旧换新), a consumption of its department's quota for the term; all
of it commits together or not at all.

Old for new (以旧换新) is not taken on trust: an exchange line says what was handed back
(what it is, its condition, and whether it is disposed of or repaired), kept on the line
and on its issue; an exchange without it, or a returned item on a line that is no exchange,
is refused (422 naming ``lines.<n>.returned``).

Every change is dated by its act (``at``); the lines of a requisition are issued at the
requisition's time, a purchase's goods received when it was accepted, and a stock-take's
adjustments made on the day it closes. Stock is not issued before the latest goods it holds
were received (or counted): an issue draws on the balance at its time. An adjustment is
dated no earlier than any movement of the stock (the count is what was on the shelf that
day, after all of them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from pydantic import Field

from services.eventkit.acts import ActAtOrNow, not_before
from services.eventkit.bounds import EntityId, Fen, Name, Quantity
from services.eventkit.commands import Command, examples
from services.eventkit.decider import Decider, Resolved
from services.eventkit.envelope import DomainEvent
from services.eventkit.errors import InvalidInput, Rejected
from services.inventory.events import (
    IssuedLine,
    ItemCatalogued,
    ItemRepriced,
    QuotaConsumed,
    QuotaOverrideApproved,
    QuotaSet,
    RecipientKind,
    ReorderPointChanged,
    RequisitionFulfilled,
    ReturnedCondition,
    ReturnedItem,
    ReturnedOutcome,
    StockAdjusted,
    StockIssued,
    StockReceived,
)

# -- catalogue ---------------------------------------------------------------------------


class CatalogueItem(Command):
    model_config = examples(
        {
            "item_id": "broom",
            "school_id": "xuexiao",
            "name": "笤帚",
            "unit": "把",
            "category": "卫生洁具",
            "consumable": True,
            "unit_price_fen": 1500,
            "reorder_point": 10,
            "at": "2020-08-17T09:00:00+08:00",
        }
    )

    item_id: EntityId
    school_id: EntityId
    name: Name
    unit: Name
    category: Name
    consumable: bool
    unit_price_fen: Fen = Field(description="Price in fen (分)")
    reorder_point: Quantity
    at: ActAtOrNow = None


class RepriceItem(Command):
    model_config = examples({"unit_price_fen": 1800, "at": "2020-11-02T09:00:00+08:00"})

    unit_price_fen: Fen
    at: ActAtOrNow = None


class ChangeReorderPoint(Command):
    model_config = examples({"reorder_point": 20, "at": "2020-11-02T09:00:00+08:00"})

    reorder_point: Quantity
    at: ActAtOrNow = None


@dataclass(frozen=True)
class ItemState:
    exists: bool = False
    consumable: bool = False
    unit_price_fen: int = 0
    reorder_point: int = 0


ItemCommand = Resolved[CatalogueItem] | Resolved[RepriceItem] | Resolved[ChangeReorderPoint]


def decide_item(rc: ItemCommand, state: ItemState) -> Sequence[DomainEvent]:
    cmd = rc.command
    if isinstance(cmd, CatalogueItem):
        if state.exists:
            raise Rejected(f"item {cmd.item_id} is already catalogued", field="item_id")
        return [
            ItemCatalogued(
                item_id=cmd.item_id,
                school_id=cmd.school_id,
                name=cmd.name,
                unit=cmd.unit,
                category=cmd.category,
                consumable=cmd.consumable,
                unit_price_fen=cmd.unit_price_fen,
                reorder_point=cmd.reorder_point,
            )
        ]
    if not state.exists:
        raise Rejected("the item is not catalogued")
    if isinstance(cmd, RepriceItem):
        return (
            []
            if cmd.unit_price_fen == state.unit_price_fen
            else [ItemRepriced(item_id=rc.entity_id, unit_price_fen=cmd.unit_price_fen)]
        )
    assert isinstance(cmd, ChangeReorderPoint)
    return (
        []
        if cmd.reorder_point == state.reorder_point
        else [ReorderPointChanged(item_id=rc.entity_id, reorder_point=cmd.reorder_point)]
    )


def evolve_item(state: ItemState, event: DomainEvent) -> ItemState:
    match event:
        case ItemCatalogued():
            return ItemState(True, event.consumable, event.unit_price_fen, event.reorder_point)
        case ItemRepriced():
            return replace(state, unit_price_fen=event.unit_price_fen)
        case ReorderPointChanged():
            return replace(state, reorder_point=event.reorder_point)
    return state


Item: Decider[ItemCommand, ItemState, DomainEvent] = Decider("Item", ItemState(), decide_item, evolve_item, "item")

# -- stock of an item on a campus --------------------------------------------------------


class ReceiveStock(Command):
    """Goods received by hand (not through an accepted purchase): a reason is required."""

    model_config = examples(
        {
            "campus_id": "main",
            "item_id": "broom",
            "quantity": 20,
            "reason": "区里调拨",
            "at": "2020-10-12T10:00:00+08:00",
        }
    )

    campus_id: EntityId
    item_id: EntityId
    quantity: Quantity = Field(gt=0)
    reason: Name
    at: ActAtOrNow = None


@dataclass(frozen=True)
class ReceiveFromPurchase:
    """Internal: goods of an accepted purchase (received when it was accepted)."""

    campus_id: str
    item_id: str
    quantity: int
    purchase_id: str


@dataclass(frozen=True)
class IssueFromStock:
    """Internal: one line of a requisition (issued at the requisition's time)."""

    campus_id: str
    item_id: str
    quantity: int
    recipient_kind: RecipientKind
    recipient_id: str
    department_id: str
    term_id: str
    requisition_id: str
    exchange: bool
    override_id: str | None
    line: int
    returned: ReturnedItem | None = None  # old for new: what was handed back


@dataclass(frozen=True)
class AdjustToCount:
    """Internal: a stock-take's count, booked on the day the stock-take closes.

    With ``counted_at`` (every count recorded since counts carry their time) the book is
    moved by the difference between the count and the book *at the moment of the count*
    (from the stream's movements dated up to then, so a movement entered late but dated
    before the count is in it): what was issued or received after the count stays. Without
    it (a count recorded before), the count becomes the book at the closing."""

    campus_id: str
    item_id: str
    counted: int
    stocktake_id: str
    counted_by: str
    counted_at: datetime | None = None


@dataclass(frozen=True)
class StockState:
    on_hand: int = 0
    stocked: str = ""  # how the latest goods came: received, or counted (a stock-take's adjustment)
    stocked_at: datetime | None = None  # when: an issue draws on the balance from then on
    last_moved: str = ""  # the latest movement of any kind: received, issued, counted
    last_moved_at: datetime | None = None
    moves: tuple[tuple[datetime, int], ...] = ()  # each movement's time and change of the book

    def book_at(self, at: datetime) -> int:
        """What the book said at ``at``: the movements dated no later than it."""
        return sum(delta for when, delta in self.moves if when <= at)


StockCommand = (
    Resolved[ReceiveStock] | Resolved[ReceiveFromPurchase] | Resolved[IssueFromStock] | Resolved[AdjustToCount]
)


def stock_id(campus_id: str, item_id: str) -> str:
    return f"{campus_id}-{item_id}"


def decide_stock(rc: StockCommand, state: StockState) -> Sequence[DomainEvent]:
    cmd = rc.command
    if isinstance(cmd, ReceiveStock | ReceiveFromPurchase):
        return [
            StockReceived(
                campus_id=cmd.campus_id,
                item_id=cmd.item_id,
                quantity=cmd.quantity,
                received_by=rc.actor,
                received_at=rc.at,
                purchase_id=getattr(cmd, "purchase_id", None),
                reason=getattr(cmd, "reason", ""),
            )
        ]
    if isinstance(cmd, IssueFromStock):
        not_before(rc.at, state.stocked_at, field="at", step=state.stocked, what=f"stock of {cmd.item_id}")
        if cmd.quantity > state.on_hand:
            raise Rejected(
                f"not enough {cmd.item_id} on hand: {state.on_hand}, asked for {cmd.quantity}",
                field=f"lines.{cmd.line}.quantity",
            )
        return [
            StockIssued(
                campus_id=cmd.campus_id,
                item_id=cmd.item_id,
                quantity=cmd.quantity,
                recipient_kind=cmd.recipient_kind,
                recipient_id=cmd.recipient_id,
                department_id=cmd.department_id,
                term_id=cmd.term_id,
                requisition_id=cmd.requisition_id,
                issued_by=rc.actor,
                issued_at=rc.at,
                exchange=cmd.exchange,
                override_id=cmd.override_id,
                returned=cmd.returned,
            )
        ]
    assert isinstance(cmd, AdjustToCount)
    # by the day: the stock-take closes on a day, after that day's movements
    not_before(rc.on, state.last_moved_at, field="on", step=state.last_moved, what=f"stock of {cmd.item_id}")
    book = state.on_hand if cmd.counted_at is None else state.book_at(cmd.counted_at)
    delta = cmd.counted - book
    if delta == 0:
        return []
    if state.on_hand + delta < 0:
        raise Rejected(
            f"{cmd.item_id}: {cmd.counted} counted against a book of {book}, but {book - state.on_hand} more were "
            f"issued since the count than received: count {cmd.item_id} again before closing",
            field=f"counts.{cmd.item_id}",
        )
    return [
        StockAdjusted(
            campus_id=cmd.campus_id,
            item_id=cmd.item_id,
            delta=delta,
            book=book,
            counted=cmd.counted,
            counted_by=cmd.counted_by,
            stocktake_id=cmd.stocktake_id,
            adjusted_at=rc.at,
            counted_at=cmd.counted_at,
        )
    ]


def evolve_stock(state: StockState, event: DomainEvent) -> StockState:
    match event:
        case StockReceived():
            state = _stocked(_moved(state, "received", event.received_at), "received", event.received_at)
            return _book(state, event.received_at, event.quantity)
        case StockIssued():
            return _book(_moved(state, "issued", event.issued_at), event.issued_at, -event.quantity)
        case StockAdjusted():
            state = _stocked(_moved(state, "counted", event.adjusted_at), "counted", event.adjusted_at)
            # a difference measured at the count corrects the book from the count on
            return _book(state, event.counted_at or event.adjusted_at, event.delta)
    return state


def _book(state: StockState, at: datetime, delta: int) -> StockState:
    return replace(state, on_hand=state.on_hand + delta, moves=(*state.moves, (at, delta)))


def _stocked(state: StockState, step: str, at: datetime) -> StockState:
    """``step`` as the latest goods put in stock, if ``at`` is later than those so far."""
    if state.stocked_at is not None and at < state.stocked_at:
        return state
    return replace(state, stocked=step, stocked_at=at)


def _moved(state: StockState, step: str, at: datetime) -> StockState:
    """``step`` as the latest movement, if ``at`` is later than those so far."""
    if state.last_moved_at is not None and at < state.last_moved_at:
        return state
    return replace(state, last_moved=step, last_moved_at=at)


Stock: Decider[StockCommand, StockState, DomainEvent] = Decider(
    "Stock", StockState(), decide_stock, evolve_stock, "stock"
)

# -- quotas ------------------------------------------------------------------------------


class SetQuota(Command):
    model_config = examples(
        {
            "campus_id": "main",
            "department_id": "office-teachers",
            "item_id": "pen",
            "term_id": "2020-2021-1",
            "quantity": 200,
            "at": "2020-08-28T10:00:00+08:00",
        }
    )

    campus_id: EntityId
    department_id: EntityId
    item_id: EntityId
    term_id: EntityId
    quantity: Quantity
    at: ActAtOrNow = None


class ApproveQuotaOverride(Command):
    model_config = examples(
        {
            "campus_id": "main",
            "department_id": "office-teachers",
            "item_id": "pen",
            "term_id": "2020-2021-1",
            "override_id": "pen-extra-1",
            "extra": 50,
            "reason": "期末监考用笔",
            "at": "2021-01-11T09:00:00+08:00",
        }
    )

    campus_id: EntityId
    department_id: EntityId
    item_id: EntityId
    term_id: EntityId
    override_id: EntityId
    extra: Quantity = Field(gt=0)
    reason: Name
    at: ActAtOrNow = None


@dataclass(frozen=True)
class ConsumeQuota:
    """Internal: a requisition line charged to the quota."""

    quantity: int
    requisition_id: str
    override_id: str | None
    line: int


@dataclass(frozen=True)
class QuotaState:
    quota: int | None = None
    used: int = 0
    overrides: tuple[tuple[str, int], ...] = ()

    @property
    def allowance(self) -> int:
        return (self.quota or 0) + sum(extra for _, extra in self.overrides)


QuotaCommand = Resolved[SetQuota] | Resolved[ApproveQuotaOverride] | Resolved[ConsumeQuota]


def quota_id(campus_id: str, department_id: str, item_id: str, term_id: str) -> str:
    return f"{campus_id}-{department_id}-{item_id}-{term_id}"


def decide_quota(rc: QuotaCommand, state: QuotaState) -> Sequence[DomainEvent]:
    cmd = rc.command
    if isinstance(cmd, SetQuota):
        if cmd.quantity == state.quota:
            return []
        return [
            QuotaSet(
                campus_id=cmd.campus_id,
                department_id=cmd.department_id,
                item_id=cmd.item_id,
                term_id=cmd.term_id,
                quantity=cmd.quantity,
            )
        ]
    if isinstance(cmd, ApproveQuotaOverride):
        if state.quota is None:
            raise Rejected("there is no quota to go beyond", field="item_id")
        if any(oid == cmd.override_id for oid, _ in state.overrides):
            raise Rejected(f"override {cmd.override_id} is already approved", field="override_id")
        return [
            QuotaOverrideApproved(
                campus_id=cmd.campus_id,
                department_id=cmd.department_id,
                item_id=cmd.item_id,
                term_id=cmd.term_id,
                override_id=cmd.override_id,
                extra=cmd.extra,
                reason=cmd.reason,
                approved_by=rc.actor,
            )
        ]
    assert isinstance(cmd, ConsumeQuota)
    if state.quota is None:
        return []  # an item without a fixed quantity for this department
    after = state.used + cmd.quantity
    field = f"lines.{cmd.line}.quantity"
    if after > state.quota:
        if cmd.override_id is None:
            raise Rejected(
                f"beyond the quota ({state.used} of {state.quota} used): an approved override is needed", field=field
            )
        if all(oid != cmd.override_id for oid, _ in state.overrides):
            raise Rejected(f"override {cmd.override_id} is not approved for this quota", field="override_id")
        if after > state.allowance:
            raise Rejected(f"beyond the quota and its overrides ({state.used} of {state.allowance} used)", field=field)
    return [
        QuotaConsumed(
            campus_id=rc.tenant.campus_id or "",
            department_id=rc.facts["department_id"],
            item_id=rc.facts["item_id"],
            term_id=rc.facts["term_id"],
            quantity=cmd.quantity,
            requisition_id=cmd.requisition_id,
            override_id=cmd.override_id if after > state.quota else None,
        )
    ]


def evolve_quota(state: QuotaState, event: DomainEvent) -> QuotaState:
    match event:
        case QuotaSet():
            return replace(state, quota=event.quantity)
        case QuotaOverrideApproved():
            return replace(state, overrides=(*state.overrides, (event.override_id, event.extra)))
        case QuotaConsumed():
            return replace(state, used=state.used + event.quantity)
    return state


Quota: Decider[QuotaCommand, QuotaState, DomainEvent] = Decider(
    "Quota", QuotaState(), decide_quota, evolve_quota, "quota"
)

# -- requisitions ------------------------------------------------------------------------


class ReturnedItemRequest(Command):
    """What was handed back for an old-for-new line (以旧换新)."""

    description: Name = Field(description="What was handed back, e.g. 笤帚 (断柄)")
    condition: ReturnedCondition = Field(description="Worn out by use, or broken in use")
    outcome: ReturnedOutcome = Field(description="Disposed of, or sent for repair")
    item_id: EntityId | None = Field(default=None, description="The catalogue item it is, if it is one")


class RequisitionLineRequest(Command):
    item_id: EntityId
    quantity: Quantity = Field(gt=0)
    exchange: bool = Field(
        default=False, description="Old for new: a worn or broken one was handed back (say which in returned)"
    )
    returned: ReturnedItemRequest | None = Field(
        default=None, description="Old for new: what was handed back; required with exchange, and only with it"
    )


class IssueRequisition(Command):
    model_config = examples(
        {
            "requisition_id": "req-2020-10-12-001",
            "campus_id": "main",
            "department_id": "office-teachers",
            "recipient_kind": "person",
            "recipient_id": "huang",
            "lines": [
                {"item_id": "pen", "quantity": 2},
                {
                    "item_id": "broom",
                    "quantity": 1,
                    "exchange": True,
                    "returned": {
                        "item_id": "broom",
                        "description": "笤帚 (断柄)",
                        "condition": "broken",
                        "outcome": "disposed",
                    },
                },
            ],
            "at": "2020-10-12T14:00:00+08:00",
        }
    )

    requisition_id: EntityId
    campus_id: EntityId
    department_id: EntityId
    recipient_kind: RecipientKind
    recipient_id: EntityId
    term_id: EntityId | None = Field(
        default=None, description="Default: the term of the day of the requisition in the school calendar"
    )
    lines: list[RequisitionLineRequest] = Field(min_length=1, max_length=100)
    override_id: EntityId | None = Field(default=None, description="An approved quota override, if a line needs one")
    at: ActAtOrNow = None


@dataclass(frozen=True)
class RequisitionState:
    fulfilled: bool = False


def decide_requisition(rc: Resolved[IssueRequisition], state: RequisitionState) -> Sequence[DomainEvent]:
    cmd = rc.command
    if state.fulfilled:
        raise Rejected(f"requisition {cmd.requisition_id} is already fulfilled", field="requisition_id")
    for i, li in enumerate(cmd.lines):
        if li.exchange and li.returned is None:
            raise InvalidInput(
                "old for new (以旧换新) says what was handed back: its description, condition and outcome",
                field=f"lines.{i}.returned",
            )
        if li.returned is not None and not li.exchange:
            raise InvalidInput(
                "something handed back makes an old-for-new line: set exchange", field=f"lines.{i}.exchange"
            )
    return [
        RequisitionFulfilled(
            requisition_id=cmd.requisition_id,
            campus_id=cmd.campus_id,
            department_id=cmd.department_id,
            recipient_kind=cmd.recipient_kind,
            recipient_id=cmd.recipient_id,
            term_id=rc.facts["term_id"],
            lines=[
                IssuedLine(item_id=li.item_id, quantity=li.quantity, exchange=li.exchange, returned=returned_item(li))
                for li in cmd.lines
            ],
            issued_by=rc.actor,
            issued_at=rc.at,
        )
    ]


def returned_item(line: RequisitionLineRequest) -> ReturnedItem | None:
    """What an old-for-new line says was handed back, as its events keep it."""
    r = line.returned
    if r is None:
        return None
    return ReturnedItem(description=r.description, condition=r.condition, outcome=r.outcome, item_id=r.item_id)


def evolve_requisition(state: RequisitionState, event: DomainEvent) -> RequisitionState:
    return RequisitionState(True) if isinstance(event, RequisitionFulfilled) else state


Requisition: Decider[Resolved[IssueRequisition], RequisitionState, DomainEvent] = Decider(
    "Requisition", RequisitionState(), decide_requisition, evolve_requisition, "requisition"
)
