"""Temperature logs (温度记录) of the kitchen's fridges, freezers, hot holding, sample fridge and
dish-washing machines.

A unit is registered with its limits (tenths of a degree Celsius, the lower below the upper).
Each reading is within the limits or not; a reading out of them needs a corrective action
(what was done: the door closed, the food moved, the unit repaired), taken once. Readings
out of limit without one are the open corrective actions, a figure of the food-safety ledger.

One stream per unit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from pydantic import Field, ValidationInfo, field_validator

from services.canteen.common import TenthsC
from services.canteen.events import CorrectiveActionTaken, TemperatureRead, TemperatureUnitRegistered, UnitKind
from services.eventkit.acts import ActAtOrNow
from services.eventkit.bounds import EntityId, Name, ShortText
from services.eventkit.commands import Command, examples
from services.eventkit.decider import Decider, Resolved
from services.eventkit.envelope import DomainEvent
from services.eventkit.errors import Rejected

# -- commands ----------------------------------------------------------------------------


class RegisterUnit(Command):
    """A fridge, freezer, hot-holding cabinet, sample fridge or dish-washing machine whose
    temperature is logged, with its limits."""

    model_config = examples(
        {
            "unit_id": "main-sample-fridge",
            "campus_id": "main",
            "name": "留样冰箱",
            "kind": "sample_fridge",
            "min_c10": 0,
            "max_c10": 80,
        }
    )

    unit_id: EntityId
    campus_id: EntityId
    name: Name = Field(description="What the kitchen calls it, e.g. 留样冰箱, 2号冷藏柜")
    kind: UnitKind
    min_c10: TenthsC = Field(description="The lowest temperature within limits, in tenths of a degree Celsius")
    max_c10: TenthsC = Field(description="The highest temperature within limits (above min_c10)")
    at: ActAtOrNow = None

    @field_validator("max_c10")
    @classmethod
    def _above_min(cls, max_c10: int, info: ValidationInfo) -> int:
        min_c10 = info.data.get("min_c10")
        if min_c10 is not None and max_c10 <= min_c10:
            raise ValueError("max_c10 must be above min_c10")
        return max_c10


class RecordTemperature(Command):
    """A reading of a unit's temperature."""

    model_config = examples({"reading_id": "2020-10-12-0700", "c10": 42, "at": "2020-10-12T07:00:00+08:00"})

    reading_id: EntityId = Field(description="The reading's id, unique for the unit")
    c10: TenthsC = Field(description="The temperature read, in tenths of a degree Celsius")
    at: ActAtOrNow = None


class TakeCorrectiveAction(Command):
    """What was done about a reading out of limits (once per reading)."""

    model_config = examples(
        {"reading_id": "2020-10-12-0700", "action": "冰箱门未关严，已关好并复测4.2℃", "at": "2020-10-12T07:20:00+08:00"}
    )

    reading_id: EntityId = Field(description="The out-of-limit reading acted on")
    action: ShortText = Field(min_length=1, description="What was done")
    at: ActAtOrNow = None


# -- state -------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitState:
    campus_id: str = ""
    kind: UnitKind | None = None
    min_c10: int = 0
    max_c10: int = 0
    readings: frozenset[str] = frozenset()
    out_of_limits: frozenset[str] = frozenset()  # readings out of limits
    acted_on: frozenset[str] = frozenset()  # of them, those with a corrective action

    def within(self, c10: int) -> bool:
        return self.min_c10 <= c10 <= self.max_c10


UnitCommand = Resolved[RegisterUnit] | Resolved[RecordTemperature] | Resolved[TakeCorrectiveAction]


def decide(rc: UnitCommand, state: UnitState) -> Sequence[DomainEvent]:
    cmd = rc.command
    if isinstance(cmd, RegisterUnit):
        if state.kind is not None:
            raise Rejected(f"unit {cmd.unit_id} is already registered", field="unit_id")
        return [
            TemperatureUnitRegistered(
                unit_id=cmd.unit_id,
                campus_id=cmd.campus_id,
                name=cmd.name,
                kind=cmd.kind,
                min_c10=cmd.min_c10,
                max_c10=cmd.max_c10,
                registered_by=rc.actor,
            )
        ]
    if state.kind is None:
        raise Rejected("the unit was never registered")
    if isinstance(cmd, RecordTemperature):
        if cmd.reading_id in state.readings:
            raise Rejected(f"reading {cmd.reading_id} is already recorded", field="reading_id")
        return [
            TemperatureRead(
                unit_id=rc.entity_id,
                campus_id=state.campus_id,
                reading_id=cmd.reading_id,
                c10=cmd.c10,
                within_limits=state.within(cmd.c10),
                read_by=rc.actor,
            )
        ]
    assert isinstance(cmd, TakeCorrectiveAction)
    if cmd.reading_id not in state.readings:
        raise Rejected(f"reading {cmd.reading_id} is not a reading of this unit", field="reading_id")
    if cmd.reading_id not in state.out_of_limits:
        raise Rejected(f"reading {cmd.reading_id} is within limits: it needs no corrective action", field="reading_id")
    if cmd.reading_id in state.acted_on:
        raise Rejected(f"reading {cmd.reading_id} already has its corrective action", field="reading_id")
    return [
        CorrectiveActionTaken(
            unit_id=rc.entity_id,
            campus_id=state.campus_id,
            reading_id=cmd.reading_id,
            action=cmd.action,
            taken_by=rc.actor,
        )
    ]


def evolve(state: UnitState, event: DomainEvent) -> UnitState:
    match event:
        case TemperatureUnitRegistered():
            return UnitState(event.campus_id, event.kind, event.min_c10, event.max_c10)
        case TemperatureRead():
            out = state.out_of_limits if event.within_limits else state.out_of_limits | {event.reading_id}
            return replace(state, readings=state.readings | {event.reading_id}, out_of_limits=out)
        case CorrectiveActionTaken():
            return replace(state, acted_on=state.acted_on | {event.reading_id})
    return state


TemperatureUnit: Decider[UnitCommand, UnitState, DomainEvent] = Decider(
    "TemperatureUnit", UnitState(), decide, evolve, "temperature-unit", starts=(RegisterUnit,)
)
"""One stream per unit."""
