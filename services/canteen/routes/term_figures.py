"""The canteen's part of the term report: ``GET /term-figures`` over the campuses the reader
may read a term's figures of (:func:`services.campus.term_report.term_scope`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi import Query as Param

from services.campus.scoped import CampusCommandsDep
from services.campus.term_report import CanteenFigures, TermPart, term_scope
from services.canteen.queries.term_figures import canteen_term_figures
from services.eventkit.app import CurrentPrincipal
from services.eventkit.bounds import REF_LENGTH

router = APIRouter(tags=["term report"])


@router.get(
    "/term-figures",
    summary="The canteen's figures of a term: meal committee, parent visits, accompanied meals, samples, "
    "morning checks, serving audits and the serving-skill contest",
)
async def get_term_figures(
    canteen: CampusCommandsDep,
    principal: CurrentPrincipal,
    school_id: Annotated[str, Param(max_length=REF_LENGTH)],
    term_id: Annotated[str, Param(max_length=REF_LENGTH)],
    campus_id: Annotated[
        str | None, Param(max_length=REF_LENGTH, description="One campus (default: all in scope)")
    ] = None,
) -> TermPart[CanteenFigures]:
    scope = await term_scope(canteen.pool, principal, school_id, term_id, campus_id)
    return TermPart[CanteenFigures](scope=scope, figures=await canteen_term_figures(canteen.pool, scope))
