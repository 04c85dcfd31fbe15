"""The weekly menu (菜谱): a campus's meals of one week, planned and published.

One stream per campus and week, named ``<campus>-<YYYY-MM-DD of the Monday>``. A plan lists the
week's meals (a day of that week, the meal, its dishes); planning again replaces the whole week
(a published menu planned again is a new plan, published again when it is ready). A dish the
district's rules do not allow in a school canteen (:meth:`services.canteen.rules.Rules.banned`,
in force on the week's Monday) is refused, naming the dish's place in the plan, the banned dish
it is and why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from pydantic import Field, field_validator

from services.canteen.common import monday_of
from services.canteen.events import Meal, MenuMeal, MenuPlanned, MenuPublished
from services.canteen.rules import rules_from
from services.eventkit.acts import ActAtOrNow
from services.eventkit.bounds import EntityId, Few, Name
from services.eventkit.commands import Command, examples
from services.eventkit.decider import Decider, Resolved
from services.eventkit.envelope import DomainEvent, Value
from services.eventkit.errors import InvalidInput, Rejected


def menu_id_of(campus_id: str, week_of: date) -> str:
    """A campus's menu of a week: ``<campus>-<YYYY-MM-DD of the Monday>``."""
    return f"{campus_id}-{monday_of(week_of).isoformat()}"


# -- commands ----------------------------------------------------------------------------


class MenuMealLine(Value):
    """One meal of the week and its dishes."""

    served_on: date = Field(description="The day of the meal, within the menu's week")
    meal: Meal = Field(description="Breakfast, lunch or dinner")
    dishes: Few[Name] = Field(min_length=1, description="The dishes served, e.g. 番茄炒蛋")

    @field_validator("dishes")
    @classmethod
    def _distinct(cls, dishes: list[str]) -> list[str]:
        if len(set(dishes)) != len(dishes):
            raise ValueError("each dish appears once in a meal")
        return dishes


class PlanMenu(Command):
    """A campus's menu of one week (replacing the week's earlier plan whole)."""

    model_config = examples(
        {
            "campus_id": "main",
            "week_of": "2020-10-12",
            "meals": [
                {"served_on": "2020-10-12", "meal": "lunch", "dishes": ["番茄炒蛋", "红烧鸡块", "青菜豆腐汤"]},
                {"served_on": "2020-10-13", "meal": "lunch", "dishes": ["土豆烧牛肉", "清炒西兰花", "紫菜蛋汤"]},
            ],
        }
    )

    campus_id: EntityId
    week_of: date = Field(description="A day of the week planned (the menu is named by its Monday)")
    meals: Few[MenuMealLine] = Field(min_length=1, description="The week's meals, each with its dishes")
    at: ActAtOrNow = None


class PublishMenu(Command):
    """Publish the week's menu as planned (to the pupils, the staff and the parents of the campus)."""

    model_config = examples({})

    at: ActAtOrNow = None


# -- state -------------------------------------------------------------------------------


@dataclass(frozen=True)
class MenuState:
    menu_id: str = ""
    campus_id: str = ""
    week_of: date | None = None
    meals: tuple[MenuMeal, ...] = ()
    published: bool = False

    @property
    def planned(self) -> bool:
        return self.week_of is not None


MenuCommand = Resolved[PlanMenu] | Resolved[PublishMenu]


def decide(rc: MenuCommand, state: MenuState) -> Sequence[DomainEvent]:
    cmd = rc.command
    if isinstance(cmd, PlanMenu):
        return [_plan(rc.actor, rc.entity_id or menu_id_of(cmd.campus_id, cmd.week_of), cmd, rc)]
    if not state.planned:
        raise Rejected("the week's menu was never planned")
    if state.published:
        raise Rejected(f"menu {state.menu_id} is already published as planned")
    return [MenuPublished(menu_id=state.menu_id, campus_id=state.campus_id, published_by=rc.actor)]


def _plan(actor: str, menu_id: str, cmd: PlanMenu, rc: MenuCommand) -> MenuPlanned:
    rules = rules_from(rc.facts)
    monday = monday_of(cmd.week_of)
    seen: set[tuple[date, Meal]] = set()
    for i, line in enumerate(cmd.meals):
        if not monday <= line.served_on <= monday + timedelta(days=6):
            raise InvalidInput(
                f"{line.served_on} is not in the week of {monday} (Monday to Sunday)", field=f"meals.{i}.served_on"
            )
        if (line.served_on, line.meal) in seen:
            raise InvalidInput(f"the {line.meal.value} of {line.served_on} is planned twice", field=f"meals.{i}.meal")
        seen.add((line.served_on, line.meal))
        for j, dish in enumerate(line.dishes):
            banned = rules.banned(dish)
            if banned is not None:
                raise InvalidInput(
                    f"{dish} is {banned.name}, which a school canteen may not serve: {banned.reason}",
                    field=f"meals.{i}.dishes.{j}",
                )
    meals = sorted(cmd.meals, key=lambda m: (m.served_on, list(Meal).index(m.meal)))
    return MenuPlanned(
        menu_id=menu_id,
        campus_id=cmd.campus_id,
        week_of=monday,
        meals=[MenuMeal(served_on=m.served_on, meal=m.meal, dishes=list(m.dishes)) for m in meals],
        planned_by=actor,
    )


def evolve(state: MenuState, event: DomainEvent) -> MenuState:
    match event:
        case MenuPlanned():
            return MenuState(event.menu_id, event.campus_id, event.week_of, tuple(event.meals), published=False)
        case MenuPublished():
            return replace(state, published=True)
    return state


Menu: Decider[MenuCommand, MenuState, DomainEvent] = Decider("Menu", MenuState(), decide, evolve, "menu")
"""One stream per campus and week (``<campus>-<Monday>``)."""
