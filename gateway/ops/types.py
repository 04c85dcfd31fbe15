"""Operations' types: an event as it happens, and a service's lag."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.scalars import JSON

from gateway.common.scalars import BigInt


@strawberry.type(description="An event as it happens")
class LiveEvent:
    service: str = strawberry.field(description="The service that recorded it")
    event_id: strawberry.ID = strawberry.field(description="The event's id")
    stream_id: str = strawberry.field(description="The record it belongs to")
    version: int = strawberry.field(description="The record's version after it")
    type: str = strawberry.field(description="The event's type (HazardReported...)")
    occurred_at: dt.datetime = strawberry.field(description="When the act happened")
    recorded_at: dt.datetime | None = strawberry.field(description="When the service recorded it")
    district_id: strawberry.ID | None
    school_id: strawberry.ID | None
    campus_id: strawberry.ID | None
    actor: str | None = strawberry.field(description="Who acted")
    correlation_id: str | None = strawberry.field(description="The request that caused it")
    data: JSON = strawberry.field(description="The event's fields")


@strawberry.type(description="A read model of a service and how far it is behind its events")
class ProjectionLag:
    name: str = strawberry.field(description="The read model's name")
    events_applied: BigInt = strawberry.field(description="Events applied so far (rebuilds included)")
    last_event_at: dt.datetime | None = strawberry.field(description="When the last event applied was recorded")
    last_applied_at: dt.datetime | None = strawberry.field(description="When it was applied")
    lag_seconds: float | None = strawberry.field(
        description="Seconds between an event's recording and its applying, for the last one"
    )


@strawberry.type(description="A consumer group of a service and the messages it has yet to read")
class ConsumerLag:
    group: str = strawberry.field(description="The consumer group")
    messages_behind: BigInt = strawberry.field(description="Messages of its topics it has not read yet")


@strawberry.type(description="How far behind one service is: its outbox, its consumers and its projections")
class ServiceLag:
    service: str = strawberry.field(description="The service")
    up: bool = strawberry.field(description="It answered")
    outbox_pending: int | None = strawberry.field(description="Events written and not yet published to Kafka")
    consumers: list[ConsumerLag] = strawberry.field(description="Its consumer groups")
    projections: list[ProjectionLag] = strawberry.field(description="Its read models")
