"""Safety's part of the term report (:class:`services.campus.term_report.SafetyFigures`), from
the service's read models, over the campuses of a :class:`TermScope` and as of the term's last day.

An act counts when it happened in the term (its act time: ``reported_at``, ``occurred_on``,
``held_on``...), whenever it was recorded; nothing done after the term's last day counts (nor
after now, while the term runs). Per area:

- agreements: the staff of the covered campuses at the term's end (the directory's mirror: joined
  by then, not left by then) and the parents of their pupils, and how many of them signed an
  agreement of a campaign of the term by its end; ``parents_first_time`` when parents were
  issued agreements in the term and never before it on these campuses;
- health: the records opened in the term, split by the pupil's admission (new, transfer); the
  special conditions filed in the term, the teachers who acknowledged them by the term's end
  and those still to tell then;
- inspections: per kind, those completed in the term and the times one was due and none was
  completed (the campus's rhythm, else the default: a daily patrol is due each school day,
  Monday to Friday; a kind due every n days is missed once for every n days that pass without
  one); fire checks: completed, the months in which every covered campus completed one, the
  months the term spans, those signed off by two distinct directors, and those directors;
- hazards: those of the term, reported in it or still open when it began. Reported (in the
  term), escalated (by its end), resolved (closed in it), open at its end; per authority told;
  by age (report to closing, or to the term's end while open) in the buckets ``7天内`` (up to 7
  whole days), ``8–30天`` and ``30天以上``; the median age in days; the escalated ones listed
  with their status at the term's end;
- buses: those registered on the covered campuses by the term's end, how many with all six
  items on file that day, the route checks, violations and rectifications of the term;
- drills: each drill of the term (held in it, or planned for it and not held by its end);
- education: the Friday sessions delivered in the term and how many were checked; the flag
  ceremonies and the months they cover; the campaigns started in the term with their activities
  done by its end (a campaign's theme is its title's words before a quoted name:
  ``交通安全日 "六个一"`` is the theme 交通安全日);
- injuries: those of the term by setting (the service's names), the causes and measures of
  those closed by its end, those at a break or an activity, and how many of those had the
  floor's duty teacher at their post (checked in on time, or late but before the injury);
- parent communications sent in the term per theme; the watches on students at risk open at some
  time in the term (a count); the camera areas left uncovered on the term's last day, and the
  injuries and hazards of the term in an area uncovered on their day.

Health and watch figures are counts: no student and no condition is named.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter, defaultdict
from datetime import date, timedelta
from typing import Any

import asyncpg

from services.campus.term_report import (
    AgreementFigures,
    BusFigures,
    CampaignFigures,
    Count,
    DrillFigures,
    EducationFigures,
    FireCheckFigures,
    HazardFigures,
    HazardItem,
    HealthFigures,
    InjuryFigures,
    InspectionKindFigures,
    SafetyFigures,
    TermScope,
)
from services.eventkit.acts import start_of_day
from services.eventkit.days import as_of_instant, end_of_day, local_day, school_today
from services.safety.cameras import place_names
from services.safety.events import BusItem, InjurySetting, InspectionKind, SafetyTheme
from services.safety.floor_duty import SCHOOL_DAYS
from services.safety.inspections import DEFAULT_RHYTHM_DAYS
from services.safety.projections.coverage_outreach import COVERAGE_OUTREACH
from services.safety.projections.health_files import HEALTH_FILES
from services.safety.projections.inspection_status import INSPECTION_STATUS
from services.safety.projections.safety_records import SAFETY_RECORDS
from services.safety.projections.watch_duty import WATCH_DUTY
from services.safety.queries.buses import items_on
from services.safety.queries.cameras import changes_of, with_coverage
from services.safety.queries.hazards import AsOf
from services.safety.queries.watch_duty import INJURY_DUTY

S = INSPECTION_STATUS.schema
H = HEALTH_FILES.schema
R = SAFETY_RECORDS.schema
C = COVERAGE_OUTREACH.schema
W = WATCH_DUTY.schema

AGE_BUCKETS = ("7天内", "8–30天", "30天以上")
BREAK_SETTINGS = (InjurySetting.BREAK.value, InjurySetting.ACTIVITY.value)
QUOTES = "\"“「『《'‘"


class Term:
    """The term's bounds: its days, the instants they span, and the day and instant figures are
    computed as of (its last day, or today and now while it runs)."""

    def __init__(self, scope: TermScope) -> None:
        self.campuses = list(scope.campus_ids)
        self.term_id = scope.term_id
        self.first = scope.starts_on
        self.last = scope.ends_on
        self.start = start_of_day(scope.starts_on)
        self.end = end_of_day(scope.ends_on)
        self.at = as_of_instant(scope.ends_on)
        self.horizon = min(scope.ends_on, school_today())  # the last day that has begun

    def months(self) -> list[str]:
        out: list[str] = []
        month = self.first.replace(day=1)
        while month <= self.last:
            out.append(f"{month:%Y-%m}")
            month = (month + timedelta(days=32)).replace(day=1)
        return out


def _labelled(counts: Counter[str], order: list[str]) -> tuple[Count, ...]:
    """The non-zero counts, in ``order`` (then any other label, alphabetically)."""
    known = [label for label in order if counts.get(label)]
    rest = sorted(label for label in counts if label not in order and counts[label])
    return tuple(Count(label=label, count=counts[label]) for label in known + rest)


# -- agreements ----------------------------------------------------------------------------


async def agreements(db: asyncpg.Pool, t: Term) -> AgreementFigures:
    row = await db.fetchrow(
        "WITH staff AS (SELECT staff_id FROM directory_staff WHERE campus_ids && $1::text[] "
        "AND (joined_on IS NULL OR joined_on <= $3) "
        "AND (CASE WHEN left_on IS NULL THEN active ELSE left_on > $3 END)), "
        "parents AS (SELECT DISTINCT ps.parent_id FROM directory_parent_students ps "
        "JOIN directory_students s USING (student_id) WHERE s.active AND s.campus_id = ANY($1::text[])), "
        f"term_agreements AS (SELECT a.* FROM {S}.agreements a JOIN {S}.agreement_campaigns c USING (campaign_id) "
        "WHERE c.campus_id = ANY($1::text[]) AND c.term_id = $2 AND a.issued_at < $4), "
        "signed AS (SELECT DISTINCT party_kind, party_id FROM term_agreements WHERE signed_at < $4) "
        "SELECT (SELECT count(*) FROM staff) AS staff_total, "
        "(SELECT count(*) FROM staff WHERE staff_id IN "
        "(SELECT party_id FROM signed WHERE party_kind = 'staff')) AS staff_signed, "
        "(SELECT count(*) FROM parents) AS parents_total, "
        "(SELECT count(*) FROM parents WHERE parent_id IN "
        "(SELECT party_id FROM signed WHERE party_kind = 'parent')) AS parents_signed, "
        "EXISTS (SELECT 1 FROM term_agreements WHERE party_kind = 'parent') AS parents_now, "
        f"EXISTS (SELECT 1 FROM {S}.agreements a JOIN {S}.agreement_campaigns c USING (campaign_id) "
        "WHERE c.campus_id = ANY($1::text[]) AND a.party_kind = 'parent' AND a.issued_at < $5) AS parents_before",
        t.campuses,
        t.term_id,
        t.last,
        t.end,
        t.start,
    )
    assert row is not None
    return AgreementFigures(
        staff_signed=row["staff_signed"],
        staff_total=row["staff_total"],
        parents_signed=row["parents_signed"],
        parents_total=row["parents_total"],
        parents_first_time=row["parents_now"] and not row["parents_before"],
    )


# -- health --------------------------------------------------------------------------------


async def health(db: asyncpg.Pool, t: Term) -> HealthFigures:
    files = await db.fetchrow(
        "SELECT count(*) AS opened, "
        "count(*) FILTER (WHERE coalesce(s.admission, r.admission) = 'new') AS new, "
        "count(*) FILTER (WHERE coalesce(s.admission, r.admission) = 'transfer') AS transfer "
        f"FROM {H}.records r LEFT JOIN directory_students s USING (student_id) "
        "WHERE r.campus_id = ANY($1::text[]) AND r.opened_on BETWEEN $2 AND $3",
        t.campuses,
        t.first,
        t.horizon,
    )
    conditions = await db.fetchrow(
        "SELECT count(*) AS filed, coalesce(sum(cardinality(c.teachers_to_tell)), 0) AS to_tell, "
        "coalesce(sum(told.n), 0) AS told "
        f"FROM {H}.conditions c CROSS JOIN LATERAL (SELECT count(*) AS n FROM {H}.acknowledgements a "
        "WHERE a.student_id = c.student_id AND a.condition_id = c.condition_id AND a.acknowledged_at < $3) told "
        "WHERE c.campus_id = ANY($1::text[]) AND c.recorded_at >= $2 AND c.recorded_at < $3",
        t.campuses,
        t.start,
        t.end,
    )
    assert files is not None and conditions is not None
    return HealthFigures(
        files_opened=files["opened"],
        new_pupils=files["new"],
        transfer_pupils=files["transfer"],
        special_conditions=conditions["filed"],
        teachers_told=conditions["told"],
        teachers_to_tell=max(0, conditions["to_tell"] - conditions["told"]),
    )


# -- inspections ---------------------------------------------------------------------------


def missed(done_on: set[date], every: int | None, t: Term) -> int:
    """How many times an inspection due every ``every`` days was due in the term and none was
    completed (a daily one: each school day without one)."""
    if not every or t.horizon < t.first:
        return 0
    if every == 1:
        days = (t.first + timedelta(days=n) for n in range((t.horizon - t.first).days + 1))
        return sum(1 for d in days if d.isoweekday() in SCHOOL_DAYS and d not in done_on)
    count = 0
    previous = t.first - timedelta(days=1)
    for day in [*sorted(done_on), t.horizon + timedelta(days=1)]:
        count += ((day - previous).days - 1) // every
        previous = day
    return count


async def inspections(db: asyncpg.Pool, t: Term) -> tuple[tuple[InspectionKindFigures, ...], FireCheckFigures]:
    rows = await db.fetch(
        "SELECT campus_id, kind, completed_at, (SELECT count(DISTINCT d) FROM unnest(sign_offs) d) AS directors, "
        f"sign_offs FROM {S}.inspections WHERE campus_id = ANY($1::text[]) "
        "AND completed_at >= $2 AND completed_at < $3 ORDER BY completed_at, inspection_id",
        t.campuses,
        t.start,
        t.at,
    )
    rhythm = {
        (r["campus_id"], r["kind"]): r["every_days"]
        for r in await db.fetch(
            f"SELECT campus_id, kind, every_days FROM {S}.schedules WHERE campus_id = ANY($1::text[])", t.campuses
        )
    }
    done: dict[tuple[str, str], set[date]] = defaultdict(set)
    done_count: Counter[str] = Counter()
    for r in rows:
        done[(r["campus_id"], r["kind"])].add(local_day(r["completed_at"]))
        done_count[r["kind"]] += 1
    kinds = tuple(
        InspectionKindFigures(
            kind=kind.value,
            done=done_count[kind.value],
            missed=sum(
                missed(done[(c, kind.value)], rhythm.get((c, kind.value), DEFAULT_RHYTHM_DAYS[kind]), t)
                for c in t.campuses
            ),
        )
        for kind in InspectionKind
    )

    fire = [r for r in rows if r["kind"] == InspectionKind.FIRE.value]
    months = t.months()
    checked = {(r["campus_id"], f"{local_day(r['completed_at']):%Y-%m}") for r in fire}
    signed = Counter(d for r in fire for d in dict.fromkeys(r["sign_offs"]))
    names = {
        r["staff_id"]: r["name"]
        for r in await db.fetch(
            "SELECT staff_id, name FROM directory_staff WHERE staff_id = ANY($1::text[])", list(signed)
        )
    }
    directors = sorted(signed, key=lambda d: -signed[d])  # the most sign-offs first, then as they signed
    return kinds, FireCheckFigures(
        done=len(fire),
        months_with_check=sum(1 for m in months if all((c, m) in checked for c in t.campuses)),
        months_in_term=len(months),
        two_directors=sum(1 for r in fire if r["directors"] >= 2),
        directors=tuple(names.get(d, d) for d in directors),
    )


# -- hazards -------------------------------------------------------------------------------


def age_bucket(days: int) -> str:
    if days <= 7:
        return AGE_BUCKETS[0]
    if days <= 30:
        return AGE_BUCKETS[1]
    return AGE_BUCKETS[2]


def status_at_end(row: dict[str, Any], t: Term) -> str:
    """The hazard's status on the term's last day (a later step undone)."""
    if row["closed"]:
        return "closed"
    if row["rectified_at"] is not None and row["rectified_at"] < t.end and row["status"] in ("rectified", "closed"):
        return "rectified"
    if row["status"] in ("rectified", "closed"):  # rectified after the term
        if row["first_escalated_at"] is not None and row["first_escalated_at"] < t.end:
            return "escalated"
        return "assigned" if row["assignee_id"] else "reported"
    return str(row["status"])


async def hazards(db: asyncpg.Pool, t: Term, campus_names: dict[str, str]) -> HazardFigures:
    f = AsOf("$2", "$3")
    rows = [
        dict(r)
        for r in await db.fetch(
            "SELECT hazard_id, campus_id, area, description, status, authority, assignee_id, reported_at, "
            f"first_escalated_at, rectified_at, closed_at, {f.open} AS open, {f.closed} AS closed, "
            f"{f.age_days} AS age FROM {S}.hazards WHERE campus_id = ANY($1::text[]) AND {f.reported} "
            "AND (closed_at IS NULL OR closed_at >= $4) ORDER BY reported_at, hazard_id",
            t.campuses,
            t.end,
            t.at,
            t.start,
        )
    ]
    escalated = [r for r in rows if r["first_escalated_at"] is not None and r["first_escalated_at"] < t.end]
    ages = [float(r["age"]) for r in rows]
    buckets = Counter(age_bucket(int(a)) for a in ages)
    return HazardFigures(
        reported=sum(1 for r in rows if r["reported_at"] >= t.start),
        escalated=len(escalated),
        resolved=sum(1 for r in rows if r["closed"]),
        open=sum(1 for r in rows if r["open"]),
        escalated_to=tuple(
            Count(label=label, count=n)
            for label, n in sorted(
                Counter(r["authority"] or "" for r in escalated).items(), key=lambda x: (-x[1], x[0])
            )
        ),
        by_age=tuple(Count(label=label, count=buckets[label]) for label in AGE_BUCKETS),
        median_age_days=round(statistics.median(ages), 2) if ages else None,
        escalated_items=tuple(
            HazardItem(
                hazard_id=r["hazard_id"],
                title=r["description"],
                place=r["area"],
                campus_id=r["campus_id"],
                campus_name=campus_names.get(r["campus_id"], ""),
                escalated_to=r["authority"],
                status=status_at_end(r, t),
                age_days=int(r["age"]),
            )
            for r in escalated
        ),
    )


# -- buses ---------------------------------------------------------------------------------


async def buses(db: asyncpg.Pool, t: Term) -> BusFigures:
    rows = [
        dict(r)
        for r in await db.fetch(
            f"SELECT bus_id, vehicle, driver, route, stops, times, escort FROM {R}.buses "
            "WHERE campus_id = ANY($1::text[]) AND registered_on <= $2",
            t.campuses,
            t.last,
        )
    ]
    ids = [r["bus_id"] for r in rows]
    in_force = await items_on(db, ids, t.last)
    complete = 0
    for bus in rows:
        items = in_force.get(bus["bus_id"]) or {item.value: bus[item.value] for item in BusItem}
        complete += all(items[item.value] for item in BusItem)
    counts = await db.fetchrow(
        f"SELECT (SELECT count(*) FROM {R}.bus_route_checks WHERE bus_id = ANY($1::text[]) "
        "AND checked_on BETWEEN $2 AND $3) AS checks, "
        f"(SELECT count(*) FROM {R}.bus_violations WHERE bus_id = ANY($1::text[]) "
        "AND occurred_on BETWEEN $2 AND $3) AS violations, "
        f"(SELECT count(*) FROM {R}.bus_violations WHERE bus_id = ANY($1::text[]) "
        "AND occurred_on BETWEEN $2 AND $3 AND rectified_on <= $3) AS rectified",
        ids,
        t.first,
        t.horizon,
    )
    assert counts is not None
    return BusFigures(
        buses=len(rows),
        files_complete=complete,
        route_checks=counts["checks"],
        violations=counts["violations"],
        violations_rectified=counts["rectified"],
    )


# -- drills --------------------------------------------------------------------------------


async def drills(db: asyncpg.Pool, t: Term) -> tuple[DrillFigures, ...]:
    held = "(CASE WHEN conducted_on <= $3 THEN conducted_on END)"
    rows = await db.fetch(
        f"SELECT drill_id, campus_id, kind, planned_on, {held} AS held_on, summarised FROM {S}.drills "
        f"WHERE campus_id = ANY($1::text[]) AND coalesce({held}, planned_on) BETWEEN $2 AND $4 "
        f"ORDER BY coalesce({held}, planned_on), campus_id, drill_id",
        t.campuses,
        t.first,
        t.horizon,
        t.last,
    )
    return tuple(
        DrillFigures(
            kind=r["kind"],
            campus_id=r["campus_id"],
            held_on=r["held_on"],
            planned=True,  # a drill is on record from its plan
            recorded=r["held_on"] is not None,
            summarised=r["held_on"] is not None and r["summarised"],
        )
        for r in rows
    )


# -- education -----------------------------------------------------------------------------


def campaign_theme(title: str) -> str:
    """The words of a campaign's title before its quoted name (``交通安全日 "六个一"``), or ""."""
    match = re.match(rf"^([^{QUOTES}]+?)\s*[{QUOTES}]", title)
    return match.group(1).strip() if match else ""


