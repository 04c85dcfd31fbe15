"""School buses (一车一档), given / when / then."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from services.eventkit.acts import OutOfOrder
from services.eventkit.envelope import DomainEvent, TenantPath
from services.safety.buses import (
    BusState,
    ChangeBusItem,
    RecordRouteCheck,
    RecordViolation,
    RectifyViolation,
    RegisterBus,
    SchoolBus,
)
from services.safety.events import (
    BusFile,
    BusItem,
    BusItemChanged,
    BusRegistered,
    BusRouteChecked,
    BusViolationRecorded,
    BusViolationRectified,
    RoutePoint,
    RoutePointResult,
)
from tests.deciders import Stream

MAIN = TenantPath(district_id="xinbei", school_id="xuexiao", campus_id="main")
AT = datetime(2020, 10, 12, 9, 0, tzinfo=UTC)
FILE = BusFile(
    vehicle="苏D·X1234 宇通ZK6609DX",
    driver="张师傅",
    route="薛家镇—本部",
    stops=["顺园小区", "薛家镇政府", "本部东门"],
    times="07:10-07:50, 16:00-16:40",
    escort="刘老师",
)
REGISTERED = BusRegistered(bus_id="bus-1", campus_id="main", file=FILE, registered_on=date(2020, 9, 1))
VIOLATION = BusViolationRecorded(
    bus_id="bus-1", violation_id="v1", occurred_on=date(2020, 10, 9), description="超员行驶"
)
RECTIFIED = BusViolationRectified(
    bus_id="bus-1", violation_id="v1", rectified_on=date(2020, 10, 10), measures="驾驶员培训"
)


def all_points(**not_ok: str) -> list[RoutePointResult]:
    return [RoutePointResult(point=p, ok=p.value not in not_ok, note=not_ok.get(p.value, "")) for p in RoutePoint]


bus = Stream(SchoolBus, MAIN, "bus-1", actor="zhou", at=AT)


def test_a_bus_is_registered_with_its_six_fixed_items() -> None:
    cmd = RegisterBus(bus_id="bus-1", campus_id="main", file=FILE, on=date(2020, 9, 1))
    assert bus.when(cmd) == [REGISTERED]
    assert SchoolBus.stream_id("bus-1") == "bus-bus-1"


def test_a_bus_is_registered_once() -> None:
    cmd = RegisterBus(bus_id="bus-1", campus_id="main", file=FILE, on=date(2020, 9, 1))
    bus.refused(cmd, given=[REGISTERED], field="bus_id")


def test_an_unregistered_bus_takes_nothing() -> None:
    bus.refused(RecordViolation(violation_id="v1", on=date(2020, 10, 9), description="超速"), match="never registered")


def test_an_item_changes_for_a_reason() -> None:
    cmd = ChangeBusItem(item=BusItem.DRIVER, value="王师傅", reason="原驾驶员退休", effective_on=date(2020, 10, 1))
    changed = BusItemChanged(
        bus_id="bus-1", item=BusItem.DRIVER, value="王师傅", reason="原驾驶员退休", effective_on=date(2020, 10, 1)
    )
    assert bus.when(cmd, given=[REGISTERED]) == [changed]
    assert bus.given(REGISTERED, changed).item(BusItem.DRIVER) == "王师傅"


def test_the_stops_change_as_a_list() -> None:
    stops = ["顺园小区", "本部东门"]
    cmd = ChangeBusItem(item=BusItem.STOPS, value=stops, reason="撤销站点", effective_on=date(2020, 10, 1))
    (event,) = bus.when(cmd, given=[REGISTERED])
    assert isinstance(event, BusItemChanged) and event.value == stops
    assert bus.given(REGISTERED, event).item(BusItem.STOPS) == stops


@pytest.mark.parametrize(
    ("item", "value"), [(BusItem.DRIVER, "张师傅"), (BusItem.STOPS, ["顺园小区", "薛家镇政府", "本部东门"])]
)
def test_a_change_to_the_same_value_is_refused(item: BusItem, value: str | list[str]) -> None:
    bus.refused(
        ChangeBusItem(item=item, value=value, reason="核对", effective_on=date(2020, 10, 1)),
        given=[REGISTERED],
        field="value",
    )


@pytest.mark.parametrize(("item", "value"), [(BusItem.STOPS, "顺园小区"), (BusItem.DRIVER, ["王师傅"])])
def test_an_item_takes_its_own_shape(item: BusItem, value: Any) -> None:
    with pytest.raises(ValidationError) as invalid:
        ChangeBusItem(item=item, value=value, reason="r", effective_on=date(2020, 10, 1))
    assert invalid.value.errors()[0]["loc"] == ("value",)


def test_a_route_check_records_every_point_and_its_checker() -> None:
    cmd = RecordRouteCheck(check_id="c1", on=date(2020, 10, 9), results=all_points(guardrails="缺两节"))
    assert bus.when(cmd, given=[REGISTERED], actor="gu") == [
        BusRouteChecked(
            bus_id="bus-1",
            check_id="c1",
            checked_on=date(2020, 10, 9),
            checked_by="gu",
            results=all_points(guardrails="缺两节"),
        )
    ]


def test_a_route_check_needs_all_four_points_once() -> None:
    with pytest.raises(ValidationError, match="speed_humps") as missing:
        RecordRouteCheck(check_id="c1", on=date(2020, 10, 9), results=all_points()[:3])
    assert missing.value.errors()[0]["loc"] == ("results",)
    with pytest.raises(ValidationError, match="once"):
        RecordRouteCheck(
            check_id="c1",
            on=date(2020, 10, 9),
            results=[*all_points(), RoutePointResult(point="signs", ok=True)],
        )


def test_a_route_check_is_recorded_once() -> None:
    check = BusRouteChecked(
        bus_id="bus-1", check_id="c1", checked_on=date(2020, 10, 9), checked_by="zhou", results=all_points()
    )
    bus.refused(
        RecordRouteCheck(check_id="c1", on=date(2020, 10, 9), results=all_points()),
        given=[REGISTERED, check],
        field="check_id",
    )


def test_a_violation_stays_open_until_rectified() -> None:
    cmd = RecordViolation(violation_id="v1", on=date(2020, 10, 9), description="超员行驶")
    assert bus.when(cmd, given=[REGISTERED]) == [VIOLATION]
    assert bus.given(REGISTERED, VIOLATION).open_violations == {"v1"}
    rectify = RectifyViolation(violation_id="v1", on=date(2020, 10, 10), measures="驾驶员培训")
    assert bus.when(rectify, given=[REGISTERED, VIOLATION]) == [RECTIFIED]
    assert bus.given(REGISTERED, VIOLATION, RECTIFIED) == BusState(
        registered=True,
        campus_id="main",
        items=bus.given(REGISTERED).items,
        violations=(("v1", date(2020, 10, 9)),),
        open_violations=frozenset(),
        registered_on=date(2020, 9, 1),
        registered_items=bus.given(REGISTERED).items,
    )


def test_a_violation_is_recorded_once() -> None:
    bus.refused(
        RecordViolation(violation_id="v1", on=date(2020, 10, 9), description="x"),
        given=[REGISTERED, VIOLATION],
        field="violation_id",
    )


@pytest.mark.parametrize(
    ("given", "match"),
    [([REGISTERED], "no violation"), ([REGISTERED, VIOLATION, RECTIFIED], "already rectified")],
)
def test_only_an_open_violation_is_rectified(given: list[DomainEvent], match: str) -> None:
    bus.refused(
        RectifyViolation(violation_id="v1", on=date(2020, 10, 11), measures="整改"),
        given=given,
        match=match,
        field="violation_id",
    )


def test_a_violation_is_not_rectified_before_it_happened() -> None:
    refusal = bus.refused(
        RectifyViolation(violation_id="v1", on=date(2020, 10, 1), measures="m"),
        given=[REGISTERED, VIOLATION],
        field="on",
        raises=OutOfOrder,
    )
    assert isinstance(refusal, OutOfOrder) and refusal.step == "committed" and refusal.step_time == date(2020, 10, 9)


@pytest.mark.parametrize(
    ("command", "field"),
    [
        (RecordRouteCheck(check_id="c1", on=date(2020, 8, 31), results=all_points()), "on"),
        (RecordViolation(violation_id="v2", on=date(2020, 8, 30), description="超速"), "on"),
        (
            ChangeBusItem(
                item=BusItem.DRIVER,
                value="王师傅",
                reason="r",
                effective_on=date(2020, 10, 1),
                at=datetime(2020, 8, 31, 1, 0, tzinfo=UTC),
            ),
            "at",
        ),
        (ChangeBusItem(item=BusItem.DRIVER, value="王师傅", reason="r", effective_on=date(2020, 8, 1)), "effective_on"),
    ],
)
def test_nothing_happens_to_a_bus_before_it_was_registered(command: Any, field: str) -> None:
    refusal = bus.refused(command, given=[REGISTERED], field=field, raises=OutOfOrder)
    assert isinstance(refusal, OutOfOrder) and refusal.step == "registered" and refusal.step_time == date(2020, 9, 1)


def test_a_route_check_is_dated_by_its_day_not_by_when_it_is_typed() -> None:
    (checked,) = bus.when(
        RecordRouteCheck(check_id="c1", on=date(2020, 9, 30), results=all_points()), given=[REGISTERED]
    )
    assert isinstance(checked, BusRouteChecked) and checked.checked_on == date(2020, 9, 30)
