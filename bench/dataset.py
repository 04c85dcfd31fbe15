"""A district-scale data set, generated: 20 schools x 3 campuses and a term of safety events.

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
from typing import Any
from uuid import UUID

from demo.school import SEED
from services.eventkit.envelope import Envelope

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


def campuses() -> list[Campus]:
    out = []
    for s in range(SCHOOLS):
        school = f"school-{s:02d}"
        for c in range(CAMPUSES_PER_SCHOOL):
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


def directory_events(*, seed: int = 11) -> Iterator[Envelope]:
    """The directory's side of the same district: the district, its schools, campuses and term."""
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
    for s in range(SCHOOLS):
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
    for c in campuses():
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
