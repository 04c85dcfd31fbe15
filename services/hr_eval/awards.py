"""Awards (获奖) and the school's honours (荣誉).

An award is a prize (first, second, third, excellence, special) at a level, given on a day:

- of a contest of the school: then it names the contest's entrant, and the contest is ranked
  first (its results stand); the award is at the contest's level, no earlier than the day the
  contest was held; it honours the entrant's staff (or those of them it names), under the
  entrant's name unless another is given;
- or given outside one (a district contest the school took part in, such as the female
  teachers' rope-skipping and shuttlecock contest won at district level): then it names its
  recipient, and the staff members it honours, each a member of staff of the school.

``bonus_rule_code`` names a bonus rule of the school's rule book in force on the award's day:
the logistics workers it honours are due that bonus in that month's appraisal. An award with a
bonus rule honours someone.

An honour is the school's own title (the city's 园林式单位 garden-style unit): its level, the
authority that conferred it and its day, for the semester report.

Each is recorded once under its id: a second time is refused (409). Kept by
:data:`services.hr_eval.contests.CONTEST_KEEPERS`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from pydantic import Field, field_validator

from services.eventkit.acts import ActOn, not_before
from services.eventkit.bounds import EntityId, Few, Name, ShortText
from services.eventkit.commands import Command, examples
from services.eventkit.decider import Decider, Resolved
from services.eventkit.envelope import DomainEvent, Value
from services.eventkit.errors import InvalidInput, Rejected
from services.hr_eval.common import RuleCode
from services.hr_eval.contests import ContestState
from services.hr_eval.events import AwardGranted, HonourRecorded, Level, Prize

# -- what a handler looks up -------------------------------------------------------------


class ContestEntrantFacts(Value):
    """An entrant of the contest an award names, as the award's handler found it."""

    name: str
    staff_ids: list[str]


class ContestFacts(Value):
    """The contest an award names, as the award's handler found it (the ``contest`` fact)."""

    school_id: str
    level: Level
    held_on: date
    ranked: bool
    entrants: dict[str, ContestEntrantFacts]

    @classmethod
    def of(cls, state: ContestState) -> ContestFacts:
        assert state.level is not None and state.held_on is not None
        return cls(
            school_id=state.school_id,
            level=state.level,
            held_on=state.held_on,
            ranked=state.ranking is not None,
            entrants={
                e.entrant_id: ContestEntrantFacts(name=e.name, staff_ids=list(e.staff_ids)) for e in state.entrants
            },
        )


CONTEST_FACT = "contest"
"""The contest an award names (:class:`ContestFacts` as JSON), or empty if it has no such contest."""
BONUS_FACT = "bonus_rule_points"
"""The points of the award's bonus rule in the rule book in force on its day, or empty if none."""


# -- commands ----------------------------------------------------------------------------


class GrantAward(Command):
    """A prize to an entrant of a ranked contest of the school, or to a recipient outside one."""

    model_config = examples(
        {
            "award_id": "serving-2020-first",
            "school_id": "xuexiao",
            "campus_id": "main",
            "contest_id": "serving-2020",
            "title": "食堂员工打菜技能评比 一等奖",
            "prize": "first",
            "level": "school",
            "on": "2020-11-20",
            "entrant_id": "liu",
            "bonus_rule_code": "B-1",
        },
        {
            "award_id": "rope-2020-district",
            "school_id": "xuexiao",
            "title": "新北区女教工跳绳踢毽比赛 一等奖",
            "prize": "first",
            "level": "district",
            "on": "2020-11-27",
            "recipient_name": "薛家实验小学女教工队",
            "staff_ids": ["huang", "zhu"],
        },
    )

    award_id: EntityId = Field(description="The award's id, chosen by the client")
    school_id: EntityId
    campus_id: EntityId | None = Field(default=None, description="The campus, for an award of one campus")
    contest_id: EntityId | None = Field(default=None, description="The school's contest it is a prize of")
    title: Name = Field(description="The award as written on the certificate, e.g. 团体一等奖")
    prize: Prize = Field(description="The prize")
    level: Level = Field(description="The level it is given at (a contest's award: the contest's level)")
    on: ActOn
    entrant_id: EntityId | None = Field(default=None, description="The contest's entrant it goes to")
    recipient_name: ShortText = Field(
        default="", description="Who receives it, as named on the certificate (default: the entrant's name)"
    )
    staff_ids: Few[EntityId] = Field(
        default_factory=list,
        description="The staff members it honours (default: the entrant's; none for an outside recipient)",
    )
    bonus_rule_code: RuleCode | None = Field(
        default=None, description="A bonus rule of the rule book the logistics workers it honours are due"
    )

    @field_validator("staff_ids")
    @classmethod
    def _distinct_staff(cls, staff_ids: list[str]) -> list[str]:
        if len(set(staff_ids)) != len(staff_ids):
            raise ValueError("each staff member appears once")
        return staff_ids


