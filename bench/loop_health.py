"""A served process's own account of its event loop, garbage collector, commands, relay and
consumers, read from its ``/metrics``: where a stall in an open loop came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass
class LoopHealth:
    """A served process's own account of its event loop and garbage collector, read from its
    ``/metrics`` (``services.eventkit.loopwatch``): where a stall in an open loop came from.
    With several API processes, it is the account of the one that answered."""

    ticks: float = 0.0
    late: dict[float, float] = field(default_factory=dict)  # threshold (s) -> ticks later than it
    collections: dict[str, float] = field(default_factory=dict)  # generation -> collections
    collected_s: dict[str, float] = field(default_factory=dict)  # generation -> seconds in them
    long_collections: dict[str, float] = field(default_factory=dict)  # generation -> those over 25 ms
    commands: float = 0.0  # commands handled (``houqin_command_seconds``: load, decide, append)
    slow_commands: dict[float, float] = field(default_factory=dict)  # threshold (s) -> commands slower
    relay_rounds: float = 0.0  # ``houqin_relay_round_events``: rounds, and the events they carried
    relay_events: float = 0.0
    consumer_batches: float = 0.0  # ``houqin_consumer_batch_events``, over every consumer of the process
    consumer_records: float = 0.0

    THRESHOLDS = (0.025, 0.05, 0.1, 0.25)
    SLOW_COMMAND = (0.02, 0.05, 0.1)

    @classmethod
    async def read(cls, url: str) -> LoopHealth:
        """From the main port's ``/metrics``, which answers operators only: with a token of its own."""
        from services.eventkit.auth import Principal, Role, mint_token
        from services.eventkit.settings import Settings

        operator = Principal(subject="bench-operator", roles=frozenset([Role.OPERATOR]))
        headers = {"Authorization": f"Bearer {mint_token(Settings(), operator, ttl_s=60)}"}  # the development key
        try:
            async with httpx.AsyncClient(base_url=url, timeout=10, headers=headers) as client:
                return cls.parse((await client.get("/metrics")).text)
        except httpx.HTTPError:
            return cls()

    @classmethod
    def parse(cls, text: str) -> LoopHealth:
        """From the Prometheus text of a process's ``/metrics``."""
        from prometheus_client.parser import text_string_to_metric_families

        health = cls()
        buckets: dict[tuple[str, str], float] = {}
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name == "houqin_event_loop_lag_seconds_count":
                    health.ticks = sample.value
                elif sample.name == "houqin_event_loop_lag_seconds_bucket":
                    buckets[("lag", sample.labels["le"])] = sample.value
                elif sample.name == "houqin_gc_pause_seconds_count":
                    health.collections[sample.labels["generation"]] = sample.value
                elif sample.name == "houqin_gc_pause_seconds_sum":
                    health.collected_s[sample.labels["generation"]] = sample.value
                elif sample.name == "houqin_gc_pause_seconds_bucket" and sample.labels["le"] == "0.025":
                    buckets[("gc", sample.labels["generation"])] = sample.value
                elif sample.name == "houqin_command_seconds_count":
                    health.commands += sample.value
                elif sample.name == "houqin_command_seconds_bucket":
                    key = ("command", sample.labels["le"])
                    buckets[key] = buckets.get(key, 0.0) + sample.value
                elif sample.name == "houqin_relay_round_events_count":
                    health.relay_rounds += sample.value
                elif sample.name == "houqin_relay_round_events_sum":
                    health.relay_events += sample.value
                elif sample.name == "houqin_consumer_batch_events_count":
                    health.consumer_batches += sample.value
                elif sample.name == "houqin_consumer_batch_events_sum":
                    health.consumer_records += sample.value
        for threshold in cls.THRESHOLDS:
            health.late[threshold] = health.ticks - buckets.get(("lag", str(threshold)), health.ticks)
        for generation, count in health.collections.items():
            health.long_collections[generation] = count - buckets.get(("gc", generation), count)
        for threshold in cls.SLOW_COMMAND:
            health.slow_commands[threshold] = health.commands - buckets.get(("command", str(threshold)), 0.0)
        return health

    def since(self, before: LoopHealth) -> LoopHealth:
        def minus(a: dict[Any, float], b: dict[Any, float]) -> dict[Any, float]:
            return {k: v - b.get(k, 0.0) for k, v in a.items()}

        return LoopHealth(
            self.ticks - before.ticks,
            minus(self.late, before.late),
            minus(self.collections, before.collections),
            minus(self.collected_s, before.collected_s),
            minus(self.long_collections, before.long_collections),
            self.commands - before.commands,
            minus(self.slow_commands, before.slow_commands),
            self.relay_rounds - before.relay_rounds,
            self.relay_events - before.relay_events,
            self.consumer_batches - before.consumer_batches,
            self.consumer_records - before.consumer_records,
        )

    def describe(self) -> str:
        if not self.ticks:
            return "no loop metrics"
        late = ", ".join(f"{self.late.get(t, 0):.0f} over {t * 1000:.0f} ms" for t in self.THRESHOLDS)
        collections = ", ".join(
            f"gen{g} {n:.0f} ({self.collected_s.get(g, 0.0) * 1000:.0f} ms, {self.long_collections.get(g, 0):.0f} "
            "over 25 ms)"
            for g, n in sorted(self.collections.items())
        )
        slow = ", ".join(f"{self.slow_commands.get(t, 0):.0f} over {t * 1000:.0f} ms" for t in self.SLOW_COMMAND)
        handled = f"; commands {self.commands:.0f} (in the store: {slow})" if self.commands else ""
        relayed = (
            f"; relay rounds {self.relay_rounds:.0f} ({self.relay_events / self.relay_rounds:.1f} events each)"
            if self.relay_rounds
            else ""
        )
        consumed = (
            f"; consumer batches {self.consumer_batches:.0f} "
            f"({self.consumer_records / self.consumer_batches:.1f} records each)"
            if self.consumer_batches
            else ""
        )
        return f"event loop ticks {self.ticks:.0f}: late {late}; collections: {collections}{handled}{relayed}{consumed}"
