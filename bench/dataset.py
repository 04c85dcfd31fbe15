"""A district-scale data set, generated: 20 schools x 3 campuses and a term of safety events;
and a year of the staff appraisal (:func:`appraisal_year`) on 20 schools x 2 campuses.

Every school day, on every campus: three patrols (started, one finding per checklist
item, completed), the hazards those findings raise going through their lives over the
next days (assigned in-house or escalated, rectified, closed, sometimes reopened), the
parents' and staff's responsibility agreements being signed over the first weeks, a
monthly check signed off by a director, and drills (planned, conducted, summarised).

Events come out in the order they happened, the campuses interleaved as they would be
in a live store; streams and versions are those the safety service's deciders write.
The payloads validate against the service's event models (the projections decode them).
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import islice
from typing import Any
from uuid import UUID

from demo.school import SEED
from services.canteen import events as ce
from services.eventkit.auth import Role
from services.eventkit.days import CHINA
from services.eventkit.envelope import DomainEvent, Envelope
from services.hr_eval import events as ev
from services.hr_eval.common import (
    RESPONSE_SCHOOL_DAYS,
    appraisal_id,
    first_day,
    last_day,
    month_of,
    school_days_after,
)
from services.hr_eval.events import RuleCategory, RuleItem
from services.hr_eval.scoring import score

DISTRICT = "bench-district"
SCHOOLS = 20
CAMPUSES_PER_SCHOOL = 3
TERM = SEED.term  # the seed's term, in every school of the district
TERM_STARTS = TERM.starts_on
PATROLS = ((7, 30), (10, 0), (12, 30), (16, 30))  # 日巡视: before school, mid-morning, noon, after school
CHECKLIST = [f"item-{i:02d}" for i in range(36)]
AREAS = ["教学楼", "食堂", "操场", "宿舍", "实验室", "校门"]
PARTIES_PER_CAMPUS = 1200  # staff and parents who sign a safety agreement
ISSUE_CHUNK = 200
SIGNING_DAYS = 30
HAZARD_RATE = 0.015  # share of patrol findings that are not ok and raise a hazard
SEVERITIES = ["low", "medium", "high", "critical"]
DRILL_KINDS = ["fire", "epidemic", "food_poisoning", "gas_leak"]


@dataclass(frozen=True)
class Campus:
    campus_id: str
    school_id: str
    name: str


def campuses(per_school: int = CAMPUSES_PER_SCHOOL, schools: int = SCHOOLS) -> list[Campus]:
    out = []
    for s in range(schools):
        school = f"school-{s:02d}"
        for c in range(per_school):
            out.append(Campus(f"campus-{s:02d}-{c}", school, f"第{s + 1}小学 {c + 1}号校区"))
    return out


@dataclass
class _Writer:
    """Numbers events per stream and wraps them in envelopes."""

    rng: random.Random
    versions: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    count: int = 0

    def event(
        self,
        stream: str,
        type_: str,
        campus: Campus,
        at: datetime,
        actor: str,
        data: dict[str, Any],
        schema_version: int = 1,
    ) -> Envelope:
        self.versions[stream] += 1
        self.count += 1
        return Envelope.model_construct(
            event_id=UUID(int=self.rng.getrandbits(128), version=4),
            stream_id=stream,
            version=self.versions[stream],
            type=type_,
            schema_version=schema_version,
            occurred_at=at,
            recorded_at=at,
            position=None,
            district_id=DISTRICT,
            school_id=campus.school_id or None,
            campus_id=campus.campus_id or None,
            actor=actor,
            correlation_id=None,
            causation_id=None,
            command_id=None,
            data=data,
        )


def _at(day: date, hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=UTC)


def school_days(start: date = TERM_STARTS) -> Iterator[date]:
    day = start
    while True:
        if day.weekday() < 5:
            yield day
        day += timedelta(days=1)


def safety_term(target_events: int, *, seed: int = 7) -> Iterator[Envelope]:
    """At least ``target_events`` safety events (whole days), in the order they happened."""
    rng = random.Random(seed)
    w = _Writer(rng)
    cs = campuses()
    pending: dict[date, list[tuple[int, Campus, str, str]]] = defaultdict(list)  # day -> hazard steps
    hazard_n = 0
    days = school_days()
    first_day = next(days)

    # Day one: the rhythm of inspections, the agreement campaigns and their issuing.
    for c in cs:
        at = _at(first_day, 7, 0)
        for kind, every in (("daily_patrol", 1), ("monthly_check", 30), ("fire", 30)):
            yield w.event(
                f"inspection-schedule-{c.campus_id}",
                "safety.InspectionScheduleSet",
                c,
                at,
                "bench-manager",
                {"campus_id": c.campus_id, "kind": kind, "every_days": every},
            )
    for c in cs:
        at = _at(first_day, 7, 10)
        stream = f"agreement-campaign-{c.campus_id}-t1"
        yield w.event(
            stream,
            "safety.AgreementCampaignLaunched",
            c,
            at,
            "bench-manager",
            {
                "campaign_id": f"{c.campus_id}-t1",
                "campus_id": c.campus_id,
                "term_id": TERM.term_id,
                "title": f"{TERM.name} 安全责任书",
                "document_ref": "docs/agreement-2020.pdf",
                "parties": ["staff", "parent"],
            },
        )
        for start in range(0, PARTIES_PER_CAMPUS, ISSUE_CHUNK):
            yield w.event(
                stream,
                "safety.AgreementsIssued",
                c,
                at,
                "bench-manager",
                {
                    "campaign_id": f"{c.campus_id}-t1",
                    "agreements": [
                        {
                            "party_kind": "parent" if p % 10 else "staff",
                            "party_id": f"{c.campus_id}-p{p:04d}",
                            "name": f"家长{p}",
                            "class_id": f"{c.campus_id}-class-{p % 24:02d}" if p % 10 else None,
                        }
                        for p in range(start, min(PARTIES_PER_CAMPUS, start + ISSUE_CHUNK))
                    ],
                },
            )

    day = first_day
    day_index = 0
    while w.count < target_events:
        # Patrols: each item of the checklist, on every campus in turn.
        for slot, (hour, minute) in enumerate(PATROLS):
            ids = {c.campus_id: f"{c.campus_id}-{day.isoformat()}-p{slot}" for c in cs}
            for c in cs:
                yield w.event(
                    f"inspection-{ids[c.campus_id]}",
                    "safety.InspectionStarted",
                    c,
                    _at(day, hour, minute),
                    f"{c.campus_id}-guard",
                    {
                        "inspection_id": ids[c.campus_id],
                        "campus_id": c.campus_id,
                        "kind": "daily_patrol",
                        "areas": AREAS,
                        "checklist": CHECKLIST,
                        "inspector_id": f"{c.campus_id}-guard",
                        "started_at": _at(day, hour, minute).isoformat(),
                    },
                )
            problems: dict[str, int] = defaultdict(int)
            for i, item in enumerate(CHECKLIST):
                at = _at(day, hour, minute + 1 + i // 2, (i % 2) * 30)
                for c in cs:
                    ok = rng.random() >= HAZARD_RATE
                    hazard_id = None
                    if not ok:
                        hazard_n += 1
                        hazard_id = f"h{hazard_n:07d}"
                        problems[c.campus_id] += 1
                    yield w.event(
                        f"inspection-{ids[c.campus_id]}",
                        "safety.InspectionFindingRecorded",
                        c,
                        at,
                        f"{c.campus_id}-guard",
                        {
                            "inspection_id": ids[c.campus_id],
                            "item": item,
                            "area": AREAS[i % len(AREAS)],
                            "ok": ok,
                            "note": "" if ok else "发现问题, 已上报",
                            "hazard_id": hazard_id,
                        },
                    )
                    if hazard_id is not None:
                        severity = rng.choice(SEVERITIES)
                        yield w.event(
                            f"hazard-{hazard_id}",
                            "safety.HazardReported",
                            c,
                            at,
                            f"{c.campus_id}-guard",
                            {
                                "hazard_id": hazard_id,
                                "campus_id": c.campus_id,
                                "area": f"{AREAS[i % len(AREAS)]} {item}",
                                "description": "巡视发现: 设施损坏, 存在安全隐患",
                                "severity": severity,
                                "photo_ref": f"photos/{day.isoformat()}/{hazard_id}.jpg",
                                "reported_by": f"{c.campus_id}-guard",
                                "reported_at": at.isoformat(),
                                "inspection_id": ids[c.campus_id],
                            },
                        )
                        step = "assign" if rng.random() < 0.7 else "escalate"
                        pending[day + timedelta(days=1)].append((hazard_n, c, step, severity))
            done_at = _at(day, hour, minute + 20)
            for c in cs:
                yield w.event(
                    f"inspection-{ids[c.campus_id]}",
                    "safety.InspectionCompleted",
                    c,
                    done_at,
                    f"{c.campus_id}-guard",
                    {
                        "inspection_id": ids[c.campus_id],
                        "campus_id": c.campus_id,
                        "kind": "daily_patrol",
                        "completed_at": done_at.isoformat(),
                        "findings": len(CHECKLIST),
                        "problems": problems[c.campus_id],
                        "summary": "巡视完成",
                    },
                )

        # Hazards moving on: assigned or escalated, rectified, verified.
        for hazard, c, step, severity in pending.pop(day, []):
            hid = f"h{hazard:07d}"
            stream = f"hazard-{hid}"
            at = _at(day, 9, rng.randrange(60))
            manager = f"{c.campus_id}-manager"
            if step == "assign":
                yield w.event(
                    stream,
                    "safety.HazardAssignedInHouse",
                    c,
                    at,
                    manager,
                    {
                        "hazard_id": hid,
                        "campus_id": c.campus_id,
                        "area": "巡视区域",
                        "description": "巡视发现: 设施损坏, 存在安全隐患",
                        "severity": severity,
                        "assignee_id": f"{c.campus_id}-tech",
                        "assigned_by": manager,
                        "assigned_at": at.isoformat(),
                        "due_on": (day + timedelta(days=3)).isoformat(),
                    },
                )
                pending[day + timedelta(days=rng.randint(1, 4))].append((hazard, c, "rectify", severity))
            elif step == "escalate":
                yield w.event(
                    stream,
                    "safety.HazardEscalated",
                    c,
                    at,
                    manager,
                    {
                        "hazard_id": hid,
                        "authority": "区教育局 基建科",
                        "escalated_by": manager,
                        "escalated_at": at.isoformat(),
                        "reference": f"报修单 {hazard}",
                    },
                )
                pending[day + timedelta(days=rng.randint(2, 8))].append((hazard, c, "rectify", severity))
            elif step == "rectify":
                yield w.event(
                    stream,
                    "safety.HazardRectified",
                    c,
                    at,
                    f"{c.campus_id}-tech",
                    {"hazard_id": hid, "rectified_by": f"{c.campus_id}-tech", "rectified_at": at.isoformat()},
                )
                pending[day + timedelta(days=1)].append((hazard, c, "verify", severity))
            else:
                if rng.random() < 0.1:
                    yield w.event(
                        stream,
                        "safety.HazardReopened",
                        c,
                        at,
                        manager,
                        {"hazard_id": hid, "verified_by": manager, "reopened_at": at.isoformat(), "reason": "仍有松动"},
                    )
                    pending[day + timedelta(days=1)].append((hazard, c, "assign", severity))
                else:
                    yield w.event(
                        stream,
                        "safety.HazardClosed",
                        c,
                        at,
                        manager,
                        {"hazard_id": hid, "verified_by": manager, "closed_at": at.isoformat(), "note": "复查合格"},
                    )

        # Agreements signed over the first weeks.
        if day_index < SIGNING_DAYS:
            per_day = PARTIES_PER_CAMPUS // SIGNING_DAYS
            for n in range(per_day):
                for c in cs:
                    p = day_index * per_day + n
                    at = _at(day, 18, n % 60)
                    yield w.event(
                        f"agreement-campaign-{c.campus_id}-t1",
                        "safety.AgreementSigned",
                        c,
                        at,
                        f"{c.campus_id}-p{p:04d}",
                        {
                            "campaign_id": f"{c.campus_id}-t1",
                            "party_id": f"{c.campus_id}-p{p:04d}",
                            "signed_by": f"{c.campus_id}-p{p:04d}",
                            "signed_at": at.isoformat(),
                        },
                    )

        # The monthly check (every 20 school days), and two drills a month.
        if day_index % 20 == 5:
            for c in cs:
                iid = f"{c.campus_id}-{day.isoformat()}-monthly"
                stream = f"inspection-{iid}"
                at = _at(day, 14, 0)
                yield w.event(
                    stream,
                    "safety.InspectionStarted",
                    c,
                    at,
                    f"{c.campus_id}-manager",
                    {
                        "inspection_id": iid,
                        "campus_id": c.campus_id,
                        "kind": "monthly_check",
                        "areas": AREAS,
                        "checklist": CHECKLIST,
                        "inspector_id": f"{c.campus_id}-manager",
                        "started_at": at.isoformat(),
                    },
                )
                for i, item in enumerate(CHECKLIST):
                    yield w.event(
                        stream,
                        "safety.InspectionFindingRecorded",
                        c,
                        at,
                        f"{c.campus_id}-manager",
                        {"inspection_id": iid, "item": item, "area": AREAS[i % len(AREAS)], "ok": True},
                    )
                yield w.event(
                    stream,
                    "safety.InspectionSignedOff",
                    c,
                    at,
                    f"{c.campus_id}-director",
                    {"inspection_id": iid, "director_id": f"{c.campus_id}-director", "signed_at": at.isoformat()},
                )
                yield w.event(
                    stream,
                    "safety.InspectionCompleted",
                    c,
                    at,
                    f"{c.campus_id}-manager",
                    {
                        "inspection_id": iid,
                        "campus_id": c.campus_id,
                        "kind": "monthly_check",
                        "completed_at": at.isoformat(),
                        "findings": len(CHECKLIST),
                        "problems": 0,
                    },
                )
        if day_index % 10 == 2:
            for c in cs:
                did = f"{c.campus_id}-{day.isoformat()}-drill"
                kind = DRILL_KINDS[(day_index // 10) % len(DRILL_KINDS)]
                stream = f"drill-{did}"
                at = _at(day, 10, 0)
                yield w.event(
                    stream,
                    "safety.DrillPlanned",
                    c,
                    at,
                    f"{c.campus_id}-manager",
                    {
                        "drill_id": did,
                        "campus_id": c.campus_id,
                        "kind": kind,
                        "title": "应急疏散演练",
                        "planned_on": day.isoformat(),
                        "plan_ref": "plans/drill.pdf",
                        "planned_at": at.isoformat(),
                    },
                    schema_version=2,
                )
                yield w.event(
                    stream,
                    "safety.DrillConducted",
                    c,
                    at,
                    f"{c.campus_id}-manager",
                    {
                        "drill_id": did,
                        "campus_id": c.campus_id,
                        "kind": kind,
                        "conducted_on": day.isoformat(),
                        "participants": 1200,
                        "evacuation_seconds": 180 + rng.randrange(120),
                    },
                )
                yield w.event(
                    stream,
                    "safety.DrillSummarised",
                    c,
                    at,
                    f"{c.campus_id}-manager",
                    {"drill_id": did, "summary": "演练有序, 用时符合要求"},
                )
        day = next(days)
        day_index += 1


def directory_events(
    *, seed: int = 11, per_school: int = CAMPUSES_PER_SCHOOL, schools: int = SCHOOLS
) -> Iterator[Envelope]:
    """The directory's side of the same district: the district, its schools and campuses."""
    rng = random.Random(seed)
    w = _Writer(rng)
    at = _at(TERM_STARTS - timedelta(days=10), 9, 0)
    first = Campus("", "", "")
    yield w.event(
        f"district-{DISTRICT}",
        "directory.DistrictRegistered",
        first,
        at,
        "platform-admin",
        {"district_id": DISTRICT, "name": "基准区"},
    )
    for s in range(schools):
        school = f"school-{s:02d}"
        c0 = Campus("", school, "")
        yield w.event(
            f"school-{school}",
            "directory.SchoolRegistered",
            c0,
            at,
            "bench-admin",
            {"school_id": school, "district_id": DISTRICT, "name": f"第{s + 1}小学"},
        )
    for c in campuses(per_school, schools):
        yield w.event(
            f"campus-{c.campus_id}",
            "directory.CampusOpened",
            c,
            at,
            "bench-admin",
            {
                "campus_id": c.campus_id,
                "school_id": c.school_id,
                "district_id": DISTRICT,
                "name": c.name,
                "address": "",
            },
            schema_version=2,
        )


