"""The weekly menu, serving audits, violations and the serving-skill contest, given / when / then."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from services.canteen.audits import RecordServingAudit, ServingAudit
from services.canteen.contest import (
    NAMES_FACT,
    AnnounceServingContest,
    ConcludeServingContest,
    ScoreServingContest,
    ServingContest,
)
from services.canteen.events import (
    AppraisalItemProposed,
    ContestResultsPublished,
    MenuPlanned,
    MenuPublished,
    ServingAuditRecorded,
    ServingContestConcluded,
    ServingContestScored,
    ViolationObserved,
    ViolationWithdrawn,
)
from services.canteen.menu import Menu, PlanMenu, PublishMenu
from services.canteen.rules import Rules, rules_fact
from services.canteen.violations import ObserveViolation, Violation, WithdrawViolation
from services.eventkit.envelope import TenantPath
from services.eventkit.errors import InvalidInput
from services.hr_eval.events import ContestKind, ItemSource, Level, Prize
from tests.deciders import Stream

MAIN = TenantPath(district_id="xinbei", school_id="xuexiao", campus_id="main")
AT = datetime(2020, 10, 14, 3, 40, tzinfo=UTC)  # 11:40 at the school

menu = Stream(Menu, MAIN, "main-2020-10-12", actor="zhou", at=AT)


def plan(*dishes: str, **changes: Any) -> PlanMenu:
    body: dict[str, Any] = {
        "campus_id": "main",
        "week_of": "2020-10-14",
        "meals": [
            {"served_on": "2020-10-13", "meal": "lunch", "dishes": ["红烧鸡块", "青菜豆腐汤"]},
            {"served_on": "2020-10-12", "meal": "lunch", "dishes": list(dishes) or ["番茄炒蛋"]},
        ],
    }
    return PlanMenu.model_validate(body | changes)


def test_a_menu_is_named_by_its_monday_and_keeps_its_meals_in_order() -> None:
    (planned,) = menu.when(plan())
    assert isinstance(planned, MenuPlanned) and planned.week_of == date(2020, 10, 12)
    assert planned.menu_id == "main-2020-10-12"
    assert [m.served_on for m in planned.meals] == [date(2020, 10, 12), date(2020, 10, 13)]


def test_a_banned_dish_is_refused_naming_its_place_the_dish_and_why() -> None:
    refusal = menu.refused(plan("番茄炒蛋", "清炒四季豆"), raises=InvalidInput, field="meals.1.dishes.1")
    assert "四季豆" in refusal.reason and "易加热不彻底" in refusal.reason
    # the district's own list applies: a dish it does not ban is served
    own = rules_fact(Rules(banned_dishes=()))
    assert menu.when(plan("番茄炒蛋", "清炒四季豆"), facts=own)


def test_a_meal_outside_the_week_or_twice_is_refused() -> None:
    meals = [{"served_on": "2020-10-19", "meal": "lunch", "dishes": ["番茄炒蛋"]}]
    menu.refused(plan(meals=meals), raises=InvalidInput, field="meals.0.served_on")
    twice = [{"served_on": "2020-10-12", "meal": "lunch", "dishes": ["番茄炒蛋"]}] * 2
    menu.refused(plan(meals=twice), raises=InvalidInput, field="meals.1.meal")


def test_planning_again_replaces_the_week_and_it_is_published_again() -> None:
    (first,) = menu.when(plan())
    (published,) = menu.when(PublishMenu(), given=[first])
    assert isinstance(published, MenuPublished)
    menu.refused(PublishMenu(), given=[first, published], match="already published")
    (second,) = menu.when(plan("土豆烧牛肉"), given=[first, published])
    state = menu.given(first, published, second)
    assert not state.published and state.meals[0].dishes == ["土豆烧牛肉"]
    menu.refused(PublishMenu(), match="never planned")


# -- serving audits --------------------------------------------------------------------------

audit = Stream(ServingAudit, MAIN, "a1", actor="zhou", at=AT)


def record(**changes: Any) -> RecordServingAudit:
    body: dict[str, Any] = {
        "audit_id": "a1",
        "campus_id": "main",
        "meal": "lunch",
        "dish": "红烧鸡块",
        "target_grams": 100,
        "rule_code": "Q-1",
        "portions": [
            {"server_id": "jiang-cook", "grams": [95, 105, 100]},  # spread 100 ‰: at the tolerance
            {"server_id": "han-canteen", "grams": [80, 120, 101]},  # spread 400 ‰
        ],
    }
    return RecordServingAudit.model_validate(body | changes)


def test_a_server_beyond_tolerance_and_only_they_are_proposed_for_a_deduction() -> None:
    recorded, proposed = audit.when(record())
    assert isinstance(recorded, ServingAuditRecorded) and recorded.served_on == date(2020, 10, 14)
    assert recorded.tolerance_permille == 100 and recorded.auditor_id == "zhou"
    results = {r.server_id: (r.mean_grams, r.spread_permille, r.within_tolerance) for r in recorded.results}
    assert results == {"jiang-cook": (100, 100, True), "han-canteen": (100, 400, False)}
    assert isinstance(proposed, AppraisalItemProposed)
    assert (proposed.staff_id, proposed.source, proposed.source_ref) == ("han-canteen", ItemSource.CANTEEN_AUDIT, "a1")
    assert proposed.rule_code == "Q-1" and proposed.occurred_at == AT and proposed.campus_id == "main"


def test_the_districts_tolerance_decides_and_an_audit_is_recorded_once() -> None:
    strict = rules_fact(Rules(serving_tolerance_permille=50))
    events = audit.when(record(), facts=strict)
    assert sorted(e.staff_id for e in events if isinstance(e, AppraisalItemProposed)) == ["han-canteen", "jiang-cook"]
    even = record(portions=[{"server_id": "jiang-cook", "grams": [100, 101, 100]}])
    (only,) = audit.when(even)
    assert isinstance(only, ServingAuditRecorded)
    audit.refused(record(), given=[only], field="audit_id")


# -- violations ------------------------------------------------------------------------------

violation = Stream(Violation, MAIN, "v1", actor="zhou", at=datetime(2020, 10, 16, 1, 0, tzinfo=UTC))
OBSERVE = ObserveViolation.model_validate(
    {
        "violation_id": "v1",
        "campus_id": "main",
        "staff_id": "jiang-cook",
        "rule_code": "Q-2",
        "description": "操作时未佩戴口罩",
        "place": "食堂 切配间",
        "evidence_refs": ["cctv/1"],
        "at": "2020-10-15T10:12:00+08:00",
    }
)


def test_a_violation_is_proposed_once_and_withdrawn_no_earlier_than_seen() -> None:
    observed, proposed = violation.when(OBSERVE)
    assert isinstance(observed, ViolationObserved) and isinstance(proposed, AppraisalItemProposed)
    assert proposed.source is ItemSource.PATROL and proposed.evidence_refs == ["cctv/1"]
    assert proposed.occurred_at == datetime(2020, 10, 15, 2, 12, tzinfo=UTC)
    violation.refused(OBSERVE, given=[observed, proposed], field="violation_id")
    early = WithdrawViolation(reason="看错了", at=datetime(2020, 10, 15, 1, 0, tzinfo=UTC))
    violation.refused(early, given=[observed, proposed], field="at")
    (withdrawn,) = violation.when(WithdrawViolation(reason="看错了"), given=[observed, proposed])
    assert isinstance(withdrawn, ViolationWithdrawn)
    violation.refused(WithdrawViolation(reason="again"), given=[observed, proposed, withdrawn], match="already")


# -- the serving-skill contest ---------------------------------------------------------------

contest = Stream(ServingContest, MAIN, "c1", actor="zhou", at=datetime(2020, 11, 18, 2, 0, tzinfo=UTC))
ANNOUNCE = AnnounceServingContest.model_validate(
    {
        "contest_id": "c1",
        "school_id": "xuexiao",
        "campus_id": "main",
        "name": "打菜技能评比",
        "held_on": "2020-11-18",
        "criteria": [
            {"code": "even", "name": "均匀度", "max_score": 60},
            {"code": "speed", "name": "速度", "max_score": 40},
        ],
        "judges": ["zhou", "xu-vp"],
        "entrants": ["jiang-cook", "han-canteen", "yuan-cook"],
    }
)


def sheet(judge: str, entrant: str, even: int, speed: int) -> ScoreServingContest:
    scores = [{"criterion": "even", "score": even}, {"criterion": "speed", "score": speed}]
    return ScoreServingContest.model_validate({"judge": judge, "entrant": entrant, "scores": scores})


def test_contest_ranking_from_the_mean_of_the_judges_totals_and_its_prizes() -> None:
    (announced,) = contest.when(ANNOUNCE)
    history = [announced]
    for judge, entrant, even, speed in [
        ("zhou", "jiang-cook", 50, 30),  # replaced below
        ("zhou", "jiang-cook", 40, 30),
        ("xu-vp", "jiang-cook", 50, 30),  # mean 75
        ("zhou", "han-canteen", 55, 35),
        ("xu-vp", "han-canteen", 50, 30),  # mean 85
        ("zhou", "yuan-cook", 45, 30),  # mean 75 (one judge)
    ]:
        (scored,) = contest.when(sheet(judge, entrant, even, speed), given=history)
        assert isinstance(scored, ServingContestScored)
        history.append(scored)
    prizes = [
        {"entrant": "han-canteen", "prize": "first", "title": "打菜技能评比 一等奖", "bonus_rule_code": "B-1"},
        {"entrant": "jiang-cook", "prize": "second", "title": "打菜技能评比 二等奖"},
    ]
    names = {NAMES_FACT: json.dumps({"han-canteen": "韩阿姨"})}
    concluded, results = contest.when(
        ConcludeServingContest.model_validate({"prizes": prizes}), given=history, facts=names
    )
    assert isinstance(concluded, ServingContestConcluded)
    assert concluded.ranking == ["han-canteen", "jiang-cook", "yuan-cook"]
    assert [(p.entrant, p.prize, p.bonus_rule_code) for p in concluded.prizes] == [
        ("han-canteen", "first", "B-1"),
        ("jiang-cook", "second", None),
    ]
    assert isinstance(results, ContestResultsPublished)
    assert (results.kind, results.level, results.contest_ref) == (ContestKind.SKILL, Level.SCHOOL, "c1")
    assert len(results.sheets) == 5  # one per judge and entrant: the replaced sheet is not there
    jiang = [s.scores for s in results.sheets if s.entrant_id == "jiang-cook" and s.judge == "zhou"]
    assert jiang == [{"even": 40, "speed": 30}]
    assert {e.entrant_id: e.name for e in results.entrants}["han-canteen"] == "韩阿姨"
    assert results.prizes[0].prize is Prize.FIRST and results.prizes[0].bonus_rule_code == "B-1"
    contest.refused(sheet("zhou", "yuan-cook", 1, 1), given=[*history, concluded, results], match="concluded")


def test_a_sheet_is_checked_against_the_contest() -> None:
    (announced,) = contest.when(ANNOUNCE)
    contest.refused(sheet("zhou", "jiang-cook", 61, 1), given=[announced], raises=InvalidInput, field="scores.0.score")
    contest.refused(sheet("zhou", "wang-tech", 1, 1), given=[announced], raises=InvalidInput, field="entrant")
    contest.refused(sheet("yao-mum", "jiang-cook", 1, 1), given=[announced], raises=InvalidInput, field="judge")
    early = datetime(2020, 11, 17, 2, 0, tzinfo=UTC)
    contest.refused(sheet("zhou", "jiang-cook", 1, 1), given=[announced], at=early, field="at")
    prize = {"entrant": "wang-tech", "prize": "first", "title": "一等奖"}
    (scored,) = contest.when(sheet("zhou", "jiang-cook", 1, 1), given=[announced])
    conclude = ConcludeServingContest.model_validate({"prizes": [prize]})
    contest.refused(conclude, given=[announced, scored], raises=InvalidInput, field="prizes.0.entrant")
    contest.refused(ConcludeServingContest(), given=[announced], field="prizes", match="nothing to rank")