class RecordHonour(Command):
    """An honour of the school itself, with its level, the authority that conferred it and its day."""

    model_config = examples(
        {
            "honour_id": "garden-unit-2020",
            "school_id": "xuexiao",
            "title": "常州市园林式单位",
            "level": "city",
            "awarded_by": "常州市园林局",
            "on": "2020-12-10",
        }
    )

    honour_id: EntityId = Field(description="The honour's id, chosen by the client")
    school_id: EntityId
    campus_id: EntityId | None = Field(default=None, description="The campus, for an honour of one campus")
    title: Name = Field(description="The honour's title")
    level: Level = Field(description="The level of the authority that conferred it")
    awarded_by: Name = Field(description="The authority that conferred it")
    on: ActOn


# -- awards ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AwardState:
    granted: bool = False


AwardCommand = Resolved[GrantAward]


def decide_award(rc: AwardCommand, state: AwardState) -> Sequence[DomainEvent]:
    cmd = rc.command
    if state.granted:
        raise Rejected(f"award {cmd.award_id} is already granted", field="award_id")
    recipient, staff_ids = cmd.recipient_name, list(cmd.staff_ids)
    if cmd.contest_id is not None:
        recipient, staff_ids = _of_contest(cmd, rc.facts.get(CONTEST_FACT, ""))
    else:
        if cmd.entrant_id is not None:
            raise InvalidInput("an entrant is one of a contest: name the contest", field="entrant_id")
        if not recipient:
            raise InvalidInput("an award outside a contest names its recipient", field="recipient_name")
    if cmd.bonus_rule_code is not None:
        points = rc.facts.get(BONUS_FACT, "")
        if not points:
            raise InvalidInput(
                f"the rule book in force on {cmd.on} has no rule {cmd.bonus_rule_code}", field="bonus_rule_code"
            )
        if int(points) <= 0:
            raise InvalidInput(f"rule {cmd.bonus_rule_code} is a deduction, not a bonus", field="bonus_rule_code")
        if not staff_ids:
            raise InvalidInput("a bonus goes to staff: the award honours no staff member", field="bonus_rule_code")
    return [
        AwardGranted(
            award_id=cmd.award_id,
            school_id=cmd.school_id,
            campus_id=cmd.campus_id,
            contest_id=cmd.contest_id,
            title=cmd.title,
            prize=cmd.prize,
            level=cmd.level,
            awarded_on=cmd.on,
            entrant_id=cmd.entrant_id,
            recipient_name=recipient,
            staff_ids=staff_ids,
            bonus_rule_code=cmd.bonus_rule_code,
            granted_by=rc.actor,
            granted_at=rc.at,
        )
    ]


def _of_contest(cmd: GrantAward, fact: str) -> tuple[str, list[str]]:
    """The recipient and staff of an award of a contest, checked against the contest."""
    contest = ContestFacts.model_validate(json.loads(fact)) if fact else None
    if contest is None or contest.school_id != cmd.school_id:
        raise InvalidInput(f"the school has no contest {cmd.contest_id}", field="contest_id")
    if not contest.ranked:
        raise Rejected(f"contest {cmd.contest_id} is not ranked yet: rank it before its awards", field="contest_id")
    if cmd.level is not contest.level:
        raise InvalidInput(f"contest {cmd.contest_id} is held at {contest.level.value} level", field="level")
    not_before(cmd.on, contest.held_on, field="on", step="held", what="contest")
    if cmd.entrant_id is None:
        raise InvalidInput("an award of a contest names the entrant it goes to", field="entrant_id")
    entrant = contest.entrants.get(cmd.entrant_id)
    if entrant is None:
        raise InvalidInput(f"{cmd.entrant_id} is not an entrant of contest {cmd.contest_id}", field="entrant_id")
    others = [s for s in cmd.staff_ids if s not in entrant.staff_ids]
    if others:
        raise InvalidInput(f"{', '.join(others)} is not of the entrant {entrant.name}", field="staff_ids")
    return cmd.recipient_name or entrant.name, list(cmd.staff_ids) or list(entrant.staff_ids)


def evolve_award(state: AwardState, event: DomainEvent) -> AwardState:
    return AwardState(True) if isinstance(event, AwardGranted) else state


Award: Decider[AwardCommand, AwardState, DomainEvent] = Decider(
    "Award", AwardState(), decide_award, evolve_award, "award", starts=(GrantAward,)
)
"""One stream per award."""


# -- honours -----------------------------------------------------------------------------


@dataclass(frozen=True)
class HonourState:
    recorded: bool = False


HonourCommand = Resolved[RecordHonour]


def decide_honour(rc: HonourCommand, state: HonourState) -> Sequence[DomainEvent]:
    cmd = rc.command
    if state.recorded:
        raise Rejected(f"honour {cmd.honour_id} is already recorded", field="honour_id")
    return [
        HonourRecorded(
            honour_id=cmd.honour_id,
            school_id=cmd.school_id,
            campus_id=cmd.campus_id,
            title=cmd.title,
            level=cmd.level,
            awarded_by=cmd.awarded_by,
            awarded_on=cmd.on,
            recorded_by=rc.actor,
            recorded_at=rc.at,
        )
    ]


def evolve_honour(state: HonourState, event: DomainEvent) -> HonourState:
    return HonourState(True) if isinstance(event, HonourRecorded) else state


Honour: Decider[HonourCommand, HonourState, DomainEvent] = Decider(
    "Honour", HonourState(), decide_honour, evolve_honour, "honour", starts=(RecordHonour,)
)
"""One stream per honour."""
