"""Campus safety's service calls: the inspection status, by campus (a dataloader) and by page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from gateway.common.pages import Connection, Edge, connection, counts, day, get, row
from gateway.context import GatewayContext
from gateway.safety.types import AgreementRate, CampusSafety, DrillCoverage, HazardSummary, KindStatus


def campus_safety_loader(
    as_of: dt.date | None,
) -> tuple[str, Callable[[GatewayContext], DataLoader[str, CampusSafety | None]]]:
    """The name and the factory of the loader of the inspection status, as of a day (default: today),
    of every campus a query names: one call to the safety service per day asked."""

    def make(context: GatewayContext) -> DataLoader[str, CampusSafety | None]:
        async def load(ids: list[str]) -> list[CampusSafety | None]:
            body = await get(
                context,
                "safety",
                "/inspection-status",
                ids=",".join(sorted(set(ids))),
                limit=500,
                as_of=day(as_of),
            )
            found = {item["campus_id"]: row(CampusSafety, _status(item)) for item in body["items"]}
            return [found.get(i) for i in ids]

        return DataLoader(load_fn=load)

    return f"campus_safety:{day(as_of) or 'today'}", make


async def inspection_status_page(
    info: Info[GatewayContext, None],
    school_id: strawberry.ID | None,
    month: dt.date | None,
    first: int,
    after: str | None,
    as_of: dt.date | None = None,
) -> Connection[CampusSafety] | None:
    """A page of the inspection status of the campuses in the caller's scope (with their count
    when the query asks for totalCount)."""
    context = info.context
    context.require()
    body = await get(
        context,
        "safety",
        "/inspection-status",
        school_id=school_id,
        month=month.isoformat() if month else None,
        limit=max(1, min(first, 500)),
        after=after,
        as_of=day(as_of),
        count=True if counts(info) else None,
    )
    edges = [Edge(cursor=i["campus_id"], node=row(CampusSafety, _status(i))) for i in body["items"]]
    return connection(edges, body["next_cursor"], after, body.get("total"))


def _status(item: dict[str, Any]) -> dict[str, Any]:
    return item | {
        "inspections": [row(KindStatus, k) for k in item["inspections"]],
        "hazards": row(HazardSummary, item["hazards"]),
        "drills": row(DrillCoverage, item["drills"]),
        "agreements": [row(AgreementRate, a) for a in item["agreements"]],
    }
