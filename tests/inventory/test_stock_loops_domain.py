"""The loops of the inventory, given / when / then: each count compared with the book at its
moment (issued before the count, or after it and before the closing), a closing that would take
the book below zero, old for new with what was handed back, a failed repair verification and a
refused disposal as events."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.eventkit.envelope import TenantPath
from services.eventkit.errors import InvalidInput
from services.inventory.assets import ApproveDisposal, Asset, Disposal, RefuseDisposal, RequestDisposal
from services.inventory.events import (
    AssetDisposalRefused,
    AssetDisposalRequested,
    AssetRegistered,
    RecipientKind,
    RepairAssigned,
    RepairDone,
    RepairReported,
    RepairVerificationFailed,
    ReturnedCondition,
    ReturnedItem,
    ReturnedOutcome,
    StockAdjusted,
    StockCounted,
    StockIssued,
    StockReceived,
    StockTakePeriod,
    StockTakeStarted,
)
from services.inventory.repairs import CompleteRepair, Repair, RepairStatus, VerifyRepair
from services.inventory.stock import (
    IssueRequisition,
    Requisition,
    RequisitionLineRequest,
    ReturnedItemRequest,
    Stock,
)
from services.inventory.stocktake import RecordCount, StockTake, adjustments
from tests.deciders import Stream

MAIN = TenantPath(district_id="xinbei", school_id="xuexiao", campus_id="main")
RECEIVED = datetime(2020, 10, 12, 2, 0, tzinfo=UTC)
BEFORE_COUNT = datetime(2020, 10, 30, 6, 0, tzinfo=UTC)  # 14:00 at the school
COUNTED = datetime(2020, 10, 30, 7, 0, tzinfo=UTC)  # 15:00
AFTER_COUNT = datetime(2020, 10, 30, 8, 0, tzinfo=UTC)  # 16:00
CLOSING = datetime(2020, 10, 31, 1, 0, tzinfo=UTC)

stock = Stream(Stock, MAIN, "main-pen", actor="zhou", at=CLOSING)
stocktake = Stream(StockTake, MAIN, "st1", actor="li-guard", at=COUNTED)

STARTED = StockTakeStarted(
    stocktake_id="st1",
    campus_id="main",
    period=StockTakePeriod.MONTHLY,
    started_on=date(2020, 10, 30),
    started_by="zhou",
)
TWENTY = StockReceived(campus_id="main", item_id="pen", quantity=20, received_by="zhou", received_at=RECEIVED)


def issued(n: int, at: datetime) -> StockIssued:
    return StockIssued(
        campus_id="main",
        item_id="pen",
        quantity=n,
        recipient_kind=RecipientKind.PERSON,
        recipient_id="huang",
        department_id="office",
        term_id="2020-2021-1",
        requisition_id=f"req-{at.hour}",
        issued_by="zhou",
        issued_at=at,
    )


def count_of(counted: int, book: int) -> StockCounted:
    """What the count's route records: the count, its time and the book then."""
    [event] = stocktake.when(
        RecordCount(item_id="pen", counted=counted, at=COUNTED), given=[STARTED], facts={"book": str(book)}
    )
    assert isinstance(event, StockCounted) and (event.book, event.counted_at) == (book, COUNTED)
    return event


def close(count: StockCounted, *movements: StockIssued) -> list[StockAdjusted]:
    [adjust] = adjustments(stocktake.given(STARTED, count), "st1")
    assert adjust.counted_at == COUNTED
    events = stock.when(adjust, given=[TWENTY, *movements])
    assert all(isinstance(e, StockAdjusted) for e in events)
    return events  # type: ignore[return-value]


def test_issued_after_the_count_before_the_closing_stays_issued() -> None:
    count = count_of(18, book=stock.given(TWENTY).book_at(COUNTED))  # 20 on the book at 15:00
    later = issued(5, AFTER_COUNT)
    [adjusted] = close(count, later)
    assert (adjusted.book, adjusted.counted, adjusted.delta, adjusted.counted_at) == (20, 18, -2, COUNTED)
    assert stock.given(TWENTY, later, adjusted).on_hand == 13  # 18 on the shelf, 5 of them issued since


