"""Health record routes: open, review, file special conditions, acknowledge; read.

Health data is seen by the medical room (in its scope) and by the teachers of
the student's class, nobody else.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from services.campus.mirror import student_tenant, teachers_of_class
from services.eventkit.app import Context, CurrentPrincipal
from services.eventkit.auth import Principal, Role
from services.eventkit.commands import CommandResult
from services.eventkit.envelope import TenantPath
from services.eventkit.errors import Forbidden, NotFound
from services.eventkit.queries import Page, Query
from services.eventkit.routes import After, Limit, command_route
from services.safety.common import Safety, SafetyDep
from services.safety.health import (
    ADMISSION,
    CLASS_ID,
    TEACHERS,
    AcknowledgeSpecialCondition,
    HealthRecord,
    OpenHealthRecord,
    RecordSpecialCondition,
    ReviewHealthRecord,
)
from services.safety.projections.health_files import HEALTH_FILES

router = APIRouter(tags=["health records"])
H = HEALTH_FILES.schema
MEDICAL = (Role.MEDICAL,)
TEACHERS_OF_CLASS = (Role.TEACHER, Role.CLASS_TEACHER)


async def _record(safety: Safety, student_id: str) -> tuple[TenantPath, str | None]:
    """Where a student's record belongs now (the student's current campus) and their class, or a 404."""
    tenant = await safety.tenant_of(HealthRecord, student_id, "health record of student")
    row = await safety.pool.fetchrow(
        "SELECT class_id, campus_id, school_id, district_id FROM directory_students WHERE student_id = $1",
        student_id,
    )
    if row is None:
        return tenant, None
    now = TenantPath(district_id=row["district_id"], school_id=row["school_id"], campus_id=row["campus_id"])
    return now, row["class_id"]


@command_route(router, "/health-records", "Open a student's health record (the medical room)")
async def open_health_record(cmd: OpenHealthRecord, ctx: Context, safety: SafetyDep) -> CommandResult:
    student, tenant = await student_tenant(safety.pool, cmd.student_id)
    facts = {CLASS_ID: student["class_id"], ADMISSION: student["admission"]}
    return await safety.run(HealthRecord, cmd.student_id, cmd, ctx, tenant, MEDICAL, facts=facts)


@command_route(router, "/health-records/{student_id}/review", "Review a health record's form (the medical room)")
async def review_health_record(
    student_id: str, cmd: ReviewHealthRecord, ctx: Context, safety: SafetyDep
) -> CommandResult:
    tenant, _ = await _record(safety, student_id)
    return await safety.run(HealthRecord, student_id, cmd, ctx, tenant, MEDICAL)


@command_route(
    router,
    "/health-records/{student_id}/special-conditions",
    "File a special condition (特殊体质): the teachers of the student's class are told at once",
)
async def record_special_condition(
    student_id: str, cmd: RecordSpecialCondition, ctx: Context, safety: SafetyDep
) -> CommandResult:
    tenant, class_id = await _record(safety, student_id)
    ctx.principal.require(tenant, *MEDICAL)
    facts: dict[str, str] = {}
    if class_id is not None:
        facts = {CLASS_ID: class_id, TEACHERS: ",".join(await teachers_of_class(safety.pool, class_id))}
    return await safety.run(HealthRecord, student_id, cmd, ctx, tenant, MEDICAL, facts=facts)


@command_route(
    router, "/health-records/{student_id}/acknowledge", "A teacher of the class acknowledges a special condition"
)
async def acknowledge_special_condition(
    student_id: str, cmd: AcknowledgeSpecialCondition, ctx: Context, safety: SafetyDep
) -> CommandResult:
    tenant, _ = await _record(safety, student_id)
    return await safety.run(HealthRecord, student_id, cmd, ctx, tenant, TEACHERS_OF_CLASS)


# -- queries -----------------------------------------------------------------------------

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


def _reader(principal: Principal) -> Role:
    """The medical room reads every record in its scope; a teacher those of their classes; nobody else any."""
    if principal.has_role(Role.MEDICAL):
        return Role.MEDICAL
    if principal.has_role(*TEACHERS_OF_CLASS):
        return Role.TEACHER
    raise Forbidden(f"{principal.subject} may not read health records: the medical room and class teachers only")


def _readable(q: Query, principal: Principal) -> Query:
    q.scoped(principal)
    if _reader(principal) is Role.TEACHER:
        q.filter("class_id = ANY({}::text[])", sorted(principal.classes))
    return q


@router.get("/health-records", response_model=Page, summary="Health records the caller may read")
async def list_health_records(
    safety: SafetyDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    class_id: str | None = None,
    reviewed: bool | None = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    q = _readable(Query(RECORDS, "student_id"), principal)
    q.filter("campus_id = {}", campus_id).filter("class_id = {}", class_id)
    if reviewed is not None:
        q.where.append("reviews > 0" if reviewed else "reviews = 0")
    return await q.page(safety.pool, after, limit)


@router.get("/health-records/{student_id}", summary="One health record with its special conditions")
async def get_health_record(student_id: str, safety: SafetyDep, principal: CurrentPrincipal) -> dict[str, Any]:
    reader = _reader(principal)
    row = await Query(RECORDS, "student_id").filter("student_id = {}", student_id).one(safety.pool)
    if row is None:
        raise NotFound(f"student {student_id} has no health record")
    principal.require_scope(
        TenantPath(district_id=row["district_id"], school_id=row["school_id"], campus_id=row["campus_id"])
    )
    if reader is Role.TEACHER and row["class_id"] not in principal.classes:
        raise Forbidden(f"{principal.subject} does not teach the class of student {student_id}")
    conditions = await safety.pool.fetch(
        "SELECT c.condition_id, c.class_id, c.description, c.care_instructions, c.teachers_to_tell, c.pending, "
        "c.recorded_by, c.recorded_at, coalesce(array_agg(a.teacher_id ORDER BY a.teacher_id) "
        "FILTER (WHERE a.teacher_id IS NOT NULL), '{}') AS acknowledged_by "
        f"FROM {H}.conditions c LEFT JOIN {H}.acknowledgements a USING (student_id, condition_id) "
        "WHERE c.student_id = $1 GROUP BY c.student_id, c.condition_id ORDER BY c.recorded_at, c.condition_id",
        student_id,
    )
    return row | {"conditions": [dict(c) for c in conditions]}


UNACKNOWLEDGED = (
    "SELECT * FROM (SELECT c.student_id || '/' || c.condition_id AS condition_key, c.student_id, "
    "s.name AS student_name, c.condition_id, c.class_id, c.district_id, c.school_id, c.campus_id, c.description, "
    "c.care_instructions, c.teachers_to_tell, c.pending, c.recorded_at "
    f"FROM {H}.conditions c LEFT JOIN directory_students s USING (student_id) "
    "WHERE cardinality(c.pending) > 0) u"
)


@router.get(
    "/special-conditions/unacknowledged",
    response_model=Page,
    summary="Special conditions some teacher has not acknowledged yet (a teacher: their own)",
)
async def unacknowledged_conditions(
    safety: SafetyDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    class_id: str | None = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    q = Query(UNACKNOWLEDGED, "condition_key").scoped(principal)
    if _reader(principal) is Role.TEACHER:
        q.filter("{} = ANY(pending)", principal.subject)
    q.filter("campus_id = {}", campus_id).filter("class_id = {}", class_id)
    return await q.page(safety.pool, after, limit)
