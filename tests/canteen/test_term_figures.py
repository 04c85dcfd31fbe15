"""The canteen's part of the term report (``GET /term-figures``) on the running service: the
figures of a few acts written through the API (one outside the term and some on the other
campus, which a campus's reader does not count), and who reads them over which campuses."""

from __future__ import annotations

from typing import Any

from services.campus.term_report import CanteenFigures, TermPart
from tests.conftest import eventually
from tests.school import SchoolWorld

TERM = "2020-2021-1"  # 2020-09-01 .. 2021-01-31: 22 Monday-weeks


def t(day: str, clock: str = "09:00") -> str:
    return f"{day}T{clock}:00+08:00"


async def ok(world: SchoolWorld, path: str, body: dict[str, Any], as_: str = "manager-main") -> None:
    response = await world.post(path, body, as_=as_)
    assert response.status_code == 200, (path, response.text)


async def figures(world: SchoolWorld, as_: str, **params: Any) -> Any:
    response = await world.get("/term-figures", as_=as_, school_id="xuexiao", term_id=TERM, **params)
    assert response.status_code == 200, response.text
    return response.json()


async def visit(world: SchoolWorld, vid: str, day: str, campus: str = "main", published: bool = False) -> None:
    manager, cook, staff, parent = ("manager-main", "cook-main", ["han-canteen", "zhou"], "yao-mum")
    if campus == "aoyuan":
        manager, cook, staff, parent = ("manager-aoyuan", "cook-aoyuan", ["yuan-cook", "shen"], "ma-dad")
    schedule = {"visit_id": vid, "campus_id": campus, "visit_on": day, "parent_id": parent, "at": t(day, "07:00")}
    await ok(world, "/parent-visits", schedule, manager)
    await ok(world, f"/parent-visits/{vid}/deliveries", {"with_staff": staff, "at": t(day, "07:30")}, cook)
    lunch = {
        "ratings": [{"dish": "番茄炒蛋", "look": 5, "taste": 4, "quantity": 4}],
        "issues": [],
        "at": t(day, "11:40"),
    }
    await ok(world, f"/parent-visits/{vid}/lunch", lunch, cook)
    if published:
        reflection = {
            "title": "走进食堂",
            "text": "跟着食堂老师一起验收了蔬菜和猪肉。",
            "suggestions": [],
            "consent_to_publish": True,
            "at": t(day, "20:00"),
        }
        await ok(world, f"/parent-visits/{vid}/reflection", reflection, "parent-yao")
        await ok(world, f"/parent-visits/{vid}/publish", {"channel": "薛小家长微信群", "at": t(day, "21:00")})


def menu(campus: str, monday: str, *days: str) -> dict[str, Any]:
    meals = [{"served_on": day, "meal": "lunch", "dishes": ["番茄炒蛋", "青菜豆腐汤"]} for day in days]
    return {"campus_id": campus, "week_of": monday, "meals": meals, "at": t(monday, "08:00")}


def audit(audit_id: str, day: str, campus: str = "main", even: bool = False) -> dict[str, Any]:
    server = "jiang-cook" if campus == "main" else "yuan-cook"
    return {
        "audit_id": audit_id,
        "campus_id": campus,
        "meal": "lunch",
        "dish": "红烧鸡块",
        "target_grams": 100,
        "rule_code": "Q-1",
        "portions": [{"server_id": server, "grams": [100, 101, 99] if even else [80, 120, 101]}],
        "at": t(day, "11:40"),
    }


def check(staff_id: str, campus: str, day: str) -> dict[str, Any]:
    return {
        "staff_id": staff_id,
        "campus_id": campus,
        "on": day,
        "shift": "lunch",
        "fever": False,
        "gastro": False,
        "hand_wound": False,
        "respiratory": False,
        "dress_ok": True,
        "note": "",
    }


def certificate(staff_id: str, campus: str) -> dict[str, Any]:
    return {
        "staff_id": staff_id,
        "campus_id": campus,
        "number": f"健康证 {staff_id}",
        "issued_on": "2020-04-12",
        "expires_on": "2021-04-11",
    }


