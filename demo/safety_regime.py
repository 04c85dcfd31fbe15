"""The term's every-day safety work at 薛家实验小学: the agreements signed by everyone, the
inspection regime kept, the Friday sessions given.

"期初，与全体教职员及全体家长签好相关安全工作责任状" — every member of staff and every parent
of both campuses signs the term's agreement in its first fortnight (the campus's logistics
manager issued it on 2020-09-03; staff on both campuses sign each campus's).

"积极落实校园“日巡视制” “月检查制”， “专项问题集中检查制”。 这学期，重点关注了校舍及消防安全" —
the campus's logistics manager patrols the campus every weekday of the term (on the weekdays of
the National Day holiday and New Year's Day as the holiday duty patrol), checks it once a month
(the first school day from the 20th), and 顾主任 leads the two special checks on both campuses:
the school buildings (校舍安全) after the National Day holiday and fire safety (消防安全) in the
week of 11·9, the fire safety day. Each inspection is the fewest commands the service takes:
started, its one checklist item found in order, completed.

"每周五夕会进行主题式的安全教育，有备课，有检查" — a session each school Friday on each campus,
planned with its lesson prep and given by the class teacher (六1班 黄金萍 on the main campus,
一1班 朱老师 on Aoyuan), checked by the campus's manager.

The loader sends each inspection's and session's commands in order and a modest batch of them at
once (each is a stream of its own); a campaign's signatures go one after another, in the order of
their dates (they are one stream).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from typing import Any, Protocol

from demo.canteen import school_day
from demo.school import SCHOOL, SEED, TERM, TERM_ENDS, TERM_STARTS

TZ = "+08:00"
BATCH = 16  # inspections or sessions in flight at once
MANAGER = {"main": "zhou", "aoyuan": "shen"}  # the campus's logistics manager
CAMPUSES = tuple(MANAGER)

# -- agreements ------------------------------------------------------------------------------

# The first signatures, as the seed's own people gave them in the first week (campaign -> who, when)
FIRST_SIGNATURES: dict[str, list[tuple[str, str]]] = {
    "main": [
        (who, f"2020-09-0{4 + n // 2}T16:{10 + n:02d}:00{TZ}")
        for n, who in enumerate(["zhou", "gu", "xu-vp", "huang", "sun", "li-guard", "yao-mum", "lin-dad"])
    ],
    "aoyuan": [
        (who, f"2020-09-0{4 + n // 2}T17:{10 + n:02d}:00{TZ}")
        for n, who in enumerate(["shen", "gu", "zhu", "chen-clean", "ma-dad"])
    ],
}
# The rest sign from the Tuesday of the second week: staff at the weekly staff meeting, parents
# as their children bring the agreements home, a few each school day.
STAFF_SIGN_ON = date(2020, 9, 8)
PARENTS_SIGN_FROM = date(2020, 9, 8)
PARENTS_A_DAY = 6


def campus_of_class(class_id: str) -> str:
    return next(c.campus_id for c in SEED.classes if c.class_id == class_id)


def staff_of(campus: str) -> list[str]:
    return [s.staff_id for s in SEED.staff if s.school_id == SCHOOL and campus in s.campus_ids]


def parents_of(campus: str) -> list[str]:
    """The parents of the campus's pupils, one agreement each."""
    pupils = {s.student_id for s in SEED.students if campus_of_class(s.class_id) == campus}
    return list(dict.fromkeys(p.parent_id for p in SEED.parents if p.student_id in pupils))


def school_days_from(first: date) -> Iterator[date]:
    day = first
    while day <= TERM_ENDS:
        if school_day(day):
            yield day
        day += timedelta(days=1)


