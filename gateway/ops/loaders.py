"""Operations' service calls: every service's outbox, consumer and projection lag."""

from __future__ import annotations

import datetime as dt

from gateway.clients import ServiceError, ServiceUnavailable
from gateway.context import GatewayContext
from gateway.ops.types import ConsumerLag, ProjectionLag, ServiceLag
from gateway.settings import SERVICES


async def service_lags(context: GatewayContext) -> list[ServiceLag]:
    """The lag of every service, in the order of ``SERVICES``; one that does not answer is down."""
    out = []
    for service in SERVICES:
        try:
            body = await context.caller.get(service, "/ops/lag")
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


def _dt(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None
