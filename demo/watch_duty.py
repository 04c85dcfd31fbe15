"""The demo's student watch and break-time floor duty: the seed's own facts.

"对于个别对校园安全有可能构成威胁的学生，如六1班的姚同学，积极与家长沟通，进行陪学，借助任课教师的
力量，加强品德教育，重点关注。" The safety office (周主任) opens a watch on 姚同学 of 六1班 with the
class teacher 黄金萍; its plan is the seed's four measures (contacts with 姚妈妈, accompanied
study, the subject teacher 孙老师, moral education at the class meetings), with dated notes
through the term and a review at its end; the watch stays open (重点关注 goes on).

"本学期，还是发生了4起学生受伤事故，1起是在体育课，其余3起都是发生在课间或者活动中 ... 楼层值日要
及时到位并履行职责。" Each campus's floor duty roster is set for the term; the three injuries at a
break or an activity (``demo.loader.INJURIES``: inj-2, inj-3, inj-4) name their building, floor
and break, and the duty turn of each was late or missed: the figure reads 3 of 4.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from demo.school import TERM

if TYPE_CHECKING:
    from demo.loader import DemoLoader

# Where the three injuries at a break or an activity happened (the PE one, inj-1, was on the field).
INJURY_PLACES: dict[str, dict[str, Any]] = {
    "inj-2": {"building": "teaching-a", "floor": 2, "break_period": "morning_break"},  # yao, 门框
    "inj-3": {"building": "teaching-a", "floor": 1, "break_period": "activity_time"},  # ma, 大课间跳绳
    "inj-4": {"building": "teaching-a", "floor": 3, "break_period": "morning_break"},  # he, 楼梯
}

ROSTERS: list[tuple[str, str, list[dict[str, Any]]]] = [
    (
        "main",
        "zhou",
        [
            {"building": "teaching-a", "floor": 2, "break_period": "morning_break", "teacher_id": "sun"},
            {"building": "teaching-a", "floor": 3, "break_period": "morning_break", "teacher_id": "huang"},
            {"building": "teaching-a", "floor": 2, "break_period": "lunch_break", "teacher_id": "huang"},
            {"building": "teaching-a", "floor": 3, "break_period": "afternoon_break", "teacher_id": "sun"},
        ],
    ),
    (
        "aoyuan",
        "shen",
        [
            {"building": "teaching-a", "floor": 1, "break_period": "activity_time", "teacher_id": "zhu"},
            {"building": "teaching-a", "floor": 1, "break_period": "morning_break", "teacher_id": "zhu"},
        ],
    ),
]

# (campus, day, floor, break, status, arrived at, who records it)
CHECK_INS: list[tuple[str, str, int, str, str, str | None, str]] = [
    ("main", "2020-10-19", 3, "morning_break", "on_time", "2020-10-19T09:30:00+08:00", "huang"),
    ("main", "2020-10-19", 2, "morning_break", "late", "2020-10-19T09:48:00+08:00", "zhou"),  # inj-2 at 09:40
    ("aoyuan", "2020-11-05", 1, "activity_time", "missed", None, "shen"),  # inj-3 at 15:10
    ("main", "2020-12-02", 2, "morning_break", "on_time", "2020-12-02T09:30:00+08:00", "sun"),
    ("main", "2020-12-02", 3, "morning_break", "missed", None, "zhou"),  # inj-4 at 10:05
]

WATCH = "g6-1-yao-2020"
PLAN = [
    {"kind": "parent_contact", "who": "huang", "what": "与姚妈妈每周电话沟通, 及时反馈在校表现"},
    {"kind": "accompanied_study", "who": "huang", "what": "课间与午间陪学, 重点关注课间活动"},
    {"kind": "subject_teachers", "who": "sun", "what": "数学课任课教师共同关注, 课堂表现及时告知班主任"},
    {"kind": "moral_education", "who": "huang", "what": "借助夕会、班队课加强品德教育"},
]
NOTES: list[tuple[str, str, str]] = [
    ("2020-09-30T16:30:00+08:00", "huang", "与姚妈妈电话沟通, 家长同意配合陪学"),
    ("2020-10-19T11:00:00+08:00", "huang", "课间追逐撞到门框受伤, 已与家长沟通, 课间陪学加强"),
    ("2020-11-20T16:00:00+08:00", "sun", "数学课表现稳定, 能完成作业"),
    ("2020-12-18T16:30:00+08:00", "huang", "班队课主题教育后, 课间追逐打闹明显减少"),
]


async def load(loader: DemoLoader) -> None:
    """The term's floor duty (rosters and check-ins) and the watch on 姚同学."""
    s = "safety"
    for campus, manager, slots in ROSTERS:
        body = {
            "campus_id": campus,
            "term_id": TERM,
            "effective_from": "2020-09-01",
            "slots": slots,
            "at": "2020-09-01T08:00:00+08:00",
        }
        await loader.post(s, "/floor-duty/rosters", body, manager)
    for campus, day, floor, period, status, arrived, who in CHECK_INS:
        check = {
            "campus_id": campus,
            "on": day,
            "building": "teaching-a",
            "floor": floor,
            "break_period": period,
            "status": status,
        }
        await loader.post(s, "/floor-duty/check-ins", check | ({"arrived_at": arrived} if arrived else {}), who)

    opening = {
        "watch_id": WATCH,
        "student_id": "yao",
        "class_teacher_id": "huang",
        "reason": "个别对校园安全有可能构成威胁: 课间行为冲动, 易与同学追逐冲突",
        "on": "2020-09-14",
    }
    await loader.post(s, "/student-watches", opening, "zhou")
    await loader.post(s, f"/student-watches/{WATCH}/plan", {"items": PLAN, "on": "2020-09-15"}, "zhou")
    for at, who, note in NOTES:
        await loader.post(s, f"/student-watches/{WATCH}/notes", {"note": note, "at": at}, who)
    review = {"outcome": "improved", "note": "课间行为明显改善, 下学期继续重点关注", "on": "2021-01-22"}
    await loader.post(s, f"/student-watches/{WATCH}/review", review, "zhou")
