"""The staff appraisal's reaction to the canteen's contest results, on the running staff appraisal:
kept once, ranked from its sheets, its prizes granted; a bonus rule the rule book does not have
as a bonus is left off its award."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest_asyncio

from services.canteen.events import ContestResultsPublished
from services.eventkit.envelope import TenantPath, new_envelope
from services.hr_eval.events import ContestPrizeGiven, ContestSheet, Criterion, Entrant, Level, Prize
from services.hr_eval.reactions import ContestsFromServices, contest_id_of_event
from services.hr_eval.service import HR_EVAL
from tests.conftest import SettingsFactory
from tests.school import CANTEEN_SCHOOL, SchoolWorld, school_world

RULE_BOOK = {
    "school_id": "xuexiao",
    "title": "后勤人员月考核细则",
    "effective_on": "2020-09-01",
    "base_score": 100,
    "categories": [{"code": "QUAL", "name": "食堂规范", "deduction_cap": 20}],
    "items": [{"code": "Q-1", "text": "打菜不均匀", "category": "QUAL", "points": -2}],
}


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def hr(make_settings: SettingsFactory, start_service: Any) -> SchoolWorld:
    return await school_world(make_settings, start_service, HR_EVAL, suffix="serving", school=CANTEEN_SCHOOL)


def results(*prizes: ContestPrizeGiven) -> ContestResultsPublished:
    return ContestResultsPublished(
        contest_ref="serving-2020",
        school_id="xuexiao",
        campus_id="main",
        name="食堂员工打菜技能评比",
        kind="skill",
        level=Level.SCHOOL,
        organiser="学校后勤处",
        held_on=date(2020, 11, 18),
        criteria=[Criterion(code="even", name="均匀度", max_score=60)],
        judges=["zhou", "xu-vp"],
        entrants=[
            Entrant(entrant_id="jiang-cook", name="蒋师傅", staff_ids=["jiang-cook"]),
            Entrant(entrant_id="han-canteen", name="韩阿姨", staff_ids=["han-canteen"]),
        ],
        sheets=[
            ContestSheet(entrant_id="jiang-cook", judge="zhou", scores={"even": 50}),
            ContestSheet(entrant_id="jiang-cook", judge="xu-vp", scores={"even": 40}),
            ContestSheet(entrant_id="han-canteen", judge="zhou", scores={"even": 46}),
        ],
        prizes=list(prizes),
        published_by="zhou",
    )


async def test_results_are_kept_once_and_a_bonus_the_rule_book_lacks_is_left_off(hr: SchoolWorld) -> None:
    assert (await hr.post("/rule-books", RULE_BOOK)).status_code == 200
    raised = results(
        ContestPrizeGiven(entrant_id="han-canteen", prize=Prize.FIRST, title="一等奖", bonus_rule_code="B-9"),
        ContestPrizeGiven(entrant_id="jiang-cook", prize=Prize.SECOND, title="二等奖", bonus_rule_code="Q-1"),
    )
    envelope = new_envelope(
        raised,
        stream_id="serving-contest-serving-2020",
        version=3,
        tenant=TenantPath(district_id="xinbei", school_id="xuexiao", campus_id="main"),
        actor="zhou",
        occurred_at=datetime(2020, 11, 18, 8, 0, tzinfo=UTC),
    )
    reaction = ContestsFromServices()
    for _ in range(2):
        async with hr.service.pool.acquire() as conn, conn.transaction():
            await reaction.handle(conn, envelope)
    contest_id = contest_id_of_event(envelope)
    kept = await hr.service.pool.fetch(
        "SELECT type, data FROM events WHERE stream_id = $1 ORDER BY version", f"contest-{contest_id}"
    )
    assert [r["type"] for r in kept] == [
        "hr_eval.ContestAnnounced",
        *["hr_eval.ContestScoreRecorded"] * 3,
        "hr_eval.ContestRanked",
    ]
    ranking = [(r["entrant_id"], r["total"], r["rank"]) for r in kept[-1]["data"]["ranking"]]
    assert ranking == [("han-canteen", 4600, 1), ("jiang-cook", 4500, 2)]
    awards = await hr.service.pool.fetch(
        "SELECT data FROM events WHERE type = 'hr_eval.AwardGranted' AND data->>'contest_id' = $1 "
        "ORDER BY data->>'award_id'",
        contest_id,
    )
    granted = [(a["data"]["entrant_id"], a["data"]["awarded_on"], a["data"]["bonus_rule_code"]) for a in awards]
    assert granted == [("han-canteen", "2020-11-18", None), ("jiang-cook", "2020-11-18", None)]
