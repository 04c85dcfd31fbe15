"""The serving-skill contest (打菜技能评比) of a school's canteen workers.

Announced with its criteria (each with its maximum score), its judges (staff of the school) and
its entrants (canteen workers of the school). On or after the day it is held, each judge scores
each entrant on every criterion; a judge scoring the same entrant again replaces the earlier
sheet (until the contest is concluded). Concluding ranks the entrants by the mean of their
judges' totals (in hundredths of a point, rounded half up; an entrant no judge scored counts 0;
equal means in the order of the entrants' ids) and gives the prizes the command names — each to
an entrant, once, optionally with a bonus rule of the staff appraisal's rule book. The results
then go to the staff appraisal (:class:`services.canteen.events.ContestResultsPublished`, a
contest of kind ``skill`` at school level with one sheet per judge and entrant), which keeps it
with its awards. One stream per contest.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from pydantic import Field, field_validator

from services.canteen.audits import RuleCode
from services.canteen.events import (
    ContestCriterion,
    ContestPrize,
    ContestResultsPublished,
    ServingContestAnnounced,
    ServingContestConcluded,
    ServingContestScored,
)
from services.eventkit.acts import ActAtOrNow, not_before
from services.eventkit.bounds import EntityId, Few, Name
from services.eventkit.commands import Command, examples
from services.eventkit.decider import Decider, Resolved
from services.eventkit.envelope import DomainEvent, Value
from services.eventkit.errors import InvalidInput, Rejected
from services.hr_eval.events import ContestKind, ContestPrizeGiven, ContestSheet, Criterion, Entrant, Level, Prize

ORGANISER = "学校后勤处"
"""Who organises the serving-skill contest, as the staff appraisal keeps it."""
NAMES_FACT = "entrant_names"
"""The entrants' names (a JSON object staff id -> name) the conclusion's lookup found."""


def _distinct(values: Sequence[str], what: str) -> None:
    if len(set(values)) != len(values):
        raise ValueError(f"each {what} appears once")


# -- commands ----------------------------------------------------------------------------


class ServingCriterionLine(Value):
    """A criterion the judges score, with its maximum."""

    code: EntityId = Field(description="The criterion's code, e.g. even")
    name: Name = Field(description="What is judged, e.g. 均匀度")
    max_score: int = Field(ge=1, le=1000, description="The most a judge may give for it")


class AnnounceServingContest(Command):
    """A serving-skill contest of the school's canteen workers, held on a campus."""

    model_config = examples(
        {
            "contest_id": "serving-2020",
            "school_id": "xuexiao",
            "campus_id": "main",
            "name": "食堂员工打菜技能评比",
            "held_on": "2020-11-18",
            "criteria": [
                {"code": "even", "name": "均匀度", "max_score": 60},
                {"code": "speed", "name": "速度", "max_score": 40},
            ],
            "judges": ["zhou", "xu-vp"],
            "entrants": ["jiang-cook", "han-canteen"],
        }
    )

    contest_id: EntityId = Field(description="The contest's id, chosen by the client")
    school_id: EntityId
    campus_id: EntityId = Field(description="The campus it is held on")
    name: Name = Field(description="The contest's name")
    held_on: date = Field(description="The day it is held")
    criteria: Few[ServingCriterionLine] = Field(
        min_length=1, description="What the judges score, each with its maximum"
    )
    judges: Few[EntityId] = Field(min_length=1, description="The judges: staff of the school")
    entrants: Few[EntityId] = Field(min_length=1, description="The entrants: canteen workers of the school")
    at: ActAtOrNow = None

    @field_validator("criteria")
    @classmethod
    def _distinct_criteria(cls, criteria: list[ServingCriterionLine]) -> list[ServingCriterionLine]:
        _distinct([c.code for c in criteria], "criterion")
        return criteria

    @field_validator("judges", "entrants")
    @classmethod
    def _distinct_people(cls, people: list[str]) -> list[str]:
        _distinct(people, "person")
        return people


class ServingScoreLine(Value):
    """A judge's score on one criterion."""

    criterion: EntityId = Field(description="The criterion's code")
    score: int = Field(ge=0, le=1000, description="Points given, at most the criterion's maximum")


