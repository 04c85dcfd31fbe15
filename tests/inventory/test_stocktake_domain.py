"""Stock-taking, given / when / then (and what closing does to the stock)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from services.eventkit.acts import OutOfOrder
from services.eventkit.envelope import TenantPath
from services.inventory.events import (
    RecipientKind,
    StockAdjusted,
    StockCounted,
    StockIssued,
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
from tests.deciders import Stream

MAIN = TenantPath(district_id="xinbei", school_id="xuexiao", campus_id="main")
T0 = datetime(2020, 10, 30, 8, 30, tzinfo=UTC)
T1 = datetime(2020, 11, 2, 8, 0, tzinfo=UTC)  # when the commands arrive: counts without a time are counted then

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


stocktake = Stream(StockTake, MAIN, "st1", actor="zhou", at=T1)
stock = Stream(Stock, MAIN, actor="gu", at=T0)


START = StartStockTake(stocktake_id="st1", campus_id="main", period=StockTakePeriod.MONTHLY, on=date(2020, 10, 30))


def test_a_stock_take_is_started_by_its_actor() -> None:
    assert stocktake.when(START, facts={"open_stocktake": ""}) == [STARTED]


def test_one_stock_take_is_open_per_campus() -> None:
    stocktake.refused(START, facts={"open_stocktake": "st0"}, match="st0 is still open", field="campus_id")


def test_a_stock_take_is_started_once() -> None:
    stocktake.refused(START, given=[STARTED])


def test_a_count_names_its_counter_and_a_recount_replaces_it() -> None:
    counted = stocktake.when(RecordCount(item_id="broom", counted=18), given=[STARTED], actor="li-guard")
    assert counted == [BROOMS.model_copy(update={"counted_at": T1})]  # counted when the command arrived
    recount = stocktake.when(RecordCount(item_id="broom", counted=17), given=[STARTED, BROOMS], actor="zhou")
    assert recount == [StockCounted(stocktake_id="st1", item_id="broom", counted=17, counted_by="zhou", counted_at=T1)]
    state = stocktake.given(STARTED, BROOMS, GLOVES, *recount)
    assert [(c.item_id, c.counted, c.counted_by) for c in state.counts] == [
        ("broom", 17, "zhou"),
        ("gloves", 40, "zhou"),
    ]


def test_the_same_count_again_records_nothing() -> None:
    assert stocktake.when(RecordCount(item_id="broom", counted=18), given=[STARTED, BROOMS], actor="li-guard") == []


def test_nothing_is_counted_after_closing_nor_before_starting() -> None:
    stocktake.refused(RecordCount(item_id="broom", counted=3), given=[STARTED, BROOMS, GLOVES, CLOSED], match="closed")
    stocktake.refused(RecordCount(item_id="broom", counted=3), match="never started")


def test_closing_needs_a_count() -> None:
    stocktake.refused(CloseStockTake(on=date(2020, 10, 31)), given=[STARTED], match="at least one count")


def test_closing_says_how_many_items_and_variances_and_closes_once() -> None:
    closed = stocktake.when(
        CloseStockTake(on=date(2020, 10, 31)),
        given=[STARTED, BROOMS, GLOVES],
        actor="gu",
        facts={"variances": "1"},
    )
    assert closed == [CLOSED]
    assert stocktake.given(STARTED, BROOMS, GLOVES, CLOSED).status is StockTakeStatus.CLOSED
    stocktake.refused(CloseStockTake(on=date(2020, 10, 31)), given=[STARTED, BROOMS, GLOVES, CLOSED], match="closed")


def test_closing_makes_each_count_the_book_where_it_differs_with_the_counters_name() -> None:
    state = stocktake.given(STARTED, BROOMS, GLOVES)
    adjust = adjustments(state, "st1")
    assert adjust == [
        AdjustToCount(campus_id="main", item_id="broom", counted=18, stocktake_id="st1", counted_by="li-guard"),
        AdjustToCount(campus_id="main", item_id="gloves", counted=40, counted_by="zhou", stocktake_id="st1"),
    ]
    brooms_on_hand = StockReceived(campus_id="main", item_id="broom", quantity=20, received_by="zhou", received_at=T0)
    [adjusted] = stock.when(adjust[0], given=[brooms_on_hand], entity_id="main-broom")
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
    gloves_on_hand = StockReceived(campus_id="main", item_id="gloves", quantity=40, received_by="zhou", received_at=T0)
    assert stock.when(adjust[1], given=[gloves_on_hand], entity_id="main-gloves") == []


def test_nothing_is_counted_nor_closed_before_the_stock_take_started() -> None:
    early = RecordCount(item_id="broom", counted=3, at=datetime(2020, 10, 29, 15, 0, tzinfo=UTC))  # 23:00 at the school
    refusal = stocktake.refused(early, given=[STARTED], field="at", raises=OutOfOrder)
    assert isinstance(refusal, OutOfOrder) and (refusal.step, refusal.step_time) == ("started", date(2020, 10, 30))
    refusal = stocktake.refused(
        CloseStockTake(on=date(2020, 10, 29)), given=[STARTED, BROOMS], field="on", raises=OutOfOrder
    )
    assert isinstance(refusal, OutOfOrder) and refusal.step == "started"
    # on the day it started, at the school, is fine
    same_day = RecordCount(item_id="broom", counted=3, at=datetime(2020, 10, 29, 16, 30, tzinfo=UTC))
    assert stocktake.when(same_day, given=[STARTED]) != []


def test_an_adjustment_is_not_dated_before_a_movement_of_the_stock() -> None:
    issued_later = StockIssued(
        campus_id="main",
        item_id="broom",
        quantity=2,
        recipient_kind=RecipientKind.PERSON,
        recipient_id="huang",
        department_id="office",
        term_id="2020-2021-1",
        requisition_id="req-1",
        issued_by="zhou",
        issued_at=datetime(2020, 11, 3, 2, 0, tzinfo=UTC),
    )
    brooms_on_hand = StockReceived(campus_id="main", item_id="broom", quantity=20, received_by="zhou", received_at=T0)
    adjust = AdjustToCount(campus_id="main", item_id="broom", counted=18, stocktake_id="st1", counted_by="li-guard")
    refusal = stock.refused(
        adjust, given=[brooms_on_hand, issued_later], entity_id="main-broom", field="on", raises=OutOfOrder, at=T1
    )
    assert isinstance(refusal, OutOfOrder) and refusal.step == "issued"
