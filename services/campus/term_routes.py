"""``GET /term-figures``, the same read in every service: the reader's scope of the term
(:func:`services.campus.term_report.term_scope`), then the service's own part of the figures."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import asyncpg
from fastapi import APIRouter
from fastapi import Query as Param

from services.campus.scoped import CampusCommandsDep
from services.campus.term_report import Figures, TermPart, TermScope, term_scope
from services.eventkit.app import CurrentPrincipal
from services.eventkit.bounds import REF_LENGTH

F = TypeVar("F", bound=Figures)
Ref = Annotated[str, Param(min_length=1, max_length=REF_LENGTH)]
CampusRef = Annotated[
    str | None, Param(max_length=REF_LENGTH, description="Only this campus (default: every one the reader may)")
]


def term_figures_router(
    part: type[F], compute: Callable[[asyncpg.Pool, TermScope], Awaitable[F]], summary: str
) -> APIRouter:
    """A plain router (a read only) with the service's ``GET /term-figures``: ``compute`` gives its
    part over the scope."""
    router = APIRouter(tags=["term report"])
    answer = TermPart[part]  # type: ignore[valid-type]

    @router.get("/term-figures", summary=summary, response_model=answer)
    async def term_figures(
        service: CampusCommandsDep,
        principal: CurrentPrincipal,
        school_id: Ref,
        term_id: Ref,
        campus_id: CampusRef = None,
    ) -> Any:
        scope = await term_scope(service.pool, principal, school_id, term_id, campus_id)
        return answer(scope=scope, figures=await compute(service.pool, scope))

    return router
