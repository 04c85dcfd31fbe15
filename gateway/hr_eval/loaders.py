"""The staff appraisal's service calls: a campus's monthly totals, appraisal pages, one appraisal
with its items, a worker's trend, a version of the rule book, and the pages of proposals,
contests, awards and honours."""

from __future__ import annotations

from strawberry.types import Info

from gateway.clients import service_path
from gateway.common.campuses import with_campuses
from gateway.common.enums import Role
from gateway.common.pages import Connection, one, page
from gateway.context import GatewayContext
from gateway.hr_eval.types import Appraisal, AppraisalTotals

Ctx = Info[GatewayContext, None]


async def appraisal_totals(
    info: Ctx, campus_id: str, month: str, role: Role | None, threshold: int
) -> AppraisalTotals | None:
    """A campus's totals of a month (null when the campus is unknown or outside the caller's scope)."""
    found = await one(
        info.context,
        "hr_eval",
        "/appraisal-totals",
        AppraisalTotals,
        campus_id=campus_id,
        month=month,
        role=role.value if role else None,
        threshold=threshold,
    )
    return found


async def appraisals_page(
    info: Ctx,
    campus_id: str | None,
    month: str | None,
    staff_id: str | None,
    role: Role | None,
    state: str | None,
    first: int,
    after: str | None,
) -> Connection[Appraisal] | None:
    return await page(
        info, "hr_eval", "/appraisals", Appraisal, "appraisal_id", first, after,
        campus_id=campus_id, month=month, staff_id=staff_id, role=role.value if role else None, state=state,
        then=with_campuses(info),
    )  # fmt: skip


async def appraisal_file(info: Ctx, appraisal_id: str) -> Appraisal | None:
    path = service_path("/appraisals/{appraisal_id}", appraisal_id=appraisal_id)
    return await one(info.context, "hr_eval", path, Appraisal)