def signatures(campus: str) -> list[tuple[str, str]]:
    """Every party of the campus's campaign and when they signed, in the order of their dates."""
    first = FIRST_SIGNATURES[campus]
    signed = {who for who, _ in first}
    staff = [who for who in staff_of(campus) if who not in signed]
    out = first + [(who, f"{STAFF_SIGN_ON.isoformat()}T16:{n:02d}:00{TZ}") for n, who in enumerate(staff)]
    parents = [who for who in parents_of(campus) if who not in signed]
    days = list(school_days_from(PARENTS_SIGN_FROM))
    for n, who in enumerate(parents):
        day = days[n // PARENTS_A_DAY]
        out.append((who, f"{day.isoformat()}T19:{10 + n % PARENTS_A_DAY:02d}:00{TZ}"))
    return out


# -- inspections -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Inspection:
    """An inspection started at ``start`` (HH:MM on ``day``), its one item found ok at ``found``,
    completed at ``done``."""

    inspection_id: str
    campus_id: str
    kind: str
    day: date
    area: str
    item: str
    by: str
    start: str
    found: str
    done: str
    summary: str

    def at(self, clock: str) -> str:
        return f"{self.day.isoformat()}T{clock}:00{TZ}"


def weekdays() -> list[date]:
    days = (TERM_STARTS + timedelta(days=n) for n in range((TERM_ENDS - TERM_STARTS).days + 1))
    return [d for d in days if d.weekday() < 5]


def patrols() -> list[Inspection]:
    """A patrol of each campus on every weekday of the term (a holiday's by the manager on duty)."""
    return [
        Inspection(
            f"patrol-{campus}-{day.isoformat()}",
            campus,
            "daily_patrol",
            day,
            "校园",
            "校园安全巡视",
            MANAGER[campus],
            "07:20",
            "07:45",
            "07:50",
            "日巡视: 校门、教学楼、操场、食堂无异常" if school_day(day) else "节假日值班巡视: 校园无异常",
        )
        for day in weekdays()
        for campus in CAMPUSES
    ]


def months() -> list[date]:
    out, month = [], TERM_STARTS.replace(day=1)
    while month <= TERM_ENDS:
        out.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return out


def monthly_checks() -> list[Inspection]:
    """A check of each campus every month, on the first school day from the 20th (never more
    than 31 days apart)."""
    out = []
    for month in months():
        day = next(school_days_from(month.replace(day=20)))
        for campus in CAMPUSES:
            out.append(
                Inspection(
                    f"monthly-{campus}-{month:%Y-%m}",
                    campus,
                    "monthly_check",
                    day,
                    "校舍及设施设备",
                    "校舍、设施设备安全月检查",
                    MANAGER[campus],
                    "14:00",
                    "15:30",
                    "16:00",
                    "月检查: 校舍、围墙、门窗、电器线路、体育器材逐一检查",
                )
            )
    return out


SPECIAL = [
    Inspection(
        f"special-{focus}-{campus}",
        campus,
        "special_check",
        day,
        area,
        item,
        "gu",
        "09:00",
        "10:30",
        "11:00",
        summary,
    )
    for focus, day, area, item, summary in [
        (
            "buildings",
            date(2020, 10, 9),
            "校舍",
            "校舍安全专项检查",
            "专项问题集中检查: 校舍安全 (外墙、屋面、围墙、窨井盖), 发现问题及时联系上级部门",
        ),
        (
            "fire",
            date(2020, 11, 10),
            "消防设施",
            "消防安全专项检查",
            "专项问题集中检查: 消防安全 (消防通道、灭火器、消防栓、应急照明), 问题及时联系专业人士",
        ),
    ]
    for campus in CAMPUSES
]


def inspections() -> list[Inspection]:
    return [*patrols(), *monthly_checks(), *SPECIAL]


# -- Friday sessions ---------------------------------------------------------------------------

# The class whose class teacher gives the campus's Friday session, and the term's themes in turn
SESSION_CLASS = {"main": ("g6-1", "huang"), "aoyuan": ("g1-1", "zhu")}
THEMES = ["交通安全", "防溺水", "消防安全", "防校园欺凌", "食品安全", "心理健康", "课间文明活动", "用电安全"]


@dataclass(frozen=True)
class Session:
    session_id: str
    campus_id: str
    class_id: str
    teacher_id: str
    week_of: date
    theme: str


def fridays() -> list[date]:
    return [d for d in weekdays() if d.weekday() == 4 and school_day(d)]


def sessions() -> list[Session]:
    out = []
    for n, friday in enumerate(fridays()):
        theme = "防溺水" if friday.month == 10 and friday.day in (16, 23) else THEMES[n % len(THEMES)]
        for campus, (class_id, teacher) in SESSION_CLASS.items():
            out.append(Session(f"{class_id}-{friday.isoformat()}", campus, class_id, teacher, friday, theme))
    return out


SESSIONS = sessions()

# -- loading -----------------------------------------------------------------------------------


class Poster(Protocol):
    async def post(
        self, service: str, path: str, body: dict[str, Any], as_: str, *, awaits: bool = False
    ) -> dict[str, Any]: ...

    async def sign(self, campaign_id: str, who: str, manager: str, at: str) -> None: ...


async def in_batches(steps: Iterable[Callable[[], Awaitable[None]]], size: int = BATCH) -> None:
    """Runs ``steps`` ``size`` at a time."""
    pending = list(steps)
    for i in range(0, len(pending), size):
        await asyncio.gather(*(step() for step in pending[i : i + size]))


async def sign_all(loader: Poster) -> None:
    """Every party signs their agreement; the two campaigns at once, each in the order of its dates."""

    async def campaign(campus: str) -> None:
        for who, at in signatures(campus):
            await loader.sign(f"{campus}-{TERM}", who, MANAGER[campus], at)

    await asyncio.gather(*(campaign(campus) for campus in CAMPUSES))


async def inspect(loader: Poster, i: Inspection) -> None:
    s = "safety"
    start = {
        "inspection_id": i.inspection_id,
        "campus_id": i.campus_id,
        "kind": i.kind,
        "areas": [i.area],
        "checklist": [i.item],
        "at": i.at(i.start),
    }
    await loader.post(s, "/inspections", start, i.by)
    finding = {"item": i.item, "area": i.area, "ok": True, "at": i.at(i.found)}
    await loader.post(s, f"/inspections/{i.inspection_id}/findings", finding, i.by)
    complete = {"at": i.at(i.done), "summary": i.summary}
    await loader.post(s, f"/inspections/{i.inspection_id}/complete", complete, i.by)


async def give_session(loader: Poster, session: Session) -> None:
    s, week = "safety", session.week_of.isoformat()
    plan = {
        "session_id": session.session_id,
        "class_id": session.class_id,
        "week_of": week,
        "theme": session.theme,
        "lesson_prep_ref": f"prep/{session.class_id}/{week}.docx",
        "teacher_id": session.teacher_id,
        "at": f"{week}T08:00:00{TZ}",
    }
    await loader.post(s, "/safety-sessions", plan, session.teacher_id)
    await loader.post(s, f"/safety-sessions/{session.session_id}/deliver", {"on": week}, session.teacher_id)
    check = {"result": "good", "note": "有备课, 有检查", "at": f"{week}T17:00:00{TZ}"}
    await loader.post(s, f"/safety-sessions/{session.session_id}/check", check, MANAGER[session.campus_id])


async def keep_the_regime(loader: Poster) -> None:
    """The term's patrols, monthly checks and special checks, a batch of them at a time."""
    await in_batches(partial(inspect, loader, i) for i in inspections())


async def give_sessions(loader: Poster) -> None:
    """The term's Friday sessions on both campuses, a batch of them at a time."""
    await in_batches(partial(give_session, loader, session) for session in SESSIONS)
