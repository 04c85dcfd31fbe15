"""Contests (竞赛): the canteen staff's serving-skill contest (打菜技能评比), the female teachers'
rope-skipping and shuttlecock contest, the young teachers' ethics speech contest.

A contest is announced with its rounds, its criteria (each with its maximum score), its judges
and its entrants (a member of staff, or a team named by its members). Each judge's score sheet
of one entrant in one round is recorded once: a sheet recorded again is refused (409) — a
mistaken sheet is not overwritten, so the ranking never depends on which of two sheets arrived
last. The contest is then ranked, once, by the decider from the sheets: per entrant, the sum
over the rounds of the mean of the judges' totals, in hundredths of a point (rounded half up),
entrants with equal totals sharing a rank (1, 1, 3). Ranking is refused while an entrant has
no sheet in some round, unless the ranking says ``allow_incomplete`` (the round then counts 0
for that entrant). Once ranked, no sheet is recorded any more.

Who keeps contests: the logistics managers (and the district's admin) and the school's
principal and vice principals — the teachers' contests are the school's, not the logistics
office's (:data:`CONTEST_KEEPERS`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Annotated

from pydantic import Field, StringConstraints, field_validator

from services.eventkit.acts import ActAtOrNow, not_before
from services.eventkit.auth import Role
from services.eventkit.bounds import EntityId, Few, Many, Name
from services.eventkit.commands import Command, examples
from services.eventkit.decider import Decider, Resolved
from services.eventkit.envelope import DomainEvent, Value
from services.eventkit.errors import InvalidInput, Rejected
from services.hr_eval.common import MANAGERS
from services.hr_eval.events import (
    ContestAnnounced,
    ContestKind,
    ContestRanked,
    ContestRound,
    ContestScoreRecorded,
    Criterion,
    Entrant,
    Level,
    RankedEntrant,
)

CONTEST_KEEPERS = (*MANAGERS, Role.PRINCIPAL, Role.VICE_PRINCIPAL)
"""Announce contests, record their scores, rank them, grant awards and record the school's honours."""

CriterionCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$", max_length=32),
    Field(description="A criterion's code: letters, digits, dots, dashes, up to 32 characters"),
]
"""The code of a contest's criterion."""

Judge = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=r"^[^\x00]*$"),
    Field(description="A judge: the staff id of one of the school's own, or the name of an outside judge"),
]
"""A judge of a contest."""

Score = Annotated[int, Field(ge=0, le=1000, description="Points given, at most the criterion's maximum")]


def _distinct(values: Sequence[str], what: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"each {what} appears once: {value} appears twice")
        seen.add(value)


# -- commands ----------------------------------------------------------------------------


class RoundLine(Value):
    """A round of a contest (a preliminary, a final)."""

    round_id: EntityId = Field(description="The round's id in the contest")
    name: Name = Field(description="The round's name, e.g. 初赛")


class CriterionLine(Value):
    """A criterion the judges score, with its maximum."""

    code: CriterionCode
    name: Name = Field(description="What is judged, e.g. 打菜均匀")
    max_score: int = Field(ge=1, le=1000, description="The most a judge may give for it")


class EntrantLine(Value):
    """Who takes part: a member of staff, or a team named by its members."""

    entrant_id: EntityId = Field(description="The entrant's id in the contest")
    name: Name = Field(description="The entrant's name (a person's, or a team's)")
    staff_ids: Few[EntityId] = Field(
        default_factory=list, description="The staff members it is (one, or a team's members; none for outsiders)"
    )

    @field_validator("staff_ids")
    @classmethod
    def _distinct_staff(cls, staff_ids: list[str]) -> list[str]:
        _distinct(staff_ids, "staff member")
        return staff_ids


