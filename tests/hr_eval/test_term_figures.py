"""The staff appraisal's part of the term report (``GET /term-figures``) on the running service:
the figures of a few months, deductions, a dispute, a contest, awards and an honour written
through the API (some outside the term, some on the other campus), and who reads them."""

from __future__ import annotations

from typing import Any

import pytest_asyncio

from services.campus.term_report import AppraisalFigures, TermPart
from tests.conftest import eventually
from tests.school import SchoolWorld

TERM = "2020-2021-1"  # 2020-09-01 .. 2021-01-31

RULE_BOOK = {
    "school_id": "xuexiao",
    "title": "后勤人员月考核细则（2020学年第一学期）",
    "effective_on": "2020-09-01",
    "base_score": 100,
    "categories": [
        {"code": "DISC", "name": "劳动纪律", "deduction_cap": 5, "bonus_cap": 0},
        {"code": "DUTY", "name": "岗位职责", "deduction_cap": 30, "bonus_cap": 0},
        {"code": "MERIT", "name": "加分项", "deduction_cap": 0, "bonus_cap": 10},
    ],
    "items": [
        {"code": "D-1", "text": "无故迟到、早退", "category": "DISC", "points": -2},
        {"code": "R-2", "text": "责任区卫生不达标", "category": "DUTY", "points": -3},
        {"code": "B-1", "text": "技能比赛获奖", "category": "MERIT", "points": 5},
    ],
    "at": "2020-08-31T09:00:00+08:00",
}


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def hr(world: SchoolWorld) -> SchoolWorld:
    response = await world.post("/rule-books", RULE_BOOK)
    assert response.status_code == 200, response.text
    return world


def at(month: str, day: int, hour: int = 9) -> str:
    return f"{month}-{day:02d}T{hour:02d}:00:00+08:00"


async def ok(hr: SchoolWorld, path: str, body: dict[str, Any], as_: str = "manager-main") -> None:
    response = await hr.post(path, body, as_=as_)
    assert response.status_code == 200, (path, response.text)


async def open_month(hr: SchoolWorld, month: str, campus: str = "main", as_: str = "manager-main") -> None:
    await ok(hr, "/appraisal-months", {"campus_id": campus, "month": month, "at": at(month, 1, 8)}, as_)


async def deduction(
    hr: SchoolWorld, appraisal_id: str, item_id: str, month: str, rule: str = "R-2", as_: str = "manager-main"
) -> None:
    """A deduction proposed on the 12th and told the worker the same day."""
    body = {
        "item_id": item_id,
        "rule_code": rule,
        "occurred_at": at(month, 12, 7),
        "place": "东楼 二楼",
        "note": "巡查发现",
        "evidence_refs": [],
        "at": at(month, 12, 10),
    }
    await ok(hr, f"/appraisals/{appraisal_id}/items", body, as_)
    told = {"item_id": item_id, "channel": "in_person", "at": at(month, 12, 11)}
    await ok(hr, f"/appraisals/{appraisal_id}/communications", told, as_)


async def figures(hr: SchoolWorld, as_: str, **params: Any) -> Any:
    response = await hr.get("/term-figures", as_=as_, school_id="xuexiao", term_id=TERM, **params)
    assert response.status_code == 200, response.text
    return response.json()


