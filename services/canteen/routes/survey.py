"""The satisfaction survey: the commands of the table (open, count a batch, close) and the reads
(surveys with their counts and results, one survey)."""

from __future__ import annotations

from typing import Literal

from services.campus.scoped import CampusCommandsDep
from services.canteen.commands import COMMANDS
from services.canteen.common import READERS
from services.canteen.events import Audience
from services.canteen.queries.committee import survey, survey_list
from services.canteen.queries.committee_models import SurveyRow
from services.eventkit.app import CurrentPrincipal
from services.eventkit.queries import Page, page_route
from services.eventkit.routes import After, Limit

router = COMMANDS.router("surveys")


@page_route(router, "/surveys", SurveyRow, summary="Satisfaction surveys with their counts and results")
async def list_surveys(
    canteen: CampusCommandsDep,
    principal: CurrentPrincipal,
    school_id: str | None = None,
    term_id: str | None = None,
    audience: Audience | None = None,
    status: Literal["open", "closed"] | None = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    principal.require_role(*READERS)
    who = audience.value if audience else None
    return await survey_list(principal, school_id, term_id, who, status).page(canteen.pool, after, limit)


@router.get("/surveys/{survey_id}", summary="One survey with its counts per question and its results")
async def get_survey(survey_id: str, canteen: CampusCommandsDep, principal: CurrentPrincipal) -> SurveyRow:
    principal.require_role(*READERS)
    return SurveyRow.model_validate(await survey(canteen.pool, principal, survey_id))