class AnnounceContest(Command):
    """A contest of the school (or of one campus), with its rounds, criteria, judges and entrants."""

    model_config = examples(
        {
            "contest_id": "serving-2020",
            "school_id": "xuexiao",
            "campus_id": "main",
            "name": "食堂员工打菜技能评比",
            "kind": "skill",
            "level": "school",
            "organiser": "学校后勤处",
            "held_on": "2020-11-18",
            "rounds": [{"round_id": "r1", "name": "初赛"}, {"round_id": "r2", "name": "决赛"}],
            "criteria": [
                {"code": "even", "name": "打菜均匀", "max_score": 60},
                {"code": "speed", "name": "速度", "max_score": 40},
            ],
            "judges": ["zhou", "xu-vp"],
            "entrants": [
                {"entrant_id": "liu", "name": "刘阿姨", "staff_ids": ["liu-canteen"]},
                {"entrant_id": "zhang", "name": "张阿姨", "staff_ids": ["zhang-canteen"]},
            ],
        }
    )

    contest_id: EntityId = Field(description="The contest's id, chosen by the client")
    school_id: EntityId
    campus_id: EntityId | None = Field(default=None, description="The campus, for a contest of one campus only")
    name: Name = Field(description="The contest's name")
    kind: ContestKind = Field(description="What kind of contest it is")
    level: Level = Field(description="The level it is held at: school, district, city...")
    organiser: Name = Field(description="Who organises it: the school, the district's bureau, the union...")
    held_on: date = Field(description="The day it is (or was) held")
    rounds: Few[RoundLine] = Field(min_length=1, description="Its rounds, in order")
    criteria: Few[CriterionLine] = Field(min_length=1, description="What the judges score, each with its maximum")
    judges: Few[Judge] = Field(min_length=1, description="Its judges")
    entrants: Many[EntrantLine] = Field(min_length=1, description="Who takes part")
    at: ActAtOrNow = None

    @field_validator("rounds")
    @classmethod
    def _distinct_rounds(cls, rounds: list[RoundLine]) -> list[RoundLine]:
        _distinct([r.round_id for r in rounds], "round")
        return rounds

    @field_validator("criteria")
    @classmethod
    def _distinct_criteria(cls, criteria: list[CriterionLine]) -> list[CriterionLine]:
        _distinct([c.code for c in criteria], "criterion")
        return criteria

    @field_validator("judges")
    @classmethod
    def _distinct_judges(cls, judges: list[str]) -> list[str]:
        _distinct(judges, "judge")
        return judges

    @field_validator("entrants")
    @classmethod
    def _distinct_entrants(cls, entrants: list[EntrantLine]) -> list[EntrantLine]:
        _distinct([e.entrant_id for e in entrants], "entrant")
        return entrants


class ScoreLine(Value):
    """A judge's score on one criterion."""

    criterion: CriterionCode
    score: Score


class RecordContestScore(Command):
    """One judge's score sheet of one entrant in one round: a score for every criterion."""

    model_config = examples(
        {
            "round_id": "r1",
            "entrant_id": "liu",
            "judge": "zhou",
            "scores": [{"criterion": "even", "score": 52}, {"criterion": "speed", "score": 35}],
        }
    )

    round_id: EntityId = Field(description="The round scored")
    entrant_id: EntityId = Field(description="The entrant scored")
    judge: Judge
    scores: Few[ScoreLine] = Field(min_length=1, description="A score for each of the contest's criteria")
    at: ActAtOrNow = None

    @field_validator("scores")
    @classmethod
    def _distinct_criteria(cls, scores: list[ScoreLine]) -> list[ScoreLine]:
        _distinct([s.criterion for s in scores], "criterion")
        return scores


class RankContest(Command):
    """Rank the entrants from the judges' sheets (the ranking is computed, not given)."""

    model_config = examples({"allow_incomplete": False})

    allow_incomplete: bool = Field(
        default=False,
        description="Rank even though some entrant has no sheet in some round (that round counts 0 for them)",
    )
    at: ActAtOrNow = None


# -- state -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ContestState:
    contest_id: str = ""
    school_id: str = ""
    campus_id: str | None = None
    level: Level | None = None
    held_on: date | None = None
    announced_at: datetime | None = None
    rounds: tuple[ContestRound, ...] = ()
    criteria: tuple[Criterion, ...] = ()
    judges: tuple[str, ...] = ()
    entrants: tuple[Entrant, ...] = ()
    # (round_id, entrant_id, judge) -> the sheet's total
    sheets: tuple[tuple[tuple[str, str, str], int], ...] = ()
    ranking: tuple[RankedEntrant, ...] | None = None

    @property
    def announced(self) -> bool:
        return self.announced_at is not None

    def entrant(self, entrant_id: str) -> Entrant | None:
        return next((e for e in self.entrants if e.entrant_id == entrant_id), None)

    def has_sheet(self, round_id: str, entrant_id: str, judge: str) -> bool:
        return any(key == (round_id, entrant_id, judge) for key, _ in self.sheets)


def _mean_hundredths(totals: Sequence[int]) -> int:
    """The mean of the totals in hundredths of a point, rounded half up (0 for none)."""
    if not totals:
        return 0
    n = len(totals)
    return (200 * sum(totals) + n) // (2 * n)


def ranking(state: ContestState) -> list[RankedEntrant]:
    """Each entrant's total (the sum over rounds of the mean of the judges' totals, in
    hundredths), highest first; equal totals share a rank and the next rank skips (1, 1, 3)."""
    totals: dict[str, int] = {}
    for entrant in state.entrants:
        total = 0
        for round_ in state.rounds:
            sheets = [t for (r, e, _), t in state.sheets if r == round_.round_id and e == entrant.entrant_id]
            total += _mean_hundredths(sheets)
        totals[entrant.entrant_id] = total
    order = sorted(state.entrants, key=lambda e: (-totals[e.entrant_id], e.entrant_id))
    ranked: list[RankedEntrant] = []
    for position, entrant in enumerate(order, start=1):
        total = totals[entrant.entrant_id]
        rank = ranked[-1].rank if ranked and ranked[-1].total == total else position
        ranked.append(RankedEntrant(entrant_id=entrant.entrant_id, total=total, rank=rank))
    return ranked


