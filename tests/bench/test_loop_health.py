"""The benchmarks' reading of a service's own account of its event loop, collections and commands."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Histogram, generate_latest

from bench.loop_health import LoopHealth


def metrics(lags: list[float], pauses: dict[str, list[float]], commands: dict[str, list[float]]) -> str:
    """Prometheus text with the same metrics as ``services.eventkit.metrics``, observed as given."""
    registry = CollectorRegistry()
    lag = Histogram(
        "houqin_event_loop_lag_seconds", "", buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25), registry=registry
    )
    gc = Histogram("houqin_gc_pause_seconds", "", ["generation"], buckets=(0.01, 0.025, 0.05), registry=registry)
    command = Histogram(
        "houqin_command_seconds", "", ["service", "command"], buckets=(0.01, 0.02, 0.05, 0.1), registry=registry
    )
    for v in lags:
        lag.observe(v)
    for generation, values in pauses.items():
        for v in values:
            gc.labels(generation).observe(v)
    for name, values in commands.items():
        for v in values:
            command.labels("safety", name).observe(v)
    return generate_latest(registry).decode()


def test_late_ticks_long_collections_and_slow_commands_are_counted_over_each_threshold() -> None:
    health = LoopHealth.parse(
        metrics(
            lags=[0.0, 0.03, 0.06, 0.3],
            pauses={"0": [0.002, 0.002], "2": [0.04]},
            commands={"ReportHazard": [0.001, 0.03, 0.2], "EscalateHazard": [0.06]},
        )
    )
    assert health.ticks == 4
    assert health.late == {0.025: 3, 0.05: 2, 0.1: 1, 0.25: 1}
    assert health.collections == {"0": 2, "2": 1} and health.long_collections == {"0": 0, "2": 1}
    assert health.commands == 4
    assert health.slow_commands == {0.02: 3, 0.05: 2, 0.1: 1}


def test_the_difference_of_two_readings_is_what_happened_between_them() -> None:
    before = LoopHealth.parse(metrics([0.0, 0.3], {"0": [0.002]}, {"ReportHazard": [0.2]}))
    after = LoopHealth.parse(metrics([0.0, 0.3, 0.0, 0.06], {"0": [0.002, 0.03]}, {"ReportHazard": [0.2, 0.001]}))
    between = after.since(before)
    assert (between.ticks, between.late[0.05], between.late[0.25]) == (2, 1, 0)
    assert (between.collections, between.long_collections) == ({"0": 1}, {"0": 1})
    assert (between.commands, between.slow_commands[0.02]) == (1, 0)
    assert "1 over 50 ms" in between.describe()


def test_a_process_without_loop_metrics_says_so() -> None:
    assert LoopHealth.parse("").describe() == "no loop metrics"


def batch_metrics(relay_rounds: list[int], consumer_batches: dict[str, list[int]]) -> str:
    registry = CollectorRegistry()
    relay = Histogram("houqin_relay_round_events", "", ["service"], buckets=(1, 10, 100), registry=registry)
    consumer = Histogram("houqin_consumer_batch_events", "", ["consumer"], buckets=(1, 10, 100), registry=registry)
    for n in relay_rounds:
        relay.labels("safety").observe(n)
    for group, sizes in consumer_batches.items():
        for n in sizes:
            consumer.labels(group).observe(n)
    return generate_latest(registry).decode()


def test_relay_rounds_and_consumer_batches_are_counted_with_their_mean_size() -> None:
    before = LoopHealth.parse(batch_metrics([5], {"projections": [2]}))
    after = LoopHealth.parse(batch_metrics([5, 3, 1], {"projections": [2, 4], "reactions": [1, 3]}))
    between = after.since(before)
    assert (between.relay_rounds, between.relay_events) == (2, 4)
    assert (between.consumer_batches, between.consumer_records) == (3, 8)
    # with no loop ticks there is nothing to describe; give it one
    between.ticks = 1
    assert "relay rounds 2 (2.0 events each)" in between.describe()
    assert "consumer batches 3 (2.7 records each)" in between.describe()
