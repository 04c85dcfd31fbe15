"""The pieces of ``bench.commands_http``'s workload of commands on existing aggregates
(``bench.existing_aggregates``), against the safety service as the benchmark runs it (its own
process, the raw HTTP client): each finding goes to a stream that exists and takes its next
version, carries the gateway's fresh ``Idempotency-Key`` to the store, and a replayed key is
answered with its first result and appends nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from uuid import uuid4

import asyncpg
import pytest
import pytest_asyncio

from bench.clients import ClientPool, district_admin_headers
from bench.commands_http import prepare
from bench.dataset import DISTRICT
from bench.existing_aggregates import (
    AREAS,
    CHECKLIST,
    FINDINGS_PER_WALK,
    OpenInspections,
    Sent,
    finding_body,
    findings_recorded,
    stream_lengths,
)
from services.eventkit.processes import ServiceProcess
from tests.conftest import SettingsFactory

INSPECTIONS = 3
FINDINGS = 7  # inspection 0 gets findings 0, 3 and 6; the others two each


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def safety(make_settings: SettingsFactory) -> AsyncIterator[tuple[ClientPool, asyncpg.Pool]]:
    """The safety service in its own process on a fresh database with the benchmark's campuses,
    a pool of raw clients on it as a district admin, and a pool on its database."""
    settings = await make_settings("safety", namespace_suffix=f"existing{uuid4().hex[:6]}")
    assert settings.database_url is not None
    await prepare(settings.database_url)
    service = ServiceProcess("safety", settings, mode="all")
    await service.launch()
    client = ClientPool("raw", service.url, district_admin_headers(settings, DISTRICT), 4)
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=2)
    try:
        yield client, pool
    finally:
        await pool.close()
        await client.aclose()
        await service.close()


def test_a_walk_goes_through_every_item_in_every_area_once() -> None:
    walk = [finding_body(step) for step in range(FINDINGS_PER_WALK)]
    assert {(f["item"], f["area"]) for f in walk} == {(i, a) for i in CHECKLIST for a in AREAS}
    assert finding_body(FINDINGS_PER_WALK) == walk[0]  # the next round walks it again


async def test_findings_go_to_existing_streams_with_growing_versions_and_a_replay_appends_nothing(
    safety: tuple[ClientPool, asyncpg.Pool],
) -> None:
    client, pool = safety
    inspections = OpenInspections(client, uuid4().hex[:6], INSPECTIONS)
    start, record, replay = inspections.start(), inspections.record(), inspections.replay()
    for n in range(INSPECTIONS):
        await start(n)
    for i in range(FINDINGS):
        await record(i)

    # each finding took the next version of its inspection's stream, started at 1
    assert [s.version for s in inspections.sent] == [2, 2, 2, 3, 3, 3, 4]
    assert inspections.recorded == FINDINGS == await findings_recorded(pool, inspections.tag)
    assert await stream_lengths(pool, inspections.tag) == (3, 10 / 3, 4)
    # the gateway's key reached the store with each finding's event; every key was a fresh one
    stored = await pool.fetch(
        "SELECT stream_id, version, command_id FROM events WHERE type = 'safety.InspectionFindingRecorded' "
        "AND stream_id LIKE $1",
        f"inspection-in-{inspections.tag}-%",
    )
    by_version = {(r["stream_id"], r["version"]): r["command_id"] for r in stored}
    for i, sent in enumerate(inspections.sent):
        assert by_version[(inspections.stream_id(i % INSPECTIONS), sent.version)] == sent.key
    assert len({s.key for s in inspections.sent}) == FINDINGS

    # every key sent again with its request: its first answer, and nothing appended
    for i in range(2 * FINDINGS):
        await replay(i)
    assert inspections.replayed == 2 * FINDINGS
    assert await findings_recorded(pool, inspections.tag) == FINDINGS
    assert await stream_lengths(pool, inspections.tag) == (3, 10 / 3, 4)


async def test_a_replay_that_is_not_answered_as_its_first_result_is_an_error(
    safety: tuple[ClientPool, asyncpg.Pool],
) -> None:
    client, pool = safety
    inspections = OpenInspections(client, uuid4().hex[:6], 1)
    await inspections.start()(0)
    await inspections.record()(0)
    first = inspections.sent[0]
    # a key never used before is applied (a new finding), not answered from a record
    inspections.sent[0] = Sent(first.path, first.body, str(uuid4()), first.version)
    with pytest.raises(RuntimeError, match="not answered as its first result"):
        await inspections.replay()(0)
    assert inspections.replayed == 0
    assert await findings_recorded(pool, inspections.tag) == 2