# -- a year of staff appraisals 后勤月考核 ------------------------------------------------------

HR_CAMPUSES_PER_SCHOOL = 2
HR_MONTHS = 12
WORKERS_PER_CAMPUS = (25, 40)
ROLE_SHARES = ((Role.CLEANER, 0.4), (Role.CANTEEN_WORKER, 0.3), (Role.GUARD, 0.2), (Role.TECHNICIAN, 0.1))
HR_BASE_SCORE = 100
HR_CATEGORIES = [
    RuleCategory(code="DISC", name="劳动纪律", deduction_cap=10, bonus_cap=0),
    RuleCategory(code="DUTY", name="岗位职责", deduction_cap=30, bonus_cap=5),
    RuleCategory(code="SAFE", name="安全责任", deduction_cap=20, bonus_cap=0),
    RuleCategory(code="HYG", name="卫生与食品安全", deduction_cap=20, bonus_cap=0),
    RuleCategory(code="SERV", name="服务态度", deduction_cap=10, bonus_cap=5),
    RuleCategory(code="MERIT", name="表彰奖励", deduction_cap=0, bonus_cap=10),
]
HR_RULES = [
    RuleItem(code="D-1", category="DISC", points=-2, text="迟到早退"),
    RuleItem(code="D-2", category="DISC", points=-5, text="无故脱岗"),
    RuleItem(code="D-3", category="DISC", points=-3, text="工作时间玩手机"),
    RuleItem(code="T-1", category="DUTY", points=-2, text="责任区域卫生不达标"),
    RuleItem(code="T-2", category="DUTY", points=-3, text="设备未按时巡检"),
    RuleItem(code="T-3", category="DUTY", points=-5, text="值班记录缺失"),
    RuleItem(code="S-1", category="SAFE", points=-5, text="来访人员未登记"),
    RuleItem(code="S-2", category="SAFE", points=-10, text="消防通道堵塞未处理"),
    RuleItem(code="H-1", category="HYG", points=-3, text="未按规定佩戴帽子口罩"),
    RuleItem(code="H-2", category="HYG", points=-5, text="食品留样不规范"),
    RuleItem(code="V-1", category="SERV", points=-2, text="师生投诉服务态度"),
    RuleItem(code="B-1", category="MERIT", points=3, text="受到师生书面表扬"),
    RuleItem(code="B-2", category="MERIT", points=5, text="技能比赛获奖"),
    RuleItem(code="B-3", category="SERV", points=2, text="主动排除安全隐患"),
]
_RULE = {r.code: r for r in HR_RULES}
ROLE_RULES: dict[Role, tuple[str, ...]] = {  # the deductions a role's work can earn
    Role.CLEANER: ("D-1", "D-3", "T-1", "T-1", "V-1"),
    Role.CANTEEN_WORKER: ("D-1", "H-1", "H-1", "H-2", "V-1"),
    Role.GUARD: ("D-1", "D-2", "S-1", "S-1", "S-2", "T-3"),
    Role.TECHNICIAN: ("D-1", "T-2", "T-2", "T-3", "S-2"),
}
DEDUCTIONS_A_MONTH = (0, 0, 0, 1, 1, 1, 2, 2, 3, 4)  # drawn per worker and month: 1.4 on average
BONUS_SHARE = 0.12
CHANNELS = list(ev.Channel)


