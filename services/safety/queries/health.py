"""Reads of health records and their special conditions, from the health files projection.

Health data is seen by the medical room (in its scope) and by the teachers of the
student's class, nobody else.
"""

from __future__ import annotations

from typing import Any

import asyncpg

from services.eventkit.auth import Principal, Role
from services.eventkit.envelope import TenantPath
from services.eventkit.errors import NotFound
from services.eventkit.queries import Query
from services.safety.common import TEACHERS_OF_CLASS, health_refusal, require_health_reader
from services.safety.projections.health_files import HEALTH_FILES

H = HEALTH_FILES.schema

# The record with where the student is now (the directory's mirror): a teacher of
# the student's current class sees it, the class it was opened in does not matter.
RECORDS = (
    "SELECT * FROM (SELECT r.student_id, s.name AS student_name, coalesce(s.class_id, r.class_id) AS class_id, "
    "coalesce(s.campus_id, r.campus_id) AS campus_id, coalesce(s.school_id, r.school_id) AS school_id, "
    "coalesce(s.district_id, r.district_id) AS district_id, coalesce(s.active, true) AS at_school, r.admission, "
    "r.opened_on, r.form_ref, r.opened_by, r.reviews, r.reviewed_by, r.reviewed_on, r.review_notes, "
    f"(SELECT count(*) FROM {H}.conditions c WHERE c.student_id = r.student_id) AS special_conditions "
    f"FROM {H}.records r LEFT JOIN directory_students s USING (student_id)) h"
)

UNACKNOWLEDGED = (
    "SELECT * FROM (SELECT c.student_id || '/' || c.condition_id AS condition_key, c.student_id, "
    "s.name AS student_name, c.condition_id, c.class_id, c.district_id, c.school_id, c.campus_id, c.description, "
    "c.care_instructions, c.teachers_to_tell, c.pending, c.recorded_at "
    f"FROM {H}.conditions c LEFT JOIN directory_students s USING (student_id) "
    "WHERE cardinality(c.pending) > 0) u"
)


def reader(principal: Principal) -> Role:
    """The medical room reads every record in its scope; a teacher those of their classes; nobody else any."""
    if principal.has_role(Role.MEDICAL):
        return Role.MEDICAL
    if principal.has_role(*TEACHERS_OF_CLASS):
        return Role.TEACHER
    raise health_refusal(principal)


def _readable(q: Query, principal: Principal, teachers_rows: str, value: Any) -> Query:
    """Keeps the rows on the campuses where the caller is the medical room, and those a teacher
    reads (``teachers_rows``, with ``{}`` standing for ``value``) where they teach."""
    medical, values = principal.scope_sql(len(q.params) + 1, roles=(Role.MEDICAL,))
    q.params.extend(values)
    teaching, values = principal.scope_sql(len(q.params) + 1, roles=TEACHERS_OF_CLASS)
    q.params.extend(values)
    q.where.append(f"({medical} OR ({teaching} AND {teachers_rows.format(q.param(value))}))")
    return q


def health_record_list(
    principal: Principal, campus_id: str | None, class_id: str | None, reviewed: bool | None
) -> Query:
    """The records a list asks for that the caller may read (403 if they may read none)."""
    reader(principal)
    q = _readable(Query(RECORDS, "student_id"), principal, "class_id = ANY({}::text[])", sorted(principal.classes))
    q.filter("campus_id = {}", campus_id).filter("class_id = {}", class_id)
    if reviewed is not None:
        q.where.append("reviews > 0" if reviewed else "reviews = 0")
    return q


async def health_record(pool: asyncpg.Pool, principal: Principal, student_id: str) -> dict[str, Any]:
    """One record with its special conditions. A caller who may not read the student's record (not
    the medical room, not a teacher of the student's class now) is refused (403) before any health
    record is read: the same answer whether one is on file or not. Then a 404, also out of scope."""
    await require_health_reader(pool, principal, student_id)
    reader(principal)
    row = await Query(RECORDS, "student_id").filter("student_id = {}", student_id).one(pool)
    tenant = None if row is None else TenantPath(**{k: row[k] for k in ("district_id", "school_id", "campus_id")})
    if row is None or tenant is None or not principal.covers(tenant):
        raise NotFound(f"student {student_id} has no health record")
    if not principal.holds(tenant, Role.MEDICAL) and not (
        principal.holds(tenant, *TEACHERS_OF_CLASS) and row["class_id"] in principal.classes
    ):  # a role held on another campus only, or the mirror moved in between
        raise health_refusal(principal)
    conditions = await pool.fetch(
        "SELECT c.condition_id, c.class_id, c.description, c.care_instructions, c.teachers_to_tell, c.pending, "
        "c.recorded_by, c.recorded_at, coalesce(array_agg(a.teacher_id ORDER BY a.teacher_id) "
        "FILTER (WHERE a.teacher_id IS NOT NULL), '{}') AS acknowledged_by "
        f"FROM {H}.conditions c LEFT JOIN {H}.acknowledgements a USING (student_id, condition_id) "
        "WHERE c.student_id = $1 GROUP BY c.student_id, c.condition_id ORDER BY c.recorded_at, c.condition_id",
        student_id,
    )
    return row | {"conditions": [dict(c) for c in conditions]}


def unacknowledged_list(principal: Principal, campus_id: str | None, class_id: str | None) -> Query:
    """Special conditions some teacher has not acknowledged yet in the caller's scope (a teacher: their own)."""
    reader(principal)
    q = _readable(Query(UNACKNOWLEDGED, "condition_key"), principal, "{} = ANY(pending)", principal.subject)
    q.filter("campus_id = {}", campus_id).filter("class_id = {}", class_id)
    return q
