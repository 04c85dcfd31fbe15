"""Health record routes: the commands of the table (open, review, file special conditions,
acknowledge), and the reads (records, one with its conditions, the unacknowledged ones).

Health data is seen by the medical room (in its scope) and by the teachers of
the student's class, nobody else.
"""

from __future__ import annotations

from services.campus.scoped import CampusCommandsDep
from services.eventkit.app import CurrentPrincipal
from services.eventkit.queries import Page, page_route
from services.eventkit.routes import After, Limit
from services.safety.commands import COMMANDS
from services.safety.queries.health import health_record, health_record_list, unacknowledged_list
from services.safety.queries.models import HealthRecord, HealthRecordSummary, UnacknowledgedCondition

router = COMMANDS.router("health records")


@page_route(router, "/health-records", HealthRecordSummary, summary="Health records the caller may read")
async def list_health_records(
    safety: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    class_id: str | None = None,
    reviewed: bool | None = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    return await health_record_list(principal, campus_id, class_id, reviewed).page(safety.pool, after, limit)


@router.get("/health-records/{student_id}", summary="One health record with its special conditions")
async def get_health_record(student_id: str, safety: CampusCommandsDep, principal: CurrentPrincipal) -> HealthRecord:
    return HealthRecord.model_validate(await health_record(safety.pool, principal, student_id))


@page_route(
    router,
    "/special-conditions/unacknowledged",
    UnacknowledgedCondition,
    summary="Special conditions some teacher has not acknowledged yet (a teacher: their own)",
)
async def unacknowledged_conditions(
    safety: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    class_id: str | None = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    return await unacknowledged_list(principal, campus_id, class_id).page(safety.pool, after, limit)
