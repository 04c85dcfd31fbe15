"""Campus safety's part of ``Campus`` (composed in ``gateway.campus``): its inspection status."""

from __future__ import annotations

from typing import TYPE_CHECKING

import strawberry
from strawberry.types import Info

from gateway.common.pages import AsOf
from gateway.context import GatewayContext
from gateway.safety.loaders import campus_safety_loader
from gateway.safety.types import CampusSafety

Ctx = Info[GatewayContext, None]


@strawberry.type
class SafetyOnCampus:
    if TYPE_CHECKING:
        campus_id: strawberry.ID  # the directory's part of the campus has it

    @strawberry.field(description="Inspections due and overdue, open hazards, drills and agreements")
    async def inspection_status(self, info: Ctx, as_of: AsOf = None) -> CampusSafety | None:
        loaded: CampusSafety | None = await info.context.loader(*campus_safety_loader(as_of)).load(str(self.campus_id))
        return loaded
