"""The demo's inventory loops read true before they are sent: the desks scratched are the three
new classrooms' desks of the accepted purchase, registered to their rooms before they were
scratched, each by a class of the main campus, within the term; the stock-take's arithmetic
keeps what was issued after the count; the exchange says what was handed back."""

from __future__ import annotations

from datetime import date

from demo import repairs_and_equipment as equipment
from demo import stock_and_damage
from demo.school import SEED, TERM_ENDS
from services.inventory.stock import RequisitionLineRequest


def test_the_scratched_desks_are_registered_desks_of_the_three_new_classrooms() -> None:
    main_classes = {c.class_id for c in SEED.classes if c.campus_id == "main"}
    bought_for = {  # every desk of the classrooms' purchase, and the room it was bought for
        equipment.desk(room, unit): room for room in equipment.ROOMS for unit in range(equipment.DESKS_PER_ROOM)
    }
    registered_on = {
        equipment.desk(room, unit): date.fromisoformat(day)
        for room, n, day in equipment.DESKS_REGISTERED
        for unit in range(n)
    }
    assert {bought_for[asset] for asset, *_ in stock_and_damage.DESK_SCRATCHES} == set(equipment.ROOMS)
    for asset, class_id, day, _ in stock_and_damage.DESK_SCRATCHES:
        assert class_id in main_classes
        assert registered_on[asset] < date.fromisoformat(day) <= TERM_ENDS  # registered before it was scratched


def test_the_registration_of_the_new_classrooms_is_not_finished() -> None:
    registered = {room: n for room, n, _ in equipment.DESKS_REGISTERED}
    assert set(registered) == set(equipment.ROOMS)
    assert all(n <= equipment.DESKS_PER_ROOM for n in registered.values())
    assert registered[equipment.ROOMS[0]] == equipment.DESKS_PER_ROOM  # 六1班's room complete
    assert equipment.DESKS_WAITING == 50  # 302's and 303's not finished (各室财产登记未完成)


def test_the_stock_take_keeps_the_brooms_issued_after_the_count() -> None:
    assert stock_and_damage.COUNTED_AT < stock_and_damage.ISSUED_AFTER_COUNT_AT
    assert stock_and_damage.BROOMS_AFTER_CLOSING == 26  # 29 on the book at the count, 28 counted, 2 issued since


def test_the_exchange_says_what_was_handed_back() -> None:
    line = RequisitionLineRequest.model_validate(
        {"item_id": "broom", "quantity": 1, "exchange": True, "returned": stock_and_damage.RETURNED}
    )
    assert line.returned is not None and line.returned.outcome.value == "disposed"
