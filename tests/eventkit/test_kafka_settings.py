"""The replication of the topics the services create: settings, from the environment, validated."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.eventkit.settings import Settings


def test_one_replica_one_in_sync_by_default() -> None:
    settings = Settings()
    assert (settings.kafka_replication_factor, settings.kafka_min_insync_replicas) == (1, 1)


def test_a_cluster_of_three_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOUQIN_KAFKA_BOOTSTRAP", "127.0.0.1:9092,127.0.0.1:9102,127.0.0.1:9112")
    monkeypatch.setenv("HOUQIN_KAFKA_REPLICATION_FACTOR", "3")
    monkeypatch.setenv("HOUQIN_KAFKA_MIN_INSYNC_REPLICAS", "2")
    monkeypatch.setenv("HOUQIN_TOPIC_PARTITIONS", "12")
    settings = Settings()
    assert (settings.kafka_replication_factor, settings.kafka_min_insync_replicas) == (3, 2)
    assert settings.topic_partitions == 12
    assert settings.kafka_bootstrap.split(",")[2] == "127.0.0.1:9112"  # aiokafka splits it as given


@pytest.mark.parametrize(("replicas", "in_sync"), [(1, 2), (3, 4), (0, 1), (3, 0)])
def test_in_sync_replicas_are_one_to_the_replicas(replicas: int, in_sync: int) -> None:
    with pytest.raises(ValidationError):
        Settings(kafka_replication_factor=replicas, kafka_min_insync_replicas=in_sync)
