"""The staff appraisal's part of ``Campus`` (composed in ``gateway.campus``): its monthly
appraisal totals."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from gateway.common.enums import Role
from gateway.context import GatewayContext
from gateway.hr_eval.loaders import appraisal_totals
from gateway.hr_eval.types import AppraisalTotals

Ctx = Info[GatewayContext, None]


@strawberry.type
class HrEvalOnCampus:
    if TYPE_CHECKING:
        campus_id: strawberry.ID  # the directory's part of the campus has it

    @strawberry.field(description="The monthly appraisal totals of this campus's logistics staff (one role, or all)")
    async def appraisal_totals(
        self,
        info: Ctx,
        month: Annotated[str, strawberry.argument(description="A month, YYYY-MM")],
        role: Role | None = None,
        threshold: int = 90,
    ) -> AppraisalTotals | None:
        return await appraisal_totals(info, str(self.campus_id), month, role, threshold)
