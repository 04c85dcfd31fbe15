"""Food samples (留样) and the meals they are taken of.

Every dish of every meal is sampled: at least the district's set amount (125 g by default) of
it, kept in a sample fridge at least the district's set time (48 hours by default), labelled
with the meal, the dish, the time and the person. A sample may be disposed of only once that
time has passed (``release_after``) and while no investigation holds it (a suspected
food-poisoning case keeps every sample of the meals concerned).

A meal served (its dishes, who served them, how many ate) is a stream of its own, named by
its campus, day and meal (:func:`services.canteen.common.meal_id`). A worker stood down at a
morning check serves no meal until cleared. Checking a meal's samples afterwards finds each
dish served without a sample retained: a finding, recorded once per dish.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum

from pydantic import Field, field_validator

from services.canteen.common import DISTRICT, KITCHEN, LEADERS, Grams
from services.canteen.events import (
    DishServedWithoutSample,
    Meal,
    MealServed,
    SampleDisposed,
    SampleHeld,
    SampleHoldLifted,
    SampleRetained,
)
from services.canteen.rules import rules_from
from services.eventkit.acts import ActAtOrNow, ActOn, OutOfOrder, not_before
from services.eventkit.auth import Role
from services.eventkit.bounds import Count, EntityId, Few, Name, ShortText
from services.eventkit.commands import Command, examples
from services.eventkit.days import CHINA
from services.eventkit.decider import Decider, Resolved
from services.eventkit.envelope import DomainEvent
from services.eventkit.errors import InvalidInput, Rejected

SAMPLE_HOLDERS = (*LEADERS, Role.MEDICAL, *DISTRICT)
"""Hold a sample for an investigation, and lift the hold: the school's leaders, its doctor, the district."""
MEAL_CHECKERS = (*KITCHEN, Role.PRINCIPAL, Role.VICE_PRINCIPAL)
"""Check a meal's samples after it: the kitchen and the school's leaders."""

# -- what a handler looks up -------------------------------------------------------------

STOOD_DOWN_FACT = "stood_down"
"""The servers of a meal stood down at a morning check and not cleared (JSON list of staff ids)."""
SAMPLED_FACT = "sampled"
"""The dishes of a meal a sample was retained of (JSON list of dish names)."""


def _distinct(values: list[str], what: str) -> list[str]:
    if len(set(values)) != len(values):
        raise ValueError(f"each {what} appears once")
    return values


# -- commands ----------------------------------------------------------------------------


class RetainSample(Command):
    """A sample of one dish of a meal, weighed and put in the sample fridge."""

    model_config = examples(
        {
            "sample_id": "main-2020-10-12-lunch-1",
            "campus_id": "main",
            "served_on": "2020-10-12",
            "meal": "lunch",
            "dish": "番茄炒蛋",
            "grams": 150,
            "unit_id": "main-sample-fridge",
            "at": "2020-10-12T11:20:00+08:00",
        }
    )

    sample_id: EntityId = Field(description="The sample's label, e.g. <campus>-<YYYY-MM-DD>-<meal>-<n>")
    campus_id: EntityId
    served_on: date = Field(description="The day of the meal the dish is served at")
    meal: Meal
    dish: Name = Field(description="The dish sampled, as the menu names it")
    grams: Grams = Field(description="What the sample weighs: at least the district's set amount (125 g)")
    unit_id: EntityId | None = Field(default=None, description="The sample fridge it is kept in (a registered unit)")
    at: ActAtOrNow = None


class HoldSample(Command):
    """Keep a sample past its time for an investigation."""

    model_config = examples({"reason": "疑似食物中毒事件调查，封存留样", "at": "2020-10-13T09:00:00+08:00"})

    reason: ShortText = Field(min_length=1, description="The investigation the sample is held for")
    at: ActAtOrNow = None


