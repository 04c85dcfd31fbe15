"""The rule book: publishing a version and acknowledging one (the command table's), and the
reads: a school's versions, one version, the version in force on a day, and who acknowledged
a version (and which workers have not yet)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Query as Param

from services.campus.scoped import CampusCommandsDep
from services.eventkit.app import CurrentPrincipal
from services.eventkit.days import school_today
from services.eventkit.queries import Page, page_route
from services.eventkit.routes import After, Limit
from services.hr_eval.commands import COMMANDS
from services.hr_eval.common import READERS_OF_ALL, STAFF
from services.hr_eval.queries import rulebook as q
from services.hr_eval.queries.models import RuleBookAcknowledgements, RuleBookVersion, RuleBookVersionSummary

router = COMMANDS.router("rule-book")

On = Annotated[date | None, Param(description="The day (YYYY-MM-DD); default: today at the school")]
CampusFilter = Annotated[
    str | None, Param(description="Only the staff who work on this campus of the school (default: the whole school)")
]


@page_route(router, "/rule-books/{school_id}", RuleBookVersionSummary, summary="The versions of a school's rule book")
async def list_rule_book_versions(
    school_id: str, hr_eval: CampusCommandsDep, principal: CurrentPrincipal, after: After = None, limit: Limit = 100
) -> Page:
    """Newest first. Any member of the school's staff reads them."""
    await q.readable_school(hr_eval, principal, school_id, STAFF)
    return await q.version_list(school_id).page(hr_eval.pool, after, limit)


@router.get("/rule-books/{school_id}/in-force", summary="The version of a school's rule book in force on a day")
async def get_rule_book_in_force(
    school_id: str, hr_eval: CampusCommandsDep, principal: CurrentPrincipal, on: On = None
) -> RuleBookVersion:
    """The latest version that took effect on or before the day, with its categories and rules
    (404 if none had yet)."""
    await q.readable_school(hr_eval, principal, school_id, STAFF)
    return RuleBookVersion.model_validate(await q.in_force(hr_eval.pool, school_id, on or school_today()))


@router.get("/rule-books/{school_id}/versions/{version}", summary="One version of a school's rule book")
async def get_rule_book_version(
    school_id: str, version: int, hr_eval: CampusCommandsDep, principal: CurrentPrincipal
) -> RuleBookVersion:
    """With its categories (and their monthly caps) and its rules."""
    await q.readable_school(hr_eval, principal, school_id, STAFF)
    return RuleBookVersion.model_validate(await q.version(hr_eval.pool, school_id, version))


@router.get(
    "/rule-books/{school_id}/versions/{version}/acknowledgements",
    summary="Who acknowledged a version of the rule book, and which workers have not yet",
)
async def get_rule_book_acknowledgements(
    school_id: str,
    version: int,
    hr_eval: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: CampusFilter = None,
) -> RuleBookAcknowledgements:
    """Read by the appraisers and those who read every appraisal of the school."""
    await q.readable_school(hr_eval, principal, school_id, READERS_OF_ALL)
    return RuleBookAcknowledgements.model_validate(
        await q.acknowledgements(hr_eval.pool, school_id, version, campus_id)
    )
