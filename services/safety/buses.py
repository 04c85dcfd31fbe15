"""School buses (一车一档): one file per bus with its "six fixed" (六定) items.

A bus is registered with its file; an item changes only for a reason and only to
something else. The route is checked point by point (signs, warning boards,
guardrails, speed humps: every point each time), and traffic violations stay open
until rectified. Whether a bus is compliant is read from the records at a date, with the
items in force on that date: each change takes effect on its ``effective_on`` day (announced
ahead or recorded afterwards), so a past day is judged by the items as they were then, and a
change announced for a later day does not count before it (``items_in_force``).

Each act is dated by its day (``on``) or instant (``at``): nothing happens to a bus
before it was registered, and a violation is rectified no earlier than it happened.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from pydantic import ConfigDict, Field, ValidationInfo, field_validator

from services.eventkit.acts import ActAtOrNow, ActOn, not_before
from services.eventkit.bounds import EntityId, Few, Name, Ref, ShortText, Text
from services.eventkit.commands import Command, examples
from services.eventkit.decider import Decider, Resolved
from services.eventkit.envelope import DomainEvent
from services.eventkit.errors import Rejected
from services.safety.events import BusFile as RecordedBusFile
from services.safety.events import (
    BusItem,
    BusItemChanged,
    BusRegistered,
    BusRouteChecked,
    BusViolationRecorded,
    BusViolationRectified,
    RoutePoint,
)
from services.safety.events import RoutePointResult as RecordedRoutePointResult

ROUTE_CHECK_VALID_DAYS = 31  # a route check older than this no longer vouches for the bus

# -- commands ----------------------------------------------------------------------------


class BusFile(RecordedBusFile):
    """The six fixed items: vehicle, driver, route, stops, times and escort."""

    model_config = ConfigDict(frozen=True, extra="forbid", from_attributes=True)  # a recorded file is checked too

    vehicle: ShortText  # plate and model
    driver: ShortText
    route: ShortText
    stops: Few[Name]
    times: ShortText  # e.g. "07:10-07:50, 16:00-16:40"
    escort: ShortText

    def recorded(self) -> RecordedBusFile:
        return RecordedBusFile(**self.model_dump())


class RoutePointResult(RecordedRoutePointResult):
    """One point of the route: in order or not, with a note."""

    model_config = ConfigDict(frozen=True, extra="forbid", from_attributes=True)  # a recorded result is checked too

    note: Text = ""

    def recorded(self) -> RecordedRoutePointResult:
        return RecordedRoutePointResult(**self.model_dump())


class RegisterBus(Command):
    model_config = examples(
        {
            "bus_id": "main-bus-1",
            "campus_id": "main",
            "file": {
                "vehicle": "苏D·X1234 宇通ZK6609DX",
                "driver": "张师傅",
                "route": "薛家镇—本部",
                "stops": ["顺园小区", "薛家镇政府", "本部东门"],
                "times": "07:10-07:50, 16:00-16:40",
                "escort": "刘老师",
            },
            "on": "2020-09-01",
        }
    )

    bus_id: EntityId
    campus_id: EntityId
    file: BusFile = Field(
        examples=[
            {
                "vehicle": "苏D·X1234 宇通ZK6609DX",
                "driver": "张师傅",
                "route": "薛家镇—本部",
                "stops": ["顺园小区", "薛家镇政府", "本部东门"],
                "times": "07:10-07:50, 16:00-16:40",
                "escort": "刘老师",
            }
        ]
    )
    on: ActOn


class ChangeBusItem(Command):
    """Change one of the six fixed items (``stops`` takes a list, the others a text)."""

    model_config = examples(
        {
            "item": "driver",
            "value": "王师傅",
            "reason": "原驾驶员退休",
            "effective_on": "2020-10-01",
            "at": "2020-09-25T10:00:00+08:00",
        },
        {
            "item": "stops",
            "value": ["顺园小区", "本部东门"],
            "reason": "撤销薛家镇政府站",
            "effective_on": "2020-11-02",
        },
    )

    item: BusItem = Field(examples=["driver"])
    value: Ref | Few[Name] = Field(examples=["王师傅"])
    reason: Text = Field(min_length=1, examples=["原驾驶员退休"])
    effective_on: date = Field(description="The day the change takes effect", examples=["2020-10-01"])
    at: ActAtOrNow = None

    @field_validator("value")
    @classmethod
    def _fits_the_item(cls, value: str | list[str], info: ValidationInfo) -> str | list[str]:
        item = info.data.get("item")
        if isinstance(value, list):
            if item is not None and item is not BusItem.STOPS:
                raise ValueError(f"{item.value} takes a text, not a list")
            stops = [s.strip() for s in value]
            if any(not s or len(s) > 200 for s in stops):
                raise ValueError("every stop needs a name of at most 200 characters")
            return stops
        if item is BusItem.STOPS:
            raise ValueError("stops take a list of stop names")
        if len(value) > 500:
            raise ValueError("at most 500 characters")
        return value.strip()


class RecordRouteCheck(Command):
    """A check of the route: one result for each of the four points."""

    model_config = examples(
        {
            "check_id": "main-bus-1-2020-10",
            "on": "2020-10-09",
            "results": [
                {"point": "signs", "ok": True},
                {"point": "warning_boards", "ok": True},
                {"point": "guardrails", "ok": False, "note": "东段护栏缺失两节"},
                {"point": "speed_humps", "ok": True},
            ],
        }
    )

    check_id: EntityId
    on: ActOn
    results: Few[RoutePointResult] = Field(
        examples=[
            [
                {"point": "signs", "ok": True},
                {"point": "warning_boards", "ok": True},
                {"point": "guardrails", "ok": False, "note": "东段护栏缺失两节"},
                {"point": "speed_humps", "ok": True},
            ]
        ]
    )

    @field_validator("results")
    @classmethod
    def _every_point_once(cls, results: list[RoutePointResult]) -> list[RoutePointResult]:
        points = [r.point for r in results]
        if len(set(points)) != len(points):
            raise ValueError("each route point is checked once")
        missing = [p.value for p in RoutePoint if p not in points]
        if missing:
            raise ValueError(f"every route point needs a result; missing: {', '.join(missing)}")
        return results


class RecordViolation(Command):
    model_config = examples({"violation_id": "main-bus-1-v1", "on": "2020-10-10", "description": "超员行驶"})

    violation_id: EntityId
    on: ActOn
    description: Text = Field(min_length=1, examples=["超员行驶"])


class RectifyViolation(Command):
    model_config = examples(
        {"violation_id": "main-bus-1-v1", "on": "2020-10-11", "measures": "驾驶员培训, 按核定人数乘车"}
    )

    violation_id: EntityId
    on: ActOn
    measures: Text = Field(min_length=1, examples=["驾驶员培训, 按核定人数乘车"])


# -- state -------------------------------------------------------------------------------


@dataclass(frozen=True)
class BusState:
    registered: bool = False
    campus_id: str = ""
    items: tuple[tuple[BusItem, str | tuple[str, ...]], ...] = ()
    checks: frozenset[str] = frozenset()
    violations: tuple[tuple[str, date], ...] = ()  # every violation and the day it happened
    open_violations: frozenset[str] = frozenset()
    registered_on: date | None = None
    registered_items: tuple[tuple[BusItem, str | tuple[str, ...]], ...] = ()  # as registered
    changes: tuple[tuple[date, BusItem, str | tuple[str, ...]], ...] = ()  # every change, in recorded order

    def item(self, item: BusItem) -> str | list[str]:
        value = dict(self.items)[item]
        return list(value) if isinstance(value, tuple) else value

    def in_force(self, day: date) -> dict[BusItem, str | tuple[str, ...]]:
        """The six items as they were on ``day``."""
        return items_in_force(dict(self.registered_items), self.changes, day)


def items_in_force(
    registered: Mapping[BusItem, str | tuple[str, ...]],
    changes: Iterable[tuple[date, BusItem, str | tuple[str, ...]]],
    day: date,
) -> dict[BusItem, str | tuple[str, ...]]:
    """The items in force on ``day``: each item as registered, or as its change with the latest
    ``effective_on`` not after ``day`` (of two effective the same day, the one recorded later);
    ``changes`` in the order they were recorded."""
    items = dict(registered)
    since: dict[BusItem, date] = {}
    for effective_on, item, value in changes:
        if effective_on <= day and effective_on >= since.get(item, effective_on):
            items[item] = value
            since[item] = effective_on
    return items


def _items(file: RecordedBusFile) -> tuple[tuple[BusItem, str | tuple[str, ...]], ...]:
    return tuple((item, _frozen(getattr(file, item.value))) for item in BusItem)


def _frozen(value: str | list[str]) -> str | tuple[str, ...]:
    return tuple(value) if isinstance(value, list) else value


BusCommand = (
    Resolved[RegisterBus]
    | Resolved[ChangeBusItem]
    | Resolved[RecordRouteCheck]
    | Resolved[RecordViolation]
    | Resolved[RectifyViolation]
)


def decide(rc: BusCommand, state: BusState) -> Sequence[DomainEvent]:
    cmd = rc.command
    if isinstance(cmd, RegisterBus):
        if state.registered:
            raise Rejected(f"bus {cmd.bus_id} is already registered", field="bus_id")
        return [
            BusRegistered(bus_id=cmd.bus_id, campus_id=cmd.campus_id, file=cmd.file.recorded(), registered_on=cmd.on)
        ]
    if not state.registered:
        raise Rejected("the bus was never registered")
    bus_id = rc.entity_id
    act, field = (rc.at, "at") if isinstance(cmd, ChangeBusItem) else (cmd.on, "on")
    not_before(act, state.registered_on, field=field, step="registered", what="bus")
    if isinstance(cmd, ChangeBusItem):
        not_before(cmd.effective_on, state.registered_on, field="effective_on", step="registered", what="bus")
        if _frozen(cmd.value) == state.in_force(cmd.effective_on)[cmd.item]:
            raise Rejected(
                f"the bus's {cmd.item.value} is already that on {cmd.effective_on.isoformat()}", field="value"
            )
        return [
            BusItemChanged(
                bus_id=bus_id, item=cmd.item, value=cmd.value, reason=cmd.reason, effective_on=cmd.effective_on
            )
        ]
    if isinstance(cmd, RecordRouteCheck):
        if cmd.check_id in state.checks:
            raise Rejected(f"route check {cmd.check_id} is already recorded", field="check_id")
        return [
            BusRouteChecked(
                bus_id=bus_id,
                check_id=cmd.check_id,
                checked_on=cmd.on,
                checked_by=rc.actor,
                results=[r.recorded() for r in cmd.results],
            )
        ]
    known = dict(state.violations)
    if isinstance(cmd, RecordViolation):
        if cmd.violation_id in known:
            raise Rejected(f"violation {cmd.violation_id} is already recorded", field="violation_id")
        return [
            BusViolationRecorded(
                bus_id=bus_id, violation_id=cmd.violation_id, occurred_on=cmd.on, description=cmd.description
            )
        ]
    assert isinstance(cmd, RectifyViolation)
    if cmd.violation_id not in known:
        raise Rejected(f"this bus has no violation {cmd.violation_id}", field="violation_id")
    if cmd.violation_id not in state.open_violations:
        raise Rejected(f"violation {cmd.violation_id} is already rectified", field="violation_id")
    not_before(cmd.on, known[cmd.violation_id], field="on", step="committed", what="violation")
    return [
        BusViolationRectified(bus_id=bus_id, violation_id=cmd.violation_id, rectified_on=cmd.on, measures=cmd.measures)
    ]


def evolve(state: BusState, event: DomainEvent) -> BusState:
    match event:
        case BusRegistered():
            registered = _items(event.file)
            return BusState(
                registered=True,
                campus_id=event.campus_id,
                items=registered,
                registered_on=event.registered_on,
                registered_items=registered,
            )
        case BusItemChanged():
            items = dict(state.items) | {event.item: _frozen(event.value)}
            return replace(
                state,
                items=tuple((item, items[item]) for item in BusItem),
                changes=(*state.changes, (event.effective_on, event.item, _frozen(event.value))),
            )
        case BusRouteChecked():
            return replace(state, checks=state.checks | {event.check_id})
        case BusViolationRecorded():
            return replace(
                state,
                violations=(*state.violations, (event.violation_id, event.occurred_on)),
                open_violations=state.open_violations | {event.violation_id},
            )
        case BusViolationRectified():
            return replace(state, open_violations=state.open_violations - {event.violation_id})
    return state


SchoolBus: Decider[BusCommand, BusState, DomainEvent] = Decider(
    "SchoolBus", BusState(), decide, evolve, "bus", starts=(RegisterBus,)
)
