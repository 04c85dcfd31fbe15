"""Operations' types: an event as it happens, and a service's lag."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.scalars import JSON


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
