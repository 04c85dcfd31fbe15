"""Property tests of the serving-skill contest's decider: a sheet scores every criterion within its
maximum, by a judge of an entrant, on or after the day it is held, and scoring again replaces it;
the ranking is the entrants by the mean of their judges' totals (hundredths, half up; unscored 0;
equal means by id), the prizes to entrants, and the results for the staff appraisal are the
sheets as scored; after that the results stand.

The machine, and what it checks of every decider: ``tests/properties.py``.
"""

from __future__ import annotations

import json
from datetime import date
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import strategies as st

from services.canteen import contest as co
from services.canteen.events import (
    CANTEEN_EVENTS,
    ContestResultsPublished,
    ServingContestAnnounced,
    ServingContestConcluded,
    ServingContestScored,
)
from services.eventkit.days import local_day
from services.eventkit.decider import Resolved
from services.eventkit.envelope import DomainEvent
from services.eventkit.errors import InvalidInput, Rejected
from services.hr_eval.events import ContestKind, Level, Prize
from tests.properties import (
    QUIET,
    DeciderMachine,
    machine,
    machine_ids,
    refused_only_when,
    run_machine,
    step,
    times,
)

pytestmark = QUIET

CONTEST_ID = "serving-2020"
MAXIMA = {"even": 6, "speed": 4}
JUDGES = ["zhou", "xu-vp", "gu"]  # three: means in thirds, rounded
ENTRANTS = ["jiang-cook", "han-canteen", "yuan-cook"]
NAMES = {"jiang-cook": "蒋师傅", "han-canteen": "韩阿姨"}  # as the directory knows them (one it does not)


def mean_hundredths(state: co.ContestState, entrant: str) -> int:
    totals = [sum(scores.values()) for (_, e), scores in state.sheets.items() if e == entrant]
    if not totals:
        return 0
    return int(Fraction(100 * sum(totals), len(totals)) + Fraction(1, 2))  # half up, >= 0


def expected_ranking(state: co.ContestState) -> list[str]:
    means = {e: mean_hundredths(state, e) for e in ENTRANTS}
    ranking: list[str] = []
    for entrant in ENTRANTS:  # insertion: before the first entrant with a lower mean, or equal and a later id
        at = next(
            (
                i
                for i, other in enumerate(ranking)
                if means[other] < means[entrant] or (means[other] == means[entrant] and other > entrant)
            ),
            len(ranking),
        )
        ranking.insert(at, entrant)
    return ranking


def contest_allowed(rc: Resolved[Any], state: co.ContestState) -> bool:
    cmd = rc.command
    if isinstance(cmd, co.AnnounceServingContest):
        return not state.announced
    if not state.announced or state.ranking is not None:
        return False
    assert state.held_on is not None
    if local_day(rc.at) < state.held_on:
        return False
    if isinstance(cmd, co.ConcludeServingContest):
        return bool(state.sheets) and all(p.entrant in ENTRANTS for p in cmd.prizes)
    scores = {line.criterion: line.score for line in cmd.scores}
    return (
        cmd.judge in JUDGES
        and cmd.entrant in ENTRANTS
        and scores.keys() == MAXIMA.keys()
        and all(score <= MAXIMA[code] for code, score in scores.items())
    )


