"""Stock-taking (盘库): monthly or at the end of a term, the goods on the shelves are counted.

A stock-take is started on a campus (one open at a time), counts are recorded per
item (whoever counts is named; a recount replaces the count), and closing it books
every count: each counted item's stock stream gets an adjustment where the count
differs, in the same transaction as the closing (dated by the closing's day).

Each count is compared with the book *at the moment it was counted*, not at the closing:
issuing goes on while a stock-take is open (a school does not stop handing out pens for a
week), so the count records its time and what the book said then (``book``, looked up by
the count's route from the item's stock stream), and closing moves the book by
``counted - book at the count`` (recomputed at the closing from the stock stream's
movements dated up to the count, so one entered late but dated before the count is in
it). Goods issued or received after the count stay issued or received: 20 on the book,
18 counted at 15:00, 5 issued at 16:00, closed the next day: the book goes 20 → 15 → 13.
Issued before the count, they are in the book the count is compared with (15 on the book,
13 counted: 13). A closing that would take the book below zero (more issued after the
count than were counted) is refused, naming the count to take again. Counts recorded
before counts carried their time (no ``counted_at``) become the book at the closing.

A stock-take starts on a day (``on``); counts (``at``) and the closing (``on``) are dated
no earlier than that day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from services.eventkit.acts import ActAtOrNow, ActOn, not_before
from services.eventkit.bounds import EntityId, Quantity
from services.eventkit.commands import Command, examples
from services.eventkit.decider import Decider, Resolved
from services.eventkit.envelope import DomainEvent
from services.eventkit.errors import Rejected
from services.inventory.events import StockCounted, StockTakeClosed, StockTakePeriod, StockTakeStarted
from services.inventory.stock import AdjustToCount

# -- commands ----------------------------------------------------------------------------


class StartStockTake(Command):
    model_config = examples(
        {"stocktake_id": "st-main-2020-10", "campus_id": "main", "period": "monthly", "on": "2020-10-30"}
    )

    stocktake_id: EntityId
    campus_id: EntityId
    period: StockTakePeriod
    on: ActOn


class RecordCount(Command):
    """What is on the shelf of one item at ``at``, compared with the book then; counting it
    again replaces the count."""

    model_config = examples({"item_id": "broom", "counted": 18, "at": "2020-10-30T15:00:00+08:00"})

    item_id: EntityId
    counted: Quantity
    at: ActAtOrNow = None


class CloseStockTake(Command):
    model_config = examples({"on": "2020-10-31"})

    on: ActOn


# -- state -------------------------------------------------------------------------------


class StockTakeStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True)
class Count:
    item_id: str
    counted: int
    counted_by: str
    counted_at: datetime | None = None  # absent in counts recorded before counts carried their time
    book: int | None = None  # the book when it was counted

    @property
    def difference(self) -> int | None:
        """Counted minus the book at the count."""
        return None if self.book is None else self.counted - self.book


@dataclass(frozen=True)
class StockTakeState:
    status: StockTakeStatus | None = None
    campus_id: str = ""
    counts: tuple[Count, ...] = ()  # the latest count of each item, in the order first counted
    started_on: date | None = None

    def count_of(self, item_id: str) -> Count | None:
        return next((c for c in self.counts if c.item_id == item_id), None)


StockTakeCommand = Resolved[StartStockTake] | Resolved[RecordCount] | Resolved[CloseStockTake]


def decide(rc: StockTakeCommand, state: StockTakeState) -> Sequence[DomainEvent]:
    """Facts: for StartStockTake, ``open_stocktake`` (the campus's open one, if any); for
    RecordCount, ``book`` (the item's book at the count's time, if looked up); for
    CloseStockTake, ``variances`` (how many counts differ from the book)."""
    cmd = rc.command
    if isinstance(cmd, StartStockTake):
        if state.status is not None:
            raise Rejected(f"stock-take {cmd.stocktake_id} already exists", field="stocktake_id")
        open_one = rc.facts.get("open_stocktake")
        if open_one:
            raise Rejected(
                f"stock-take {open_one} is still open on campus {cmd.campus_id}: close it first", field="campus_id"
            )
        return [
            StockTakeStarted(
                stocktake_id=cmd.stocktake_id,
                campus_id=cmd.campus_id,
                period=cmd.period,
                started_on=cmd.on,
                started_by=rc.actor,
            )
        ]
    if state.status is None:
        raise Rejected("the stock-take was never started")
    if state.status is StockTakeStatus.CLOSED:
        raise Rejected("the stock-take is closed: nothing more is counted or closed")
    field = "at" if isinstance(cmd, RecordCount) else "on"
    not_before(rc.at if field == "at" else rc.on, state.started_on, field=field, step="started", what="stock-take")
    if isinstance(cmd, RecordCount):
        before = state.count_of(cmd.item_id)
        book = int(rc.facts["book"]) if rc.facts.get("book") else None
        if (
            before is not None
            and before.counted == cmd.counted
            and before.counted_by == rc.actor
            and before.book == book
        ):
            return []  # the same count again, against the same book
        return [
            StockCounted(
                stocktake_id=rc.entity_id,
                item_id=cmd.item_id,
                counted=cmd.counted,
                counted_by=rc.actor,
                counted_at=rc.at,
                book=book,
            )
        ]
    assert isinstance(cmd, CloseStockTake)
    if not state.counts:
        raise Rejected("a stock-take is closed with at least one count")
    return [
        StockTakeClosed(
            stocktake_id=rc.entity_id,
            closed_on=cmd.on,
            closed_by=rc.actor,
            items=len(state.counts),
            variances=int(rc.facts.get("variances", "0")),
        )
    ]


def evolve(state: StockTakeState, event: DomainEvent) -> StockTakeState:
    match event:
        case StockTakeStarted():
            return StockTakeState(StockTakeStatus.OPEN, event.campus_id, started_on=event.started_on)
        case StockCounted():
            count = Count(event.item_id, event.counted, event.counted_by, event.counted_at, event.book)
            if state.count_of(event.item_id) is None:
                return replace(state, counts=(*state.counts, count))
            return replace(state, counts=tuple(count if c.item_id == event.item_id else c for c in state.counts))
        case StockTakeClosed():
            return replace(state, status=StockTakeStatus.CLOSED)
    return state


def adjustments(state: StockTakeState, stocktake_id: str) -> list[AdjustToCount]:
    """What closing does to the stock: each count moves the book of its item by its difference
    from the book at the count (a count without its time: becomes the book)."""
    return [
        AdjustToCount(
            campus_id=state.campus_id,
            item_id=c.item_id,
            counted=c.counted,
            stocktake_id=stocktake_id,
            counted_by=c.counted_by,
            counted_at=c.counted_at,
        )
        for c in state.counts
    ]


StockTake: Decider[StockTakeCommand, StockTakeState, DomainEvent] = Decider(
    "StockTake", StockTakeState(), decide, evolve, "stocktake", starts=(StartStockTake,)
)
