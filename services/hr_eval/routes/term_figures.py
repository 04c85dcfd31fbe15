"""The staff appraisal's part of the term report: ``GET /term-figures`` over the campuses the
reader may read a term's figures of (:func:`services.campus.term_report.term_scope`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi import Query as Param

from services.campus.scoped import CampusCommandsDep
from services.campus.term_report import AppraisalFigures, TermPart, term_scope
from services.eventkit.app import CurrentPrincipal
from services.eventkit.bounds import REF_LENGTH
from services.hr_eval.queries.term_figures import hr_eval_term_figures

router = APIRouter(tags=["term report"])


@router.get(
    "/term-figures",
    summary="The staff appraisal's figures of a term: monthly appraisals, deductions and disputes, "
    "contests, awards and honours",
)
async def get_term_figures(
    hr_eval: CampusCommandsDep,
    principal: CurrentPrincipal,
    school_id: Annotated[str, Param(max_length=REF_LENGTH)],
    term_id: Annotated[str, Param(max_length=REF_LENGTH)],
    campus_id: Annotated[
        str | None, Param(max_length=REF_LENGTH, description="One campus (default: all in scope)")
    ] = None,
) -> TermPart[AppraisalFigures]:
    scope = await term_scope(hr_eval.pool, principal, school_id, term_id, campus_id)
    return TermPart[AppraisalFigures](scope=scope, figures=await hr_eval_term_figures(hr_eval.pool, scope))