async def test_the_canteens_figures_of_the_term_by_campus_and_reader(world: SchoolWorld) -> None:
    # the meal committee of the term: formed with two, one joining, one leaving; one meeting
    xu = {"member_id": "xu-vp", "name": "徐副校长", "kind": "leader", "duty": "主任委员", "staff_id": "xu-vp"}
    yao = {"member_id": "yao-mum", "name": "姚妈妈", "kind": "parent", "duty": "家长委员", "parent_id": "yao-mum"}
    ma = {"member_id": "ma-dad", "name": "马爸爸", "kind": "parent", "duty": "家长委员", "parent_id": "ma-dad"}
    cid = f"xuexiao-{TERM}"
    formed = {
        "school_id": "xuexiao",
        "term_id": TERM,
        "name": "新一届薛小膳食委员会",
        "duties": ["监督食堂食品安全与膳食质量"],
        "members": [xu, yao],
        "on": "2020-09-04",
    }
    await ok(world, "/meal-committees", formed)
    await ok(world, f"/meal-committees/{cid}/members", ma | {"on": "2020-10-08"})
    meeting = {"meeting_id": "first", "on": "2020-09-09", "attendees": ["xu-vp", "yao-mum"], "minutes": "讨论职责"}
    await ok(world, f"/meal-committees/{cid}/meetings", meeting)
    await ok(
        world, f"/meal-committees/{cid}/departures", {"member_id": "yao-mum", "reason": "转学", "on": "2020-12-01"}
    )

    # parent visits: two weeks on main (one reflection published), one on Aoyuan, one a year before
    await visit(world, "v-main-1", "2020-09-16", published=True)
    await visit(world, "v-main-2", "2020-09-23")
    await visit(world, "v-aoyuan-1", "2020-09-16", campus="aoyuan")
    await visit(world, "v-main-old", "2019-09-04")
    scheduled = {"visit_id": "v-main-later", "campus_id": "main", "visit_on": "2020-10-14", "parent_id": "yao-mum"}
    await ok(world, "/parent-visits", scheduled | {"at": t("2020-10-07")})  # not yet taken place

    # the leaders' accompanied lunches (the visits' lunches are accompanied meals too)
    lunch = {
        "meal": "lunch",
        "place": "学生餐厅",
        "ratings": [{"dish": "番茄炒蛋", "look": 5, "taste": 4, "quantity": 4}],
    }
    await ok(world, "/accompanied-meals", lunch | {"campus_id": "main", "on": "2020-09-07"}, "vp-main")
    await ok(world, "/accompanied-meals", lunch | {"campus_id": "aoyuan", "on": "2020-09-08"}, "vp-aoyuan")

    # the kitchen: main serves on 10-12 and 10-13 (samples and checks on the 13th only); Aoyuan
    # serves on 10-13 (nothing kept) and 10-14 (a morning check); a menu of August is outside
    await ok(world, "/menus", menu("main", "2020-10-12", "2020-10-12", "2020-10-13"))
    await ok(world, "/menus", menu("aoyuan", "2020-10-12", "2020-10-13", "2020-10-14"), "manager-aoyuan")
    await ok(world, "/menus", menu("main", "2020-08-24", "2020-08-24", "2020-08-25"))
    await ok(world, "/health-certificates", certificate("jiang-cook", "main"))
    await ok(world, "/health-certificates", certificate("yuan-cook", "aoyuan"), "manager-aoyuan")
    await ok(world, "/morning-checks", check("jiang-cook", "main", "2020-10-13"), "canteen-main")
    await ok(world, "/morning-checks", check("yuan-cook", "aoyuan", "2020-10-14"), "cook-aoyuan")
    served = {"campus_id": "main", "on": "2020-10-13", "meal": "lunch", "dishes": ["番茄炒蛋"], "diners": 812}
    await ok(world, "/meals", served | {"servers": ["jiang-cook"]}, "canteen-main")
    sample: dict[str, Any] = {"sample_id": "main-2020-10-13-lunch-1", "campus_id": "main", "served_on": "2020-10-13"}
    sample |= {"meal": "lunch", "dish": "番茄炒蛋", "grams": 150, "unit_id": None, "at": t("2020-10-13", "11:20")}
    await ok(world, "/food-samples", sample, "cook-main")

    # serving audits: one uneven and one even on main, one uneven on Aoyuan, one uneven in August
    await ok(world, "/serving-audits", audit("a-main-1", "2020-10-14"))
    await ok(world, "/serving-audits", audit("a-main-2", "2020-10-15", even=True))
    await ok(world, "/serving-audits", audit("a-aoyuan-1", "2020-10-14", campus="aoyuan"), "manager-aoyuan")
    await ok(world, "/serving-audits", audit("a-main-old", "2020-08-25"))

    # the serving-skill contest, held on main for the workers of both campuses
    contest = {
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
        "entrants": ["jiang-cook", "han-canteen", "yuan-cook"],
        "at": t("2020-11-10"),
    }
    await ok(world, "/serving-contests", contest)
    for entrant, even in (("jiang-cook", 50), ("han-canteen", 55), ("yuan-cook", 40)):
        scores = [{"criterion": "even", "score": even}, {"criterion": "speed", "score": 30}]
        await ok(
            world,
            "/serving-contests/serving-2020/scores",
            {"judge": "zhou", "entrant": entrant, "scores": scores, "at": t("2020-11-18", "10:00")},
        )
    prizes = [
        {"entrant": "han-canteen", "prize": "first", "title": "打菜技能评比 一等奖"},
        {"entrant": "jiang-cook", "prize": "second", "title": "打菜技能评比 二等奖"},
    ]
    await ok(world, "/serving-contests/serving-2020/conclude", {"prizes": prizes, "at": t("2020-11-18", "16:00")})

    school_expected = {
        "committee": {"members": 2, "meetings": 1, "first_meeting_on": "2020-09-09", "new_this_term": True},
        "parent_visits": {"visits": 3, "weeks_with_visit": 2, "school_weeks": 22, "reflections_published": 1},
        "accompanied_meals": 5,
        "samples": {"days": 3, "days_covered": 0},  # 10-13: main kept them, Aoyuan did not
        "morning_checks": {"days": 3, "days_covered": 1},
        "serving": {"audits": 3, "uneven": 2},
        "contests": [
            {
                "name": "食堂员工打菜技能评比",
                "held_on": "2020-11-18",
                "entrants": 3,
                "winners": ["韩阿姨", "蒋师傅"],
                "level": "school",
            }
        ],
    }

    async def whole_school() -> Any:
        found = await figures(world, "admin")
        return found if found["figures"] == school_expected else None

    try:
        school = await eventually(whole_school, timeout=30)
    except AssertionError:
        assert (await figures(world, "admin"))["figures"] == school_expected
        raise
    part = TermPart[CanteenFigures].model_validate(school)
    assert part.scope.campus_ids == ("aoyuan", "main") and part.scope.whole_school
    assert (part.scope.term_id, str(part.scope.starts_on), str(part.scope.ends_on)) == (
        TERM,
        "2020-09-01",
        "2021-01-31",
    )
    assert await figures(world, "manager-both") == school

    main = await figures(world, "manager-main")
    assert main["scope"]["campus_ids"] == ["main"] and not main["scope"]["whole_school"]
    assert main["figures"] == school_expected | {
        "parent_visits": {"visits": 2, "weeks_with_visit": 2, "school_weeks": 22, "reflections_published": 1},
        "accompanied_meals": 3,
        "samples": {"days": 2, "days_covered": 1},
        "morning_checks": {"days": 2, "days_covered": 1},
        "serving": {"audits": 2, "uneven": 1},
    }
    assert (await figures(world, "admin", campus_id="main"))["figures"] == main["figures"]

    aoyuan = (await figures(world, "manager-aoyuan"))["figures"]
    assert aoyuan == school_expected | {
        "parent_visits": {"visits": 1, "weeks_with_visit": 1, "school_weeks": 22, "reflections_published": 0},
        "accompanied_meals": 2,
        "samples": {"days": 2, "days_covered": 0},
        "morning_checks": {"days": 2, "days_covered": 1},
        "serving": {"audits": 1, "uneven": 1},
        "contests": [],  # held on main
    }


async def test_who_reads_the_canteens_figures_of_a_term(world: SchoolWorld) -> None:
    async def status(as_: str, **params: Any) -> int:
        query = {"school_id": "xuexiao", "term_id": TERM} | params
        return (await world.get("/term-figures", as_=as_, **query)).status_code

    assert await status("teacher-g6") == 403
    assert await status("cook-main") == 403
    assert await status("parent-yao") == 403
    assert await status("other-admin") == 403
    assert await status("manager-main", campus_id="aoyuan") == 403
    assert await status("manager-main", term_id="2019-2020-2") == 404
    assert await status("admin", campus_id="longhu-main") == 404
    assert await status("admin", school_id="longhu") == 404
    assert await status("admin", term_id="x" * 501) == 422
    assert (await world.get("/term-figures", as_="admin", school_id="xuexiao")).status_code == 422
