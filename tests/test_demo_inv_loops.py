"""The demo's inventory loops read true before they are sent: the desks scratched are the three
new classrooms', each by a class of the main campus, within the term; the stock-take's arithmetic
keeps what was issued after the count; the exchange says what was handed back."""

from __future__ import annotations

from datetime import date

from demo import inv_loops
from demo.school import SEED, TERM_ENDS, TERM_STARTS
from services.inventory.stock import RequisitionLineRequest


def test_the_scratched_desks_are_the_new_classrooms_and_their_classes_are_on_main() -> None:
    main_classes = {c.class_id for c in SEED.classes if c.campus_id == "main"}
    assert {asset for asset, *_ in inv_loops.DESK_SCRATCHES} == {"main-desks-0", "main-desks-1", "main-desks-2"}
    assert all(class_id in main_classes for _, class_id, _, _ in inv_loops.DESK_SCRATCHES)
    assert all(TERM_STARTS <= date.fromisoformat(day) <= TERM_ENDS for _, _, day, _ in inv_loops.DESK_SCRATCHES)


def test_the_stock_take_keeps_the_brooms_issued_after_the_count() -> None:
    assert inv_loops.COUNTED_AT < inv_loops.ISSUED_AFTER_COUNT_AT
    assert inv_loops.BROOMS_AFTER_CLOSING == 26  # 29 on the book at the count, 28 counted, 2 issued since


def test_the_exchange_says_what_was_handed_back() -> None:
    line = RequisitionLineRequest.model_validate(
        {"item_id": "broom", "quantity": 1, "exchange": True, "returned": inv_loops.RETURNED}
    )
    assert line.returned is not None and line.returned.outcome.value == "disposed"
