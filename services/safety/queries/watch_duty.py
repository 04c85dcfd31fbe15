"""Reads of the watches on students at risk and of break-time floor duty, from the watch duty
projection.

A watch is read by the safety managers and the principal (in their scope) and by the teachers
of the watched student's class (those the directory assigns to it), nobody else: a list leaves
out the watches the caller may not read, and one watch is refused (403) to anyone else.

Floor duty is every campus staff member's to read: the roster in force on a day, the turns
checked, and for each injury at a break or an activity who was on duty on its floor at its
break and whether they had checked in (``duty``: on_time, late, missed, not_checked_in,
nobody_on_duty, or place_unknown when the injury does not say its building, floor and break).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg
import orjson

from services.eventkit.auth import Principal, Role
from services.eventkit.envelope import TenantPath
from services.eventkit.errors import Forbidden, InvalidInput, NotFound
from services.eventkit.queries import Query
from services.safety.common import MANAGERS, TEACHERS_OF_CLASS
from services.safety.events import BreakPeriod, CheckInStatus
from services.safety.projections.watch_duty import WATCH_DUTY

W = WATCH_DUTY.schema

# Who reads every watch of their scope: the safety office and the principal.
WATCH_OVERSEERS = (*MANAGERS, Role.PRINCIPAL)

WATCHES = (
    "SELECT * FROM (SELECT w.watch_id, w.district_id, w.school_id, w.campus_id, w.student_id, "
    "s.name AS student_name, w.class_id, w.class_teacher_id, w.reason, w.opened_on, w.opened_by, w.status, "
    "w.plan, w.plan_set_on, w.plans, w.notes, w.last_note_at, w.reviews, w.last_review_on, w.last_outcome, "
    f"w.closed_on, w.closing_note FROM {W}.watches w LEFT JOIN directory_students s USING (student_id)) w"
)
TEACHES = (
    "class_id IN (SELECT t.class_id FROM directory_class_teachers t JOIN directory_staff st USING (staff_id) "
    "WHERE t.staff_id = {} AND st.active)"
)


def with_plan(row: dict[str, Any]) -> dict[str, Any]:
    """The row with its plan (stored as JSON) as a list of items."""
    plan = row.get("plan")
    return row | {"plan": orjson.loads(plan)} if isinstance(plan, str) else row


def watch_refusal(principal: Principal) -> Forbidden:
    """The one refusal of a watch: it says nothing of whether there is one."""
    return Forbidden(
        f"{principal.subject} may not read this watch: the safety office, the principal and the class's teachers only"
    )


def _readable(q: Query, principal: Principal) -> Query:
    """Keeps the watches the caller reads: all of those where they are the office or the
    principal, those of the classes they teach where they are a teacher."""
    overseen, values = principal.scope_sql(len(q.params) + 1, roles=WATCH_OVERSEERS)
    q.params.extend(values)
    teaching, values = principal.scope_sql(len(q.params) + 1, roles=TEACHERS_OF_CLASS)
    q.params.extend(values)
    q.where.append(f"({overseen} OR ({teaching} AND {TEACHES.format(q.param(principal.subject))}))")
    return q


def watch_list(
    principal: Principal, campus_id: str | None, class_id: str | None, student_id: str | None, open: bool | None
) -> Query:
    """The watches a list asks for that the caller may read (none for anyone else)."""
    q = _readable(Query(WATCHES, "watch_id"), principal)
    q.filter("campus_id = {}", campus_id).filter("class_id = {}", class_id).filter("student_id = {}", student_id)
    if open is not None:
        q.where.append("status <> 'closed'" if open else "status = 'closed'")
    return q


async def may_read_watch(pool: asyncpg.Pool, principal: Principal, tenant: TenantPath, class_id: str) -> bool:
    if principal.holds(tenant, *WATCH_OVERSEERS):
        return True
    if not principal.holds(tenant, *TEACHERS_OF_CLASS):
        return False
    return bool(
        await pool.fetchval(
            "SELECT count(*) FROM directory_class_teachers t JOIN directory_staff s USING (staff_id) "
            "WHERE t.class_id = $1 AND t.staff_id = $2 AND s.active",
            class_id,
            principal.subject,
        )
    )


async def watch(pool: asyncpg.Pool, principal: Principal, watch_id: str) -> dict[str, Any]:
    """One watch with its notes and reviews. Anyone who is neither the office, the principal nor a
    teacher is refused (403) before any watch is read; a teacher is refused the same way whether
    the watch exists or not unless it is of a class they teach; the office gets a 404."""
    if not principal.has_role(*WATCH_OVERSEERS, *TEACHERS_OF_CLASS):
        raise watch_refusal(principal)
    row = await Query(WATCHES, "watch_id").filter("watch_id = {}", watch_id).one(pool)
    tenant = None if row is None else TenantPath(**{k: row[k] for k in ("district_id", "school_id", "campus_id")})
    if row is None or tenant is None or not principal.covers(tenant):
        if principal.has_role(*WATCH_OVERSEERS):
            raise NotFound(f"student watch {watch_id} does not exist")
        raise watch_refusal(principal)
    if not await may_read_watch(pool, principal, tenant, row["class_id"]):
        raise watch_refusal(principal)
    notes = await pool.fetch(
        f"SELECT noted_at, note, noted_by FROM {W}.watch_notes WHERE watch_id = $1 ORDER BY noted_at, version",
        watch_id,
    )
    reviews = await pool.fetch(
        f"SELECT reviewed_on, outcome, note, reviewed_by FROM {W}.watch_reviews WHERE watch_id = $1 ORDER BY version",
        watch_id,
    )
    return with_plan(row) | {"notes_list": [dict(n) for n in notes], "reviews_list": [dict(r) for r in reviews]}


# -- floor duty --------------------------------------------------------------------------

# The version of each campus's roster in force on a day: the latest one effective by then.
IN_FORCE = "SELECT max(v.effective_from) FROM {W}.roster_versions v WHERE v.campus_id = {c} AND v.effective_from <= {d}"


def roster_list(
    principal: Principal,
    campus_id: str | None,
    on: date | None,
    teacher_id: str | None,
    break_period: BreakPeriod | None,
) -> Query:
    """The slots of the roster in force on ``on`` (else each campus's latest version) in scope."""
    q = Query(
        "SELECT * FROM (SELECT s.roster_id || '/' || s.effective_from || '/' || s.building || '/' || "
        "lpad((s.floor + 100)::text, 3, '0') || '/' || s.break_period || '/' || s.teacher_id AS slot_key, "
        "s.roster_id, s.district_id, s.school_id, s.campus_id, s.term_id, s.effective_from, s.building, s.floor, "
        "s.break_period, s.weekdays, s.teacher_id, st.name AS teacher_name "
        f"FROM {W}.roster_slots s LEFT JOIN directory_staff st ON st.staff_id = s.teacher_id) r",
        "slot_key",
    ).scoped(principal)
    day = q.param(on) + "::date" if on is not None else "'infinity'::date"
    q.where.append("effective_from = (" + IN_FORCE.format(W=W, c="r.campus_id", d=day) + ")")
    q.filter("campus_id = {}", campus_id).filter("teacher_id = {}", teacher_id)
    q.filter("break_period = {}", break_period.value if break_period else None)
    return q


def _range(from_: date | None, to: date | None) -> None:
    if from_ is not None and to is not None and to < from_:
        raise InvalidInput("the range ends before it starts", field="to")


def check_in_list(
    principal: Principal,
    campus_id: str | None,
    teacher_id: str | None,
    status: CheckInStatus | None,
    from_: date | None,
    to: date | None,
) -> Query:
    """Duty turns checked in the caller's scope (422 if the range is backwards)."""
    _range(from_, to)
    q = Query(
        "SELECT turn_id, district_id, school_id, campus_id, day, building, floor, break_period, teacher_id, status, "
        f"arrived_at, recorded_by, note FROM {W}.check_ins",
        "turn_id",
    ).scoped(principal)
    q.filter("campus_id = {}", campus_id).filter("teacher_id = {}", teacher_id)
    q.filter("status = {}", status.value if status else None)
    q.filter("day >= {}", from_).filter("day <= {}", to)
    return q


INJURY_DUTY = (
    "SELECT * FROM (SELECT i.injury_id, i.district_id, i.school_id, i.campus_id, i.student_id, i.class_id, "
    "i.setting, i.occurred_at, i.occurred_on, i.building, i.floor, i.break_period, d.teacher_id AS on_duty_id, "
    "st.name AS on_duty_name, c.status AS check_in, c.arrived_at, c.recorded_by AS checked_by, "
    "CASE WHEN i.building IS NULL OR i.floor IS NULL OR i.break_period IS NULL THEN 'place_unknown' "
    "WHEN d.teacher_id IS NULL THEN 'nobody_on_duty' WHEN c.status IS NULL THEN 'not_checked_in' "
    f"ELSE c.status END AS duty FROM {W}.injury_places i "
    f"LEFT JOIN LATERAL (SELECT s.teacher_id FROM {W}.roster_slots s WHERE s.campus_id = i.campus_id "
    "AND s.building = i.building AND s.floor = i.floor AND s.break_period = i.break_period "
    "AND extract(isodow FROM i.occurred_on)::int = ANY(s.weekdays) "
    "AND s.effective_from = (" + IN_FORCE.format(W=W, c="i.campus_id", d="i.occurred_on") + ") LIMIT 1) d ON true "
    "LEFT JOIN directory_staff st ON st.staff_id = d.teacher_id "
    f"LEFT JOIN {W}.check_ins c ON c.campus_id = i.campus_id AND c.day = i.occurred_on "
    "AND c.building = i.building AND c.floor = i.floor AND c.break_period = i.break_period "
    "WHERE i.setting IN ('break', 'activity')) x"
)
DUTIES = ("on_time", "late", "missed", "not_checked_in", "nobody_on_duty", "place_unknown")


def injury_duty_list(
    principal: Principal, campus_id: str | None, duty: str | None, from_: date | None, to: date | None
) -> Query:
    """The injuries at breaks or activities in scope, each with the floor duty of its place and time."""
    _range(from_, to)
    if duty is not None and duty not in DUTIES:
        raise InvalidInput(f"duty is one of {', '.join(DUTIES)}", field="duty")
    q = Query(INJURY_DUTY, "injury_id").scoped(principal)
    q.filter("campus_id = {}", campus_id).filter("duty = {}", duty)
    q.filter("occurred_on >= {}", from_).filter("occurred_on <= {}", to)
    return q


async def injury_duty_summary(
    pool: asyncpg.Pool, principal: Principal, campus_id: str | None, from_: date | None, to: date | None
) -> dict[str, Any]:
    """How many injuries (all settings) and, of those at breaks or activities, how many had their
    floor's duty on time, late or missing (missed, not checked in, nobody on duty)."""
    q = injury_duty_list(principal, campus_id, None, from_, to)
    rows = await pool.fetch(
        f"SELECT duty, count(*) AS n FROM ({q.select_from} WHERE {' AND '.join(q.where)}) y GROUP BY duty", *q.params
    )
    by_duty = dict.fromkeys(DUTIES, 0) | {r["duty"]: r["n"] for r in rows}
    total = Query(
        f"SELECT injury_id, district_id, school_id, campus_id, occurred_on FROM {W}.injury_places", "injury_id"
    )
    total.scoped(principal).filter("campus_id = {}", campus_id)
    total.filter("occurred_on >= {}", from_).filter("occurred_on <= {}", to)
    injuries = await pool.fetchval(
        f"SELECT count(*) FROM ({total.select_from} WHERE {' AND '.join(total.where)}) z", *total.params
    )
    missing = by_duty["missed"] + by_duty["not_checked_in"] + by_duty["nobody_on_duty"]
    return {
        "campus_id": campus_id,
        "from": from_.isoformat() if from_ else None,
        "to": to.isoformat() if to else None,
        "injuries": injuries,
        "at_breaks_or_activities": sum(by_duty.values()),
        "by_duty": by_duty,
        "duty_on_time": by_duty["on_time"],
        "duty_late": by_duty["late"],
        "duty_missing": missing,
        "duty_late_or_missing": by_duty["late"] + missing,
        "place_unknown": by_duty["place_unknown"],
    }
