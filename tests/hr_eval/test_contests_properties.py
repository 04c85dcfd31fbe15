"""Property tests of the contests' deciders: a judge's sheet is recorded once, every score within
its criterion's maximum; the ranking follows the totals (a higher total never ranked below a lower
one, equal totals sharing a rank) and then stands; an award or an honour is recorded once under its
id, an award of a contest only to an entrant of a ranked one.

The machine, and what it checks of every decider: ``tests/properties.py``.
"""

from __future__ import annotations

import json
from datetime import date
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import strategies as st

from services.eventkit.decider import Resolved
from services.eventkit.envelope import DomainEvent, TenantPath
from services.eventkit.errors import InvalidInput, Rejected
from services.hr_eval import awards as aw
from services.hr_eval import contests as ct
from services.hr_eval.events import (
    HR_EVAL_EVENTS,
    AwardGranted,
    ContestAnnounced,
    ContestKind,
    ContestRanked,
    ContestScoreRecorded,
    HonourRecorded,
    Level,
    Prize,
)
from tests.properties import (
    QUIET,
    DeciderMachine,
    days,
    machine,
    machine_ids,
    refused_only_when,
    run_machine,
    step,
    times,
)

pytestmark = QUIET

SCHOOL = TenantPath(district_id="xinbei", school_id="xuexiao")
MAXIMA = {"even": 6, "speed": 4}
ENTRANTS = {"liu": ["liu-canteen"], "zhang": ["zhang-canteen"], "team": ["wang-canteen", "zhao-canteen"]}

# -- contests ---------------------------------------------------------------------------------


def expected_totals(state: ct.ContestState) -> dict[str, int]:
    """Per entrant, the sum over rounds of the mean of its judges' sheets, in hundredths, half up."""
    totals = {}
    for entrant in state.entrants:
        hundredths = 0
        for round_ in state.rounds:
            sheets = [t for (r, e, _), t in state.sheets if (r, e) == (round_.round_id, entrant.entrant_id)]
            if sheets:
                mean = Fraction(100 * sum(sheets), len(sheets))
                hundredths += int(mean + Fraction(1, 2))  # floor(x + 1/2), x >= 0
        totals[entrant.entrant_id] = hundredths
    return totals


def ranked_by_the_scores(event: ContestRanked, state: ct.ContestState) -> None:
    ranking = event.ranking
    assert sorted(r.entrant_id for r in ranking) == sorted(e.entrant_id for e in state.entrants), "not each once"
    assert {r.entrant_id: r.total for r in ranking} == expected_totals(state)
    for a in ranking:
        assert a.rank == 1 + sum(b.total > a.total for b in ranking), "a rank is not one more than those above"
        for b in ranking:
            if a.total > b.total:
                assert a.rank < b.rank, "a higher total ranked below a lower one"
            if a.total == b.total:
                assert a.rank == b.rank, "equal totals do not share a rank"
    assert [r.rank for r in ranking] == sorted(r.rank for r in ranking), "not listed by rank"


def contest_holds(rc: Resolved[Any], before: ct.ContestState, events: list[DomainEvent], after: Any) -> None:
    (event,) = events
    if isinstance(event, ContestAnnounced):
        assert not before.announced, "announced twice"
        return
    assert before.announced and before.ranking is None, "changed once ranked"
    assert before.announced_at is not None and rc.at >= before.announced_at
    if isinstance(event, ContestScoreRecorded):
        assert not before.has_sheet(event.round_id, event.entrant_id, event.judge), "a sheet recorded twice"
        assert event.judge in before.judges and before.entrant(event.entrant_id) is not None
        assert event.scores.keys() == {c.code for c in before.criteria}, "a sheet without every criterion"
        for criterion in before.criteria:
            assert 0 <= event.scores[criterion.code] <= criterion.max_score, "a score over its maximum"
        return
    assert isinstance(event, ContestRanked)
    assert before.sheets, "ranked without a sheet"
    assert rc.command.allow_incomplete or not ct.unscored(before), "ranked while someone is unscored"
    ranked_by_the_scores(event, before)
    assert after.ranking == tuple(event.ranking)


def contest_allowed(rc: Resolved[Any], state: ct.ContestState) -> bool:
    cmd = rc.command
    if isinstance(cmd, ct.AnnounceContest):
        return not state.announced
    if not state.announced or state.ranking is not None or state.announced_at is None or rc.at < state.announced_at:
        return False
    if isinstance(cmd, ct.RankContest):
        scored = {(r, e) for (r, e, _), _ in state.sheets}
        complete = all((r.round_id, e.entrant_id) in scored for r in state.rounds for e in state.entrants)
        return bool(state.sheets) and (complete or cmd.allow_incomplete)
    scores = {line.criterion: line.score for line in cmd.scores}
    return (
        cmd.round_id in {r.round_id for r in state.rounds}
        and cmd.entrant_id in ENTRANTS
        and cmd.judge in state.judges
        and scores.keys() == MAXIMA.keys()
        and all(score <= MAXIMA[code] for code, score in scores.items())
        and not state.has_sheet(cmd.round_id, cmd.entrant_id, cmd.judge)
    )


