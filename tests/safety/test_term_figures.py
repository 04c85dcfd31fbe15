"""Safety's part of the term report (``GET /term-figures``): a small term written through the API,
with acts before and after the term and on the other campus, and the figures it adds up to, for
the whole school and for one campus; and who may read them.

A module of its own, so that its service holds these acts and nothing else.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx

from services.campus.term_report import SafetyFigures, TermPart
from services.safety.projections.health_files import HEALTH_FILES
from tests.conftest import eventually
from tests.safety.conftest import SafetyWorld

TERM = "2020-2021-1"
AUTHORITY = "新北区教育局 (上级部门)"
CAUSE_PE, CAUSE_BREAK, MEASURES = "体育课组织不当", "课间追逐", "班主任加强指导, 楼层值日及时到位"
SIX = [
    "一次国旗下讲话",
    "一节班队活动课",
    "一次校车事故演练",
    "一次交通安全黑板报评比",
    "一个宣传橱窗",
    "一支志愿者队伍",
]


class Acts:
    """Sends commands, keeping the latest read-after token of each stream written."""

    def __init__(self, world: SafetyWorld) -> None:
        self.world = world
        self.tokens: dict[str, str] = {}

    async def __call__(self, path: str, body: dict[str, Any], as_: str = "manager-main") -> None:
        response = await self.world.post(path, body, as_=as_)
        assert response.status_code == 200, (path, response.text)
        answer = response.json()
        self.tokens[answer["stream_id"]] = answer["read_after"]

    async def settled(self) -> None:
        """Waits until the read models have applied every command sent."""
        tokens = list(self.tokens.values())
        for i in range(0, len(tokens), 16):
            chunk = ",".join(tokens[i : i + 16])

            async def reached(chunk: str = chunk) -> bool:
                answer = await self.world.client.get(
                    "/term-figures",
                    params={"school_id": "xuexiao", "term_id": TERM},
                    headers=self.world.tokens["admin"] | {"Houqin-Read-After": chunk, "Houqin-Read-Wait-Ms": "5000"},
                )
                return bool(answer.headers.get("Houqin-Read-Reached") == "true")

            await eventually(reached, timeout=60)


async def figures(world: SafetyWorld, as_: str = "admin", **params: str) -> httpx.Response:
    return await world.get("/term-figures", as_=as_, school_id="xuexiao", term_id=TERM, **params)


def school_days(first: date, last: date) -> int:
    return sum(1 for n in range((last - first).days + 1) if (first + timedelta(days=n)).isoweekday() <= 5)


async def write_the_term(act: Acts) -> None:
    # agreements: staff and parents on both campuses
    for campus, manager in [("main", "manager-main"), ("aoyuan", "manager-aoyuan")]:
        campaign = f"{campus}-{TERM}"
        await act(
            "/agreement-campaigns",
            {
                "campaign_id": campaign,
                "campus_id": campus,
                "term_id": TERM,
                "title": "2020-2021 第一学期 安全责任书",
                "document_ref": "docs/agreements.pdf",
                "parties": ["staff", "parent"],
                "at": "2020-09-02T09:00:00+08:00",
            },
            manager,
        )
        await act(f"/agreement-campaigns/{campaign}/issue", {"at": "2020-09-03T09:00:00+08:00"}, manager)
    for campaign, party, who in [
        ("main", "zhou", "manager-main"),
        ("main", "huang", "teacher-g6"),
        ("main", "yao-mum", "parent-yao"),
        ("aoyuan", "shen", "manager-aoyuan"),
    ]:
        body = {"party_id": party, "at": "2020-09-04T16:00:00+08:00"}
        await act(f"/agreement-campaigns/{campaign}-{TERM}/sign", body, who)

    # health: a special condition of 姚同学 (g6-1: 黄金萍 and 孙老师 to tell), one of them told
    condition = {
        "condition_id": "peanut-allergy",
        "description": "花生过敏",
        "care_instructions": "避免含花生食物",
        "at": "2020-09-02T10:00:00+08:00",
    }
    await act("/health-records/yao/special-conditions", condition, "medical")
    ack = {"condition_id": "peanut-allergy", "at": "2020-09-02T14:00:00+08:00"}
    await act("/health-records/yao/acknowledge", ack, "teacher-g6")

    # a fire check on main in October by two directors; one on Aoyuan after the term
    for iid, campus, day, first, second in [
        ("fire-main-2020-10", "main", "2020-10-28", "manager-main", "manager-both"),
        ("fire-aoyuan-2021-02", "aoyuan", "2021-02-26", "manager-aoyuan", "manager-both"),
    ]:
        start = {
            "inspection_id": iid,
            "campus_id": campus,
            "kind": "fire",
            "areas": ["教学楼"],
            "checklist": ["灭火器在有效期内"],
            "at": f"{day}T14:00:00+08:00",
        }
        await act("/inspections", start, first)
        finding = {"item": "灭火器在有效期内", "area": "教学楼", "ok": True, "at": f"{day}T14:30:00+08:00"}
        await act(f"/inspections/{iid}/findings", finding, first)
        await act(f"/inspections/{iid}/sign-off", {"at": f"{day}T15:30:00+08:00"}, first)
        await act(f"/inspections/{iid}/sign-off", {"at": f"{day}T15:40:00+08:00"}, second)
        await act(f"/inspections/{iid}/complete", {"at": f"{day}T16:00:00+08:00", "summary": "逐一检查"}, first)

    # camera areas of main: the east stairs watched, the second-floor corridor not
    for area_id, place, camera in [("main-stairs-east", "东楼梯", "cam-1"), ("main-2f-east", "二楼东走廊", None)]:
        body = {"area_id": area_id, "campus_id": "main", "building": "教学楼", "place": place, "on": "2020-09-01"}
        await act("/camera-areas", body)
        if camera:
            await act(f"/camera-areas/{area_id}/cameras/install", {"camera_id": camera, "on": "2020-09-01"})

    # hazards: two escalated and closed in October (one per campus), one still open at the term's end
    # (in the uncovered corridor), one carried over open from before the term, one closed before it,
    # one after the term
    for hid, campus, manager in [
        ("main-manhole", "main", "manager-main"),
        ("aoyuan-tiles", "aoyuan", "manager-aoyuan"),
    ]:
        report = {
            "hazard_id": hid,
            "campus_id": campus,
            "area": "操场" if campus == "main" else "教学楼外墙",
            "description": "操场窨井盖下沉" if campus == "main" else "外墙墙砖脱落",
            "severity": "high",
            "at": "2020-10-12T08:30:00+08:00",
        }
        await act("/hazards", report, manager)
        await act(f"/hazards/{hid}/escalate", {"authority": AUTHORITY, "at": "2020-10-12T10:00:00+08:00"}, manager)
        await act(f"/hazards/{hid}/rectify", {"at": "2020-10-14T10:00:00+08:00", "note": "已修复"}, manager)
        verify = {"passed": True, "note": "复查合格", "at": "2020-10-14T16:00:00+08:00"}
        await act(f"/hazards/{hid}/verify", verify, "manager-both")
    for hid, area, at in [
        ("main-corridor", "教学楼 二楼东走廊", "2021-01-10T08:00:00+08:00"),
        ("main-carried", "本部 围墙", "2020-08-25T08:00:00+08:00"),
        ("main-before", "本部 大门", "2020-08-20T08:00:00+08:00"),
        ("main-after", "本部 食堂", "2021-03-01T08:00:00+08:00"),
    ]:
        report = {
            "hazard_id": hid,
            "campus_id": "main",
            "area": area,
            "description": "隐患",
            "severity": "low",
            "at": at,
        }
        await act("/hazards", report)
    await act("/hazards/main-before/escalate", {"authority": "施工单位", "at": "2020-08-21T08:00:00+08:00"})
    await act("/hazards/main-before/rectify", {"at": "2020-08-24T08:00:00+08:00", "note": "已修复"})
    verify = {"passed": True, "note": "合格", "at": "2020-08-25T08:00:00+08:00"}
    await act("/hazards/main-before/verify", verify, "manager-both")

    # the bus: its file, a route check and a violation rectified in the term, a route check after it
    bus = {
        "bus_id": "main-bus-1",
        "campus_id": "main",
        "file": {
            "vehicle": "苏D·X1234",
            "driver": "张师傅",
            "route": "薛家镇—本部",
            "stops": ["顺园小区", "本部东门"],
            "times": "07:10-07:50",
            "escort": "刘老师",
        },
        "on": "2020-09-01",
    }
    await act("/buses", bus)
    points = [{"point": p, "ok": True} for p in ["signs", "warning_boards", "guardrails", "speed_humps"]]
    for check_id, on in [("check-2020-10", "2020-10-09"), ("check-2021-02", "2021-02-20")]:
        await act("/buses/main-bus-1/route-checks", {"check_id": check_id, "on": on, "results": points})
    await act("/buses/main-bus-1/violations", {"violation_id": "v1", "on": "2020-10-10", "description": "超员行驶"})
    rectified = {"violation_id": "v1", "on": "2020-10-11", "measures": "按核定人数乘车"}
    await act("/buses/main-bus-1/violations/rectify", rectified)

    # drills: an epidemic drill on Aoyuan (not summarised), a fire drill on main
    for did, campus, kind, day, manager in [
        ("aoyuan-epidemic", "aoyuan", "epidemic", "2020-09-16", "manager-aoyuan"),
        ("main-fire", "main", "fire", "2020-12-09", "manager-main"),
    ]:
        plan = {
            "drill_id": did,
            "campus_id": campus,
            "kind": kind,
            "title": f"{kind} 演练",
            "planned_on": day,
            "plan_ref": "plan.pdf",
            "at": f"{day}T08:00:00+08:00",
        }
        await act("/drills", plan, manager)
        await act(f"/drills/{did}/conduct", {"on": day, "participants": 600}, manager)
    await act("/drills/main-fire/summarise", {"summary": "演练有序", "at": "2020-12-09T17:00:00+08:00"})

    # education: two Friday sessions of g6-1 (one checked), three flag ceremonies, the "six ones"
    for week, checked in [("2020-10-16", True), ("2020-10-23", False)]:
        sid = f"g6-1-{week}"
        session = {
            "session_id": sid,
            "class_id": "g6-1",
            "week_of": week,
            "theme": "防溺水",
            "lesson_prep_ref": "prep.docx",
            "teacher_id": "huang",
            "at": f"{week}T08:00:00+08:00",
        }
        await act("/safety-sessions", session, "teacher-g6")
        await act(f"/safety-sessions/{sid}/deliver", {"on": week}, "teacher-g6")
        if checked:
            check = {"result": "good", "note": "有备课, 有检查", "at": f"{week}T17:00:00+08:00"}
            await act(f"/safety-sessions/{sid}/check", check)
    for campus, day, manager in [
        ("main", "2020-09-07", "manager-main"),
        ("main", "2020-10-12", "manager-main"),
        ("aoyuan", "2020-10-19", "manager-aoyuan"),
    ]:
        await act("/flag-ceremonies", {"campus_id": campus, "on": day, "theme": "安全教育"}, manager)
    traffic_day = {
        "campaign_id": "main-traffic-day",
        "campus_id": "main",
        "title": '交通安全日 "六个一"',
        "activities": SIX,
        "starts_on": "2020-11-02",
        "at": "2020-10-28T09:00:00+08:00",
    }
    await act("/safety-campaigns", traffic_day)
    for activity in SIX[:4]:
        await act("/safety-campaigns/main-traffic-day/activities", {"activity": activity, "on": "2020-11-20"})

    # floor duty: main's 2nd floor at the morning break on time on 19 Oct; Aoyuan's 1st floor missed on 5 Nov
    for campus, manager, slot in [
        ("main", "manager-main", {"floor": 2, "break_period": "morning_break", "teacher_id": "sun"}),
        ("aoyuan", "manager-aoyuan", {"floor": 1, "break_period": "activity_time", "teacher_id": "zhu"}),
    ]:
        roster = {
            "campus_id": campus,
            "term_id": TERM,
            "effective_from": "2020-09-01",
            "slots": [{"building": "teaching-a"} | slot],
            "at": "2020-09-01T08:00:00+08:00",
        }
        await act("/floor-duty/rosters", roster, manager)
    on_time = {
        "campus_id": "main",
        "on": "2020-10-19",
        "building": "teaching-a",
        "floor": 2,
        "break_period": "morning_break",
        "status": "on_time",
        "arrived_at": "2020-10-19T09:30:00+08:00",
    }
    await act("/floor-duty/check-ins", on_time)
    missed_turn = {
        "campus_id": "aoyuan",
        "on": "2020-11-05",
        "building": "teaching-a",
        "floor": 1,
        "break_period": "activity_time",
        "status": "missed",
    }
    await act("/floor-duty/check-ins", missed_turn, "manager-aoyuan")

    # injuries: PE and a break on main (the break in the uncovered corridor), an activity on Aoyuan,
    # a break on Aoyuan after the term
    for iid, student, setting, at, where, cause in [
        ("inj-pe", "lin", "pe", "2020-09-24T10:20:00+08:00", {}, CAUSE_PE),
        (
            "inj-break",
            "yao",
            "break",
            "2020-10-19T09:40:00+08:00",
            {
                "building": "teaching-a",
                "floor": 2,
                "break_period": "morning_break",
                "camera_area_id": "main-2f-east",
            },
            CAUSE_BREAK,
        ),
        (
            "inj-activity",
            "ma",
            "activity",
            "2020-11-05T15:10:00+08:00",
            {"building": "teaching-a", "floor": 1, "break_period": "activity_time"},
            None,
        ),
        ("inj-after", "qin", "break", "2021-03-01T10:00:00+08:00", {}, CAUSE_BREAK),
    ]:
        injury = {
            "injury_id": iid,
            "student_id": student,
            "setting": setting,
            "at": at,
            "injury": "擦伤",
            "first_aid": "医务室处理",
        }
        await act("/injuries", injury | where, "medical")
        if cause:
            await act(f"/injuries/{iid}/notify-parent", {"at": at, "how": "电话"}, "medical")
            manager = "manager-main" if student in ("lin", "yao") else "manager-aoyuan"
            close = {"on": at[:10], "cause": cause, "measures": MEASURES}
            await act(f"/injuries/{iid}/close", close, manager)

    # parent communications: two on main, one on Aoyuan
    for cid, campus, kind, themes, on, manager in [
        ("letter-drowning", "main", "letter", ["drowning"], "2020-10-12", "manager-main"),
        ("talk-bullying", "main", "expert_talk", ["bullying", "mental_health"], "2020-11-18", "manager-main"),
        ("post-fire", "aoyuan", "wechat_post", ["fire"], "2020-11-09", "manager-aoyuan"),
    ]:
        communication = {
            "communication_id": cid,
            "campus_id": campus,
            "kind": kind,
            "themes": themes,
            "on": on,
            "title": cid,
            "reference": f"docs/{cid}",
            "reached": 100,
            "acknowledged": 50,
            "audience": {"scope": "campus"},
        }
        await act("/parent-communications", communication, manager)

    # a watch on 姚同学
    watch = {
        "watch_id": "g6-1-yao",
        "student_id": "yao",
        "class_teacher_id": "huang",
        "reason": "课间行为冲动",
        "on": "2020-09-14",
    }
    await act("/student-watches", watch)


async def test_the_terms_safety_figures(world: SafetyWorld) -> None:
    async def records_opened() -> bool:  # the directory's enrolments open the four records
        return bool(await world.safety.pool.fetchval(f"SELECT count(*) = 4 FROM {HEALTH_FILES.schema}.records"))

    await eventually(records_opened, timeout=60)
    act = Acts(world)
    await write_the_term(act)
    await act.settled()

    response = await figures(world)
    assert response.status_code == 200, response.text
    part = TermPart[SafetyFigures].model_validate(response.json())
    scope = part.scope
    assert (scope.school_id, scope.term_id, scope.whole_school) == ("xuexiao", TERM, True)
    assert scope.campus_ids == ("aoyuan", "main") and scope.campus_names == ("奥园校区", "本部")
    f = part.figures

    # staff: 10 on main and 8 on Aoyuan, four of them on both (顾主任, the acceptance team, 何医生)
    assert f.agreements.model_dump() == {
        "staff_signed": 3,
        "staff_total": 14,
        "parents_signed": 1,
        "parents_total": 2,
        "parents_first_time": True,
    }
    assert f.health.model_dump() == {
        "files_opened": 4,
        "new_pupils": 3,
        "transfer_pupils": 1,
        "special_conditions": 1,
        "teachers_told": 1,
        "teachers_to_tell": 1,
    }
    weekdays = school_days(date(2020, 9, 1), date(2021, 1, 31))
    assert [(k.kind, k.done, k.missed) for k in f.inspections] == [
        ("daily_patrol", 0, 2 * weekdays),
        ("monthly_check", 0, 2 * 4),  # 153 days with none: four spans of 31 days, on each campus
        ("special_check", 0, 0),  # no rhythm
        ("fire", 1, 4 + 4),  # main: due by 31 Oct... done 28 Oct, then three spans to the end; Aoyuan: four
    ]
    assert f.fire_checks.model_dump() == {
        "done": 1,
        "months_with_check": 0,  # no month with a check on both campuses
        "months_in_term": 5,
        "two_directors": 1,
        "directors": ("周主任", "顾主任"),  # in the order they signed
    }

    h = f.hazards
    assert (h.reported, h.escalated, h.resolved, h.open) == (3, 2, 2, 2)
    assert [(c.label, c.count) for c in h.escalated_to] == [(AUTHORITY, 2)]
    assert [(c.label, c.count) for c in h.by_age] == [("7天内", 2), ("8–30天", 1), ("30天以上", 1)]
    # ages 2.31, 2.31, 21.67 (the corridor, to the term's end) and 159.67 (carried over)
    assert h.median_age_days == 11.99
    assert [i.model_dump() for i in h.escalated_items] == [
        {
            "hazard_id": "aoyuan-tiles",
            "title": "外墙墙砖脱落",
            "place": "教学楼外墙",
            "campus_id": "aoyuan",
            "campus_name": "奥园校区",
            "escalated_to": AUTHORITY,
            "status": "closed",
            "age_days": 2,
        },
        {
            "hazard_id": "main-manhole",
            "title": "操场窨井盖下沉",
            "place": "操场",
            "campus_id": "main",
            "campus_name": "本部",
            "escalated_to": AUTHORITY,
            "status": "closed",
            "age_days": 2,
        },
    ]
    assert f.buses.model_dump() == {
        "buses": 1,
        "files_complete": 1,
        "route_checks": 1,
        "violations": 1,
        "violations_rectified": 1,
    }
    assert [d.model_dump() for d in f.drills] == [
        {
            "kind": "epidemic",
            "campus_id": "aoyuan",
            "held_on": date(2020, 9, 16),
            "planned": True,
            "recorded": True,
            "summarised": False,
        },
        {
            "kind": "fire",
            "campus_id": "main",
            "held_on": date(2020, 12, 9),
            "planned": True,
            "recorded": True,
            "summarised": True,
        },
    ]
    assert f.education.model_dump() == {
        "friday_sessions": 2,
        "sessions_checked": 1,
        "flag_ceremonies": 3,
        "ceremony_months": 2,
    }
    assert [c.model_dump() for c in f.campaigns] == [
        {"name": '交通安全日 "六个一"', "theme": "交通安全日", "activities": 6, "activities_done": 4}
    ]
    assert f.injuries.model_dump() == {
        "total": 3,
        "by_setting": ({"label": "pe", "count": 1}, {"label": "break", "count": 1}, {"label": "activity", "count": 1}),
        "causes": (CAUSE_PE, CAUSE_BREAK),
        "measures": (MEASURES,),
        "at_breaks": 2,
        "at_breaks_with_duty": 1,  # main's on time; Aoyuan's missed
    }
    assert [(c.label, c.count) for c in f.communications_by_theme] == [
        ("drowning", 1),
        ("bullying", 1),
        ("fire", 1),
        ("mental_health", 1),
    ]
    assert f.students_watched == 1
    assert f.camera_areas_uncovered == 1
    assert f.incidents_in_uncovered_areas == 2  # the break injury and the corridor hazard
    assert "姚" not in response.text and "yao" not in response.text  # counts only: nobody is named

    # a campus manager of main reads main's figures only
    main = await figures(world, as_="manager-main")
    assert main.status_code == 200, main.text
    m = TermPart[SafetyFigures].model_validate(main.json())
    assert m.scope.campus_ids == ("main",) and not m.scope.whole_school
    assert (m.figures.agreements.staff_signed, m.figures.agreements.staff_total) == (2, 10)
    assert (m.figures.agreements.parents_signed, m.figures.agreements.parents_total) == (1, 1)
    assert (m.figures.health.files_opened, m.figures.health.new_pupils, m.figures.health.transfer_pupils) == (2, 1, 1)
    assert m.figures.fire_checks.months_with_check == 1
    assert (m.figures.hazards.reported, m.figures.hazards.escalated, m.figures.hazards.open) == (2, 1, 2)
    assert [d.kind for d in m.figures.drills] == ["fire"]
    assert (m.figures.injuries.total, m.figures.injuries.at_breaks, m.figures.injuries.at_breaks_with_duty) == (2, 1, 1)
    assert [c.label for c in m.figures.communications_by_theme] == ["drowning", "bullying", "mental_health"]
    aoyuan = await figures(world, as_="manager-both", campus_id="aoyuan")
    assert aoyuan.status_code == 200, aoyuan.text
    a = TermPart[SafetyFigures].model_validate(aoyuan.json()).figures
    assert (a.students_watched, a.buses.buses, a.camera_areas_uncovered, a.injuries.at_breaks_with_duty) == (0, 0, 0, 0)
    assert a.fire_checks.done == 0 and a.hazards.escalated == 1


async def test_who_reads_the_terms_figures(world: SafetyWorld) -> None:
    assert (await figures(world, as_="teacher-g6")).status_code == 403
    assert (await figures(world, as_="medical")).status_code == 403
    assert (await figures(world, as_="other-admin")).status_code == 403
    assert (await figures(world, as_="manager-aoyuan", campus_id="main")).status_code == 403
    other_term = await world.get("/term-figures", as_="admin", school_id="xuexiao", term_id="2019-2020-2")
    assert other_term.status_code == 404
    assert (await figures(world, campus_id="longhu-main")).status_code == 404
    too_long = await world.get("/term-figures", as_="admin", school_id="x" * 501, term_id=TERM)
    assert too_long.status_code == 422
