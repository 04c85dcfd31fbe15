"""Topics of a run are deleted by their prefix, and only those."""

from __future__ import annotations

from uuid import uuid4

import pytest
from aiokafka.errors import KafkaError

from services.eventkit.kafka import admin_client, delete_topics, ensure_topics
from tests.conftest import SettingsFactory, eventually


async def topics(bootstrap: str) -> set[str]:
    async with admin_client(bootstrap, 30) as admin:
        return set(await admin.list_topics())


async def test_a_prefix_deletes_its_topics_and_no_other(make_settings: SettingsFactory) -> None:
    settings = await make_settings("topics")
    run = f"del{uuid4().hex[:8]}"
    mine, other = [f"{run}a.safety.events", f"{run}a.safety.dlq"], f"{run}b.safety.events"
    await ensure_topics(settings, *mine, other)

    async def all_there() -> bool:  # a creation, too, reaches the broker's metadata shortly after
        return {*mine, other} <= await topics(settings.kafka_bootstrap)

    await eventually(all_there)

    deleted = await delete_topics(settings.kafka_bootstrap, f"{run}a.")
    assert sorted(deleted) == sorted(mine)

    async def only_mine_gone() -> bool:  # a deletion reaches the broker's metadata shortly after
        left = await topics(settings.kafka_bootstrap)
        return other in left and not set(mine) & left

    await eventually(only_mine_gone)
    await delete_topics(settings.kafka_bootstrap, f"{run}b.")


async def test_an_empty_prefix_is_refused(make_settings: SettingsFactory) -> None:
    settings = await make_settings("topics")
    with pytest.raises(ValueError, match="prefix"):
        await delete_topics(settings.kafka_bootstrap, "")


async def test_a_topic_the_broker_refuses_is_an_error(make_settings: SettingsFactory) -> None:
    """More replicas than brokers: the creation fails loudly (the broker's answer, not silence)."""
    settings = await make_settings("topics")
    async with admin_client(settings.kafka_bootstrap, 30) as admin:
        brokers = len((await admin.describe_cluster())["brokers"])
    wide = settings.model_copy(update={"kafka_replication_factor": brokers + 1})
    topic = f"wide{uuid4().hex[:8]}.safety.events"
    with pytest.raises(KafkaError, match="InvalidReplicationFactor"):
        await ensure_topics(wide, topic)
    assert topic not in await topics(settings.kafka_bootstrap)
