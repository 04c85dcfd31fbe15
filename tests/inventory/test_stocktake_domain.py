"""Stock-taking, given / when / then (and what closing does to the stock)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

import pytest

from services.eventkit.decider import Resolved
from services.eventkit.envelope import DomainEvent, TenantPath
from services.eventkit.errors import Rejected
from services.inventory.events import (
    StockAdjusted,
    StockCounted,
    StockReceived,
    StockTakeClosed,
    StockTakePeriod,
    StockTakeStarted,
)
from services.inventory.stock import AdjustToCount, Stock
from services.inventory.stocktake import (
    CloseStockTake,
    RecordCount,
    StartStockTake,
    StockTake,
    StockTakeStatus,
    adjustments,
)

MAIN = TenantPath(district_id="xinbei", school_id="xuexiao", campus_id="main")
T0 = datetime(2020, 10, 30, 8, 30, tzinfo=UTC)

STARTED = StockTakeStarted(
    stocktake_id="st1",
    campus_id="main",
    period=StockTakePeriod.MONTHLY,
    started_on=date(2020, 10, 30),
    started_by="zhou",
)
BROOMS = StockCounted(stocktake_id="st1", item_id="broom", counted=18, counted_by="li-guard")
GLOVES = StockCounted(stocktake_id="st1", item_id="gloves", counted=40, counted_by="zhou")
CLOSED = StockTakeClosed(stocktake_id="st1", closed_on=date(2020, 10, 31), closed_by="gu", items=2, variances=1)


def when(
    given: Sequence[DomainEvent], command: Any, actor: str = "zhou", facts: dict[str, str] | None = None
) -> list[DomainEvent]:
    state = StockTake.fold(given)
    return list(StockTake.decide(Resolved(command, MAIN, "st1", facts or {}, actor=actor, at=T0), state))


START = StartStockTake(
    stocktake_id="st1", campus_id="main", period=StockTakePeriod.MONTHLY, started_on=date(2020, 10, 30)
)


def test_a_stock_take_is_started_by_its_actor() -> None:
    assert when([], START, facts={"open_stocktake": ""}) == [STARTED]


def test_one_stock_take_is_open_per_campus() -> None:
    with pytest.raises(Rejected, match="st0 is still open") as refused:
        when([], START, facts={"open_stocktake": "st0"})
    assert refused.value.field == "campus_id"


def test_a_stock_take_is_started_once() -> None:
    with pytest.raises(Rejected):
        when([STARTED], START)


def test_a_count_names_its_counter_and_a_recount_replaces_it() -> None:
    assert when([STARTED], RecordCount(item_id="broom", counted=18), actor="li-guard") == [BROOMS]
    recount = when([STARTED, BROOMS], RecordCount(item_id="broom", counted=17), actor="zhou")
    assert recount == [StockCounted(stocktake_id="st1", item_id="broom", counted=17, counted_by="zhou")]
    state = StockTake.fold([STARTED, BROOMS, GLOVES, *recount])
    assert [(c.item_id, c.counted, c.counted_by) for c in state.counts] == [
        ("broom", 17, "zhou"),
        ("gloves", 40, "zhou"),
    ]


def test_the_same_count_again_records_nothing() -> None:
    assert when([STARTED, BROOMS], RecordCount(item_id="broom", counted=18), actor="li-guard") == []


def test_nothing_is_counted_after_closing_nor_before_starting() -> None:
    with pytest.raises(Rejected, match="closed"):
        when([STARTED, BROOMS, GLOVES, CLOSED], RecordCount(item_id="broom", counted=3))
    with pytest.raises(Rejected, match="never started"):
        when([], RecordCount(item_id="broom", counted=3))


def test_closing_needs_a_count() -> None:
    with pytest.raises(Rejected, match="at least one count"):
        when([STARTED], CloseStockTake(closed_on=date(2020, 10, 31)))


def test_closing_says_how_many_items_and_variances_and_closes_once() -> None:
    closed = when([STARTED, BROOMS, GLOVES], CloseStockTake(closed_on=date(2020, 10, 31)), "gu", {"variances": "1"})
    assert closed == [CLOSED]
    assert StockTake.fold([STARTED, BROOMS, GLOVES, CLOSED]).status is StockTakeStatus.CLOSED
    with pytest.raises(Rejected, match="closed"):
        when([STARTED, BROOMS, GLOVES, CLOSED], CloseStockTake(closed_on=date(2020, 10, 31)))


def test_closing_makes_each_count_the_book_where_it_differs_with_the_counters_name() -> None:
    state = StockTake.fold([STARTED, BROOMS, GLOVES])
    adjust = adjustments(state, "st1")
    assert adjust == [
        AdjustToCount(campus_id="main", item_id="broom", counted=18, stocktake_id="st1", counted_by="li-guard"),
        AdjustToCount(campus_id="main", item_id="gloves", counted=40, counted_by="zhou", stocktake_id="st1"),
    ]
    brooms_on_hand = Stock.fold(
        [StockReceived(campus_id="main", item_id="broom", quantity=20, received_by="zhou", received_at=T0)]
    )
    [adjusted] = Stock.decide(Resolved(adjust[0], MAIN, "main-broom", actor="gu", at=T0), brooms_on_hand)
    assert adjusted == StockAdjusted(
        campus_id="main",
        item_id="broom",
        delta=-2,
        book=20,
        counted=18,
        counted_by="li-guard",
        stocktake_id="st1",
        adjusted_at=T0,
    )
    gloves_on_hand = Stock.fold(
        [StockReceived(campus_id="main", item_id="gloves", quantity=40, received_by="zhou", received_at=T0)]
    )
    assert Stock.decide(Resolved(adjust[1], MAIN, "main-gloves", actor="gu", at=T0), gloves_on_hand) == []