class ScoreServingContest(Command):
    """A judge's sheet of one entrant: a score per criterion (scoring again replaces it)."""

    model_config = examples(
        {
            "judge": "zhou",
            "entrant": "jiang-cook",
            "scores": [{"criterion": "even", "score": 52}, {"criterion": "speed", "score": 35}],
        }
    )

    judge: EntityId = Field(description="The judge scoring (staff id)")
    entrant: EntityId = Field(description="The entrant scored (staff id)")
    scores: Few[ServingScoreLine] = Field(min_length=1, description="A score for each of the contest's criteria")
    at: ActAtOrNow = None

    @field_validator("scores")
    @classmethod
    def _distinct_scores(cls, scores: list[ServingScoreLine]) -> list[ServingScoreLine]:
        _distinct([s.criterion for s in scores], "criterion")
        return scores


class ServingPrizeLine(Value):
    """A prize given to an entrant."""

    entrant: EntityId = Field(description="The entrant (staff id)")
    prize: Prize = Field(description="The prize")
    title: Name = Field(description="As written on the certificate, e.g. 打菜技能评比 一等奖")
    bonus_rule_code: RuleCode | None = Field(
        default=None, description="A bonus rule of the appraisal's rule book the prize earns the worker"
    )


class ConcludeServingContest(Command):
    """Rank the entrants from the judges' sheets and give the prizes: the results then stand."""

    model_config = examples(
        {
            "prizes": [
                {"entrant": "jiang-cook", "prize": "first", "title": "打菜技能评比 一等奖", "bonus_rule_code": "B-1"}
            ]
        }
    )

    prizes: Few[ServingPrizeLine] = Field(default_factory=list, description="The prizes given, each entrant once")
    at: ActAtOrNow = None

    @field_validator("prizes")
    @classmethod
    def _distinct_prizes(cls, prizes: list[ServingPrizeLine]) -> list[ServingPrizeLine]:
        _distinct([p.entrant for p in prizes], "entrant")
        return prizes


# -- state -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ContestState:
    contest_id: str = ""
    school_id: str = ""
    campus_id: str = ""
    name: str = ""
    held_on: date | None = None
    criteria: tuple[ContestCriterion, ...] = ()
    judges: tuple[str, ...] = ()
    entrants: tuple[str, ...] = ()
    # (judge, entrant) -> criterion code -> score; the latest sheet of each pair
    sheets: Mapping[tuple[str, str], Mapping[str, int]] = field(default_factory=dict)
    ranking: tuple[str, ...] | None = None

    @property
    def announced(self) -> bool:
        return self.held_on is not None


def mean_hundredths(state: ContestState, entrant: str) -> int:
    """The mean of the judges' totals of an entrant, in hundredths of a point, rounded half up
    (0 if no judge scored them)."""
    totals = [sum(scores.values()) for (_, e), scores in dict(state.sheets).items() if e == entrant]
    if not totals:
        return 0
    n = len(totals)
    return (200 * sum(totals) + n) // (2 * n)


def ranking(state: ContestState) -> list[str]:
    """The entrants, best mean first (equal means in the order of their ids)."""
    return sorted(state.entrants, key=lambda e: (-mean_hundredths(state, e), e))


ContestCommand = Resolved[AnnounceServingContest] | Resolved[ScoreServingContest] | Resolved[ConcludeServingContest]


def decide(rc: ContestCommand, state: ContestState) -> Sequence[DomainEvent]:
    cmd = rc.command
    if isinstance(cmd, AnnounceServingContest):
        if state.announced:
            raise Rejected(f"contest {cmd.contest_id} is already announced", field="contest_id")
        return [
            ServingContestAnnounced(
                contest_id=cmd.contest_id,
                school_id=cmd.school_id,
                campus_id=cmd.campus_id,
                name=cmd.name,
                held_on=cmd.held_on,
                criteria=[ContestCriterion(code=c.code, name=c.name, max_score=c.max_score) for c in cmd.criteria],
                judges=list(cmd.judges),
                entrants=list(cmd.entrants),
                announced_by=rc.actor,
            )
        ]
    if not state.announced:
        raise Rejected("the contest was never announced")
    if state.ranking is not None:
        raise Rejected(f"contest {state.contest_id} is concluded: its results stand")
    assert state.held_on is not None
    not_before(rc.at, state.held_on, field="at", step="held", what="contest")
    if isinstance(cmd, ScoreServingContest):
        return [_score(rc, cmd, state)]
    assert isinstance(cmd, ConcludeServingContest)
    return _conclude(rc, cmd, state)


