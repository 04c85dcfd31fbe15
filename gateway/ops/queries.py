"""Operations' fields of the root Query."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from gateway.context import GatewayContext
from gateway.ops.loaders import service_lags
from gateway.ops.types import ServiceLag
from services.eventkit.auth import Role

Ctx = Info[GatewayContext, None]
OPERATORS = (Role.OPERATOR, Role.PLATFORM_ADMIN, Role.DISTRICT_ADMIN, Role.LOGISTICS_MANAGER)


@strawberry.type
class OpsQuery:
    @strawberry.field(description="Outbox, consumer and projection lag of every service (operators)")
    async def lag(self, info: Ctx) -> list[ServiceLag]:
        info.context.require(*OPERATORS)
        return await service_lags(info.context)
