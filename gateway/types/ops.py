"""For operations staff: the live event stream and the lag of every service."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncGenerator
from typing import cast

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from gateway.clients import ServiceError, ServiceUnavailable
from gateway.context import GatewayContext
from gateway.events import HEALTH_EVENT_MARKERS, EventHub
from gateway.settings import SERVICES
from services.eventkit.auth import Principal, Role

Ctx = Info[GatewayContext, None]
OPERATORS = (Role.OPERATOR, Role.PLATFORM_ADMIN, Role.DISTRICT_ADMIN, Role.LOGISTICS_MANAGER)


@strawberry.type(description="An event as it happens")
class LiveEvent:
    service: str
    event_id: strawberry.ID
    stream_id: str
    version: int
    type: str
    occurred_at: dt.datetime
    recorded_at: dt.datetime | None
    district_id: strawberry.ID | None
    school_id: strawberry.ID | None
    campus_id: strawberry.ID | None
    actor: str | None
    correlation_id: str | None
    data: JSON


@strawberry.type
class ProjectionLag:
    name: str
    events_applied: int
    last_event_at: dt.datetime | None
    last_applied_at: dt.datetime | None
    lag_seconds: float | None


@strawberry.type
class ConsumerLag:
    group: str
    messages_behind: int


@strawberry.type
class ServiceLag:
    service: str
    up: bool
    outbox_pending: int | None
    consumers: list[ConsumerLag]
    projections: list[ProjectionLag]


@strawberry.type
class OpsQuery:
    @strawberry.field(description="Outbox, consumer and projection lag of every service (operators)")
    async def lag(self, info: Ctx) -> list[ServiceLag]:
        info.context.require(*OPERATORS)
        out = []
        for service in SERVICES:
            try:
                body = await info.context.caller.get(service, "/ops/lag")
            except (ServiceError, ServiceUnavailable):
                out.append(ServiceLag(service=service, up=False, outbox_pending=None, consumers=[], projections=[]))
                continue
            out.append(
                ServiceLag(
                    service=service,
                    up=True,
                    outbox_pending=body["outbox_pending"],
                    consumers=[ConsumerLag(group=g, messages_behind=n) for g, n in body["consumers"].items()],
                    projections=[
                        ProjectionLag(
                            name=p["name"],
                            events_applied=p["events_applied"],
                            last_event_at=_dt(p["last_event_at"]),
                            last_applied_at=_dt(p["last_applied_at"]),
                            lag_seconds=p["lag_s"],
                        )
                        for p in body["projections"]
                    ],
                )
            )
        return out


def _id(value: str | None) -> strawberry.ID | None:
    return strawberry.ID(value) if value is not None else None


def _dt(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def may_see(
    principal: Principal, campus_id: str | None, school_id: str | None, district_id: str | None, event_type: str
) -> bool:
    from services.eventkit.envelope import TenantPath

    if any(marker in event_type for marker in HEALTH_EVENT_MARKERS) and not principal.has_role(Role.MEDICAL):
        return False
    return principal.covers(TenantPath(district_id=district_id, school_id=school_id, campus_id=campus_id))


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
