"""Property tests of the weekly menu's decider: never a dish the district's rules ban (by its name
or any of its other names, whatever the case), every meal within the week and planned once, a
plan replacing the week's whole and published once as planned.

The machine, and what it checks of every decider: ``tests/properties.py``.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import strategies as st

from services.canteen import menu as mn
from services.canteen.events import CANTEEN_EVENTS, BannedDish, Meal, MenuPlanned, MenuPublished
from services.canteen.rules import DEFAULT_RULES, RULES_FACT, Rules, rules_fact
from services.eventkit.decider import Resolved
from services.eventkit.envelope import DomainEvent
from services.eventkit.errors import InvalidInput, Rejected
from tests.properties import QUIET, DeciderMachine, machine, machine_ids, refused_only_when, run_machine, step

pytestmark = QUIET

MONDAY = date(2020, 9, 7)
MENU_ID = mn.menu_id_of("main", MONDAY)
DISTRICT_RULES = Rules(banned_dishes=(BannedDish(name="辣条", reason="高盐高油，不宜供应学生", words=["LaTiao"]),))
RULES = {"default": rules_fact(DEFAULT_RULES)[RULES_FACT], "district": rules_fact(DISTRICT_RULES)[RULES_FACT]}
# Each dish of the pool, and the rules (of RULES) that ban it: the model the decider is held to.
DISHES: dict[str, set[str]] = {
    "番茄炒蛋": set(),
    "红烧鸡块": set(),
    "清炒西兰花": set(),
    "紫菜蛋汤": set(),
    "四季豆炒肉": {"default"},  # the banned dish's name in the dish's
    "凉拌芸豆": {"default"},  # one of its other names
    "Green Beans 沙拉": {"default"},  # another, in another case
    "生鱼片": {"default"},
    "麻辣辣条": {"district"},
    "latiao 拌面": {"district"},
}
SAFE = [dish for dish, banned in DISHES.items() if not banned]


def banned(rc: Resolved[Any], dish: str) -> bool:
    rules = next(name for name, fact in RULES.items() if fact == rc.facts[RULES_FACT])
    return rules in DISHES[dish]


def in_week(day: date) -> bool:
    return MONDAY <= day <= MONDAY + timedelta(days=6)


def plan_allowed(rc: Resolved[Any]) -> bool:
    meals = rc.command.meals
    return (
        all(in_week(line.served_on) for line in meals)
        and len({(line.served_on, line.meal) for line in meals}) == len(meals)
        and not any(banned(rc, dish) for line in meals for dish in line.dishes)
    )


def menu_allowed(rc: Resolved[Any], state: mn.MenuState) -> bool:
    if isinstance(rc.command, mn.PlanMenu):
        return plan_allowed(rc)
    return state.planned and not state.published


def honest_menu(rc: Resolved[Any], before: mn.MenuState, events: list[DomainEvent], after: Any) -> None:
    (event,) = events
    if isinstance(event, MenuPlanned):
        cmd = rc.command
        assert (event.menu_id, event.week_of, event.planned_by) == (MENU_ID, MONDAY, rc.actor)
        planned = [(m.served_on, m.meal, tuple(m.dishes)) for m in event.meals]
        assert planned == sorted(planned, key=lambda m: (m[0], list(Meal).index(m[1]))), "meals out of order"
        assert sorted(planned) == sorted((m.served_on, m.meal, tuple(m.dishes)) for m in cmd.meals)
        assert all(in_week(day) for day, _, _ in planned), "a meal outside the menu's week"
        assert len({(day, meal) for day, meal, _ in planned}) == len(planned), "a meal planned twice"
        assert not any(banned(rc, dish) for _, _, dishes in planned for dish in dishes), "a banned dish planned"
        assert after.meals == tuple(event.meals) and not after.published, "the week's plan not replaced whole"
        return
    assert isinstance(event, MenuPublished)
    assert before.planned and not before.published, "published unplanned or twice"
    assert event.menu_id == before.menu_id == MENU_ID and after.published and after.meals == before.meals


MEAL_LINES = st.builds(
    mn.MenuMealLine,
    served_on=st.sampled_from([0, 0, 1, 2, 3, 4, 5, 6, -1, 7]).map(lambda d: MONDAY + timedelta(days=d)),
    meal=st.sampled_from(list(Meal)),
    dishes=st.lists(st.sampled_from([*SAFE, *SAFE, *SAFE, *DISHES]), min_size=1, max_size=3, unique=True),
)
PLAN = st.builds(
    lambda cmd, rules: (cmd, {RULES_FACT: RULES[rules]}),
    st.builds(
        mn.PlanMenu,
        campus_id=st.just("main"),
        week_of=st.integers(0, 6).map(lambda d: MONDAY + timedelta(days=d)),  # the route names the stream by it
        meals=st.lists(MEAL_LINES, min_size=1, max_size=4),
    ),
    st.sampled_from(list(RULES)),
)
MENU = machine(
    "MenuMachine",
    mn.Menu,
    CANTEEN_EVENTS,
    MENU_ID,
    st.one_of(PLAN, step(st.builds(mn.PublishMenu))),
    ["zhou", "gu"],
    check=honest_menu,
    create=PLAN,
    refusals=(Rejected, InvalidInput),
    on_refusal=refused_only_when(menu_allowed),
)


MACHINES = [MENU]


@pytest.mark.parametrize("machine_class", MACHINES, ids=machine_ids(MACHINES))
def test_random_command_sequences_keep_the_decider_honest(machine_class: type[DeciderMachine]) -> None:
    run_machine(machine_class)