class LiftHold(Command):
    """The investigation no longer needs the sample."""

    model_config = examples({"reason": "调查结束，排除食源性原因", "at": "2020-10-20T09:00:00+08:00"})

    reason: ShortText = Field(min_length=1, description="Why the sample is no longer held")
    at: ActAtOrNow = None


class DisposeSample(Command):
    """The sample is thrown away, once its time has passed and nothing holds it."""

    model_config = examples({"at": "2020-10-14T12:00:00+08:00"})

    at: ActAtOrNow = None


class RecordMealServed(Command):
    """A meal served at a campus: its dishes, the canteen workers who served it, how many ate."""

    model_config = examples(
        {
            "campus_id": "main",
            "on": "2020-10-12",
            "meal": "lunch",
            "dishes": ["番茄炒蛋", "红烧鸡块", "清炒青菜", "紫菜蛋汤"],
            "servers": ["jiang-cook", "han-canteen"],
            "diners": 812,
        }
    )

    campus_id: EntityId
    on: ActOn
    meal: Meal
    dishes: Few[Name] = Field(min_length=1, description="The dishes served, each once")
    servers: Few[EntityId] = Field(
        min_length=1, description="The canteen workers of the campus who served it (staff ids)"
    )
    diners: Count = Field(description="The pupils and staff served")

    @field_validator("dishes")
    @classmethod
    def _dishes_once(cls, dishes: list[str]) -> list[str]:
        return _distinct(dishes, "dish")

    @field_validator("servers")
    @classmethod
    def _servers_once(cls, servers: list[str]) -> list[str]:
        return _distinct(servers, "server")


class CheckMealSamples(Command):
    """After the meal: each dish served without a sample retained is a finding."""

    model_config = examples({"at": "2020-10-12T13:30:00+08:00"})

    at: ActAtOrNow = None


# -- the sample ----------------------------------------------------------------------------


class SampleStatus(StrEnum):
    KEPT = "kept"  # in the fridge
    DISPOSED = "disposed"


@dataclass(frozen=True)
class SampleState:
    status: SampleStatus | None = None
    campus_id: str = ""
    release_after: datetime | None = None
    held: bool = False
    hold_reason: str = ""


SampleCommand = Resolved[RetainSample] | Resolved[HoldSample] | Resolved[LiftHold] | Resolved[DisposeSample]


def _when(at: datetime) -> str:
    return at.astimezone(CHINA).isoformat()


def decide_sample(rc: SampleCommand, state: SampleState) -> Sequence[DomainEvent]:
    cmd = rc.command
    if isinstance(cmd, RetainSample):
        if state.status is not None:
            raise Rejected(f"sample {cmd.sample_id} is already retained", field="sample_id")
        rules = rules_from(rc.facts)
        if cmd.grams < rules.sample_min_grams:
            raise InvalidInput(
                f"a sample weighs at least {rules.sample_min_grams} g (this one {cmd.grams} g)", field="grams"
            )
        if rc.on != cmd.served_on:
            raise Rejected(
                f"at {_when(rc.at)} is not on the day of the meal ({cmd.served_on.isoformat()}): "
                "a sample is taken when the dish is served",
                field="at",
            )
        return [
            SampleRetained(
                sample_id=cmd.sample_id,
                campus_id=cmd.campus_id,
                served_on=cmd.served_on,
                meal=cmd.meal,
                dish=cmd.dish,
                grams=cmd.grams,
                unit_id=cmd.unit_id,
                retained_by=rc.actor,
                release_after=rc.at + timedelta(hours=rules.sample_min_hours),
            )
        ]
    if state.status is None:
        raise Rejected("the sample was never retained")
    if state.status is SampleStatus.DISPOSED:
        raise Rejected("the sample is disposed of")
    if isinstance(cmd, HoldSample):
        if state.held:
            raise Rejected(f"the sample is already held: {state.hold_reason}")
        return [SampleHeld(sample_id=rc.entity_id, reason=cmd.reason, held_by=rc.actor)]
    if isinstance(cmd, LiftHold):
        if not state.held:
            raise Rejected("the sample is not held")
        return [SampleHoldLifted(sample_id=rc.entity_id, reason=cmd.reason, lifted_by=rc.actor)]
    assert isinstance(cmd, DisposeSample)
    if state.held:
        raise Rejected(f"the sample is held for an investigation ({state.hold_reason}): lift the hold first")
    assert state.release_after is not None
    if rc.at < state.release_after:
        raise OutOfOrder(
            f"at {_when(rc.at)} is before the sample may be released ({_when(state.release_after)})",
            field="at",
            step="release_after",
            step_time=state.release_after,
        )
    return [SampleDisposed(sample_id=rc.entity_id, campus_id=state.campus_id, disposed_by=rc.actor)]


