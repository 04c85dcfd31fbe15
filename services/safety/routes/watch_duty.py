"""Student watch and floor duty routes: the commands of the table (open a watch, its plan,
notes, review and closing; set a floor duty roster, check a duty turn), and the reads (the
watches the caller may read and one watch; the roster in force, the turns checked, the injuries
at breaks with the duty of their floor, and their counts)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Query as Param

from services.campus.scoped import CampusCommandsDep
from services.eventkit.app import CurrentPrincipal
from services.eventkit.queries import Page, page_route
from services.eventkit.routes import After, Limit
from services.safety.commands import COMMANDS
from services.safety.common import STAFF_ON_CAMPUS
from services.safety.events import BreakPeriod, CheckInStatus
from services.safety.queries.models import (
    DutyCheckIn,
    DutySlotRow,
    InjuryDuty,
    InjuryDutySummary,
    StudentWatch,
    StudentWatchFile,
)
from services.safety.queries.watch_duty import (
    check_in_list,
    injury_duty_list,
    injury_duty_summary,
    roster_list,
    watch,
    watch_list,
    with_plan,
)

watches = COMMANDS.router("student watches")
duty = COMMANDS.router("floor duty")
From = Annotated[date | None, Param(alias="from", description="On or after")]
To = Annotated[date | None, Param(description="On or before")]


@page_route(
    watches,
    "/student-watches",
    StudentWatch,
    summary="Watches on students at risk the caller may read",
    description="The safety office and the principal read those of their scope, a teacher those of the classes "
    "they teach; the list leaves out every other watch.",
)
async def list_student_watches(
    safety: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    class_id: str | None = None,
    student_id: str | None = None,
    open: Annotated[bool | None, Param(description="true: not closed yet; false: closed")] = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    page = await watch_list(principal, campus_id, class_id, student_id, open).page(safety.pool, after, limit)
    page.items = [with_plan(row) for row in page.items]
    return page


@watches.get("/student-watches/{watch_id}", summary="One watch with its plan, notes and reviews")
async def get_student_watch(watch_id: str, safety: CampusCommandsDep, principal: CurrentPrincipal) -> StudentWatchFile:
    return StudentWatchFile.model_validate(await watch(safety.pool, principal, watch_id))


@page_route(duty, "/floor-duty/roster", DutySlotRow, summary="The floor duty roster in force on a day, slot by slot")
async def floor_duty_roster(
    safety: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    on: Annotated[date | None, Param(description="The day (default: each roster's latest version)")] = None,
    teacher_id: str | None = None,
    break_period: BreakPeriod | None = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    principal.require_role(*STAFF_ON_CAMPUS)
    return await roster_list(principal, campus_id, on, teacher_id, break_period).page(safety.pool, after, limit)


@page_route(duty, "/floor-duty/check-ins", DutyCheckIn, summary="Floor duty turns checked: on time, late, missed")
async def floor_duty_check_ins(
    safety: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    teacher_id: str | None = None,
    status: CheckInStatus | None = None,
    from_: From = None,
    to: To = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    principal.require_role(*STAFF_ON_CAMPUS)
    q = check_in_list(principal, campus_id, teacher_id, status, from_, to)
    return await q.page(safety.pool, after, limit)


@page_route(
    duty,
    "/floor-duty/injuries",
    InjuryDuty,
    summary="Injuries at breaks or activities, with who was on duty on their floor and whether they had checked in",
)
async def floor_duty_injuries(
    safety: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    duty: Annotated[
        str | None,
        Param(description="on_time, late, missed, not_checked_in, nobody_on_duty or place_unknown"),
    ] = None,
    from_: From = None,
    to: To = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    principal.require_role(*STAFF_ON_CAMPUS)
    return await injury_duty_list(principal, campus_id, duty, from_, to).page(safety.pool, after, limit)


@duty.get(
    "/floor-duty/injuries/summary",
    summary="Injuries, and those at breaks or activities by their floor's duty: on time, late, missing",
)
async def floor_duty_injury_summary(
    safety: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    from_: From = None,
    to: To = None,
) -> InjuryDutySummary:
    principal.require_role(*STAFF_ON_CAMPUS)
    return InjuryDutySummary.model_validate(await injury_duty_summary(safety.pool, principal, campus_id, from_, to))