async def education(db: asyncpg.Pool, t: Term) -> tuple[EducationFigures, tuple[CampaignFigures, ...]]:
    row = await db.fetchrow(
        f"SELECT (SELECT count(*) FROM {R}.sessions WHERE campus_id = ANY($1::text[]) "
        "AND delivered_on BETWEEN $2 AND $3) AS sessions, "
        f"(SELECT count(*) FROM {R}.sessions WHERE campus_id = ANY($1::text[]) "
        "AND delivered_on BETWEEN $2 AND $3 AND status = 'checked') AS checked, "
        f"(SELECT count(*) FROM {R}.flag_ceremonies WHERE campus_id = ANY($1::text[]) "
        "AND held_on BETWEEN $2 AND $3) AS ceremonies, "
        f"(SELECT count(DISTINCT date_trunc('month', held_on)) FROM {R}.flag_ceremonies "
        "WHERE campus_id = ANY($1::text[]) AND held_on BETWEEN $2 AND $3) AS months",
        t.campuses,
        t.first,
        t.horizon,
    )
    assert row is not None
    campaigns = await db.fetch(
        "SELECT c.campaign_id, c.title, c.activities, "
        f"(SELECT count(*) FROM {R}.campaign_activities a WHERE a.campaign_id = c.campaign_id "
        "AND a.done_on <= $3) AS done "
        f"FROM {R}.campaigns c WHERE c.campus_id = ANY($1::text[]) AND c.starts_on BETWEEN $2 AND $4 "
        "ORDER BY c.starts_on, c.campaign_id",
        t.campuses,
        t.first,
        t.horizon,
        t.last,
    )
    return EducationFigures(
        friday_sessions=row["sessions"],
        sessions_checked=row["checked"],
        flag_ceremonies=row["ceremonies"],
        ceremony_months=row["months"],
    ), tuple(
        CampaignFigures(
            name=c["title"], theme=campaign_theme(c["title"]), activities=c["activities"], activities_done=c["done"]
        )
        for c in campaigns
    )


