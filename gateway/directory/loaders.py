"""The directory's service calls. (Campuses by id, which every area's rows link to, are
loaded in ``gateway.common.campuses``.)"""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from gateway.common.campuses import with_campuses
from gateway.common.pages import Connection, page
from gateway.context import GatewayContext
from gateway.directory.types import SchoolClass

Ctx = Info[GatewayContext, None]


async def classes_page(
    info: Ctx, campus_id: strawberry.ID | None, first: int, after: str | None
) -> Connection[SchoolClass] | None:
    """A page of classes (of one campus, or all in scope), with their campuses when asked for."""
    return await page(
        info, "directory", "/classes", SchoolClass, "class_id", first, after,
        campus_id=campus_id, then=with_campuses(info),
    )  # fmt: skip
