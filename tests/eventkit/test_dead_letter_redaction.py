"""A dead letter of an event with health or injury details keeps them out of the dead-letter
topic, the ``dead_letters`` table and the error log (the event stays whole in its own topic)."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from uuid import uuid4

import pytest

from services.eventkit.consumer import ConsumerRunner, Reaction
from services.eventkit.db import Connection
from services.eventkit.envelope import Envelope
from services.eventkit.redaction import WITHHELD, redact, redact_text
from tests.eventkit.test_consumer import World, start, stop, world
from tests.kafka_helpers import produce_raw, read_topic

__all__ = ["world"]

SECRETS = ("左手腕扭伤", "冰敷并固定")


class Fails(Reaction):
    """A reaction to injuries whose error quotes the event, as a validation error would."""

    name = "fails-on-injuries"
    event_types = frozenset({"safety.InjuryReported"})

    async def handle(self, conn: Connection, envelope: Envelope) -> None:
        raise ValueError(f"cannot apply {envelope.data}")


def injury() -> Envelope:
    return Envelope(
        event_id=uuid4(),
        stream_id=f"injury-{uuid4().hex[:6]}",
        version=1,
        type="safety.InjuryReported",
        schema_version=1,
        occurred_at=datetime.now(UTC),
        campus_id="main",
        data={
            "injury_id": "inj-1",
            "campus_id": "main",
            "student_id": "yao",
            "class_id": "g6-1",
            "setting": "pe_class",
            "occurred_at": "2020-10-12T02:00:00+00:00",
            "injury": SECRETS[0],
            "first_aid": SECRETS[1],
            "reported_by": "huang",
        },
    )


def test_redact_withholds_the_declared_fields_from_whoever_lacks_the_scope() -> None:
    env = injury().model_dump(mode="json")
    withheld = redact(env, None)
    assert (withheld["data"]["injury"], withheld["data"]["first_aid"]) == (WITHHELD, WITHHELD)
    assert withheld["data"]["setting"] == "pe_class" and env["data"]["injury"] == SECRETS[0]
    assert redact_text(f"no: {SECRETS[1]}!", injury().to_wire()) == f"no: {WITHHELD}!"
    hazard = {"type": "safety.HazardReported", "data": {"description": "窨井盖"}}
    assert redact(hazard, None) == hazard  # nothing declared: nothing withheld


async def test_a_dead_lettered_injury_keeps_its_details_out_of_the_dlq_the_table_and_the_log(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    runner = ConsumerRunner(world.mirror, world.mirror_pool, [Fails()], [world.topic])
    handle = await start(runner)
    event = injury()
    with caplog.at_level(logging.ERROR, logger="services.eventkit.consumer"):
        await produce_raw(world.directory.kafka_bootstrap, world.topic, (event.stream_id.encode(), event.to_wire()))
        for _ in range(600):
            if runner.dead_lettered:
                break
            await asyncio.sleep(0.1)
        await stop(handle)
    assert runner.dead_lettered == 1

    row = await world.mirror_pool.fetchrow(
        "SELECT reason, payload FROM dead_letters WHERE stream_id = $1", event.stream_id
    )
    assert row is not None and "ValueError" in row["reason"] and WITHHELD in row["reason"]
    kept = Envelope.from_wire(row["payload"])
    assert (kept.event_id, kept.data["injury"], kept.data["setting"]) == (event.event_id, WITHHELD, "pe_class")

    dlq = await read_topic(world.mirror.kafka_bootstrap, world.mirror.dlq_topic, until=1)
    ((*_, value, headers),) = [d for d in dlq if event.stream_id.encode() in d[2]]
    logged = [r.getMessage() + str(r.__dict__) for r in caplog.records if r.name == "services.eventkit.consumer"]
    assert logged, "the dead letter is logged"
    for secret in SECRETS:
        assert secret not in row["reason"] and secret.encode() not in row["payload"]
        assert secret.encode() not in value and secret.encode() not in dict(headers)["dlq_reason"]
        assert all(secret not in line for line in logged)
