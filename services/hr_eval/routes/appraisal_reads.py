"""The reads of appraisals: a list, one with its items, its history, a worker's trend over months.
Who reads what: :mod:`services.hr_eval.queries.appraisals`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from fastapi import Query as Param

from services.campus.scoped import CampusCommandsDep
from services.eventkit.app import CurrentPrincipal, Runtime
from services.eventkit.auth import Role
from services.eventkit.errors import InvalidInput
from services.eventkit.history import MAX_PAGE, HistoryPage, stream_page
from services.eventkit.queries import Page, page_route
from services.eventkit.routes import After, Limit
from services.hr_eval.common import READERS_OF_ALL, WORKER_ROLES
from services.hr_eval.queries.appraisals import appraisal, appraisal_list, appraisal_stream, trend
from services.hr_eval.queries.models import Appraisal, AppraisalFile, AppraisalTrend

router = APIRouter(tags=["appraisals"])

MONTH_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
MonthParam = Annotated[str, Param(pattern=MONTH_PATTERN, description="A month, YYYY-MM", examples=["2020-10"])]
AnyMonth = Annotated[str | None, Param(pattern=MONTH_PATTERN, description="A month, YYYY-MM", examples=["2020-10"])]
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such appraisal the caller may read"}}


@page_route(router, "/appraisals", Appraisal, summary="Appraisals: a worker's own, or every one in scope")
async def list_appraisals(
    hr_eval: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    month: AnyMonth = None,
    staff_id: str | None = None,
    role: Role | None = None,
    state: Annotated[str | None, Param(pattern=r"^(opened|finalised|published|closed)$")] = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    principal.require_role(*READERS_OF_ALL, *WORKER_ROLES)
    q = appraisal_list(principal, campus_id, month, staff_id, role.value if role else None, state)
    return await q.page(hr_eval.pool, after, limit)


@router.get("/appraisals/{appraisal_id}", summary="One appraisal with its items", responses=NOT_FOUND)
async def get_appraisal(appraisal_id: str, hr_eval: CampusCommandsDep, principal: CurrentPrincipal) -> AppraisalFile:
    principal.require_role(*READERS_OF_ALL, *WORKER_ROLES)
    return AppraisalFile.model_validate(await appraisal(hr_eval.pool, principal, appraisal_id))


@router.get(
    "/appraisals/{appraisal_id}/history",
    summary="The history of an appraisal: each event, with the act's and the recording's times",
    responses=NOT_FOUND,
)
async def appraisal_history(
    appraisal_id: str,
    runtime: Runtime,
    principal: CurrentPrincipal,
    after_version: Annotated[int, Param(ge=0, description="The last version of the previous page")] = 0,
    limit: Annotated[int, Param(ge=1, le=MAX_PAGE, description="Page size")] = 100,
) -> HistoryPage:
    principal.require_role(*READERS_OF_ALL, *WORKER_ROLES)
    stream_id = await appraisal_stream(runtime.pool, principal, appraisal_id)
    definition = runtime.definition
    async with runtime.pool.acquire() as conn:
        return await stream_page(
            conn, definition.registry, definition.history, principal, stream_id, after_version, limit
        )


@router.get(
    "/workers/{staff_id}/appraisal-trend",
    summary="A worker's appraisals month by month: total, published, corrected",
    responses={404: {"description": "No such worker the caller may read"}},
)
async def appraisal_trend(
    staff_id: str,
    hr_eval: CampusCommandsDep,
    principal: CurrentPrincipal,
    from_month: MonthParam,
    to_month: MonthParam,
) -> AppraisalTrend:
    principal.require_role(*READERS_OF_ALL, *WORKER_ROLES)
    if to_month < from_month:
        raise InvalidInput("the span ends before it begins", field="query.to_month")
    return AppraisalTrend.model_validate(await trend(hr_eval.pool, principal, staff_id, from_month, to_month))