# -- injuries ------------------------------------------------------------------------------


async def injuries(db: asyncpg.Pool, t: Term) -> InjuryFigures:
    rows = await db.fetch(
        f"SELECT setting, cause, measures, closed_on FROM {R}.injuries WHERE campus_id = ANY($1::text[]) "
        "AND occurred_on BETWEEN $2 AND $3 ORDER BY occurred_at, injury_id",
        t.campuses,
        t.first,
        t.horizon,
    )
    closed = [r for r in rows if r["closed_on"] is not None and r["closed_on"] <= t.last]
    with_duty = await db.fetchval(
        f"SELECT count(*) FROM ({INJURY_DUTY}) d WHERE campus_id = ANY($1::text[]) AND occurred_on BETWEEN $2 AND $3 "
        "AND (duty = 'on_time' OR (duty = 'late' AND arrived_at <= occurred_at))",
        t.campuses,
        t.first,
        t.horizon,
    )
    return InjuryFigures(
        total=len(rows),
        by_setting=_labelled(Counter(r["setting"] for r in rows), [s.value for s in InjurySetting]),
        causes=tuple(dict.fromkeys(r["cause"] for r in closed if r["cause"])),
        measures=tuple(dict.fromkeys(r["measures"] for r in closed if r["measures"])),
        at_breaks=sum(1 for r in rows if r["setting"] in BREAK_SETTINGS),
        at_breaks_with_duty=with_duty,
    )


