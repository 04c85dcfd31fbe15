"""Property tests of the accompanied meal's decider: one record per diner, campus, day and meal,
naming the leader who ate (the sender, or the leader the office names) by the directory's name.

The machine, and what it checks of every decider: ``tests/properties.py``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import strategies as st

from services.canteen.accompanied import (
    DINER_NAME,
    AccompaniedMeal,
    DishRatingLine,
    RecordAccompaniedMeal,
    accompanied_id,
)
from services.canteen.events import CANTEEN_EVENTS, DinerKind, Meal, MealAccompanied
from services.eventkit.decider import Resolved
from services.eventkit.envelope import DomainEvent
from tests.properties import QUIET, DeciderMachine, machine, machine_ids, refused_only_when, run_machine

pytestmark = QUIET

SERVED_ON = date(2020, 9, 7)
RATING = st.builds(
    DishRatingLine,
    dish=st.sampled_from(["番茄炒蛋", "红烧鸡腿", "清炒青菜"]),
    look=st.integers(1, 5),
    taste=st.integers(1, 5),
    quantity=st.integers(1, 5),
)
# The vice principal enters her own meal, naming herself or not (the stream is hers either way).
RECORD = st.builds(
    lambda diner, ratings, issues: (
        RecordAccompaniedMeal(
            campus_id="main", on=SERVED_ON, meal=Meal.LUNCH, diner_id=diner, place="一楼学生餐厅",
            ratings=ratings, issues=issues,
        ),
        {DINER_NAME: "徐副校长"},
    ),
    st.sampled_from(["xu-vp", None]),
    st.lists(RATING, min_size=1, max_size=3, unique_by=lambda r: r.dish),
    st.lists(st.sampled_from(["米饭偏硬", "汤偏咸"]), max_size=2),
)  # fmt: skip


def recorded_once_as_eaten(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    cmd = rc.command
    (event,) = events
    assert isinstance(event, MealAccompanied) and not before.recorded, "a meal recorded twice"
    assert event.record_id == rc.entity_id and event.diner_id == (cmd.diner_id or rc.actor)
    assert event.diner_name == rc.facts[DINER_NAME] and event.diner_kind is DinerKind.LEADER
    assert (event.campus_id, event.served_on, event.meal) == (cmd.campus_id, cmd.on, cmd.meal)
    assert [r.model_dump() for r in event.ratings] == [r.model_dump() for r in cmd.ratings]
    assert event.issues == cmd.issues and event.recorded_by == rc.actor == after.recorded_by


ACCOMPANIED = machine(
    "AccompaniedMealMachine",
    AccompaniedMeal,
    CANTEEN_EVENTS,
    accompanied_id("xu-vp", "main", SERVED_ON, Meal.LUNCH.value),
    RECORD,
    ["xu-vp"],
    check=recorded_once_as_eaten,
    create=RECORD,
    on_refusal=refused_only_when(lambda rc, state: not state.recorded),
)


MACHINES = [ACCOMPANIED]


@pytest.mark.parametrize("machine_class", MACHINES, ids=machine_ids(MACHINES))
def test_random_command_sequences_keep_the_decider_honest(machine_class: type[DeciderMachine]) -> None:
    run_machine(machine_class)
