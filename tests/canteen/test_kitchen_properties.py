"""Property tests of the kitchen's deciders: a sample goes only after its time and never while
held; a dish found unsampled once; a worker checked in only with a valid certificate, stood down
by a failed check and cleared only then; a reading's corrective action only for one out of
limits, once.

The machine, and what it checks of every decider: ``tests/properties.py``.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import strategies as st

from services.canteen import samples as sa
from services.canteen import staff_health as sh
from services.canteen import temperatures as tu
from services.canteen.events import (
    CANTEEN_EVENTS,
    DishServedWithoutSample,
    Meal,
    MealServed,
    MorningCheckRecorded,
    SampleDisposed,
    SampleRetained,
    TemperatureRead,
    UnitKind,
    WorkerCleared,
    WorkerStoodDown,
)
from services.eventkit.days import local_day
from services.eventkit.decider import Resolved
from services.eventkit.envelope import DomainEvent
from services.eventkit.errors import InvalidInput, Rejected
from tests.properties import (
    QUIET,
    START,
    DeciderMachine,
    days,
    machine,
    machine_ids,
    refused_only_when,
    run_machine,
    step,
    times,
)

pytestmark = QUIET

DISHES = ["番茄炒蛋", "红烧鸡块", "清炒青菜", "紫菜蛋汤"]

# -- samples ---------------------------------------------------------------------------------


def sample_kept_its_time(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    (event,) = events
    if isinstance(event, SampleRetained):
        assert event.grams >= 125 and event.release_after == rc.at + timedelta(hours=48)
        assert local_day(rc.at) == event.served_on
    if isinstance(event, SampleDisposed):
        assert not before.held, "a held sample was disposed of"
        assert rc.at >= before.release_after, "a sample was disposed of before its time"


def sample_allowed(rc: Resolved[Any], state: Any) -> bool:
    cmd = rc.command
    if isinstance(cmd, sa.RetainSample):
        return state.status is None and cmd.grams >= 125 and local_day(rc.at) == cmd.served_on
    if state.status is not sa.SampleStatus.KEPT:
        return False
    if isinstance(cmd, sa.HoldSample):
        return not state.held
    if isinstance(cmd, sa.LiftHold):
        return bool(state.held)
    return not state.held and rc.at >= state.release_after


RETAIN = step(
    st.builds(
        lambda at, grams: sa.RetainSample(
            sample_id="main-2020-09-01-lunch-1",
            campus_id="main",
            served_on=local_day(at) if grams % 7 else local_day(at) + timedelta(days=1),
            meal=Meal.LUNCH,
            dish="番茄炒蛋",
            grams=grams,
            at=at,
        ),
        times(5),
        st.integers(100, 300),
    )
)
SAMPLE = machine(
    "SampleMachine",
    sa.Sample,
    CANTEEN_EVENTS,
    "main-2020-09-01-lunch-1",
    st.one_of(
        RETAIN,
        step(st.builds(sa.HoldSample, reason=st.just("疑似食物中毒调查"))),
        step(st.builds(sa.LiftHold, reason=st.just("调查结束"))),
        step(st.builds(sa.DisposeSample, at=st.none() | times(10))),
    ),
    ["jiang-cook", "zhou"],
    check=sample_kept_its_time,
    create=RETAIN,
    refusals=(Rejected, InvalidInput),
    on_refusal=refused_only_when(sample_allowed),
)

# -- meals -----------------------------------------------------------------------------------


def each_unsampled_dish_found_once(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    if isinstance(rc.command, sa.RecordMealServed):
        (event,) = events
        assert isinstance(event, MealServed) and not json.loads(rc.facts[sa.STOOD_DOWN_FACT])
        return
    sampled = set(json.loads(rc.facts[sa.SAMPLED_FACT]))
    found = [e.dish for e in events if isinstance(e, DishServedWithoutSample)]
    assert len(found) == len(set(found)) == len(events)
    assert set(found) == set(before.dishes) - sampled - before.found, "a finding missed or repeated"


def meal_allowed(rc: Resolved[Any], state: Any) -> bool:
    if isinstance(rc.command, sa.RecordMealServed):
        return state.served_on is None and not json.loads(rc.facts[sa.STOOD_DOWN_FACT])
    return state.served_on is not None and rc.on >= state.served_on


SERVE = st.builds(
    lambda stood_down: (
        sa.RecordMealServed(
            campus_id="main", on=START.date(), meal=Meal.LUNCH, dishes=DISHES,
            servers=["jiang-cook", "han-canteen"], diners=800,
        ),
        {sa.STOOD_DOWN_FACT: json.dumps(stood_down)},
    ),
    st.sampled_from([[], [], ["jiang-cook"]]),
)  # fmt: skip
CHECK = st.builds(
    lambda sampled: (sa.CheckMealSamples(), {sa.SAMPLED_FACT: json.dumps(sampled, ensure_ascii=False)}),
    st.lists(st.sampled_from(DISHES), unique=True),
)
MEAL = machine(
    "MealServiceMachine",
    sa.MealService,
    CANTEEN_EVENTS,
    "main-2020-09-01-lunch",
    st.one_of(SERVE, CHECK),
    ["han-canteen", "zhou"],
    check=each_unsampled_dish_found_once,
    create=SERVE,
    on_refusal=refused_only_when(meal_allowed),
)

# -- canteen workers -------------------------------------------------------------------------


def checked_in_only_when_certified(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    cmd = rc.command
    if isinstance(cmd, sh.RecordMorningCheck):
        check, *rest = events
        assert isinstance(check, MorningCheckRecorded) and before.certified_on(check.checked_on)
        failed = bool(sh.reasons_of(cmd))
        assert check.passed is not failed
        assert [type(e) for e in rest] == ([WorkerStoodDown] if failed and not before.stood_down else [])
        assert after.stood_down is (before.stood_down or failed)
    if isinstance(cmd, sh.ClearWorker):
        assert before.stood_down and isinstance(events[0], WorkerCleared) and not after.stood_down


def worker_allowed(rc: Resolved[Any], state: Any) -> bool:
    cmd = rc.command
    if isinstance(cmd, sh.RecordHealthCertificate):
        return (not state.campus_id or cmd.campus_id == state.campus_id) and cmd.issued_on <= rc.on
    if isinstance(cmd, sh.RecordMorningCheck):
        return (
            state.certified_on(rc.on)
            and (not state.campus_id or cmd.campus_id == state.campus_id)
            and (rc.on, cmd.shift) not in state.checks
        )
    return bool(state.stood_down) and (state.stood_down_on is None or rc.on >= state.stood_down_on)


CERTIFY = step(
    st.builds(
        lambda campus, issued, days_valid: sh.RecordHealthCertificate(
            staff_id="jiang-cook",
            campus_id=campus,
            number="健康证 0412",
            issued_on=issued,
            expires_on=issued + timedelta(days=days_valid),
        ),
        st.sampled_from(["main", "main", "aoyuan"]),
        days().map(lambda d: d - timedelta(days=400)),
        st.integers(1, 400),
    )
)
MORNING_CHECK = step(
    st.builds(
        lambda on, shift, symptoms: sh.RecordMorningCheck(
            staff_id="jiang-cook",
            campus_id="main",
            on=on,
            shift=shift,
            fever=symptoms == 1,
            gastro=symptoms == 2,
            hand_wound=symptoms == 3,
            respiratory=symptoms == 4,
            dress_ok=symptoms != 5,
        ),
        days().map(lambda d: d - timedelta(days=300)),
        st.sampled_from(list(Meal)),
        st.sampled_from([0, 0, 0, 1, 2, 3, 4, 5]),
    )
)
WORKER = machine(
    "CanteenWorkerMachine",
    sh.CanteenWorker,
    CANTEEN_EVENTS,
    "jiang-cook",
    st.one_of(CERTIFY, MORNING_CHECK, step(st.builds(sh.ClearWorker, note=st.just("复查正常"), at=st.none()))),
    ["zhou", "han-canteen"],
    check=checked_in_only_when_certified,
    create=CERTIFY,
    on_refusal=refused_only_when(worker_allowed),
)

# -- temperatures ----------------------------------------------------------------------------


def one_action_per_reading_out_of_limits(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    (event,) = events
    if isinstance(event, TemperatureRead):
        assert event.within_limits is (before.min_c10 <= event.c10 <= before.max_c10)
    if isinstance(rc.command, tu.TakeCorrectiveAction):
        reading = rc.command.reading_id
        assert reading in before.out_of_limits and reading not in before.acted_on
    assert after.acted_on <= after.out_of_limits <= after.readings


def unit_allowed(rc: Resolved[Any], state: Any) -> bool:
    cmd = rc.command
    if isinstance(cmd, tu.RegisterUnit):
        return state.kind is None
    if state.kind is None:
        return False
    if isinstance(cmd, tu.RecordTemperature):
        return cmd.reading_id not in state.readings
    return cmd.reading_id in state.out_of_limits and cmd.reading_id not in state.acted_on


REGISTER = step(
    st.just(
        tu.RegisterUnit(
            unit_id="main-fridge-2", campus_id="main", name="2号冷藏柜", kind=UnitKind.FRIDGE, min_c10=0, max_c10=80
        )
    )
)
READINGS = st.sampled_from(["r1", "r2", "r3", "r4"])
UNIT = machine(
    "TemperatureUnitMachine",
    tu.TemperatureUnit,
    CANTEEN_EVENTS,
    "main-fridge-2",
    st.one_of(
        REGISTER,
        step(st.builds(tu.RecordTemperature, reading_id=READINGS, c10=st.integers(-30, 120), at=st.none())),
        step(st.builds(tu.TakeCorrectiveAction, reading_id=READINGS, action=st.just("已关好门并复测"), at=st.none())),
    ),
    ["jiang-cook", "zhou"],
    check=one_action_per_reading_out_of_limits,
    create=REGISTER,
    on_refusal=refused_only_when(unit_allowed),
)


MACHINES = [SAMPLE, MEAL, WORKER, UNIT]


@pytest.mark.parametrize("machine_class", MACHINES, ids=machine_ids(MACHINES))
def test_random_command_sequences_keep_the_decider_honest(machine_class: type[DeciderMachine]) -> None:
    run_machine(machine_class)
