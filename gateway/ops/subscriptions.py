"""Operations' root Subscription: events as they happen, for operators, within their scope."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import cast

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from gateway.context import GatewayContext
from gateway.events import HEALTH_EVENT_MARKERS, EventHub
from gateway.ops.queries import OPERATORS
from gateway.ops.types import LiveEvent
from services.eventkit.auth import Principal, Role
from services.eventkit.envelope import TenantPath

Ctx = Info[GatewayContext, None]


def _id(value: str | None) -> strawberry.ID | None:
    return strawberry.ID(value) if value is not None else None


def may_see(
    principal: Principal, campus_id: str | None, school_id: str | None, district_id: str | None, event_type: str
) -> bool:
    tenant = TenantPath(district_id=district_id, school_id=school_id, campus_id=campus_id)
    if any(marker in event_type for marker in HEALTH_EVENT_MARKERS) and not principal.holds(tenant, Role.MEDICAL):
        return False
    return principal.covers(tenant)


@strawberry.type
class Subscription:
    @strawberry.subscription(description="Events as they happen, filtered by service, campus and type (operators)")
    async def events(
        self,
        info: Ctx,
        services: list[str] | None = None,
        campus_id: strawberry.ID | None = None,
        types: list[str] | None = None,
    ) -> AsyncGenerator[LiveEvent, None]:
        principal = await info.context.subscriber(*OPERATORS)
        hub: EventHub = info.context.hub
        async for service, env in hub.subscribe():
            if services and service not in services:
                continue
            if types and env.type not in types:
                continue
            if campus_id and env.campus_id != campus_id:
                continue
            if not may_see(principal, env.campus_id, env.school_id, env.district_id, env.type):
                continue
            yield LiveEvent(
                service=service,
                event_id=strawberry.ID(str(env.event_id)),
                stream_id=env.stream_id,
                version=env.version,
                type=env.type,
                occurred_at=env.occurred_at,
                recorded_at=env.recorded_at,
                district_id=_id(env.district_id),
                school_id=_id(env.school_id),
                campus_id=_id(env.campus_id),
                actor=env.actor,
                correlation_id=env.correlation_id,
                data=cast(JSON, env.data),
            )