def unscored(state: ContestState) -> list[tuple[str, str]]:
    """(round, entrant) pairs without a single sheet."""
    scored = {(r, e) for (r, e, _), _ in state.sheets}
    return [
        (round_.round_id, entrant.entrant_id)
        for round_ in state.rounds
        for entrant in state.entrants
        if (round_.round_id, entrant.entrant_id) not in scored
    ]


ContestCommand = Resolved[AnnounceContest] | Resolved[RecordContestScore] | Resolved[RankContest]


def decide(rc: ContestCommand, state: ContestState) -> Sequence[DomainEvent]:
    cmd = rc.command
    if isinstance(cmd, AnnounceContest):
        if state.announced:
            raise Rejected(f"contest {cmd.contest_id} is already announced", field="contest_id")
        return [
            ContestAnnounced(
                contest_id=cmd.contest_id,
                school_id=cmd.school_id,
                campus_id=cmd.campus_id,
                name=cmd.name,
                kind=cmd.kind,
                level=cmd.level,
                organiser=cmd.organiser,
                held_on=cmd.held_on,
                rounds=[ContestRound(round_id=r.round_id, name=r.name) for r in cmd.rounds],
                criteria=[Criterion(code=c.code, name=c.name, max_score=c.max_score) for c in cmd.criteria],
                judges=list(cmd.judges),
                entrants=[Entrant(**e.model_dump()) for e in cmd.entrants],
                announced_by=rc.actor,
                announced_at=rc.at,
            )
        ]
    if not state.announced:
        raise Rejected("the contest was never announced")
    if state.ranking is not None:
        raise Rejected(f"contest {state.contest_id} is ranked: its results stand")
    not_before(rc.at, state.announced_at, field="at", step="announced", what="contest")
    if isinstance(cmd, RecordContestScore):
        return [_score(rc.actor, rc.at, cmd, state)]
    assert isinstance(cmd, RankContest)
    if not state.sheets:
        raise Rejected("no judge has scored anyone yet: there is nothing to rank", field="allow_incomplete")
    missing = unscored(state)
    if missing and not cmd.allow_incomplete:
        shown = ", ".join(f"{entrant} in round {round_id}" for round_id, entrant in missing[:10])
        more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
        raise Rejected(
            f"not scored yet: {shown}{more}; score them, or rank with allow_incomplete", field="allow_incomplete"
        )
    return [ContestRanked(contest_id=state.contest_id, ranking=ranking(state), ranked_by=rc.actor, ranked_at=rc.at)]


def _score(actor: str, at: datetime, cmd: RecordContestScore, state: ContestState) -> ContestScoreRecorded:
    if not any(r.round_id == cmd.round_id for r in state.rounds):
        raise InvalidInput(f"the contest has no round {cmd.round_id}", field="round_id")
    if state.entrant(cmd.entrant_id) is None:
        raise InvalidInput(f"{cmd.entrant_id} is not an entrant of the contest", field="entrant_id")
    if cmd.judge not in state.judges:
        raise InvalidInput(f"{cmd.judge} is not a judge of the contest", field="judge")
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
    if state.has_sheet(cmd.round_id, cmd.entrant_id, cmd.judge):
        raise Rejected(
            f"{cmd.judge} already scored {cmd.entrant_id} in round {cmd.round_id}: a sheet is recorded once",
            field="judge",
        )
    return ContestScoreRecorded(
        contest_id=state.contest_id,
        round_id=cmd.round_id,
        entrant_id=cmd.entrant_id,
        judge=cmd.judge,
        scores={line.criterion: line.score for line in cmd.scores},
        recorded_by=actor,
        recorded_at=at,
    )


def evolve(state: ContestState, event: DomainEvent) -> ContestState:
    match event:
        case ContestAnnounced():
            return ContestState(
                contest_id=event.contest_id,
                school_id=event.school_id,
                campus_id=event.campus_id,
                level=event.level,
                held_on=event.held_on,
                announced_at=event.announced_at,
                rounds=tuple(event.rounds),
                criteria=tuple(event.criteria),
                judges=tuple(event.judges),
                entrants=tuple(event.entrants),
            )
        case ContestScoreRecorded():
            key = (event.round_id, event.entrant_id, event.judge)
            return replace(state, sheets=(*state.sheets, (key, sum(event.scores.values()))))
        case ContestRanked():
            return replace(state, ranking=tuple(event.ranking))
    return state


Contest: Decider[ContestCommand, ContestState, DomainEvent] = Decider(
    "Contest", ContestState(), decide, evolve, "contest", starts=(AnnounceContest,)
)
"""One stream per contest."""
