"""Property tests of the school buses' decider: the file keeps its six items, a rectified violation
stays rectified.

The machine, and what it checks of every decider: ``tests/properties.py``.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import strategies as st

from services.eventkit.decider import Resolved
from services.eventkit.envelope import DomainEvent
from services.safety import buses as bs
from services.safety.events import (
    SAFETY_EVENTS,
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
from tests.properties import QUIET, DeciderMachine, days, machine, machine_ids, refused_only_when, run_machine, step

pytestmark = QUIET


BUS_VALUES: dict[BusItem, list[str]] = {
    BusItem.VEHICLE: ["苏D·X1234 宇通ZK6609DX", "苏D·X5678 金龙XMQ6601"],
    BusItem.DRIVER: ["张师傅", "王师傅"],
    BusItem.ROUTE: ["薛家镇—本部", "奥园—本部"],
    BusItem.TIMES: ["07:10-07:50, 16:00-16:40", "07:00-07:40"],
    BusItem.ESCORT: ["刘老师", "陈老师"],
}
STOPS = st.lists(st.sampled_from(["顺园小区", "薛家镇政府", "本部东门"]), min_size=1, max_size=2, unique=True)
VIOLATIONS = ["main-bus-1-v1", "main-bus-1-v2"]


def bus_change(item: BusItem) -> st.SearchStrategy[bs.ChangeBusItem]:
    value: st.SearchStrategy[Any] = STOPS if item is BusItem.STOPS else st.sampled_from(BUS_VALUES[item])
    return st.builds(
        bs.ChangeBusItem, item=st.just(item), value=value, reason=st.just("原驾驶员退休"), effective_on=days()
    )


def rectified_stays_rectified(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    assert [item for item, _ in after.items] == list(BusItem), "the file lost one of the six fixed items"
    ids = [v for v, _ in after.violations]
    assert len(set(ids)) == len(ids) and after.open_violations <= set(ids)
    known = dict(before.violations)
    assert not (set(known) - before.open_violations) & after.open_violations, "a rectified violation reopened"
    assert before.checks <= after.checks
    if before.registered:
        assert after.campus_id == before.campus_id
    (event,) = events
    cmd = rc.command
    match event:
        case BusRegistered():
            assert not before.registered
        case BusItemChanged():
            assert after.item(cmd.item) == cmd.value, "the change is not the item's latest"
            # "already that" is judged on the day the change takes effect (a later change may
            # already be recorded): the item as it stood that day, not as it stands last
            in_force = before.in_force(cmd.effective_on)[cmd.item]
            assert bs._frozen(cmd.value) != in_force, "an item 'changed' to what it was on that day"
            assert [kv for kv in after.items if kv[0] != cmd.item] == [kv for kv in before.items if kv[0] != cmd.item]
        case BusRouteChecked():
            assert event.check_id not in before.checks and event.checked_by == rc.actor
            assert {r.point for r in event.results} == set(RoutePoint)
        case BusViolationRecorded():
            assert event.violation_id not in known
        case BusViolationRectified():
            assert event.violation_id in before.open_violations
            assert event.rectified_on >= known[event.violation_id], "rectified before it happened"
        case _:
            raise AssertionError(f"unexpected {event!r}")
    if before.registered:  # nothing happens to a bus before it was registered
        assert after.registered_on == before.registered_on
        match event:
            case BusRouteChecked():
                acted = event.checked_on
            case BusViolationRecorded():
                acted = event.occurred_on
            case BusViolationRectified():
                acted = event.rectified_on
            case BusItemChanged():
                acted = min(rc.on, event.effective_on)
        assert acted >= before.registered_on, "an act dated before the bus was registered"


def bus_allowed(rc: Resolved[Any], state: Any) -> bool:
    cmd = rc.command
    if isinstance(cmd, bs.RegisterBus):
        return not state.registered
    if not state.registered:
        return False
    known = dict(state.violations)
    match cmd:
        case bs.ChangeBusItem():  # changed (at) and in effect no earlier than the bus was registered
            after_registration = rc.on >= state.registered_on and cmd.effective_on >= state.registered_on
            return after_registration and bool(bs._frozen(cmd.value) != state.in_force(cmd.effective_on)[cmd.item])
        case bs.RecordRouteCheck():
            return cmd.on >= state.registered_on and cmd.check_id not in state.checks
        case bs.RecordViolation():
            return cmd.on >= state.registered_on and cmd.violation_id not in known
        case _:
            return (
                cmd.on >= state.registered_on
                and cmd.violation_id in state.open_violations
                and cmd.on >= known[cmd.violation_id]
            )


BUS_CREATE = step(
    st.builds(
        bs.RegisterBus,
        bus_id=st.just("main-bus-1"),
        campus_id=st.just("main"),
        file=st.builds(
            BusFile,
            vehicle=st.sampled_from(BUS_VALUES[BusItem.VEHICLE]),
            driver=st.sampled_from(BUS_VALUES[BusItem.DRIVER]),
            route=st.sampled_from(BUS_VALUES[BusItem.ROUTE]),
            stops=STOPS,
            times=st.sampled_from(BUS_VALUES[BusItem.TIMES]),
            escort=st.sampled_from(BUS_VALUES[BusItem.ESCORT]),
        ),
        on=days(),
    )
)
BUS = machine(
    "SchoolBusMachine",
    bs.SchoolBus,
    SAFETY_EVENTS,
    "main-bus-1",
    st.one_of(
        BUS_CREATE,
        step(st.sampled_from(list(BusItem)).flatmap(bus_change)),
        step(
            st.builds(
                bs.RecordRouteCheck,
                check_id=st.sampled_from(["main-bus-1-2020-10", "main-bus-1-2020-11"]),
                on=days(),
                results=st.permutations(list(RoutePoint))
                .flatmap(lambda points: st.tuples(*(st.builds(RoutePointResult, point=st.just(p)) for p in points)))
                .map(list),
            )
        ),
        step(
            st.builds(
                bs.RecordViolation,
                violation_id=st.sampled_from(VIOLATIONS),
                on=days(),
                description=st.just("超员行驶"),
            )
        ),
        step(
            st.builds(
                bs.RectifyViolation,
                violation_id=st.sampled_from([*VIOLATIONS, "main-bus-1-v9"]),
                on=days(),
                measures=st.just("驾驶员培训"),
            )
        ),
    ),
    ["zhou", "gu"],
    check=rectified_stays_rectified,
    create=BUS_CREATE,
    on_refusal=refused_only_when(bus_allowed),
)


MACHINES = [BUS]


@pytest.mark.parametrize("machine_class", MACHINES, ids=machine_ids(MACHINES))
def test_random_command_sequences_keep_the_decider_honest(machine_class: type[DeciderMachine]) -> None:
    run_machine(machine_class)
