"""The directory's part of ``Campus`` (composed in ``gateway.campus``): the campus row and its classes."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from gateway.common.history import HISTORY, HistoryEntry, history_of
from gateway.common.pages import Connection
from gateway.context import GatewayContext
from gateway.directory.loaders import classes_page
from gateway.directory.types import SchoolClass

Ctx = Info[GatewayContext, None]


@strawberry.type
class DirectoryCampus:
    campus_id: strawberry.ID
    school_id: strawberry.ID
    district_id: strawberry.ID
    name: str
    address: str = strawberry.field(default="", description="The campus's address")
    closed: bool = strawberry.field(default=False, description="The campus is closed: nothing new is done on it")
    students: int = strawberry.field(default=0, description="Students enrolled on the campus now")

    @strawberry.field(description="The campus's classes")
    async def classes(self, info: Ctx, first: int = 100, after: str | None = None) -> Connection[SchoolClass] | None:
        return await classes_page(info, self.campus_id, first, after)

    @strawberry.field(description=HISTORY)
    def history(self, info: Ctx, first: int = 50) -> list[HistoryEntry]:
        return history_of(info, "directory", f"campus-{self.campus_id}", first)
