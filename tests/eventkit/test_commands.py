"""The command bus on a real store: a command that begins an entity is decided without a read,
and behaves exactly as if it had read whenever the stream exists after all."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest

from services.eventkit.auth import Principal, Role
from services.eventkit.commands import CommandBus, CommandContext
from services.eventkit.decider import Resolved
from services.eventkit.envelope import Envelope, TenantPath
from services.eventkit.errors import ConcurrencyConflict, Rejected
from services.eventkit.store import EventStore
from services.safety.events import SAFETY_EVENTS
from services.safety.hazards import EscalateHazard, Hazard, ReportHazard

TENANT = TenantPath(district_id="xinbei", school_id="xuexiao", campus_id="aoyuan")
CTX = CommandContext(principal=Principal(subject="zhang-admin", roles=frozenset({Role.DISTRICT_ADMIN})))


class CountingStore(EventStore):
    """The real store, counting the streams it was asked to read."""

    reads = 0

    async def read_stream(self, stream_id: str, from_version: int = 1, **kw: Any) -> list[Envelope]:
        self.reads += 1
        return await super().read_stream(stream_id, from_version, **kw)


def report(hazard_id: str, **changes: Any) -> ReportHazard:
    fields = {
        "hazard_id": hazard_id,
        "campus_id": "aoyuan",
        "area": "奥园校区 教学楼外墙",
        "description": "外墙墙砖脱落",
        "severity": "high",
        "at": datetime(2020, 10, 12, 8, 30, tzinfo=UTC),
    }
    return ReportHazard(**(fields | changes))


async def run(bus: CommandBus, hazard_id: str, command: Any, ctx: CommandContext = CTX) -> Any:
    return await bus.execute(Hazard, hazard_id, Resolved(command, TENANT, hazard_id), ctx, TENANT)


@pytest.fixture
def store(pool: Any) -> CountingStore:
    return CountingStore(pool)


async def test_a_new_hazard_is_reported_without_reading_its_stream(store: CountingStore) -> None:
    bus = CommandBus("safety", store, SAFETY_EVENTS)
    result = await run(bus, "wall-tiles", report("wall-tiles"))
    assert (result.version, result.events) == (1, ["safety.HazardReported"])
    assert store.reads == 0
    await run(bus, "wall-tiles", EscalateHazard(authority="新北区教育局"))  # any other command reads
    assert store.reads == 1


async def test_reporting_a_hazard_again_is_refused_as_if_the_stream_had_been_read(store: CountingStore) -> None:
    bus = CommandBus("safety", store, SAFETY_EVENTS)
    await run(bus, "wall-tiles", report("wall-tiles"))
    with pytest.raises(Rejected, match="already reported"):
        await run(bus, "wall-tiles", report("wall-tiles", description="又掉了一块"))
    assert await store.pool.fetchval("SELECT count(*) FROM events WHERE stream_id = 'hazard-wall-tiles'") == 1


async def test_a_client_expecting_a_new_stream_gets_a_conflict_when_it_exists(store: CountingStore) -> None:
    bus = CommandBus("safety", store, SAFETY_EVENTS)
    await run(bus, "wall-tiles", report("wall-tiles"))
    with pytest.raises(ConcurrencyConflict):
        await run(bus, "wall-tiles", report("wall-tiles", expected_version=0))
    assert await store.pool.fetchval("SELECT count(*) FROM events") == 1


async def test_of_many_reports_of_one_new_hazard_at_once_exactly_one_is_appended(store: CountingStore) -> None:
    bus = CommandBus("safety", store, SAFETY_EVENTS)
    outcomes = await asyncio.gather(
        *(run(bus, "gate-latch", report("gate-latch", description=f"门闩坏了 {i}")) for i in range(12)),
        return_exceptions=True,
    )
    won = [o for o in outcomes if not isinstance(o, BaseException)]
    refused = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(won) == 1 and won[0].version == 1
    assert refused and all(isinstance(o, Rejected) and "already reported" in str(o) for o in refused), refused
    assert await store.pool.fetchval("SELECT count(*) FROM events") == 1


async def test_every_command_is_timed_by_service_and_command_refusals_included(store: CountingStore) -> None:
    from prometheus_client import REGISTRY

    def timed(command: str) -> float:
        return REGISTRY.get_sample_value("houqin_command_seconds_count", {"service": "safety", "command": command}) or 0

    bus = CommandBus("safety", store, SAFETY_EVENTS)
    reports, escalations = timed("ReportHazard"), timed("EscalateHazard")
    await run(bus, "timed", report("timed"))
    with pytest.raises(Rejected):
        await run(bus, "timed", report("timed"))
    await run(bus, "timed", EscalateHazard(authority="新北区教育局"))
    assert (timed("ReportHazard") - reports, timed("EscalateHazard") - escalations) == (2, 1)