def _cst(day: date, hour: int, minute: int, second: int = 0) -> datetime:
    """An instant at the school (China Standard Time): the appraisal's days are the school's."""
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=CHINA)


Step = tuple[datetime, int, str, DomainEvent, Campus, str]  # when, order of writing, stream, event, campus, actor


@dataclass(frozen=True)
class Worker:
    staff_id: str
    name: str
    role: Role
    campus: Campus
    joined_in: int  # the index of the month they joined in (0: before the year began)
    joined_on: date | None


def appraisal_months(start: date = TERM_STARTS, months: int = HR_MONTHS) -> list[str]:
    """The ``months`` months from ``start``'s, written YYYY-MM."""
    return [month_of(date(start.year + (start.month - 1 + m) // 12, (start.month - 1 + m) % 12 + 1, 1))
            for m in range(months)]  # fmt: skip


def workers(cs: list[Campus], months: int = HR_MONTHS, *, seed: int = 13) -> list[Worker]:
    """Every campus's logistics workers (25-40 a campus); one in twenty joins during the year."""
    rng = random.Random(seed)
    starts = appraisal_months(months=months)
    out = []
    for c in cs:
        for n in range(rng.randint(*WORKERS_PER_CAMPUS)):
            role = rng.choices([r for r, _ in ROLE_SHARES], [w for _, w in ROLE_SHARES])[0]
            joined_in, joined_on = 0, None
            if rng.random() < 0.05:
                joined_in = rng.randrange(1, months)
                first = first_day(starts[joined_in])
                joined_on = first + timedelta(days=rng.randrange(1, 20))
            out.append(Worker(f"{c.campus_id}-w{n:02d}", f"师傅{n:02d}", role, c, joined_in, joined_on))
    return out


def appraisal_year(*, schools: int = SCHOOLS, months: int = HR_MONTHS, seed: int = 17) -> Iterator[Envelope]:
    """A year of the staff appraisal on ``schools`` schools x 2 campuses, in the order it happened.

    Each school publishes its rule book; each month, every worker's appraisal is opened on the
    month's first day by the campus's manager; the manager and the director propose the month's
    deductions (1.4 a worker on average, each for a rule of the worker's role) and a few bonuses;
    each deduction is told to the worker the next school day, who acknowledges it, disputes it
    (resolved by the other appraiser) or stays silent; the appraisals are finalised once every
    answer window closed, and the campus's month published. The last month is still open: items
    proposed and told, nothing finalised. Payloads are the service's event models; stream ids
    and versions those its deciders write (``appraisal-<appraisal_id>``, ``appraisal-month-…``).
    """
    rng = random.Random(seed)
    cs = campuses(HR_CAMPUSES_PER_SCHOOL, schools)
    staff = workers(cs, months)
    w = _Writer(rng)
    steps: list[Step] = []

    def add(at: datetime, stream: str, event: DomainEvent, campus: Campus, actor: str) -> None:
        steps.append((at, len(steps), stream, event, campus, actor))

    published_at = _cst(TERM_STARTS - timedelta(days=7), 9, 0)
    for s in range(schools):
        school = f"school-{s:02d}"
        add(published_at, f"rulebook-{school}",
            ev.RuleBookPublished(school_id=school, version=1, title="后勤人员月考核细则", effective_on=TERM_STARTS,
                                 base_score=HR_BASE_SCORE, categories=HR_CATEGORIES, items=HR_RULES,
                                 published_by="bench-admin", published_at=published_at, studied_on=TERM_STARTS),
            Campus("", school, ""), "bench-admin")  # fmt: skip

    for m, month in enumerate(appraisal_months(months=months)):
        start, end = first_day(month), last_day(month)
        days = [d for d in (start + timedelta(days=i) for i in range((end - start).days + 1)) if d.weekday() < 5]
        in_progress = m == months - 1
        for c in cs:
            manager, director = f"{c.campus_id}-manager", f"{c.campus_id}-director"
            finalised: list[tuple[str, datetime, int]] = []
            for wk in staff:
                if wk.campus != c or wk.joined_in > m:
                    continue
                aid = appraisal_id(wk.staff_id, month)
                stream = f"appraisal-{aid}"
                joined = wk.joined_on if wk.joined_in == m else None
                opened_at = _cst(start, 8, 0)
                add(opened_at, stream,
                    ev.AppraisalOpened(appraisal_id=aid, campus_id=c.campus_id, school_id=c.school_id,
                                       staff_id=wk.staff_id, staff_name=wk.name, role=wk.role, month=month,
                                       rule_book_version=1, base_score=HR_BASE_SCORE, categories=HR_CATEGORIES,
                                       opened_by=manager, opened_at=opened_at, joined_on=joined),
                    c, manager)  # fmt: skip
                own_days = [d for d in days if joined is None or d >= joined] or days[-1:]
                if in_progress:
                    own_days = own_days[: max(1, len(own_days) * 2 // 3)]  # the month is not over
                kinds = [rng.choice(ROLE_RULES[wk.role]) for _ in range(rng.choice(DEDUCTIONS_A_MONTH))]
                if rng.random() < BONUS_SHARE:
                    kinds.append(rng.choice(("B-1", "B-1", "B-2", "B-3")))
                items = sorted((rng.choice(own_days), rng.randrange(10, 17), code) for code in kinds)
                counted: dict[str, tuple[str, int]] = {}  # item -> (category, points), as they stand
                last_step = opened_at
                for n, (day, hour, code) in enumerate(items):
                    rule = _RULE[code]
                    item_id = f"i{n + 1}"
                    by = manager if rng.random() < 0.6 else director
                    other = director if by == manager else manager
                    occurred, proposed = _cst(day, hour - 2, rng.randrange(60)), _cst(day, hour, rng.randrange(60))
                    add(proposed, stream,
                        ev.AppraisalItemProposed(appraisal_id=aid, item_id=item_id, rule_code=code,
                                                 category=rule.category, points=rule.points, rule_text=rule.text,
                                                 occurred_at=occurred, place=rng.choice(AREAS), note="巡视发现",
                                                 evidence_refs=[f"photos/{day.isoformat()}/{aid}-{item_id}.jpg"],
                                                 source=ev.ItemSource.PATROL, proposed_by=by, proposed_at=proposed),
                        c, by)  # fmt: skip
                    counted[item_id] = (rule.category, rule.points)
                    last_step = max(last_step, proposed)
                    if rule.points > 0:
                        continue
                    told_on = school_days_after(day, 1)
                    if in_progress and told_on > own_days[-1]:
                        continue  # not told yet
                    told = _cst(told_on, 16, rng.randrange(60))
                    respond_by = school_days_after(told_on, RESPONSE_SCHOOL_DAYS)
                    add(told, stream,
                        ev.DeductionCommunicated(appraisal_id=aid, item_id=item_id, communicated_by=by,
                                                 communicated_at=told, channel=rng.choice(CHANNELS),
                                                 respond_by=respond_by),
                        c, by)  # fmt: skip
                    last_step = max(last_step, _cst(respond_by, 23, 59))  # silence: the window closes
                    answer = rng.random()
                    answered = _cst(school_days_after(told_on, 1), 8, rng.randrange(60))
                    if answer < 0.85:
                        add(answered, stream,
                            ev.DeductionAcknowledged(appraisal_id=aid, item_id=item_id, staff_id=wk.staff_id,
                                                     acknowledged_at=answered),
                            c, wk.staff_id)  # fmt: skip
                    elif answer < 0.93:
                        add(answered, stream,
                            ev.DeductionDisputed(appraisal_id=aid, item_id=item_id, staff_id=wk.staff_id,
                                                 reason="当天请过假", disputed_at=answered),
                            c, wk.staff_id)  # fmt: skip
                        resolved = _cst(school_days_after(told_on, 2), 15, 0)
                        outcome = rng.choice(list(ev.DisputeOutcome))
                        points = {ev.DisputeOutcome.UPHELD: rule.points, ev.DisputeOutcome.REDUCED: rule.points // 2,
                                  ev.DisputeOutcome.WITHDRAWN: 0}[outcome]  # fmt: skip
                        if in_progress and resolved.date() > own_days[-1]:
                            continue  # not decided yet
                        add(resolved, stream,
                            ev.DisputeResolved(appraisal_id=aid, item_id=item_id, outcome=outcome, points=points,
                                               reason="核实后决定", resolved_by=other, resolved_at=resolved),
                            c, other)  # fmt: skip
                        counted[item_id] = (rule.category, points)
                if in_progress:
                    continue
                done = max(_cst(school_days_after(end, 2), 9, 0), last_step + timedelta(minutes=1))
                scored = score(HR_BASE_SCORE, HR_CATEGORIES, list(counted.values()))
                add(done, stream,
                    ev.AppraisalFinalised(appraisal_id=aid, campus_id=c.campus_id, month=month,
                                          base_score=scored.base, deductions=scored.deductions,
                                          bonuses=scored.bonuses, total=scored.total, finalised_by=manager,
                                          finalised_at=done),
                    c, manager)  # fmt: skip
                finalised.append((aid, done, scored.total))
            if finalised:
                at = max(t for _, t, _ in finalised) + timedelta(hours=1)
                ids = [aid for aid, _, _ in finalised]
                add(at, f"appraisal-month-{c.campus_id}-{month}",
                    ev.AppraisalMonthPublished(campus_id=c.campus_id, month=month, appraisal_ids=ids,
                                               published_by=manager, published_at=at),
                    c, manager)  # fmt: skip
                for aid, _, total in finalised:
                    add(at, f"appraisal-{aid}",
                        ev.AppraisalPublished(appraisal_id=aid, campus_id=c.campus_id, month=month, total=total,
                                              published_by=manager, published_at=at),
                        c, manager)  # fmt: skip
    steps.sort(key=lambda s: (s[0], s[1]))
    for at, _, stream, event, campus, actor in steps:
        yield w.event(stream, event.event_type, campus, at, actor, event.model_dump(mode="json"))


# -- a term of canteen records 食安台账 ------------------------------------------------------------

CANTEEN_WORKERS = 8
CANTEEN_MEALS = (("breakfast", 7), ("lunch", 11), ("dinner", 17))
CANTEEN_DISHES = ["红烧肉", "炒青菜", "番茄炒蛋", "清蒸鱼", "土豆丝", "紫菜蛋汤", "宫保鸡丁", "麻婆豆腐", "白菜豆腐"]
CANTEEN_UNITS = (("fridge-1", "fridge", 0, 80), ("fridge-2", "fridge", 0, 80), ("freezer-1", "freezer", -250, -180))


def _delivery_line(rng: random.Random, delivery: str, day: date, i: int) -> ce.DeliveryLine:
    """A delivery's line: the first two leafy vegetables (tested), the others chilled meat."""
    certificates = (
        []
        if i < 2
        else [
            ce.Certificate(
                kind=ce.CertificateKind.QUARANTINE,
                number=f"Q-{delivery}-{i}",
                expires_on=day + timedelta(days=rng.randrange(3, 90)),
            )
        ]
    )
    return ce.DeliveryLine(
        line_no=i + 1,
        item=rng.choice(CANTEEN_DISHES),
        category=ce.FoodCategory.LEAFY_VEGETABLE if i < 2 else ce.FoodCategory.MEAT,
        batch=day.isoformat(),
        produced_on=day,
        shelf_life_days=3,
        declared_grams=10_000,
        chilled=i >= 2,
        certificates=certificates,
    )


def canteen_term(weeks: int, *, seed: int = 19) -> Iterator[Envelope]:
    """``weeks`` of every campus's canteen records (school days), in the order they happened:
    the food-safety ledger's facts. Each day: every worker's morning check (one in fifty fails,
    stood down and cleared the next day), three meals of four dishes each sampled (one dish in
    two hundred found without a sample), the samples disposed of two days later, a delivery of
    six lines with two pesticide tests (one in thirty fails and its line is rejected), two
    temperature readings per unit (one in forty out of limits, corrected the next day or left
    open), a leader's accompanied lunch; each week one parent's visit with its reflection."""
    rng = random.Random(seed)
    cs = campuses()
    w = _Writer(rng)
    steps: list[Step] = []

    def add(at: datetime, stream: str, event: DomainEvent, campus: Campus, actor: str) -> None:
        steps.append((at, len(steps), stream, event, campus, actor))

    days = list(islice(school_days(), weeks * 5))
    for c in cs:
        cid = c.campus_id
        manager = f"{cid}-manager"
        staff = [f"{cid}-cook-{n}" for n in range(CANTEEN_WORKERS)]
        for unit_id, kind, low, high in CANTEEN_UNITS:
            add(_cst(days[0], 6, 0), f"temperature-unit-{cid}-{unit_id}",
                ce.TemperatureUnitRegistered(unit_id=f"{cid}-{unit_id}", campus_id=cid, name=unit_id,
                                             kind=ce.UnitKind(kind), min_c10=low, max_c10=high,
                                             registered_by=manager), c, manager)  # fmt: skip
        for s in staff:
            add(_cst(days[0], 6, 1), f"canteen-worker-{s}",
                ce.HealthCertificateRecorded(staff_id=s, campus_id=cid, number=f"JK-{s}",
                                             issued_on=days[0] - timedelta(days=rng.randrange(30, 360)),
                                             expires_on=days[0] + timedelta(days=rng.randrange(5, 400)),
                                             recorded_by=manager), c, manager)  # fmt: skip
        for n, day in enumerate(days):
            for s in staff:
                passed = rng.random() >= 0.02
                add(_cst(day, 6, 30), f"canteen-worker-{s}",
                    ce.MorningCheckRecorded(staff_id=s, campus_id=cid, checked_on=day, shift=ce.Meal.BREAKFAST,
                                            fever=not passed, gastro=False, hand_wound=False, respiratory=False,
                                            dress_ok=True, passed=passed, note="", checked_by=manager),
                    c, manager)  # fmt: skip
                if not passed:
                    add(_cst(day, 6, 31), f"canteen-worker-{s}",
                        ce.WorkerStoodDown(staff_id=s, campus_id=cid, reasons=["发热"], stood_down_by=manager),
                        c, manager)  # fmt: skip
                    add(_cst(day + timedelta(days=1), 6, 0), f"canteen-worker-{s}",
                        ce.WorkerCleared(staff_id=s, campus_id=cid, note="复查正常", cleared_by=manager),
                        c, manager)  # fmt: skip
            delivery = f"{cid}-{day.isoformat()}"
            lines = [_delivery_line(rng, delivery, day, i) for i in range(6)]
            add(_cst(day, 6, 10), f"delivery-{delivery}",
                ce.DeliveryReceived(delivery_id=delivery, campus_id=cid, supplier_id="bench-supplier",
                                    supplier_name="新北农贸", certificates=[], lines=lines,
                                    received_by=staff[0]), c, staff[0])  # fmt: skip
            rejected = 0
            for line_no in (1, 2):
                failed = rng.random() < 1 / 30
                add(_cst(day, 6, 15), f"delivery-{delivery}",
                    ce.PesticideTested(delivery_id=delivery, line_no=line_no, test_id=f"{delivery}-{line_no}",
                                       verdict=ce.Verdict.FAIL if failed else ce.Verdict.PASS,
                                       inhibition_permille=600 if failed else 120, tested_by=staff[0]),
                    c, staff[0])  # fmt: skip
                if failed:
                    rejected += 1
                    add(_cst(day, 6, 16), f"delivery-{delivery}",
                        ce.DeliveryLineRejected(delivery_id=delivery, line_no=line_no, reason="农残快检不合格",
                                                rejected_by=manager), c, manager)  # fmt: skip
            add(_cst(day, 6, 20), f"delivery-{delivery}",
                ce.DeliveryAcceptanceSigned(delivery_id=delivery, campus_id=cid, inspectors=[manager, staff[0]],
                                            lines_accepted=6 - rejected, lines_rejected=rejected,
                                            signed_by=manager), c, manager)  # fmt: skip
            for meal, hour in CANTEEN_MEALS:
                mid = f"{cid}-{day.isoformat()}-{meal}"
                dishes = rng.sample(CANTEEN_DISHES, 4)
                add(_cst(day, hour, 50), f"meal-{mid}",
                    ce.MealServed(meal_id=mid, campus_id=cid, served_on=day, meal=ce.Meal(meal), dishes=dishes,
                                  servers=staff[:3], diners=600, recorded_by=manager), c, manager)  # fmt: skip
                for k, dish in enumerate(dishes):
                    if rng.random() < 1 / 200:
                        add(_cst(day, hour, 55), f"meal-{mid}",
                            ce.DishServedWithoutSample(meal_id=mid, campus_id=cid, served_on=day, meal=ce.Meal(meal),
                                                       dish=dish, found_by=manager), c, manager)  # fmt: skip
                        continue
                    sid = f"{mid}-{k}"
                    retained = _cst(day, hour, 40)
                    add(retained, f"sample-{sid}",
                        ce.SampleRetained(sample_id=sid, campus_id=cid, served_on=day, meal=ce.Meal(meal), dish=dish,
                                          grams=130, unit_id=f"{cid}-fridge-1", retained_by=staff[1],
                                          release_after=retained + timedelta(hours=48)), c, staff[1])  # fmt: skip
                    add(
                        retained + timedelta(days=2, hours=1),
                        f"sample-{sid}",
                        ce.SampleDisposed(sample_id=sid, campus_id=cid, disposed_by=staff[1]),
                        c,
                        staff[1],
                    )
            for unit_id, _, low, high in CANTEEN_UNITS:
                for hour in (8, 15):
                    out = rng.random() < 1 / 40
                    rid = f"{cid}-{unit_id}-{day.isoformat()}-{hour}"
                    c10 = high + 15 if out else rng.randrange(low, high + 1)
                    add(_cst(day, hour, 0), f"temperature-unit-{cid}-{unit_id}",
                        ce.TemperatureRead(unit_id=f"{cid}-{unit_id}", campus_id=cid, reading_id=rid, c10=c10,
                                           within_limits=not out, read_by=staff[2]), c, staff[2])  # fmt: skip
                    if out and rng.random() < 0.8:
                        add(_cst(day + timedelta(days=1), 9, 0), f"temperature-unit-{cid}-{unit_id}",
                            ce.CorrectiveActionTaken(unit_id=f"{cid}-{unit_id}", campus_id=cid, reading_id=rid,
                                                     action="调整温控", taken_by=manager), c, manager)  # fmt: skip
            add(_cst(day, 11, 55), f"accompanied-{cid}-{day.isoformat()}",
                ce.MealAccompanied(record_id=f"{cid}-{day.isoformat()}", campus_id=cid, served_on=day,
                                   meal=ce.Meal.LUNCH, diner_id=f"{cid}-principal", diner_name="校长",
                                   diner_kind=ce.DinerKind.LEADER, place="学生餐厅", ratings=[], issues=[],
                                   recorded_by=manager), c, manager)  # fmt: skip
            if n % 5 == 2:  # Wednesday: the week's parent visit
                vid = f"{cid}-{day.isoformat()}"
                monday = day - timedelta(days=day.weekday())
                add(_cst(monday, 8, 0), f"parent-visit-{vid}",
                    ce.ParentVisitScheduled(visit_id=vid, campus_id=cid, week_of=monday, visit_on=day,
                                            parent_id=f"{cid}-parent-{n}", parent_name="家长",
                                            scheduled_by=manager), c, manager)  # fmt: skip
                add(_cst(day, 12, 30), f"parent-visit-{vid}",
                    ce.VisitLunchAccompanied(visit_id=vid, campus_id=cid, served_on=day, ratings=[], issues=[],
                                             recorded_by=manager), c, manager)  # fmt: skip
                add(_cst(day + timedelta(days=1), 9, 0), f"parent-visit-{vid}",
                    ce.ReflectionPublished(visit_id=vid, campus_id=cid, channel="家长微信群", published_by=manager),
                    c, manager)  # fmt: skip
    steps.sort(key=lambda s: (s[0], s[1]))
    for at, _, stream, event, campus, actor in steps:
        yield w.event(stream, event.event_type, campus, at, actor, event.model_dump(mode="json"))
