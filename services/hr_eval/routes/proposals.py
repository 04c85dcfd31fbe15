"""Proposals from other services: the commands of the table (dismiss; confirm into the
worker's appraisal) and the reads (a campus's proposals of a month, one proposal)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query as Param

from services.campus.scoped import CampusCommandsDep
from services.eventkit.app import CurrentPrincipal
from services.eventkit.queries import Page, page_route
from services.eventkit.routes import After, Limit
from services.hr_eval.commands import COMMANDS
from services.hr_eval.common import READERS_OF_ALL
from services.hr_eval.proposals import ProposalStatus
from services.hr_eval.queries.models import ProposalRow
from services.hr_eval.queries.proposals import proposal, proposal_list

router = COMMANDS.router("proposals")

MonthFilter = Annotated[
    str | None, Param(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$", description="A month, YYYY-MM", examples=["2020-10"])
]


@page_route(router, "/proposals", ProposalRow, summary="Items other services proposed, and what became of them")
async def list_proposals(
    hr_eval: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    month: MonthFilter = None,
    state: ProposalStatus | None = None,
    staff_id: str | None = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    principal.require_role(*READERS_OF_ALL)
    return await proposal_list(principal, campus_id, month, state, staff_id).page(hr_eval.pool, after, limit)


@router.get("/proposals/{proposal_id}", summary="One proposal")
async def get_proposal(proposal_id: str, hr_eval: CampusCommandsDep, principal: CurrentPrincipal) -> ProposalRow:
    principal.require_role(*READERS_OF_ALL)
    return ProposalRow.model_validate(await proposal(hr_eval.pool, principal, proposal_id))
