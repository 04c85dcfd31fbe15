"""The term's figures, asked of every service at once with the caller's own token: each
answers for the campuses the caller reads (``services.campus.term_report``)."""

from __future__ import annotations

import asyncio
from typing import Any

from gateway.clients import Caller, ServiceError
from services.campus.term_report import (
    AppraisalFigures,
    CanteenFigures,
    InventoryFigures,
    SafetyFigures,
    TermFigures,
    TermPart,
)

PARTS: dict[str, tuple[str, type[Any]]] = {
    "safety": ("safety", SafetyFigures),
    "canteen": ("canteen", CanteenFigures),
    "inventory": ("inventory", InventoryFigures),
    "appraisals": ("hr_eval", AppraisalFigures),
}


async def term_figures(caller: Caller, school_id: str, term_id: str, campus_id: str | None) -> TermFigures:
    """The four parts; a refusal of any service (403, 404, 422) is the caller's answer."""
    params = {"school_id": school_id, "term_id": term_id, "campus_id": campus_id}
    bodies = await asyncio.gather(*(caller.get(service, "/term-figures", **params) for service, _ in PARTS.values()))
    parts = {
        name: TermPart[model].model_validate(body)  # type: ignore[valid-type]
        for (name, (_, model)), body in zip(PARTS.items(), bodies, strict=True)
    }
    scopes = {part.scope.campus_ids for part in parts.values()}
    if len(scopes) != 1:  # a directory change seen by one service before another: ask again shortly
        raise ServiceError("gateway", 409, {"error": "retry", "reason": "the services disagree on the campuses"})
    first = next(iter(parts.values()))
    return TermFigures(scope=first.scope, **{name: part.figures for name, part in parts.items()})


async def figures_and_name(
    caller: Caller, school_id: str, term_id: str, campus_id: str | None
) -> tuple[TermFigures, str]:
    """The term's figures and the school's name, asked at once: what a report is drafted from."""
    return await asyncio.gather(term_figures(caller, school_id, term_id, campus_id), school_name(caller, school_id))


async def school_name(caller: Caller, school_id: str) -> str:
    """The school's name as the directory has it (its id if the caller cannot read it)."""
    try:
        page = await caller.get("directory", "/schools", limit=100)
    except ServiceError:
        return school_id
    return next((s["name"] for s in page.get("items", []) if s.get("school_id") == school_id), school_id)