def _score(rc: ContestCommand, cmd: ScoreServingContest, state: ContestState) -> ServingContestScored:
    if cmd.judge not in state.judges:
        raise InvalidInput(f"{cmd.judge} is not a judge of the contest", field="judge")
    if cmd.entrant not in state.entrants:
        raise InvalidInput(f"{cmd.entrant} is not an entrant of the contest", field="entrant")
    maxima = {c.code: c.max_score for c in state.criteria}
    for i, line in enumerate(cmd.scores):
        top = maxima.get(line.criterion)
        if top is None:
            raise InvalidInput(f"the contest has no criterion {line.criterion}", field=f"scores.{i}.criterion")
        if line.score > top:
            raise InvalidInput(
                f"{line.score} is more than the most {line.criterion} gives ({top})", field=f"scores.{i}.score"
            )
    left = [code for code in maxima if code not in {line.criterion for line in cmd.scores}]
    if left:
        raise InvalidInput(f"a sheet scores every criterion: {', '.join(left)} is missing", field="scores")
    return ServingContestScored(
        contest_id=state.contest_id,
        judge=cmd.judge,
        entrant=cmd.entrant,
        scores={line.criterion: line.score for line in cmd.scores},
        recorded_by=rc.actor,
    )


def _conclude(rc: ContestCommand, cmd: ConcludeServingContest, state: ContestState) -> list[DomainEvent]:
    if not state.sheets:
        raise Rejected("no judge has scored anyone yet: there is nothing to rank", field="prizes")
    for i, prize in enumerate(cmd.prizes):
        if prize.entrant not in state.entrants:
            raise InvalidInput(f"{prize.entrant} is not an entrant of the contest", field=f"prizes.{i}.entrant")
    names: dict[str, str] = json.loads(rc.facts.get(NAMES_FACT, "{}"))
    order = ranking(state)
    return [
        ServingContestConcluded(
            contest_id=state.contest_id,
            ranking=order,
            prizes=[
                ContestPrize(entrant=p.entrant, prize=p.prize.value, title=p.title, bonus_rule_code=p.bonus_rule_code)
                for p in cmd.prizes
            ],
            concluded_by=rc.actor,
        ),
        ContestResultsPublished(
            contest_ref=state.contest_id,
            school_id=state.school_id,
            campus_id=state.campus_id,
            name=state.name,
            kind=ContestKind.SKILL,
            level=Level.SCHOOL,
            organiser=ORGANISER,
            held_on=state.held_on or rc.on,
            criteria=[Criterion(code=c.code, name=c.name, max_score=c.max_score) for c in state.criteria],
            judges=list(state.judges),
            entrants=[Entrant(entrant_id=e, name=names.get(e, e), staff_ids=[e]) for e in state.entrants],
            sheets=[
                ContestSheet(entrant_id=entrant, judge=judge, scores=dict(scores))
                for (judge, entrant), scores in sorted(dict(state.sheets).items())
            ],
            prizes=[
                ContestPrizeGiven(entrant_id=p.entrant, prize=p.prize, title=p.title, bonus_rule_code=p.bonus_rule_code)
                for p in cmd.prizes
            ],
            published_by=rc.actor,
        ),
    ]


def evolve(state: ContestState, event: DomainEvent) -> ContestState:
    match event:
        case ServingContestAnnounced():
            return ContestState(
                contest_id=event.contest_id,
                school_id=event.school_id,
                campus_id=event.campus_id,
                name=event.name,
                held_on=event.held_on,
                criteria=tuple(event.criteria),
                judges=tuple(event.judges),
                entrants=tuple(event.entrants),
                sheets={},
            )
        case ServingContestScored():
            sheets = dict(state.sheets)
            sheets[(event.judge, event.entrant)] = dict(event.scores)
            return replace(state, sheets=sheets)
        case ServingContestConcluded():
            return replace(state, ranking=tuple(event.ranking))
    return state


ServingContest: Decider[ContestCommand, ContestState, DomainEvent] = Decider(
    "ServingContest", ContestState(), decide, evolve, "serving-contest", starts=(AnnounceServingContest,)
)
"""One stream per contest."""
