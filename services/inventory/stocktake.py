"""Stock-taking (盘库): monthly or at the end of a term, the goods on the shelves are counted.

A stock-take is started on a campus (one open at a time), counts are recorded per
item (whoever counts is named; a recount replaces the count), and closing it makes
every count the book: each counted item's stock stream gets an adjustment where
the count differs, in the same transaction as the closing (dated by the closing's day).

A stock-take starts on a day (``on``); counts (``at``) and the closing (``on``) are dated
no earlier than that day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
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
    """What is on the shelf of one item; counting it again replaces the count."""

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
    """Facts: for StartStockTake, ``open_stocktake`` (the campus's open one, if any);
    for CloseStockTake, ``variances`` (how many counts differ from the book)."""
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
        if before is not None and before.counted == cmd.counted and before.counted_by == rc.actor:
            return []  # the same count again
        return [StockCounted(stocktake_id=rc.entity_id, item_id=cmd.item_id, counted=cmd.counted, counted_by=rc.actor)]
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
            count = Count(event.item_id, event.counted, event.counted_by)
            if state.count_of(event.item_id) is None:
                return replace(state, counts=(*state.counts, count))
            return replace(state, counts=tuple(count if c.item_id == event.item_id else c for c in state.counts))
        case StockTakeClosed():
            return replace(state, status=StockTakeStatus.CLOSED)
    return state


def adjustments(state: StockTakeState, stocktake_id: str) -> list[AdjustToCount]:
    """What closing does to the stock: every count becomes the book of its item."""
    return [
        AdjustToCount(
            campus_id=state.campus_id,
            item_id=c.item_id,
            counted=c.counted,
            stocktake_id=stocktake_id,
            counted_by=c.counted_by,
        )
        for c in state.counts
    ]


StockTake: Decider[StockTakeCommand, StockTakeState, DomainEvent] = Decider(
    "StockTake", StockTakeState(), decide, evolve, "stocktake", starts=(StartStockTake,)
)