def evolve_sample(state: SampleState, event: DomainEvent) -> SampleState:
    match event:
        case SampleRetained():
            return SampleState(SampleStatus.KEPT, event.campus_id, event.release_after)
        case SampleHeld():
            return replace(state, held=True, hold_reason=event.reason)
        case SampleHoldLifted():
            return replace(state, held=False, hold_reason="")
        case SampleDisposed():
            return replace(state, status=SampleStatus.DISPOSED)
    return state


Sample: Decider[SampleCommand, SampleState, DomainEvent] = Decider(
    "Sample", SampleState(), decide_sample, evolve_sample, "food-sample", starts=(RetainSample,)
)
"""One stream per sample (its label)."""


# -- the meal served -------------------------------------------------------------------------


@dataclass(frozen=True)
class MealState:
    campus_id: str = ""
    served_on: date | None = None
    meal: Meal | None = None
    dishes: tuple[str, ...] = ()
    found: frozenset[str] = frozenset()  # dishes found served without a sample


MealCommand = Resolved[RecordMealServed] | Resolved[CheckMealSamples]


def decide_meal(rc: MealCommand, state: MealState) -> Sequence[DomainEvent]:
    cmd = rc.command
    if isinstance(cmd, RecordMealServed):
        if state.served_on is not None:
            raise Rejected(f"{cmd.meal} of {cmd.on.isoformat()} is already recorded", field="meal")
        stood_down = json.loads(rc.facts.get(STOOD_DOWN_FACT, "[]"))
        if stood_down:
            raise Rejected(
                f"stood down at a morning check and not cleared, so serving no meal: {', '.join(stood_down)}",
                field="servers",
            )
        return [
            MealServed(
                meal_id=rc.entity_id,
                campus_id=cmd.campus_id,
                served_on=cmd.on,
                meal=cmd.meal,
                dishes=list(cmd.dishes),
                servers=list(cmd.servers),
                diners=cmd.diners,
                recorded_by=rc.actor,
            )
        ]
    assert isinstance(cmd, CheckMealSamples)
    if state.served_on is None or state.meal is None:
        raise Rejected("the meal was never recorded as served")
    not_before(rc.on, state.served_on, field="at", step="served", what="meal")
    sampled = set(json.loads(rc.facts.get(SAMPLED_FACT, "[]")))
    return [
        DishServedWithoutSample(
            meal_id=rc.entity_id,
            campus_id=state.campus_id,
            served_on=state.served_on,
            meal=state.meal,
            dish=dish,
            found_by=rc.actor,
        )
        for dish in state.dishes
        if dish not in sampled and dish not in state.found
    ]


def evolve_meal(state: MealState, event: DomainEvent) -> MealState:
    match event:
        case MealServed():
            return MealState(event.campus_id, event.served_on, event.meal, tuple(event.dishes))
        case DishServedWithoutSample():
            return replace(state, found=state.found | {event.dish})
    return state


MealService: Decider[MealCommand, MealState, DomainEvent] = Decider(
    "MealService", MealState(), decide_meal, evolve_meal, "meal", starts=(RecordMealServed,)
)
"""One stream per meal of a campus (``<campus>-<YYYY-MM-DD>-<meal>``)."""