ANNOUNCE = step(
    st.builds(
        ct.AnnounceContest,
        contest_id=st.just("serving-2020"),
        school_id=st.just("xuexiao"),
        campus_id=st.just("main"),
        name=st.just("食堂员工打菜技能评比"),
        kind=st.just(ContestKind.SKILL),
        level=st.just(Level.SCHOOL),
        organiser=st.just("学校后勤处"),
        held_on=st.just(date(2020, 9, 18)),
        rounds=st.just([ct.RoundLine(round_id="r1", name="初赛"), ct.RoundLine(round_id="r2", name="决赛")]),
        criteria=st.just([ct.CriterionLine(code=c, name=c, max_score=m) for c, m in MAXIMA.items()]),
        judges=st.just(["zhou", "xu-vp", "gu"]),  # three: means in thirds, rounded
        entrants=st.just(
            [ct.EntrantLine(entrant_id=e, name=f"{e} 阿姨", staff_ids=staff) for e, staff in ENTRANTS.items()]
        ),
        at=st.none(),
    )
)
SHEET = st.builds(  # mostly a whole sheet, at or near the maxima (few values: equal totals happen)
    lambda even, speed: [ct.ScoreLine(criterion="even", score=even), ct.ScoreLine(criterion="speed", score=speed)],
    st.sampled_from([6, 3, 0, 7]),
    st.sampled_from([4, 1, 0, 5]),
) | st.lists(
    st.builds(ct.ScoreLine, criterion=st.sampled_from(["even", "speed", "style"]), score=st.integers(0, 8)),
    min_size=1,
    max_size=3,
    unique_by=lambda line: line.criterion,
)
RECORD = step(
    st.builds(
        ct.RecordContestScore,
        round_id=st.sampled_from(["r1", "r2", "r1", "r2", "r3"]),
        entrant_id=st.sampled_from(["liu", "zhang", "team", "liu", "zhang", "team", "qian"]),
        judge=st.sampled_from(["zhou", "xu-vp", "gu", "sun"]),
        scores=SHEET,
        at=st.none() | times(30),
    )
)
RANK = step(st.builds(ct.RankContest, allow_incomplete=st.booleans(), at=st.none()))
CONTEST = machine(
    "ContestMachine",
    ct.Contest,
    HR_EVAL_EVENTS,
    "serving-2020",
    st.sampled_from([RECORD, RECORD, RECORD, RECORD, RECORD, RANK, ANNOUNCE]).flatmap(lambda s: s),
    ["zhou", "gu"],
    check=contest_holds,
    tenant=SCHOOL,
    create=ANNOUNCE,
    refusals=(Rejected, InvalidInput),
    on_refusal=refused_only_when(contest_allowed),
)


# -- awards ---------------------------------------------------------------------------------------

HELD_ON = date(2020, 9, 18)


def contest_fact(school_id: str, ranked: bool) -> str:
    """The ``contest`` fact the award's handler reads of the contest it names."""
    facts = aw.ContestFacts(
        school_id=school_id,
        level=Level.SCHOOL,
        held_on=HELD_ON,
        ranked=ranked,
        entrants={e: aw.ContestEntrantFacts(name=f"{e} 阿姨", staff_ids=s) for e, s in ENTRANTS.items()},
    )
    return json.dumps(facts.model_dump(mode="json"), ensure_ascii=False)


CONTEST_FACTS = st.sampled_from([contest_fact("xuexiao", True), "", contest_fact("xuexiao", False)])
BONUS_FACTS = st.sampled_from(["2", "", "-3"])


def award_allowed(rc: Resolved[Any], state: aw.AwardState) -> bool:
    cmd, facts = rc.command, rc.facts
    if state.granted:
        return False
    staff = list(cmd.staff_ids)
    if cmd.contest_id is None:
        if cmd.entrant_id is not None or not cmd.recipient_name:
            return False
    else:
        fact = facts.get(aw.CONTEST_FACT, "")
        contest = json.loads(fact) if fact else None
        if contest is None or not contest["ranked"] or cmd.level is not Level.SCHOOL or cmd.on < HELD_ON:
            return False
        if cmd.entrant_id not in ENTRANTS or not set(staff) <= set(ENTRANTS[cmd.entrant_id]):
            return False
        staff = staff or ENTRANTS[cmd.entrant_id]
    if cmd.bonus_rule_code is not None:
        points = facts.get(aw.BONUS_FACT, "")
        return points != "" and int(points) > 0 and bool(staff)
    return True


