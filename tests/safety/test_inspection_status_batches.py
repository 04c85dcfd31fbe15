"""The inspection status's set-based batches leave the tables as applying one by one does.

Findings are counted per inspection and signatures written per agreement at the end of
a batch; the interleavings that could break that (an inspection started, found and
completed inside one batch; a refusal then a signature of one agreement; batches cut
anywhere) are all here, checked row for row against ``apply_in_order``.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
import pytest_asyncio

from services.eventkit.db import KIT_MIGRATIONS, create_pool, migrate
from services.eventkit.envelope import DomainEvent, Envelope, TenantPath, new_envelope
from services.eventkit.projection import create_schema, schema_rows
from services.safety import events as ev
from services.safety.health import HealthRecord
from services.safety.projections.inspection_status import INSPECTION_STATUS
from services.safety.service import SAFETY
from tests.conftest import DatabaseFactory

TENANT = TenantPath(district_id="xinbei", school_id="xuexiao", campus_id="main")
T0 = datetime(2020, 9, 7, 8, 0, tzinfo=UTC)


def term_of_events() -> list[Envelope]:
    """Two inspections and an agreement campaign, interleaved as a campus writes them."""
    versions: dict[str, int] = {}
    out: list[Envelope] = []

    def add(stream: str, event: DomainEvent, minutes: int) -> None:
        versions[stream] = versions.get(stream, 0) + 1
        out.append(
            new_envelope(
                event,
                stream_id=stream,
                version=versions[stream],
                tenant=TENANT,
                occurred_at=T0 + timedelta(minutes=minutes),
            )
        )

    def started(i: str, minutes: int) -> None:
        add(
            f"inspection-{i}",
            ev.InspectionStarted(
                inspection_id=i,
                campus_id="main",
                kind=ev.InspectionKind.DAILY_PATROL,
                areas=["教学楼", "食堂"],
                checklist=["消防通道", "电线"],
                inspector_id="guard-1",
                started_at=T0 + timedelta(minutes=minutes),
            ),
            minutes,
        )

    def finding(i: str, ok: bool, minutes: int) -> None:
        add(
            f"inspection-{i}",
            ev.InspectionFindingRecorded(inspection_id=i, item="电线", area="教学楼", ok=ok),
            minutes,
        )

    def completed(i: str, minutes: int) -> None:
        add(
            f"inspection-{i}",
            ev.InspectionCompleted(
                inspection_id=i,
                campus_id="main",
                kind=ev.InspectionKind.DAILY_PATROL,
                completed_at=T0 + timedelta(minutes=minutes),
                findings=0,
                problems=0,
                summary="无异常",
            ),
            minutes,
        )

    campaign = "agreement-campaign-c1"
    add(
        campaign,
        ev.AgreementCampaignLaunched(
            campaign_id="c1",
            campus_id="main",
            term_id="t1",
            title="安全责任书",
            document_ref="doc-1",
            parties=[ev.PartyKind.PARENT],
        ),
        0,
    )
    add(
        campaign,
        ev.AgreementsIssued(
            campaign_id="c1",
            agreements=[ev.IssuedAgreement(party_kind=ev.PartyKind.PARENT, party_id=f"p{n}") for n in range(4)],
            issued_at=T0 + timedelta(minutes=1),
        ),
        1,
    )
    started("a", 2)
    finding("a", True, 3)
    add(campaign, ev.AgreementRefused(campaign_id="c1", party_id="p1", reason="再考虑"), 4)
    finding("a", False, 5)
    add(campaign, ev.AgreementSigned(campaign_id="c1", party_id="p0", signed_by="p0", signed_at=T0), 6)
    started("b", 7)
    finding("b", False, 8)
    finding("a", True, 9)
    add(
        campaign,
        ev.AgreementSigned(campaign_id="c1", party_id="p1", signed_by="p1", signed_at=T0 + timedelta(hours=1)),
        10,
    )
    completed("a", 11)
    finding("b", False, 12)
    add(campaign, ev.AgreementRefused(campaign_id="c1", party_id="p2", reason="不同意条款"), 13)
    add(
        campaign,
        ev.AgreementSigned(
            campaign_id="c1", party_id="p2", signed_by="staff", signed_at=T0 + timedelta(hours=2), on_paper=True
        ),
        14,
    )
    add(campaign, ev.AgreementRefused(campaign_id="c1", party_id="p3", reason="未到校"), 15)
    return out


@pytest_asyncio.fixture
async def pool(new_database: DatabaseFactory) -> AsyncIterator[asyncpg.Pool]:
    dsn = await new_database("inspection_batches")
    pool = await create_pool(dsn, min_size=1, max_size=4)
    async with pool.acquire() as conn:
        assert SAFETY.migrations is not None
        await migrate(conn, KIT_MIGRATIONS, SAFETY.migrations)
    yield pool
    await pool.close()


async def apply(pool: asyncpg.Pool, schema: str, events: list[Envelope], batch: int) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await create_schema(conn, INSPECTION_STATUS, schema)
    if batch == 0:
        for env in events:
            async with pool.acquire() as conn, conn.transaction():
                await INSPECTION_STATUS.apply_in_order(conn, schema, env)
        return
    for start in range(0, len(events), batch):
        async with pool.acquire() as conn, conn.transaction():
            await INSPECTION_STATUS.apply_many(conn, schema, events[start : start + batch])


@pytest.mark.parametrize("batch", [len(term_of_events()), 5, 3, 2])
async def test_batches_equal_one_by_one(pool: asyncpg.Pool, batch: int) -> None:
    events = term_of_events()
    await apply(pool, "one_by_one", events, 0)
    await apply(pool, "batched", events, batch)
    reference = await schema_rows(pool, "one_by_one")
    assert reference == await schema_rows(pool, "batched")
    # and the reference is what the events say
    inspections = {r["inspection_id"]: r for r in await pool.fetch("SELECT * FROM one_by_one.inspections")}
    assert (inspections["a"]["findings"], inspections["a"]["problems"]) == (3, 1)
    assert (inspections["b"]["findings"], inspections["b"]["problems"]) == (2, 2)
    statuses = {
        r["party_id"]: r["status"] for r in await pool.fetch("SELECT party_id, status FROM one_by_one.agreements")
    }
    assert statuses == {"p0": "signed", "p1": "signed", "p2": "signed", "p3": "refused"}


async def test_streams_it_does_not_follow_cost_it_nothing(pool: asyncpg.Pool) -> None:
    """A health record's events are not the inspection status's business: no row, no checkpoint,
    by either path (so a live projection and a rebuild keep the same checkpoints)."""
    events = term_of_events()
    health = new_envelope(
        ev.HealthRecordOpened(student_id="s1", class_id="c1", admission="new", opened_on=T0.date()),
        stream_id=HealthRecord.stream_id("s1"),
        version=1,
        tenant=TENANT,
    )
    assert not INSPECTION_STATUS.follows(health.stream_id)
    assert all(INSPECTION_STATUS.follows(e.stream_id) for e in events)
    mixed = [health, *events[:3], health.model_copy(update={"version": 2}), *events[3:]]
    await apply(pool, "one_by_one", mixed, 0)
    await apply(pool, "batched", mixed, 4)
    for schema in ("one_by_one", "batched"):
        streams = {r["stream_id"] for r in await pool.fetch(f"SELECT stream_id FROM {schema}._streams")}
        assert streams == {e.stream_id for e in events}
    assert await schema_rows(pool, "one_by_one") == await schema_rows(pool, "batched")


def test_every_wanted_event_is_decided_by_a_followed_aggregate() -> None:
    """A projection that names its streams must name the aggregate behind each event type it wants:
    the decider's module is where the event is made."""
    for projection in SAFETY.projections:
        assert projection.streams, f"{projection.name} follows every stream"
        sources = "\n".join(inspect.getsource(inspect.getmodule(d.decide)) for d in projection.streams)  # type: ignore[arg-type]
        for event_type in projection.event_types:
            name = event_type.split(".", 1)[1]
            assert f"{name}(" in sources, f"{projection.name} wants {event_type}, made by none of its streams"