async def test_the_appraisals_figures_of_the_term_by_campus_and_reader(hr: SchoolWorld) -> None:
    # October on main: li-guard's deduction acknowledged, wang-tech's disputed and reduced, his
    # bonus; published on 11-02, then a deduction added by a correction (never told beforehand)
    oct_, nov = "2020-10", "2020-11"
    await open_month(hr, oct_)
    await deduction(hr, f"li-guard-{oct_}", "dirty", oct_)
    await ok(
        hr, f"/appraisals/li-guard-{oct_}/acknowledgements", {"item_id": "dirty", "at": at(oct_, 13)}, "guard-main"
    )
    await deduction(hr, f"wang-tech-{oct_}", "late", oct_, rule="D-1")
    dispute = {"item_id": "late", "reason": "那天请过假", "at": at(oct_, 13)}
    await ok(hr, f"/appraisals/wang-tech-{oct_}/disputes", dispute, "tech-main")
    resolution = {"item_id": "late", "outcome": "reduced", "points": -1, "reason": "情节较轻", "at": at(oct_, 16)}
    await ok(hr, f"/appraisals/wang-tech-{oct_}/disputes/resolution", resolution, "manager-both")
    bonus = {
        "item_id": "prize",
        "rule_code": "B-1",
        "occurred_at": at(oct_, 20, 7),
        "place": "食堂",
        "note": "技能比赛获奖",
        "evidence_refs": [],
        "source": "contest",
        "at": at(oct_, 20, 10),
    }
    await ok(hr, f"/appraisals/wang-tech-{oct_}/items", bonus)
    for who in ("li-guard", "wang-tech"):
        await ok(hr, f"/appraisals/{who}-{oct_}/finalise", {"at": at(oct_, 31, 16)})
    await ok(hr, "/appraisal-months/publish", {"campus_id": "main", "month": oct_, "at": at(nov, 2, 12)})
    correction = {
        "correction_id": "c-1",
        "item_id": "missed",
        "rule_code": "R-2",
        "points": -3,
        "reason": "漏记：十月卫生检查不达标",
        "requested_by": "zhou",
        "at": at(nov, 5, 10),
    }
    await ok(hr, f"/appraisals/li-guard-{oct_}/corrections", correction, "manager-both")

    # November on main: finalised, not published
    await open_month(hr, nov)
    await deduction(hr, f"li-guard-{nov}", "dirty", nov)
    for who in ("li-guard", "wang-tech"):
        await ok(hr, f"/appraisals/{who}-{nov}/finalise", {"at": at(nov, 30, 16)})

    # October on Aoyuan, published; February on main (after the term)
    await open_month(hr, oct_, "aoyuan", "manager-aoyuan")
    await deduction(hr, f"chen-clean-{oct_}", "dirty", oct_, as_="manager-aoyuan")
    await ok(hr, f"/appraisals/chen-clean-{oct_}/finalise", {"at": at(oct_, 31, 16)}, "manager-aoyuan")
    await ok(
        hr, "/appraisal-months/publish", {"campus_id": "aoyuan", "month": oct_, "at": at(nov, 2, 12)}, "manager-aoyuan"
    )
    await open_month(hr, "2021-02")
    await deduction(hr, "li-guard-2021-02", "dirty", "2021-02")

    # a contest of main ranked and awarded; one after the term
    def contest(contest_id: str, held_on: str) -> dict[str, Any]:
        return {
            "contest_id": contest_id,
            "school_id": "xuexiao",
            "campus_id": "main",
            "name": "后勤员工技能比赛",
            "kind": "skill",
            "level": "school",
            "organiser": "学校后勤处",
            "held_on": held_on,
            "rounds": [{"round_id": "r1", "name": "决赛"}],
            "criteria": [{"code": "skill", "name": "技能", "max_score": 100}],
            "judges": ["zhou"],
            "entrants": [
                {"entrant_id": "wang", "name": "王师傅", "staff_ids": ["wang-tech"]},
                {"entrant_id": "li", "name": "李师傅", "staff_ids": ["li-guard"]},
            ],
        }

    await ok(hr, "/contests", contest("skills-2020", "2020-11-18"))
    await ok(hr, "/contests", contest("skills-2021", "2021-03-10"))
    for entrant, score in (("wang", 90), ("li", 80)):
        sheet = {
            "round_id": "r1",
            "entrant_id": entrant,
            "judge": "zhou",
            "scores": [{"criterion": "skill", "score": score}],
        }
        await ok(hr, "/contests/skills-2020/scores", sheet)
    await ok(hr, "/contests/skills-2020/rank", {})
    for n, (entrant, prize) in enumerate((("li", "second"), ("wang", "first")), start=1):
        award = {
            "award_id": f"skills-2020-{n}",
            "school_id": "xuexiao",
            "campus_id": "main",
            "contest_id": "skills-2020",
            "title": f"后勤员工技能比赛 {'一' if prize == 'first' else '二'}等奖",
            "prize": prize,
            "level": "school",
            "on": "2020-11-20",
            "entrant_id": entrant,
        }
        await ok(hr, "/awards", award)

    # the district's prize (the school's), one of Aoyuan's, one after the term; the city's honour
    def district_award(award_id: str, title: str, on: str, campus: str | None = None) -> dict[str, Any]:
        body = {
            "award_id": award_id,
            "school_id": "xuexiao",
            "title": title,
            "prize": "first",
            "level": "district",
            "on": on,
            "recipient_name": "黄金萍",
            "staff_ids": ["huang"],
        }
        return body | ({"campus_id": campus} if campus else {})

    await ok(hr, "/awards", district_award("speech-2020", "新北区青年教师师德演讲比赛 一等奖", "2020-12-04"), "vp-main")
    await ok(
        hr, "/awards", district_award("aoyuan-2020", "奥园校区 读书征文 一等奖", "2020-12-01", "aoyuan"), "vp-aoyuan"
    )
    await ok(hr, "/awards", district_award("speech-2021", "新北区师德演讲比赛 一等奖", "2021-03-04"), "vp-main")
    honour = {"school_id": "xuexiao", "level": "city", "awarded_by": "常州市园林局"}
    await ok(
        hr, "/honours", honour | {"honour_id": "garden", "title": "常州市园林式单位", "on": "2020-12-10"}, "vp-main"
    )
    await ok(hr, "/honours", honour | {"honour_id": "old", "title": "常州市文明单位", "on": "2020-06-10"}, "vp-main")

    serving_contest = {
        "name": "后勤员工技能比赛",
        "held_on": "2020-11-18",
        "entrants": 2,
        "winners": ["王师傅", "李师傅"],
        "level": "school",
    }
    skill_awards = [
        {"title": "后勤员工技能比赛 一等奖", "level": "school", "prize": "first", "recipient": "王师傅"},
        {"title": "后勤员工技能比赛 二等奖", "level": "school", "prize": "second", "recipient": "李师傅"},
    ]
    aoyuan_award = {"title": "奥园校区 读书征文 一等奖", "level": "district", "prize": "first", "recipient": "黄金萍"}
    speech = {
        "title": "新北区青年教师师德演讲比赛 一等奖",
        "level": "district",
        "prize": "first",
        "recipient": "黄金萍",
    }
    garden = {"title": "常州市园林式单位", "level": "city", "awarded_on": "2020-12-10"}
    main_months = [
        {"month": oct_, "campus_id": "main", "workers": 2, "average": 99.0, "published": True},  # 94 and 104
        {"month": nov, "campus_id": "main", "workers": 2, "average": 98.5, "published": False},  # 97 and 100
    ]
    aoyuan_month = {"month": oct_, "campus_id": "aoyuan", "workers": 1, "average": 97.0, "published": True}
    school_expected = {
        "months": [aoyuan_month, *main_months],
        "deductions": 5,
        "deductions_told_before": 4,  # not the correction's
        "deductions_by_rule": [
            {"code": "R-2", "text": "责任区卫生不达标", "count": 4, "points": -12.0},
            {"code": "D-1", "text": "无故迟到、早退", "count": 1, "points": -1.0},
        ],
        "disputes": 1,
        "disputes_resolved": 1,
        "contests": [serving_contest],
        "awards": [*skill_awards, aoyuan_award, speech],
        "honours": [garden],
    }

    async def whole_school() -> Any:
        found = await figures(hr, "admin")
        return found if found["figures"] == school_expected else None

    try:
        school = await eventually(whole_school, timeout=30)
    except AssertionError:
        assert (await figures(hr, "admin"))["figures"] == school_expected
        raise
    part = TermPart[AppraisalFigures].model_validate(school)
    assert part.scope.campus_ids == ("aoyuan", "main") and part.scope.whole_school
    assert await figures(hr, "manager-both") == school

    main = await figures(hr, "manager-main")
    assert main["scope"]["campus_ids"] == ["main"]
    assert main["figures"] == school_expected | {
        "months": main_months,
        "deductions": 4,
        "deductions_told_before": 3,
        "deductions_by_rule": [
            {"code": "R-2", "text": "责任区卫生不达标", "count": 3, "points": -9.0},
            {"code": "D-1", "text": "无故迟到、早退", "count": 1, "points": -1.0},
        ],
        "awards": [*skill_awards, speech],
    }
    assert (await figures(hr, "admin", campus_id="main"))["figures"] == main["figures"]

    aoyuan = (await figures(hr, "manager-aoyuan"))["figures"]
    assert aoyuan == school_expected | {
        "months": [aoyuan_month],
        "deductions": 1,
        "deductions_told_before": 1,
        "deductions_by_rule": [{"code": "R-2", "text": "责任区卫生不达标", "count": 1, "points": -3.0}],
        "disputes": 0,
        "disputes_resolved": 0,
        "contests": [],
        "awards": [aoyuan_award, speech],
    }


async def test_who_reads_the_appraisals_figures_of_a_term(hr: SchoolWorld) -> None:
    async def status(as_: str, **params: Any) -> int:
        query = {"school_id": "xuexiao", "term_id": TERM} | params
        return (await hr.get("/term-figures", as_=as_, **query)).status_code

    assert await status("teacher-g6") == 403
    assert await status("guard-main") == 403
    assert await status("vp-main") == 403
    assert await status("other-admin") == 403
    assert await status("manager-aoyuan", campus_id="main") == 403
    assert await status("manager-main", term_id="2019-2020-2") == 404
    assert await status("admin", campus_id="longhu-main") == 404
    assert await status("manager-main", school_id="longhu") == 404  # a school this service does not know
    assert await status("admin", campus_id="x" * 501) == 422
