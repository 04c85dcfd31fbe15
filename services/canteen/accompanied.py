"""Accompanied meals (陪餐): a school leader eats with the pupils at a meal and records it —
each dish rated 1 to 5 for look, taste and quantity, and what they found wrong.

A leader records their own meal, or one of another leader of the campus (the office enters
the principal's). One record per diner, campus, day and meal: its stream is
``<diner>-<campus>-<day>-<meal>``, and a second record of it is refused. A parent's
accompanied meal is part of their visit (``canteen.VisitLunchAccompanied``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from pydantic import Field, field_validator

from services.canteen.common import Score, meal_id
from services.canteen.events import DinerKind, DishRating, Meal, MealAccompanied
from services.eventkit.acts import ActOn
from services.eventkit.bounds import EntityId, Few, Name, ShortText
from services.eventkit.commands import Command, examples
from services.eventkit.decider import Decider, Resolved
from services.eventkit.envelope import DomainEvent, Value
from services.eventkit.errors import Rejected

DINER_NAME = "diner_name"
"""The fact under which the lookup hands the diner's name (from the directory) to the decider."""


def accompanied_id(diner_id: str, campus_id: str, served_on: date, meal: str) -> str:
    """A diner's record of a meal: ``<diner>-<campus>-<YYYY-MM-DD>-<meal>``."""
    return f"{diner_id}-{meal_id(campus_id, served_on, meal)}"


class DishRatingLine(Value):
    """How the diner found one dish: 1 (poor) to 5 (very good) for look, taste and quantity."""

    dish: Name = Field(description="The dish, as the menu names it")
    look: Score = Field(description="Its look, 1 (poor) to 5 (very good)")
    taste: Score = Field(description="Its taste, 1 (poor) to 5 (very good)")
    quantity: Score = Field(description="Its quantity, 1 (too little) to 5 (ample)")


class RecordAccompaniedMeal(Command):
    """A leader ate with the pupils at a meal: the dishes rated and the issues found."""

    model_config = examples(
        {
            "campus_id": "main",
            "on": "2020-09-07",
            "meal": "lunch",
            "place": "一楼学生餐厅",
            "ratings": [
                {"dish": "番茄炒蛋", "look": 5, "taste": 4, "quantity": 4},
                {"dish": "红烧鸡腿", "look": 4, "taste": 5, "quantity": 3},
            ],
            "issues": ["米饭偏硬"],
        }
    )

    campus_id: EntityId
    on: ActOn
    meal: Meal = Field(description="breakfast, lunch or dinner")
    diner_id: EntityId | None = Field(
        default=None, description="The leader who ate (a staff id); omit when it is the sender"
    )
    place: ShortText = Field(default="", description="Where, e.g. 一楼学生餐厅")
    ratings: Few[DishRatingLine] = Field(min_length=1, description="Each dish eaten, rated")
    issues: Few[ShortText] = Field(default_factory=list, description="What the diner found wrong (none: nothing)")

    @field_validator("ratings")
    @classmethod
    def _dish_once(cls, ratings: list[DishRatingLine]) -> list[DishRatingLine]:
        dishes = [r.dish for r in ratings]
        if len(set(dishes)) != len(dishes):
            raise ValueError("each dish is rated once")
        return ratings

    @field_validator("issues")
    @classmethod
    def _issues_written(cls, issues: list[str]) -> list[str]:
        if any(not i for i in issues):
            raise ValueError("an issue is written out (not blank)")
        return issues


@dataclass(frozen=True)
class AccompaniedState:
    recorded: bool = False
    recorded_by: str = ""


def decide(rc: Resolved[RecordAccompaniedMeal], state: AccompaniedState) -> Sequence[DomainEvent]:
    cmd = rc.command
    diner_id = cmd.diner_id or rc.actor
    if state.recorded:
        raise Rejected(
            f"{diner_id}'s {cmd.meal.value} on {cmd.on.isoformat()} at {cmd.campus_id} is already recorded "
            f"(by {state.recorded_by})",
            field="on",
        )
    return [
        MealAccompanied(
            record_id=rc.entity_id,
            campus_id=cmd.campus_id,
            served_on=cmd.on,
            meal=cmd.meal,
            diner_id=diner_id,
            diner_name=rc.facts.get(DINER_NAME, diner_id),
            diner_kind=DinerKind.LEADER,
            place=cmd.place,
            ratings=[DishRating(**r.model_dump()) for r in cmd.ratings],
            issues=list(cmd.issues),
            recorded_by=rc.actor,
        )
    ]


def evolve(state: AccompaniedState, event: DomainEvent) -> AccompaniedState:
    if isinstance(event, MealAccompanied):
        return AccompaniedState(True, event.recorded_by)
    return state


AccompaniedMeal: Decider[Resolved[RecordAccompaniedMeal], AccompaniedState, DomainEvent] = Decider(
    "AccompaniedMeal", AccompaniedState(), decide, evolve, "accompanied-meal"
)
"""One stream per diner, campus, day and meal (see :func:`accompanied_id`)."""