def test_issued_before_the_count_is_in_the_book_it_is_compared_with() -> None:
    earlier = issued(5, BEFORE_COUNT)
    count = count_of(13, book=stock.given(TWENTY, earlier).book_at(COUNTED))
    assert count.book == 15
    [adjusted] = close(count, earlier)
    assert (adjusted.book, adjusted.delta) == (15, -2)
    assert stock.given(TWENTY, earlier, adjusted).on_hand == 13


def test_an_issue_entered_late_but_dated_before_the_count_is_in_the_book_at_the_closing() -> None:
    count = count_of(13, book=20)  # when the count was recorded, the issue at 14:00 was not typed in yet
    [adjusted] = close(count, issued(5, BEFORE_COUNT))
    assert (adjusted.book, adjusted.delta) == (15, -2)


def test_a_count_as_the_book_says_adjusts_nothing_whatever_was_issued_after_it() -> None:
    assert close(count_of(20, book=20), issued(5, AFTER_COUNT)) == []


def test_a_closing_that_would_take_the_book_below_zero_names_the_count_to_take_again() -> None:
    [adjust] = adjustments(stocktake.given(STARTED, count_of(2, book=20)), "st1")
    stock.refused(adjust, given=[TWENTY, issued(19, AFTER_COUNT)], field="counts.pen", match="count pen again")


def test_a_count_recorded_before_counts_carried_their_time_becomes_the_book_at_the_closing() -> None:
    old = StockCounted(stocktake_id="st1", item_id="pen", counted=18, counted_by="li-guard")
    [adjust] = adjustments(stocktake.given(STARTED, old), "st1")
    assert adjust.counted_at is None
    [adjusted] = stock.when(adjust, given=[TWENTY, issued(5, AFTER_COUNT)])
    assert isinstance(adjusted, StockAdjusted) and (adjusted.book, adjusted.delta) == (15, 3)


def test_a_recount_against_another_book_is_recorded() -> None:
    first = count_of(18, book=20)
    again = stocktake.when(
        RecordCount(item_id="pen", counted=18, at=AFTER_COUNT), given=[STARTED, first], facts={"book": "15"}, at=CLOSING
    )
    assert [(e.counted, e.book) for e in again if isinstance(e, StockCounted)] == [(18, 15)]
    same = stocktake.when(RecordCount(item_id="pen", counted=18), given=[STARTED, first], facts={"book": "20"})
    assert same == []


# -- old for new ----------------------------------------------------------------------------

requisition = Stream(Requisition, MAIN, "req-1", actor="zhou", at=CLOSING, facts={"term_id": "2020-2021-1"})
BROKEN = ReturnedItemRequest(
    description="笤帚 (断柄)", condition=ReturnedCondition.BROKEN, outcome=ReturnedOutcome.DISPOSED, item_id="broom"
)


def issue(*lines: RequisitionLineRequest) -> IssueRequisition:
    return IssueRequisition(
        requisition_id="req-1",
        campus_id="main",
        department_id="office",
        recipient_kind=RecipientKind.PERSON,
        recipient_id="huang",
        lines=list(lines),
    )


def test_old_for_new_without_what_was_handed_back_is_refused_naming_the_line() -> None:
    lines = (
        RequisitionLineRequest(item_id="pen", quantity=2),
        RequisitionLineRequest(item_id="broom", quantity=1, exchange=True),
    )
    requisition.refused(issue(*lines), raises=InvalidInput, field="lines.1.returned")
    not_exchanged = RequisitionLineRequest(item_id="broom", quantity=1, returned=BROKEN)
    requisition.refused(issue(not_exchanged), raises=InvalidInput, field="lines.0.exchange")


def test_old_for_new_keeps_what_was_handed_back_on_its_line() -> None:
    [fulfilled] = requisition.when(
        issue(RequisitionLineRequest(item_id="broom", quantity=1, exchange=True, returned=BROKEN))
    )
    line = fulfilled.lines[0]  # type: ignore[attr-defined]
    assert line.returned == ReturnedItem(
        description="笤帚 (断柄)", condition=ReturnedCondition.BROKEN, outcome=ReturnedOutcome.DISPOSED, item_id="broom"
    )


# -- a failed verification, a refused disposal -----------------------------------------------