def granted_once(rc: Resolved[Any], before: aw.AwardState, events: list[DomainEvent], after: Any) -> None:
    (event,) = events
    cmd = rc.command
    assert isinstance(event, AwardGranted)
    assert not before.granted and after.granted, "an award granted twice"
    assert (event.award_id, event.granted_by, event.granted_at) == (cmd.award_id, rc.actor, rc.at)
    if cmd.contest_id is not None:
        entrant = ENTRANTS[event.entrant_id or ""]
        assert json.loads(rc.facts[aw.CONTEST_FACT])["ranked"], "an award of a contest not ranked"
        assert event.level is Level.SCHOOL and event.awarded_on >= HELD_ON
        assert event.recipient_name == (cmd.recipient_name or f"{event.entrant_id} 阿姨")
        assert event.staff_ids == (list(cmd.staff_ids) or entrant) and set(event.staff_ids) <= set(entrant)
    else:
        assert event.entrant_id is None and event.recipient_name == cmd.recipient_name != ""
        assert event.staff_ids == list(cmd.staff_ids)
    if event.bonus_rule_code is not None:
        assert event.staff_ids, "a bonus to no one"
        assert int(rc.facts[aw.BONUS_FACT]) > 0, "a deduction given as a prize's bonus"


GRANT = st.builds(
    lambda cmd, contest, bonus: (cmd, {aw.CONTEST_FACT: contest, aw.BONUS_FACT: bonus}),
    st.builds(
        aw.GrantAward,
        award_id=st.just("serving-2020-first"),
        school_id=st.just("xuexiao"),
        contest_id=st.sampled_from(["serving-2020", None]),
        title=st.just("食堂员工打菜技能评比 一等奖"),
        prize=st.sampled_from(list(Prize)),
        level=st.sampled_from([Level.SCHOOL, Level.DISTRICT]),
        on=st.sampled_from([date(2020, 9, 20), HELD_ON, date(2020, 9, 17)]),
        entrant_id=st.sampled_from(["liu", "team", None, "qian"]),
        recipient_name=st.sampled_from(["", "后勤处食堂班组"]),
        staff_ids=st.sampled_from([[], ["wang-canteen"], ["liu-canteen"]]),
        bonus_rule_code=st.sampled_from(["B-1", None]),
    ),
    CONTEST_FACTS,
    BONUS_FACTS,
)
AWARD = machine(
    "AwardMachine",
    aw.Award,
    HR_EVAL_EVENTS,
    "serving-2020-first",
    GRANT,
    ["zhou", "xu-vp"],
    check=granted_once,
    tenant=SCHOOL,
    create=GRANT,
    refusals=(Rejected, InvalidInput),
    on_refusal=refused_only_when(award_allowed),
)


# -- honours ----------------------------------------------------------------------------------


def recorded_once(rc: Resolved[Any], before: aw.HonourState, events: list[DomainEvent], after: Any) -> None:
    (event,) = events
    cmd = rc.command
    assert isinstance(event, HonourRecorded)
    assert not before.recorded and after.recorded, "an honour recorded twice"
    assert (event.honour_id, event.title, event.level, event.awarded_by) == (
        cmd.honour_id,
        cmd.title,
        cmd.level,
        cmd.awarded_by,
    )
    assert (event.awarded_on, event.recorded_by, event.recorded_at) == (cmd.on, rc.actor, rc.at)


RECORD_HONOUR = step(
    st.builds(
        aw.RecordHonour,
        honour_id=st.just("garden-unit-2020"),
        school_id=st.just("xuexiao"),
        title=st.sampled_from(["常州市园林式单位", "新北区文明校园"]),
        level=st.sampled_from([Level.CITY, Level.DISTRICT]),
        awarded_by=st.sampled_from(["常州市园林局", "新北区教育局"]),
        on=days(),
    )
)
HONOUR = machine(
    "HonourMachine",
    aw.Honour,
    HR_EVAL_EVENTS,
    "garden-unit-2020",
    RECORD_HONOUR,
    ["zhou", "xu-vp"],
    check=recorded_once,
    tenant=SCHOOL,
    create=RECORD_HONOUR,
    on_refusal=refused_only_when(lambda rc, state: not state.recorded),
)


MACHINES = [CONTEST, AWARD, HONOUR]


@pytest.mark.parametrize("machine_class", MACHINES, ids=machine_ids(MACHINES))
def test_random_command_sequences_keep_the_decider_honest(machine_class: type[DeciderMachine]) -> None:
    run_machine(machine_class)