# -- communications, watches, cameras ------------------------------------------------------


async def communications(db: asyncpg.Pool, t: Term) -> tuple[Count, ...]:
    rows = await db.fetch(
        f"SELECT themes FROM {C}.parent_communications WHERE campus_id = ANY($1::text[]) AND sent_on BETWEEN $2 AND $3",
        t.campuses,
        t.first,
        t.horizon,
    )
    return _labelled(Counter(theme for r in rows for theme in r["themes"]), [s.value for s in SafetyTheme])


async def students_watched(db: asyncpg.Pool, t: Term) -> int:
    return int(
        await db.fetchval(
            f"SELECT count(*) FROM {W}.watches WHERE campus_id = ANY($1::text[]) AND opened_on <= $3 "
            "AND (closed_on IS NULL OR closed_on >= $2)",
            t.campuses,
            t.first,
            t.horizon,
        )
    )


async def cameras(db: asyncpg.Pool, t: Term) -> tuple[int, int]:
    """The camera areas uncovered on the term's last day, and the injuries and hazards of the term
    in an area uncovered on their day (placed as ``services.safety.cameras`` says)."""
    areas = {
        r["area_id"]: dict(r)
        for r in await db.fetch(
            f"SELECT area_id, campus_id, building, place, mapped_on FROM {C}.camera_areas "
            "WHERE campus_id = ANY($1::text[]) AND mapped_on <= $2",
            t.campuses,
            t.last,
        )
    }
    changes = await changes_of(db, list(areas))
    uncovered = sum(
        1 for a in areas.values() if not with_coverage(a, changes.get(a["area_id"], []), t.horizon)["covered"]
    )
    by_place: dict[tuple[str, str], str] = {}
    for area in sorted(areas.values(), key=lambda a: a["area_id"]):
        for name in place_names(area["building"], area["place"]):
            by_place.setdefault((area["campus_id"], name), area["area_id"])
    incidents = 0
    for r in await db.fetch(
        f"SELECT campus_id, occurred_on, camera_area_id, place FROM {C}.placed_incidents "
        "WHERE campus_id = ANY($1::text[]) AND occurred_on BETWEEN $2 AND $3",
        t.campuses,
        t.first,
        t.horizon,
    ):
        area_id = r["camera_area_id"] if r["camera_area_id"] in areas else None
        if r["camera_area_id"] is None and r["place"] is not None:
            area_id = by_place.get((r["campus_id"], r["place"].strip()))
        if area_id is not None:  # an incident before its area was mapped: uncovered, as the incidents read says
            incidents += not with_coverage(areas[area_id], changes.get(area_id, []), r["occurred_on"])["covered"]
    return uncovered, incidents


# -- the part ------------------------------------------------------------------------------


async def safety_term_figures(db: asyncpg.Pool, scope: TermScope) -> SafetyFigures:
    """Safety's figures of the term over the scope's campuses, as of the term's last day."""
    t = Term(scope)
    kinds, fire = await inspections(db, t)
    sessions, campaigns = await education(db, t)
    uncovered, in_uncovered = await cameras(db, t)
    return SafetyFigures(
        agreements=await agreements(db, t),
        health=await health(db, t),
        inspections=kinds,
        fire_checks=fire,
        hazards=await hazards(db, t, dict(zip(scope.campus_ids, scope.campus_names, strict=False))),
        buses=await buses(db, t),
        drills=await drills(db, t),
        education=sessions,
        campaigns=campaigns,
        injuries=await injuries(db, t),
        communications_by_theme=await communications(db, t),
        students_watched=await students_watched(db, t),
        camera_areas_uncovered=uncovered,
        incidents_in_uncovered_areas=in_uncovered,
    )