def contest_holds(rc: Resolved[Any], before: co.ContestState, events: list[DomainEvent], after: Any) -> None:
    cmd = rc.command
    if isinstance(events[0], ServingContestAnnounced):
        assert not before.announced, "announced twice"
        return
    assert before.announced and before.ranking is None, "changed once concluded"
    assert before.held_on is not None and local_day(rc.at) >= before.held_on, "scored or concluded before it was held"
    if isinstance(events[0], ServingContestScored):
        (scored,) = events
        assert isinstance(scored, ServingContestScored)
        assert scored.judge in before.judges and scored.entrant in before.entrants
        assert scored.scores.keys() == MAXIMA.keys(), "a sheet without every criterion"
        assert all(0 <= scored.scores[code] <= top for code, top in MAXIMA.items()), "a score over its maximum"
        assert after.sheets == {**before.sheets, (cmd.judge, cmd.entrant): scored.scores}, "a sheet not replaced"
        return
    concluded, results = events
    assert isinstance(concluded, ServingContestConcluded) and isinstance(results, ContestResultsPublished)
    assert before.sheets, "concluded with no sheet"
    assert concluded.ranking == expected_ranking(before), "the ranking is not the sheets' means"
    assert after.ranking == tuple(concluded.ranking)
    assert [p.entrant for p in concluded.prizes] == [p.entrant for p in cmd.prizes]
    assert all(p.entrant in ENTRANTS for p in concluded.prizes), "a prize to someone not entered"
    assert (results.contest_ref, results.kind, results.level) == (CONTEST_ID, ContestKind.SKILL, Level.SCHOOL)
    assert results.held_on == before.held_on and results.judges == JUDGES
    names = json.loads(rc.facts[co.NAMES_FACT])
    assert [(e.entrant_id, e.name, e.staff_ids) for e in results.entrants] == [
        (e, names.get(e, e), [e]) for e in ENTRANTS
    ]
    sheets = {(s.judge, s.entrant_id): s.scores for s in results.sheets}
    assert len(sheets) == len(results.sheets) and sheets == dict(before.sheets), "not the sheets as scored"
    assert [(p.entrant_id, p.prize, p.bonus_rule_code) for p in results.prizes] == [
        (p.entrant, p.prize, p.bonus_rule_code) for p in cmd.prizes
    ]


ANNOUNCE = step(
    st.builds(
        co.AnnounceServingContest,
        contest_id=st.just(CONTEST_ID),
        school_id=st.just("xuexiao"),
        campus_id=st.just("main"),
        name=st.just("食堂员工打菜技能评比"),
        held_on=st.sampled_from([date(2020, 9, 1), date(2020, 9, 1), date(2020, 9, 2), date(2020, 9, 4)]),
        criteria=st.just([co.ServingCriterionLine(code=c, name=c, max_score=m) for c, m in MAXIMA.items()]),
        judges=st.just(JUDGES),
        entrants=st.just(ENTRANTS),
    )
)
SHEET = st.builds(  # mostly a whole sheet, at or near the maxima (few values: equal means happen)
    lambda even, speed: [
        co.ServingScoreLine(criterion="even", score=even),
        co.ServingScoreLine(criterion="speed", score=speed),
    ],
    st.sampled_from([6, 3, 0, 6, 7]),
    st.sampled_from([4, 1, 0, 4, 5]),
) | st.lists(
    st.builds(co.ServingScoreLine, criterion=st.sampled_from(["even", "speed", "style"]), score=st.integers(0, 8)),
    min_size=1,
    max_size=3,
    unique_by=lambda line: line.criterion,
)
SCORE = step(
    st.builds(
        co.ScoreServingContest,
        judge=st.sampled_from([*JUDGES, *JUDGES, "sun"]),
        entrant=st.sampled_from([*ENTRANTS, *ENTRANTS, "qian"]),
        scores=SHEET,
        at=st.none() | times(4),
    )
)
PRIZES = st.lists(
    st.builds(
        co.ServingPrizeLine,
        entrant=st.sampled_from([*ENTRANTS, *ENTRANTS, "qian"]),
        prize=st.sampled_from(list(Prize)),
        title=st.just("打菜技能评比 一等奖"),
        bonus_rule_code=st.sampled_from([None, "B-1"]),
    ),
    max_size=3,
    unique_by=lambda line: line.entrant,
)
CONCLUDE = st.builds(
    lambda prizes, names: (co.ConcludeServingContest(prizes=prizes), {co.NAMES_FACT: names}),
    PRIZES,
    st.sampled_from([json.dumps(NAMES, ensure_ascii=False), "{}"]),
)
CONTEST = machine(
    "ServingContestMachine",
    co.ServingContest,
    CANTEEN_EVENTS,
    CONTEST_ID,
    st.sampled_from([SCORE, SCORE, SCORE, SCORE, SCORE, SCORE, CONCLUDE, ANNOUNCE]).flatmap(lambda s: s),
    ["zhou", "gu"],
    check=contest_holds,
    create=ANNOUNCE,
    refusals=(Rejected, InvalidInput),
    on_refusal=refused_only_when(contest_allowed),
)


MACHINES = [CONTEST]


@pytest.mark.parametrize("machine_class", MACHINES, ids=machine_ids(MACHINES))
def test_random_command_sequences_keep_the_decider_honest(machine_class: type[DeciderMachine]) -> None:
    run_machine(machine_class)
