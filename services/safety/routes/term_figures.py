"""Safety's part of the term report: ``GET /term-figures`` over the campuses the reader may read
a term's figures of (:func:`services.campus.term_report.term_scope`). A read only: the router is
a plain one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi import Query as Param

from services.campus.scoped import CampusCommandsDep
from services.campus.term_report import SafetyFigures, TermPart, term_scope
from services.eventkit.app import CurrentPrincipal
from services.eventkit.bounds import REF_LENGTH
from services.safety.queries.term_figures import safety_term_figures

router = APIRouter(tags=["term report"])

Ref = Annotated[str, Param(min_length=1, max_length=REF_LENGTH)]


@router.get(
    "/term-figures",
    summary="Safety's figures of a term for the term report: agreements, health files, inspections, hazards, "
    "buses, drills, safety education, injuries, parent communications, watches and camera coverage",
)
async def term_figures(
    safety: CampusCommandsDep,
    principal: CurrentPrincipal,
    school_id: Ref,
    term_id: Ref,
    campus_id: Annotated[
        str | None, Param(max_length=REF_LENGTH, description="Only this campus (default: every one the reader may)")
    ] = None,
) -> TermPart[SafetyFigures]:
    scope = await term_scope(safety.pool, principal, school_id, term_id, campus_id)
    return TermPart[SafetyFigures](scope=scope, figures=await safety_term_figures(safety.pool, scope))
