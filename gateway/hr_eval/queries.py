"""The staff appraisal's fields of the root Query."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from gateway.clients import service_path
from gateway.common.enums import ContestKind, Level, Role
from gateway.common.pages import Connection, one, page
from gateway.context import GatewayContext
from gateway.hr_eval.loaders import appraisal_file, appraisal_totals, appraisals_page
from gateway.hr_eval.types import (
    Appraisal,
    AppraisalProposal,
    AppraisalTotals,
    AppraisalTrend,
    Award,
    Contest,
    Honour,
    RuleBook,
)

Ctx = Info[GatewayContext, None]
Month = Annotated[str, strawberry.argument(description="A month, YYYY-MM")]


def _span(from_day: dt.date | None, to_day: dt.date | None) -> dict[str, Any]:
    """The service's ``from`` and ``to`` (``from`` is a Python keyword)."""
    return {"from": from_day.isoformat() if from_day else None, "to": to_day.isoformat() if to_day else None}


@strawberry.type
class HrEvalQuery:
    @strawberry.field(
        description="The monthly appraisal totals of a campus: per role, worker, rule and appraiser, and the "
        "pending work (null when the campus is outside the caller's scope)"
    )
    async def appraisal_totals(
        self,
        info: Ctx,
        campus_id: strawberry.ID,
        month: Month,
        role: Role | None = None,
        threshold: int = 90,
    ) -> AppraisalTotals | None:
        return await appraisal_totals(info, str(campus_id), month, role, threshold)

    @strawberry.field(description="Appraisals in the caller's scope (a worker: their own)")
    async def appraisals(
        self,
        info: Ctx,
        campus_id: strawberry.ID | None = None,
        month: str | None = None,
        staff_id: strawberry.ID | None = None,
        role: Role | None = None,
        state: str | None = None,
        first: int = 100,
        after: str | None = None,
    ) -> Connection[Appraisal] | None:
        return await appraisals_page(info, campus_id, month, staff_id, role, state, first, after)

    @strawberry.field(description="One appraisal with its items and history (null if unknown or out of scope)")
    async def appraisal(self, info: Ctx, appraisal_id: strawberry.ID) -> Appraisal | None:
        return await appraisal_file(info, str(appraisal_id))

    @strawberry.field(description="A worker's appraisals month by month over a span (a term)")
    async def appraisal_trend(
        self, info: Ctx, staff_id: strawberry.ID, from_month: Month, to_month: Month
    ) -> AppraisalTrend | None:
        path = service_path("/workers/{staff_id}/appraisal-trend", staff_id=str(staff_id))
        return await one(info.context, "hr_eval", path, AppraisalTrend, from_month=from_month, to_month=to_month)

    @strawberry.field(
        description="A version of a school's rule book (月考核细则); without a version, the one in force on the day "
        "(default today)"
    )
    async def rule_book(
        self, info: Ctx, school_id: strawberry.ID, version: int | None = None, on: dt.date | None = None
    ) -> RuleBook | None:
        if version is not None:
            path = service_path(
                "/rule-books/{school_id}/versions/{version}", school_id=str(school_id), version=str(version)
            )
            return await one(info.context, "hr_eval", path, RuleBook)
        path = service_path("/rule-books/{school_id}/in-force", school_id=str(school_id))
        return await one(info.context, "hr_eval", path, RuleBook, on=on.isoformat() if on else None)

    @strawberry.field(description="Items other services (or awards) proposed for appraisals, and what became of them")
    async def appraisal_proposals(
        self,
        info: Ctx,
        campus_id: strawberry.ID | None = None,
        month: str | None = None,
        state: str | None = None,
        staff_id: strawberry.ID | None = None,
        first: int = 100,
        after: str | None = None,
    ) -> Connection[AppraisalProposal] | None:
        return await page(
            info, "hr_eval", "/proposals", AppraisalProposal, "proposal_id", first, after,
            campus_id=campus_id, month=month, state=state, staff_id=staff_id,
        )  # fmt: skip

    @strawberry.field(description="Contests of the schools in scope, with their rankings")
    async def contests(
        self,
        info: Ctx,
        school_id: strawberry.ID | None = None,
        campus_id: strawberry.ID | None = None,
        kind: ContestKind | None = None,
        level: Level | None = None,
        first: int = 100,
        after: str | None = None,
    ) -> Connection[Contest] | None:
        return await page(
            info, "hr_eval", "/contests", Contest, "contest_id", first, after,
            school_id=school_id, campus_id=campus_id, kind=kind.value if kind else None,
            level=level.value if level else None,
        )  # fmt: skip

    @strawberry.field(description="Awards granted at the schools in scope")
    async def awards(
        self,
        info: Ctx,
        school_id: strawberry.ID | None = None,
        staff_id: strawberry.ID | None = None,
        level: Level | None = None,
        from_day: dt.date | None = None,
        to_day: dt.date | None = None,
        first: int = 100,
        after: str | None = None,
    ) -> Connection[Award] | None:
        return await page(
            info, "hr_eval", "/awards", Award, "award_id", first, after,
            school_id=school_id, staff_id=staff_id, level=level.value if level else None,
            **_span(from_day, to_day),
        )  # fmt: skip

    @strawberry.field(description="Honours of the schools in scope (e.g. the city's garden-style unit)")
    async def honours(
        self,
        info: Ctx,
        school_id: strawberry.ID | None = None,
        from_day: dt.date | None = None,
        to_day: dt.date | None = None,
        first: int = 100,
        after: str | None = None,
    ) -> Connection[Honour] | None:
        return await page(
            info, "hr_eval", "/honours", Honour, "honour_id", first, after,
            school_id=school_id,
            **_span(from_day, to_day),
        )  # fmt: skip