T0 = datetime(2020, 10, 12, 0, 0, tzinfo=UTC)
T1 = datetime(2020, 10, 12, 1, 0, tzinfo=UTC)
T2 = datetime(2020, 10, 12, 7, 0, tzinfo=UTC)
T3 = datetime(2020, 10, 13, 1, 0, tzinfo=UTC)
repair = Stream(Repair, MAIN, "r1", actor="zhou", at=T3)
REPORTED = RepairReported(
    repair_id="r1", campus_id="main", place="行政楼 301", description="门锁损坏", reported_by="li-guard", reported_at=T0
)
ASSIGNED = RepairAssigned(repair_id="r1", assignee_id="wang-tech", assigned_by="zhou", assigned_at=T1)
DONE = RepairDone(repair_id="r1", done_by="wang-tech", done_at=T2)
FAILED = RepairVerificationFailed(repair_id="r1", verified_by="zhou", verified_at=T3, reason="仍然关不严")


def test_a_failed_verification_is_an_event_and_the_repair_is_done_again() -> None:
    assert repair.when(VerifyRepair(passed=False, note="仍然关不严"), given=[REPORTED, ASSIGNED, DONE]) == [FAILED]
    state = repair.given(REPORTED, ASSIGNED, DONE, FAILED)
    assert (state.status, state.done_by, state.assignee_id) == (RepairStatus.ASSIGNED, None, "wang-tech")
    repair.refused(VerifyRepair(), given=[REPORTED, ASSIGNED, DONE, FAILED], match="only a repair that is done")
    redone = repair.when(CompleteRepair(at=T3), given=[REPORTED, ASSIGNED, DONE, FAILED], actor="wang-tech")
    assert [type(e) for e in redone] == [RepairDone]
    # redone before it failed: out of order
    repair.refused(CompleteRepair(at=T2), given=[REPORTED, ASSIGNED, DONE, FAILED], actor="wang-tech", field="at")
    # the one who did it neither passes nor fails it
    repair.refused(VerifyRepair(passed=False, note="x"), given=[REPORTED, ASSIGNED, DONE], actor="wang-tech")


def test_a_failed_verification_says_why() -> None:
    with pytest.raises(ValueError, match="says why"):
        VerifyRepair(passed=False, note=" ")


DAY = date(2020, 12, 1)
asset = Stream(Asset, MAIN, "a1", actor="xu-vp", at=datetime(2020, 12, 3, 1, 0, tzinfo=UTC))
REGISTERED = AssetRegistered(
    asset_id="a1", tag="XJ-1", campus_id="main", room="301", item_id=None, description="课桌椅",
    value_fen=44000, acquired_on=date(2020, 8, 25), registered_by="zhou",
)  # fmt: skip
REQUESTED = AssetDisposalRequested(asset_id="a1", reason="桌面划痕严重", requested_by="zhou", requested_on=DAY)
REFUSED = AssetDisposalRefused(asset_id="a1", reason="还能修", refused_by="xu-vp", refused_on=date(2020, 12, 2))


def test_a_refused_disposal_is_an_event_and_the_asset_may_be_asked_for_again() -> None:
    refuse = RefuseDisposal(reason="还能修", on=date(2020, 12, 2))
    assert asset.when(refuse, given=[REGISTERED, REQUESTED]) == [REFUSED]
    state = asset.given(REGISTERED, REQUESTED, REFUSED)
    assert state.disposal is None
    asset.refused(ApproveDisposal(on=date(2020, 12, 3)), given=[REGISTERED, REQUESTED, REFUSED], match="no one asked")
    again = asset.when(RequestDisposal(reason="又坏了", on=date(2020, 12, 3)), given=[REGISTERED, REQUESTED, REFUSED])
    assert [type(e) for e in again] == [AssetDisposalRequested]


def test_a_disposal_is_refused_only_while_requested_and_not_by_whoever_asked() -> None:
    refuse = RefuseDisposal(reason="还能修", on=date(2020, 12, 2))
    asset.refused(refuse, given=[REGISTERED], match="no one asked")
    asset.refused(refuse, given=[REGISTERED, REQUESTED], actor="zhou", match="whoever asked")
    approved = asset.when(ApproveDisposal(on=date(2020, 12, 2)), given=[REGISTERED, REQUESTED])
    assert asset.given(REGISTERED, REQUESTED, *approved).disposal is Disposal.APPROVED
    asset.refused(refuse, given=[REGISTERED, REQUESTED, *approved], match="already approved")
    asset.refused(RefuseDisposal(reason="x", on=date(2020, 11, 30)), given=[REGISTERED, REQUESTED], field="on")
