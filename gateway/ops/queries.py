"""Operations' fields of the root Query."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from gateway.context import GatewayContext
from gateway.ops.loaders import service_lags
from gateway.ops.types import ServiceLag
from services.eventkit.app import OPERATIONS
from services.eventkit.auth import Role

Ctx = Info[GatewayContext, None]
OPERATORS = (Role.OPERATOR, Role.PLATFORM_ADMIN, Role.DISTRICT_ADMIN, Role.LOGISTICS_MANAGER)
"""Who watches the live event stream (of the campuses in their scope)."""
LAG_READERS = OPERATIONS
"""Who reads the services' lag: the services' own operations role."""


@strawberry.type
class OpsQuery:
    @strawberry.field(description="Outbox, consumer and projection lag of every service (operators, platform admins)")
    async def lag(self, info: Ctx) -> list[ServiceLag]:
        info.context.require(*LAG_READERS)
        return await service_lags(info.context)
