"""Prometheus metrics every service exposes: on a port of their own bound to loopback
(``HOUQIN_METRICS_HOST``, ``HOUQIN_METRICS_PORT``) for a served process, and on the main
port's ``/metrics`` for operators (a bearer token with the operator role)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from prometheus_client import Counter, Gauge, Histogram, start_http_server

if TYPE_CHECKING:
    from services.eventkit.settings import Settings

log = logging.getLogger(__name__)

EVENTS_APPENDED = Counter("houqin_events_appended_total", "Events appended to the store", ["service"])
EVENTS_PUBLISHED = Counter("houqin_events_published_total", "Events the relay saw acknowledged by Kafka", ["service"])
OUTBOX_PENDING = Gauge("houqin_outbox_pending", "Outbox rows not yet acknowledged by Kafka", ["service"])
BATCH_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200, 500)
RELAY_ROUND_EVENTS = Histogram(
    "houqin_relay_round_events",
    "Events per relay round (one read of the outbox, one send per partition, one deletion)",
    ["service"],
    buckets=BATCH_BUCKETS,
)
OUTBOX_PARKED = Gauge(
    "houqin_outbox_parked_streams",
    "Streams held back behind an outbox row the broker refused (parked until an operator acts)",
    ["service"],
)
OUTBOX_PARKED_TOTAL = Counter(
    "houqin_outbox_parked_total", "Outbox rows the broker refused, parked by the relay", ["service"]
)
RELAY_FAILURES = Counter("houqin_relay_failures_total", "Publish attempts that failed and will be retried", ["service"])
EVENTS_CONSUMED = Counter("houqin_events_consumed_total", "Events a consumer handled (effect applied)", ["consumer"])
EVENTS_SKIPPED = Counter(
    "houqin_events_skipped_total", "Redelivered events a consumer had already handled", ["consumer"]
)
CONSUMER_BATCH_EVENTS = Histogram(
    "houqin_consumer_batch_events",
    "Records per consumer batch (one poll, one transaction)",
    ["consumer"],
    buckets=BATCH_BUCKETS,
)
CONSUMER_RETRIES = Counter(
    "houqin_consumer_retries_total",
    "Batches a consumer will apply again later: a database incident, or an event of a newer "
    "schema version than the running release knows (never dead-lettered)",
    ["consumer", "reason"],
)
CONSUMER_HELD = Gauge(
    "houqin_consumer_held_partitions",
    "Partitions a consumer holds at an event of a newer schema version, retrying it with backoff",
    ["consumer"],
)
DEAD_LETTERS = Counter("houqin_dead_letters_total", "Events sent to the dead-letter topic", ["consumer"])
CONSUMER_LAG = Gauge(
    "houqin_consumer_lag", "Messages behind the end of the partition", ["consumer", "topic", "partition"]
)
PROJECTION_LAG = Gauge(
    "houqin_projection_lag_seconds", "Seconds between an event's recording and its projection", ["projection"]
)
COMMAND_LANE = Counter(
    "houqin_command_lane_requests_total",
    "POSTs to command routes: served by the command lane, or handed to the framework (input errors...)",
    ["outcome"],
)
COMMAND_LATENCY = Histogram(
    "houqin_command_seconds",
    "Command handling time",
    ["service", "command"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0),
)
EVENT_LOOP_LAG = Histogram(
    "houqin_event_loop_lag_seconds",
    "How late the event loop ran a timer: time it was blocked by other work",
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
GC_PAUSE = Histogram(
    "houqin_gc_pause_seconds",
    "Garbage collections, by generation (the event loop stops meanwhile)",
    ["generation"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5),
)
KAFKA_UP = Gauge("houqin_kafka_up", "Whether Kafka answered the last readiness check (1) or not (0)", ["service"])
READ_REPLICA_UP = Gauge(
    "houqin_read_replica_up",
    "Whether the read replica answered as a standby at its last check (1) or not (0: reads use the primary)",
    ["service"],
)
READ_REPLICA_LAG = Gauge(
    "houqin_read_replica_lag_seconds",
    "How far the read replica's replay is behind what it received (0 when it replayed all it has)",
    ["service"],
)
READ_FAILOVERS = Counter(
    "houqin_read_failovers_total", "Times the reads moved from the read replica to the primary", ["service"]
)
READS_SERVED = Counter(
    "houqin_reads_total", "GET requests by the database they read: replica or primary", ["service", "server"]
)
SERVICE_UP = Gauge(
    "houqin_service_up", "Whether a service answered the gateway's last readiness check (1) or not (0)", ["service"]
)


def serve_metrics(settings: Settings, *, workers: bool = False) -> Callable[[], Awaitable[None]] | None:
    """Serves this process's metrics on their own port (see :meth:`Settings.metrics_listen_port`);
    returns what stops it, or None if none is served. With several API processes on one port, the
    first to bind serves its own; the others' are on the main port's ``/metrics`` (operators)."""
    port = settings.metrics_listen_port(workers=workers)
    if port is None:
        return None
    try:
        server, _ = start_http_server(port, addr=settings.metrics_host)
    except OSError as exc:
        log.warning("metrics port not served", extra={"port": port, "error": repr(exc)})
        return None
    log.info("metrics served", extra={"host": settings.metrics_host, "port": port})

    def close() -> None:
        server.shutdown()  # waits for the server thread's poll (half a second): off the event loop
        server.server_close()

    async def stop() -> None:
        await asyncio.to_thread(close)

    return stop
