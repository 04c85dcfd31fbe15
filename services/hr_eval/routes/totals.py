"""The monthly appraisal totals of a campus. Reads only: no command is tagged "totals", so the
router is a plain one."""

from __future__ import annotations

import os
from typing import Annotated

from fastapi import APIRouter, Response
from fastapi import Query as Param

from services.campus.scoped import CampusCommandsDep
from services.eventkit.app import CurrentPrincipal
from services.eventkit.auth import Role
from services.eventkit.errors import InvalidInput
from services.eventkit.queries import VALIDATE_READS
from services.hr_eval.common import READERS_OF_ALL, WORKER_ROLES
from services.hr_eval.queries.models import AppraisalTotals
from services.hr_eval.queries.totals import totals_json
from services.hr_eval.routes.appraisal_reads import MonthParam

router = APIRouter(tags=["totals"])


@router.get(
    "/appraisal-totals",
    summary="The monthly appraisal totals of a campus: per role, worker, rule and appraiser, and the pending work",
    responses={404: {"description": "No such campus in the caller's scope"}},
    response_model=AppraisalTotals,
)
async def appraisal_totals(
    hr_eval: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: str,
    month: MonthParam,
    role: Annotated[Role | None, Param(description="One logistics role (default: every one)")] = None,
    threshold: Annotated[
        int, Param(ge=-100000, le=100000, description="A total below it counts in below_threshold")
    ] = 90,
) -> Response:
    principal.require_role(*READERS_OF_ALL, *WORKER_ROLES)
    if role is not None and role not in WORKER_ROLES:
        raise InvalidInput(f"{role.value} is not a role appraised each month", field="query.role")
    answer = await totals_json(
        hr_eval.pool, hr_eval.campuses, principal, campus_id, month, role.value if role else None, threshold
    )
    if os.environ.get(VALIDATE_READS):
        AppraisalTotals.model_validate_json(answer)
    # PostgreSQL wrote the answer: sent as it is (the model documents it, and the tests hold it to it)
    return Response(answer, media_type="application/json")
