"""The canteen's fields of the root Query."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from gateway.canteen.committee import (
    CanteenSurvey,
    MealCommitteesOfTerm,
    committees_of_term,
    survey_file,
    surveys_page,
)
from gateway.common.enums import Audience
from gateway.common.pages import Connection
from gateway.context import GatewayContext

Ctx = Info[GatewayContext, None]


@strawberry.type
class CanteenCommitteeQuery:
    @strawberry.field(
        description="A school's meal committee and parents' meal-oversight committee of a term, with members and "
        "meetings, and whether the district requires the oversight committee (null when out of scope)"
    )
    async def meal_committees(
        self, info: Ctx, school_id: strawberry.ID, term_id: strawberry.ID
    ) -> MealCommitteesOfTerm | None:
        return await committees_of_term(info, str(school_id), str(term_id))

    @strawberry.field(description="The canteen's satisfaction surveys in the caller's scope, with their results")
    async def canteen_surveys(
        self,
        info: Ctx,
        school_id: strawberry.ID | None = None,
        term_id: strawberry.ID | None = None,
        audience: Annotated[Audience | None, strawberry.argument(description="Who the surveys asked")] = None,
        status: Annotated[str | None, strawberry.argument(description="open or closed")] = None,
        first: int = 100,
        after: str | None = None,
    ) -> Connection[CanteenSurvey] | None:
        return await surveys_page(info, school_id, term_id, audience, status, first, after)

    @strawberry.field(
        description="One satisfaction survey with its counts and results (null if unknown or out of scope)"
    )
    async def canteen_survey(
        self, info: Ctx, survey_id: Annotated[strawberry.ID, strawberry.argument(description="The survey")]
    ) -> CanteenSurvey | None:
        return await survey_file(info, str(survey_id))
