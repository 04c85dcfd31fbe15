"""Contests, awards and honours, given / when / then."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from services.eventkit.acts import OutOfOrder
from services.eventkit.envelope import TenantPath
from services.eventkit.errors import InvalidInput, Rejected
from services.hr_eval.awards import (
    BONUS_FACT,
    CONTEST_FACT,
    Award,
    ContestFacts,
    GrantAward,
    Honour,
    RecordHonour,
)
from services.hr_eval.contests import (
    AnnounceContest,
    Contest,
    ContestState,
    RankContest,
    RecordContestScore,
    ranking,
)
from services.hr_eval.events import (
    AwardGranted,
    ContestAnnounced,
    ContestKind,
    ContestRanked,
    ContestRound,
    ContestScoreRecorded,
    Criterion,
    Entrant,
    HonourRecorded,
    Level,
    Prize,
    RankedEntrant,
)
from tests.deciders import Stream

MAIN = TenantPath(district_id="xinbei", school_id="xuexiao", campus_id="main")
SCHOOL = TenantPath(district_id="xinbei", school_id="xuexiao")
ANNOUNCED_AT = datetime(2020, 11, 2, 8, tzinfo=UTC)
SCORED_AT = datetime(2020, 11, 18, 9, tzinfo=UTC)
RANKED_AT = datetime(2020, 11, 18, 11, tzinfo=UTC)
HELD_ON = date(2020, 11, 18)

contest = Stream(Contest, MAIN, "serving-2020", actor="zhou", at=SCORED_AT)


def announce(**changes: Any) -> AnnounceContest:
    body: dict[str, Any] = {
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
            {"entrant_id": "wu", "name": "吴师傅", "staff_ids": ["wu-canteen"]},
        ],
    }
    return AnnounceContest.model_validate(body | changes)


ANNOUNCED = ContestAnnounced(
    contest_id="serving-2020",
    school_id="xuexiao",
    campus_id="main",
    name="食堂员工打菜技能评比",
    kind=ContestKind.SKILL,
    level=Level.SCHOOL,
    organiser="学校后勤处",
    held_on=HELD_ON,
    rounds=[ContestRound(round_id="r1", name="初赛"), ContestRound(round_id="r2", name="决赛")],
    criteria=[
        Criterion(code="even", name="打菜均匀", max_score=60),
        Criterion(code="speed", name="速度", max_score=40),
    ],
    judges=["zhou", "xu-vp"],
    entrants=[
        Entrant(entrant_id="liu", name="刘阿姨", staff_ids=["liu-canteen"]),
        Entrant(entrant_id="zhang", name="张阿姨", staff_ids=["zhang-canteen"]),
        Entrant(entrant_id="wu", name="吴师傅", staff_ids=["wu-canteen"]),
    ],
    announced_by="zhou",
    announced_at=ANNOUNCED_AT,
)


def score(
    entrant: str, round_id: str = "r1", judge: str = "zhou", even: int = 50, speed: int = 30
) -> RecordContestScore:
    return RecordContestScore(
        round_id=round_id,
        entrant_id=entrant,
        judge=judge,
        scores=[{"criterion": "even", "score": even}, {"criterion": "speed", "score": speed}],  # type: ignore[list-item]
    )


def sheet(
    entrant: str, round_id: str = "r1", judge: str = "zhou", even: int = 50, speed: int = 30
) -> ContestScoreRecorded:
    return ContestScoreRecorded(
        contest_id="serving-2020",
        round_id=round_id,
        entrant_id=entrant,
        judge=judge,
        scores={"even": even, "speed": speed},
        recorded_by="zhou",
        recorded_at=SCORED_AT,
    )


def every_sheet(totals: dict[str, list[tuple[int, int]]]) -> list[ContestScoreRecorded]:
    """Sheets of both judges in both rounds: ``entrant -> [(even, speed) for r1/zhou, r1/xu-vp, r2/zhou, r2/xu-vp]``."""
    slots = [("r1", "zhou"), ("r1", "xu-vp"), ("r2", "zhou"), ("r2", "xu-vp")]
    return [
        sheet(entrant, round_id, judge, even, speed)
        for entrant, marks in totals.items()
        for (round_id, judge), (even, speed) in zip(slots, marks, strict=True)
    ]


# -- announcing ------------------------------------------------------------------------------


def test_a_contest_is_announced_with_its_rounds_criteria_judges_and_entrants() -> None:
    assert contest.when(announce(), at=ANNOUNCED_AT) == [ANNOUNCED]
    state = contest.given(ANNOUNCED)
    assert (
        state.announced
        and state.level is Level.SCHOOL
        and [e.entrant_id for e in state.entrants]
        == [
            "liu",
            "zhang",
            "wu",
        ]
    )


def test_a_contest_is_announced_once() -> None:
    contest.refused(announce(), given=[ANNOUNCED], field="contest_id")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"rounds": [{"round_id": "r1", "name": "初赛"}, {"round_id": "r1", "name": "决赛"}]}, "rounds"),
        (
            {
                "criteria": [
                    {"code": "even", "name": "a", "max_score": 5},
                    {"code": "even", "name": "b", "max_score": 5},
                ]
            },
            "criteria",
        ),
        ({"judges": ["zhou", "zhou"]}, "judges"),
        ({"entrants": [{"entrant_id": "liu", "name": "a"}, {"entrant_id": "liu", "name": "b"}]}, "entrants"),
        ({"entrants": [{"entrant_id": "team", "name": "队", "staff_ids": ["huang", "huang"]}]}, "entrants"),
        ({"criteria": [{"code": "even", "name": "a", "max_score": 0}]}, "criteria"),
        ({"rounds": []}, "rounds"),
        ({"judges": []}, "judges"),
        ({"entrants": []}, "entrants"),
        ({"kind": "cooking"}, "kind"),
        ({"level": "county"}, "level"),
    ],
)
def test_an_announcement_is_refused_with_the_field_it_gets_wrong(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        announce(**changes)
    assert caught.value.errors()[0]["loc"][0] == field


# -- scoring ---------------------------------------------------------------------------------


def test_a_judge_scores_an_entrant_in_a_round() -> None:
    assert contest.when(score("liu"), given=[ANNOUNCED]) == [sheet("liu")]


@pytest.mark.parametrize(
    ("command", "field"),
    [
        (score("liu", round_id="r3"), "round_id"),
        (score("li"), "entrant_id"),
        (score("liu", judge="sun"), "judge"),
        (score("liu", even=61), "scores.0.score"),
        (score("liu", speed=41), "scores.1.score"),
    ],
)
def test_a_sheet_names_the_contests_own_round_entrant_judge_and_stays_within_each_maximum(
    command: RecordContestScore, field: str
) -> None:
    contest.refused(command, given=[ANNOUNCED], raises=InvalidInput, field=field)


def test_a_sheet_scores_known_criteria_and_every_one_of_them() -> None:
    unknown = RecordContestScore(
        round_id="r1",
        entrant_id="liu",
        judge="zhou",
        scores=[{"criterion": "even", "score": 50}, {"criterion": "smile", "score": 5}],  # type: ignore[list-item]
    )
    contest.refused(unknown, given=[ANNOUNCED], raises=InvalidInput, field="scores.1.criterion")
    partial = RecordContestScore(
        round_id="r1",
        entrant_id="liu",
        judge="zhou",
        scores=[{"criterion": "even", "score": 50}],  # type: ignore[list-item]
    )
    contest.refused(partial, given=[ANNOUNCED], raises=InvalidInput, field="scores", match="speed")
    with pytest.raises(ValidationError):
        RecordContestScore(
            round_id="r1",
            entrant_id="liu",
            judge="zhou",
            scores=[{"criterion": "even", "score": 5}, {"criterion": "even", "score": 6}],  # type: ignore[list-item]
        )


def test_a_judge_scores_an_entrant_once_per_round() -> None:
    contest.refused(score("liu", even=55), given=[ANNOUNCED, sheet("liu")], field="judge", match="once")
    # another judge, another round, another entrant: each a sheet of its own
    given = [ANNOUNCED, sheet("liu")]
    assert contest.when(score("liu", judge="xu-vp"), given=given) == [sheet("liu", judge="xu-vp")]
    assert contest.when(score("liu", round_id="r2"), given=given) == [sheet("liu", round_id="r2")]
    assert contest.when(score("zhang"), given=given) == [sheet("zhang")]


def test_a_sheet_is_not_recorded_before_the_contest_was_announced() -> None:
    contest.refused(
        score("liu"), given=[ANNOUNCED], at=datetime(2020, 11, 1, tzinfo=UTC), raises=OutOfOrder, field="at"
    )


def test_a_contest_never_announced_takes_no_sheet() -> None:
    contest.refused(score("liu"), match="never announced")


# -- ranking ---------------------------------------------------------------------------------

# liu: r1 (50+30=80, 52+30=82) -> mean 81.00; r2 (45+35=80, 46+35=81) -> 80.50: 161.50
# zhang: r1 (40+30=70, 43+30=73) -> 71.50; r2 (50+40=90, 50+40=90) -> 90.00: 161.50 (ties with liu)
# wu: r1 (30+20=50, 31+20=51) -> 50.50; r2 (30+20=50, 30+21=51) -> 50.50: 101.00
SHEETS = every_sheet(
    {
        "liu": [(50, 30), (52, 30), (45, 35), (46, 35)],
        "zhang": [(40, 30), (43, 30), (50, 40), (50, 40)],
        "wu": [(30, 20), (31, 20), (30, 20), (30, 21)],
    }
)
RANKING = [
    RankedEntrant(entrant_id="liu", total=16150, rank=1),
    RankedEntrant(entrant_id="zhang", total=16150, rank=1),
    RankedEntrant(entrant_id="wu", total=10100, rank=3),
]
RANKED = ContestRanked(contest_id="serving-2020", ranking=RANKING, ranked_by="zhou", ranked_at=RANKED_AT)


def test_the_ranking_is_the_sum_over_rounds_of_the_judges_mean_in_hundredths_and_ties_share_a_rank() -> None:
    assert contest.when(RankContest(), given=[ANNOUNCED, *SHEETS], at=RANKED_AT) == [RANKED]


def test_a_mean_is_rounded_half_up_to_the_hundredth() -> None:
    three_judges = ContestState(
        rounds=(ContestRound(round_id="r1", name="r1"),),
        entrants=(Entrant(entrant_id="a", name="a"), Entrant(entrant_id="b", name="b")),
        # a: (10 + 10 + 11) / 3 = 10.333.. -> 10.33; b: (10 + 11 + 11) / 3 = 10.666.. -> 10.67
        sheets=(
            (("r1", "a", "j1"), 10),
            (("r1", "a", "j2"), 10),
            (("r1", "a", "j3"), 11),
            (("r1", "b", "j1"), 10),
            (("r1", "b", "j2"), 11),
            (("r1", "b", "j3"), 11),
        ),
    )
    assert ranking(three_judges) == [
        RankedEntrant(entrant_id="b", total=1067, rank=1),
        RankedEntrant(entrant_id="a", total=1033, rank=2),
    ]
    halves = ContestState(
        rounds=(ContestRound(round_id="r1", name="r1"),),
        entrants=(Entrant(entrant_id="a", name="a"),),
        sheets=((("r1", "a", "j1"), 1), *((("r1", "a", f"j{i}"), 0) for i in range(2, 9))),  # 1/8 = 0.125
    )
    assert ranking(halves) == [RankedEntrant(entrant_id="a", total=13, rank=1)]


def test_ranking_is_refused_while_an_entrant_has_no_sheet_in_a_round() -> None:
    incomplete = [s for s in SHEETS if not (s.entrant_id == "wu" and s.round_id == "r2")]
    contest.refused(RankContest(), given=[ANNOUNCED, *incomplete], field="allow_incomplete", match="wu in round r2")


def test_ranking_an_incomplete_contest_when_asked_counts_the_missing_round_as_nothing() -> None:
    incomplete = [s for s in SHEETS if not (s.entrant_id == "wu" and s.round_id == "r2")]
    (ranked,) = contest.when(RankContest(allow_incomplete=True), given=[ANNOUNCED, *incomplete])
    assert isinstance(ranked, ContestRanked)
    assert ranked.ranking[-1] == RankedEntrant(entrant_id="wu", total=5050, rank=3)


def test_a_contest_without_any_sheet_is_not_ranked_even_incomplete() -> None:
    contest.refused(RankContest(allow_incomplete=True), given=[ANNOUNCED], match="nothing to rank")


def test_a_ranked_contest_stands_no_sheet_nor_ranking_after() -> None:
    given = [ANNOUNCED, *SHEETS, RANKED]
    contest.refused(RankContest(), given=given, match="ranked")
    contest.refused(score("liu", judge="zhou", round_id="r1"), given=given, match="ranked")
    assert contest.given(*given).ranking == tuple(RANKING)


# -- awards ----------------------------------------------------------------------------------

award = Stream(Award, MAIN, "serving-2020-first", actor="zhou", at=datetime(2020, 11, 20, 8, tzinfo=UTC))
RANKED_FACTS = {CONTEST_FACT: ContestFacts.of(contest.given(ANNOUNCED, *SHEETS, RANKED)).model_dump_json()}
UNRANKED_FACTS = {CONTEST_FACT: ContestFacts.of(contest.given(ANNOUNCED, *SHEETS)).model_dump_json()}


def grant(**changes: Any) -> GrantAward:
    body: dict[str, Any] = {
        "award_id": "serving-2020-first",
        "school_id": "xuexiao",
        "campus_id": "main",
        "contest_id": "serving-2020",
        "title": "食堂员工打菜技能评比 一等奖",
        "prize": "first",
        "level": "school",
        "on": "2020-11-20",
        "entrant_id": "liu",
    }
    return GrantAward.model_validate(body | changes)


def granted(**changes: Any) -> AwardGranted:
    body: dict[str, Any] = {
        "award_id": "serving-2020-first",
        "school_id": "xuexiao",
        "campus_id": "main",
        "contest_id": "serving-2020",
        "title": "食堂员工打菜技能评比 一等奖",
        "prize": Prize.FIRST,
        "level": Level.SCHOOL,
        "awarded_on": date(2020, 11, 20),
        "entrant_id": "liu",
        "recipient_name": "刘阿姨",
        "staff_ids": ["liu-canteen"],
        "bonus_rule_code": None,
        "granted_by": "zhou",
        "granted_at": datetime(2020, 11, 20, 8, tzinfo=UTC),  # entered on the day: its arrival
    }
    return AwardGranted(**(body | changes))


def test_an_award_of_a_ranked_contest_goes_to_its_entrant_and_their_staff() -> None:
    assert award.when(grant(), facts=RANKED_FACTS) == [granted()]
    assert award.given(granted()).granted


def test_an_award_is_granted_once() -> None:
    award.refused(grant(), given=[granted()], facts=RANKED_FACTS, field="award_id")


def test_an_award_for_an_unranked_contest_is_refused() -> None:
    award.refused(grant(), facts=UNRANKED_FACTS, raises=Rejected, field="contest_id", match="not ranked")


def test_an_award_names_a_contest_of_its_school() -> None:
    award.refused(grant(), facts={CONTEST_FACT: ""}, raises=InvalidInput, field="contest_id")
    elsewhere = RANKED_FACTS[CONTEST_FACT].replace('"xuexiao"', '"other-school"')
    award.refused(grant(), facts={CONTEST_FACT: elsewhere}, raises=InvalidInput, field="contest_id")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"entrant_id": "li"}, "entrant_id"),
        ({"entrant_id": None}, "entrant_id"),
        ({"staff_ids": ["zhang-canteen"]}, "staff_ids"),
        ({"level": "district"}, "level"),
    ],
)
def test_an_award_of_a_contest_is_for_one_of_its_entrants_at_its_level(changes: dict[str, Any], field: str) -> None:
    award.refused(grant(**changes), facts=RANKED_FACTS, raises=InvalidInput, field=field)


def test_an_award_of_a_contest_is_given_no_earlier_than_the_contest_was_held() -> None:
    award.refused(
        grant(on="2020-11-17"), facts=RANKED_FACTS, at=datetime(2020, 11, 17, tzinfo=UTC), raises=OutOfOrder, field="on"
    )


def test_an_award_outside_a_contest_names_its_recipient_and_no_entrant() -> None:
    outside = {
        "award_id": "rope-2020",
        "campus_id": None,
        "contest_id": None,
        "entrant_id": None,
        "title": "新北区女教工跳绳踢毽比赛 一等奖",
        "level": "district",
        "on": "2020-11-27",
    }
    (event,) = award.when(
        grant(**outside, recipient_name="女教工队", staff_ids=["huang", "zhu"]),
        tenant=SCHOOL,
        at=datetime(2020, 11, 27, 8, tzinfo=UTC),
    )
    assert isinstance(event, AwardGranted)
    assert (event.recipient_name, event.staff_ids, event.level, event.contest_id) == (
        "女教工队",
        ["huang", "zhu"],
        Level.DISTRICT,
        None,
    )
    later = datetime(2020, 11, 28, tzinfo=UTC)
    award.refused(grant(**outside), at=later, raises=InvalidInput, field="recipient_name")
    with_entrant = grant(**outside | {"entrant_id": "liu"}, recipient_name="x")
    award.refused(with_entrant, at=later, raises=InvalidInput, field="entrant_id")


def test_a_bonus_rule_is_a_bonus_of_the_rule_book_in_force_and_goes_to_staff() -> None:
    (event,) = award.when(grant(bonus_rule_code="B-1"), facts=RANKED_FACTS | {BONUS_FACT: "5"})
    assert isinstance(event, AwardGranted) and event.bonus_rule_code == "B-1"
    award.refused(
        grant(bonus_rule_code="B-9"),
        facts=RANKED_FACTS | {BONUS_FACT: ""},
        raises=InvalidInput,
        field="bonus_rule_code",
    )
    award.refused(
        grant(bonus_rule_code="D-1"),
        facts=RANKED_FACTS | {BONUS_FACT: "-2"},
        raises=InvalidInput,
        field="bonus_rule_code",
    )
    outside = grant(contest_id=None, entrant_id=None, recipient_name="校外队", bonus_rule_code="B-1")
    award.refused(outside, facts={BONUS_FACT: "5"}, raises=InvalidInput, field="bonus_rule_code", match="no staff")


# -- honours ---------------------------------------------------------------------------------

honour = Stream(Honour, SCHOOL, "garden-unit-2020", actor="xu-vp", at=datetime(2020, 12, 10, 8, tzinfo=UTC))
RECORD = RecordHonour(
    honour_id="garden-unit-2020",
    school_id="xuexiao",
    title="常州市园林式单位",
    level=Level.CITY,
    awarded_by="常州市园林局",
    on=date(2020, 12, 10),
)


def test_an_honour_of_the_school_is_recorded_once_with_its_level_authority_and_day() -> None:
    (event,) = honour.when(RECORD)
    assert isinstance(event, HonourRecorded)
    assert (event.title, event.level, event.awarded_by, event.awarded_on, event.recorded_by) == (
        "常州市园林式单位",
        Level.CITY,
        "常州市园林局",
        date(2020, 12, 10),
        "xu-vp",
    )
    honour.refused(RECORD, given=[event], field="honour_id")
